"""Adaptive pooling to a fixed output size: ``adaptive_max_pool2d``, ``adaptive_max_pool1d``, ``adaptive_avg_pool1d``,
``adaptive_max_pool3d`` and ``adaptive_avg_pool3d``.

Along an axis of length n pooled to o outputs, output i reads the window [floor(i n / o), ceil((i + 1) n / o)),
as PyTorch. Adaptive max pooling (``AdaptiveMaxPool2d``) gathers every window as a block of at most
kh x kw elements (shorter windows repeat their last element, which changes no maximum), takes each block's
first maximum in row-major order (PyTorch's rule; a NaN wins, the last one as in PyTorch) and records its
flat position in H * W, the ``indices`` PyTorch returns. dL/dx: g added at each recorded position
(``index_add``, whose own derivative gathers there again; the positions are found on the raw
array first, and the op itself only reads them). The 1-D forms run as the 2-D ones over
(N, C, 1, L); ``adaptive_avg_pool1d`` is ``adaptive_avg_pool2d``'s per-window means. The 3-D forms are the
same over (N, C, D, H, W) volumes: ``AdaptiveMaxPool3d`` (blocks of at most kd x kh x kw, positions in D * H * W)
and ``adaptive_mean`` along each axis.
"""
from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.function import Function
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.ops.pool import adaptive_avg_pool2d, adaptive_mean
from minigrad.ops.shape import reshape_if_needed
from minigrad.scalars import is_integer

__all__ = ["adaptive_max_pool2d", "adaptive_max_pool1d", "adaptive_avg_pool1d", "adaptive_max_pool3d",
           "adaptive_avg_pool3d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d"]


def _window_index(n, o):
    """(o, k) positions along an axis of n: row i is window i's positions, its last one repeated to k."""
    i = np.arange(o)
    start, end = (i * n) // o, -(-((i + 1) * n) // o)
    k = int((end - start).max())
    return np.minimum(start[:, None] + np.arange(k), end[:, None] - 1)


def _argmax_index(x, out_hw):
    """The flat position in H * W of each adaptive window's maximum of x (N, C, H, W), as (N, C, oh, ow) int64.

    Any number of spatial axes: (N, C, D, H, W) gives positions in D * H * W."""
    xp = get_array_module(x)
    n, c, *sizes = x.shape
    d = len(sizes)
    index = [xp.asarray(_window_index(size, o)) for size, o in zip(sizes, out_hw)]   # each (o, k)
    ks = [i.shape[1] for i in index]
    grids = []
    for axis, i in enumerate(index):   # broadcast to (oh, kh, ow, kw)
        shape = [1] * (2 * d)
        shape[2 * axis:2 * axis + 2] = i.shape
        grids.append(i.reshape(shape))
    blocks = x[(slice(None), slice(None), *grids)]   # (N, C, oh, kh, ow, kw)
    blocks = blocks.transpose(0, 1, *range(2, 2 + 2 * d, 2), *range(3, 2 + 2 * d, 2))
    blocks = blocks.reshape(n, c, *out_hw, math.prod(ks))
    best = xp.argmax(blocks, axis=-1)   # the first maximum; a NaN counts as the largest
    nan = xp.isnan(blocks)
    # PyTorch's scan keeps the last NaN of a window. A GPU takes the where without asking first: reading
    # nan.any() back would wait for the device on every forward.
    if xp is not np or nan.any():
        best = xp.where(nan.any(axis=-1), blocks.shape[-1] - 1 - xp.argmax(nan[..., ::-1], axis=-1), best)
    flat = 0
    for axis, (i, offset) in enumerate(zip(index, xp.unravel_index(best, ks))):
        window = xp.arange(out_hw[axis]).reshape((-1,) + (1,) * (d - 1 - axis))
        flat = flat * sizes[axis] + i[window, offset]
    return flat.astype(np.int64)


class AdaptiveMaxPool2d(Function):
    """y[n, c, i, j] = x[n, c] at flat position ``index[n, c, i, j]`` of H * W, each adaptive window's maximum:
    (N, C, H, W) -> (N, C, oh, ow). dL/dx = g added at those positions (index_add)."""

    def __init__(self, index):
        self.index = index   # (N, C, oh, ow) int64, from _argmax_index

    def forward(self, x):
        n, c = x.shape[:2]
        xp = get_array_module(x)
        # explicit sizes, not -1: an empty batch (n = 0) leaves -1 undetermined
        flat, oflat = math.prod(x.shape[2:]), math.prod(self.index.shape[2:])
        return xp.take_along_axis(x.reshape(n, c, flat), self.index.reshape(n, c, oflat), axis=2).reshape(
            self.index.shape)

    def backward(self, F, gy, x):
        xp = get_array_module(self.index)
        n, c, *sizes = x.shape
        lead = (1,) * (self.index.ndim - 2)
        grid = (xp.arange(n).reshape(n, 1, *lead), xp.arange(c).reshape(1, c, *lead),
                *xp.unravel_index(self.index, tuple(sizes)))
        return F.index_add(gy, grid, tuple(x.shape))


class AdaptiveMaxPool3d(AdaptiveMaxPool2d):
    """y[n, c, i, j, l] = x[n, c] at flat position ``index[n, c, i, j, l]`` of D * H * W, each adaptive window's
    maximum: (N, C, D, H, W) -> (N, C, od, oh, ow). dL/dx = g added at those positions (index_add)."""


def _output_size(op, output_size, spatial, dims):
    """``output_size`` (an int, or one entry per axis, None keeping that axis) as a tuple of positive ints."""
    sizes = (output_size,) * dims if is_integer(output_size) or output_size is None else output_size
    try:
        sizes = tuple(sizes)
        ok = len(sizes) == dims and all(s is None or (is_integer(s) and s >= 1) for s in sizes)
    except TypeError:
        ok = False
    if not ok:
        what = "a positive int" if dims == 1 else \
            f"a positive int or {'a pair' if dims == 2 else 'a tuple of 3'} of them (None keeps that axis)"
        raise ValueError(f"{op}: output_size must be {what}, got {output_size!r}")
    return tuple(n if s is None else int(s) for s, n in zip(sizes, spatial))


def _checked(op, x, dims):
    x = as_tensor(x)
    if x.ndim not in (dims + 1, dims + 2):
        layout = {1: "(C, L) or 3-D (N, C, L)", 2: "(C, H, W) or 4-D (N, C, H, W)",
                  3: "(C, D, H, W) or 5-D (N, C, D, H, W)"}[dims]
        raise ValueError(f"{op}: expected a {dims + 1}-D {layout} input, got shape {tuple(x.shape)}")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating input, got dtype {x.dtype}")
    if 0 in x.shape[-dims:]:
        raise ValueError(f"{op}: the pooled axes must be non-empty, got shape {tuple(x.shape)}")
    return x


def _max_pool(x4, out_hw, return_indices, shape, op=AdaptiveMaxPool2d):
    index = _argmax_index(x4.data, out_hw)
    y = reshape_if_needed(op.apply(x4, index=index), shape)   # the pool's own node stays the output's creator
    return (y, Tensor(index.reshape(shape))) if return_indices else y


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling of (N, C, H, W) or (C, H, W) to ``output_size`` (oh, ow) (an int means (n, n); None keeps that
    axis); windows as in the module docstring. With ``return_indices``, also each maximum's flat position in H * W
    (int64), as PyTorch. dL/dx: g added at each window's maximum."""
    op = "adaptive_max_pool2d"
    x = _checked(op, input, 2)
    oh, ow = _output_size(op, output_size, x.shape[-2:], 2)
    x4 = x if x.ndim == 4 else x.reshape(1, *x.shape)
    return _max_pool(x4, (oh, ow), return_indices, (*x.shape[:-2], oh, ow))


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max pooling of (N, C, L) or (C, L) to ``output_size`` positions; run as adaptive_max_pool2d over
    (N, C, 1, L). With ``return_indices``, also each maximum's position in L (int64). dL/dx: g added at each
    window's maximum."""
    op = "adaptive_max_pool1d"
    x = _checked(op, input, 1)
    (o,) = _output_size(op, output_size, x.shape[-1:], 1)
    x4 = x.reshape(x.shape[0] if x.ndim == 3 else 1, x.shape[-2], 1, x.shape[-1])
    return _max_pool(x4, (1, o), return_indices, (*x.shape[:-1], o))


def adaptive_avg_pool1d(input, output_size):
    """Average pooling of (N, C, L) or (C, L) to ``output_size`` positions, window i covering
    [floor(i L / o), ceil((i + 1) L / o)), each window summed on its own (``AdaptiveMean``); dL/dx = g @ P, P the
    averaging matrix."""
    op = "adaptive_avg_pool1d"
    x = _checked(op, input, 1)
    (o,) = _output_size(op, output_size, x.shape[-1:], 1)
    x4 = x.reshape(x.shape[0] if x.ndim == 3 else 1, x.shape[-2], 1, x.shape[-1])
    return adaptive_avg_pool2d(x4, (1, o)).reshape(*x.shape[:-1], o)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max pooling of (N, C, D, H, W) or (C, D, H, W) to ``output_size`` (od, oh, ow) (an int means all three; None
    keeps that axis), window i along an axis of n covering [floor(i n / o), ceil((i + 1) n / o)). With
    ``return_indices``, also each maximum's flat position in D * H * W (int64), as PyTorch. dL/dx: g added at
    each window's first maximum in row-major order."""
    op = "adaptive_max_pool3d"
    x = _checked(op, input, 3)
    out = _output_size(op, output_size, x.shape[-3:], 3)
    x5 = x if x.ndim == 5 else x.reshape(1, *x.shape)
    return _max_pool(x5, out, return_indices, (*x.shape[:-3], *out), AdaptiveMaxPool3d)


def adaptive_avg_pool3d(input, output_size):
    """Average pooling of (N, C, D, H, W) or (C, D, H, W) to ``output_size`` (od, oh, ow) (an int means all three;
    None keeps that axis), windows as adaptive_max_pool3d's. Computed one axis at a time by ``adaptive_mean`` (each
    window summed on its own), so dL/dx spreads g evenly over each window."""
    op = "adaptive_avg_pool3d"
    x = _checked(op, input, 3)
    od, oh, ow = _output_size(op, output_size, x.shape[-3:], 3)
    return adaptive_mean(adaptive_mean(adaptive_mean(x, x.ndim - 1, ow), x.ndim - 2, oh), x.ndim - 3, od)
