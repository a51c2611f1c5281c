"""The Airy function of the first kind, elementwise: Ai(x) (torch.special.airy_ai), the solution of
y'' = x y that decays as x -> +inf.

The kernel is Cephes' (torch's and SciPy's): the Maclaurin series Ai(x) = c1 f(x) - c2 g(x) for
-2.09 <= x < 2.09; for x >= 2.09, e^-zeta / (2 sqrt(pi) x^(1/4)) times a rational function of 1/zeta,
zeta = 2 x^(3/2) / 3 (0 beyond x = 103.892, where it underflows); for x < -2.09, the oscillating asymptotic form
(sin(zeta + pi/4) U(z) - cos(zeta + pi/4) V(z)) / (sqrt(pi) |x|^(1/4)) with U, V rational in z = 1/zeta. Array
math alone, in float64, rounded once to the input's dtype; integer and bool inputs become float32. NaN at +-inf,
as torch's.

Its derivative (torch has none) is Ai'(x), and Ai'' = x Ai. Ai' is the Taylor series of the Airy equation about the
nearest of the centres -9, -8.5, ..., 9 (|x - c| <= 1/4, from Ai and Ai' there, taken from mpmath to 40 digits)
for |x| < 9.25, and beyond the asymptotic series -x^(1/4) e^-zeta / (2 sqrt(pi)) sum_k (-1)^k v_k / zeta^k
(x > 0) or |x|^(1/4) / sqrt(pi) (sin(zeta - pi/4) sum (-1)^k v_2k / zeta^2k - cos(zeta - pi/4)
sum (-1)^k v_(2k+1) / zeta^(2k+1)) (x < 0), DLMF 9.7.6 and 9.7.10, whose smallest term there is below 1e-16.
"""
from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.function import Function
from minigrad.backend import get_array_module
from minigrad.ops._args import as_floating
from minigrad.ops._cephes import polevl

_AN = (3.46538101525629032477e-01, 1.20075952739645805542e+01, 7.62796053615234516538e+01,
       1.68089224934630576269e+02, 1.59756391350164413639e+02, 7.05360906840444183113e+01,
       1.40264691163389668864e+01, 9.99999999999999995305e-01)
_AD = (5.67594532638770212846e-01, 1.47562562584847203173e+01, 8.45138970141474626562e+01,
       1.77318088145400459522e+02, 1.64234692871529701831e+02, 7.14778400825575695274e+01,
       1.40959135607834029598e+01, 1.00000000000000000470e+00)
_AFN = (-1.31696323418331795333e-01, -6.26456544431912369773e-01, -6.93158036036933542233e-01,
        -2.79779981545119124951e-01, -4.91900132609500318020e-02, -4.06265923594885404393e-03,
        -1.59276496239262096340e-04, -2.77649108155232920844e-06, -1.67787698489114633780e-08)
_AFD = (1.0, 1.33560420706553243746e+01, 3.26825032795224613948e+01, 2.67367040941499554804e+01,
        9.18707402907259625840e+00, 1.47529146771666414581e+00, 1.15687173795188044134e-01,
        4.40291641615211203805e-03, 7.54720348287414296618e-05, 4.51850092970580378464e-07)
_AGN = (1.97339932091685679179e-02, 3.91103029615688277255e-01, 1.06579897599595591108e+00,
        9.39169229816650230044e-01, 3.51465656105547619242e-01, 6.33888919628925490927e-02,
        5.85804113048388458567e-03, 2.82851600836737019778e-04, 6.98793669997260967291e-06,
        8.11789239554389293311e-08, 3.41551784765923618484e-10)
_AGD = (1.0, 9.30892908077441974853e+00, 1.98352928718312140417e+01, 1.55646628932864612953e+01,
        5.47686069422975497931e+00, 9.54293611618961883998e-01, 8.64580826352392193095e-02,
        4.12656523824222607191e-03, 1.01259085116509135510e-04, 1.17166733214413521882e-06,
        4.91834570062930015649e-09)
_CENTRE_AI = (-0.022133721547341403, -0.33029023763020887, -0.0527050503563862, 0.3217757163806479,
              0.18428083525050565, -0.2380203019971158, -0.3291451736298231, 0.017781541276574976,
              0.35076100902411433, 0.2921527810559595, -0.07026553294928951, -0.37553382314043193,
              -0.37881429367765806, -0.11232506769296609, 0.22740742820168558, 0.4642565777488694,
              0.5355608832923521, 0.4757280916105396, 0.3550280538878172, 0.23169360648083348, 0.13529241631288141,
              0.07174949700810541, 0.03492413042327438, 0.01572592338047049, 0.006591139357460719,
              0.002584098786989635, 0.0009515638512048018, 0.00033025032351430896, 0.00010834442813607442,
              3.368531190859981e-05, 9.947694360252889e-06, 2.7958823432049136e-06, 7.492128863997167e-07,
              1.9172560675134309e-07, 4.6922076160992316e-08, 1.0997009755195506e-08, 2.47116843087249e-09)
_CENTRE_AIP = (-0.9756639809263316, -0.03231334828463914, 0.9355609381983065, 0.3188095066985546,
               -0.7710081684101265, -0.6749524925132022, 0.3459354872813429, 0.8641972177713984,
               0.32719281855444315, -0.5233625323157477, -0.7906285753685813, -0.34344343345404815,
               0.3145837692165988, 0.6788527342647943, 0.618259020741691, 0.3091869672024104, -0.01016056711664521,
               -0.20408167033954738, -0.2588194037928068, -0.2249105326646839, -0.1591474412967932,
               -0.09738201284230132, -0.05309038443365363, -0.026250881035903232, -0.011912976705951319,
               -0.005004413967952583, -0.001958640950204179, -0.0007178665675575089, -0.0002474138908684625,
               -8.046339130556515e-05, -2.4765200397034955e-05, -7.231931466601793e-06, -2.008150894738792e-06,
               -5.312713959720545e-07, -1.3414392979067865e-07, -3.237725440447602e-08, -7.480641389658946e-09)
_CENTRE_STEP = 0.5
_TAYLOR_TERMS = 32                 # |x - c| <= 1/4, |c| <= 9: the 32nd term is below 1e-20 of the sum
_DERIVATIVE_ASYMPTOTIC = 9.25      # zeta >= 18.7 beyond: the 18th asymptotic term is below 1e-17
_ASYMPTOTIC_TERMS = 18
_SQRT_1_OVER_PI = 5.64189583547756286948e-01
_C1 = 0.355028053887817239260      # Ai(0)
_C2 = 0.258819403792806798405      # -Ai'(0)
_SERIES_TERMS = 30                 # |x^3| <= 9.2: the 30th term is below 1e-60 of the sum
_UNDERFLOW = 103.892               # Ai(x) < 1e-308 beyond (Cephes' MAXAIRY)


def _series(x):
    """Ai(x) = c1 f(x) - c2 g(x), f = sum x^(3k) / (3k)! prod (3j - 2), g = x sum x^(3k) / (3k + 1)! prod (3j - 1)."""
    z = x * x * x
    f, g, uf, ug, k = 1.0 + 0.0 * x, x, 1.0 + 0.0 * x, x, 1.0
    for _ in range(_SERIES_TERMS):
        uf = uf * z / (k + 1.0) / (k + 2.0)
        ug = ug * z / (k + 2.0) / (k + 3.0)
        f, g, k = f + uf, g + ug, k + 3.0
    return _C1 * f - _C2 * g


def airy(x):
    """Ai(x) in x's dtype."""
    xp = get_array_module(x)
    w = x.astype(xp.float64, copy=False)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        middle = (w >= -2.09) & (w < 2.09)
        near = _series(xp.where(middle, w, 0.0))
        right = xp.where(w >= 2.09, xp.minimum(w, _UNDERFLOW), 4.0)
        zeta = 2.0 * right * xp.sqrt(right) / 3.0
        decaying = (_SQRT_1_OVER_PI * (polevl(1.0 / zeta, _AN) / polevl(1.0 / zeta, _AD))
                    * xp.exp(-zeta) / (2.0 * xp.sqrt(xp.sqrt(right))))
        left = xp.where(w < -2.09, w, -4.0)
        zeta = -2.0 * left * xp.sqrt(-left) / 3.0
        z = 1.0 / zeta
        zz = z * z
        theta = zeta + 0.25 * math.pi
        oscillating = (_SQRT_1_OVER_PI / xp.sqrt(xp.sqrt(-left))
                       * (xp.sin(theta) * (1.0 + zz * polevl(zz, _AFN) / polevl(zz, _AFD))
                          - xp.cos(theta) * (z * polevl(zz, _AGN) / polevl(zz, _AGD))))
        out = xp.where(middle, near, xp.where(w < 0.0, oscillating, decaying))
        out = xp.where(w > _UNDERFLOW, 0.0, out)
        out = xp.where(xp.isinf(w) | xp.isnan(w), xp.nan, out)
        return out.astype(x.dtype, copy=False)


def _taylor_derivative(xp, x):
    """Ai'(x) for |x| <= 9.25 from Ai and Ai' at the nearest centre c: a_(k+2) = (c a_k + a_(k-1)) / ((k+2)(k+1))."""
    index = xp.clip(xp.rint((x + 9.0) / _CENTRE_STEP), 0, len(_CENTRE_AI) - 1).astype(xp.int64)
    c = index * _CENTRE_STEP - 9.0
    h = x - c
    previous = xp.take(xp.asarray(_CENTRE_AI), index)        # a_0
    current = xp.take(xp.asarray(_CENTRE_AIP), index)        # a_1
    total = current
    power = xp.ones_like(x)
    before = previous
    after = c * previous / 2.0                              # a_2
    for k in range(2, _TAYLOR_TERMS):
        power = power * h
        total = total + k * after * power
        # shift (a_(k-2), a_(k-1), a_k) -> (a_(k-1), a_k, a_(k+1)): a_(k+1) = (c a_(k-1) + a_(k-2)) / ((k+1) k)
        before, current, after = current, after, (c * current + before) / ((k + 1) * k)
    return total


def _v_coefficients(count):
    """v_k of DLMF 9.7: u_k = (6k-5)(6k-3)(6k-1) / ((2k-1) 216 k) u_(k-1), v_k = -(6k+1) / (6k-1) u_k."""
    u, v = 1.0, [1.0]
    for k in range(1, count):
        u *= (6 * k - 5) * (6 * k - 3) * (6 * k - 1) / ((2 * k - 1) * 216.0 * k)
        v.append(-(6 * k + 1) / (6 * k - 1) * u)
    return v


_V = _v_coefficients(_ASYMPTOTIC_TERMS)


def _asymptotic_derivative(xp, x):
    """Ai'(x) for |x| > 9.25."""
    a = xp.abs(x)
    zeta = 2.0 * a * xp.sqrt(a) / 3.0
    inverse = 1.0 / zeta
    quarter = xp.sqrt(xp.sqrt(a))
    decaying, even, odd = xp.zeros_like(x), xp.zeros_like(x), xp.zeros_like(x)
    power = xp.ones_like(x)
    for k, v in enumerate(_V):
        decaying = decaying + (-1.0) ** k * v * power
        if k % 2 == 0:
            even = even + (-1.0) ** (k // 2) * v * power
        else:
            odd = odd + (-1.0) ** (k // 2) * v * power
        power = power * inverse
    right = -quarter * xp.exp(-xp.minimum(zeta, 800.0)) * _SQRT_1_OVER_PI / 2.0 * decaying
    theta = zeta - 0.25 * math.pi
    left = quarter * _SQRT_1_OVER_PI * (xp.sin(theta) * even - xp.cos(theta) * odd)
    return xp.where(x > 0.0, right, left)


def airy_derivative(x):
    """Ai'(x) in x's dtype (NaN at +-inf, as Ai there)."""
    xp = get_array_module(x)
    w = x.astype(xp.float64, copy=False)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        near = xp.abs(w) <= _DERIVATIVE_ASYMPTOTIC
        out = xp.where(near, _taylor_derivative(xp, xp.where(near, w, 0.0)),
                       _asymptotic_derivative(xp, xp.where(near | ~xp.isfinite(w), 10.0, w)))
        out = xp.where(xp.isinf(w) | xp.isnan(w), xp.nan, out)
        return out.astype(x.dtype, copy=False)


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
    """The Airy function of the first kind Ai(x) elementwise (NaN at +-inf, 0 beyond x = 103.892), as
    ``torch.special.airy_ai``; any shape. Its derivative is Ai'(x) (torch has none), whose own is x Ai(x)."""
    return AiryAi.apply(as_floating(input))
