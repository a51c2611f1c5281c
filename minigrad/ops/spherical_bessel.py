"""The spherical Bessel function of the first kind of order 0, j0(x) = sin(x) / x, elementwise
(torch.special.spherical_bessel_j0), with its derivative -j1(x), j1(x) = (sin(x) / x - cos(x)) / x.

In float64, rounded once to the input's dtype (integer and bool inputs become float32): sin(x) / x is accurate to
rounding everywhere; j1 takes its Maclaurin series for |x| < 1, where (j0 - cos) / x cancels. At x = 0 j0 is 1
and j1 0; at +-inf both are 0, their limits (torch's value for j0).
"""
from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.function import Function
from minigrad.backend import get_array_module
from minigrad.ops._args import as_floating
from minigrad.ops.bessel import _over_x   # value / x, by its series near 0

# j1(x) / x = sum_k (-1)^k x^(2k) / ((2k + 3)!! (2k)!!): 1/3 - x^2/30 + x^4/840 - ...
_J1_OVER_X_SPHERICAL = tuple((-1) ** k / (math.prod(range(2 * k + 3, 0, -2)) * math.prod(range(2 * k, 0, -2)))
                             for k in range(7))

_SERIES_TERMS = 10   # |x| < 1: the 10th term of j1's series is below 1e-19 of the first


def spherical_j(x, order):
    """j0(x) or j1(x) in x's dtype."""
    xp = get_array_module(x)
    w = x.astype(xp.float64, copy=False)
    with np.errstate(invalid="ignore"):
        safe = xp.where((w == 0.0) | xp.isinf(w), 1.0, w)   # NaN stays NaN
        j0 = xp.where(w == 0.0, 1.0, xp.sin(safe) / safe)
        if order == 0:
            out = j0
        else:
            small = xp.abs(w) < 1.0
            s = xp.where(small, w, 0.0)
            # j1 = sum_k>=1 (-1)^(k+1) 2k x^(2k-1) / (2k+1)!
            term, total = s / 3.0, s / 3.0
            for k in range(2, _SERIES_TERMS + 1):
                term = -term * s * s * k / ((k - 1) * (2 * k) * (2 * k + 1))
                total = total + term
            out = xp.where(small, total, (j0 - xp.cos(safe)) / safe)
        out = xp.where(xp.isinf(w), 0.0, out)
        return out.astype(x.dtype, copy=False)


class SphericalJ0(Function):
    """y = j0(x) = sin(x) / x.   dL/dx = -g j1(x)."""

    def forward(self, x):
        return spherical_j(x, 0)

    def backward(self, F, gy, x):
        return -gy * F.apply(SphericalJ1, x)


class SphericalJ1(Function):
    """y = j1(x) = (sin(x) / x - cos(x)) / x.   dL/dx = g (j0(x) - 2 j1(x) / x), g / 3 at x = 0."""

    keep_output = True

    def forward(self, x):
        return spherical_j(x, 1)

    def backward(self, F, gy, x):
        return gy * (F.apply(SphericalJ0, x) - 2.0 * _over_x(F, F.output(self), x, _J1_OVER_X_SPHERICAL))


def spherical_bessel_j0(input):
    """sin(x) / x (1 at 0, 0 at +-inf), the spherical Bessel function of the first kind of order 0, as
    ``torch.special.spherical_bessel_j0``; any shape. Its derivative is -j1(x) = (cos(x) - sin(x) / x) / x (0 at 0),
    which torch does not provide."""
    return SphericalJ0.apply(as_floating(input))
