"""Signs and special values, elementwise: copysign, nan_to_num and sgn (differentiable); heaviside, signbit,
isneginf, isposinf and isreal (bool or step results, without gradient)."""
from __future__ import annotations

import math

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.function import Function
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.ops import _plain, compare
from minigrad.ops._args import _python_number, floating_operands, python_real, refuse_complex
from minigrad.ops.functions import sign
from minigrad.ops.rounding import zero_gradient


class Copysign(Function):
    """y = |a| with the sign of b (of -0.0 too).   dL/da = g y / a, which is +-1, 0 where a = 0 and NaN where a is
    infinite (torch's values); dL/db = 0. Each summed back to its input's shape."""

    keep_output = True

    def forward(self, a, b):
        return get_array_module(a).copysign(a, b)

    def backward(self, F, gy, a, b):
        na, nb = self.needs_input_grad
        ga = None
        if na:
            zero = a == 0.0
            ratio = F.where(zero, 0.0, F.output(self) / F.where(zero, 1.0, a))  # no 0/0 in either pass
            ga = F.sum_to(gy * ratio, a.shape)
        return ga, (zero_gradient(F, b) if nb else None)


class NanToNum(Function):
    """y = x with NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (None: 0 and the largest and
    smallest finite values of the dtype).   dL/dx = g where x is finite, exactly 0 where it was replaced."""

    def __init__(self, nan=0.0, posinf=None, neginf=None):
        self.nan, self.posinf, self.neginf = nan, posinf, neginf

    def forward(self, x):
        return get_array_module(x).nan_to_num(x, nan=self.nan, posinf=self.posinf, neginf=self.neginf)

    def backward(self, F, gy, x):
        data = x.data if F.recording else x
        return F.select(F.const(get_array_module(data).isfinite(data)), gy)


def copysign(a, b):
    """|a| with the sign of b elementwise, broadcasting, as ``torch.copysign`` (integers give float32).
    Its gradient is +-1 with respect to a (0 where a = 0) and 0 with respect to b."""
    return Copysign.apply(*floating_operands("copysign", a, b))


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (None: the dtype's largest and smallest
    finite values), as ``torch.nan_to_num``; integer and bool tensors come back as they are. The gradient passes
    where x is finite and is 0 where a value was replaced."""
    nan = python_real("nan_to_num", "nan", nan, bools=True)
    posinf = None if posinf is None else python_real("nan_to_num", "posinf", posinf, bools=True)
    neginf = None if neginf is None else python_real("nan_to_num", "neginf", neginf, bools=True)
    x = as_tensor(x)
    if x.dtype.kind not in "fc":
        return Tensor(x.data.copy())
    return NanToNum.apply(x, nan=nan, posinf=posinf, neginf=neginf)


def sgn(x):
    """torch's ``sgn``: ``sign`` (gradient 0), except that NaN gives 0, as torch's sgn and sign do; ``sign`` keeps
    NumPy's NaN (docs/autodiff.md, section 15)."""
    x = as_tensor(x)
    y = sign(x)
    if x.dtype.kind != "f":
        return y
    from minigrad.ops.predicates import isnan
    from minigrad.ops.selection import where
    return where(isnan(x), 0.0, y)   # isnan by its op: an ONNX export tests the input, not the example


def heaviside(x, values):
    """The step function, as ``torch.heaviside``: 0 where x < 0 (and where x is NaN), ``values`` where x == 0,
    1 where x > 0, in x's dtype, broadcasting; no gradient (torch defines none). ``values`` must have x's dtype,
    as in torch; a Python number is taken in it."""
    x = as_tensor(x)
    refuse_complex("heaviside", x)
    values = _python_number(values)
    if isinstance(values, Tensor) and values.dtype != x.dtype:
        raise TypeError(f"heaviside: input and values must have the same dtype, got {x.dtype} and {values.dtype} "
                        f"(shapes {tuple(x.shape)} and {tuple(values.shape)})")
    if not isinstance(values, Tensor):
        values = Tensor(get_array_module(x.data).asarray(python_real("heaviside", "values", values), dtype=x.dtype))

    def step(a, v):
        xp = get_array_module(a)
        return xp.where(a == 0, v, a > 0).astype(a.dtype, copy=False)
    return compare._compare("heaviside", x, values, step)


def signbit(x):
    """True where the sign bit is set (negative numbers, -0.0 and NaNs with it), a bool tensor."""
    x = as_tensor(x)
    return _plain.plain("signbit", {}, x, lambda data: get_array_module(data).signbit(data))


def isneginf(x):
    """True where an entry is -inf, a bool tensor."""
    x = as_tensor(x)
    return _plain.plain("isneginf", {}, x, lambda data: data == -math.inf)


def isposinf(x):
    """True where an entry is +inf, a bool tensor."""
    x = as_tensor(x)
    return _plain.plain("isposinf", {}, x, lambda data: data == math.inf)


def isreal(x):
    """True where an entry has no imaginary part (everywhere for real dtypes), a bool tensor."""
    x = as_tensor(x)
    return _plain.plain("isreal", {}, x, lambda data: get_array_module(data).isreal(data))
