"""Elementwise ops: arithmetic, the standard functions, activations, and dtype/device moves.

Binary ops broadcast like NumPy; their backward sums the gradient back to each
input's shape with ``sum_to``. Piecewise derivatives (abs, relu, clip,
maximum, ...) multiply by a mask held as a constant: the mask's own derivative
is zero almost everywhere, so second derivatives stay exact.
"""
from __future__ import annotations

import numpy as np

from minigrad import backend
from minigrad.autograd.function import Function
from minigrad.autograd.tensor import Tensor, as_tensor
from minigrad.backend import get_array_module
from minigrad.ops._args import as_floating, operands
from minigrad.ops.broadcast import _sum_to_array, sum_to


def _python_number(value):
    """A NumPy scalar as the Python number it holds, anything else as is.

    NumPy scalars are not "weak" in NumPy 2's promotion: ``x32 * np.float64(c)`` is
    float64, ``x32 * c`` stays float32. Scalar parameters of ops go through here.
    """
    return value.item() if isinstance(value, np.generic) and value.dtype.kind in "biuf" else value


_INT_OF_SIZE = {2: np.int16, 4: np.int32, 8: np.int64}


def _select(mask, values):
    """``values`` where ``mask``, else 0, exactly, at the speed of a multiply.

    ``values * mask`` turns an infinite value outside the mask into inf * 0 = NaN,
    and ``where`` is about ten times slower on large arrays. ANDing each value's
    bits with all ones (inside) or all zeros (outside) selects exactly.
    """
    xp = get_array_module(values)
    if values.size < 1024:  # below this, where's lower fixed cost wins
        return xp.where(mask, values, 0)
    bits = values.view(_INT_OF_SIZE[values.dtype.itemsize])
    keep = xp.subtract(0, mask, dtype=bits.dtype)  # -1 (every bit set) inside the mask, 0 outside
    keep &= bits
    return keep.view(values.dtype)


def _const(array):
    """A constant (no-grad) tensor around an array computed in backward."""
    return Tensor._make(array, None, 0)


# ------------------------------------------------------------------ arithmetic
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


# ------------------------------------------------------------------ standard functions
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


class ReLU(Function):
    """y = max(x, 0); dy/dx = 1 where x > 0, else 0."""

    def forward(self, x):
        return get_array_module(x).maximum(x, 0)

    # Select rather than multiply by the 0/1 mask: an infinite gradient arriving at an
    # inactive unit must give 0 there (the chain rule's factor 0 wins), not inf * 0 = NaN.
    def backward(self, gy):
        return where(_const(self.inputs[0].data > 0), gy, 0.0)

    def backward_arrays(self, gy):
        return _select(self.inputs[0].data > 0, gy)


class LeakyReLU(Function):
    """y = x for x > 0, else slope * x."""

    def __init__(self, negative_slope=0.01):
        self.slope = negative_slope

    def forward(self, x):
        return get_array_module(x).where(x > 0, x, x * self.slope)

    def backward(self, gy):
        x = self.inputs[0].data
        return gy * _const(get_array_module(x).where(x > 0, 1.0, self.slope).astype(x.dtype))


class Softplus(Function):
    """y = ln(1 + e^x), computed stably; dy/dx = sigmoid(x)."""

    def forward(self, x):
        return get_array_module(x).logaddexp(0, x).astype(x.dtype, copy=False)

    def backward(self, gy):
        return gy * sigmoid(self.inputs[0])


class Clip(Function):
    """y = min(max(x, lo), hi); gradient 1 inside [lo, hi], 0 outside."""

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def forward(self, x):
        return get_array_module(x).clip(x, self.lo, self.hi)

    def _inside(self):
        x = self.inputs[0].data
        if self.lo is None:
            return x <= self.hi
        if self.hi is None:
            return x >= self.lo
        return (x >= self.lo) & (x <= self.hi)

    def backward(self, gy):
        return where(_const(self._inside()), gy, 0.0)  # select, so an infinite gradient outside gives 0

    def backward_arrays(self, gy):
        return _select(self._inside(), gy)


def _tie_split(first, second, first_wins):
    """Weights for (first, second) in max/min: 1 to the winner, 1/2 each on a tie."""
    w = first_wins.astype(first.dtype)
    w += (first == second).astype(first.dtype) * 0.5
    return w, 1.0 - w


class Maximum(Function):
    """y = max(a, b) elementwise; a tie sends half the gradient to each side."""

    def forward(self, a, b):
        return get_array_module(a).maximum(a, b)

    def backward(self, gy):
        a, b = self.inputs
        wa, wb = _tie_split(a.data, b.data, a.data > b.data)
        na, nb = self.needs_input_grad
        return (sum_to(gy * _const(wa), a.shape) if na else None,
                sum_to(gy * _const(wb), b.shape) if nb else None)


class Minimum(Function):
    """y = min(a, b) elementwise; a tie sends half the gradient to each side."""

    def forward(self, a, b):
        return get_array_module(a).minimum(a, b)

    def backward(self, gy):
        a, b = self.inputs
        wa, wb = _tie_split(a.data, b.data, a.data < b.data)
        na, nb = self.needs_input_grad
        return (sum_to(gy * _const(wa), a.shape) if na else None,
                sum_to(gy * _const(wb), b.shape) if nb else None)


class Where(Function):
    """y = a where cond else b."""

    def forward(self, cond, a, b):
        return get_array_module(a).where(cond, a, b)

    def backward(self, gy):
        cond, a, b = self.inputs
        _, na, nb = self.needs_input_grad
        # A literal 0.0, not gy * 0.0: the unselected side gets exactly 0 even where gy is inf.
        ga = sum_to(where(cond, gy, 0.0), a.shape) if na else None
        gb = sum_to(where(cond, 0.0, gy), b.shape) if nb else None
        return None, ga, gb


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


def relu(x):
    """max(x, 0) elementwise."""
    return ReLU.apply(as_tensor(x))


def leaky_relu(x, negative_slope=0.01):
    """x where x > 0, else negative_slope * x."""
    return LeakyReLU.apply(as_floating(x), negative_slope=_python_number(negative_slope))


def softplus(x):
    """ln(1 + e^x) elementwise, stable for large |x|."""
    return Softplus.apply(as_floating(x))


def clip(x, lo=None, hi=None):
    """Limit values to [lo, hi] (either bound may be None)."""
    if lo is None and hi is None:
        raise ValueError("clip: at least one of lo and hi must be given")
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"clip: lo={lo} is greater than hi={hi}")
    return Clip.apply(as_tensor(x), lo=_python_number(lo), hi=_python_number(hi))


def maximum(a, b):
    """Elementwise maximum of a and b, broadcasting."""
    return Maximum.apply(*operands("maximum", a, b))


def minimum(a, b):
    """Elementwise minimum of a and b, broadcasting."""
    return Minimum.apply(*operands("minimum", a, b))


def where(cond, a, b):
    """Elements of ``a`` where ``cond`` is true, else of ``b`` (broadcasting)."""
    a, b = operands("where", a, b)
    cond = as_tensor(cond, like=a)
    if cond.data.dtype != np.bool_:
        raise TypeError(f"where: cond must be a bool tensor, got dtype {cond.dtype}")
    return Where.apply(cond, a, b)


# ------------------------------------------------------------------ dtype and device
class AsType(Function):
    """y = x cast to another floating dtype; the gradient is cast back."""

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        return x.astype(self.dtype)

    def backward(self, gy):
        return astype(gy, self.inputs[0].dtype)


class ToDevice(Function):
    """y = x copied to another device; the gradient is copied back."""

    def __init__(self, device):
        self.device = device

    def forward(self, x):
        return backend.to_device(x, self.device)

    def backward(self, gy):
        return gy.to(self.inputs[0].device)


def astype(x, dtype):
    """``x`` cast to ``dtype``; differentiable between floating dtypes."""
    x = as_tensor(x)
    dtype = np.dtype(dtype)
    if dtype == x.dtype:
        return x
    if dtype.kind not in "fc":
        return Tensor(x.data.astype(dtype))
    return AsType.apply(x, dtype=dtype)


def to_device(x, device):
    """``x`` on ``device``; differentiable."""
    return ToDevice.apply(as_tensor(x), device=backend.normalize_device(device))
