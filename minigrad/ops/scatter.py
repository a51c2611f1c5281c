"""PyTorch's writes by index, out of place: ``index_add``, ``index_fill``, ``index_copy``, ``scatter``,
``masked_scatter`` and ``index_put``.

Each is a copy of ``x`` with values added or written at positions given along one dim, by a mask, or by
a tuple of index tensors. An added value's gradient is the output gradient gathered where it went
(``ScatterAdd``, also behind ``scatter_add``); a written one's is the same gather, and the entries of
``x`` it overwrote get exactly 0 (``Scatter``). Where one position is written twice, the last write
stays (PyTorch leaves that order unspecified) and, as in PyTorch, each value gets the gathered gradient.
"""
from __future__ import annotations

import numpy as np

from minigrad import backend
from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.function import Function
from minigrad.autograd.tensor import Tensor
from minigrad.ops._args import one_dim, python_real, scalar_in_dtype
from minigrad.ops.broadcast import broadcast_to
from minigrad.ops.gather import ScatterAdd, _check_values, _index, _one_element, _scatter_source, fill_value
from minigrad.ops.indexing import GetItem
from minigrad.ops.reduce import open_grid
from minigrad.ops.selection import where
from minigrad.ops.shape import reshape
from minigrad.ops.take import _mask, _wrap
from minigrad.scalars import fill_number


class Scatter(Function):
    """y = x with ``src`` written (or, with ``accumulate``, added) at ``index``.

    ``index`` is a NumPy index of full positions of x whose arrays broadcast to src's shape; ``keep`` is
    False where x is overwritten. dL/dx = g where kept, exactly 0 where overwritten (g itself when
    accumulating); dL/dsrc = g[index] (a gather of g).   Shapes: x, src -> x's shape.
    """

    def __init__(self, index, keep, accumulate=False):
        self.index, self.keep, self.accumulate = index, keep, accumulate

    def forward(self, x, src):
        out = x.copy()
        if self.accumulate:
            backend.scatter_add(out, self.index, src)
        else:
            out[self.index] = src
        return out

    def backward(self, F, gy, x, src):
        nx, ns = self.needs_input_grad
        gx = (gy if self.accumulate else F.select(F.const(self.keep), gy)) if nx else None
        # GetItem itself, not gy[index]: the index is already NumPy's, and x[0, :, idx] = scalar (one reading for a
        # single value) must not meet getitem's refusal of an index NumPy and torch read two ways
        return gx, (F.apply(GetItem, gy, index=self.index) if ns else None)


def _written(x, index):
    """A bool array of x's shape, False where ``index`` writes."""
    keep = x._xp().ones(x.shape, dtype=bool)
    keep[index] = False
    return keep


def _scatter(x, src, index, accumulate=False):
    return Scatter.apply(x, src, index=index, keep=None if accumulate else _written(x, index), accumulate=accumulate)


def assign(x, index, value):
    """``x`` with ``value`` written at the NumPy index ``index`` (raw: arrays, slices, masks), out of place: what
    ``x[index] = value`` records while a graph is recorded (``Tensor.__setitem__``). ``value`` is cast to x's dtype
    and broadcast to the indexed shape, as NumPy's assignment does (leading length-1 dims beyond it dropped).

    dL/dx = g, exactly 0 where written; dL/dvalue = g[index], summed over the broadcast dims.
    """
    value = as_tensor(value, like=x)
    if value.dtype != x.dtype:
        value = value.astype(x.dtype)
    target = x.data[index].shape
    extra = value.ndim - len(target)
    if extra > 0 and all(n == 1 for n in value.shape[:extra]):
        # leading length-1 dims the indexed shape lacks are dropped, as NumPy's (unrecorded) write and torch's do
        value = reshape(value, value.shape[extra:])
    return _scatter(x, broadcast_to(value, target), index)


def _source(name, x, source):
    source = as_tensor(source, like=x)
    if source.dtype != x.dtype:
        raise TypeError(f"{name}: source has dtype {source.dtype} and the input {x.dtype}; they must match")
    return source


def _along_dim(name, x, dim, index, *, negative=False):
    """(dim, index as a vector, size along dim) for the index_* ops; a 0-d input is one element along dim 0."""
    d = one_dim(name, x, dim, None)
    index = _index(name, index, x)
    if index.ndim > 1:
        raise IndexError(f"{name}: index must be a vector (0-d or 1-D), got shape {tuple(index.shape)} "
                         f"(input shape {tuple(x.shape)})")
    index = index.reshape(-1)
    n = 1 if d is None else x.shape[d]
    if negative:
        index = _wrap(name, index, n, x.shape, f"dim {0 if d is None else d}")
    else:
        _check_values(name, index, n, 0 if d is None else d, x.shape)
    return d, index, n


def _slices_grid(name, x, d, index, source):
    """The full positions of each source entry (index along ``d``), after checking source's shape."""
    expected = x.shape[:d] + (index.size,) + x.shape[d + 1:]
    if source.shape != expected:
        raise ValueError(f"{name}: source of shape {tuple(source.shape)} must have the input's shape "
                         f"{tuple(x.shape)} with {index.size} (the number of indices) along dim {d}, "
                         f"that is {expected}")
    return open_grid(index.reshape((index.size,) + (1,) * (x.ndim - 1 - d)), d, source.shape)


def index_add(x, dim, index, source, *, alpha=1):
    """``torch.index_add``: a copy of ``x`` with ``alpha * source``'s slices added at ``index`` along ``dim``.

    Shapes: index (a vector of n integers in [0, x.shape[dim])), source of x's shape with n along ``dim``
    -> x's shape. Repeated indices add up. dL/dx = g;  dL/dsource = alpha * g's slices at ``index``.

    ``alpha`` as torch's index_add reads it (not add's rule: torch takes a bool, a float and a complex number for
    every dtype here): a bool, Python's or NumPy's, is 1 or 0; it is cast to x's dtype as torch casts a Scalar
    (``scalar_in_dtype``), so a bool tensor takes any nonzero alpha (NaN too) as True, an integer one truncates a
    float toward zero (2.5 is 2), an unsigned one wraps a negative int (uint8's -1 is 255, down to -255), a real one
    takes a complex alpha's real part where its imaginary part is 0, and a value past the dtype's range (300 or NaN
    or inf for int8, 1e40 for float32, 70000 for float16, 1 + 1j for a real dtype) is refused, RuntimeError as
    torch's; an int past 64 bits is OverflowError.
    """
    x = as_tensor(x)
    # cast to x's dtype as torch's Scalar conversion (the shared rule for addcmul's value, addr's beta and alpha)
    if isinstance(alpha, (complex, np.complexfloating)):   # a Scalar too, as a Python complex (NumPy's promotes)
        alpha = complex(alpha)
    else:
        alpha = python_real("index_add", "alpha", alpha, bools=True)
    alpha = scalar_in_dtype("index_add", "alpha", alpha, x.dtype)
    source = _source("index_add", x, source)
    d, index, _ = _along_dim("index_add", x, dim, index)
    if d is None:
        return reshape(index_add(reshape(x, (1,)), 0, index, reshape(source, (-1,)), alpha=alpha), ())
    grid = _slices_grid("index_add", x, d, index, source)
    src = source if alpha == 1 else source * alpha
    return ScatterAdd.apply(x, src, grid=grid, axis=d)


def index_fill(x, dim, index, value):
    """``torch.index_fill``: a copy of ``x`` with its slices at ``index`` along ``dim`` set to ``value``.

    ``value`` is a number or a 0-d tensor (cast to x's dtype); negative indices count from the end, as in
    torch. It is ``masked_fill`` with the mask of the indexed slices: dL/dx = g, exactly 0 in the filled
    slices; dL/dvalue = the sum of g over them.
    """
    x = as_tensor(x)
    d, index, n = _along_dim("index_fill", x, dim, index, negative=True)
    mask = x._xp().zeros(n, dtype=bool)
    mask[index] = True
    if d is not None:
        mask = mask.reshape((n,) + (1,) * (x.ndim - 1 - d))
    else:
        mask = mask.reshape(())
    return where(Tensor(mask), fill_value("index_fill", x, value), x)


def index_copy(x, dim, index, source):
    """``torch.index_copy``: a copy of ``x`` with ``source``'s slices written at ``index`` along ``dim``.

    Shapes: index (a vector of n integers in [0, x.shape[dim])), source of x's shape with n along ``dim``
    -> x's shape. dL/dx = g, exactly 0 in the overwritten slices;  dL/dsource = g's slices at ``index``.
    A repeated index keeps the last slice written (torch: unspecified); each copy gets the gathered gradient.
    """
    x = as_tensor(x)
    source = _source("index_copy", x, source)
    d, index, _ = _along_dim("index_copy", x, dim, index)
    if d is None:
        return reshape(index_copy(reshape(x, (1,)), 0, index, reshape(source, (-1,))), ())
    return _scatter(x, source, _slices_grid("index_copy", x, d, index, source))


def scatter(x, dim, index, src=None, *, value=None, reduce=None):
    """``torch.scatter``: a copy of ``x`` with ``src`` (or the number ``value``) written where ``index`` sends it.

    For dim 0, ``y[index[i][j]][j] = src[i][j]``. Shapes: index (integers in [0, x.shape[dim]), x's number
    of dims, no longer than src anywhere nor than x outside ``dim``), src of x's number of dims -> x's
    shape. dL/dx = g, exactly 0 at the written positions;  dL/dsrc = g gathered at ``index`` (0 for the
    entries the index does not cover). A position written twice keeps the last value (torch: unspecified),
    and each of those values gets the gathered gradient, as in torch. ``reduce='add'`` is ``scatter_add``
    and ``reduce='multiply'`` is ``scatter_reduce(..., 'prod')``, both with their gradients.
    """
    x = as_tensor(x)
    if src is not None and value is not None:
        raise TypeError("scatter: give src (a tensor) or value (a number), not both")
    if src is None and value is None:
        raise TypeError("scatter: missing src (a tensor) or value (a number)")
    if src is not None and not isinstance(src, Tensor) and (not hasattr(src, "shape") or isinstance(src, np.generic)):
        src, value = None, src  # torch.scatter(x, dim, index, 2.0): the value overload (a NumPy scalar too)
    if reduce not in (None, "add", "multiply"):
        raise ValueError(f"scatter: reduce must be None, 'add' or 'multiply', got reduce={reduce!r}")
    d = one_dim("scatter", x, dim, None)
    idx = _index("scatter", index, x)
    if value is not None:
        # any torch Scalar: a bool (1 or 0 in a number dtype) and a NumPy scalar too, as torch's
        if not isinstance(value, (bool, int, float, complex, np.bool_, np.number)):
            raise TypeError(f"scatter: value must be a number, got value={value!r}")
        value = fill_number("scatter", value, x.dtype)   # uint8's -1 is 255, as torch's
        if isinstance(value, (complex, np.complexfloating)) and x.dtype.kind != "c":
            value = value.real   # 1 + 0j into a real tensor (an imaginary part was refused above), as torch takes it
        src = Tensor(x._xp().full(idx.shape, value, dtype=x.dtype))
    src = _source("scatter", x, src)
    if d is None:   # PyTorch reads a 0-d input as one element along dim 0
        return reshape(scatter(_one_element("scatter", x, idx, src), 0, idx, src, reduce=reduce), ())
    if reduce == "add":
        from minigrad.ops.gather import scatter_add
        return scatter_add(x, dim, idx, src)
    if reduce == "multiply":
        from minigrad.ops.scatter_reduce import scatter_reduce
        return scatter_reduce(x, dim, idx, src, "prod")
    src, grid = _scatter_source("scatter", x, d, idx, src)
    return _scatter(x, src, grid)


def masked_scatter(x, mask, source):
    """``torch.masked_scatter``: a copy of ``x`` with the first k entries of ``source`` (row-major) written
    where ``mask`` is set, k being the number of set entries. x and the (bool) mask broadcast together.

    Shapes: x, mask, source of at least k entries -> the broadcast shape. dL/dx = g where the mask is clear
    (exactly 0 where set), summed over broadcast dims;  dL/dsource = g at the set positions, in order, then 0.
    """
    x = as_tensor(x)
    mask, shape = _mask("masked_scatter", mask, x)
    source = _source("masked_scatter", x, source)
    xp = x._xp()
    mask = xp.broadcast_to(mask, shape)
    k = int(mask.sum())
    if source.size < k:
        raise ValueError(f"masked_scatter: source has {source.size} entries (shape {tuple(source.shape)}) and "
                         f"the mask sets {k}; it needs at least as many")
    xb = broadcast_to(x, shape) if tuple(x.shape) != shape else x
    if not shape:  # a 0-d result: written or not
        return reshape(source, (-1,))[0] if k else xb
    return Scatter.apply(xb, reshape(source, (-1,))[:k], index=xp.nonzero(mask), keep=~mask, accumulate=False)


def index_put(x, indices, values, accumulate=False):
    """``torch.index_put``: a copy of ``x`` with ``values`` written (or added, ``accumulate=True``) at
    ``x[indices]``; ``indices`` is a tuple of integer or bool tensors, one per leading dim, as in torch.

    ``values`` broadcasts to the shape of ``x[indices]``; negative indices count from the end. dL/dx = g,
    exactly 0 where written (g itself when accumulating); dL/dvalues = g[indices] summed back to values'
    shape. Repeated positions add up when accumulating, and keep the last value otherwise (torch: unspecified).
    """
    x = as_tensor(x)
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put: indices must be a tuple of index tensors, got {type(indices).__name__}")
    values = _source("index_put", x, values)
    xp = x._xp()
    arrays = []
    for k, i in enumerate(indices):
        data = i.data if isinstance(i, Tensor) else i
        data = data if hasattr(data, "dtype") else np.asarray(data)
        if data.dtype == np.bool_:
            data = backend.to_device(data, x.device) if x.device != "cpu" else data
            if data.shape != x.shape[len(arrays):len(arrays) + data.ndim]:
                raise IndexError(f"index_put: the bool index {k} of shape {tuple(data.shape)} does not match the "
                                 f"input's shape {tuple(x.shape)} at dims {len(arrays)}..")
            arrays.extend(p.astype(np.int64) for p in xp.nonzero(data))
        else:
            arrays.append(_index("index_put", data, x))
    if len(arrays) > x.ndim:
        raise IndexError(f"index_put: {len(arrays)} indices for an input of shape {tuple(x.shape)}")
    try:
        lead = np.broadcast_shapes(*[a.shape for a in arrays])
    except ValueError:
        raise IndexError(f"index_put: the index shapes {[tuple(a.shape) for a in arrays]} do not broadcast") from None
    rest = x.shape[len(arrays):]
    arrays = [_wrap("index_put", a, x.shape[k], x.shape, f"dim {k}").reshape(a.shape + (1,) * len(rest))
              for k, a in enumerate(arrays)]
    grid = tuple(arrays) + tuple(xp.arange(n).reshape((n,) + (1,) * (len(rest) - 1 - j))
                                 for j, n in enumerate(rest))
    shape = tuple(lead) + tuple(rest)
    try:
        fits = np.broadcast_shapes(values.shape, shape) == shape   # more dims than the indexed shape do not fit
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"index_put: values of shape {tuple(values.shape)} do not broadcast to the indexed "
                         f"shape {shape} (input shape {tuple(x.shape)})")
    src = broadcast_to(values, shape) if tuple(values.shape) != shape else values
    return _scatter(x, src, grid, accumulate=bool(accumulate))
