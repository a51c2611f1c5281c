"""PyTorch's selections by index or mask: ``index_select``, ``masked_select``, ``take``, ``take_along_dim``,
and the positions of nonzero entries, ``nonzero`` and ``argwhere``.

The differentiable ones are compositions of ops that already exist, each exact: a selection is ``x[index]``
(``GetItem``, whose gradient is the scatter-add ``IndexAdd``: repeated indices add up) or NumPy's
``take_along_axis`` (``TakeAlongAxis``), after a broadcast (``broadcast_to``, whose gradient sums back).
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import Tensor
from minigrad.ops import _plain
from minigrad.ops._args import one_dim
from minigrad.ops.broadcast import broadcast_to
from minigrad.ops.gather import _check_values, _index
from minigrad.ops.indexing import getitem
from minigrad.ops.reduce import TakeAlongAxis
from minigrad.ops.shape import reshape


def index_select(x, dim, index):
    """``torch.index_select``: the entries of ``x`` at ``index`` (a vector of integers) along ``dim``.

    Shapes: x, index of n entries (0-d counts as one) -> x's shape with n along ``dim``. Indices must be in
    [0, x.shape[dim]) (torch takes no negative index here). dL/dx = zeros like x with g's slices added at
    ``index`` along ``dim`` (repeated indices add up): the gradient of ``x[:, index]``.
    """
    x = as_tensor(x)
    d = one_dim("index_select", x, dim, None)
    index = _index("index_select", index, x)
    if index.ndim > 1:
        raise IndexError(f"index_select: index must be a vector (0-d or 1-D), got shape {tuple(index.shape)} "
                         f"(input shape {tuple(x.shape)})")
    index = index.reshape(-1)
    if d is None:  # a 0-d input is one element along dim 0; torch keeps it 0-d
        if index.size != 1:
            raise IndexError(f"index_select: the input is 0-d, so index must hold one value, got {index.size}")
        _check_values("index_select", index, 1, 0, x.shape)
        return reshape(getitem(reshape(x, (1,)), index), ())
    _check_values("index_select", index, x.shape[d], d, x.shape)
    return getitem(x, (slice(None),) * d + (index,))


def _mask(name, mask, x):
    mask = as_tensor(mask, like=x)
    if mask.dtype != np.bool_:
        raise TypeError(f"{name}: mask must be a bool tensor, got dtype {mask.dtype} "
                        f"(mask shape {tuple(mask.shape)}, input shape {tuple(x.shape)})")
    try:
        shape = np.broadcast_shapes(mask.shape, x.shape)
    except ValueError:
        raise ValueError(f"{name}: mask of shape {tuple(mask.shape)} does not broadcast with the input of "
                         f"shape {tuple(x.shape)}") from None
    return mask.data, tuple(shape)


def masked_select(x, mask):
    """``torch.masked_select``: the entries of ``x`` where ``mask`` is set, as a 1-D tensor (row-major order).

    ``mask`` (bool) and x broadcast together. Shapes: x, mask -> (number of set entries,).
    dL/dx = g put back at the selected positions, 0 elsewhere, summed over the dims x was broadcast along.
    """
    x = as_tensor(x)
    mask, shape = _mask("masked_select", mask, x)
    xp = x._xp()
    # The flat positions, not the mask itself: one integer-array index, which also exports (an ONNX Gather).
    positions = xp.flatnonzero(xp.broadcast_to(mask, shape))
    return getitem(reshape(broadcast_to(x, shape) if tuple(x.shape) != shape else x, (-1,)), positions)


def _wrap(name, index, n, shape, what):
    """``index`` with negative entries counted from the end; any outside [-n, n) refused, naming it."""
    n = int(n)   # a tensor's size object is an int to NumPy's operators, not to CuPy's
    if index.size:
        lo, hi = int(index.min()), int(index.max())
        if lo < -n or hi >= n:
            bad = lo if lo < -n else hi
            raise IndexError(f"{name}: index {bad} is out of bounds for {what} of size {n} "
                             f"(input shape {tuple(shape)}; indices must be in [{-n}, {n - 1}])")
    return index + (index < 0) * n


def take(x, index):
    """``torch.take``: the entries of ``x`` read as a flat (row-major) vector, at ``index``.

    Shapes: x, index (integers, any shape) -> index's shape. Negative indices count from the end, as in torch.
    dL/dx = zeros like x with g added at the flat positions taken (repeated indices add up).
    """
    x = as_tensor(x)
    index = _index("take", index, x)
    index = _wrap("take", index, x.size, x.shape, "the flattened input")
    return getitem(reshape(x, (-1,)), index)


def take_along_dim(x, indices, dim=None):
    """``torch.take_along_dim``: ``numpy.take_along_axis`` with broadcasting, or over the flat tensor (dim=None).

    Shapes: with ``dim``, x and indices (same number of dims) broadcast together outside ``dim``, and the
    result has the indices' length along ``dim``; with dim=None, x and indices are flattened and the result
    is 1-D. Indices must be in [0, n), as for ``gather``. dL/dx = zeros like x with g added at the positions taken
    (repeated indices add up), summed over the dims x was broadcast along.
    """
    x = as_tensor(x)
    index = _index("take_along_dim", indices, x)
    if dim is None:
        index = index.reshape(-1)
        _check_values("take_along_dim", index, x.size, "None (the flattened input)", x.shape)
        return getitem(reshape(x, (-1,)), index)
    d = one_dim("take_along_dim", x, dim, None)
    if index.ndim != x.ndim:
        raise ValueError(f"take_along_dim: input and indices should have the same number of dims, got input "
                         f"shape {tuple(x.shape)} and indices shape {tuple(index.shape)}")
    if d is None:  # 0-d input and 0-d indices
        _check_values("take_along_dim", index, 1, 0, x.shape)
        return getitem(x, ())
    _check_values("take_along_dim", index, x.shape[d], d, x.shape)
    try:
        common = np.broadcast_shapes(x.shape[:d] + (1,) + x.shape[d + 1:],
                                     index.shape[:d] + (1,) + index.shape[d + 1:])
    except ValueError:
        raise ValueError(f"take_along_dim: input of shape {tuple(x.shape)} and indices of shape "
                         f"{tuple(index.shape)} do not broadcast outside dim {d}") from None
    x_shape = common[:d] + (x.shape[d],) + common[d + 1:]
    i_shape = common[:d] + (index.shape[d],) + common[d + 1:]
    x = broadcast_to(x, x_shape) if x_shape != x.shape else x
    if isinstance(indices, Tensor) and indices.device == x.device:
        # the indices Tensor itself (cast and broadcast by ops), so that an ONNX export sees where they come from
        # (argsort of the input, say) rather than a copy it would have to freeze
        index = indices if indices.dtype == np.int64 else _plain.cast(indices, np.int64)
        return TakeAlongAxis.apply(x, broadcast_to(index, i_shape) if index.shape != i_shape else index, axis=d)
    xp = x._xp()
    index = xp.ascontiguousarray(xp.broadcast_to(index, i_shape))
    return TakeAlongAxis.apply(x, Tensor(index), axis=d)


def _positions(x):
    x = as_tensor(x)
    return x, x._xp()


def nonzero(x, *, as_tuple=None):
    """``torch.nonzero``: the positions of the nonzero entries (int64, no gradient), in row-major order.

    ``as_tuple=False``: one (n, ndim) tensor (PyTorch's default); ``as_tuple=True``: one 1-D tensor per dim
    (NumPy's ``nonzero``; a 0-d input counts as 1-D). With neither, a ``TypeError`` asks: NumPy's
    ``nonzero(x)`` is the tuple and PyTorch's the (n, ndim) tensor (``argwhere`` is that in both).
    """
    if as_tuple is None:
        raise TypeError("nonzero: NumPy's nonzero(x) returns one index array per dim, PyTorch's the (n, ndim) "
                        "tensor; say which: nonzero(x, as_tuple=True) for the tuple, as_tuple=False (or "
                        "argwhere(x)) for the (n, ndim) tensor")
    if not isinstance(as_tuple, (bool, np.bool_)):
        raise TypeError(f"nonzero: as_tuple must be True or False, got as_tuple={as_tuple!r}")
    x, xp = _positions(x)
    if as_tuple:
        data = x.data.reshape(1) if x.ndim == 0 else x.data
        return tuple(Tensor(i.astype(np.int64, copy=False)) for i in xp.nonzero(data))
    return argwhere(x)


def argwhere(x):
    """``torch.argwhere``: the (n, ndim) int64 positions of the nonzero entries, row-major (no gradient)."""
    x, xp = _positions(x)
    return _plain.plain("argwhere", {}, x, lambda data: xp.argwhere(data).astype(np.int64, copy=False))
