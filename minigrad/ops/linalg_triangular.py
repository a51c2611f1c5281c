"""Triangular solves: ``torch.linalg.solve_triangular``, ``torch.triangular_solve``, ``torch.cholesky_solve`` and
``torch.cholesky_inverse``.

Each is a composition: the triangle that torch reads (``triu``/``tril``, with the identity for its diagonal when
``unitriangular``) goes to the general ``Solve`` op, so its derivative is ``Solve``'s, written once:
dL/dB = T^{-T} G and dL/dT = -(dL/dB) X^T, kept on the triangle read (the rest of A, and a unit diagonal, get
0, as in torch). ``numpy.linalg``/``cupy.linalg`` have no triangular solver; LAPACK's gesv on a triangular matrix
costs O(n^3) instead of O(n^2 k) but is backward stable, and it runs unchanged on CuPy.

One difference from torch: a zero on the diagonal of the triangle read is refused with one ValueError, where
torch's trsm divides by it and returns inf/NaN (docs/autodiff.md, section 15).
"""
from __future__ import annotations

from collections import namedtuple

from minigrad.autograd.coercion import as_tensor
from minigrad.backend import get_array_module
from minigrad.ops._args import as_floating, check_flag, operands
from minigrad.ops.broadcast import broadcast_to
from minigrad.ops.convert import clone
from minigrad.ops.linalg_inverse import Solve
from minigrad.ops.triangular import tril, triu

TriangularSolveResult = namedtuple("triangular_solve", ["solution", "cloned_coefficient"])


def mT(t):  # noqa: N802 (torch's name)
    """``t`` with its last two dims swapped."""
    from minigrad.ops.shape import transpose

    axes = list(range(t.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return transpose(t, *axes)


def triangle(a, upper, unitriangular):
    """The triangle of ``a`` that a triangular solve reads, as a differentiable Tensor (unit diagonal: I added)."""
    if not unitriangular:
        return triu(a) if upper else tril(a)
    xp = get_array_module(a.data)
    eye = as_tensor(xp.eye(a.shape[-1], dtype=a.data.dtype), like=a)
    return (triu(a, 1) if upper else tril(a, -1)) + eye


def _check_square(name, a):
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"{name}: A must be batches of square matrices, got shape {tuple(a.shape)}")


def _check_diagonal(name, a):
    diag = get_array_module(a.data).diagonal(a.data, axis1=-2, axis2=-1)
    if bool((diag == 0).any()):
        raise ValueError(f"{name}: the triangular matrix (shape {tuple(a.shape)}) has a zero on its diagonal: it is "
                         "singular (torch would return inf/NaN)")


def _solve(name, tri, b):
    """T^{-1} B with T a triangle already taken: ``Solve``, the batch dims broadcast."""
    import numpy as np

    try:
        np.broadcast_shapes(tri.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(f"{name}: batch dims do not broadcast: shapes {tuple(tri.shape)} and "
                         f"{tuple(b.shape)}") from None
    return Solve.apply(tri, b)


def solve_triangular(a, b, *, upper, left=True, unitriangular=False):
    """``torch.linalg.solve_triangular``: X with T X = B (``left=False``: X T = B), T the upper (``upper=True``) or
    lower triangle of A (``unitriangular``: with 1s on its diagonal, which is not read). B is (..., n, k) (at least
    2-D, as torch requires); batch dims broadcast. Shapes: (..., n, n), (..., n, k) -> (..., n, k)."""
    name = "linalg.solve_triangular"
    upper = check_flag(name, "upper", upper)
    left = check_flag(name, "left", left)
    unitriangular = check_flag(name, "unitriangular", unitriangular)
    a, b = operands(name, as_floating(a), b)
    _check_square(name, a)
    if b.ndim < 2:
        raise ValueError(f"{name}: The input tensor B must have at least 2 dimensions, got shape {tuple(b.shape)}")
    n = a.shape[-1]
    if (b.shape[-2] if left else b.shape[-1]) != n:
        eq = "AX = B" if left else "XA = B"
        raise ValueError(f"{name}: Incompatible shapes of A and B for the equation {eq} ({n}x{n} and "
                         f"{b.shape[-2]}x{b.shape[-1]})")
    if not unitriangular:
        _check_diagonal(name, a)
    if not left:   # X T = B  <=>  T^T X^T = B^T, and T^T is the other triangle of A^T
        return mT(_solve(name, triangle(mT(a), not upper, unitriangular), mT(b)))
    return _solve(name, triangle(a, upper, unitriangular), b)


def triangular_solve(b, a, upper=True, transpose=False, unitriangular=False):
    """``torch.triangular_solve`` (deprecated in torch, kept for old code): note its argument order (B first) and
    ``upper=True`` default. Returns ``(solution, cloned_coefficient)``: X with T X = B (``transpose``: T^T X = B)
    and a copy of A."""
    name = "triangular_solve"
    upper = check_flag(name, "upper", upper)
    transpose = check_flag(name, "transpose", transpose)
    a, b = operands(name, as_floating(a), b)
    if b.ndim < 2 or a.ndim < 2:
        raise ValueError(f"{name}: expects tensors of at least 2 dims, got shapes {tuple(b.shape)} (B) and "
                         f"{tuple(a.shape)} (A)")
    if transpose:
        x = solve_triangular(mT(a), b, upper=not upper, unitriangular=unitriangular)
    else:
        x = solve_triangular(a, b, upper=upper, unitriangular=unitriangular)
    return TriangularSolveResult(x, clone(broadcast_to(a, x.shape[:-2] + a.shape[-2:])))   # torch's batch shape


def _factor(L, upper):
    """L with its other triangle's values taken out as a constant: it holds the triangle LAPACK's potrs reads, but its
    gradient is that of the full input, as torch's (its cholesky_solve/cholesky_inverse derivative reads L as the
    full factor of A = L L^T: dL/dL = -(Y X^T + X Y^T) L with Y = A^{-1} G)."""
    xp = get_array_module(L.data)
    other = L.data - (xp.triu(L.data) if upper else xp.tril(L.data))
    return L - as_tensor(other, like=L)


def cholesky_solve(b, L, upper=False):  # noqa: N803 (torch's name)
    """``torch.cholesky_solve``: X with A X = B for A = L L^T given its Cholesky factor L (``upper``: A = U^T U), only
    its triangle read. Two solves with the factor; B is (..., n, k), at least 2-D, batch dims broadcast. The gradient
    with respect to L is torch's: that of (L L^T)^{-1} B for the full L (nonzero off the triangle too)."""
    name = "cholesky_solve"
    upper = check_flag(name, "upper", upper)
    L, b = operands(name, as_floating(L), b)
    if b.ndim < 2:
        raise ValueError(f"{name}: b should have at least 2 dimensions, got shape {tuple(b.shape)}")
    _check_square(name, L)
    if b.shape[-2] != L.shape[-1]:
        raise ValueError(f"{name}: Incompatible matrix sizes for A and B: shapes {tuple(L.shape)} (L) and "
                         f"{tuple(b.shape)} (B)")
    _check_diagonal(name, L)
    factor = _factor(L, upper)
    first, second = (mT(factor), factor) if upper else (factor, mT(factor))   # A = first @ second
    return _solve(name, second, _solve(name, first, b))


def cholesky_inverse(L, upper=False):  # noqa: N803
    """``torch.cholesky_inverse``: A^{-1} for A = L L^T (``upper``: U^T U) given its Cholesky factor."""
    name = "cholesky_inverse"
    upper = check_flag(name, "upper", upper)
    L = as_floating(L)
    _check_square(name, L)
    xp = get_array_module(L.data)
    eye = as_tensor(xp.broadcast_to(xp.eye(L.shape[-1], dtype=L.data.dtype), L.shape), like=L)
    return cholesky_solve(eye, L, upper)
