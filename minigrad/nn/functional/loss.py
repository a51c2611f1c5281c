"""Loss functions: cross-entropy from logits, NLL, MSE, L1 and binary cross-entropy from logits.

They are part of ``minigrad.nn.functional`` (re-exported there). Cross-entropy and
BCE-with-logits are single Functions whose forward works on raw arrays with the
log-sum-exp / softplus trick (finite for logits of +-1000) and whose backward is
the famous closed form, ``softmax(x) - q`` and ``sigmoid(x) - t``, written with
minigrad ops of the *input* Tensor so that double backward is exact too.
"""
from __future__ import annotations

import numpy as np

from minigrad import ops
from minigrad.autograd.function import Function
from minigrad.autograd.tensor import Tensor
from minigrad.nn.fused import SquaredError
from minigrad.backend import get_array_module, to_device
from minigrad.nn.functional.softmax import Softmax, stable_log_softmax

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(name, reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _class_targets(name, logits, target, ignore_index, reduction):
    """Validate integer class targets for (N, C) scores; return (targets, row scale).

    The targets are class indices safe to gather with. The row scale is each
    row's factor in the reduced loss: its weight (0 for an ignored row), divided
    by the number of counted rows for ``'mean'``. It is a Python float when every
    row counts alike (the common case: no per-row array work), else an (N,) array.
    """
    if not isinstance(logits, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(logits).__name__}")
    if logits.ndim != 2:
        raise ValueError(f"{name}: input must have shape (N, C), got {tuple(logits.shape)}")
    if logits.dtype.kind != "f":
        raise TypeError(f"{name}: input must be floating point, got dtype {logits.dtype}")
    data = target.data if isinstance(target, Tensor) else target
    if not hasattr(data, "dtype"):
        data = np.asarray(data)
    n, c = logits.shape
    if data.dtype.kind not in "iu":
        if tuple(data.shape) == (n, c):
            # One-hot (or probability) rows: astype would keep the wrong shape; argmax gives the indices.
            raise TypeError(
                f"{name}: target has shape {tuple(data.shape)} like the input: one-hot or probability rows? "
                f"{name} takes integer class indices of shape ({n},); pass target.argmax(axis=1)"
            )
        raise TypeError(
            f"{name}: target must hold integer class indices, got dtype {data.dtype} "
            "(convert with target.astype(np.int64))"
        )
    if tuple(data.shape) != (n,):
        raise ValueError(
            f"{name}: target has shape {tuple(data.shape)} but input has shape {tuple(logits.shape)}; "
            f"expected target of shape ({n},)"
        )
    data = to_device(data, logits.device)
    if isinstance(data, np.ndarray):
        return _host_targets(name, data, c, ignore_index, reduction, logits.dtype, tuple(logits.shape))
    return _device_targets(data, c, ignore_index, reduction, logits.dtype)


def _host_targets(name, data, c, ignore_index, reduction, dtype, shape):
    """On the host, an index outside [0, c) (ignored rows aside) raises at once."""
    keep = None if ignore_index is None else data != ignore_index
    counted = data if keep is None else data[keep]
    if counted.size and (counted.min() < 0 or counted.max() >= c):  # two reductions, no mask arithmetic
        first = int(counted[(counted < 0) | (counted >= c)][0])
        raise ValueError(f"{name}: target holds class index {first} outside [0, {c}) for input of shape {shape}")
    if keep is None:
        return data, _uniform_scale(reduction, data.shape[0])
    return np.where(keep, data, 0), _scaled_rows(keep.astype(dtype), reduction)  # ignored rows gather at 0


def _device_targets(data, c, ignore_index, reduction, dtype):
    """On a GPU, the same without reading anything back to the host.

    Raising would mean reading the check back, a synchronisation in every
    training step; instead an out-of-range row's scale is NaN, so the loss turns
    NaN at its next read and ``minigrad.detect_anomaly()`` names the op. (CuPy
    wraps an out-of-range gather index around, so the gather itself is harmless.)
    Without ``ignore_index`` this is two kernels.
    """
    xp = get_array_module(data)
    # Read as unsigned, a negative index becomes huge: one comparison checks both ends.
    unsigned = data.view(np.dtype(f"u{data.dtype.itemsize}")) if data.dtype.kind == "i" else data
    in_range = unsigned < c
    if ignore_index is None:
        scale = _uniform_scale(reduction, data.shape[0])
        return data, xp.where(in_range, dtype.type(scale), dtype.type(np.nan))
    keep = data != ignore_index
    weight = xp.where(keep, xp.where(in_range, dtype.type(1), dtype.type(np.nan)), dtype.type(0))
    return xp.where(keep, data, 0), _scaled_rows(weight, reduction)


def _uniform_scale(reduction, n):
    """Every row's factor when all n rows count: 1/n for 'mean', else 1 (a Python float)."""
    return 1.0 / n if reduction == "mean" and n else 1.0


def _scaled_rows(weight, reduction):
    """Row weights divided by the counted rows for 'mean' (0/0 = NaN when all rows are ignored, as in torch)."""
    if reduction != "mean":
        return weight
    with np.errstate(invalid="ignore", divide="ignore"):  # every row ignored: NaN by design, not a warning
        return weight / weight.sum()


def _one_hot(xp, target, n_classes, dtype):
    out = xp.zeros((target.shape[0], n_classes), dtype=dtype)
    out[xp.arange(target.shape[0]), target] = 1
    return out


class SoftmaxCrossEntropy(Function):
    r"""Cross-entropy of class targets under ``softmax(x)``, one node.

    With target distribution ``q = (1 - e) onehot(t) + e / C`` (label smoothing
    ``e``) and row factor ``w`` (1/N for the mean, 0 for ignored rows)::

        loss_i = -w_i sum_c q_ic log softmax(x)_ic
        dloss/dx_i = w_i (softmax(x)_i - q_i)

    The one-hot part is a gather at the target index, never a dense (N, C) array.
    """

    def __init__(self, target, row_scale, smoothing, reduction):
        self.target = target            # (N,) class indices, each in [0, C)
        self.row_scale = row_scale      # Python float, or (N,) array with 0 for ignored rows
        self.smoothing = smoothing      # e
        self.reduction = reduction

    def forward(self, x):
        xp = get_array_module(x)
        n, c = x.shape
        log_p = self.log_p = stable_log_softmax(xp, x, axis=1)  # kept: the fast backward's softmax
        self.rows = xp.arange(n)
        e = self.smoothing
        loss = 0
        # Only terms with q > 0 enter: a log-probability of -inf elsewhere adds 0, not 0 * -inf = NaN.
        if e != 1:
            loss = log_p[self.rows, self.target] * (1 - e)
        if e != 0:
            loss = loss + log_p.sum(axis=1) * (e / c)
        per_row = -loss
        w = self.row_scale
        if isinstance(w, float):
            per_row *= w
        else:  # an ignored row adds exactly 0, whatever its logits
            per_row = xp.where(w != 0, per_row, 0) * w
        return per_row if self.reduction == "none" else per_row.sum()

    def _q(self, xp, dtype, shape):
        e = self.smoothing
        q = _one_hot(xp, self.target, shape[1], dtype)
        return q * dtype.type(1 - e) + dtype.type(e / shape[1]) if e else q

    def _scale(self, F, gy):
        """The factor of each row of the gradient: its row factor times the incoming gradient."""
        if self.reduction == "none":
            gy = F.reshape(gy, (-1,))
        w = self.row_scale
        scale = gy * (w if isinstance(w, float) else F.const(w))
        return F.reshape(scale, (-1, 1)) if scale.ndim else scale

    def backward(self, F, gy, x):
        if not F.recording:
            return self._fused_gradient(F, gy)
        q = F.const(self._q(get_array_module(x.data), x.dtype, x.shape))
        return (F.apply(Softmax, x, axis=1) - q) * self._scale(F, gy)

    def _fused_gradient(self, F, gy):
        """The same gradient from the forward's saved log-softmax, gathering at the targets.

        Kept as an array kernel because the composed form recomputes the softmax and builds a dense
        (N, C) one-hot; ``tests/nn/test_losses.py`` checks the two against each other.
        """
        g = get_array_module(gy).exp(self.log_p)          # softmax(x)
        e = self.smoothing
        if e != 1:
            g[self.rows, self.target] -= 1 - e            # softmax(x) - (1-e) onehot
        if e != 0:
            g -= e / g.shape[1]                           # ... - e/C
        g *= self._scale(F, gy)
        return g


def cross_entropy(logits: Tensor, target, reduction: str = "mean", label_smoothing: float = 0.0,
                  ignore_index: int | None = None) -> Tensor:
    """Cross-entropy of integer class targets under ``softmax(logits)``, for logits of shape (N, C).

    ``label_smoothing = e`` replaces the one-hot target by ``(1 - e) * one_hot + e / C``.
    Rows whose target equals ``ignore_index`` contribute nothing, and ``'mean'``
    divides by the number of remaining rows. ``'none'`` returns the (N,) losses.
    """
    _check_reduction("cross_entropy", reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    safe, row_scale = _class_targets("cross_entropy", logits, target, ignore_index, reduction)
    if safe is target or (isinstance(target, Tensor) and safe is target.data):
        # The node keeps the indices for backward: never the caller's array, which may be refilled first.
        safe = safe.copy()
    return SoftmaxCrossEntropy.apply(logits, target=safe, row_scale=row_scale,
                                     smoothing=float(label_smoothing), reduction=reduction)


def _reduce(values: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return values.mean()
    if reduction == "sum":
        return values.sum()
    return values


def nll_loss(log_probs: Tensor, target, reduction: str = "mean", ignore_index: int | None = None) -> Tensor:
    """Negative log-likelihood ``-log_probs[i, target_i]`` of (N, C) log-probabilities.

    Pair it with ``log_softmax``: ``nll_loss(log_softmax(x), t) == cross_entropy(x, t)``.
    """
    _check_reduction("nll_loss", reduction)
    safe, row_scale = _class_targets("nll_loss", log_probs, target, ignore_index, reduction)
    xp = get_array_module(safe)
    pick = _one_hot(xp, safe, log_probs.shape[1], log_probs.dtype)
    pick *= row_scale if isinstance(row_scale, float) else row_scale[:, None]
    # Only picked entries enter the sum: a log-probability of -inf elsewhere adds 0, not 0 * -inf = NaN.
    per_row = -(ops.where(Tensor(pick != 0), log_probs, 0.0) * Tensor(pick)).sum(axis=1)
    return per_row if reduction == "none" else per_row.sum()


def _check_like(name, x, target):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(x).__name__}")
    if tuple(x.shape) != tuple(target.shape):
        # Broadcasting (N, 1) against (N,) would silently build an (N, N) loss.
        raise ValueError(
            f"{name}: input has shape {tuple(x.shape)} but target has shape {tuple(target.shape)}; they must match"
        )
    if target.dtype != x.dtype:
        raise TypeError(f"{name}: target dtype {target.dtype} differs from input dtype {x.dtype}")


def _as_target(x, target):
    """A float target as a Tensor in the input's dtype and on its device."""
    if isinstance(target, Tensor):
        return target
    data = to_device(np.asarray(target) if not hasattr(target, "dtype") else target, x.device)
    return Tensor(data.astype(x.dtype, copy=False))


def mse_loss(x: Tensor, target, reduction: str = "mean") -> Tensor:
    """Mean squared error ``(x - target)^2``, averaged (or summed) over every element."""
    _check_reduction("mse_loss", reduction)
    target = _as_target(x, target)
    _check_like("mse_loss", x, target)
    if reduction == "none":
        diff = x - target
        return diff * diff
    # One fused node for the reduced loss (the common case in training).
    return SquaredError.apply(x, target, scale=1.0 / max(x.size, 1) if reduction == "mean" else 1.0)


def l1_loss(x: Tensor, target, reduction: str = "mean") -> Tensor:
    """Mean absolute error ``|x - target|``."""
    _check_reduction("l1_loss", reduction)
    target = _as_target(x, target)
    _check_like("l1_loss", x, target)
    return _reduce(ops.abs(x - target), reduction)


class SigmoidBinaryCrossEntropy(Function):
    """``softplus(x) - x * t`` elementwise; backward ``(sigmoid(x) - t) * gy`` and ``-x * gy``."""

    def forward(self, x, t):
        xp = get_array_module(x)
        # softplus(x) = max(x, 0) + log(1 + exp(-|x|)): exp never overflows.
        return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x))) - x * t

    def backward(self, F, gy, x, t):
        gx = (F.sigmoid(x) - t) * gy if self.needs_input_grad[0] else None
        gt = -x * gy if self.needs_input_grad[1] else None
        return gx, gt


def binary_cross_entropy_with_logits(logits: Tensor, target, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of targets in [0, 1] under ``sigmoid(logits)``, computed stably."""
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    target = _as_target(logits, target)
    _check_like("binary_cross_entropy_with_logits", logits, target)
    return _reduce(SigmoidBinaryCrossEntropy.apply(logits, target), reduction)
