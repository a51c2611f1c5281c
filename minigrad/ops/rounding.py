"""Rounding, elementwise: floor, ceil, round (half to even, with ``decimals``), trunc (and ``fix``), frac.

floor, ceil, round and trunc are step functions: their derivative is 0 wherever it exists, and torch
defines it as 0 at the steps too, so their one backward gives exactly 0 (even where the incoming
gradient is inf or NaN). Integer tensors come back unchanged, in their dtype, as in torch; bool ones are refused.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.function import Function
from minigrad.backend import get_array_module
from minigrad.ops._args import half_in_float32
from minigrad.scalars import as_integer


def zero_gradient(F, x):
    """Exactly 0 of ``x``'s shape and dtype, a constant in both modes: the derivative of a step function."""
    data = x.data if F.recording else x
    return F.const(get_array_module(data).zeros_like(data))


class Floor(Function):
    """y = floor x (the largest integer <= x).   dL/dx = 0 (shape of x)."""

    def forward(self, x):
        return get_array_module(x).floor(x)

    def backward(self, F, gy, x):
        return zero_gradient(F, x)


class Ceil(Function):
    """y = ceil x (the smallest integer >= x).   dL/dx = 0 (shape of x)."""

    def forward(self, x):
        return get_array_module(x).ceil(x)

    def backward(self, F, gy, x):
        return zero_gradient(F, x)


class Trunc(Function):
    """y = trunc x (x rounded toward 0).   dL/dx = 0 (shape of x)."""

    def forward(self, x):
        return get_array_module(x).trunc(x)

    def backward(self, F, gy, x):
        return zero_gradient(F, x)


class Round(Function):
    """y = x rounded to ``decimals`` decimal places, halves to even, as torch.round:
    rint(x 10^d) / 10^d for d >= 0, rint(x / 10^-d) 10^-d for d < 0 (the scale in x's dtype, float32 for
    float16).   dL/dx = 0."""

    def __init__(self, decimals=0):
        self.decimals = decimals

    def forward(self, x):
        xp = get_array_module(x)
        d = self.decimals
        if d == 0:
            return xp.rint(x)
        if x.dtype == np.float16:   # as torch, in float32: x 10^d overflowed float16 (60000 or 10^5 itself: inf)
            return half_in_float32(self.forward, x)
        scale = x.dtype.type(10.0 ** abs(d))
        return xp.rint(x * scale) / scale if d > 0 else xp.rint(x / scale) * scale

    def backward(self, F, gy, x):
        return zero_gradient(F, x)


class Frac(Function):
    """y = x - trunc x (the fractional part, with x's sign; NaN at +-inf).   dL/dx = g."""

    def forward(self, x):
        return x - get_array_module(x).trunc(x)

    def backward(self, F, gy, x):
        return gy


def _numeric(name, x):
    x = as_tensor(x)
    if x.dtype.kind == "b":
        raise TypeError(f"{name}: expected a numeric tensor, got a bool tensor of shape {tuple(x.shape)}")
    return x


def _rounded(name, op, x, **params):
    x = _numeric(name, x)
    if x.dtype.kind in "iu":  # already integers: a copy, in their dtype (as torch)
        return as_tensor(x.data.copy())
    return op.apply(x, **params)


def floor(x):
    """The largest integer <= x, elementwise (integer tensors as they are); gradient 0."""
    return _rounded("floor", Floor, x)


def ceil(x):
    """The smallest integer >= x, elementwise (integer tensors as they are); gradient 0."""
    return _rounded("ceil", Ceil, x)


def trunc(x):
    """x rounded toward 0, elementwise (integer tensors as they are); gradient 0."""
    return _rounded("trunc", Trunc, x)


def fix(x):
    """``trunc`` under NumPy's and PyTorch's other name."""
    return trunc(x)


def round(x, decimals=0):  # noqa: A001  (torch.round)
    """x rounded to ``decimals`` places, halves to the even neighbour, as ``torch.round`` (``numpy.round`` too);
    gradient 0. An integer tensor comes back as it is for decimals=0 and is refused otherwise, as in torch."""
    value = as_integer(decimals)
    if value is None:
        raise TypeError(f"round: decimals must be an int, got decimals={decimals!r} ({type(decimals).__name__})")
    decimals = value
    x = _numeric("round", x)
    if decimals != 0 and x.dtype.kind in "iu":
        raise TypeError(f"round: decimals={decimals} needs a floating tensor, got dtype {x.dtype} "
                        f"(shape {tuple(x.shape)}); cast it with .astype('float32') first")
    return _rounded("round", Round, x, decimals=decimals)


def frac(x):
    """x - trunc(x), elementwise; gradient 1. Floating tensors only, as in torch."""
    x = _numeric("frac", x)
    if x.dtype.kind not in "fc":
        raise TypeError(f"frac: expected a floating tensor, got dtype {x.dtype} (shape {tuple(x.shape)})")
    return Frac.apply(x)
