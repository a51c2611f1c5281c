"""``interpolate`` with ``mode='nearest'`` and integer scale factors: each element repeated ``f`` times per axis.

With an integer factor f, PyTorch's nearest rule (output i reads input floor(i / f)) repeats every
element f times along that axis. That is a reshape, a broadcast and a reshape, e.g. for images
(N, C, H, W) -> (N, C, H, 1, W, 1) -> (N, C, H, fh, W, fw) -> (N, C, H fh, W fw): one copy, no
index arithmetic, exact. Its derivative is the adjoint of the broadcast: dL/dx sums g over each
f-sized block (``sum_to``), so second derivatives and ONNX export (Reshape, Expand) come from those ops.
Other modes and fractional factors are refused with a message saying what is supported.
"""
from __future__ import annotations

import math

from minigrad.autograd.tensor import Tensor
from minigrad.ops.broadcast import broadcast_to
from minigrad.scalars import is_integer, is_real

__all__ = ["interpolate"]

SUPPORTED = "only mode='nearest' with integer scale factors (or sizes that are integer multiples of the input's)"


def check_mode(who, mode, align_corners=None, antialias=False) -> str:
    """``mode`` must be 'nearest' (the only one implemented), with no ``align_corners`` and no ``antialias``."""
    if mode != "nearest":
        raise ValueError(f"{who}: mode={mode!r} is not supported; {SUPPORTED} is")
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


def check_size_or_scale(who, size, scale_factor):
    """Exactly one of ``size`` and ``scale_factor``, checked; returns both (one of them None)."""
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{who}: give exactly one of size and scale_factor, got size={size!r} and "
                         f"scale_factor={scale_factor!r}")
    if size is not None:
        return check_size(who, size), None
    return None, check_scale_factor(who, scale_factor)


def factors(who, shape, size, scale_factor) -> tuple:
    """The integer repeat of each spatial axis of an input of ``shape`` (N, C, *spatial)."""
    spatial = tuple(shape[2:])
    given = size if size is not None else scale_factor
    what = "size" if size is not None else "scale_factor"
    values = given if isinstance(given, tuple) else (given,) * len(spatial)
    if len(values) != len(spatial):
        raise ValueError(f"{who}: {what}={given!r} has {len(values)} entries but the input of shape "
                         f"{tuple(shape)} has {len(spatial)} spatial axes")
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


def check_input(who, x) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}: input must be a Tensor, got {type(x).__name__}")
    if x.ndim not in (3, 4, 5):
        raise ValueError(f"{who}: expected a 3-D (N, C, L), 4-D (N, C, H, W) or 5-D (N, C, D, H, W) input, "
                         f"got shape {tuple(x.shape)}")


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Nearest-neighbour upsampling of (N, C, L), (N, C, H, W) or (N, C, D, H, W) by integer factors.

    ``scale_factor``: a positive integer (2 or 2.0) or one per spatial axis; or ``size``: the output's
    spatial size, an integer multiple of the input's. Output i along an axis with factor f is input
    floor(i / f), as PyTorch's ``mode='nearest'``. dL/dx: g summed over each block of f elements per axis.
    ``recompute_scale_factor`` changes nothing for integer factors and is accepted for PyTorch's signature.
    """
    who = "interpolate"
    check_mode(who, mode, align_corners, antialias)
    if recompute_scale_factor not in (None, True, False):
        raise ValueError(f"{who}: recompute_scale_factor must be None or a bool, got {recompute_scale_factor!r}")
    size, scale_factor = check_size_or_scale(who, size, scale_factor)
    check_input(who, input)
    return upsample_nearest(input, factors(who, input.shape, size, scale_factor))
