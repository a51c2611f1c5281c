"""Elementwise extrema that ignore NaN (fmax, fmin) and one-sided clamps (clamp_min, clamp_max)."""
from __future__ import annotations

from minigrad.autograd.function import Function
from minigrad.backend import get_array_module
from minigrad.ops._args import operands, refuse_complex
from minigrad.ops.activations import clamp


class Fmax(Function):
    """y = max(a, b), the other one where one is NaN (NaN only if both are).   dL/da = g where a >= b or b is NaN,
    dL/db = g elsewhere (ties go to a, as in torch), each exactly 0 where not taken and summed back."""

    def forward(self, a, b):
        return get_array_module(a).fmax(a, b)

    def backward(self, F, gy, a, b):
        takes_a = (a >= b) | (b != b)
        na, nb = self.needs_input_grad
        return (F.sum_to(F.select(takes_a, gy), a.shape) if na else None,
                F.sum_to(F.select(~takes_a, gy), b.shape) if nb else None)


class Fmin(Function):
    """y = min(a, b), the other one where one is NaN (NaN only if both are).   dL/da = g where a <= b or b is NaN,
    dL/db = g elsewhere (ties go to a, as in torch), each exactly 0 where not taken and summed back."""

    def forward(self, a, b):
        return get_array_module(a).fmin(a, b)

    def backward(self, F, gy, a, b):
        takes_a = (a <= b) | (b != b)
        na, nb = self.needs_input_grad
        return (F.sum_to(F.select(takes_a, gy), a.shape) if na else None,
                F.sum_to(F.select(~takes_a, gy), b.shape) if nb else None)


def fmax(a, b):
    """The larger of a and b elementwise, ignoring a NaN on one side, broadcasting, as ``torch.fmax``."""
    a, b = operands("fmax", a, b)
    refuse_complex("fmax", a, b)
    return Fmax.apply(a, b)


def fmin(a, b):
    """The smaller of a and b elementwise, ignoring a NaN on one side, broadcasting, as ``torch.fmin``."""
    a, b = operands("fmin", a, b)
    refuse_complex("fmin", a, b)
    return Fmin.apply(a, b)


def clamp_min(x, min):  # noqa: A002  (torch.clamp_min's argument name)
    """x limited from below, ``clamp(x, min=min)``."""
    return clamp(x, min=min)


def clamp_max(x, max):  # noqa: A002
    """x limited from above, ``clamp(x, max=max)``."""
    return clamp(x, max=max)
