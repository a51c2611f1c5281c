"""Integer and floating-point number parts, elementwise: gcd and lcm (integer tensors), ldexp, frexp, nextafter,
and angle (of a real number: 0 or pi), as torch's.

ldexp with a floating exponent is composed of ops (x * 2^e), so it differentiates in both arguments; with an
integer exponent it is a Function scaling the exponent (exact where 2^e alone overflows); frexp's mantissa,
nextafter and angle are Functions (their gradients are 2^-exponent, 1 and 0 for the input with 0 for nextafter's
other, and 0); gcd and lcm carry no gradient (torch defines none).
"""
from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.function import Function
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.ops import compare
from minigrad.ops._args import _python_number, as_floating, floating_operands, operands
from minigrad.ops.arithmetic import mul
from minigrad.ops.exponential import exp2
from minigrad.ops.rounding import zero_gradient
from minigrad.scalars import is_integer

FrexpResult = namedtuple("frexp", ["mantissa", "exponent"])


def _integers(name, *values):
    """Refuse anything but integer tensors (and Python ints): torch has no gcd/lcm kernel for floats or bools."""
    for v in values:
        v = _python_number(v)
        if not isinstance(v, (int, float, bool)):
            v = as_tensor(v)
        if isinstance(v, Tensor):
            kind, what = v.dtype.kind, f"dtype {v.dtype} (shape {tuple(v.shape)})"
        else:
            kind, what = ("b" if isinstance(v, bool) else "i" if isinstance(v, int) else "f"), repr(v)
        if kind not in "iu":
            raise TypeError(f"{name}: expected integer tensors, got {what}")


def gcd(input, other):
    """The greatest common divisor elementwise, broadcasting, as ``torch.gcd``: non-negative, gcd(0, 0) = 0;
    integer tensors only; no gradient."""
    _integers("gcd", input, other)
    return compare._compare("gcd", input, other, lambda a, b: get_array_module(a).gcd(a, b))


def lcm(input, other):
    """The least common multiple elementwise, broadcasting, as ``torch.lcm``: non-negative, 0 where either is 0;
    integer tensors only; no gradient."""
    _integers("lcm", input, other)
    return compare._compare("lcm", input, other, lambda a, b: get_array_module(a).lcm(a, b))


class LdexpInteger(Function):
    """y = x 2^e for an integer e, scaled in the exponent as torch's integer kernel: 2^e alone may be out of x's
    range (2^200 in float32) where x 2^e is not.   dL/dx = g 2^e, summed back to x's shape; e has no gradient."""

    def forward(self, x, e):
        return get_array_module(x).ldexp(x, _exponent(e))

    def backward(self, F, gy, x, e):
        data, e = (x.data, e.data) if F.recording else (x, e)
        xp = get_array_module(data)
        scale = xp.ldexp(xp.ones((), dtype=data.dtype), _exponent(e))
        return F.sum_to(gy * F.const(scale), x.shape), None


def _exponent(e):
    # NumPy's ldexp takes int32 exponents (not uint64); past +-2^20 every float is 0 or inf all the same
    info = np.iinfo(e.dtype)
    return get_array_module(e).clip(e, max(info.min, -(1 << 20)), min(info.max, 1 << 20)).astype(np.int32)


def ldexp(input, other):
    """input * 2^other elementwise, broadcasting, as ``torch.ldexp`` (integers give float32). With an integer
    ``other`` it is exact wherever the result is representable (a Function, differentiable in input: 2^other);
    with a floating one it is composed of mul and exp2, as torch's, differentiable in both: d/dinput = 2^other,
    d/dother = input 2^other ln 2."""
    other = _python_number(other)
    if isinstance(other, Tensor) and other.dtype.kind in "iu" or is_integer(other):
        x = as_floating(input)
        if x.dtype.kind == "f":   # NumPy's ldexp has no complex loop: a complex input takes the composed form below
            if not isinstance(other, Tensor):
                other = Tensor(x._xp().asarray(max(-(1 << 20), min(int(other), 1 << 20))))
            return LdexpInteger.apply(x, other)
    x, e = floating_operands("ldexp", input, other)
    return mul(x, exp2(e))


class FrexpMantissa(Function):
    """m, with x = m 2^e, 0.5 <= |m| < 1 (m = x for 0, inf and NaN, with e = 0).   dL/dx = g 2^-e."""

    def forward(self, x):
        return get_array_module(x).frexp(x)[0]

    def backward(self, F, gy, x):
        data = x.data if F.recording else x
        xp = get_array_module(data)
        exponent = xp.frexp(data)[1]
        with np.errstate(over="ignore"):
            scale = xp.ldexp(xp.ones_like(data), -exponent)
        return gy * F.const(scale)


def frexp(input):
    """(mantissa, exponent) with input = mantissa * 2^exponent, as ``torch.frexp``: the mantissa in input's dtype
    with 0.5 <= |mantissa| < 1 (0, inf and NaN kept, exponent 0), the exponent int32. Floating tensors only; the
    mantissa is differentiable (2^-exponent), the exponent is not."""
    x = as_tensor(input)
    if x.dtype.kind != "f":
        raise TypeError(f"frexp: only supports floating-point dtypes, got dtype {x.dtype} (shape {tuple(x.shape)})")
    exponent = get_array_module(x.data).frexp(x.data)[1].astype(np.int32, copy=False)
    return FrexpResult(FrexpMantissa.apply(x), Tensor(exponent))


class Nextafter(Function):
    """y = the next floating-point value after a towards b (b where a = b).   dL/da = g where a != b (y - a is one
    ulp: slope 1), exactly 0 where a = b (y is b there, constant in a); dL/db = 0: torch's derivatives. Each summed
    back to its input's shape (a and b broadcast)."""

    def forward(self, a, b):
        return get_array_module(a).nextafter(a, b)

    def backward(self, F, gy, a, b):
        na, nb = self.needs_input_grad
        return (F.sum_to(F.select(a != b, gy), a.shape) if na else None), (zero_gradient(F, b) if nb else None)


def nextafter(input, other):
    """The next floating-point value after input towards other, elementwise, broadcasting, as
    ``torch.nextafter``; floating tensors of one dtype. Differentiable as torch's: 1 for input (0 where it equals other), 0 for other."""
    a, b = operands("nextafter", input, other)
    for t in (a, b):
        if t.dtype.kind != "f":
            raise TypeError(f"nextafter: expected floating tensors, got dtype {t.dtype} (shape {tuple(t.shape)})")
    return Nextafter.apply(a, b)


class Angle(Function):
    """y = the argument of a real x: pi where x < 0, 0 where x >= 0 (-0.0 too), NaN where x is NaN.
    dL/dx = 0 (torch's value for real input)."""

    def forward(self, x):
        xp = get_array_module(x)
        return xp.where(xp.isnan(x), x, xp.where(x < 0, x.dtype.type(math.pi), x.dtype.type(0)))

    def backward(self, F, gy, x):
        return zero_gradient(F, x)


def angle(input):
    """The argument of each (real) entry, as ``torch.angle``: pi for negatives, 0 otherwise, NaN for NaN;
    integers give float32; gradient 0."""
    return Angle.apply(as_floating(input))
