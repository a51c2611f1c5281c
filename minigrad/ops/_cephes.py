"""Polynomial and Chebyshev-series evaluation for the rational Bessel and Airy kernels (bessel_jy.py,
bessel_k.py, airy.py), whose coefficients are Cephes' (Moshier), the ones torch's ATen/native/Math.h uses:
evaluating them in torch's order keeps the float64 results within an ulp or so of torch's and SciPy's."""
from __future__ import annotations


def polevl(z, coefficients):
    """sum_i c_i z^(len - 1 - i) by Horner's rule, highest power first (an array in, an array out)."""
    total = coefficients[0] + 0.0 * z
    for c in coefficients[1:]:
        total = total * z + c
    return total


def chbevl_half_difference(t, coefficients):
    """(b0 - b2) / 2 of Clenshaw's recurrence for sum' c_i T_i(t / 2), as Cephes' chbevl (torch's K0 and K1)."""
    p = 0.0 * t
    q = 0.0 * t
    b = coefficients[0] + 0.0 * t
    for c in coefficients[1:]:
        p, q = q, b
        b = t * q - p + c
    return 0.5 * (b - p)
