"""``batch_norm``: batch normalisation as a composition of minigrad ops, with the running statistics updated in place."""
from __future__ import annotations

from minigrad import ops
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module


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
