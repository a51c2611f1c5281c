"""3-D pooling of (N, C, D, H, W) volumes: ``max_pool3d`` (with PyTorch's indices), ``max_pool3d_with_indices`` and
``avg_pool3d``, as ``torch.nn.functional``'s.

They run the ops of ``minigrad.ops.pool`` (``MaxPool3d`` and ``AvgPool3d``, the 2-D kernels with 3-D names),
which work for any number of spatial axes: a loop over the kd*kh*kw kernel offsets (not voxels), each reading
or adding one strided (N, Do, Ho, Wo, C) slab of the channels-last windows. Shapes, per axis:
Do = floor((D + 2p - d (k - 1) - 1) / s) + 1 (``ceil`` with ``ceil_mode``, as long as the last window starts
inside the input or its left padding).

Derivatives: max pooling sends each window's gradient to its first maximum in row-major (d, h, w) order
(``MaxPoolScatter``, whose derivative ``MaxPoolGather`` reads that element again); average pooling spreads
``g / divisor`` over each window (``AvgPoolAdjoint``, whose derivative is ``AvgPool3d``).
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.mode import STATE
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.ops._windows import channels_first
from minigrad.ops.pool import AvgPool3d, MaxPool3d, _pool_geometry, _scale
from minigrad.scalars import is_integer

__all__ = ["max_pool3d", "max_pool3d_with_indices", "avg_pool3d"]


def _volumes(op, input):
    """The input as (N, C, D, H, W) and whether it came unbatched (C, D, H, W)."""
    x = as_tensor(input)
    if x.ndim not in (4, 5):
        raise ValueError(f"{op}: expected a 4-D (C, D, H, W) or 5-D (N, C, D, H, W) input, got shape "
                         f"{tuple(x.shape)}")
    return (x.reshape(1, *x.shape), True) if x.ndim == 4 else (x, False)


def _flat_indices(node, in_sizes):
    """Each window's maximum as its flat position in D * H * W of the (unpadded) input, (N, C, Do, Ho, Wo) int64,
    from the kernel offset the op recorded per window."""
    xp = get_array_module(node.index)
    geo = node.geo
    out = node.index.shape[1:-1]
    flat = 0
    for axis, offset in enumerate(xp.unravel_index(node.index.astype(np.int64), geo.kernel)):
        start = xp.arange(out[axis]) * geo.stride[axis] - geo.padding[axis][0]
        start = start.reshape((1, -1) + (1,) * (len(out) - axis))   # along this output axis of (N, Do, Ho, Wo, C)
        flat = flat * in_sizes[axis] + start + offset * geo.dilation[axis]
    return xp.ascontiguousarray(channels_first(flat))


def _max_pool3d(op, input, kernel_size, stride, padding, dilation, ceil_mode, with_indices):
    x, unbatched = _volumes(op, input)
    geo, _, _ = _pool_geometry(op, x, kernel_size, stride, padding, dilation, ceil_mode, dims=3, integers=True)
    if with_indices and not (x.requires_grad and STATE.grad_enabled):
        node = MaxPool3d(geo=geo)   # no graph to record: the op run on the array, for the offsets it records
        y = Tensor(node.forward(x.data))
    else:
        y = MaxPool3d.apply(x, geo=geo)
        node = y.creator
    if not with_indices:
        return y.reshape(*y.shape[1:]) if unbatched else y
    index = Tensor(_flat_indices(node, x.shape[2:]))
    if unbatched:
        return y.reshape(*y.shape[1:]), index.reshape(*index.shape[1:])
    return y, index


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """``max_pool3d`` and its indices, always both, as ``torch.nn.functional.max_pool3d_with_indices``
    (``return_indices`` is taken and ignored, as there)."""
    return _max_pool3d("max_pool3d_with_indices", input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Maximum over each kd x kh x kw window of (N, C, D, H, W) or (C, D, H, W); stride defaults to kernel_size;
    padding counts as -inf (at most half the kernel). With ``return_indices``, also each maximum's flat position
    in D * H * W of the input (int64), as PyTorch's. dL/dx: g at each window's first maximum in row-major order.
    """
    return _max_pool3d("max_pool3d", input, kernel_size, stride, padding, dilation, ceil_mode, bool(return_indices))


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over each kd x kh x kw window of (N, C, D, H, W) or (C, D, H, W); stride defaults to kernel_size;
    padding counts as 0. The divisor is the window clipped to the padded input (to the input itself with
    ``count_include_pad=False``), or ``divisor_override`` (a non-zero int) for every window, as in PyTorch.
    dL/dx: each window spreads g / divisor evenly.
    """
    op = "avg_pool3d"
    if divisor_override is not None and (not is_integer(divisor_override) or divisor_override == 0):
        raise ValueError(f"{op}: divisor_override must be a non-zero int or None, got {divisor_override!r}")
    x, unbatched = _volumes(op, input)
    geo, out, pads = _pool_geometry(op, x, kernel_size, stride, padding, 1, ceil_mode, dims=3)
    scale = _scale(x, geo, out, pads, count_include_pad, None if divisor_override is None else int(divisor_override))
    y = AvgPool3d.apply(x, geo=geo, scale=scale)
    return y.reshape(*y.shape[1:]) if unbatched else y
