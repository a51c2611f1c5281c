"""Multi-class and multi-label margin losses, as PyTorch's: ``multi_margin_loss`` (hinge on class scores),
``multilabel_margin_loss`` (hinge between listed and unlisted classes) and ``multilabel_soft_margin_loss``
(per-class logistic loss).

Compositions of ops; the hinges are ``relu``, as PyTorch's kernels count a term only where it is > 0 (gradient 0
at the kink). Integer targets are checked on the host (a GPU array is read back once per call).
"""
from __future__ import annotations

import numpy as np

from minigrad import ops
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module, to_device, to_numpy
from minigrad.nn.arguments import number
from minigrad.nn.functional.activation import logsigmoid
from minigrad.nn.functional.loss import _as_target, _check_float_dtype, _check_reduction, _reduce
from minigrad.nn.functional.legacy_reduction import legacy_reduction


def _scores(name, x) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: input must be floating point, got dtype {x.dtype}")
    # a batch of N = 0 is fine (mean nan, sum 0, as the other losses); C = 0 classes has no hinge to take
    if x.ndim not in (1, 2) or x.shape[-1] == 0:
        raise ValueError(f"{name}: expected a (C,) or (N, C) input with C > 0, got shape {tuple(x.shape)}")
    return x


def _indices(name, x, target, shape):
    """``target`` as an integer array of ``shape`` on x's device, or one error naming the shapes or dtype."""
    data = target.data if isinstance(target, Tensor) else target
    if not hasattr(data, "dtype"):
        data = np.asarray(data)
    if data.dtype.kind not in "iu":
        raise TypeError(f"{name}: target must hold integer class indices, got dtype {data.dtype}")
    if tuple(data.shape) != shape:
        raise ValueError(f"{name}: target has shape {tuple(data.shape)} but input has shape {tuple(x.shape)}; "
                         f"expected target of shape {shape}")
    return to_device(data, x.device).astype(np.int64, copy=False)


def _one_hot(xp, index, c, dtype):
    """(..., C) rows of 0/1 in ``dtype``, 1 at ``index`` (indices outside [0, C) give an all-zero row)."""
    return (index[..., None] == xp.arange(c)).astype(dtype)


def multi_margin_loss(input: Tensor, target, p: int = 1, margin: float = 1.0, weight=None, size_average=None,  # noqa: A002
                      reduce=None, reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss (Weston and Watkins 1999), as PyTorch's: per sample
    ``sum_{j != y} w_y max(0, margin - x_y + x_j)^p / C``.

    Shapes: input (N, C) with integer target (N,), or (C,) with a 0-d target; ``weight`` (C,) scales each sample's
    terms by its target class's weight. ``p`` is 1 or 2. Derivative: ``p h^(p-1) w_y`` on ``x_j`` and minus their
    sum on ``x_y`` where ``h = margin - x_y + x_j > 0``; 0 where ``h <= 0``.
    """
    reduction = legacy_reduction("multi_margin_loss", size_average, reduce, reduction)
    name = "multi_margin_loss"
    _check_reduction(name, reduction)
    if p not in (1, 2) or isinstance(p, bool):
        raise ValueError(f"{name}: only p == 1 and p == 2 are supported, got p={p!r}")
    margin = number(name, "margin", margin)
    input = _scores(name, input)
    rows = input if input.ndim == 2 else input.reshape(1, -1)
    n, c = rows.shape
    t = _indices(name, input, target, (n,) if input.ndim == 2 else ()).reshape(n)
    t_host = to_numpy(t)
    if t_host.size and (t_host.min() < 0 or t_host.max() >= c):
        bad = int(t_host[(t_host < 0) | (t_host >= c)][0])
        raise ValueError(f"{name}: target holds class index {bad} outside [0, {c}) for input of shape {tuple(input.shape)}")
    xp = get_array_module(t)
    pick = _one_hot(xp, t, c, input.dtype)
    # a gather, not a sum against the one-hot rows: a -inf (masked) score elsewhere in the row would give 0 * -inf
    picked = ops.gather(rows, 1, Tensor(t.reshape(n, 1)))
    h = ops.relu((margin - picked) + rows)   # PyTorch's order of operations: a term at the kink rounds to 0 alike
    # the target's own term is left out, as in torch's loop (x_y = +inf would make it inf - inf = NaN there)
    h = ops.where(Tensor(pick != 0), 0.0, h)
    if p == 2:
        h = h * h
    scale = (1.0 - pick) / c
    if weight is not None:
        w = _class_weight(name, weight, input, c)
        scale = scale * w[t][:, None]
    per_sample = (h * Tensor(scale.astype(input.dtype, copy=False))).sum(axis=1)
    if input.ndim == 1:
        per_sample = per_sample.reshape(())
    return _reduce(per_sample, reduction)


def _class_weight(name, weight, x, c):
    """``weight`` as a (C,) array in x's dtype on x's device (a constant: PyTorch gives it no gradient here)."""
    data = weight.data if isinstance(weight, Tensor) else weight
    if not hasattr(data, "dtype"):
        data = np.asarray(data)
    if tuple(data.shape) != (c,):
        raise ValueError(f"{name}: weight has shape {tuple(data.shape)}; expected ({c},), one per class of input "
                         f"of shape {tuple(x.shape)}")
    return to_device(data, x.device).astype(x.dtype, copy=False)


def multilabel_margin_loss(input: Tensor, target, size_average=None, reduce=None,  # noqa: A002
                           reduction: str = "mean") -> Tensor:
    """Multi-label hinge loss, as PyTorch's: per sample
    ``sum_{j listed} sum_{k not listed} max(0, 1 - (x_j - x_k)) / C``.

    ``target`` (integers, the input's shape) lists each sample's classes up to its first -1 (a class listed twice
    counts twice, as in PyTorch's loop). Shapes: input (N, C) or (C,) -> (N,) or () for 'none'. Builds (N, C, C)
    pairwise terms.
    """
    reduction = legacy_reduction("multilabel_margin_loss", size_average, reduce, reduction)
    name = "multilabel_margin_loss"
    _check_reduction(name, reduction)
    input = _scores(name, input)
    rows = input if input.ndim == 2 else input.reshape(1, -1)
    n, c = rows.shape
    t = _indices(name, input, target, tuple(input.shape)).reshape(n, c)
    xp = get_array_module(t)
    listed = xp.cumprod(t != -1, axis=1).astype(bool)     # the entries before the first -1
    t_host = to_numpy(t)
    bad = (t_host < -1) | (t_host >= c)   # checked after the first -1 too, as PyTorch does
    if bad.any():
        raise ValueError(f"{name}: target holds {int(t_host[bad][0])}, neither a class index in [0, {c}) nor -1, "
                         f"for input of shape {tuple(input.shape)}")
    counts = (_one_hot(xp, xp.where(listed, t, -1), c, input.dtype)).sum(axis=1)   # (N, C) times each class is listed
    pairs = counts[:, :, None] * (counts == 0).astype(input.dtype)[:, None, :] / input.dtype.type(c)
    hinge = ops.relu(1.0 - (rows.reshape(n, c, 1) - rows.reshape(n, 1, c)))
    # only the counted pairs enter: an infinite score makes the others inf (or inf - inf = NaN), which times 0 is NaN
    hinge = ops.where(Tensor(pairs != 0), hinge, 0.0)
    per_sample = (hinge * Tensor(pairs)).sum(axis=(1, 2))
    if input.ndim == 1:
        per_sample = per_sample.reshape(())
    return _reduce(per_sample, reduction)


def multilabel_soft_margin_loss(input: Tensor, target, weight=None, size_average=None, reduce=None,  # noqa: A002
                                reduction: str = "mean") -> Tensor:
    """``-(y logsigmoid(input) + (1 - y) logsigmoid(-input))`` per class, times ``weight``, averaged over the classes
    (the last axis), then reduced over the samples, as PyTorch's. Stable for any |input| (logsigmoid).

    Shapes: input and target (..., C), ``weight`` broadcasting to them -> (...) for 'none'.
    """
    reduction = legacy_reduction("multilabel_soft_margin_loss", size_average, reduce, reduction)
    name = "multilabel_soft_margin_loss"
    _check_reduction(name, reduction)
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim == 0:
        raise ValueError(f"{name}: expected an input of shape (..., C), got a 0-d input")
    target = _as_target(input, target)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"{name}: input has shape {tuple(input.shape)} but target has shape {tuple(target.shape)}; "
                         "they must match")
    _check_float_dtype(name, input, "target", target)
    loss = -(target * logsigmoid(input) + (1.0 - target) * logsigmoid(-input))
    if weight is not None:
        weight = _as_target(input, weight)
        loss = loss * (weight if weight.dtype == input.dtype else weight.astype(input.dtype))   # a float32 buffer
    return _reduce(loss.sum(axis=-1) / input.shape[-1], reduction)
