"""``interpolate``'s gathering modes: 'nearest' at any factor, 'nearest-exact', 'bicubic' and 'area'.

Nearest and nearest-exact (3-D (N, C, L), 4-D (N, C, H, W) and 5-D (N, C, D, H, W) inputs). Along an axis of n inputs and o outputs,
output i reads input min(floor(src), n - 1) with src = i s ('nearest') or (i + 1/2) s ('nearest-exact'), where
s = 1 / scale_factor when a factor is given (and ``recompute_scale_factor`` is not True), else n / o. Ties (src
an integer in exact arithmetic) fall where PyTorch's CPU kernels put them, so the arithmetic is theirs: s and the
product in float64 for float64 input and in float32 otherwise (float16 and integers included), rounded to float32
before the floor; 3-D and 5-D 'nearest-exact' in float32 take max(s (i + 1/2) - 1/2, 0) + 1/2 with the product and
the subtraction rounded once (a fused multiply-add, as PyTorch's compiled kernel); 'nearest' on 4-D input reads i
where o = n and floor(i / 2) where o = 2 n whatever the factor given. That is one gather at constant indices per axis: exact, and dL/dx adds
g back at the indices (the gather's index_add).

Bicubic (4-D). Along each axis, src = i (n - 1) / (o - 1) with ``align_corners`` (0 when o = 1), else
(i + 1/2) s - 1/2 (not clamped at 0); with i0 = floor(src) and t = src - i0, y[i] = sum_k c_k(t) x[i0 - 1 + k]
for k = 0..3, the indices clamped into [0, n - 1] and c_k the cubic convolution kernel with A = -0.75 (PyTorch's
and Keys'). Four gathers at constant indices with constant weights per axis, the width first: dL/dx adds
c_k g back at the four indices.

Area (3-D, 4-D, 5-D): adaptive average pooling to the output size (``adaptive_avg_pool1d`` / ``2d`` / ``3d``), as
PyTorch.

Antialias (bilinear, bicubic; 4-D). With s the axis scale (as for bicubic; (n - 1) / (o - 1) with
``align_corners``), output i is centred at c = s (i + 1/2) and averages the inputs j in [int(c - r + 1/2),
int(c + r + 1/2)) (clipped to the axis) with weights f((j - c + 1/2) / max(s, 1)) normalised to sum 1, where f is
the triangle (r = max(s, 1)) or Keys' cubic with A = -0.5 (r = 2 max(s, 1)): PyTorch's (and PIL's) filter, wider
when downsampling so every input contributes. Gathers at constant indices with constant weights, the width
first; an axis whose size does not change is copied, as PyTorch's forward does.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.backend import get_array_module
from minigrad.ops.adaptive_pool import adaptive_avg_pool1d, adaptive_avg_pool3d
from minigrad.ops.grid_sample import CUBIC_A
from minigrad.ops.pool import adaptive_avg_pool2d

__all__ = ["nearest_index", "resample_nearest", "resample_bicubic", "resample_area", "resample_antialias"]


def nearest_index(n, o, factor, exact, dtype, rank):
    """The input index each of o outputs reads along an axis of n inputs of a ``rank``-D input (module docstring)."""
    if rank == 4 and not exact and o in (n, 2 * n):   # PyTorch's 4-D kernel's same-size and doubling shortcuts
        return np.arange(o) // (o // n)
    work = np.dtype(np.float64 if np.dtype(dtype) == np.float64 else np.float32)   # float16, integers: float32
    scale = work.type(1.0 / factor) if factor is not None else work.type(n) / work.type(o)
    i = np.arange(o, dtype=work)
    if not exact:
        src = (i * scale).astype(np.float32)
    elif rank != 4 and work == np.float32:
        # max(s (i + 1/2) - 1/2, 0) + 1/2 with one rounding for the fused multiply-add (exact in float64: both
        # factors have 24 significant bits), as PyTorch's kernel computes it; a tie lands on the upper index
        fused = (scale.astype(np.float64) * (i.astype(np.float64) + 0.5) - 0.5).astype(np.float32)
        src = np.maximum(fused, np.float32(0)) + np.float32(0.5)
    else:
        src = ((i + work.type(0.5)) * scale).astype(np.float32)
    return np.minimum(np.floor(src).astype(np.int64), n - 1)


def _gather(x, axis, index):
    xp = get_array_module(x.data)
    return x[(slice(None),) * axis + (xp.asarray(index),)]


def resample_nearest(x, out, factors, exact):
    """x (N, C, *spatial) resampled to the spatial size ``out`` by nearest (or nearest-exact) indices."""
    for axis in range(x.ndim - 1, 1, -1):
        n, o = x.shape[axis], out[axis - 2]
        x = _gather(x, axis, nearest_index(n, o, factors[axis - 2], exact, x.dtype, x.ndim))
    return x


def _cubic_weights(t):
    a = CUBIC_A
    near = lambda z: ((a + 2.0) * z - (a + 3.0)) * z * z + 1.0            # noqa: E731  |z| <= 1
    far = lambda z: ((a * z - 5.0 * a) * z + 8.0 * a) * z - 4.0 * a      # noqa: E731  1 < |z| < 2
    return [far(t + 1.0), near(t), near(1.0 - t), far(2.0 - t)]


def _cubic_taps(n, o, align_corners, factor):
    """Four (index, weight) pairs of constant arrays, one per tap, along an axis of n inputs and o outputs."""
    i = np.arange(o, dtype=np.float64)
    if align_corners:
        src = i * ((n - 1) / (o - 1)) if o > 1 else np.zeros(o)
    else:
        scale = 1.0 / factor if factor is not None else n / o
        src = (i + 0.5) * scale - 0.5
    base = np.floor(src)
    weights = _cubic_weights(src - base)
    base = base.astype(np.int64)
    return [(np.clip(base + k - 1, 0, n - 1), w) for k, w in enumerate(weights)]


def resample_bicubic(x, out, factors, align_corners):
    """Bicubic interpolation of x (N, C, H, W) to the spatial size ``out``, the width first."""
    for axis in range(x.ndim - 1, 1, -1):
        o = out[axis - 2]
        trail = (1,) * (x.ndim - 1 - axis)
        total = None
        for index, w in _cubic_taps(x.shape[axis], o, align_corners, factors[axis - 2]):
            term = _gather(x, axis, index) * as_tensor(w.astype(x.dtype).reshape(o, *trail), like=x)
            total = term if total is None else total + term
        x = total
    return x


def resample_area(x, out):
    """Adaptive average pooling of x (N, C, L), (N, C, H, W) or (N, C, D, H, W) to the spatial size ``out``."""
    if x.ndim == 5:
        return adaptive_avg_pool3d(x, tuple(out))
    return adaptive_avg_pool1d(x, out[0]) if x.ndim == 3 else adaptive_avg_pool2d(x, tuple(out))


def _aa_filter(mode):
    """The antialiasing filter of an interpolating mode: the triangle (bilinear) or Keys' cubic with A = -0.5
    (bicubic, as PIL and PyTorch's antialias path), on |z|."""
    if mode == "bilinear":
        return lambda z: np.maximum(0.0, 1.0 - z)
    a = -0.5
    return lambda z: np.where(z < 1.0, ((a + 2.0) * z - (a + 3.0)) * z * z + 1.0,
                              np.where(z < 2.0, ((a * z - 5.0 * a) * z + 8.0 * a) * z - 4.0 * a, 0.0))


def _antialias_taps(n, o, align_corners, factor, mode):
    """(index, weight) pairs of constant arrays along an axis of n inputs and o outputs for PyTorch's antialiased
    resampling: output i averages the inputs within its support, weighted by the filter stretched by the scale
    when downsampling, the weights normalised to sum to 1."""
    if align_corners:
        scale = (n - 1) / (o - 1) if o > 1 else 0.0
    else:
        scale = 1.0 / factor if factor is not None else n / o
    half = 1.0 if mode == "bilinear" else 2.0                 # half the filter's width
    support = half * scale if scale >= 1.0 else half
    inv = 1.0 / scale if scale >= 1.0 else 1.0
    center = scale * (np.arange(o) + 0.5)
    lo = np.maximum((center - support + 0.5).astype(np.int64), 0)
    size = np.minimum((center + support + 0.5).astype(np.int64), n) - lo
    k = int(size.max())
    j = np.arange(k)
    w = _aa_filter(mode)(np.abs((j[None, :] + lo[:, None] - center[:, None] + 0.5) * inv))
    w = np.where(j[None, :] < size[:, None], w, 0.0)
    total = w.sum(axis=1, keepdims=True)
    w = np.where(total != 0, w / np.where(total != 0, total, 1.0), w)
    index = np.minimum(lo[:, None] + j[None, :], n - 1)
    return [(index[:, t], w[:, t]) for t in range(k)]


def resample_antialias(x, out, factors, align_corners, mode):
    """Antialiased bilinear or bicubic resampling of x (N, C, H, W) to ``out``, the width first; an axis whose size
    does not change is copied, as PyTorch."""
    for axis in range(x.ndim - 1, 1, -1):
        n, o = x.shape[axis], out[axis - 2]
        if n == o:
            continue
        trail = (1,) * (x.ndim - 1 - axis)
        total = None
        for index, w in _antialias_taps(n, o, align_corners, factors[axis - 2], mode):
            term = _gather(x, axis, index) * as_tensor(w.astype(x.dtype).reshape(o, *trail), like=x)
            total = term if total is None else total + term
        x = total
    return x
