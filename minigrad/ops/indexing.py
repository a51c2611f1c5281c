"""Indexing ``x[index]`` and its adjoint, scatter-add.

Basic indices (ints, slices, None, Ellipsis) and boolean masks never select an
element twice, so the gradient is a plain assignment into zeros. Integer-array
indices may repeat elements; their gradients must add up, which is what
scatter-add (``numpy.add.at``) does.
"""
from __future__ import annotations

import numpy as np

from minigrad import backend
from minigrad.autograd.function import Function
from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module


def raw_index(index):
    """The index with any Tensors in it replaced by their arrays, and lists by NumPy arrays.

    Lists inside a tuple (``x[[0, 0], 1]``) become arrays too, so that the backward
    sees an integer array and adds up repeated indices.
    """
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else _list_index(i) if isinstance(i, list) else i
                     for i in index)
    if isinstance(index, list):
        if any(_reads_as_tuple_in_torch(i) for i in index):
            raise TypeError(f"x[{_short(index)}]: a list index holding sequences, slices, None, ... or tensors reads "
                            "two ways: NumPy's as one index array, PyTorch's as a tuple of indices (x[i, j]); write "
                            "x[minigrad.tensor(...)] for NumPy's, or x[tuple(...)] for PyTorch's")
        return _list_index(index)
    return index


def _reads_as_tuple_in_torch(item):
    """Whether torch (2.x, deprecated) takes a list index holding ``item`` as a tuple of indices."""
    return (item is None or item is Ellipsis or isinstance(item, (list, tuple, slice, Tensor))
            or (hasattr(item, "shape") and not isinstance(item, np.generic)))   # an array; a NumPy scalar is a number


def _short(index):
    text = repr(index)
    return text if len(text) <= 40 else text[:37] + "..."


def _list_index(items):
    # An empty list indexes nothing; NumPy would otherwise make it a float array.
    return np.asarray(items) if len(items) else np.zeros(0, dtype=np.intp)


def _has_int_array(index):
    parts = index if isinstance(index, tuple) else (index,)
    return any(hasattr(p, "dtype") and p.dtype.kind in "iu" for p in parts)


class GetItem(Function):
    """y = x[index].   dL/dx = zeros like x with g added at ``index`` (scatter-add)."""

    def __init__(self, index):
        self.index = index

    def forward(self, x):
        return x[self.index]

    def backward(self, F, gy, x):
        return F.index_add(gy, self.index, x.shape)


class IndexAdd(Function):
    """y = zeros(shape) with ``g`` added at ``index``: the adjoint of ``x[index]``.   dL/dg = G[index]."""

    def __init__(self, index, shape):
        self.index, self.shape = index, shape

    def forward(self, g):
        out = get_array_module(g).zeros(self.shape, dtype=g.dtype)
        if _has_int_array(self.index):
            backend.scatter_add(out, self.index, g)
        else:
            out[self.index] = g
        return out

    def backward(self, F, ggy, g):
        return ggy[self.index]


def getitem(x, index):
    """``x[index]`` with NumPy semantics; the gradient of repeated integer indices accumulates."""
    x = as_tensor(x)
    index = raw_index(index)
    parts = index if isinstance(index, tuple) else (index,)
    xp = x._xp()
    moved = tuple(backend.to_device(p, x.device) if isinstance(p, np.ndarray) and xp is not np else p
                  for p in parts)
    if xp is not np:
        index = moved if isinstance(index, tuple) else moved[0]
    try:
        return GetItem.apply(x, index=index)
    except IndexError as exc:
        raise IndexError(f"getitem: {exc} (tensor of shape {x.shape})") from None
