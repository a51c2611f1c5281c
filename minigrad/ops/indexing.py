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
        return _tensor_index(index)
    if isinstance(index, tuple):
        return tuple(_tensor_index(i) if isinstance(i, Tensor) else _list_index(i) if isinstance(i, list)
                     else _empty_float_array_index(i) if type(i) is np.ndarray else i for i in index)
    if isinstance(index, list):
        if any(_reads_as_tuple_in_torch(i) for i in index):
            raise TypeError(f"x[{_short(index)}]: a list index holding sequences, slices, None, ... or tensors reads "
                            "two ways: NumPy's as one index array, PyTorch's as a tuple of indices (x[i, j]); write "
                            "x[minigrad.tensor(...)] for NumPy's, or x[tuple(...)] for PyTorch's")
        return _list_index(index)
    return _empty_float_array_index(index) if type(index) is np.ndarray else index


def _empty_float_array_index(item):
    """An empty float array (``np.array([])``, which a list of no numbers becomes) indexes nothing, as in torch, which
    reads an array index as a list; NumPy refuses a float index array even when empty. A float Tensor stays
    refused, as torch refuses it."""
    if type(item) is np.ndarray and item.size == 0 and item.dtype.kind == "f":
        return np.zeros(item.shape, dtype=np.intp)
    return item


def _tensor_index(t):
    if t.dtype == np.uint8:   # NumPy reads it as positions, torch (deprecated, but still) as a mask: asked
        raise TypeError(f"x[index]: a uint8 index tensor (shape {tuple(t.shape)}) reads two ways: NumPy's as integer "
                        "positions, PyTorch's as a mask; write index.bool() for the mask or index.long() for the "
                        "positions")
    return t.data


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


def _index_kind(item):
    if item is None:
        return "none"
    if item is Ellipsis:
        return "ellipsis"
    if isinstance(item, slice):
        return "slice"
    if isinstance(item, (bool, np.bool_)):
        return "other"   # a bool scalar: torch makes it an index of its own; left to NumPy's reading
    if isinstance(item, (int, np.integer)):
        return "int"
    if hasattr(item, "dtype") and hasattr(item, "ndim"):
        if item.ndim == 0:
            return "int" if item.dtype.kind in "iu" else "other"   # torch selects with a 0-d integer tensor
        return "array"
    return "other"


def _dims_before_block(kinds, advanced, ellipsis_dims):
    """Output dims in front of the indexed (advanced) block: 0 when the advanced indices are not adjacent."""
    at = [i for i, k in enumerate(kinds) if k in advanced]
    if at[-1] - at[0] + 1 != len(at):
        return 0
    return sum(1 if k in ("slice", "none") else ellipsis_dims if k == "ellipsis" else 0 for k in kinds[:at[0]])


def check_one_reading(index, shape, what="x"):
    """Refuse a tuple index whose indexed dims NumPy and torch put in different places.

    NumPy counts an integer as an advanced index, and an Ellipsis, even one standing for no dims, keeps
    advanced indices apart, which puts the indexed dims first; torch selects with the integers before it
    indexes and skips an empty Ellipsis, so ``x[0, :, [1, 2]]`` is (2, 3) in NumPy and (3, 2) in torch.
    """
    if not isinstance(index, tuple):
        return
    kinds = [_index_kind(p) for p in index]
    if "other" in kinds or "array" not in kinds:
        return
    consumed = sum(p.ndim if k == "array" and p.dtype.kind == "b" else 1 if k in ("int", "slice", "array") else 0
                   for p, k in zip(index, kinds))
    ellipsis_dims = len(shape) - consumed
    torch_kinds = [k for k in kinds if k != "int" and not (k == "ellipsis" and ellipsis_dims == 0)]
    if (_dims_before_block(kinds, ("int", "array"), ellipsis_dims)
            == _dims_before_block(torch_kinds, ("array",), ellipsis_dims)):
        return
    try:
        numpy_shape, torch_shape = _both_shapes(index, kinds, shape, ellipsis_dims)
    except (IndexError, ValueError):
        return   # an index that fails anyway: the op itself says why
    raise TypeError(f"{what}[{_short_index(index)}] on a tensor of shape {tuple(shape)} reads two ways: NumPy's puts "
                    f"the indexed dims first, {numpy_shape}, PyTorch's keeps them in place, {torch_shape}; index in "
                    "two steps (x[0][:, idx], the same in both) or move the dims with movedim")


_PLAIN_PARTS = frozenset((int, slice, type(None), type(Ellipsis), bool))


def check_empty_masks(index, shape, what="x"):
    """Refuse an empty boolean mask that does not match the dims it indexes: NumPy reads it as no positions (an
    empty result), torch refuses it, as NumPy does a mask of any other wrong shape."""
    parts = index if isinstance(index, tuple) else (index,)
    for p in parts:   # a plain loop, no generator: this runs on every x[index] = v
        if type(p) not in _PLAIN_PARTS and getattr(p, "size", 1) == 0 and p.dtype.kind == "b" and p.ndim:
            break
    else:
        return
    kinds = [_index_kind(p) for p in parts]
    width = [p.ndim if k == "array" and p.dtype.kind == "b" else 1 if k in ("int", "slice", "array") else 0
             for p, k in zip(parts, kinds)]
    dim = 0
    for p, k, w in zip(parts, kinds, width):
        if k == "ellipsis":
            dim += len(shape) - sum(width)
            continue
        if k == "array" and p.dtype.kind == "b" and p.size == 0 and tuple(p.shape) != tuple(shape[dim:dim + w]):
            raise IndexError(f"{what}[index]: the boolean mask of shape {tuple(p.shape)} does not match the indexed "
                             f"dims {tuple(shape[dim:dim + w])} (from dim {dim} of a tensor of shape {tuple(shape)}); "
                             "NumPy reads an empty mask as no positions, torch refuses it")
        dim += w


def _both_shapes(index, kinds, shape, ellipsis_dims):
    """The result shapes under NumPy's reading and torch's, from a stand-in of the index on the host."""
    host = tuple(np.asarray(backend.to_numpy(p)) if k == "array" else p for p, k in zip(index, kinds))
    host = tuple(np.zeros(p.shape, dtype=np.intp) if k == "array" and p.dtype.kind != "b" else p
                 for p, k in zip(host, kinds))
    dummy = np.broadcast_to(np.empty((), dtype=np.int8), tuple(shape))
    numpy_shape = dummy[host].shape
    select = []
    for p, k in zip(host, kinds):
        if k in ("int", "slice", "ellipsis"):
            select.append(int(p) if k == "int" else slice(None) if k == "slice" else Ellipsis)
        elif k == "array":
            select.extend([slice(None)] * (p.ndim if p.dtype.kind == "b" else 1))
    rest = tuple(p for p, k in zip(host, kinds) if k != "int" and not (k == "ellipsis" and ellipsis_dims == 0))
    return numpy_shape, dummy[tuple(select)][rest].shape


def _short_index(index):
    def one(p):
        if p is Ellipsis:
            return "..."
        if isinstance(p, slice):
            return ":".join("" if v is None else str(v) for v in (p.start, p.stop)) + ("" if p.step is None else
                                                                                      f":{p.step}")
        if hasattr(p, "ndim"):
            return str(int(p)) if p.ndim == 0 else _short(backend.to_numpy(p).tolist())
        return repr(p)
    text = ", ".join(one(p) for p in index)
    return text if len(text) <= 60 else text[:57] + "..."


def _has_int_array(index):
    parts = index if isinstance(index, tuple) else (index,)
    return any(hasattr(p, "dtype") and p.dtype.kind in "iu" for p in parts)


class GetItem(Function):
    """y = x[index].   dL/dx = zeros like x with g added at ``index`` (scatter-add)."""

    values_unread = (0,)   # backward reads x's shape only (torch's index backward saves no x either)

    def __init__(self, index):
        self.index = index

    def forward(self, x):
        y = x[self.index]
        if isinstance(y, np.generic):
            # Every axis took an integer: NumPy hands back a copied scalar, torch a 0-d view (x[0].mul_(2) writes
            # x). The same index followed by ``...`` gives NumPy's 0-d view.
            index = self.index if isinstance(self.index, tuple) else (self.index,)
            y = x[(*index, Ellipsis)]
        return y

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
        return F.apply(GetItem, ggy, index=self.index)   # the index is NumPy's already (see Scatter.backward)


def getitem(x, index):
    """``x[index]`` with NumPy semantics; the gradient of repeated integer indices accumulates."""
    x = as_tensor(x)
    index = raw_index(index)
    check_one_reading(index, x.shape)
    parts = index if isinstance(index, tuple) else (index,)
    xp = x._xp()
    moved = tuple(backend.to_device(p, x.device) if isinstance(p, np.ndarray) and xp is not np else p
                  for p in parts)
    if xp is not np:
        index = moved if isinstance(index, tuple) else moved[0]
    try:
        y = GetItem.apply(x, index=index)
    except IndexError as exc:
        check_empty_masks(index, x.shape)
        raise IndexError(f"getitem: {exc} (tensor of shape {x.shape})") from None
    if y.data.size == 0:   # only an empty result can come from an empty mask: the check costs nothing otherwise
        check_empty_masks(index, x.shape)
    return y
