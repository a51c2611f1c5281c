"""Householder reflectors: ``torch.geqrf``, ``torch.linalg.householder_product`` (``torch.orgqr``) and ``torch.ormqr``.

``geqrf`` is LAPACK's, through ``qr(mode='raw')`` of NumPy/CuPy (which returns its packed matrix transposed); as in
torch it has no derivative. The products of reflectors are compositions, without a loop over the reflectors: with
V (m, k) the unit-lower columns stored in A and tau (k,), H_1 H_2 ... H_k = I - V T V^T for the upper-triangular
T = diag(tau) (I + striu(V^T V) diag(tau))^{-1} (the compact WY form; the matrix inverted is unit upper
triangular, so any tau works, 0 included). Their gradients are those of the ops composed (triangle, matmul,
triangular solve), reaching the strictly lower part of A's first k columns and tau, as torch's.
"""
from __future__ import annotations

from collections import namedtuple

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.ops._args import as_floating, check_flag, operands
from minigrad.ops.linalg_triangular import mT, solve_triangular
from minigrad.ops.shape import reshape
from minigrad.ops.triangular import tril, triu

GeqrfResult = namedtuple("geqrf", ["a", "tau"])


def geqrf(A):  # noqa: N803 (torch's name)
    """``torch.geqrf``: ``(a, tau)``, LAPACK's QR in Householder form: R in a's upper triangle, the reflectors'
    vectors below it (unit diagonal implied), their scales in tau (..., min(m, n)). No gradient (torch has none)."""
    a = as_floating(A)
    if a.ndim < 2:
        raise ValueError(f"geqrf: expects matrices of shape (..., m, n), got shape {tuple(a.shape)}")
    xp = get_array_module(a.data)
    h, tau = xp.linalg.qr(a.data, mode="raw")
    return GeqrfResult(Tensor(xp.ascontiguousarray(xp.swapaxes(h, -1, -2)).astype(a.data.dtype, copy=False)),
                       Tensor(tau.astype(a.data.dtype, copy=False)))


def _reflectors(name, a, tau):
    """V (..., m, k) and the unit upper-triangular M = I + striu(V^T V) diag(tau) (..., k, k)."""
    m, k = a.shape[-2], tau.shape[-1]
    xp = get_array_module(a.data)
    v = tril(a[..., :, :k], -1) + as_tensor(xp.eye(m, k, dtype=a.data.dtype), like=a)
    scaled = reshape(tau, tau.shape[:-1] + (1, k))
    eye = as_tensor(xp.eye(k, dtype=a.data.dtype), like=a)
    return v, scaled, eye + triu(mT(v) @ v, 1) * scaled


def _check(name, a, tau, n_min):
    if a.ndim < 2:
        raise ValueError(f"{name}: A must have at least 2 dimensions, got shape {tuple(a.shape)}")
    if tau.ndim != a.ndim - 1 or tau.shape[:-1] != a.shape[:-2]:
        raise ValueError(f"{name}: tau must have A's batch dims and one more, got shapes {tuple(a.shape)} (A) and "
                         f"{tuple(tau.shape)} (tau)")
    if tau.shape[-1] > n_min:
        raise ValueError(f"{name}: tau may hold at most {n_min} scales for A of shape {tuple(a.shape)}, got "
                         f"shape {tuple(tau.shape)}")


def householder_product(A, tau):  # noqa: N803
    """``torch.linalg.householder_product`` (``torch.orgqr``): the first n columns of H_1 ... H_k, H_i = I - tau_i
    v_i v_i^T with v_i the i-th column of A below its diagonal (1 on it). A (..., m, n) with m >= n >= k, tau
    (..., k). Q_n = I[:, :n] - V diag(tau) M^{-1} V^T[:, :n], M = I + striu(V^T V) diag(tau)."""
    name = "linalg.householder_product"
    a, t = operands(name, as_floating(A), tau)
    _check(name, a, t, a.shape[-1] if a.ndim >= 2 else 0)
    m, n = a.shape[-2:]
    if m < n:
        raise ValueError(f"{name}: A.shape[-2] must be greater than or equal to A.shape[-1], got shape "
                         f"{tuple(a.shape)}")
    v, scaled, mat = _reflectors(name, a, t)
    xp = get_array_module(a.data)
    eye = as_tensor(xp.eye(m, n, dtype=a.data.dtype), like=a)
    return eye - (v * scaled) @ solve_triangular(mat, mT(v)[..., :, :n], upper=True, unitriangular=True)


def orgqr(A, tau):  # noqa: N803
    """``torch.orgqr``: ``linalg.householder_product``."""
    return householder_product(A, tau)


def ormqr(A, tau, other, left=True, transpose=False):  # noqa: N803
    """``torch.ormqr``: Q C, Q^T C (``transpose``), C Q or C Q^T (``left=False``) for the m x m Q = H_1 ... H_k of
    ``geqrf``'s (A, tau) and C = ``other``, without forming Q: Q C = C - V diag(tau) M^{-1} (V^T C) and
    Q^T C = C - V M^{-T} diag(tau) (V^T C)."""
    name = "ormqr"
    left = check_flag(name, "left", left)
    transpose = check_flag(name, "transpose", transpose)
    a, t = operands(name, as_floating(A), tau)
    a, c = operands(name, a, other)
    _check(name, a, t, min(a.shape[-2:]) if a.ndim >= 2 else 0)
    m = a.shape[-2]
    if c.ndim < 2 or (c.shape[-2] if left else c.shape[-1]) != m:
        raise ValueError(f"{name}: other must be (..., {m}, k) for left=True or (..., k, {m}) for left=False, got "
                         f"shape {tuple(c.shape)} for A of shape {tuple(a.shape)}")
    if not left:   # C Q = (Q^T C^T)^T, C Q^T = (Q C^T)^T
        return mT(ormqr(a, t, mT(c), True, not transpose))
    v, scaled, mat = _reflectors(name, a, t)
    proj = mT(v) @ c
    if transpose:
        return c - v @ solve_triangular(mT(mat), mT(scaled) * proj, upper=False, unitriangular=True)
    return c - (v * scaled) @ solve_triangular(mat, proj, upper=True, unitriangular=True)
