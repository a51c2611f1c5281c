"""Moving values between dtypes and devices, differentiably: astype and to_device; and clone, a copy in place."""
from __future__ import annotations

import numpy as np

from minigrad import backend
from minigrad.autograd.engine import refuse_complex_gradients
from minigrad.autograd.function import Function
from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import Tensor
from minigrad.backend import cast
from minigrad.memory_format import check_memory_format, preserve_format
from minigrad.ops import _plain


class AsType(Function):
    """y = x cast to another floating dtype.   dL/dx = g cast back to x's dtype. Shapes: x, y and g alike.

    A real x cast to complex is not differentiated: the ops' derivatives are written for real values
    (``engine.refuse_complex_gradients``)."""

    values_unread = (0,)

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        return cast(x, self.dtype)   # float16 past 65504: inf, silently as torch's

    def backward(self, F, gy, x):
        if gy.dtype.kind == "c" and x.dtype.kind != "c":
            refuse_complex_gradients(f"a {x.dtype} tensor (shape {tuple(x.shape)}) cast to {gy.dtype}")
        return F.astype(gy, x.dtype)   # a float32 gradient past 65504 back to float16: inf silently (backend.cast)


class ToDevice(Function):
    """y = x copied to another device.   dL/dx = g copied back to x's device."""

    def __init__(self, device):
        self.device = device

    def forward(self, x):
        self.source = backend.device_of(x)
        return backend.to_device(x, self.device)

    def backward(self, F, gy, x):
        return F.apply(ToDevice, gy, device=self.source)


class Clone(Function):
    """y = a copy of x in new memory (``torch.clone``).   dL/dx = g."""

    values_unread = (0,)

    def forward(self, x):
        return x.copy()

    def backward(self, F, gy, x):
        return gy


def astype(x, dtype):
    """``x`` cast to ``dtype``; differentiable between floating dtypes."""
    x = as_tensor(x)
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"astype: dtype={dtype!r} is not a dtype NumPy understands "
                        f"(casting a {x.dtype} tensor of shape {tuple(x.shape)})") from None
    if dtype == x.dtype:
        return x
    if dtype.kind not in "fc":   # no gradient; through _plain, so that an ONNX export sees the cast (a Cast node)
        return _plain.cast(x, dtype)
    return AsType.apply(x, dtype=dtype)


def in_dtype(name, fn, x, dtype, **kwargs):
    """``fn(x, **kwargs)`` with torch's ``dtype=`` of a reduction or scan: x is cast to ``dtype`` first and the result
    has it (a sum of int32 in int32, where the plain sum gives int64). The cast is differentiable between floats."""
    from minigrad.dtypes import as_dtype
    dtype = as_dtype(name, dtype)
    out = fn(astype(x, dtype), **kwargs)
    return astype(out, dtype)


def running_in_dtype(name, fn, x, dtype, **kwargs):
    """``in_dtype`` for a running sum or product (``cumsum``, ``cumprod``). torch has none in bool (its kernels
    are not implemented for it) where NumPy's is a running or/and, so ``dtype=bool`` is one error naming both."""
    from minigrad.dtypes import as_dtype
    if as_dtype(name, dtype).kind == "b":
        logic = "or" if name == "cumsum" else "and"
        raise TypeError(f"{name}: dtype=bool is not supported (torch has no bool {name}); for NumPy's running "
                        f"logical {logic}, use {name}(x.bool(), dim) > 0 (got a tensor of dtype "
                        f"{as_tensor(x).dtype})")
    return in_dtype(name, fn, x, dtype, **kwargs)


def to_device(x, device):
    """``x`` on ``device``; differentiable."""
    return ToDevice.apply(as_tensor(x), device=backend.normalize_device(device))


def clone(x, *, memory_format=None):
    """A copy of ``x`` in its own memory, as ``torch.clone``: writes to one do not show in the other. Row-major
    whatever ``memory_format`` (torch's ``preserve_format`` by default; see ``minigrad.memory_format``).

    Shapes: x -> x's shape, dtype and device.   dL/dx = g.
    """
    check_memory_format("clone", memory_format, preserve_format)
    return Clone.apply(as_tensor(x))
