"""``interpolate``: its argument checks and dispatch, ``mode='nearest'`` with integer factors, and ``mode='linear'``
/ ``'bilinear'`` / ``'trilinear'``. The other modes (nearest at other factors, nearest-exact, bicubic, area) are in
``interpolation_modes``.

Nearest with an integer factor f, where PyTorch's rounded indices (``interpolation_modes``) are floor(i / f) (nearly
always: a tie can round down, e.g. factor 47 in float32), repeats every element f times along that axis. That is
a reshape, a broadcast and a reshape, e.g. for images (N, C, H, W) -> (N, C, H, 1, W, 1) -> (N, C, H, fh, W, fw)
-> (N, C, H fh, W fw): one copy, no index arithmetic, exact. Its derivative is the adjoint of the broadcast: dL/dx sums g over each
f-sized block (``sum_to``), so second derivatives and ONNX export (Reshape, Expand) come from those ops.

Linear, bilinear and trilinear (3-D (N, C, L), 4-D (N, C, H, W) and 5-D (N, C, D, H, W) inputs, any positive size or
scale factor). Along each axis of n inputs and o outputs, output i reads the source position src(i), as PyTorch
computes it: ``align_corners=True``: src = i (n - 1) / (o - 1) (0 when o = 1); otherwise src = max((i + 0.5) s -
0.5, 0) with s = 1 / scale_factor when a factor is given (and ``recompute_scale_factor`` is not True), else n / o; an
axis whose size does not change is copied, as PyTorch does, even when the factor given is not 1.
With i0 = floor(src), i1 = min(i0 + 1, n - 1) and l = src - i0: y[i] = (1 - l) x[i0] + l x[i1], the width axis
first, then the height, then the depth (trilinear: the 8 corners' weights are the products of the three axes'
weights, so the axis-by-axis sums give PyTorch's values to rounding). That is two gathers at constant indices, two
products with constant weights and a sum per axis: exact, O(output) work, and dL/dx adds (1 - l) g and l g back at
i0 and i1 (the gathers' index_add); second derivatives and ONNX export (Gather, Mul, Add) come from those ops.
``antialias=True`` with 'linear' is refused with a message saying what is supported.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.nn.functional.interpolation_modes import (nearest_index, resample_antialias, resample_area,
                                                        resample_bicubic, resample_nearest)
from minigrad.ops.broadcast import broadcast_to
from minigrad.scalars import is_integer, is_real

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]


LINEAR = {"linear": 3, "bilinear": 4, "trilinear": 5}   # the interpolating modes and the input dims each takes
INTERPOLATING = {**LINEAR, "bicubic": 4}
GATHERING = ("nearest", "nearest-exact", "area")   # each on 3-D, 4-D or 5-D input
MODES = "mode='nearest', 'nearest-exact', 'area', 'linear', 'bilinear', 'bicubic' and 'trilinear'"
_LAYOUT = {3: "(N, C, L)", 4: "(N, C, H, W)", 5: "(N, C, D, H, W)"}


def check_mode(who, mode, align_corners=None, antialias=False) -> str:
    """``mode`` one of ``MODES``; ``align_corners`` only with the interpolating ones; no ``antialias``."""
    if mode in INTERPOLATING:
        if align_corners not in (None, True, False):
            raise ValueError(f"{who}: align_corners must be None or a bool, got {align_corners!r}")
        if antialias and mode == "linear":
            raise ValueError(f"{who}: antialias={antialias!r} is not supported with mode='linear': PyTorch "
                             "restricts it to the bilinear and bicubic modes on 4-D input")
        return mode
    if mode not in GATHERING:
        raise ValueError(f"{who}: mode={mode!r} is not supported; only {MODES} are")
    if align_corners is not None:
        raise ValueError(f"{who}: align_corners={align_corners!r} can only be set with the interpolating modes "
                         f"(linear, bilinear, bicubic, trilinear), not with mode={mode!r}")
    if antialias:
        raise ValueError(f"{who}: antialias={antialias!r} is not supported: PyTorch restricts it to the bilinear "
                         f"and bicubic modes on 4-D input, not mode={mode!r}")
    return mode


def check_recompute(who, recompute_scale_factor, size):
    """``recompute_scale_factor`` None or a bool, and True only with a scale factor (as PyTorch: with a size there is
    no factor to recompute)."""
    if recompute_scale_factor not in (None, True, False):
        raise ValueError(f"{who}: recompute_scale_factor must be None or a bool, got {recompute_scale_factor!r}")
    if recompute_scale_factor and size is not None:
        raise ValueError(f"{who}: recompute_scale_factor=True is not meaningful with an explicit size={size!r}; "
                         "it recomputes the scale from a scale_factor")


def check_size(who, size):
    """A positive integer or a sequence of them, as an int or a tuple."""
    return _positive_whole_numbers(who, "size", size, is_integer)


def _positive_whole_numbers(who, arg, value, whole, note=""):
    """``value`` (one number or a sequence) with every entry ``whole`` and >= 1, as an int or a tuple of ints."""
    values = (value,) if is_real(value) else value
    try:
        ok = len(values) > 0 and all(whole(v) and v >= 1 for v in values)
    except TypeError:
        ok = False
    if not ok or isinstance(values, (str, bytes)):
        raise ValueError(f"{who}: {arg} must be a positive integer or a sequence of them{note}, got {value!r}")
    ints = tuple(int(v) for v in values)
    return ints[0] if is_real(value) else ints


def check_size_or_scale(who, size, scale_factor, mode="nearest"):
    """Exactly one of ``size`` and ``scale_factor``, checked; returns both (one of them None). Scale factors are
    any positive numbers (a tuple for a sequence)."""
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{who}: give exactly one of size and scale_factor, got size={size!r} and "
                         f"scale_factor={scale_factor!r}")
    if size is not None:
        return check_size(who, size), None
    positive = lambda v: is_real(v) and math.isfinite(v) and v > 0   # noqa: E731
    values = (scale_factor,) if is_real(scale_factor) else scale_factor
    try:
        ok = not isinstance(values, (str, bytes)) and len(values) > 0 and all(positive(v) for v in values)
    except TypeError:
        ok = False
    if not ok:
        raise ValueError(f"{who}: scale_factor must be a positive number or a sequence of them, got "
                         f"{scale_factor!r}")
    numbers = tuple(int(v) if is_integer(v) else float(v) for v in values)   # ints kept for the messages
    return None, numbers[0] if is_real(scale_factor) else numbers


def per_axis(who, shape, size, scale_factor) -> tuple:
    """The input's spatial sizes (shape is (N, C, *spatial)) and the given size or scale_factor, one per spatial
    axis (a single value repeated)."""
    spatial = tuple(shape[2:])
    given = size if size is not None else scale_factor
    what = "size" if size is not None else "scale_factor"
    values = given if isinstance(given, tuple) else (given,) * len(spatial)
    if len(values) != len(spatial):
        raise ValueError(f"{who}: {what}={given!r} has {len(values)} entries but the input of shape "
                         f"{tuple(shape)} has {len(spatial)} spatial axes")
    return spatial, values


def repeat_nearest(x, repeats):
    """Repeat each element of x (N, C, *spatial) ``repeats[i]`` times along spatial axis i (see the module doc)."""
    n, c, *spatial = x.shape
    lifted, expanded = [n, c], [n, c]
    for size, f in zip(spatial, repeats):
        lifted += [size, 1]
        expanded += [size, f]
    y = broadcast_to(x.reshape(*lifted), tuple(expanded))
    return y.reshape(n, c, *(size * f for size, f in zip(spatial, repeats)))


def check_input(who, x, mode="nearest") -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}: input must be a Tensor, got {type(x).__name__}")
    if mode in INTERPOLATING and x.ndim != INTERPOLATING[mode]:
        raise ValueError(f"{who}: mode={mode!r} needs a {INTERPOLATING[mode]}-D input "
                         f"({_LAYOUT[INTERPOLATING[mode]]}), got shape {tuple(x.shape)}")
    if x.ndim not in (3, 4, 5):
        raise ValueError(f"{who}: expected a 3-D (N, C, L), 4-D (N, C, H, W) or 5-D (N, C, D, H, W) input, "
                         f"got shape {tuple(x.shape)}")
    if mode not in ("nearest", "nearest-exact") and x.dtype.kind != "f":
        raise TypeError(f"{who}: mode={mode!r} expects a floating input, got dtype {x.dtype}")


def linear_sizes(who, shape, size, scale_factor, recompute_scale_factor):
    """For the interpolating modes: the output size of each spatial axis and the scale factor its source
    positions use (None: n / o), as PyTorch derives them."""
    spatial, values = per_axis(who, shape, size, scale_factor)
    if size is not None:
        return values, (None,) * len(spatial)
    out = tuple(int(math.floor(n * f)) for n, f in zip(spatial, values))
    if min(out) < 1:
        raise ValueError(f"{who}: scale_factor={scale_factor!r} gives an empty output {out} for the input of "
                         f"shape {tuple(shape)}")
    return out, ((None,) * len(spatial) if recompute_scale_factor else values)


def _source(n, o, align_corners, factor, dtype):
    """Constant (i0, i1, 1 - l, l) of one axis of n inputs interpolated to o outputs (see the module doc)."""
    i = np.arange(o, dtype=np.float64)
    if align_corners:
        src = i * ((n - 1) / (o - 1)) if o > 1 else np.zeros(o)
    else:
        scale = 1.0 / factor if factor is not None else n / o
        src = np.maximum((i + 0.5) * scale - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n - 1)
    i1 = np.minimum(i0 + 1, n - 1)
    lam = src - i0
    return i0, i1, (1.0 - lam).astype(dtype), lam.astype(dtype)


def upsample_linear(x, out, factors, align_corners):
    """Linear interpolation of x (N, C, *spatial) to the spatial size ``out``, the last axis first."""
    xp = get_array_module(x.data)
    for axis in range(x.ndim - 1, 1, -1):
        n, o = x.shape[axis], out[axis - 2]
        if n == o:   # PyTorch copies an axis whose size does not change, whatever the scale factor
            continue
        i0, i1, w0, w1 = _source(n, o, align_corners, factors[axis - 2], x.dtype)
        i0, i1 = xp.asarray(i0), xp.asarray(i1)   # on x's device
        trail = (1,) * (x.ndim - 1 - axis)
        lead = (slice(None),) * axis
        w0, w1 = (as_tensor(w.reshape(o, *trail), like=x) for w in (w0, w1))
        x = x[lead + (i0,)] * w0 + x[lead + (i1,)] * w1
    return x


def _repeats(spatial, out, factors, dtype, rank):
    """The integer repeat of each axis when nearest resampling is one (else None): PyTorch's rounded index
    arithmetic can put a tie on the lower index (an integer factor 47 at float32 reads input 0 at output 47)."""
    reps = []
    for n, o, f in zip(spatial, out, factors):
        if o % n or (f is not None and f != o // n):
            return None
        if not np.array_equal(nearest_index(n, o, f, False, dtype, rank), np.arange(o) // (o // n)):
            return None
        reps.append(o // n)
    return tuple(reps)


def resample(who, x, size, scale_factor, mode, align_corners=None, recompute_scale_factor=None, antialias=False):
    """``interpolate`` after its argument checks (``Upsample`` runs it too)."""
    check_input(who, x, mode)
    out, factors_ = linear_sizes(who, x.shape, size, scale_factor, recompute_scale_factor)
    if antialias:
        return resample_antialias(x, out, factors_, bool(align_corners), mode)
    if mode in LINEAR:
        return upsample_linear(x, out, factors_, bool(align_corners))
    if mode == "bicubic":
        return resample_bicubic(x, out, factors_, bool(align_corners))
    if mode == "area":
        return resample_area(x, out)
    reps = _repeats(x.shape[2:], out, factors_, x.dtype, x.ndim) if mode == "nearest" else None
    if reps is not None:
        return repeat_nearest(x, reps)
    return resample_nearest(x, out, factors_, exact=mode == "nearest-exact")


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resample (N, C, L), (N, C, H, W) or (N, C, D, H, W) to ``size`` or by ``scale_factor`` (one, or one per axis),
    as ``torch.nn.functional.interpolate``; the output size is floor(n * scale_factor) per axis.

    ``mode='nearest'``: output i reads input floor(i s) (s = 1 / factor, or n / o when ``size`` is given or
    ``recompute_scale_factor=True``), ``'nearest-exact'`` floor((i + 1/2) s): gathers at constant indices
    (integer factors: a repeat by reshape and broadcast), dL/dx adds g back at the indices.
    ``'linear'`` (3-D input), ``'bilinear'`` and ``'bicubic'`` (4-D), ``'trilinear'`` (5-D): PyTorch's source positions for
    ``align_corners`` True or False (None: False), two or four taps per axis with constant weights (bicubic: the
    cubic convolution kernel, A = -0.75, indices clamped at the border); dL/dx shares each output's gradient
    among its taps by the same weights. ``'area'`` (3-D, 4-D): adaptive average pooling to the output size.
    ``antialias=True`` (bilinear, bicubic): PyTorch's antialiased resampling (``interpolation_modes``).
    See the docstrings of this module and ``interpolation_modes``.
    """
    who = "interpolate"
    check_mode(who, mode, align_corners, antialias)
    size, scale_factor = check_size_or_scale(who, size, scale_factor, mode)
    check_recompute(who, recompute_scale_factor, size)
    return resample(who, input, size, scale_factor, mode, align_corners, recompute_scale_factor, bool(antialias))


def _deprecated(name):
    warnings.warn(f"`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate` instead.", UserWarning,
                  stacklevel=3)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """``interpolate(input, size, scale_factor, mode, align_corners)``, PyTorch's deprecated name (it warns)."""
    _deprecated("upsample")
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """``interpolate(..., mode='nearest')``, PyTorch's deprecated name (it warns)."""
    _deprecated("upsample_nearest")
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """``interpolate(..., mode='bilinear', align_corners=True)``, PyTorch's deprecated name (it warns)."""
    _deprecated("upsample_bilinear")
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
