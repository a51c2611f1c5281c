"""PyTorch's index and table helpers: ``tril_indices``, ``triu_indices``, ``unravel_index``, ``isin``,
``histogram`` (no gradient; int64 indices, bool masks, float counts), and ``vander`` and ``msort``
(differentiable, made of ``cumprod``, ``concat``, ``flip`` and ``sort``).
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from minigrad import backend
from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import NOT_GIVEN, Tensor
from minigrad.ops._args import check_flag
from minigrad.ops.cumulative import cumprod
from minigrad.ops.flip import flip
from minigrad.ops.broadcast import broadcast_to
from minigrad.ops.shape import concat, reshape
from minigrad.ops.sorting import sort
from minigrad.scalars import is_integer, is_real

HistogramResult = namedtuple("histogram", ["hist", "bin_edges"])


def _size(name, what, value):
    if not is_integer(value) or value < 0:
        raise ValueError(f"{name}: {what} must be a non-negative int, got {what}={value!r}")
    return int(value)


def _triangle_indices(name, np_fn, args, row, col, offset, n, k, m, dtype, device):
    """torch's (row, col, offset) -> a (2, N) tensor; NumPy's (n, k, m) -> a tuple of two 1-D tensors."""
    torch_kw = [label for label, v in (("row", row), ("col", col), ("offset", offset)) if v is not NOT_GIVEN]
    numpy_kw = [label for label, v in (("n", n), ("k", k), ("m", m)) if v is not NOT_GIVEN]
    if torch_kw and numpy_kw:
        raise TypeError(f"{name}: got PyTorch's {torch_kw[0]}= and NumPy's {numpy_kw[0]}=; give one spelling")
    if len(args) > 3:
        raise TypeError(f"{name}: takes at most 3 positional arguments, got {len(args)}")
    if len(args) >= 2 and not torch_kw and not numpy_kw:
        raise TypeError(f"{name}{tuple(args)}: NumPy reads (n, k, m) = {tuple(args)} (an n x m triangle above "
                        f"diagonal k, a tuple of index arrays), PyTorch reads (row, col, offset) (a (2, N) tensor); "
                        f"write {name}(row=..., col=..., offset=...) for PyTorch's or {name}(n, k=..., m=...) for "
                        "NumPy's")
    if torch_kw or (len(args) >= 2 and not numpy_kw):
        slots = dict(zip(("row", "col", "offset"), args))
        for label, v in (("row", row), ("col", col), ("offset", offset)):
            if v is not NOT_GIVEN:
                if label in slots:
                    raise TypeError(f"{name}: {label} given twice, by position and by keyword")
                slots[label] = v
        if "row" not in slots or "col" not in slots:
            raise TypeError(f"{name}: PyTorch's call needs row and col, got {sorted(slots)}")
        r, c = _size(name, "row", slots["row"]), _size(name, "col", slots["col"])
        off = slots.get("offset", 0)
        if not is_integer(off):
            raise TypeError(f"{name}: offset must be an int, got offset={off!r}")
        try:   # a name, a NumPy type or a numpy.dtype (minigrad.int32 is one; a dtype is not a dict key of its type)
            index_dtype = np.dtype(dtype)
        except TypeError:
            index_dtype = None
        if index_dtype not in (np.int64, np.int32):
            raise TypeError(f"{name}: dtype must be int64 or int32, got dtype={dtype!r}")
        i, j = np_fn(r, int(off), c)
        out = np.stack([i, j]).astype(index_dtype) if r and c else np.zeros((2, 0), index_dtype)
        return Tensor(backend.to_device(out, device) if device not in (None, "cpu") else out)
    slots = dict(zip(("n", "k", "m"), args))
    for label, v in (("n", n), ("k", k), ("m", m)):
        if v is not NOT_GIVEN:
            if label in slots:
                raise TypeError(f"{name}: {label} given twice, by position and by keyword")
            slots[label] = v
    if "n" not in slots:
        raise TypeError(f"{name}: missing the size (PyTorch's row and col, or NumPy's n)")
    size = _size(name, "n", slots["n"])
    cols = slots.get("m")
    i, j = np_fn(size, int(slots.get("k", 0)), None if cols is None else _size(name, "m", cols))
    return Tensor(i.astype(np.int64)), Tensor(j.astype(np.int64))


def tril_indices(*args, row=NOT_GIVEN, col=NOT_GIVEN, offset=NOT_GIVEN, n=NOT_GIVEN, k=NOT_GIVEN, m=NOT_GIVEN,
                 dtype="int64", device=None):
    """``torch.tril_indices(row, col, offset=0)``: the (2, N) int64 coordinates of the lower triangle of a
    row x col matrix (with ``offset`` diagonals above the main one, or fewer when negative), row by row.

    NumPy's ``tril_indices(n, k=0, m=None)`` is a tuple of two index arrays. The two read ``tril_indices(3, 4)``
    differently, so two or more positional arguments need a keyword that says which (a TypeError otherwise);
    one positional argument is NumPy's call (torch needs col).
    """
    return _triangle_indices("tril_indices", np.tril_indices, args, row, col, offset, n, k, m, dtype, device)


def triu_indices(*args, row=NOT_GIVEN, col=NOT_GIVEN, offset=NOT_GIVEN, n=NOT_GIVEN, k=NOT_GIVEN, m=NOT_GIVEN,
                 dtype="int64", device=None):
    """``torch.triu_indices(row, col, offset=0)``: the (2, N) coordinates of the upper triangle (from diagonal
    ``offset``), row by row; NumPy's ``triu_indices(n, k=0, m=None)`` as for ``tril_indices``."""
    return _triangle_indices("triu_indices", np.triu_indices, args, row, col, offset, n, k, m, dtype, device)


def unravel_index(indices, shape):
    """``torch.unravel_index``: the coordinates in ``shape`` of flat (C-order) ``indices``, one int64 tensor per
    dim, each of the indices' shape. As torch, indices count modulo the size: -1 is the last position (NumPy
    refuses indices outside [0, size)).
    """
    if not isinstance(indices, Tensor):
        indices = as_tensor(indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"unravel_index: expected integer indices, got dtype {indices.dtype}")
    dims = (shape,) if is_integer(shape) else tuple(shape)
    if not all(is_integer(d) and d >= 0 for d in dims):
        raise ValueError(f"unravel_index: shape must be non-negative ints, got {shape!r}")
    total = int(np.prod(dims)) if dims else 1
    if total == 0 and indices.size:
        raise ValueError(f"unravel_index: shape {dims} has no positions for {indices.size} indices")
    xp = indices._xp()
    flat = indices.data.astype(np.int64)
    out, stride = [], total
    for d in dims:
        stride //= d
        out.append(Tensor(xp.floor_divide(flat, stride) % d))
    return tuple(out)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """``torch.isin`` and ``numpy.isin``: a bool tensor of ``elements``' shape, True where the entry is one of
    ``test_elements`` (False with ``invert``); either may be a number. No gradient."""
    assume_unique = check_flag("isin", "assume_unique", assume_unique)
    invert = check_flag("isin", "invert", invert)
    like = elements if isinstance(elements, Tensor) else test_elements if isinstance(test_elements, Tensor) else None
    if like is None:
        raise TypeError("isin: expects a tensor as elements or test_elements, got two numbers")
    e, t = as_tensor(elements, like=like), as_tensor(test_elements, like=like)
    xp = like._xp()
    return Tensor(xp.isin(e.data, t.data, assume_unique=assume_unique, invert=invert))


def vander(x, N=None, increasing=False):  # noqa: N803 (torch's and NumPy's name)
    """``torch.vander`` and ``numpy.vander`` (which agree): the columns x^(N-1), ..., x^1, x^0 of a 1-D x
    (x^0 first with ``increasing``); N defaults to len(x).

    Made as a running product (``cumprod``), as torch's, so the gradient is exact at x = 0 (where the
    column x^0 has none): dL/dx_i = sum_k k x_i^(k-1) g_ik. Integers and bools multiply as int64.
    """
    x = as_tensor(x)
    if x.ndim != 1:
        raise ValueError(f"vander: x must be a 1-D tensor, got shape {tuple(x.shape)}")
    n = x.shape[0] if N is None else N
    if not is_integer(n) or n < 0:
        raise ValueError(f"vander: N must be a non-negative int, got N={N!r}")
    increasing = check_flag("vander", "increasing", increasing)
    n = int(n)
    if x.dtype.kind in "biu":
        x = Tensor(x.data.astype(np.int64))
    ones = Tensor(x._xp().ones((x.shape[0], min(n, 1)), dtype=x.dtype))
    if n <= 1:
        out = ones
    else:
        powers = cumprod(broadcast_to(reshape(x, (-1, 1)), (x.shape[0], n - 1)), 1)
        out = concat([ones, powers], 1)
    return out if increasing else flip(out, (1,))


def msort(x):
    """``torch.msort``: x sorted along dim 0 (ties keep their order); the values only.

    dL/dx = g sent back to the entries' places before the sort.
    """
    return sort(as_tensor(x), dim=0).values


def _linspace_edges(xp, lo, hi, bins, dtype):
    """torch's histogram edges: the step rounded to ``dtype``, then lo + step i up to the middle and
    hi - step (bins - i) after it, each worked out in float64 and rounded once to ``dtype`` (bit for bit torch's)."""
    t = dtype.type
    step = float((t(hi) - t(lo)) / t(bins))
    i = xp.arange(bins + 1, dtype=np.float64)
    edges = xp.where(i < (bins + 1) // 2, float(t(lo)) + step * i, float(t(hi)) - step * (bins - i))
    return edges.astype(dtype)


def histogram(x, bins=NOT_GIVEN, *, range=None, weight=None, density=False):  # noqa: A002 (torch's name)
    """``torch.histogram``: (hist, bin_edges) of a floating x, named as torch's. ``bins`` is a count (equal bins
    over ``range``, by default the data's smallest to largest value, widened by 0.5 each way when they are
    equal, [0, 1] for no data) or a 1-D tensor of increasing edges. Each bin holds [left, right), the last also its right edge;
    values outside are not counted. ``weight`` (x's shape) adds weights instead of ones; ``density`` divides by
    the total and the bin widths. hist is in x's dtype. No gradient.

    NumPy's ``histogram`` reads the same call with int64 counts and 10 bins by default (torch: 100), so ``bins``
    must be given (a TypeError naming both otherwise).
    """
    x = as_tensor(x)
    if x.dtype.kind != "f":
        raise TypeError(f"histogram: the input must be floating, got dtype {x.dtype} (torch has no integer "
                        "histogram)")
    if bins is NOT_GIVEN:
        raise TypeError("histogram: give bins: NumPy's histogram(x) uses 10 bins, PyTorch's 100")
    density = check_flag("histogram", "density", density)
    xp = x._xp()
    data = x.data.reshape(-1)
    if isinstance(bins, Tensor):
        if range is not None:
            raise TypeError("histogram: range= is for a bin count; bin edges given as a tensor set the range")
        edges = bins.data.astype(x.dtype, copy=False)
        if edges.ndim != 1 or edges.size < 1 or (edges.size > 1 and bool((edges[1:] < edges[:-1]).any())):
            raise ValueError(f"histogram: bin edges must be a 1-D increasing tensor, got shape {tuple(edges.shape)}")
        count = edges.size - 1
    else:
        if not is_integer(bins) or bins <= 0:
            raise ValueError(f"histogram: bins must be a positive int or a tensor of edges, got bins={bins!r}")
        count = int(bins)
        if range is None:
            # No data: [0, 1], as torch's and NumPy's (not the +-0.5 widening of a single value)
            lo, hi = (float(data.min()), float(data.max())) if data.size else (0.0, 1.0)
        else:
            if len(range) != 2 or not all(is_real(v) for v in range):
                raise TypeError(f"histogram: range must be (min, max), got range={range!r}")
            lo, hi = float(range[0]), float(range[1])
        if lo > hi or not (np.isfinite(lo) and np.isfinite(hi)):
            raise ValueError(f"histogram: range [{lo}, {hi}] must be finite with min <= max")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = _linspace_edges(xp, lo, hi, count, x.dtype)
    if weight is not None:
        w = as_tensor(weight, like=x)
        if w.shape != x.shape or w.dtype != x.dtype:
            raise ValueError(f"histogram: weight must have the input's shape {tuple(x.shape)} and dtype {x.dtype}, "
                             f"got {tuple(w.shape)} {w.dtype}")
        w = w.data.reshape(-1)
    if count == 0:
        return HistogramResult(Tensor(xp.zeros(0, dtype=x.dtype)), Tensor(edges))
    pos = xp.searchsorted(edges, data, side="right") - 1
    pos = xp.where(data == edges[-1], count - 1, pos)     # the last bin holds its right edge
    inside = (pos >= 0) & (pos < count) & (data >= edges[0]) & (data <= edges[-1])
    hist = backend.bincount(xp, pos[inside], weights=None if weight is None else w[inside], minlength=count)
    hist = hist.astype(x.dtype)
    if density:
        hist = hist / (hist.sum() * (edges[1:] - edges[:-1]))
    return HistogramResult(Tensor(hist.astype(x.dtype, copy=False)), Tensor(edges))
