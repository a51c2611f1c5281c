"""Diagonals: ``diagonal``, ``diag``, ``diag_embed``, ``diagflat`` and ``trace`` (PyTorch's and NumPy's).

``Diagonal`` reads a diagonal as a strided view (writable, as torch's: a write through it shows in x) and
``DiagEmbed`` writes one into zeros; each is the other's adjoint. NumPy and PyTorch read these calls alike,
so both spellings are accepted (``dim1=``/``axis1=``, ``diagonal=``/``k=``).
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.function import Function
from minigrad.autograd.tensor import NOT_GIVEN
from minigrad.backend import get_array_module
from minigrad.ops._args import check_dims
from minigrad.ops.convert import clone
from minigrad.ops.flip import _pick
from minigrad.ops.reduce import sum as _sum
from minigrad.ops.shape import flatten
from minigrad.scalars import is_integer


def _diagonal_view(x, offset, d1, d2):
    """The diagonal ``offset`` of dims d1, d2 of array ``x`` as a view; that dim last, the others in order."""
    xp = get_array_module(x)
    n1, n2 = x.shape[d1], x.shape[d2]
    length = max(min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2), 0)
    others = [i for i in range(x.ndim) if i != d1 and i != d2]
    if length == 0:
        return xp.zeros(tuple(x.shape[i] for i in others) + (0,), dtype=x.dtype)
    if xp is not np:
        # CuPy's diagonal is a writable view whose .base is the memory's owner, which write stamps and views of a
        # graph input follow; its as_strided builds an array over the pointer alone (.base None), so a write
        # through it would not reach the owner's stamp.
        return xp.diagonal(x, offset, d1, d2)
    # NumPy's diagonal is read-only; as_strided is a writable view (its base a DummyArray that wraps the owner)
    index = [slice(None)] * x.ndim
    index[d1], index[d2] = slice(max(-offset, 0), None), slice(max(offset, 0), None)
    y = x[tuple(index)]
    return np.lib.stride_tricks.as_strided(y, tuple(y.shape[i] for i in others) + (length,),
                                           tuple(y.strides[i] for i in others) + (y.strides[d1] + y.strides[d2],))


class Diagonal(Function):
    """y = the diagonal ``offset`` of dims (dim1, dim2) of x, a view.   dL/dx = g written on that diagonal of
    zeros (``DiagEmbed``).   Shapes: x -> x without dim1, dim2, plus the diagonal's length as the last dim."""

    values_unread = (0,)

    def __init__(self, offset, dim1, dim2):
        self.offset, self.dim1, self.dim2 = offset, dim1, dim2

    def forward(self, x):
        return _diagonal_view(x, self.offset, self.dim1, self.dim2)

    def backward(self, F, gy, x):
        return F.apply(DiagEmbed, gy, offset=self.offset, dim1=self.dim1, dim2=self.dim2, shape=tuple(x.shape))


class DiagEmbed(Function):
    """y = zeros of ``shape`` with x written on the diagonal ``offset`` of dims (dim1, dim2).
    dL/dx = that diagonal of g (``Diagonal``).   Shapes: x (the diagonal's shape) -> ``shape``."""

    def __init__(self, offset, dim1, dim2, shape):
        self.offset, self.dim1, self.dim2, self.shape = offset, dim1, dim2, shape

    def forward(self, x):
        out = get_array_module(x).zeros(self.shape, dtype=x.dtype)
        _diagonal_view(out, self.offset, self.dim1, self.dim2)[...] = x
        return out

    def backward(self, F, gy, x):
        return F.apply(Diagonal, gy, offset=self.offset, dim1=self.dim1, dim2=self.dim2)


def _offset(name, what, value):
    if not is_integer(value):
        raise TypeError(f"{name}: {what} must be an int, got {value!r}")
    return int(value)


def diagonal(x, offset=0, dim1=NOT_GIVEN, dim2=NOT_GIVEN, *, axis1=NOT_GIVEN, axis2=NOT_GIVEN):
    """The diagonal ``offset`` (> 0 above the main one, < 0 below) of dims ``dim1``, ``dim2`` (default 0, 1), as
    ``torch.diagonal`` and ``numpy.diagonal`` (``axis1=``, ``axis2=``); a view, writable as torch's.

    Shapes: x -> x without dim1 and dim2, the diagonal's length appended.   dL/dx = g on that diagonal, 0 elsewhere.
    """
    x = as_tensor(x)
    dim1 = _pick("diagonal", dim1, "dim1", axis1, "axis1", default=0)
    dim2 = _pick("diagonal", dim2, "dim2", axis2, "axis2", default=1)
    offset = _offset("diagonal", "offset", offset)
    if x.ndim < 2:
        raise ValueError(f"diagonal: expects a tensor with at least 2 dims, got shape {tuple(x.shape)}")
    check_dims("diagonal", (dim1, dim2), x.ndim, x.shape)
    return Diagonal.apply(x, offset=offset, dim1=int(dim1) % x.ndim, dim2=int(dim2) % x.ndim)


def diag_embed(x, offset=0, dim1=-2, dim2=-1):
    """``torch.diag_embed``: the last dim of ``x`` written on the diagonal ``offset`` of dims (dim1, dim2) of a
    zero tensor with one more dim, each of those two of length n + |offset| (n = x.shape[-1]).

    Shapes: (..., n) -> (...) with two dims of n + |offset| at dim1, dim2.   dL/dx = that diagonal of g.
    """
    x = as_tensor(x)
    offset = _offset("diag_embed", "offset", offset)
    if x.ndim < 1:
        raise ValueError("diag_embed: expects a tensor with at least 1 dim, got a 0-d tensor")
    check_dims("diag_embed", (dim1, dim2), x.ndim, x.shape, extra=1)
    n = x.ndim + 1
    d1, d2 = int(dim1) % n, int(dim2) % n
    m = x.shape[-1] + abs(offset)
    shape = list(x.shape[:-1])
    for d in sorted((d1, d2)):
        shape.insert(d, m)
    return DiagEmbed.apply(x, offset=offset, dim1=d1, dim2=d2, shape=tuple(shape))


def diag(x, diagonal=NOT_GIVEN, *, k=NOT_GIVEN):
    """``torch.diag`` and ``numpy.diag`` (``k=``): a 1-D x on the diagonal ``diagonal`` of a square matrix, or the
    diagonal ``diagonal`` of a 2-D x as a 1-D tensor.

    Shapes: (n,) -> (n + |d|, n + |d|); (m, n) -> (the diagonal's length,).   dL/dx = the diagonal of g, or g
    written on the diagonal of zeros. A 2-D x's diagonal is a copy (torch.diag's is; ``diagonal`` is the view).
    """
    x = as_tensor(x)
    offset = _offset("diag", "diagonal", _pick("diag", diagonal, "diagonal", k, "k", default=0))
    if x.ndim == 1:
        return diag_embed(x, offset, 0, 1)
    if x.ndim == 2:
        return clone(Diagonal.apply(x, offset=offset, dim1=0, dim2=1))
    raise ValueError(f"diag: expects a 1-D or 2-D tensor, got shape {tuple(x.shape)} "
                     "(diagonal and diag_embed take more dims)")


def diagflat(x, offset=NOT_GIVEN, *, k=NOT_GIVEN):
    """``torch.diagflat`` and ``numpy.diagflat`` (``k=``): the flattened x on the diagonal ``offset`` of a
    square matrix.   Shapes: x -> (x.size + |offset|,) * 2.   dL/dx = the diagonal of g, in x's shape."""
    x = as_tensor(x)
    offset = _offset("diagflat", "offset", _pick("diagflat", offset, "offset", k, "k", default=0))
    return diag_embed(flatten(x), offset, 0, 1)


def trace(x, offset=0, axis1=0, axis2=1):
    """The sum of the main diagonal of a matrix (``torch.trace``); NumPy's ``offset``, ``axis1``, ``axis2``
    (which torch.trace lacks) keep NumPy's meaning: the sum of that diagonal, over more dims too.

    Shapes: (m, n) -> ().   dL/dx = g on the diagonal, 0 elsewhere.
    """
    x = as_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"trace: expects a matrix (at least 2 dims), got shape {tuple(x.shape)}")
    d = diagonal(x, _offset("trace", "offset", offset), axis1=axis1, axis2=axis2)
    if d.dtype.kind in "biu":   # torch.trace and numpy.trace give int64 for integers and bools
        d = as_tensor(d.data.astype("int64"))
    return _sum(d, -1)
