"""Non-differentiable ops: comparisons and arg-reductions. They return plain tensors with no graph."""
from __future__ import annotations

from minigrad.autograd.tensor import Tensor
from minigrad.autograd.coercion import as_tensor
from minigrad.ops._args import normalize_axis, operands, torch_axis


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


def _logical(name, a, b, fn):
    a, b = operands(name, a, b)
    if a.dtype.kind != "b" or b.dtype.kind != "b":
        raise TypeError(f"{name}: operands must be bool tensors, got dtypes {a.dtype} and {b.dtype}")
    return Tensor(fn(a.data, b.data))


def logical_and(a, b):
    """Elementwise a and b of bool tensors (``a & b``)."""
    return _logical("logical_and", a, b, lambda x, y: x & y)


def logical_or(a, b):
    """Elementwise a or b of bool tensors (``a | b``)."""
    return _logical("logical_or", a, b, lambda x, y: x | y)


def logical_not(a):
    """Elementwise not of a bool tensor (``~a``)."""
    return _logical("logical_not", a, a, lambda x, _: ~x)


def _arg(name, x, axis, keepdims, method):  # (the ONNX tracer wraps this helper under this signature)
    if axis is not None and not isinstance(axis, int):
        raise TypeError(f"{name}: axis must be None or one int, got {axis!r}")
    if axis is not None:
        (axis,) = normalize_axis(name, axis, x.ndim, x.shape)
    if x.size == 0:
        raise ValueError(f"{name}: empty tensor of shape {x.shape}")
    return Tensor(getattr(x.data, method)(axis=axis, keepdims=bool(keepdims)))


def argmax(x, axis=None, keepdims=None, *, dim=None, keepdim=None):
    """Index of the maximum (over the flattened tensor when ``axis`` is None); int64, no gradient.

    PyTorch's ``dim``/``keepdim`` may be given instead of ``axis``/``keepdims``.
    """
    if dim is not None or keepdim is not None:
        x = as_tensor(x)
        axis, keepdims = torch_axis("argmax", x, axis, keepdims, dim, keepdim)
    return _arg("argmax", x, axis, keepdims, "argmax")


def argmin(x, axis=None, keepdims=None, *, dim=None, keepdim=None):
    """Index of the minimum (over the flattened tensor when ``axis`` is None); int64, no gradient.

    PyTorch's ``dim``/``keepdim`` may be given instead of ``axis``/``keepdims``.
    """
    if dim is not None or keepdim is not None:
        x = as_tensor(x)
        axis, keepdims = torch_axis("argmin", x, axis, keepdims, dim, keepdim)
    return _arg("argmin", x, axis, keepdims, "argmin")
