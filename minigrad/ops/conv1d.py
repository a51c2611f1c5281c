"""1-D convolution and transposed convolution of (N, C, L) sequences, run as the 2-D ops over (N, C, 1, L) images.

Shapes (PyTorch's): ``x`` (N, C, L) or (C, L); ``weight`` (O, C/groups, k); ``bias`` (O,).

``conv1d`` checks its arguments in 1-D terms, then views ``x`` as (N, C, 1, L) and ``weight`` as
(O, C/groups, 1, k) (reshapes, no copy) and applies the ``Conv2d`` op with a (1, k) kernel, stride
(1, s), dilation (1, d) and no padding along the length-1 height: the same im2col windows and one
GEMM (a batched GEMM with groups), no loop over positions, and values equal to a direct 1-D
convolution (the height axis adds no term). Its derivatives are Conv2d's, seen through the reshapes:
dL/dx = ConvTranspose2d(g, w) and dL/dw = Conv2dWeight(x, g), reshaped back to (N, C, L) and
(O, C/groups, k); dL/db = g summed over (N, Lo). Second derivatives follow, as for conv2d.
``conv_transpose1d`` is ``ConvTranspose2d`` over (N, Cin, 1, L) with weight (Cin, Cout/groups, 1, k) likewise.
"""
from __future__ import annotations

from minigrad.autograd.coercion import as_tensor
from minigrad.ops._windows import Geometry, single
from minigrad.ops.conv import (Conv2d, ConvTranspose2d, _check_groups, channels_error, check_dtypes,
                                check_some_output_channels, conv_padding, conv_transpose2d)

__all__ = ["conv1d", "conv_transpose1d"]


def _checked(op, x, weight, bias, layout="out_channels, in_channels/groups, k"):
    x, weight = as_tensor(x), as_tensor(weight, like=x)
    bias = None if bias is None else as_tensor(bias, like=x)
    if x.ndim not in (2, 3):
        raise ValueError(f"{op}: expected a 2-D (C, L) or 3-D (N, C, L) input, got shape {tuple(x.shape)}")
    if weight.ndim != 3:
        raise ValueError(f"{op}: expected a 3-D ({layout}) weight, "
                         f"got shape {tuple(weight.shape)}")
    check_dtypes(op, x, weight, bias)
    return x, weight, bias


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """1-D convolution (cross-correlation) of (N, C, L) sequences, as ``torch.nn.functional.conv1d``.

    x (N, C, L) or (C, L); weight (O, C/groups, k); bias (O,) or None. ``stride``/``dilation``: an int
    or a 1-tuple; ``padding``: an int, a 1-tuple, "valid" or "same" (stride 1; an even total goes
    after). Returns (N, O, Lo) with Lo = floor((L + 2 p - d (k - 1) - 1) / s) + 1.
    Runs as conv2d on (N, C, 1, L) (see the module docstring): dL/dx = conv_transpose1d(g, w),
    dL/dw = the correlation of x with g, dL/db = g summed over (N, Lo).
    """
    op = "conv1d"
    input, weight, bias = _checked(op, input, weight, bias)
    unbatched = input.ndim == 2
    if unbatched:
        input = input.reshape(1, *input.shape)
    check_some_output_channels(op, weight)
    o, cg, k = weight.shape
    stride, dilation = single(op, "stride", stride), single(op, "dilation", dilation)
    for name, value in (("stride", stride), ("dilation", dilation)):
        if value < 1:
            raise ValueError(f"{op}: {name} must be positive, got {value}")
    groups = _check_groups(op, groups, cg * groups, o)
    n, c, length = input.shape
    if c != cg * groups:
        raise ValueError(channels_error(op, input.shape, weight.shape, cg * groups, unbatched,
                                        f" with groups={groups}"))
    if bias is not None and tuple(bias.shape) != (o,):
        raise ValueError(f"{op}: bias must have shape ({o},) for weight {tuple(weight.shape)}, got {tuple(bias.shape)}")
    if isinstance(padding, str):  # conv_padding refuses any other string, naming the 1-D forms
        (pads,) = conv_padding(op, padding, (k,), (stride,), (dilation,))
    else:
        p = single(op, "padding", padding)
        if p < 0:
            raise ValueError(f"{op}: padding must be non-negative, got {p}")
        pads = (p, p)
    extent = dilation * (k - 1) + 1
    if length + sum(pads) < extent:
        raise ValueError(f"{op}: the kernel ({extent} with dilation {dilation}) is larger than the padded input "
                         f"({length} + padding {sum(pads)} = {length + sum(pads)}); input shape "
                         f"{tuple(input.shape)}, kernel {k}")
    geo = Geometry((1, k), (1, stride), (1, dilation), ((0, 0), pads), groups)
    args = [input.reshape(n, c, 1, length), weight.reshape(o, cg, 1, k)] + ([] if bias is None else [bias])
    y = Conv2d.apply(*args, geo=geo)
    y = y.reshape(n, o, y.shape[3])
    return y.reshape(o, y.shape[2]) if unbatched else y


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-D transposed convolution (the input gradient of conv1d), as ``torch.nn.functional.conv_transpose1d``.

    x (N, Cin, L) or (Cin, L); weight (Cin, Cout/groups, k) (PyTorch's layout); bias (Cout,) or None.
    Returns (N, Cout, Lo) with Lo = (L - 1) s - 2 p + d (k - 1) + output_padding + 1; ``output_padding``
    must be smaller than the stride or the dilation. Runs as ConvTranspose2d over (N, Cin, 1, L): dL/dx =
    conv1d(g, w), dL/dw = the correlation of g with x, dL/db = g summed over (N, Lo).
    """
    op = "conv_transpose1d"
    x, weight, bias = _checked(op, input, weight, bias, "in_channels, out_channels/groups, k")
    unbatched = x.ndim == 2
    if unbatched:
        x = x.reshape(1, *x.shape)
    cin, coutg, k = weight.shape
    stride, dilation = single(op, "stride", stride), single(op, "dilation", dilation)
    out_pad = single(op, "output_padding", output_padding)
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding must be an int or a 1-tuple, got {padding!r}")
    p = single(op, "padding", padding)
    for name, value in (("stride", stride), ("dilation", dilation)):
        if value < 1:
            raise ValueError(f"{op}: {name} must be positive, got {value}")
    if p < 0:
        raise ValueError(f"{op}: padding must be non-negative, got {p}")
    if not 0 <= out_pad < max(stride, dilation):
        raise ValueError(f"{op}: output_padding {out_pad} must be non-negative and smaller than the stride {stride} "
                         f"or the dilation {dilation}")
    groups = _check_groups(op, groups, cin, coutg * groups)
    n, c, length = x.shape
    if c != cin:
        raise ValueError(channels_error(op, x.shape, weight.shape, cin, unbatched))
    if bias is not None and tuple(bias.shape) != (coutg * groups,):
        raise ValueError(f"{op}: bias must have shape ({coutg * groups},) for weight {tuple(weight.shape)} "
                         f"and groups={groups}, got {tuple(bias.shape)}")
    if out_pad >= stride:   # past conv's adjoint (below the dilation): conv_transpose2d's path for that case
        y = conv_transpose2d(x.reshape(n, c, 1, length), weight.reshape(cin, coutg, 1, k), bias, (1, stride),
                             (0, p), (0, out_pad), groups, (1, dilation))
        y = y.reshape(n, y.shape[1], y.shape[3])
        return y.reshape(*y.shape[1:]) if unbatched else y
    out = (length - 1) * stride - 2 * p + dilation * (k - 1) + out_pad + 1
    geo = Geometry((1, k), (1, stride), (1, dilation), ((0, 0), (p, p)), groups)
    if out < 1 or geo.out_size(1, out)[1] != length:
        raise ValueError(f"{op}: input {tuple(x.shape)} with weight {tuple(weight.shape)}, stride {stride}, "
                         f"padding {p}, output_padding {out_pad}, dilation {dilation} gives no valid output "
                         f"size (got {out})")
    args = [x.reshape(n, c, 1, length), weight.reshape(cin, coutg, 1, k)] + ([] if bias is None else [bias])
    y = ConvTranspose2d.apply(*args, geo=geo, out_hw=(1, out))
    y = y.reshape(n, y.shape[1], out)
    return y.reshape(y.shape[1], out) if unbatched else y
