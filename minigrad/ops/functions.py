"""The standard functions, elementwise: exp, log, sqrt, abs, sin, cos, tanh, sigmoid, softplus.

exp, sqrt, tanh and sigmoid differentiate through their own output, which
their node keeps (``keep_output``) instead of recomputing it.
"""
from __future__ import annotations

from minigrad.autograd.function import Function
from minigrad.autograd.tensor import as_tensor
from minigrad.backend import get_array_module
from minigrad.ops._args import _const, as_floating


class Exp(Function):
    """y = e^x; dy/dx = y."""

    keep_output = True

    def forward(self, x):
        return get_array_module(x).exp(x)

    def backward(self, gy):
        return gy * self.output()

    def backward_arrays(self, gy):
        return gy * self._output_data


class Log(Function):
    """y = ln x; dy/dx = 1/x."""

    def forward(self, x):
        return get_array_module(x).log(x)

    def backward(self, gy):
        return gy / self.inputs[0]

    def backward_arrays(self, gy):
        return gy / self.inputs[0].data


class Sqrt(Function):
    """y = sqrt(x); dy/dx = 1 / (2 y)."""

    keep_output = True

    def forward(self, x):
        return get_array_module(x).sqrt(x)

    def backward(self, gy):
        return gy / (self.output() * 2.0)

    def backward_arrays(self, gy):
        return gy / (self._output_data * 2.0)


class Abs(Function):
    """y = |x|; dy/dx = sign(x) (0 at 0)."""

    def forward(self, x):
        return get_array_module(x).abs(x)

    def backward(self, gy):
        x = self.inputs[0].data
        return gy * _const(get_array_module(x).sign(x))


class Sin(Function):
    """y = sin x; dy/dx = cos x."""

    def forward(self, x):
        return get_array_module(x).sin(x)

    def backward(self, gy):
        return gy * cos(self.inputs[0])


class Cos(Function):
    """y = cos x; dy/dx = -sin x."""

    def forward(self, x):
        return get_array_module(x).cos(x)

    def backward(self, gy):
        return -gy * sin(self.inputs[0])


class Tanh(Function):
    """y = tanh x; dy/dx = 1 - y^2."""

    keep_output = True

    def forward(self, x):
        return get_array_module(x).tanh(x)

    def backward(self, gy):
        y = self.output()
        return gy * (1.0 - y * y)

    def backward_arrays(self, gy):
        y = self._output_data
        return gy * (1.0 - y * y)


class Sigmoid(Function):
    """y = 1 / (1 + e^-x); dy/dx = y (1 - y)."""

    keep_output = True

    def forward(self, x):
        # With e = exp(-|x|) in (0, 1]: 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0.
        # Nothing overflows, and small outputs keep full relative precision (the former
        # 0.5 (1 + tanh(x/2)) cancelled to exactly 0 in float32 below x = -17).
        xp = get_array_module(x)
        e = xp.exp(-xp.abs(x))
        d = e + 1.0
        return xp.where(x >= 0, 1.0 / d, e / d)

    def backward(self, gy):
        y = self.output()
        return gy * y * (1.0 - y)

    def backward_arrays(self, gy):
        y = self._output_data
        return gy * y * (1.0 - y)


class Softplus(Function):
    """y = ln(1 + e^x), computed stably; dy/dx = sigmoid(x)."""

    def forward(self, x):
        return get_array_module(x).logaddexp(0, x).astype(x.dtype, copy=False)

    def backward(self, gy):
        return gy * sigmoid(self.inputs[0])


def exp(x):
    """e^x elementwise."""
    return Exp.apply(as_floating(x))


def log(x):
    """Natural logarithm elementwise."""
    return Log.apply(as_floating(x))


def sqrt(x):
    """Square root elementwise."""
    return Sqrt.apply(as_floating(x))


def abs(x):  # noqa: A001
    """|x| elementwise."""
    return Abs.apply(as_tensor(x))


def sin(x):
    """Sine elementwise."""
    return Sin.apply(as_floating(x))


def cos(x):
    """Cosine elementwise."""
    return Cos.apply(as_floating(x))


def tanh(x):
    """Hyperbolic tangent elementwise."""
    return Tanh.apply(as_floating(x))


def sigmoid(x):
    """Logistic function 1 / (1 + e^-x) elementwise, stable for large |x|."""
    return Sigmoid.apply(as_floating(x))


def softplus(x):
    """ln(1 + e^x) elementwise, stable for large |x|."""
    return Softplus.apply(as_floating(x))
