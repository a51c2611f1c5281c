"""Exponentials, logarithms and powers, elementwise: log1p, expm1, log2, log10, exp2, rsqrt, reciprocal, logit,
logaddexp, logaddexp2, xlogy, square and float_power.

expm1, exp2, rsqrt and reciprocal differentiate through their own output, which their node keeps.
Integer and bool inputs become the default float dtype (float32 unless ``set_default_dtype``), as in torch.
"""
from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.function import Function
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.ops._args import as_floating, floating_operands, operands, python_real, require_floating
from minigrad.ops.arithmetic import pow as _pow
from minigrad.ops.convert import astype

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


class Log1p(Function):
    """y = ln(1 + x), exact for small x.   dL/dx = g / (1 + x)."""

    def forward(self, x):
        return get_array_module(x).log1p(x)

    def backward(self, F, gy, x):
        return gy / (x + 1.0)


class Expm1(Function):
    """y = e^x - 1, exact for small x.   dL/dx = g e^x (not y + 1, which cancels for x << 0: 0 from x = -37)."""

    def forward(self, x):
        return get_array_module(x).expm1(x)

    def backward(self, F, gy, x):
        return gy * F.exp(x)


class Log2(Function):
    """y = log2 x.   dL/dx = g / (x ln 2)."""

    def forward(self, x):
        return get_array_module(x).log2(x)

    def backward(self, F, gy, x):
        return gy / (x * _LN2)


class Log10(Function):
    """y = log10 x.   dL/dx = g / (x ln 10)."""

    def forward(self, x):
        return get_array_module(x).log10(x)

    def backward(self, F, gy, x):
        return gy / (x * _LN10)


class Exp2(Function):
    """y = 2^x.   dL/dx = g y ln 2."""

    keep_output = True

    def forward(self, x):
        return get_array_module(x).exp2(x)

    def backward(self, F, gy, x):
        return gy * F.output(self) * _LN2


class Rsqrt(Function):
    """y = 1 / sqrt(x).   dL/dx = -g y^3 / 2 (-inf at x = 0, as torch)."""

    keep_output = True

    def forward(self, x):
        xp = get_array_module(x)
        return xp.reciprocal(xp.sqrt(x))

    def backward(self, F, gy, x):
        y = F.output(self)
        return gy * (y * y * y) * -0.5


class Reciprocal(Function):
    """y = 1 / x.   dL/dx = -g y^2."""

    keep_output = True

    def forward(self, x):
        return get_array_module(x).reciprocal(x)

    def backward(self, F, gy, x):
        y = F.output(self)
        return -gy * (y * y)


class Logit(Function):
    """y = ln(z / (1 - z)) with z = x, or z = clip(x, eps, 1 - eps) when eps is given.
    dL/dx = g / (x (1 - x)); with eps it is 0 outside [eps, 1 - eps], without it NaN outside [0, 1] (torch's).

    ``eps`` is None or a number >= 0 or NaN (``logit`` passes a negative eps as None, as torch's kernels read it).
    A NaN eps is torch's comparisons with NaN, all false: nothing clamped, and the gradient g / (x (1 - x))
    everywhere, never zeroed nor NaN outside [0, 1]."""

    def __init__(self, eps=None):
        self.eps = eps

    def forward(self, x):
        xp = get_array_module(x)
        eps = self.eps
        if eps is None or eps != eps:   # none, or NaN: nothing is clamped
            z = x
        elif eps <= 0.5:
            z = xp.clip(x, eps, 1.0 - eps)
        else:
            # eps past 1/2 (eps=True is 1) crosses the bounds: torch's x < eps ? eps : (x > 1 - eps ? 1 - eps : x),
            # where clip's max-then-min gives 1 - eps everywhere
            z = xp.where(x < eps, eps, xp.where(x > 1.0 - eps, 1.0 - eps, x)).astype(x.dtype, copy=False)
        # near z = 1/2 the quotient rounds near 1, and log of it kept nothing of a small result (logit(0.5 + 1e-14)
        # was 0.2% off; torch's too): there it is log1p((2z - 1) / (1 - z)), whose 2z - 1 is exact
        with np.errstate(divide="ignore", invalid="ignore"):
            middle = xp.abs(z - 0.5) < 0.25
            return xp.where(middle, xp.log1p((2.0 * z - 1.0) / (1.0 - z)), xp.log(z / (1.0 - z))).astype(z.dtype,
                                                                                                      copy=False)

    def backward(self, F, gy, x):
        with np.errstate(divide="ignore", invalid="ignore"):   # x = 0 or 1: inf or NaN, silently as torch's
            g = gy / (x * (1.0 - x))
        if self.eps is None:
            # NaN outside [0, 1] as g times NaN there (0 elsewhere, where the where sends the branch 0): linear in g,
            # so func.jvp's is NaN too (a constant NaN gave it 0)
            data = x.data if F.recording else x
            outside = (data < 0.0) | (data > 1.0)
            marker = F.const(get_array_module(data).where(outside, math.nan, 0.0).astype(data.dtype, copy=False))
            return F.where(F.const(outside), gy * marker, g)
        return F.where((x < self.eps) | (x > 1.0 - self.eps), 0.0, g)


class LogAddExp(Function):
    """y = ln(e^a + e^b), computed without overflow.   dL/da = g sigmoid(a - b),  dL/db = g sigmoid(b - a),
    each summed back to its input's shape."""

    def forward(self, a, b):
        return get_array_module(a).logaddexp(a, b)

    def backward(self, F, gy, a, b):
        na, nb = self.needs_input_grad
        return (F.sum_to(gy * F.sigmoid(a - b), a.shape) if na else None,
                F.sum_to(gy * F.sigmoid(b - a), b.shape) if nb else None)


class LogAddExp2(Function):
    """y = log2(2^a + 2^b), computed without overflow.   dL/da = g sigmoid((a - b) ln 2),
    dL/db = g sigmoid((b - a) ln 2), each summed back to its input's shape."""

    def forward(self, a, b):
        return get_array_module(a).logaddexp2(a, b)

    def backward(self, F, gy, a, b):
        na, nb = self.needs_input_grad
        return (F.sum_to(gy * F.sigmoid((a - b) * _LN2), a.shape) if na else None,
                F.sum_to(gy * F.sigmoid((b - a) * _LN2), b.shape) if nb else None)


class XLogY(Function):
    """y = x ln(b), and 0 where x = 0 unless b is NaN (torch.xlogy).   dL/dx = xlogy(g, b) (g ln b, 0 where g = 0),
    set to 0 where x = 0 and b <= 0 (torch's values: at x = 0 the limit ln b where it exists);  dL/db = g x / b.
    Each summed back to its input's shape."""

    def forward(self, x, b):
        xp = get_array_module(x)
        return xp.where((x == 0) & ~xp.isnan(b), 0.0, x * xp.log(b)).astype(x.dtype, copy=False)

    def backward(self, F, gy, x, b):
        nx, nb = self.needs_input_grad
        gx = None
        if nx:
            gx = F.sum_to(F.where((x == 0.0) & (b <= 0.0), 0.0, F.apply(XLogY, gy, b)), x.shape)
        return gx, (F.sum_to(gy * x / b, b.shape) if nb else None)


def log1p(x):
    """ln(1 + x) elementwise, accurate for small x."""
    return Log1p.apply(as_floating(x))


def expm1(x):
    """e^x - 1 elementwise, accurate for small x."""
    return Expm1.apply(as_floating(x))


def log2(x):
    """Base-2 logarithm elementwise."""
    return Log2.apply(as_floating(x))


def log10(x):
    """Base-10 logarithm elementwise."""
    return Log10.apply(as_floating(x))


def exp2(x):
    """2^x elementwise."""
    return Exp2.apply(as_floating(x))


def rsqrt(x):
    """1 / sqrt(x) elementwise (inf at 0, NaN below)."""
    return Rsqrt.apply(as_floating(x))


def reciprocal(x):
    """1 / x elementwise (integers and bools give float32, as torch)."""
    return Reciprocal.apply(as_floating(x))


def square(x):
    """x * x elementwise, as ``torch.square`` (``pow(x, 2)``: integer tensors stay integers, bools become int64)."""
    x = as_tensor(x)
    return _pow(astype(x, "int64") if x.dtype.kind == "b" else x, 2)


def logit(x, eps=None):
    """ln(x / (1 - x)) elementwise; with ``eps``, x is first clamped to [eps, 1 - eps] (its gradient is then 0
    outside). Without eps, values outside [0, 1] give NaN, and so do their gradients, as in torch. A negative eps is
    no eps, forward and backward, as torch's (its kernels test eps < 0); a NaN eps clamps nothing and its gradient
    is g / (x (1 - x)) everywhere, as torch's."""
    x = as_floating(x)
    if eps is not None:
        eps = python_real("logit", "eps", eps, bools=True)
        if eps < 0 and x.dtype.type(eps) < 0:   # torch tests eps in x's dtype: -1e-300 is -0.0 in float32, a clamp
            eps = None
    return Logit.apply(x, eps=eps)


def logaddexp(a, b):
    """ln(e^a + e^b) elementwise without overflow, broadcasting; floating tensors only, as in torch."""
    a, b = operands("logaddexp", a, b)
    require_floating("logaddexp", a, b)
    return LogAddExp.apply(a, b)


def logaddexp2(a, b):
    """log2(2^a + 2^b) elementwise without overflow, broadcasting; floating tensors only, as in torch."""
    a, b = operands("logaddexp2", a, b)
    require_floating("logaddexp2", a, b)
    return LogAddExp2.apply(a, b)


def xlogy(x, other):
    """x * ln(other), 0 where x == 0 (unless other is NaN), broadcasting, as ``torch.xlogy``; integer inputs give
    float32. Its gradient with respect to x is ln(other), and 0 where x == 0 and other <= 0, as torch's."""
    return XLogY.apply(*floating_operands("xlogy", x, other))


def float_power(x, exponent):
    """x ** exponent computed in float64, as ``torch.float_power``: the result is float64 whatever the inputs
    (the one op that promotes, by its definition); the gradient of a float32 input comes back as float32."""
    x = _as_float64(x)
    if isinstance(exponent, Tensor):
        exponent = _as_float64(exponent)
    else:
        exponent = float(python_real("float_power", "exponent", exponent, bools=True))
    return _pow(x, exponent)


def _as_float64(x):
    # integers straight to float64: by way of the default float32, int32 2**31 - 1 became 2**31 (and an odd power
    # of a negative base an even one)
    x = as_tensor(x)
    if x.dtype.kind not in "fc":
        return Tensor(x.data.astype(np.float64))
    return astype(x, "float64")
