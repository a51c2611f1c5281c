"""Fractional max pooling (Graham 2014): ``fractional_max_pool2d``/``3d`` and their ``_with_indices`` forms, as
PyTorch's.

Each (n, c) plane draws one sample u in [0, 1) per spatial axis (``_random_samples`` (N, C, 2): u[0] for the width,
u[1] for the height; (N, C, 3) for volumes: u[0] depth, u[1] height, u[2] width, PyTorch's orders; its draws can
be passed in). Along an axis of n inputs pooled by windows of k to o outputs, with
alpha = (n - k) / (o - 1), window i starts at int((i + u) alpha) - int(u alpha) for i < o - 1 and the last at
n - k (computed in the input's dtype, as PyTorch), so the windows overlap or leave gaps pseudo-randomly while
covering the axis. Each output is its k_h x k_w (k_d x k_h x k_w) window's first maximum in row-major order (a NaN
wins, the last one); ``indices`` are those maxima's flat positions in H * W (D * H * W). dL/dx: g added at those
positions.
"""
from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.nn.arguments import int_pair, int_triple
from minigrad.ops.adaptive_pool import AdaptiveMaxPool2d, AdaptiveMaxPool3d
from minigrad.random import uniform_on
from minigrad.scalars import is_real

__all__ = ["fractional_max_pool2d", "fractional_max_pool2d_with_indices", "fractional_max_pool3d",
           "fractional_max_pool3d_with_indices", "FractionalMaxPool2d", "FractionalMaxPool3d"]


class FractionalMaxPool2d(AdaptiveMaxPool2d):
    """y[n, c, i, j] = x[n, c] at flat position ``index[n, c, i, j]`` of H * W, each fractional window's maximum:
    (N, C, H, W) -> (N, C, oh, ow). dL/dx = g added at those positions (index_add)."""


class FractionalMaxPool3d(AdaptiveMaxPool3d):
    """y[n, c, i, j, l] = x[n, c] at flat position ``index[n, c, i, j, l]`` of D * H * W, each fractional window's
    maximum: (N, C, D, H, W) -> (N, C, od, oh, ow). dL/dx = g added at those positions (index_add)."""


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


def _argmax_index(x, samples, kernel, out_size):
    """The flat position in the spatial axes of each fractional window's maximum of x (N, C, *spatial), as
    (N, C, *out_size) int64; ``samples`` holds one (N, C) array of draws per spatial axis, in axis order."""
    xp = get_array_module(x)
    n, c, *sizes = x.shape
    d = len(sizes)
    flat = 0
    for axis, (u, size, o, k) in enumerate(zip(samples, sizes, out_size, kernel)):
        positions = _starts(xp, u, size, o, k)[..., None] + xp.arange(k)   # (N, C, o, k)
        shape = [n, c] + [1] * (2 * d)
        shape[2 + 2 * axis:4 + 2 * axis] = (o, k)
        flat = flat * size + positions.reshape(shape)   # (N, C, o1, k1, o2, k2, ...)
    flat = flat.transpose(0, 1, *range(2, 2 + 2 * d, 2), *range(3, 2 + 2 * d, 2))
    flat = flat.reshape(n, c, *out_size, math.prod(kernel))
    # sizes spelled out: NumPy refuses -1 for a batch of 0
    per_map = math.prod(out_size) * math.prod(kernel)
    blocks = xp.take_along_axis(x.reshape(n, c, 1, math.prod(sizes)), flat.reshape(n, c, 1, per_map),
                                axis=3).reshape(flat.shape)
    best = xp.argmax(blocks, axis=-1)   # the first maximum; a NaN counts as the largest
    nan = xp.isnan(blocks)
    # PyTorch's scan keeps the last NaN of a window. A GPU takes the where without asking first: reading
    # nan.any() back would wait for the device on every forward.
    if xp is not np or nan.any():
        best = xp.where(nan.any(axis=-1), blocks.shape[-1] - 1 - xp.argmax(nan[..., ::-1], axis=-1), best)
    return xp.take_along_axis(flat, best[..., None], axis=-1)[..., 0]


def _output_size(who, spatial, kernel, output_size, output_ratio):
    d = len(spatial)
    several = "a pair" if d == 2 else "a triple"
    if output_size is None and output_ratio is None:
        raise ValueError(f"{who} requires specifying either an output_size or an output_ratio")
    if output_size is not None and output_ratio is not None:
        raise ValueError(f"{who}: only one of output_size and output_ratio may be specified, got output_size="
                         f"{output_size!r} and output_ratio={output_ratio!r}")
    if output_size is not None:
        return (int_pair if d == 2 else int_triple)(who, "output_size", output_size)
    ratio = (output_ratio,) * d if is_real(output_ratio) else tuple(output_ratio)
    if len(ratio) != d or not all(is_real(r) and 0 < r < 1 for r in ratio):
        raise ValueError(f"{who}: output_ratio must be a number or {several} of numbers between 0 and 1 "
                         f"(exclusive), got {output_ratio!r}")
    size = tuple(int(n * r) for n, r in zip(spatial, ratio))
    if min(size) < 1:
        raise ValueError(f"{who}: output_ratio={output_ratio!r} gives an empty output {size} for the input's "
                         f"spatial size {tuple(spatial)}")
    return size


_AXES = {2: ("height", "width"), 3: ("time", "height", "width")}   # PyTorch's names in its size errors


def _fractional(who, dims, input, kernel_size, output_size, output_ratio, _random_samples):
    """(output, indices) of fractional max pooling over the last ``dims`` axes (see the module docstring)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{who}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (dims + 1, dims + 2):
        layouts = "(C, H, W) or 4-D (N, C, H, W)" if dims == 2 else "(C, D, H, W) or 5-D (N, C, D, H, W)"
        raise ValueError(f"{who}: expected a {dims + 1}-D {layouts} input, got shape {tuple(input.shape)}")
    if input.dtype.kind != "f":
        raise TypeError(f"{who}: expected a floating input, got dtype {input.dtype}")
    kernel = (int_pair if dims == 2 else int_triple)(who, "kernel_size", kernel_size)
    spatial = tuple(input.shape[-dims:])
    out = _output_size(who, spatial, kernel, output_size, output_ratio)
    for axis, o, k, n in zip(_AXES[dims], out, kernel, spatial):
        if o + k - 1 > n or (dims == 3 and o + k - 1 == n):   # PyTorch's 3-D check is strict, its 2-D one not
            raise ValueError(f"{who}(): pool {axis} {k} too large relative to input {axis} {n} "
                             f"(output {axis} {o})")
    x = input if input.ndim == dims + 2 else input.reshape(1, *input.shape)
    n, c = x.shape[:2]
    xp = get_array_module(x.data)
    if _random_samples is None:
        samples = uniform_on(x.device, (n, c, dims), x.dtype)
    else:
        if not isinstance(_random_samples, Tensor):
            raise TypeError(f"{who}: _random_samples must be a Tensor, got {type(_random_samples).__name__}")
        if tuple(_random_samples.shape) != (n, c, dims) or _random_samples.dtype != x.dtype:
            raise ValueError(f"{who}: _random_samples must have shape {(n, c, dims)} (batch, channels, {dims}) and "
                             f"the input's dtype {x.dtype}, got shape {tuple(_random_samples.shape)} and dtype "
                             f"{_random_samples.dtype}")
        samples = xp.asarray(_random_samples.data)
    # PyTorch's 2-D kernel reads u[0] for the width, its 3-D kernel u[0] for the depth.
    per_axis = [samples[..., 1], samples[..., 0]] if dims == 2 else [samples[..., i] for i in range(3)]
    index = _argmax_index(x.data, per_axis, kernel, out)
    y = (FractionalMaxPool2d if dims == 2 else FractionalMaxPool3d).apply(x, index=index)
    shape = (*input.shape[:-dims], *out)
    return y.reshape(*shape), Tensor(index.reshape(shape))


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    """Fractional max pooling of (N, C, H, W) or (C, H, W) to ``output_size`` (oh, ow) (or int(H r), int(W r) for
    ``output_ratio``) with windows of ``kernel_size``; returns (output, indices), the indices int64 flat
    positions in H * W. ``_random_samples`` (N, C, 2) in the input's dtype: the windows' draws (default: fresh
    draws from minigrad's generator). dL/dx: g added at each window's maximum."""
    return _fractional("fractional_max_pool2d", 2, input, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    """Fractional max pooling of (N, C, D, H, W) or (C, D, H, W) to ``output_size`` (od, oh, ow) (or each size
    times ``output_ratio``, truncated) with windows of ``kernel_size``; returns (output, indices), the indices
    int64 flat positions in D * H * W. ``_random_samples`` (N, C, 3) in the input's dtype: the windows' draws
    (default: fresh draws from minigrad's generator). dL/dx: g added at each window's maximum."""
    return _fractional("fractional_max_pool3d", 3, input, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    """``fractional_max_pool2d_with_indices``'s output, with its indices too when ``return_indices``."""
    y, index = fractional_max_pool2d_with_indices(input, kernel_size, output_size, output_ratio, return_indices,
                                                  _random_samples)
    return (y, index) if return_indices else y




def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    """``fractional_max_pool3d_with_indices``'s output, with its indices too when ``return_indices``."""
    y, index = fractional_max_pool3d_with_indices(input, kernel_size, output_size, output_ratio, return_indices,
                                                  _random_samples)
    return (y, index) if return_indices else y
