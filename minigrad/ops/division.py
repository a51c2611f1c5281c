"""Division with rounding and remainders, elementwise: div's rounding modes (and floor_divide), fmod, remainder.

The rounded quotient is a step function of both inputs: its gradient is 0, as torch defines it.
Integer tensors keep integer results; an integer division by zero is a ZeroDivisionError, as in torch.
"""
from __future__ import annotations

from minigrad.autograd.function import Function
from minigrad.backend import get_array_module
from minigrad.ops._args import operands
from minigrad.ops.rounding import zero_gradient

ROUNDING_MODES = (None, "trunc", "floor")


class RoundedDiv(Function):
    """y = a / b rounded toward 0 (mode "trunc") or down (mode "floor", Python's //).   dL/da = 0,  dL/db = 0,
    each of its input's shape."""

    def __init__(self, mode):
        self.mode = mode

    def forward(self, a, b):
        xp = get_array_module(a)
        if self.mode == "floor":
            return xp.floor_divide(a, b)
        if a.dtype.kind in "fc" or b.dtype.kind in "fc":
            return xp.trunc(a / b)
        q = xp.floor_divide(a, b)   # integers: C's division, one up where // went below a negative quotient
        return q + ((q < 0) & (q * b != a))

    def backward(self, F, gy, a, b):
        na, nb = self.needs_input_grad
        return (zero_gradient(F, a) if na else None, zero_gradient(F, b) if nb else None)


class Fmod(Function):
    """y = a - b trunc(a / b), with a's sign (C's fmod).   dL/da = g,  dL/db = -g trunc(a / b),
    each summed back to its input's shape."""

    def forward(self, a, b):
        return get_array_module(a).fmod(a, b)

    def backward(self, F, gy, a, b):
        na, nb = self.needs_input_grad
        return (F.sum_to(gy, a.shape) if na else None,
                F.sum_to(-gy * F.apply(RoundedDiv, a, b, mode="trunc"), b.shape) if nb else None)


class Remainder(Function):
    """y = a - b floor(a / b), with b's sign (Python's %).   dL/da = g,  dL/db = -g floor(a / b),
    each summed back to its input's shape."""

    def forward(self, a, b):
        return get_array_module(a).remainder(a, b)

    def backward(self, F, gy, a, b):
        na, nb = self.needs_input_grad
        return (F.sum_to(gy, a.shape) if na else None,
                F.sum_to(-gy * F.apply(RoundedDiv, a, b, mode="floor"), b.shape) if nb else None)


def integer_operands(name, a, b, detail=""):
    """``operands``, refusing bools and an integer division by zero (torch's ZeroDivisionError)."""
    a, b = operands(name, a, b)
    if a.dtype.kind == "b" and b.dtype.kind == "b":
        raise TypeError(f"{name}: cannot divide bool tensors (shapes {tuple(a.shape)} and {tuple(b.shape)})")
    if b.dtype.kind in "iub" and a.dtype.kind in "iub" and bool((b.data == 0).any()):
        raise ZeroDivisionError(f"{name}: integer division by zero{detail} (dtypes {a.dtype} and {b.dtype}, "
                                f"shapes {tuple(a.shape)} and {tuple(b.shape)})")
    return a, b


def rounded_div(a, b, rounding_mode):
    """a / b rounded by ``rounding_mode`` ("trunc" or "floor"); what ``div`` does with one."""
    a, b = integer_operands("div", a, b, f" with rounding_mode={rounding_mode!r}")
    return RoundedDiv.apply(a, b, mode=rounding_mode)


def floor_divide(a, b):
    """a / b rounded down (Python's //), as ``torch.floor_divide``; integer tensors stay integers; gradient 0."""
    a, b = integer_operands("floor_divide", a, b)
    return RoundedDiv.apply(a, b, mode="floor")


def fmod(a, b):
    """The remainder of a / b with a's sign (C's fmod), broadcasting, as ``torch.fmod``."""
    return Fmod.apply(*integer_operands("fmod", a, b))


def remainder(a, b):
    """The remainder of a / b with b's sign (Python's %), broadcasting, as ``torch.remainder``."""
    return Remainder.apply(*integer_operands("remainder", a, b))
