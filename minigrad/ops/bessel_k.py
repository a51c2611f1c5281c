"""Modified Bessel functions of the second kind of orders 0 and 1, elementwise: K0, K1 and the scaled
e^x K0, e^x K1 (torch.special.modified_bessel_k0 / k1, scaled_modified_bessel_k0 / k1), and torch.special's
modified_bessel_i0 / i1, which are bessel.py's I0 and I1 except NaN at +-inf (torch's values there).

Our own kernels, array math alone in float64, rounded once to the input's dtype (integer and bool inputs become
float32), in three ranges of x:
- below 0.75, the series K0 = -log(x/2) I0(x) + sum_k psi(k+1) (x^2/4)^k / (k!)^2 and
  K1 = 1/x + log(x/2) I1(x) - (x/4) sum_k (psi(k+1) + psi(k+2)) (x^2/4)^k / (k! (k+1)!) (DLMF 10.31.1);
- up to 25.25, the Taylor series of the modified Bessel equation x^2 y'' + x y' - (x^2 + n^2) y = 0 about the
  nearest of the centres 1, 1.5, ..., 25, from K0 and K1 there (mpmath, _special_tables.py); its terms shrink
  with alternating signs like the exponential's, so nothing cancels;
- beyond, e^-x sqrt(pi / (2x)) sum_k a_k(n) / x^k, Hankel's expansion (DLMF 10.40.2; a_k as in bessel_jy.py).
The scaled forms multiply by e^x up to 25.25 and leave out e^-x beyond. As torch's: inf at 0, NaN for x < 0,
0 at +inf (e^x K too).
"""
from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.function import Function
from minigrad.backend import get_array_module
from minigrad.ops import _special_tables as tables
from minigrad.ops._args import as_floating
from minigrad.ops.bessel import I0, I1, _far, bessel_i, hankel_difference
from minigrad.ops.bessel_jy import hankel_coefficients, log_half, power_series, taylor

_SERIES_LIMIT = 0.75
_ASYMPTOTIC_LIMIT = 25.25
_HANKEL = {order: hankel_coefficients(order, 34) for order in (0, 1)}   # the smallest term there is below 1e-19
_DIFFERENCE_ABOVE = 20.0   # where the derivatives' series of e^x (K1 - K0) is good to rounding (measured)


def bessel_k(x, order, scaled):
    """K_order(x) (order 0 or 1), times e^x if ``scaled``, in x's dtype."""
    xp = get_array_module(x)
    w = x.astype(xp.float64, copy=False)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore", under="ignore"):
        small = w < _SERIES_LIMIT
        far = w > _ASYMPTOTIC_LIMIT
        s = xp.where(small & (w > 0.0), w, 1.0)   # each range on values it is meant for
        total, weighted = power_series(xp, s, order, 1.0)
        logarithm = log_half(xp, s)
        if order == 0:
            near = -logarithm * bessel_i(s, 0, False) + 0.5 * weighted
        else:
            near = 1.0 / s + logarithm * bessel_i(s, 1, False) - 0.25 * s * weighted
        m = xp.where(small | far | xp.isnan(w), 2.0, w)
        middle = taylor(xp, m, order, tables.BESSEL_K0, tables.BESSEL_K1, True)
        b = xp.where(far, w, 30.0)
        inverse = 1.0 / b
        series, power = xp.zeros_like(b), xp.ones_like(b)
        for a in _HANKEL[order]:
            series = series + a * power
            power = power * inverse
        big = series * xp.sqrt(0.5 * math.pi / b)
        if scaled:
            near = near * xp.exp(s)
            middle = middle * xp.exp(m)
        else:
            big = big * xp.exp(-b)
        out = xp.where(small, near, xp.where(far, big, middle))
        out = xp.where(w == 0.0, xp.inf, xp.where(w < 0.0, xp.nan, out))
        out = xp.where(xp.isnan(w), w, out)
        return out.astype(x.dtype, copy=False)


class BesselK0(Function):
    """y = K0(x).   dL/dx = -g K1(x)."""

    def forward(self, x):
        return bessel_k(x, 0, False)

    def backward(self, F, gy, x):
        return -gy * F.apply(BesselK1, x)


class BesselK1(Function):
    """y = K1(x).   dL/dx = -g (K0(x) + K1(x) / x)."""

    keep_output = True

    def forward(self, x):
        return bessel_k(x, 1, False)

    def backward(self, F, gy, x):
        return -gy * (F.apply(BesselK0, x) + F.output(self) / x)


class ScaledBesselK0(Function):
    """y = e^x K0(x).   dL/dx = g (y - e^x K1(x)); -inf at x = 0, its limit (inf - inf there)."""

    keep_output = True

    def forward(self, x):
        return bessel_k(x, 0, True)

    def backward(self, F, gy, x):
        zero = x == 0.0
        d = F.where(zero, -math.inf, F.output(self) - F.apply(ScaledBesselK1, F.where(zero, 1.0, x)))
        far, xs = _far(F, x, _DIFFERENCE_ABOVE, even=False)
        if far is None:
            return gy * d
        # e^x (K0 - K1) for x > 20 by the series of the difference: the subtraction cancels there
        return gy * F.where(far, -hankel_difference(F, xs, False) * F.sqrt(0.5 * math.pi / xs), d)


class ScaledBesselK1(Function):
    """y = e^x K1(x).   dL/dx = g (y - e^x K0(x) - y / x); -inf where y is inf (x = 0, and x < 1 / 1.8e308,
    where 1 / x overflows), the limit of -1 / x^2."""

    keep_output = True

    def forward(self, x):
        return bessel_k(x, 1, True)

    def backward(self, F, gy, x):
        y = F.output(self)
        overflow = y == math.inf
        finite_y = F.where(overflow, 0.0, y)
        finite_x = F.where(overflow, 1.0, x)
        d = F.where(overflow, -math.inf, finite_y - F.apply(ScaledBesselK0, finite_x) - finite_y / finite_x)
        far, xs = _far(F, x, _DIFFERENCE_ABOVE, even=False)
        if far is None:
            return gy * d
        # e^x (K1 - K0) for x > 20 by the series of the difference: the subtraction cancels there
        series = hankel_difference(F, xs, False) * F.sqrt(0.5 * math.pi / xs) - F.apply(ScaledBesselK1, xs) / xs
        return gy * F.where(far, series, d)


def _nan_at_infinity(y, x):
    xp = get_array_module(x)
    return xp.where(xp.isinf(x), x.dtype.type(np.nan), y)


class ModifiedBesselI0(I0):
    """y = I0(x), NaN at +-inf (torch.special.modified_bessel_i0).   dL/dx = g I1(x)."""

    def forward(self, x):
        return _nan_at_infinity(super().forward(x), x)


class ModifiedBesselI1(I1):
    """y = I1(x), NaN at +-inf (torch.special.modified_bessel_i1).   dL/dx = g (I0(x) - I1(x) / x), g / 2 at 0."""

    def forward(self, x):
        return _nan_at_infinity(super().forward(x), x)


def modified_bessel_i0(input):
    """The modified Bessel function of the first kind of order 0 elementwise, as
    ``torch.special.modified_bessel_i0`` (``torch.i0``'s values, but NaN at +-inf as torch's); any shape.
    Its derivative is I1(x)."""
    return ModifiedBesselI0.apply(as_floating(input))


def modified_bessel_i1(input):
    """The modified Bessel function of the first kind of order 1 elementwise, as
    ``torch.special.modified_bessel_i1`` (NaN at +-inf, as torch's); any shape. Its derivative is
    I0(x) - I1(x) / x (1/2 at 0)."""
    return ModifiedBesselI1.apply(as_floating(input))


def modified_bessel_k0(input):
    """The modified Bessel function of the second kind of order 0 elementwise (inf at 0, NaN for x < 0), as
    ``torch.special.modified_bessel_k0``; any shape. Its derivative is -K1(x)."""
    return BesselK0.apply(as_floating(input))


def modified_bessel_k1(input):
    """The modified Bessel function of the second kind of order 1 elementwise (inf at 0, NaN for x < 0), as
    ``torch.special.modified_bessel_k1``; any shape. Its derivative is -K0(x) - K1(x) / x."""
    return BesselK1.apply(as_floating(input))


def scaled_modified_bessel_k0(input):
    """e^x K0(x) elementwise, as ``torch.special.scaled_modified_bessel_k0``; any shape. Its derivative is
    e^x (K0(x) - K1(x)) (-inf at 0, its limit)."""
    return ScaledBesselK0.apply(as_floating(input))


def scaled_modified_bessel_k1(input):
    """e^x K1(x) elementwise, as ``torch.special.scaled_modified_bessel_k1``; any shape. Its derivative is
    e^x (K1(x) - K0(x) - K1(x) / x) (-inf at 0 and where 1 / x overflows, its limit)."""
    return ScaledBesselK1.apply(as_floating(input))
