"""Tests that return bools, without gradient: ``all``, ``any``, ``isnan``, ``isinf``, ``isfinite``, ``allclose``."""
from __future__ import annotations

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.backend import get_array_module
from minigrad.ops import _plain
from minigrad.ops._args import check_flag, normalize_axis, operands, torch_axis
from minigrad.scalars import is_real


def _reduce_truth(name, x, axis, keepdims, dim, keepdim):
    x = as_tensor(x)
    if dim is not None or keepdim is not None:
        axis, keepdims = torch_axis(name, x, axis, keepdims, dim, keepdim, empty_dim_reduces_all=False)
    axes, keep = normalize_axis(name, axis, x.ndim, x.shape), bool(keepdims)
    # torch keeps uint8 for uint8 input (its masks were uint8 before bool), every other dtype gives bool
    dtype = np.uint8 if x.dtype == np.uint8 else np.bool_
    return _plain.plain(name, {"axis": axes, "keepdims": keep}, x,
                        lambda data: getattr(get_array_module(data), name)(data, axis=axes,
                                                                          keepdims=keep).astype(dtype, copy=False))


def all(x, axis=None, keepdims=None, *, dim=None, keepdim=None):  # noqa: A001
    """True where every entry over ``axis`` (or ``dim``; all when None) is nonzero; a bool tensor (uint8 for uint8
    input, as torch)."""
    return _reduce_truth("all", x, axis, keepdims, dim, keepdim)


def any(x, axis=None, keepdims=None, *, dim=None, keepdim=None):  # noqa: A001
    """True where some entry over ``axis`` (or ``dim``; all when None) is nonzero; a bool tensor (uint8 for uint8
    input, as torch)."""
    return _reduce_truth("any", x, axis, keepdims, dim, keepdim)


def _elementwise(name, x):
    x = as_tensor(x)
    return _plain.plain(name, {}, x, lambda data: getattr(get_array_module(data), name)(data))


def isnan(x):
    """True where an entry is NaN (never for integers); a bool tensor."""
    return _elementwise("isnan", x)


def isinf(x):
    """True where an entry is +inf or -inf; a bool tensor."""
    return _elementwise("isinf", x)


def isfinite(x):
    """True where an entry is neither NaN nor infinite (always for integers); a bool tensor."""
    return _elementwise("isfinite", x)


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when |a - b| <= atol + rtol |b| everywhere (broadcasting), as ``torch.allclose``; a Python bool.

    Two floating dtypes are refused, as by the other ops (and by PyTorch).
    """
    for label, value in (("rtol", rtol), ("atol", atol)):
        if not is_real(value) or not value >= 0:
            raise ValueError(f"allclose: {label} must be a real number >= 0, got {label}={value!r}")
    equal_nan = check_flag("allclose", "equal_nan", equal_nan)
    a, b = operands("allclose", a, b)
    try:
        return bool(get_array_module(a.data).allclose(a.data, b.data, rtol=rtol, atol=atol, equal_nan=equal_nan))
    except ValueError:
        raise ValueError(f"allclose: shapes {a.shape} and {b.shape} do not broadcast") from None
