"""PyTorch's ways of joining tensors: ``hstack``, ``vstack``/``row_stack``, ``dstack``, ``column_stack``,
``concatenate``, ``block_diag``, ``cartesian_prod``, ``combinations`` and ``tensordot``.

Each is made of existing ops (``atleast_*d``, ``concat``, ``reshape``, indexing, ``matmul``), so each
gradient is theirs: a joined piece gets back the slice of g where it sits, a picked entry the sum of g over
the places it went, ``tensordot``'s operands matmul's gradients.
"""
from __future__ import annotations

import numpy as np

from minigrad import backend
from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import NOT_GIVEN, Tensor
from minigrad.ops._args import check_dims, check_flag, operands
from minigrad.ops.grids import atleast_1d, atleast_2d, atleast_3d, meshgrid
from minigrad.ops.linalg import matmul
from minigrad.ops.shape import (_join, _sequence, concat, maybe_out, reshape, reshape_if_needed, stack,
                                transpose_if_needed)
from minigrad.scalars import is_integer


def _tensors(name, tensors):
    if hasattr(tensors, "ndim"):   # one tensor: torch wants a sequence (list(x) would join x's rows)
        raise TypeError(f"{name}: expected a list or tuple of tensors, got one {type(tensors).__name__} of shape "
                        f"{tuple(tensors.shape)}")
    return _sequence(name, tensors)


def _each(fn, tensors):
    return [fn(t) for t in tensors]


def hstack(tensors, *, out=None):
    """``torch.hstack``: 1-D tensors (0-d ones as length 1) joined end to end, others along dim 1.

    Shapes: (n_i,) -> (sum n_i,); (m, n_i, ...) -> (m, sum n_i, ...).   dL/dx_i = the slice of g where x_i sits.
    """
    given = _tensors("hstack", tensors)
    tensors = _each(atleast_1d, given)
    return maybe_out("hstack", _join("hstack", tensors, 0 if tensors[0].ndim == 1 else 1), out, given)


def vstack(tensors, *, out=None):
    """``torch.vstack`` (and ``row_stack``): tensors as rows, 0-d and 1-D ones as one row, joined along dim 0.

    Shapes: (n,) -> (1, n) each, then (m_i, n, ...) -> (sum m_i, n, ...).   dL/dx_i = its rows of g.
    """
    given = _tensors("vstack", tensors)
    return maybe_out("vstack", _join("vstack", _each(atleast_2d, given), 0), out, given)


def row_stack(tensors, *, out=None):
    """``torch.row_stack``: ``vstack``."""
    given = _tensors("row_stack", tensors)
    return maybe_out("row_stack", _join("row_stack", _each(atleast_2d, given), 0), out, given)


def dstack(tensors, *, out=None):
    """``torch.dstack``: tensors joined along dim 2, after ``atleast_3d`` ((n,) -> (1, n, 1), (m, n) -> (m, n, 1)).

    dL/dx_i = its slice of g along dim 2, reshaped back.
    """
    given = _tensors("dstack", tensors)
    return maybe_out("dstack", _join("dstack", _each(atleast_3d, given), 2), out, given)


def column_stack(tensors, *, out=None):
    """``torch.column_stack``: 0-d and 1-D tensors as columns (n,) -> (n, 1), then all joined along dim 1.

    dL/dx_i = its columns of g, reshaped back.
    """
    tensors = _tensors("column_stack", tensors)
    columns = [reshape(t, (t.size, 1)) if t.ndim <= 1 else t for t in tensors]
    return maybe_out("column_stack", _join("column_stack", columns, 1), out, tensors)


def concatenate(tensors, axis=NOT_GIVEN, *, dim=NOT_GIVEN, out=None):
    """``torch.concatenate`` and ``numpy.concatenate``: ``cat(tensors, axis)`` (0 by default; ``dim``: torch's other
    name for it); ``axis=None`` (NumPy's) joins the flattened tensors.   dL/dx_i = the slice of g where x_i sits."""
    if axis is not NOT_GIVEN and dim is not NOT_GIVEN:
        raise TypeError(f"concatenate: give the axis once, as axis= or dim=, got axis={axis!r} and dim={dim!r}")
    axis = dim if dim is not NOT_GIVEN else (0 if axis is NOT_GIVEN else axis)
    tensors = _tensors("concatenate", tensors)
    if axis is None:
        return maybe_out("concatenate", concat([reshape(t, (-1,)) for t in tensors], 0), out, tensors)
    check_dims("concatenate", (axis,), tensors[0].ndim, tensors[0].shape)
    return maybe_out("concatenate", _join("concatenate", tensors, int(axis)), out, tensors)


def block_diag(*tensors):
    """``torch.block_diag``: the 0-d, 1-D (as one row) and 2-D tensors on the diagonal of a zero matrix, in order.

    Shapes: blocks (r_i, c_i) -> (sum r_i, sum c_i) (no tensors: (1, 0), as torch).   dL/dx_i = g's block where
    x_i sits, reshaped back. An integer block joins a floating one in the floating dtype (as a Python number
    does); two floating dtypes are refused.
    """
    if not tensors:
        return Tensor(np.zeros((1, 0), dtype=backend.DEFAULT_FLOAT))
    tensors = [as_tensor(t) for t in tensors]
    floats = {t.dtype for t in tensors if t.dtype.kind in "fc"}
    if len(floats) > 1:
        raise TypeError(f"block_diag: tensors have different floating dtypes {sorted(map(str, floats))}; "
                        "minigrad does not promote silently, cast one with .astype()")
    dtype = floats.pop() if floats else np.result_type(*[t.dtype for t in tensors])
    blocks = []
    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise ValueError(f"block_diag: input tensors must have 2 or fewer dims; tensor {i} has shape "
                             f"{tuple(t.shape)}")
        t = t if t.dtype == dtype else Tensor(t.data.astype(dtype))   # only integers are cast: no gradient lost
        blocks.append(reshape_if_needed(t, (1, -1) if t.ndim < 2 else t.shape))
    widths = [b.shape[1] for b in blocks]
    total, rows, left = sum(widths), [], 0
    xp = tensors[0]._xp()
    for b, w in zip(blocks, widths):
        pieces = [b]
        if left:
            pieces.insert(0, Tensor(xp.zeros((b.shape[0], left), dtype=dtype)))
        if total - left - w:
            pieces.append(Tensor(xp.zeros((b.shape[0], total - left - w), dtype=dtype)))
        rows.append(concat(pieces, 1) if len(pieces) > 1 else b)
        left += w
    return concat(rows, 0)


def cartesian_prod(*tensors):
    """``torch.cartesian_prod``: every tuple of one entry from each 1-D tensor, in lexicographic order, as rows.

    Shapes: (n_1,), ..., (n_k,) -> (n_1 ... n_k, k); one tensor comes back as it is.   dL/dx_j = g's column j
    summed over the rows where each entry of x_j appears.
    """
    if not tensors:
        raise ValueError("cartesian_prod: expects at least one tensor")
    tensors = _sequence("cartesian_prod", tensors)
    for i, t in enumerate(tensors):
        if t.ndim != 1:
            raise ValueError(f"cartesian_prod: expects 1-D tensors, tensor {i} has shape {tuple(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([reshape(g, (-1,)) for g in grids], 1)


def _combination_indices(xp, n, r, with_replacement):
    """The (m, r) index rows of the r-combinations of range(n), lexicographic; built one column at a time, each
    step keeping the extensions that increase (or do not decrease, with replacement): no loop over rows."""
    rows = xp.arange(n, dtype=np.int64).reshape(n, 1)
    for _ in range(r - 1):
        last = rows[:, -1:]
        nxt = xp.arange(n, dtype=np.int64).reshape(1, n)
        keep = nxt >= last if with_replacement else nxt > last
        which, value = xp.nonzero(keep)    # row-major: each row's extensions in increasing order
        rows = xp.concatenate([rows[which], value.reshape(-1, 1)], axis=1)
    return rows


def combinations(x, r=2, with_replacement=False):
    """``torch.combinations``: the length-r combinations of the entries of a 1-D tensor, as rows (``itertools``'s
    order); ``with_replacement`` lets an entry repeat within a row.

    Shapes: (n,) -> (C(n, r), r) (C(n + r - 1, r) with replacement); r = 0 gives shape (0,), as torch.
    dL/dx = g summed over every place each entry went.
    """
    x = as_tensor(x)
    if x.ndim != 1:
        raise ValueError(f"combinations: expects a 1-D tensor, got shape {tuple(x.shape)}")
    if not is_integer(r) or r < 0:
        raise ValueError(f"combinations: r must be a non-negative int, got r={r!r}")
    with_replacement = check_flag("combinations", "with_replacement", with_replacement)
    r = int(r)
    if r == 0:
        return x[:0]
    index = _combination_indices(x._xp(), x.shape[0], r, with_replacement)
    return x[index] if index.shape[0] else reshape(x[:0], (0, r))


def _tensordot_axes(dims, a, b):
    """The contracted dims of ``a`` and ``b`` from torch's ``dims`` or NumPy's ``axes``."""
    if isinstance(dims, Tensor):
        values = dims.data
        if values.dtype.kind not in "iu":
            raise TypeError(f"tensordot: a dims tensor must hold integers, got dtype {values.dtype}")
        dims = int(values.item()) if values.size == 1 and values.ndim <= 1 else values.tolist()
    if is_integer(dims) and not isinstance(dims, (bool, np.bool_)):
        k = max(int(dims), 0)   # NumPy's axes=-k contracts nothing (range(k, 0) is empty): the outer product
        if k > min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: cannot contract {k} dims of tensors of shapes {tuple(a.shape)} and "
                             f"{tuple(b.shape)}")
        return list(range(a.ndim - k, a.ndim)), list(range(k))
    if isinstance(dims, (list, tuple)) and len(dims) == 2:
        da, db = dims
        return ([da] if is_integer(da) else list(da)), ([db] if is_integer(db) else list(db))
    raise TypeError(f"tensordot: dims must be an int, a pair of lists of dims or an integer tensor, got {dims!r}")


def tensordot(a, b, dims=NOT_GIVEN, *, axes=NOT_GIVEN):
    """``torch.tensordot(a, b, dims)`` and ``numpy.tensordot(a, b, axes)``: sum a * b over paired dims.

    ``dims`` is k (the last k dims of a with the first k of b; default 2), a pair of lists ``([a dims], [b dims])``
    or an integer tensor (one value: k; else the pair). NumPy and PyTorch read every call both take alike, so
    both keywords are taken; the calls only NumPy reads keep NumPy's meaning: a pair of single axes ``(1, 0)``
    and a negative k (nothing contracted: the outer product), which torch refuses.
    Shapes: a's free dims then b's free dims.   dL/da, dL/db: matmul's gradients, moved back to each operand's
    dim order.
    """
    a, b = operands("tensordot", a, b, elementwise=False)
    if dims is not NOT_GIVEN and axes is not NOT_GIVEN:
        raise TypeError("tensordot: got dims= (PyTorch's name) and axes= (NumPy's); give one")
    spec = axes if axes is not NOT_GIVEN else 2 if dims is NOT_GIVEN else dims
    da, db = _tensordot_axes(spec, a, b)
    if len(da) != len(db):
        raise ValueError(f"tensordot: {len(da)} dims of a {da} and {len(db)} of b {db}; they must pair up")
    try:
        da = [int(d) % a.ndim if -a.ndim <= d < a.ndim else None for d in da] if a.ndim else list(da)
        db = [int(d) % b.ndim if -b.ndim <= d < b.ndim else None for d in db] if b.ndim else list(db)
    except TypeError:
        raise TypeError(f"tensordot: dims must be ints, got {da} and {db}") from None
    if None in da or None in db or len(set(da)) != len(da) or len(set(db)) != len(db) or \
            (da and not a.ndim) or (db and not b.ndim):
        raise ValueError(f"tensordot: dims {da} and {db} are out of range or repeated for tensors of shapes "
                         f"{tuple(a.shape)} and {tuple(b.shape)}")
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise ValueError(f"tensordot: contracted dims differ in size: dim {i} of a {tuple(a.shape)} and dim {j} "
                             f"of b {tuple(b.shape)}")
    free_a = [d for d in range(a.ndim) if d not in da]
    free_b = [d for d in range(b.ndim) if d not in db]
    k = int(np.prod([a.shape[d] for d in da])) if da else 1
    left = reshape(transpose_if_needed(a, free_a + da) if a.ndim else a, (-1, k) if k else
                   (int(np.prod([a.shape[d] for d in free_a])), 0))
    right = reshape(transpose_if_needed(b, db + free_b) if b.ndim else b, (k, -1) if k else
                    (0, int(np.prod([b.shape[d] for d in free_b]))))
    out = matmul(left, right)
    return reshape_if_needed(out, tuple(a.shape[d] for d in free_a) + tuple(b.shape[d] for d in free_b))
