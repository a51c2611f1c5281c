"""2-D convolution and transposed convolution, NCHW, as windows of the input and one matrix product.

Shapes (PyTorch's): ``x`` (N, C, H, W); conv2d's ``weight`` (O, C/groups, kh, kw);
conv_transpose2d's ``weight`` (C_in, C_out/groups, kh, kw); ``bias`` (channels,).

All three ops below are derivatives of one scalar, the bilinear form
``B(u, w, v) = <conv2d(u, w), v>`` (u an input image, v an output image):

* ``conv2d(u, w)                = dB/dv``  (``Conv2d``)
* ``conv_transpose2d(v, w)      = dB/du``  (``ConvTranspose2d``: the input gradient of conv2d)
* ``conv2d_weight(u, v)         = dB/dw``  (``Conv2dWeight``: the weight gradient of conv2d)

so each one's derivatives are the other two, and second derivatives come free:

* Conv2d(x, w):          dL/dx = ConvTranspose2d(g, w),  dL/dw = Conv2dWeight(x, g)
* ConvTranspose2d(v, w): dL/dv = Conv2d(g, w),           dL/dw = Conv2dWeight(g, v)
* Conv2dWeight(u, v):    dL/du = ConvTranspose2d(v, g),  dL/dv = Conv2d(u, g)
* a bias b adds ``b[c]`` to channel c: dL/db = g summed over (N, H, W).

The kernels (``_conv``, ``_conv_transpose``, ``_conv_weight``) work on
channels-last memory (see ``_windows``): im2col gathers the windows of the
padded input as an (N*Ho*Wo, kh*kw*C) matrix, one GEMM with the
(kh*kw*C, O) weight matrix gives the output; the transpose goes back by one
GEMM and col2im, kh*kw strided adds. Groups run as one batched GEMM.

The kernels take any number of spatial axes: ``Conv3d``, ``ConvTranspose3d`` and ``Conv3dWeight`` below are the same
three ops for (N, C, D, H, W) volumes (``minigrad.ops.conv3d``), with their own names in the graph and in ONNX.
"""
from __future__ import annotations

import math

from minigrad.autograd.function import Function
from minigrad.autograd.coercion import as_tensor
from minigrad.backend import get_array_module
from minigrad.ops._windows import (Geometry, channels_first, channels_last, col2im, crop_hw, kernel_offsets, pad_hw,
                                   pair, single, slab, triple, windows)
from minigrad.scalars import as_integer

__all__ = ["conv2d", "conv_transpose2d", "Conv2d", "ConvTranspose2d", "Conv2dWeight", "Conv3d", "ConvTranspose3d",
           "Conv3dWeight"]


# ----------------------------------------------------------------------------- array kernels
# Written for any number of spatial axes: (N, C, H, W) images here, (N, C, D, H, W) volumes in conv3d.
def _im2col(x, geo, out_hw):
    """The windows of ``x`` (N, C, H, W) as a matrix: (M, kh*kw*C), or (groups, M, kh*kw*C/groups)."""
    n, c = x.shape[:2]
    g = geo.groups
    win = windows(pad_hw(channels_last(x), geo.padding), geo, out_hw)   # (N, Ho, Wo, kh, kw, C), a view
    m = n * math.prod(out_hw)
    k = math.prod(geo.kernel) * (c // g)
    if g == 1:
        return win.reshape(m, k)   # the one copy of the forward pass
    lead = win.ndim - 1   # N, the output and the kernel axes
    win = win.reshape(win.shape[:lead] + (g, c // g))
    return win.transpose(lead, *range(lead), lead + 1).reshape(g, m, k)


def _weight_matrix(w, g):
    """(O, C/g, kh, kw) -> (kh*kw*C/g, O), or (g, kh*kw*C/g, O/g): rows in the im2col column order."""
    o, cg, *kernel = w.shape
    d = len(kernel)
    k = math.prod(kernel) * cg
    if g == 1:
        return w.transpose(*range(2, 2 + d), 1, 0).reshape(k, o)
    return w.reshape(g, o // g, cg, *kernel).transpose(0, *range(3, 3 + d), 2, 1).reshape(g, k, o // g)


def _rows(v, g):
    """An output image (N, O, Ho, Wo) as GEMM rows: (M, O), or (g, M, O/g) (views when channels-last)."""
    o = v.shape[1]
    rows = channels_last(v).reshape(-1, o)
    if g == 1:
        return rows
    return rows.reshape(-1, g, o // g).transpose(1, 0, 2)


def _conv(x, w, b, geo):
    """conv2d on arrays: (N, C, H, W) -> (N, O, Ho, Wo), channels-last memory; also returns the im2col matrix."""
    xp = get_array_module(x)
    n = x.shape[0]
    o = w.shape[0]
    out_hw = geo.out_size(*x.shape[2:])
    cols = _im2col(x, geo, out_hw)
    if geo.groups == 1:
        y = cols @ _weight_matrix(w, 1)
    else:
        y = xp.matmul(cols, _weight_matrix(w, geo.groups)).transpose(1, 0, 2).reshape(-1, o)
    if b is not None:
        y += b   # rows are pixels, columns channels: the bias broadcasts along contiguous rows
    return channels_first(y.reshape(n, *out_hw, o)), cols


def _conv_transpose(v, w, b, geo, out_hw):
    """The adjoint of conv2d from an ``out_hw`` input: (N, O, Ho, Wo) -> (N, C, H, W)."""
    xp = get_array_module(v)
    n, _, *in_hw = v.shape
    o, cg, *kernel = w.shape
    d = len(kernel)
    g = geo.groups
    padded = geo.padded(*out_hw)
    if g == 1:
        # One GEMM per kernel offset, each window's share for that offset as a contiguous
        # (M, C) block added straight into its strided slab of the image: the adds then run
        # along whole image rows (W*C numbers at stride 1), where slicing one big
        # (M, kh*kw*C) product would add runs of only C numbers.
        rows = _rows(v, 1)
        w_offsets = xp.ascontiguousarray(w.transpose(*range(2, 2 + d), 0, 1))        # (kh, kw, O, C)
        x_pad = xp.zeros((n, *padded, cg), dtype=v.dtype)
        part = xp.empty((rows.shape[0], cg), dtype=v.dtype)
        for offset in kernel_offsets(geo):
            xp.matmul(rows, w_offsets[offset], out=part)
            x_pad[(slice(None), *slab(geo, in_hw, *offset))] += part.reshape(n, *in_hw, cg)
    else:
        gcols = xp.matmul(_rows(v, g), _weight_matrix(w, g).transpose(0, 2, 1))       # (g, M, kh*kw*cg)
        gcols = gcols.reshape(g, n, *in_hw, *kernel, cg)
        gcols = gcols.transpose(*range(1, 2 + 2 * d), 0, 2 + 2 * d)                   # group before channel
        x_pad = col2im(gcols, geo, padded).reshape(n, *padded, g * cg)
    y = channels_first(crop_hw(x_pad, geo.padding, out_hw))
    if b is not None:
        y += b.reshape(-1, *(1,) * d)   # y is a view of x_pad, made here: nobody else sees the write
    return y


def _conv_weight(u, v, geo, cols=None):
    """dB/dw: the correlation of input ``u`` with output-shaped ``v``, shape (O, C/g, kh, kw).

    ``cols``: ``_im2col(u)`` when the caller still has it (conv2d's forward made it).
    """
    xp = get_array_module(u)
    c = u.shape[1]
    o = v.shape[1]
    g = geo.groups
    kernel = geo.kernel
    d = len(kernel)
    if cols is None:
        cols = _im2col(u, geo, v.shape[2:])
    if g == 1:
        dw = (cols.T @ _rows(v, 1)).reshape(*kernel, c, o).transpose(d + 1, d, *range(d))
    else:
        dw = xp.matmul(cols.transpose(0, 2, 1), _rows(v, g))                       # (g, kh*kw*cg, o/g)
        dw = dw.reshape(g, *kernel, c // g, o // g).transpose(0, d + 2, d + 1, *range(1, d + 1))
        dw = dw.reshape(o, c // g, *kernel)
    return xp.ascontiguousarray(dw)


# ----------------------------------------------------------------------------- ops
def _sum_axes(geo):
    """The axes a bias gradient sums over: the batch and the spatial ones."""
    return (0, 2, 3) if len(geo.kernel) == 2 else (0, *range(2, 2 + len(geo.kernel)))


class Conv2d(Function):
    """y = conv2d(x, w) + b: (N, C, H, W), (O, C/g, kh, kw), (O,) -> (N, O, Ho, Wo).

    dL/dx = ConvTranspose2d(g, w) (N, C, H, W); dL/dw = Conv2dWeight(x, g) (O, C/g, kh, kw);
    dL/db = g summed over (N, Ho, Wo).
    """

    def __init__(self, geo):
        self.geo = geo

    def forward(self, x, w, b=None):
        # The windows of x are kept for the weight gradient: the same matrix, not rebuilt.
        y, self.cols = _conv(x, w, b, self.geo)
        return y

    def backward(self, F, gy, x, w, b=None):
        need = self.needs_input_grad
        gx = F.apply(self.transpose_op, gy, w, geo=self.geo, out_hw=tuple(x.shape[2:])) if need[0] else None
        gw = F.apply(self.weight_op, x, gy, geo=self.geo, cols=self.cols) if need[1] else None
        if b is None:
            return gx, gw
        # A per-channel sum, not sum_to: forward adds b (O,) along the rows of the channels-last (M, O) matrix.
        return gx, gw, (F.sum(gy, axis=_sum_axes(self.geo)) if need[2] else None)


class ConvTranspose2d(Function):
    """y = conv_transpose2d(v, w) + b: (N, Cin, Hv, Wv), (Cin, Cout/g, kh, kw), (Cout,) -> (N, Cout, H, W).

    The adjoint of Conv2d (with this ``geo``) from an ``out_hw`` input.
    dL/dv = Conv2d(g, w) (N, Cin, Hv, Wv); dL/dw = Conv2dWeight(g, v); dL/db = g summed over (N, H, W).
    """

    def __init__(self, geo, out_hw):
        self.geo, self.out_hw = geo, out_hw

    def forward(self, v, w, b=None):
        return _conv_transpose(v, w, b, self.geo, self.out_hw)

    def backward(self, F, gy, v, w, b=None):
        need = self.needs_input_grad
        gv = F.apply(self.conv_op, gy, w, geo=self.geo) if need[0] else None
        gw = F.apply(self.weight_op, gy, v, geo=self.geo) if need[1] else None
        if b is None:
            return gv, gw
        # A per-channel sum: sum_to (1, C, 1, 1) + reshape, the adjoint of forward's broadcast, timed ~1.5 us slower.
        return gv, gw, (F.sum(gy, axis=_sum_axes(self.geo)) if need[2] else None)


class Conv2dWeight(Function):
    """dW = Conv2dWeight(u, v): conv2d's weight gradient for input u and output gradient v, (O, C/g, kh, kw).

    dL/du = ConvTranspose2d(v, g) (shape of u); dL/dv = Conv2d(u, g) (shape of v).
    """

    def __init__(self, geo, cols=None):
        self.geo, self.cols = geo, cols   # cols: im2col(u) if the caller has it (a pure function of u)

    def forward(self, u, v):
        return _conv_weight(u, v, self.geo, self.cols)

    def backward(self, F, gy, u, v):
        need = self.needs_input_grad
        return (F.apply(self.transpose_op, v, gy, geo=self.geo, out_hw=tuple(u.shape[2:])) if need[0] else None,
                F.apply(self.conv_op, u, gy, geo=self.geo) if need[1] else None)


class Conv3d(Conv2d):
    """y = conv3d(x, w) + b: (N, C, D, H, W), (O, C/g, kd, kh, kw), (O,) -> (N, O, Do, Ho, Wo); Conv2d's kernels.

    dL/dx = ConvTranspose3d(g, w); dL/dw = Conv3dWeight(x, g); dL/db = g summed over (N, Do, Ho, Wo).
    """


class ConvTranspose3d(ConvTranspose2d):
    """y = conv_transpose3d(v, w) + b: (N, Cin, Dv, Hv, Wv), (Cin, Cout/g, kd, kh, kw) -> (N, Cout, D, H, W).

    dL/dv = Conv3d(g, w); dL/dw = Conv3dWeight(g, v); dL/db = g summed over (N, D, H, W).
    """


class Conv3dWeight(Conv2dWeight):
    """dW = Conv3dWeight(u, v): conv3d's weight gradient, (O, C/g, kd, kh, kw).

    dL/du = ConvTranspose3d(v, g); dL/dv = Conv3d(u, g).
    """


def _family(conv, transpose, weight):
    """Each op of one dimension names the other two, its derivatives (the op graph then says 3d for volumes)."""
    for op in (conv, transpose, weight):
        op.conv_op, op.transpose_op, op.weight_op = conv, transpose, weight


_family(Conv2d, ConvTranspose2d, Conv2dWeight)
_family(Conv3d, ConvTranspose3d, Conv3dWeight)


# ----------------------------------------------------------------------------- public functions
_LAYOUTS = {2: "3-D (C, H, W) or 4-D (N, C, H, W)", 3: "4-D (C, D, H, W) or 5-D (N, C, D, H, W)"}
_PARSERS = {1: lambda op, name, value: (single(op, name, value),), 2: pair, 3: triple}
_FORMS = {1: "a 1-tuple", 2: "a pair", 3: "a tuple of 3 ints"}


def _check_tensors(op, x, weight, bias, dims=2):
    x, weight = as_tensor(x), as_tensor(weight, like=x)
    bias = None if bias is None else as_tensor(bias, like=x)
    if x.ndim == dims + 1:
        x = x.reshape(1, *x.shape)   # one unbatched image, as PyTorch allows
        unbatched = True
    else:
        unbatched = False
    if x.ndim != dims + 2:
        raise ValueError(f"{op}: expected a {_LAYOUTS[dims]} input, got shape {tuple(x.shape)}")
    if weight.ndim != dims + 2:
        raise ValueError(f"{op}: expected a {dims + 2}-D weight, got shape {tuple(weight.shape)}")
    check_dtypes(op, x, weight, bias)
    return x, weight, bias, unbatched


def channels_error(op, shape, weight_shape, expected, unbatched, groups_text=""):
    """The message for an input whose channel axis does not match the weight. ``shape`` is the batched shape the op
    works on; an unbatched input is named by the shape it was given, and the message says how it was read: a batch
    of one-channel images without their channel axis, (N, H, W), is read as one image of N channels."""
    given = tuple(shape[1:]) if unbatched else tuple(shape)
    message = (f"{op}: input has {shape[1]} channels (shape {given}) but weight {tuple(weight_shape)}{groups_text} "
               f"expects {expected}")
    if unbatched:
        batched = (given[0], expected) + given[1:]
        message += (f"; a {len(given)}-D input is one unbatched sample, its axis 0 the channels: for a batch of "
                    f"{given[0]} samples pass shape {batched}"
                    + (" (x.unsqueeze(1))" if expected == 1 else ""))
    return message


def check_dtypes(op, x, weight, bias):
    """Refuse input, weight and bias (None: absent) unless they share one floating dtype, naming each."""
    dtypes = {t.dtype for t in (x, weight, bias) if t is not None}
    if len(dtypes) > 1 or next(iter(dtypes)).kind != "f":
        raise TypeError(f"{op}: input, weight and bias must share one floating dtype, got "
                        + ", ".join(f"{n} {t.dtype}" for n, t in (("input", x), ("weight", weight), ("bias", bias))
                                    if t is not None))


def _check_groups(op, groups, in_channels, out_channels):
    """``groups`` as a Python int once it is a positive integer dividing both channel counts."""
    value = as_integer(groups)
    if value is None or value < 1:
        raise ValueError(f"{op}: groups must be a positive integer, got {groups!r}")
    groups = value
    if in_channels % groups or out_channels % groups:
        raise ValueError(f"{op}: groups={groups} must divide both in_channels={in_channels} "
                         f"and out_channels={out_channels}")
    return groups


def check_some_output_channels(op, weight):
    """torch refuses a weight of 0 output channels; its empty output's backward would need reshape(-1, 0)."""
    if weight.shape[0] == 0:
        raise ValueError(f"{op}: weight of shape {tuple(weight.shape)} has no output channels")


def _stride_and_dilation(op, stride, dilation, dims=2):
    """``stride`` and ``dilation`` as tuples of ``dims`` positive ints (each given as an int or such a tuple)."""
    parse = _PARSERS[dims]
    stride, dilation = parse(op, "stride", stride), parse(op, "dilation", dilation)
    for name, values in (("stride", stride), ("dilation", dilation)):
        if min(values) < 1:
            raise ValueError(f"{op}: {name} must be positive, got {values}")
    return stride, dilation


def _check_fits(op, x_shape, geo, what="input"):
    sizes = x_shape[2:]
    for axis, size, (lo, hi), k, d in zip("DHW"[-len(sizes):], sizes, geo.padding, geo.kernel, geo.dilation):
        extent = d * (k - 1) + 1
        if size + lo + hi < extent:
            raise ValueError(f"{op}: the kernel ({extent} with dilation {d}) is larger than the padded {what} "
                             f"along {axis} ({size} + padding {lo + hi} = {size + lo + hi}); {what} shape "
                             f"{tuple(x_shape)}, kernel {geo.kernel}")


def conv_padding(op, padding, kernel, stride, dilation):
    """``padding`` (int, pair, "valid" or "same") as ((top, bottom), (left, right)).

    One (before, after) pair per entry of ``kernel``: a string may also come with one-element ``kernel``,
    ``stride`` and ``dilation`` (``conv1d``), and with three-element ones (``conv3d``, whose numeric
    padding is an int or a tuple of 3).
    """
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * len(kernel)
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{op}: padding='same' needs stride 1, got stride {stride}")
            # The total d (k - 1) split as PyTorch does: the extra one (even kernels) goes after.
            return tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation))
        raise ValueError(f"{op}: padding must be an int, {_FORMS[len(kernel)]}, 'valid' or 'same', got {padding!r}")
    pads = _PARSERS[len(kernel)](op, "padding", padding)
    if min(pads) < 0:
        raise ValueError(f"{op}: padding must be non-negative, got {pads}")
    return tuple((p, p) for p in pads)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """2-D convolution (cross-correlation, as in every framework) of NCHW images.

    x (N, C, H, W) or (C, H, W); weight (O, C/groups, kh, kw); bias (O,) or None.
    ``stride``/``dilation``: int or pair; ``padding``: int, pair, "valid" or "same" (stride 1).
    Returns (N, O, Ho, Wo) with Ho = floor((H + 2 ph - dh (kh - 1) - 1) / sh) + 1 (and Wo alike).
    Derivatives: see the module docstring.
    """
    return convolve("conv2d", Conv2d, 2, input, weight, bias, stride, padding, dilation, groups)


def convolve(op, conv_op, dims, x, weight, bias, stride, padding, dilation, groups):
    """conv2d or conv3d (``dims`` spatial axes, applied as ``conv_op``): the checks, then the op."""
    x, weight, bias, unbatched = _check_tensors(op, x, weight, bias, dims)
    check_some_output_channels(op, weight)
    o, cg, *kernel = weight.shape
    kernel = tuple(kernel)
    stride, dilation = _stride_and_dilation(op, stride, dilation, dims)
    groups = _check_groups(op, groups, cg * groups, o)
    if x.shape[1] != cg * groups:
        raise ValueError(channels_error(op, x.shape, weight.shape, cg * groups, unbatched, f" with groups={groups}"))
    if bias is not None and tuple(bias.shape) != (o,):
        raise ValueError(f"{op}: bias must have shape ({o},) for weight {tuple(weight.shape)}, got {tuple(bias.shape)}")
    geo = Geometry(kernel, stride, dilation, conv_padding(op, padding, kernel, stride, dilation), groups)
    _check_fits(op, x.shape, geo)
    args = (x, weight) if bias is None else (x, weight, bias)
    y = conv_op.apply(*args, geo=geo)
    return y.reshape(*y.shape[1:]) if unbatched else y


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):  # noqa: A002
    """2-D transposed convolution: the input gradient of conv2d, used as a layer (upsampling).

    x (N, Cin, H, W) or (Cin, H, W); weight (Cin, Cout/groups, kh, kw); bias (Cout,) or None.
    Returns (N, Cout, Ho, Wo) with Ho = (H - 1) sh - 2 ph + dh (kh - 1) + oph + 1 (and Wo alike);
    ``output_padding`` (< stride, or < dilation as PyTorch) picks among the input sizes a strided conv2d maps
    to H. The arguments come in PyTorch's order (``groups`` before ``dilation``).
    Derivatives: see the module docstring.
    """
    return transpose_convolve("conv_transpose2d", ConvTranspose2d, 2, input, weight, bias, stride, padding,
                              output_padding, groups, dilation)


def _past_the_adjoint(op, transpose_op, dims, x, weight, bias, stride, pads, out_pad, groups, dilation, unbatched):
    """A transposed convolution whose output_padding reaches the stride (PyTorch allows it below the dilation):
    the output is no longer an input size of conv's adjoint, so take the whole unpadded transposed convolution
    (its col2im canvas), crop ``padding`` from each side and let ``output_padding`` extend the far side, with
    zeros past the canvas, as PyTorch's col2im leaves them. A rare path: compositions of differentiable ops."""
    from minigrad.ops.pad import pad   # pad sits above conv's helpers; imported here to keep conv light
    canvas = transpose_convolve(op, transpose_op, dims, x, weight, None, stride, 0, 0, groups, dilation)
    sizes = [n - 2 * lo + extra for n, (lo, _), extra in zip(canvas.shape[2:], pads, out_pad)]
    widths = []
    for (lo, _), extra in reversed(list(zip(pads, out_pad))):   # F.pad lists the last axis first
        widths += [-lo, extra - lo]
    if min(sizes) < 1:
        raise ValueError(f"{op}: input {tuple(x.shape)} with weight {tuple(weight.shape)}, stride {stride}, "
                         f"padding {pads}, output_padding {out_pad}, dilation {dilation} gives no valid output size")
    y = pad(canvas, tuple(widths))
    if bias is not None:
        y = y + bias.reshape(-1, *(1,) * dims)
    return y.reshape(*y.shape[1:]) if unbatched else y


def transpose_convolve(op, transpose_op, dims, x, weight, bias, stride, padding, output_padding, groups, dilation):
    """conv_transpose2d or conv_transpose3d (``dims`` spatial axes, applied as ``transpose_op``)."""
    x, weight, bias, unbatched = _check_tensors(op, x, weight, bias, dims)
    cin, coutg, *kernel = weight.shape
    kernel = tuple(kernel)
    stride, dilation = _stride_and_dilation(op, stride, dilation, dims)
    groups = _check_groups(op, groups, cin, coutg * groups)
    if x.shape[1] != cin:
        raise ValueError(channels_error(op, x.shape, weight.shape, cin, unbatched))
    if bias is not None and tuple(bias.shape) != (coutg * groups,):
        raise ValueError(f"{op}: bias must have shape ({coutg * groups},) for weight {tuple(weight.shape)} "
                         f"and groups={groups}, got {tuple(bias.shape)}")
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding must be an int or {_FORMS[dims]}, got {padding!r}")
    pads = conv_padding(op, padding, kernel, stride, dilation)
    out_pad = _PARSERS[dims](op, "output_padding", output_padding)
    if not all(0 <= p < max(s, d) for p, s, d in zip(out_pad, stride, dilation)):
        raise ValueError(f"{op}: output_padding {out_pad} must be non-negative and smaller than "
                         f"the stride {stride} or the dilation {dilation}")
    if any(p >= s for p, s in zip(out_pad, stride)):
        return _past_the_adjoint(op, transpose_op, dims, x, weight, bias, stride, pads, out_pad, groups, dilation,
                                 unbatched)
    geo = Geometry(kernel, stride, dilation, pads, groups)
    out_hw = tuple((n - 1) * s - 2 * p[0] + d * (k - 1) + op_ + 1
                   for n, s, p, d, k, op_ in zip(x.shape[2:], stride, pads, dilation, kernel, out_pad))
    if min(out_hw) < 1 or geo.out_size(*out_hw) != tuple(x.shape[2:]):
        raise ValueError(f"{op}: input {tuple(x.shape)} with weight {tuple(weight.shape)}, stride {stride}, "
                         f"padding {padding}, output_padding {out_pad}, dilation {dilation} gives no valid "
                         f"output size (got {out_hw})")
    args = (x, weight) if bias is None else (x, weight, bias)
    y = transpose_op.apply(*args, geo=geo, out_hw=out_hw)
    return y.reshape(*y.shape[1:]) if unbatched else y
