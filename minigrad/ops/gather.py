"""PyTorch's indexing along one dim: ``gather``, ``scatter_add`` and ``masked_fill``.

``gather`` is ``TakeAlongAxis`` (the op behind ``max(x, dim=...)``) of ``x`` cut to the
index's extent, so its gradient is the scatter-add that op already has; ``masked_fill``
is ``where``, whose gradient is exactly 0 where the mask is set.
"""
from __future__ import annotations

import numpy as np

from minigrad import backend
from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.function import Function
from minigrad.autograd.tensor import Tensor
from minigrad.ops import _plain
from minigrad.ops._args import one_dim
from minigrad.ops.convert import astype
from minigrad.ops.reduce import TakeAlongAxis, open_grid
from minigrad.ops.selection import where
from minigrad.ops.shape import reshape
from minigrad.scalars import fill_number


def _index(name, index, x):
    """``index`` as an int64 array on ``x``'s device: a Tensor, array or list of integers, never floats or bools."""
    data = index.data if isinstance(index, Tensor) else index
    if not hasattr(data, "dtype"):
        data = np.asarray(data) if not (isinstance(data, list) and not data) else np.zeros(0, dtype=np.int64)
    if data.dtype.kind not in "iu":
        raise TypeError(f"{name}: index must hold integers (int64 as in PyTorch), got dtype {data.dtype} "
                        f"(index shape {tuple(data.shape)}, input shape {tuple(x.shape)})")
    data = backend.to_device(data, x.device) if x.device != "cpu" or not isinstance(data, np.ndarray) else data
    return data.astype(np.int64, copy=False)


def _check_extent(name, index, x, dim, other, other_name):
    """Refuse an index with another number of dims than ``x``, or longer than ``other`` outside ``dim``."""
    if index.ndim != x.ndim:
        raise ValueError(f"{name}: index has {index.ndim} dims (shape {tuple(index.shape)}) and the input "
                         f"{x.ndim} (shape {tuple(x.shape)}); they must have the same number of dims")
    for k in range(x.ndim):
        if k != dim and index.shape[k] > other.shape[k]:
            raise ValueError(f"{name}: index of shape {tuple(index.shape)} is longer than the {other_name} of "
                             f"shape {tuple(other.shape)} at dim {k} (only dim {dim} may be longer)")


def _check_values(name, index, n, dim, shape):
    """Refuse an index value outside [0, n) along ``dim`` (PyTorch takes no negative index here)."""
    if index.size == 0:
        return
    lo, hi = int(index.min()), int(index.max())
    if lo < 0 or hi >= n:
        bad = lo if lo < 0 else hi
        raise IndexError(f"{name}: index {bad} is out of bounds for dim {dim} of size {n} "
                         f"(input shape {tuple(shape)}; indices must be in [0, {n - 1}])")


def _leading(t, shape, dim):
    """``t`` cut to ``shape`` in every dim but ``dim`` (a basic slice: differentiable, often a no-op)."""
    if all(k == dim or t.shape[k] == s for k, s in enumerate(shape)):
        return t
    return t[tuple(slice(None) if k == dim else slice(0, s) for k, s in enumerate(shape))]


def _scatter_source(name, x, dim, index, src):
    """The checks every scatter makes of ``src`` against x and the index (dims, extents, index values) for a
    scatter along ``dim``; returns ``src`` cut to the index's shape and the grid of the written positions."""
    if x.ndim == 1:   # PyTorch counts a 0-d index or src as one element of a 1-D input's dim
        index = index.reshape(-1)
        src = reshape(src, (-1,)) if src.ndim == 0 else src
    _check_extent(name, index, x, dim, x, "input")   # the index first: a value= scatter's src takes its shape
    if src.ndim != x.ndim:
        raise ValueError(f"{name}: src has {src.ndim} dims (shape {tuple(src.shape)}) and the input "
                         f"{x.ndim} (shape {tuple(x.shape)}); they must have the same number of dims")
    _check_extent(name, index, x, -1, src, "src")
    _check_values(name, index, x.shape[dim], dim, x.shape)
    return _leading(src, index.shape, -1), open_grid(index, dim, index.shape)


def _one_element(name, x, index, src):
    """A 0-d ``x`` as PyTorch's scatters read it: one element along dim 0, with index and src of at most 1 dim."""
    for what, t in (("index", index), ("src", src)):
        if t.ndim > 1:
            raise ValueError(f"{name}: {what} of shape {tuple(t.shape)} for a 0-d input (at most 1 dim)")
    _check_values(name, index, 1, 0, x.shape)
    return reshape(x, (1,))


def gather(x, dim, index, *, sparse_grad=False):
    """``torch.gather``: ``y[i][j][k] = x[index[i][j][k]][j][k]`` for dim 0 (and likewise for the others).

    Shapes: ``index`` (integers, x's number of dims, no longer than x outside ``dim``) -> y of index's shape.
    dL/dx = zeros like x with g added at the gathered entries (repeated indices add up); no gradient
    for the index. Indices must be in [0, x.shape[dim]). ``sparse_grad=True`` (torch's sparse gradient) is
    refused, as ``Embedding(sparse=True)`` is: gradients are dense.
    """
    if sparse_grad:
        raise ValueError(f"gather: sparse_grad={sparse_grad!r} is not supported (minigrad's gradients are dense; "
                         "drop it, the dense gradient holds the same values)")
    x = as_tensor(x)
    dim = one_dim("gather", x, dim, None)
    given, index = index, _index("gather", index, x)
    if dim is None:  # PyTorch treats a 0-d input as one element along dim 0
        if index.ndim > 1:
            raise ValueError(f"gather: index of shape {tuple(index.shape)} for a 0-d input (at most 1 dim)")
        _check_values("gather", index, 1, 0, x.shape)
        return reshape(TakeAlongAxis.apply(reshape(x, (1,)), Tensor(index.reshape(-1)), axis=0), index.shape)
    if x.ndim == 1 and index.ndim == 0:   # PyTorch counts a 0-d index as one element; the result is 0-d
        return reshape(gather(x, dim, index.reshape(1)), ())
    _check_extent("gather", index, x, dim, x, "input")
    _check_values("gather", index, x.shape[dim], dim, x.shape)
    if isinstance(given, Tensor) and given.device == x.device:
        # the index Tensor itself (cast by an op), so that an ONNX export sees where it comes from (argsort of the
        # input, say) rather than a copy it would have to freeze
        index = given if given.dtype == np.int64 else _plain.cast(given, np.int64)
    else:
        index = Tensor(index)
    return TakeAlongAxis.apply(_leading(x, index.shape, dim), index, axis=dim)


class ScatterAdd(Function):
    """y = x with ``src[i][j]`` added at ``[index[i][j]][j]`` (dim 0; repeated indices add up).

    ``grid`` is the full position each ``src`` entry goes to (an open grid with the index along ``axis``).
    dL/dx = g,  dL/dsrc = g[grid] (a gather of g).   Shapes: x, src of the index's shape -> x's shape.
    """

    def __init__(self, grid, axis):
        self.grid, self.axis = grid, axis

    def forward(self, x, src):
        out = x.copy()
        backend.scatter_add(out, self.grid, src)
        return out

    def backward(self, F, gy, x, src):
        nx, ns = self.needs_input_grad
        return (gy if nx else None), (gy[self.grid] if ns else None)


def scatter_add(x, dim, index, src):
    """``torch.scatter_add``: a copy of ``x`` with each ``src`` entry added where ``index`` sends it along ``dim``.

    Shapes: ``index`` (integers, x's number of dims, no longer than ``src`` anywhere nor than x outside ``dim``),
    ``src`` of x's number of dims -> x's shape (a 0-d x is one element along dim 0, as in PyTorch). Only the
    part of ``src`` the index covers is used. dL/dx = g,  dL/dsrc = g gathered at the index (0 for the entries of src the index does not cover).
    """
    x = as_tensor(x)
    src = as_tensor(src, like=x)
    dim = one_dim("scatter_add", x, dim, None)
    if src.dtype != x.dtype:
        raise TypeError(f"scatter_add: src has dtype {src.dtype} and the input {x.dtype}; they must match")
    index = _index("scatter_add", index, x)
    if dim is None:
        return reshape(scatter_add(_one_element("scatter_add", x, index, src), 0, index, src), ())
    src, grid = _scatter_source("scatter_add", x, dim, index, src)
    return ScatterAdd.apply(x, src, grid=grid, axis=dim)


def masked_fill(x, mask, value):
    """``torch.masked_fill``: ``value`` where ``mask`` is set, else ``x`` (``where(mask, value, x)``; they broadcast).

    ``value`` is a number or a 0-d tensor, cast to x's dtype as PyTorch does. dL/dx = g where the mask is
    clear and exactly 0 where it is set, even where g is inf; summed back to x's shape.
    """
    x = as_tensor(x)
    mask = as_tensor(mask, like=x)
    if mask.dtype != np.bool_:
        raise TypeError(f"masked_fill: mask must be a bool tensor, got dtype {mask.dtype} "
                        f"(mask shape {tuple(mask.shape)}, input shape {tuple(x.shape)})")
    try:
        np.broadcast_shapes(mask.shape, x.shape)
    except ValueError:
        raise ValueError(f"masked_fill: mask of shape {tuple(mask.shape)} does not broadcast with the input of "
                         f"shape {tuple(x.shape)}") from None
    return where(mask, fill_value("masked_fill", x, value), x)


def fill_value(name, x, value):
    """A fill ``value`` (a number or a 0-d tensor) as a 0-d tensor of x's dtype, refused naming ``name``."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ValueError(f"{name}: value must be a number or a 0-d tensor, got a tensor of shape "
                             f"{tuple(value.shape)}")
        if value.dtype != x.dtype:  # the result keeps x's dtype, as in PyTorch; a float value's gradient casts back
            fill_number(name, value, x.dtype)   # the cast wraps a negative int into an unsigned dtype, as torch's
            value = astype(value, x.dtype)
        return value
    if isinstance(value, (bool, int, float, complex, np.generic)):
        # uint8's -1 is 255; a complex number with an imaginary part into a real dtype is refused
        value = fill_number(name, value, x.dtype)
        if isinstance(value, (complex, np.complexfloating)) and x.dtype.kind != "c":
            value = value.real   # 1 + 0j into a real tensor, as torch takes it
        return Tensor(x._xp().asarray(value, dtype=x.dtype))
    raise TypeError(f"{name}: value must be a number or a 0-d tensor, got {type(value).__name__}")
