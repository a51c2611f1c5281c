"""Entropy-like terms, elementwise: xlog1py (x log(1 + y)) and entr (-x log x), as torch.special's. Integer and
bool inputs become float32. (spherical_bessel_j0 is in spherical_bessel.py.)"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.function import Function
from minigrad.backend import get_array_module
from minigrad.ops._args import as_floating, floating_operands


class XLog1pY(Function):
    """y = x log(1 + b), and 0 where x = 0 unless b is NaN (torch.special.xlog1py).   dL/dx = xlog1py(g, b), set to
    0 where x = 0 and b <= -1 (torch's values);  dL/db = g x / (1 + b). Each summed back to its input's shape."""

    def forward(self, x, b):
        xp = get_array_module(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return xp.where((x == 0) & ~xp.isnan(b), 0.0, x * xp.log1p(b)).astype(x.dtype, copy=False)

    def backward(self, F, gy, x, b):
        nx, nb = self.needs_input_grad
        gx = None
        if nx:
            gx = F.sum_to(F.where((x == 0.0) & (b <= -1.0), 0.0, F.apply(XLog1pY, gy, b)), x.shape)
        return gx, (F.sum_to(gy * x / (b + 1.0), b.shape) if nb else None)


class Entr(Function):
    """y = -x log x for x > 0, 0 at x = 0, -inf for x < 0 (torch.special.entr).   dL/dx = -g (1 + log x)
    (inf at 0 and NaN below, as torch's)."""

    def forward(self, x):
        xp = get_array_module(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            y = xp.where(x > 0, -x * xp.log(xp.where(x > 0, x, 1)), xp.where(x == 0, 0.0, -xp.inf))
            return xp.where(xp.isnan(x), x, y).astype(x.dtype, copy=False)

    def backward(self, F, gy, x):
        return gy * -(F.log(x) + 1.0)


def xlog1py(input, other):
    """x * log1p(other), 0 where x == 0 (unless other is NaN), broadcasting, as ``torch.special.xlog1py``;
    integers give float32. Its gradient with respect to x is log1p(other), 0 where x == 0 and other <= -1."""
    return XLog1pY.apply(*floating_operands("xlog1py", input, other))


def entr(input):
    """The elementwise entropy term -x log x (0 at 0, -inf for negatives), as ``torch.special.entr``."""
    return Entr.apply(as_floating(input))

