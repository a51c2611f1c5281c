"""``gumbel_softmax``: differentiable samples of a categorical distribution given by logits (Jang et al. 2017)."""
from __future__ import annotations

from minigrad import backend
from minigrad.autograd.tensor import Tensor
from minigrad.ops.softmax import softmax
from minigrad.sampling import exponential_values


def gumbel_softmax(logits: Tensor, tau: float = 1.0, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    """softmax((logits + g) / tau) along ``dim``, g = -log(E) with E ~ Exp(1) (Gumbel(0, 1) noise from minigrad's
    seeded generator), as ``torch.nn.functional.gumbel_softmax``.

    ``hard=True`` returns the one-hot vector of the largest entry, computed as one_hot - y.detach() + y, so its
    gradient is that of the soft sample y (the straight-through estimator): dL/dlogits = J_softmax^T g / tau.
    ``eps`` is unused, as in PyTorch. The noise differs from PyTorch's (another generator).
    """
    if not isinstance(logits, Tensor):
        raise TypeError(f"gumbel_softmax: logits must be a Tensor, got {type(logits).__name__}")
    if logits.dtype.kind != "f":
        raise TypeError(f"gumbel_softmax: logits must be floating point, got dtype {logits.dtype} "
                        f"(shape {logits.shape})")
    if logits.ndim == 0 or not -logits.ndim <= dim < logits.ndim:
        raise IndexError(f"gumbel_softmax: dim {dim} is out of range for logits of shape {logits.shape}")
    xp = backend.get_array_module(logits.data)
    noise = -xp.log(backend.to_device(exponential_values(logits.shape, logits.dtype, 1.0), logits.device))
    y_soft = softmax((logits + Tensor(noise.astype(logits.dtype, copy=False))) / tau, dim=dim)
    if not hard:
        return y_soft
    axis = dim % logits.ndim
    index = xp.argmax(y_soft.data, axis=axis)
    positions = xp.arange(logits.shape[axis]).reshape((-1,) + (1,) * (logits.ndim - 1 - axis))
    one_hot = (positions == xp.expand_dims(index, axis)).astype(logits.dtype)
    return Tensor(one_hot) - y_soft.detach() + y_soft
