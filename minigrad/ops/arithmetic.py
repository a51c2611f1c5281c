"""Arithmetic: ``+ - * / **`` and negation, broadcasting like NumPy.

The backward of a binary op sums the gradient back to each input's shape with
``sum_to`` (the one place broadcast gradients are reduced).
"""
from __future__ import annotations

from minigrad import backend
from minigrad.autograd.function import Function
from minigrad.autograd.tensor import Tensor, as_tensor
from minigrad.ops._args import _const, _python_number, as_floating, operands
from minigrad.ops.broadcast import _sum_to_array, sum_to
from minigrad.ops.convert import astype
from minigrad.ops.functions import log
from minigrad.ops.selection import where


class Add(Function):
    """y = a + b"""

    def forward(self, a, b):
        return a + b

    def backward(self, gy):
        a, b = self.inputs
        na, nb = self.needs_input_grad
        return (sum_to(gy, a.shape) if na else None, sum_to(gy, b.shape) if nb else None)

    def backward_arrays(self, gy):
        a, b = self.inputs
        na, nb = self.needs_input_grad
        return (_sum_to_array(gy, a.data.shape) if na else None,
                _sum_to_array(gy, b.data.shape) if nb else None)


class Sub(Function):
    """y = a - b"""

    def forward(self, a, b):
        return a - b

    def backward(self, gy):
        a, b = self.inputs
        na, nb = self.needs_input_grad
        return (sum_to(gy, a.shape) if na else None, sum_to(-gy, b.shape) if nb else None)

    def backward_arrays(self, gy):
        a, b = self.inputs
        na, nb = self.needs_input_grad
        return (_sum_to_array(gy, a.data.shape) if na else None,
                _sum_to_array(-gy, b.data.shape) if nb else None)


class Mul(Function):
    """y = a * b"""

    def forward(self, a, b):
        return a * b

    def backward(self, gy):
        a, b = self.inputs
        na, nb = self.needs_input_grad
        return (sum_to(gy * b, a.shape) if na else None, sum_to(gy * a, b.shape) if nb else None)

    def backward_arrays(self, gy):
        a, b = self.inputs
        na, nb = self.needs_input_grad
        return (_sum_to_array(gy * b.data, a.data.shape) if na else None,
                _sum_to_array(gy * a.data, b.data.shape) if nb else None)


class Div(Function):
    """y = a / b"""

    def forward(self, a, b):
        return a / b

    def backward(self, gy):
        a, b = self.inputs
        na, nb = self.needs_input_grad
        ga = sum_to(gy / b, a.shape) if na else None
        gb = sum_to(-gy * a / (b * b), b.shape) if nb else None  # d(a/b)/db = -a/b^2
        return ga, gb

    def backward_arrays(self, gy):
        a, b = self.inputs[0].data, self.inputs[1].data
        na, nb = self.needs_input_grad
        return (_sum_to_array(gy / b, a.shape) if na else None,
                _sum_to_array(-gy * a / (b * b), b.shape) if nb else None)


class Neg(Function):
    """y = -x"""

    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy

    def backward_arrays(self, gy):
        return -gy


class PowScalar(Function):
    """y = x ** c for a Python number c."""

    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return x ** self.c

    def backward(self, gy):
        (x,) = self.inputs
        c = self.c
        if c == 2:
            return gy * x * 2.0
        if c == 0:  # x^0 is constant; c x^(c-1) would give 0 * inf = NaN at x = 0
            return gy * 0.0
        return gy * (x ** (c - 1)) * c  # d(x^c)/dx = c x^(c-1)

    def backward_arrays(self, gy):
        x = self.inputs[0].data
        c = self.c
        if c == 2:
            return gy * x * 2.0
        if c == 0:  # as in backward: no 0 * inf = NaN at x = 0
            return gy * 0.0
        return gy * (x ** (c - 1)) * c


class Pow(Function):
    """y = a ** b, both tensors."""

    keep_output = True

    def forward(self, a, b):
        return a ** b

    def backward(self, gy):
        a, b = self.inputs
        na, nb = self.needs_input_grad
        ga = sum_to(gy * b * a ** (b - 1.0), a.shape) if na else None  # b a^(b-1)
        gb = None
        if nb:  # a^b ln a; at a = 0 its limit is 0 (for b >= 0), not 0 * log(0) = NaN, so log 1 there
            base = where(_const(a.data == 0), 1.0, a)
            gb = sum_to(gy * self.output() * log(base), b.shape)
        return ga, gb


def add(a, b):
    """a + b, broadcasting."""
    return Add.apply(*operands("add", a, b))


def sub(a, b):
    """a - b, broadcasting."""
    return Sub.apply(*operands("sub", a, b))


def mul(a, b):
    """a * b, broadcasting."""
    return Mul.apply(*operands("mul", a, b))


def div(a, b):
    """a / b, broadcasting. Integer operands divide as float32, minigrad's default float."""
    a, b = operands("div", a, b)
    if a.data.dtype.kind not in "fc" and b.data.dtype.kind not in "fc":
        a, b = astype(a, backend.DEFAULT_FLOAT), astype(b, backend.DEFAULT_FLOAT)
    return Div.apply(a, b)


def neg(x):
    """-x"""
    return Neg.apply(as_tensor(x))


def pow(a, b):  # noqa: A001  (mirrors Python's operator name)
    """a ** b; a Python-number exponent uses the cheaper power rule."""
    b = _python_number(b)
    if isinstance(a, Tensor) and isinstance(b, (int, float)) and not isinstance(b, bool):
        return PowScalar.apply(as_floating(a) if isinstance(b, float) else a, c=b)  # int ** 0.5 is float32
    return Pow.apply(*operands("pow", a, b))
