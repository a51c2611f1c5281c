"""The count, location-scale and gamma-family distributions (Poisson, Binomial, Geometric, Multinomial, Cauchy, Gumbel,
HalfNormal, LogNormal, StudentT, Gamma, Chi2, Beta, Dirichlet) against torch.distributions in float64: log_prob,
entropy, moments, mode, cdf/icdf and kl_divergence with the gradients of each; sampling checked by a two-sample
Kolmogorov-Smirnov test against torch's own sampler and by its moments; the implicit reparameterization gradient
of Gamma draws against a finite difference of the exact CDF."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import distributions as D
from minigrad.distributions.standard_gamma import standard_gamma_grad
from distribution_agreement import close, grads_close, params
from torch_agreement import TOL

torch = pytest.importorskip("torch")
T = torch.distributions
RNG = np.random.default_rng(7)


def _grads_close(ours, theirs, out_m, out_t, rtol=TOL["float64"]["rtol"]):
    grads_close(ours, theirs, out_m, out_t, RNG, rtol=rtol, atol=1e-13)


SCALE = np.abs(RNG.standard_normal(4)) + 0.3
LOC = RNG.standard_normal(4)
PROBS = np.array([0.1, 0.5, 0.9, 0.3])
CAT = np.abs(RNG.standard_normal((3, 5))) + 0.05
DF = np.array([0.7, 1.5, 3.0, 8.0])     # StudentT: no mean, infinite variance, finite variance

CASES = {
    "Poisson": (lambda m, p: m.Poisson(p[0]), [3 * SCALE], np.array([0.0, 1.0, 3.0, 2.0])),
    "Binomial(probs)": (lambda m, p: m.Binomial(5, probs=p[0]), [PROBS], np.array([0.0, 2.0, 5.0, 1.0])),
    "Binomial(logits)": (lambda m, p: m.Binomial(5, logits=p[0]), [LOC], np.array([0.0, 2.0, 5.0, 1.0])),
    "Geometric(probs)": (lambda m, p: m.Geometric(probs=p[0]), [PROBS], np.array([0.0, 3.0, 1.0, 7.0])),
    "Geometric(logits)": (lambda m, p: m.Geometric(logits=p[0]), [LOC], np.array([0.0, 3.0, 1.0, 7.0])),
    "Multinomial": (lambda m, p: m.Multinomial(6, probs=p[0]), [CAT],
                    np.array([[1.0, 0, 2, 3, 0], [0, 0, 0, 6, 0], [1, 1, 1, 1, 2]])),
    "Cauchy": (lambda m, p: m.Cauchy(*p), [LOC, SCALE], RNG.standard_normal(4)),
    "Gumbel": (lambda m, p: m.Gumbel(*p), [LOC, SCALE], RNG.standard_normal(4)),
    "HalfNormal": (lambda m, p: m.HalfNormal(*p), [SCALE], np.abs(RNG.standard_normal(4))),
    "LogNormal": (lambda m, p: m.LogNormal(*p), [LOC, SCALE], np.abs(RNG.standard_normal(4)) + 0.1),
    "StudentT": (lambda m, p: m.StudentT(*p), [DF, LOC, SCALE], RNG.standard_normal(4)),
    "Gamma": (lambda m, p: m.Gamma(*p), [2 * SCALE, SCALE[::-1]], np.abs(RNG.standard_normal(4)) + 0.1),
    "Chi2": (lambda m, p: m.Chi2(*p), [3 * SCALE], np.abs(RNG.standard_normal(4)) + 0.1),
    "Beta": (lambda m, p: m.Beta(*p), [2 * SCALE, SCALE[::-1] + 0.5], np.array([0.1, 0.5, 0.7, 0.95])),
    "Dirichlet": (lambda m, p: m.Dirichlet(p[0]), [CAT], CAT[::-1] / CAT[::-1].sum(-1, keepdims=True)),
}
NO_ENTROPY = {"Poisson"}    # torch has none either
# torch computes Multinomial's lgamma(n + 1) of an int64 tensor in float32, which moves its entropy by ~2e-8
ENTROPY_RTOL = {"Multinomial": 1e-7}
# Gradients that pass through trigamma (polygamma(1, x)): torch's float64 trigamma is off by up to 5e-10 relative
# against mpmath on (0.3, 5) where ours is within 2.3e-16, so these agree with torch to 1e-8, not to rounding
TRIGAMMA = {"StudentT", "Gamma", "Chi2", "Beta", "Dirichlet"}
TRIGAMMA_RTOL = 1e-8


def _both(name):
    build, arrays, value = CASES[name]
    ours, theirs = params(*arrays)
    return build(D, ours), build(T, theirs), ours, theirs, value


@pytest.mark.parametrize("name", CASES)
def test_log_prob_and_its_gradients_as_torch(name):
    dm, dt, ours, theirs, value = _both(name)
    assert dm.batch_shape == tuple(dt.batch_shape) and dm.event_shape == tuple(dt.event_shape)
    out_m = dm.log_prob(mg.tensor(value, dtype="float64"))
    out_t = dt.log_prob(torch.tensor(value))
    close(out_m, out_t)
    _grads_close(ours, theirs, out_m, out_t)


@pytest.mark.parametrize("name", [n for n in CASES if n not in NO_ENTROPY])
def test_entropy_and_its_gradients_as_torch(name):
    dm, dt, ours, theirs, _ = _both(name)
    out_m, out_t = dm.entropy(), dt.entropy()
    close(out_m, out_t, rtol=ENTROPY_RTOL.get(name, 1e-12))
    rtol = TRIGAMMA_RTOL if name in TRIGAMMA else ENTROPY_RTOL.get(name, TOL["float64"]["rtol"])
    _grads_close(ours, theirs, out_m, out_t, rtol=rtol)
    close(dm.perplexity(), dt.perplexity(), rtol=ENTROPY_RTOL.get(name, 1e-12))


def test_poisson_has_no_entropy_as_torch():
    with pytest.raises(NotImplementedError, match="^Poisson does not define entropy$"):
        D.Poisson(2.0).entropy()


@pytest.mark.parametrize("name", CASES)
def test_moments_and_mode_as_torch(name):
    for what in ("mean", "variance", "stddev") + (("mode",) if name != "Multinomial" else ()):
        dm, dt, ours, theirs, _ = _both(name)
        out_m, out_t = getattr(dm, what), getattr(dt, what)
        close(out_m, out_t)     # NaN (Cauchy's, StudentT's mean) and inf (their variance) at the same places
        finite = np.isfinite(out_t.detach().numpy())
        if what in ("mean", "variance") and out_t.requires_grad and np.all(finite):
            _grads_close(ours, theirs, out_m, out_t)


CDF_CASES = ["Cauchy", "Gumbel", "HalfNormal", "LogNormal"]


@pytest.mark.parametrize("name", CDF_CASES)
def test_cdf_and_icdf_and_their_gradients_as_torch(name):
    dm, dt, ours, theirs, value = _both(name)
    out_m, out_t = dm.cdf(mg.tensor(value, dtype="float64")), dt.cdf(torch.tensor(value))
    close(out_m, out_t)
    _grads_close(ours, theirs, out_m, out_t)
    q = np.array([0.05, 0.3, 0.5, 0.97])
    dm, dt, ours, theirs, _ = _both(name)
    out_m, out_t = dm.icdf(mg.tensor(q, dtype="float64")), dt.icdf(torch.tensor(q))
    close(out_m, out_t)
    _grads_close(ours, theirs, out_m, out_t)


@pytest.mark.parametrize("name", ["Gamma", "Chi2"])
def test_gamma_cdf_as_torch_differentiable_in_rate_and_value(name):
    build, arrays, value = CASES[name]
    x_m = mg.tensor(value, dtype="float64", requires_grad=True)
    x_t = torch.tensor(value, requires_grad=True)
    if name == "Gamma":   # the derivative in the concentration does not exist in torch (igamma's first argument)
        rate_m, rate_t = params(arrays[1])
        dm = D.Gamma(mg.tensor(arrays[0], dtype="float64"), rate_m[0])
        dt = T.Gamma(torch.tensor(arrays[0]), rate_t[0])
        ours, theirs = [x_m, rate_m[0]], [x_t, rate_t[0]]
    else:
        dm, dt = D.Chi2(mg.tensor(arrays[0], dtype="float64")), T.Chi2(torch.tensor(arrays[0]))
        ours, theirs = [x_m], [x_t]
    out_m, out_t = dm.cdf(x_m), dt.cdf(x_t)
    close(out_m, out_t)
    _grads_close(ours, theirs, out_m, out_t)


KL_PAIRS = [("Gamma", [2 * SCALE, SCALE], [SCALE[::-1] + 1.0, 2 * SCALE[::-1]]),
            ("Chi2", [3 * SCALE], [SCALE[::-1] + 1.0]),
            ("Beta", [2 * SCALE, SCALE + 0.5], [SCALE[::-1] + 1.0, SCALE[::-1]]),
            ("Dirichlet", [CAT], [CAT[::-1] + 0.5]),
            ("Poisson", [3 * SCALE], [SCALE[::-1] + 0.2]),
            ("Geometric(probs)", [PROBS], [PROBS[::-1]]),
            ("Geometric(logits)", [LOC], [LOC[::-1]]),
            ("Binomial(probs)", [PROBS], [PROBS[::-1]]),
            ("Gumbel", [LOC, SCALE], [LOC[::-1], SCALE[::-1]]),
            ("HalfNormal", [SCALE], [SCALE[::-1]]),
            ("LogNormal", [LOC, SCALE], [LOC[::-1], SCALE[::-1]]),
            ("Cauchy", [LOC, SCALE], [LOC[::-1], SCALE[::-1]])]


@pytest.mark.parametrize("name,first,second", KL_PAIRS, ids=[p[0] for p in KL_PAIRS])
def test_kl_divergence_and_its_gradients_as_torch(name, first, second):
    build = CASES[name][0]
    (pm, pt), (qm, qt) = params(*first), params(*second)
    out_m = D.kl_divergence(build(D, pm), build(D, qm))
    out_t = T.kl_divergence(build(T, pt), build(T, qt))
    close(out_m, out_t, rtol=1e-11)
    _grads_close(pm + qm, pt + qt, out_m, out_t, rtol=TRIGAMMA_RTOL if name in TRIGAMMA else TOL["float64"]["rtol"])


@pytest.mark.parametrize("order", ["Exponential-Gamma", "Gamma-Exponential"])
def test_kl_between_exponential_and_gamma_as_torch(order):
    (em, et), (gm, gt) = params(SCALE), params(2 * SCALE[::-1], SCALE + 0.5)
    pairs_m, pairs_t = (D.Exponential(*em), D.Gamma(*gm)), (T.Exponential(*et), T.Gamma(*gt))
    if order == "Gamma-Exponential":
        pairs_m, pairs_t = pairs_m[::-1], pairs_t[::-1]
    out_m, out_t = D.kl_divergence(*pairs_m), T.kl_divergence(*pairs_t)
    close(out_m, out_t, rtol=1e-11)
    _grads_close(em + gm, et + gt, out_m, out_t, rtol=TRIGAMMA_RTOL)


def test_kl_of_binomials_with_different_counts_as_torch():
    p, q = D.Binomial(mg.tensor([5.0, 6.0]), probs=mg.tensor([0.3, 0.3])), D.Binomial(5, probs=mg.tensor([0.4, 0.4]))
    tp = T.Binomial(torch.tensor([5.0, 6.0]), probs=torch.tensor([0.3, 0.3]))
    tq = T.Binomial(5, probs=torch.tensor([0.4, 0.4]))
    np.testing.assert_allclose(D.kl_divergence(p, q).numpy(), T.kl_divergence(tp, tq).numpy(), rtol=1e-6)
    assert D.kl_divergence(p, q).numpy()[1] == np.inf
    with pytest.raises(NotImplementedError, match="q.total_count > p.total_count"):
        D.kl_divergence(q, p)


def test_count_kl_at_the_edges_of_the_parameters_is_the_exact_limit():
    # torch (and the formulas used before) gave -inf for KL(Binomial(n, 1) || Binomial(n, 1/2)) = n log 2, NaN for
    # KL(Binomial(n, p) || itself) at p = 1, NaN for KL(Poisson(0) || Poisson(r)) = r and +inf for KL(Geometric(1) ||
    # Geometric(1)) = 0; each is now the limit of the interior values
    f64 = dict(dtype="float64")
    p, q = mg.tensor([1.0, 1.0, 0.0, 0.0, 0.5, 0.3], **f64), mg.tensor([0.5, 1.0, 0.0, 1.0, 1.0, 0.6], **f64)
    binomial = D.kl_divergence(D.Binomial(3, probs=p), D.Binomial(3, probs=q)).numpy()
    np.testing.assert_allclose(binomial[:3], [3 * math.log(2.0), 0.0, 0.0], atol=1e-14)
    assert binomial[3] == binomial[4] == np.inf
    interior = T.kl_divergence(T.Binomial(3, probs=torch.tensor(0.3, dtype=torch.float64)),
                               T.Binomial(3, probs=torch.tensor(0.6, dtype=torch.float64))).item()
    np.testing.assert_allclose(binomial[5], interior, rtol=1e-12)
    near = 1.0 - 1e-9                                     # the value at p = 1 is the limit from inside
    np.testing.assert_allclose(binomial[0], D.kl_divergence(D.Binomial(3, probs=mg.tensor(near, **f64)),
                                                            D.Binomial(3, probs=mg.tensor(0.5, **f64))).item(),
                               rtol=1e-7)
    rates_p, rates_q = mg.tensor([0.0, 0.0, 1.0, 2.0], **f64), mg.tensor([1.5, 0.0, 0.0, 3.0], **f64)
    poisson = D.kl_divergence(D.Poisson(rates_p), D.Poisson(rates_q)).numpy()
    np.testing.assert_allclose(poisson, [1.5, 0.0, np.inf, 2 * math.log(2 / 3) + 1.0], rtol=1e-14)
    gp = mg.tensor([1.0, 1.0, 0.5], **f64, requires_grad=True)
    geometric = D.kl_divergence(D.Geometric(probs=gp), D.Geometric(probs=mg.tensor([1.0, 0.5, 1.0], **f64)))
    np.testing.assert_allclose(geometric.numpy(), [0.0, math.log(2.0), np.inf], atol=1e-14)
    geometric[:2].sum().backward()
    tp = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    T.kl_divergence(T.Geometric(probs=tp), T.Geometric(probs=torch.tensor(0.5, dtype=torch.float64))).backward()
    assert np.all(np.isfinite(gp.grad.numpy()[:2])) and abs(gp.grad.numpy()[1] - tp.grad.item()) < 1e-9


def test_binomial_and_geometric_with_infinite_logits_are_certain_draws():
    # all n successes at +inf, none at -inf (torch: NaN); the entropy is 0 there, and finite entries are unchanged
    logits = mg.tensor([-np.inf, np.inf, 0.3], dtype="float64", requires_grad=True)
    d = D.Binomial(mg.tensor([3.0, 4.0, 5.0], dtype="float64"), logits=logits)
    value = mg.tensor([[0.0, 4.0, 2.0], [3.0, 0.0, 2.0], [1.0, 2.0, 2.0]], dtype="float64")
    out = d.log_prob(value).numpy()
    np.testing.assert_array_equal(out[:, :2], [[0.0, 0.0], [-np.inf, -np.inf], [-np.inf, -np.inf]])
    expected = T.Binomial(5.0, logits=torch.tensor(0.3, dtype=torch.float64)).log_prob(torch.tensor(2.0,
                                                                                               dtype=torch.float64))
    np.testing.assert_allclose(out[:, 2], expected.item(), rtol=1e-12)
    entropy = D.Binomial(4, logits=logits).entropy()
    np.testing.assert_array_equal(entropy.numpy()[:2], [0.0, 0.0])
    np.testing.assert_allclose(entropy.numpy()[2], T.Binomial(4, logits=torch.tensor(0.3, dtype=torch.float64))
                               .entropy().item(), rtol=1e-12)
    (d.log_prob(value)[0].sum() + entropy.sum()).backward()
    assert np.all(np.isfinite(logits.grad.numpy())) and np.all(logits.grad.numpy()[:2] == 0.0)
    geometric = D.Geometric(logits=mg.tensor([np.inf, -np.inf, 0.3], dtype="float64", requires_grad=True))
    h = geometric.entropy()                # certain success at once: 0; never a success: +inf (torch: NaN)
    np.testing.assert_array_equal(h.numpy()[:2], [0.0, np.inf])
    np.testing.assert_allclose(h.numpy()[2], T.Geometric(logits=torch.tensor(0.3, dtype=torch.float64))
                               .entropy().item(), rtol=1e-12)
    h[::2].sum().backward()
    assert np.all(np.isfinite(geometric.logits.grad.numpy()))


# ------------------------------------------------------------------------------------------------ sampling
N = 100000
# Two-sample KS at level 1e-3 for draws of n and n: D > 1.95 sqrt(2 / n) happens with probability < 0.001
KS_BOUND = 1.95 * math.sqrt(2.0 / N)


def _ks(a, b):
    a, b = np.sort(a), np.sort(b)
    grid = np.concatenate([a, b])
    return np.max(np.abs(np.searchsorted(a, grid, side="right") - np.searchsorted(b, grid, side="right"))) / len(a)


@pytest.mark.parametrize("name", CASES)
def test_samples_follow_torch_samples_and_the_moments(name):
    mg.manual_seed(3)
    torch.manual_seed(3)
    dm, dt, *_ = _both(name)
    x = dm.sample((N,))
    assert x.shape == (N,) + dm.batch_shape + dm.event_shape and x.dtype == np.float64 and not x.requires_grad
    assert bool(dt.support.check(torch.tensor(x.numpy())).all())
    ours, theirs = x.numpy().reshape(N, -1), dt.sample((N,)).numpy().reshape(N, -1)
    for j in range(ours.shape[1]):
        assert _ks(ours[:, j], theirs[:, j]) < KS_BOUND, (name, j)
    mean, var = dt.mean.detach().numpy().reshape(-1), dt.variance.detach().numpy().reshape(-1)
    finite = np.isfinite(var) & (name != "StudentT" or DF.min() > 4)   # StudentT's sample variance: heavy tails
    se = np.sqrt(var[finite] / N)
    assert np.all(np.abs(ours.mean(0)[finite] - mean[finite]) < 5 * se)


@pytest.mark.parametrize("name", ["Gamma", "Chi2", "Beta", "Dirichlet", "StudentT", "Cauchy", "Gumbel", "HalfNormal",
                                  "LogNormal"])
def test_rsample_is_differentiable_and_follows_the_distribution(name):
    mg.manual_seed(4)
    dm, dt, ours, *_ = _both(name)
    assert dm.has_rsample and dt.has_rsample
    x = dm.rsample((N,))
    assert x.requires_grad
    torch.manual_seed(4)
    theirs = dt.sample((N,)).numpy().reshape(N, -1)
    for j, column in enumerate(x.numpy().reshape(N, -1).T):
        assert _ks(column, theirs[:, j]) < KS_BOUND, (name, j)
    x.sum().backward()
    for p in ours:
        assert p.grad is not None and np.all(np.isfinite(p.grad.numpy()))


def _pathwise_mean_gradient(dist_m, params):
    x = dist_m.rsample((N,))
    grads = mg.grad(x.mean(0).sum(), params)
    return [g.numpy() for g in grads]


def test_gamma_rsample_gradient_is_unbiased_for_the_mean():
    # d E[x] / d c = 1 / r,  d E[x] / d r = -c / r^2: the average pathwise gradient over N draws
    mg.manual_seed(5)
    c, r = mg.tensor([0.3, 1.0, 4.0], dtype="float64", requires_grad=True), mg.tensor([2.0, 1.0, 0.5], dtype="float64",
                                                                                          requires_grad=True)
    g_c, g_r = _pathwise_mean_gradient(D.Gamma(c, r), [c, r])
    exact_c, exact_r = 1.0 / r.numpy(), -c.numpy() / r.numpy() ** 2
    # the per-draw gradients dz/dc / r have a standard deviation below 2 / r here: 5 standard errors
    np.testing.assert_allclose(g_c, exact_c, atol=float(np.max(10.0 / r.numpy()) / math.sqrt(N)))
    np.testing.assert_allclose(g_r, exact_r, atol=float(np.max(10.0 * np.sqrt(c.numpy()) / r.numpy() ** 2)
                                                        / math.sqrt(N)))


def test_beta_and_dirichlet_rsample_gradients_are_unbiased_for_the_mean():
    mg.manual_seed(6)
    a, b = mg.tensor(1.5, dtype="float64", requires_grad=True), mg.tensor(0.7, dtype="float64", requires_grad=True)
    g_a, g_b = _pathwise_mean_gradient(D.Beta(a, b), [a, b])
    total = 1.5 + 0.7
    assert abs(g_a - 0.7 / total ** 2) < 0.01 and abs(g_b + 1.5 / total ** 2) < 0.01   # sd of the mean < 0.002
    c = mg.tensor([0.5, 2.0, 1.0], dtype="float64", requires_grad=True)
    x = D.Dirichlet(c).rsample((N,))
    (g,) = mg.grad(x.mean(0)[0], [c])
    exact = (np.eye(3)[0] * 3.5 - 0.5) / 3.5 ** 2     # d (c_0 / sum c) / d c
    np.testing.assert_allclose(g.numpy(), exact, atol=0.01)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_beta_and_dirichlet_draws_with_small_concentrations_stay_inside_the_simplex_with_finite_gradients(dtype):
    # the gamma draws are ~1e-300 (1e-38): x = g1 / (g1 + g0) rounded to exactly 1, where log_prob is +inf, and the
    # quotient rule's (g1 + g0)^2 underflowed to a -inf (Beta) or NaN (Dirichlet) gradient. torch keeps its draws
    # in [tiny, 1 - eps/2] with finite gradients
    mg.manual_seed(0)
    info = np.finfo(dtype)
    a = mg.tensor([1e-3, 1e-2], dtype=dtype, requires_grad=True)
    beta = D.Beta(a, mg.tensor([1e-3, 1e-2], dtype=dtype))
    x = beta.rsample((4000,))
    assert x.dtype == dtype
    assert x.numpy().min() >= info.tiny and x.numpy().max() == 1 - info.epsneg        # some draws sit at the top
    assert np.all(np.isfinite(beta.log_prob(x.detach()).numpy()))
    x.sum().backward()
    assert np.all(np.isfinite(a.grad.numpy())) and np.all(a.grad.numpy() > 0)      # d mean / d a = b / (a + b)^2 > 0
    c = mg.tensor([1e-3, 1e-3, 1e-3], dtype=dtype, requires_grad=True)
    dirichlet = D.Dirichlet(c)
    y = dirichlet.rsample((4000,))
    assert y.numpy().min() >= info.tiny and y.numpy().max() <= 1 - info.epsneg
    assert np.all(np.isfinite(dirichlet.log_prob(y.detach()).numpy()))
    y[..., 0].sum().backward()
    assert np.all(np.isfinite(c.grad.numpy())) and c.grad.numpy()[0] > 0 > c.grad.numpy()[1]
    t = torch.distributions.Beta(torch.tensor([1e-3]), torch.tensor([1e-3])).sample((4000,))
    assert t.max().item() == 1 - np.finfo(np.float32).epsneg and t.min().item() >= np.finfo(np.float32).tiny


def _exact_gamma_draw_gradient(alpha, z, h=1e-6):
    """-(dF/dalpha)(z) / p(z) with dF/dalpha a central difference of the regularized incomplete gamma function
    (the upper one above alpha, where it is the small one), p the Gamma(alpha, 1) density. Only where neither
    underflows (our formula needs neither: it also matches mpmath at z = 3 alpha + 4, where Q(800, z) ~ 1e-317)."""
    a, zz = mg.tensor(alpha, dtype="float64"), mg.tensor(z, dtype="float64")
    step = h * np.maximum(alpha, 1.0)
    upper = z > alpha
    f = np.where(upper, -1.0, 1.0) * (
        np.where(upper, mg.igammac(a + step, zz).numpy(), mg.igamma(a + step, zz).numpy())
        - np.where(upper, mg.igammac(a - step, zz).numpy(), mg.igamma(a - step, zz).numpy())) / (2 * step)
    density = np.exp((alpha - 1) * np.log(z) - z - mg.lgamma(a).numpy())
    return -f / density


@pytest.mark.parametrize("alpha", [0.05, 0.3, 1.0, 2.5, 9.0, 60.0, 800.0])
def test_standard_gamma_draw_gradient_matches_the_exact_cdf_derivative(alpha):
    z = np.random.default_rng(0).gamma(alpha, size=200)
    z = np.concatenate([z[z > 1e-250], [alpha, alpha + 1.0, alpha + 6 * np.sqrt(alpha) + 4]])
    ours = standard_gamma_grad(np.full_like(z, alpha), z)
    exact = _exact_gamma_draw_gradient(np.full_like(z, alpha), z)
    np.testing.assert_allclose(ours, exact, rtol=1e-6)


@pytest.mark.parametrize("alpha", [0.3, 1.0, 2.5, 9.0, 60.0, 800.0])
def test_standard_gamma_draw_gradient_agrees_with_torch(alpha):
    # torch's _standard_gamma_grad is an approximation (series, a rational fit, an asymptotic form): against the
    # exact derivative above it is off by up to ~5e-4 relative here, so this checks agreement to 1e-3
    z = np.random.default_rng(1).gamma(alpha, size=200)
    ours = standard_gamma_grad(np.full_like(z, alpha), z)
    theirs = torch._standard_gamma_grad(torch.full((200,), alpha, dtype=torch.float64), torch.tensor(z)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-3)


def test_float32_gamma_draws_and_gradients_stay_float32():
    c = mg.tensor([0.5, 3.0], requires_grad=True)
    x = D.Gamma(c, 1.0).rsample((5,))
    x.sum().backward()
    assert x.dtype == np.float32 and c.grad.dtype == np.float32
    assert D.Beta(c, 2.0).rsample().dtype == np.float32 and D.Poisson(c).sample().dtype == np.float32


def test_second_derivative_through_gamma_rsample_is_refused():
    c = mg.tensor([2.0], dtype="float64", requires_grad=True)
    (g,) = mg.grad(D.Gamma(c, 1.0).rsample().sum(), [c], create_graph=True)
    with pytest.raises(NotImplementedError, match="^StandardGammaGrad .* has no derivative of its own"):
        g.sum().backward()


# ------------------------------------------------------------------------------------------- gradcheck
@pytest.mark.parametrize("name", CASES)
def test_log_prob_and_entropy_pass_gradcheck_and_gradgradcheck(name):
    build, arrays, value = CASES[name]
    params = [mg.tensor(np.array(a, dtype=np.float64), dtype="float64", requires_grad=True) for a in arrays]
    v = mg.tensor(value, dtype="float64")

    def f(*p):
        d = build(D, list(p))
        out = d.log_prob(v).sum()
        return out if name in NO_ENTROPY else out + d.entropy().sum()
    assert mg.gradcheck(f, params)
    assert mg.gradgradcheck(f, params)


# ------------------------------------------------------------------------------------------- bad arguments
@pytest.mark.parametrize("call,message", [
    (lambda: D.Gamma(mg.tensor([1.0, -1.0]), 1.0), r"^Gamma: expected parameter concentration \(shape \(2,\)\) to be "
                                                   r"> 0, got -1.0 among its values$"),
    (lambda: D.Beta(1.0, 0.0), r"^Beta: expected parameter concentration0 \(shape \(\)\) to be > 0, got 0.0"),
    (lambda: D.Dirichlet(mg.tensor([1.0, -2.0])),
     r"^Dirichlet: expected parameter concentration \(shape \(2,\)\) to be > 0, got -2.0 among its values$"),
    (lambda: D.Dirichlet(1.0), r"^Dirichlet: concentration needs at least one dim"),
    (lambda: D.StudentT(-1.0), r"^StudentT: expected parameter df \(shape \(\)\) to be > 0, got -1.0"),
    (lambda: D.Poisson(-0.5), r"^Poisson: expected parameter rate \(shape \(\)\) to be >= 0, got -0.5"),
    (lambda: D.Binomial(2.5, probs=0.5), r"^Binomial: expected parameter total_count \(shape \(\)\) to be an integer "
                                         r">= 0, got 2.5"),
    (lambda: D.Binomial(3, probs=1.5),
     r"^Binomial: expected parameter probs \(shape \(\)\) to be in \[0, 1\], got 1.5"),
    (lambda: D.Geometric(probs=0.0), r"^Geometric: expected parameter probs \(shape \(\)\) to be in \(0, 1\], got 0.0"),
    (lambda: D.Geometric(), r"^Geometric: give exactly one of probs or logits, got neither$"),
    (lambda: D.Multinomial(-1, probs=mg.tensor([0.5, 0.5])), r"^Multinomial: total_count must be a non-negative int, "
                                                             r"got -1$"),
    (lambda: D.Multinomial(3, probs=mg.tensor([-0.5, 1.5])), r"^Multinomial: expected probs >= 0, got a minimum of "
                                                             r"-0.5$"),        # was 'Categorical: ...'
    (lambda: D.Multinomial(3, probs=mg.tensor(0.5)), r"^Multinomial: probs/logits need a last dim of categories"),
    (lambda: D.Multinomial(3, probs=mg.tensor([0.5]), logits=mg.tensor([0.5])),
     r"^Multinomial: give exactly one of probs or logits, got both$"),
    (lambda: D.Cauchy(0.0, -2.0), r"^Cauchy: expected parameter scale \(shape \(\)\) to be > 0, got -2.0"),
    (lambda: D.HalfNormal(0.0), r"^HalfNormal: expected parameter scale \(shape \(\)\) to be > 0, got 0.0"),
    (lambda: D.Gamma(2.0, 1.0).log_prob(-1.0), r"^Gamma.log_prob: expected value \(shape \(\)\) to be >= 0, got -1.0"),
    (lambda: D.Beta(2.0, 1.0).log_prob(1.5),
     r"^Beta.log_prob: expected value \(shape \(\)\) to be in \[0, 1\], got 1.5"),
    (lambda: D.Poisson(2.0).log_prob(1.5), r"^Poisson.log_prob: expected value \(shape \(\)\) to be an integer >= 0, "
                                           r"got 1.5"),
    (lambda: D.Dirichlet(mg.ones(3)).log_prob(mg.tensor([0.5, 0.5, 0.5])),
     r"^Dirichlet.log_prob: expected value \(shape \(3,\)\) to be on the simplex"),
    (lambda: D.Dirichlet(mg.ones(3)).log_prob(mg.tensor([0.5, 0.5])),
     r"^Dirichlet.log_prob: value of shape \(2,\) does not end in the event shape \(3,\)$"),
    (lambda: D.Binomial(3, probs=0.5).log_prob(4.0), r"^Binomial.log_prob: expected value \(shape \(\)\) to be an "
                                                     r"integer in \[0, 3\], got 4.0"),
])
def test_bad_arguments_are_one_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_torch_refuses_the_same_arguments():
    for build in (lambda: T.Gamma(torch.tensor([1.0, -1.0]), 1.0), lambda: T.Poisson(-0.5),
                  lambda: T.Binomial(2.5, probs=torch.tensor(0.5)), lambda: T.Geometric(probs=torch.tensor(0.0)),
                  lambda: T.Gamma(2.0, 1.0).log_prob(torch.tensor(-1.0)),
                  lambda: T.Poisson(2.0).log_prob(torch.tensor(1.5))):
        with pytest.raises(ValueError):
            build()


@pytest.mark.parametrize("alpha", [1e4, 1e6])
def test_standard_gamma_draw_gradient_for_large_alpha_matches_quadrature(alpha):
    # igamma itself stops at a fixed number of terms, too few up here, so the reference is mpmath's quadrature of
    # dP/dalpha = int_0^z t^(alpha-1) e^-t (log t - digamma(alpha)) dt / Gamma(alpha)
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 30
    s = math.sqrt(alpha)
    z = np.array([alpha - 3 * s, alpha - 0.5 * s, alpha + 0.7, alpha + 2.0, alpha + s, alpha + 4 * s])
    ours = standard_gamma_grad(np.full_like(z, alpha), z)
    a = mpmath.mpf(alpha)
    log_gamma, psi, root = mpmath.loggamma(a), mpmath.digamma(a), mpmath.sqrt(a)

    def integrand(t):
        return mpmath.exp((a - 1) * mpmath.log(t) - t - log_gamma) * (mpmath.log(t) - psi)
    for zi, value in zip(z, ours):
        zz = mpmath.mpf(zi)
        points = [a - 40 * root] + [x for x in (a - 10 * root, a - 3 * root, a, a + 3 * root) if x < zz] + [zz]
        density = mpmath.exp((a - 1) * mpmath.log(zz) - zz - log_gamma)
        exact = float(-mpmath.quad(integrand, points) / density)
        assert abs(value / exact - 1) < 1e-9, (zi, value, exact)


def test_gamma_cdf_for_large_concentrations_as_torch():
    # igamma's expansions need ~9 sqrt(a) terms near x = a: with a fixed cap of 5000 P(1e7, x) was off by 8%
    c = np.array([1e5, 1e6, 1e7])
    x = np.stack([c - 2 * np.sqrt(c), c - 0.3 * np.sqrt(c), c + 3 * np.sqrt(c)])
    ours = D.Gamma(mg.tensor(c, dtype="float64"), 1.0).cdf(mg.tensor(x, dtype="float64")).numpy()
    theirs = T.Gamma(torch.tensor(c), 1.0).cdf(torch.tensor(x)).numpy()
    # the prefactor x^a e^-x / Gamma(a + 1) is formed from terms of size a, which leaves ~a * 1e-16 relative
    np.testing.assert_allclose(ours, theirs, rtol=5e-9)


def test_binomial_total_count_gets_torchs_gradients():
    # total_count was detached: a float count that requires grad got None from log_prob, mean and variance
    counts, probs, value = np.array([5.0, 7.0, 9.0]), np.array([0.3, 0.6, 0.45]), np.array([2.0, 3.0, 9.0])
    n_m = mg.tensor(counts, dtype=mg.float64, requires_grad=True)
    p_m = mg.tensor(probs, dtype=mg.float64, requires_grad=True)
    n_t, p_t = torch.tensor(counts, requires_grad=True), torch.tensor(probs, requires_grad=True)
    d_m, d_t = D.Binomial(n_m, probs=p_m), T.Binomial(n_t, probs=p_t)
    for out_m, out_t in [(d_m.log_prob(mg.tensor(value, dtype=mg.float64)), d_t.log_prob(torch.tensor(value))),
                         (d_m.mean + d_m.variance, d_t.mean + d_t.variance)]:
        n_m.grad = p_m.grad = n_t.grad = p_t.grad = None
        out_m.sum().backward()
        out_t.sum().backward()
        np.testing.assert_allclose(n_m.grad.numpy(), n_t.grad.numpy(), rtol=1e-12)
        np.testing.assert_allclose(p_m.grad.numpy(), p_t.grad.numpy(), rtol=1e-12)
    # validate_args=False: the finite differences step the count off the integers
    p64, value64 = mg.tensor(probs, dtype=mg.float64), mg.tensor(value, dtype=mg.float64)
    assert mg.autograd.gradcheck(lambda n: D.Binomial(n, probs=p64, validate_args=False).log_prob(value64),
                                 (mg.tensor(counts, dtype=mg.float64, requires_grad=True),))


def test_cauchy_mean_is_a_constant_nan_as_torchs():
    # it was loc * nan: a node whose backward sent NaN gradients into loc
    loc = mg.tensor([1.0, -2.0], requires_grad=True)
    mean = D.Cauchy(loc, mg.tensor([2.0, 0.5])).mean
    assert not mean.requires_grad and mean.grad_fn is None
    assert np.isnan(mean.numpy()).all() and mean.shape == (2,) and mean.dtype == loc.dtype
