"""Stateless building blocks of networks: ``linear``, activations, dropout, batch norm and losses.

Each function takes Tensors and returns a Tensor. Most are compositions of
minigrad ops, so autograd derives their backward (and double backward) itself.
``softmax`` and ``log_softmax`` (from ``minigrad.nn.softmax``) are single
Functions with cheap closed-form backwards, stable for logits of any size (the
log-sum-exp trick). The losses live in ``minigrad.nn.loss_functions`` and are
re-exported here.
"""
from __future__ import annotations

import numpy as np

from minigrad import ops
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.nn.loss_functions import (binary_cross_entropy_with_logits, cross_entropy, l1_loss, mse_loss,
                                        nll_loss)
from minigrad.nn.fused import Affine
from minigrad.nn.softmax import log_softmax, softmax
from minigrad.ops.conv import conv2d, conv_transpose2d  # noqa: F401  (re-exported: F.conv2d, ...)
from minigrad.ops.pad import pad  # noqa: F401
from minigrad.ops.pool import adaptive_avg_pool2d, avg_pool2d, max_pool2d  # noqa: F401
from minigrad.random import uniform_on

__all__ = [
    "linear", "relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax",
    "dropout", "dropout2d", "batch_norm",
    "conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "pad",
    "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "binary_cross_entropy_with_logits",
]


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """Affine map ``y = x @ W + b`` with ``W`` of shape (in_features, out_features), as one graph node."""
    # One cheap test on the hot path: matmul would promote a float64 x silently, and the
    # in-place bias add would cast a bias of another dtype; the precise error comes on failure.
    if (not isinstance(x, Tensor) or not isinstance(weight, Tensor) or weight.data.ndim != 2
            or x.data.shape[-1:] != weight.data.shape[:1] or x.data.dtype != weight.data.dtype
            or (bias is not None and (not isinstance(bias, Tensor) or bias.data.dtype != weight.data.dtype
                                      or bias.data.shape != weight.data.shape[1:]))):
        _reject_linear(x, weight, bias)
    if bias is None:
        return Affine.apply(x, weight)
    return Affine.apply(x, weight, bias)


def _reject_linear(x, weight, bias):
    """Raise the one clear error for arguments that ``linear`` cannot take."""
    for name, value in (("x", x), ("weight", weight), ("bias", bias)):
        if value is not None and not isinstance(value, Tensor):
            raise TypeError(f"linear: {name} must be a Tensor, got {type(value).__name__}")
    shapes = f"x {tuple(x.shape)}, weight {tuple(weight.shape)}" + (
        "" if bias is None else f", bias {tuple(bias.shape)}")
    if weight.ndim != 2 or x.ndim == 0 or x.shape[-1] != weight.shape[0] or (
            bias is not None and tuple(bias.shape) != tuple(weight.shape[1:])):
        raise ValueError(f"linear: expected x (..., in), weight (in, out) and bias (out,); got {shapes}")
    dtypes = f"x {x.dtype}, weight {weight.dtype}" + ("" if bias is None else f", bias {bias.dtype}")
    raise TypeError(f"linear: x, weight and bias must share one dtype, got {dtypes}")


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


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Inverted dropout: zero each element with probability ``p`` and scale the rest by 1/(1-p).

    The scaling keeps the expected activation unchanged, so evaluation
    (``training=False``) is simply the identity. The mask comes from
    ``minigrad.random``'s seeded generator, in ``x``'s dtype and on its device;
    the backward is ``gy * mask``.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    xp = get_array_module(x.data)
    if p == 1.0:
        mask = xp.zeros(x.shape, dtype=x.dtype)
    else:
        # Drawn where x lives (no host-to-device copy per step); float32 draws for float32 nets.
        draw_dtype = np.float64 if x.dtype == np.float64 else np.float32
        keep = uniform_on(x.device, x.shape, draw_dtype) >= p
        mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
    return x * Tensor(mask)


def dropout2d(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Channel dropout: zero whole channels of (N, C, H, W) (or unbatched (C, H, W)) inputs with probability ``p``.

    Neighbouring pixels of a feature map are strongly correlated, so dropping single
    pixels barely regularises a convolutional layer; dropping whole channels does
    (Tompson et al. 2015). The kept channels are scaled by 1/(1-p); the identity in
    evaluation. The backward is ``gy * mask``, the mask broadcast over H and W.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout2d: p must be in [0, 1], got {p}")
    if x.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {tuple(x.shape)}")
    if not training or p == 0.0:
        return x
    mask_shape = tuple(x.shape[:-2]) + (1, 1)
    if p == 1.0:
        mask = get_array_module(x.data).zeros(mask_shape, dtype=x.dtype)
    else:
        draw_dtype = np.float64 if x.dtype == np.float64 else np.float32
        keep = uniform_on(x.device, mask_shape, draw_dtype) >= p
        mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
    return x * Tensor(mask)


def batch_norm(x: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalisation per channel (axis 1) over the batch axis and any spatial axes.

    Inputs are (N, C), (N, C, L) or (N, C, H, W).

    Training: normalise with the batch mean and the *biased* batch variance, then
    update the running statistics in place with
    ``running = (1 - momentum) * running + momentum * batch_stat``, using the
    *unbiased* variance for ``running_var`` (PyTorch's convention).
    Evaluation: normalise with the running statistics.
    Then scale by ``weight`` (gamma) and shift by ``bias`` (beta), per channel.
    """
    if x.ndim not in (2, 3, 4):
        raise ValueError(f"batch_norm: expected input of shape (N, C), (N, C, L) or (N, C, H, W), got {tuple(x.shape)}")
    axes = (0,) + tuple(range(2, x.ndim))
    stat_shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if training:
        n = x.size // x.shape[1]
        if n < 2:
            raise ValueError(
                f"batch_norm: training needs more than 1 value per channel, got input of shape {tuple(x.shape)}"
            )
        mean = x.mean(axis=axes, keepdims=True)
        centred = x - mean
        var = (centred * centred).mean(axis=axes, keepdims=True)
        if running_mean is not None:
            batch_mean = mean.data.reshape(-1)
            batch_var = var.data.reshape(-1) * x.dtype.type(n / (n - 1))
            running_mean.data *= running_mean.dtype.type(1 - momentum)
            running_mean.data += running_mean.dtype.type(momentum) * batch_mean.astype(running_mean.dtype)
            running_var.data *= running_var.dtype.type(1 - momentum)
            running_var.data += running_var.dtype.type(momentum) * batch_var.astype(running_var.dtype)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: evaluation needs running_mean and running_var")
        mean = Tensor(running_mean.data.reshape(stat_shape).astype(x.dtype, copy=False))
        var = Tensor(running_var.data.reshape(stat_shape).astype(x.dtype, copy=False))
        centred = x - mean
    eps_t = Tensor(get_array_module(x.data).asarray(eps, dtype=x.dtype))
    y = centred / ops.sqrt(var + eps_t)
    if weight is not None:
        y = y * weight.reshape(*stat_shape)
    if bias is not None:
        y = y + bias.reshape(*stat_shape)
    return y


