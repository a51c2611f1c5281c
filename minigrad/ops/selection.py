"""Elementwise selection: maximum, minimum and where.

A tie in maximum or minimum sends half of the gradient to each side; a NaN on either side sends all of it to both
(torch's rule).
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.function import Function
from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.ops._args import operands, refuse_complex


def _extremum_grads(self, F, gy, a, b, a_loses, b_loses):
    """torch's split for max/min: g to each side that does not lose, halved on a tie. A NaN on either side loses
    no comparison, so both sides get g there (the output is NaN either way; torch's choice, kept for agreement).
    The loser's 0 is selected, so an infinite g gives it 0, not NaN."""
    g = F.where(a == b, gy * 0.5, gy)
    na, nb = self.needs_input_grad
    return (F.sum_to(F.select(~a_loses, g), a.shape) if na else None,
            F.sum_to(F.select(~b_loses, g), b.shape) if nb else None)


class Maximum(Function):
    """y = max(a, b) elementwise.   dL/da = g where not a < b, dL/db = g where not b < a, g/2 each on a tie
    (both get g where either is NaN, as in torch)."""

    def forward(self, a, b):
        return get_array_module(a).maximum(a, b)

    def backward(self, F, gy, a, b):
        return _extremum_grads(self, F, gy, a, b, a < b, b < a)


class Minimum(Function):
    """y = min(a, b) elementwise.   dL/da = g where not a > b, dL/db = g where not b > a, g/2 each on a tie
    (both get g where either is NaN, as in torch)."""

    def forward(self, a, b):
        return get_array_module(a).minimum(a, b)

    def backward(self, F, gy, a, b):
        return _extremum_grads(self, F, gy, a, b, a > b, b > a)


class Where(Function):
    """y = a where cond else b.   dL/da = g where cond else 0,  dL/db = 0 where cond else g."""

    values_unread = (1, 2)   # backward reads the condition's values only

    def forward(self, cond, a, b):
        return get_array_module(a).where(cond, a, b)

    def backward(self, F, gy, cond, a, b):
        _, na, nb = self.needs_input_grad
        # A literal 0.0, not gy * 0.0: the unselected side gets exactly 0 even where gy is inf.
        ga = F.sum_to(F.where(cond, gy, 0.0), a.shape) if na else None
        gb = F.sum_to(F.where(cond, 0.0, gy), b.shape) if nb else None
        return None, ga, gb


def maximum(a, b):
    """Elementwise maximum of a and b, broadcasting."""
    a, b = operands("maximum", a, b)
    refuse_complex("maximum", a, b)
    return Maximum.apply(a, b)


def minimum(a, b):
    """Elementwise minimum of a and b, broadcasting."""
    a, b = operands("minimum", a, b)
    refuse_complex("minimum", a, b)
    return Minimum.apply(a, b)


_NOT_GIVEN = object()


def where(cond, a=_NOT_GIVEN, b=_NOT_GIVEN):
    """Elements of ``a`` where ``cond`` is true, else of ``b`` (broadcasting). ``where(cond)`` alone is the
    positions where it is true, one index tensor per dim, as both NumPy and PyTorch read it."""
    if a is _NOT_GIVEN and b is _NOT_GIVEN:
        from minigrad.ops.take import nonzero   # take builds on this module's neighbours: imported when used
        return nonzero(cond, as_tuple=True)
    if a is _NOT_GIVEN or b is _NOT_GIVEN:
        raise TypeError("where: give both a and b (values where cond is true and where it is false), or neither "
                        "(the positions where cond is true)")
    numbers = not isinstance(a, Tensor) and not isinstance(b, Tensor)
    a, b = operands("where", a, b)
    cond = as_tensor(cond, like=a)
    if numbers and cond.device != a.device:   # two numbers join cond's device (torch's wrapped numbers)
        a, b = a.to(cond.device), b.to(cond.device)
    if cond.data.dtype != np.bool_:
        raise TypeError(f"where: cond must be a bool tensor, got dtype {cond.dtype}")
    return Where.apply(cond, a, b)
