"""The error function's kin, elementwise: erfc and erfinv (erf itself is in ``functions``).

The array kernels are SciPy's (CuPy's on a GPU), reached through ``backend.special_function``;
integer and bool inputs become float32, as in torch.
"""
from __future__ import annotations

from minigrad.autograd.function import Function
from minigrad.backend import get_array_module, special_function
from minigrad.ops._args import as_floating
from minigrad.ops._normal_kernels import gaussian

_TWO_OVER_SQRT_PI = 1.1283791670955126   # 2 / sqrt(pi)
_HALF_SQRT_PI = 0.886226925452758        # sqrt(pi) / 2


class Erfc(Function):
    """y = erfc x = 1 - erf x, accurate where erf x is near 1.   dL/dx = -g 2/sqrt(pi) e^(-x^2), x^2 taken without
    its rounding (``_normal_kernels.gaussian``)."""

    def forward(self, x):
        return special_function(get_array_module(x), "erfc")(x).astype(x.dtype, copy=False)   # float16 too

    def backward(self, F, gy, x):
        return gy * (gaussian(F, x) * -_TWO_OVER_SQRT_PI)


class Erfinv(Function):
    """y = erfinv x, the inverse of erf on (-1, 1) (+-inf at +-1, NaN beyond).   dL/dx = g sqrt(pi)/2 e^(y^2)."""

    keep_output = True

    def forward(self, x):
        return special_function(get_array_module(x), "erfinv")(x).astype(x.dtype, copy=False)   # float16 too

    def backward(self, F, gy, x):
        y = F.output(self)
        return gy * (F.exp(y * y) * _HALF_SQRT_PI)


def erfc(x):
    """The complementary error function 1 - erf(x) elementwise (needs SciPy on the CPU)."""
    return Erfc.apply(as_floating(x))


def erfinv(x):
    """The inverse error function elementwise (needs SciPy on the CPU)."""
    return Erfinv.apply(as_floating(x))

