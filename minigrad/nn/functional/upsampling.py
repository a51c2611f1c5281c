"""``interpolate``: ``mode='nearest'`` with integer scale factors, and ``mode='linear'`` / ``'bilinear'`` /
``'trilinear'``.

Nearest. 
With an integer factor f, PyTorch's nearest rule (output i reads input floor(i / f)) repeats every
element f times along that axis. That is a reshape, a broadcast and a reshape, e.g. for images
(N, C, H, W) -> (N, C, H, 1, W, 1) -> (N, C, H, fh, W, fw) -> (N, C, H fh, W fw): one copy, no
index arithmetic, exact. Its derivative is the adjoint of the broadcast: dL/dx sums g over each
f-sized block (``sum_to``), so second derivatives and ONNX export (Reshape, Expand) come from those ops.

Linear, bilinear and trilinear (3-D (N, C, L), 4-D (N, C, H, W) and 5-D (N, C, D, H, W) inputs, any positive size or
scale factor). Along each axis of n inputs and o outputs, output i reads the source position src(i), as PyTorch
computes it: ``align_corners=True``: src = i (n - 1) / (o - 1) (0 when o = 1); otherwise src = max((i + 0.5) s -
0.5, 0) with s = 1 / scale_factor when a factor is given (and ``recompute_scale_factor`` is not True), else n / o.
With i0 = floor(src), i1 = min(i0 + 1, n - 1) and l = src - i0: y[i] = (1 - l) x[i0] + l x[i1], the width axis
first, then the height, then the depth (trilinear: the 8 corners' weights are the products of the three axes'
weights, so the axis-by-axis sums give PyTorch's values to rounding). That is two gathers at constant indices, two
products with constant weights and a sum per axis: exact, O(output) work, and dL/dx adds (1 - l) g and l g back at
i0 and i1 (the gathers' index_add); second derivatives and ONNX export (Gather, Mul, Add) come from those ops. Other
modes (bicubic, area, nearest-exact) and fractional nearest factors are refused with a message saying what is
supported.
"""
from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.ops.broadcast import broadcast_to
from minigrad.scalars import is_integer, is_real

__all__ = ["interpolate"]


SUPPORTED = "only mode='nearest' with integer scale factors (or sizes that are integer multiples of the input's)"
LINEAR = {"linear": 3, "bilinear": 4, "trilinear": 5}   # the interpolating modes and the input dims each takes
_LAYOUT = {3: "(N, C, L)", 4: "(N, C, H, W)", 5: "(N, C, D, H, W)"}


def check_mode(who, mode, align_corners=None, antialias=False) -> str:
    """``mode`` must be 'nearest' (integer factors; no ``align_corners``), 'linear', 'bilinear' or 'trilinear'; no
    ``antialias``."""
    if mode in LINEAR:
        if align_corners not in (None, True, False):
            raise ValueError(f"{who}: align_corners must be None or a bool, got {align_corners!r}")
        if antialias:
            raise ValueError(f"{who}: antialias={antialias!r} is not supported")
        return mode
    if mode != "nearest":
        raise ValueError(f"{who}: mode={mode!r} is not supported; {SUPPORTED}, mode='linear', 'bilinear' and "
                         "'trilinear' are")
    if align_corners is not None:
        raise ValueError(f"{who}: align_corners={align_corners!r} can only be set with the interpolating modes "
                         "(linear, bilinear, bicubic, trilinear), not with mode='nearest'")
    if antialias:
        raise ValueError(f"{who}: antialias={antialias!r} is not supported with mode='nearest'")
    return mode


def _integral(value) -> bool:
    return is_integer(value) or (is_real(value) and math.isfinite(value) and float(value).is_integer())


def check_scale_factor(who, scale_factor):
    """A positive integer (2 or 2.0) or a sequence of them, as ints (a tuple for a sequence)."""
    return _positive_whole_numbers(who, "scale_factor", scale_factor, _integral, f" ({SUPPORTED} is supported)")


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
    """Exactly one of ``size`` and ``scale_factor``, checked; returns both (one of them None). The interpolating
    modes take any positive scale factors, as floats."""
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{who}: give exactly one of size and scale_factor, got size={size!r} and "
                         f"scale_factor={scale_factor!r}")
    if size is not None:
        return check_size(who, size), None
    if mode in LINEAR:
        positive = lambda v: is_real(v) and math.isfinite(v) and v > 0   # noqa: E731
        values = (scale_factor,) if is_real(scale_factor) else scale_factor
        try:
            ok = not isinstance(values, (str, bytes)) and len(values) > 0 and all(positive(v) for v in values)
        except TypeError:
            ok = False
        if not ok:
            raise ValueError(f"{who}: scale_factor must be a positive number or a sequence of them, got "
                             f"{scale_factor!r}")
        floats = tuple(float(v) for v in values)
        return None, floats[0] if is_real(scale_factor) else floats
    return None, check_scale_factor(who, scale_factor)


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


def factors(who, shape, size, scale_factor) -> tuple:
    """The integer repeat of each spatial axis of an input of ``shape`` (N, C, *spatial)."""
    spatial, values = per_axis(who, shape, size, scale_factor)
    if size is None:
        return values
    if any(o % n for o, n in zip(values, spatial)):
        raise ValueError(f"{who}: size {values} is not an integer multiple of the input's spatial size "
                         f"{spatial} (shape {tuple(shape)}); {SUPPORTED} is supported")
    return tuple(o // n for o, n in zip(values, spatial))


def upsample_nearest(x, repeats):
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
    if mode in LINEAR and x.ndim != LINEAR[mode]:
        raise ValueError(f"{who}: mode={mode!r} needs a {LINEAR[mode]}-D input ({_LAYOUT[LINEAR[mode]]}), got shape "
                         f"{tuple(x.shape)}")
    if x.ndim not in (3, 4, 5):
        raise ValueError(f"{who}: expected a 3-D (N, C, L), 4-D (N, C, H, W) or 5-D (N, C, D, H, W) input, "
                         f"got shape {tuple(x.shape)}")


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
        i0, i1, w0, w1 = _source(n, o, align_corners, factors[axis - 2], x.dtype)
        i0, i1 = xp.asarray(i0), xp.asarray(i1)   # on x's device
        trail = (1,) * (x.ndim - 1 - axis)
        lead = (slice(None),) * axis
        w0, w1 = (as_tensor(w.reshape(o, *trail), like=x) for w in (w0, w1))
        x = x[lead + (i0,)] * w0 + x[lead + (i1,)] * w1
    return x


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resample (N, C, L), (N, C, H, W) or (N, C, D, H, W) to ``size`` or by ``scale_factor`` (one, or one per axis).

    ``mode='nearest'``: integer factors (or sizes that are integer multiples); output i along an axis with
    factor f is input floor(i / f), as PyTorch's; dL/dx: g summed over each block of f elements per axis.
    ``mode='linear'`` (3-D input), ``'bilinear'`` (4-D) and ``'trilinear'`` (5-D): any positive size or factor
    (output size floor(n * factor)); source positions and weights as PyTorch's for ``align_corners`` True or
    False (None: False), see the module docstring; dL/dx: each output's gradient shared between its two sources by the
    same weights. ``recompute_scale_factor=True`` makes the positions use n / o instead of 1 / factor.
    """
    who = "interpolate"
    check_mode(who, mode, align_corners, antialias)
    if recompute_scale_factor not in (None, True, False):
        raise ValueError(f"{who}: recompute_scale_factor must be None or a bool, got {recompute_scale_factor!r}")
    size, scale_factor = check_size_or_scale(who, size, scale_factor, mode)
    check_input(who, input, mode)
    if mode in LINEAR:
        if input.dtype.kind != "f":
            raise TypeError(f"{who}: mode={mode!r} expects a floating input, got dtype {input.dtype}")
        out, factors_ = linear_sizes(who, input.shape, size, scale_factor, recompute_scale_factor)
        return upsample_linear(input, out, factors_, bool(align_corners))
    return upsample_nearest(input, factors(who, input.shape, size, scale_factor))
