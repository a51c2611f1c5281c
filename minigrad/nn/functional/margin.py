"""Margin losses of PyTorch: ``soft_margin_loss`` (the logistic loss of ±1 targets) and ``margin_ranking_loss``.

Compositions of ops, so their second derivatives follow.
"""
from __future__ import annotations

from minigrad import ops
from minigrad.autograd.tensor import Tensor
from minigrad.nn.arguments import number
from minigrad.nn.functional.loss import _as_target, _check_like, _check_reduction, _reduce


def soft_margin_loss(x: Tensor, target, reduction: str = "mean") -> Tensor:
    """``log(1 + exp(-y x))`` elementwise for targets ``y`` (1 or -1) of the input's shape, reduced.

    Computed as ``softplus(-y x)`` (one stable op): finite for any ``y x``, where PyTorch's
    ``log1p(exp(-y x))`` overflows past ``-y x = 709`` in float64 (88 in float32).
    Derivative: ``dL/dx = -y sigmoid(-y x)``, ``dL/dy = -x sigmoid(-y x)``.
    """
    _check_reduction("soft_margin_loss", reduction)
    target = _as_target(x, target)
    _check_like("soft_margin_loss", x, target)
    return _reduce(ops.softplus(-(target * x)), reduction)


def margin_ranking_loss(x1: Tensor, x2: Tensor, target, margin: float = 0.0, reduction: str = "mean") -> Tensor:
    """``max(0, -y (x1 - x2) + margin)`` elementwise: x1 should rank above x2 by ``margin`` where ``y = 1``, below
    where ``y = -1``. x1, x2 and target of one shape (PyTorch broadcasts inputs of equal rank; a mismatch is an
    error here, as in the other losses). Derivative ``-y`` (``y`` for x2) where the margin is not met, 0
    where it is; at the kink it is PyTorch's ``clamp_min`` convention (counted as not met).
    """
    name = "margin_ranking_loss"
    _check_reduction(name, reduction)
    margin = number(name, "margin", margin)
    x2 = _as_target(x1, x2)
    target = _as_target(x1, target)
    _check_like(name, x1, x2)
    _check_like(name, x1, target)
    return _reduce(ops.clamp(-target * (x1 - x2) + margin, min=0.0), reduction)
