"""``make_tensor``: a random Tensor of a given shape, dtype and device for tests (``torch.testing.make_tensor``).

Values are drawn from minigrad's seeded generator (``minigrad.manual_seed`` makes them reproducible): floats
uniformly in ``[low, high)`` (default ``[-9, 9)``), integers uniformly in ``[low, high)`` (default ``[-9, 10)``,
from 0 for unsigned types; bounds are clipped to the dtype's range), bools evenly.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from minigrad import backend
from minigrad import random as _random
from minigrad.autograd.tensor import Tensor
from minigrad.memory_format import check_memory_format, contiguous_format


def make_tensor(*shape, dtype, device, low=None, high=None, requires_grad=False, noncontiguous=False,
                exclude_zero=False, memory_format=None):
    """A new leaf Tensor of ``shape`` (given as ints or as one tuple/list) filled with random values.

    ``low == high`` for floats gives a Tensor full of that value. ``noncontiguous=True`` gives a strided view
    with the same values' distribution; ``exclude_zero=True`` replaces zeros (by 1 for integers, by the
    dtype's smallest normal number for floats). ``requires_grad`` only for floating dtypes.
    """
    shape = _shape(shape)
    dtype = np.dtype(dtype)
    check_memory_format("make_tensor", memory_format, contiguous_format)
    if requires_grad and dtype.kind != "f":
        raise ValueError(f"make_tensor: requires_grad=True is not supported for boolean and integral dtypes, "
                         f"but got dtype={dtype}")
    generator = _random.get_generator()
    size = shape[:-1] + (shape[-1] * 2,) if noncontiguous and shape and shape[-1] > 0 else shape
    if dtype.kind == "b":
        values = generator.integers(0, 2, size=size).astype(np.bool_)
    elif dtype.kind in "iu":
        lo, hi = _bounds(low, high, -9, 10, dtype)
        values = generator.integers(math.ceil(lo), math.ceil(hi), size=size, dtype=np.int64).astype(dtype)
    elif dtype.kind == "f":
        lo, hi = _bounds(low, high, -9, 9, dtype)
        draw = np.float64 if dtype == np.float64 else np.float32
        values = (draw(lo) + draw(hi - lo) * generator.random(size, dtype=draw)).astype(dtype)
        values = np.minimum(values, np.nextafter(dtype.type(hi), dtype.type(lo))) if hi > lo else values
    else:
        raise TypeError(f"make_tensor: dtype {dtype} is not supported (floating, integral or bool only)")
    if exclude_zero:
        values[values == 0] = 1 if dtype.kind in "iub" else np.finfo(dtype).tiny
    if size != shape:
        values = values[..., ::2]
    return Tensor(backend.to_device(values, str(backend.normalize_device(device))), requires_grad=requires_grad)


def _shape(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for n in shape:
        if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 0:
            raise TypeError(f"make_tensor: shape must be non-negative ints, got {shape!r}")
    return tuple(int(n) for n in shape)


def _bounds(low, high, default_low, default_high, dtype):
    """(low, high) with defaults, checked, and clipped to the dtype's range."""
    info = np.finfo(dtype) if dtype.kind == "f" else np.iinfo(dtype)
    low = max(default_low, info.min) if low is None else low
    high = min(default_high, info.max) if high is None else high
    if (isinstance(low, float) and math.isnan(low)) or (isinstance(high, float) and math.isnan(high)):
        raise ValueError(f"make_tensor: low and high cannot be NaN, but got low={low} and high={high}")
    if dtype.kind == "f" and low == high:
        return low, high
    if low >= high:
        raise ValueError(f"make_tensor: low must be less than high, but got {low} >= {high}")
    return max(low, info.min), min(high, info.max) if dtype.kind == "f" else min(high, int(info.max) + 1)
