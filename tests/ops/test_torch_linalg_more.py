"""More of ``torch.linalg`` and the legacy linear-algebra names, checked against torch itself in float64.

Values, gradients and second derivatives (create_graph) of solve_triangular, triangular_solve, cholesky_solve,
cholesky_inverse, matrix_exp, the LU family, lstsq, the ``_ex`` variants, tensorinv/tensorsolve, cond, vecdot,
linalg.diagonal, torch.svd/qr/ger, geqrf/householder_product/orgqr/ormqr, on well-conditioned matrices; the result
types, dtypes and error cases.
"""
import numpy as np
import pytest
import torch

import minigrad as mg
from torch_agreement import pair, same

RNG = np.random.default_rng(4242)
pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated:UserWarning")   # torch's legacy names warn


def near3(*shape):
    """Square matrices near 3 I: invertible, well-conditioned, LU pivots far from 0."""
    return RNG.standard_normal(shape) * 0.5 + 3.0 * np.eye(shape[-1])


def spd(*shape):
    a = RNG.standard_normal(shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def agree(fn, tfn, *arrays, rtol=1e-10, second=True):
    """Values, gradients and the gradient of <u, gradient> agree with torch's for every input."""
    xs, ts = zip(*[pair(a) for a in arrays])
    y, ty = fn(*xs), tfn(*ts)
    same(y, ty, rtol=rtol)
    cot = RNG.standard_normal(tuple(ty.shape))
    gx = mg.grad((y * mg.tensor(cot, dtype="float64")).sum(), list(xs), create_graph=second, allow_unused=True)
    gt = torch.autograd.grad((ty * torch.tensor(cot)).sum(), list(ts), create_graph=second, allow_unused=True)
    for a, b, array in zip(gx, gt, arrays):   # no gradient: None in one, zeros in the other
        a = np.zeros(np.shape(array)) if a is None else a.numpy()
        b = np.zeros(np.shape(array)) if b is None else b.detach().numpy()
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-11)
    live = [i for i, (a, b) in enumerate(zip(gx, gt)) if a is not None and a.requires_grad and b.requires_grad]
    if not second or not live:
        return
    us = [RNG.standard_normal(a.shape) for a in arrays]
    hx = mg.grad(sum((gx[i] * mg.tensor(us[i], dtype="float64")).sum() for i in live), list(xs), allow_unused=True)
    ht = torch.autograd.grad(sum((gt[i] * torch.tensor(us[i])).sum() for i in live), list(ts), allow_unused=True)
    for a, b, array in zip(hx, ht, arrays):
        a = np.zeros(np.shape(array)) if a is None else a.numpy()
        b = np.zeros(np.shape(array)) if b is None else b.detach().numpy()
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


# ------------------------------------------------------------------ triangular solves
@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unitriangular", [False, True])
def test_solve_triangular_matches_torch(upper, left, unitriangular):
    b = RNG.standard_normal((2, 3, 2) if left else (2, 2, 3))
    agree(lambda a, b: mg.linalg.solve_triangular(a, b, upper=upper, left=left, unitriangular=unitriangular),
          lambda a, b: torch.linalg.solve_triangular(a, b, upper=upper, left=left, unitriangular=unitriangular),
          near3(2, 3, 3), b)


def test_solve_triangular_broadcasts_batches_as_torch():
    agree(lambda a, b: mg.linalg.solve_triangular(a, b, upper=False),
          lambda a, b: torch.linalg.solve_triangular(a, b, upper=False), near3(3, 3), RNG.standard_normal((2, 3, 4)))


@pytest.mark.parametrize("upper, transpose, unitriangular", [(True, False, False), (False, True, False),
                                                            (True, True, True)])
def test_triangular_solve_matches_torch(upper, transpose, unitriangular):
    a, b = near3(2, 3, 3), RNG.standard_normal((2, 3, 2))
    for i in range(2):
        agree(lambda b, a: mg.triangular_solve(b, a, upper, transpose, unitriangular)[i],
              lambda b, a: torch.triangular_solve(b, a, upper, transpose, unitriangular)[i], b, a)
    x, tx = pair(a)
    ours = mg.triangular_solve(mg.tensor(b, dtype="float64"), x)
    assert type(ours).__name__ == "triangular_solve" and ours._fields == ("solution", "cloned_coefficient")
    agree(lambda b, a: b.triangular_solve(a, upper=False).solution,
          lambda b, a: b.triangular_solve(a, upper=False).solution, b, a)


def test_triangular_solve_clones_a_broadcast_to_the_batch_as_torch():
    # torch's cloned_coefficient has the broadcast batch shape; minigrad's was A's own shape, (3, 3) for (2, 3, 3)
    a, b = near3(3, 3), RNG.standard_normal((2, 3, 2))
    agree(lambda b, a: mg.triangular_solve(b, a).cloned_coefficient,
          lambda b, a: torch.triangular_solve(b, a).cloned_coefficient, b, a)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_and_inverse_match_torch(upper):
    a = spd(2, 3, 3)
    factor = np.linalg.cholesky(a)
    factor = np.swapaxes(factor, -1, -2) if upper else factor
    b = RNG.standard_normal((2, 3, 2))
    # torch's L-gradient is that of the full factor (nonzero off the triangle): ours too.
    agree(lambda b, l: mg.cholesky_solve(b, l, upper), lambda b, l: torch.cholesky_solve(b, l, upper), b, factor)
    agree(lambda b, l: b.cholesky_solve(l, upper), lambda b, l: b.cholesky_solve(l, upper), b, factor)
    agree(lambda l: mg.cholesky_inverse(l, upper), lambda l: torch.cholesky_inverse(l, upper), factor)
    agree(lambda l: l.cholesky_inverse(upper), lambda l: l.cholesky_inverse(upper), factor[0])
    x = mg.tensor(a, dtype="float64")
    np.testing.assert_allclose(mg.cholesky_inverse(mg.tensor(factor, dtype="float64"), upper).numpy(),
                               np.linalg.inv(x.numpy()), rtol=1e-12)


def test_cholesky_solve_through_cholesky_matches_torch():
    agree(lambda a, b: mg.cholesky_solve(b, mg.linalg.cholesky(a)),
          lambda a, b: torch.cholesky_solve(b, torch.linalg.cholesky(a)), spd(3, 3), RNG.standard_normal((3, 2)))


# ------------------------------------------------------------------ matrix exponential
@pytest.mark.parametrize("scale", [0.01, 0.7, 3.0, 12.0])
def test_matrix_exp_matches_torch(scale):
    a = RNG.standard_normal((2, 3, 3)) * scale
    rtol = 1e-10 if scale < 10 else 1e-9           # e^12|A| squared s = 6 times: rounding grows with it
    agree(mg.linalg.matrix_exp, torch.linalg.matrix_exp, a, rtol=rtol)
    agree(lambda t: t.matrix_exp(), lambda t: t.matrix_exp(), a[0], rtol=rtol)


def test_matrix_exp_of_a_batch_with_different_norms_and_known_values():
    # Each matrix is squared its own number of times: exp of a nilpotent and of a diagonal matrix are exact.
    nil = np.array([[0.0, 1.0], [0.0, 0.0]])
    diag = np.diag([5.0, -2.0])
    out = mg.linalg.matrix_exp(mg.tensor(np.stack([nil * 0.5, diag, np.zeros((2, 2))]), dtype="float64")).numpy()
    np.testing.assert_allclose(out[0], [[1.0, 0.5], [0.0, 1.0]], rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(out[1], np.diag(np.exp([5.0, -2.0])), rtol=1e-13, atol=1e-15)
    np.testing.assert_array_equal(out[2], np.eye(2))
    assert mg.linalg.matrix_exp(mg.zeros((0, 0), dtype="float64")).shape == (0, 0)


# ------------------------------------------------------------------ LU
@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3), (5, 3), (2, 3, 5)])
def test_lu_factor_and_lu_match_torch(shape):
    a = RNG.standard_normal(shape)
    x, tx = pair(a)
    ours, theirs = mg.linalg.lu_factor(x), torch.linalg.lu_factor(tx)
    assert type(ours).__name__ == "linalg_lu_factor" and ours._fields == ("LU", "pivots")
    assert ours.pivots.dtype == np.int32
    np.testing.assert_array_equal(ours.pivots.numpy(), theirs.pivots.numpy())
    agree(lambda t: mg.linalg.lu_factor(t).LU, lambda t: torch.linalg.lu_factor(t).LU, a)
    p, tp = mg.linalg.lu(x).P, torch.linalg.lu(tx).P
    same(p, tp)
    assert not p.requires_grad
    agree(lambda t: mg.linalg.lu(t).L, lambda t: torch.linalg.lu(t).L, a)
    agree(lambda t: mg.linalg.lu(t).U, lambda t: torch.linalg.lu(t).U, a)
    for i, part in enumerate(torch.lu_unpack(*theirs)):
        same(mg.lu_unpack(*ours)[i], part)



@pytest.mark.parametrize("shape", [(0, 0), (0, 3), (3, 0), (2, 0, 0), (0, 3, 3), (2, 0, 3)])
def test_lu_factor_and_lu_of_empty_matrices_match_torch(shape):
    """NumPy refused to reshape an empty input into (-1, m, n) before the factorisation loop."""
    x, tx = pair(np.zeros(shape))
    ours, theirs = mg.linalg.lu_factor(x), torch.linalg.lu_factor(tx)
    same(ours.LU, theirs.LU)
    assert ours.pivots.shape == tuple(theirs.pivots.shape) and ours.pivots.dtype == np.int32
    for o, t in zip(mg.linalg.lu(x), torch.linalg.lu(tx)):
        same(o, t)
    info = mg.linalg.lu_factor_ex(x).info
    assert info.shape == shape[:-2] and info.dtype == np.int32
    (mg.linalg.lu(x).L.sum() + mg.linalg.lu(x).U.sum() + ours.LU.sum()).backward()
    assert x.grad.shape == shape and x.grad.dtype == np.float64


def test_lu_unpack_without_data_or_pivots_gives_empty_tensors_as_torch():
    a = near3(3, 3)
    lu_, piv = mg.linalg.lu_factor(mg.tensor(a, dtype="float64"))
    tlu, tpiv = torch.linalg.lu_factor(torch.tensor(a))
    for kw in ({"unpack_data": False}, {"unpack_pivots": False}):
        ours, theirs = mg.lu_unpack(lu_, piv, **kw), torch.lu_unpack(tlu, tpiv, **kw)
        assert type(ours).__name__ == "lu_unpack"
        for o, t in zip(ours, theirs):
            same(o, t)


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
def test_lu_solve_matches_torch(left, adjoint):
    b = RNG.standard_normal((2, 3, 4) if left else (2, 4, 3))
    agree(lambda a, b: mg.linalg.lu_solve(*mg.linalg.lu_factor(a), b, left=left, adjoint=adjoint),
          lambda a, b: torch.linalg.lu_solve(*torch.linalg.lu_factor(a), b, left=left, adjoint=adjoint),
          RNG.standard_normal((2, 3, 3)), b)


def test_legacy_lu_and_lu_solve_match_torch():
    a, b = RNG.standard_normal((3, 3)), RNG.standard_normal((3, 2))
    x, tx = pair(a)
    ours, theirs = mg.lu(x), torch.lu(tx)
    assert type(ours) is tuple and len(ours) == 2
    same(ours[0], theirs[0])
    np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())
    ours, theirs = x.lu(get_infos=True), tx.lu(get_infos=True)
    assert len(ours) == 3 and ours[2].dtype == np.int32 and int(ours[2]) == int(theirs[2]) == 0
    agree(lambda b, a: mg.lu_solve(b, *mg.lu(a)), lambda b, a: torch.lu_solve(b, *torch.lu(a)), b, a)
    agree(lambda b, a: b.lu_solve(*a.lu()), lambda b, a: b.lu_solve(*a.lu()), b, a)


def test_lu_factor_ex_reports_singular_matrices_as_torch():
    a = np.stack([np.eye(3), [[1.0, 2, 3], [2, 4, 6], [1, 0, 1]], np.zeros((3, 3))])
    ours, theirs = mg.linalg.lu_factor_ex(mg.tensor(a, dtype="float64")), torch.linalg.lu_factor_ex(torch.tensor(a))
    assert type(ours).__name__ == "linalg_lu_factor_ex"
    for o, t in zip(ours, theirs):
        same(o, t)
    with pytest.raises(ValueError, match=r"^linalg\.lu_factor: \(Batch element 1\): U\[3,3\] is zero and using it "
                                         r"on lu_solve would result in a division by zero"):
        mg.linalg.lu_factor(mg.tensor(a, dtype="float64"))
    with pytest.raises(RuntimeError, match=r"\(Batch element 1\): U\[3,3\] is zero"):
        torch.linalg.lu_factor(torch.tensor(a))
    # lu factorizes singular matrices too, as torch's
    for o, t in zip(mg.linalg.lu(mg.tensor(a, dtype="float64")), torch.linalg.lu(torch.tensor(a))):
        same(o, t)


# ------------------------------------------------------------------ least squares
@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelsd", "gelss"])
@pytest.mark.parametrize("a_shape, b_shape", [((5, 3), (5, 2)), ((2, 4, 2), (2, 4, 3)), ((2, 5, 3), (2, 5)),
                                              ((3, 5), (3, 2))])
def test_lstsq_matches_torch(driver, a_shape, b_shape):
    a, b = RNG.standard_normal(a_shape), RNG.standard_normal(b_shape)
    ours = mg.linalg.lstsq(mg.tensor(a, dtype="float64"), mg.tensor(b, dtype="float64"), driver=driver)
    theirs = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver=driver)
    assert type(ours).__name__ == "linalg_lstsq"
    assert ours._fields == ("solution", "residuals", "rank", "singular_values")
    for o, t in zip(ours, theirs):
        same(o, t, rtol=1e-10)
    agree(lambda a, b: mg.linalg.lstsq(a, b, driver=driver).solution,
          lambda a, b: torch.linalg.lstsq(a, b, driver=driver).solution, a, b)
    if theirs.residuals.numel():
        agree(lambda a, b: mg.linalg.lstsq(a, b, driver=driver).residuals,
              lambda a, b: torch.linalg.lstsq(a, b, driver=driver).residuals, a, b)


def test_lstsq_gels_ignores_rcond_as_torch():
    # gels assumes full rank and takes no rcond (torch ignores it); minigrad dropped the small singular value,
    # giving -0.00026 where torch's solution has 337.75 for a column scaled by 1e-3.
    a = RNG.standard_normal((5, 3)) * np.array([1.0, 1.0, 1e-3])
    b = RNG.standard_normal((5, 2))
    agree(lambda a, b: mg.linalg.lstsq(a, b, rcond=0.5, driver="gels").solution,
          lambda a, b: torch.linalg.lstsq(a, b, rcond=0.5, driver="gels").solution, a, b, rtol=1e-8)
    ours = mg.linalg.lstsq(mg.tensor(a, dtype="float64"), mg.tensor(b, dtype="float64"), rcond=0.5, driver="gels")
    theirs = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), rcond=0.5, driver="gels")
    same(ours.residuals, theirs.residuals, rtol=1e-8)


# ------------------------------------------------------------------ the _ex variants
def test_inv_ex_solve_ex_cholesky_ex_match_torch_when_they_succeed():
    a, b = near3(2, 3, 3), RNG.standard_normal((2, 3, 2))
    agree(lambda t: mg.linalg.inv_ex(t).inverse, lambda t: torch.linalg.inv_ex(t).inverse, a)
    agree(lambda a, b: mg.linalg.solve_ex(a, b).result, lambda a, b: torch.linalg.solve_ex(a, b).result, a, b)
    s = spd(2, 3, 3)
    agree(lambda t: mg.linalg.cholesky_ex(t, upper=True).L, lambda t: torch.linalg.cholesky_ex(t, upper=True).L, s)
    x = mg.tensor(s, dtype="float64")
    for ours, name in ((mg.linalg.inv_ex(x), "linalg_inv_ex"), (mg.linalg.solve_ex(x, x), "linalg_solve_ex"),
                       (mg.linalg.cholesky_ex(x), "linalg_cholesky_ex")):
        assert type(ours).__name__ == name
        assert ours.info.dtype == np.int32 and ours.info.shape == (2,) and not ours.info.numpy().any()


def test_ex_variants_report_failures_in_info_as_torch():
    sing = np.stack([np.eye(2), [[1.0, 2.0], [2.0, 4.0]]])
    x, tx = pair(sing, requires_grad=False)
    for ours, theirs in ((mg.linalg.inv_ex(x), torch.linalg.inv_ex(tx)),
                         (mg.linalg.solve_ex(x, x[0]), torch.linalg.solve_ex(tx, tx[0]))):
        same(ours.info, theirs.info)
        same(ours[0][0], theirs[0][0])                  # the invertible matrix's result
        assert np.isnan(ours[0].numpy()[1]).all()      # the singular one's: NaN (torch: inf/NaN)
    notpd = np.stack([np.eye(3), -np.eye(3), np.diag([1.0, 1.0, -1.0]), [[1.0, 2, 0], [2, 1, 0], [0, 0, 1]]])
    ours, theirs = mg.linalg.cholesky_ex(mg.tensor(notpd, dtype="float64")), torch.linalg.cholesky_ex(
        torch.tensor(notpd))
    same(ours.info, theirs.info)
    same(ours.L, theirs.L)   # the failed matrices' too: LAPACK's partial factor, which used to be NaN here
    with pytest.raises(ValueError, match=r"^linalg\.inv_ex: \(Batch element 1\): The diagonal element 2 is zero"):
        mg.linalg.inv_ex(x, check_errors=True)
    with pytest.raises(ValueError, match=r"^Cholesky: the input is not symmetric positive-definite"):
        mg.linalg.cholesky_ex(mg.tensor(notpd, dtype="float64"), check_errors=True)


@pytest.mark.parametrize("n", [1, 4, 12, 60])
@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("dtype", ["float64", "complex128"])
def test_cholesky_ex_gives_torchs_partial_factor_of_a_matrix_that_is_not_positive_definite(n, upper, dtype):
    rng = np.random.default_rng(n)
    b = rng.standard_normal((n, n)) + (1j * rng.standard_normal((n, n)) if dtype == "complex128" else 0)
    spd = b @ b.conj().T + np.eye(n)
    batch = np.stack([spd, spd, spd])
    batch[1, n // 2, n // 2] -= 4 * n * np.abs(spd).max()   # the minor of order n // 2 + 1 fails
    batch[2, 0, 0] = -1.0                                    # the first one
    unread = np.triu_indices(n, 1) if not upper else np.tril_indices(n, -1)
    batch[1][unread] = 7.0                                   # the triangle LAPACK does not read
    x = mg.tensor(batch, dtype=dtype, requires_grad=True)
    ours, theirs = mg.linalg.cholesky_ex(x, upper=upper), torch.linalg.cholesky_ex(torch.tensor(batch), upper=upper)
    np.testing.assert_array_equal(ours.info.numpy(), theirs.info.numpy())
    assert ours.info.numpy()[1:].tolist() == [n // 2 + 1, 1]
    np.testing.assert_allclose(ours.L.numpy(), theirs.L.numpy(), rtol=1e-12, atol=1e-12 * np.abs(batch).max())
    if dtype == "float64":   # the factorized matrix has cholesky's gradient; the failed ones none
        ours.L.sum().backward()
        assert np.all(x.grad.numpy()[1:] == 0) and np.any(x.grad.numpy()[0] != 0)


# ------------------------------------------------------------------ tensorinv, tensorsolve, cond, vecdot, diagonal
def test_tensorinv_and_tensorsolve_match_torch():
    a = near3(6, 6)
    agree(lambda t: mg.linalg.tensorinv(t), lambda t: torch.linalg.tensorinv(t), a.reshape(2, 3, 6))
    agree(lambda t: mg.linalg.tensorinv(t, 1), lambda t: torch.linalg.tensorinv(t, 1), a.reshape(6, 3, 2))
    b = RNG.standard_normal((2, 3))
    agree(mg.linalg.tensorsolve, torch.linalg.tensorsolve, a.reshape(2, 3, 6), b)
    agree(lambda a, b: mg.linalg.tensorsolve(a, b, dims=(0,)), lambda a, b: torch.linalg.tensorsolve(a, b, dims=(0,)),
          a.reshape(6, 2, 3), b)


@pytest.mark.parametrize("p", [None, 2, -2, "nuc"])
def test_cond_from_singular_values_matches_torch(p):
    agree(lambda t: mg.linalg.cond(t, p), lambda t: torch.linalg.cond(t, p), near3(2, 3, 3))
    if p != "nuc":
        agree(lambda t: mg.linalg.cond(t, p), lambda t: torch.linalg.cond(t, p), RNG.standard_normal((4, 3)))


@pytest.mark.parametrize("p", ["fro", 1, -1, np.inf, -np.inf])
def test_cond_from_norms_matches_torch_values(p):
    # torch 2.13 cannot differentiate these (its backward fails: inv_ex's output modified in place); ours is
    # gradchecked in tests/op_registry.py.
    a = near3(2, 3, 3)
    x, tx = pair(a)
    same(mg.linalg.cond(x, p), torch.linalg.cond(tx, p), rtol=1e-12)
    sing = mg.tensor([[1.0, 2.0], [2.0, 4.0]], dtype="float64")
    same(mg.linalg.cond(sing, p), torch.linalg.cond(torch.tensor(sing.numpy()), p))       # inf, as torch


@pytest.mark.parametrize("p", [None, 2, -2, "nuc", "fro", 1, -1, np.inf, -np.inf])
@pytest.mark.parametrize("shape", [(0, 0), (2, 0, 0), (0, 3), (2, 3, 0)])
def test_cond_of_empty_matrices_is_0_as_torch(p, shape):
    # the s_max / s_min of no singular values indexed past the end: IndexError (torch: 0 for each empty matrix)
    x, tx = pair(np.zeros(shape), requires_grad=False)
    if p in (None, 2, -2) or shape[-1] == shape[-2]:
        same(mg.linalg.cond(x, p), torch.linalg.cond(tx, p))
    else:
        with pytest.raises(ValueError, match=rf"^linalg\.cond\(ord={p}\): A must be batches of square matrices, "
                                             rf"but they are {shape[-2]} by {shape[-1]} matrices$"):
            mg.linalg.cond(x, p)


@pytest.mark.parametrize("shape, N", [((2, 4), None), ((3,), 5), ((2, 1, 3), 2), ((), 3), ((2, 0), 2)])
def test_linalg_vander_matches_torch(shape, N):
    # minigrad.linalg had no vander (only the 1-D, decreasing minigrad.vander)
    a = RNG.standard_normal(shape)
    a.flat[:1] = 0.0   # x = 0: the x^0 column has no gradient, the running product keeps x^1's exact
    agree(lambda t: mg.linalg.vander(t, N=N), lambda t: torch.linalg.vander(t, N=N), a)
    x = mg.tensor(a, dtype="float64", requires_grad=True)
    assert mg.gradcheck(lambda t: mg.linalg.vander(t, N=N), (x,))
    assert mg.linalg.vander(mg.tensor(a.astype(np.float32)), N=N).dtype == np.float32


def test_linalg_vander_of_integers_and_bad_arguments_as_torch():
    same(mg.linalg.vander(mg.tensor([1, 2, 3])), torch.linalg.vander(torch.tensor([1, 2, 3])))   # int64
    for bad in (lambda L: L.linalg.vander(L.ones(3), N=1), lambda L: L.linalg.vander(L.tensor(2.0))):
        with pytest.raises(RuntimeError, match="N must be greater than 1"):
            bad(torch)
        with pytest.raises(ValueError, match=r"^linalg\.vander: N must be an int greater than 1, got N=1 "):
            bad(mg)
    with pytest.raises(TypeError, match=r"^linalg\.vander: expects a floating or integer tensor, got dtype bool$"):
        mg.linalg.vander(mg.tensor([True, False]))
    with pytest.raises(TypeError):   # N is keyword-only, as torch's
        mg.linalg.vander(mg.ones(3), 3)


def test_vecdot_and_linalg_diagonal_match_torch():
    agree(mg.linalg.vecdot, torch.linalg.vecdot, RNG.standard_normal((2, 3)), RNG.standard_normal(3))
    agree(lambda x, y: mg.linalg.vecdot(x, y, dim=0), lambda x, y: torch.linalg.vecdot(x, y, dim=0),
          RNG.standard_normal((3, 2)), RNG.standard_normal((3, 1)))
    agree(mg.linalg.diagonal, torch.linalg.diagonal, RNG.standard_normal((2, 3, 4)))
    agree(lambda t: mg.linalg.diagonal(t, offset=1, dim1=0, dim2=2),
          lambda t: torch.linalg.diagonal(t, offset=1, dim1=0, dim2=2), RNG.standard_normal((3, 2, 4)))
    with pytest.raises(TypeError):   # keyword-only, as torch's
        mg.linalg.diagonal(mg.ones((2, 2)), 1)


def test_linalg_cross_defaults_to_the_last_dim_unlike_torch_cross():
    a, b = RNG.standard_normal((3, 3)), RNG.standard_normal((3, 3))
    agree(mg.linalg.cross, torch.linalg.cross, a, b)
    agree(lambda x, y: mg.cross(x, y), lambda x, y: torch.cross(x, y, dim=0), a, b)   # torch.cross: first dim of 3


# ------------------------------------------------------------------ legacy svd, qr, ger
@pytest.mark.parametrize("shape, some", [((4, 3), True), ((3, 5), True), ((4, 3), False), ((2, 3, 3), True)])
def test_torch_svd_returns_v_not_vh(shape, some):
    a = RNG.standard_normal(shape)
    x, tx = pair(a)
    ours, theirs = mg.svd(x, some), torch.svd(tx, some)
    assert type(ours).__name__ == "svd" and ours._fields == ("U", "S", "V")
    for o, t in zip(ours, theirs):
        assert o.shape == tuple(t.shape)
    np.testing.assert_allclose(((ours.U[..., :, :ours.S.shape[-1]] * ours.S[..., None, :])
                                @ mg.transpose(ours.V, *range(a.ndim - 2), a.ndim - 1, a.ndim - 2)[
                                    ..., :ours.S.shape[-1], :]).numpy(), a, rtol=1e-12, atol=1e-13)
    agree(lambda t: mg.svd(t, some).S, lambda t: torch.svd(t, some).S, a)
    agree(lambda t: t.svd(some).V ** 2, lambda t: t.svd(some).V ** 2, a, rtol=1e-8, second=some)


def test_torch_svd_without_uv_gives_zeros_as_torch():
    a = RNG.standard_normal((4, 2))
    ours, theirs = mg.svd(mg.tensor(a, dtype="float64"), compute_uv=False), torch.svd(torch.tensor(a),
                                                                                      compute_uv=False)
    for o, t in zip(ours, theirs):
        same(o, t)


def test_torch_qr_and_ger_match_torch():
    a = RNG.standard_normal((4, 3))
    agree(lambda t: mg.qr(t).R, lambda t: torch.qr(t).R, a)
    agree(lambda t: t.qr().Q, lambda t: t.qr().Q, a)
    wide = pair(a.T.copy())     # complete = reduced for m <= n
    same(mg.qr(wide[0], some=False).R, torch.qr(wide[1], some=False).R)
    # some=False on a tall matrix was refused: it is linalg.qr's mode='complete' (Q square), as torch's
    tall = pair(a, requires_grad=False)
    for field in ("Q", "R"):
        same(getattr(mg.qr(tall[0], some=False), field), getattr(torch.qr(tall[1], some=False), field))
    agree(mg.ger, torch.ger, RNG.standard_normal(3), RNG.standard_normal(2))
    agree(lambda x, y: x.ger(y), lambda x, y: x.ger(y), RNG.standard_normal(3), RNG.standard_normal(2))


# ------------------------------------------------------------------ Householder reflectors
@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 4)])
def test_geqrf_matches_torch_and_has_no_gradient(shape):
    a = RNG.standard_normal(shape)
    x, tx = pair(a)
    ours, theirs = mg.geqrf(x), torch.geqrf(tx)
    assert type(ours).__name__ == "geqrf" and ours._fields == ("a", "tau")
    for o, t in zip(ours, theirs):
        same(o, t)
        assert not o.requires_grad
    same(x.geqrf().tau, theirs.tau)


def test_householder_product_orgqr_ormqr_match_torch():
    a = RNG.standard_normal((2, 5, 3))
    h, tau = (t.numpy() for t in torch.geqrf(torch.tensor(a)))
    agree(mg.linalg.householder_product, torch.linalg.householder_product, h, tau)
    agree(mg.linalg.householder_product, torch.linalg.householder_product, h, tau[..., :2])
    agree(mg.orgqr, torch.orgqr, h[0], tau[0])
    agree(lambda a, t: a.orgqr(t), lambda a, t: a.orgqr(t), RNG.standard_normal((3, 3)), np.array([0.5, 0.0, 1.5]))
    # Q from geqrf's reflectors is linalg.qr's Q
    q = mg.linalg.householder_product(mg.tensor(h, dtype="float64"), mg.tensor(tau, dtype="float64"))
    np.testing.assert_allclose(q.numpy(), np.linalg.qr(a)[0], rtol=1e-12, atol=1e-13)
    for left in (True, False):
        for transpose in (False, True):
            c = RNG.standard_normal((2, 5, 2) if left else (2, 2, 5))
            agree(lambda a, t, c: mg.ormqr(a, t, c, left, transpose), lambda a, t, c: torch.ormqr(a, t, c, left,
                                                                                                   transpose),
                  h, tau, c)
    agree(lambda a, t, c: a.ormqr(t, c), lambda a, t, c: a.ormqr(t, c), h[0], tau[0], RNG.standard_normal((5, 2)))


# ------------------------------------------------------------------ errors, dtypes, what is not here
@pytest.mark.parametrize("call, error, message", [
    (lambda: mg.linalg.solve_triangular(mg.eye(3), mg.ones(3), upper=True), ValueError,
     r"^linalg\.solve_triangular: The input tensor B must have at least 2 dimensions, got shape \(3,\)$"),
    (lambda: mg.linalg.solve_triangular(mg.eye(3), mg.ones((2, 3))), TypeError, r"upper"),
    (lambda: mg.linalg.solve_triangular(mg.eye(3), mg.ones((4, 2)), upper=True), ValueError,
     r"^linalg\.solve_triangular: Incompatible shapes of A and B for the equation AX = B \(3x3 and 4x2\)$"),
    (lambda: mg.linalg.solve_triangular(mg.zeros((2, 2)), mg.ones((2, 1)), upper=True), ValueError,
     r"^linalg\.solve_triangular: the triangular matrix \(shape \(2, 2\)\) has a zero on its diagonal"),
    (lambda: mg.cholesky_solve(mg.ones(3), mg.eye(3)), ValueError,
     r"^cholesky_solve: b should have at least 2 dimensions"),
    (lambda: mg.linalg.matrix_exp(mg.ones((2, 3))), ValueError,
     r"^linalg\.matrix_exp: A must be batches of square matrices, got shape \(2, 3\)$"),
    (lambda: mg.linalg.lu_factor(mg.eye(3), pivot=False), ValueError, r"^linalg\.lu_factor: LU without pivoting"),
    (lambda: mg.linalg.lu_solve(*mg.linalg.lu_factor(mg.eye(3)), mg.ones(3)), ValueError,
     r"^linalg\.lu_solve: The input tensor B must have at least 2 dimensions"),
    (lambda: mg.linalg.lu_solve(*mg.linalg.lu_factor(mg.eye(3)), mg.ones((3, 2)), left=False), ValueError,
     r"^linalg\.lu_solve: Incompatible shapes of A and B for the equation XA = B \(3x3 and 3x2\)$"),
    (lambda: mg.linalg.lstsq(mg.ones((4, 2)), mg.ones((4, 3)), driver="foo"), ValueError,
     r"^linalg\.lstsq: parameter `driver` should be one of \(gels, gelsy, gelsd, gelss\), got driver='foo'$"),
    (lambda: mg.linalg.lstsq(mg.ones((4, 2)), mg.ones((3, 2))), ValueError,
     r"^linalg\.lstsq: input\.size\(-2\) should match other\.size\(-2\)"),
    (lambda: mg.linalg.tensorinv(mg.ones((4, 6, 8, 3)), ind=1), ValueError,
     r"^linalg\.tensorinv: Expected self to satisfy the requirement prod\(self\.shape\[ind:\]\) == "
     r"prod\(self\.shape\[:ind\]\), but got 144 != 4 \(shape \(4, 6, 8, 3\), ind=1\)$"),
    (lambda: mg.linalg.tensorinv(mg.ones((4, 6, 8, 3)), ind=0), ValueError,
     r"^linalg\.tensorinv: Expected a strictly positive integer for 'ind', but got ind=0$"),
    (lambda: mg.linalg.tensorinv(mg.ones((4, 6, 8, 3)), ind=3), ValueError, r"but got 3 != 192"),
    (lambda: mg.linalg.cond(mg.ones((2, 3)), 1), ValueError,
     r"^linalg\.cond\(ord=1\): A must be batches of square matrices, but they are 2 by 3 matrices$"),
    (lambda: mg.linalg.cond(mg.eye(3), 3), ValueError, r"^linalg\.cond got an invalid norm type: 3$"),
    (lambda: mg.linalg.vecdot(mg.ones((2, 3)), mg.ones(4)), ValueError,
     r"^linalg\.vecdot: shapes \(2, 3\) and \(4,\) do not broadcast$"),
    (lambda: mg.linalg.householder_product(mg.ones((2, 3)), mg.ones(2)), ValueError,
     r"^linalg\.householder_product: A\.shape\[-2\] must be greater than or equal to A\.shape\[-1\]"),
    (lambda: mg.linalg.householder_product(mg.ones((4, 3)), mg.ones(4)), ValueError,
     r"^linalg\.householder_product: tau may hold at most 3 scales for A of shape \(4, 3\), got shape \(4,\)$"),
    (lambda: mg.ormqr(mg.ones((4, 3)), mg.ones(3), mg.ones((3, 2))), ValueError,
     r"^ormqr: other must be \(\.\.\., 4, k\) for left=True"),
])
def test_errors_name_the_op_and_the_shapes(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_torch_refuses_the_same_calls():
    e3 = torch.eye(3, dtype=torch.float64)
    for bad in (lambda: torch.linalg.solve_triangular(e3, torch.ones(3, dtype=torch.float64), upper=True),
                lambda: torch.linalg.matrix_exp(torch.ones(2, 3)),
                lambda: torch.linalg.lu_solve(*torch.linalg.lu_factor(e3), torch.ones(3, dtype=torch.float64)),
                lambda: torch.linalg.lstsq(torch.ones(4, 2), torch.ones(4, 3), driver="foo"),
                lambda: torch.linalg.tensorinv(torch.ones(4, 6, 8, 3), ind=3),
                lambda: torch.linalg.cond(torch.ones(2, 3), 1), lambda: torch.linalg.cond(e3, 3),
                lambda: torch.linalg.vecdot(torch.ones(2, 3), torch.ones(4)),
                lambda: torch.linalg.householder_product(torch.ones(2, 3), torch.ones(2)),
                lambda: torch.linalg.householder_product(torch.ones(4, 3), torch.ones(4)),
                lambda: torch.ormqr(torch.ones(4, 3), torch.ones(3), torch.ones(3, 2))):
        with pytest.raises(RuntimeError):
            bad()


def test_a_zero_on_the_triangle_s_diagonal_is_refused_where_torch_gives_inf():
    # The deliberate difference (docs/autodiff.md, section 15): torch divides by the zero.
    out = torch.linalg.solve_triangular(torch.zeros(2, 2, dtype=torch.float64), torch.ones(2, 1, dtype=torch.float64),
                                        upper=True)
    assert not torch.isfinite(out).all()
    with pytest.raises(ValueError, match="has a zero on its diagonal"):
        mg.linalg.solve_triangular(mg.zeros((2, 2), dtype="float64"), mg.ones((2, 1), dtype="float64"), upper=True)


def test_float32_stays_float32():
    a = mg.tensor(near3(2, 3, 3).astype(np.float32), requires_grad=True)
    b = mg.tensor(RNG.standard_normal((2, 3, 2)).astype(np.float32))
    outs = [mg.linalg.solve_triangular(a, b, upper=True), mg.triangular_solve(b, a).solution,
            mg.cholesky_solve(b, a), mg.cholesky_inverse(a), mg.linalg.matrix_exp(a), mg.linalg.lu_factor(a).LU,
            mg.linalg.lu(a).L, mg.linalg.lu_solve(*mg.linalg.lu_factor(a), b), mg.linalg.lstsq(a, b).solution,
            mg.linalg.inv_ex(a).inverse, mg.linalg.solve_ex(a, b).result,
            mg.linalg.cholesky_ex(a @ mg.transpose(a, 0, 2, 1)).L, mg.linalg.cond(a), mg.linalg.cond(a, 1),
            mg.linalg.vecdot(a, a), mg.svd(a).V, mg.qr(a).R, mg.linalg.householder_product(a, a[..., 0]),
            mg.ormqr(a, a[..., 0], b)]
    for out in outs:
        assert out.dtype == np.float32
    assert mg.linalg.lu(a).P.dtype == np.float32 and mg.geqrf(a).a.dtype == mg.geqrf(a).tau.dtype == np.float32
    sum(o.sum() for o in outs).backward()
    assert a.grad.dtype == np.float32 and np.all(np.isfinite(a.grad.numpy()))
    np.testing.assert_allclose(mg.linalg.matrix_exp(a).numpy(), torch.linalg.matrix_exp(torch.tensor(
        a.numpy().astype(np.float64))).numpy(), rtol=2e-6, atol=1e-5)


def test_eig_and_eigvals_are_absent_because_minigrad_has_no_complex_dtypes():
    # torch.linalg.eig/eigvals return complex tensors; minigrad's tensors are real (or integer/bool).
    assert not hasattr(mg.linalg, "eig") and not hasattr(mg.linalg, "eigvals")
    assert torch.linalg.eigvals(torch.tensor([[0.0, -1.0], [1.0, 0.0]])).is_complex()
