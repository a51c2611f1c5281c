"""More of ``torch.linalg`` as compositions: ``lstsq``, ``cholesky_ex``, ``inv_ex``, ``solve_ex``, ``tensorinv``,
``tensorsolve``, ``cond``, ``vecdot``, ``diagonal``, and the legacy ``torch.svd`` (U, S, V), ``torch.qr`` and
``torch.ger``.

Each is made of ops that already have their textbook derivatives (``Pinv``, ``Inv``, ``Solve``, ``Cholesky``,
``SVD``, ``QR``, matmul, sums), so its gradient is theirs. The ``_ex`` variants read LAPACK's ``info`` (getrf's
first zero pivot, or potrf's first leading minor that is not positive-definite) without raising; the matrices
that failed get NaN in the result and no gradient.
"""
from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module, lu_factor as _getrf, to_numpy
from minigrad.ops._args import as_floating, check_flag, operands
from minigrad.ops.diagonal import diagonal as _diagonal
from minigrad.ops.index_helpers import vander as _vander
from minigrad.ops.linalg_decompositions import QR, SVD, Cholesky, svdvals
from minigrad.ops.linalg_inverse import inv, pinv, solve
from minigrad.ops.linalg_norms import matrix_norm, matrix_rank
from minigrad.ops.linalg_triangular import mT
from minigrad.ops.reduce import sum as _sum
from minigrad.ops.selection import where
from minigrad.ops.shape import reshape, reshape_if_needed
from minigrad.ops.views import movedim
from minigrad.scalars import is_integer

LstsqResult = namedtuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])
CholeskyExResult = namedtuple("linalg_cholesky_ex", ["L", "info"])
InvExResult = namedtuple("linalg_inv_ex", ["inverse", "info"])
SolveExResult = namedtuple("linalg_solve_ex", ["result", "info"])
TorchSVDResult = namedtuple("svd", ["U", "S", "V"])
TorchQRResult = namedtuple("qr", ["Q", "R"])

_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def _square(name, a):
    a = as_floating(a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"{name}: A must be batches of square matrices, got shape {tuple(a.shape)}")
    return a


def _failed_as_identity(a, good):
    """``a`` with the matrices where ``good`` is False replaced by I (a constant), so that a factorization of the
    rest succeeds; the replaced ones get no gradient."""
    xp = get_array_module(a.data)
    eye = as_tensor(xp.broadcast_to(xp.eye(a.shape[-1], dtype=a.data.dtype), a.shape), like=a)
    return where(as_tensor(good[..., None, None], like=a), a, eye)


def _nan_where_failed(x, good, extra_dims):
    xp = get_array_module(x.data)
    mask = good.reshape(good.shape + (1,) * extra_dims)
    return where(as_tensor(mask, like=x), x, float("nan"))


def _info(name, a):
    """getrf's info for each matrix of ``a``: 0, or i > 0 when U[i-1, i-1] is exactly zero (the matrix is singular)."""
    return _getrf(a.data)[2]


def _raise_if_singular(name, info):
    flat = to_numpy(info).reshape(-1)
    bad = np.flatnonzero(flat)
    if bad.size:
        where_ = f"(Batch element {bad[0]}): " if info.ndim else ""
        raise ValueError(f"{name}: {where_}The diagonal element {int(flat[bad[0]])} is zero, the inversion could "
                         "not be completed because the input matrix is singular.")


def inv_ex(A, *, check_errors=False):  # noqa: N803 (torch's names)
    """``torch.linalg.inv_ex``: ``(inverse, info)``, a named tuple; info (...) int32 is 0, or i > 0 when the i-th
    pivot of A's LU is exactly zero (A singular: its inverse is NaN here, torch's is inf/NaN). ``check_errors=True``
    raises instead. dL/dA = -A^{-T} G A^{-T} (``inv``'s) for the invertible ones."""
    name = "linalg.inv_ex"
    check_errors = check_flag(name, "check_errors", check_errors)
    a = _square(name, A)
    info = _info(name, a)
    if check_errors:
        _raise_if_singular(name, info)
    good = info == 0
    xp = get_array_module(a.data)
    if bool(good.all()):
        return InvExResult(inv(a), Tensor(xp.asarray(info)))
    return InvExResult(_nan_where_failed(inv(_failed_as_identity(a, good)), good, 2), Tensor(xp.asarray(info)))


def solve_ex(A, B, *, left=True, check_errors=False):  # noqa: N803
    """``torch.linalg.solve_ex``: ``(result, info)``: ``linalg.solve``'s X, and getrf's info (0, or i > 0 for a
    singular A, whose X is NaN here). ``check_errors=True`` raises instead."""
    name = "linalg.solve_ex"
    check_errors = check_flag(name, "check_errors", check_errors)
    a = _square(name, A)
    a, b = operands(name, a, B)
    info = _info(name, a)
    if check_errors:
        _raise_if_singular(name, info)
    good = info == 0
    xp = get_array_module(a.data)
    if bool(good.all()):
        return SolveExResult(solve(a, b, left=left), Tensor(xp.asarray(info)))
    x = solve(_failed_as_identity(a, good), b, left=left)
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    batch = x.shape[:x.ndim - (1 if vector else 2)]
    mask = xp.broadcast_to(good, batch) if batch else good
    return SolveExResult(_nan_where_failed(x, mask, 1 if vector else 2), Tensor(xp.asarray(info)))


def _potrf_info(xp, a):
    """potrf's info per matrix: 0, or the order k of the first leading minor of the symmetric matrix (its lower
    triangle, as LAPACK reads it) that is not positive-definite. Only reached when a factorization failed: it checks
    the n leading minors of the batch at once, one size at a time (Sylvester's criterion on their determinants)."""
    low = xp.tril(a)
    sym = low + xp.swapaxes(xp.tril(a, -1), -1, -2)
    info = xp.zeros(a.shape[:-2], dtype=np.int32)
    for k in range(1, a.shape[-1] + 1):
        sign, _ = xp.linalg.slogdet(sym[..., :k, :k])
        info = xp.where((info == 0) & (sign <= 0), k, info).astype(np.int32)
    return info


def _partial_cholesky(xp, low, info):
    """LAPACK's unblocked potf2 factor of each failed matrix (info k > 0) of ``low`` (lower triangles, a copy that
    is filled in): columns 1..k-1 complete, the k-th pivot a_kk - |L[k, :k-1]|^2 (<= 0 or NaN) where potf2
    stops, and the input after it. torch's CPU factor, up to about 100 rows: past that LAPACK works in blocks
    and leaves the rows below the failing block (in the first k-1 columns) at other partial values."""
    flat, ks = low.reshape((-1,) + low.shape[-2:]), to_numpy(info).reshape(-1)
    for m in np.flatnonzero(ks):
        a, j = flat[m], int(ks[m]) - 1
        if j:
            head = xp.linalg.cholesky(a[:j, :j])
            a[:j, :j] = head
            a[j:, :j] = xp.linalg.solve(head, xp.conj(a[j:, :j]).T).T.conj()
        a[j, j] = a[j, j] - xp.vdot(a[j, :j], a[j, :j])
    return flat.reshape(low.shape)


def cholesky_ex(A, *, upper=False, check_errors=False):  # noqa: N803
    """``torch.linalg.cholesky_ex``: ``(L, info)``; info (...) int32 is 0, or the order k of the first leading minor
    that is not positive-definite. A failed matrix's L is LAPACK's partial factor, as torch's (see
    ``_partial_cholesky``: its first k - 1 columns complete, the failed pivot at [k-1, k-1], the input's triangle
    after), without gradient. ``check_errors=True`` raises as ``linalg.cholesky``. The gradient is ``cholesky``'s."""
    name = "linalg.cholesky_ex"
    upper = check_flag(name, "upper", upper)
    check_errors = check_flag(name, "check_errors", check_errors)
    a = _square(name, A)
    xp = get_array_module(a.data)
    try:
        return CholeskyExResult(Cholesky.apply(a, upper=upper), Tensor(xp.zeros(a.shape[:-2], dtype=np.int32)))
    except ValueError:
        if check_errors:
            raise
    lower = xp.conj(xp.swapaxes(a.data, -1, -2)) if upper else a.data   # upper reads the upper triangle
    info = _potrf_info(xp, lower)
    good = info == 0
    factor = Cholesky.apply(_failed_as_identity(a, good), upper=upper)
    partial = _partial_cholesky(xp, xp.tril(lower), info)
    if upper:
        partial = xp.conj(xp.swapaxes(partial, -1, -2))
    return CholeskyExResult(where(as_tensor(good[..., None, None], like=a), factor, Tensor(partial)), Tensor(info))


def lstsq(A, B, rcond=None, *, driver=None):  # noqa: N803
    """``torch.linalg.lstsq``: ``(solution, residuals, rank, singular_values)``, a named tuple, for full-rank A.

    solution = A^+ B (``pinv``, singular values <= rcond * s_max dropped; rcond defaults to eps * max(m, n) and
    'gels' ignores it, as torch's), the least-squares solution for m >= n and the least-norm one for m < n; its
    gradient is pinv's and matmul's.
    As torch's, by driver (default 'gelsy'): residuals (..., k) = |A X - B|^2 summed over the rows, when m > n and
    the driver is not 'gelsy' (and every matrix has full rank for 'gelsd'/'gelss'), else empty; rank (...) int64
    for 'gelsy', 'gelsd', 'gelss', else empty; singular_values (..., min(m, n)) for 'gelsd' and 'gelss', else empty,
    without gradient. B is (..., m, k), or (..., m) when it has one dim fewer than A; batch dims broadcast.
    """
    name = "linalg.lstsq"
    a = as_floating(A)
    a, b = operands(name, a, B)
    if driver is None:
        driver = "gelsy"
    if driver not in _DRIVERS:
        raise ValueError(f"{name}: parameter `driver` should be one of (gels, gelsy, gelsd, gelss), got "
                         f"driver={driver!r}")
    if a.ndim < 2:
        raise ValueError(f"{name}: A must have at least 2 dimensions, got shape {tuple(a.shape)}")
    vector = b.ndim == a.ndim - 1
    bb = reshape(b, b.shape + (1,)) if vector else b
    if bb.ndim < 2 or bb.shape[-2] != a.shape[-2]:
        raise ValueError(f"{name}: input.size(-2) should match other.size(-2): shapes {tuple(a.shape)} and "
                         f"{tuple(b.shape)}")
    m, n = a.shape[-2:]
    if rcond is None or driver == "gels":   # gels assumes full rank: torch ignores rcond for it
        rcond = float(np.finfo(a.dtype).eps) * max(m, n)
    x = pinv(a, rtol=float(rcond)) @ bb
    xp = get_array_module(a.data)
    empty_float = Tensor(xp.zeros((0,), dtype=a.data.dtype))
    rank = matrix_rank(a, rtol=float(rcond)) if driver != "gels" else Tensor(xp.zeros((0,), dtype=np.int64))
    full = driver in ("gels", "gelsy") or bool((rank.data == n).all())
    if m > n and driver != "gelsy" and full:
        residuals = _sum((a @ x - bb) ** 2, -2)      # (..., 1) for a vector B too, as torch's
    else:
        residuals = empty_float
    singular = Tensor(svdvals(a).data) if driver in ("gelsd", "gelss") else empty_float
    solution = reshape(x, x.shape[:-1]) if vector else x
    return LstsqResult(solution, residuals, rank, singular)


def _prod(shape):
    return int(np.prod(shape, dtype=np.int64)) if shape else 1


def tensorinv(A, ind=2):  # noqa: N803
    """``torch.linalg.tensorinv``: the inverse of A read as a matrix of its first ``ind`` dims by the rest (their
    sizes' products must match): ``inv`` of that reshape, shaped A.shape[ind:] + A.shape[:ind]."""
    name = "linalg.tensorinv"
    a = as_floating(A)
    if isinstance(ind, bool) or not is_integer(ind) or int(ind) <= 0:
        raise ValueError(f"{name}: Expected a strictly positive integer for 'ind', but got ind={ind!r}")
    ind = int(ind)
    rows, cols = _prod(a.shape[:ind]), _prod(a.shape[ind:])
    if rows != cols:
        raise ValueError(f"{name}: Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                         f"prod(self.shape[:ind]), but got {cols} != {rows} (shape {tuple(a.shape)}, ind={ind})")
    return reshape(inv(reshape(a, (rows, cols))), a.shape[ind:] + a.shape[:ind])


def tensorsolve(A, B, dims=None):  # noqa: N803
    """``torch.linalg.tensorsolve``: X with tensordot(A, X, X.ndim) = B; ``dims`` (of A) are moved to the end
    first. A.shape must be B.shape + X.shape with prod(B.shape) = prod(X.shape): ``solve`` of the reshape."""
    name = "linalg.tensorsolve"
    a, b = operands(name, as_floating(A), B)
    if dims is not None:
        dims = (dims,) if is_integer(dims) else tuple(dims)
        a = movedim(a, dims, tuple(range(a.ndim - len(dims), a.ndim)))
    if a.shape[:b.ndim] != b.shape:
        raise ValueError(f"{name}: A's leading dims must be B's shape: shapes {tuple(a.shape)} and {tuple(b.shape)}")
    rows, cols = _prod(b.shape), _prod(a.shape[b.ndim:])
    if rows != cols:
        raise ValueError(f"{name}: Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
                         f"prod(self.shape[:other.ndim]), but got {cols} != {rows} (shapes {tuple(a.shape)} and "
                         f"{tuple(b.shape)})")
    return reshape_if_needed(solve(reshape_if_needed(a, (rows, cols)), reshape_if_needed(b, (rows,))), a.shape[b.ndim:])


_COND_ORDS = (None, 2, -2, "fro", "nuc", 1, -1, math.inf, -math.inf)


def cond(A, p=None):  # noqa: N803
    """``torch.linalg.cond``: the condition number in the ``p`` norm. p = None/2 (s_max / s_min) and -2
    (s_min / s_max) from the singular values, any shape (..., m, n); 'nuc' = sum(s) sum(1/s); 'fro', +-1, +-inf =
    |A|_p |A^{-1}|_p for square A, inf where A is singular (as torch). The gradient is that of the ops composed."""
    name = "linalg.cond"
    a = as_floating(A)
    if isinstance(p, bool) or (p not in _COND_ORDS):
        raise ValueError(f"{name} got an invalid norm type: {p!r}")
    if a.ndim < 2:
        raise ValueError(f"{name}: A must have at least 2 dimensions, got shape {tuple(a.shape)}")
    if p in (None, 2, -2) and 0 in a.shape[-2:]:
        return _empty_cond(a)
    if p in (None, 2, -2):
        s = svdvals(a)
        return s[..., 0] / s[..., -1] if p != -2 else s[..., -1] / s[..., 0]
    if a.shape[-1] != a.shape[-2]:
        raise ValueError(f"{name}(ord={p}): A must be batches of square matrices, but they are {a.shape[-2]} by "
                         f"{a.shape[-1]} matrices")
    if a.shape[-1] == 0:
        return _empty_cond(a)
    if p == "nuc":
        s = svdvals(a)
        return _sum(s, -1) * _sum(1.0 / s, -1)
    # getrf's exact zero pivot, as torch's inv_ex reads it: slogdet's sign is 0 there (NumPy and CuPy have it).
    good = get_array_module(a.data).linalg.slogdet(a.data)[0] != 0
    if bool(good.all()):
        return matrix_norm(a, p) * matrix_norm(inv(a), p)
    value = matrix_norm(a, p) * matrix_norm(inv(_failed_as_identity(a, good)), p)
    return where(as_tensor(good, like=value), value, float("inf"))


def _empty_cond(a):
    """torch's condition number of empty matrices: 0, a constant (its SVD has no s_min to index; A^{-1} is empty)."""
    return Tensor(get_array_module(a.data).zeros(a.shape[:-2], dtype=a.dtype))


def vander(x, *, N=None):  # noqa: N803 (torch's name)
    """``torch.linalg.vander``: the powers x^0, x^1, ..., x^(N-1) of each entry of ``x`` (..., n) as (..., n, N),
    N = n by default (a 0-d x is one entry). A running product, as ``minigrad.vander``, so the gradient is exact at
    x = 0. Integers stay int64 (torch's); bool is refused, as torch."""
    x = as_tensor(x)
    if x.dtype.kind == "b":
        raise TypeError("linalg.vander: expects a floating or integer tensor, got dtype bool")
    n = (x.shape[-1] if x.ndim else 1) if N is None else N
    if isinstance(n, bool) or not is_integer(n) or n <= 1:
        raise ValueError(f"linalg.vander: N must be an int greater than 1, got N={n!r} (input shape {tuple(x.shape)})")
    n = int(n)
    if x.ndim == 0:
        x = reshape(x, (1,))
    return reshape(_vander(reshape(x, (-1,)), n, increasing=True), x.shape + (n,))   # minigrad.vander's, per row


def vecdot(x, y, *, dim=-1):
    """``torch.linalg.vecdot``: sum(x * y) over ``dim`` (real tensors: no conjugate), the operands broadcast."""
    x, y = operands("linalg.vecdot", x, y)
    try:
        shape = np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        raise ValueError(f"linalg.vecdot: shapes {tuple(x.shape)} and {tuple(y.shape)} do not broadcast") from None
    if isinstance(dim, bool) or not is_integer(dim) or not -max(len(shape), 1) <= dim < max(len(shape), 1):
        raise ValueError(f"linalg.vecdot: dim={dim!r} is out of range for the broadcast shape {shape}")
    return _sum(x * y, int(dim))


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):  # noqa: N803
    """``torch.linalg.diagonal``: ``diagonal`` with keyword-only arguments and the last two dims by default."""
    return _diagonal(as_tensor(A), offset, dim1, dim2)


def torch_svd(A, some=True, compute_uv=True):  # noqa: N803
    """``torch.svd`` (and ``Tensor.svd``), deprecated in torch: ``(U, S, V)`` with A = U diag(S) V^T, V not Vh.
    ``some=False``: U (m, m) and V (n, n). ``compute_uv=False``: U and V are zeros of shapes (m, m), (n, n), as torch.
    Gradients are ``linalg.svd``'s."""
    name = "svd"
    some = check_flag(name, "some", some)
    compute_uv = check_flag(name, "compute_uv", compute_uv)
    a = as_floating(A)
    if a.ndim < 2:
        raise ValueError(f"{name}: expects matrices of shape (..., m, n), got shape {tuple(a.shape)}")
    if not compute_uv:
        xp = get_array_module(a.data)
        m, n = a.shape[-2:]
        return TorchSVDResult(Tensor(xp.zeros(a.shape[:-2] + (m, m), dtype=a.data.dtype)), svdvals(a),
                              Tensor(xp.zeros(a.shape[:-2] + (n, n), dtype=a.data.dtype)))
    u, s, vh = SVD.apply(a, full_matrices=not some)
    return TorchSVDResult(u, s, mT(vh))


def torch_qr(A, some=True):  # noqa: N803
    """``torch.qr`` (and ``Tensor.qr``), deprecated in torch: ``linalg.qr`` with mode 'reduced' (``some=True``) or
    'complete'."""
    some = check_flag("qr", "some", some)
    a = as_floating(A)
    if a.ndim < 2:
        raise ValueError(f"qr: expects matrices of shape (..., m, n), got shape {tuple(a.shape)}")
    return TorchQRResult(*QR.apply(a, mode="reduced" if some else "complete"))


def ger(a, b):
    """``torch.ger`` (deprecated in torch): ``outer``."""
    from minigrad.ops.linalg import outer

    return outer(a, b)
