"""Piecewise-linear activations: relu, leaky_relu, clip and clamp (PyTorch's clip).

Their derivatives are masks held as constants: a mask's own derivative is zero
almost everywhere, so second derivatives stay exact. The gradient is selected,
not multiplied by the mask, so an infinite gradient where the mask is 0 gives 0.
"""
from __future__ import annotations

from minigrad.autograd.function import Function
from minigrad.autograd.coercion import as_tensor
from minigrad.backend import get_array_module
from minigrad.ops._args import _python_number, as_floating
from minigrad.scalars import is_real


class ReLU(Function):
    """y = max(x, 0).   dL/dx = g where x > 0, else 0."""

    def forward(self, x):
        return get_array_module(x).maximum(x, 0)

    # Select rather than multiply by the 0/1 mask: an infinite gradient arriving at an
    # inactive unit must give 0 there (the chain rule's factor 0 wins), not inf * 0 = NaN.
    def backward(self, F, gy, x):
        return F.select(x > 0, gy)


class LeakyReLU(Function):
    """y = x for x > 0, else slope x.   dL/dx = g where x > 0, else slope g."""

    def __init__(self, negative_slope=0.01):
        self.slope = negative_slope

    def forward(self, x):
        return get_array_module(x).where(x > 0, x, x * self.slope)

    def backward(self, F, gy, x):
        return F.where(x > 0, gy, gy * self.slope)


class Clip(Function):
    """y = min(max(x, lo), hi) (hi everywhere when lo > hi).   dL/dx = g inside [lo, hi], bounds included,
    else 0 (0 at NaN too): torch.clamp's convention."""

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def forward(self, x):
        return get_array_module(x).clip(x, self.lo, self.hi)

    def backward(self, F, gy, x):
        if self.lo is None:
            inside = x <= self.hi
        elif self.hi is None:
            inside = x >= self.lo
        else:
            inside = (x >= self.lo) & (x <= self.hi)
        return F.select(inside, gy)  # selected, so an infinite gradient outside gives 0


def relu(x):
    """max(x, 0) elementwise."""
    return ReLU.apply(as_tensor(x))


def leaky_relu(x, negative_slope=0.01):
    """x where x > 0, else negative_slope * x."""
    slope = _python_number(negative_slope)
    if type(slope) is not float and type(slope) is not int:
        raise TypeError(f"leaky_relu: negative_slope must be a real number, "
                        f"got negative_slope={negative_slope!r} ({type(negative_slope).__name__})")
    return LeakyReLU.apply(as_floating(x), negative_slope=slope)


def clip(x, lo=None, hi=None):
    """Limit values to [lo, hi] (either bound may be None)."""
    if lo is None and hi is None:
        raise ValueError("clip: at least one of lo and hi must be given")
    for name, bound in (("lo", lo), ("hi", hi)):
        if bound is not None and not is_real(bound):
            raise TypeError(f"clip: {name} must be a real number or None, got {name}={bound!r} "
                            f"({type(bound).__name__})")
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"clip: lo={lo} is greater than hi={hi}")
    lo, hi = _python_number(lo), _python_number(hi)
    x = as_tensor(x)
    if x.data.dtype.kind not in "fc" and (isinstance(lo, float) or isinstance(hi, float)):
        x = as_floating(x)  # float bounds on integers: float32, not NumPy's float64
    return Clip.apply(x, lo=lo, hi=hi)


def clamp(x, min=None, max=None):  # noqa: A002  (torch.clamp's argument names)
    """Limit values to [min, max] as ``torch.clamp`` does; either bound may be None, not both.

    Shapes: x -> x.   dL/dx = g where min <= x <= max (the bounds included), else 0.
    Where ``clip`` refuses lo > hi, ``clamp`` follows PyTorch: every value becomes ``max``, with gradient 0.
    """
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    for name, bound in (("min", min), ("max", max)):
        if bound is not None and not is_real(bound):
            raise TypeError(f"clamp: {name} must be a real number or None, got {name}={bound!r} "
                            f"({type(bound).__name__}); for tensor bounds use minigrad.maximum / minigrad.minimum")
    lo, hi = _python_number(min), _python_number(max)
    x = as_tensor(x)
    if x.data.dtype.kind not in "fc" and (isinstance(lo, float) or isinstance(hi, float)):
        x = as_floating(x)  # float bounds on integers: float32, as in PyTorch (not NumPy's float64)
    return Clip.apply(x, lo=lo, hi=hi)
