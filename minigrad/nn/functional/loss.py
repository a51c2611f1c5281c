"""Loss functions: cross-entropy from logits, NLL, MSE, L1, Huber and smooth L1 (binary cross-entropy from
logits lives in ``binary_losses.py``).

They are part of ``minigrad.nn.functional`` (re-exported there). Cross-entropy is
a single Function whose forward works on raw arrays with the log-sum-exp trick
(finite for logits of +-1000) and whose backward is the famous closed form,
``softmax(x) - q``, written with minigrad ops of the *input* Tensor so that
double backward is exact too.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from minigrad import ops
from minigrad.autograd.function import Function
from minigrad.autograd.mode import STATE
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module, scatter_add, to_device
from minigrad.nn.arguments import float_argument
from minigrad.nn.functional.legacy_reduction import legacy_reduction
from minigrad.nn.fused import SquaredError
from minigrad.ops._args import half_in_float32
from minigrad.ops.softmax import Softmax, log_softmax
from minigrad.scalars import is_integer

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(name, reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def number_array(value):
    """The array behind a loss's weight argument: a Tensor's data or an array itself (its dtype kept), else
    ``numpy.asarray(value)`` (a list or a number); None for a ragged list."""
    if isinstance(value, Tensor):
        return value.data
    if hasattr(value, "dtype") and hasattr(value, "shape"):
        return value
    try:
        return np.asarray(value)
    except ValueError:   # a ragged list
        return None


class ClassTargets(NamedTuple):
    """Class-index targets checked against (N, C) scores, with each row's weight in the loss.

    ``index``: (N,) class indices safe to gather with. ``weight``: None when every row weighs 1 (the common
    case: no per-row array work), else (N,) row weights: the class weight of the row's target, 0 for an ignored
    row, NaN (on a GPU) for a row whose target is out of range. ``counted``: None, or (N,) bool, the rows whose
    weight is not 0 (only their loss enters: 0 * -inf would be NaN). ``total``: for ``'mean'``, the sum of the
    row weights, which the summed loss is divided by (PyTorch's weighted mean); a number when known on the host,
    a 0-d array on a GPU; None for another reduction.
    """
    index: object
    weight: object
    counted: object
    total: object


def _class_targets(name, logits, target, ignore_index, reduction, weight=None, shown=None):
    """Validate integer class targets for (N, C) scores; return their ``ClassTargets``. ``shown``: the
    (input, target) shapes the caller passed, for the messages, when these rows are a flattened (N, C, d1, ...).

    A ``'mean'`` with no row to average (an empty batch, every row ignored) is NaN, as in PyTorch, while its
    gradient is 0, so that one step on a padding-only batch changes nothing (``_divide_by_total``, ``_row_scale``,
    ``_nan_if_empty_mean``).
    """
    if not isinstance(logits, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(logits).__name__}")
    if logits.ndim != 2:
        raise ValueError(f"{name}: input must have shape (N, C), got {tuple(logits.shape)}")
    if logits.dtype.kind != "f":
        raise TypeError(f"{name}: input must be floating point, got dtype {logits.dtype}")
    if ignore_index is not None and not is_integer(ignore_index):   # '1' or 1.5 would match no target: none ignored
        raise TypeError(f"{name}: ignore_index must be an integer or None, got {ignore_index!r}")
    if isinstance(weight, Tensor) and weight.requires_grad and STATE.grad_enabled:   # it took it as a constant
        raise RuntimeError(f"{name}: not differentiable in weight with class-index targets (torch's nll_loss is not "
                           "either); pass weight.detach(), or class-probability targets, for which it is")
    data = target.data if isinstance(target, Tensor) else target
    if not hasattr(data, "dtype"):
        data = np.asarray(data)
    n, c = logits.shape
    shown_input, shown_target = shown or (tuple(logits.shape), tuple(data.shape))
    if data.dtype.kind not in "iu":
        if tuple(data.shape) == (n, c):
            # One-hot (or probability) rows: astype would keep the wrong shape; argmax gives the indices.
            raise TypeError(
                f"{name}: target has shape {tuple(data.shape)} like the input: one-hot or probability rows? "
                f"{name} takes integer class indices of shape ({n},); pass target.argmax(axis=1)"
            )
        shapes = f"(target shape {shown_target}, input shape {shown_input})"
        if name != "cross_entropy":
            hint = "convert with target.astype(np.int64)"
        elif tuple(data.shape) == (n,):   # the class-index shape: integer labels stored as floats, most likely
            hint = (f"convert with target.astype(np.int64) (class probabilities would have the input's shape "
                    f"{shown_input})")
        else:
            hint = f"a class-probability target must have the input's shape {shown_input}"
        raise TypeError(f"{name}: target must hold integer class indices, got dtype {data.dtype} {shapes}; {hint}")
    if tuple(data.shape) != (n,):
        raise ValueError(
            f"{name}: target has shape {tuple(data.shape)} but input has shape {tuple(logits.shape)}; "
            f"expected target of shape ({n},)"
        )
    data = to_device(data, logits.device)
    weight = _class_weight(name, weight, logits, shown_input)
    if get_array_module(data) is np:
        return _host_targets(name, data, c, ignore_index, reduction, logits.dtype, shown_input, weight)
    return _device_targets(data, c, ignore_index, reduction, logits.dtype, weight)


def _class_weight(name, weight, logits, shown_input=None):
    """``weight`` as a (C,) array in the logits' dtype and on their device (None stays None); ``shown_input``: the
    input shape the caller passed, for the message."""
    if weight is None:
        return None
    data = weight.data if isinstance(weight, Tensor) else weight
    if not hasattr(data, "dtype"):
        data = np.asarray(data)
    if data.dtype.kind not in "biuf":   # astype would drop an imaginary part with a mere warning
        raise TypeError(f"{name}: weight must hold real numbers, got dtype {data.dtype}")
    c = logits.shape[1]
    if tuple(data.shape) != (c,):
        raise ValueError(f"{name}: weight has shape {tuple(data.shape)}; expected ({c},), one per class of "
                         f"input of shape {shown_input or tuple(logits.shape)}")
    return to_device(data, logits.device).astype(logits.dtype, copy=False)


def _host_targets(name, data, c, ignore_index, reduction, dtype, shape, weight=None):
    """On the host, an index outside [0, c) (ignored rows aside) raises at once, and the total is a number."""
    keep = None if ignore_index is None else data != ignore_index
    if keep is not None and keep.all():  # nothing to ignore (the usual batch): every row counts alike
        keep = None
    counted = data if keep is None else data[keep]
    if counted.size and (counted.min() < 0 or counted.max() >= c):  # two reductions, no mask arithmetic
        first = int(counted[(counted < 0) | (counted >= c)][0])
        raise ValueError(f"{name}: target holds class index {first} outside [0, {c}) for input of shape {shape}")
    if keep is None and weight is None:
        return ClassTargets(data, None, None, data.shape[0] if reduction == "mean" else None)
    safe = data if keep is None else np.where(keep, data, 0)  # ignored rows gather at 0
    rows = np.ones(data.shape[0], dtype) if keep is None else keep.astype(dtype)
    if weight is not None:
        rows *= weight[safe]
    return ClassTargets(safe, rows, rows != 0, float(_total_weight(rows)) if reduction == "mean" else None)


def _device_targets(data, c, ignore_index, reduction, dtype, weight=None):
    """On a GPU, the same without reading anything back to the host.

    Raising would mean reading the check back, a synchronisation in every
    training step; instead an out-of-range row's weight is NaN, so the loss turns
    NaN at its next read and ``minigrad.detect_anomaly()`` names the op. Such a
    row gathers at class 0, as an ignored one does.
    """
    xp = get_array_module(data)
    # Read as unsigned, a negative index becomes huge: one comparison checks both ends.
    # That holds while c fits the signed type (c <= max + 1); past it, every value >= 0 is below c.
    if data.dtype.kind == "i" and c > np.iinfo(data.dtype).max + 1:
        valid = data >= 0
    else:
        unsigned = data.view(np.dtype(f"u{data.dtype.itemsize}")) if data.dtype.kind == "i" else data
        valid = unsigned < c
    rows = xp.where(valid, dtype.type(1), dtype.type(np.nan))
    safe, counted = xp.where(valid, data, 0), None   # an ignored or bad row gathers at 0, inside its own row
    if ignore_index is not None:
        counted = data != ignore_index
        rows = xp.where(counted, rows, dtype.type(0))
    if weight is not None:
        rows = rows * weight[safe]
        counted = rows != 0
    return ClassTargets(safe, rows, counted, _total_weight(rows) if reduction == "mean" else None)


def _total_weight(rows):
    """The row weights' sum; float16's in float32, since 65,505 rows of weight 1 pass float16's largest number."""
    return rows.sum(dtype=np.float32) if rows.dtype == np.float16 else rows.sum()


def _divide_by_total(loss, total):
    """A 'mean': the summed loss over the total row weight, NaN when nothing counts (0 / 0 on a GPU, where it
    gives NaN without a warning or a read-back; on the host, where the total is a number, without 0 / 0)."""
    if isinstance(total, (int, float)) and total == 0:
        return loss * np.nan
    return loss / total


def _row_scale(targets, reduction):
    """Each row's factor in the reduced loss, and so in its gradient: its weight, over the total for 'mean';
    a Python float when every row weighs alike. All zero when the total is 0 (every row ignored, or the counted
    rows' class weights sum to 0), so the gradient stays 0: ``w`` over inf there, as ``w`` may be nonzero where
    its total is 0 (the smoothing term's 0/1 row flags over the weighted total)."""
    w, total = targets.weight, targets.total
    if reduction != "mean":
        return 1.0 if w is None else w
    if w is None:
        return 1.0 / total if total else 1.0
    divisor = (total or np.inf) if isinstance(total, float) else get_array_module(w).where(
        total == 0, total.dtype.type(np.inf), total)
    if w.dtype == np.float16:   # the total may be past float16's largest number (see _total_weight)
        return half_in_float32(lambda w32: w32 / divisor, w)
    return w / divisor


def _nan_if_empty_mean(loss, targets, reduction, logits):
    """For the losses composed of ops: ``loss``, plus NaN for a 'mean' with nothing to average (a 0-d term that
    is 0 or NaN on a GPU, where it cannot be known without a read-back)."""
    if reduction != "mean" or (targets.weight is None and targets.total):
        return loss
    xp, dtype = logits._xp(), logits.dtype
    if isinstance(targets.total, (int, float)):
        return loss if targets.total else loss + Tensor(xp.asarray(np.nan, dtype=dtype))
    return loss + Tensor(xp.where(targets.total == 0, dtype.type(np.nan), dtype.type(0)))  # no host read on a GPU


def _one_hot(xp, target, n_classes, dtype):
    out = xp.zeros((target.shape[0], n_classes), dtype=dtype)
    if n_classes:   # with no classes every row is ignored: nothing to mark
        out[xp.arange(target.shape[0]), target] = 1
    return out


class SoftmaxCrossEntropy(Function):
    r"""Cross-entropy of class targets under ``softmax(x)``, one node.

    With target distribution ``q = (1 - e) onehot(t) + e / C`` (label smoothing
    ``e``), row weight ``w`` (the class weight of the target, 0 for an ignored row)
    and ``W = sum_i w_i`` for the mean (PyTorch's weighted mean)::

        loss_i = -w_i sum_c q_ic log softmax(x)_ic,   'sum': sum_i loss_i,   'mean': sum_i loss_i / W
        dloss/dx_i = s_i (softmax(x)_i - q_i),   s_i = w_i (over W for the mean)

    The one-hot part is a gather at the target index, never a dense (N, C) array.
    Shapes: x (N, C) -> (N,) per-row losses for reduction="none", else () (their sum).
    """

    def __init__(self, targets, smoothing, reduction):
        self.targets = targets          # ClassTargets: indices, row weights, counted rows, total weight
        self.smoothing = smoothing      # e
        self.reduction = reduction

    def forward(self, x):
        xp = get_array_module(x)
        n, c = x.shape
        t, e = self.targets, self.smoothing
        if x.size == 0:   # no rows, or no classes (then every row is ignored, or NaN on a GPU): nothing to gather
            self.exps, self.norm, self.at_target = x.copy(), xp.ones((n, 1), x.dtype), None
            loss = xp.zeros(n, x.dtype)
        else:
            loss = self._nll(xp, x, n, c, t.index, e)
        if t.weight is not None:  # an ignored row adds exactly 0, whatever its logits
            loss = (loss if t.counted is None else xp.where(t.counted, loss, 0)) * t.weight
        if self.reduction == "none":
            return loss
        if self.reduction == "sum":
            return loss.sum()
        if loss.dtype == np.float16:   # the summed losses may pass 65,504 where their mean does not
            return half_in_float32(lambda loss32: _divide_by_total(loss32.sum(), t.total), loss)
        return _divide_by_total(loss.sum(), t.total)

    def _nll(self, xp, x, n, c, index, e):
        """Each row's -sum_c q_c log softmax(x)_c, keeping what the fast backward needs."""
        shifted = x - x.max(axis=1, keepdims=True)        # the max subtracted: exp cannot overflow
        self.exps = xp.exp(shifted)
        self.norm = self.exps.sum(axis=1, keepdims=True)  # softmax(x) = exps / norm: kept for the fast backward
        log_norm = xp.log(self.norm)[:, 0]                  # log softmax(x) = shifted - log_norm
        # Where each row's target is in the flattened (N*C) array: one flat take and one scatter, which on a GPU
        # cost a third of indexing with two arrays (measured on an H200: 21 against 65 us to gather, 55 against
        # 173 us to subtract the one-hot).
        offsets = xp.arange(0, n * c, c)
        self.at_target = offsets + index.astype(offsets.dtype, copy=False)  # (uint64 + int64 would be float)
        loss = 0
        # Only terms with q > 0 enter: a log-probability of -inf elsewhere adds 0, not 0 * -inf = NaN.
        if e != 1:
            loss = log_norm - shifted.reshape(-1).take(self.at_target)  # -log softmax(x) at the target
            if e:
                loss = loss * (1 - e)
        if e != 0:
            # -sum_c log softmax(x)_c, times e/C, as a mean: C log_norm and the sum pass float16's 65,504 from about
            # C = 7,000 where their difference over C does not (the float16 mean accumulated in float32)
            mean = shifted.mean(axis=1, dtype=np.float32 if x.dtype == np.float16 else None).astype(x.dtype, copy=False)
            loss = loss + (log_norm - mean) * e
        return loss

    def _q(self, xp, dtype, shape):
        e = self.smoothing
        q = _one_hot(xp, self.targets.index, shape[1], dtype)
        return q * dtype.type(1 - e) + dtype.type(e / shape[1]) if e and q.size else q

    def _scale(self, F, gy):
        """The factor of each row of the gradient: its row factor times the incoming gradient."""
        if self.reduction == "none":
            gy = F.reshape(gy, (-1,))
        w = _row_scale(self.targets, self.reduction)
        scale = gy * (w if isinstance(w, float) else F.const(w))
        return F.reshape(scale, (-1, 1)) if scale.ndim else scale

    def backward(self, F, gy, x):
        if not F.recording:
            return self._fused_gradient(F, gy)
        q = F.const(self._q(get_array_module(x.data), x.dtype, x.shape))
        return (F.apply(Softmax, x, axis=1) - q) * self._scale(F, gy)

    def _fused_gradient(self, F, gy):
        """The same gradient from the forward's saved exponentials, gathering at the targets.

        Kept as an array kernel because the composed form recomputes the softmax and builds a dense
        (N, C) one-hot; ``tests/ops/test_backward_paths.py`` checks the two against each other.
        """
        g = self.exps / self.norm                         # softmax(x)
        e = self.smoothing
        if e != 1 and self.at_target is not None:
            # Into the flat array, reshaped back after: the exponentials of non-contiguous logits (x.T, or the rows
            # of (1, C, L) scores) are non-contiguous, and g.reshape(-1) of them is a copy the write would miss.
            flat = g.reshape(-1)
            scatter_add(flat, self.at_target, -(1 - e), distinct=True)  # softmax(x) - (1-e) onehot
            g = flat.reshape(g.shape)
        if e != 0 and g.size:
            g -= e / g.shape[1]                           # ... - e/C
        g *= self._scale(F, gy)
        return g


def cross_entropy(input: Tensor, target, weight=None, size_average=None, ignore_index: int | None = -100,  # noqa: A002
                  reduce=None, reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of integer class targets under ``softmax(logits)``, for logits of shape (N, C).

    A floating Tensor target of the logits' shape holds class probabilities instead (torch's soft targets:
    mixup, distillation), see ``_probability_cross_entropy``; ``ignore_index`` plays no part then.

    ``label_smoothing = e`` replaces the one-hot target by ``(1 - e) * one_hot + e / C``.
    Rows whose target equals ``ignore_index`` (PyTorch's -100 by default; None ignores
    none) contribute nothing, and any other target outside [0, C) is an error. ``weight`` (C,)
    weighs each row by the weight of its target class; ``'mean'`` divides by the
    sum of the counted rows' weights (the number of rows without ``weight``), as
    PyTorch does. ``'none'`` returns the (N,) weighted losses. With ``weight`` and
    smoothing, PyTorch's smoothing term is ``-e/C sum_c weight_c log p_c`` per row.
    A ``'mean'`` with no row to average is NaN, with a zero gradient.
    The arguments are torch's, in its order (``size_average``/``reduce``: see ``legacy_reduction``).
    """
    logits = input   # torch's name for the argument
    reduction = legacy_reduction("cross_entropy", size_average, reduce, reduction)
    _check_reduction("cross_entropy", reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    if isinstance(logits, Tensor) and _is_probability_target(logits, target):
        if ignore_index is not None and ignore_index >= 0:   # no class index to compare it with, as torch
            raise ValueError(f"cross_entropy: ignore_index={ignore_index} is not supported for class-probability "
                             f"(floating) targets of shape {tuple(target.shape)}")
        return _probability_cross_entropy(logits, target, reduction, float(label_smoothing), weight)
    if isinstance(logits, Tensor) and logits.ndim != 2:
        return _per_position("cross_entropy", _cross_entropy_rows, logits, target, reduction, weight=weight,
                             ignore_index=ignore_index, label_smoothing=label_smoothing)
    return _cross_entropy_rows(logits, target, reduction, weight, ignore_index, label_smoothing)


def _cross_entropy_rows(logits, target, reduction, weight, ignore_index, label_smoothing, shown=None):
    """``cross_entropy`` of (N, C) logits and (N,) class indices (``shown``: see ``_class_targets``)."""
    targets = _class_targets("cross_entropy", logits, target, ignore_index, reduction, weight, shown)
    if weight is not None and label_smoothing > 0:
        loss = _weighted_smoothed_cross_entropy(logits, target, targets, float(label_smoothing), ignore_index,
                                                reduction, _class_weight("cross_entropy", weight, logits))
        return _nan_if_empty_mean(loss, targets, reduction, logits)
    if targets.index is target or (isinstance(target, Tensor) and targets.index is target.data):
        # The node keeps the indices for backward: never the caller's array, which may be refilled first.
        targets = targets._replace(index=targets.index.copy())
    loss = SoftmaxCrossEntropy.apply(logits, targets=targets, smoothing=float(label_smoothing), reduction=reduction)
    if weight is not None:   # negative class weights may total 0 under a nonzero sum: w / 0 is inf on a GPU, not NaN
        return _nan_if_empty_mean(loss, targets, reduction, logits)
    return loss


def _weighted_smoothed_cross_entropy(logits, target, targets, e, ignore_index, reduction, weight):
    """PyTorch's class-weighted cross-entropy with label smoothing, composed of ops:
    ``(1 - e) nll(weighted) + e/C * sum_i u_i (-sum_c w_c log p_ic)``, with ``u_i`` 0 for an
    ignored row and the 'mean' dividing both parts by the counted rows' total target weight."""
    xp = logits._xp()
    data = to_device(number_array(target), logits.device)   # not np.asarray: it refuses a CuPy array
    keep = xp.ones(data.shape[0], dtype=logits.dtype) if ignore_index is None else \
        (data != ignore_index).astype(logits.dtype)
    unit = _row_scale(targets._replace(weight=keep), reduction)   # over the same total weight for 'mean'
    log_p = log_softmax(logits, axis=1)
    picked = _picked_rows(log_p, targets.index, _row_scale(targets, reduction))
    # An ignored row adds exactly 0, as torch's, even where a -inf logit makes its smoothing term infinite.
    smoothed = ops.where(Tensor(keep != 0), -(log_p * Tensor(weight)).sum(axis=1), 0.0) * Tensor(unit)
    per_row = picked * (1 - e) + smoothed * (e / logits.shape[1])
    return per_row if reduction == "none" else per_row.sum()


def _reduce(values: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return values.mean()
    if reduction == "sum":
        return values.sum()
    return values


def nll_loss(input: Tensor, target, weight=None, size_average=None, ignore_index: int | None = -100,  # noqa: A002
             reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood ``-weight[t_i] log_probs[i, t_i]`` of (N, C) log-probabilities.

    Pair it with ``log_softmax``: ``nll_loss(log_softmax(x), t) == cross_entropy(x, t)``.
    ``weight`` and ``ignore_index`` as in :func:`cross_entropy`, and the arguments in torch's order too.
    """
    log_probs = input   # torch's name for the argument
    reduction = legacy_reduction("nll_loss", size_average, reduce, reduction)
    _check_reduction("nll_loss", reduction)
    if isinstance(log_probs, Tensor) and log_probs.ndim != 2:
        return _per_position("nll_loss", _nll_rows, log_probs, target, reduction, weight=weight,
                             ignore_index=ignore_index)
    return _nll_rows(log_probs, target, reduction, weight, ignore_index)


def _nll_rows(log_probs, target, reduction, weight, ignore_index, shown=None):
    """``nll_loss`` of (N, C) log-probabilities and (N,) class indices (``shown``: see ``_class_targets``)."""
    targets = _class_targets("nll_loss", log_probs, target, ignore_index, reduction, weight, shown)
    per_row = _picked_rows(log_probs, targets.index, _row_scale(targets, reduction))
    return _nan_if_empty_mean(per_row if reduction == "none" else per_row.sum(), targets, reduction, log_probs)


def _per_position(name, loss, scores, target, reduction, **options):
    """PyTorch's other input shapes for a class-target loss, as rows of (N, C): an unbatched (C,) input with a 0-d
    target, and (N, C, d1, ..., dk) with targets (N, d1, ..., dk), one prediction per position (a pixel, a time
    step); 'none' gives the losses in the target's shape."""
    target_shape = tuple(np.shape(target.data if isinstance(target, Tensor) else target))
    if scores.ndim == 1:
        expected = ()
    elif scores.ndim >= 3:
        expected = (scores.shape[0],) + tuple(scores.shape[2:])
    else:
        expected = None
    if expected is None or target_shape != expected:
        raise ValueError(f"{name}: input must have shape (N, C), (C,) or (N, C, d1, ...), with targets of shape (N,), "
                         f"() or (N, d1, ...); got input {tuple(scores.shape)} and target {target_shape}")
    rows = (ops.reshape(scores, (1, -1)) if scores.ndim == 1
            else ops.reshape(ops.movedim(scores, 1, -1), (-1, scores.shape[1])))
    flat = ops.reshape(target if isinstance(target, Tensor) else Tensor(number_array(target)), (-1,))
    # ``loss`` takes the rows; its messages name the shapes the caller passed, not the flattened ones.
    out = loss(rows, flat, reduction=reduction, shown=(tuple(scores.shape), target_shape), **options)
    return ops.reshape(out, target_shape) if reduction == "none" else out


def _is_probability_target(logits, target):
    """A floating target of the logits' shape: class probabilities along axis 1, as torch reads it."""
    return isinstance(target, Tensor) and target.dtype.kind == "f" and target.shape == logits.shape


def _probability_cross_entropy(logits, target, reduction, e, weight):
    """torch's cross-entropy with class probabilities q (N, C, ...) as the target, composed of ops::

        loss_i = -sum_c w_c q_ic log softmax(x_i)_c,   q = (1 - e) q + e / C with label smoothing e

    ``'mean'`` divides by the number of positions (N times the trailing sizes), weights or not, as torch.
    Differentiable in the target too.
    """
    if target.dtype != logits.dtype:
        raise TypeError(f"cross_entropy: probability target has dtype {target.dtype} but input {logits.dtype}; "
                        "convert one of them")
    if logits.ndim == 1:   # one unbatched sample (C,), as torch: a 0-d loss
        return _probability_cross_entropy(logits[None], target[None], reduction, e, weight).reshape(())
    if logits.ndim < 1:
        raise ValueError(f"cross_entropy: probability targets need an input of shape (C,) or (N, C, ...), "
                         f"got {tuple(logits.shape)}")
    c = logits.shape[1]
    if e:
        target = target * (1.0 - e) + e / c
    terms = target * log_softmax(logits, axis=1)
    if weight is not None:
        w = _class_weight("cross_entropy", weight, logits)
        if isinstance(weight, Tensor) and weight.requires_grad:   # differentiable in the weight too, as torch's
            if weight.dtype != logits.dtype:
                raise TypeError(f"cross_entropy: weight has dtype {weight.dtype} but input {logits.dtype}; "
                                "convert one of them")
            w = weight
        terms = terms * (w if isinstance(w, Tensor) else Tensor(w)).reshape((1, c) + (1,) * (logits.ndim - 2))
    return _reduce(-terms.sum(axis=1), reduction)


def _picked_rows(log_probs, safe, row_scale):
    """``-row_scale_i * log_probs[i, safe_i]`` per row, composed of ops."""
    xp = get_array_module(safe)
    pick = _one_hot(xp, safe, log_probs.shape[1], log_probs.dtype)
    pick *= row_scale if isinstance(row_scale, float) else row_scale[:, None]
    # Only picked entries enter the sum: a log-probability of -inf elsewhere adds 0, not 0 * -inf = NaN.
    return -(ops.where(Tensor(pick != 0), log_probs, 0.0) * Tensor(pick)).sum(axis=1)


def _check_like(name, x, target, what="target", base="input", complex_ok=False):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: {base} must be a Tensor, got {type(x).__name__}")
    # The arrays' shapes and dtypes: a Tensor's properties are a Python call each (here once per loss).
    xa, ta = x.data, target.data
    # as torch; an integer input gave float64 (mse_loss) or int64 (l1_loss 'sum') losses, a complex one to mse_loss
    # (x - y)^2, not |x - y|^2 (torch: not implemented); l1_loss's |x - y| is defined for complex, as torch's
    if xa.dtype.kind != "f" and not (complex_ok and xa.dtype.kind == "c"):
        kind = "floating point or complex" if complex_ok else "floating point"
        raise TypeError(f"{name}: {base} must be {kind}, got dtype {x.dtype} (shape {tuple(x.shape)})")
    if xa.shape != ta.shape:
        # Broadcasting (N, 1) against (N,) would silently build an (N, N) loss.
        raise ValueError(
            f"{name}: {base} has shape {tuple(x.shape)} but {what} has shape {tuple(target.shape)}; they must match"
        )
    if ta.dtype != xa.dtype:
        raise TypeError(f"{name}: {what} dtype {target.dtype} differs from {base} dtype {x.dtype}")


def _check_float_dtype(name, x, what, other, base="input"):
    """A floating ``other`` in another dtype than ``x`` is refused up front, naming both arguments, rather than by
    the first op that mixes them (minigrad does not promote silently)."""
    if other.dtype != x.dtype and other.dtype.kind == "f":
        raise TypeError(f"{name}: {what} dtype {other.dtype} differs from {base} dtype {x.dtype}")


def _as_target(x, target):
    """A float target as a Tensor in the input's dtype and on its device."""
    if isinstance(target, Tensor):
        return target
    data = to_device(np.asarray(target) if not hasattr(target, "dtype") else target, x.device)
    return Tensor(data.astype(x.dtype, copy=False))


def mse_loss(input: Tensor, target, size_average=None, reduce=None, reduction: str = "mean",  # noqa: A002
             weight=None) -> Tensor:
    """Mean squared error ``(input - target)^2``, averaged (or summed) over every element.

    ``weight`` (input's shape) weighs each element, and the mean is then ``sum(w l) / sum(w)``, as torch's.
    """
    reduction = legacy_reduction("mse_loss", size_average, reduce, reduction)
    _check_reduction("mse_loss", reduction)
    target = _as_target(input, target)
    _check_like("mse_loss", input, target)
    if reduction == "none" or weight is not None:
        diff = input - target
        return _weighted_reduce("mse_loss", diff * diff, weight, reduction)
    # One fused node for the reduced loss (the common case in training); the mean is its default.
    return SquaredError.apply(input, target) if reduction == "mean" else SquaredError.apply(input, target, scale=1.0)


def l1_loss(input: Tensor, target, size_average=None, reduce=None, reduction: str = "mean",  # noqa: A002
            weight=None) -> Tensor:
    """Mean absolute error ``|input - target|``; ``weight`` as in :func:`mse_loss`."""
    reduction = legacy_reduction("l1_loss", size_average, reduce, reduction)
    _check_reduction("l1_loss", reduction)
    target = _as_target(input, target)
    _check_like("l1_loss", input, target, complex_ok=True)
    return _weighted_reduce("l1_loss", ops.abs(input - target), weight, reduction)


def huber_loss(input: Tensor, target, reduction: str = "mean", delta: float = 1.0,  # noqa: A002
               weight=None) -> Tensor:
    """Huber loss of ``d = input - target``: ``d^2 / 2`` where ``|d| < delta``, else ``delta (|d| - delta / 2)``.

    Derivative: ``d`` inside, ``delta sign(d)`` outside (continuous at ``|d| = delta``).
    ``weight`` (input's shape) weighs each element; unlike :func:`mse_loss`'s, the mean stays the mean over
    the elements, as torch's.
    """
    _check_reduction("huber_loss", reduction)
    given, delta = delta, float_argument("huber_loss", "delta", delta)   # torch's TypeError for a non-number
    if not delta > 0:   # torch's RuntimeError
        raise RuntimeError(f"huber_loss: delta must be positive, got {given!r} (torch: huber_loss does not support "
                           "non-positive values for delta)")
    target = _as_target(input, target)
    _check_like("huber_loss", input, target)
    d = input - target
    a = ops.abs(d)
    if _overflows(delta, input.dtype):
        # No linear zone the dtype can hold (delta = inf: d^2 / 2 everywhere). where() would still differentiate
        # (|d| - delta/2) delta at every entry it leaves out, 0 * inf = NaN in each gradient.
        values = d * d * 0.5
    else:
        inside = a < delta
        dq = ops.where(inside, d, 0.0)   # an infinite d stays out of d^2 / 2, whose gradient 0 * inf would be NaN
        values = ops.where(inside, dq * dq * 0.5, (a - 0.5 * delta) * delta)
    return _weighted_reduce("huber_loss", values, weight, reduction, by_weights=False)


def _overflows(number, dtype):
    """Whether the finite-or-not Python float ``number`` is infinite in ``dtype`` (inf itself, or past its range)."""
    with np.errstate(over="ignore"):
        return bool(np.isinf(np.asarray(number, dtype=dtype)))


def smooth_l1_loss(input: Tensor, target, size_average=None, reduce=None, reduction: str = "mean",  # noqa: A002
                   beta: float = 1.0) -> Tensor:
    """Smooth L1 loss of ``d = input - target``: ``d^2 / (2 beta)`` where ``|d| < beta``, else ``|d| - beta / 2``.

    Derivative: ``d / beta`` inside, ``sign(d)`` outside. ``beta = 0`` is the L1 loss. It is
    ``huber_loss(..., delta=beta) / beta`` for ``beta > 0``.
    """
    reduction = legacy_reduction("smooth_l1_loss", size_average, reduce, reduction)
    _check_reduction("smooth_l1_loss", reduction)
    given, beta = beta, float_argument("smooth_l1_loss", "beta", beta)   # torch's TypeError for a non-number
    if not beta >= 0:   # torch's RuntimeError (NaN too)
        raise RuntimeError(f"smooth_l1_loss: beta must be >= 0, got {given!r} (torch: smooth_l1_loss does not support "
                           "negative values for beta)")
    target = _as_target(input, target)
    _check_like("smooth_l1_loss", input, target)
    d = input - target
    a = ops.abs(d)
    if beta == 0 or np.asarray(beta, dtype=input.dtype) == 0:
        # no quadratic zone (and no division by 0 in the branch where() leaves out); a beta below the dtype's
        # smallest number is 0 there, as in torch's kernel
        return _reduce(a, reduction)
    inside = a < beta
    dq = ops.where(inside, d, 0.0)   # an infinite d stays out of the quadratic branch, as in huber_loss
    if _overflows(0.5 / beta, input.dtype):
        # 1 / (2 beta) past the dtype's range: d d (0.5 / beta) would be 0 * inf = NaN at d = 0, and its gradient
        # NaN everywhere; d (d / beta) / 2 on the entries inside only (|d / beta| < 1) overflows nowhere
        quadratic = dq * (dq / beta) * 0.5
    else:
        quadratic = dq * dq * (0.5 / beta)
    return _reduce(ops.where(inside, quadratic, a - 0.5 * beta), reduction)


def _weighted_reduce(name, values: Tensor, weight, reduction: str, by_weights=True) -> Tensor:
    """``values`` reduced; with a ``weight`` of their shape, ``weight * values``, whose mean is ``sum / sum(weight)``
    (``by_weights``: torch's mse_loss and l1_loss), else the mean over the elements (torch's huber_loss)."""
    if weight is None:
        return _reduce(values, reduction)
    weight = _as_target(values, weight)
    if tuple(weight.shape) != tuple(values.shape):
        raise ValueError(f"{name}: weight must have the input's shape {tuple(values.shape)}, "
                         f"got {tuple(weight.shape)}")
    if weight.dtype != values.dtype:   # a Tensor, as BCE's weight: cast to the input's dtype, never the other way
        weight = weight.astype(values.dtype)
    weighted = values * weight
    if reduction == "mean" and by_weights:
        return weighted.sum() / weight.sum()
    return _reduce(weighted, reduction)
