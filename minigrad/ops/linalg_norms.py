"""``torch.linalg.vector_norm``, ``matrix_norm``, ``norm`` and ``matrix_rank``.

Vector norms are ``minigrad.norm``: p > 0, +-inf, ord = 0 (the count of nonzero entries, gradient 0) and
ord < 0 ((sum |x|^ord)^(1/ord), composed). Matrix norms are compositions: 'fro' a vector 2-norm over the
two dims, 'nuc' and +-2 the sum / largest / smallest singular value (``svdvals``), +-1 and +-inf the
largest / smallest absolute column or row sum. Their gradients are those of the ops composed.
"""
from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.ops._args import as_floating, check_dims, check_flag
from minigrad.ops.functions import abs as _abs
from minigrad.ops.norm import norm as _vector_p_norm, widened
from minigrad.ops.order_statistics import amax, amin
from minigrad.ops.linalg_decompositions import svdvals
from minigrad.ops.linalg_inverse import _tolerances, lower_symmetric
from minigrad.ops.reduce import sum as _sum
from minigrad.ops.shape import reshape, reshape_if_needed, transpose_if_needed
from minigrad.scalars import is_integer, is_real


def _dims(name, x, dim):
    if dim is None:
        return None
    dims = (dim,) if is_integer(dim) else tuple(dim)
    check_dims(name, dims, x.ndim, x.shape)
    return tuple(int(d) % max(x.ndim, 1) for d in dims)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002 (torch's name)
    """``torch.linalg.vector_norm``: the ord-norm of ``x`` over ``dim`` (every dim when None) as one vector.

    ord: a number (> 0, 0: the count of nonzeros, < 0: (sum |x|^ord)^(1/ord)) or +-inf. Gradients as
    ``minigrad.norm`` (0 on an all-zero slice); 0 for ord = 0, and for ord < 0 on a slice with a zero (its norm 0).
    ``dtype``: x is cast to it first (a floating dtype x widens into), as torch's.
    """
    x = as_floating(widened("linalg.vector_norm", x, dtype))
    keepdim = check_flag("linalg.vector_norm", "keepdim", keepdim)
    if isinstance(ord, (bool, str)) or not is_real(ord):
        raise TypeError(f"linalg.vector_norm: ord must be a number or +-inf, got ord={ord!r}")
    ord = float(ord)
    if math.isnan(ord):
        raise ValueError(f"linalg.vector_norm: ord must be a number or +-inf, got ord={ord!r}")
    dims = _dims("linalg.vector_norm", x, dim)
    if dims == ():
        dims = None
    if ord < 0 or ord == math.inf:
        _refuse_empty(x, ord, dims)
    return _vector_p_norm(x, ord, dims, keepdim)


def _refuse_empty(x, ord, dims):  # noqa: A002
    """ord < 0 and +-inf are a min or max (or a reciprocal sum of them), which has no value over nothing: torch
    refuses an empty reduced dim for them, where an (sum |x|^ord)^(1/ord) would silently give inf."""
    if x.ndim == 0:   # one value, whatever dim (0 or -1) names
        return
    empty = [d for d in (range(x.ndim) if dims is None else dims) if x.shape[d] == 0]
    if empty:
        where_ = "an empty tensor" if dims is None else f"dim {empty[0]}, which is empty,"
        raise ValueError(f"linalg.vector_norm: ord={ord:g} has no value over {where_} (it has no identity); got "
                         f"a tensor of shape {tuple(x.shape)} and dim={dims!r}")


_MATRIX_ORDS = ("fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf)


def matrix_norm(a, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002
    """``torch.linalg.matrix_norm``: 'fro', 'nuc', +-2 (singular values), +-1 (column sums), +-inf (row sums)
    of the matrices in the two ``dim`` of ``a``; ``keepdim`` keeps them as size 1; ``dtype`` as ``vector_norm``'s."""
    a = as_floating(widened("linalg.matrix_norm", a, dtype))
    keepdim = check_flag("linalg.matrix_norm", "keepdim", keepdim)
    if ord not in _MATRIX_ORDS or isinstance(ord, bool):
        raise ValueError("linalg.matrix_norm: ord must be one of 'fro', 'nuc', 2, -2, 1, -1, inf, -inf; "
                         f"got ord={ord!r}")
    if a.ndim < 2:
        raise ValueError(f"linalg.matrix_norm: expects a tensor of at least 2 dims, got shape {tuple(a.shape)}")
    dims = _dims("linalg.matrix_norm", a, dim)
    if dims is None or len(dims) != 2 or dims[0] == dims[1]:
        raise ValueError(f"linalg.matrix_norm: dim must be two different dims, got dim={dim!r}")
    r, c = dims
    if ord == "fro":
        return _vector_p_norm(a, 2, (r, c), keepdim)
    if ord in (1, -1, math.inf, -math.inf):
        summed, over = (r, c) if ord in (1, -1) else (c, r)
        sums = _sum(_abs(a), summed, True)
        out = _extreme_or_zero(sums, over, ord, a, dim, keepdim=True)
        return out if keepdim else reshape_if_needed(out, tuple(s for i, s in enumerate(a.shape) if i not in (r, c)))
    rest = [i for i in range(a.ndim) if i not in (r, c)]
    values = svdvals(transpose_if_needed(a, rest + [r, c]))
    if ord == "nuc":
        out = _sum(values, -1)
    else:
        out = _extreme_or_zero(values, -1, ord, a, dim, keepdim=False)
    if keepdim:
        shape = list(a.shape)
        shape[r] = shape[c] = 1
        out = reshape(out, tuple(shape))
    return out


def _extreme_or_zero(x, axis, ord, a, dim, keepdim):  # noqa: A002
    """The largest (ord > 0) or smallest of the nonnegative ``x`` over ``axis``. Over nothing the largest is 0 (the
    sum of nothing keeps the graph), as torch's matrix_norm gives; the smallest has no value and is refused."""
    if x.shape[axis] and ord > 0:
        return amax(x, axis, keepdim=keepdim)
    if x.shape[axis]:
        return amin(x, axis, keepdim=keepdim)
    if ord > 0:
        return _sum(x, axis, keepdim)
    raise ValueError(f"linalg.matrix_norm: ord={ord:g} is the smallest of no values for the empty matrices of a "
                     f"tensor of shape {tuple(a.shape)} (dim={dim!r})")


def norm(a, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """``torch.linalg.norm``: with ``ord=None`` and ``dim=None`` the 2-norm of every entry; a 1-D ``dim`` (or a
    1-D input) a vector norm, a 2-D ``dim`` (or a 2-D input with ``ord``) a matrix norm; ``dtype`` as
    ``vector_norm``'s."""
    a = as_floating(widened("linalg.norm", a, dtype))
    if dim is not None:
        dims = (dim,) if is_integer(dim) else tuple(dim)
        if len(dims) == 1:
            return vector_norm(a, 2 if ord is None else ord, dims, keepdim)
        if len(dims) == 2:
            return matrix_norm(a, "fro" if ord is None else ord, dims, keepdim)
        raise ValueError(f"linalg.norm: dim must be one or two dims, got dim={dim!r}")
    if ord is None:
        return vector_norm(a, 2, None, keepdim)
    if a.ndim == 1:
        if isinstance(ord, str):
            raise ValueError(f"linalg.norm: ord={ord!r} is a matrix norm, but the input is 1-D")
        return vector_norm(a, ord, None, keepdim)
    if a.ndim == 2:
        return matrix_norm(a, ord, (-2, -1), keepdim)
    raise ValueError(f"linalg.norm: with ord={ord!r} and dim=None the input must be 1-D or 2-D, got shape "
                     f"{tuple(a.shape)}")


def matrix_rank(a, *, atol=None, rtol=None, hermitian=False):
    """``torch.linalg.matrix_rank``: the count of singular values > max(atol, rtol * s_max), int64, no gradient.

    rtol defaults to eps * max(m, n) when atol is not given (or 0), else 0, as torch's. ``hermitian=True`` reads A
    as symmetric from its lower triangle (its singular values are then torch's |eigenvalues|).
    """
    a = as_floating(a)
    if a.ndim < 2:
        raise ValueError(f"linalg.matrix_rank: expects matrices of shape (..., m, n), got shape {tuple(a.shape)}")
    hermitian = check_flag("linalg.matrix_rank", "hermitian", hermitian)
    if hermitian and a.shape[-1] != a.shape[-2]:
        raise ValueError(f"linalg.matrix_rank: hermitian=True expects square matrices, got shape {tuple(a.shape)}")
    tol = _tolerances(a, atol, rtol, "linalg.matrix_rank")
    xp = get_array_module(a.data)
    s = xp.linalg.svd(lower_symmetric(xp, a.data) if hermitian else a.data, compute_uv=False)
    top = s.max(axis=-1, keepdims=True) if s.shape[-1] else xp.zeros(s.shape[:-1] + (1,), dtype=s.dtype)
    return Tensor((s > xp.maximum(tol["atol"], tol["rtol"] * top)).sum(axis=-1).astype(np.int64))
