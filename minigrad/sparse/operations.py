"""``torch.sparse``'s functions on COO tensors: ``mm`` (and ``spmm``, ``mm``/``matmul``/``@`` with a sparse left
operand), ``sum``, ``softmax``, ``log_softmax``.

The product is ``ops.sparse_products.SparseDenseMM`` (a gather, a multiply and a row sum by index over the entries);
the reductions and softmaxes are graphs of existing ops on the values (row sums by index, ``exp``, a gather), so
each is differentiable to every order through the values. What is not supported is refused with the op's name and
its operands' layouts and shapes: sparse x sparse and dense x sparse products, sparse operands of more than 2 dims or
with dense dims in a product, softmax over a hybrid tensor.
"""
from __future__ import annotations

import numpy as np

from minigrad import backend
from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.mode import no_grad
from minigrad.autograd.tensor import Tensor
from minigrad.ops import exp, log, reshape, scatter_reduce
from minigrad.ops import sum as dense_sum
from minigrad.ops.embedding import RowSum, _Plan
from minigrad.ops.sparse_products import SparseDenseMM
from minigrad.sparse.coo_tensor import SparseCOOTensor, _axis, _linear, describe


def _sparse(op, x):
    if not isinstance(x, SparseCOOTensor):
        raise TypeError(f"{op}: expects a sparse COO tensor as its first argument, got {describe(x)} "
                        "(make one with minigrad.sparse_coo_tensor or Tensor.to_sparse())")
    return x


def product(op, sparse, dense):
    """``sparse @ dense`` for a 2-D sparse (m, k) and a dense (k, n) (or (k,) for ``matmul``) -> dense (m, n) / (m,).

    Differentiable w.r.t. the dense operand and the sparse values; see ``SparseDenseMM``.
    """
    _sparse(op, sparse)
    if isinstance(dense, SparseCOOTensor):
        raise NotImplementedError(f"{op}: sparse x sparse products are not supported (got {describe(sparse)} and "
                                  f"{describe(dense)}); call .to_dense() on the right operand")
    if sparse.sparse_dim() != 2 or sparse.dense_dim() != 0:
        raise ValueError(f"{op}: the sparse operand must be a 2-D matrix (sparse_dim 2, no dense dims), got "
                         f"{describe(sparse)} with sparse_dim {sparse.sparse_dim()} and dense_dim "
                         f"{sparse.dense_dim()}")
    values = sparse._vals
    if not isinstance(dense, Tensor):
        dense = as_tensor(dense, like=values)
    vector = op == "matmul" and dense.ndim == 1
    if dense.ndim != 2 and not vector:
        wanted = "a 1-D (k,) or 2-D (k, n)" if op == "matmul" else "a 2-D (k, n)"
        raise ValueError(f"{op}: expects {wanted} dense right operand for a sparse (m, k) left one, got "
                         f"{describe(sparse)} and {describe(dense)}")
    m, k = sparse.shape
    if dense.shape[0] != k:
        raise ValueError(f"{op}: shapes do not match: {describe(sparse)} @ {describe(dense)} ({k} != "
                         f"{dense.shape[0]})")
    if dense.dtype != values.dtype:
        raise TypeError(f"{op}: operands have different dtypes (sparse {values.dtype}, dense {dense.dtype}); "
                        "minigrad does not promote silently, cast one with .astype()")
    if dense.device != values.device:
        raise RuntimeError(f"{op}: operands are on different devices (sparse on {values.device}, dense on "
                           f"{dense.device}); move them to one device first")
    if vector:
        dense = reshape(dense, (k, 1))
    out = SparseDenseMM.apply(values, dense, rows=sparse._plan("row"), cols=sparse._plan("col"), n_rows=m)
    return reshape(out, (m,)) if vector else out


def mm(mat1, mat2):
    """``torch.sparse.mm``: a 2-D sparse COO matrix (m, k) times a dense (k, n) -> dense (m, n).

    Gradients reach the dense operand and the sparse values; a sparse leaf's ``grad`` is sparse at its positions
    (the gradient g @ mat2^T read at the stored entries), as torch.sparse.mm gives it.
    """
    return product("sparse.mm", mat1, mat2)


def spmm(mat1, mat2):
    """``torch.spmm``: ``sparse.mm`` (the sparse leaf's gradient is sparse here; torch's spmm gives a dense one)."""
    return product("spmm", mat1, mat2)


def sum(input, dim=None, dtype=None):  # noqa: A001  (torch.sparse.sum's name)
    """``torch.sparse.sum``: the sum over ``dim`` (an int or a tuple; all dims by default).

    Summing every sparse dim gives a dense Tensor (0-d for all dims); otherwise the result is a coalesced sparse
    tensor over the rest, as torch's. dL/dvalues[e] = g at the entry's remaining position.
    """
    sparse = _sparse("sparse.sum", input)
    values = sparse._vals if dtype is None or np.dtype(dtype) == sparse.dtype else sparse._vals.astype(dtype)
    if dim is None:
        return dense_sum(values)
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    dims = sorted({_axis("sparse.sum", d, sparse.ndim) for d in dims})
    n_sparse = sparse.sparse_dim()
    dense_axes = tuple(d - n_sparse + 1 for d in dims if d >= n_sparse)
    if dense_axes:
        values = dense_sum(values, axis=dense_axes)
    summed_sparse = [d for d in dims if d < n_sparse]
    if not summed_sparse:
        shape = tuple(n for i, n in enumerate(sparse.shape) if i not in dims)
        return SparseCOOTensor(sparse._index, values, shape, coalesced=sparse.is_coalesced()).coalesce()
    if len(summed_sparse) == n_sparse:
        return dense_sum(values, axis=0)
    keep = [d for d in range(n_sparse) if d not in summed_sparse]
    shape = tuple(n for i, n in enumerate(sparse.shape) if i not in dims)
    return SparseCOOTensor(sparse._index[keep], values, shape).coalesce()


def _groups(op, input, dim):
    """The coalesced tensor, each entry's group (its position off ``dim``) and the number of groups."""
    sparse = _sparse(op, input)
    if sparse.dense_dim():
        raise NotImplementedError(f"{op}: hybrid sparse tensors (dense dims in the values) are not supported, got "
                                  f"{describe(sparse)} with dense_dim {sparse.dense_dim()}")
    d = _axis(op, dim, sparse.ndim)
    sparse = sparse.coalesce()
    xp = backend.get_array_module(sparse._index)
    others = [i for i in range(sparse.sparse_dim()) if i != d]
    if not others or sparse._nnz() == 0:
        group = xp.zeros(sparse._nnz(), dtype=np.int64)
    else:
        key = _linear(sparse._index[others], tuple(sparse.shape[i] for i in others))
        _, group = xp.unique(key, return_inverse=True)
        group = group.reshape(-1).astype(np.int64, copy=False)
    n_groups = int(group.max()) + 1 if group.size else 0
    return sparse, group, n_groups


def _shifted_and_totals(values, group, n_groups):
    """values - (their group's max) and each group's sum of exp of those: the two parts of a stable softmax.

    The max is a constant (softmax does not depend on it), so only the exp and the sum by group are recorded.
    """
    group_t = Tensor(group)
    with no_grad():
        start = Tensor(values._xp().zeros(n_groups, dtype=values.dtype))
        top = scatter_reduce(start, 0, group_t, values.detach(), "amax", include_self=False)
    shifted = values - top.data[group]
    e = exp(shifted)
    totals = RowSum.apply(reshape(e, (e.shape[0], 1)), plan=_Plan(group), num_rows=n_groups)
    return shifted, e, reshape(totals, (n_groups,))


def softmax(input, dim, *, dtype=None):
    """``torch.sparse.softmax``: softmax along ``dim`` over the stored entries only (a missing entry counts as -inf:
    it takes no share and stays missing). The result is coalesced, at the input's coalesced positions.

    y[e] = exp(v[e]) / sum over the entries f sharing e's position off ``dim`` of exp(v[f]);
    dL/dv[e] = y[e] (g[e] - sum over that group of g y).  Sparse dims only (values 1-D).
    """
    sparse, group, n_groups = _groups("sparse.softmax", input, dim)
    values = sparse._vals if dtype is None else sparse._vals.astype(dtype)
    if sparse._nnz() == 0:
        return SparseCOOTensor(sparse._index, values, sparse.shape, coalesced=True)
    _, e, totals = _shifted_and_totals(values, group, n_groups)
    return SparseCOOTensor(sparse._index, e / totals[group], sparse.shape, coalesced=True)


def log_softmax(input, dim, *, dtype=None):
    """``torch.sparse.log_softmax``: the log of ``softmax``'s values, computed stably: v - max - log(sum exp)."""
    sparse, group, n_groups = _groups("sparse.log_softmax", input, dim)
    values = sparse._vals if dtype is None else sparse._vals.astype(dtype)
    if sparse._nnz() == 0:
        return SparseCOOTensor(sparse._index, values, sparse.shape, coalesced=True)
    shifted, _, totals = _shifted_and_totals(values, group, n_groups)
    return SparseCOOTensor(sparse._index, shifted - log(totals)[group], sparse.shape, coalesced=True)
