"""PyTorch's binary searches, without gradient: ``searchsorted`` and ``bucketize`` (int64 positions)."""
from __future__ import annotations

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.ops._args import refuse_complex
from minigrad.ops.gather import _index


def _stable_order(xp, *keys):
    """The permutation that sorts by ``keys[-1]``, then ``keys[-2]``, ... (``numpy.lexsort``'s order), from
    stable argsorts only, so that it runs on every backend."""
    order = xp.arange(keys[0].size)
    for key in keys:
        order = order[xp.argsort(key[order], kind="stable")]
    return order


def _search_rows(seq, values, right):
    """``searchsorted`` row by row for an (R, m) ``seq`` and (R, k) ``values``, without a loop: merge every row's
    boundaries and values in one stable sort (row, value, then values before equal boundaries for the left
    side, after them for the right) and count the boundaries before each value."""
    xp = get_array_module(seq)
    rows_n, m = seq.shape
    k = values.shape[1]
    dtype = np.result_type(seq.dtype, values.dtype)
    keys = xp.concatenate([seq.astype(dtype), values.astype(dtype)], axis=1).reshape(-1)
    rows = xp.repeat(xp.arange(rows_n), m + k)
    is_boundary = xp.tile(xp.concatenate([xp.ones(m, dtype=bool), xp.zeros(k, dtype=bool)]), rows_n)
    order = _stable_order(xp, ~is_boundary if right else is_boundary, keys, rows)
    taken = is_boundary[order]
    before = xp.empty(order.size, dtype=np.int64)
    before[order] = xp.cumsum(taken) - taken
    before = before.reshape(rows_n, m + k)[:, m:]
    return before - (xp.arange(rows_n) * m)[:, None]


def searchsorted(sorted_sequence, values, *, out_int32=False, right=False, side=None, sorter=None):
    """``torch.searchsorted``: for each value, the index at which it would go into ``sorted_sequence`` (sorted
    along its last dim) to keep it sorted: the first such index, or the last with ``right=True``/``side='right'``.

    A 1-D sequence serves any ``values`` (a number gives a 0-d result); an N-D one needs ``values`` with the
    same leading dims and searches row by row. ``sorter`` gives the order that sorts an unsorted sequence.
    int64 result (int32 with ``out_int32``), without gradient.
    """
    if side is not None and side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got side={side!r}")
    if side == "left" and right:
        raise ValueError(f"searchsorted: side and right can't be set to opposites, got side={side!r} "
                         f"and right={right!r}")
    right = bool(right) or side == "right"
    seq = as_tensor(sorted_sequence)
    scalar = not isinstance(values, Tensor) and not hasattr(values, "shape")
    vals = as_tensor(values, like=seq)
    refuse_complex("searchsorted", seq, vals)
    if seq.ndim == 0:
        raise ValueError("searchsorted: sorted_sequence is 0-d; it needs at least one dim")
    xp = seq._xp()
    data = seq.data
    if sorter is not None:
        order = _index("searchsorted", sorter, seq)
        if order.shape != seq.shape:
            raise ValueError(f"searchsorted: sorter of shape {tuple(order.shape)} must have the sequence's shape "
                             f"{tuple(seq.shape)}")
        n = seq.shape[-1]
        lo, hi = (int(order.min()), int(order.max())) if order.size else (0, n - 1)   # one read each (a CuPy sync)
        if lo < 0 or hi >= n:   # take_along_axis would wrap -1
            bad = lo if lo < 0 else hi
            raise IndexError(f"searchsorted: sorter index {bad} is out of range for the sequence's last dim of "
                             f"size {n} (sequence shape {tuple(seq.shape)}; sorter entries must be in [0, {n - 1}])")
        data = xp.take_along_axis(data, order, axis=-1)
    if seq.ndim == 1:
        out = xp.searchsorted(data, vals.data, side="right" if right else "left")
    else:
        if scalar or vals.ndim != seq.ndim or vals.shape[:-1] != seq.shape[:-1]:
            raise ValueError(f"searchsorted: a sorted_sequence of shape {tuple(seq.shape)} needs values with the "
                             f"same leading dims {tuple(seq.shape[:-1])}, got shape {tuple(vals.shape)}")
        lead = seq.shape[:-1]
        rows = int(np.prod(lead))   # not -1: a sequence or values with an empty last dim leave it ambiguous
        out = _search_rows(data.reshape(rows, seq.shape[-1]), vals.data.reshape(rows, vals.shape[-1]), right)
        out = out.reshape(lead + (vals.shape[-1],))
    return Tensor(xp.asarray(out).astype(np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries, *, out_int32=False, right=False):  # noqa: A002
    """``torch.bucketize``: the bucket of each entry of ``input`` among the 1-D sorted ``boundaries``:
    i with boundaries[i-1] < x <= boundaries[i] (``right=True``: boundaries[i-1] <= x < boundaries[i]).
    It is ``searchsorted(boundaries, input, right=right)``; int64 (int32 with ``out_int32``), no gradient."""
    b = as_tensor(boundaries)
    refuse_complex("bucketize", as_tensor(input), b)
    if b.ndim != 1:
        raise ValueError(f"bucketize: boundaries must be 1-D, got shape {tuple(b.shape)}")
    return searchsorted(b, input, out_int32=out_int32, right=right)
