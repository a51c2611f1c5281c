"""minigrad.distributions against torch.distributions in float64: log_prob, entropy, moments, cdf/icdf and
kl_divergence, with the gradients of each in every parameter; sampling checked by its statistics."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import distributions as D
from distribution_agreement import close, grads_close, params
from torch_agreement import TOL

torch = pytest.importorskip("torch")
T = torch.distributions
RNG = np.random.default_rng(0)


def _grads_close(ours, theirs, out_m, out_t, lower_only=()):
    grads_close(ours, theirs, out_m, out_t, RNG, lower_only=lower_only, **TOL["float64"])


SCALE = np.abs(RNG.standard_normal(4)) + 0.3
LOC = RNG.standard_normal(4)
PROBS = np.array([0.1, 0.5, 0.9, 0.3])
CAT = np.abs(RNG.standard_normal((3, 5))) + 0.05
SPD = np.array([[2.0, 0.3, 0.1], [0.3, 1.5, -0.2], [0.1, -0.2, 1.0]])

CASES = {
    "Normal": (lambda m, p: m.Normal(*p), [LOC, SCALE], RNG.standard_normal(4)),
    "Uniform": (lambda m, p: m.Uniform(p[0], p[0] + p[1]), [LOC, SCALE], LOC + 0.5 * SCALE),
    "Exponential": (lambda m, p: m.Exponential(*p), [SCALE], np.abs(RNG.standard_normal(4))),
    "Laplace": (lambda m, p: m.Laplace(*p), [LOC, SCALE], RNG.standard_normal(4)),
    "Bernoulli(probs)": (lambda m, p: m.Bernoulli(probs=p[0]), [PROBS], np.array([0.0, 1.0, 1.0, 0.0])),
    "Bernoulli(logits)": (lambda m, p: m.Bernoulli(logits=p[0]), [LOC], np.array([1.0, 0.0, 1.0, 0.0])),
    "Categorical(probs)": (lambda m, p: m.Categorical(probs=p[0]), [CAT], np.array([0, 4, 2])),
    "Categorical(logits)": (lambda m, p: m.Categorical(logits=p[0]), [CAT], np.array([1, 3, 0])),
    "OneHotCategorical": (lambda m, p: m.OneHotCategorical(probs=p[0]), [CAT], np.eye(5)[[2, 0, 4]]),
    "MultivariateNormal(cov)": (lambda m, p: m.MultivariateNormal(p[0], covariance_matrix=p[1]),
                                [LOC[:3], SPD], RNG.standard_normal((2, 3))),
    "MultivariateNormal(tril)": (lambda m, p: m.MultivariateNormal(p[0], scale_tril=p[1]),
                                 [LOC[:3], np.linalg.cholesky(SPD)], RNG.standard_normal(3)),
    "MultivariateNormal(precision)": (lambda m, p: m.MultivariateNormal(p[0], precision_matrix=p[1]),
                                      [LOC[:3], SPD], RNG.standard_normal(3)),
    "Independent(Normal)": (lambda m, p: m.Independent(m.Normal(*p), 1), [LOC, SCALE], RNG.standard_normal(4)),
}


def _both(name):
    build, arrays, value = CASES[name]
    ours, theirs = params(*arrays)
    return build(D, ours), build(T, theirs), ours, theirs, value


def _value(value, lib):
    return mg.tensor(value, dtype="int64" if value.dtype.kind == "i" else "float64") if lib == "mg" else (
        torch.tensor(value))


@pytest.mark.parametrize("name", CASES)
def test_log_prob_and_its_gradients_as_torch(name):
    dm, dt, ours, theirs, value = _both(name)
    assert dm.batch_shape == tuple(dt.batch_shape) and dm.event_shape == tuple(dt.event_shape)
    out_m, out_t = dm.log_prob(_value(value, "mg")), dt.log_prob(_value(value, "torch"))
    close(out_m, out_t)
    _grads_close(ours, theirs, out_m, out_t)


@pytest.mark.parametrize("name", CASES)
def test_entropy_and_its_gradients_as_torch(name):
    dm, dt, ours, theirs, _ = _both(name)
    out_m, out_t = dm.entropy(), dt.entropy()
    close(out_m, out_t)
    _grads_close(ours, theirs, out_m, out_t)


@pytest.mark.parametrize("name", [n for n in CASES if not n.startswith("Categorical")])
def test_moments_as_torch(name):
    dm, dt, *_ = _both(name)
    close(dm.mean, dt.mean)
    close(dm.variance, dt.variance)
    close(dm.stddev, dt.stddev)


@pytest.mark.parametrize("name", ["Normal", "Uniform", "Exponential", "Laplace"])
def test_cdf_and_icdf_as_torch(name):
    dm, dt, ours, theirs, value = _both(name)
    close(dm.cdf(_value(value, "mg")), dt.cdf(_value(value, "torch")))
    q = np.array([0.05, 0.3, 0.5, 0.97])
    out_m, out_t = dm.icdf(mg.tensor(q, dtype="float64")), dt.icdf(torch.tensor(q))
    close(out_m, out_t)
    _grads_close(ours, theirs, out_m, out_t)


KL_PAIRS = [("Normal", [LOC, SCALE], [LOC[::-1], SCALE[::-1]]),
            ("Laplace", [LOC, SCALE], [LOC[::-1], SCALE[::-1]]),
            ("Exponential", [SCALE], [SCALE[::-1]]),
            ("Uniform", [LOC, SCALE], [LOC - 1.0, SCALE + 2.0]),
            ("Bernoulli(probs)", [PROBS], [PROBS[::-1]]),
            ("Categorical(logits)", [CAT], [CAT[::-1]]),
            ("OneHotCategorical", [CAT], [CAT[::-1]]),
            ("MultivariateNormal(tril)", [LOC[:3], np.linalg.cholesky(SPD)], [LOC[1:], np.linalg.cholesky(SPD * 2)]),
            ("Independent(Normal)", [LOC, SCALE], [LOC[::-1], SCALE[::-1]])]


@pytest.mark.parametrize("name,first,second", KL_PAIRS, ids=[p[0] for p in KL_PAIRS])
def test_kl_divergence_and_its_gradients_as_torch(name, first, second):
    build = CASES[name][0]
    (pm, pt), (qm, qt) = params(*first), params(*second)
    out_m = D.kl_divergence(build(D, pm), build(D, qm))
    out_t = T.kl_divergence(build(T, pt), build(T, qt))
    close(out_m, out_t, rtol=1e-11)
    _grads_close(pm + qm, pt + qt, out_m, out_t, lower_only=(1, 3) if "tril" in name else ())


def test_kl_of_uniforms_is_infinite_outside_the_support_and_unknown_pairs_are_refused():
    kl = D.kl_divergence(D.Uniform(0.0, 2.0), D.Uniform(0.5, 3.0))
    assert kl.item() == np.inf == T.kl_divergence(T.Uniform(0.0, 2.0), T.Uniform(0.5, 3.0)).item()
    with pytest.raises(NotImplementedError, match="^kl_divergence: no closed form registered for Normal and "
                                                  "Cauchy; register one with register_kl$"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Cauchy(0.0, 1.0))
    with pytest.raises(NotImplementedError):
        T.kl_divergence(T.Normal(0.0, 1.0), T.Cauchy(0.0, 1.0))


def test_kl_is_infinite_where_q_has_no_mass_and_p_has_some_as_torch():
    # probs are clamped into logits, so the plain formula gave a large finite number (17.3, 36.0) where KL is +inf
    p, q = np.array([[0.5, 0.5], [0.0, 1.0], [1.0, 0.0], [0.3, 0.7]]), np.array([[1.0, 0.0]] * 3 + [[0.6, 0.4]])
    for ours, theirs in ((D.Categorical, T.Categorical), (D.OneHotCategorical, T.OneHotCategorical)):
        out = D.kl_divergence(ours(mg.tensor(p, dtype="float64")), ours(mg.tensor(q, dtype="float64"))).numpy()
        expected = T.kl_divergence(theirs(torch.tensor(p)), theirs(torch.tensor(q))).numpy()
        np.testing.assert_allclose(out, expected, rtol=1e-12)
        assert out[0] == out[1] == np.inf and out[2] == 0.0
    pb, qb = np.array([0.5, 0.5, 0.0, 1.0, 1.0, 0.3]), np.array([0.0, 1.0, 1.0, 0.0, 0.5, 0.6])
    out = D.kl_divergence(D.Bernoulli(mg.tensor(pb, dtype="float64")), D.Bernoulli(mg.tensor(qb, dtype="float64")))
    expected = T.kl_divergence(T.Bernoulli(torch.tensor(pb)), T.Bernoulli(torch.tensor(qb)))
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-12)
    assert np.all(out.numpy()[:4] == np.inf)
    logits = D.kl_divergence(D.Bernoulli(logits=mg.tensor([0.0, 0.0], dtype="float64")),
                             D.Bernoulli(logits=mg.tensor([-np.inf, np.inf], dtype="float64")))
    assert np.all(logits.numpy() == np.inf)
    pm, qm = mg.tensor([1.0, 0.0], dtype="float64", requires_grad=True), mg.tensor([0.5, 0.5], requires_grad=True,
                                                                                   dtype="float64")
    pt, qt = torch.tensor([1.0, 0.0], requires_grad=True, dtype=torch.float64), torch.tensor([0.5, 0.5],
                                                                                             requires_grad=True,
                                                                                             dtype=torch.float64)
    D.kl_divergence(D.Categorical(pm), D.Categorical(qm)).backward()
    T.kl_divergence(T.Categorical(pt), T.Categorical(qt)).backward()
    np.testing.assert_allclose(pm.grad.numpy(), pt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(qm.grad.numpy(), qt.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["Normal", "Uniform", "Exponential", "Laplace", "MultivariateNormal(cov)"])
def test_rsample_statistics_and_pathwise_gradient(name):
    mg.manual_seed(0)
    dm, dt, ours, theirs, _ = _both(name)
    x = dm.rsample((200000,))
    assert x.shape == (200000,) + dm.batch_shape + dm.event_shape and x.dtype == np.float64
    se = np.sqrt(dt.variance.detach().numpy() / 200000)
    assert np.all(np.abs(x.numpy().mean(0) - dt.mean.detach().numpy()) < 5 * se)
    assert np.allclose(x.numpy().var(0), dt.variance.detach().numpy(), rtol=0.02)
    x.mean().backward()
    assert ours[0].grad is not None   # the draws are differentiable in the parameters (reparameterization)
    if name in ("Normal", "Laplace"):
        np.testing.assert_allclose(ours[0].grad.numpy(), np.full(4, 1 / 4), rtol=1e-9)   # d mean(loc + s e) / d loc


@pytest.mark.parametrize("name", ["Bernoulli(probs)", "Categorical(probs)", "OneHotCategorical"])
def test_discrete_samples_follow_the_probabilities(name):
    mg.manual_seed(1)
    dm, dt, *_ = _both(name)
    x = dm.sample((100000,))
    assert x.shape == (100000,) + dm.batch_shape + dm.event_shape
    assert not x.requires_grad
    if name.startswith("Categorical"):
        assert x.dtype == np.int64
        freq = np.stack([(x.numpy() == k).mean(0) for k in range(5)], -1)
    else:
        freq = x.numpy().mean(0)
    np.testing.assert_allclose(freq, dt.probs.detach().numpy(), atol=0.01)   # sd <= 0.0016


def test_bad_parameters_are_one_clear_error():
    with pytest.raises(ValueError, match=r"^Normal: expected parameter scale \(shape \(2,\)\) to be > 0"):
        D.Normal(mg.zeros(2), mg.tensor([1.0, -1.0]))
    with pytest.raises(ValueError, match="^Bernoulli: give exactly one of probs or logits, got both$"):
        D.Bernoulli(probs=0.5, logits=0.0)
    with pytest.raises(ValueError, match=r"^Bernoulli: expected parameter probs \(shape \(\)\) to be in \[0, 1\], "
                                         r"got 1.5 among its values$"):
        D.Bernoulli(probs=1.5)
    with pytest.raises(ValueError):
        T.Bernoulli(logits=torch.tensor(float("nan")))
    with pytest.raises(ValueError, match=r"^Bernoulli: expected parameter logits \(shape \(2,\)\) to be real "
                                         r"\(not NaN\), got nan among its values$"):
        D.Bernoulli(logits=mg.tensor([0.0, float("nan")]))     # was accepted (probs NaN)
    assert np.isnan(D.Bernoulli(logits=mg.tensor([float("nan")]), validate_args=False).probs.numpy()).all()
    with pytest.raises(ValueError, match=r"^Categorical: expected parameter logits \(shape \(2,\)\) to be real "
                                         r"vectors \(no NaN\), got nan among its values$"):   # said 'probs' before
        D.Categorical(logits=mg.tensor([float("nan"), 1.0]))
    with pytest.raises(ValueError, match=r"^MultivariateNormal: the batch shapes of loc \(4, 2\) and scale_tril "
                                         r"\(3, 2, 2\) do not broadcast$"):      # was broadcast_tensors' error
        D.MultivariateNormal(mg.zeros((4, 2)), scale_tril=mg.tensor(np.stack([np.eye(2)] * 3)))
    with pytest.raises(RuntimeError):
        T.MultivariateNormal(torch.zeros(4, 2), scale_tril=torch.eye(2).expand(3, 2, 2))
    with pytest.raises(ValueError, match=r"^Categorical.log_prob: values must be integers in \[0, 3\), got 3 among "
                                         r"them$"):
        D.Categorical(probs=mg.tensor([0.2, 0.3, 0.5])).log_prob(mg.tensor(3))
    with pytest.raises(ValueError, match="^MultivariateNormal: give exactly one of covariance_matrix"):
        D.MultivariateNormal(mg.zeros(2))
    with pytest.raises(NotImplementedError, match=r"^Bernoulli has no reparameterized sample \(rsample\)"):
        D.Bernoulli(probs=0.5).rsample()


def test_categorical_log_prob_refuses_a_value_that_is_no_category_as_torch():
    probs = np.array([[0.2, 0.8], [0.5, 0.5], [0.1, 0.9]])
    ours = D.Categorical(probs=mg.tensor(probs, dtype="float64"))
    with pytest.raises(ValueError):     # torch: 0.5 is outside the support (integers 0..1)
        T.Categorical(probs=torch.tensor(probs)).log_prob(torch.tensor([0.5], dtype=torch.float64))
    with pytest.raises(ValueError, match=r"^Categorical.log_prob: values must be integers in \[0, 2\), got 0.5 among "
                                         r"them$"):
        ours.log_prob(mg.tensor([0.5], dtype="float64"))       # was read as category 0
    with pytest.raises(ValueError, match=r"^Categorical.log_prob: values must be integers in \[0, 2\), got nan"):
        ours.log_prob(mg.tensor([float("nan")], dtype="float64"))
    with pytest.raises(ValueError, match=r"^Categorical.log_prob: value of shape \(4, 2\) does not broadcast with the "
                                         r"batch shape \(3,\)$"):
        ours.log_prob(mg.zeros((4, 2), dtype="int64"))
    whole = mg.tensor([[1.0], [0.0]], dtype="float64")        # integral floats broadcast against the batch as torch
    np.testing.assert_allclose(ours.log_prob(whole).numpy(),
                               T.Categorical(probs=torch.tensor(probs)).log_prob(torch.tensor([[1], [0]])).numpy(),
                               rtol=1e-15)
    one_hot = D.OneHotCategorical(probs=mg.tensor(probs, dtype="float64"))
    np.testing.assert_allclose(one_hot.log_prob(mg.tensor([[0.0, 1.0]], dtype="float64")).numpy(), np.log(probs[:, 1]),
                               rtol=1e-15)


def test_a_matrix_that_is_not_positive_definite_is_named_as_torch_names_it():
    loc, bad = mg.zeros(2, dtype="float64"), np.array([[1.0, 2.0], [2.0, 1.0]])   # eigenvalues 3 and -1
    for name in ("covariance_matrix", "precision_matrix"):
        # was Cholesky's error, naming no parameter
        with pytest.raises(ValueError, match=rf"^MultivariateNormal: expected parameter {name} \(shape \(2, 2\)\) "
                                             r"to be symmetric positive definite, got the matrix \[\[1\., 2\.\], "
                                             r"\[2\., 1\.\]\]$"):
            D.MultivariateNormal(loc, **{name: mg.tensor(bad, dtype="float64")})
        with pytest.raises(ValueError, match=f"Expected parameter {name}"):
            T.MultivariateNormal(torch.zeros(2, dtype=torch.float64), **{name: torch.tensor(bad)})
    batch = mg.tensor(np.stack([np.eye(2), bad]), dtype="float64")
    with pytest.raises(ValueError, match=r"^MultivariateNormal: expected parameter covariance_matrix \(shape "
                                         r"\(2, 2, 2\)\) to be symmetric positive definite, got the matrix .* at "
                                         r"batch index \(1,\)$"):
        D.MultivariateNormal(loc, covariance_matrix=batch)
    with pytest.raises(ValueError, match=r"^MultivariateNormal: expected parameter scale_tril \(shape \(2, 2\)\) to be "
                                         r"lower triangular with a positive diagonal, got the matrix \[\[-1\.,  0\.\], "
                                         r"\[ 2\.,  1\.\]\]$"):
        D.MultivariateNormal(loc, scale_tril=mg.tensor([[-1.0, 0.0], [2.0, 1.0]], dtype="float64"))


@pytest.mark.parametrize("build,method", [
    (lambda: D.Normal(mg.zeros(2, dtype="float64"), mg.ones(2, dtype="float64")), "log_prob"),
    (lambda: D.Gamma(mg.ones(2, dtype="float64"), mg.ones(2, dtype="float64")), "log_prob"),
    (lambda: D.Exponential(mg.ones(2, dtype="float64")), "cdf"),
    (lambda: D.Laplace(mg.zeros(2, dtype="float64"), mg.ones(2, dtype="float64")), "icdf"),
    (lambda: D.LogNormal(mg.zeros(2, dtype="float64"), mg.ones(2, dtype="float64")), "log_prob"),
])
def test_a_value_of_another_float_dtype_is_one_clear_error(build, method):
    # mg.tensor(np.array([...])) is float32: such a value met float64 parameters deep inside the formula, and the
    # error named that op (sub, xlogy, mul); now it names the distribution and both dtypes
    name = type(build()).__name__
    with pytest.raises(TypeError, match=rf"^{name}: value of dtype float32 \(shape \(2,\)\) for parameters of dtype "
                                        r"float64; minigrad does not promote silently, cast one with .astype\(\)$"):
        getattr(build(), method)(mg.tensor(np.array([0.5, 0.25])))
    assert getattr(build(), method)(mg.tensor([0.5, 0.25], dtype="float64")).dtype == np.float64
    assert getattr(build(), method)(0.5).dtype == np.float64          # numbers take the parameters' dtype


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_bernoulli_with_infinite_logits_is_a_certain_draw(dtype):
    # logits +-inf: the formulas read inf - inf, NaN (torch's are NaN too); the draw is certain, so log p is 0 for
    # the drawn outcome and -inf for the other, the entropy 0, and the finite entries keep their gradients
    logits = mg.tensor([-np.inf, np.inf, 0.3], dtype=dtype, requires_grad=True)
    d = D.Bernoulli(logits=logits)
    zeros, ones = mg.zeros(3, dtype=dtype), mg.ones(3, dtype=dtype)
    np.testing.assert_array_equal(d.log_prob(zeros).numpy()[:2], [0.0, -np.inf])
    np.testing.assert_array_equal(d.log_prob(ones).numpy()[:2], [-np.inf, 0.0])
    np.testing.assert_array_equal(d.entropy().numpy()[:2], [0.0, 0.0])
    finite = T.Bernoulli(logits=torch.tensor([0.3], dtype=getattr(torch, dtype), requires_grad=True))
    np.testing.assert_allclose(d.log_prob(ones).numpy()[2], finite.log_prob(torch.ones(1)).item(), rtol=1e-6)
    assert d.log_prob(ones).dtype == d.entropy().dtype == dtype
    (d.log_prob(mg.tensor([[0.0, 1.0, 1.0]], dtype=dtype)).sum() + d.entropy().sum()).backward()
    theirs = finite.logits
    (finite.log_prob(torch.ones(1)).sum() + finite.entropy().sum()).backward()
    np.testing.assert_array_equal(logits.grad.numpy()[:2], [0.0, 0.0])
    np.testing.assert_allclose(logits.grad.numpy()[2], theirs.grad.item(), rtol=1e-6)
    with pytest.raises(ValueError, match=r"^Bernoulli.log_prob: expected value \(shape \(3,\)\) to be 0 or 1, got "
                                         r"0.5 among its values$"):    # was 'values must be 0 or 1'
        D.Bernoulli(logits=logits).log_prob(mg.tensor([1.0, 0.5, 0.0], dtype=dtype))
    with pytest.raises(ValueError, match=r"^Bernoulli.log_prob: value of shape \(2,\) does not broadcast with the "
                                         r"batch shape \(3,\) and event shape \(\)$"):   # was Mul's error
        D.Bernoulli(logits=logits).log_prob(mg.tensor([1.0, 0.0], dtype=dtype))


def test_float32_parameters_stay_float32():
    d = D.Normal(mg.zeros(3), mg.ones(3))
    assert d.sample().dtype == np.float32 and d.log_prob(mg.zeros(3)).dtype == np.float32
    assert D.Normal(0.0, 1.0).rsample((2,)).dtype == np.float32


@pytest.mark.parametrize("name", [n for n in CASES if "precision" not in n])
def test_log_prob_and_entropy_pass_gradcheck_and_gradgradcheck(name):
    build, arrays, value = CASES[name]
    params = [mg.tensor(np.ascontiguousarray(a), dtype="float64", requires_grad=True) for a in arrays]
    v = _value(value, "mg")

    def f(*p):
        if "cov" in name:   # a covariance is symmetric: perturb it symmetrically (Cholesky reads one triangle)
            p = (p[0], (p[1] + p[1].T) / 2.0)
        d = build(D, list(p))
        return d.log_prob(v).sum() + d.entropy().sum()
    assert mg.gradcheck(f, params)
    assert mg.gradgradcheck(f, params)


@pytest.mark.filterwarnings("ignore:invalid value encountered")   # Chi2(inf)'s entropy: inf - inf, NaN in both
@pytest.mark.parametrize("name, params", [
    ("Normal", {"loc": [np.inf, -np.inf, 1.0], "scale": [1.0, 2.0, 3.0]}),
    ("Laplace", {"loc": [np.inf, -np.inf, 1.0], "scale": [1.0, 2.0, 3.0]}),
    ("Cauchy", {"loc": [np.inf, -np.inf, 1.0], "scale": [1.0, 2.0, 3.0]}),
    ("Gumbel", {"loc": [np.inf, -np.inf, 1.0], "scale": [1.0, 2.0, 3.0]}),
    ("HalfNormal", {"scale": [1.0, np.inf]}),
    ("Exponential", {"rate": [1.0, np.inf]}),
    ("Chi2", {"df": [1.0, np.inf]}),
    ("LogNormal", {"loc": [np.inf, 0.0], "scale": [1.0, 1.0]}),
])
def test_properties_that_do_not_read_a_parameter_are_torchs_where_it_is_infinite(name, params, device):
    # they took the batch shape as 0.0 * parameter, NaN at an infinite one: Normal(inf, 1).entropy() was NaN where
    # torch gives 1.4189 (so Laplace's, Cauchy's and Gumbel's entropies, Gumbel's stddev and variance, Cauchy's
    # variance), HalfNormal(inf)'s and Exponential(inf)'s mode NaN (torch 0), Chi2(inf)'s mean NaN (torch inf)
    ours = getattr(D, name)(**{k: mg.tensor(v, dtype="float64", device=device) for k, v in params.items()})
    theirs = getattr(T, name)(**{k: torch.tensor(v, dtype=torch.float64) for k, v in params.items()})
    for what in ["entropy", "mean", "mode", "variance", "stddev"]:
        got, expected = getattr(ours, what), getattr(theirs, what)
        got, expected = (got(), expected()) if callable(got) else (got, expected)
        assert got.dtype == np.float64 and got.shape == tuple(expected.shape) and got.device.startswith(device)
        np.testing.assert_allclose(got.numpy(), expected.detach().numpy(), rtol=1e-12, err_msg=f"{name}.{what}")
