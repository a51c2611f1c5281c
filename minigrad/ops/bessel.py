"""Modified Bessel functions of the first kind, elementwise: i0 and i1, and their scaled forms i0e = e^-|x| i0
and i1e = e^-|x| i1 (torch.i0, torch.special.i0e / i1 / i1e).

The kernels are array math alone (no SciPy), in float64, rounded once to the input's dtype: the power series
for |x| <= 20, whose terms are all positive (no cancellation), and Hankel's asymptotic series
e^x / sqrt(2 pi x) sum_k (-1)^k a_k(nu) / x^k beyond, whose smallest term there is below 1e-17.
Integer and bool inputs become float32, as in torch.
"""
from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.function import Function
from minigrad.backend import get_array_module
from minigrad.ops._args import as_floating
from minigrad.ops._gamma_kernels import horner

_SERIES_LIMIT = 20.0
_SERIES_TERMS = 42
_ASYMPTOTIC_TERMS = 24


def _series(xp, x, order):
    """I_order(x) for |x| <= 20: (x/2)^order sum_k (x^2/4)^k / (k! (k + order)!)."""
    y = x * x * 0.25
    term = xp.ones_like(x)
    total = xp.ones_like(x)
    for k in range(1, _SERIES_TERMS):
        term = term * y / (k * (k + order))
        total = total + term
    return total * 0.5 * x if order == 1 else total


def _scaled_asymptotic(xp, ax, order):
    """e^-|x| I_order(|x|) for |x| > 20 by Hankel's series, mu = 4 order^2."""
    mu = 4.0 * order * order
    coefficient = 1.0
    total = xp.ones_like(ax)
    power = xp.ones_like(ax)
    inverse = 1.0 / ax
    for k in range(1, _ASYMPTOTIC_TERMS):
        coefficient *= -(mu - (2 * k - 1) ** 2) / (8.0 * k)
        power = power * inverse
        total = total + coefficient * power
    return total / (math.sqrt(2.0 * math.pi) * xp.sqrt(ax))   # not sqrt(2 pi x): 2 pi x overflows past 2.9e307


def bessel_i(x, order, scaled):
    """I_order(x) (order 0 or 1), times e^-|x| if ``scaled``, in x's dtype."""
    xp = get_array_module(x)
    w = x.astype(xp.float64, copy=False)
    with np.errstate(over="ignore", invalid="ignore"):
        ax = xp.abs(w)
        small = ax <= _SERIES_LIMIT
        out = xp.empty_like(w)
        ws = w[small]
        series = _series(xp, ws, order)
        out[small] = series * xp.exp(-xp.abs(ws)) if scaled else series
        wl = w[~small]
        al = xp.abs(wl)
        big = _scaled_asymptotic(xp, xp.where(xp.isinf(al), 1e300, al), order)
        big = xp.where(xp.isinf(al), 0.0, big)   # e^-|x| I(x) -> 0; unscaled, 0 * inf below is fixed after
        if order == 1:
            big = xp.where(wl < 0, -big, big)
        if not scaled:
            half = xp.exp(0.5 * al)        # e^x in two halves: finite up to e^x / sqrt(2 pi x) overflowing
            big = xp.where(xp.isinf(al), xp.where(wl < 0, -1.0, 1.0) if order == 1 else 1.0, big) * half * half
        out[~small] = big
        return out.astype(x.dtype, copy=False)


def _exp_minus_abs(F, x):
    return F.exp(-(_sign_of(F, x) * x))


def _sign_of(F, x):
    data = x.data if F.recording else x
    return F.const(get_array_module(data).sign(data))


# value / x for |x| below this is its Taylor series (7 terms: beyond them under 1e-17 relative): the derivatives
# of value / x cancel near 0 (d/dx is value' / x - value / x^2), so that the third derivative of i1 was 0 at
# x = 1e-10 (float64) and 1e-6 (float32), NaN at 1e-20 in float32, 0.5 at 0, for 3/8
_SERIES_BELOW = 0.5


def _over_x(F, value, x, series, scale=None):
    """value / x, where value is odd and vanishes at 0: for |x| < 0.5 the even series sum_k series[k] x^(2k)
    (times ``scale(F, x)`` if given: e^-|x| for the scaled i1e), so that its derivatives stay exact near 0."""
    data = x.data if F.recording else x
    near = abs(data) < _SERIES_BELOW
    if not near.any():
        return value / x
    near = F.const(near)
    xs = F.where(near, x, 0.0)
    total = horner(series, xs * xs)
    if scale is not None:
        total = total * scale(F, xs)
    return F.where(near, total, value / F.where(near, 1.0, x))


# I1(x) / x = sum_k x^(2k) / (2^(2k+1) k! (k+1)!), and J1(x) / x the same with alternating signs
_I1_OVER_X = tuple(1.0 / (2.0 ** (2 * k + 1) * math.factorial(k) * math.factorial(k + 1)) for k in range(7))
_J1_OVER_X = tuple((-1) ** k * c for k, c in enumerate(_I1_OVER_X))


# The differences i1e - i0e and e^x (K1 - K0) of the scaled functions' Hankel series, whose leading terms 1 cancel:
# sum_k>=1 (a_k(1) - a_k(0)) (-+1/x)^k, each coefficient a difference of two of opposite signs (no cancellation).
# The derivatives of i0e, i1e, e^x K0 and e^x K1 are these differences (about y / (2x)), which subtracting the
# two rounded values lost: all of it past x = 1e16 (0, or for e^x K1 twice the true value), 1e5 ulps at x = 1e5.
_DIFFERENCE_TERMS = 34
_HANKEL_0 = [1.0]
_HANKEL_1 = [1.0]
for _k in range(1, _DIFFERENCE_TERMS):
    _HANKEL_0.append(_HANKEL_0[-1] * -((2 * _k - 1) ** 2) / (8.0 * _k))
    _HANKEL_1.append(_HANKEL_1[-1] * (4.0 - (2 * _k - 1) ** 2) / (8.0 * _k))
_HANKEL_DIFFERENCE = tuple(b - a for a, b in zip(_HANKEL_0[1:], _HANKEL_1[1:]))


def hankel_difference(F, x, alternating):
    """sum_k>=1 (a_k(1) - a_k(0)) t^k, t = -1/x (``alternating``, I's series) or 1/x (K's), for large x > 0; built of
    F's ops, so that its own derivatives follow."""
    t = (-1.0 if alternating else 1.0) / x
    return horner(_HANKEL_DIFFERENCE, t) * t


def _far(F, x, limit, even=True):
    """(mask of |x| > limit (x > limit unless ``even``) as a constant, or None if there is none; |x| there and
    2 * limit elsewhere)."""
    data = x.data if F.recording else x
    far = (abs(data) if even else data) > limit
    if not far.any():
        return None, None
    far = F.const(far)
    return far, F.where(far, abs(x), 2.0 * limit)


class I0(Function):
    """y = I0(x).   dL/dx = g I1(x)."""

    def forward(self, x):
        return bessel_i(x, 0, False)

    def backward(self, F, gy, x):
        return gy * F.apply(I1, x)


class I1(Function):
    """y = I1(x).   dL/dx = g (I0(x) - I1(x) / x), g / 2 at x = 0, and +inf where I0 overflows (inf - inf there)."""

    keep_output = True

    def forward(self, x):
        return bessel_i(x, 1, False)

    def backward(self, F, gy, x):
        i0 = F.apply(I0, x)
        data = i0.data if F.recording else i0
        overflow = get_array_module(data).isinf(data)
        if not overflow.any():
            return gy * (i0 - _over_x(F, F.output(self), x, _I1_OVER_X))
        # I0 - I1/x = I0 (1 - O(1/x)) overflows with I0, where it was inf - inf = NaN (torch's too); the other
        # branch sees x = 1 there, so that its derivatives are no NaN either
        overflow = F.const(overflow)
        safe = F.where(overflow, 1.0, x)
        return gy * F.where(overflow, i0, F.apply(I0, safe) - _over_x(F, F.apply(I1, safe), safe, _I1_OVER_X))


class I0e(Function):
    """y = e^-|x| I0(x).   dL/dx = g (i1e(x) - sign(x) y)."""

    keep_output = True

    def forward(self, x):
        return bessel_i(x, 0, True)

    def backward(self, F, gy, x):
        sign = _sign_of(F, x)
        d = F.apply(I1e, x) - sign * F.output(self)
        far, ax = _far(F, x, _SERIES_LIMIT)
        if far is None:
            return gy * d
        # i1e - i0e for |x| > 20 (odd in x) by the series of the difference: the subtraction cancels there
        series = sign * hankel_difference(F, ax, True) / (F.sqrt(ax) * math.sqrt(2.0 * math.pi))
        return gy * F.where(far, series, d)


class I1e(Function):
    """y = e^-|x| I1(x).   dL/dx = g (i0e(x) - y / x - sign(x) y), g / 2 at x = 0."""

    keep_output = True

    def forward(self, x):
        return bessel_i(x, 1, True)

    def backward(self, F, gy, x):
        y = F.output(self)
        d = F.apply(I0e, x) - _over_x(F, y, x, _I1_OVER_X, _exp_minus_abs) - _sign_of(F, x) * y
        far, ax = _far(F, x, _SERIES_LIMIT)
        if far is None:
            return gy * d
        # (i0e - i1e) - i1e / |x| for |x| > 20 (even in x), i0e - i1e by the series of the difference
        difference = -hankel_difference(F, ax, True) / (F.sqrt(ax) * math.sqrt(2.0 * math.pi))
        return gy * F.where(far, difference - F.apply(I1e, ax) / ax, d)


def i0(x):
    """The modified Bessel function of the first kind of order 0 elementwise, as ``torch.i0``."""
    return I0.apply(as_floating(x))


def i0e(x):
    """e^-|x| I0(x) elementwise, as ``torch.special.i0e``."""
    return I0e.apply(as_floating(x))


def i1(x):
    """The modified Bessel function of the first kind of order 1 elementwise, as ``torch.special.i1``."""
    return I1.apply(as_floating(x))


def i1e(x):
    """e^-|x| I1(x) elementwise, as ``torch.special.i1e``."""
    return I1e.apply(as_floating(x))
