"""kl_divergence between distributions of different families, for the pairs torch registers, against torch in
float64 with the gradients in every parameter of both; +inf where p's support is not inside q's."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import distributions as D

torch = pytest.importorskip("torch")
T = torch.distributions
RNG = np.random.default_rng(5)

LOC = RNG.standard_normal(4)
SCALE = np.abs(RNG.standard_normal(4)) + 0.3
UNIT = np.array([0.1, 0.3, 0.0, 0.45])      # Uniform(UNIT, UNIT + 0.5) lies inside [0, 1]

# family: (build(lib, params), params)
FAMILIES = {
    "Normal": (lambda m, p: m.Normal(*p), [LOC, SCALE]),
    "Laplace": (lambda m, p: m.Laplace(*p), [LOC[::-1], SCALE + 0.2]),
    "Gumbel": (lambda m, p: m.Gumbel(*p), [LOC + 0.5, SCALE[::-1]]),
    "Exponential": (lambda m, p: m.Exponential(p[0]), [SCALE + 0.1]),
    "Gamma": (lambda m, p: m.Gamma(*p), [2 * SCALE, SCALE[::-1] + 0.4]),
    "Beta": (lambda m, p: m.Beta(*p), [SCALE + 0.6, 2 * SCALE[::-1]]),
    "Uniform": (lambda m, p: m.Uniform(p[0], p[0] + p[1]), [UNIT, np.full(4, 0.5)]),
    "Uniform(wide)": (lambda m, p: m.Uniform(p[0], p[0] + p[1]), [LOC - 2.0, SCALE + 4.0]),
    "Bernoulli": (lambda m, p: m.Bernoulli(probs=p[0]), [np.array([0.1, 0.5, 0.9, 0.3])]),
    "Poisson": (lambda m, p: m.Poisson(p[0]), [SCALE + 0.5]),
}

FINITE = [("Exponential", "Normal"), ("Gamma", "Normal"), ("Beta", "Normal"), ("Gumbel", "Normal"),
          ("Laplace", "Normal"), ("Uniform(wide)", "Normal"), ("Exponential", "Gumbel"), ("Gamma", "Gumbel"),
          ("Normal", "Gumbel"), ("Uniform(wide)", "Gumbel"), ("Beta", "Exponential"), ("Uniform", "Exponential"),
          ("Beta", "Gamma"), ("Uniform", "Gamma"), ("Beta", "Uniform(wide)"), ("Uniform", "Beta"),
          ("Normal", "Laplace"), ("Bernoulli", "Poisson"), ("Exponential", "Gamma"), ("Gamma", "Exponential")]
INFINITE = [("Exponential", "Beta"), ("Exponential", "Uniform"), ("Gamma", "Beta"), ("Gamma", "Uniform"),
            ("Gumbel", "Beta"), ("Gumbel", "Exponential"), ("Gumbel", "Gamma"), ("Gumbel", "Uniform"),
            ("Laplace", "Beta"), ("Laplace", "Exponential"), ("Laplace", "Gamma"), ("Laplace", "Uniform"),
            ("Normal", "Beta"), ("Normal", "Exponential"), ("Normal", "Gamma"), ("Normal", "Uniform"),
            ("Poisson", "Bernoulli"), ("Uniform(wide)", "Exponential"), ("Uniform(wide)", "Gamma"),
            ("Uniform(wide)", "Beta"), ("Beta", "Uniform")]
# Gradients through digamma's derivative (Gamma, Beta): torch's float64 trigamma is off by up to 5e-10 relative
# (against mpmath; minigrad's by 2.3e-16), and terms of order 1 cancel to gradients of order 1e-3 here
TRIGAMMA = {"Gamma", "Beta"}
# Poisson || Binomial: torch's Binomial needs a total_count; any count gives +inf
POISSON_BINOMIAL = ("Poisson", "Binomial")


def _build(family, lib, leaves):
    return FAMILIES[family][0](lib, leaves)


def _leaves(family):
    arrays = [np.array(a, dtype=np.float64) for a in FAMILIES[family][1]]
    return ([mg.tensor(a, dtype="float64", requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


@pytest.mark.parametrize("pair", FINITE, ids=["-".join(p) for p in FINITE])
def test_cross_family_kl_and_its_gradients_as_torch(pair):
    (pm, pt), (qm, qt) = _leaves(pair[0]), _leaves(pair[1])
    out_m = D.kl_divergence(_build(pair[0], D, pm), _build(pair[1], D, qm))
    out_t = T.kl_divergence(_build(pair[0], T, pt), _build(pair[1], T, qt))
    assert np.all(np.isfinite(out_t.detach().numpy()))
    np.testing.assert_allclose(out_m.numpy(), out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = RNG.standard_normal(4)
    (out_m * mg.tensor(g, dtype="float64")).sum().backward()
    (out_t * torch.tensor(g)).sum().backward()
    tol = dict(rtol=1e-8, atol=1e-9) if TRIGAMMA & set(pair) else dict(rtol=1e-10, atol=1e-12)
    for a, b in zip(pm + qm, pt + qt):
        if b.grad is None:
            assert a.grad is None or not np.any(a.grad.numpy())
        else:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **tol)


@pytest.mark.parametrize("pair", INFINITE, ids=["-".join(p) for p in INFINITE])
def test_cross_family_kl_is_infinite_where_torch_says_so(pair):
    (pm, pt), (qm, qt) = _leaves(pair[0]), _leaves(pair[1])
    out_m = D.kl_divergence(_build(pair[0], D, pm), _build(pair[1], D, qm))
    out_t = T.kl_divergence(_build(pair[0], T, pt), _build(pair[1], T, qt))
    assert out_m.shape == tuple(out_t.shape) and out_m.dtype == np.float64
    np.testing.assert_array_equal(out_m.numpy(), out_t.detach().numpy())
    assert np.all(np.isinf(out_m.numpy()))


def test_poisson_binomial_kl_is_infinite_as_torch():
    out_m = D.kl_divergence(D.Poisson(mg.tensor([1.0, 2.0])), D.Binomial(5, probs=mg.tensor([0.5, 0.5])))
    out_t = T.kl_divergence(T.Poisson(torch.tensor([1.0, 2.0])), T.Binomial(5, probs=torch.tensor([0.5, 0.5])))
    np.testing.assert_array_equal(out_m.numpy(), out_t.numpy())
    assert out_m.dtype == np.float32 and np.all(np.isinf(out_m.numpy()))


def test_uniform_against_exponential_is_infinite_only_where_the_interval_reaches_below_zero():
    low = mg.tensor([-0.5, 0.5], dtype="float64")
    out_m = D.kl_divergence(D.Uniform(low, low + 1.0), D.Exponential(mg.tensor([1.0, 1.0], dtype="float64")))
    tl = torch.tensor([-0.5, 0.5], dtype=torch.float64)
    out_t = T.kl_divergence(T.Uniform(tl, tl + 1.0), T.Exponential(torch.tensor([1.0, 1.0], dtype=torch.float64)))
    np.testing.assert_allclose(out_m.numpy(), out_t.numpy(), rtol=1e-12)
    assert out_m.numpy()[0] == np.inf and np.isfinite(out_m.numpy()[1])


def test_bernoulli_against_poisson_at_zero_rate_is_the_exact_limit():
    # Bernoulli(0) and Poisson(0) are both the point mass at 0: KL = 0 (torch and the formula before: NaN, 0 log 0)
    probs, rates = [0.0, 0.5, 1.0, 0.0, 0.3], [0.0, 0.0, 0.0, 1.0, 2.0]
    out = D.kl_divergence(D.Bernoulli(mg.tensor(probs, dtype="float64")), D.Poisson(mg.tensor(rates, dtype="float64")))
    assert abs(out.numpy()[0]) < 1e-15 and out.numpy()[1] == out.numpy()[2] == np.inf   # H(p) from clamped logits
    theirs = T.kl_divergence(T.Bernoulli(torch.tensor(probs[3:], dtype=torch.float64)),
                             T.Poisson(torch.tensor(rates[3:], dtype=torch.float64)))
    np.testing.assert_allclose(out.numpy()[3:], theirs.numpy(), rtol=1e-12)
