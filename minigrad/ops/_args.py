"""Argument handling shared by the ops: operand conversion and axis checks, with clear errors."""
from __future__ import annotations

from minigrad.autograd.tensor import Tensor, as_tensor


def operands(op_name, a, b):
    """Both operands as Tensors on one device; mixed floating dtypes are refused, never promoted."""
    if not isinstance(a, Tensor):
        if not isinstance(b, Tensor):
            b = as_tensor(b)
        return as_tensor(a, like=b), b
    if not isinstance(b, Tensor):
        return a, as_tensor(b, like=a)
    da, db = a.data.dtype, b.data.dtype
    if da != db and da.kind in "fc" and db.kind in "fc":
        raise TypeError(
            f"{op_name}: operands have different floating dtypes ({da} and {db}); "
            "minigrad does not promote silently, cast one with .astype()"
        )
    return a, b


def normalize_axis(op_name, axis, ndim, shape=None):
    """``axis`` (None, int or tuple) as a sorted tuple of non-negative axes, checked against ``ndim``."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in axes:
        if not isinstance(a, int) or not -ndim <= a < ndim:
            where = f"shape {tuple(shape)}" if shape is not None else f"{ndim} dimensions"
            raise ValueError(f"{op_name}: axis {a} is out of range for a tensor of {where}")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{op_name}: repeated axis in {axis}")
    return tuple(sorted(out))


def expand_reduced(g, in_shape, axes, keepdims):
    """Reshape a reduction's output gradient so that it broadcasts against the input shape."""
    if keepdims or axes is None and g.ndim == len(in_shape):
        return g
    if axes is None:
        return g.reshape((1,) * len(in_shape))
    shape = list(in_shape)
    for a in axes:
        shape[a] = 1
    return g.reshape(tuple(shape))
