"""``scatter_reduce``: ``src`` reduced into a copy of ``x`` where ``index`` sends it along one dim.

'sum' and 'mean' are scatter-adds (``ScatterAdd``), the mean divided by the number of values each
position got. 'prod', 'amax' and 'amin' reduce segments: every value that lands on one position
(the position's own entry first, with ``include_self``) is one segment of a flat vector, reduced by
``SegmentProd`` or ``SegmentExtreme``. Their gradients are PyTorch's: the product's is exact where
values are 0 (as ``prod``'s, see ops/product.py), the extremes' is shared evenly among the tied values.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.function import Function
from minigrad.autograd.tensor import Tensor
from minigrad.backend import bincount, get_array_module
from minigrad.ops._args import check_flag, one_dim
from minigrad.ops.gather import ScatterAdd, _index, _one_element, _scatter_source, masked_fill
from minigrad.ops.selection import where
from minigrad.ops.shape import concat, reshape, reshape_if_needed

REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")
_UFUNC = {"prod": "multiply", "amax": "maximum", "amin": "minimum"}


def initial_value(kind, dtype):
    """The value an empty segment starts from: 1 for a product, the lowest/highest value for amax/amin."""
    if kind == "prod":
        return 1
    if np.dtype(dtype).kind in "fc":
        return -np.inf if kind == "amax" else np.inf
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
    if info is None:  # bool
        return kind == "amin"
    return info.min if kind == "amax" else info.max


def segment_reduce(v, seg, n, kind, *, dense=False):
    """``out[s]`` = the product / max / min of ``v[i]`` over ``seg[i] == s``, for s in [0, n) (raw arrays).

    NumPy's ``ufunc.at`` does it in place; without one (CuPy has no ``multiply.at``, or ``dense=True``)
    the values are sorted by segment into the rows of a padded (n, longest segment) array and reduced
    along the rows.
    """
    xp = get_array_module(v)
    init = initial_value(kind, v.dtype)
    if xp is np and not dense:
        out = np.full(n, init, dtype=v.dtype)
        with np.errstate(invalid="ignore"):  # a NaN value propagates, quietly as in torch
            getattr(np, _UFUNC[kind]).at(out, seg, v)
        return out
    order = xp.argsort(seg, kind="stable") if xp is np else xp.argsort(seg)
    s = seg[order]
    counts = bincount(xp, s, minlength=n)
    starts = xp.cumsum(counts) - counts
    width = max(int(counts.max()) if s.size else 0, 1)
    rows = xp.full((n, width), init, dtype=v.dtype)
    rows[s, xp.arange(s.size) - starts[s]] = v[order]
    # ndarray methods, not xp.maximum.reduce: CuPy's ufuncs reduce only add and multiply (NotImplementedError for
    # maximum/minimum); prod keeps v's dtype, as ufunc.at does above (both libraries promote int32 and bool to int64)
    if kind == "prod":
        return rows.prod(axis=1, dtype=v.dtype)
    return rows.max(axis=1) if kind == "amax" else rows.min(axis=1)


class SegmentProd(Function):
    """y[s] = product of v[i] over seg[i] == s (1 for an empty segment).

    dL/dv_i = g[seg_i] * (product of the other values of v_i's segment): g y / v_i where the segment has no
    zero; with zeros, the exact form of ``prod`` (``_others`` in ops/product.py) per segment, so the gradient
    and the second derivative are exact there.   Shapes: v, seg (int64) of one length m -> (n,).
    """

    keep_output = True

    def __init__(self, seg, n):
        self.seg, self.n = seg, n

    def forward(self, v):
        return segment_reduce(v, self.seg, self.n, "prod")

    def backward(self, F, gy, v):
        seg = self.seg
        g = gy[seg]
        data = v.data if F.recording else v
        zero = data == 0
        if not zero.any():
            return g * (F.output(self)[seg] / v)
        xp = get_array_module(data)
        count = bincount(xp, seg[zero], minlength=self.n)[seg]
        c0, c1, c2 = (F.const((count == k).astype(data.dtype)) for k in (0, 1, 2))
        mask = F.const(zero)
        nonzero_v = F.where(mask, 1.0, v)
        q = F.apply(SegmentProd, nonzero_v, seg=seg, n=self.n)[seg]       # no zeros in it: the quotient form
        s = F.index_add(F.where(mask, v, 0.0), (seg,), (self.n,))[seg]     # the zero values' sum, 0 in value
        return g * F.where(mask, q, q / nonzero_v) * F.where(mask, c1 + c2 * (s - v), c0 + c1 * s)


class SegmentExtreme(Function):
    """y[s] = max (``largest``) or min of v[i] over seg[i] == s.

    dL/dv_i = g[seg_i] / t where v_i equals its segment's result and t values of the segment do (ties share
    evenly, as in torch; a NaN result is shared among the segment's NaNs, as ``max``'s), else 0.   Shapes: v, seg (int64) of one length m -> (n,).
    """

    keep_output = True

    def __init__(self, seg, n, largest):
        self.seg, self.n, self.largest = seg, n, largest

    def forward(self, v):
        return segment_reduce(v, self.seg, self.n, "amax" if self.largest else "amin")

    def backward(self, F, gy, v):
        seg = self.seg
        y = F.output(self)
        data, y = (v.data, y.data) if F.recording else (v, y)
        xp = get_array_module(data)
        ys = y[seg]
        # a NaN result is its NaNs' (as max's, ops/reduce.py): NaN == NaN alone would drop the gradient
        hit = (data == ys) | ((data != data) & (ys != ys))
        ties = xp.maximum(bincount(xp, seg[hit], minlength=self.n), 1)[seg]
        return gy[seg] * F.const(hit / ties.astype(data.dtype))


def _flat_targets(grid, shape):
    """The row-major flat position of every entry of an open grid into ``shape``, as a 1-D int64 array."""
    xp = get_array_module(grid[0])
    flat = 0
    stride = 1
    for k in range(len(shape) - 1, -1, -1):
        flat = flat + grid[k] * stride
        stride *= shape[k]
    return xp.broadcast_to(flat, np.broadcast_shapes(*[g.shape for g in grid])).reshape(-1).astype(np.int64, copy=False)


def scatter_reduce(x, dim, index, src, reduce, *, include_self=True):
    """``torch.scatter_reduce``: ``src`` reduced into a copy of ``x`` where ``index`` sends it along ``dim``.

    ``reduce`` is 'sum', 'prod', 'mean', 'amax' or 'amin'; ``include_self=False`` leaves x's own value out of
    every position that gets a value (the others keep it). Shapes as ``scatter_add``: index (integers in
    [0, x.shape[dim]), x's number of dims, no longer than src anywhere nor than x outside ``dim``) -> x's shape.
    Gradients: sum: dL/dx = g (0 where left out), dL/dsrc = g gathered at the index; mean: the same divided
    by each position's count; prod: g times the product of the other values of the position, exact at zeros;
    amax/amin: g shared evenly among the values equal to the result. Integer means round down, as in torch.
    """
    x = as_tensor(x)
    src = as_tensor(src, like=x)
    if reduce not in REDUCTIONS:
        raise ValueError(f"scatter_reduce: reduce must be one of {', '.join(map(repr, REDUCTIONS))}, "
                         f"got reduce={reduce!r}")
    include_self = check_flag("scatter_reduce", "include_self", include_self)
    if src.dtype != x.dtype:
        raise TypeError(f"scatter_reduce: src has dtype {src.dtype} and the input {x.dtype}; they must match")
    d = one_dim("scatter_reduce", x, dim, None)
    idx = _index("scatter_reduce", index, x)
    if d is None:   # PyTorch reads a 0-d input as one element along dim 0
        one = _one_element("scatter_reduce", x, idx, src)
        return reshape(scatter_reduce(one, 0, idx, src, reduce, include_self=include_self), ())
    src, grid = _scatter_source("scatter_reduce", x, d, idx, src)
    if reduce == "sum" and include_self:
        return ScatterAdd.apply(x, src, grid=grid, axis=d)
    xp = x._xp()
    targets = _flat_targets(grid, x.shape)
    hit = xp.zeros(x.size, dtype=bool)
    hit[targets] = True
    if reduce in ("sum", "mean"):
        base = x if include_self else masked_fill(x, Tensor(hit.reshape(x.shape)), 0)
        total = ScatterAdd.apply(base, src, grid=grid, axis=d)
        if reduce == "sum":
            return total
        count = xp.maximum(bincount(xp, targets, minlength=x.size) + int(include_self), 1).reshape(x.shape)
        if x.dtype.kind in "fc":
            return total / Tensor(count.astype(x.dtype))
        return Tensor(xp.floor_divide(total.data, count).astype(x.dtype))
    flat_x, flat_src = reshape(x, (-1,)), reshape(src, (-1,))
    if include_self:
        values, seg = concat([flat_x, flat_src], 0), xp.concatenate([xp.arange(x.size, dtype=np.int64), targets])
    else:
        values, seg = flat_src, targets
    if reduce == "prod":
        out = SegmentProd.apply(values, seg=seg, n=x.size)
    else:
        out = SegmentExtreme.apply(values, seg=seg, n=x.size, largest=reduce == "amax")
    if not include_self:  # the positions nothing lands on keep x's value
        out = where(Tensor(hit), out, flat_x)
    return reshape_if_needed(out, x.shape)
