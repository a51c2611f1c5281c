"""Running reductions along one dim under PyTorch's names: ``cumprod``, ``cummax``/``cummin``,
``logcumsumexp``, and ``diff`` (differences of neighbours).

``cumprod`` and ``logcumsumexp`` are ops of their own (their derivatives need care at zeros and for
large inputs); ``cummax``/``cummin`` take their values at int64 indices (``TakeAlongAxis``), so the
gradient goes to the entry each running extremum came from; ``diff`` is slices and subtractions.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.function import Function
from minigrad.autograd.tensor import Tensor
from minigrad.backend import cast, get_array_module
from minigrad.ops import _plain
from minigrad.ops._args import as_floating, accumulator_dtype, one_dim, refuse_complex
from minigrad.ops.convert import running_in_dtype
from minigrad.ops.order_statistics import _running, rank_index
from minigrad.ops.reduce import TakeAlongAxis
from minigrad.ops.scan import CumSum
from minigrad.ops.shape import concat, reshape, reshape_if_needed
from minigrad.scalars import is_integer

CummaxResult = namedtuple("cummax", ["values", "indices"])
CumminResult = namedtuple("cummin", ["values", "indices"])


def _cut(ndim, axis, start, stop):
    index = [slice(None)] * ndim
    index[axis] = slice(start, stop)
    return tuple(index)


def _shift(F, t, s, axis, fill):
    """t moved ``s`` places towards the start along ``axis`` (s > 0) or the end (s < 0), ``fill`` coming in."""
    data = t.data if F.recording else t
    xp = get_array_module(data)
    n = t.shape[axis]
    pad = F.const(xp.full(t.shape[:axis] + (min(abs(s), n),) + t.shape[axis + 1:], fill, dtype=data.dtype))
    if s > 0:
        return F.concat([t[_cut(t.ndim, axis, s, None)], pad], axis)
    return F.concat([pad, t[_cut(t.ndim, axis, None, n + s)]], axis)


class CumProd(Function):
    """y_i = product of x_j for j <= i along ``axis``.

    dL/dx_j = sum over i >= j of g_i * (product of x_k, k <= i, k != j) = E_j R_j, with E_j = y_(j-1)
    (the product before j) and R_j = g_j + x_(j+1) R_(j+1) (a reverse linear recurrence). Without zeros
    that is reverse-cumsum(g y)_j / x_j; with zeros E and R are computed without dividing (R by log2(n)
    doubling steps), so the gradient and every higher derivative are exact there, as prod's.
    Shapes: x -> x's shape.
    """

    keep_output = True

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        # float16 multiplies in float32, rounded once: past 65504 inf, silently as torch's (backend.cast)
        return cast(get_array_module(x).cumprod(x, axis=self.axis, dtype=accumulator_dtype(x)), x.dtype, copy=False)

    def backward(self, F, gy, x):
        axis = self.axis
        data = x.data if F.recording else x
        if x.shape[axis] == 1:   # y = x: dividing g y by x below made an inf or NaN entry's gradient NaN (torch's is g)
            return gy
        if not (data == 0).any():
            return F.apply(CumSum, gy * F.output(self), axis=axis, reverse=True) / x
        before = F.apply(CumProd, _shift(F, x, -1, axis, 1), axis=axis)   # E_j: the product of x_k, k < j
        a, r, s, n = _shift(F, x, 1, axis, 0), gy, 1, x.shape[axis]
        while s < n:   # r_j = g_j + a_j r_(j+s), a_j = x_(j+1)...x_(j+s); doubling s each step
            r = r + a * _shift(F, r, s, axis, 0)
            a = a * _shift(F, a, s, axis, 0)
            s *= 2
        return before * r


class LogCumSumExp(Function):
    """y_i = log(sum of exp(x_j) for j <= i) along ``axis`` (j >= i with ``reverse``), without overflow.

    dL/dx_j = sum over i >= j of g_i exp(x_j - y_i). Summed as torch does, stably: with g split into
    its positive part P and negative part N, exp(x_j + revLCSE(log P - y)_j) - exp(x_j + revLCSE(log N - y)_j),
    revLCSE being this op run the other way (so every order of derivative is this op again).
    Where y_i = -inf (every x_j so far -inf) the weight exp(x_j - y_i) is 0/0, so g_i != 0 there gives NaN to those
    x_j, as torch's and as ``logsumexp`` of all -inf (0 would be wrong: y_0 = x_0 has derivative 1).
    Shapes: x -> x's shape.
    """

    keep_output = True

    def __init__(self, axis, reverse=False, absent=False):
        self.axis, self.reverse, self.absent = axis, reverse, absent

    def forward(self, x):
        xp = get_array_module(x)
        return _running(xp, np.logaddexp, x, self.axis, reverse=self.reverse)

    def backward(self, F, gy, x):
        y = F.output(self)
        ydata = y.data if F.recording else y
        gdata = gy.data if F.recording else gy
        xp = get_array_module(ydata)
        if self.absent:
            # The call below (``absent``): its -inf entries stand for the terms of the other sign, absent from that
            # sum, so an output still -inf has no terms and passes exactly 0, not -inf - -inf = NaN.
            y = F.where(F.const(ydata == -np.inf), 0.0, y)

        def weighted(part, h):
            """Each x_j's sum of h_i exp(x_j - y_i) over the outputs y_i it enters that are in ``part`` (h > 0 there)."""
            mask = F.const(part)
            logs = F.where(mask, F.log(F.where(mask, h, 1.0)), -np.inf) - y
            return F.exp(x + F.apply(LogCumSumExp, logs, axis=self.axis, reverse=not self.reverse, absent=True))

        total = 0.0
        for sign, part in ((1.0, gdata > 0), (-1.0, gdata < 0)):
            if part.any():
                total = total + sign * weighted(part, gy * sign)
        zero = gdata == 0 if F.recording and gy.requires_grad else None
        if zero is not None and zero.any():
            # g_i = 0 adds nothing, but its derivative (the weights exp(x_j - y_i)) must stay when g is itself
            # differentiated (d2/dx dg; a mixed second derivative was 0): the same sum at 1 + g and at 1 there,
            # equal to the bit, so the difference is 0 in value and in every derivative but the one in g
            total = total + (weighted(zero, gy + 1.0) - weighted(zero, F.const(xp.ones(x.shape, dtype=ydata.dtype))))
        if isinstance(total, float):   # g is 0 everywhere
            return F.const(xp.zeros(x.shape, dtype=ydata.dtype)) * 1.0
        return total


def _integers_as_int64(x):
    """Integer and bool inputs as int64: torch's cumsum, cumprod and prod give int64 for them."""
    if x.dtype.kind in "biu" and x.dtype != np.int64:
        return _plain.cast(x, np.int64)
    return x


def _along(name, x, dim):
    """(x, axis): a 0-d tensor as one entry along axis 0."""
    a = one_dim(name, x, dim, None)
    return (reshape(x, (1,)), 0) if a is None else (x, a)


def cumprod(x, dim, *, dtype=None):
    """The running product along ``dim``, as ``torch.cumprod(x, dim)``; exact gradient at zeros.

    Integers and bools multiply as int64, as torch's; float32 stays float32. ``dtype`` casts x first (not to bool,
    which torch refuses).
    """
    if dtype is not None:
        return running_in_dtype("cumprod", cumprod, x, dtype, dim=dim)
    x = _integers_as_int64(as_tensor(x))
    y, axis = _along("cumprod", x, dim)
    return reshape_if_needed(CumProd.apply(y, axis=axis), x.shape)


def logcumsumexp(x, dim):
    """log(cumsum(exp(x))) along ``dim`` without overflow or underflow (``torch.logcumsumexp``).

    Integers are taken as float32 (torch refuses them).
    """
    x = as_floating(x)
    y, axis = _along("logcumsumexp", x, dim)
    return reshape_if_needed(LogCumSumExp.apply(y, axis=axis), x.shape)


def _cumulative_extremum(name, result, ufunc, x, dim):
    x = as_tensor(x)
    refuse_complex(name, x)
    y, axis = _along(name, x, dim)
    xp = get_array_module(y.data)
    n = y.shape[axis]
    running = _running(xp, ufunc, y.data, axis)
    # The index moves to each entry that reaches the running extremum (ties too, as torch's >=); a NaN
    # becomes the extremum and holds it, later NaN taking the index again, as in torch.
    reached = y.data == running
    if y.dtype.kind in "fc":
        reached = reached | xp.isnan(y.data)
    position = xp.arange(n, dtype=np.int64).reshape((n,) + (1,) * (y.ndim - 1 - axis))
    index = _running(xp, np.maximum, xp.where(reached, position, 0), axis) if n else position * 0
    index = rank_index(y, xp.broadcast_to(index, y.shape).astype(np.int64))
    values = TakeAlongAxis.apply(y, index, axis=axis)
    return result(reshape_if_needed(values, x.shape), reshape_if_needed(index, x.shape))


def cummax(x, dim):
    """``(values, indices)``: the running maximum along ``dim`` and where it was reached, as ``torch.cummax``.

    An entry equal to the running maximum takes the index (the last of ties); NaN propagates. The
    gradient of each value goes to the entry it came from.
    """
    return _cumulative_extremum("cummax", CummaxResult, np.maximum, x, dim)


def cummin(x, dim):
    """``(values, indices)``: the running minimum along ``dim`` (``torch.cummin``), with cummax's rules."""
    return _cumulative_extremum("cummin", CumminResult, np.minimum, x, dim)


def diff(x, n=1, dim=-1, prepend=None, append=None):
    """The ``n``-th forward difference along ``dim``: out[i] = x[i + 1] - x[i], ``n`` times (``torch.diff``).

    ``prepend``/``append`` (tensors of x's shape but along ``dim``) are joined on first. Bools give
    x[i + 1] != x[i], as torch's. dL/dx is the adjoint: -g[i] + g[i - 1] at each entry.
    """
    x = as_tensor(x)
    if not is_integer(n) or n < 0:
        raise ValueError(f"diff: n must be a non-negative int, got n={n!r}")
    n = int(n)
    if x.ndim == 0:
        raise ValueError("diff: expects a tensor of at least one dimension, got a 0-d tensor")
    axis = one_dim("diff", x, dim, None)
    if n == 0:   # torch returns the input as it is, prepend and append left out
        return x
    pieces = []
    for label, extra in (("prepend", prepend), (None, x), ("append", append)):
        if extra is None:
            continue
        extra = as_tensor(extra, like=x)
        if label and (extra.ndim != x.ndim or extra.shape[:axis] + extra.shape[axis + 1:]
                      != x.shape[:axis] + x.shape[axis + 1:]):
            raise ValueError(f"diff: {label} must have the input's shape {x.shape} except along dim {dim}, "
                             f"got shape {extra.shape}")
        pieces.append(extra)
    if len(pieces) > 1:
        kinds = {p.dtype for p in pieces}
        if len(kinds) > 1:
            raise TypeError(f"diff: prepend/append must have the input's dtype {x.dtype}, got "
                            f"{', '.join(str(p.dtype) for p in pieces)}")
        x = concat(pieces, axis)
    for _ in range(int(n)):
        later, earlier = x[_cut(x.ndim, axis, 1, None)], x[_cut(x.ndim, axis, None, -1)]
        x = (later != earlier) if x.dtype == np.bool_ else later - earlier
        if x.shape[axis] == 0:
            break
    return x
