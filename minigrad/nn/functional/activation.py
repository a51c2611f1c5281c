"""Elementwise activations as functions: ``relu``, ``leaky_relu``, ``sigmoid``, ``tanh``, ``silu``, ``elu``,
``gelu``, ``softplus``, ``mish``, ``hardtanh``, ``relu6`` (each one minigrad op) and ``prelu`` (composed), with
PyTorch's arguments.

``softmax`` and ``log_softmax`` are ops, in ``minigrad/ops/softmax.py``.
"""
from __future__ import annotations

from minigrad import ops
from minigrad.autograd.tensor import Tensor
from minigrad.nn.arguments import nonzero_number, not_inplace, number, one_of
from minigrad.ops.activations import hardtanh as _hardtanh
from minigrad.ops.activations import mish as _mish
from minigrad.ops.activations import GELU_APPROXIMATIONS
from minigrad.ops.activations import elu as _elu
from minigrad.ops.activations import gelu as _gelu
from minigrad.ops.activations import silu as _silu
from minigrad.ops.functions import softplus as _softplus


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


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta x)) / beta``, and ``x`` itself where ``beta x > threshold``, as PyTorch's.

    One op, stable for any |x|. Derivative: ``sigmoid(beta x)``, 1 in the linear region.
    """
    return _softplus(x, nonzero_number("softplus", "beta", beta), number("softplus", "threshold", threshold))


def mish(x: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))`` (Misra 2019), one op, stable for any |x|. ``inplace=True`` is refused, as in
    ``silu``. Derivative: ``t + x sigmoid(x) (1 - t^2)`` with ``t = tanh(softplus(x))``."""
    not_inplace("mish", inplace)
    return _mish(x)


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` limited to ``[min_val, max_val]``; the derivative is 1 strictly inside and 0 at the bounds and
    beyond, as PyTorch's. ``inplace=True`` is refused, as in ``silu``."""
    min_val, max_val = number("hardtanh", "min_val", min_val), number("hardtanh", "max_val", max_val)
    not_inplace("hardtanh", inplace)
    return _hardtanh(x, min_val, max_val)


def relu6(x: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(x, 0), 6)``: ``hardtanh(x, 0, 6)``, with its derivative (0 at 0 and at 6, as PyTorch's)."""
    not_inplace("relu6", inplace)
    return _hardtanh(x, 0.0, 6.0)


def prelu(x: Tensor, weight: Tensor) -> Tensor:
    """``x`` where positive, ``weight * x`` elsewhere, with one learnable slope per channel (axis 1) or one for all.

    Shapes: x -> x; ``weight`` (1,) or (C,) with C = x.shape[1] (1 when x has fewer than 2 axes), broadcast
    over axis 1, as PyTorch's. Derivatives: ``dL/dx = g`` where x > 0, else ``g weight``;
    ``dL/dweight = sum of g x`` over the elements at or below 0 of each channel. Composed of ops, so higher
    derivatives follow.
    """
    if not isinstance(x, Tensor) or not isinstance(weight, Tensor):
        bad = "input" if not isinstance(x, Tensor) else "weight"
        raise TypeError(f"prelu: {bad} must be a Tensor, got {type(x if bad == 'input' else weight).__name__}")
    channels = x.shape[1] if x.ndim >= 2 else 1
    if weight.ndim > 1 or weight.size not in (1, channels):
        raise ValueError(f"prelu: weight of shape {tuple(weight.shape)} must hold 1 slope or one per channel "
                         f"(axis 1 of the input of shape {tuple(x.shape)}: {channels})")
    if weight.dtype != x.dtype:
        raise TypeError(f"prelu: input dtype {x.dtype} does not match the weight's dtype {weight.dtype}")
    if weight.device != x.device:
        raise ValueError(f"prelu: input is on {x.device} but the weight is on {weight.device}")
    if weight.size == 1:
        slope = ops.reshape(weight, ())
    else:
        slope = ops.reshape(weight, (channels,) + (1,) * (x.ndim - 2))
    return ops.where(x > 0, x, slope * x)
