"""PyTorch's matrix products and ``torch.linalg``, checked against torch itself in float64.

Values, gradients and second derivatives (through create_graph) of ``minigrad.linalg``'s functions and of
mm/bmm/mv/dot/inner/addmm/.../kron/cross/matrix_power/multi_dot, on batches of well-conditioned matrices
with distinct eigenvalues and singular values. Eigenvectors and singular vectors are defined up to sign,
so eigh and svd are compared through losses that do not depend on it (their squares, U diag(S) Vh);
the shape errors name the op and the shapes.
"""
import math
import re

import numpy as np
import pytest
import torch

import minigrad as mg
from torch_agreement import pair, same

RNG = np.random.default_rng(777)


def well(*shape):
    """Square matrices near 3 I: invertible, well-conditioned, det > 0."""
    return RNG.standard_normal(shape) * 0.5 + 3.0 * np.eye(shape[-1])


def spd(*shape):
    a = RNG.standard_normal(shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def sym(*shape):
    a = RNG.standard_normal(shape)
    return (a + np.swapaxes(a, -1, -2)) / 2


def agree(fn, tfn, *arrays, rtol=1e-10, second=True):
    """Values, gradients and the gradient of <u, gradient> agree with torch's for every input."""
    xs, ts = zip(*[pair(a) for a in arrays])
    y, ty = fn(*xs), tfn(*ts)
    same(y, ty, rtol=rtol)
    cot = RNG.standard_normal(tuple(ty.shape))
    gx = mg.grad((y * mg.tensor(cot, dtype="float64")).sum(), list(xs), create_graph=second)
    gt = torch.autograd.grad((ty * torch.tensor(cot)).sum(), list(ts), create_graph=second)
    for a, b in zip(gx, gt):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=rtol, atol=1e-11)
    if not second:
        return
    us = [RNG.standard_normal(a.shape) for a in arrays]
    # A gradient that is constant (a linear function, or torch's 1 x 1 det) has no graph: second derivative 0.
    live, tlive = [i for i, g in enumerate(gx) if g.requires_grad], [i for i, g in enumerate(gt) if g.requires_grad]
    hx = mg.grad(sum((gx[i] * mg.tensor(us[i], dtype="float64")).sum() for i in live), list(xs),
                 allow_unused=True) if live else [None] * len(xs)
    ht = torch.autograd.grad(sum((gt[i] * torch.tensor(us[i])).sum() for i in tlive), list(ts),
                             allow_unused=True) if tlive else [None] * len(ts)
    for a, b, array in zip(hx, ht, arrays):
        a = np.zeros(np.shape(array)) if a is None else a.numpy()
        b = np.zeros(np.shape(array)) if b is None else b.numpy()
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


# ------------------------------------------------------------------ determinants, inverses, solves
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (1,  1)])
def test_det_slogdet_logdet_inv_match_torch(shape):
    a = well(*shape)
    agree(mg.linalg.det, torch.linalg.det, a)
    agree(lambda t: t.det(), lambda t: t.det(), a)
    agree(lambda t: mg.linalg.slogdet(t).logabsdet, lambda t: torch.linalg.slogdet(t).logabsdet, a)
    agree(mg.logdet, torch.logdet, a)
    agree(mg.linalg.inv, torch.linalg.inv, a)
    agree(lambda t: t.inverse(), lambda t: t.inverse(), a)


SINGULAR = [np.array([[1.0, 2.0], [2.0, 4.0]]), np.arange(1.0, 10.0).reshape(3, 3), np.outer([1.0, 2, 3], [4.0, 5, 6]),
            np.zeros((3, 3)), np.zeros((1, 1)),
            np.stack([np.arange(1.0, 10.0).reshape(3, 3), np.eye(3) + 0.1])]   # one singular, one regular


@pytest.mark.parametrize("a", SINGULAR)
def test_det_gradient_at_a_singular_matrix_is_the_adjugate(a):
    # the backward computed inv(A) and raised "Inv: Singular matrix"; det is a polynomial, its gradient adj(A)^T
    x = mg.tensor(a, dtype="float64", requires_grad=True)
    assert mg.gradcheck(mg.linalg.det, (x,)) and mg.gradgradcheck(mg.linalg.det, (x,))
    tx = torch.tensor(a, requires_grad=True)   # torch's first-order backward gives 0 here: its recorded one is right
    (expected,) = torch.autograd.grad(torch.linalg.det(tx).sum(), [tx], create_graph=True)
    (ours,) = mg.grad(mg.linalg.det(x).sum(), [x])
    np.testing.assert_allclose(ours.numpy(), expected.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_det_gradient_of_a_singular_2_by_2_is_its_cofactor_matrix():
    x = mg.tensor([[1.0, 2.0], [2.0, 4.0]], dtype="float64", requires_grad=True)
    mg.linalg.det(x).backward()
    np.testing.assert_allclose(x.grad.numpy(), [[4.0, -2.0], [-2.0, 1.0]], rtol=1e-14, atol=1e-14)
    x32 = mg.tensor([[1.0, 2.0], [2.0, 4.0]], dtype="float32", requires_grad=True)
    mg.linalg.det(x32).backward()
    assert x32.grad.dtype == np.float32
    np.testing.assert_allclose(x32.grad.numpy(), [[4.0, -2.0], [-2.0, 1.0]], rtol=1e-6, atol=1e-6)


def _cofactors(a):
    """The cofactor matrix of one square matrix, from its minors (a polynomial of the entries: no inverse)."""
    n = a.shape[-1]
    return np.array([[(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(a, i, 0), j, 1)) for j in range(n)]
                     for i in range(n)])


def test_det_second_derivative_at_a_nearly_singular_matrix_is_the_cofactors_derivative(device):
    # A 3x3 of rank 2 from a product: numpy's det is 3e-18, not 0, so backward took det(A) A^{-T}, whose derivative
    # (tiny det times two huge inverses) lost every digit: second derivatives off by 9 on entries of 20. A nearly
    # singular A takes the SVD's formula, as torch's; the reference is the central difference of the cofactors
    # (exact to 1e-10: a quadratic in the entries of a 3x3).
    rng = np.random.default_rng(1)
    a = np.stack([rng.standard_normal((3, 2)) @ rng.standard_normal((2, 3)), well(3, 3)])
    assert 0 < abs(np.linalg.det(a[0])) < 1e-15
    u = rng.standard_normal(a.shape)
    x = mg.tensor(a, dtype="float64", requires_grad=True, device=device)
    (g,) = mg.grad(mg.linalg.det(x).sum(), [x], create_graph=True)
    (h,) = mg.grad((g * mg.tensor(u, dtype="float64", device=device)).sum(), [x])
    g, h = g.cpu(), h.cpu()
    expected = np.zeros_like(a)
    for b in range(2):
        for i, j in np.ndindex(3, 3):
            e = np.zeros((3, 3))
            e[i, j] = 1e-5
            expected[b, i, j] = ((_cofactors(a[b] + e) - _cofactors(a[b] - e)) * u[b]).sum() / 2e-5
    np.testing.assert_allclose(g.numpy()[0], _cofactors(a[0]), atol=1e-12)
    np.testing.assert_allclose(h.numpy(), expected, rtol=1e-8, atol=1e-8)
    tx = torch.tensor(a, requires_grad=True)
    (tg,) = torch.autograd.grad(torch.linalg.det(tx).sum(), [tx], create_graph=True)
    (th,) = torch.autograd.grad((tg * torch.tensor(u)).sum(), [tx])
    np.testing.assert_allclose(h.numpy(), th.numpy(), rtol=1e-8, atol=1e-8)


def _det_hessian_times(a, w):
    """sum_ij w_ij d^2 det / dA_ij dA_kl for each k, l: det is linear in each row, so each second derivative is the
    det of A with row i set to e_j and row k to e_l (exact to rounding, no inverse, no difference quotient)."""
    n = a.shape[-1]
    out = np.zeros_like(a)
    for k, l, i, j in np.ndindex(n, n, n, n):
        if i != k and j != l:
            b = a.copy()
            b[i], b[k] = np.eye(n)[j], np.eye(n)[l]
            out[k, l] += np.linalg.det(b) * w[i, j]
    return out


@pytest.mark.parametrize("dtype,a", [
    ("float32", 0.05 * np.eye(4)),   # det 6e-6 < 100 eps (torch's test): the SVD's derivative is NaN at its ties
    ("float64", np.linalg.qr(np.arange(16.0).reshape(4, 4) % 7 + np.eye(4))[0] @ np.diag([2.0, 1.5, 1.0, 1e-12])),
], ids=["small_det_well_conditioned", "ill_conditioned_det_above_100_eps"])
def test_det_second_derivative_where_det_is_small_or_the_matrix_ill_conditioned(device, dtype, a):
    # Near singular is |det A| <= sqrt(eps) prod_i |row_i| (Hadamard's bound), not torch's |det A| < 100 eps: 0.05 I
    # is as well conditioned as I, and the SVD formula's derivative at its four equal singular values was NaN (torch's
    # too); a 4x4 with singular values (2, 1.5, 1, 1e-12) has det 3e-12, above 100 eps, and det(A) A^{-T}
    # differentiated again kept 4 digits (relative error 1.5e-4 here, 1e-2 for det 3e-14).
    w = np.random.default_rng(3).standard_normal((4, 4))
    x = mg.tensor(a, dtype=dtype, requires_grad=True, device=device)
    (g,) = mg.grad(mg.linalg.det(x), [x], create_graph=True)
    (h,) = mg.grad((g * mg.tensor(w, dtype=dtype, device=device)).sum(), [x])
    expected = _det_hessian_times(a.astype(dtype).astype(np.float64), w)
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(h.cpu().numpy(), expected, rtol=tol, atol=tol * np.abs(expected).max())


@pytest.mark.parametrize("a", [np.zeros((2, 2)), np.diag([0.0, 0.0, 1.0]), np.diag([0.0, 0.0, 2.0, 3.0]),
                               np.stack([np.diag([0.0, 0.0, 1.0]), well(3, 3)])], ids=["0", "diag001", "diag0023", "batch"])
def test_det_second_derivative_where_zero_singular_values_tie(device, a):
    # Two singular values exactly 0: the adjugate's derivative taken through the SVD's (whose 1 / (S_j^2 - S_i^2) has
    # no value there) dropped the rotations within the null space; zeros(2, 2) gave 0 where det = a d - b c has
    # second derivative [[w11, -w10], [-w01, w00]]. torch's is NaN there.
    w = np.random.default_rng(4).standard_normal(a.shape)
    x = mg.tensor(a, dtype="float64", requires_grad=True, device=device)
    (g,) = mg.grad(mg.linalg.det(x).sum(), [x], create_graph=True)
    (h,) = mg.grad((g * mg.tensor(w, dtype="float64", device=device)).sum(), [x])
    n = a.shape[-1]
    expected = np.stack([_det_hessian_times(b, c) for b, c in zip(a.reshape(-1, n, n), w.reshape(-1, n, n))])
    np.testing.assert_allclose(h.cpu().numpy(), expected.reshape(a.shape), atol=1e-12)
    if a.ndim == 2:
        assert mg.gradgradcheck(mg.linalg.det, (mg.tensor(a, dtype="float64", requires_grad=True),))


def test_slogdet_sign_and_logdet_of_a_negative_determinant_as_torch():
    a = well(2, 3, 3)
    a[0, 0] *= -1.0            # det < 0
    x, tx = pair(a)
    ours, theirs = x.slogdet(), torch.linalg.slogdet(tx)
    assert type(ours).__name__ == "slogdet" and ours._fields == ("sign", "logabsdet")
    same(ours.sign, theirs.sign)
    same(ours.logabsdet, theirs.logabsdet)
    np.testing.assert_array_equal(np.isnan(x.logdet().numpy()), np.isnan(torch.logdet(tx).detach().numpy()))
    agree(lambda t: mg.slogdet(t).logabsdet, lambda t: torch.slogdet(t).logabsdet, a)
    agree(mg.det, torch.det, RNG.standard_normal((3, 3)))


def test_slogdet_gradient_at_a_singular_matrix_is_non_finite_as_torchs_instead_of_raising():
    # It raised numpy's bare "Singular matrix"; torch returns inf/NaN there and the exact gradient elsewhere.
    a = np.stack([well(3, 3), [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]], np.zeros((3, 3))])
    x, tx = pair(a)
    ours, theirs = mg.linalg.slogdet(x), torch.linalg.slogdet(tx)
    same(ours.logabsdet, theirs.logabsdet)
    with np.errstate(all="ignore"):
        ours.logabsdet[0].backward()                 # a regular matrix beside singular ones: its exact gradient
    theirs.logabsdet[0].backward()
    np.testing.assert_allclose(x.grad.numpy()[0], tx.grad.numpy()[0], rtol=1e-12)
    assert np.isnan(x.grad.numpy()[1:]).all() and np.isnan(tx.grad.numpy()[1:]).all()   # 0 / 0, as torch's
    x, tx = pair(a)
    with np.errstate(all="ignore"):
        mg.linalg.slogdet(x).logabsdet.sum().backward()
    torch.linalg.slogdet(tx).logabsdet.sum().backward()
    np.testing.assert_allclose(x.grad.numpy()[0], tx.grad.numpy()[0], rtol=1e-12)
    assert not np.isfinite(x.grad.numpy()[1:]).any() and not np.isfinite(tx.grad.numpy()[1:]).any()
    # g adj(A)^T / 0: +-inf by the cofactors' signs, NaN where a cofactor is 0 (all of them for A = 0)
    cofactors = np.array([[-3.0, 6.0, -3.0], [6.0, -12.0, 6.0], [-3.0, 6.0, -3.0]])
    np.testing.assert_array_equal(x.grad.numpy()[1], np.sign(cofactors) * np.inf)
    assert np.isnan(x.grad.numpy()[2]).all()


@pytest.mark.parametrize("a_shape, b_shape", [((3, 3), (3, 2)), ((3, 3), (3,)), ((2, 3, 3), (2, 3)),
                                              ((2, 3, 3), (3, 4)), ((3, 3), (2, 3, 1)), ((2, 1, 3, 3), (4, 3, 2))])
def test_solve_matches_torch_with_vectors_and_broadcast_batches(a_shape, b_shape):
    agree(mg.linalg.solve, torch.linalg.solve, well(*a_shape), RNG.standard_normal(b_shape))


def test_solve_from_the_right_matches_torch():
    agree(lambda a, b: mg.linalg.solve(a, b, left=False), lambda a, b: torch.linalg.solve(a, b, left=False),
          well(2, 3, 3), RNG.standard_normal((2, 4, 3)))
    agree(lambda a, b: mg.linalg.solve(a, b, left=False), lambda a, b: torch.linalg.solve(a, b, left=False),
          well(2, 3, 3), RNG.standard_normal((2, 3)).reshape(2, 1, 3))
    agree(lambda a, b: mg.linalg.solve(a, b, left=False), lambda a, b: torch.linalg.solve(a, b, left=False),
          well(3, 3), RNG.standard_normal((2, 4, 3)))


@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (2, 3, 3)])
def test_pinv_and_pinverse_match_torch(shape):
    a = RNG.standard_normal(shape)
    agree(mg.linalg.pinv, torch.linalg.pinv, a)
    agree(lambda t: t.pinverse(), lambda t: t.pinverse(), a)


def test_pinv_drops_small_singular_values_as_torch():
    a = RNG.standard_normal((4, 2)) @ RNG.standard_normal((2, 3))      # rank 2
    x, tx = pair(a, requires_grad=False)
    same(mg.linalg.pinv(x), torch.linalg.pinv(tx), rtol=1e-9)
    same(mg.linalg.pinv(x, atol=1.0), torch.linalg.pinv(tx, atol=1.0), rtol=1e-9)
    same(mg.linalg.pinv(x, rtol=0.5), torch.linalg.pinv(tx, rtol=0.5), rtol=1e-9)


def test_pinv_hermitian_reads_the_lower_triangle_as_torch():
    # torch's hermitian=True takes A as symmetric and reads its lower triangle; minigrad ignored the flag and
    # inverted the whole matrix, so an A with other entries above the diagonal gave another result.
    a = np.triu(RNG.standard_normal((2, 3, 3))) + 3.0 * np.eye(3)
    x, tx = pair(a, requires_grad=False)
    same(mg.linalg.pinv(x, hermitian=True), torch.linalg.pinv(tx, hermitian=True), rtol=1e-12)
    same(mg.linalg.pinv(x, hermitian=True, atol=2.5), torch.linalg.pinv(tx, hermitian=True, atol=2.5), rtol=1e-12)
    # on a symmetric A the gradient is torch's (the general pinv gradient), to second order
    agree(lambda t: mg.linalg.pinv(t, hermitian=True), lambda t: torch.linalg.pinv(t, hermitian=True), sym(2, 3, 3))


# ------------------------------------------------------------------ factorizations
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_matches_torch(shape, upper):
    a = spd(*shape)
    # torch's gradient is symmetric (A read as symmetric); so is ours.
    agree(lambda t: mg.linalg.cholesky(t, upper=upper), lambda t: torch.linalg.cholesky(t, upper=upper), a)
    # torch's Tensor.cholesky is deprecated: its linalg form is the reference.
    agree(lambda t: t.cholesky(upper), lambda t: torch.linalg.cholesky(t, upper=upper), a)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_reads_the_triangle_it_returns_as_torch(upper):
    # torch factors the lower triangle for upper=False and the upper one for upper=True; minigrad read the lower
    # one for both, so upper=True on a matrix with other entries above the diagonal gave another factor.
    clean = spd(2, 3, 3)
    noise = RNG.standard_normal((2, 3, 3))
    a = clean + (np.tril(noise, -1) if upper else np.triu(noise, 1))     # noise in the triangle not read
    for ours_fn, theirs_fn in ((lambda t: mg.linalg.cholesky(t, upper=upper),
                                lambda t: torch.linalg.cholesky(t, upper=upper)),
                               (lambda t: mg.cholesky(t, upper), lambda t: torch.linalg.cholesky(t, upper=upper)),
                               (lambda t: mg.linalg.cholesky_ex(t, upper=upper).L,
                                lambda t: torch.linalg.cholesky_ex(t, upper=upper).L)):
        agree(ours_fn, theirs_fn, a)
        x, tx = pair(clean, requires_grad=False)
        same(ours_fn(x), theirs_fn(tx), rtol=1e-12)


def test_cholesky_ex_info_reads_the_upper_triangle_for_upper_as_torch():
    a = np.array([[4.0, 1.0, 0.0], [-9.0, 3.0, 1.0], [0.0, -9.0, 2.0]])   # upper triangle read: SPD; lower: not
    for upper in (False, True):
        ours = mg.linalg.cholesky_ex(mg.tensor(a, dtype="float64"), upper=upper)
        theirs = torch.linalg.cholesky_ex(torch.tensor(a), upper=upper)
        np.testing.assert_array_equal(ours.info.numpy(), theirs.info.numpy())
        if upper:
            np.testing.assert_allclose(ours.L.numpy(), theirs.L.numpy(), rtol=1e-12)


@pytest.mark.parametrize("shape", [(5, 3), (3, 3), (2, 4, 2)])
def test_qr_matches_torch(shape):
    a = RNG.standard_normal(shape)
    x, tx = pair(a)
    ours, theirs = mg.linalg.qr(x), torch.linalg.qr(tx)
    assert type(ours).__name__ == "qr" and ours._fields == ("Q", "R")
    agree(lambda t: mg.linalg.qr(t).Q, lambda t: torch.linalg.qr(t).Q, a)
    agree(lambda t: mg.linalg.qr(t).R, lambda t: torch.linalg.qr(t).R, a)
    # Sign-free: Q Q^T and R^T R do not depend on the signs LAPACK chose.
    agree(lambda t: (lambda r: r.Q @ mg.transpose(r.Q, *range(t.ndim - 2), t.ndim - 1, t.ndim - 2))(mg.linalg.qr(t)),
          lambda t: (lambda r: r.Q @ r.Q.mT)(torch.linalg.qr(t)), a)


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_matches_torch_through_sign_free_losses(shape, uplo):
    a = sym(*shape)
    x, tx = pair(a)
    ours, theirs = mg.linalg.eigh(x, UPLO=uplo), torch.linalg.eigh(tx, UPLO=uplo)
    assert type(ours).__name__ == "eigh" and ours._fields == ("eigenvalues", "eigenvectors")
    assert np.all(np.diff(ours.eigenvalues.numpy(), axis=-1) > 0)                  # ascending
    agree(lambda t: mg.linalg.eigh(t, uplo).eigenvalues, lambda t: torch.linalg.eigh(t, uplo).eigenvalues, a)
    agree(lambda t: mg.linalg.eigh(t, uplo).eigenvectors ** 2, lambda t: torch.linalg.eigh(t, uplo).eigenvectors ** 2,
          a, rtol=1e-8)
    agree(lambda t: mg.linalg.eigvalsh(t, uplo), lambda t: torch.linalg.eigvalsh(t, uplo), a)


def test_eigenvalue_gradient_at_repeated_eigenvalues_is_torch_s():
    # with the eigenvectors unused the gradient is V diag(g) V^T, defined for repeated eigenvalues too; minigrad
    # divided the (zero) eigenvector term by the zero gap: NaN everywhere for 2 I, 0 or diag(1, 1, 2).
    for a in (2.0 * np.eye(3), np.zeros((3, 3)), np.diag([1.0, 1.0, 2.0]), np.stack([np.eye(2), np.diag([3.0, 1.0])])):
        for ours_fn, theirs_fn in ((mg.linalg.eigvalsh, torch.linalg.eigvalsh),
                                   (lambda t: mg.linalg.eigh(t).eigenvalues,
                                    lambda t: torch.linalg.eigh(t).eigenvalues),
                                   (lambda t: mg.linalg.eigh(t, "U")[0], lambda t: torch.linalg.eigh(t, "U")[0])):
            x, tx = pair(a)
            weights = np.arange(1.0, a.shape[-1] + 1)
            (g,) = mg.grad((ours_fn(x) * mg.tensor(weights, dtype="float64")).sum(), [x])
            (tg,) = torch.autograd.grad((theirs_fn(tx) * torch.tensor(weights)).sum(), [tx])
            np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (2, 3, 2)])
def test_svd_matches_torch_through_sign_free_losses(shape):
    a = RNG.standard_normal(shape)
    x, tx = pair(a)
    ours = mg.linalg.svd(x, full_matrices=False)
    assert type(ours).__name__ == "svd" and ours._fields == ("U", "S", "Vh")

    def loss(lib):
        def f(t):
            r = (mg.linalg if lib is mg else torch.linalg).svd(t, full_matrices=False)
            cat = mg.concat if lib is mg else torch.cat
            return cat([(r.U ** 2).reshape(-1), (r.S * 3.0).reshape(-1), (r.Vh ** 3 * r.Vh).reshape(-1)], 0)
        return f

    agree(loss(mg), loss(torch), a, rtol=1e-8)
    agree(mg.linalg.svdvals, torch.linalg.svdvals, a)


@pytest.mark.parametrize("shape", [(4, 2), (2, 3), (3, 3)])
def test_svd_with_full_matrices_as_torch(shape):
    # U (m, m) and Vh (n, n); the gradient ignores the columns past min(m, n), as torch's does.
    a = RNG.standard_normal(shape)
    x = mg.tensor(a, dtype="float64")
    ours = mg.linalg.svd(x)
    assert ours.U.shape == (shape[0],) * 2 and ours.Vh.shape == (shape[1],) * 2
    np.testing.assert_allclose((ours.U[:, :len(ours.S)] * ours.S) @ ours.Vh[:len(ours.S)], a, rtol=1e-12, atol=1e-13)

    def loss(lib):
        def f(t):
            r = (mg.linalg if lib is mg else torch.linalg).svd(t)
            cat = mg.concat if lib is mg else torch.cat
            return cat([(r.U ** 2).reshape(-1), r.S, (r.Vh ** 2).reshape(-1)], 0)
        return f

    agree(loss(mg), loss(torch), a, rtol=1e-8, second=False)


# ------------------------------------------------------------------ norms and rank
@pytest.mark.parametrize("ord", ["fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf])
@pytest.mark.parametrize("dim, keepdim", [((-2, -1), False), ((0, 2), True), ((2, 1), False)])
def test_matrix_norm_matches_torch(ord, dim, keepdim):
    a = RNG.standard_normal((3, 4, 5))
    agree(lambda t: mg.linalg.matrix_norm(t, ord, dim, keepdim),
          lambda t: torch.linalg.matrix_norm(t, ord, dim, keepdim),
          a, second=ord not in (1, -1, np.inf, -np.inf))


@pytest.mark.parametrize("shape", [(3, 0), (0, 3), (0, 0), (2, 3, 0)])
@pytest.mark.parametrize("ord", [1, 2, math.inf, "fro", "nuc"])
def test_matrix_norm_of_empty_matrices_matches_torch(shape, ord):
    """ord 1, 2 and inf are the largest of nonnegative numbers, 0 over nothing as in torch; minigrad raised from
    amax for them."""
    x, tx = pair(np.zeros(shape))
    ours, theirs = mg.linalg.matrix_norm(x, ord), torch.linalg.matrix_norm(tx, ord)
    same(ours, theirs)
    ours.sum().backward()
    assert x.grad.shape == shape and x.grad.dtype == np.float64


@pytest.mark.parametrize("ord", [-1, -2, -math.inf])
def test_matrix_norm_of_an_empty_matrix_refuses_the_smallest_as_torch(ord):
    with pytest.raises(IndexError):
        torch.linalg.matrix_norm(torch.zeros(2, 0, 0), ord)
    with pytest.raises(ValueError, match=rf"^linalg\.matrix_norm: ord={ord:g} is the smallest of no values "
                                         r"for the empty matrices of a tensor of shape \(2, 0, 0\)"):
        mg.linalg.matrix_norm(mg.zeros(2, 0, 0), ord)


@pytest.mark.parametrize("ord", [2, 1, 3.5, 0.5, -1, -2.5, np.inf, -np.inf])
@pytest.mark.parametrize("dim, keepdim", [(None, False), (1, True), ((0, 2), False)])
def test_vector_norm_matches_torch(ord, dim, keepdim):
    a = RNG.standard_normal((3, 4, 5))
    agree(lambda t: mg.linalg.vector_norm(t, ord, dim, keepdim),
          lambda t: torch.linalg.vector_norm(t, ord, dim, keepdim),
          a, second=False)


@pytest.mark.parametrize("ord", [-1, -2.5, -0.5])
def test_vector_norm_of_negative_order_is_0_with_gradient_0_at_a_zero_entry_as_torch(ord):
    # (sum |x|^ord)^(1/ord) is 0 when an entry is 0; its gradient was inf * 0 = NaN there (torch: 0)
    a = np.array([[0.0, 1.5, -2.0], [0.5, -1.0, 3.0], [0.0, 0.0, 0.0]])
    agree(lambda t: mg.linalg.vector_norm(t, ord, 1), lambda t: torch.linalg.vector_norm(t, ord, 1), a, second=False)
    agree(lambda t: mg.linalg.vector_norm(t, ord), lambda t: torch.linalg.vector_norm(t, ord), a, second=False)


def test_vector_norm_of_order_0_counts_nonzeros_with_gradient_0():
    a = np.array([[0.0, 1.5, -2.0], [0.0, 0.0, 3.0]])
    x, tx = pair(a)
    ours, theirs = mg.linalg.vector_norm(x, 0, 1), torch.linalg.vector_norm(tx, 0, 1)
    same(ours, theirs)
    assert ours.requires_grad and theirs.requires_grad   # so vector_norm(x, 0).backward() runs, as torch's
    ours.sum().backward()
    theirs.sum().backward()
    assert tx.grad is None   # torch's backward gives no gradient at all: minigrad's is the zero it stands for
    assert x.grad.numpy().tolist() == np.zeros_like(a).tolist()


@pytest.mark.parametrize("ord, dim", [(None, None), (None, 1), (3, -1), ("fro", (0, 1)), ("nuc", None), (2, None),
                                      (-np.inf, (1, 0))])
def test_linalg_norm_matches_torch(ord, dim):
    a = RNG.standard_normal((4, 5))
    agree(lambda t: mg.linalg.norm(t, ord, dim), lambda t: torch.linalg.norm(t, ord, dim), a, second=False)


@pytest.mark.parametrize("name, call", [
    ("linalg.vector_norm", lambda L, t, d: L.linalg.vector_norm(t, 3, dim=1, dtype=d)),
    ("linalg.matrix_norm", lambda L, t, d: L.linalg.matrix_norm(t, 2, dtype=d)),
    ("linalg.norm", lambda L, t, d: L.linalg.norm(t, dtype=d)),
    ("norm", lambda L, t, d: L.norm(t, 1, dim=0, dtype=d)),
    ("norm", lambda L, t, d: t.norm(dtype=d))])
def test_norms_take_torchs_dtype(name, call):
    # dtype= was refused as an unexpected keyword: float32 in, the norm computed and returned in float64, the
    # gradient back in float32; a dtype the input does not widen into is refused, as by torch
    a = RNG.standard_normal((4, 5)).astype(np.float32)
    x, tx = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ours, theirs = call(mg, x, mg.float64), call(torch, tx, torch.float64)
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-7)
    for dtype in (mg.float16, mg.int64):
        with pytest.raises(TypeError, match=rf"^{re.escape(name)}: dtype must be a floating dtype that the input's "
                                            rf"dtype \(float32\) widens into, got dtype={np.dtype(dtype)}"):
            call(mg, x, dtype)


def test_matrix_rank_matches_torch():
    low = RNG.standard_normal((3, 5, 2)) @ RNG.standard_normal((3, 2, 4))     # rank 2
    for a, kwargs in ((low, {}), (well(4, 4), {}), (low, {"atol": 1e-8}), (well(3, 3), {"rtol": 0.5}),
                      (np.zeros((2, 3)), {})):
        ours, theirs = mg.linalg.matrix_rank(mg.tensor(a, dtype="float64"), **kwargs), \
            torch.linalg.matrix_rank(torch.tensor(a), **kwargs)
        assert ours.dtype == np.int64
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_matrix_rank_hermitian_reads_the_lower_triangle_as_torch():
    # |eigenvalues| of the symmetric matrix from the lower triangle, as torch; minigrad counted the singular values
    # of the whole matrix: rank 2 for [[1, 7], [1, 1]] (torch: 1) and 1 for [[1, 0], [7, 1]] with atol=2 (torch: 2).
    for a, kwargs in ((np.array([[1.0, 7.0], [1.0, 1.0]]), {}), (np.array([[1.0, 0.0], [7.0, 1.0]]), {"atol": 2.0}),
                      (np.triu(RNG.standard_normal((3, 4, 4))), {"rtol": 0.3})):
        ours = mg.linalg.matrix_rank(mg.tensor(a, dtype="float64"), hermitian=True, **kwargs)
        theirs = torch.linalg.matrix_rank(torch.tensor(a), hermitian=True, **kwargs)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


# ------------------------------------------------------------------ matrix products
PRODUCTS = {
    "mm": (mg.mm, torch.mm, [(3, 4), (4, 2)]),
    "bmm": (mg.bmm, torch.bmm, [(2, 3, 4), (2, 4, 5)]),
    "mv": (mg.mv, torch.mv, [(3, 4), (4,)]),
    "dot": (mg.dot, torch.dot, [(4,), (4,)]),
    "vdot": (mg.vdot, torch.vdot, [(4,), (4,)]),
    "inner": (mg.inner, torch.inner, [(2, 3, 4), (5, 4)]),
    "inner 0-d": (mg.inner, torch.inner, [(), (2, 3)]),
    "inner over nothing": (mg.inner, torch.inner, [(2, 0), (3, 0)]),
    "addmm": (lambda i, a, b: mg.addmm(i, a, b, beta=0.5, alpha=-2.0),
              lambda i, a, b: torch.addmm(i, a, b, beta=0.5, alpha=-2.0), [(2,), (3, 4), (4, 2)]),
    "addmv": (mg.addmv, torch.addmv, [(3,), (3, 4), (4,)]),
    "addr": (lambda i, a, b: mg.addr(i, a, b, alpha=3.0), lambda i, a, b: torch.addr(i, a, b, alpha=3.0),
             [(3, 1), (3,), (4,)]),
    "baddbmm": (mg.baddbmm, torch.baddbmm, [(3, 5), (2, 3, 4), (2, 4, 5)]),
    "addbmm": (lambda i, a, b: mg.addbmm(i, a, b, beta=2.0), lambda i, a, b: torch.addbmm(i, a, b, beta=2.0),
               [(3, 5), (2, 3, 4), (2, 4, 5)]),
    "kron": (mg.kron, torch.kron, [(2, 3), (3, 2)]),
    "kron of other ndims": (mg.kron, torch.kron, [(3,), (2, 1, 2)]),
    "cross": (lambda a, b: mg.cross(a, b, dim=1), lambda a, b: torch.cross(a, b, dim=1), [(2, 3, 4), (1, 3, 4)]),
    "linalg.cross": (mg.linalg.cross, torch.linalg.cross, [(4, 3), (4, 3)]),
    "multi_dot": (lambda *xs: mg.linalg.multi_dot(xs), lambda *xs: torch.linalg.multi_dot(xs),
                  [(6,), (6, 2), (2, 7), (7, 3)]),
    "multi_dot of matrices": (lambda *xs: mg.linalg.multi_dot(xs), lambda *xs: torch.linalg.multi_dot(xs),
                              [(3, 6), (6, 2), (2, 7)]),
}


@pytest.mark.parametrize("name", sorted(PRODUCTS))
def test_matrix_products_match_torch(name):
    fn, tfn, shapes = PRODUCTS[name]
    agree(fn, tfn, *[RNG.standard_normal(s) for s in shapes])


def test_addmm_with_beta_0_ignores_nan_in_the_input_as_torch():
    i = np.full((3, 2), np.nan)
    a, b = RNG.standard_normal((3, 4)), RNG.standard_normal((4, 2))
    ours = mg.addmm(mg.tensor(i, dtype="float64"), mg.tensor(a, dtype="float64"), mg.tensor(b, dtype="float64"), beta=0)
    same(ours, torch.addmm(torch.tensor(i), torch.tensor(a), torch.tensor(b), beta=0))


@pytest.mark.parametrize("n", [0, 1, 2, 5, -1, -3])
def test_matrix_power_matches_torch(n):
    if n == 0:   # the identity, still in the graph with gradient 0, as torch's (minigrad's was a constant)
        x, tx = pair(well(2, 3, 3))
        ours, theirs = x.matrix_power(0), torch.linalg.matrix_power(tx, 0)
        same(ours, theirs)
        assert ours.requires_grad and theirs.requires_grad
        ours.sum().backward()
        theirs.sum().backward()
        same(x.grad, tx.grad)
        assert not mg.linalg.matrix_power(mg.tensor(well(3, 3)), 0).requires_grad
        return
    agree(lambda t: t.matrix_power(n), lambda t: torch.linalg.matrix_power(t, n), well(2, 3, 3))


def test_matrix_power_1_is_a_copy_as_torchs():
    # matrix_power(a, 1) returned a itself, so a write into the result changed a
    a = mg.tensor(well(3, 3), dtype="float64")
    before = a.numpy().copy()
    p = mg.linalg.matrix_power(a, 1)
    assert p is not a
    p[0, 0] = 100.0
    np.testing.assert_array_equal(a.numpy(), before)


def test_tensor_methods_for_products_match_torch():
    a, b, v = RNG.standard_normal((3, 4)), RNG.standard_normal((4, 2)), RNG.standard_normal(4)
    agree(lambda x, y: x.mm(y), lambda x, y: x.mm(y), a, b)
    agree(lambda x, y: x.mv(y), lambda x, y: x.mv(y), a, v)
    agree(lambda x, y: x.dot(y), lambda x, y: x.dot(y), v, v[::-1].copy())
    agree(lambda x, y: x.kron(y), lambda x, y: x.kron(y), a, b)
    agree(lambda i, x, y: i.addmm(x, y), lambda i, x, y: i.addmm(x, y), RNG.standard_normal((3, 2)), a, b)


@pytest.mark.parametrize("call, message", [
    (lambda: mg.mm(mg.ones((2, 3)), mg.ones((2, 3))), r"^mm: expects two 2-D tensors \(n, k\) and \(k, m\), got "
                                                      r"shapes \(2, 3\) and \(2, 3\)$"),
    (lambda: mg.mm(mg.ones((2, 3, 1)), mg.ones((1, 3))), r"^mm: expects two 2-D tensors"),
    (lambda: mg.bmm(mg.ones((2, 3, 4)), mg.ones((3, 4, 5))), r"^bmm: expects two 3-D tensors \(B, n, k\) and "
                                                             r"\(B, k, m\), got shapes \(2, 3, 4\) and \(3, 4, 5\)$"),
    (lambda: mg.bmm(mg.ones((3, 4)), mg.ones((4, 5))), r"^bmm: expects two 3-D tensors"),
    (lambda: mg.dot(mg.ones((3,)), mg.ones((4,))), r"^dot: expects two 1-D tensors of the same length, got shapes "
                                                   r"\(3,\) and \(4,\)$"),
    (lambda: mg.dot(mg.ones((3, 1)), mg.ones((3, 1))), r"^dot: expects two 1-D tensors"),
    (lambda: mg.mv(mg.ones((3, 4)), mg.ones((3,))), r"^mv: expects a 2-D tensor \(n, m\) and a 1-D tensor \(m,\)"),
    (lambda: mg.inner(mg.ones((3, 4)), mg.ones((3,))), r"^inner: expects tensors whose last dims match"),
    (lambda: mg.addmm(mg.ones((4,)), mg.ones((3, 4)), mg.ones((4, 2))), r"^addmm: expects an input that broadcasts "
                                                                         r"to the product's shape \(3, 2\), got "
                                                                         r"shapes \(4,\)$"),
    (lambda: mg.cross(mg.ones((2, 4)), mg.ones((2, 4))), r"^cross: expects a dim of size 3"),
    (lambda: mg.linalg.matrix_power(mg.ones((2, 3)), 2), r"^matrix_power: expects square matrices"),
    (lambda: mg.linalg.multi_dot([mg.ones((2, 3))]), r"^multi_dot: expects at least 2 tensors, got 1$"),
    (lambda: mg.linalg.multi_dot([mg.ones((2, 3)), mg.ones((2, 3))]), r"^multi_dot: tensors 0 and 1 cannot be "
                                                                      r"multiplied: shapes \(2, 3\) and \(2, 3\)$"),
    (lambda: mg.linalg.det(mg.ones((2, 3))), r"^linalg\.det: expects square matrices of shape \(\.\.\., n, n\), got "
                                             r"shape \(2, 3\)$"),
    (lambda: mg.linalg.inv(mg.zeros((2, 2))), r"^Inv: Singular matrix \(input shapes \(2, 2\)\)$"),
    (lambda: mg.linalg.solve(mg.eye(3), mg.ones((4, 2))), r"^linalg\.solve: B must have 3 rows to match A, got "
                                                          r"shapes \(3, 3\) and \(4, 2\)$"),
    (lambda: mg.linalg.cholesky(-mg.eye(2)), r"^Cholesky: the input is not symmetric positive-definite \(input "
                                             r"shapes \(2, 2\)\)$"),
    (lambda: mg.linalg.qr(mg.ones((3, 4)), mode="full"), r"^linalg\.qr: mode must be 'reduced', 'complete' or 'r', "
                                                         r"got mode='full'$"),
    (lambda: mg.linalg.eigh(mg.eye(2), UPLO="X"), r"^linalg\.eigh: UPLO must be 'L' or 'U', got UPLO='X'$"),
    (lambda: mg.linalg.matrix_norm(mg.ones((2, 3)), 3), r"^linalg\.matrix_norm: ord must be one of 'fro', 'nuc'"),
    (lambda: mg.linalg.norm(mg.ones((3,)), "fro"), r"^linalg\.norm: ord='fro' is a matrix norm, but the input is "
                                                   r"1-D$"),
    (lambda: mg.linalg.pinv(mg.ones((2, 3)), hermitian=True), r"^linalg\.pinv: hermitian=True expects square "
                                                              r"matrices, got shape \(2, 3\)$"),
    # a B that torch reads as a vector (1-D, or A's batch shape plus n) is a column: X A = B has no solution shape.
    # minigrad read the transposed B instead, giving (2, 2, 3) for A (2, 3, 3) and B (2, 3).
    (lambda: mg.linalg.solve(mg.eye(3) + mg.ones((2, 3, 3)), mg.ones((2, 3)), left=False),
     r"^linalg\.solve: B of shape \(2, 3\) is read as a vector \(a column\), which cannot be the right side of "
     r"X A = B \(left=False\); A has shape \(2, 3, 3\)$"),
    (lambda: mg.linalg.solve(mg.eye(3) + mg.ones((3, 3, 3)), mg.ones((3, 3)), left=False),
     r"^linalg\.solve: B of shape \(3, 3\) is read as a vector"),
    (lambda: mg.linalg.solve(mg.eye(3), mg.ones(3), left=False), r"^linalg\.solve: B of shape \(3,\) is read as a "
                                                                 r"vector"),
    (lambda: mg.linalg.solve_ex(mg.eye(3) + mg.ones((2, 3, 3)), mg.ones((2, 3)), left=False),
     r"^linalg\.solve: B of shape \(2, 3\) is read as a vector"),
    # B (3, 2) has 2 columns, not A's 3: its transpose (2, 3) was read as A's batch of vectors, giving (3, 2)
    (lambda: mg.linalg.solve(mg.eye(3) + mg.ones((2, 3, 3)), mg.ones((3, 2)), left=False),
     r"^linalg\.solve: B must have 3 columns to match A in X A = B \(left=False\), got shapes \(2, 3, 3\) and "
     r"\(3, 2\)$"),
    (lambda: mg.linalg.solve(mg.eye(3), mg.ones((3, 2)), left=False), r"^linalg\.solve: B must have 3 columns"),
])
def test_shape_and_value_errors_name_the_op_and_shapes(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("call, message", [
    (lambda: mg.linalg.pinv(mg.eye(2), rtol=mg.tensor([0.1, 0.2])), r"^linalg\.pinv: rtol must be a real number"),
    (lambda: mg.linalg.pinv(mg.eye(2), atol=[0.1]), r"^linalg\.pinv: atol must be a real number"),
    (lambda: mg.linalg.matrix_rank(mg.eye(2), atol=mg.ones(2)), r"^linalg\.matrix_rank: atol must be a real number"),
])
def test_a_tolerance_per_matrix_is_refused_naming_the_op(call, message):
    # torch takes tensors of tolerances (one per matrix); minigrad's are numbers (a 0-d tensor too)
    with pytest.raises(TypeError, match=message):
        call()
    np.testing.assert_allclose(mg.linalg.pinv(mg.eye(2), atol=mg.tensor(0.5)).numpy(), np.eye(2))


def test_torch_refuses_the_same_shapes():
    for bad in (lambda: torch.mm(torch.ones(2, 3), torch.ones(2, 3)), lambda: torch.bmm(torch.ones(3, 4),
                torch.ones(4, 5)), lambda: torch.dot(torch.ones(3), torch.ones(4)),
                lambda: torch.linalg.inv(torch.zeros(2, 2)), lambda: torch.linalg.cholesky(-torch.eye(2))):
        with pytest.raises(RuntimeError):
            bad()


@pytest.mark.parametrize("shape", [(2, 4), (2, 3, 5), (3, 3)])
def test_qr_of_a_wide_matrix_is_differentiable_as_torch(shape):
    # the backward of a wide (m < n) QR raised "the gradient is implemented for m >= n"; torch differentiates it
    a = RNG.standard_normal(shape)
    for mode in ("reduced", "complete"):   # the same factorization for m <= n
        agree(lambda t: mg.linalg.qr(t, mode=mode).Q, lambda t: torch.linalg.qr(t, mode=mode).Q, a)
        agree(lambda t: mg.linalg.qr(t, mode=mode).R, lambda t: torch.linalg.qr(t, mode=mode).R, a)
    x = mg.tensor(a, dtype="float64", requires_grad=True)
    assert mg.gradcheck(lambda t: mg.linalg.qr(t), (x,)) and mg.gradgradcheck(lambda t: mg.linalg.qr(t), (x,))


@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 2), (3, 5), (3, 3), (0, 3), (3, 0)])
@pytest.mark.parametrize("mode", ["complete", "r"])
def test_qr_modes_complete_and_r_match_torch(shape, mode):
    # only mode='reduced' existed
    x, tx = pair(RNG.standard_normal(shape), requires_grad=False)
    ours, theirs = mg.linalg.qr(x, mode=mode), torch.linalg.qr(tx, mode=mode)
    assert type(ours).__name__ == "qr"
    same(ours.Q, theirs.Q)   # 'r': an empty (0,) Q, as torch's
    same(ours.R, theirs.R)
    if mode == "complete" and shape[-2] > shape[-1]:   # the extra columns complete an orthonormal basis
        q = ours.Q.numpy()
        np.testing.assert_allclose(q @ np.swapaxes(q, -1, -2), np.broadcast_to(np.eye(shape[-2]), q.shape), atol=1e-14)


def test_qr_gradients_torch_does_not_have_are_refused_clearly():
    x = mg.tensor(RNG.standard_normal((4, 3)), dtype="float64", requires_grad=True)
    with pytest.raises(ValueError, match=r"^linalg\.qr: mode='r' computes no Q, which the gradient needs \(input shape "
                                         r"\(4, 3\)\); use mode='reduced' to differentiate, as torch$"):
        mg.linalg.qr(x, mode="r").R.sum().backward()
    with pytest.raises(ValueError, match=r"^linalg\.qr: mode='complete' has no gradient for m > n \(input shape "
                                         r"\(4, 3\)\)"):
        mg.linalg.qr(x, mode="complete").R.sum().backward()
    tx = torch.tensor(x.numpy(), requires_grad=True)
    for mode in ("r", "complete"):
        with pytest.raises(RuntimeError):
            torch.linalg.qr(tx, mode=mode).R.sum().backward()


def test_float32_stays_float32():
    a = mg.tensor(well(2, 3, 3).astype(np.float32), requires_grad=True)
    outs = [mg.linalg.det(a), mg.linalg.inv(a), mg.linalg.slogdet(a).logabsdet, mg.linalg.solve(a, a[0]),
            mg.linalg.cholesky(a @ mg.transpose(a, 0, 2, 1)), mg.linalg.qr(a).R, mg.linalg.eigh(a).eigenvalues,
            mg.linalg.svdvals(a),
            mg.linalg.pinv(a), mg.linalg.matrix_norm(a, "nuc"), mg.linalg.vector_norm(a, 3), a.matrix_power(3),
            mg.kron(a[0], a[1]), mg.bmm(a, a)]
    for out in outs:
        assert out.dtype == np.float32
    sum(o.sum() for o in outs).backward()
    assert a.grad.dtype == np.float32 and np.all(np.isfinite(a.grad.numpy()))
