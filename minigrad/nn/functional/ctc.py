"""``ctc_loss``: the connectionist temporal classification loss (Graves et al. 2006), as PyTorch's ``F.ctc_loss``.

For each sample n, the target l (length L) is extended with blanks, l' = (b, l1, b, l2, ..., lL, b) of length 2L + 1,
and the loss is -log p(l | x), p summing over every alignment of l' to the first T_n time steps (a label may repeat,
a blank between two equal labels may not be skipped). In log space, with y = log_probs[t, n]:

    alpha_0(0) = y(b), alpha_0(1) = y(l'_1);   alpha_t(s) = y(l'_s) + lse(alpha_{t-1}(s), alpha_{t-1}(s-1),
                                                                         alpha_{t-1}(s-2) if l'_s != b, l'_{s-2})
    loss_n = -lse(alpha_{T_n-1}(2L), alpha_{T_n-1}(2L-1));    beta runs the same recursion backwards from T_n - 1.

One loop over time steps, each step vectorised over the batch and the label positions. The gradient is the
closed form d loss_n / d y[t, k] = -sum over s with l'_s = k of exp(alpha_t(s) + beta_t(s) - y[t, k] + loss_n),
the exact derivative with respect to ``log_probs`` (zero at t >= T_n). PyTorch's own kernel returns that plus
exp(y) at t < T_n, a term the log_softmax before it cancels: through ``log_softmax`` both give the same gradient,
but directly with respect to ``log_probs`` they differ (see docs/layers.md). ``CTCNegLogLikelihood`` supports first
derivatives only: its backward is the alpha-beta closed form on arrays, and ``create_graph=True`` through it raises.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.function import Function
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module, scatter_add, to_device
from minigrad.nn.functional.loss import _check_reduction
from minigrad.scalars import is_integer

_NEG_INF = -np.inf


def _lse(*terms):
    """log(sum(exp(terms))) elementwise over equally shaped arrays, -inf where every term is -inf."""
    xp = get_array_module(terms[0])
    m = terms[0]
    for t in terms[1:]:
        m = xp.maximum(m, t)
    shift = xp.where(xp.isneginf(m), 0.0, m)
    total = sum(xp.exp(t - shift) for t in terms)
    with np.errstate(divide="ignore"):
        return xp.log(total) + shift


def _shift(a, k, fill=_NEG_INF, forward=True):
    """``a`` moved k places along the last axis (towards higher indices when ``forward``), filled with -inf."""
    xp = get_array_module(a)
    k = min(k, a.shape[-1])   # all targets empty: one position (the blank), which a shift by 2 moves out entirely
    pad = xp.full(a.shape[:-1] + (k,), fill, dtype=a.dtype)
    return xp.concatenate([pad, a[..., :-k]], axis=-1) if forward else xp.concatenate([a[..., k:], pad], axis=-1)


class CTCNegLogLikelihood(Function):
    """nll[n] = -log p(target_n | log_probs[:T_n, n]) for log_probs (T, N, C) -> (N,); the module docstring gives
    the recursion and dL/dlog_probs[t, n, k] = -g[n] * sum_{s: l'_s = k} exp(alpha_t(s) + beta_t(s) - y + nll[n]).
    ``zero_infinity``: an infinite nll (no alignment) becomes 0, with a zero gradient. First derivatives only."""

    def __init__(self, ext, skip, input_lengths, target_lengths, zero_infinity):
        self.ext, self.skip = ext, skip                       # (N, S') extended labels, (N, S') may skip from s-2
        self.input_lengths, self.target_lengths = input_lengths, target_lengths   # (N,) int64
        self.zero_infinity = zero_infinity

    def forward(self, lp):
        xp = get_array_module(lp)
        T, N, _ = lp.shape
        width = self.ext.shape[1]
        self.y = y = xp.take_along_axis(lp, xp.broadcast_to(self.ext[None], (T, N, width)), axis=2)  # (T, N, S')
        positions = xp.arange(width)
        self.inside = inside = positions[None, :] < (2 * self.target_lengths + 1)[:, None]
        alpha = xp.full((T, N, width), _NEG_INF, dtype=lp.dtype)
        first = xp.where(positions[None, :] < xp.minimum(2, 2 * self.target_lengths + 1)[:, None], y[0], _NEG_INF)
        alpha[0] = xp.where(self.input_lengths[:, None] > 0, first, _NEG_INF)
        for t in range(1, T):
            prev = alpha[t - 1]
            step = _lse(prev, _shift(prev, 1), xp.where(self.skip, _shift(prev, 2), _NEG_INF)) + y[t]
            alpha[t] = xp.where(inside & (t < self.input_lengths)[:, None], step, _NEG_INF)
        self.alpha = alpha
        last = alpha[xp.maximum(self.input_lengths - 1, 0), xp.arange(N)]                     # (N, S')
        end = 2 * self.target_lengths
        at_end = xp.take_along_axis(last, end[:, None], axis=1)[:, 0]
        before = xp.take_along_axis(last, xp.maximum(end - 1, 0)[:, None], axis=1)[:, 0]
        before = xp.where(self.target_lengths > 0, before, _NEG_INF)
        nll = -_lse(at_end, before)
        nll = xp.where(self.input_lengths > 0, nll, xp.where(self.target_lengths > 0, np.inf, 0.0)).astype(lp.dtype)
        self.nll = nll
        if self.zero_infinity:
            return xp.where(xp.isinf(nll), 0.0, nll).astype(lp.dtype)
        return nll.copy()   # backward reads self.nll: an in-place write into the returned loss must not reach it

    def backward(self, F, gy, lp):
        if isinstance(gy, Tensor):
            raise NotImplementedError(
                "ctc_loss: second derivatives are not supported (create_graph=True through CTC loss); its backward "
                "is the closed-form alpha-beta gradient on arrays, which is not itself recorded")
        xp = get_array_module(lp)
        T, N, C = lp.shape
        y, alpha, width = self.y, self.alpha, self.ext.shape[1]
        beta = xp.full((T, N, width), _NEG_INF, dtype=lp.dtype)
        positions = xp.arange(width)
        end = 2 * self.target_lengths
        start = (positions[None, :] == end[:, None]) | ((positions[None, :] == end[:, None] - 1)
                                                        & (self.target_lengths > 0)[:, None])
        may_skip_to = _shift(self.skip, 2, fill=False, forward=False)   # s -> s + 2 is allowed
        nxt = xp.full((N, width), _NEG_INF, dtype=lp.dtype)
        for t in range(T - 1, -1, -1):
            step = _lse(nxt, _shift(nxt, 1, forward=False), xp.where(may_skip_to, _shift(nxt, 2, forward=False),
                                                                        _NEG_INF)) + y[t]
            init = xp.where(start, y[t], _NEG_INF)
            here = (t == self.input_lengths - 1)[:, None]
            live = (t < self.input_lengths - 1)[:, None] & self.inside
            nxt = xp.where(here, init, xp.where(live, step, _NEG_INF))
            beta[t] = nxt
        finite = xp.isfinite(self.nll)
        with np.errstate(invalid="ignore", over="ignore"):
            occupancy = xp.exp(alpha + beta - y + xp.where(finite, self.nll, 0.0)[None, :, None])   # (T, N, S')
            occupancy = xp.where(finite[None, :, None], occupancy, xp.nan)
        grad = xp.zeros((T, N * C), dtype=lp.dtype)
        columns = (xp.arange(N)[:, None] * C + self.ext).reshape(-1)
        for_each = xp.broadcast_to(columns, (T, columns.size))
        scatter_add(grad, (xp.arange(T)[:, None], for_each), occupancy.reshape(T, -1))
        grad = -grad.reshape(T, N, C) * gy[None, :, None]
        if self.zero_infinity:
            grad = xp.where(finite[None, :, None], grad, 0.0)
        beyond = xp.arange(T)[:, None] >= self.input_lengths[None, :]
        return xp.where(beyond[:, :, None], 0.0, grad).astype(lp.dtype)


def _lengths(name, value, count, what):
    """``input_lengths`` / ``target_lengths`` as an (N,) int64 NumPy array (a Tensor, array, sequence or int)."""
    raw = value.data if isinstance(value, Tensor) else value
    raw = np.asarray(to_device(raw, "cpu") if hasattr(raw, "dtype") else raw)
    if raw.dtype.kind not in "iu":
        raise TypeError(f"ctc_loss: {name} must be integers, got dtype {raw.dtype}")
    raw = raw.reshape(-1).astype(np.int64)
    if raw.size != count:
        raise ValueError(f"ctc_loss: {name} must have one entry per sample ({count}), got {raw.size} ({what})")
    return raw


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """CTC loss of ``log_probs`` (T, N, C) or unbatched (T, C) (log-probabilities over C classes, ``blank`` one of
    them) against ``targets`` (N, S) padded or 1-D concatenated (sum(target_lengths)), as PyTorch's.

    ``reduction``: 'none' gives the (N,) losses, 'sum' their sum, 'mean' the mean of each loss divided by its target
    length (at least 1). ``zero_infinity`` zeroes infinite losses (no alignment fits) and their gradients.
    """
    _check_reduction("ctc_loss", reduction)
    lp = as_tensor(log_probs)
    if lp.ndim not in (2, 3):
        raise ValueError(f"ctc_loss: log_probs must be (T, N, C) or unbatched (T, C), got shape {tuple(lp.shape)}")
    if lp.dtype.kind != "f":
        raise TypeError(f"ctc_loss: log_probs must be floating, got dtype {lp.dtype}")
    unbatched = lp.ndim == 2
    if unbatched:
        lp = lp.reshape(lp.shape[0], 1, lp.shape[1])
    T, N, C = lp.shape
    if T == 0:   # no alignment to sum over (torch refuses an empty log_probs too)
        raise ValueError(f"ctc_loss: log_probs of shape {tuple(log_probs.shape)} has no time steps (T = 0)")
    if not is_integer(blank) or not 0 <= blank < C:
        raise ValueError(f"ctc_loss: blank must be in label range [0, {C}), got {blank!r}")
    blank = int(blank)
    raw = targets.data if isinstance(targets, Tensor) else targets
    raw = np.asarray(to_device(raw, "cpu") if hasattr(raw, "dtype") else raw)
    if raw.dtype.kind not in "iu":
        raise TypeError(f"ctc_loss: targets must be integers, got dtype {raw.dtype}")
    in_len = _lengths("input_lengths", input_lengths, N, f"log_probs of shape {tuple(log_probs.shape)}")
    tg_len = _lengths("target_lengths", target_lengths, N, f"log_probs of shape {tuple(log_probs.shape)}")
    if (in_len < 0).any() or (in_len > T).any():
        raise ValueError(f"ctc_loss: input_lengths must be in [0, {T}] (T of log_probs), got {in_len.tolist()}")
    if (tg_len < 0).any():
        raise ValueError(f"ctc_loss: target_lengths must be non-negative, got {tg_len.tolist()}")
    longest = int(tg_len.max()) if N else 0
    if raw.ndim == 1 and unbatched:
        raw = raw.reshape(1, -1)
    if raw.ndim == 2:
        if raw.shape[0] != N or raw.shape[1] < longest:
            raise ValueError(f"ctc_loss: padded targets of shape {tuple(raw.shape)} must be (N={N}, S) with S at "
                             f"least the longest target length {longest}")
        padded = raw[:, :longest].astype(np.int64)
    elif raw.ndim == 1:
        if raw.size != int(tg_len.sum()):
            raise ValueError(f"ctc_loss: concatenated targets hold {raw.size} labels but target_lengths add up to "
                             f"{int(tg_len.sum())}")
        padded = np.full((N, longest), blank, dtype=np.int64)
        rows = np.repeat(np.arange(N), tg_len)
        cols = np.arange(raw.size) - np.repeat(np.cumsum(tg_len) - tg_len, tg_len)
        padded[rows, cols] = raw
    else:
        raise ValueError(f"ctc_loss: targets must be (N, S) or 1-D, got shape {tuple(raw.shape)}")
    used = np.arange(longest)[None, :] < tg_len[:, None]
    labels = padded[used]
    if labels.size and (labels.min() < 0 or labels.max() >= C or (labels == blank).any()):
        raise ValueError(f"ctc_loss: target labels must be in [0, {C}) and not the blank ({blank}), got "
                         f"{np.unique(labels).tolist()}")
    padded = np.where(used, padded, blank)
    ext = np.full((N, 2 * longest + 1), blank, dtype=np.int64)
    ext[:, 1::2] = padded
    skip = np.zeros_like(ext, dtype=bool)
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    device = lp.device
    if N == 0:   # no samples: their (0,) losses, on the graph (the alignment kernel needs a sample)
        nll = lp.sum(axis=(0, 2))
    else:
        nll = CTCNegLogLikelihood.apply(lp, ext=to_device(ext, device), skip=to_device(skip, device),
                                        input_lengths=to_device(in_len, device),
                                        target_lengths=to_device(tg_len, device), zero_infinity=bool(zero_infinity))
    if reduction == "none":
        return nll.reshape(()) if unbatched else nll
    if reduction == "sum":
        return nll.sum()
    divisor = to_device(np.maximum(tg_len, 1).astype(lp.dtype), device)
    return (nll / as_tensor(divisor)).mean()
