"""Non-differentiable ops: comparisons and arg-reductions. They return plain tensors with no graph."""
from __future__ import annotations

from minigrad.autograd.tensor import Tensor
from minigrad.ops._args import normalize_axis, operands


def _compare(name, a, b, fn):
    a, b = operands(name, a, b)
    return Tensor(fn(a.data, b.data))


def equal(a, b):
    """Elementwise a == b (bool tensor)."""
    return _compare("equal", a, b, lambda x, y: x == y)


def not_equal(a, b):
    """Elementwise a != b (bool tensor)."""
    return _compare("not_equal", a, b, lambda x, y: x != y)


def less(a, b):
    """Elementwise a < b (bool tensor)."""
    return _compare("less", a, b, lambda x, y: x < y)


def less_equal(a, b):
    """Elementwise a <= b (bool tensor)."""
    return _compare("less_equal", a, b, lambda x, y: x <= y)


def greater(a, b):
    """Elementwise a > b (bool tensor)."""
    return _compare("greater", a, b, lambda x, y: x > y)


def greater_equal(a, b):
    """Elementwise a >= b (bool tensor)."""
    return _compare("greater_equal", a, b, lambda x, y: x >= y)


def _arg(name, x, axis, keepdims, method):
    if axis is not None and not isinstance(axis, int):
        raise TypeError(f"{name}: axis must be None or one int, got {axis!r}")
    if axis is not None:
        (axis,) = normalize_axis(name, axis, x.ndim, x.shape)
    if x.size == 0:
        raise ValueError(f"{name}: empty tensor of shape {x.shape}")
    return Tensor(getattr(x.data, method)(axis=axis, keepdims=keepdims))


def argmax(x, axis=None, keepdims=False):
    """Index of the maximum (over the flattened tensor when ``axis`` is None); int64, no gradient."""
    return _arg("argmax", x, axis, keepdims, "argmax")


def argmin(x, axis=None, keepdims=False):
    """Index of the minimum (over the flattened tensor when ``axis`` is None); int64, no gradient."""
    return _arg("argmin", x, axis, keepdims, "argmin")
