"""PyTorch's writes into slices and its norm-based rescaling: ``select``, ``slice_scatter``, ``select_scatter``,
``diagonal_scatter``, ``index_reduce``, ``put``, ``sum_to_size``, ``renorm`` and ``dist``.

The scatters are the ``Scatter`` op with a slice, an index or a diagonal's coordinates: dL/dinput = g, exactly
0 where written; dL/dsrc = g at the written places. ``index_reduce`` is ``scatter_reduce`` with the index
spread over the source's slices; ``put`` is ``index_put`` on the flattened input; ``renorm`` and ``dist`` are
``norm`` with arithmetic, so their gradients are those ops'.
"""
from __future__ import annotations

import math

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import Tensor
from minigrad.ops._args import check_dims, check_flag, one_dim, operands, python_real
from minigrad.ops.broadcast import sum_to
from minigrad.ops.gather import _index
from minigrad.ops.norm import norm
from minigrad.ops.scatter import _scatter, _source, index_put
from minigrad.ops.scatter_reduce import scatter_reduce
from minigrad.ops.selection import where
from minigrad.ops.shape import reshape
from minigrad.ops.signs import sgn
from minigrad.ops.take import _wrap
from minigrad.ops.functions import abs as _abs
from minigrad.ops.reduce import sum as _sum
from minigrad.scalars import is_integer


def _position(name, x, dim, index):
    """(dim, index) of one slice along ``dim``, the index counted from the end when negative, as torch."""
    if x.ndim == 0:
        raise IndexError(f"{name}: cannot select from a 0-d tensor")
    d = one_dim(name, x, dim, None)
    if isinstance(index, Tensor) and index.ndim == 0 and index.dtype.kind in "iu":
        index = index.item()
    if not is_integer(index):
        raise TypeError(f"{name}: index must be an int, got {index!r}")
    n = x.shape[d]
    if not -n <= index < n:
        raise IndexError(f"{name}: index {index} is out of range for dim {d} of size {n} (shape {tuple(x.shape)})")
    return d, int(index) % n


def select(x, dim, index):
    """``torch.select`` (the Tensor method): the slice at ``index`` of dim ``dim``, that dim removed; a view.

    Shapes: x -> x without dim ``dim``.   dL/dx = g at that slice, 0 elsewhere.
    """
    x = as_tensor(x)
    d, i = _position("select", x, dim, index)
    return x[(slice(None),) * d + (i,)]


def _write(name, x, src, key):
    src = _source(name, x, src)
    expected = x.data[key].shape
    if tuple(src.shape) != tuple(expected):
        raise ValueError(f"{name}: src has shape {tuple(src.shape)}, the slice of the input of shape "
                         f"{tuple(x.shape)} it replaces has shape {tuple(expected)}; they must be equal")
    return _scatter(x, src, key)


def slice_scatter(x, src, dim=0, start=None, end=None, step=1):
    """``torch.slice_scatter``: a copy of x with ``src`` written over ``x[start:end:step]`` along ``dim``.

    ``src`` must have that slice's shape; ``step`` must be positive; start and end clip to the dim, as in
    Python. dL/dx = g, exactly 0 on the slice; dL/dsrc = g's slice.
    """
    x = as_tensor(x)
    if x.ndim == 0:
        raise IndexError("slice_scatter: cannot slice a 0-d tensor")
    d = one_dim("slice_scatter", x, dim, None)
    for what, v in (("start", start), ("end", end)):
        if v is not None and not is_integer(v):
            raise TypeError(f"slice_scatter: {what} must be an int or None, got {v!r}")
    if not is_integer(step) or step <= 0:
        raise ValueError(f"slice_scatter: step must be a positive int, got step={step!r}")
    key = (slice(None),) * d + (slice(start, end, int(step)),)
    return _write("slice_scatter", x, src, key)


def select_scatter(x, src, dim, index):
    """``torch.select_scatter``: a copy of x with ``src`` (x's shape without ``dim``) written at ``index`` of
    ``dim``.   dL/dx = g, exactly 0 on that slice; dL/dsrc = g's slice."""
    x = as_tensor(x)
    d, i = _position("select_scatter", x, dim, index)
    return _write("select_scatter", x, src, (slice(None),) * d + (i,))


def diagonal_scatter(x, src, offset=0, dim1=0, dim2=1):
    """``torch.diagonal_scatter``: a copy of x with ``src`` written on its diagonal ``offset`` of dims (dim1, dim2).

    ``src`` has ``diagonal(x, offset, dim1, dim2)``'s shape: the other dims in order, the diagonal last.
    dL/dx = g, exactly 0 on the diagonal; dL/dsrc = g's diagonal.
    """
    x = as_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"diagonal_scatter: expects a tensor with at least 2 dims, got shape {tuple(x.shape)}")
    if not is_integer(offset):
        raise TypeError(f"diagonal_scatter: offset must be an int, got {offset!r}")
    check_dims("diagonal_scatter", (dim1, dim2), x.ndim, x.shape)
    d1, d2, offset = int(dim1) % x.ndim, int(dim2) % x.ndim, int(offset)
    n1, n2 = x.shape[d1], x.shape[d2]
    length = max(min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2), 0)
    others = [i for i in range(x.ndim) if i not in (d1, d2)]
    xp = x._xp()
    rank = len(others) + 1

    def axis_of(k, values):   # ``values`` laid along axis k of the (others..., diagonal) grid
        return values.reshape((1,) * k + (-1,) + (1,) * (rank - 1 - k))

    key = [None] * x.ndim
    for k, o in enumerate(others):
        key[o] = axis_of(k, xp.arange(x.shape[o]))
    steps = xp.arange(length)
    key[d1], key[d2] = axis_of(rank - 1, steps + max(-offset, 0)), axis_of(rank - 1, steps + max(offset, 0))
    return _write("diagonal_scatter", x, src, tuple(key))


_INDEX_REDUCTIONS = ("prod", "mean", "amax", "amin")


def index_reduce(x, dim, index, source, reduce, *, include_self=True):
    """``torch.index_reduce``: slice i of ``source`` along ``dim`` reduced ('prod', 'mean', 'amax' or 'amin') into
    slice ``index[i]`` of a copy of x; ``include_self=False`` leaves x's own value out of the slices written to.

    Shapes: x, index (n integers in [0, x.shape[dim])), source (x's shape with n along dim) -> x's shape.
    It is ``scatter_reduce`` with the index spread over each source slice, so the gradients are its: mean
    divides g by each place's count; prod is g times the other factors, exact at zeros; amax/amin share g
    evenly among the values equal to the result.
    """
    x = as_tensor(x)
    if reduce not in _INDEX_REDUCTIONS:
        raise ValueError(f"index_reduce: reduce must be one of {', '.join(map(repr, _INDEX_REDUCTIONS))}, "
                         f"got reduce={reduce!r}")
    include_self = check_flag("index_reduce", "include_self", include_self)
    if x.dtype.kind not in "fc":
        raise TypeError(f"index_reduce: expects a floating input, got dtype {x.dtype}")
    source = _source("index_reduce", x, source)
    d = one_dim("index_reduce", x, dim, None)
    if d is None:   # PyTorch reads a 0-d input as one element along dim 0, as index_add does
        one = index_reduce(reshape(x, (1,)), 0, index, reshape(source, (-1,)), reduce, include_self=include_self)
        return reshape(one, ())
    idx = _index("index_reduce", index, x)
    if idx.ndim > 1:
        raise IndexError(f"index_reduce: index must be a vector (0-d or 1-D), got shape {tuple(idx.shape)}")
    idx = idx.reshape(-1)
    expected = x.shape[:d] + (idx.size,) + x.shape[d + 1:]
    if tuple(source.shape) != expected:
        raise ValueError(f"index_reduce: source of shape {tuple(source.shape)} must have the input's shape "
                         f"{tuple(x.shape)} with {idx.size} (the number of indices) along dim {d}, that is {expected}")
    spread = x._xp().broadcast_to(idx.reshape((-1,) + (1,) * (x.ndim - 1 - d)), expected)
    return scatter_reduce(x, d, Tensor(spread), source, reduce, include_self=include_self)


def put(x, index, source, accumulate=False):
    """``torch.put``: a copy of x with ``source``'s values written (added, ``accumulate=True``) at the flat
    (row-major) positions ``index``; negative positions count from the end. index and source have as many
    entries (any shapes).   dL/dx = g, exactly 0 where written (g when accumulating); dL/dsource = g at the
    positions, in source's shape."""
    x = as_tensor(x)
    accumulate = check_flag("put", "accumulate", accumulate)
    idx = _index("put", index, x)
    source = _source("put", x, source)
    if idx.size != source.size:
        raise ValueError(f"put: index has {idx.size} entries (shape {tuple(idx.shape)}) and source {source.size} "
                         f"(shape {tuple(source.shape)}); they must be as many")
    # checked here, not by index_put, so that the error names put and x's own shape, not a flat view's
    idx = _wrap("put", idx, x.size, x.shape, "the flattened input")
    out = index_put(reshape(x, (-1,)), (Tensor(idx.reshape(-1)),), reshape(source, (-1,)), accumulate)
    return reshape(out, x.shape)


def sum_to_size(x, *size):
    """``torch.Tensor.sum_to_size``: x summed down to ``size``, which must expand to x's shape (each of its dims
    1 or x's; fewer dims allowed).   dL/dx = g broadcast back to x's shape."""
    x = as_tensor(x)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    if not all(is_integer(s) for s in size):
        raise TypeError(f"sum_to_size: sizes must be ints, got {size!r}")
    size = tuple(int(s) for s in size)
    lead = x.ndim - len(size)
    if lead < 0 or any(s != n and s != 1 for s, n in zip(size, x.shape[lead:])):
        raise ValueError(f"sum_to_size: size {size} does not expand to the tensor's shape {tuple(x.shape)}")
    return sum_to(x, size)


def _p(name, p, allow_zero):
    p = python_real(name, "p", p, bools=True)
    if p < 0 or (p == 0 and not allow_zero) or math.isnan(p):
        raise ValueError(f"{name}: p must be {'>= 0' if allow_zero else '> 0'}, got p={p!r}")
    return p


def _pnorm(diff, p, dim=None):
    """The p-norm of ``diff`` over ``dim`` (all dims when None); p = 0 counts the nonzero entries, with gradient
    exactly 0 (as torch's): the count is a sum of ``sgn(|diff|)``, whose derivative is 0."""
    if p == 0:
        return _sum(sgn(_abs(diff)), dim)
    return norm(diff, p, dim)


def renorm(x, p, dim, maxnorm):
    """``torch.renorm``: each slice of x along ``dim`` whose p-norm exceeds ``maxnorm`` scaled to norm
    ``maxnorm`` (by maxnorm / (norm + 1e-7), as torch); the others kept.

    Shapes: x (at least 2 dims) -> x's shape. The gradient includes the scale's dependence on x, as torch's:
    dL/dx = g for a kept slice, and the derivative of x * maxnorm / (||x|| + 1e-7) for a scaled one.
    """
    x = as_tensor(x)
    if x.dtype.kind not in "fc":
        raise TypeError(f"renorm: expects a floating input, got dtype {x.dtype}")
    p = _p("renorm", p, allow_zero=False)
    maxnorm = python_real("renorm", "maxnorm", maxnorm, bools=True)
    if maxnorm < 0:
        raise ValueError(f"renorm: maxnorm must be >= 0, got maxnorm={maxnorm}")
    if x.ndim < 2:
        raise ValueError(f"renorm: the input needs at least 2 dims, got shape {tuple(x.shape)}")
    d = one_dim("renorm", x, dim, None)
    others = tuple(i for i in range(x.ndim) if i != d)
    norms = norm(x, p, others, keepdim=True)
    factor = where(norms > maxnorm, maxnorm / (norms + 1e-7), Tensor(x._xp().ones((), dtype=x.dtype)))
    return x * factor


def dist(x, other, p=2):
    """``torch.dist``: the p-norm of x - other (broadcast) over every entry, a 0-d tensor; p = 0 counts the
    differing entries, inf is the largest |difference|, a negative p is ``norm``'s (0 when an entry is equal).
    dL/dx = norm's gradient at x - other (0 where the difference is all zero); dL/dother = its negative, summed
    back to other's shape."""
    x, other = operands("dist", x, other)
    p = python_real("dist", "p", p)
    if math.isnan(p):
        raise ValueError(f"dist: p must be a number (inf, -inf, 0 and negative p included), got p={p!r}")
    return _pnorm(x - other, p)
