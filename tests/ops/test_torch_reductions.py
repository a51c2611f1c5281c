"""PyTorch's reductions, scans, sorts and predicates, checked against torch itself in float64.

cumsum, prod, norm, sort, argsort, topk, all, any, isnan, isinf, isfinite, allclose and sign, as
Tensor methods and ``minigrad.`` functions: values, dtypes, first derivatives and (for prod at zeros
and norm at 0, where finite differences cannot see the answer) second derivatives, several dims,
keepdim, negative dims, and the errors. The rule they follow is docs/autodiff.md, section 15.
"""
import math
from functools import partial

import numpy as np
import pytest
import torch

import minigrad as mg
from torch_agreement import backward_both as _backward_both, pair, same

RNG = np.random.default_rng(11)
X = RNG.standard_normal((2, 3, 4))
INF = float("inf")


backward_both = partial(_backward_both, rng=RNG)   # this file's draws, in their order


def second_order_both(fn, tfn, array):
    """The gradient (create_graph) and the gradient of <u, gradient> through both libraries agree."""
    x, tx = pair(array)
    y, ty = fn(x), tfn(tx)
    same(y, ty)
    cot = RNG.standard_normal(ty.shape)
    (gx,) = mg.grad((y * mg.tensor(cot, dtype="float64")).sum(), [x], create_graph=True)
    (gt,) = torch.autograd.grad((ty * torch.tensor(cot)).sum(), [tx], create_graph=True)
    same(gx, gt)
    u = RNG.standard_normal(array.shape)
    hx = None                        # a gradient that is constant (sign(x) at 0, say) has no graph
    if gx.requires_grad:
        (hx,) = mg.grad((gx * mg.tensor(u, dtype="float64")).sum(), [x], allow_unused=True)
    ht = None                        # torch's gradient may be a constant (zeros it knows), with no graph
    if gt.requires_grad:
        (ht,) = torch.autograd.grad((gt * torch.tensor(u)).sum(), [tx], allow_unused=True)
    hx = np.zeros(array.shape) if hx is None else hx.numpy()
    ht = np.zeros(array.shape) if ht is None or ht._is_zerotensor() else ht.detach().numpy()
    np.testing.assert_allclose(hx, ht, rtol=1e-12, atol=1e-13)
    return gx


# ------------------------------------------------------------------ cumsum
@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
def test_cumsum_matches_torch(dim):
    x, tx = pair(X)
    ours, theirs = x.cumsum(dim), torch.cumsum(tx, dim)
    same(ours, theirs)
    backward_both(ours, theirs, x, tx)
    same(mg.cumsum(x, dim=dim), theirs)
    same(mg.cumsum(x, axis=dim), theirs)            # NumPy's keyword: the same meaning
    same(x.cumsum(axis=dim), theirs)
    second_order_both(lambda t: t.cumsum(dim) ** 2, lambda t: t.cumsum(dim) ** 2, X)


def test_cumsum_axis_none_is_numpys_flattened_sum_and_0d_is_itself():
    x, tx = pair(X)
    ours = mg.cumsum(x, axis=None)
    same(ours, tx.reshape(-1).cumsum(0))
    np.testing.assert_allclose(ours.numpy(), np.cumsum(X), rtol=1e-12)
    backward_both(ours, tx.reshape(-1).cumsum(0), x, tx)
    s, ts = pair(np.array(1.5))
    for d in (0, -1):
        same(s.cumsum(d), ts.cumsum(d))


def test_cumsum_dtypes():
    for data in ([1, 2, 3], [True, False, True]):
        ours, theirs = mg.tensor(data).cumsum(0), torch.tensor(data).cumsum(0)
        assert ours.dtype == np.int64 and theirs.dtype == torch.int64
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert mg.tensor(np.array([1, 2], dtype=np.int32)).cumsum(0).dtype == np.int64   # as torch


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_float16_running_sums_and_products_accumulate_in_float32_as_torch(name):
    # a float16 running sum of ones used to stop at 2048 (2048 + 1 rounds back to 2048 in float16); torch
    # accumulates in float32 and rounds each output, bit for bit what is compared here
    rng = np.random.default_rng(0)
    values = [np.ones((2, 5000), np.float16), (rng.standard_normal((4, 300)) / 8 + 1).astype(np.float16)]
    for x in values:
        expected = getattr(torch, name)(torch.tensor(x), dim=1).numpy()
        got = getattr(mg, name)(mg.tensor(x, dtype=mg.float16), dim=1)
        assert got.dtype == np.float16
        np.testing.assert_array_equal(got.numpy(), expected)
    assert mg.cumsum(mg.ones(3000, dtype=mg.float16), dim=0)[-1].item() == 3000.0


@pytest.mark.parametrize("call, error, message", [
    (lambda x: mg.cumsum(x), TypeError, r"^cumsum: give the dim to sum along: dim=\.\.\. \(torch\.cumsum requires "
                                        r"it\), or axis=None for the flattened tensor \(NumPy's\); got a tensor of shape "
                                        r"\(2, 3, 4\)$"),
    (lambda x: x.cumsum(3), ValueError, r"^cumsum: dim 3 is out of range for a tensor of shape \(2, 3, 4\) "
                                        r"\(expected a dim in \[-3, 2\]\)$"),
    (lambda x: x.cumsum(1, axis=1), TypeError, r"^cumsum: got both axis=1 and dim=1; give one"),
    (lambda x: x.cumsum((0, 1)), TypeError, r"^cumsum: dim must be one int, got \(0, 1\) \(tuple\)$"),
])
def test_cumsum_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(mg.tensor(X))


# ------------------------------------------------------------------ prod
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1, 2])
def test_prod_with_dim_matches_torch(dim, keepdim):
    x, tx = pair(X)
    ours, theirs = x.prod(dim=dim, keepdim=keepdim), tx.prod(dim=dim, keepdim=keepdim)
    same(ours, theirs)
    backward_both(ours, theirs, x, tx)
    same(mg.prod(x, dim, keepdim), theirs)            # positional: the same in NumPy and PyTorch
    same(mg.prod(x, axis=dim, keepdims=keepdim), theirs)


def test_prod_over_everything_and_several_axes():
    x, tx = pair(X)
    ours, theirs = x.prod(), tx.prod()
    same(ours, theirs)
    backward_both(ours, theirs, x, tx)
    np.testing.assert_allclose(mg.prod(x, axis=(0, 2)).numpy(), np.prod(X, axis=(0, 2)), rtol=1e-12)  # NumPy's
    s, ts = pair(np.array(-2.5))
    same(s.prod(dim=0), ts.prod(dim=0))


ZERO_CASES = {
    "one zero": [[1.5, 0.0, -2.0, 0.7]],
    "two zeros": [[1.5, 0.0, -2.0, 0.0]],
    "three zeros": [[0.0, 0.0, -2.0, 0.0]],
    "all zero": [[0.0, 0.0, 0.0, 0.0]],
    "rows with 0 to 3 zeros": [[1.5, 0.3, -2.0, 0.7], [1.5, 0.0, -2.0, 0.7], [0.0, 0.9, 0.0, 0.7],
                               [0.0, 0.0, -2.0, 0.0]],
}


@pytest.mark.parametrize("case", sorted(ZERO_CASES))
@pytest.mark.parametrize("dim", [None, 1, 0])
def test_prod_gradient_and_second_derivative_at_zeros_match_torch(case, dim):
    """PyTorch's gradient of prod is exact at zeros (one or several), and so is its double backward."""
    array = np.array(ZERO_CASES[case])
    fn = (lambda t: t.prod()) if dim is None else (lambda t: t.prod(dim=dim))
    g = second_order_both(fn, fn, array)
    assert np.all(np.isfinite(g.numpy()))
    x, tx = pair(array)
    fn(x).sum().backward()                             # the first-order pass (arrays) agrees too
    fn(tx).sum().backward()
    same(x.grad, tx.grad)


def test_prod_gradient_at_one_zero_is_the_product_of_the_others():
    x = mg.tensor([2.0, 0.0, 3.0, -1.0], dtype="float64", requires_grad=True)
    x.prod().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, -6.0, 0.0, 0.0])


@pytest.mark.parametrize("dim", [None, 0])
def test_prod_gradient_with_an_infinity_beside_a_zero_is_torchs(dim):
    # The infinite entry's gradient, the product of the rest (0 with a zero among them), was inf / inf = NaN.
    array = np.array([[np.inf, 0.0, 2.0], [0.0, -np.inf, 3.0], [np.inf, 2.0, 3.0], [np.inf, 0.0, -np.inf]]).T
    if dim is None:   # one zero: with several, torch's first-order full prod is 0 whatever the infinities
        array = array[:, :1]
    x, tx = pair(array)
    fn = (lambda t: t.prod()) if dim is None else (lambda t: t.prod(dim=dim))
    with np.errstate(invalid="ignore"):
        ours, theirs = fn(x), fn(tx)
        same(ours, theirs)
        backward_both(ours, theirs, x, tx)
    if dim == 0:
        assert x.grad.numpy()[0, 0] == 0.0 and (dim is None or x.grad.numpy()[1, 1] == 0.0)


def test_prod_over_several_axes_with_zeros_passes_gradcheck_and_gradgradcheck():
    data = RNG.standard_normal((3, 4, 2))
    data[0, 1, 0] = data[2, 3, 1] = data[2, 0, 1] = 0.0     # slices with one zero and with two
    x, tx = pair(data)
    for axis in ((0, 2), (2, 0), (1,), None):
        fn = lambda t, axis=axis: mg.prod(t, axis=axis)     # noqa: E731
        assert mg.autograd.gradcheck(fn, [x]) and mg.autograd.gradgradcheck(fn, [x])
    ours, theirs = mg.prod(x, axis=(0, 2), keepdims=True), tx.prod(dim=2, keepdim=True).prod(dim=0, keepdim=True)
    same(ours, theirs)
    backward_both(ours, theirs, x, tx)


def test_prod_dtypes_and_errors():
    for data in ([1, 2, 3], [True, True]):
        ours, theirs = mg.tensor(data).prod(), torch.tensor(data).prod()
        assert ours.dtype == np.int64 and theirs.dtype == torch.int64 and ours.item() == theirs.item()
    x = mg.tensor(X)
    with pytest.raises(ValueError, match=r"^prod: dim 3 is out of range for a tensor of shape \(2, 3, 4\)"):
        x.prod(dim=3)
    with pytest.raises(TypeError, match=r"^prod: got both axis=0 and dim=0; give one"):
        x.prod(axis=0, dim=0)
    with pytest.raises(TypeError, match=r"^prod: got both keepdims=True and keepdim=True; give one"):
        x.prod(0, True, keepdim=True)


# ------------------------------------------------------------------ norm
PS = [2, 1, 3, 1.5, 0.5, INF, -INF, "fro"]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 1, -1, (0, 2), (-1, 0)], ids=str)
@pytest.mark.parametrize("p", PS, ids=str)
def test_norm_matches_torch(p, dim, keepdim):
    x, tx = pair(X)
    ours, theirs = x.norm(p=p, dim=dim, keepdim=keepdim), torch.norm(tx, p=p, dim=dim, keepdim=keepdim)
    same(ours, theirs)
    backward_both(ours, theirs, x, tx)
    same(mg.norm(x, p, dim, keepdim), theirs)


@pytest.mark.parametrize("p", [3, 1, INF], ids=str)
def test_norm_gradient_at_an_all_zero_input_is_torchs(p):
    g = second_order_both(lambda t: t.norm(p=p), lambda t: torch.norm(t, p=p), np.zeros((2, 3)))
    np.testing.assert_array_equal(g.numpy(), np.zeros((2, 3)))
    rows = np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5]])   # one zero slice beside a nonzero one
    second_order_both(lambda t: t.norm(p=p, dim=1), lambda t: torch.norm(t, p=p, dim=1), rows)


@pytest.mark.parametrize("p", [2, "fro"], ids=str)
def test_norm_at_an_all_zero_slice_has_gradient_0_and_second_derivative_0_where_torchs_is_nan(p):
    """The gradient is torch's, 0 (x / ||x|| would be 0 / 0). The second derivative does not exist there:
    torch's is NaN, minigrad's 0 (the derivative of its masked formula; docs/autodiff.md, section 15)."""
    rows = np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5]])
    x, tx = pair(rows)
    (gx,) = mg.grad(x.norm(p=p, dim=1).sum(), [x], create_graph=True)
    (gt,) = torch.autograd.grad(tx.norm(p=p, dim=1).sum(), [tx], create_graph=True)
    same(gx, gt)
    np.testing.assert_array_equal(gx.numpy()[0], [0.0, 0.0, 0.0])
    (hx,) = mg.grad(gx.sum(), [x])
    (ht,) = torch.autograd.grad(gt.sum(), [tx])
    assert np.isnan(ht.numpy()[0]).all()
    np.testing.assert_array_equal(hx.numpy()[0], [0.0, 0.0, 0.0])
    np.testing.assert_allclose(hx.numpy()[1], ht.numpy()[1], rtol=1e-12)
    z = mg.tensor(np.zeros(4), dtype="float64", requires_grad=True)
    z.norm(p=p).backward()
    np.testing.assert_array_equal(z.grad.numpy(), np.zeros(4))


def test_norm_p_between_1_and_2_at_zero_has_torchs_nan_second_derivative():
    """|x|^(p-1) has an infinite derivative at 0, so the second derivative is NaN there, in both."""
    rows = np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5]])
    x, tx = pair(rows)
    (gx,) = mg.grad(x.norm(p=1.5, dim=1).sum(), [x], create_graph=True)
    (gt,) = torch.autograd.grad(tx.norm(p=1.5, dim=1).sum(), [tx], create_graph=True)
    same(gx, gt)
    with np.errstate(divide="ignore", invalid="ignore"):   # 0 ** -0.5 and 0 * inf: the NaN expected
        (hx,) = mg.grad(gx.sum(), [x])
    (ht,) = torch.autograd.grad(gt.sum(), [tx])
    np.testing.assert_allclose(hx.numpy(), ht.numpy(), rtol=1e-12)   # NaN in the zero row in both


def test_norm_p_below_1_at_a_zero_entry_has_torchs_gradient():
    array = np.array([[0.0, 1.0, -2.0], [0.5, 0.0, 0.0]])
    x, tx = pair(array)
    ours, theirs = x.norm(p=0.5, dim=1), torch.norm(tx, p=0.5, dim=1)
    same(ours, theirs)
    backward_both(ours, theirs, x, tx)
    assert np.all(np.isfinite(x.grad.numpy()))


@pytest.mark.parametrize("name", ["max", "min"])
def test_full_max_and_min_of_a_tensor_holding_nan_share_the_gradient_among_the_nans_as_torch(name):
    # x == max(x) is False at NaN, so no entry took the gradient and 0 / 0 made every entry's NaN
    array = np.array([[1.0, np.nan, 3.0], [np.nan, -2.0, 0.5]])
    x, tx = pair(array)
    ours, theirs = getattr(x, name)(), getattr(tx, name)()
    assert np.isnan(ours.item()) and np.isnan(theirs.item())
    ours.backward()
    theirs.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 0.5, 0.0], [0.5, 0.0, 0.0]])
    same(x.grad, tx.grad)
    x, tx = pair(array)   # per slice too: each row's NaN maximum takes its row's gradient
    mg.amax(x, 1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])   # torch.amax: NaN everywhere


def _float16_agreement(call, scale, shift, rtol):
    """``call`` on 4 x 3000 float16 entries (normal, times ``scale``, plus ``shift``) in minigrad and torch: the
    inputs and results, checked to be float16 and to agree to ``rtol``."""
    a = (np.random.default_rng(0).standard_normal((4, 3000)) * scale + shift).astype(np.float16)
    x, tx = mg.tensor(a, dtype="float16", requires_grad=True), torch.tensor(a, requires_grad=True)
    ours, theirs = call(mg, x), call(torch, tx)
    assert ours.dtype == np.float16
    np.testing.assert_allclose(ours.numpy().astype(np.float64), theirs.detach().numpy().astype(np.float64),
                               rtol=rtol)
    return x, tx, ours, theirs


@pytest.mark.parametrize("call", [lambda L, x: L.norm(x, dim=1), lambda L, x: L.norm(x, 3, dim=1), lambda L, x: x.norm(),
                                  lambda L, x: L.linalg.vector_norm(x, 2.5, dim=1), lambda L, x: L.linalg.matrix_norm(x),
                                  lambda L, x: L.linalg.vector_norm(x * 0.001, -1, dim=1)])
def test_float16_norms_compute_in_float32_as_torch(call):
    # |x|^p summed in float16 passed 65504: the 2-norm of 3000 entries near 5 was inf (torch's: 314), and the -1 norm
    # of small entries 0
    x, _, ours, _ = _float16_agreement(call, scale=3, shift=5, rtol=2e-3)
    ours.sum().backward()
    assert x.grad.dtype == np.float16 and np.all(np.isfinite(x.grad.numpy()))


@pytest.mark.parametrize("call", [lambda L, x: L.var(x, dim=1), lambda L, x: L.std(x, dim=1),
                                  lambda L, x: L.var_mean(x, dim=1)[0], lambda L, x: L.std(x, dim=None, correction=0),
                                  lambda L, x: L.nn.functional.mse_loss(x[:2], x[2:].detach())])
def test_float16_variances_and_mse_sum_their_squares_in_float32_as_torch(call):
    # the squared deviations of 3000 entries of spread 20, summed in float16, passed 65504: var/std/mse_loss were inf
    x, tx, ours, theirs = _float16_agreement(call, scale=20, shift=0, rtol=1e-3)
    ours.sum().backward()
    theirs.sum().backward()
    assert x.grad.dtype == np.float16
    np.testing.assert_allclose(x.grad.numpy().astype(np.float64), tx.grad.numpy().astype(np.float64), atol=1e-4)


def test_norm_of_ties_shares_like_torch_for_inf():
    array = np.array([[1.0, -3.0, 3.0], [2.0, 2.0, -0.5]])
    for p in (INF, -INF):
        x, tx = pair(array)
        ours, theirs = x.norm(p=p, dim=1), torch.norm(tx, p=p, dim=1)
        same(ours, theirs)
        backward_both(ours, theirs, x, tx)


@pytest.mark.parametrize("p, error, message", [
    (float("nan"), ValueError, r"^norm: p must be a number \(inf, -inf, 0 and negative p included\) or 'fro', "
                               r"got p=nan$"),
    ("l2", ValueError, r"^norm: p must be a number \(inf, -inf, 0 and negative p included\) or 'fro', got p='l2'$"),
    (True, TypeError, r"^norm: p must be a number \(inf, -inf, 0 and negative p included\) or 'fro', "
                      r"got p=True \(bool\)$"),
    (None, TypeError, r"^norm: p must be a number \(inf, -inf, 0 and negative p included\) or 'fro', "
                      r"got p=None \(NoneType\)$"),
])
def test_norm_refuses_bad_p(p, error, message):
    with pytest.raises(error, match=message):
        mg.tensor(X).norm(p=p)


NORM_RNG = np.random.default_rng(2212)   # the norm tests' own draws: the later tests' data stay as they were


def test_norm_nuc_is_the_nuclear_matrix_norm_as_torch():
    # torch.norm(x, 'nuc') is linalg.matrix_norm(x, 'nuc', dim); minigrad.norm refused 'nuc'
    a = NORM_RNG.standard_normal((2, 3, 4))
    for args in [((1, 2), False), ((0, 2), True), ((2, 0), False)]:
        x, tx = pair(a)
        ours, theirs = x.norm("nuc", *args), torch.norm(tx, "nuc", *args)
        same(ours, theirs)
        _backward_both(ours, theirs, x, tx, rng=NORM_RNG)
    same(mg.norm(mg.tensor(a[0], dtype="float64"), "nuc"), torch.norm(torch.tensor(a[0]), "nuc"))
    same(mg.norm(mg.tensor(a[0], dtype="float32"), "nuc", dtype=mg.float64),
         torch.norm(torch.tensor(a[0], dtype=torch.float32), "nuc", dtype=torch.float64))
    with pytest.raises(ValueError,
                       match=r"^linalg\.matrix_norm: dim must be two different dims, got dim=\(0, 1, 2\)$"):
        mg.norm(mg.tensor(a), "nuc")
    with pytest.raises(RuntimeError, match="dim must be a 2-tuple"):
        torch.norm(torch.tensor(a), "nuc")


ZEROS_INSIDE = np.array([[[1.0, 0.0, -2.0, 0.5], [3.0, 4.0, -0.5, 2.0], [0.0, 0.0, 0.0, 0.0]],
                         [[-1.5, 2.5, 0.25, -3.0], [0.0, 1.0, -1.0, 0.0], [2.0, -2.0, 2.0, 1.0]]])


@pytest.mark.parametrize("p", [0, -1, -2, -0.5, -INF])
@pytest.mark.parametrize("dim, keepdim", [(None, False), (2, False), (-1, True), ((0, 2), False), ((1, 2), True)])
def test_norm_of_order_0_and_negative_orders_matches_torch(p, dim, keepdim):
    # torch.norm and Tensor.norm take p = 0 (the count of nonzeros) and p < 0; minigrad.norm refused p <= 0
    for fn, tfn in [(lambda t: mg.norm(t, p, dim, keepdim), lambda t: torch.norm(t, p, dim, keepdim)),
                    (lambda t: t.norm(p, dim, keepdim), lambda t: t.norm(p, dim, keepdim))]:
        x, tx = pair(ZEROS_INSIDE)
        ours, theirs = fn(x), tfn(tx)
        same(ours, theirs)
        assert ours.requires_grad
        cot = NORM_RNG.standard_normal(tuple(theirs.shape))
        (ours * mg.tensor(cot, dtype="float64")).sum().backward()
        (theirs * torch.tensor(cot)).sum().backward()
        expected = np.zeros(ZEROS_INSIDE.shape) if tx.grad is None else tx.grad.numpy()   # p = 0: torch gives None
        np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12, atol=1e-14)
        if p in (-1, -2) and dim == 2:
            assert np.all(x.grad.numpy()[0, 0] == 0) and np.all(x.grad.numpy()[0, 1] != 0)  # a zero: slice grad 0


@pytest.mark.parametrize("p", [-1, -2.5, -0.5])
def test_norm_of_negative_order_passes_gradcheck_and_gradgradcheck(p):
    x = mg.tensor(NORM_RNG.uniform(0.5, 2.0, (3, 4)) * NORM_RNG.choice([-1.0, 1.0], (3, 4)), dtype="float64",
                  requires_grad=True)
    assert mg.autograd.gradcheck(lambda t: mg.norm(t, p, dim=1), (x,))
    assert mg.autograd.gradgradcheck(lambda t: mg.norm(t, p, dim=1), (x,))
    tx = torch.tensor(x.numpy(), requires_grad=True)
    (g,) = mg.grad(x.norm(p, dim=1).sum(), [x], create_graph=True)
    (tg,) = torch.autograd.grad(tx.norm(p, dim=1).sum(), [tx], create_graph=True)
    same(g, tg)
    (h,), (th,) = mg.grad((g * g).sum(), [x]), torch.autograd.grad((tg * tg).sum(), [tx])
    same(h, th)


@pytest.mark.parametrize("p", [-1, -0.5, -INF])
def test_norm_of_negative_order_refuses_an_empty_dim_as_torch(p):
    with pytest.raises(ValueError, match=rf"^norm: p={float(p)} has no value over an empty dim "
                                         r"\(tensor of shape \(0, 3\)\)"):
        mg.norm(mg.zeros((0, 3)), p, dim=0)
    with pytest.raises(ValueError, match=r"^norm: p=.* has no value over an empty dim"):
        mg.norm(mg.zeros((0, 3)), p)
    with pytest.raises(RuntimeError, match="does not have an identity"):
        torch.zeros(0, 3).norm(p=p, dim=0)
    same(mg.norm(mg.zeros((0, 3), dtype="float64"), p, dim=1), torch.zeros(0, 3, dtype=torch.float64).norm(p, dim=1))
    same(mg.norm(mg.zeros((0, 3), dtype="float64"), 0), torch.zeros(0, 3, dtype=torch.float64).norm(0))


def test_norm_of_order_0_and_negative_orders_keep_float32_and_float16():
    for p in (0, -1, -INF):
        for dtype, tdtype in (("float32", torch.float32), ("float16", torch.float16)):
            ours = mg.norm(mg.tensor(ZEROS_INSIDE[1], dtype=dtype), p, dim=1)
            theirs = torch.norm(torch.tensor(ZEROS_INSIDE[1], dtype=tdtype), p, dim=1)
            assert ours.dtype == np.dtype(dtype)
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-3)
    same(mg.norm(mg.tensor(ZEROS_INSIDE[1], dtype="float32"), -2, dtype="float64"),
         torch.norm(torch.tensor(ZEROS_INSIDE[1], dtype=torch.float32), -2, dtype=torch.float64))


def test_norm_errors_and_dtypes():
    x = mg.tensor(X)
    with pytest.raises(ValueError, match=r"^norm: dim 3 is out of range for a tensor of shape \(2, 3, 4\)"):
        x.norm(dim=3)
    with pytest.raises(ValueError, match=r"^norm: p=inf has no value over an empty dim \(tensor of shape \(0, 3\)\)"):
        mg.norm(mg.zeros((0, 3)), INF, dim=0)
    with pytest.raises(RuntimeError):
        torch.zeros(0, 3).norm(p=INF, dim=0)
    same(mg.norm(mg.zeros((0, 3), dtype="float64"), dim=0), torch.zeros(0, 3, dtype=torch.float64).norm(dim=0))
    assert mg.tensor([3, 4]).norm().dtype == np.float32 and mg.tensor([3, 4]).norm().item() == 5.0
    with pytest.raises(TypeError, match=r"^norm: keepdim must be True or False, got keepdim=1$"):
        x.norm(dim=1, keepdim=1)


# ------------------------------------------------------------------ sort, argsort, topk
TIES = np.round(RNG.standard_normal((2, 3, 5)))      # many ties: the order among them matters


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dim", [0, 1, 2, -1, -2])
def test_sort_matches_torchs_stable_sort_with_ties(dim, descending):
    x, tx = pair(TIES)
    ours = x.sort(dim=dim, descending=descending)
    theirs = torch.sort(tx, dim=dim, descending=descending, stable=True)
    assert type(ours).__name__ == "sort" and ours._fields == ("values", "indices")
    values, indices = ours
    same(values, theirs.values)
    assert indices.dtype == np.int64 and not indices.requires_grad
    np.testing.assert_array_equal(indices.numpy(), theirs.indices.numpy())
    backward_both(values, theirs.values, x, tx)
    same(mg.sort(x, dim=dim, descending=descending, stable=True).values, theirs.values)
    np.testing.assert_array_equal(x.argsort(dim, descending=descending).numpy(), theirs.indices.numpy())
    np.testing.assert_array_equal(mg.argsort(x, dim=dim, descending=descending, stable=True).numpy(),
                                  torch.argsort(tx, dim=dim, descending=descending, stable=True).numpy())


@pytest.mark.parametrize("descending", [False, True])
def test_sort_argsort_and_topk_keep_ties_in_order_on_every_device(device, descending):
    # NumPy's default quicksort (the CuPy stand-in's argsort was it) reorders ties, and its small-row insertion sort
    # hides that below 17 entries on some machines; CuPy's sort is stable, as the order promised here
    data = np.random.default_rng(7).integers(0, 3, (3, 40)).astype(np.float64)
    x, tx = mg.tensor(data, dtype="float64", device=device), torch.tensor(data)
    theirs = torch.sort(tx, dim=1, descending=descending, stable=True).indices.numpy()
    np.testing.assert_array_equal(x.sort(dim=1, descending=descending).indices.numpy(), theirs)
    np.testing.assert_array_equal(x.argsort(dim=1, descending=descending).numpy(), theirs)
    np.testing.assert_array_equal(x.topk(25, dim=1, largest=descending).indices.numpy(), theirs[:, :25])


def test_sort_without_ties_matches_torchs_default_sort():
    x, tx = pair(X)
    ours, theirs = x.sort(descending=True), tx.sort(descending=True)
    same(ours.values, theirs.values)
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    ours, theirs = x.sort(dim=-1), tx.sort(dim=-1)
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())


def test_sort_and_argsort_put_nan_where_torch_does():
    a = np.array([[2.0, np.nan, -1.0, np.nan, 0.5], [np.inf, 1.0, -np.inf, 1.0, np.nan]])
    x, tx = pair(a, requires_grad=False)
    for descending in (False, True):
        ours, theirs = x.sort(dim=1, descending=descending), tx.sort(dim=1, descending=descending, stable=True)
        np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
        np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())


def test_sort_with_numpys_axis_gives_the_values_as_numpy():
    x, _ = pair(X)
    for axis in (0, -1):
        ours = mg.sort(x, axis=axis)
        assert isinstance(ours, mg.Tensor)
        np.testing.assert_array_equal(ours.numpy(), np.sort(X, axis=axis))
    np.testing.assert_array_equal(x.sort(axis=None).numpy(), np.sort(X, axis=None))
    np.testing.assert_array_equal(mg.argsort(x, axis=None).numpy(), np.argsort(X, axis=None, kind="stable"))
    np.testing.assert_array_equal(mg.argsort(x, axis=1).numpy(), np.argsort(X, axis=1))
    y = mg.tensor([3.0, 1.0, 2.0], dtype="float64", requires_grad=True)
    (mg.sort(y, axis=0) * mg.tensor([1.0, 10.0, 100.0], dtype="float64")).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [100.0, 1.0, 10.0])


@pytest.mark.parametrize("call", [lambda x: x.sort(), lambda x: mg.sort(x), lambda x: x.sort(1),
                                  lambda x: mg.sort(x, -1), lambda x: x.sort(axis=1, dim=1),
                                  lambda x: x.sort(axis=0, descending=True)],
                         ids=["x.sort()", "sort(x)", "x.sort(1)", "sort(x, -1)", "axis and dim", "axis and descending"])
def test_sort_asks_where_numpy_and_pytorch_read_the_call_differently(call):
    """NumPy's sort(x) is the sorted values, PyTorch's is (values, indices): unpacking one as the other
    would quietly give two rows of values, so the call must say which (docs/autodiff.md, section 15)."""
    with pytest.raises(TypeError, match=r"^sort: NumPy's sort\(x.*\) gives the sorted values, PyTorch's gives "
                                        r"\(values, indices\); write axis=\.\.\. \(NumPy's, the values\) or dim=\.\.\. "
                                        r"/ descending=\.\.\. \(PyTorch's, \(values, indices\)\), not both$"):
        call(mg.tensor(X))


def test_sort_argsort_and_topk_of_0d_and_empty_tensors_as_torch():
    s, ts = pair(np.array(2.5))
    for ours, theirs in ((s.sort(dim=0), ts.sort(dim=0)), (s.topk(1), ts.topk(1)), (s.topk(0), ts.topk(0))):
        same(ours.values, theirs.values)
        assert ours.indices.shape == () and ours.indices.item() == theirs.indices.item() == 0
    assert s.argsort().shape == () and s.argsort().item() == 0
    e, te = pair(np.zeros((0, 3)))
    assert e.sort(dim=0).values.shape == tuple(te.sort(dim=0).values.shape) == (0, 3)
    assert e.topk(2, dim=1).values.shape == tuple(te.topk(2, dim=1).values.shape) == (0, 2)


@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("k, dim", [(1, -1), (3, 2), (4, 2), (2, 1), (1, 0), (0, 1), (3, -2)])
def test_topk_matches_torch(k, dim, largest):
    x, tx = pair(X)
    ours, theirs = x.topk(k, dim=dim, largest=largest), torch.topk(tx, k, dim=dim, largest=largest)
    assert type(ours).__name__ == "topk" and ours._fields == ("values", "indices")
    same(ours.values, theirs.values)
    assert ours.indices.dtype == np.int64 and not ours.indices.requires_grad
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    backward_both(ours.values, theirs.values, x, tx)
    same(mg.topk(x, k, dim, largest).values, theirs.values)


def test_topk_sorted_false_gives_the_same_entries_as_torch():
    x, tx = pair(X)
    ours, theirs = x.topk(3, sorted=False), tx.topk(3, sorted=False)
    np.testing.assert_array_equal(np.sort(ours.indices.numpy(), -1), np.sort(theirs.indices.numpy(), -1))
    np.testing.assert_array_equal(ours.values.numpy(), tx.topk(3).values.detach().numpy())   # ours stays sorted


def test_topk_of_ties_takes_the_lower_index_first():
    x = mg.tensor([1.0, 3.0, 2.0, 3.0, 1.0])
    np.testing.assert_array_equal(x.topk(2).indices.numpy(), [1, 3])
    np.testing.assert_array_equal(x.topk(3, largest=False).indices.numpy(), [0, 4, 2])


@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.topk(5), ValueError, r"^topk: k=5 is out of range for dim -1 of size 4 in a tensor of shape "
                                      r"\(2, 3, 4\) \(expected 0 <= k <= 4\)$"),
    (lambda x: x.topk(-1, dim=0), ValueError, r"^topk: k=-1 is out of range for dim 0 of size 2"),
    (lambda x: x.topk(1.0), TypeError, r"^topk: k must be an int, got k=1\.0 \(float\)$"),
    (lambda x: x.topk(2, dim=3), ValueError, r"^topk: dim 3 is out of range for a tensor of shape \(2, 3, 4\)"),
    (lambda x: x.topk(2, largest="yes"), TypeError, r"^topk: largest must be True or False, got largest='yes'$"),
    (lambda x: x.sort(dim=-4), ValueError, r"^sort: dim -4 is out of range for a tensor of shape \(2, 3, 4\)"),
    (lambda x: x.sort(dim=0, descending=1), TypeError, r"^sort: descending must be True or False"),
    (lambda x: x.argsort(dim=(0, 1)), TypeError, r"^argsort: dim must be one int, got \(0, 1\) \(tuple\)$"),
    (lambda x: x.argsort(0, axis=0), TypeError, r"^argsort: got both axis=0 and dim=0; give one"),
])
def test_sort_and_topk_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(mg.tensor(X))


def test_torch_refuses_the_same_topk_and_sort_arguments():
    tx = torch.tensor(X)
    for call in (lambda t: t.topk(5), lambda t: t.topk(-1, dim=0), lambda t: t.topk(2, dim=3),
                 lambda t: t.sort(dim=-4)):
        with pytest.raises((RuntimeError, IndexError)):
            call(tx)


# ------------------------------------------------------------------ all, any, isnan, isinf, isfinite, allclose
SPECIAL = np.array([[0.0, 1.0, np.nan, -np.inf], [2.0, 0.0, 0.0, 3.0], [1.0, -1.0, np.inf, 0.5]])


@pytest.mark.parametrize("data", [SPECIAL, (SPECIAL != 0).astype(np.int64), SPECIAL > 0], ids=["float", "int", "bool"])
@pytest.mark.parametrize("name", ["all", "any"])
def test_all_and_any_match_torch(name, data):
    x, tx = mg.tensor(data), torch.tensor(data)
    for kwargs in (dict(), dict(dim=0), dict(dim=1), dict(dim=-1, keepdim=True), dict(dim=(0, 1)), dict(dim=())):
        ours, theirs = getattr(x, name)(**kwargs), getattr(tx, name)(**kwargs)
        assert ours.dtype == np.bool_ and not ours.requires_grad
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        np.testing.assert_array_equal(getattr(mg, name)(x, **kwargs).numpy(), theirs.numpy())
    np.testing.assert_array_equal(getattr(mg, name)(x, axis=1, keepdims=True).numpy(),
                                  getattr(np, name)(data, axis=1, keepdims=True))   # NumPy's spelling


def test_all_and_any_errors():
    x = mg.tensor(SPECIAL)
    with pytest.raises(ValueError, match=r"^all: dim 2 is out of range for a tensor of shape \(3, 4\)"):
        x.all(dim=2)
    with pytest.raises(TypeError, match=r"^any: got both axis=0 and dim=0; give one"):
        x.any(axis=0, dim=0)
    with pytest.raises(TypeError, match=r"^all: got both keepdims=True and keepdim=True"):
        mg.all(x, 0, True, keepdim=True)


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite"])
def test_float_classes_match_torch(name):
    for data in (SPECIAL, SPECIAL.astype(np.float32), np.array([1, -2, 0])):
        ours, theirs = getattr(mg.tensor(data), name)(), getattr(torch, name)(torch.tensor(data))
        assert ours.dtype == np.bool_
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        np.testing.assert_array_equal(getattr(mg, name)(mg.tensor(data)).numpy(), theirs.numpy())
    x = mg.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    assert not getattr(x * 2.0, name)().requires_grad


def test_allclose_matches_torch():
    a = RNG.standard_normal((3, 4))
    cases = [(a, a + 1e-9, {}), (a, a + 1e-3, {}), (a, a + 1e-3, dict(atol=1e-2)), (a, a * (1 + 1e-4), dict(rtol=1e-3)),
             (SPECIAL, SPECIAL, {}), (SPECIAL, SPECIAL, dict(equal_nan=True)), (a, a[:1], {})]
    for p, q, kwargs in cases:
        expected = torch.allclose(torch.tensor(p), torch.tensor(q), **kwargs)
        assert mg.allclose(mg.tensor(p, dtype="float64"), mg.tensor(q, dtype="float64"), **kwargs) is expected
        assert mg.tensor(p, dtype="float64").allclose(mg.tensor(q, dtype="float64"), **kwargs) is expected
    with pytest.raises(TypeError, match=r"^allclose: operands have different floating dtypes \(float64 and float32\)"):
        mg.allclose(mg.tensor(a, dtype="float64"), mg.tensor(a, dtype="float32"))
    with pytest.raises(RuntimeError):
        torch.allclose(torch.tensor(a), torch.tensor(a, dtype=torch.float32))
    with pytest.raises(ValueError, match=r"^allclose: shapes \(3, 4\) and \(2,\) do not broadcast$"):
        mg.allclose(mg.tensor(a, dtype="float64"), mg.tensor([1.0, 2.0], dtype="float64"))
    with pytest.raises(ValueError, match=r"^allclose: rtol must be a real number >= 0, got rtol=-1$"):
        mg.allclose(mg.tensor(a), mg.tensor(a), rtol=-1)


# ------------------------------------------------------------------ sign
def test_sign_matches_torch_with_a_zero_gradient():
    a = np.array([[-2.0, 0.0, 3.5], [0.25, -0.0, -1e-300]])
    x, tx = pair(a)
    ours, theirs = x.sign(), torch.sign(tx)
    same(ours, theirs)
    assert ours.requires_grad and theirs.requires_grad        # a node with gradient 0, as in torch
    backward_both(ours * 3.0 + x * x, theirs * 3.0 + tx * tx, x, tx)
    y = mg.tensor(a, dtype="float64", requires_grad=True)
    (y.sign() * 3.0).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), np.zeros(a.shape))
    second_order_both(lambda t: t.sign() * t * t, lambda t: t.sign() * t * t, a)
    for data in ([-3, 0, 2], np.array([1, -1], dtype=np.int32)):
        ours, theirs = mg.sign(mg.tensor(data)), torch.sign(torch.tensor(data))
        assert ours.dtype == theirs.numpy().dtype
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_sign_of_nan_is_numpys_nan_and_bools_are_refused():
    assert math.isnan(mg.sign(mg.tensor([math.nan])).item())          # torch.sign(nan) is 0 (section 15)
    with pytest.raises(TypeError, match=r"^sign: expected a numeric tensor, got a bool tensor of shape \(2,\)$"):
        mg.sign(mg.tensor([True, False]))


# ------------------------------------------------------------------ dtypes
def test_float32_stays_float32():
    x = mg.tensor(X.astype(np.float32), requires_grad=True)
    for y in (x.cumsum(1), mg.cumsum(x, axis=None), x.prod(dim=2), x.prod(), x.norm(), x.norm(p=3, dim=1),
              x.norm(p=1, dim=0), x.norm(p=INF), x.norm(p=0.5, dim=(0, 1)), x.sort(dim=1).values,
              mg.sort(x, axis=0), x.topk(2).values, x.sign()):
        assert y.dtype == np.float32
        (g,) = mg.grad(y.sum(), [x])
        assert g.dtype == np.float32
    z = mg.tensor(np.array([[1.0, 0.0, 2.0]], dtype=np.float32), requires_grad=True)
    (g,) = mg.grad(z.prod(), [z])                       # the path through zeros too
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g.numpy(), [[0.0, 2.0, 0.0]])


# ------------------------------------------------------------------ dtype= (torch casts the input first)
DTYPE_CALLS = [
    ("sum", lambda lib, x, d: lib.sum(x, dim=1, dtype=d)), ("sum", lambda lib, x, d: x.sum(dtype=d)),
    ("prod", lambda lib, x, d: lib.prod(x, dim=-1, keepdim=True, dtype=d)), ("prod", lambda lib, x, d: x.prod(dtype=d)),
    ("mean", lambda lib, x, d: lib.mean(x, dim=(0, 2), dtype=d)), ("mean", lambda lib, x, d: x.mean(dtype=d)),
    ("nansum", lambda lib, x, d: lib.nansum(x, dim=0, dtype=d)), ("nansum", lambda lib, x, d: x.nansum(dtype=d)),
    ("nanmean", lambda lib, x, d: lib.nanmean(x, dim=1, dtype=d)), ("nanmean", lambda lib, x, d: x.nanmean(dtype=d)),
    ("cumsum", lambda lib, x, d: lib.cumsum(x, 1, dtype=d)), ("cumsum", lambda lib, x, d: x.cumsum(-1, dtype=d)),
    ("cumprod", lambda lib, x, d: lib.cumprod(x, 0, dtype=d)), ("cumprod", lambda lib, x, d: x.cumprod(2, dtype=d)),
]


@pytest.mark.parametrize("name, call", DTYPE_CALLS, ids=[f"{n}{i % 2}" for i, (n, _) in enumerate(DTYPE_CALLS)])
def test_dtype_argument_casts_the_input_first_as_torch(name, call):
    """torch.sum(x, dtype=...) and its kin cast x to dtype, then reduce; the result has that dtype, and the gradient
    comes back in x's dtype. They used to refuse dtype= with a TypeError."""
    x32, tx32 = mg.tensor(X, dtype="float32", requires_grad=True), torch.tensor(X, dtype=torch.float32,
                                                                               requires_grad=True)
    ours, theirs = call(mg, x32, mg.float64), call(torch, tx32, torch.float64)
    same(ours, theirs, rtol=1e-6)
    cot = RNG.standard_normal(theirs.shape)
    (ours * mg.tensor(cot, dtype="float64")).sum().backward()
    (theirs * torch.tensor(cot)).sum().backward()
    assert x32.grad.dtype == np.float32
    np.testing.assert_allclose(x32.grad.numpy(), tx32.grad.numpy(), rtol=1e-6)
    ints = np.array([[[1, -2, 3, 0], [4, 5, -6, 7], [2, 2, 2, 2]]] * 2, dtype=np.int32)
    for mg_dtype, torch_dtype in ((mg.float32, torch.float32), (mg.int32, torch.int32), (mg.int16, torch.int16)):
        if name in ("mean", "nanmean") and mg_dtype != mg.float32:
            continue   # torch: mean's dtype must be floating (below)
        if name == "nanmean":
            continue   # torch.nanmean refuses integer inputs whatever dtype says
        same(call(mg, mg.tensor(ints), mg_dtype), call(torch, torch.tensor(ints), torch_dtype))


def test_dtype_argument_errors():
    x = mg.tensor(X)
    with pytest.raises(TypeError, match=r"^mean: dtype must be floating \(the mean of integers is not an integer\), "
                                        r"got int64$"):
        x.mean(dtype=mg.int64)
    with pytest.raises(TypeError, match=r"^sum: expected a dtype \(minigrad\.float32, numpy\.int64, 'float64', \.\.\.\), "
                                        r"got 'cheese'$"):
        mg.sum(x, dtype="cheese")
    with pytest.raises(RuntimeError, match="mean"):
        torch.tensor(X).mean(dtype=torch.int64)   # torch refuses it too


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@pytest.mark.parametrize("dtype", [mg.bool, np.bool_, "bool"])
def test_running_sum_and_product_refuse_bool_dtype_as_torch(name, dtype):
    # torch has no bool running sum or product ("cumsum_out_cpu" not implemented for 'Bool'); minigrad used to give
    # NumPy's running or/and ([[1, -1, 0, 2]] -> [[True, True, True, True]] for cumsum) without a word
    data = np.array([[1, -1, 0, 2]])
    with pytest.raises(NotImplementedError):
        getattr(torch, name)(torch.tensor(data), 1, dtype=torch.bool)
    x = mg.tensor(data)
    calls = [lambda: getattr(mg, name)(x, 1, dtype=dtype), lambda: getattr(x, name)(dim=-1, dtype=dtype),
             lambda: getattr(mg, name)(x.bool(), 0, dtype=dtype)]
    if name == "cumsum":   # NumPy's spellings, which torch reads as dim= or cannot read
        calls += [lambda: mg.cumsum(x, axis=1, dtype=dtype), lambda: mg.cumsum(x, axis=None, dtype=dtype)]
    for call in calls:
        with pytest.raises(TypeError, match=rf"^{name}: dtype=bool is not supported \(torch has no bool {name}\); "):
            call()


def test_argsort_takes_torchs_positional_descending():
    """torch.argsort(x, dim, descending): the third positional is descending (NumPy's is kind, a string, refused)."""
    x, tx = pair(X)   # no ties: torch takes descending positionally only without stable=
    for dim, descending in ((1, True), (-1, False), (0, True)):
        ours = mg.argsort(x, dim, descending)
        assert np.array_equal(ours.numpy(), torch.argsort(tx, dim, descending).numpy())
        assert np.array_equal(x.argsort(dim, descending).numpy(), ours.numpy())
    with pytest.raises(TypeError, match=r"^argsort: descending must be True or False, got descending='stable'$"):
        mg.argsort(x, 1, "stable")


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int64", "bool", "float32"])
def test_all_and_any_give_torchs_dtype_uint8_for_uint8(dtype):
    # they were always bool; torch keeps uint8 for uint8 input (its masks before bool), bool for every other dtype
    data = np.array([[0, 3], [1, 2]], dtype=dtype)
    for call in [lambda lib, x: lib.all(x), lambda lib, x: x.any(), lambda lib, x: x.all(dim=1),
                 lambda lib, x: lib.any(x, dim=0, keepdim=True)]:
        ours, theirs = call(mg, mg.tensor(data, dtype=dtype)), call(torch, torch.tensor(data))
        assert ours.dtype == theirs.numpy().dtype
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
