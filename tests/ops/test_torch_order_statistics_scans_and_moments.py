"""PyTorch's order statistics, scans and moments, checked against torch itself in float64.

amax/amin/aminmax, median/nanmedian, mode, kthvalue, quantile/nanquantile, nansum/nanmean, cumprod,
cummax/cummin, logcumsumexp, diff, std_mean/var_mean and cov/corrcoef, as ``minigrad.`` functions and
Tensor methods: values, (values, indices) named tuples, dtypes, tie and NaN rules, first derivatives,
second derivatives where torch's are exact at special points (cumprod at zeros), and the errors.
"""
import math
from functools import partial

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.autograd import gradcheck, gradgradcheck
from torch_agreement import backward_both as _backward_both, pair, same

RNG = np.random.default_rng(2026)
X = RNG.standard_normal((3, 4, 5))
TIES = np.array([[3.0, 1.0, 3.0, 1.0, 2.0, 1.0], [2.0, 2.0, 5.0, 5.0, 0.0, 7.0], [4.0, 4.0, 4.0, 4.0, 4.0, 4.0]])
NAN = float("nan")
WITH_NAN = np.array([[1.0, NAN, 2.0, NAN, 3.0], [0.5, -1.0, 2.5, 4.0, 1.0], [NAN, NAN, NAN, NAN, NAN]])


backward_both = partial(_backward_both, rng=RNG)   # this file's draws, in their order


def both(fn, tfn, array):
    """fn and tfn of the same array: values (and indices for named tuples) and gradients agree."""
    x, tx = pair(array)
    ours, theirs = fn(x), tfn(tx)
    if isinstance(theirs, tuple):
        if type(theirs) is tuple:     # std_mean and friends: a plain tuple
            assert type(ours) is tuple
        else:                         # torch.return_types.<name>: (values, indices)
            assert type(ours).__name__ == type(theirs).__name__ and ours._fields == ("values", "indices")
            same(ours.indices, theirs.indices)
        ours, theirs = ours[0], theirs[0]
    same(ours, theirs)
    backward_both(ours, theirs, x, tx)
    return ours


def second_order_both(fn, tfn, array):
    """The gradient (create_graph) and the gradient of <u, gradient> agree with torch's."""
    x, tx = pair(array)
    y, ty = fn(x), tfn(tx)
    same(y, ty)
    cot = RNG.standard_normal(tuple(ty.shape))
    (gx,) = mg.grad((y * mg.tensor(cot, dtype="float64")).sum(), [x], create_graph=True)
    (gt,) = torch.autograd.grad((ty * torch.tensor(cot)).sum(), [tx], create_graph=True)
    same(gx, gt)
    u = RNG.standard_normal(array.shape)
    (hx,) = mg.grad((gx * mg.tensor(u, dtype="float64")).sum(), [x])
    (ht,) = torch.autograd.grad((gt * torch.tensor(u)).sum(), [tx])
    np.testing.assert_allclose(hx.numpy(), ht.numpy(), rtol=1e-11, atol=1e-12)


# ------------------------------------------------------------------ amax, amin, aminmax
@pytest.mark.parametrize("name", ["amax", "amin"])
@pytest.mark.parametrize("dim, keepdim", [((), False), (1, False), (-1, True), ((0, 2), False), ((0, 1, 2), True)])
def test_amax_amin_match_torch(name, dim, keepdim):
    both(lambda t: getattr(t, name)(dim, keepdim), lambda t: getattr(torch, name)(t, dim, keepdim), X)
    both(lambda t: getattr(mg, name)(t, dim=dim, keepdim=keepdim), lambda t: getattr(t, name)(dim, keepdim), X)


@pytest.mark.parametrize("name", ["amax", "amin"])
def test_amax_amin_split_the_gradient_evenly_among_ties_as_torch(name):
    x, tx = pair(TIES)
    for dim in ((), 1, 0):
        x.grad = tx.grad = None
        ours, theirs = getattr(x, name)(dim), getattr(tx, name)(dim)
        backward_both(ours, theirs, x, tx)
    assert x.amax().numpy() == 7.0 and np.count_nonzero(pair(TIES)[0].amin(1).numpy() == 1.0) == 1


def test_aminmax_is_a_named_tuple_of_min_and_max():
    for kwargs in ({}, {"dim": 1}, {"dim": -1, "keepdim": True}):
        x, tx = pair(TIES)
        ours, theirs = x.aminmax(**kwargs), torch.aminmax(tx, **kwargs)
        assert type(ours).__name__ == "aminmax" and ours._fields == ("min", "max")
        same(ours.min, theirs.min)
        same(ours.max, theirs.max)
        cot = RNG.standard_normal(tuple(theirs.min.shape))
        ((ours.min + ours.max * 2.0) * mg.tensor(cot, dtype="float64")).sum().backward()
        ((theirs.min + theirs.max * 2.0) * torch.tensor(cot)).sum().backward()
        same(x.grad, tx.grad)


# ------------------------------------------------------------------ median, nanmedian, kthvalue, mode
DISTINCT = RNG.permutation(60).reshape(3, 4, 5) * 0.25 - 7.0


@pytest.mark.parametrize("name", ["median", "nanmedian"])
@pytest.mark.parametrize("dim, keepdim", [(None, False), (0, False), (1, True), (-1, False), (2, True)])
def test_median_matches_torch(name, dim, keepdim):
    if dim is None:
        both(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), DISTINCT)
        both(lambda t: getattr(mg, name)(t), lambda t: getattr(t, name)(), DISTINCT[:, :, :4])   # even: the lower
    else:
        both(lambda t: getattr(t, name)(dim, keepdim), lambda t: getattr(torch, name)(t, dim, keepdim), DISTINCT)


@pytest.mark.parametrize("name", ["median", "nanmedian"])
def test_median_and_nanmedian_with_nan_as_torch(name):
    x, tx = pair(WITH_NAN)
    ours, theirs = getattr(x, name)(1), getattr(tx, name)(1)
    np.testing.assert_array_equal(ours.values.numpy(), theirs.values.detach().numpy())
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    np.testing.assert_array_equal(getattr(x, name)().numpy(), getattr(tx, name)().detach().numpy())


def test_median_of_ties_gives_torchs_value_and_a_valid_index():
    x, tx = pair(TIES)
    ours, theirs = x.median(1), tx.median(1)
    same(ours.values, theirs.values)
    picked = np.take_along_axis(TIES, ours.indices.numpy()[:, None], 1)[:, 0]
    np.testing.assert_array_equal(picked, theirs.values.detach().numpy())


@pytest.mark.parametrize("name", ["median", "nanmedian"])
@pytest.mark.parametrize("values", [[2.0, 2.0, 1.0, 5.0, 2.0], [[3.0, 1.0], [3.0, 7.0]], [1.0, NAN, NAN, 2.0],
                                    [NAN, NAN], [4.0]])
def test_median_over_every_dim_shares_the_gradient_among_ties_as_torch(name, values):
    # torch's median() and nanmedian() without a dim split the gradient evenly among the entries equal to the
    # result (among the NaNs when it is NaN), as max() does; with a dim it goes to the one index returned.
    x, tx = pair(np.array(values))
    ours, theirs = getattr(x, name)(), getattr(tx, name)()
    np.testing.assert_array_equal(ours.numpy(), theirs.detach().numpy())
    (ours * 3.0).backward()
    (theirs * 3.0).backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-15, atol=0)


def test_median_over_every_dim_with_ties_has_torchs_second_derivative():
    x, tx = pair(TIES)
    g, = mg.grad((x * x).median(), x, create_graph=True)
    tg, = torch.autograd.grad((tx * tx).median(), tx, create_graph=True)
    same(g, tg)
    w = RNG.standard_normal(TIES.shape)
    (g * mg.tensor(w, dtype="float64")).sum().backward()
    (tg * torch.tensor(w)).sum().backward()
    same(x.grad, tx.grad)


@pytest.mark.parametrize("name", ["median", "nanmedian"])
@pytest.mark.parametrize("kwargs", [dict(axis=1), dict(axis=1, keepdims=True), dict(dim=1, keepdims=True)])
def test_median_asks_which_reading_numpys_axis_spelling_means(name, kwargs):
    # NumPy's median(axis=1) of [1, 2, 3, 4] is 2.5 (the mean of the middle two); torch takes axis= as dim= and
    # gives (2, index 1)
    data = np.array([[1.0, 2.0, 3.0, 4.0]])
    assert np.median(data, axis=1)[0] == 2.5 and getattr(torch, name)(torch.tensor(data), axis=1).values[0] == 2.0
    x = mg.tensor(data, dtype="float64")
    for call in (lambda: getattr(x, name)(**kwargs), lambda: getattr(mg, name)(x, **kwargs)):
        with pytest.raises(TypeError, match=rf"^{name}: axis=/keepdims= \(NumPy's spelling\) would read two ways: "
                                            r"NumPy's median averages the two middle values of an even count, "
                                            r"PyTorch's .*dim=.*keepdim=.*quantile\(x, 0\.5, dim=\.\.\.\)"):
            call()


@pytest.mark.parametrize("k, dim, keepdim", [(1, -1, False), (3, 1, True), (5, 2, False), (2, 0, False)])
def test_kthvalue_matches_torch(k, dim, keepdim):
    both(lambda t: t.kthvalue(k, dim, keepdim), lambda t: torch.kthvalue(t, k, dim, keepdim), DISTINCT)
    both(lambda t: mg.kthvalue(t, k, dim=dim, keepdim=keepdim), lambda t: t.kthvalue(k, dim, keepdim), DISTINCT)


@pytest.mark.parametrize("dim, keepdim", [(-1, False), (0, True), (1, False)])
def test_mode_matches_torch_with_ties(dim, keepdim):
    # Among equally frequent values the smallest; its index is its last occurrence, as torch's.
    both(lambda t: t.mode(dim, keepdim), lambda t: torch.mode(t, dim, keepdim), TIES)
    both(lambda t: mg.mode(t, dim, keepdim), lambda t: t.mode(dim, keepdim), np.round(X * 1.5))


def test_mode_counts_each_nan_once_as_torch():
    data = np.array([[1.0, NAN, NAN], [NAN, 2.0, 2.0]])
    ours, theirs = mg.tensor(data, dtype="float64").mode(1), torch.tensor(data).mode(1)
    np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())


def test_order_statistics_of_0d_and_integer_tensors_as_torch():
    s, ts = pair(np.array(2.5))
    for name in ("median", "nanmedian", "mode"):
        ours, theirs = getattr(s, name)(0), getattr(ts, name)(0)
        same(ours.values, theirs.values)
        same(ours.indices, theirs.indices)
    same(s.kthvalue(1).values, ts.kthvalue(1).values)
    ints = np.array([[3, 1, 2, 2], [7, 7, 0, 1]])
    for name in ("median", "mode"):
        ours, theirs = getattr(mg.tensor(ints), name)(1), getattr(torch.tensor(ints), name)(1)
        assert ours.values.dtype == np.int64
        np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())


@pytest.mark.parametrize("name", ["median", "nanmedian"])
def test_median_of_an_empty_float_tensor_is_nan_as_torch(name):
    # It raised "cannot reduce an empty tensor"; torch.median(torch.zeros(0)) is nan with an empty gradient.
    for dtype in ("float32", "float64"):
        x = mg.zeros(0, 3, dtype=dtype, requires_grad=True)
        y = getattr(mg, name)(x)
        assert y.shape == () and y.dtype == dtype and math.isnan(y.item())
        assert math.isnan(getattr(torch, name)(torch.zeros(0, 3)).item())
        y.backward()
        assert x.grad.shape == (0, 3) and x.grad.dtype == dtype
    # torch returns an arbitrary integer for an empty integer tensor; there is no NaN to give
    with pytest.raises(ValueError, match=rf"^{name}: cannot reduce an empty tensor of shape \(0,\) and dtype int64$"):
        getattr(mg, name)(mg.tensor(np.zeros(0, dtype=np.int64)))


@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.kthvalue(0), ValueError, r"^kthvalue: k=0 is out of range for dim -1 of size 5 in a tensor of "
                                          r"shape \(3, 4, 5\) \(expected 1 <= k <= 5\)$"),
    (lambda x: x.kthvalue(1.5), TypeError, r"^kthvalue: k must be an int, got k=1\.5 \(float\)$"),
    (lambda x: x.median(3), ValueError, r"^median: dim 3 is out of range for a tensor of shape \(3, 4, 5\)"),
    (lambda x: x.median((0, 1)), TypeError, r"^median: dim must be one int, got \(0, 1\)"),
    (lambda x: x.mode(1, keepdim=1), TypeError, r"^mode: keepdim must be True or False, got keepdim=1$"),
    (lambda x: x[:, :0].median(1), ValueError, r"^median: cannot reduce over an empty dim of a tensor of shape "
                                               r"\(3, 0, 5\)$"),
    (lambda x: x.aminmax(dim=(0, 1)), TypeError, r"^aminmax: dim must be one int or None, got dim=\(0, 1\)$"),
    (lambda x: x[:0].amax(), ValueError, r"^amax: cannot reduce over an empty axis"),
])
def test_order_statistic_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(mg.tensor(X, dtype="float64"))


# ------------------------------------------------------------------ quantile, nanquantile
@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("q", [0.0, 0.37, 0.5, 1.0, [0.1, 0.5, 0.625, 0.9]])
@pytest.mark.parametrize("dim, keepdim", [(None, False), (None, True), (1, False), (-1, True)])
def test_quantile_matches_torch(interpolation, q, dim, keepdim):
    def ours(t):
        qq = mg.tensor(q, dtype="float64") if isinstance(q, list) else q
        return t.quantile(qq, dim, keepdim, interpolation=interpolation)

    def theirs(t):
        qq = torch.tensor(q, dtype=torch.float64) if isinstance(q, list) else q
        return torch.quantile(t, qq, dim, keepdim, interpolation=interpolation)

    both(ours, theirs, DISTINCT)
    ties = np.round(X * 2.0)   # the values agree; which of tied entries gets the gradient is the sort's choice
    same(ours(mg.tensor(ties, dtype="float64")), theirs(torch.tensor(ties)))


@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
@pytest.mark.parametrize("dim", [None, 1, 0])
def test_quantile_and_nanquantile_with_nan_as_torch(name, dim):
    for q in (0.3, [0.0, 0.5, 1.0]):
        ours = getattr(mg, name)(mg.tensor(WITH_NAN, dtype="float64"),
                                 mg.tensor(q, dtype="float64") if isinstance(q, list) else q, dim)
        theirs = getattr(torch, name)(torch.tensor(WITH_NAN), torch.tensor(q, dtype=torch.float64)
                                      if isinstance(q, list) else q, dim)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, equal_nan=True)
    x, tx = pair(WITH_NAN[:2])
    both(lambda t: mg.nanquantile(t, 0.4, 1), lambda t: torch.nanquantile(t, 0.4, 1), WITH_NAN[:2])


def test_quantile_keeps_float32():
    x = mg.tensor(X.astype(np.float32))
    assert x.quantile(0.3, 1).dtype == np.float32
    assert x.quantile(mg.tensor([0.2, 0.4]), None).dtype == np.float32


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_float32_quantile_ranks_are_computed_in_float32_as_torch(interpolation):
    # float32 q = 1/3 of 4 values: rank 1/3 * 3 is 1 in float32 (torch) but 1.00000003 in float64,
    # which made 'higher' give 2 and 'midpoint' 1.5 instead of 1; likewise 1/6 of 4 non-NaN values.
    qs = [1 / 3, 2 / 3, 1 / 6]
    ours = mg.quantile(mg.arange(4.0), mg.tensor(qs), interpolation=interpolation)
    theirs = torch.quantile(torch.arange(4.0), torch.tensor(qs), interpolation=interpolation)
    assert ours.dtype == np.float32 and ours.tolist() == theirs.tolist()
    assert ours.tolist()[:2] == [1.0, 2.0]
    x = [1.0, 2.0, 3.0, 4.0, math.nan]
    ours = mg.nanquantile(mg.tensor(x), mg.tensor(qs), interpolation=interpolation)
    theirs = torch.nanquantile(torch.tensor(x), torch.tensor(qs), interpolation=interpolation)
    assert ours.dtype == np.float32 and ours.tolist() == theirs.tolist()


@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.quantile(1.5), ValueError, r"^quantile: q values must be in the range \[0, 1\], got q=1\.5$"),
    (lambda x: x.quantile(mg.tensor([0.5, -0.1], dtype="float64")), ValueError, r"^quantile: q values must be in"),
    (lambda x: x.quantile(mg.tensor([0.5])), TypeError, r"^quantile: q must have the input's dtype float64, got "
                                                        r"float32$"),
    (lambda x: x.quantile(mg.tensor([[0.5]], dtype="float64")), ValueError, r"^quantile: q must be a scalar or a "
                                                                              r"1-D tensor, got shape \(1, 1\)$"),
    (lambda x: x.quantile(0.5, interpolation="cubic"), ValueError, r"^quantile: interpolation must be one of "
                                                                   r"linear, lower, higher, midpoint, nearest"),
    (lambda x: mg.quantile(mg.tensor([1, 2, 3]), 0.5), TypeError, r"^quantile: the input must be float32 or "
                                                                  r"float64, got int64$"),
    (lambda x: x.nanquantile("half"), TypeError, r"^nanquantile: q must be a float or a tensor, got q='half'"),
])
def test_quantile_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(mg.tensor(X, dtype="float64"))


@pytest.mark.parametrize("interpolation", ["linear", "midpoint"])
def test_quantile_between_an_infinity_and_a_number_is_torchs_lerp(device, interpolation):
    # torch interpolates with lerp, which counts from the upper value for a weight of 1/2 or more: between -inf
    # and a number that is -inf, between a number and inf NaN (lo + (hi - lo) w gave NaN and inf)
    data = [[-math.inf, 1.0, 2.0], [-1.0, 2.0, math.inf]]
    for q in (0.1, 0.25, 0.4, 0.6, 0.75, 0.9):
        x = mg.tensor(data, dtype="float64", device=device, requires_grad=True)
        tx = torch.tensor(data, dtype=torch.float64, requires_grad=True)
        y, ty = mg.quantile(x, q, 1, interpolation=interpolation), torch.quantile(tx, q, 1, interpolation=interpolation)
        np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12)
        y.sum().backward()
        ty.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_torch_refuses_the_same_quantile_arguments():
    t = torch.tensor(X)
    for bad in (lambda: t.quantile(1.5), lambda: torch.quantile(torch.tensor([1, 2, 3]), 0.5),
                lambda: t.quantile(0.5, interpolation="cubic"), lambda: t.quantile(torch.tensor([0.5]))):
        with pytest.raises(RuntimeError):
            bad()


# ------------------------------------------------------------------ nansum, nanmean, std_mean, var_mean
@pytest.mark.parametrize("name", ["nansum", "nanmean"])
@pytest.mark.parametrize("dim, keepdim", [(None, False), (1, False), (0, True), ((0, 1), False)])
def test_nansum_nanmean_match_torch(name, dim, keepdim):
    data = WITH_NAN[:2] if name == "nanmean" or dim != 0 else WITH_NAN
    x, tx = pair(data)
    ours = getattr(x, name)(dim, keepdim) if dim is not None else getattr(x, name)(keepdim=keepdim)
    theirs = getattr(tx, name)(dim, keepdim) if dim is not None else getattr(tx, name)(keepdim=keepdim)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12, equal_nan=True)
    backward_both(mg.where(mg.isnan(ours), 0.0, ours), torch.nan_to_num(theirs, 0.0), x, tx)
    assert np.all(x.grad.numpy()[np.isnan(data)] == 0)


def test_nansum_of_integers_is_int64_and_nanmean_refuses_them():
    ours = mg.nansum(mg.tensor(np.array([[1, 2], [3, 4]], dtype=np.uint8)), 0)
    assert ours.dtype == np.int64 and ours.tolist() == [4, 6]
    with pytest.raises(TypeError, match=r"^nanmean: expects a floating tensor, got int64"):
        mg.nanmean(mg.tensor([1, 2]))


@pytest.mark.parametrize("name", ["std_mean", "var_mean"])
@pytest.mark.parametrize("kwargs", [{}, {"dim": 1}, {"dim": (0, 2), "keepdim": True}, {"dim": -1, "correction": 0},
                                    {"dim": 1, "unbiased": False}])
def test_std_mean_and_var_mean_match_torch(name, kwargs):
    x, tx = pair(X)
    ours, theirs = getattr(mg, name)(x, **kwargs), getattr(torch, name)(tx, **kwargs)
    assert type(ours) is tuple and len(ours) == 2
    for a, b in zip(ours, theirs):
        same(a, b)
    backward_both(ours[0] + ours[1] * 3.0, theirs[0] + theirs[1] * 3.0, x, tx)


# ------------------------------------------------------------------ cov, corrcoef
def test_cov_and_corrcoef_match_torch():
    data = RNG.standard_normal((4, 7))
    fweights, aweights = np.array([1, 2, 0, 3, 1, 1, 4]), RNG.uniform(0.5, 2.0, 7)
    both(lambda t: t.cov(), lambda t: t.cov(), data)
    both(lambda t: mg.cov(t, correction=0), lambda t: torch.cov(t, correction=0), data)
    both(lambda t: mg.cov(t[0]), lambda t: torch.cov(t[0]), data)       # one variable: a 0-d variance
    both(lambda t: t.corrcoef(), lambda t: t.corrcoef(), data)
    both(lambda t: mg.corrcoef(t[1]), lambda t: torch.corrcoef(t[1]), data)
    both(lambda t: mg.cov(t, correction=2, fweights=mg.tensor(fweights), aweights=mg.tensor(aweights, dtype="float64")),
         lambda t: torch.cov(t, correction=2, fweights=torch.tensor(fweights), aweights=torch.tensor(aweights)), data)
    a, ta = pair(aweights)
    ours, theirs = mg.cov(mg.tensor(data, dtype="float64"), aweights=a), torch.cov(torch.tensor(data), aweights=ta)
    backward_both(ours, theirs, a, ta)                                   # the weights' gradient too


def test_cov_errors():
    x = mg.tensor(X, dtype="float64")
    with pytest.raises(ValueError, match=r"^cov: expects a 1-D or 2-D tensor \(variables x observations\), got "
                                         r"shape \(3, 4, 5\)$"):
        mg.cov(x)
    with pytest.raises(ValueError, match=r"^cov: fweights must be a 0-d or 1-D tensor of 5 entries"):
        mg.cov(x[0], fweights=mg.tensor([1, 2]))
    with pytest.raises(TypeError, match=r"^cov: fweights must be an integer tensor, got float64$"):
        mg.cov(x[0], fweights=mg.tensor([1.0] * 5, dtype="float64"))
    with pytest.raises(TypeError, match=r"^cov: aweights \(float32\) must have the input's dtype \(float64\); "
                                        r"minigrad does not promote silently"):
        mg.cov(x[0], aweights=mg.tensor([1.0] * 5))
    with pytest.raises(ValueError, match=r"^cov: aweights must be non-negative$"):
        mg.cov(x[0], aweights=mg.tensor([1.0, -1.0, 1.0, 1.0, 1.0], dtype="float64"))


# ------------------------------------------------------------------ cumprod
CUMPROD_ZEROS = {
    "none": [[1.5, -0.5, 2.0, 0.7, -1.2]],
    "one zero": [[1.5, 0.0, -2.0, 0.7, 1.1]],
    "first entry zero": [[0.0, 1.5, -2.0, 0.7, 1.1]],
    "last entry zero": [[1.5, 0.3, -2.0, 0.7, 0.0]],
    "two zeros": [[1.5, 0.0, -2.0, 0.0, 0.9]],
    "three zeros": [[0.0, 0.0, -2.0, 0.0, 1.3]],
    "all zero": [[0.0, 0.0, 0.0, 0.0, 0.0]],
}


@pytest.mark.parametrize("case", sorted(CUMPROD_ZEROS))
@pytest.mark.parametrize("dim", [1, 0])
def test_cumprod_gradient_and_second_derivative_at_zeros_match_torch(case, dim):
    data = np.array(CUMPROD_ZEROS[case] * 2) * [[1.0], [0.5]]
    data = data if dim == 1 else data.T
    second_order_both(lambda t: t.cumprod(dim), lambda t: torch.cumprod(t, dim), data)
    both(lambda t: mg.cumprod(t, dim), lambda t: t.cumprod(dim), data)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumprod_matches_torch(dim):
    both(lambda t: t.cumprod(dim), lambda t: torch.cumprod(t, dim), X)
    both(lambda t: mg.cumprod(t, dim % 1), lambda t: t.cumprod(dim % 1), np.array(1.5))


def test_cumprod_along_a_dim_of_length_1_passes_the_gradient_of_an_infinity_or_nan(device):
    # y = x there, so dL/dx = g, as torch's; g y / x made it NaN at inf and NaN
    data = [[math.inf, 2.0], [NAN, -math.inf]]
    for dim, shape in ((0, (1, 2)), (1, (2, 1)), (0, (1,))):
        array = np.array(data).reshape(-1)[: math.prod(shape)].reshape(shape)
        x = mg.tensor(array, dtype="float64", device=device, requires_grad=True)
        tx = torch.tensor(array, requires_grad=True)
        g = RNG.standard_normal(shape)
        (gx,) = mg.grad((x.cumprod(dim) * mg.tensor(g, dtype="float64", device=device)).sum(), [x], create_graph=True)
        (gt,) = torch.autograd.grad((tx.cumprod(dim) * torch.tensor(g)).sum(), [tx], create_graph=True)
        np.testing.assert_array_equal(gx.numpy(), gt.numpy())


def test_cumsum_cumprod_and_prod_of_small_integers_and_bools_are_int64_as_torch():
    for dtype in (np.uint8, np.int8, np.int16, np.int32, np.bool_):
        data = np.array([[1, 2, 3], [0, 1, 1]], dtype=dtype)
        for fn in (lambda t: t.cumsum(1), lambda t: t.cumprod(1), lambda t: t.prod(dim=1), lambda t: t.prod()):
            ours, theirs = fn(mg.tensor(data)), fn(torch.tensor(data))
            assert ours.dtype == np.int64 and theirs.dtype == torch.int64
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert mg.tensor(np.array([200, 100], dtype=np.uint8)).cumsum(0).tolist() == [200, 300]   # no wrap-around


# ------------------------------------------------------------------ cummax, cummin
@pytest.mark.parametrize("name", ["cummax", "cummin"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cummax_cummin_match_torch_with_ties(name, dim):
    both(lambda t: getattr(t, name)(dim), lambda t: getattr(torch, name)(t, dim), np.round(X * 1.5))
    both(lambda t: getattr(mg, name)(t, dim), lambda t: getattr(t, name)(dim), TIES)


@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_cummax_cummin_with_nan_and_integers_as_torch(name):
    data = np.array([[1.0, 3.0, 2.0, 3.0, NAN, 5.0, NAN, 1.0], [0.0, -1.0, -1.0, 2.0, -3.0, -3.0, 4.0, 0.0]])
    ours, theirs = getattr(mg.tensor(data, dtype="float64"), name)(1), getattr(torch.tensor(data), name)(1)
    np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    ints = np.array([[3, 1, 4, 1, 5, 9, 2, 6]])
    ours, theirs = getattr(mg.tensor(ints), name)(1), getattr(torch.tensor(ints), name)(1)
    assert ours.values.dtype == np.int64 and ours.indices.dtype == np.int64
    np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())


# ------------------------------------------------------------------ logcumsumexp
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_logcumsumexp_matches_torch(dim):
    both(lambda t: t.logcumsumexp(dim), lambda t: torch.logcumsumexp(t, dim), X * 4.0)
    second_order_both(lambda t: mg.logcumsumexp(t, dim), lambda t: torch.logcumsumexp(t, dim), X)


def test_logcumsumexp_is_stable_for_far_apart_inputs():
    data = np.array([[-1000.0, 0.0, 1000.0, -1000.0, 999.0], [800.0, 790.0, -5.0, 801.0, 0.0]])
    ours = both(lambda t: t.logcumsumexp(1), lambda t: t.logcumsumexp(1), data)
    assert np.all(np.isfinite(ours.numpy()))
    assert ours.numpy()[0, 0] == -1000.0     # not log(exp(-1000 - max)) = -inf

def test_logcumsumexp_gradient_at_minus_inf_is_nan_through_a_minus_inf_output_as_torchs():
    # y_0 = x_0, so dy_0/dx_0 = 1 even at -inf: through an output still -inf the weight exp(x_j - y_i) is 0/0, NaN as
    # in torch and in logsumexp; through a finite output a -inf entry gets exactly 0.
    data = np.array([-np.inf, -np.inf, 0.0, 1.0, -np.inf])
    x, tx = pair(data)
    ours, theirs = x.logcumsumexp(0), tx.logcumsumexp(0)
    same(ours, theirs)
    g = np.array([1.0, -2.0, 0.5, 3.0, -1.0])
    ours.backward(mg.tensor(g, dtype="float64"))
    theirs.backward(torch.tensor(g))
    assert np.isnan(x.grad.numpy()[:2]).all() and np.isnan(tx.grad.numpy()[:2]).all()
    assert x.grad.numpy()[4] == 0.0 == tx.grad.numpy()[4]
    np.testing.assert_allclose(x.grad.numpy()[2:4], tx.grad.numpy()[2:4], rtol=1e-12)
    # A -inf entry behind a finite one adds nothing through any output: exactly 0, not NaN.
    x = mg.tensor([0.0, -np.inf, -np.inf], dtype="float64", requires_grad=True)
    x.logcumsumexp(0).backward(mg.tensor(g[:3], dtype="float64"))
    np.testing.assert_array_equal(x.grad.numpy(), [g[:3].sum(), 0.0, 0.0])


def test_logcumsumexp_mixed_second_derivative_through_a_zero_gradient():
    # the backward splits g by sign and left out g_i = 0: d(dL/dx)/dg_i was 0 there (torch: NaN), for the weights
    # exp(x_j - y_i), j <= i
    data = np.array([1.0, 2.0, 0.5, -1.0])
    x = mg.tensor(data, dtype="float64", requires_grad=True)
    w = mg.tensor([0.0, 1.0, 0.0, -0.0], dtype="float64", requires_grad=True)
    gx, = mg.grad((mg.logcumsumexp(x, 0) * w).sum(), x, create_graph=True)
    y = np.logaddexp.accumulate(data)
    weights = np.tril(np.exp(data[None, :] - y[:, None]))   # [i, j]
    for j in range(4):
        np.testing.assert_allclose(mg.grad(gx[j], w, retain_graph=True)[0].numpy(), weights[:, j], rtol=1e-14)
    np.testing.assert_allclose(gx.detach().numpy(), weights[1], rtol=1e-14)   # the gradient itself unchanged
    # the common case: a cotangent entry that is 0 and depends on x, here 2 y_0 with y_0 = x_0 = 0; the Hessian of
    # sum(logcumsumexp(x)^2) was 1.727 in that entry for 3.345 (torch's logcumsumexp still gives 1.727; its
    # log(cumsum(exp(x))) 3.345)
    x0, w0 = np.zeros(4), np.linspace(0.3, 1.7, 4)
    x = mg.tensor(x0, dtype="float64", requires_grad=True)
    g, = mg.grad((mg.logcumsumexp(x, 0) ** 2).sum(), x, create_graph=True)
    h, = mg.grad((g * mg.tensor(w0, dtype="float64")).sum(), x)
    tx = torch.tensor(x0, requires_grad=True)
    tg, = torch.autograd.grad((torch.log(torch.cumsum(torch.exp(tx), 0)) ** 2).sum(), tx, create_graph=True)
    th, = torch.autograd.grad((tg * torch.tensor(w0)).sum(), tx)
    np.testing.assert_allclose(h.numpy(), th.numpy(), rtol=1e-13)


def test_logcumsumexp_keeps_float32_and_takes_integers_as_float32():
    assert mg.tensor(X.astype(np.float32)).logcumsumexp(1).dtype == np.float32
    assert mg.logcumsumexp(mg.tensor([1, 2, 3]), 0).dtype == np.float32


# ------------------------------------------------------------------ diff
@pytest.mark.parametrize("n, dim", [(1, -1), (2, 0), (3, 2), (0, 1), (7, -1)])
def test_diff_matches_torch(n, dim):
    both(lambda t: t.diff(n, dim), lambda t: torch.diff(t, n, dim), X)


def test_diff_with_prepend_append_and_bools_as_torch():
    x, tx = pair(X)
    p, tp = pair(RNG.standard_normal((3, 4, 2)))
    a, ta = pair(RNG.standard_normal((3, 4, 1)))
    ours, theirs = mg.diff(x, 2, -1, prepend=p, append=a), torch.diff(tx, 2, -1, prepend=tp, append=ta)
    same(ours, theirs)
    backward_both(ours, theirs, p, tp)
    same(mg.diff(x, 0, -1, prepend=p), torch.diff(tx, 0, -1, prepend=tp))    # n = 0: the input, as torch
    bools = np.array([[True, False, False, True], [False, False, True, True]])
    ours, theirs = mg.tensor(bools).diff(), torch.tensor(bools).diff()
    assert ours.dtype == np.bool_
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    ints = np.array([1, 4, 9, 16])
    np.testing.assert_array_equal(mg.diff(mg.tensor(ints)).numpy(), torch.diff(torch.tensor(ints)).numpy())


def test_diff_errors():
    x = mg.tensor(X, dtype="float64")
    with pytest.raises(ValueError, match=r"^diff: prepend must have the input's shape \(3, 4, 5\) except along "
                                         r"dim -1, got shape \(3, 2\)$"):
        x.diff(prepend=mg.tensor(np.zeros((3, 2)), dtype="float64"))
    with pytest.raises(ValueError, match=r"^diff: n must be a non-negative int, got n=-1$"):
        x.diff(-1)
    with pytest.raises(ValueError, match=r"^diff: expects a tensor of at least one dimension"):
        mg.diff(mg.tensor(1.0))


# ------------------------------------------------------------------ float32 and 0-d
def test_float32_stays_float32():
    x = mg.tensor(X.astype(np.float32), requires_grad=True)
    outs = [x.amax(1), x.median(), x.median(1).values, x.kthvalue(2).values, x.mode(0).values, x.cumprod(1),
            x.cummax(2).values, x.logcumsumexp(0), x.diff(), x.nansum(), x.nanmean(1), *mg.std_mean(x, 1),
            mg.cov(x[0]), mg.corrcoef(x[0])]
    for out in outs:
        assert out.dtype == np.float32
    sum(o.sum() for o in outs).backward()
    assert x.grad.dtype == np.float32 and np.all(np.isfinite(x.grad.numpy()))


@pytest.mark.parametrize("name", ["var", "std"])
def test_float32_var_and_std_of_values_far_from_zero_have_no_mean_rounding_bias(name):
    # The float32 mean of 1e6 + N(0, 1) is off by ~0.03 (an ulp of 1e6 is 0.0625); its square added
    # ~1e-3 to the variance (std 0.98267 for 0.98223). torch accumulates in double and agrees with float64.
    a = (1e6 + np.random.default_rng(2).standard_normal((4, 1000))).astype(np.float32)
    x = mg.tensor(a, requires_grad=True)
    y = getattr(mg, name)(x, dim=1, correction=1)
    ref = torch.tensor(a.astype(np.float64), requires_grad=True)
    ry = getattr(torch, name)(ref, 1)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), ry.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(y.numpy(), getattr(torch, name)(torch.tensor(a), 1).numpy(), rtol=1e-6)
    y.sum().backward()
    ry.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), ref.grad.numpy(), rtol=1e-5, atol=1e-9)
    small = mg.tensor(np.random.default_rng(3).standard_normal((3, 4)), dtype="float64", requires_grad=True)
    for fn in (lambda t: getattr(mg, name)(t, dim=1, correction=1), lambda t: getattr(mg, name)(t, axis=None, ddof=0)):
        assert gradcheck(fn, (small,)) and gradgradcheck(fn, (small,))


@pytest.mark.parametrize("correction", [np.int64(1), np.float64(1.0), np.float64(0.5)], ids=repr)
def test_std_with_a_numpy_scalar_correction_stays_float32_as_torch(correction):
    # A NumPy scalar is not weak in NumPy 2's promotion: 1 / (n - np.int64(1)) is a float64 scalar, and a
    # float32 array times it is float64.
    a = X.astype(np.float32)
    x, tx = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    outs = [mg.std(x, dim=1, correction=correction), x.std(2, correction=correction),
            mg.std(x, axis=(0, 2), ddof=correction), mg.std_mean(x, 1, correction=correction)[0]]
    expected = [torch.std(tx, dim=1, correction=correction), tx.std(2, correction=correction),
                torch.std(tx, dim=(0, 2), correction=correction), torch.std_mean(tx, 1, correction=correction)[0]]
    assert [str(o.dtype) for o in outs] == ["float32"] * 4
    assert [e.dtype for e in expected] == [torch.float32] * 4
    for out, e in zip(outs, expected):
        np.testing.assert_allclose(out.numpy(), e.detach().numpy(), rtol=1e-6, atol=0)
    sum(o.sum() for o in outs).backward()
    sum(e.sum() for e in expected).backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_scan_of_a_0d_tensor_is_itself_as_torch():
    for name in ("cumprod", "logcumsumexp"):
        both(lambda t: getattr(t, name)(0), lambda t: getattr(t, name)(0), np.array(0.75))
    for name in ("cummax", "cummin"):
        both(lambda t: getattr(t, name)(-1), lambda t: getattr(t, name)(-1), np.array(0.75))
    assert math.isclose(float(mg.tensor(2.0).amax()), 2.0)


def test_the_doubling_scan_used_without_ufunc_accumulate_matches_numpys():
    # CuPy has no ufunc.accumulate for maximum/minimum/logaddexp: _running then takes log2(n) doubling steps.
    # A stand-in module that is not numpy runs that path here.
    import types

    from minigrad.ops.order_statistics import _running

    proxy = types.SimpleNamespace(flip=np.flip, maximum=np.maximum, minimum=np.minimum, logaddexp=np.logaddexp)
    data = RNG.standard_normal((3, 7, 5))
    for ufunc in (np.maximum, np.minimum, np.logaddexp):
        for axis in (0, 1, 2):
            for reverse in (False, True):
                expected = _running(np, ufunc, data, axis, reverse)
                np.testing.assert_allclose(_running(proxy, ufunc, data, axis, reverse), expected, rtol=1e-14)


@pytest.mark.parametrize("shape, dim", [((3, 0), 0), ((0, 4), 1), ((0, 4, 5), -1), ((2, 0, 3), 2)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_aminmax_over_a_nonempty_dim_of_an_empty_tensor_is_empty_as_torch(shape, dim, keepdim):
    """aminmax refused every empty tensor, where torch (and amin/amax) reduce a non-empty dim to an empty result."""
    x, tx = pair(np.zeros(shape))
    ours, theirs = x.aminmax(dim=dim, keepdim=keepdim), torch.aminmax(tx, dim=dim, keepdim=keepdim)
    same(ours.min, theirs.min)
    same(ours.max, theirs.max)
    (ours.min + ours.max).sum().backward()
    assert x.grad.shape == shape and x.grad.dtype == np.float64


def test_aminmax_still_refuses_to_reduce_nothing():
    with pytest.raises(ValueError, match=r"^aminmax: cannot reduce an empty tensor of shape \(0, 4\)$"):
        mg.zeros(0, 4).aminmax()
    with pytest.raises(ValueError, match=r"aminmax.*\(3, 0\)"):
        mg.zeros(3, 0).aminmax(dim=1)


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_long_float32_scans_accumulate_in_float64_as_torchs_cpu_scans(name):
    # float32 running sums drifted by about 10 over a million entries; torch's CPU scans round once at the end.
    data = (RNG.random(1_000_000) * 2e-3 + (0.0 if name == "cumsum" else 1.0 - 1e-3)).astype(np.float32)
    ours, theirs = getattr(mg.tensor(data), name)(0), getattr(torch.from_numpy(data), name)(0)
    assert ours.dtype == np.float32
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    x = mg.tensor(data, requires_grad=True)
    tx = torch.from_numpy(data).requires_grad_()
    getattr(x, name)(0).sum().backward()
    getattr(tx, name)(0).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)
