"""Array kernels of the error function's kin, with array math alone (no SciPy), in float64 and rounded once to
the input's dtype: erf, erfc, erfcx and the standard normal's ndtr, log_ndtr and ndtri.

erf(z) = sign(z) P(1/2, z^2) and erfc(z) = Q(1/2, z^2) (z >= 0) are the incomplete gamma functions at a = 1/2: erf
by the power series below z = 2, erfc by Legendre's continued fraction from z = 5/4 (evaluated from its tail up,
``erfc_fraction``), between z = 0.707 and 5/4 by erfcx's Taylor series about 7/8 and 9/8, 1 - erf below; within
6 ulps on [0, 6] against mpmath. erfcx(z) = e^(z^2) erfc(z) takes the same pieces without the e^(-z^2) factor, so
it neither overflows nor underflows. ndtr and log_ndtr follow torch's (Cephes') split of the line; ndtri starts from
Abramowitz and Stegun's 26.2.23 (error < 4.5e-4) and takes Newton steps on 0.5 erf(y/sqrt 2) = p - 1/2 in the
middle (exact relative to p - 1/2) and on log_ndtr(y) = log p in the tails.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from minigrad.backend import get_array_module
from minigrad.ops._exact import split
from minigrad.ops._gamma_kernels import _f64, gamma_series, horner

_SQRT_PI = math.sqrt(math.pi)
_SQRT_HALF = math.sqrt(0.5)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_SQRT_HALF_TAIL = -4.833646656726457e-17   # sqrt(1/2) - _SQRT_HALF (mpmath, 50 digits)
_SQRT_HALF_HI, _SQRT_HALF_LO = split(_SQRT_HALF)


_TAYLOR_FROM = 0.5         # z^2 from which erfc and erfcx take erfcx's Taylor series (1 - erf lost up to 3 bits)
_FRACTION_FROM = 1.5625    # z^2 (z = 5/4) from which they take the continued fraction instead
# (lowest z^2, terms) of each band the fraction is evaluated in: 120 / z^2 + 4 terms, more than float64 needs (74 at
# z^2 = 1.44, 27 at 4, 10 at 16, 6 at 36: the count from which the value stops changing, against 2000 terms)
_FRACTION_BANDS = ((1.5625, 81), (2.0, 64), (3.0, 44), (4.0, 34), (9.0, 18), (25.0, 9))
# erfcx at the Taylor series' centres 7/8 (z from 0.707 to 1) and 9/8 (z from 1 to 5/4), mpmath at 45 digits
_TAYLOR_CENTRES = ((Fraction(7, 8), "0.4643115832026690018785527364749163204273", 1.0),
                   (Fraction(9, 8), "0.3956980795529959014044473809177806757356", 1.5625))


def _erfcx_taylor_coefficients(c, value, terms=18):
    """erfcx(c + h) = sum_n a_n h^n: a_0 = erfcx(c), then erfcx' = 2 z erfcx - 2/sqrt(pi) gives a_1 = 2 c a_0 -
    2/sqrt(pi), (n + 1) a_(n+1) = 2 c a_n + 2 a_(n-1), in exact rationals, each rounded once. For |h| <= 0.18 the
    18th term is below 1e-22 of the first."""
    a = [Fraction(value)]
    a.append(2 * c * a[0] - Fraction("1.128379167095512573896158903121545171688"))
    for n in range(1, terms - 1):
        a.append((2 * c * a[n] + 2 * a[n - 1]) / (n + 1))
    return [float(v) for v in a]


_ERFCX_TAYLOR = [(float(c), _erfcx_taylor_coefficients(c, value), below) for c, value, below in _TAYLOR_CENTRES]


def _erfcx_taylor(xp, z, X, active):
    """erfcx(z) where ``active`` (z^2 from _TAYLOR_FROM to _FRACTION_FROM), by its Taylor series about 7/8 or 9/8
    (1 elsewhere). 1 - erf lost 2.7 bits of erfc at z = 1 (13 ulps; erfcx's e^(z^2) - 2 z / sqrt(pi) sum ... 17),
    and the fraction needed 240 terms at z = 0.707; this is within 2 ulps."""
    out = xp.ones_like(z)
    low = _TAYLOR_FROM
    for centre, coefficients, high in _ERFCX_TAYLOR:
        these = active & (X >= low) & (X < high)
        if these.any():
            out[these] = horner(coefficients, z[these] - centre)
        low = high
    return out


def erfc_fraction(xp, X, active):
    """h(X), X = z^2 >= 25/16, with erfc(z) = z e^(-z^2) h / sqrt(pi): Legendre's continued fraction at a = 1/2,
    1 / (X + 1/2 - (1 * 1/2) / (X + 5/2 - (2 * 3/2) / (X + 9/2 - ...))), evaluated from a fixed depth up. The
    forward (Lentz) product of one factor per term carried each factor's rounding to the end: 30-40 ulps of erfc
    and erfcx near z = 1.2; from the tail up each step damps the error before it, so h is within 2 ulps. Each band
    of X takes its own depth, so a large z costs a few terms. Taken where ``active`` (1 elsewhere)."""
    out = xp.ones_like(X)
    bounds = [b for b, _ in _FRACTION_BANDS[1:]] + [xp.inf]
    for (low, depth), high in zip(_FRACTION_BANDS, bounds):
        band = active & (X >= low) & (X < high)
        if not band.any():
            continue
        Xb = X[band]
        f = Xb + (2.0 * depth + 0.5)
        for i in range(depth, 0, -1):
            f = (Xb + (2.0 * i - 1.5)) - (i * (i - 0.5)) / f
        out[band] = 1.0 / f
    return out


def _erf_parts(xp, az):
    """(erf, erfc) of 0 <= az <= 30, each from the kernel that has it without cancellation: erf by the series
    below z^2 = 4, erfc by the continued fraction from z = 5/4 on, by erfcx's Taylor series from z = 0.707."""
    X = az * az
    by_series = X < 4.0
    by_fraction = X >= _FRACTION_FROM
    by_taylor = (X >= _TAYLOR_FROM) & ~by_fraction
    # the series: erf(z) = 2 z e^(-z^2) / sqrt(pi) sum_k (z^2)^k / ((3/2) (5/2) ... (1/2 + k))
    total = gamma_series(xp.full_like(az, 0.5), xp.where(by_series, X, 0.0), by_series)
    decay = exp_minus_square(xp, az)
    erf_series = 2.0 / _SQRT_PI * az * decay * total
    # the fraction: erfc(z) = z e^(-z^2) / sqrt(pi) h
    h = erfc_fraction(xp, X, by_fraction)
    erfc_by_fraction = az * decay / _SQRT_PI * h
    erfc_by_taylor = _erfcx_taylor(xp, az, X, by_taylor) * decay
    erfc = xp.where(by_fraction, erfc_by_fraction, xp.where(by_taylor, erfc_by_taylor, 1.0 - erf_series))
    return xp.where(by_series, erf_series, 1.0 - erfc_by_fraction), erfc


def exp_minus_square(xp, z, scale=1.0):
    """e^(-scale z^2) of float64 z (|z| < 1e150), scale a power of 2 (so scaling is exact), with z^2 taken exactly
    as hi + lo (Veltkamp's split), so that its rounding (up to 1e-13 in the exponent where erfc underflows) does
    not reach the result. Arithmetic and ``xp.exp`` only, so ``xp`` may be a backward's ``F`` (the split's
    recorded derivative is 2 z, its lo's 0)."""
    hi = z * z
    zh, zl = split(z)
    lo = ((zh * zh - hi) + 2.0 * zh * zl) + zl * zl   # z^2 - hi, exactly (Dekker's product of z with itself)
    if scale == 1.0:
        return xp.exp(-hi) * (1.0 - lo)
    return xp.exp(hi * -scale) * (1.0 - lo * scale)


def gaussian(F, x, scale=1.0):
    """e^(-scale x^2) in x's dtype, for a backward (``F`` either mode; scale a power of 2): rounding x^2 first
    put x^2 of its rounding into the result (200 ulps at x = 10 in float64, 2e3 for e^(-x^2/2) at x = 37), so
    float64 takes ``exp_minus_square`` and float32 / float16 go through float64, where x^2 is exact, rounded
    once. |x| beyond 1e4 (where the result is 0 or inf) is held there, out of reach of the split's overflow."""
    if x.dtype != np.float64:
        x64 = F.astype(x, np.float64)
        return F.astype(F.exp((x64 * x64) * -scale), x.dtype)
    values = x.data if F.recording else x
    far = get_array_module(values).abs(values) > 1e4   # NaN stays NaN; no .any(): it would read the device
    return exp_minus_square(F, F.where(F.const(far), 1e4, x), scale)


def _regular(xp, w):
    """w with NaN and infinities replaced by 1 (their results are set apart) and |w| held to 30 (erfc(30) and
    below underflow to 0, erf is 1 there)."""
    return xp.clip(xp.where(xp.isfinite(w), w, 1.0), -30.0, 30.0)


def erf64(w):
    xp = get_array_module(w)
    az = xp.abs(_regular(xp, w))
    tiny = az < 1e-150
    e, _ = _erf_parts(xp, xp.where(tiny, 1.0, az))
    e = xp.where(tiny, 2.0 / _SQRT_PI * az, e)
    e = xp.where(xp.isinf(w), 1.0, e)
    return xp.where(xp.isnan(w), xp.nan, xp.copysign(e, w))


def erfc64(w):
    xp = get_array_module(w)
    az = xp.abs(_regular(xp, w))
    e, c = _erf_parts(xp, az)
    out = xp.where(w < 0, 1.0 + e, c)
    out = xp.where(xp.isinf(w), xp.where(w > 0, 0.0, 2.0), out)
    return xp.where(xp.isnan(w), xp.nan, out)


def erfcx64(w):
    xp = get_array_module(w)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        az = xp.abs(xp.where(xp.isfinite(w), w, 1.0))
        huge = az > 1e8
        z = xp.where(huge, 1.0, az)
        X = z * z
        use_taylor = (X >= _TAYLOR_FROM) & (X < _FRACTION_FROM)
        use_series = X < _TAYLOR_FROM
        total = gamma_series(xp.full_like(z, 0.5), X, use_series)
        h = erfc_fraction(xp, X, X >= _FRACTION_FROM)
        positive = xp.where(use_series, xp.exp(X) - 2.0 / _SQRT_PI * z * total, z / _SQRT_PI * h)
        positive = xp.where(use_taylor, _erfcx_taylor(xp, z, X, use_taylor), positive)
        u = 1.0 / xp.where(huge, az, 1.0)
        positive = xp.where(huge, u / _SQRT_PI * (1.0 - 0.5 * u * u), positive)
        out = xp.where(w < 0, 2.0 / exp_minus_square(xp, z) - positive, positive)
        out = xp.where(huge & (w < 0), xp.inf, out)
        out = xp.where(xp.isinf(w), xp.where(w > 0, 0.0, xp.inf), out)
        return xp.where(xp.isnan(w), xp.nan, out)


def ndtr64(w):
    """Phi(w) = (1 + erf(w / sqrt 2)) / 2, through erfc away from the middle, as torch's. The tails add back the
    rounding of w / sqrt 2 (e, from Dekker's exact product), -e 2/sqrt(pi) e^(-z^2): erfc moves 2 z^2 ulps per ulp
    of z, 77 ulps of Phi(-7.9)."""
    xp = get_array_module(w)
    z = w * _SQRT_HALF
    middle = xp.abs(z) < _SQRT_HALF
    central = 0.5 + 0.5 * erf64(xp.where(middle, z, 0.0))
    y = 0.5 * erfc64(xp.where(middle, 6.0, xp.abs(z)))   # 6: a cheap stand-in (9 terms of the fraction)
    wc = xp.clip(xp.where(xp.isfinite(w), w, 0.0), -60.0, 60.0)   # beyond, Phi is 0 or 1 and the correction 0
    zc = wc * _SQRT_HALF
    wh, wl = split(wc)
    rounding = (((wh * _SQRT_HALF_HI - zc) + wh * _SQRT_HALF_LO + wl * _SQRT_HALF_HI) + wl * _SQRT_HALF_LO
                + wc * _SQRT_HALF_TAIL)   # w sqrt(1/2) - zc
    y = y - xp.sign(zc) * rounding / _SQRT_PI * xp.exp(-zc * zc)   # 0.5 * d erfc(|z|) = -e^(-z^2) / sqrt(pi) d|z|
    return xp.where(middle, central, xp.where(z > 0, 1.0 - y, y))


def log_ndtr64(w):
    """log Phi(w): log(erfcx(-w / sqrt 2) / 2) - w^2 / 2 for w < -1, else log1p(-erfc(w / sqrt 2) / 2)."""
    xp = get_array_module(w)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        low = w < -1.0
        wl = xp.where(low, w, -8.0)   # -8: a cheap stand-in (9 terms of the fraction)
        left = xp.log(0.5 * erfcx64(-wl * _SQRT_HALF)) - 0.5 * wl * wl
        right = xp.log1p(-0.5 * erfc64(xp.where(low, 0.0, w) * _SQRT_HALF))
        return xp.where(low, left, right)


def normal_score(w):
    """phi(w) / Phi(w) = sqrt(2/pi) / erfcx(-w / sqrt 2), the derivative of log_ndtr, without overflow."""
    xp = get_array_module(w)
    with np.errstate(divide="ignore"):
        return _SQRT_2_OVER_PI / erfcx64(-w * _SQRT_HALF)


def ndtri64(p):
    """The y with Phi(y) = p; -inf at 0, inf at 1, NaN outside [0, 1]."""
    xp = get_array_module(p)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        inside = (p > 0.0) & (p < 1.0)
        pp = xp.where(inside, p, 0.25)
        upper = pp > 0.5
        q = xp.where(upper, 1.0 - pp, pp)             # exact for pp >= 1/2
        t = xp.sqrt(-2.0 * xp.log(q))
        y = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) / (1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308))))
        middle = q > 0.2
        d = xp.where(upper, 0.5 - pp, pp - 0.5)       # q - 1/2, exact; <= 0
        log_q = xp.log(q)
        for _ in range(5):
            ym = xp.where(middle, y, 0.0)
            step_middle = (0.5 * erf64(ym * _SQRT_HALF) - d) / (xp.exp(-0.5 * ym * ym) / math.sqrt(2.0 * math.pi))
            yt = xp.where(middle, -8.0, y)
            step_tail = (log_ndtr64(yt) - log_q) / normal_score(yt)
            y = y - xp.where(middle, step_middle, step_tail)
        y = xp.where(upper, -y, y)
        y = xp.where(p == 0.0, -xp.inf, xp.where(p == 1.0, xp.inf, y))
        return xp.where(inside | (p == 0.0) | (p == 1.0), y, xp.nan)


def in_dtype(kernel, x):
    """``kernel`` on x in float64, rounded once to x's dtype."""
    with np.errstate(over="ignore"):
        return kernel(_f64(x)).astype(x.dtype, copy=False)
