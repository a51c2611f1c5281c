"""Elementwise activations as functions: ``relu``, ``leaky_relu``, ``sigmoid``, ``tanh`` (each one minigrad op).

``softmax`` and ``log_softmax`` are in ``softmax.py`` beside this file.
"""
from __future__ import annotations

from minigrad import ops
from minigrad.autograd.tensor import Tensor


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
