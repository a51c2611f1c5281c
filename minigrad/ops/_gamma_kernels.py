"""Array kernels of the gamma family, on NumPy or CuPy arrays with array math alone (no SciPy):
log|Gamma|, digamma, Hurwitz zeta, and the regularized incomplete gamma functions.

Each kernel works in float64 and returns the input's dtype, so float32 results are float64 results rounded
once. Loops run over the terms of a series (a fixed count, or until every element has converged), never
over elements. The methods: recurrence up to z >= 10, then Stirling's series (lgamma) or the asymptotic
series (digamma); the Taylor series of lgamma at 1 (and 2, through lgamma(2+e) = lgamma(1+e) + log1p(e))
and of digamma at its positive root, where the shifted sums would cancel; the reflection formulas for
x < 0; the Euler-Maclaurin formula for zeta; a power series or Legendre's continued fraction for the
incomplete gamma functions, whichever converges for (a, x), the other one by 1 - that.
The edge values (poles, infinities, NaN) are torch's; docs/autodiff.md, section 15, lists the few where a
value is the mathematical one instead.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from minigrad.backend import get_array_module

EULER_GAMMA = 0.5772156649015329
_HALF_LOG_2PI = 0.9189385332046728     # ln(2 pi) / 2
_DIGAMMA_ROOT = 1.4616321449683623      # the positive zero of digamma
_DIGAMMA_ROOT_TAIL = 9.549995429965697e-17  # the root minus its float64 value

# Bernoulli numbers B_2, B_4, ..., B_26.
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798,
              -174611 / 330, 854513 / 138, -236364091 / 2730, 8553103 / 6)
# Stirling's series for lgamma: B_2k / (2k (2k-1) z^(2k-1)), k = 1..8.
_STIRLING = tuple(b / (2 * k * (2 * k - 1)) for k, b in enumerate(_BERNOULLI[:8], start=1))
# The asymptotic series of digamma: B_2k / (2k z^2k), k = 1..8.
_PSI_ASYMPTOTIC = tuple(b / (2 * k) for k, b in enumerate(_BERNOULLI[:8], start=1))
# Euler-Maclaurin for zeta: B_2j / (2j)!, j = 1..13.
_EULER_MACLAURIN = tuple(b / math.factorial(2 * j) for j, b in enumerate(_BERNOULLI, start=1))


def _f64(x):
    return x.astype(get_array_module(x).float64, copy=False)


def horner(coefficients, t):
    """c0 + c1 t + c2 t^2 + ... by Horner's rule (t an array, or a Tensor: arithmetic only)."""
    out = coefficients[-1]
    for c in reversed(coefficients[:-1]):
        out = out * t + c
    return out


def _sinpi_abs(xp, w):
    """|sin(pi w)|, exact at the integers (reduced to [-1/2, 1/2] first, which is exact)."""
    return xp.abs(xp.sin(math.pi * (w - xp.round(w))))


def _shift_up(xp, z, threshold, step):
    """Shift each z up by whole steps to z >= threshold; ``step(z, active)`` accumulates what each shift leaves
    behind (the factor z where ``active``). Loops over shifts (at most threshold - min(z) + 1), never elements."""
    count = int(math.ceil(threshold - float(xp.min(z)))) if z.size else 0
    for _ in range(max(count, 0)):
        active = z < threshold
        step(z, active)
        z = xp.where(active, z + 1.0, z)
    return z


# -------------------------------------------------------------------------------------------------- lgamma
def _zeta_integers(count):
    """zeta(2), ..., zeta(count + 1) as Python floats (from the Hurwitz kernel at q = 1)."""
    s = np.arange(2, count + 2, dtype=np.float64)
    return [float(v) for v in hurwitz_zeta(s, np.ones_like(s))]


_LGAMMA_AT_1 = None  # Taylor coefficients of lgamma(1 + e), e^1 .. e^K, built on first use


def _lgamma_at_1_coefficients():
    global _LGAMMA_AT_1
    if _LGAMMA_AT_1 is None:
        zetas = _zeta_integers(57)
        _LGAMMA_AT_1 = [-EULER_GAMMA] + [(-1) ** k * zetas[k - 2] / k for k in range(2, 59)]
    return _LGAMMA_AT_1


def _lgamma_near_1(xp, e):
    """lgamma(1 + e) for |e| <= 1/2 by its Taylor series: -gamma e + sum_k (-1)^k zeta(k) e^k / k (58 terms)."""
    return e * horner(_lgamma_at_1_coefficients(), e) + 0.0   # + 0.0: lgamma(1) is +0, not -0


def _lgamma_positive(xp, z):
    """lgamma(z) for z > 0 (z = 0 gives inf)."""
    out = xp.empty_like(z)
    near1 = (z >= 0.5) & (z < 1.5)
    near2 = (z >= 1.5) & (z <= 2.5)
    rest = ~(near1 | near2)
    e1 = z[near1] - 1.0
    out[near1] = _lgamma_near_1(xp, e1)
    e2 = z[near2] - 2.0
    out[near2] = _lgamma_near_1(xp, e2) + xp.log1p(e2)
    zr = z[rest]
    log_product = xp.zeros_like(zr)

    def step(zz, active):
        log_product[...] = log_product + xp.where(active, xp.log(zz), 0.0)

    big = _shift_up(xp, zr, 10.0, step)
    u = 1.0 / (big * big)
    stirling = (big - 0.5) * xp.log(big) - big + _HALF_LOG_2PI + horner(_STIRLING, u) / big
    out[rest] = stirling - log_product
    return out


def lgamma(x):
    """ln|Gamma(x)|: inf at 0, the negative integers and +-inf; NaN for NaN."""
    xp = get_array_module(x)
    w = _f64(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        finite = xp.isfinite(w)
        w0 = xp.where(finite, w, 2.0)
        negative = w0 < 0.0
        z = xp.where(negative, 1.0 - w0, w0)
        pos = xp.where(z == 0.0, xp.inf, _lgamma_positive(xp, xp.where(z == 0.0, 1.0, z)))
        # ln(pi / |sin(pi x)|) as a difference: pi / sin overflowed at x = -1e-310 (inf; torch 713.8); below 1e-300,
        # where sin(pi x) = pi x is subnormal and rounded, it is -ln|x|
        tiny = xp.abs(w0) < 1e-300
        log_sin = xp.where(tiny, math.log(math.pi) + xp.log(xp.abs(w0)), xp.log(_sinpi_abs(xp, w0)))
        reflected = (math.log(math.pi) - log_sin) - pos
        out = xp.where(negative, reflected, pos)
        out = xp.where(finite, out, xp.where(xp.isnan(w), xp.nan, xp.inf))
        return out.astype(x.dtype, copy=False)


# -------------------------------------------------------------------------------------------------- digamma
_DIGAMMA_AT_ROOT = None  # Taylor coefficients of digamma at its root, e^1 .. e^K


def _digamma_root_coefficients():
    global _DIGAMMA_AT_ROOT
    if _DIGAMMA_AT_ROOT is None:
        s = np.arange(2, 28, dtype=np.float64)
        zetas = hurwitz_zeta(s, np.full_like(s, _DIGAMMA_ROOT))
        # psi^(k)(r) / k! = (-1)^(k+1) zeta(k + 1, r)
        _DIGAMMA_AT_ROOT = [float((-1) ** (k + 1) * zetas[k - 1]) for k in range(1, 27)]
    return _DIGAMMA_AT_ROOT


def _digamma_positive(xp, z):
    """digamma(z) for z > 0."""
    out = xp.empty_like(z)
    near = xp.abs(z - _DIGAMMA_ROOT) <= 0.25
    e = (z[near] - _DIGAMMA_ROOT) - _DIGAMMA_ROOT_TAIL
    out[near] = e * horner(_digamma_root_coefficients(), e)
    zr = z[~near]
    partial = xp.zeros_like(zr)

    def step(zz, active):
        partial[...] = partial + xp.where(active, 1.0 / zz, 0.0)

    big = _shift_up(xp, zr, 10.0, step)
    u = 1.0 / (big * big)
    out[~near] = xp.log(big) - 0.5 / big - u * horner(_PSI_ASYMPTOTIC, u) - partial
    return out


def digamma(x):
    """d/dx ln Gamma(x): -inf at +0 and +inf at -0 (torch's values), NaN at the negative integers and -inf."""
    xp = get_array_module(x)
    w = _f64(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        finite = xp.isfinite(w)
        pole = finite & (w <= 0.0) & (w == xp.floor(w))
        w0 = xp.where(finite & ~pole, w, 2.0)
        negative = w0 < 0.0
        z = xp.where(negative, 1.0 - w0, w0)
        pos = _digamma_positive(xp, z)
        reflected = pos - math.pi / xp.tan(math.pi * (w0 - xp.round(w0)))
        out = xp.where(negative, reflected, pos)
        at_zero = xp.where(xp.signbit(w), xp.inf, -xp.inf)
        out = xp.where(pole, xp.where(w == 0.0, at_zero, xp.nan), out)
        out = xp.where(finite, out, xp.where(w == xp.inf, xp.inf, xp.nan))
        return out.astype(x.dtype, copy=False)


# -------------------------------------------------------------------------------------------------- zeta
_REFLECT_BELOW = -30.0   # q below this is reflected: shifting it up to the Euler-Maclaurin range takes -q terms
_CHECK_SUM_EVERY = 8     # iterations of the direct sum between checks that some element still needs terms


def hurwitz_zeta(s, q):
    """zeta(s, q) = sum_k (q + k)^-s, for float64 arrays of one shape, with torch's domain: inf at s = 1 and
    at q = 0, -1, -2, ..., NaN for s < 1, for q < 0 with s not an integer, and for q = +inf."""
    xp = get_array_module(s)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        bad = (s < 1.0) | xp.isnan(s) | xp.isnan(q) | ((q < 0.0) & (s != xp.floor(s))) | (q == xp.inf)
        # s < 1 is NaN before q's poles are looked at (Cephes' order, torch's): zeta(0.5, 0) is NaN, not inf
        pole = (s == 1.0) | ((q <= 0.0) & (q == xp.floor(q)) & ~bad)
        ok = ~(pole | bad)
        # q < 0 near a half-integer is reflected too for an odd s: there the direct sum's terms of both signs
        # cancel (8e3 ulps of polygamma(2, -25.5), 5e7 of polygamma(4, -28.5))
        reflect = ok & (q < 0.0) & ((q < _REFLECT_BELOW) | _by_cot(xp, s, _from_half_integer(xp, q)))
        s0 = xp.where(ok, s, 2.0)
        q0 = xp.where(ok & ~reflect, q, 1.0)
        result = _hurwitz_zeta_from_above(xp, s0, q0)
        if bool(reflect.any()):
            result[reflect] = _hurwitz_zeta_far_below_0(xp, s0[reflect], q[reflect])
        return xp.where(ok, result, xp.where(pole, xp.inf, xp.nan))


def _hurwitz_zeta_far_below_0(xp, s, q):
    """zeta(s, q) for q = -M + f (M a positive integer, 0 < f < 1) and an integer s, from zetas of positive
    arguments only: the terms (q + k)^-s, k < M, are (-1)^s (j - f)^-s, j = 1..M, the difference of
    zeta(s, 1 - f) and zeta(s, M + 1 - f), so zeta(s, q) = (zeta(s, f) + (-1)^s zeta(s, 1 - f)) - (-1)^s
    zeta(s, 1 - q). The bracket is the reflection formula's pi^s / (s - 1)! (-d/dx)^(s-1) cot(pi x) at f; for an
    odd s it is 0 at f = 1/2, where the two zetas cancelled and left their roundings (1e13 ulps of polygamma(2,
    -1e6 - 1/2), whose value is zeta(3, 1 - q) alone), so within 1/4 of f = 1/2 it is the polynomial in
    cot(pi f) = -tan(pi (f - 1/2)) (|cot| <= 1; one sign in all its terms) instead (``_by_cot``)."""
    f = q - xp.floor(q)
    sign = xp.where(s % 2.0 == 0.0, 1.0, -1.0)
    bracket = _hurwitz_zeta_from_above(xp, s, f) + sign * _hurwitz_zeta_from_above(xp, s, 1.0 - f)
    e = _from_half_integer(xp, q)
    by_cot = _by_cot(xp, s, e)
    if bool(by_cot.any()):
        cot = -xp.tan(math.pi * e)
        for order in sorted({int(v) for v in xp.unique(s[by_cot]).tolist()}):
            these = by_cot & (s == order)
            bracket = xp.where(these, horner(_cot_derivative_coefficients(order - 1), cot), bracket)
    return bracket - sign * _hurwitz_zeta_from_above(xp, s, 1.0 - q)


def _from_half_integer(xp, q):
    """q minus its nearest half-integer, in [-1/2, 1/2], exact for q < -1/4 (q + 1/2 is, and then its distance to an
    integer; f - 1/2 was not for q in (-1, 0), whose f = q + 1 rounds)."""
    r = q + 0.5
    return r - xp.round(r)


_COT_ORDERS = 100   # s up to which the reflection's cot polynomial is used (its coefficients stay finite)
_COT_WIDTH = 1.0    # ... for |f - 1/2| up to this / s (and 1/4)


def _by_cot(xp, s, e):
    """Where the reflection's bracket is its cot polynomial: an odd s (for an even one the bracket is a sum, 1 ulp
    from the zetas), e = f - 1/2 within 1/4 and 1 / s. The zetas' difference cancels by about 1 / (4 s |e|), where
    the polynomial of degree s - 1 loses up to s ulps away from e = 0 (80 at s = 99, |e| = 0.23, where the zetas
    lost none). Measured against mpmath on 278 points per s near half-integers down to -60, s from 3 to 99: within
    10 ulps (the 10 near a zero of zeta(3, q)); the width 2 / s left 9, 4 / s 16."""
    return (xp.abs(e) <= xp.minimum(0.25, _COT_WIDTH / s)) & (s % 2.0 == 1.0) & (s <= _COT_ORDERS)
_PI = Fraction("3.14159265358979323846264338327950288419716939937510582097494")
_COT_COEFFICIENTS = {}


def _cot_derivative_coefficients(n):
    """Coefficients of c^0 .. c^(n+1) of (-1)^n pi^(n+1) / n! P_n(c), where d^n/dx^n cot(pi x) = pi^n P_n(cot(pi x)):
    P_0(c) = c, P_(k+1)(c) = -(1 + c^2) P_k'(c) (integers, all of one sign), each rounded once from exact
    rationals (pi to 60 digits)."""
    if n not in _COT_COEFFICIENTS:
        p = [0, 1]
        for _ in range(n):
            derivative = [i * p[i] for i in range(1, len(p))]
            p = [0] * (len(derivative) + 2)
            for i, v in enumerate(derivative):
                p[i] -= v
                p[i + 2] -= v
        scale = (-1) ** n * _PI ** (n + 1) / math.factorial(n)
        _COT_COEFFICIENTS[n] = [float(v * scale) for v in p]
    return _COT_COEFFICIENTS[n]


def _hurwitz_zeta_from_above(xp, s0, q0):
    """zeta(s0, q0) for s0 > 1 (inf included) and q0 > _REFLECT_BELOW: a direct sum up to a >= s0 + 26 (and
    >= 10), where the Euler-Maclaurin terms fall like (s + 2j)/(2 pi a), then its tail. An element whose next
    term and the tail after it are below the rounding of its sum stops there (a large s converges in a few
    terms, where reaching a >= s + 26 would take s terms)."""
    total = xp.zeros_like(s0)
    threshold = xp.maximum(xp.where(xp.isinf(s0), 10.0, s0) + 26.0, 10.0)
    count = int(math.ceil(float(xp.max(threshold - q0)))) if s0.size else 0
    a = q0
    active = a < threshold
    done = xp.zeros(s0.shape, dtype=bool)
    eps = np.finfo(np.float64).eps
    for i in range(max(count, 0)):
        term = xp.where(active, a ** -s0, 0.0)
        total = total + term
        a = xp.where(active, a + 1.0, a)
        # the rest, from a on, is at most a^-s + a^(1-s) / (s - 1) (0 for s = inf and a > 1)
        small = (a > 0.0) & (a ** -s0 + a ** (1.0 - s0) / (s0 - 1.0) <= eps * xp.abs(total))
        done = done | (active & small)
        active = active & ~small & (a < threshold)
        if i % _CHECK_SUM_EVERY == _CHECK_SUM_EVERY - 1 and not bool(active.any()):
            break
    power = a ** -s0
    tail = a ** (1.0 - s0) / (s0 - 1.0) + 0.5 * power   # not a * power, which underflows first
    ratio = s0 / a                      # (s)_(2j-1) / a^(2j-1), j = 1
    series = _EULER_MACLAURIN[0] * ratio
    for j in range(2, len(_EULER_MACLAURIN) + 1):
        ratio = ratio * (s0 + 2 * j - 3) * (s0 + 2 * j - 2) / (a * a)
        series = series + _EULER_MACLAURIN[j - 1] * ratio
    # s = inf: only the terms with q + k = 1 (or below) survive, which the direct sum already holds
    return xp.where(done | xp.isinf(s0), total + xp.where(done, 0.0, power), total + tail + power * series)


def zeta(s, q):
    """The Hurwitz zeta function elementwise, broadcasting, in the inputs' (common) dtype."""
    xp = get_array_module(s)
    s64, q64 = xp.broadcast_arrays(_f64(s), _f64(q))
    with np.errstate(over="ignore"):
        return hurwitz_zeta(s64, q64).astype(s.dtype, copy=False)


def polygamma(n, x):
    """The n-th derivative of digamma: digamma for n = 0, else (-1)^(n+1) n! zeta(n + 1, x)."""
    if n == 0:
        return digamma(x)
    xp = get_array_module(x)
    w = _f64(x)
    with np.errstate(over="ignore", invalid="ignore"):
        out = (-1.0) ** (n + 1) * (float(math.factorial(n)) if n <= 170 else math.inf) * hurwitz_zeta(xp.full_like(w, n + 1.0), w)
    if n == 1:
        out = xp.where(w == -xp.inf, xp.nan, xp.where(w == xp.inf, 0.0, out))   # torch's trigamma's values
    with np.errstate(over="ignore"):
        return out.astype(x.dtype, copy=False)


# -------------------------------------------------------------------------------------------------- igamma
_CHECK_EVERY = 8   # iterations between convergence checks, where converged elements leave the working set


def _iterate(a, x, active, start, step, result):
    """Run ``step`` on the elements where ``active`` until each has converged, and gather ``result`` (1 elsewhere).

    The working set shrinks as elements converge (checked every few iterations), so the cost follows the sum
    of the elements' own iteration counts, not the slowest element's count times their number."""
    xp = get_array_module(a)
    out = xp.ones(a.size, dtype=a.dtype)
    index = xp.nonzero(active.reshape(-1))[0]
    state = start(a.reshape(-1)[index], x.reshape(-1)[index])
    # both expansions need up to ~9 sqrt(a) terms near x = a (the series' terms fall like exp(-n^2 / 2a))
    cap = 5000 + (20 * int(math.ceil(math.sqrt(float(xp.max(a.reshape(-1)[index]))))) if index.size else 0)
    for i in range(1, cap + 1):
        if index.size == 0:
            break
        state, going = step(i, state)
        if i % _CHECK_EVERY == 0 or i == cap:
            done = ~going
            if bool(xp.any(done)):
                out[index[done]] = result(state)[done]
                index = index[going]
                state = tuple(v[going] for v in state)
    if index.size:
        out[index] = result(state)
    return out.reshape(a.shape)


def gamma_series(a, x, active):
    """sum_k x^k / ((a + 1) ... (a + k)), to convergence where ``active`` (P = x^a e^-x / Gamma(a + 1) times it)."""
    xp = get_array_module(a)

    def start(av, xv):
        return av, xv, xp.ones_like(av), xp.ones_like(av)

    def step(i, state):
        ap, xv, term, total = state
        ap = ap + 1.0
        term = term * xv / ap
        total = total + term
        return (ap, xv, term, total), term > total * 1e-17

    return _iterate(a, x, active, start, step, lambda state: state[3])


def gamma_fraction(a, x, active):
    """Legendre's continued fraction 1 / (x + 1 - a - 1 (1 - a) / (x + 3 - a - 2 (2 - a) / ...)) by the modified
    Lentz method, to convergence where ``active`` (Q = x^a e^-x / Gamma(a) times it; it converges for x >= a + 1)."""
    xp = get_array_module(a)
    tiny = 1e-300

    def start(av, xv):
        b = xv + 1.0 - av
        d = 1.0 / xp.where(b == 0.0, tiny, b)
        return av, b, xp.full_like(av, 1.0 / tiny), d, d

    def step(i, state):
        av, b, c, d, h = state
        an = -i * (i - av)
        b = b + 2.0
        d = an * d + b
        d = 1.0 / xp.where(xp.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = xp.where(xp.abs(c) < tiny, tiny, c)
        delta = d * c
        return (av, b, c, d, h * delta), xp.abs(delta - 1.0) > 3e-16

    return _iterate(a, x, active, start, step, lambda state: state[4])


def _incomplete_gamma(a, x):
    """(P, Q), the regularized lower and upper incomplete gamma functions of float64 arrays of one shape,
    for a > 0 and x > 0 finite: the series for x < a + 1 (P), else the continued fraction (Q)."""
    xp = get_array_module(a)
    use_series = x < a + 1.0
    log_front = a * xp.log(x) - x
    p_series = xp.exp(log_front - lgamma(a + 1.0)) * gamma_series(a, x, use_series)
    q_fraction = xp.exp(log_front - lgamma(a)) * gamma_fraction(a, x, ~use_series)
    p = xp.where(use_series, p_series, 1.0 - q_fraction)
    q = xp.where(use_series, 1.0 - p_series, q_fraction)
    small = use_series & (a <= 0.5)
    if bool(xp.any(small)):
        q = xp.where(small, _q_small_a(xp, xp.where(small, a, 0.5), xp.where(small, x, 1.0)), q)
    return p, q


def _q_small_a(xp, a, x):
    """Q(a, x) for a < 1 and x < a + 1 < 2, where 1 - P cancelled (P = x^a / Gamma(1 + a) (1 + ...) is near 1 for
    small a: 1e4 ulps at a = 0.001, x = 1): -expm1(L) - e^L a sum_n>=1 (-x)^n / ((a + n) n!), L = a log x -
    lgamma(1 + a), lgamma(1 + a) by its series in a itself up to a = 1/2 (1 + a would round a small a away). DLMF
    8.7.3."""
    half = a <= 0.5
    lgamma_1p = xp.where(half, _lgamma_near_1(xp, xp.where(half, a, 0.0)), lgamma(1.0 + a))
    big_l = a * xp.log(x) - lgamma_1p
    term = xp.ones_like(x)
    total = xp.zeros_like(x)
    for n in range(1, 32):   # x < 2: the 31st term is below 2^31 / 31! < 1e-24
        term = term * -x / n
        total = total + term / (a + n)
    return -xp.expm1(big_l) - xp.exp(big_l) * a * total


def incomplete_gamma(a, x, upper):
    """P(a, x) (upper False) or Q(a, x) = 1 - P (upper True), broadcasting, with torch's edge values: NaN for
    a < 0, x < 0, NaN and a = x = 0; P(0, x > 0) = 1, P(a, 0) = 0, P(a, inf) = 1, P(inf, x) = 0."""
    xp = get_array_module(a)
    a64, x64 = xp.broadcast_arrays(_f64(a), _f64(x))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        regular = (a64 > 0.0) & (x64 > 0.0) & xp.isfinite(a64) & xp.isfinite(x64)
        aa = xp.where(regular, a64, 1.0)
        xx = xp.where(regular, x64, 1.0)
        p, q = _incomplete_gamma(aa, xx)
        value = q if upper else p
        # P's value at the edges (NaN where undefined); Q = 1 - P there
        edge_p = xp.where((a64 == 0.0) & (x64 > 0.0), 1.0, xp.nan)
        edge_p = xp.where((x64 == 0.0) & (a64 > 0.0), 0.0, edge_p)
        edge_p = xp.where((x64 == xp.inf) & (a64 >= 0.0) & (a64 < xp.inf), 1.0, edge_p)
        edge_p = xp.where((a64 == xp.inf) & (x64 >= 0.0) & (x64 < xp.inf), 0.0, edge_p)
        edge = 1.0 - edge_p if upper else edge_p
        out = xp.where(regular, value, edge)
        return out.astype(a.dtype, copy=False)
