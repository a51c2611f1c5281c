"""The Airy function of the first kind, elementwise: Ai(x) (torch.special.airy_ai), the solution of
y'' = x y that decays as x -> +inf.

Our own kernel, array math alone in float64, rounded once to the input's dtype (integer and bool inputs become
float32). Ai and its derivative Ai' (torch has none; Ai'' = x Ai) are, for |x| <= 9.25, the Taylor series of the
Airy equation about the nearest of the centres -9, -8.5, ..., 9 (|x - c| <= 1/4), from Ai and Ai' there (mpmath,
_special_tables.py); beyond, with zeta = 2 |x|^(3/2) / 3, DLMF 9.7's asymptotic series
Ai(x) ~ e^-zeta / (2 sqrt(pi) x^(1/4)) sum_k (-1)^k u_k / zeta^k (x > 0, 9.7.5),
Ai(x) ~ (cos(zeta - pi/4) sum (-1)^k u_2k / zeta^2k + sin(zeta - pi/4) sum (-1)^k u_(2k+1) / zeta^(2k+1))
/ (sqrt(pi) |x|^(1/4)) (x < 0, 9.7.9), and Ai' likewise with v_k (9.7.6, 9.7.10), whose smallest term there is
below 1e-16. Ai underflows through the subnormals to 0 at x = 107.47. NaN at +-inf, as torch's.
"""
from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.function import Function
from minigrad.backend import get_array_module
from minigrad.ops import _special_tables as tables
from minigrad.ops._args import as_floating
from minigrad.ops.bessel_jy import table_on

_TAYLOR_TERMS = 32                 # |x - c| <= 1/4, |c| <= 9: the 32nd term is below 1e-20 of the sum
_ASYMPTOTIC_LIMIT = 9.25           # zeta >= 18.7 beyond: the 18th asymptotic term is below 1e-17
_ASYMPTOTIC_TERMS = 18
_SQRT_1_OVER_PI = 1.0 / math.sqrt(math.pi)


def _taylor(xp, x):
    """(Ai(x), Ai'(x)) for |x| <= 9.25 from Ai and Ai' at the nearest centre c:
    a_(k+2) = (c a_k + a_(k-1)) / ((k+2)(k+1))."""
    last = len(tables.AIRY_AI) - 1
    index = xp.clip(xp.rint((x - tables.AIRY_FIRST_CENTRE) / tables.CENTRE_STEP), 0, last).astype(xp.int64)
    c = tables.AIRY_FIRST_CENTRE + index * tables.CENTRE_STEP
    h = x - c
    previous = xp.take(table_on(tables.AIRY_AI, x), index)          # a_0
    current = xp.take(table_on(tables.AIRY_AI_PRIME, x), index)     # a_1
    value = previous + current * h
    slope = current
    power = h
    before = previous
    after = c * previous / 2.0                                    # a_2
    for k in range(2, _TAYLOR_TERMS):
        slope = slope + k * after * power
        power = power * h
        value = value + after * power
        # shift (a_(k-2), a_(k-1), a_k) -> (a_(k-1), a_k, a_(k+1)): a_(k+1) = (c a_(k-1) + a_(k-2)) / ((k+1) k)
        before, current, after = current, after, (c * current + before) / ((k + 1) * k)
    return value, slope


def _coefficients(count):
    """u_k and v_k of DLMF 9.7: u_k = (6k-5)(6k-3)(6k-1) / ((2k-1) 216 k) u_(k-1), v_k = -(6k+1) / (6k-1) u_k."""
    u, us, vs = 1.0, [1.0], [1.0]
    for k in range(1, count):
        u *= (6 * k - 5) * (6 * k - 3) * (6 * k - 1) / ((2 * k - 1) * 216.0 * k)
        us.append(u)
        vs.append(-(6 * k + 1) / (6 * k - 1) * u)
    return us, vs


_U, _V = _coefficients(_ASYMPTOTIC_TERMS)


def _asymptotic(xp, x, derivative):
    """Ai(x), or Ai'(x) if ``derivative``, for |x| > 9.25."""
    a = xp.abs(x)
    zeta = 2.0 * a * xp.sqrt(a) / 3.0
    inverse = 1.0 / zeta
    quarter = xp.sqrt(xp.sqrt(a))
    decaying, even, odd = xp.zeros_like(x), xp.zeros_like(x), xp.zeros_like(x)
    power = xp.ones_like(x)
    for k, c in enumerate(_V if derivative else _U):
        decaying = decaying + (-1.0) ** k * c * power
        if k % 2 == 0:
            even = even + (-1.0) ** (k // 2) * c * power
        else:
            odd = odd + (-1.0) ** (k // 2) * c * power
        power = power * inverse
    theta = zeta - 0.25 * math.pi
    if derivative:
        right = -quarter * _SQRT_1_OVER_PI / 2.0 * decaying * xp.exp(-xp.minimum(zeta, 800.0))
        left = quarter * _SQRT_1_OVER_PI * (xp.sin(theta) * even - xp.cos(theta) * odd)
    else:
        right = _SQRT_1_OVER_PI / (2.0 * quarter) * decaying * xp.exp(-xp.minimum(zeta, 800.0))
        left = _SQRT_1_OVER_PI / quarter * (xp.cos(theta) * even + xp.sin(theta) * odd)
    return xp.where(x > 0.0, right, left)


def _airy(x, derivative):
    xp = get_array_module(x)
    w = x.astype(xp.float64, copy=False)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        near = xp.abs(w) <= _ASYMPTOTIC_LIMIT
        taylor = _taylor(xp, xp.where(near, w, 0.0))[1 if derivative else 0]
        out = xp.where(near, taylor, _asymptotic(xp, xp.where(near | ~xp.isfinite(w), 10.0, w), derivative))
        out = xp.where(xp.isinf(w) | xp.isnan(w), xp.nan, out)
        return out.astype(x.dtype, copy=False)


def airy(x):
    """Ai(x) in x's dtype."""
    return _airy(x, False)


def airy_derivative(x):
    """Ai'(x) in x's dtype (NaN at +-inf, as Ai there)."""
    return _airy(x, True)


class AiryAi(Function):
    """y = Ai(x).   dL/dx = g Ai'(x)."""

    def forward(self, x):
        return airy(x)

    def backward(self, F, gy, x):
        return gy * F.apply(AiryAiPrime, x)


class AiryAiPrime(Function):
    """y = Ai'(x).   dL/dx = g x Ai(x) (the Airy equation)."""

    def forward(self, x):
        return airy_derivative(x)

    def backward(self, F, gy, x):
        return gy * x * F.apply(AiryAi, x)


def airy_ai(input):
    """The Airy function of the first kind Ai(x) elementwise (NaN at +-inf; subnormal from x = 103.9 and 0 from
    x = 107.47, where it underflows), as ``torch.special.airy_ai``; any shape. Its derivative is Ai'(x) (torch has
    none), whose own is x Ai(x)."""
    return AiryAi.apply(as_floating(input))
