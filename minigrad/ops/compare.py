"""Non-differentiable ops: comparisons and arg-reductions. They return plain tensors with no graph."""
from __future__ import annotations

import numpy as np

from minigrad.autograd.tensor import Tensor
from minigrad.autograd.coercion import as_tensor
from minigrad.backend import get_array_module
from minigrad.ops._args import check_flag, normalize_axis, operands, refuse_complex, torch_axis
from minigrad.scalars import is_real


def _compare(name, a, b, fn):
    a, b = operands(name, a, b)
    return Tensor(fn(a.data, b.data))


def eq(a, b):
    """Elementwise a == b (bool tensor): ``a == b``, ``torch.eq`` and NumPy's ``equal``."""
    return _compare("equal", a, b, lambda x, y: x == y)


def equal(a, b):
    """Refused: NumPy's ``equal(a, b)`` is elementwise, PyTorch's one bool, so each reading has its own spelling."""
    raise TypeError("equal: NumPy's equal(a, b) is elementwise (a bool tensor), PyTorch's one bool (same shape and "
                    "values); write a == b or minigrad.eq(a, b) for NumPy's, a.equal(b) for PyTorch's")


def not_equal(a, b):
    """Elementwise a != b (bool tensor)."""
    return _compare("not_equal", a, b, lambda x, y: x != y)


def _order(name, a, b, fn):
    """An ordering comparison: complex operands are refused, as torch refuses them (NumPy orders complex numbers
    by their real parts, then their imaginary parts: ``tensor([1j]) < 2`` was True). The check runs inside the
    compared function, so that the comparison is still one ``_compare`` (what an ONNX export records)."""
    def ordered(x, y):
        if x.dtype.kind == "c" or y.dtype.kind == "c":
            raise TypeError(f"{name}: complex numbers have no order, got dtypes {x.dtype} and {y.dtype} (shapes "
                            f"{tuple(x.shape)} and {tuple(y.shape)}); compare their .real or .abs()")
        return fn(x, y)
    return _compare(name, a, b, ordered)


def less(a, b):
    """Elementwise a < b (bool tensor); complex operands are refused, as in torch."""
    return _order("less", a, b, lambda x, y: x < y)


def less_equal(a, b):
    """Elementwise a <= b (bool tensor); complex operands are refused, as in torch."""
    return _order("less_equal", a, b, lambda x, y: x <= y)


def greater(a, b):
    """Elementwise a > b (bool tensor); complex operands are refused, as in torch."""
    return _order("greater", a, b, lambda x, y: x > y)


def greater_equal(a, b):
    """Elementwise a >= b (bool tensor); complex operands are refused, as in torch."""
    return _order("greater_equal", a, b, lambda x, y: x >= y)


def _logical(name, a, b, fn):
    """``fn`` of the truth values of ``a`` and ``b`` (nonzero is True, as in torch and NumPy): a bool tensor."""
    a, b = operands(name, _truth(a), _truth(b))
    return Tensor(fn(_truth(a).data, _truth(b).data))


def _truth(x):
    return Tensor(x.data != 0) if isinstance(x, Tensor) and x.data.dtype.kind != "b" else x


def logical_and(a, b):
    """Elementwise a and b of the truth values (nonzero is True): a bool tensor (``a & b`` for bool tensors)."""
    return _logical("logical_and", a, b, lambda x, y: x & y)


def logical_or(a, b):
    """Elementwise a or b of the truth values (nonzero is True): a bool tensor (``a | b`` for bool tensors)."""
    return _logical("logical_or", a, b, lambda x, y: x | y)


def logical_not(a):
    """Elementwise not of the truth values (nonzero is True): a bool tensor (``~a`` for a bool tensor)."""
    return _logical("logical_not", a, a, lambda x, _: ~x)


def logical_xor(a, b):
    """Elementwise a xor b of the truth values (nonzero is True): a bool tensor (``a ^ b`` for bool tensors)."""
    return _logical("logical_xor", a, b, lambda x, y: x ^ y)


# PyTorch's short names for the comparisons (the same functions).
ne, lt, le, gt, ge = not_equal, less, less_equal, greater, greater_equal


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True where |a - b| <= atol + rtol |b| or a == b (infinities of one sign), elementwise, broadcasting,
    as ``torch.isclose``; NaNs are close to each other only with ``equal_nan``. A bool tensor, no gradient."""
    for label, value in (("rtol", rtol), ("atol", atol)):
        if not is_real(value) or not value >= 0:
            raise ValueError(f"isclose: {label} must be a real number >= 0, got {label}={value!r}")
    equal_nan = check_flag("isclose", "equal_nan", equal_nan)
    return _compare("isclose", a, b, lambda x, y: _isclose(x, y, rtol, atol, equal_nan))


def _isclose(x, y, rtol, atol, equal_nan):
    xp = get_array_module(x)
    if x.dtype.kind not in "fc":  # integers and bools: exact unless a tolerance says otherwise, no overflow in |x - y|
        x, y = x.astype(xp.float64), y.astype(xp.float64)
    return xp.isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan)


def _arg(name, x, axis, keepdims, method):  # (the ONNX tracer wraps this helper under this signature)
    refuse_complex(name, x)
    if axis is not None and not isinstance(axis, (int, np.integer)):   # np.int64 too, as normalize_axis
        raise TypeError(f"{name}: axis must be None or one int, got {axis!r}")
    if axis is not None:
        (axis,) = normalize_axis(name, axis, x.ndim, x.shape)
    if x.size == 0 and (axis is None or x.shape[axis] == 0):   # over a non-empty axis: an empty result
        raise ValueError(f"{name}: cannot reduce over an empty axis of a tensor of shape {x.shape}")
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
