"""Fused multiply-adds, elementwise: lerp, addcmul and addcdiv, broadcasting their inputs, as torch's."""
from __future__ import annotations

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.function import Function
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.ops._args import (_python_number, half_in_float32, operands, python_real, require_floating,
                                scalar_in_dtype)


class Lerp(Function):
    """y = start + w (end - start), computed as end - (end - start)(1 - w) where |w| >= 1/2 (torch's form,
    exact at w = 1).   dL/dstart = g (1 - w),  dL/dend = g w,  dL/dw = g (end - start), each summed back."""

    def forward(self, start, end, weight):
        if start.dtype == np.float16:   # as torch's kernel, in float32: end - start overflowed float16 (-3e4 to 5e4)
            return half_in_float32(self.forward, start, end, weight)
        diff = end - start
        return get_array_module(start).where(abs(weight) < 0.5, start + weight * diff, end - diff * (1.0 - weight))

    def backward(self, F, gy, start, end, weight):
        ns, ne, nw = self.needs_input_grad
        return (F.sum_to(gy * (1.0 - weight), start.shape) if ns else None,
                F.sum_to(gy * weight, end.shape) if ne else None,
                F.sum_to(gy * (end - start), weight.shape) if nw else None)


class Addcmul(Function):
    """y = x + value t1 t2.   dL/dx = g,  dL/dt1 = g value t2,  dL/dt2 = g value t1, each summed back."""

    def __init__(self, value=1):
        self.value = value

    def forward(self, x, t1, t2):
        # torch computes in the tensors' result type, value cast to it: int8 + 2 * mask * mask stays int8 (NumPy's
        # would be int64), and int32 + int8(100) * int8(100) is 10000 (int8's product wraps to 16)
        result = np.result_type(x.dtype, t1.dtype, t2.dtype)
        if result == np.float16:   # in float32, as torch's kernel: value t1 t2 may pass 65504 where x + it does not
            return half_in_float32(self.forward, x, t1, t2)
        t1, t2 = t1.astype(result, copy=False), t2.astype(result, copy=False)
        # -1 wraps in uint8; [()] makes the NumPy scalar, as CuPy takes no NumPy array, even 0-d, as an operand
        value = self.value if result.kind == "f" else np.asarray(self.value).astype(result)[()]
        return (x + value * t1 * t2).astype(result, copy=False)

    def backward(self, F, gy, x, t1, t2):
        nx, n1, n2 = self.needs_input_grad
        return (F.sum_to(gy, x.shape) if nx else None,
                F.sum_to(gy * t2 * self.value, t1.shape) if n1 else None,
                F.sum_to(gy * t1 * self.value, t2.shape) if n2 else None)


class Addcdiv(Function):
    """y = x + value t1 / t2.   dL/dx = g,  dL/dt1 = g value / t2,  dL/dt2 = -g value t1 / t2^2, each summed back."""

    def __init__(self, value=1):
        self.value = value

    def forward(self, x, t1, t2):
        if x.dtype == np.float16:   # in float32, as torch's kernel: value t1 overflowed float16 (2 * 40000)
            return half_in_float32(self.forward, x, t1, t2)
        return x + self.value * t1 / t2

    def backward(self, F, gy, x, t1, t2):
        nx, n1, n2 = self.needs_input_grad
        return (F.sum_to(gy, x.shape) if nx else None,
                F.sum_to(gy * self.value / t2, t1.shape) if n1 else None,
                F.sum_to(-gy * self.value * t1 / (t2 * t2), t2.shape) if n2 else None)


def _three(name, x, t1, t2):
    """Three operands on one device, with one dtype rule (``operands``) applied to each pair."""
    x, t1 = operands(name, x, t1)
    x, t2 = operands(name, x, t2)
    t1, t2 = operands(name, t1, t2)
    return x, t1, t2


def lerp(start, end, weight):
    """start + weight (end - start), broadcasting, as ``torch.lerp``; ``weight`` is a number or a tensor.
    Floating tensors only, as in torch."""
    start, end = operands("lerp", start, end)
    weight = _python_number(weight)
    if not isinstance(weight, Tensor):
        weight = as_tensor(python_real("lerp", "weight", weight, bools=True), like=start)
    start, weight = operands("lerp", start, weight)
    require_floating("lerp", start, end, weight)
    return Lerp.apply(start, end, weight)


def _value(name, value, tensors):
    """``value`` as torch reads it: a real number or a bool (1 or 0); with integer tensors only (an integer result)
    converted to the result's dtype as torch converts it (``scalar_in_dtype``: ``addcmul(ints, ..., value=1.5)`` is
    value 1, NaN or 300 for int8 refused)."""
    value = python_real(name, "value", value, bools=True)
    if tensors[0].dtype.kind in "iub" and tensors[1].dtype.kind in "iub" and tensors[2].dtype.kind in "iub":
        x, t1, t2 = (t.dtype for t in tensors)
        dtype = x if x is t1 is t2 else np.result_type(x, t1, t2)   # builtin dtypes are singletons
        value = scalar_in_dtype(name, "value", value, dtype)
    return value


def addcmul(input, tensor1, tensor2, *, value=1):  # noqa: A002  (torch.addcmul's argument names)
    """input + value * tensor1 * tensor2, broadcasting, as ``torch.addcmul``."""
    x, t1, t2 = _three("addcmul", input, tensor1, tensor2)
    if x.dtype.kind == t1.dtype.kind == t2.dtype.kind == "b":   # torch's NotImplementedError: no bool kernel
        raise NotImplementedError(f"addcmul: bool tensors are not supported, as in torch (shapes {tuple(x.shape)}, "
                                  f"{tuple(t1.shape)} and {tuple(t2.shape)}); cast them to an integer dtype first")
    return Addcmul.apply(x, t1, t2, value=_value("addcmul", value, (x, t1, t2)))


def addcdiv(input, tensor1, tensor2, *, value=1):  # noqa: A002
    """input + value * tensor1 / tensor2, broadcasting, as ``torch.addcdiv``; integer tensor1 and tensor2 are
    refused, as in torch (their division was once rounded)."""
    t1, t2 = as_tensor(_python_number(tensor1)), as_tensor(_python_number(tensor2))
    if t1.dtype.kind in "iub" and t2.dtype.kind in "iub":
        raise RuntimeError(f"addcdiv: integer division is not supported, as in torch (tensor1 and tensor2 have "
                           f"dtypes {t1.dtype} and {t2.dtype}); use floating tensors")
    x, t1, t2 = _three("addcdiv", input, tensor1, tensor2)
    return Addcdiv.apply(x, t1, t2, value=_value("addcdiv", value, (x, t1, t2)))
