"""PyTorch's remaining elementwise activations that need a closed form, one op each: ``LogSigmoid`` (stable for
any |x|), ``SELU`` and ``CELU`` (scaled ELUs), ``Hardswish`` and ``Hardsigmoid``, ``Shrink`` (hardshrink and
softshrink) and ``Threshold``.

Each is one node because its derivative at a kink must be PyTorch's (a composition of clip and multiply would give
another one-sided value there), or because a composition would overflow (logsigmoid) or cost extra passes. Masks
are constants, so the piecewise ones differentiate again exactly (0 beyond their linear pieces).
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.function import Function
from minigrad.backend import get_array_module
from minigrad.autograd.coercion import as_tensor
from minigrad.ops._args import apply_widening_half, as_floating, half_in_float32
from minigrad.ops.activations import below_zero
from minigrad.scalars import check_scalar_arg

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


class LogSigmoid(Function):
    """y = log sigmoid(x) = -log(1 + e^-x) = min(x, 0) - log1p(e^-|x|).   dL/dx = g sigmoid(-x).

    ``-logaddexp(0, -x)``: no overflow for any x, full precision in both tails (y = x for x << 0).
    """

    def forward(self, x):
        return -get_array_module(x).logaddexp(0, -x).astype(x.dtype, copy=False)

    def backward(self, F, gy, x):
        return gy * F.sigmoid(-x)


class _ScaledELU(Function):
    """y = scale x for x > 0, else scale alpha (e^(x input_scale) - 1): PyTorch's ``elu`` with ``scale`` and
    ``input_scale``, of which SELU and CELU are cases.   dL/dx = g scale for x > 0, else
    g scale alpha input_scale e^(x input_scale) (this branch at x = 0, as PyTorch's).

    The exponential takes min(x, 0), so no unselected inf appears in the derivative of large positive x. y is
    scale x at 0 (the negative branch is inf * 0 = NaN there for CELU's alpha = +-inf, which torch takes), and the
    second derivative is 0 at 0, as torch's (``below_zero``).
    """

    alpha, scale, input_scale = 1.0, 1.0, 1.0

    def forward(self, x):
        xp = get_array_module(x)
        negative = xp.expm1(xp.minimum(x, 0) * self.input_scale) * (self.alpha * self.scale)
        return xp.where(x < 0, negative, x * self.scale if self.scale != 1 else x).astype(x.dtype, copy=False)

    def backward(self, F, gy, x):
        negative = x <= 0
        slope = F.exp(below_zero(F, x, negative) * self.input_scale) * (self.scale * self.alpha * self.input_scale)
        return F.where(negative, gy * slope, gy * self.scale if self.scale != 1 else gy)


class SELU(_ScaledELU):
    """y = scale (x for x > 0, else alpha (e^x - 1)), alpha = 1.6733, scale = 1.0507 (Klambauer et al. 2017).
    dL/dx = g scale for x > 0, else g scale alpha e^x (scale alpha = 1.7581 at x = 0, as PyTorch's)."""

    alpha, scale = SELU_ALPHA, SELU_SCALE


class CELU(_ScaledELU):
    """y = x for x > 0, else alpha (e^(x / alpha) - 1) (Barron 2017).   dL/dx = g for x > 0, else g e^(x / alpha)."""

    def __init__(self, alpha=1.0):
        self.alpha, self.input_scale = alpha, 1.0 / alpha


class Hardswish(Function):
    """y = x relu6(x + 3) / 6 (Howard et al. 2019).   dL/dx = 0 for x <= -3, g (x / 3 + 1/2) for -3 < x < 3,
    g for x >= 3: PyTorch's values at the kinks (0 at -3, 1 at 3), and second derivative 1/3 strictly inside.
    At a NaN x, g: torch's kernel tests "x <= -3" for the zero (its CPU vector path, for all but the last few
    elements of a longer tensor, gives NaN there)."""

    def forward(self, x):
        if x.dtype == np.float16:   # as torch's kernel, in float32: x * 6 overflowed float16 past 10922
            return half_in_float32(self.forward, x)
        xp = get_array_module(x)
        return (x * xp.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)

    def backward(self, F, gy, x):
        passes = ~(x <= -3)   # x >= 3, and NaN
        inside = passes & (x < 3)
        # the slope on an x inside only: x / 3 + 1/2 of an infinite x, times the 0 the where sends the branch not
        # taken, made the second derivative NaN at +-inf (torch: that of x or 0)
        return F.where(inside, gy * (F.where(inside, x, 0.0) * (1.0 / 3.0) + 0.5), F.select(passes, gy))


class Hardsigmoid(Function):
    """y = relu6(x + 3) / 6.   dL/dx = g / 6 strictly inside (-3, 3), else 0 (at the bounds too, as PyTorch's)."""

    def forward(self, x):
        xp = get_array_module(x)
        return (xp.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)

    def backward(self, F, gy, x):
        return F.select((x > -3) & (x < 3), gy * (1.0 / 6.0))


class Shrink(Function):
    """y = x - bias for x > lambd, x + bias for x < -lambd, else 0: hardshrink (bias 0) and softshrink
    (bias lambd), ONNX's Shrink.   dL/dx = g outside [-lambd, lambd], else 0 (at |x| = lambd too, as PyTorch's).

    "Outside" is "not inside", so a NaN is outside: it stays NaN and passes its gradient on, as in PyTorch.
    """

    def __init__(self, lambd=0.5, bias=0.0):
        self.lambd, self.bias = lambd, bias

    def forward(self, x):
        xp = get_array_module(x)
        # x - copysign(bias, x) is x - bias above lambd and x + bias below -lambd (and NaN for NaN)
        shifted = x if self.bias == 0 else x - xp.copysign(x.dtype.type(self.bias), x)
        return xp.where(self._inside(x), x.dtype.type(0), shifted)

    def backward(self, F, gy, x):
        return F.select(~self._inside(x), gy)

    def _inside(self, x):
        return (x >= -self.lambd) & (x <= self.lambd)


class Threshold(Function):
    """y = value where x <= threshold, else x.   dL/dx = 0 where x <= threshold, else g.

    Tested as "x <= threshold", PyTorch's test: a NaN is not replaced, stays NaN and passes its gradient on.
    """

    def __init__(self, threshold, value):
        self.threshold, self.value = threshold, value

    def forward(self, x):
        return get_array_module(x).where(x <= self.threshold, x.dtype.type(self.value), x)

    def backward(self, F, gy, x):
        return F.select(~(x <= self.threshold), gy)


def logsigmoid(x):
    """log(sigmoid(x)) elementwise, stable for any |x|."""
    return LogSigmoid.apply(as_floating(x))


def selu(x):
    """SELU elementwise: ``SELU_SCALE * elu(x, SELU_ALPHA)``."""
    return SELU.apply(as_floating(x))


def celu(x, alpha=1.0):
    """CELU elementwise: x for x > 0, else alpha (e^(x / alpha) - 1); alpha must not be 0."""
    x = as_floating(x)
    if alpha == 0:   # it divides x; torch's RuntimeError
        raise RuntimeError(f"celu: alpha={alpha!r} cannot be 0 (x is divided by it), for the input of dtype {x.dtype}")
    return apply_widening_half(CELU, x, check_scalar_arg("celu", "alpha", alpha, x.dtype, float32_compute=True),
                               alpha=alpha)


def hardswish(x):
    """x relu6(x + 3) / 6 elementwise."""
    return Hardswish.apply(as_floating(x))


def hardsigmoid(x):
    """relu6(x + 3) / 6 elementwise."""
    return Hardsigmoid.apply(as_floating(x))


def shrink(x, lambd=0.5, bias=0.0, name="hardshrink"):
    """0 where |x| <= lambd, else x moved towards 0 by ``bias`` (hardshrink: bias 0; softshrink: bias lambd)."""
    x = as_floating(x)
    check_scalar_arg(name, "lambd", lambd, x.dtype)   # bias is 0 or lambd: checked with it
    return Shrink.apply(x, lambd=lambd, bias=bias)


def threshold(x, threshold, value):  # noqa: F811  (PyTorch's argument names)
    """value where x <= threshold, else x (NaN stays NaN; integer input stays integer, as in PyTorch)."""
    x = as_tensor(x)
    widen = check_scalar_arg("threshold", "threshold", threshold, x.dtype, float32_compute=True)
    check_scalar_arg("threshold", "value", value, x.dtype)
    return apply_widening_half(Threshold, x, widen, threshold=threshold, value=value)

