"""Trigonometric and hyperbolic functions, elementwise: tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh,
sinc, atan2 and hypot, with deg2rad and rad2deg. Integer and bool inputs become float32, as in torch.

Each derivative is the closed form torch uses, so values at the edges of a domain (asin at +-1, atan2 and
hypot at the origin, sinc at 0) come out as torch's.
"""
from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.function import Function
from minigrad.backend import get_array_module
from minigrad.ops._args import as_floating, floating_operands, half_in_float32, operands, require_floating
from minigrad.ops.arithmetic import mul


class Tan(Function):
    """y = tan x.   dL/dx = g (1 + y^2)."""

    keep_output = True

    def forward(self, x):
        return get_array_module(x).tan(x)

    def backward(self, F, gy, x):
        y = F.output(self)
        return gy * (y * y + 1.0)


class Asin(Function):
    """y = arcsin x.   dL/dx = g / sqrt(1 - x^2)."""

    def forward(self, x):
        return get_array_module(x).arcsin(x)

    def backward(self, F, gy, x):
        return gy / F.sqrt(1.0 - x * x)


class Acos(Function):
    """y = arccos x.   dL/dx = -g / sqrt(1 - x^2)."""

    def forward(self, x):
        return get_array_module(x).arccos(x)

    def backward(self, F, gy, x):
        return -gy / F.sqrt(1.0 - x * x)


class Atan(Function):
    """y = arctan x.   dL/dx = g / (1 + x^2)."""

    def forward(self, x):
        return get_array_module(x).arctan(x)

    def backward(self, F, gy, x):
        return gy / (x * x + 1.0)


class Sinh(Function):
    """y = sinh x.   dL/dx = g cosh x."""

    def forward(self, x):
        return get_array_module(x).sinh(x)

    def backward(self, F, gy, x):
        return gy * F.apply(Cosh, x)


class Cosh(Function):
    """y = cosh x.   dL/dx = g sinh x."""

    def forward(self, x):
        return get_array_module(x).cosh(x)

    def backward(self, F, gy, x):
        return gy * F.apply(Sinh, x)


class Asinh(Function):
    """y = arsinh x.   dL/dx = g / sqrt(x^2 + 1)."""

    def forward(self, x):
        return get_array_module(x).arcsinh(x)

    def backward(self, F, gy, x):
        return gy / F.sqrt(x * x + 1.0)


class Acosh(Function):
    """y = arcosh x (x >= 1).   dL/dx = g / sqrt(x^2 - 1)."""

    def forward(self, x):
        return get_array_module(x).arccosh(x)

    def backward(self, F, gy, x):
        return gy / F.sqrt(x * x - 1.0)


class Atanh(Function):
    """y = artanh x (|x| <= 1).   dL/dx = g / (1 - x^2)."""

    def forward(self, x):
        return get_array_module(x).arctanh(x)

    def backward(self, F, gy, x):
        return gy / (1.0 - x * x)


class Sinc(Function):
    """y = sin(pi x) / (pi x), and 1 at x = 0 (the normalized sinc, torch's and NumPy's).
    dL/dx = g (pi x cos(pi x) - sin(pi x)) / (pi x^2), and 0 at x = 0 (its limit, torch's value).

    For |pi x| < 0.1 the quotient cancels (to 0 / 0 once pi x^2 underflows, 36% off at x = 1e-8, as torch's), so
    there the derivative is its Taylor series pi (-u/3 + u^3/30 - u^5/840 + u^7/45360 - u^9/3991680), u = pi x,
    good to rounding: 0 at x = 0, and differentiated again the exact second derivative (-pi^2 / 3 at 0, where
    torch's is NaN).
    """

    def forward(self, x):
        if x.dtype == np.float16:   # as torch's kernel, in float32: pi x rounded to float16 lost sin(pi x) entirely
            return half_in_float32(self.forward, x)
        xp = get_array_module(x)
        px = xp.where(x == 0, 1.0, x * math.pi).astype(x.dtype, copy=False)  # no 0/0 where x = 0
        return xp.where(x == 0, 1.0, xp.sin(px) / px).astype(x.dtype, copy=False)

    def backward(self, F, gy, x):
        small = abs(x) < _SINC_SERIES_BELOW
        safe = F.where(small, 1.0, x)  # a 1 in place of small x keeps NaN out of both passes; the result is masked
        px = safe * math.pi
        d = (px * F.cos(px) - F.sin(px)) / (px * safe)
        u = F.where(small, x, 0.0) * math.pi   # the series of a small x only: u^10 of x = 1e19 was inf in float32, and
        u2 = u * u                               # the 0 the where sends this branch times it made d2/dx2 NaN
        series = u * (((((u2 * _SINC_SERIES[4] + _SINC_SERIES[3]) * u2 + _SINC_SERIES[2]) * u2 + _SINC_SERIES[1]) * u2
                       + _SINC_SERIES[0]) * math.pi)
        return F.where(small, series, d) * gy


_SINC_SERIES_BELOW = 0.1 / math.pi   # |pi x| < 0.1: the next term of the series is below 6e-19 of the first
_SINC_SERIES = (-1.0 / 3.0, 1.0 / 30.0, -1.0 / 840.0, 1.0 / 45360.0, -1.0 / 3991680.0)   # (sin u / u)' in odd powers


class Atan2(Function):
    """y = atan2(a, b), the angle of the point (b, a).   dL/da = g b / (a^2 + b^2),  dL/db = -g a / (a^2 + b^2),
    each summed back to its input's shape; 0 at the origin, where torch takes 1 / (a^2 + b^2) as 0."""

    def forward(self, a, b):
        return get_array_module(a).arctan2(a, b)

    def backward(self, F, gy, a, b):
        na, nb = self.needs_input_grad
        d = a * a + b * b
        origin = d == 0.0
        recip = F.where(origin, 0.0, 1.0 / F.where(origin, 1.0, d))  # a 1 in place of 0: no inf enters a graph
        return (F.sum_to(gy * b * recip, a.shape) if na else None, F.sum_to(gy * -a * recip, b.shape) if nb else None)


class Hypot(Function):
    """y = sqrt(a^2 + b^2), without overflow.   dL/da = g a / y,  dL/db = g b / y, each summed back to its
    input's shape (NaN at the origin, as torch)."""

    keep_output = True

    def forward(self, a, b):
        return get_array_module(a).hypot(a, b)

    def backward(self, F, gy, a, b):
        na, nb = self.needs_input_grad
        y = F.output(self)
        return (F.sum_to(gy * a / y, a.shape) if na else None, F.sum_to(gy * b / y, b.shape) if nb else None)


def tan(x):
    """Tangent elementwise."""
    return Tan.apply(as_floating(x))


def asin(x):
    """Inverse sine elementwise (NaN outside [-1, 1])."""
    return Asin.apply(as_floating(x))


def acos(x):
    """Inverse cosine elementwise (NaN outside [-1, 1])."""
    return Acos.apply(as_floating(x))


def atan(x):
    """Inverse tangent elementwise."""
    return Atan.apply(as_floating(x))


def sinh(x):
    """Hyperbolic sine elementwise."""
    return Sinh.apply(as_floating(x))


def cosh(x):
    """Hyperbolic cosine elementwise."""
    return Cosh.apply(as_floating(x))


def asinh(x):
    """Inverse hyperbolic sine elementwise."""
    return Asinh.apply(as_floating(x))


def acosh(x):
    """Inverse hyperbolic cosine elementwise (NaN below 1)."""
    return Acosh.apply(as_floating(x))


def atanh(x):
    """Inverse hyperbolic tangent elementwise (+-inf at +-1, NaN beyond)."""
    return Atanh.apply(as_floating(x))


def sinc(x):
    """The normalized sinc sin(pi x) / (pi x) elementwise, 1 at 0."""
    return Sinc.apply(as_floating(x))


def atan2(a, b):
    """The angle atan2(a, b) elementwise in (-pi, pi], broadcasting; integer inputs give float32."""
    return Atan2.apply(*floating_operands("atan2", a, b))


def hypot(a, b):
    """sqrt(a^2 + b^2) elementwise without overflow, broadcasting; floating tensors only, as in torch."""
    a, b = operands("hypot", a, b)
    require_floating("hypot", a, b)
    return Hypot.apply(a, b)


def deg2rad(x):
    """Degrees to radians, x pi / 180 elementwise (integers give float32)."""
    return mul(as_floating(x), math.pi / 180.0)


def rad2deg(x):
    """Radians to degrees, x 180 / pi elementwise (integers give float32)."""
    return mul(as_floating(x), 180.0 / math.pi)


arcsin, arccos, arctan, arcsinh, arccosh, arctanh, arctan2 = asin, acos, atan, asinh, acosh, atanh, atan2
