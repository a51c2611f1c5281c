"""``MixtureSameFamily`` against torch's in float64: densities, cdf, moments and their gradients, draws (shapes and
statistics), ``expand``, validation and bad arguments."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import distributions as D

torch = pytest.importorskip("torch")
T = torch.distributions

RNG = np.random.default_rng(7)
SCALAR = {"logits": RNG.standard_normal((2, 3)), "loc": RNG.standard_normal((2, 3)),
          "scale": RNG.uniform(0.5, 2.0, (2, 3))}
SHARED = dict(SCALAR, logits=RNG.standard_normal(3))       # one set of weights for the whole batch
VECTOR = {"logits": RNG.standard_normal(3), "loc": RNG.standard_normal((2, 3, 4)),
          "scale": RNG.uniform(0.5, 2.0, (2, 3, 4))}

# name: (build(lib, logits, loc, scale), arrays, value)
CASES = {
    "Normal components": (lambda m, lg, lc, s: m.MixtureSameFamily(m.Categorical(logits=lg), m.Normal(lc, s)),
                          SCALAR, RNG.standard_normal((4, 2))),
    "shared weights": (lambda m, lg, lc, s: m.MixtureSameFamily(m.Categorical(logits=lg), m.Normal(lc, s)),
                       SHARED, RNG.standard_normal((4, 1))),
    "vector components": (lambda m, lg, lc, s: m.MixtureSameFamily(m.Categorical(logits=lg),
                                                                   m.Independent(m.Normal(lc, s), 1)),
                          VECTOR, RNG.standard_normal((5, 2, 4))),
}


def _both(name):
    build, arrays, value = CASES[name]
    ours = [mg.tensor(arrays[k], dtype="float64", requires_grad=True) for k in ("logits", "loc", "scale")]
    theirs = [torch.tensor(arrays[k], requires_grad=True) for k in ("logits", "loc", "scale")]
    return build, ours, theirs, value


# a cdf of vector components is not defined (Independent has none, in torch too)
@pytest.mark.parametrize("name,what", [(n, w) for n in CASES for w in ("log_prob", "cdf", "mean", "variance", "stddev")
                                       if not (w == "cdf" and "vector" in n)])
def test_values_and_gradients_as_torch(name, what):
    build, ours, theirs, value = _both(name)
    dm, dt = build(D, *ours), build(T, *theirs)
    assert dm.batch_shape == tuple(dt.batch_shape) and dm.event_shape == tuple(dt.event_shape)
    if what in ("log_prob", "cdf"):
        out_m, out_t = getattr(dm, what)(mg.tensor(value, dtype="float64")), getattr(dt, what)(torch.tensor(value))
    else:
        out_m, out_t = getattr(dm, what), getattr(dt, what)
    assert out_m.shape == tuple(out_t.shape)
    np.testing.assert_allclose(out_m.numpy(), out_t.detach().numpy(), rtol=1e-12, atol=1e-14)
    g = RNG.standard_normal(tuple(out_t.shape))
    (out_m * mg.tensor(g, dtype="float64")).sum().backward()
    (out_t * torch.tensor(g)).sum().backward()
    for a, b in zip(ours, theirs):
        if b.grad is None:
            assert a.grad is None or not np.any(a.grad.numpy())
        else:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("name", CASES)
def test_log_prob_passes_gradcheck_and_gradgradcheck(name):
    build, ours, _, value = _both(name)
    v = mg.tensor(value, dtype="float64")

    def f(*p):
        d = build(D, *p)
        return d.log_prob(v).sum() + d.variance.sum()
    assert mg.gradcheck(f, ours)
    assert mg.gradgradcheck(f, ours)


def test_mixture_of_multivariate_normals_as_torch():
    loc, tril = RNG.standard_normal((3, 2)), np.array([[[1.0, 0.0], [0.3, 1.5]]] * 3)
    probs = np.array([0.2, 0.3, 0.5])
    value = RNG.standard_normal((4, 2))
    dm = D.MixtureSameFamily(D.Categorical(mg.tensor(probs, dtype="float64")),
                             D.MultivariateNormal(mg.tensor(loc, dtype="float64"),
                                                  scale_tril=mg.tensor(tril, dtype="float64")))
    dt = T.MixtureSameFamily(T.Categorical(torch.tensor(probs)),
                             T.MultivariateNormal(torch.tensor(loc), scale_tril=torch.tensor(tril)))
    np.testing.assert_allclose(dm.log_prob(mg.tensor(value, dtype="float64")).numpy(),
                               dt.log_prob(torch.tensor(value)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(dm.variance.numpy(), dt.variance.numpy(), rtol=1e-12)
    assert dm.sample((7,)).shape == tuple(dt.sample((7,)).shape) == (7, 2)


@pytest.mark.parametrize("name", CASES)
def test_draws_have_torch_shapes_and_follow_the_moments(name):
    build, ours, theirs, _ = _both(name)
    mg.manual_seed(3)
    dm, dt = build(D, *ours), build(T, *theirs)
    draws = dm.sample((20000,))
    assert draws.dtype == np.float64 and not draws.requires_grad
    assert draws.shape == (20000,) + dm.batch_shape + dm.event_shape
    if dm.mixture_distribution.batch_shape == dm.batch_shape:   # torch cannot draw from weights shared over a
        # batch (its gather refuses the index)
        assert draws.shape == tuple(dt.sample((20000,)).shape)
    x, mean, var = draws.numpy(), dm.mean.numpy(), dm.variance.numpy()
    assert np.all(np.abs(x.mean(0) - mean) < 5 * np.sqrt(var / 20000))       # 5 sd of the sample mean
    # the variance of a sample variance is (m4 - var^2) / n; bounded here by a loose 10% (kurtosis < 20)
    np.testing.assert_allclose(x.var(0), var, rtol=0.1)
    assert dm.sample().shape == dm.batch_shape + dm.event_shape and dm.sample(3).shape[0] == 3
    assert not dm.has_rsample and dm.has_rsample == dt.has_rsample


def test_shared_weights_pick_a_component_for_each_batch_entry_independently():
    # one Categorical over the batch: entries must not all take the same component in one draw
    mixture = D.Categorical(probs=mg.tensor([0.5, 0.5], dtype="float64"))
    components = D.Normal(mg.tensor([[-100.0, 100.0]] * 3, dtype="float64"), mg.ones((3, 2), dtype="float64"))
    mg.manual_seed(0)
    sign = np.sign(D.MixtureSameFamily(mixture, components).sample((4000,)).numpy())
    np.testing.assert_allclose(np.corrcoef(sign.T), np.eye(3), atol=0.1)     # sd of a correlation ~ 1/sqrt(n)


def test_expand_as_torch():
    build, ours, theirs, value = _both("Normal components")
    em, et = build(D, *ours).expand((5, 2)), build(T, *theirs).expand((5, 2))
    assert em.batch_shape == tuple(et.batch_shape) == (5, 2)
    v = value[0]
    np.testing.assert_allclose(em.log_prob(mg.tensor(v, dtype="float64")).numpy(),
                               et.log_prob(torch.tensor(v)).detach().numpy(), rtol=1e-12)
    assert em.sample((3,)).shape == (3, 5, 2)


def test_float32_stays_float32():
    d = D.MixtureSameFamily(D.Categorical(logits=mg.zeros(3)), D.Normal(mg.zeros(3), mg.ones(3)))
    assert d.log_prob(mg.tensor([0.5])).dtype == np.float32 and d.cdf(0.3).dtype == np.float32
    assert d.mean.dtype == d.variance.dtype == d.sample((2,)).dtype == np.float32


def test_support_and_value_validation():
    d = D.MixtureSameFamily(D.Categorical(logits=mg.zeros(3)), D.Exponential(mg.ones(3)))
    assert d.support is d.component_distribution.support
    with pytest.raises(ValueError, match=r"^MixtureSameFamily.log_prob: expected value \(shape \(\)\) to be >= 0, "
                                         r"got -1.0 among its values$"):
        d.log_prob(-1.0)
    with pytest.raises(ValueError):
        T.MixtureSameFamily(T.Categorical(logits=torch.zeros(3)), T.Exponential(torch.ones(3))).log_prob(
            torch.tensor(-1.0))
    unchecked = D.MixtureSameFamily(D.Categorical(logits=mg.zeros(3)),
                                    D.Exponential(mg.ones(3), validate_args=False), validate_args=False)
    theirs = T.MixtureSameFamily(T.Categorical(logits=torch.zeros(3)),
                                 T.Exponential(torch.ones(3), validate_args=False), validate_args=False)
    np.testing.assert_allclose(unchecked.log_prob(-1.0).item(), theirs.log_prob(torch.tensor(-1.0)).item(), rtol=1e-6)


@pytest.mark.parametrize("call,message", [
    (lambda: D.MixtureSameFamily(D.Normal(0.0, 1.0), D.Normal(mg.zeros(3), mg.ones(3))),
     r"^MixtureSameFamily: mixture_distribution must be a Categorical, got Normal$"),
    (lambda: D.MixtureSameFamily(D.Categorical(logits=mg.zeros(3)), "normal"),
     r"^MixtureSameFamily: component_distribution must be a Distribution, got str$"),
    (lambda: D.MixtureSameFamily(D.Categorical(logits=mg.zeros(2)), D.Normal(mg.zeros(3), mg.ones(3))),
     r"^MixtureSameFamily: mixture_distribution has 2 categories but component_distribution has 3 components \(the "
     r"last dim of its batch shape \(3,\)\)$"),
    (lambda: D.MixtureSameFamily(D.Categorical(logits=mg.zeros((4, 3))), D.Normal(mg.zeros((2, 3)), mg.ones((2, 3)))),
     r"^MixtureSameFamily: mixture_distribution's batch shape \(4,\) does not broadcast to component_distribution's "
     r"batch shape without its components \(2,\)$"),
    (lambda: D.MixtureSameFamily(D.Categorical(logits=mg.zeros(1)), D.Normal(0.0, 1.0)),
     r"^MixtureSameFamily: component_distribution needs a batch dim of components \(its last\), got batch shape "
     r"\(\)$"),
    (lambda: D.MixtureSameFamily(D.Categorical(logits=mg.zeros(3)), D.Normal(mg.zeros(3), mg.ones(3))).rsample(),
     r"^MixtureSameFamily has no reparameterized sample \(rsample\); use sample\(\)$"),
])
def test_bad_arguments_are_one_clear_error(call, message):
    with pytest.raises((ValueError, NotImplementedError), match=message):
        call()
