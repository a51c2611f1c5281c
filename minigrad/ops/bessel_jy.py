"""Bessel functions of the first and second kind of orders 0 and 1, elementwise: J0, J1, Y0, Y1
(torch.special.bessel_j0 / bessel_j1 / bessel_y0 / bessel_y1).

Our own kernels, array math alone in float64, rounded once to the input's dtype (integer and bool inputs become
float32, as in torch), in three ranges of |x|:
- below 0.75, the power series: J_n = (x/2)^n sum_k (-x^2/4)^k / (k! (k+n)!), and for Y the series with
  log(x/2) J_n(x) and psi(k+1) + psi(k+n+1) (DLMF 10.8.1), psi by its recurrence psi(k+1) = psi(k) + 1/k;
- up to 25.25, the Taylor series of Bessel's equation x^2 y'' + x y' + (x^2 - n^2) y = 0 about the nearest of
  the centres 1, 1.5, ..., 25 (|x - c| <= 1/4), from J0, J1, Y0, Y1 there (mpmath, _special_tables.py);
- beyond, Hankel's expansion sqrt(2 / (pi x)) (P cos chi -+ Q sin chi), chi = x - (2n + 1) pi / 4, with P and Q
  the even and odd terms of sum_k a_k(n) / x^k, a_k = a_(k-1) (4 n^2 - (2k - 1)^2) / (8k) (DLMF 10.17.3);
  cos chi and sin chi are sums of cos x and sin x, so no rounded phase enters.
As torch's: J at +-inf is NaN, Y is -inf at 0 and NaN for x < 0.
"""
from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.function import Function
from minigrad.backend import device_of, get_array_module, to_device
from minigrad.ops import _special_tables as tables
from minigrad.ops._args import as_floating
from minigrad.ops.bessel import _J1_OVER_X, _over_x

_SERIES_LIMIT = 0.75
_SERIES_TERMS = 18           # (x^2/4)^k / (k!)^2 < 1e-30 for x < 0.75, k = 18
_TAYLOR_TERMS = 34           # ratio |h| / c <= 1/4 at c = 1: the 34th term is below 1e-20 of the sum
_ASYMPTOTIC_LIMIT = 25.25
_ASYMPTOTIC_TERMS = 34       # x > 25.25: the smallest of these terms is below 1e-19 of the sum
_EULER_GAMMA = 0.57721566490153286061
_LOG_2 = math.log(2.0)
_HALF_EXACT = 2.0 ** -1021   # from here on s / 2 is a normal float: exact


def power_series(xp, x, order, sign):
    """(S, W): S = sum_k sign^k (x^2/4)^k / (k! (k+n)!), W = sum_k (psi(k+1) + psi(k+n+1)) sign^k (x^2/4)^k / ...
    (sign -1: J and Y; +1: I and K)."""
    y = sign * x * x * 0.25
    term = xp.ones_like(x) if order == 0 else 0.0 * x + 1.0
    psi_sum = -2.0 * _EULER_GAMMA + (1.0 if order == 1 else 0.0)    # psi(1) + psi(n + 1)
    total, weighted = term, psi_sum * term
    for k in range(1, _SERIES_TERMS):
        term = term * y / (k * (k + order))
        psi_sum += 1.0 / k + 1.0 / (k + order)
        total = total + term
        weighted = weighted + psi_sum * term
    return total, weighted


def log_half(xp, s):
    """log(s / 2) for s >= 0; below 2^-1021 s / 2 rounds (to 0 at the smallest subnormal: log -inf), so there
    log s - log 2."""
    return xp.where(s < _HALF_EXACT, xp.log(s) - _LOG_2, xp.log(0.5 * s))


_TABLES_ON_DEVICE = {}   # (table, device, dtype) -> that table as an array there: not copied to a GPU on every call


def table_on(table, like):
    """``table`` (a tuple of _special_tables.py) as an array of ``like``'s dtype on ``like``'s device."""
    where = device_of(like)
    key = (table, where, like.dtype)
    array = _TABLES_ON_DEVICE.get(key)
    if array is None:
        array = _TABLES_ON_DEVICE[key] = to_device(np.asarray(table, dtype=like.dtype), where)
    return array


def taylor(xp, x, order, first, second, modified):
    """f_n(x) for a solution f of Bessel's (modified: modified Bessel's) equation, from the tables ``first`` (f_0)
    and ``second`` (f_1) at the nearest centre c: with x = c + h and f = sum a_k h^k, the equation gives
    c^2 (k+2)(k+1) a_(k+2) = -(c (k+1)(2k+1) a_(k+1) + (k^2 + s c^2 - n^2) a_k + s (2c a_(k-1) + a_(k-2))),
    s = 1 (-1 modified)."""
    s = -1.0 if modified else 1.0
    last = len(first) - 1
    index = xp.clip(xp.rint((x - tables.BESSEL_FIRST_CENTRE) / tables.CENTRE_STEP), 0, last).astype(xp.int64)
    c = tables.BESSEL_FIRST_CENTRE + index * tables.CENTRE_STEP
    h = x - c
    f0, f1 = xp.take(table_on(first, x), index), xp.take(table_on(second, x), index)
    if order == 0:
        a0, a1 = f0, -f1                                   # J0' = -J1, Y0' = -Y1, K0' = -K1
    else:
        a0, a1 = f1, s * f0 - f1 / c                       # J1' = J0 - J1 / x, K1' = -K0 - K1 / x
    n2 = float(order * order)
    c2 = c * c
    older, old, previous, current = 0.0 * c, 0.0 * c, a0, a1    # a_(k-2), a_(k-1), a_k, a_(k+1)
    total = a0 + a1 * h
    power = h
    for k in range(0, _TAYLOR_TERMS - 2):
        following = -(c * ((k + 1) * (2 * k + 1)) * current + (k * k + s * c2 - n2) * previous
                      + s * (2.0 * c * old + older)) / (c2 * ((k + 2) * (k + 1)))
        power = power * h
        total = total + following * power
        older, old, previous, current = old, previous, current, following
    return total


def hankel_coefficients(order, count):
    """a_k(n) of Hankel's expansions: a_0 = 1, a_k = a_(k-1) (4 n^2 - (2k - 1)^2) / (8k)."""
    mu, a, out = 4.0 * order * order, 1.0, [1.0]
    for k in range(1, count):
        a *= (mu - (2 * k - 1) ** 2) / (8.0 * k)
        out.append(a)
    return out


_HANKEL = {order: hankel_coefficients(order, _ASYMPTOTIC_TERMS) for order in (0, 1)}


def _hankel(xp, x, order, second_kind):
    """J_n(x) or Y_n(x) for x > 25.25."""
    inverse = 1.0 / x
    p, q, power = xp.zeros_like(x), xp.zeros_like(x), xp.ones_like(x)
    for k, a in enumerate(_HANKEL[order]):
        if k % 2 == 0:
            p = p + (-1.0) ** (k // 2) * a * power
        else:
            q = q + (-1.0) ** (k // 2) * a * power
        power = power * inverse
    cos, sin = xp.cos(x), xp.sin(x)
    # sqrt(2) cos chi and sqrt(2) sin chi, chi = x - pi/4 (n = 0) or x - 3 pi/4 (n = 1)
    c, s = (cos + sin, sin - cos) if order == 0 else (sin - cos, -(sin + cos))
    wave = p * s + q * c if second_kind else p * c - q * s
    # sqrt(pi x) as 2 sqrt(pi x / 4): pi x overflows from x = 5.7e307, and scaling by 4 is exact (same bits below)
    return wave / (2.0 * xp.sqrt((0.25 * math.pi) * x))


def bessel_jy(x, order, second_kind):
    """J_order(x), or Y_order(x) if ``second_kind`` (order 0 or 1), in x's dtype."""
    xp = get_array_module(x)
    w = x.astype(xp.float64, copy=False)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore", under="ignore"):
        a = xp.abs(w)
        small = a < _SERIES_LIMIT
        far = a > _ASYMPTOTIC_LIMIT
        s = xp.where(small, a, 0.5)     # each range on values it is meant for: no overflow warnings, no 0 / 0
        total, weighted = power_series(xp, s, order, -1.0)
        j = total if order == 0 else 0.5 * s * total
        if second_kind:
            logarithm = log_half(xp, s if order == 0 else xp.where(s > 0.0, s, 1.0))
            if order == 0:
                near = (2.0 / math.pi) * (logarithm * j - 0.5 * weighted)
            else:
                sp = xp.where(s > 0.0, s, 1.0)
                near = -(2.0 / math.pi) / sp + (2.0 / math.pi) * logarithm * j - sp / (2.0 * math.pi) * weighted
        else:
            near = j
        first, second = ((tables.BESSEL_Y0, tables.BESSEL_Y1) if second_kind
                         else (tables.BESSEL_J0, tables.BESSEL_J1))
        middle = taylor(xp, xp.where(small | far | xp.isnan(a), 2.0, a), order, first, second, False)
        big = _hankel(xp, xp.where(far, a, 30.0), order, second_kind)
        out = xp.where(small, near, xp.where(far, big, middle))
        if second_kind:
            out = xp.where(w == 0.0, -xp.inf, xp.where(w < 0.0, xp.nan, out))
        elif order == 1:
            out = xp.where(xp.signbit(w), -out, out)   # J1 is odd (-0 at -0, as torch's and SciPy's)
        out = xp.where(xp.isinf(w), xp.nan, out)   # cos(inf): NaN, as torch's (Y too)
        out = xp.where(xp.isnan(w), w, out)
        return out.astype(x.dtype, copy=False)


class BesselJ0(Function):
    """y = J0(x).   dL/dx = -g J1(x)."""

    def forward(self, x):
        return bessel_jy(x, 0, False)

    def backward(self, F, gy, x):
        return -gy * F.apply(BesselJ1, x)


class BesselJ1(Function):
    """y = J1(x).   dL/dx = g (J0(x) - J1(x) / x), g / 2 at x = 0."""

    keep_output = True

    def forward(self, x):
        return bessel_jy(x, 1, False)

    def backward(self, F, gy, x):
        return gy * (F.apply(BesselJ0, x) - _over_x(F, F.output(self), x, _J1_OVER_X))


class BesselY0(Function):
    """y = Y0(x).   dL/dx = -g Y1(x) (NaN for x < 0, where Y0 is NaN; +inf at 0)."""

    def forward(self, x):
        return bessel_jy(x, 0, True)

    def backward(self, F, gy, x):
        return -gy * F.apply(BesselY1, x)


class BesselY1(Function):
    """y = Y1(x).   dL/dx = g (Y0(x) - Y1(x) / x) (NaN for x < 0); +inf where Y1 is -inf (x = 0, and
    0 < x < 2 / (pi * 1.8e308) where -2 / (pi x) overflows), the limit of 2 / (pi x^2)."""

    keep_output = True

    def forward(self, x):
        return bessel_jy(x, 1, True)

    def backward(self, F, gy, x):
        y = F.output(self)
        overflow = y == -math.inf
        finite_y = F.where(overflow, 0.0, y)
        finite_x = F.where(overflow, 1.0, x)
        return gy * F.where(overflow, math.inf, F.apply(BesselY0, finite_x) - finite_y / finite_x)


def bessel_j0(input):
    """The Bessel function of the first kind of order 0 elementwise, as ``torch.special.bessel_j0``; any shape.
    Its derivative is -J1(x)."""
    return BesselJ0.apply(as_floating(input))


def bessel_j1(input):
    """The Bessel function of the first kind of order 1 elementwise (odd), as ``torch.special.bessel_j1``; any
    shape. Its derivative is J0(x) - J1(x) / x (1/2 at 0)."""
    return BesselJ1.apply(as_floating(input))


def bessel_y0(input):
    """The Bessel function of the second kind of order 0 elementwise (-inf at 0, NaN for x < 0), as
    ``torch.special.bessel_y0``; any shape. Its derivative is -Y1(x) (+inf at 0)."""
    return BesselY0.apply(as_floating(input))


def bessel_y1(input):
    """The Bessel function of the second kind of order 1 elementwise (-inf at 0, NaN for x < 0), as
    ``torch.special.bessel_y1``; any shape. Its derivative is Y0(x) - Y1(x) / x (+inf at 0, its limit)."""
    return BesselY1.apply(as_floating(input))
