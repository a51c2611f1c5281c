"""Determinants, inverses and linear solves (``torch.linalg.det/slogdet/inv/solve/pinv``, and ``logdet``).

One op each, over batches of matrices (``numpy.linalg``/``cupy.linalg`` batch over the leading dims). Their
derivatives are the textbook ones, written once with other ops (``Inv``, ``Solve``, matmul), so every order
is recorded. They hold where the matrix is invertible (full rank for ``pinv``); at a singular matrix the
gradient of ``det`` (the adjugate, which exists there) goes through an SVD, as torch's.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from minigrad.autograd.function import Function
from minigrad.backend import get_array_module, linalg_errors_raised
from minigrad.autograd.tensor import Tensor
from minigrad.ops._args import as_floating, check_flag, operands, python_real
from minigrad.ops.linalg import _swap_last
from minigrad.ops.selection import where
from minigrad.ops.shape import reshape

SlogdetResult = namedtuple("slogdet", ["sign", "logabsdet"])


def _square(name, a):
    a = as_floating(a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"{name}: expects square matrices of shape (..., n, n), got shape {tuple(a.shape)}")
    return a


def _eye_like(F, x, n):
    data = x.data if F.recording else x
    return F.const(get_array_module(data).eye(n, dtype=data.dtype))


class Inv(Function):
    """Y = A^{-1}.   dL/dA = -Y^T G Y^T.   Shapes: (..., n, n) -> (..., n, n)."""

    keep_output = True

    def forward(self, a):
        # A singular matrix: NumPy's LinAlgError (a ValueError) comes out as "Inv: Singular matrix (input shapes ...)".
        # CuPy raises it only inside linalg_errors_raised; else it returns an undefined inverse.
        xp = get_array_module(a)
        with linalg_errors_raised(xp, "Singular matrix"):
            return xp.linalg.inv(a)

    def backward(self, F, gy, a):
        yt = _swap_last(F, F.output(self))
        return -(yt @ gy @ yt)


class Det(Function):
    """y = det(A).   dL/dA = g adj(A)^T: g det(A) A^{-T} where A is far from singular, else (torch's formula at a
    singular A) g det(U) det(Vh) U diag(prod_{j != i} S_j) Vh from A = U diag(S) Vh (``Cofactor``), which is the same
    matrix and exists at a singular A too. Near singular is |det A| <= sqrt(eps) times Hadamard's bound prod_i |row_i|
    (1 for orthogonal rows, whatever their lengths): below it, det(A) A^{-T} differentiated again (det times two
    inverses) keeps only about eps / that ratio of its digits (a 3x3 of rank 2 with det 3e-18: second derivatives off
    by 9 on entries of 20), where Cofactor's hold them. torch's test, |det A| < 100 eps, misses an ill-conditioned A
    whose det is larger (singular values 2, 1.5, 1, 1e-12) and takes a well-conditioned 0.05 I (float32), where
    torch's second derivative through its SVD is NaN. Shapes: (..., n, n) -> (...)."""

    keep_output = True

    def forward(self, a):
        return get_array_module(a).linalg.det(a)

    def backward(self, F, gy, a):
        y = F.output(self)
        value, data = (y.data, a.data) if F.recording else (y, a)
        xp = get_array_module(value)
        bound = xp.prod(xp.linalg.norm(data, axis=-1), axis=-1)   # Hadamard's: |det A| <= prod_i |row_i|
        singular = abs(value) <= float(np.sqrt(np.finfo(value.dtype).eps)) * bound
        if not singular.any():
            return F.reshape(gy * y, gy.shape + (1, 1)) * _swap_last(F, F.apply(Inv, a))
        n = a.shape[-1]
        if singular.all():
            return F.reshape(gy, gy.shape + (1, 1)) * F.apply(Cofactor, a)
        # Each matrix through its own formula: the others are swapped for constants (I; one of distinct singular
        # values, whose SVD derivative exists), so that neither formula's failure reaches the other's gradient
        mask = F.const(xp.reshape(singular, singular.shape + (1, 1)))
        regular = F.where(mask, F.const(xp.eye(n, dtype=a.dtype)), a)
        inverse_t = F.reshape(gy * y, gy.shape + (1, 1)) * _swap_last(F, F.apply(Inv, regular))
        spread = F.const(xp.diag(xp.arange(1, n + 1, dtype=a.dtype)))
        return F.where(mask, F.reshape(gy, gy.shape + (1, 1)) * F.apply(Cofactor, F.where(mask, a, spread)), inverse_t)


class Cofactor(Function):
    """C = adj(A)^T = det(U) det(Vh) U diag(D) Vh from A = U diag(S) Vh, D_i = prod_{j != i} S_j: det's gradient at a
    (nearly) singular A.   Shapes: (..., n, n) -> (..., n, n).

    Its derivative, not the SVD's: with E~ = U^T dA V, dC = sign U M Vh where M_ij = -Q_ij E~_ji (i != j) and
    M_ii = sum_{k != i} Q_ik E~_kk, Q_ij = prod_{k != i, j} S_k (the SVD's 1 / (S_j^2 - S_i^2) cancels against
    D_j S_i - D_i S_j). So it holds where singular values tie, at diag(0, 0, 1) or 0 (2x2), where the SVD's
    derivative has no value and dropped the rotations within the null space. dL/dA = U W Vh with G~ = sign U^T G V,
    W_ji = -Q_ij G~_ij off the diagonal and W_kk = sum_{i != k} Q_ik G~_ii.
    """

    def forward(self, a):
        xp = get_array_module(a)
        u, s, vh = xp.linalg.svd(a)
        sign = xp.linalg.det(u) * xp.linalg.det(vh)
        n = a.shape[-1]
        others = xp.where(xp.eye(n, dtype=bool), 1.0, s[..., None, :]).prod(axis=-1).astype(a.dtype, copy=False)
        return sign[..., None, None] * ((u * others[..., None, :]) @ vh)

    def backward(self, F, gy, a):
        from minigrad.ops.linalg_decompositions import SVD   # it imports this module
        from minigrad.ops.product import Prod
        u, s, vh = F.apply(SVD, a, full_matrices=False)
        raw = [t.data if F.recording else t for t in (u, s, vh)]
        xp, n = get_array_module(raw[0]), a.shape[-1]
        sign = F.const((xp.linalg.det(raw[0]) * xp.linalg.det(raw[2]))[..., None, None])   # +-1, piecewise constant
        eye = xp.eye(n, dtype=bool)
        # Q_ij = prod_{k != i, j} S_k: the product of S with 1 at k = i and k = j (no division by a 0 singular value)
        skip = F.const(eye[:, None, :] | eye[None, :, :])
        q = F.apply(Prod, F.where(skip, 1.0, F.reshape(s, s.shape[:-1] + (1, 1, n))), axis=(len(s.shape) + 1,),
                    keepdims=False)
        rotated = sign * (_swap_last(F, u) @ gy @ _swap_last(F, vh))   # G~ = sign U^T G V
        diagonal = F.sum(rotated * F.const(eye.astype(raw[1].dtype)), axis=-1, keepdims=True)   # G~_ii, (..., n, 1)
        on = F.where(F.const(eye), 0.0, q) @ diagonal                  # sum_{i != k} Q_ik G~_ii, (..., n, 1)
        w = F.where(F.const(eye), F.broadcast_to(on, q.shape), -(q * _swap_last(F, rotated)))
        return u @ w @ vh


def _adjugate_t(F, gy, a):
    """g adj(A)^T = g det(U) det(Vh) U diag(prod_{j != i} S_j) Vh from A = U diag(S) Vh, torch's formula at a
    singular A (where det(A) A^{-T} has no value)."""
    from minigrad.ops.linalg_decompositions import SVD   # it imports this module
    from minigrad.ops.product import Prod
    u, s, vh = F.apply(SVD, a, full_matrices=False)
    raw = [t.data if F.recording else t for t in (u, s, vh)]
    xp, n = get_array_module(raw[0]), a.shape[-1]
    sign = F.const(xp.linalg.det(raw[0]) * xp.linalg.det(raw[2]))   # +-1, piecewise constant
    # prod_{j != i} S_j as the product of row i of S with a 1 at j = i: prod(S) / S_i would divide by the (near) 0
    # singular value, and lose its second derivative to rounding
    rows = F.where(F.const(xp.eye(n, dtype=bool)), 1.0, F.reshape(s, s.shape[:-1] + (1, n)))
    others = F.apply(Prod, rows, axis=(rows.ndim - 1,), keepdims=False)
    scale = F.reshape(gy * sign, gy.shape + (1,)) * others
    return (u * F.reshape(scale, scale.shape[:-1] + (1, n))) @ vh


class SlogDet(Function):
    """(sign, log|det A|).   dL/dA = g_logabsdet A^{-T} (the sign is piecewise constant: no gradient).

    At a singular A (logabsdet -inf) A^{-T} = adj(A)^T / det A has no value: there the gradient is that quotient
    in IEEE arithmetic, g adj(A)^T / 0, +-inf (NaN where adj(A) is 0), each matrix of a batch by its own formula.
    torch's is non-finite there too (inf/NaN from its LU solve, signs by its pivots); it does not raise.
    Shapes: (..., n, n) -> (...), (...).
    """

    def forward(self, a):
        sign, logabs = get_array_module(a).linalg.slogdet(a)
        return sign.astype(a.dtype, copy=False), logabs.astype(a.dtype, copy=False)

    def backward(self, F, gy, a):
        g = gy[1]
        try:
            return F.reshape(g, g.shape + (1, 1)) * _swap_last(F, F.apply(Inv, a))
        except ValueError:   # Inv refuses a singular matrix: only then is the batch sorted
            data = a.data if F.recording else a
            xp, n = get_array_module(data), a.shape[-1]
            singular = xp.linalg.slogdet(data)[0] == 0   # (det itself can underflow to 0 at a regular A)
            if not singular.any():
                raise
        mask = F.const(xp.reshape(singular, singular.shape + (1, 1)))
        regular = F.where(mask, F.const(xp.eye(n, dtype=data.dtype)), a)
        inverse_t = F.reshape(g, g.shape + (1, 1)) * _swap_last(F, F.apply(Inv, regular))
        spread = F.const(xp.diag(xp.arange(1, n + 1, dtype=data.dtype)))
        zero = F.const(xp.where(mask, 0.0, 1.0).astype(data.dtype, copy=False))   # det A, 0, where singular
        with np.errstate(divide="ignore", invalid="ignore"):
            return F.where(mask, _adjugate_t(F, g, F.where(mask, a, spread)) / zero, inverse_t)


class Solve(Function):
    """X = A^{-1} B for B of shape (..., n, k), the batch dims broadcast.

    dL/dB = A^{-T} G (a solve with A^T), dL/dA = -(dL/dB) X^T, each summed back over broadcast batch dims.
    Shapes: (..., n, n), (..., n, k) -> (..., n, k).
    """

    keep_output = True

    def forward(self, a, b):
        xp = get_array_module(a)
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        a = xp.broadcast_to(a, batch + a.shape[-2:])
        b = xp.broadcast_to(b, batch + b.shape[-2:])
        with linalg_errors_raised(xp, "Singular matrix"):   # a singular A: LinAlgError on CuPy too, not an undefined X
            return xp.linalg.solve(a, b)

    def backward(self, F, gy, a, b):
        na, nb = self.needs_input_grad
        gb = F.apply(Solve, _swap_last(F, a), gy)
        ga = -(gb @ _swap_last(F, F.output(self))) if na else None
        return (F.sum_to(ga, a.shape) if na else None, F.sum_to(gb, b.shape) if nb else None)


class Pinv(Function):
    """X = A^+, the Moore-Penrose pseudo-inverse, from an SVD with singular values <= max(atol, rtol * s_max) dropped.
    With ``hermitian`` A is read as symmetric from its lower triangle (torch's values); the gradient stays the general
    one below, as torch's, which for a symmetric A is the derivative.

    dL/dA = -X^T G X^T + (I - A X) G^T X X^T + X^T X G^T (I - X A) (Golub and Pereyra), for A whose rank
    does not change nearby (full rank, say). Shapes: (..., m, n) -> (..., n, m).
    """

    keep_output = True

    def __init__(self, atol, rtol, hermitian=False):
        self.atol, self.rtol, self.hermitian = atol, rtol, hermitian

    def forward(self, a):
        xp = get_array_module(a)
        u, s, vh = xp.linalg.svd(lower_symmetric(xp, a) if self.hermitian else a, full_matrices=False)
        top = s.max(axis=-1, keepdims=True) if s.shape[-1] else xp.zeros(s.shape[:-1] + (1,), dtype=s.dtype)
        cutoff = xp.maximum(self.atol, self.rtol * top)
        keep = s > cutoff
        inverse = xp.where(keep, 1.0 / xp.where(keep, s, 1.0), 0.0).astype(a.dtype, copy=False)
        return xp.swapaxes(vh, -1, -2) @ (inverse[..., :, None] * xp.swapaxes(u, -1, -2))

    def backward(self, F, gy, a):
        x = F.output(self)
        xt, gt = _swap_last(F, x), _swap_last(F, gy)
        m, n = a.shape[-2], a.shape[-1]
        return (-(xt @ gy @ xt) + (_eye_like(F, a, m) - a @ x) @ (gt @ (x @ xt))
                + (xt @ x) @ (gt @ (_eye_like(F, a, n) - x @ a)))


def inv(a):
    """``torch.linalg.inv``: the inverse of each square matrix; a singular one is refused with a clear error."""
    return Inv.apply(_square("linalg.inv", a))


def det(a):
    """``torch.linalg.det``: the determinant of each square matrix, (..., n, n) -> (...)."""
    return Det.apply(_square("linalg.det", a))


def slogdet(a):
    """``torch.linalg.slogdet``: ``(sign, logabsdet)`` of each square matrix, a named tuple;
    det = sign exp(logabsdet)."""
    return SlogdetResult(*SlogDet.apply(_square("linalg.slogdet", a)))


def logdet(a):
    """``torch.logdet``: log det A; NaN where det < 0, -inf where det = 0, as torch's."""
    sign, logabs = slogdet(_square("logdet", a))
    return where(sign.data < 0, float("nan"), logabs)


def solve(a, b, *, left=True):
    """``torch.linalg.solve``: X with A X = B. B is (..., n, k), or a vector (..., n) when it is 1-D or has
    A's batch shape plus n (as torch decides); the batch dims broadcast. ``left=False`` solves X A = B."""
    a = _square("linalg.solve", a)
    a, b = operands("linalg.solve", a, b)
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    if left is False:
        if vector:   # torch reads it as a column too, and refuses it
            raise ValueError(f"linalg.solve: B of shape {tuple(b.shape)} is read as a vector (a column), which cannot "
                             f"be the right side of X A = B (left=False); A has shape {tuple(a.shape)}")
        if b.ndim < 2 or b.shape[-1] != a.shape[-1]:
            raise ValueError(f"linalg.solve: B must have {a.shape[-1]} columns to match A in X A = B (left=False), "
                             f"got shapes {tuple(a.shape)} and {tuple(b.shape)}")
        # B^T is solved as a matrix: the vector reading (B^T of A's batch shape plus n) is the left=True rule only
        return _swap_last_tensor(_solve_matrices(_swap_last_tensor(a), _swap_last_tensor(b), a, b))
    n = a.shape[-1]
    bb = reshape(b, b.shape + (1,)) if vector else b
    if bb.ndim < 2 or bb.shape[-2] != n:
        raise ValueError(f"linalg.solve: B must have {n} rows to match A, got shapes {tuple(a.shape)} and "
                         f"{tuple(b.shape)}")
    x = _solve_matrices(a, bb, a, b)
    return reshape(x, x.shape[:-1]) if vector else x


def _solve_matrices(a, b, given_a, given_b):
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(f"linalg.solve: batch dims do not broadcast: shapes {tuple(given_a.shape)} and "
                         f"{tuple(given_b.shape)}") from None
    return Solve.apply(a, b)


def _swap_last_tensor(t):
    from minigrad.ops.shape import transpose
    axes = list(range(t.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return transpose(t, tuple(axes))


def pinv(a, *, atol=None, rtol=None, hermitian=False):
    """``torch.linalg.pinv``: the pseudo-inverse, singular values <= max(atol, rtol * s_max) dropped; rtol
    defaults to eps * max(m, n) when atol is not given (or 0), else 0, as torch's. ``hermitian=True`` reads A as
    symmetric from its lower triangle, as torch's. Shapes: (..., m, n) -> (..., n, m)."""
    a = as_floating(a)
    if a.ndim < 2:
        raise ValueError(f"linalg.pinv: expects matrices of shape (..., m, n), got shape {tuple(a.shape)}")
    hermitian = check_flag("linalg.pinv", "hermitian", hermitian)
    if hermitian and a.shape[-1] != a.shape[-2]:
        raise ValueError(f"linalg.pinv: hermitian=True expects square matrices, got shape {tuple(a.shape)}")
    return Pinv.apply(a, hermitian=hermitian, **_tolerances(a, atol, rtol))


def lower_symmetric(xp, a):
    """The symmetric matrix of a's lower triangle: what torch's ``hermitian=True``/``UPLO='L'`` read."""
    return xp.tril(a) + xp.swapaxes(xp.tril(a, -1), -1, -2)


def _tolerances(a, atol, rtol, op="linalg.pinv"):
    """torch's atol/rtol rule as Python floats; a tolerance per matrix (a tensor, torch's) is refused clearly."""
    atol = 0.0 if atol is None else _real(op, "atol", atol)
    if rtol is None:
        rtol = float(np.finfo(a.dtype).eps) * max(a.shape[-2:]) if atol == 0.0 else 0.0
    return {"atol": atol, "rtol": _real(op, "rtol", rtol)}


def _real(op, name, value):
    if isinstance(value, Tensor) and value.ndim == 0:
        value = value.item()
    return float(python_real(op, name, value))


def pinverse(a, rcond=1e-15):
    """``torch.pinverse``: ``pinv`` with singular values <= rcond * s_max dropped."""
    a = as_floating(a)
    if a.ndim < 2:
        raise ValueError(f"pinverse: expects matrices of shape (..., m, n), got shape {tuple(a.shape)}")
    return Pinv.apply(a, atol=0.0, rtol=float(rcond))


def inverse(a):
    """``torch.inverse``: the same as ``linalg.inv``."""
    return inv(a)
