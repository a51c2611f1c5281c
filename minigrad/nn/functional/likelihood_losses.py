"""Negative log-likelihood losses of PyTorch for real targets: ``gaussian_nll_loss`` (a predicted mean and variance)
and ``poisson_nll_loss`` (a predicted rate). Compositions of ops, so their second derivatives follow."""
from __future__ import annotations

import math

import numpy as np

from minigrad import ops
from minigrad.autograd.tensor import Tensor
from minigrad.nn.arguments import flag, number
from minigrad.nn.functional.distance import ForwardClampMin
from minigrad.nn.functional.loss import _as_target, _check_reduction, _reduce

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def gaussian_nll_loss(x: Tensor, target, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """``(log(max(var, eps)) + (x - target)^2 / max(var, eps)) / 2`` (+ ``log(2 pi) / 2`` with ``full``), as
    PyTorch's.

    ``var`` is a number, a Tensor of x's shape, x's shape without its last axis (one variance per sample), or
    x's shape with exactly one axis of size 1 (shared along it); any other shape is an error, and so is a negative
    entry. The clamp at ``eps`` acts on the value only: the gradient reaches a clamped ``var`` as if it were eps
    (PyTorch clamps under no_grad). Derivatives: ``dL/dx = (x - target) / v``,
    ``dL/dvar = (1 / v - (x - target)^2 / v^2) / 2`` with ``v = max(var, eps)``.
    """
    name = "gaussian_nll_loss"
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(x).__name__}")
    full = flag(name, "full", full)
    eps = number(name, "eps", eps)
    target = _as_target(x, target)
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError(f"{name}: var has a negative entry ({var})")
        var = Tensor(x._xp().full(x.shape, var, dtype=x.dtype))
    else:
        var = _as_target(x, var)
        if bool((var.data < 0).any()):
            raise ValueError(f"{name}: var has negative entries")
    if tuple(var.shape) != tuple(x.shape):
        if tuple(var.shape) == tuple(x.shape[:-1]):
            var = var.reshape(*var.shape, 1)
        elif var.ndim != x.ndim or sum(v for s, v in zip(x.shape, var.shape) if s != v) != 1:
            raise ValueError(f"{name}: var of shape {tuple(var.shape)} does not fit the input of shape "
                             f"{tuple(x.shape)}: give x's shape, x's shape without its last axis, or x's shape "
                             "with one axis of size 1")
    _check_reduction(name, reduction)
    v = ForwardClampMin.apply(var, eps=eps)
    d = x - target
    loss = (ops.log(v) + d * d / v) * 0.5
    if full:
        loss = loss + _HALF_LOG_2PI
    return _reduce(loss, reduction)


def poisson_nll_loss(x: Tensor, target, log_input: bool = True, full: bool = False, eps: float = 1e-8,
                     reduction: str = "mean") -> Tensor:
    """Poisson negative log-likelihood of ``target`` under rate ``exp(x)`` (``log_input``) or ``x``, as PyTorch's:
    ``exp(x) - target x``, or ``x - target log(x + eps)``; ``full`` adds Stirling's approximation of
    ``log(target!)``, ``target log(target) - target + log(2 pi target) / 2``, where ``target > 1``.
    x and target broadcast together. Derivative (log_input): ``exp(x) - target``; else ``1 - target / (x + eps)``.
    """
    name = "poisson_nll_loss"
    _check_reduction(name, reduction)
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(x).__name__}")
    log_input, full = flag(name, "log_input", log_input), flag(name, "full", full)
    eps = number(name, "eps", eps)
    target = _as_target(x, target)
    if log_input:
        loss = ops.exp(x) - target * x
    else:
        loss = x - target * ops.log(x + eps)
    if full:
        above = Tensor(target.data > 1)
        safe = ops.where(above, target, 2.0)   # log(0) kept out of the unselected branch (and its gradient)
        stirling = safe * ops.log(safe) - safe + ops.log(safe * (2 * np.pi)) * 0.5
        loss = loss + ops.where(above, stirling, 0.0)
    return _reduce(loss, reduction)
