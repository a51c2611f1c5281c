"""The standard normal distribution's functions and the scaled complementary error function, elementwise:
erfcx, ndtr, log_ndtr and ndtri (torch.special's names).

The kernels (minigrad/ops/_normal_kernels.py) are array math alone, so they need no SciPy and run on CuPy
unchanged. Integer and bool inputs become float32, as in torch.
"""
from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.function import Function
from minigrad.ops import _normal_kernels as kernels
from minigrad.ops._args import as_floating
from minigrad.ops._gamma_kernels import horner

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_SQRT_HALF = math.sqrt(0.5)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


# erfcx' = 2 x y - 2/sqrt(pi) loses 2 x^2 of y's roundings (70 ulps at x = 10, 2.6e4 at x = 61 in float64), so above
# x = 6.5 (float64 and float32, which computes in float64) it is the asymptotic series -(z / sqrt(pi)) sum_k (-1)^k
# (2k + 1)!! / 2^k z^k, z = 1/x^2; 42 terms, its smallest at x = 6.5, where the last is 5e-17 of the first (2e-24
# at x = 8); float16 keeps its own 10
_ERFCX_SERIES_ABOVE = {8: 6.5, 2: 10.0}
_ERFCX_SERIES = [1.0]
for _k in range(1, 42):
    _ERFCX_SERIES.append(_ERFCX_SERIES[-1] * -(2 * _k + 1) / 2.0)


class Erfcx(Function):
    """y = erfcx(x) = e^(x^2) erfc(x).   dL/dx = g (2 x y - 2 / sqrt(pi)), and for x > 8 (10 in float16), where its
    two terms cancel (the derivative is about -1 / (sqrt(pi) x^2)), the asymptotic series
    -(z / sqrt(pi)) (1 - 3/2 z + 15/4 z^2 - 105/8 z^3 + ...), z = 1 / x^2. A float32 x takes it in float64, rounded
    once: from a float32 y the cancellation left 2 x^2 of y's roundings, 200 ulps at x = 9 (torch's too)."""

    keep_output = True

    def forward(self, x):
        return kernels.in_dtype(kernels.erfcx64, x)

    def backward(self, F, gy, x):
        if x.dtype == np.float32:
            x64 = F.astype(x, np.float64)
            return gy * F.astype(_erfcx_derivative(F, x64, F.apply(Erfcx, x64)), np.float32)
        return gy * _erfcx_derivative(F, x, F.output(self))


def _erfcx_derivative(F, x, y):
    direct = 2.0 * x * y - _TWO_OVER_SQRT_PI
    above = _ERFCX_SERIES_ABOVE[x.dtype.itemsize]
    far = (x.data if F.recording else x) > above
    if not far.any():
        return direct
    far = F.const(far)
    xs = F.where(far, x, above)   # no 1/x^2 of a small x, even in the branch not taken
    z = (1.0 / xs) * (1.0 / xs)   # 1/x^2 without x^2's overflow
    series = -(z / math.sqrt(math.pi)) * horner(_ERFCX_SERIES, z)
    return F.where(far, series, direct)


class Ndtr(Function):
    """y = Phi(x), the standard normal distribution function.   dL/dx = g e^(-x^2/2) / sqrt(2 pi), x^2 taken
    without its rounding (``_normal_kernels.gaussian``)."""

    def forward(self, x):
        return kernels.in_dtype(kernels.ndtr64, x)

    def backward(self, F, gy, x):
        return gy * (kernels.gaussian(F, x, 0.5) * _INV_SQRT_2PI)


class LogNdtr(Function):
    """y = log Phi(x).   dL/dx = g phi(x) / Phi(x) = g sqrt(2/pi) / erfcx(-x / sqrt 2), which stays accurate in
    the left tail, where phi and Phi both underflow. For x > 0 it is phi(x) / Phi(x) itself (Phi >= 1/2 there):
    erfcx(-x / sqrt 2) overflows past x = 37.7 (13.3 in float32), where its derivative times the 0 reaching it
    made the second derivative NaN (torch: 0); its e^(-x^2/2) takes x^2 without rounding (``kernels.gaussian``)."""

    def forward(self, x):
        return kernels.in_dtype(kernels.log_ndtr64, x)

    def backward(self, F, gy, x):
        right = (x.data if F.recording else x) > 0
        if not right.any():
            return gy * (_SQRT_2_OVER_PI / F.apply(Erfcx, x * -_SQRT_HALF))
        right = F.const(right)
        xl, xr = F.where(right, 0.0, x), F.where(right, x, 0.0)   # each branch sees only its own side
        left = _SQRT_2_OVER_PI / F.apply(Erfcx, xl * -_SQRT_HALF)
        pdf_over_cdf = kernels.gaussian(F, xr, 0.5) * _INV_SQRT_2PI / F.apply(Ndtr, xr)
        return gy * F.where(right, pdf_over_cdf, left)


class Ndtri(Function):
    """y = Phi^-1(p), the standard normal quantile (-inf at 0, inf at 1, NaN outside).
    dL/dp = g sqrt(2 pi) e^(y^2/2)."""

    keep_output = True

    def forward(self, p):
        return kernels.in_dtype(kernels.ndtri64, p)

    def backward(self, F, gy, p):
        y = F.output(self)
        return gy * (F.exp(y * y * 0.5) * _SQRT_2PI)


def erfcx(x):
    """The scaled complementary error function e^(x^2) erfc(x) elementwise, as ``torch.special.erfcx``: finite
    where erfc underflows (about 1 / (x sqrt(pi)) for large x), inf below about -26.6."""
    return Erfcx.apply(as_floating(x))


def ndtr(x):
    """The standard normal distribution function Phi(x) elementwise, as ``torch.special.ndtr``."""
    return Ndtr.apply(as_floating(x))


def log_ndtr(x):
    """log Phi(x) elementwise, accurate in both tails, as ``torch.special.log_ndtr``."""
    return LogNdtr.apply(as_floating(x))


def ndtri(p):
    """The standard normal quantile Phi^-1(p) elementwise, as ``torch.special.ndtri``."""
    return Ndtri.apply(as_floating(p))
