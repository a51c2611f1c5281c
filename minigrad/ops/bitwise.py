"""Bitwise operations on integer and bool tensors: bitwise_and, bitwise_or, bitwise_xor, bitwise_not, and the
shifts bitwise_left_shift and bitwise_right_shift (``<<``, ``>>``).

No gradient; a floating operand is one TypeError, as in torch (which has no kernel for it).
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.backend import get_array_module
from minigrad.ops import _plain, compare
from minigrad.ops._args import _python_number


def _integral(name, *values):
    for v in values:
        v = _python_number(v)
        if hasattr(v, "dtype") or isinstance(v, (list, tuple)):   # a Tensor, an array or a list: its dtype decides
            dtype = v.dtype if hasattr(v, "dtype") else np.asarray(v).dtype
            kind, what = np.dtype(dtype).kind, f"dtype {dtype} (shape {tuple(np.shape(v))})"
        else:
            kind, what = ("b" if isinstance(v, bool) else "i" if isinstance(v, int) else "f"), repr(v)
        if kind not in "iub":
            raise TypeError(f"{name}: expected integer or bool tensors, got {what}")


def _bitwise(name, a, b, ufunc):
    _integral(name, a, b)
    return compare._compare(name, a, b, lambda x, y: getattr(get_array_module(x), ufunc)(x, y))


def bitwise_and(a, b):
    """a & b bit by bit (logical and for bools), broadcasting."""
    return _bitwise("bitwise_and", a, b, "bitwise_and")


def bitwise_or(a, b):
    """a | b bit by bit (logical or for bools), broadcasting."""
    return _bitwise("bitwise_or", a, b, "bitwise_or")


def bitwise_xor(a, b):
    """a ^ b bit by bit (logical xor for bools), broadcasting."""
    return _bitwise("bitwise_xor", a, b, "bitwise_xor")


def bitwise_not(x):
    """~x bit by bit (logical not for bools)."""
    x = as_tensor(x)
    _integral("bitwise_not", x)
    return _plain.plain("bitwise_not", {}, x, lambda data: get_array_module(data).invert(data))


def bitwise_left_shift(a, b):
    """a << b: a times 2^b, wrapping in a's integer dtype (0 once b reaches the dtype's bit count), broadcasting."""
    return _shift("bitwise_left_shift", a, b, "left_shift")


def bitwise_right_shift(a, b):
    """a >> b: a shifted right by b bits, copying the sign bit (floor(a / 2^b)), broadcasting."""
    return _shift("bitwise_right_shift", a, b, "right_shift")


def _shift(name, a, b, ufunc):
    _integral(name, a, b)
    if _is_bool(a) and _is_bool(b):   # NumPy shifts them as int8; torch has no bool shift
        raise TypeError(f"{name}: not defined for two bool operands (torch has none); cast one with .long() first")
    if isinstance(b, (int, np.integer)) and not isinstance(b, (bool, np.bool_)) and hasattr(a, "dtype"):
        # A Python shift past the dtype's width (or, for unsigned dtypes, below 0) is out of NumPy's range for it;
        # torch gives 0 (or -1 for a negative value shifted right), which a shift by the full width gives too.
        # A bool tensor shifts as the int64 it meets the Python int in (True << 8 is 256, True << 64 is 0).
        dtype = np.dtype(np.int64 if np.dtype(a.dtype).kind == "b" else a.dtype)
        bits = dtype.itemsize * 8
        if int(b) > bits or (int(b) < 0 and dtype.kind != "i"):
            b = bits
    return _bitwise(name, a, b, ufunc)


def _is_bool(v):
    v = _python_number(v)
    return isinstance(v, bool) or np.dtype(getattr(v, "dtype", object)).kind == "b"
