"""PyTorch's counting ops, without gradient: ``bincount``, ``histc``, ``unique``, ``unique_consecutive``
and ``count_nonzero``. Counts and positions are int64; values keep the input's dtype."""
from __future__ import annotations

import builtins
import math

import numpy as np

from minigrad import backend
from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import Tensor
from minigrad.ops import _plain
from minigrad.ops._args import check_dims, check_flag, refuse_complex
from minigrad.scalars import is_integer


def bincount(x, weights=None, minlength=0):
    """``torch.bincount``: how many times each value 0, 1, ... occurs in the 1-D non-negative integer ``x``
    (or the sum of ``weights`` at those entries), at least ``minlength`` bins.

    int64 counts; with weights, float32 and float64 weights keep their dtype and others (float16 too) give
    float64, as in torch.
    """
    x = as_tensor(x)
    if x.ndim != 1 or x.dtype.kind not in "iu" or (x.size and int(x.data.min()) < 0):
        raise ValueError(f"bincount: the input must be a 1-D tensor of non-negative integers, got shape "
                         f"{tuple(x.shape)} and dtype {x.dtype}" + (" with negative values"
                                                                    if x.ndim == 1 and x.dtype.kind in "iu" else ""))
    if not is_integer(minlength) or minlength < 0:
        raise ValueError(f"bincount: minlength must be an integer >= 0, got minlength={minlength!r}")
    xp = x._xp()
    if weights is None:
        return Tensor(backend.bincount(xp, x.data, minlength=int(minlength)).astype(np.int64, copy=False))
    w = as_tensor(weights, like=x)
    if w.shape != x.shape:
        raise ValueError(f"bincount: weights of shape {tuple(w.shape)} must have the input's shape {tuple(x.shape)}")
    # torch sums float32 weights as float and every other dtype, float16 too, as double
    dtype = w.dtype if w.dtype in (np.float32, np.float64) else np.float64
    return Tensor(backend.bincount(xp, x.data, weights=w.data, minlength=int(minlength)).astype(dtype, copy=False))


def histc(x, bins=100, min=0, max=0):  # noqa: A002
    """``torch.histc``: a histogram of ``x`` in ``bins`` equal bins over [min, max], in x's (floating) dtype.

    min == max (the default 0, 0) takes the data's smallest and largest values (widened by 1 each way when
    those are equal too). Values outside [min, max] and NaN are not counted; max falls in the last bin.
    """
    x = as_tensor(x)
    if x.dtype.kind != "f":
        raise TypeError(f"histc: the input must be floating, got dtype {x.dtype} (torch has no integer histc)")
    if not is_integer(bins) or bins <= 0:
        raise ValueError(f"histc: bins must be a positive integer, got bins={bins!r}")
    bins = int(bins)
    lo, hi = float(min), float(max)
    if lo > hi:
        raise ValueError(f"histc: max must be larger than min, got min={min!r}, max={max!r}")
    xp = x._xp()
    data = x.data.reshape(-1)
    if lo == hi and data.size:
        finite = data[~xp.isnan(data)]
        if finite.size:
            lo, hi = float(finite.min()), float(finite.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"histc: the range [{lo}, {hi}] is not finite")
    low, high = x.dtype.type(lo), x.dtype.type(hi)
    inside = (data >= low) & (data <= high)
    values = data[inside]
    pos = ((values - low) / (high - low) * x.dtype.type(bins)).astype(np.int64)
    pos = xp.minimum(pos, int(bins) - 1)
    return Tensor(backend.bincount(xp, pos, minlength=int(bins)).astype(x.dtype))


def _flags(name, **flags):
    return [check_flag(name, label, value) for label, value in flags.items()]


def _unique_dim(name, x, dim):
    if dim is None:
        return None
    check_dims(name, (dim,), x.ndim, x.shape)
    if x.ndim == 0:
        raise IndexError(f"{name}: dim {dim} given for a 0-d tensor")
    return int(dim) % x.ndim


def _results(values, inverse, counts, return_inverse, return_counts):
    out = (Tensor(values),)
    if return_inverse:
        out += (Tensor(inverse.astype(np.int64, copy=False)),)
    if return_counts:
        out += (Tensor(counts.astype(np.int64, copy=False)),)
    return out[0] if len(out) == 1 else out


def unique(x, *args, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """``torch.unique``: the distinct values (sorted), with ``return_inverse`` (int64, where each entry's value
    is in them: x's shape, or (x.shape[dim],)) and ``return_counts`` (int64). ``dim`` takes distinct slices.

    The flags are keyword-only: NumPy's second positional argument is ``return_index``, PyTorch's ``sorted``.
    The values are always sorted (as torch's CPU result is, whatever ``sorted`` says); NaNs are not merged.
    """
    if args:
        raise TypeError(f"unique: got positional flags {args!r}; NumPy's unique(x, True) asks for return_index, "
                        "PyTorch's for sorted=True: pass sorted=, return_inverse=, return_counts= or dim= by name")
    x = as_tensor(x)
    refuse_complex("unique", x)
    _, return_inverse, return_counts = _flags("unique", sorted=sorted, return_inverse=return_inverse,
                                              return_counts=return_counts)
    d = _unique_dim("unique", x, dim)
    xp = x._xp()
    if d is None:
        values, inverse, counts = xp.unique(x.data.reshape(-1), return_inverse=True, return_counts=True,
                                            equal_nan=False)
        return _results(values, inverse.reshape(x.shape), counts, return_inverse, return_counts)
    if xp is np:
        values, inverse, counts = np.unique(x.data, return_inverse=True, return_counts=True, axis=d, equal_nan=False)
    else:
        values, inverse, counts = _unique_slices(xp, x.data, d)
    return _results(values, inverse.reshape(-1), counts, return_inverse, return_counts)


def _unique_slices(xp, data, d):
    """``numpy.unique(data, axis=d, return_inverse=True, return_counts=True, equal_nan=False)`` from stable
    argsorts on the device. Not CuPy's unique(axis=): it orders the slices with a Python quicksort that reads every
    comparison back to the host, and compares by subtracting them, which CuPy refuses for bool (TypeError)."""
    from minigrad.ops.searching import _stable_order

    moved = xp.moveaxis(data, d, 0)
    n = moved.shape[0]
    rows = moved.reshape(n, int(np.prod(moved.shape[1:], dtype=np.int64)))   # not -1: n may be 0
    keys = rows.astype(np.uint8) if rows.dtype == np.bool_ else rows
    columns = [keys[:, j] for j in range(rows.shape[1] - 1, -1, -1)]   # the last key sorts first: column 0
    order = _stable_order(xp, *columns) if columns else xp.arange(n)
    ordered = rows[order]
    start = xp.ones(n, dtype=bool)
    start[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)   # NaN != NaN: each NaN slice stays its own
    group = xp.cumsum(start) - 1
    inverse = xp.empty(n, dtype=np.int64)
    inverse[order] = group
    return xp.moveaxis(moved[order[start]], 0, d), inverse, backend.bincount(xp, group, minlength=int(start.sum()))


def unique_consecutive(x, return_inverse=False, return_counts=False, dim=None):
    """``torch.unique_consecutive``: each run of equal consecutive values (or slices along ``dim``) kept once,
    with ``return_inverse`` (int64, the run of each entry: x's shape, or (x.shape[dim],)) and ``return_counts``
    (the run lengths). Without ``dim`` the tensor is read flattened."""
    x = as_tensor(x)
    refuse_complex("unique_consecutive", x)
    return_inverse, return_counts = _flags("unique_consecutive", return_inverse=return_inverse,
                                           return_counts=return_counts)
    d = _unique_dim("unique_consecutive", x, dim)
    xp = x._xp()
    data = x.data.reshape(-1) if d is None else xp.moveaxis(x.data, d, 0)
    n = data.shape[0]
    rows = data.reshape(n, math.prod(data.shape[1:]))   # not -1: NumPy refuses it for 0 rows
    start = xp.ones(n, dtype=bool)
    if n > 1:
        start[1:] = (rows[1:] != rows[:-1]).any(axis=1)
    values = data[start]
    inverse = xp.cumsum(start) - 1
    starts = xp.nonzero(start)[0]
    counts = xp.diff(xp.concatenate([starts, xp.asarray([n], dtype=starts.dtype)]))
    if d is None:
        return _results(values, inverse.reshape(x.shape), counts, return_inverse, return_counts)
    return _results(xp.moveaxis(values, 0, d), inverse, counts, return_inverse, return_counts)


def count_nonzero(x, dim=None):
    """``torch.count_nonzero``: the number of nonzero entries over ``dim`` (an int, a tuple, or None: all),
    as an int64 tensor without gradient."""
    x = as_tensor(x)
    if dim is not None:
        dims = (dim,) if is_integer(dim) else tuple(dim)
        check_dims("count_nonzero", dims, x.ndim, x.shape)
        # dim=() counts over every dim, as torch's does (NumPy's axis=() would count each entry alone)
        dim = None if x.ndim == 0 or not dims else tuple(builtins.sorted(int(k) % x.ndim for k in dims))
    xp = x._xp()
    return _plain.plain("count_nonzero", {"axis": dim}, x,
                        lambda data: xp.asarray((data != 0).sum(axis=dim), dtype=np.int64))
