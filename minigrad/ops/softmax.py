"""Softmax and log-softmax along an axis: one Function each, stable for logits of any size.

Both subtract the largest logit before exponentiating (the log-sum-exp trick),
so ``exp`` never overflows and logits of +-1000 give finite results. Their
backwards are closed forms in terms of the output, written with minigrad ops so
that second derivatives are exact too.
"""
from __future__ import annotations

import numpy as np

from minigrad import backend
from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.function import Function
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.ops._args import half_in_float32
from minigrad.ops.convert import astype
from minigrad.scalars import is_integer


def stable_log_softmax(xp, x, axis):
    """log softmax of a raw array along ``axis``, shifted by the max so that exp cannot overflow."""
    if x.size == 0:  # nothing to normalise (max() over an empty axis has no identity): the empty result
        return x.copy()
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))


class LogSoftmax(Function):
    """``y = x - logsumexp(x)``; backward ``gx = gy - softmax(x) * sum(gy)``, with softmax = exp(y)."""

    keep_output = True

    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        if x.dtype == np.float16:   # as Softmax's: torch computes half in float32 and rounds once
            return half_in_float32(self.forward, x)
        return stable_log_softmax(get_array_module(x), x, _array_axis(self.axis, x))

    def backward(self, F, gy, x):
        y = F.output(self)
        if y.dtype == np.float16:   # a row's sum of float16 gradients loses digits; torch's half kernel sums in float32
            return half_in_float32(lambda g, y32: self._vjp(F, g, y32), gy, y)
        return self._vjp(F, gy, y)

    def _vjp(self, F, gy, y):
        return gy - F.exp(y) * F.sum(gy, axis=_array_axis(self.axis, gy), keepdims=True)


class Softmax(Function):
    """``y = exp(x - logsumexp(x))``; backward ``gx = y * (gy - sum(gy * y))``."""

    keep_output = True

    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        if x.dtype == np.float16:   # x - max(x) rounds in float16 (11 ulps off); torch computes half in float32
            return half_in_float32(self.forward, x)
        xp = get_array_module(x)
        return xp.exp(stable_log_softmax(xp, x, _array_axis(self.axis, x)))

    def backward(self, F, gy, x):
        y = F.output(self)
        if y.dtype == np.float16:   # as the forward: the row's sum in float32, rounded once
            return half_in_float32(lambda g, y32: self._vjp(F, g, y32), gy, y)
        return self._vjp(F, gy, y)

    def _vjp(self, F, gy, y):
        return y * (gy - F.sum(gy * y, axis=_array_axis(self.axis, gy), keepdims=True))


def _array_axis(axis, x):
    """The axis for NumPy: a 0-d input's dim 0 or -1 (torch's, one value) is no NumPy axis, so None there."""
    return axis if x.ndim else None


class _DefaultAxis(int):
    """The default axis, -1, told apart by identity from an axis given next to ``dim``."""


LAST_AXIS = _DefaultAxis(-1)


def softmax_axis(name, axis, dim):
    """The axis of a softmax given as NumPy's ``axis`` or PyTorch's ``dim`` (not both); ``LAST_AXIS`` when neither."""
    if dim is None:
        return axis
    if axis is not LAST_AXIS:
        raise TypeError(f"{name}: got both axis={axis!r} and dim={dim!r}; give one (axis is NumPy's name, dim PyTorch's)")
    return dim


def _checked_input(name, x, axis, arg="axis"):
    """``x`` checked against ``axis``; integer logits become float32 (NumPy would make float64)."""
    if axis is LAST_AXIS and x.ndim >= 3:
        # Below 3 dims PyTorch's implicit dim is the last axis too; from 3 on it is not, so neither is guessed.
        raise TypeError(
            f"{name}: give the axis for an input of {x.ndim} dims (shape {tuple(x.shape)}): NumPy-style code means "
            f"the last axis, PyTorch's implicit dim is {0 if x.ndim == 3 else 1}; write axis=-1 for the last axis, "
            "or dim= for the one you mean")
    if type(axis) is not int and not is_integer(axis):  # else NumPy's own TypeError, naming neither op nor axis
        raise TypeError(f"{name}: {arg} must be an int, got {arg}={axis!r} ({type(axis).__name__})")
    if not -max(x.ndim, 1) <= axis < max(x.ndim, 1):   # a 0-d input takes dim 0 or -1, as torch's
        raise ValueError(f"{name}: {arg}={axis} is out of range for input of shape {tuple(x.shape)}")
    return x if x.dtype.kind in "fc" else x.astype(backend.DEFAULT_FLOAT)


def softmax(input: Tensor, axis: int = LAST_AXIS, *, dim: int | None = None, dtype=None) -> Tensor:  # noqa: A002
    """Probabilities along ``axis`` (or PyTorch's ``dim``):
    ``exp(x) / sum(exp(x))``, computed stably; in ``dtype`` when given (x is cast first, as torch's)."""
    arg = "axis" if dim is None else "dim"
    axis = softmax_axis("softmax", axis, dim)
    return Softmax.apply(_checked_input("softmax", cast_to_dtype("softmax", input, dtype), axis, arg), axis=int(axis))


def log_softmax(input: Tensor, axis: int = LAST_AXIS, *, dim: int | None = None, dtype=None) -> Tensor:  # noqa: A002
    """Log-probabilities along ``axis`` (or PyTorch's ``dim``):
    ``x - logsumexp(x)``, computed stably; in ``dtype`` when given (x is cast first, as torch's)."""
    arg = "axis" if dim is None else "dim"
    axis = softmax_axis("log_softmax", axis, dim)
    x = _checked_input("log_softmax", cast_to_dtype("log_softmax", input, dtype), axis, arg)
    return LogSoftmax.apply(x, axis=int(axis))


def cast_to_dtype(name, x, dtype, kinds="fc"):
    """``x`` in ``dtype`` (torch's ``dtype=`` of the softmaxes and softmin: the cast happens before the op); None
    keeps it. An integer ``dtype`` is refused: the integer input would be taken back to float32 and ``dtype``
    ignored. ``kinds``: the dtype kinds taken (softmin's ``"f"`` refuses complex, as its input check does)."""
    if dtype is None:
        return x
    y = astype(as_tensor(x), dtype)
    if y.dtype.kind not in kinds:
        raise TypeError(f"{name}: dtype must be a floating dtype, got {y.dtype}")
    return y
