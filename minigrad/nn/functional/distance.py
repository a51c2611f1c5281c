"""What is built on vector norms along one axis: ``normalize``, ``cosine_similarity``, ``pairwise_distance``.

All are compositions of ops, with PyTorch's arguments and its conventions at zero vectors:

* the norm is ``minigrad.norm`` (PyTorch's ``torch.norm``), whose gradient at a zero vector is 0, as
  PyTorch's (``x / ||x||`` would be 0/0), in first and second derivatives;
* ``normalize`` divides by ``max(norm, eps)``, whose derivative is 0 below eps: ``x / eps`` there;
* ``cosine_similarity`` clamps each norm at ``eps`` in the forward only, as PyTorch (which clamps in place
  under no_grad): the gradient is taken as if the norm were not clamped.
"""
from __future__ import annotations

import numpy as np

from minigrad import ops
from minigrad.autograd.function import Function
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.nn.arguments import flag, nonnegative_number, norm_order, number
from minigrad.ops._args import as_floating, normalize_axis
from minigrad.ops.linalg_norms import vector_norm
from minigrad.scalars import is_integer


def _axis(name, x, dim):
    if not is_integer(dim):
        raise TypeError(f"{name}: dim must be an integer, got {dim!r}")
    return normalize_axis(name, int(dim), max(x.ndim, 1), x.shape)[0]   # a 0-d x takes 0 and -1, as PyTorch's


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:  # noqa: A002
    """``x / max(||x||_p, eps)`` along ``dim``, as ``torch.nn.functional.normalize``: unit vectors, and ``x / eps``
    for a vector shorter than eps (0 for a zero vector, whose gradient is ``g / eps``). Any p, as torch's
    (``minigrad.norm``'s: 0 counts nonzeros, a negative p is 0 on a vector holding a zero).

    Shapes: x -> x.
    """
    p, eps = norm_order("normalize", "p", p), number("normalize", "eps", eps)
    input = as_floating(input)
    norm = ops.norm(input, p, dim=_axis("normalize", input, dim), keepdim=True)
    return input / ops.clamp(norm, min=eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``sum(x1 x2) / (max(||x1||, eps) max(||x2||, eps))`` along ``dim``, as ``torch.nn.functional.cosine_similarity``.

    Shapes: x1 and x2 broadcast to one shape S -> S without axis ``dim``. Each input is divided by its
    clamped norm before the product (the result stays in [-1, 1]). As in PyTorch, the clamp acts in the
    forward only: the gradient treats the norm as unclamped (and as 0 at a zero vector).
    """
    eps = nonnegative_number("cosine_similarity", "eps", eps)   # PyTorch refuses a negative eps too
    x1, x2 = as_floating(x1), as_floating(x2)
    if x1.dtype != x2.dtype:
        raise TypeError(f"cosine_similarity: x1 dtype {x1.dtype} differs from x2 dtype {x2.dtype}")
    try:
        shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    except ValueError:
        raise ValueError(f"cosine_similarity: x1 of shape {tuple(x1.shape)} and x2 of shape {tuple(x2.shape)} "
                         "do not broadcast together") from None
    x1, x2 = ops.broadcast_to(x1, shape), ops.broadcast_to(x2, shape)
    axis = _axis("cosine_similarity", x1, dim)
    return ops.sum((x1 / _forward_clamp(ops.norm(x1, 2.0, dim=axis, keepdim=True), eps))
                   * (x2 / _forward_clamp(ops.norm(x2, 2.0, dim=axis, keepdim=True), eps)),
                   axis=axis if x1.ndim else None)   # (ops.sum takes no axis on a 0-d tensor)


class ForwardClampMin(Function):
    """y = max(x, eps).   dL/dx = g everywhere: the clamp acts on the value only (PyTorch's cosine_similarity
    clamps its norms in place under no_grad). A node of its own so that an exported graph keeps the clamp."""

    def __init__(self, eps):
        self.eps = eps

    def forward(self, x):
        return get_array_module(x).maximum(x, self.eps)

    def backward(self, F, gy, x):
        return gy


def _forward_clamp(norm, eps):
    return ForwardClampMin.apply(norm, eps=eps)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last axis, as ``torch.nn.functional.pairwise_distance`` (eps is added to
    the difference, as PyTorch's, so that equal rows have a gradient).

    Any p, as PyTorch's (``linalg.vector_norm``'s): 0 counts the nonzero differences (gradient 0), a negative p is
    (sum |d|^p)^(1/p) (0 where a difference is 0), +-inf the largest or smallest |d|.

    Shapes: x1 and x2 broadcast to (..., D) -> (...) ((..., 1) with ``keepdim``).
    """
    p, eps = norm_order("pairwise_distance", "p", p), number("pairwise_distance", "eps", eps)
    keepdim = flag("pairwise_distance", "keepdim", keepdim)
    x1, x2 = as_floating(x1), as_floating(x2)
    if x1.ndim == 0 and x2.ndim == 0:
        raise ValueError("pairwise_distance: x1 and x2 are 0-d; the distance is taken along the last axis")
    try:   # checked here so that the error names this function, not the subtraction inside it
        np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    except ValueError:
        raise ValueError(f"pairwise_distance: x1 of shape {tuple(x1.shape)} and x2 of shape {tuple(x2.shape)} "
                         "do not broadcast together") from None
    return vector_norm(x1 - x2 + eps, p, dim=-1, keepdim=keepdim)
