"""Elementwise selection: maximum, minimum and where.

A tie in maximum or minimum sends half of the gradient to each side.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.function import Function
from minigrad.autograd.tensor import as_tensor
from minigrad.backend import get_array_module
from minigrad.ops._args import _const, operands
from minigrad.ops.broadcast import sum_to


def _tie_split(first, second, first_wins):
    """Weights for (first, second) in max/min: 1 to the winner, 1/2 each on a tie."""
    w = first_wins.astype(first.dtype)
    w += (first == second).astype(first.dtype) * 0.5
    return w, 1.0 - w


class Maximum(Function):
    """y = max(a, b) elementwise; a tie sends half the gradient to each side."""

    def forward(self, a, b):
        return get_array_module(a).maximum(a, b)

    def backward(self, gy):
        a, b = self.inputs
        wa, wb = _tie_split(a.data, b.data, a.data > b.data)
        na, nb = self.needs_input_grad
        return (sum_to(gy * _const(wa), a.shape) if na else None,
                sum_to(gy * _const(wb), b.shape) if nb else None)


class Minimum(Function):
    """y = min(a, b) elementwise; a tie sends half the gradient to each side."""

    def forward(self, a, b):
        return get_array_module(a).minimum(a, b)

    def backward(self, gy):
        a, b = self.inputs
        wa, wb = _tie_split(a.data, b.data, a.data < b.data)
        na, nb = self.needs_input_grad
        return (sum_to(gy * _const(wa), a.shape) if na else None,
                sum_to(gy * _const(wb), b.shape) if nb else None)


class Where(Function):
    """y = a where cond else b."""

    def forward(self, cond, a, b):
        return get_array_module(a).where(cond, a, b)

    def backward(self, gy):
        cond, a, b = self.inputs
        _, na, nb = self.needs_input_grad
        # A literal 0.0, not gy * 0.0: the unselected side gets exactly 0 even where gy is inf.
        ga = sum_to(where(cond, gy, 0.0), a.shape) if na else None
        gb = sum_to(where(cond, 0.0, gy), b.shape) if nb else None
        return None, ga, gb


def maximum(a, b):
    """Elementwise maximum of a and b, broadcasting."""
    return Maximum.apply(*operands("maximum", a, b))


def minimum(a, b):
    """Elementwise minimum of a and b, broadcasting."""
    return Minimum.apply(*operands("minimum", a, b))


def where(cond, a, b):
    """Elements of ``a`` where ``cond`` is true, else of ``b`` (broadcasting)."""
    a, b = operands("where", a, b)
    cond = as_tensor(cond, like=a)
    if cond.data.dtype != np.bool_:
        raise TypeError(f"where: cond must be a bool tensor, got dtype {cond.dtype}")
    return Where.apply(cond, a, b)
