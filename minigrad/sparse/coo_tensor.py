"""``SparseCOOTensor``: torch's sparse COO layout, as a small type of its own beside ``Tensor``.

A sparse COO tensor of ``shape`` holds ``indices`` (sparse_dim, nnz), int64, and ``values`` (nnz, *dense_shape): entry
``e`` is the value (or dense block) ``values[e]`` at position ``indices[:, e]`` of the first ``sparse_dim`` axes, every
other position is zero, and duplicate positions add up. ``shape = sparse_shape + dense_shape``.

It is its own class, not a ``Tensor`` with a layout flag, so the dense hot path (``Function.apply``, every operator)
never tests a layout: dense ops see a sparse operand only on their slow, non-Tensor conversion path, where it is
refused by name. Autograd runs through the values: ``values`` is an ordinary Tensor, and every differentiable sparse
operation (``to_dense``, ``coalesce``, the products and reductions of ``minigrad.sparse``) is a graph of ops on it, so
a gradient reaches the values (and whatever made them) with no change to the engine. A sparse tensor made with
``requires_grad=True`` is a leaf whose ``grad`` is a sparse tensor at its coalesced positions, as torch's.
"""
from __future__ import annotations

import numpy as np

from minigrad import backend
from minigrad.autograd.tensor import Tensor
from minigrad.creation import tensor as _dense_tensor
from minigrad.layout import sparse_coo
from minigrad.ops.shape import reshape_if_needed
from minigrad.ops.embedding import RowSum
from minigrad.ops.embedding import _Plan
from minigrad.scalars import as_integer, is_integer

# Python's operators on a sparse tensor and the torch op each one is: all refused by name (see _refuse_elementwise).
_OPERATORS = {"__add__": "add", "__radd__": "add", "__sub__": "sub", "__rsub__": "sub", "__mul__": "mul",
              "__rmul__": "mul", "__truediv__": "div", "__rtruediv__": "div", "__pow__": "pow", "__rpow__": "pow",
              "__neg__": "neg", "__abs__": "abs", "__lt__": "lt", "__le__": "le", "__gt__": "gt", "__ge__": "ge",
              "__floordiv__": "floor_divide", "__mod__": "remainder", "__iadd__": "add_", "__imul__": "mul_"}


def describe(x):
    """A value's layout and shape for an error message: ``sparse_coo (3, 4)``, ``strided (4, 2)``, ``float``."""
    if isinstance(x, SparseCOOTensor):
        return f"sparse_coo {x.shape} (nnz={x._nnz()})"
    if isinstance(x, Tensor):
        return f"strided {tuple(x.shape)}"
    return type(x).__name__


class SparseCOOTensor:
    """A sparse tensor in COO layout (``torch.sparse_coo_tensor``'s result); see the module docstring.

    Attributes as torch's: ``is_sparse`` (True), ``layout`` (``minigrad.sparse_coo``), ``shape``, ``size()``,
    ``dtype``, ``device``, ``ndim``/``dim()``, ``sparse_dim()``, ``dense_dim()``, ``_nnz()``, ``requires_grad``,
    ``grad``, ``is_leaf``. Methods: ``indices()``/``values()`` (coalesced tensors only, as torch's; ``_indices()``/
    ``_values()`` always), ``coalesce()``, ``is_coalesced()``, ``to_dense()``, ``t()``, ``mm``/``matmul``/``@``
    with a dense right operand, ``sum``, ``to(device or dtype)``, ``cpu()``, ``cuda()``, ``double()``, ``float()``,
    ``detach()``, ``requires_grad_()``.
    """

    __slots__ = ("_index", "_vals", "_shape", "_coalesced", "_plans", "_leaf", "__weakref__")
    __hash__ = object.__hash__
    __array_ufunc__ = None   # `ndarray <op> sparse` comes to the refusing reflected operator, not to NumPy
    is_sparse = True
    is_sparse_csr = False
    layout = sparse_coo

    def __init__(self, index, values, shape, coalesced=False, leaf=False):
        """Internal: ``index`` a backend int64 array (sparse_dim, nnz) on the values' device, already checked;
        ``values`` a Tensor; ``leaf``: made with requires_grad=True (its values are its own leaf, and ``grad`` reads
        them). Use ``minigrad.sparse_coo_tensor`` to build one from user data."""
        self._index = index
        self._vals = values
        self._shape = tuple(int(n) for n in shape)
        self._coalesced = bool(coalesced)
        self._leaf = bool(leaf)
        self._plans = {}

    # ----------------------------------------------------------------- attributes
    @property
    def shape(self) -> tuple:
        return self._shape

    def size(self, dim=None):
        """The shape (``size()``) or one length (``size(dim)``), as torch's."""
        if dim is None:
            return self._shape
        return self._shape[_axis("size", dim, len(self._shape))]

    @property
    def ndim(self) -> int:
        return len(self._shape)

    def dim(self) -> int:
        return len(self._shape)

    def sparse_dim(self) -> int:
        return self._index.shape[0]

    def dense_dim(self) -> int:
        return self._vals.ndim - 1

    def _nnz(self) -> int:
        """The number of stored entries (duplicates counted until ``coalesce``)."""
        return self._index.shape[1]

    def numel(self) -> int:
        return int(np.prod(self._shape, dtype=np.int64))

    @property
    def dtype(self):
        return self._vals.dtype

    @property
    def device(self) -> str:
        return self._vals.device

    @property
    def requires_grad(self) -> bool:
        return self._vals.requires_grad

    @property
    def is_leaf(self) -> bool:
        """True unless made from values that require grad (then, as torch's, the sparse tensor has a history)."""
        return self._leaf or not self._vals.requires_grad

    @property
    def grad(self):
        """A leaf's gradient (made with ``requires_grad=True``): a coalesced sparse tensor at this tensor's positions,
        as ``torch.sparse.mm`` leaves it. Each stored entry's value gradient is the gradient at its position (a
        duplicate's is the same), so the gradient at each distinct position is read from its first entry. None for a
        sparse tensor made from values that require grad (the gradient is the values', as torch's)."""
        g = self._vals.grad if self._leaf else None
        if g is None:
            return None
        index, _, first = self._unique_positions()
        return SparseCOOTensor(index, Tensor(g.data[first]), self._shape, coalesced=True)

    @grad.setter
    def grad(self, value):
        if value is not None:
            raise NotImplementedError("SparseCOOTensor.grad: only None can be assigned (to clear the gradient)")
        self._vals.grad = None

    def requires_grad_(self, requires_grad=True):
        """Make this sparse tensor a leaf that requires grad (its values), in place, as torch's."""
        self._vals.requires_grad_(requires_grad)
        self._leaf = bool(requires_grad)
        return self

    def to(self, *args, **kwargs):
        """This sparse tensor on another device and/or with values of another dtype (``Tensor.to``'s arguments:
        ``adj.to(device)``, ``adj.to(mg.float64)``); itself when nothing changes. The values are converted by
        ``Tensor.to``, so gradients reach the originals; a moved leaf is a new tensor with a history, as torch's."""
        values = self._vals.to(*args, **kwargs)
        if values is self._vals:
            return self
        index = self._index
        if values.device != self._vals.device:
            index = backend.to_device(index, values.device)
        return SparseCOOTensor(index, values, self._shape, self._coalesced)

    def cpu(self):
        return self.to("cpu")

    def cuda(self):
        return self.to("cuda")

    def double(self):
        return self.to(np.float64)

    def float(self):  # noqa: A003  (torch's name)
        return self.to(np.float32)

    def detach(self):
        return SparseCOOTensor(self._index, self._vals.detach(), self._shape, self._coalesced)

    # ----------------------------------------------------------------- parts
    def _indices(self) -> Tensor:
        """The stored indices (sparse_dim, nnz), coalesced or not."""
        return Tensor(self._index)

    def _values(self) -> Tensor:
        """The stored values (nnz, *dense_shape), coalesced or not; differentiable (gradients reach them)."""
        return self._vals

    def indices(self) -> Tensor:
        if not self._coalesced:
            raise RuntimeError("indices: cannot get indices on an uncoalesced sparse tensor, please call "
                               ".coalesce() first (or read the raw entries with ._indices())")
        return Tensor(self._index)

    def values(self) -> Tensor:
        if not self._coalesced:
            raise RuntimeError("values: cannot get values on an uncoalesced sparse tensor, please call "
                               ".coalesce() first (or read the raw entries with ._values())")
        return self._vals

    def is_coalesced(self) -> bool:
        return self._coalesced

    def _sparse_shape(self):
        return self._shape[:self._index.shape[0]]

    def _dense_shape(self):
        return self._shape[self._index.shape[0]:]

    def _plan(self, key):
        """The sort of one index array, kept with the tensor: ("row"|"col") for the products, "linear" for
        ``to_dense``. A graph's adjacency is sorted once however many products use it."""
        plan = self._plans.get(key)
        if plan is None:
            if key == "linear":
                plan = _Plan(_linear(self._index, self._sparse_shape()))
            else:
                plan = _Plan(self._index[0 if key == "row" else 1])
            self._plans[key] = plan
        return plan

    def _unique_positions(self):
        """(coalesced indices, the entry -> distinct position map, each distinct position's first entry)."""
        xp = backend.get_array_module(self._index)
        sparse_shape = self._sparse_shape()
        if self._nnz() == 0:
            empty = xp.zeros(0, dtype=np.int64)
            return self._index, empty, empty
        linear = _linear(self._index, sparse_shape)
        unique, first, inverse = xp.unique(linear, return_index=True, return_inverse=True)
        index = xp.stack(xp.unravel_index(unique, sparse_shape)).astype(np.int64, copy=False)
        return index, inverse.reshape(-1), first

    # ----------------------------------------------------------------- conversions
    def coalesce(self):
        """The same tensor with positions sorted (row-major) and duplicates summed; ``self`` if already coalesced.

        Differentiable: the values are a row sum by distinct position (``RowSum``), whose derivative gives each
        entry the gradient at its position.
        """
        if self._coalesced:
            return self
        index, inverse, _ = self._unique_positions()
        nnz, n_unique = self._nnz(), index.shape[1]
        width = int(np.prod(self._dense_shape(), dtype=np.int64))
        if nnz == 0 or width == 0:
            values = self._vals[:n_unique] if nnz == 0 else _zeros_like_values(self._vals, n_unique)
        else:
            flat = reshape_if_needed(self._vals, (nnz, width))
            summed = RowSum.apply(flat, plan=_Plan(inverse), num_rows=n_unique)
            values = reshape_if_needed(summed, (n_unique,) + self._dense_shape())
        return SparseCOOTensor(index, values, self._shape, coalesced=True)

    def to_dense(self) -> Tensor:
        """The dense (strided) Tensor, duplicates added; differentiable w.r.t. the values.

        dense = RowSum of the values into their linear positions, so dL/dvalues[e] = g[indices[:, e]] (a gather).
        """
        sparse_shape, dense_shape = self._sparse_shape(), self._dense_shape()
        width = int(np.prod(dense_shape, dtype=np.int64))
        positions = int(np.prod(sparse_shape, dtype=np.int64))
        if width == 0:
            return _dense_tensor(self._vals._xp().zeros(self._shape, dtype=self.dtype))
        flat = reshape_if_needed(self._vals, (self._nnz(), width))
        dense = RowSum.apply(flat, plan=self._plan("linear"), num_rows=positions)
        return reshape_if_needed(dense, self._shape)

    def to_sparse(self, sparse_dim=None, *, layout=None):
        """Itself (already sparse COO), as torch's; another layout is refused."""
        if layout not in (None, sparse_coo):
            raise NotImplementedError(f"to_sparse: minigrad supports the sparse_coo layout only, got layout={layout}")
        if sparse_dim is not None and sparse_dim != self.sparse_dim():
            raise NotImplementedError(f"to_sparse: changing sparse_dim of a sparse COO tensor ({self.sparse_dim()} "
                                      f"to {sparse_dim}) is not supported")
        return self

    def to_sparse_csr(self, *args, **kwargs):
        raise NotImplementedError(f"to_sparse_csr: minigrad has no CSR layout (only sparse_coo); got "
                                  f"{describe(self)}")

    def t(self):
        """The transpose of a 2-D sparse tensor (indices' two rows swapped; the values are shared, so gradients
        reach them). Not coalesced afterwards, as torch's."""
        if self.sparse_dim() != 2 or self.dense_dim() != 0:
            raise RuntimeError(f"t: expects a 2-D sparse tensor (sparse_dim 2, dense_dim 0), got {describe(self)} "
                               f"with sparse_dim {self.sparse_dim()} and dense_dim {self.dense_dim()}")
        return SparseCOOTensor(self._index[::-1], self._vals, self._shape[::-1], coalesced=False)

    @property
    def T(self):
        return self.t()

    # ----------------------------------------------------------------- products and reductions
    def mm(self, other):
        from minigrad.sparse.operations import product

        return product("mm", self, other)

    def matmul(self, other):
        from minigrad.sparse.operations import product

        return product("matmul", self, other)

    def __matmul__(self, other):
        from minigrad.sparse.operations import product

        return product("matmul", self, other)

    def __rmatmul__(self, other):
        raise NotImplementedError(f"matmul: a sparse right operand is not supported (got {describe(other)} @ "
                                  f"{describe(self)}); minigrad multiplies sparse x dense only: write (S.t() @ "
                                  "D.t()).t(), or call .to_dense() on the sparse operand")

    def sum(self, dim=None, dtype=None):
        from minigrad.sparse.operations import sum as sparse_sum

        return sparse_sum(self, dim, dtype=dtype)

    # ----------------------------------------------------------------- printing
    def __repr__(self):
        pad = " " * len("tensor(indices=")
        index = repr(Tensor(self._index)).replace("\n", "\n" + pad)
        pad = " " * len("       values=")
        values = repr(self._vals.detach()).replace("\n", "\n" + pad)
        extras = [f"size={self._shape}", f"nnz={self._nnz()}"]
        if self.dtype != backend.DEFAULT_FLOAT:
            extras.append(f"dtype={self.dtype}")
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        extras.append("layout=sparse_coo")
        tail = ""
        if self._vals.creator is not None:
            tail = f",\n       grad_fn=<{self._vals.creator.name}>"
        elif self.requires_grad:
            tail = ",\n       requires_grad=True"
        return f"tensor(indices={index},\n       values={values},\n       {', '.join(extras)}{tail})"

    def __array__(self, *args, **kwargs):
        # NumPy's conversion, reached when a dense op is handed a sparse tensor (its slow conversion path).
        raise TypeError(f"a sparse COO tensor ({describe(self)}) cannot be an operand of a dense op; minigrad's dense "
                        "ops take strided tensors: call .to_dense() first (sparse x dense products: "
                        "minigrad.sparse.mm)")

    def __bool__(self):
        raise RuntimeError(f"bool: the truth value of a sparse tensor is not defined ({describe(self)})")

    def __len__(self):
        return self._shape[0]


def _refuse_elementwise(op):
    def refuse(self, *others):
        got = " and ".join([describe(self)] + [describe(o) for o in others])
        raise NotImplementedError(f"{op}: elementwise ops on sparse COO tensors are not supported (got {got}); "
                                  "minigrad's sparse tensors support to_dense(), coalesce(), t(), sparse.mm/sum/"
                                  "softmax and mm/matmul/@ with a dense right operand: call .to_dense() first")
    refuse.__name__ = op
    return refuse


for _name, _op in _OPERATORS.items():
    setattr(SparseCOOTensor, _name, _refuse_elementwise(_op))


def _axis(op, dim, ndim):
    if not is_integer(dim):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    if not -ndim <= dim < ndim:
        raise IndexError(f"{op}: dim {dim} is out of range for a sparse tensor of {ndim} dims")
    return int(dim) % ndim


def _linear(index, sparse_shape):
    """Each entry's row-major position in ``sparse_shape`` (the key that sorts and merges duplicates)."""
    xp = backend.get_array_module(index)
    if index.shape[1] == 0:
        return xp.zeros(0, dtype=np.int64)
    return xp.ravel_multi_index(tuple(index), sparse_shape).astype(np.int64, copy=False)


def _zeros_like_values(values, n):
    return Tensor(values._xp().zeros((n,) + tuple(values.shape[1:]), dtype=values.dtype))


# ----------------------------------------------------------------- construction
def sparse_coo_tensor(indices, values, size=None, *, dtype=None, device=None, requires_grad=False,
                      check_invariants=None, is_coalesced=None):
    """``torch.sparse_coo_tensor``: a sparse COO tensor with ``values[e]`` at ``indices[:, e]``.

    indices: integers of shape (sparse_dim, nnz) (a Tensor, array or nested list; stored as int64).
    values: (nnz,) or (nnz, *dense_shape) (a Tensor keeps its graph: gradients reach it through the sparse tensor's
    ops; other data becomes a Tensor, floats in the default dtype). size: the full shape, sparse_dim + dense dims;
    by default each sparse length is the largest index + 1 (0 without entries) and the dense lengths are the values'.
    Indices are checked up front (non-negative, inside ``size``): minigrad always does what torch's
    ``check_invariants=True`` does. ``requires_grad=True`` makes a leaf whose ``grad`` is sparse.
    ``is_coalesced=True`` is the caller's promise that the indices are sorted row-major without duplicates.
    """
    op = "sparse_coo_tensor"
    if isinstance(values, SparseCOOTensor) or isinstance(indices, SparseCOOTensor):
        raise TypeError(f"{op}: indices and values must be dense, got {describe(indices)} and {describe(values)}")
    if not isinstance(values, Tensor):
        values = _dense_tensor(values, dtype=dtype, device=device)
    else:
        if device is not None and backend.device(device) != backend.device(values.device):
            values = values.to(device)
        if dtype is not None and np.dtype(dtype) != values.dtype:
            values = values.astype(dtype)
    if values.ndim == 0:
        raise ValueError(f"{op}: values must have at least one dimension (nnz, ...), got a 0-d tensor")
    raw = indices.data if isinstance(indices, Tensor) else indices
    if not hasattr(raw, "dtype"):
        raw = np.asarray(raw)
        if raw.size == 0:
            raw = raw.astype(np.int64)
    if raw.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be integers (int64), got dtype {raw.dtype} (shape {tuple(raw.shape)})")
    if raw.ndim != 2:
        raise ValueError(f"{op}: indices must be 2-D (sparse_dim, nnz), got shape {tuple(raw.shape)}")
    index = backend.to_device(raw, values.device) if values.device != "cpu" else np.asarray(raw)
    index = index.astype(np.int64, copy=False)
    sparse_dim, nnz = index.shape
    if values.shape[0] != nnz:
        raise ValueError(f"{op}: indices {tuple(index.shape)} give {nnz} entries but values {tuple(values.shape)} "
                         f"give {values.shape[0]} (values must be (nnz, ...))")
    xp = backend.get_array_module(index)
    if nnz and int(index.min()) < 0:
        dim = int(xp.argmin(index.min(axis=1)))
        raise ValueError(f"{op}: found negative index {int(index[dim].min())} for dim {dim}")
    dense_shape = tuple(values.shape[1:])
    if size is None:
        sparse_shape = tuple(int(m) + 1 for m in index.max(axis=1)) if nnz else (0,) * sparse_dim
        shape = sparse_shape + dense_shape
    else:
        shape = tuple(size.shape if isinstance(size, Tensor) else size) if not isinstance(size, int) else (size,)
        shape = tuple(int(n) for n in shape)
        if len(shape) != sparse_dim + len(dense_shape) or shape[sparse_dim:] != dense_shape:
            raise ValueError(f"{op}: size {shape} does not fit indices of sparse_dim {sparse_dim} and values "
                             f"{tuple(values.shape)} (size must be {sparse_dim} sparse lengths then {dense_shape})")
        if nnz:
            top = index.max(axis=1)
            for dim in range(sparse_dim):
                if int(top[dim]) >= shape[dim]:
                    raise ValueError(f"{op}: size is inconsistent with indices: for dim {dim}, size is {shape[dim]} "
                                     f"but found index {int(top[dim])}")
    coalesced = bool(is_coalesced) if is_coalesced is not None else nnz <= 1 and sparse_dim > 0
    if requires_grad:
        values = Tensor(values.data).requires_grad_(True)
    return SparseCOOTensor(index, values, shape, coalesced=coalesced, leaf=requires_grad)


def dense_to_sparse(x, sparse_dim=None, layout=None):
    """``Tensor.to_sparse``: the nonzero entries of a dense Tensor as a coalesced sparse COO tensor.

    With ``sparse_dim`` < ndim (a hybrid tensor) an entry is a position of the first ``sparse_dim`` axes whose dense
    block holds a nonzero. The values are gathered from ``x`` (``x[positions]``), so gradients reach ``x``.
    """
    if layout not in (None, sparse_coo):
        raise NotImplementedError(f"to_sparse: minigrad supports the sparse_coo layout only, got layout={layout} "
                                  f"(tensor {describe(x)})")
    value = x.ndim if sparse_dim is None else as_integer(sparse_dim)
    if value is None or not 1 <= value <= x.ndim:
        raise ValueError(f"to_sparse: sparse_dim must be an int in [1, {x.ndim}] for a tensor of shape "
                         f"{tuple(x.shape)}, got {sparse_dim!r}")
    sparse_dim = value
    xp = x._xp()
    mask = x.data != 0
    if sparse_dim < x.ndim:
        mask = mask.any(axis=tuple(range(sparse_dim, x.ndim)))
    positions = xp.nonzero(mask)
    index = xp.stack(positions).astype(np.int64, copy=False).reshape(sparse_dim, -1)
    values = x[positions]
    return SparseCOOTensor(index, values, tuple(x.shape), coalesced=True)


def sparse_csr_tensor(*args, **kwargs):
    """``torch.sparse_csr_tensor``: refused, minigrad has the COO layout only."""
    raise NotImplementedError("sparse_csr_tensor: minigrad has no CSR layout; build a COO tensor with "
                              "minigrad.sparse_coo_tensor(indices, values, size) (row indices from crow_indices: "
                              "repeat_interleave(arange(n_rows), diff(crow_indices)))")



