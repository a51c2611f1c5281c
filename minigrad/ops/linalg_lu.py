"""LU with partial pivoting: ``torch.linalg.lu_factor``, ``lu_factor_ex``, ``lu``, ``lu_solve``, ``torch.lu_unpack``,
and the legacy ``torch.lu`` / ``torch.lu_solve``.

One op, ``LUFactor`` (A = P L U, L unit lower, U upper, packed in one matrix as LAPACK's getrf gives it, through
``backend.lu_factor``: SciPy on the CPU, cuSOLVER via cupyx on CUDA). Everything else is a composition: L and U
are ``tril``/``triu`` of the packed matrix, P a constant from the pivots, and ``lu_solve`` two triangular solves
(``linalg_triangular``), so their derivatives are those of the ops composed. Pivots are torch's: int32, 1-based.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.function import Function
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module, lu_factor as _getrf, to_numpy
from minigrad.ops._args import as_floating, check_flag
from minigrad.ops.linalg import _swap_last
from minigrad.ops.linalg_inverse import Solve
from minigrad.ops.linalg_triangular import mT, solve_triangular
from minigrad.ops.triangular import tril, triu

LUFactorResult = namedtuple("linalg_lu_factor", ["LU", "pivots"])
LUFactorExResult = namedtuple("linalg_lu_factor_ex", ["LU", "pivots", "info"])
LUResult = namedtuple("linalg_lu", ["P", "L", "U"])
LUUnpackResult = namedtuple("lu_unpack", ["P", "L", "U"])


def _permutation(xp, pivots, m):
    """The row order ``perm`` (..., m) with A[perm] = L U, from LAPACK's 0-based interchanges (..., k).

    The k interchanges compose in order, so this is a loop over them: each step swaps two index columns of the
    batch at once (index bookkeeping, no matrix data)."""
    batch = pivots.shape[:-1]
    positions = xp.arange(m, dtype=np.int64)
    perm = xp.broadcast_to(positions, batch + (m,)).copy()
    for i in range(pivots.shape[-1]):
        j = pivots[..., i:i + 1]
        here, there = perm[..., i:i + 1].copy(), xp.take_along_axis(perm, j, axis=-1)
        perm = xp.where(positions == j, here, perm)      # (no put_along_axis: CuPy lacks it)
        perm[..., i:i + 1] = there
    return perm


def _p_matrix(xp, perm, dtype):
    """P (..., m, m) with A = P L U: P[perm[i], i] = 1."""
    m = perm.shape[-1]
    eye = xp.eye(m, dtype=dtype)
    return xp.swapaxes(eye[perm], -1, -2)    # eye[perm] is P^T: row i is e_{perm[i]}


def _masks(F, x, n):
    data = x.data if F.recording else x
    xp = get_array_module(data)
    upper = xp.triu(xp.ones((n, n), dtype=data.dtype))
    return F.const(xp.eye(n, dtype=data.dtype)), F.const(1 - upper), F.const(upper)


class LUFactor(Function):
    """The packed LU of A = P L U (partial pivoting; the pivots are kept on the node, piecewise constant).

    With G_L and G_U the strictly lower and upper parts of the output gradient, for square A:
    dL/dA = P L^{-T} (tril(L^T G_L, -1) + triu(G_U U^T)) U^{-T} (from P^T dA = dL U + L dU, L^{-1} dL strictly
    lower and dU U^{-1} upper). Tall A (L = [L1; L2]): triu(G_U U^T - L2^T G_L2) inside, and the rows below get
    G_L2 U^{-T}; wide A (U = [U1 U2]): tril(L^T G_L - G_U2 U2^T, -1) inside (U1 for U), the columns right get
    L^{-T} G_U2. Shapes: (..., m, n) -> (..., m, n).
    """

    keep_output = True

    def __init__(self, factored=None):
        self.factored = factored    # (lu, pivots, info) when the caller ran getrf already (to read pivots and info)

    def forward(self, a):
        lu, self.pivots, self.info = self.factored if self.factored is not None else _getrf(a)
        self.factored = None
        return lu

    def backward(self, F, gy, a):
        m, n = a.shape[-2:]
        k = min(m, n)
        lu = F.output(self)
        eye, strict, upper = _masks(F, a, k)
        sq, g = lu[..., :k, :k], gy[..., :k, :k]
        lower, up = sq * strict + eye, sq * upper
        inner = (_swap_last(F, lower) @ (g * strict)) * strict + ((g * upper) @ _swap_last(F, up)) * upper
        if m > n:     # the rows of L below U's: dU gets -L2^T G_L2 too, and they get G_L2 U^{-T}
            inner = inner - (_swap_last(F, lu[..., n:, :]) @ gy[..., n:, :]) * upper
            top = F.apply(Solve, _swap_last(F, lower), inner)
            gd = _swap_last(F, F.apply(Solve, up, _swap_last(F, F.concat([top, gy[..., n:, :]], -2))))
        elif n > m:   # the columns of U right of L's: dL gets -G_U2 U2^T too, and they get L^{-T} G_U2
            inner = inner - (gy[..., :, m:] @ _swap_last(F, lu[..., :, m:])) * strict
            right = _swap_last(F, F.apply(Solve, up, _swap_last(F, inner)))
            gd = F.apply(Solve, _swap_last(F, lower), F.concat([right, gy[..., :, m:]], -1))
        else:
            gd = _swap_last(F, F.apply(Solve, up, _swap_last(F, F.apply(Solve, _swap_last(F, lower), inner))))
        data = a.data if F.recording else a
        xp = get_array_module(data)
        return F.const(_p_matrix(xp, _permutation(xp, self.pivots, m), data.dtype)) @ gd


def _matrices(name, a):
    a = as_floating(a)
    if a.ndim < 2:
        raise ValueError(f"{name}: expects matrices of shape (..., m, n), got shape {tuple(a.shape)}")
    return a


def _factor(name, a, pivot):
    pivot = check_flag(name, "pivot", pivot)
    if not pivot:
        raise ValueError(f"{name}: LU without pivoting is not implemented (pivot=False); torch has it on CUDA only")
    a = _matrices(name, a)
    factored = _getrf(a.data)
    return LUFactor.apply(a, factored=factored), factored[1], factored[2]


def lu_factor_ex(A, *, pivot=True, check_errors=False):  # noqa: N803 (torch's names)
    """``torch.linalg.lu_factor_ex``: ``(LU, pivots, info)``, a named tuple. LU packs L (unit lower) and U;
    pivots (..., min(m, n)) int32, 1-based; info (...) int32, 0 or i > 0 when U[i-1, i-1] is exactly zero (the
    matrix is singular). ``check_errors=True`` raises for a singular one, as ``lu_factor``."""
    return _lu_factor_ex("linalg.lu_factor_ex", A, pivot, check_errors)


def _lu_factor_ex(name, A, pivot, check_errors):  # noqa: N803
    check_errors = check_flag(name, "check_errors", check_errors)
    lu, pivots, info = _factor(name, A, pivot)
    if check_errors:
        _raise_singular(name, info)
    xp = get_array_module(lu.data)
    return LUFactorExResult(lu, Tensor((pivots + 1).astype(np.int32)), Tensor(xp.asarray(info)))


def _raise_singular(name, info):
    flat = to_numpy(info).reshape(-1)
    bad = np.flatnonzero(flat)
    if bad.size:
        where = f"(Batch element {bad[0]}): " if info.ndim else ""
        i = int(flat[bad[0]])    # 1-based, as torch's message
        raise ValueError(f"{name}: {where}U[{i},{i}] is zero and using it on lu_solve would result in a division by "
                         "zero. If you still want to perform the factorization, consider calling linalg.lu(A, pivot) "
                         "or linalg.lu_factor_ex(A, pivot)")


def lu_factor(A, *, pivot=True):  # noqa: N803
    """``torch.linalg.lu_factor``: ``(LU, pivots)``, a named tuple; a singular matrix (an exact zero on U's diagonal)
    is refused, as torch does. Shapes: (..., m, n) -> (..., m, n), (..., min(m, n))."""
    lu, pivots, info = _lu_factor_ex("linalg.lu_factor", A, pivot, False)
    _raise_singular("linalg.lu_factor", info.data)
    return LUFactorResult(lu, pivots)


def _perm_from_pivots(name, pivots, m):
    pivots = as_tensor(pivots)
    if pivots.dtype.kind not in "iu":
        raise TypeError(f"{name}: pivots must be an integer tensor, got dtype {pivots.dtype}")
    xp = get_array_module(pivots.data)
    piv = pivots.data.astype(np.int64) - 1
    if piv.size and (bool((piv < 0).any()) or bool((piv >= m).any())):
        raise ValueError(f"{name}: pivots must be between 1 and {m} (LAPACK's 1-based row interchanges), got "
                         f"values from {int(piv.min()) + 1} to {int(piv.max()) + 1}")
    return _permutation(xp, piv, m)


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):  # noqa: N803
    """``torch.lu_unpack``: ``(P, L, U)`` with A = P L U from ``lu_factor``'s output; L (m, k) unit lower and U (k, n)
    upper are ``tril``/``triu`` of LU (their gradients flow back into it); P (m, m) is a constant. What is not
    unpacked is an empty tensor, as torch's."""
    name = "lu_unpack"
    unpack_data = check_flag(name, "unpack_data", unpack_data)
    unpack_pivots = check_flag(name, "unpack_pivots", unpack_pivots)
    lu = _matrices(name, LU_data)
    m, n = lu.shape[-2:]
    k = min(m, n)
    xp = get_array_module(lu.data)
    empty = Tensor(xp.zeros((0,), dtype=lu.data.dtype))
    if unpack_pivots:
        pivots = as_tensor(LU_pivots)
        if pivots.shape != lu.shape[:-2] + (k,):
            raise ValueError(f"{name}: pivots must have shape {lu.shape[:-2] + (k,)} for LU of shape "
                             f"{tuple(lu.shape)}, got {tuple(pivots.shape)}")
        p = Tensor(_p_matrix(xp, _perm_from_pivots(name, pivots, m), lu.data.dtype))
    else:
        p = empty
    if not unpack_data:
        return LUUnpackResult(p, empty, empty)
    eye = as_tensor(xp.eye(m, k, dtype=lu.data.dtype), like=lu)
    lower = tril(lu[..., :, :k], -1) + eye
    upper = triu(lu[..., :k, :])
    return LUUnpackResult(p, lower, upper)


def lu(A, *, pivot=True):  # noqa: N803
    """``torch.linalg.lu``: ``(P, L, U)`` with A = P L U, a named tuple: P (..., m, m), L (..., m, k) unit lower,
    U (..., k, n) upper, k = min(m, n). Singular matrices are factorized too (as torch). The gradient needs U's
    square part invertible."""
    lu_, pivots, _ = _lu_factor_ex("linalg.lu", A, pivot, False)
    return LUResult(*lu_unpack(lu_, pivots))


def lu_solve(LU, pivots, B, *, left=True, adjoint=False):  # noqa: N803
    """``torch.linalg.lu_solve``: X with A X = B from A's ``lu_factor`` (``adjoint``: A^T X = B; ``left=False``:
    X A = B or X A^T = B). Two triangular solves and a row permutation, so the gradient reaches LU and B; the batch
    dims broadcast. Shapes: (..., n, n), (..., n), (..., n, k) -> (..., n, k)."""
    name = "linalg.lu_solve"
    left = check_flag(name, "left", left)
    adjoint = check_flag(name, "adjoint", adjoint)
    lu_ = _matrices(name, LU)
    b = as_tensor(B, like=lu_)
    if b.ndim < 2:
        raise ValueError(f"{name}: The input tensor B must have at least 2 dimensions, got shape {tuple(b.shape)}")
    n = lu_.shape[-1]
    if lu_.shape[-2] != n:
        raise ValueError(f"{name}: LU must be batches of square matrices, got shape {tuple(lu_.shape)}")
    if (b.shape[-2] if left else b.shape[-1]) != n:
        eq = "AX = B" if left else "XA = B"
        raise ValueError(f"{name}: Incompatible shapes of A and B for the equation {eq} ({n}x{n} and "
                         f"{b.shape[-2]}x{b.shape[-1]})")
    if b.dtype != lu_.dtype:
        raise TypeError(f"{name}: LU and B must have one dtype, got {lu_.dtype} and {b.dtype}")
    if not left:   # X A = B <=> A^T X^T = B^T (and X A^T = B <=> A X^T = B^T)
        return mT(lu_solve(lu_, pivots, mT(b), adjoint=not adjoint))
    pivots = as_tensor(pivots)
    if pivots.shape[-1:] != (n,):
        raise ValueError(f"{name}: pivots must have {n} entries per matrix, got shape {tuple(pivots.shape)}")
    xp = get_array_module(lu_.data)
    p = Tensor(_p_matrix(xp, _perm_from_pivots(name, pivots, n), lu_.data.dtype))
    if adjoint:    # A^T = U^T L^T P^T: U^T Y = B, L^T Z = Y, X = P Z
        y = solve_triangular(mT(lu_), b, upper=False)
        return p @ solve_triangular(mT(lu_), y, upper=True, unitriangular=True)
    y = solve_triangular(lu_, mT(p) @ b, upper=False, unitriangular=True)    # A = P L U: L Y = P^T B, U X = Y
    return solve_triangular(lu_, y, upper=True)


def torch_lu(A, pivot=True, get_infos=False):  # noqa: N803
    """``torch.lu`` (and ``Tensor.lu``), deprecated in torch: ``(LU, pivots)``, or ``(LU, pivots, infos)`` with
    ``get_infos`` (then a singular matrix is not refused), as plain tuples."""
    get_infos = check_flag("lu", "get_infos", get_infos)
    if get_infos:
        return tuple(_lu_factor_ex("lu", A, pivot, False))
    lu_, pivots, info = _lu_factor_ex("lu", A, pivot, False)
    _raise_singular("lu", info.data)
    return lu_, pivots


def torch_lu_solve(b, LU_data, LU_pivots):  # noqa: N803
    """``torch.lu_solve`` (and ``Tensor.lu_solve``), deprecated in torch: ``linalg.lu_solve`` with B first."""
    return lu_solve(LU_data, LU_pivots, b)
