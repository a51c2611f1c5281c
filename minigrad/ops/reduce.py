"""Reductions over axes: sum, mean, var, max, min, logsumexp (NumPy's ``axis``/``keepdims``).

The backward of a reduction spreads the output gradient back over the reduced
axes: reshape it so it broadcasts (``expand_reduced``), then broadcast.
"""
from __future__ import annotations

from minigrad.autograd.function import Function
from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import Tensor
from minigrad.backend import DEFAULT_FLOAT, get_array_module
from minigrad.ops._args import as_floating, expand_reduced, normalize_axis


def _count(shape, axes):
    n = 1
    for a in range(len(shape)) if axes is None else axes:
        n *= shape[a]
    return n


class Sum(Function):
    """y = sum of x over ``axis``.   dL/dx = g broadcast back over the summed axes.

    Shapes: x -> x's shape without the ``axis`` axes (each kept as 1 with ``keepdims``; all of them for axis=None).
    """

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        return x.sum(axis=self.axis, keepdims=self.keepdims)

    def backward(self, F, gy, x):
        return F.broadcast_to(expand_reduced(gy, x.shape, self.axis, self.keepdims), x.shape)


class Mean(Function):
    """y = sum of x over ``axis`` / n.   dL/dx = g / n broadcast back over the reduced axes.

    Shapes: x -> x's shape without the ``axis`` axes (each kept as 1 with ``keepdims``; all of them for axis=None).
    """

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        return x.mean(axis=self.axis, keepdims=self.keepdims)

    def backward(self, F, gy, x):
        n = _count(x.shape, self.axis)  # 0 only for an empty x, whose gradient is empty whatever the factor
        g = expand_reduced(gy, x.shape, self.axis, self.keepdims) * (1.0 / n if n else 0.0)
        return F.broadcast_to(g, x.shape)


class _Extremum(Function):
    """max or min over ``axis``.   dL/dx = g / k at each of the k tied extrema of a slice, else 0.

    Shapes: x -> x's shape without the ``axis`` axes (each kept as 1 with ``keepdims``; all of them for axis=None).
    """

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        return self.reduce(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, F, gy, x):
        hit = F.astype(x == self.reduce(x, axis=self.axis, keepdims=True), x.dtype)  # a constant mask
        share = hit / F.sum(hit, axis=self.axis, keepdims=True)
        return expand_reduced(gy, x.shape, self.axis, self.keepdims) * share


class Max(_Extremum):
    """y = max of x over ``axis``."""

    @staticmethod
    def reduce(x, axis, keepdims):
        return x.max(axis=axis, keepdims=keepdims)


class Min(_Extremum):
    """y = min of x over ``axis``."""

    @staticmethod
    def reduce(x, axis, keepdims):
        return x.min(axis=axis, keepdims=keepdims)


class LogSumExp(Function):
    """y = log(sum(exp(x))) over ``axis``, computed as m + log(sum(exp(x - m))), m = max x.

    dL/dx = g exp(x - y), the softmax of x along ``axis`` times the output gradient.
    Shapes: x -> x's shape without the ``axis`` axes (each kept as 1 with ``keepdims``; all of them for axis=None).
    """

    keep_output = True

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        xp = get_array_module(x)
        m = x.max(axis=self.axis, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)  # all -inf slices: keep exp from making NaN
        s = xp.exp(x - m).sum(axis=self.axis, keepdims=True)
        y = xp.log(s) + m
        if not self.keepdims:
            y = y.squeeze() if self.axis is None else y.squeeze(axis=self.axis)
        return y.astype(x.dtype, copy=False)

    def backward(self, F, gy, x):
        y = expand_reduced(F.output(self), x.shape, self.axis, self.keepdims)
        g = expand_reduced(gy, x.shape, self.axis, self.keepdims)
        return g * F.exp(x - y)


def _reduction(cls, name, x, axis, keepdims):
    x = as_tensor(x)
    axes = normalize_axis(name, axis, x.ndim, x.shape)
    # max, min and logsumexp have no value over nothing; over a non-empty axis of an empty tensor
    # the result is just empty, as in NumPy and PyTorch.
    if cls in (Max, Min, LogSumExp) and any(x.shape[a] == 0 for a in (range(x.ndim) if axes is None else axes)):
        raise ValueError(f"{name}: cannot reduce over an empty axis of a tensor of shape {x.shape}")
    return cls.apply(x, axis=axes, keepdims=bool(keepdims))


def sum(x, axis=None, keepdims=False):  # noqa: A001
    """Sum over ``axis`` (all axes when None)."""
    return _reduction(Sum, "sum", x, axis, keepdims)


def mean(x, axis=None, keepdims=False):
    """Arithmetic mean over ``axis``; the mean of integers is float32, minigrad's default float."""
    x = as_tensor(x)
    if x.data.dtype.kind not in "fc":
        x = Tensor(x.data.astype(DEFAULT_FLOAT))
    return _reduction(Mean, "mean", x, axis, keepdims)


def max(x, axis=None, keepdims=False):  # noqa: A001
    """Maximum over ``axis``; tied maxima share the gradient equally."""
    return _reduction(Max, "max", x, axis, keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001
    """Minimum over ``axis``; tied minima share the gradient equally."""
    return _reduction(Min, "min", x, axis, keepdims)


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over ``axis``, without overflow; integers are reduced as float32."""
    return _reduction(LogSumExp, "logsumexp", as_floating(x), axis, keepdims)


def var(x, axis=None, keepdims=False, ddof=0):
    """Variance over ``axis``: mean of squared deviations, divided by n - ddof."""
    x = as_tensor(x)
    axes = normalize_axis("var", axis, x.ndim, x.shape)
    n = _count(x.shape, axes)
    if n - ddof <= 0:
        raise ValueError(f"var: ddof={ddof} leaves no degrees of freedom for {n} elements")
    d = x - mean(x, axes, keepdims=True)
    return sum(d * d, axes, keepdims) * (1.0 / (n - ddof))
