"""Arithmetic: ``+ - * / **`` and negation, broadcasting like NumPy.

The backward of a binary op sums the gradient back to each input's shape with
``sum_to`` (the one place broadcast gradients are reduced).
"""
from __future__ import annotations

import operator

import numpy as np

from minigrad import backend
from minigrad.autograd.function import Function
from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import Tensor
from minigrad.backend import HALF, get_array_module
from minigrad.ops._args import (_python_number, alpha_check, as_floating, numbers_as_floats, operands,
                                python_real)
from minigrad.ops.convert import astype
from minigrad.ops.division import ROUNDING_MODES, rounded_div
from minigrad.ops.out_argument import write_out


class Add(Function):
    """y = a + b.   dL/da = g,  dL/db = g, each summed back to its input's shape."""

    values_unread = (0, 1)

    def forward(self, a, b):
        return a + b

    def backward(self, F, gy, a, b):
        na, nb = self.needs_input_grad
        return (F.sum_to(gy, a.shape) if na else None, F.sum_to(gy, b.shape) if nb else None)


class Sub(Function):
    """y = a - b.   dL/da = g,  dL/db = -g, each summed back to its input's shape."""

    values_unread = (0, 1)

    def forward(self, a, b):
        return a - b

    def backward(self, F, gy, a, b):
        na, nb = self.needs_input_grad
        return (F.sum_to(gy, a.shape) if na else None, F.sum_to(-gy, b.shape) if nb else None)


class Mul(Function):
    """y = a * b.   dL/da = g b,  dL/db = g a, each summed back to its input's shape."""

    @property
    def values_unread(self):
        # a's value is read only for b's gradient, and b's for a's: x * 2 saves nothing of x, as in torch
        na, nb = self.needs_input_grad
        return (() if nb else (0,)) + (() if na else (1,))

    def forward(self, a, b):
        return a * b

    def backward(self, F, gy, a, b):
        na, nb = self.needs_input_grad
        return (F.sum_to(gy * b, a.shape) if na else None, F.sum_to(gy * a, b.shape) if nb else None)


class Div(Function):
    """y = a / b.   dL/da = g / b,  dL/db = -g (a / b) / b, each summed back to its input's shape.

    (a / b) / b, as torch, not a / b^2: b^2 overflows (b = 1e20 in float32 gave 0 for 1e30 / b) or underflows
    first, and its derivatives divide by b^4 (the third derivative of ln x was 0 * inf = NaN at 0 and inf).
    """

    @property
    def values_unread(self):
        return () if self.needs_input_grad[1] else (0,)   # a is read only for b's gradient

    def forward(self, a, b):
        return a / b

    def backward(self, F, gy, a, b):
        na, nb = self.needs_input_grad
        return (F.sum_to(gy / b, a.shape) if na else None,
                F.sum_to(-gy * (a / b / b), b.shape) if nb else None)


class Neg(Function):
    """y = -x.   dL/dx = -g."""

    values_unread = (0,)

    def forward(self, x):
        return -x

    def backward(self, F, gy, x):
        return -gy


class PowScalar(Function):
    """y = x ** c for a Python number c.   dL/dx = g c x^(c-1).

    c = 0.5 and -0.5 are sqrt(x) and 1 / sqrt(x), as torch computes them (in the derivative's x^(c-1) too): at -0
    they give -0 and -inf, and NaN at -inf, where C's pow gives +0 and +inf, +inf and 0 (NumPy's x ** 0.5 is
    already sqrt; its x ** -0.5 is not).

    Overflow, one rule whatever c: a float16 value past 65504 (x ** c, or the gradient) is inf silently, as torch's
    (its half pow computes in float32 and rounds once, a cast: ``backend.quiet_if_half``). In float32 and float64
    an overflowing value is inf with NumPy's RuntimeWarning ("overflow encountered in power/square/multiply"), as
    minigrad's other arithmetic gives it (x * 1e30, exp(100)), where torch is silent: x ** 2 and x ** 200 alike, and
    the gradient's x ** (c - 1) when it alone overflows (0.5 ** -127 fits float32, 0.5 ** -128 does not). Silencing
    it would put an errstate (about 0.7 us, half of x ** 2's cost) on every call.
    """

    def __init__(self, c):
        self.c = c

    def forward(self, x):
        c = self.c
        if c == 0.5:
            return get_array_module(x).sqrt(x)
        if c == -0.5:
            return 1 / get_array_module(x).sqrt(x)
        if x.dtype is HALF:   # past 65504: inf silently, as torch's (see the docstring)
            return backend.quiet_if_half(HALF, operator.pow, x, c)
        return x ** c

    def backward(self, F, gy, x):
        if x.dtype is HALF:   # as the forward's: 2 * 40000 is inf silently
            return backend.quiet_if_half(HALF, self._derivative, F, gy, x)
        return self._derivative(F, gy, x)

    def _derivative(self, F, gy, x):
        c = self.c
        if c == 2:
            return gy * x * 2.0
        if c == 0:  # x^0 is constant; c x^(c-1) would give 0 * inf = NaN at x = 0
            return gy * 0.0
        if c == 0.5:   # x^-0.5 as the forward's 1 / sqrt
            return gy * F.apply(PowScalar, x, c=-0.5) * 0.5
        return gy * (x ** (c - 1)) * c


class Pow(Function):
    """y = a ** b, both tensors.   dL/da = g b a^(b-1),  dL/db = g y ln a.

    At a = 0 PyTorch's values are used: dL/da = 0 where b = 0; dL/db = 0 where b >= 0
    (the limit of a^b ln a) and -inf where b < 0. Overflow as ``PowScalar``'s: a float16 result or gradient past
    65504 is inf silently, as torch's; float32 and float64 keep NumPy's warning.
    """

    keep_output = True

    def forward(self, a, b):
        if b.dtype.kind in "iu" and a.dtype.kind in "biu" and bool((b < 0).any()):
            return _integer_pow_with_negative_exponents(get_array_module(a), a, b)
        if a.dtype is HALF or b.dtype is HALF:   # a float16 result past 65504: inf silently, as torch's
            return backend.quiet_if_half(np.promote_types(a.dtype, b.dtype), operator.pow, a, b)
        return a ** b

    def backward(self, F, gy, a, b):
        if a.dtype is HALF or b.dtype is HALF:   # as the forward's (torch's half gradient rounds to inf silently)
            return backend.quiet_if_half(np.promote_types(a.dtype, b.dtype), self._gradients, F, gy, a, b)
        return self._gradients(F, gy, a, b)

    def _gradients(self, F, gy, a, b):
        na, nb = self.needs_input_grad
        # b a^(b-1) is 0 * inf = NaN at a = 0, b = 0, where y = a^0 is constant: the derivative is 0 there. The
        # branch not taken reads b = 1 there: its a^-1 = inf, times the 0 the where sends it, made the Hessian
        # and jvp NaN at a = 0, b = 0 (torch: 0)
        ga = F.sum_to(F.where(b == 0, 0.0, gy * b * a ** (F.where(b == 0, 1, b) - 1.0)), a.shape) if na else None
        gb = None
        if nb:
            # At a = 0, y ln a -> 0 for b >= 0 (ln 1 stands in for ln 0, so that no inf enters the
            # recorded graph); for b < 0 it is inf * -inf = -inf, as in PyTorch.
            base = F.where((a == 0) & (b >= 0), 1.0, a)
            gb = F.sum_to(gy * F.output(self) * F.log(base), b.shape)
        return ga, gb


def _integer_pow_with_negative_exponents(xp, a, b):
    """Integer a ** b where some b < 0, as torch computes it (NumPy refuses): a^b truncated to an integer, that is
    1 for a = 1, +-1 for a = -1 (the sign by b's parity) and 0 for every other a (0 too, as torch's kernel)."""
    negative = b < 0
    y = a ** xp.where(negative, 0, b).astype(b.dtype, copy=False)
    one = xp.ones((), dtype=y.dtype)
    truncated = xp.where(a == 1, one, xp.where(a == -1, xp.where(b % 2 == 0, one, -one), 0 * one))
    return xp.where(negative, truncated, y).astype(y.dtype, copy=False)


def add(a, b, *, alpha=1, out=None):
    """a + alpha * b, broadcasting (``alpha`` as in ``torch.add``; ``out=`` as torch's, see ``out_argument``)."""
    if out is not None:
        return write_out("add", add(a, b, alpha=alpha), out, (a, b))
    a, b = operands("add", a, b)
    if alpha.__class__ is not int or alpha != 1:   # ``x + y`` passes the default: keep the hot path bare
        b = _scaled("add", a, b, alpha)
    return Add.apply(a, b)


def sub(a, b, *, alpha=1, out=None):
    """a - alpha * b, broadcasting (``alpha`` as in ``torch.sub``). A bool operand is refused, as in torch.
    ``out=`` as torch's (see ``out_argument``)."""
    if out is not None:
        return write_out("sub", sub(a, b, alpha=alpha), out, (a, b))
    return _subtract("sub", a, b, alpha)


def _subtract(name, a, b, alpha=1, reversed_=False):
    """``a - alpha * b``, the body of ``sub`` and ``rsub`` (``rsub(input, other)`` is ``_subtract("rsub", other,
    input, reversed_=True)``), each refusal naming ``name`` and, with ``reversed_``, rsub's operands by their names."""
    check_subtraction(a, b, name, reversed_)   # before operands, which would cast True to 1 or a mask to 0.0/1.0
    a, b = operands(name, a, b)
    if alpha.__class__ is not int or alpha != 1:
        b = _scaled(name, a, b, alpha)
    return Sub.apply(a, b)


def check_subtraction(a, b, name="sub", reversed_=False):
    """Refuse ``a - b`` with a bool operand (a tensor or the number True/False), as torch does (RuntimeError)."""
    if (a.__class__ is bool or b.__class__ is bool or (isinstance(a, Tensor) and a.data.dtype.kind == "b")
            or (isinstance(b, Tensor) and b.data.dtype.kind == "b")):   # inline: plain ``x - y`` runs this
        raise _bool_subtraction(a, b, name, reversed_)


def _bool_subtraction(a, b, name, reversed_):
    def describe(v):
        return f"a tensor of dtype {v.dtype} and shape {tuple(v.shape)}" if isinstance(v, Tensor) else repr(v)
    # rsub computes other - alpha * input: its operands by name, input first as they were passed
    operands_ = f"input {describe(b)} and other {describe(a)}" if reversed_ else f"{describe(a)} and {describe(b)}"
    if _is_bool(a) and _is_bool(b):
        return RuntimeError(f"{name}: cannot subtract bools ({operands_}), as in torch; use logical_xor or ^ instead")
    return RuntimeError(f"{name}: subtraction with a bool operand is not supported ({operands_}), as in torch; "
                        "to invert a mask use ~ or logical_not, or cast the bool operand first")


def _scaled(name, a, b, alpha):
    """``alpha * b``: b itself for alpha = 1. As torch's alpha: a float (a NumPy bool is 1.0 or 0.0) with integer
    or bool operands is refused, 1.0 too, and a Python bool is taken for a bool result only (RuntimeError)."""
    alpha = python_real(name, "alpha", alpha, bools="scalar")
    result = np.promote_types(a.dtype, b.dtype)
    if alpha.__class__ is not int:   # an int alpha fits every dtype
        alpha_check(name, "alpha", alpha, result, (a.dtype, b.dtype))
    if alpha == 1:
        return b
    if result.kind == "b":   # torch casts alpha to the result type: a mask plus alpha * mask stays a mask
        return mul(b, bool(alpha))
    # Scaled in the result type, as torch's: int32 + 2 * int8(100) is 200, where int8's 2 * 100 wraps to -56; and
    # NumPy's 2 * mask is int64, where torch's int8 + 2 * mask stays int8 (the same values, wrapped).
    if b.dtype.kind in "iub" and b.dtype != result:
        b = astype(b, result)
    if result.kind in "iu":   # alpha cast to it too, wrapping as torch's (alpha=-1 with uint8 tensors is 255)
        alpha = int(np.asarray(alpha).astype(result))
    scaled = mul(b, alpha)
    return scaled if scaled.dtype == result else astype(scaled, result)


def mul(a, b, *, out=None):
    """a * b, broadcasting; ``out=`` as torch's (see ``out_argument``). A float16 tensor times a number float16
    cannot hold (1e5, 0.1) is computed in float32 and rounded once, as torch's (see ``_half_with_inexact_number``)."""
    if out is not None:
        return write_out("mul", mul(a, b), out, (a, b))
    if not (isinstance(a, Tensor) and isinstance(b, Tensor)) and _half_with_inexact_number(a, b):
        return _in_float32(mul, a, b)
    return Mul.apply(*operands("mul", a, b))




def _half_with_inexact_number(a, b):
    """Whether one of ``a``, ``b`` is a float16 Tensor and the other a real number float16 cannot hold exactly.

    torch multiplies and divides a float16 tensor by a number in float32 and rounds once; cast to float16 first,
    the number overflows past 65504 (``x * 1e5`` was inf for x = 0.001, torch's 100.06) or loses digits (1e-5 is
    0.1% off). A number float16 holds gives the same bits either way: NumPy's float16 loops compute in float32.
    """
    tensor, number = (a, b) if isinstance(a, Tensor) else (b, a)
    if not isinstance(tensor, Tensor) or tensor.data.dtype is not HALF:   # first: every x * c asks this
        return False
    number = _python_number(number)
    if number.__class__ not in (int, float):
        return False
    try:
        with np.errstate(over="ignore"):
            return float(np.float16(number)) != number   # NaN too: computed in float32 it is NaN all the same
    except OverflowError:   # an int beyond any float
        return True


def _in_float32(op, a, b):
    """``op(a, b)`` for a float16 Tensor and a number, computed in float32 and rounded once (recorded casts)."""
    a, b = (x.astype(np.float32) if isinstance(x, Tensor) else x for x in (a, b))
    return op(a, b).astype(np.float16)


def div(a, b, *, rounding_mode=None, out=None):
    """a / b, broadcasting. Integer operands divide in the default float dtype (float32 unless set).
    ``out=`` as torch's (see ``out_argument``).

    A float16 tensor and a number float16 cannot hold divide in float32, rounded once, as ``mul``'s.

    ``rounding_mode`` is torch's: "trunc" rounds the quotient toward 0, "floor" down (Python's //); then integer
    operands keep an integer result, an integer division by zero is a ZeroDivisionError, and the gradient is 0.
    """
    if out is not None:
        return write_out("div", div(a, b, rounding_mode=rounding_mode), out, (a, b))
    if rounding_mode is not None:   # ``x / y`` passes None: one identity test on the hot path
        if rounding_mode not in ROUNDING_MODES:
            raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', "
                             f"got rounding_mode={rounding_mode!r}")
        return rounded_div(a, b, rounding_mode)
    if not (isinstance(a, Tensor) and isinstance(b, Tensor)) and _half_with_inexact_number(a, b):
        return _in_float32(div, a, b)
    a, b = operands("div", *numbers_as_floats(a, b))
    if a.data.dtype.kind not in "fc" and b.data.dtype.kind not in "fc":
        a, b = astype(a, backend.DEFAULT_FLOAT), astype(b, backend.DEFAULT_FLOAT)
    return Div.apply(a, b)


def true_divide(a, b):
    """a / b, ``div`` without rounding (torch.true_divide)."""
    return div(a, b)


def neg(x):
    """-x. A bool tensor is refused, as in torch (``~x`` or ``logical_not`` inverts a mask)."""
    x = as_tensor(x)
    if x.data.dtype.kind == "b":
        raise TypeError(f"neg: cannot negate a bool tensor (shape {tuple(x.shape)}); use ~x or logical_not instead")
    return Neg.apply(x)


def positive(x):
    """x itself, as ``torch.positive``; a bool tensor is refused, as in torch."""
    x = as_tensor(x)
    if x.dtype.kind == "b":
        raise TypeError(f"positive: unary + is not supported on a bool tensor (shape {tuple(x.shape)})")
    return x


# NumPy's and PyTorch's longer names for the same functions.
multiply, subtract, divide, negative = mul, sub, div, neg


def pow(a, b):  # noqa: A001  (mirrors Python's operator name)
    """a ** b; a Python-number exponent uses the cheaper power rule."""
    b = _python_number(b)
    if _is_bool(a) and (b.__class__ is bool or (b.__class__ is int and b >= 0)
                        or (isinstance(b, Tensor) and b.data.dtype.kind == "b")):
        return _bool_pow(a, b)
    if isinstance(a, Tensor) and isinstance(b, (int, float)) and not isinstance(b, bool):
        if type(b) is int and b < 0 and a.data.dtype.kind in "biu":
            raise ValueError(f"pow: an integer tensor (dtype {a.dtype}, shape {tuple(a.shape)}) cannot be raised "
                             f"to a negative integer power, got exponent b={b}; cast it with .astype('float32') first")
        return PowScalar.apply(as_floating(a) if isinstance(b, float) else a, c=b)  # int ** 0.5 is float32
    return Pow.apply(*operands("pow", a, b))


def _is_bool(v):
    return v.__class__ is bool or (isinstance(v, Tensor) and v.data.dtype.kind == "b")


def _bool_pow(a, b):
    """torch's rules for a bool base in ``a ** b``: a bool tensor to a bool power stays bool (a or not b), to a
    Python int power is int64 (NumPy would give int8); a bool exponent tensor is refused."""
    if isinstance(b, Tensor):
        shape = tuple(b.shape)
        raise TypeError(f"pow: a bool raised to a bool tensor (shape {shape}) is not supported, as in torch; "
                        "cast one of them first")
    if not isinstance(a, Tensor):   # two Python numbers
        return pow(as_tensor(a), b)
    if b.__class__ is bool:
        return Tensor(a.data | (not b))   # a ** True = a, a ** False = True
    return pow(Tensor(a.data.astype(np.int64)), b)
