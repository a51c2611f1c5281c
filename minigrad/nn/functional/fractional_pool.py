"""Fractional max pooling (Graham 2014): ``fractional_max_pool2d`` and ``fractional_max_pool2d_with_indices``, as
PyTorch's.

Each (n, c) plane draws two samples u in [0, 1) (``_random_samples`` (N, C, 2): u[0] for the width, u[1] for the
height; PyTorch's draws can be passed in). Along an axis of n inputs pooled by windows of k to o outputs, with
alpha = (n - k) / (o - 1), window i starts at int((i + u) alpha) - int(u alpha) for i < o - 1 and the last at
n - k (computed in the input's dtype, as PyTorch), so the windows overlap or leave gaps pseudo-randomly while
covering the axis. Each output is its k_h x k_w window's first maximum in row-major order (a NaN wins, the last
one); ``indices`` are those maxima's flat positions in H * W. dL/dx: g added at those positions.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.nn.arguments import int_pair
from minigrad.ops.adaptive_pool import AdaptiveMaxPool2d
from minigrad.random import uniform_on
from minigrad.scalars import is_real

__all__ = ["fractional_max_pool2d", "fractional_max_pool2d_with_indices", "FractionalMaxPool2d"]


class FractionalMaxPool2d(AdaptiveMaxPool2d):
    """y[n, c, i, j] = x[n, c] at flat position ``index[n, c, i, j]`` of H * W, each fractional window's maximum:
    (N, C, H, W) -> (N, C, oh, ow). dL/dx = g added at those positions (index_add)."""


def _starts(xp, samples, n, o, k):
    """(N, C, o) window starts along an axis of n for samples (N, C) (see the module docstring)."""
    dtype = samples.dtype.type
    starts = xp.empty(samples.shape + (o,), dtype=np.int64)
    if o > 1:
        alpha = dtype(n - k) / dtype(o - 1)
        i = xp.arange(o - 1, dtype=samples.dtype)
        u = samples[..., None]
        starts[..., :-1] = ((i + u) * alpha).astype(np.int64) - (u * alpha).astype(np.int64)
    starts[..., -1] = n - k
    return starts


def _argmax_index(x, samples, kernel, out_hw):
    """The flat position in H * W of each fractional window's maximum of x (N, C, H, W), (N, C, oh, ow) int64."""
    xp = get_array_module(x)
    n, c, h, w = x.shape
    (kh, kw), (oh, ow) = kernel, out_hw
    rows = _starts(xp, samples[..., 1], h, oh, kh)[..., None] + xp.arange(kh)     # (N, C, oh, kh)
    cols = _starts(xp, samples[..., 0], w, ow, kw)[..., None] + xp.arange(kw)     # (N, C, ow, kw)
    flat = rows[:, :, :, :, None, None] * w + cols[:, :, None, None, :, :]         # (N, C, oh, kh, ow, kw)
    flat = flat.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, oh, ow, kh * kw)
    blocks = xp.take_along_axis(x.reshape(n, c, 1, h * w), flat.reshape(n, c, 1, -1), axis=3).reshape(flat.shape)
    best = xp.argmax(blocks, axis=-1)   # the first maximum; a NaN counts as the largest
    nan = xp.isnan(blocks)
    if nan.any():   # PyTorch's scan keeps the last NaN of a window
        best = xp.where(nan.any(axis=-1), kh * kw - 1 - xp.argmax(nan[..., ::-1], axis=-1), best)
    return xp.take_along_axis(flat, best[..., None], axis=-1)[..., 0]


def _output_size(who, spatial, kernel, output_size, output_ratio):
    if output_size is None and output_ratio is None:
        raise ValueError(f"{who} requires specifying either an output_size or an output_ratio")
    if output_size is not None and output_ratio is not None:
        raise ValueError(f"{who}: only one of output_size and output_ratio may be specified, got output_size="
                         f"{output_size!r} and output_ratio={output_ratio!r}")
    if output_size is not None:
        return int_pair(who, "output_size", output_size)
    ratio = (output_ratio,) * 2 if is_real(output_ratio) else tuple(output_ratio)
    if len(ratio) != 2 or not all(is_real(r) and 0 < r < 1 for r in ratio):
        raise ValueError(f"{who}: output_ratio must be a number or a pair of numbers between 0 and 1 (exclusive), "
                         f"got {output_ratio!r}")
    size = tuple(int(n * r) for n, r in zip(spatial, ratio))
    if min(size) < 1:
        raise ValueError(f"{who}: output_ratio={output_ratio!r} gives an empty output {size} for the input's "
                         f"spatial size {tuple(spatial)}")
    return size


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    """Fractional max pooling of (N, C, H, W) or (C, H, W) to ``output_size`` (oh, ow) (or int(H r), int(W r) for
    ``output_ratio``) with windows of ``kernel_size``; returns (output, indices), the indices int64 flat
    positions in H * W. ``_random_samples`` (N, C, 2) in the input's dtype: the windows' draws (default: fresh
    draws from minigrad's generator). dL/dx: g added at each window's maximum."""
    who = "fractional_max_pool2d"
    if not isinstance(input, Tensor):
        raise TypeError(f"{who}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (3, 4):
        raise ValueError(f"{who}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {tuple(input.shape)}")
    if input.dtype.kind != "f":
        raise TypeError(f"{who}: expected a floating input, got dtype {input.dtype}")
    kh, kw = int_pair(who, "kernel_size", kernel_size)
    h, w = input.shape[-2:]
    oh, ow = _output_size(who, (h, w), (kh, kw), output_size, output_ratio)
    for axis, o, k, n in (("height", oh, kh, h), ("width", ow, kw, w)):
        if o + k - 1 > n:
            raise ValueError(f"fractional_max_pool2d(): pool {axis} {k} too large relative to input {axis} {n} "
                             f"(output {axis} {o})")
    x4 = input if input.ndim == 4 else input.reshape(1, *input.shape)
    n, c = x4.shape[:2]
    xp = get_array_module(x4.data)
    if _random_samples is None:
        samples = uniform_on(x4.device, (n, c, 2), x4.dtype)
    else:
        if not isinstance(_random_samples, Tensor):
            raise TypeError(f"{who}: _random_samples must be a Tensor, got {type(_random_samples).__name__}")
        if tuple(_random_samples.shape) != (n, c, 2) or _random_samples.dtype != x4.dtype:
            raise ValueError(f"{who}: _random_samples must have shape {(n, c, 2)} (batch, channels, 2) and the "
                             f"input's dtype {x4.dtype}, got shape {tuple(_random_samples.shape)} and dtype "
                             f"{_random_samples.dtype}")
        samples = xp.asarray(_random_samples.data)
    index = _argmax_index(x4.data, samples, (kh, kw), (oh, ow))
    y = FractionalMaxPool2d.apply(x4, index=index)
    shape = (*input.shape[:-2], oh, ow)
    return y.reshape(*shape), Tensor(index.reshape(shape))


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    """``fractional_max_pool2d_with_indices``'s output, with its indices too when ``return_indices``."""
    y, index = fractional_max_pool2d_with_indices(input, kernel_size, output_size, output_ratio, return_indices,
                                                  _random_samples)
    return (y, index) if return_indices else y


