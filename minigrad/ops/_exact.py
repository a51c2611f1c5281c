"""Exact products in float64 (Dekker, 1971): a * b = p + e exactly, p the rounded product and e its rounding error.

Arithmetic alone, so the arguments may be Python floats, arrays of any array module, or Tensors in a backward's
recorded pass (a derivative through ``split`` is 1 for ``hi`` and 0 for ``lo``, taken exactly).
"""
from __future__ import annotations

_SPLITTER = 134217729.0   # 2**27 + 1


def split(a):
    """``(hi, lo)`` with ``a = hi + lo`` exactly, each of at most 26 significant bits (Veltkamp's split; |a| < 1e300,
    past which ``_SPLITTER * a`` overflows). A product of two halves is then exact in float64."""
    c = _SPLITTER * a
    hi = c - (c - a)
    return hi, a - hi


def two_product(a, b):
    """``(p, e)``: ``p = a * b`` rounded, and ``e`` the error of that rounding, so that ``a * b = p + e`` exactly."""
    p = a * b
    a_hi, a_lo = split(a)
    b_hi, b_lo = split(b)
    return p, ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
