"""Elementwise activations as functions: ``relu``, ``leaky_relu``, ``sigmoid``, ``tanh``, ``silu``, ``elu``,
``gelu`` (each one minigrad op), with PyTorch's arguments.

``softmax`` and ``log_softmax`` are ops, in ``minigrad/ops/softmax.py``.
"""
from __future__ import annotations

from minigrad import ops
from minigrad.autograd.tensor import Tensor
from minigrad.nn.arguments import not_inplace, number, one_of
from minigrad.ops.activations import GELU_APPROXIMATIONS
from minigrad.ops.activations import elu as _elu
from minigrad.ops.activations import gelu as _gelu
from minigrad.ops.activations import silu as _silu


def relu(x: Tensor) -> Tensor:
    """Rectified linear unit, ``max(x, 0)``."""
    return ops.relu(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """``x`` where positive, ``negative_slope * x`` elsewhere."""
    return ops.leaky_relu(x, negative_slope)


def sigmoid(x: Tensor) -> Tensor:
    """Logistic function ``1 / (1 + exp(-x))``."""
    return ops.sigmoid(x)


def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return ops.tanh(x)


def silu(x: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)`` (SiLU, or swish). ``inplace=True`` is refused: minigrad's ops never overwrite their input."""
    not_inplace("silu", inplace)
    return _silu(x)


def elu(x: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere. ``inplace=True`` is refused, as in ``silu``."""
    alpha = number("elu", "alpha", alpha)
    not_inplace("elu", inplace)
    return _elu(x, alpha)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """``x * Phi(x)``, Phi the standard normal CDF; ``approximate="tanh"`` uses the tanh formula (no SciPy needed).

    The exact form needs erf: ``pip install "minigrad[scipy]"`` on the CPU (CuPy has its own on a GPU).
    """
    return _gelu(x, one_of("gelu", "approximate", approximate, GELU_APPROXIMATIONS))
