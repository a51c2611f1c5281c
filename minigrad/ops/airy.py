"""The Airy function of the first kind, elementwise: Ai(x) (torch.special.airy_ai), the solution of
y'' = x y that decays as x -> +inf.

The kernel is Cephes' (torch's and SciPy's): the Maclaurin series Ai(x) = c1 f(x) - c2 g(x) for
-2.09 <= x < 2.09; for x >= 2.09, e^-zeta / (2 sqrt(pi) x^(1/4)) times a rational function of 1/zeta,
zeta = 2 x^(3/2) / 3 (0 beyond x = 103.892, where it underflows); for x < -2.09, the oscillating asymptotic form
(sin(zeta + pi/4) U(z) - cos(zeta + pi/4) V(z)) / (sqrt(pi) |x|^(1/4)) with U, V rational in z = 1/zeta. Array
math alone, in float64, rounded once to the input's dtype; integer and bool inputs become float32. NaN at +-inf,
as torch's. No gradient, as torch's: asking for one raises.
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


class AiryAi(Function):
    """y = Ai(x). No derivative (torch has none): asking for one raises."""

    def forward(self, x):
        return airy(x)

    def backward(self, F, gy, x):
        raise NotImplementedError(f"airy_ai: the derivative with respect to input (shape {tuple(x.shape)}) is not "
                                  "implemented, as in torch")


def airy_ai(input):
    """The Airy function of the first kind Ai(x) elementwise (NaN at +-inf, 0 beyond x = 103.892), as
    ``torch.special.airy_ai``; any shape. Not differentiable, as torch's: a backward through it raises."""
    return AiryAi.apply(as_floating(input))
