"""Margin losses of PyTorch: ``soft_margin_loss`` (the logistic loss of ±1 targets) and ``margin_ranking_loss``.

Compositions of ops, so their second derivatives follow.
"""
from __future__ import annotations

from minigrad import ops
from minigrad.autograd.tensor import Tensor
from minigrad.nn.arguments import number
from minigrad.nn.functional.loss import _as_target, _check_like, _check_reduction, _reduce
from minigrad.nn.functional.legacy_reduction import legacy_reduction


def soft_margin_loss(input: Tensor, target, size_average=None, reduce=None,  # noqa: A002
                     reduction: str = "mean") -> Tensor:
    """``log(1 + exp(-y input))`` elementwise for targets ``y`` (1 or -1) of the input's shape, reduced.

    Computed as ``softplus(-y input)`` (one stable op): finite for any ``y input``, where PyTorch's
    ``log1p(exp(-y input))`` overflows past ``-y input = 709`` in float64 (88 in float32).
    Derivative: ``dL/dinput = -y sigmoid(-y input)``, ``dL/dy = -input sigmoid(-y input)``.
    """
    reduction = legacy_reduction("soft_margin_loss", size_average, reduce, reduction)
    _check_reduction("soft_margin_loss", reduction)
    target = _as_target(input, target)
    _check_like("soft_margin_loss", input, target)
    return _reduce(ops.softplus(-(target * input)), reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target, margin: float = 0.0, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """``max(0, -y (input1 - input2) + margin)`` elementwise: input1 should rank above input2 by ``margin`` where ``y = 1``, below
    where ``y = -1``. input1, input2 and target of one shape (PyTorch broadcasts inputs of equal rank; a mismatch is an
    error here, as in the other losses). Derivative ``-y`` (``y`` for input2) where the margin is not met, 0
    where it is; at the kink it is PyTorch's ``clamp_min`` convention (counted as not met).
    """
    reduction = legacy_reduction("margin_ranking_loss", size_average, reduce, reduction)
    name = "margin_ranking_loss"
    _check_reduction(name, reduction)
    margin = number(name, "margin", margin)
    input2 = _as_target(input1, input2)
    target = _as_target(input1, target)
    _check_like(name, input1, input2, "input2", "input1")
    _check_like(name, input1, target, "target", "input1")
    return _reduce(ops.clamp(-target * (input1 - input2) + margin, min=0.0), reduction)
