"""The parts of torch.distributions' interface beyond densities, on every distribution: ``mode``, ``support`` and
``constraints``, ``enumerate_support`` / ``has_enumerate_support``, ``expand``, argument and value validation
(``validate_args``), ``perplexity``; each compared with torch in float64."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import distributions as D
from minigrad.distributions import constraints as C

torch = pytest.importorskip("torch")
T = torch.distributions
TC = torch.distributions.constraints

P4 = np.array([0.2, 0.5, 0.9, 0.0])
CAT = np.array([[0.1, 0.5, 0.4], [0.3, 0.3, 0.4]])
SPD = np.array([[2.0, 0.3], [0.3, 1.0]])

# name: build(lib, tensor) from float64 arrays
BUILD = {
    "Normal": lambda m, t: m.Normal(t(np.array([0.5, -1.0])), t(np.array([1.0, 2.0]))),
    "Uniform": lambda m, t: m.Uniform(t(np.array([0.0, -1.0])), t(np.array([1.0, 2.0]))),
    "Exponential": lambda m, t: m.Exponential(t(np.array([0.5, 2.0]))),
    "Laplace": lambda m, t: m.Laplace(t(np.array([0.5, -1.0])), t(np.array([1.0, 2.0]))),
    "Bernoulli": lambda m, t: m.Bernoulli(probs=t(P4)),
    "Categorical": lambda m, t: m.Categorical(probs=t(CAT)),
    "OneHotCategorical": lambda m, t: m.OneHotCategorical(probs=t(CAT)),
    "MultivariateNormal": lambda m, t: m.MultivariateNormal(t(np.array([0.5, -1.0])), covariance_matrix=t(SPD)),
    "Independent": lambda m, t: m.Independent(m.Normal(t(np.array([0.5, -1.0])), t(np.array([1.0, 2.0]))), 1),
    "Poisson": lambda m, t: m.Poisson(t(np.array([0.5, 3.7]))),
    "Binomial": lambda m, t: m.Binomial(4, probs=t(P4)),
    "Geometric": lambda m, t: m.Geometric(probs=t(np.array([0.2, 1.0]))),
    "Multinomial": lambda m, t: m.Multinomial(3, probs=t(CAT)),
    "Cauchy": lambda m, t: m.Cauchy(t(np.array([0.5, -1.0])), t(np.array([1.0, 2.0]))),
    "Gumbel": lambda m, t: m.Gumbel(t(np.array([0.5, -1.0])), t(np.array([1.0, 2.0]))),
    "HalfNormal": lambda m, t: m.HalfNormal(t(np.array([1.0, 2.0]))),
    "LogNormal": lambda m, t: m.LogNormal(t(np.array([0.5, -1.0])), t(np.array([1.0, 2.0]))),
    "StudentT": lambda m, t: m.StudentT(t(np.array([3.0, 0.5])), t(np.array([0.5, -1.0])), t(np.array([1.0, 2.0]))),
    "Gamma": lambda m, t: m.Gamma(t(np.array([0.5, 3.0])), t(np.array([1.0, 2.0]))),
    "Chi2": lambda m, t: m.Chi2(t(np.array([0.5, 3.0]))),
    "Beta": lambda m, t: m.Beta(t(np.array([0.5, 3.0, 0.7, 1.0])), t(np.array([0.6, 2.0, 4.0, 1.0]))),
    "Dirichlet": lambda m, t: m.Dirichlet(t(np.array([[0.5, 0.7, 0.2], [2.0, 3.0, 0.5], [1.0, 1.0, 1.0]]))),
    "TransformedDistribution": lambda m, t: m.TransformedDistribution(
        m.Normal(t(np.array([0.5, -1.0])), t(np.array([1.0, 2.0]))),
        [m.AffineTransform(0.5, 2.0), m.ExpTransform()]),
}


def _ours(name):
    return BUILD[name](D, lambda a: mg.tensor(a, dtype="float64"))


def _theirs(name):
    return BUILD[name](T, lambda a: torch.tensor(a, dtype=torch.float64))


# values inside and outside each support (a last dim of 2 or 3 for the vector ones)
PROBES = {
    "real": np.array([-1.0, 0.0, 2.5, np.nan]),
    "vector": np.array([[0.2, 0.8], [1.5, -0.5], [np.nan, 1.0], [0.0, 0.0]]),
    "simplex": np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [0.5, 0.6, -0.1], [0.2, 0.2, 0.2]]),
    "counts": np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 3.0], [2.0, 2.0, 0.0], [-1.0, 2.0, 2.0]]),
    "onehot": np.array([[0.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 1.0]]),
    "scalar": np.array([-1.0, 0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 1e-9]),
}
PROBE_OF = {"MultivariateNormal": "vector", "Independent": "vector", "Dirichlet": "simplex", "Multinomial": "counts",
            "OneHotCategorical": "onehot"}


@pytest.mark.parametrize("name", BUILD)
def test_support_checks_as_torch(name):
    dm, dt = _ours(name), _theirs(name)
    probe = PROBES[PROBE_OF.get(name, "scalar")]
    if name in ("Uniform", "Binomial"):   # supports that depend on the batch: one probe per batch entry
        probe = np.stack([probe, probe], -1) if name == "Uniform" else np.stack([probe] * 4, -1)
    ours = dm.support.check(mg.tensor(probe, dtype="float64")).numpy()
    theirs = dt.support.check(torch.tensor(probe)).numpy()
    np.testing.assert_array_equal(ours, theirs)
    assert dm.support.is_discrete == dt.support.is_discrete and dm.support.event_dim == dt.support.event_dim


@pytest.mark.parametrize("name", BUILD)
def test_mode_as_torch(name):
    try:
        theirs = _theirs(name).mode
    except NotImplementedError:   # Multinomial, TransformedDistribution
        with pytest.raises(NotImplementedError, match=f"^{name} does not define mode$"):
            _ours(name).mode
        return
    np.testing.assert_allclose(_ours(name).mode.numpy(), theirs.numpy(), rtol=1e-14, atol=0)


@pytest.mark.parametrize("name", BUILD)
def test_has_enumerate_support_and_enumerate_support_as_torch(name):
    dm, dt = _ours(name), _theirs(name)
    assert dm.has_enumerate_support == dt.has_enumerate_support
    if not dt.has_enumerate_support:
        with pytest.raises(NotImplementedError):
            dm.enumerate_support()
        return
    for expand in (True, False):
        ours, theirs = dm.enumerate_support(expand=expand), dt.enumerate_support(expand=expand)
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_allclose(dm.log_prob(dm.enumerate_support()).numpy(),
                               dt.log_prob(dt.enumerate_support()).numpy(), rtol=1e-12, atol=1e-15)


def test_binomial_support_enumeration_needs_one_total_count():
    d = D.Binomial(mg.tensor([2.0, 3.0]), probs=mg.tensor([0.5, 0.5]))
    with pytest.raises(NotImplementedError, match=r"^Binomial.enumerate_support: needs one total_count for the whole "
                                                  r"batch, got values from 2.0 to 3.0$"):
        d.enumerate_support()


@pytest.mark.parametrize("name", BUILD)
def test_expand_as_torch_with_gradients_to_the_original_parameters(name):
    leaves = []
    dm = BUILD[name](D, lambda a: leaves.append(mg.tensor(a, dtype="float64", requires_grad=True)) or leaves[-1])
    dt = _theirs(name)
    shape = (3,) + dt.batch_shape
    em, et = dm.expand(shape), dt.expand(torch.Size(shape))
    assert em.batch_shape == tuple(et.batch_shape) == shape and em.event_shape == tuple(et.event_shape)
    torch.manual_seed(0)   # the sample must not depend on which tests ran before
    value = et.sample((2,))
    out_m = em.log_prob(mg.tensor(value.numpy(), dtype="int64" if name == "Categorical" else "float64"))
    out_t = et.log_prob(value)
    assert out_m.shape == tuple(out_t.shape) == (2,) + shape
    # A log density is a sum of terms of size up to ~5 (lgamma, log); summed in another order, a result near 0
    # differs by a few ulps of those terms (Dirichlet: 4.9e-15 at -1.6e-3), so atol is at that scale.
    np.testing.assert_allclose(out_m.numpy(), out_t.numpy(), rtol=1e-12, atol=1e-13)
    out_m.sum().backward()
    assert all(v.grad is not None for v in leaves)
    if dm.batch_shape:   # a batch shape () expands to any shape
        with pytest.raises(ValueError, match=rf"^{type(dm).__name__}.expand: batch shape \S+ cannot be expanded to "
                                             r"\(5,\)$"):
            dm.expand((5,))


def test_parameters_are_validated_by_default_as_torch():
    with pytest.raises(ValueError, match=r"^Normal: expected parameter scale \(shape \(\)\) to be > 0, got -1.0"):
        D.Normal(0.0, -1.0)
    with pytest.raises(ValueError):
        T.Normal(0.0, -1.0)
    with pytest.raises(ValueError, match=r"^Normal: expected parameter loc \(shape \(\)\) to be real \(not NaN\), "
                                         r"got nan"):
        D.Normal(float("nan"), 1.0)
    assert np.isnan(D.Normal(0.0, -1.0, validate_args=False).log_prob(0.0).item())


@pytest.mark.parametrize("build", [
    lambda m, t, **v: m.Binomial(3, probs=t(np.array(2.0)), **v),
    lambda m, t, **v: m.Geometric(probs=t(np.array(0.0)), **v),
    lambda m, t, **v: m.Categorical(probs=t(np.array([-1.0, 2.0])), **v),
    lambda m, t, **v: m.Multinomial(2, probs=t(np.array([-1.0, 2.0])), **v),
    lambda m, t, **v: m.Normal(t(np.array(0.0)), t(np.array(-1.0)), **v),
])
def test_turning_default_validation_off_reaches_every_distribution_as_torch(build):
    # Binomial, Geometric, Categorical and Multinomial checked their probs whenever validate_args was None, whatever
    # set_default_validate_args said
    ours = lambda a: mg.tensor(a, dtype="float64")     # noqa: E731
    with pytest.raises(ValueError):
        build(D, ours)
    D.Distribution.set_default_validate_args(False)
    T.Distribution.set_default_validate_args(False)
    try:
        build(D, ours)
        build(T, torch.tensor)
        with pytest.raises(ValueError):
            build(D, ours, validate_args=True)        # asked for, it still checks
    finally:
        D.Distribution.set_default_validate_args(True)
        T.Distribution.set_default_validate_args(True)


@pytest.mark.parametrize("name,value", [("Exponential", -1.0), ("Uniform", 5.0), ("Bernoulli", 0.5),
                                        ("HalfNormal", -0.1), ("LogNormal", 0.0)])
def test_log_prob_outside_the_support_raises_unless_validation_is_off_as_torch(name, value):
    v = np.full(2 if name != "Bernoulli" else 4, value)
    with pytest.raises(ValueError):
        _ours(name).log_prob(mg.tensor(v, dtype="float64"))
    with pytest.raises(ValueError):
        _theirs(name).log_prob(torch.tensor(v))
    D.Distribution.set_default_validate_args(False)
    T.Distribution.set_default_validate_args(False)
    try:
        np.testing.assert_allclose(_ours(name).log_prob(mg.tensor(v, dtype="float64")).numpy(),
                                   _theirs(name).log_prob(torch.tensor(v)).numpy(), rtol=1e-12)
    finally:
        D.Distribution.set_default_validate_args(True)
        T.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError, match=r"^Distribution.set_default_validate_args: expected True or False, "
                                         r"got 'yes'$"):
        D.Distribution.set_default_validate_args("yes")


def _theirs_uniform():
    return T.Uniform(torch.tensor([0.0, 1.0, -2.0], dtype=torch.float64),
                     torch.tensor([1.0, 1.5, 2.0], dtype=torch.float64))


def test_a_value_outside_a_tensor_bounded_support_that_broadcasts_up_to_the_batch_is_one_clear_error():
    # the support's bounds have the batch shape, the value fewer dims: the error names the offending value
    uniform = D.Uniform(mg.tensor([0.0, 1.0, -2.0], dtype="float64"), mg.tensor([1.0, 1.5, 2.0], dtype="float64"))
    with pytest.raises(ValueError, match=r"^Uniform.log_prob: expected value \(shape \(1,\)\) to be in \[a tensor of "
                                         r"shape \(3,\), a tensor of shape \(3,\)\], got 0.3 among its values$"):
        uniform.log_prob(mg.tensor([0.3], dtype="float64"))
    with pytest.raises(ValueError, match=r"^Uniform.cdf: expected value \(shape \(\)\) to be in .*, got 0.3 among"):
        uniform.cdf(mg.tensor(0.3, dtype="float64"))
    with pytest.raises(ValueError):
        _theirs_uniform().log_prob(torch.tensor([0.3], dtype=torch.float64))
    binomial = D.Binomial(mg.tensor([2.0, 5.0], dtype="float64"), probs=mg.tensor([0.5, 0.5], dtype="float64"))
    with pytest.raises(ValueError, match=r"^Binomial.log_prob: expected value \(shape \(1,\)\) to be an integer in "
                                         r"\[0, a tensor of shape \(2,\)\], got 3.0 among its values$"):
        binomial.log_prob(mg.tensor([3.0], dtype="float64"))
    low, high = mg.tensor([[0.0, 1.0]], dtype="float64"), mg.tensor([[1.0, 2.0]], dtype="float64")
    with pytest.raises(ValueError, match=r"^Uniform.log_prob: expected value \(shape \(1,\)\) .*, got 0.5 among"):
        D.Independent(D.Uniform(low, high), 1).log_prob(mg.tensor([0.5], dtype="float64"))
    inside = mg.tensor([1.0], dtype="float64")           # in each closed interval: broadcast as torch's
    np.testing.assert_allclose(uniform.log_prob(inside).numpy(),
                               _theirs_uniform().log_prob(torch.tensor([1.0], dtype=torch.float64)).numpy(), rtol=1e-15)


def test_log_prob_of_a_value_of_the_wrong_shape_raises():
    with pytest.raises(ValueError, match=r"^Normal.log_prob: value of shape \(3,\) does not broadcast with the batch "
                                         r"shape \(2,\) and event shape \(\)$"):
        _ours("Normal").log_prob(mg.zeros(3, dtype="float64"))


@pytest.mark.parametrize("name", ["Normal", "Exponential", "Bernoulli", "Categorical", "MultivariateNormal", "Gamma",
                                  "Dirichlet", "Binomial"])
def test_perplexity_as_torch(name):
    np.testing.assert_allclose(_ours(name).perplexity().numpy(), _theirs(name).perplexity().numpy(), rtol=1e-12)


CONSTRAINTS = [("real", C.real, TC.real, "real"), ("positive", C.positive, TC.positive, "scalar"),
               ("nonnegative", C.nonnegative, TC.nonnegative, "scalar"),
               ("unit_interval", C.unit_interval, TC.unit_interval, "scalar"),
               ("boolean", C.boolean, TC.boolean, "scalar"),
               ("nonnegative_integer", C.nonnegative_integer, TC.nonnegative_integer, "scalar"),
               ("positive_integer", C.positive_integer, TC.positive_integer, "scalar"),
               ("integer_interval", C.integer_interval(1, 4), TC.integer_interval(1, 4), "scalar"),
               ("interval", C.interval(0.0, 2.0), TC.interval(0.0, 2.0), "scalar"),
               ("half_open_interval", C.half_open_interval(0.0, 2.0), TC.half_open_interval(0.0, 2.0), "scalar"),
               ("greater_than", C.greater_than(0.5), TC.greater_than(0.5), "scalar"),
               ("greater_than_eq", C.greater_than_eq(0.5), TC.greater_than_eq(0.5), "scalar"),
               ("less_than", C.less_than(0.5), TC.less_than(0.5), "scalar"),
               ("simplex", C.simplex, TC.simplex, "simplex"), ("one_hot", C.one_hot, TC.one_hot, "onehot"),
               ("multinomial", C.multinomial(3), TC.multinomial(3), "counts"),
               ("real_vector", C.real_vector, TC.real_vector, "vector"),
               ("independent", C.independent(C.positive, 1), TC.independent(TC.positive, 1), "vector")]


@pytest.mark.parametrize("name,ours,theirs,probe", CONSTRAINTS, ids=[c[0] for c in CONSTRAINTS])
def test_constraints_check_as_torch(name, ours, theirs, probe):
    x = PROBES[probe]
    np.testing.assert_array_equal(ours.check(mg.tensor(x, dtype="float64")).numpy(),
                                  theirs.check(torch.tensor(x)).numpy())
    assert ours.is_discrete == theirs.is_discrete and ours.event_dim == theirs.event_dim


def test_matrix_constraints_check_as_torch():
    good = np.linalg.cholesky(SPD)
    mats = np.stack([good, good.T, -good, SPD, np.array([[1.0, 2.0], [3.0, 4.0]])])
    for ours, theirs in ((C.lower_cholesky, TC.lower_cholesky), (C.positive_definite, TC.positive_definite)):
        np.testing.assert_array_equal(ours.check(mg.tensor(mats, dtype="float64")).numpy(),
                                      theirs.check(torch.tensor(mats)).numpy())
    with pytest.raises(ValueError, match="^Cannot determine validity of dependent constraint$"):
        C.dependent.check(mg.zeros(2))
