"""Losses on pairs and triplets of embeddings, as PyTorch's: ``cosine_embedding_loss``, ``hinge_embedding_loss``,
``triplet_margin_loss`` and ``triplet_margin_with_distance_loss``.

Compositions of ops, so their second derivatives follow. Their hinges are ``clamp(min=0)``, as PyTorch's
``clamp_min``: at the kink the gradient passes (the margin counts as not met).
"""
from __future__ import annotations

from minigrad import ops
from minigrad.autograd.tensor import Tensor
from minigrad.nn.arguments import flag, norm_order, number, positive_number
from minigrad.nn.functional.distance import pairwise_distance
from minigrad.nn.functional.loss import _as_target, _check_float_dtype, _check_reduction, _reduce
from minigrad.nn.functional.legacy_reduction import legacy_reduction

COSINE_EPSILON = 1e-12   # PyTorch's: added to each squared norm, so that a zero vector gives cos = 0, not NaN


def _input(name, arg, x) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: {arg} must be a Tensor, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: {arg} must be floating point, got dtype {x.dtype}")
    return x


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target, margin: float = 0.0, size_average=None,
                          reduce=None, reduction: str = "mean") -> Tensor:
    """``1 - cos(x1, x2)`` where ``target == 1``, ``max(0, cos(x1, x2) - margin)`` where ``target == -1``
    (0 for any other target value), as PyTorch's.

    Shapes: x1, x2 (N, D) with target (N,), or (D,) with a 0-d target -> (N,) or () for 'none'. The cosine is
    ``sum(x1 x2) / sqrt((|x1|^2 + 1e-12) (|x2|^2 + 1e-12))``, PyTorch's formula.
    """
    reduction = legacy_reduction("cosine_embedding_loss", size_average, reduce, reduction)
    name = "cosine_embedding_loss"
    _check_reduction(name, reduction)
    margin = number(name, "margin", margin)
    x1, x2 = _input(name, "input1", input1), _input(name, "input2", input2)
    _check_float_dtype(name, x1, "input2", x2, "input1")
    target = _as_target(x1, target)
    if target.ndim not in (0, 1):
        raise ValueError(f"{name}: target must be 0-D or 1-D (multi-target not supported), got shape "
                         f"{tuple(target.shape)}")
    want = 2 if target.ndim == 1 else 1
    if x1.ndim != want or x2.ndim != want:
        raise ValueError(f"{name}: a {target.ndim}-D target expects {want}-D inputs, got input1 of shape "
                         f"{tuple(x1.shape)} and input2 of shape {tuple(x2.shape)}")
    axis = want - 1
    dot = (x1 * x2).sum(axis=axis)
    squares = ((x1 * x1).sum(axis=axis) + COSINE_EPSILON) * ((x2 * x2).sum(axis=axis) + COSINE_EPSILON)
    cos = dot / ops.sqrt(squares)
    t = target.data
    positive = ops.where(Tensor(t == 1), 1.0 - cos, 0.0)
    negative = ops.where(Tensor(t == -1), ops.clamp(cos - margin, min=0.0), 0.0)
    return _reduce(positive + negative, reduction)


def hinge_embedding_loss(input: Tensor, target, margin: float = 1.0, size_average=None, reduce=None,  # noqa: A002
                         reduction: str = "mean") -> Tensor:
    """``input`` where ``target == 1``, ``max(0, margin - input)`` where ``target == -1`` (both terms for any other
    value, as PyTorch computes it). input and target broadcast together."""
    reduction = legacy_reduction("hinge_embedding_loss", size_average, reduce, reduction)
    name = "hinge_embedding_loss"
    _check_reduction(name, reduction)
    margin = number(name, "margin", margin)
    input = _input(name, "input", input)
    target = _as_target(input, target)
    t = target.data
    hinge = ops.where(Tensor(t != 1), ops.clamp(margin - input, min=0.0), 0.0)
    return _reduce(hinge + ops.where(Tensor(t != -1), input, 0.0), reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2.0,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """``max(0, margin + d(a, p) - d(a, n))`` with ``d = pairwise_distance(., ., p, eps)`` along the last axis
    (Balntas et al. 2016); ``swap`` uses ``min(d(a, n), d(p, n))`` for the negative distance.

    Shapes: three inputs of one rank, broadcasting, (..., D) -> (...) for 'none'. ``margin > 0``.
    """
    reduction = legacy_reduction("triplet_margin_loss", size_average, reduce, reduction)
    name = "triplet_margin_loss"
    _check_reduction(name, reduction)
    margin = _positive_margin(name, margin)
    p, eps = norm_order(name, "p", p), number(name, "eps", eps)
    swap = flag(name, "swap", swap)
    return _triplet(name, anchor, positive, negative, lambda a, b: pairwise_distance(a, b, p, eps), margin, swap,
                    reduction)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function=None, margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Tensor:
    """``max(0, margin + d(a, p) - d(a, n))`` for any ``distance_function`` of two Tensors (None:
    ``pairwise_distance``), as PyTorch's; ``swap`` as in :func:`triplet_margin_loss`. ``margin > 0``."""
    name = "triplet_margin_with_distance_loss"
    _check_reduction(name, reduction)
    margin = _positive_margin(name, margin)
    swap = flag(name, "swap", swap)
    if distance_function is not None and not callable(distance_function):
        raise TypeError(f"{name}: distance_function must be callable or None, got {distance_function!r}")
    return _triplet(name, anchor, positive, negative, distance_function or pairwise_distance, margin, swap, reduction)


def _positive_margin(name, margin):
    value = number(name, "margin", margin)
    if value <= 0:
        raise ValueError(f"{name}: margin must be greater than 0, got {margin!r}")
    return value


def _triplet(name, anchor, positive, negative, distance, margin, swap, reduction):
    for arg, x in (("anchor", anchor), ("positive", positive), ("negative", negative)):
        _input(name, arg, x)
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise ValueError(f"{name}: anchor, positive and negative must have the same number of dimensions, got "
                         f"anchor {anchor.ndim}-D, positive {positive.ndim}-D and negative {negative.ndim}-D")
    _check_float_dtype(name, anchor, "positive", positive, "anchor")
    _check_float_dtype(name, anchor, "negative", negative, "anchor")
    d_pos = distance(anchor, positive)
    d_neg = distance(anchor, negative)
    if swap:
        d_neg = ops.minimum(d_neg, distance(positive, negative))
    return _reduce(ops.clamp(d_pos - d_neg + margin, min=0.0), reduction)
