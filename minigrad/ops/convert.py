"""Moving values between dtypes and devices, differentiably: astype and to_device."""
from __future__ import annotations

import numpy as np

from minigrad import backend
from minigrad.autograd.function import Function
from minigrad.autograd.tensor import Tensor, as_tensor


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
