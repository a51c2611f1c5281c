"""The standard functions, elementwise: exp, log, sqrt, abs, sign, sin, cos, tanh, sigmoid, softplus, erf.

exp, sqrt, tanh and sigmoid differentiate through their own output, which
their node keeps (``keep_output``) instead of recomputing it.
"""
from __future__ import annotations

import contextlib
import math

import numpy as np

from minigrad.autograd.function import Function
from minigrad.autograd.coercion import as_tensor
from minigrad.backend import erf_function, get_array_module
from minigrad.ops._args import apply_widening_half, as_floating, python_real, refuse_complex
from minigrad.ops._normal_kernels import gaussian
from minigrad.scalars import check_scalar_arg


class Exp(Function):
    """y = e^x.   dL/dx = g y."""

    keep_output = True

    def forward(self, x):
        return get_array_module(x).exp(x)

    def backward(self, F, gy, x):
        return gy * F.output(self)


class Log(Function):
    """y = ln x.   dL/dx = g / x."""

    def forward(self, x):
        return get_array_module(x).log(x)

    def backward(self, F, gy, x):
        return gy / x


class Sqrt(Function):
    """y = sqrt(x).   dL/dx = g / (2 y)."""

    keep_output = True

    def forward(self, x):
        return get_array_module(x).sqrt(x)

    def backward(self, F, gy, x):
        return gy / (F.output(self) * 2.0)


class Abs(Function):
    """y = |x|.   dL/dx = g sign(x) (0 at 0, and 0 at NaN: torch's sgn there, where NumPy's sign is NaN)."""

    def forward(self, x):
        return get_array_module(x).abs(x)

    def backward(self, F, gy, x):
        if x.dtype.kind == "c":  # sign(z) = z/|z|, torch's sgn; the engine then refuses the complex path by name
            return gy * F.sign(x)
        # torch's sgn from two compares: np.sign(NaN) is NaN, and selecting the NaNs away first cost twice the time
        return gy * (F.astype(x > 0, gy.dtype) - F.astype(x < 0, gy.dtype))


class Sign(Function):
    """y = -1, 0 or 1 as x < 0, x = 0 or x > 0 (NaN at NaN, NumPy's).   dL/dx = 0, as torch.sign's.

    The output is a step function: its derivative is 0 wherever it has one, and 0 at the steps
    too, so a chain through ``sign`` passes no gradient (exactly 0, even where g is inf or NaN).
    """

    def forward(self, x):
        return get_array_module(x).sign(x)

    def backward(self, F, gy, x):
        data = x.data if F.recording else x
        return F.const(get_array_module(data).zeros_like(data))


class Sin(Function):
    """y = sin x.   dL/dx = g cos x."""

    def forward(self, x):
        return get_array_module(x).sin(x)

    def backward(self, F, gy, x):
        return gy * F.cos(x)


class Cos(Function):
    """y = cos x.   dL/dx = -g sin x."""

    def forward(self, x):
        return get_array_module(x).cos(x)

    def backward(self, F, gy, x):
        return -gy * F.sin(x)


class Tanh(Function):
    """y = tanh x.   dL/dx = g (1 - y^2)."""

    keep_output = True

    def forward(self, x):
        return get_array_module(x).tanh(x)

    def backward(self, F, gy, x):
        y = F.output(self)
        return gy * (1.0 - y * y)


class Sigmoid(Function):
    """y = 1 / (1 + e^-x).   dL/dx = g y (1 - y).

    As torch's, 1 - y cancels to 0 from x = 37 (17 in float32), where the true derivative is about e^-x: below
    1e-16 of its peak, so the cheap textbook form is kept over a second sigmoid, sigmoid(-x), per backward.
    """

    keep_output = True

    def forward(self, x):
        # With e = exp(-|x|) in (0, 1]: 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0.
        # Nothing overflows, and small outputs keep full relative precision (the former
        # 0.5 (1 + tanh(x/2)) cancelled to exactly 0 in float32 below x = -17).
        xp = get_array_module(x)
        e = xp.exp(-xp.abs(x))
        d = e + 1.0
        return xp.where(x >= 0, 1.0 / d, e / d)

    def backward(self, F, gy, x):
        return F.apply(SigmoidBackward, gy, F.output(self))   # g y (1 - y), one op of (g, y): see SigmoidBackward


class SigmoidBackward(Function):
    """z = g y (1 - y), sigmoid's derivative applied to g (y = sigmoid(x)): a recorded backward's op, torch's
    ``sigmoid_backward``.   dL/dg = G y (1 - y) (this op again), dL/dy = G g (1 - 2y).

    As torch's, dL/dy multiplies by the finite factor 1 - 2y once. Composed as g y (1 - y), it was G g (1 - y)
    plus G g y times -1, which is inf - inf = NaN where g is infinite and torch's is +-inf (the second derivative
    of glu where its first half is +-inf).
    """

    def forward(self, g, y):
        return g * y * (1.0 - y)

    def backward(self, F, gz, g, y):
        needs_g, needs_y = self.needs_input_grad
        return (F.apply(SigmoidBackward, gz, y) if needs_g else None,
                gz * g * (1.0 - 2.0 * y) if needs_y else None)


class Softplus(Function):
    """y = ln(1 + e^(beta x)) / beta, computed stably; y = x where beta x > threshold (PyTorch's linear region,
    none when threshold is None).   dL/dx = g sigmoid(beta x), or g in the linear region.

    ``logaddexp(0, z)`` is ``max(z, 0) + log1p(e^-|z|)``: no overflow for any z, full precision for z << 0.
    """

    def __init__(self, beta=1.0, threshold=None):
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        xp = get_array_module(x)
        with _quiet_if_unbounded(self.beta):
            if self.beta == 1:
                y = xp.logaddexp(0, x).astype(x.dtype, copy=False)
            else:
                y = (xp.logaddexp(0, x * self.beta) / self.beta).astype(x.dtype, copy=False)
            return y if self.threshold is None else xp.where(x * self.beta > self.threshold, x, y)

    def backward(self, F, gy, x):
        with _quiet_if_unbounded(self.beta):
            g = gy * F.sigmoid(x if self.beta == 1 else x * self.beta)
            if self.threshold is None:
                return g
            return F.where(x * self.beta > self.threshold, gy, g)  # the mask is a constant: its derivative is 0


_NOT_SILENCED = contextlib.nullcontext()   # one for every call: it holds no state (an np.errstate does)


def _quiet_if_unbounded(beta):
    """NumPy's divide and invalid warnings silenced where beta is 0, +-inf or NaN: the formula's ln 2 / 0 = +-inf,
    0 * inf = NaN and the NaN are then the values, which torch gives without a word."""
    if beta == 0 or not math.isfinite(beta):
        return np.errstate(divide="ignore", invalid="ignore")
    return _NOT_SILENCED


class Erf(Function):
    """y = erf x = 2/sqrt(pi) int_0^x e^(-t^2) dt.   dL/dx = g 2/sqrt(pi) e^(-x^2), x^2 taken without its
    rounding (``_normal_kernels.gaussian``).

    The array kernel is SciPy's (CuPy's on a GPU), reached through ``backend.erf_function``.
    """

    def forward(self, x):
        # SciPy has no float16 loop (it would give float64): the result keeps the input's dtype
        return erf_function(get_array_module(x))(x).astype(x.dtype, copy=False)

    def backward(self, F, gy, x):
        return gy * (gaussian(F, x) * _TWO_OVER_SQRT_PI)


_TWO_OVER_SQRT_PI = 1.1283791670955126  # 2 / sqrt(pi)


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


def sign(x):
    """-1, 0 or 1 by the sign of each entry (NaN stays NaN); its gradient is 0. Integers keep their dtype."""
    x = as_tensor(x)
    if x.dtype.kind == "b":
        raise TypeError(f"sign: expected a numeric tensor, got a bool tensor of shape {x.shape}")
    return Sign.apply(x)


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
    """Logistic function 1 / (1 + e^-x) elementwise, stable for large |x|; of a complex x, torch's 1 / (1 + e^-x)."""
    x = as_floating(x)
    if x.dtype.kind == "c":   # the real form's |x| and x >= 0 would drop the imaginary part
        return 1.0 / (exp(-x) + 1.0)
    return Sigmoid.apply(x)


def softplus(x, beta=1.0, threshold=None):
    """ln(1 + e^(beta x)) / beta elementwise, stable for large |x|; x itself where beta x > threshold (None:
    nowhere). ``minigrad.nn.functional.softplus`` has PyTorch's defaults (threshold=20)."""
    # any beta, as torch's: 0 (or False) gives +-inf (ln 2 / 0), NaN every value NaN
    beta = python_real("softplus", "beta", beta, bools=True)
    if threshold is not None:
        threshold = python_real("softplus", "threshold", threshold, bools=True)
    x = as_floating(x)
    refuse_complex("softplus", x)   # its threshold compares beta x: NumPy would order complex numbers by real part
    widen = check_scalar_arg("softplus", "beta", beta, x.dtype, float32_compute=True)
    if threshold is not None:
        widen = check_scalar_arg("softplus", "threshold", threshold, x.dtype, float32_compute=True) or widen
    return apply_widening_half(Softplus, x, widen, beta=beta, threshold=threshold)


def erf(x):
    """The error function elementwise (needs SciPy on the CPU: ``pip install "minigrad[scipy]"``)."""
    return Erf.apply(as_floating(x))
