"""Negative log-likelihood losses of PyTorch for real targets: ``gaussian_nll_loss`` (a predicted mean and variance)
and ``poisson_nll_loss`` (a predicted rate). Compositions of ops, so their second derivatives follow."""
from __future__ import annotations

import math

import numpy as np

from minigrad import ops
from minigrad.autograd.tensor import Tensor
from minigrad.nn.arguments import flag, number
from minigrad.nn.functional.distance import ForwardClampMin
from minigrad.nn.functional.loss import _as_target, _check_float_dtype, _check_reduction, _reduce
from minigrad.nn.functional.legacy_reduction import legacy_reduction

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def gaussian_nll_loss(input: Tensor, target, var, full: bool = False, eps: float = 1e-6,  # noqa: A002
                      reduction: str = "mean") -> Tensor:
    """``(log(max(var, eps)) + (input - target)^2 / max(var, eps)) / 2`` (+ ``log(2 pi) / 2`` with ``full``), as
    PyTorch's.

    ``var`` is a number, a Tensor of input's shape, input's shape without its last axis (one variance per sample), or
    input's shape with exactly one axis of size 1 (shared along it); any other shape is an error, and so is a negative
    entry. The clamp at ``eps`` acts on the value only: the gradient reaches a clamped ``var`` as if it were eps
    (PyTorch clamps under no_grad). Derivatives: ``dL/dinput = (input - target) / v``,
    ``dL/dvar = (1 / v - (input - target)^2 / v^2) / 2`` with ``v = max(var, eps)``.
    """
    name = "gaussian_nll_loss"
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
    full = flag(name, "full", full)
    eps = number(name, "eps", eps)
    target = _as_target(input, target)
    _check_float_dtype(name, input, "target", target)
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError(f"{name}: var has a negative entry ({var})")
        var = Tensor(input._xp().full(input.shape, var, dtype=input.dtype))
    else:
        var = _as_target(input, var)
        if var.dtype.kind != "f":   # PyTorch refuses it too (its in-place clamp cannot store eps)
            raise TypeError(f"{name}: var must be floating point, got dtype {var.dtype} (shape {tuple(var.shape)})")
        _check_float_dtype(name, input, "var", var)
        if bool((var.data < 0).any()):
            raise ValueError(f"{name}: var has negative entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(var.shape) == tuple(input.shape[:-1]):
            var = var.reshape(*var.shape, 1)
        elif var.ndim != input.ndim or sum(v for s, v in zip(input.shape, var.shape) if s != v) != 1:
            raise ValueError(f"{name}: var of shape {tuple(var.shape)} does not fit the input of shape "
                             f"{tuple(input.shape)}: give input's shape, input's shape without its last axis, or input's shape "
                             "with one axis of size 1")
    _check_reduction(name, reduction)
    v = ForwardClampMin.apply(var, eps=eps)
    d = input - target
    loss = (ops.log(v) + d * d / v) * 0.5
    if full:
        loss = loss + _HALF_LOG_2PI
    return _reduce(loss, reduction)


def poisson_nll_loss(input: Tensor, target, log_input: bool = True, full: bool = False, size_average=None,  # noqa: A002
                     eps: float = 1e-8, reduce=None, reduction: str = "mean") -> Tensor:
    """Poisson negative log-likelihood of ``target`` under rate ``exp(input)`` (``log_input``) or ``input``, as PyTorch's:
    ``exp(input) - target input``, or ``input - target log(input + eps)``; ``full`` adds Stirling's approximation of
    ``log(target!)``, ``target log(target) - target + log(2 pi target) / 2``, where ``target > 1``.
    input and target broadcast together. Derivative (log_input): ``exp(input) - target``; else ``1 - target / (input + eps)``.
    """
    reduction = legacy_reduction("poisson_nll_loss", size_average, reduce, reduction)
    name = "poisson_nll_loss"
    _check_reduction(name, reduction)
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
    log_input, full = flag(name, "log_input", log_input), flag(name, "full", full)
    eps = number(name, "eps", eps)
    target = _as_target(input, target)
    _check_float_dtype(name, input, "target", target)
    if log_input:
        loss = ops.exp(input) - target * input
    else:
        loss = input - target * ops.log(input + eps)
    if full:
        above = Tensor(target.data > 1)
        safe = ops.where(above, target, 2.0)   # log(0) kept out of the unselected branch (and its gradient)
        stirling = safe * ops.log(safe) - safe + ops.log(safe * (2 * np.pi)) * 0.5
        loss = loss + ops.where(above, stirling, 0.0)
    return _reduce(loss, reduction)
