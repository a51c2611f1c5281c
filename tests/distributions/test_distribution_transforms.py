"""minigrad.distributions.transforms and TransformedDistribution against torch's in float64: each transform's map,
inverse and log |det J| with their gradients (and gradcheck/gradgradcheck); transformed distributions' log_prob,
cdf, icdf and draws; kl_divergence of transformed pairs."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import distributions as D
from torch_agreement import TOL

torch = pytest.importorskip("torch")
T = torch.distributions
TT = torch.distributions.transforms
RNG = np.random.default_rng(11)

LOC = RNG.standard_normal(4)
SCALE = np.abs(RNG.standard_normal(4)) + 0.3


def _leaf(a):
    a = np.array(a, dtype=np.float64)
    return mg.tensor(a, dtype="float64", requires_grad=True), torch.tensor(a, requires_grad=True)


# name: (build(lib, params), params, x in the domain)
TRANSFORMS = {
    "Exp": (lambda m, p: m.ExpTransform(), [], RNG.standard_normal(4)),
    "Affine": (lambda m, p: m.AffineTransform(p[0], p[1]), [LOC, -SCALE], RNG.standard_normal(4)),
    "Affine(scalars)": (lambda m, p: m.AffineTransform(1.5, -2.0), [], RNG.standard_normal(4)),
    "Affine(event_dim=1)": (lambda m, p: m.AffineTransform(p[0], p[1], event_dim=1), [LOC, SCALE],
                            RNG.standard_normal((3, 4))),
    "Sigmoid": (lambda m, p: m.SigmoidTransform(), [], 3 * RNG.standard_normal(4)),
    "Tanh": (lambda m, p: m.TanhTransform(), [], RNG.standard_normal(4)),
    "Power": (lambda m, p: m.PowerTransform(p[0]), [SCALE], SCALE[::-1] + 0.2),
    "Exp.inv": (lambda m, p: m.ExpTransform().inv, [], SCALE + 0.1),
    "Compose": (lambda m, p: m.ComposeTransform([m.AffineTransform(p[0], p[1]), m.ExpTransform()]), [LOC, SCALE],
                RNG.standard_normal(4)),
}


def _transform_both(name):
    build, params, x = TRANSFORMS[name]
    pairs = [_leaf(p) for p in params]
    xm, xt = _leaf(x)
    ours = build(D, [p[0] for p in pairs])
    theirs = build(TT, [p[1] for p in pairs])
    return ours, theirs, [xm] + [p[0] for p in pairs], [xt] + [p[1] for p in pairs]


@pytest.mark.parametrize("name", TRANSFORMS)
def test_transform_map_inverse_and_log_det_as_torch_with_gradients(name):
    ours, theirs, leaves_m, leaves_t = _transform_both(name)
    xm, xt = leaves_m[0], leaves_t[0]
    ym, yt = ours(xm), theirs(xt)
    np.testing.assert_allclose(ym.numpy(), yt.detach().numpy(), rtol=1e-13)
    np.testing.assert_allclose(ours.inv(ym).numpy(), xm.numpy(), rtol=1e-10, atol=1e-12)
    ladj_m, ladj_t = ours.log_abs_det_jacobian(xm, ym), theirs.log_abs_det_jacobian(xt, yt)
    assert ladj_m.shape == tuple(ladj_t.shape)
    np.testing.assert_allclose(ladj_m.numpy(), ladj_t.detach().numpy(), rtol=1e-12, atol=1e-13)
    sign_m, sign_t = ours.sign, theirs.sign
    np.testing.assert_array_equal(sign_m.numpy() if isinstance(sign_m, mg.Tensor) else sign_m,
                                  sign_t.detach().numpy() if isinstance(sign_t, torch.Tensor) else sign_t)
    assert ours.event_dim == theirs.event_dim
    g = RNG.standard_normal(tuple(yt.shape))
    ((ym * mg.tensor(g, dtype="float64")).sum() + ladj_m.sum()).backward()
    ((yt * torch.tensor(g)).sum() + ladj_t.sum()).backward()
    for a, b in zip(leaves_m, leaves_t):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **TOL["float64"])


@pytest.mark.parametrize("name", TRANSFORMS)
def test_transforms_pass_gradcheck_and_gradgradcheck(name):
    build, params, x = TRANSFORMS[name]
    leaves = [mg.tensor(np.array(a, dtype=np.float64), dtype="float64", requires_grad=True) for a in [x] + params]

    def f(x, *p):
        t = build(D, list(p))
        y = t(x)
        return y.sum() + t.log_abs_det_jacobian(x, y).sum() + t.inv(y).sum()
    assert mg.gradcheck(f, leaves)
    assert mg.gradgradcheck(f, leaves)


# name: build(lib, params) of a TransformedDistribution, params, a value in its support
TRANSFORMED = {
    "Normal>Affine>Exp": (lambda m, p: m.TransformedDistribution(
        m.Normal(p[0], p[1]), [m.AffineTransform(0.5, 2.0), m.ExpTransform()]), [LOC, SCALE], SCALE + 0.1),
    "Logistic": (lambda m, p: m.TransformedDistribution(
        m.Uniform(0.0 * p[0], 0.0 * p[0] + 1.0), [m.SigmoidTransform().inv, m.AffineTransform(p[0], p[1])]),
        [LOC, SCALE], RNG.standard_normal(4)),
    "Normal>Tanh": (lambda m, p: m.TransformedDistribution(m.Normal(p[0], p[1]), m.TanhTransform()), [LOC, SCALE],
                    np.array([-0.9, -0.1, 0.3, 0.99])),
    "Exponential>Power(decreasing)": (lambda m, p: m.TransformedDistribution(
        m.Exponential(p[0]), [m.PowerTransform(-0.5)]), [SCALE], SCALE + 0.2),
    "Independent>Affine(event_dim=1)": (lambda m, p: m.TransformedDistribution(
        m.Independent(m.Normal(p[0], p[1]), 1), m.AffineTransform(1.0, p[1], event_dim=1)), [LOC, SCALE],
        RNG.standard_normal((2, 4))),
    "LogNormal": (lambda m, p: m.LogNormal(p[0], p[1]), [LOC, SCALE], SCALE + 0.1),
}


def _dist_both(name):
    build, params, value = TRANSFORMED[name]
    pairs = [_leaf(p) for p in params]
    return build(D, [p[0] for p in pairs]), build(T, [p[1] for p in pairs]), pairs, value


def _grads_agree(pairs, out_m, out_t):
    g = RNG.standard_normal(tuple(out_t.shape))
    (out_m * mg.tensor(g, dtype="float64")).sum().backward()
    (out_t * torch.tensor(g)).sum().backward()
    for a, b in pairs:
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("name", TRANSFORMED)
def test_transformed_log_prob_and_gradients_as_torch(name):
    dm, dt, pairs, value = _dist_both(name)
    assert dm.batch_shape == tuple(dt.batch_shape) and dm.event_shape == tuple(dt.event_shape)
    assert dm.has_rsample == dt.has_rsample
    out_m, out_t = dm.log_prob(mg.tensor(value, dtype="float64")), dt.log_prob(torch.tensor(value))
    np.testing.assert_allclose(out_m.numpy(), out_t.detach().numpy(), rtol=1e-12, atol=1e-13)
    _grads_agree(pairs, out_m, out_t)


@pytest.mark.parametrize("name", TRANSFORMED)
def test_transformed_support_checks_whole_events_as_torch(name):
    # an elementwise codomain under a wider event (an event_dim=1 transform) is read as one check per event
    dm, dt, _, value = _dist_both(name)
    probe = np.where(np.arange(np.size(value)).reshape(np.shape(value)) == 0, -1.0, np.asarray(value))
    assert dm.support.event_dim == dt.support.event_dim and dm.support.is_discrete == dt.support.is_discrete
    for v in (value, probe):
        np.testing.assert_array_equal(dm.support.check(mg.tensor(v, dtype="float64")).numpy(),
                                      dt.support.check(torch.tensor(v)).numpy())


def test_transformed_cdf_at_the_support_boundary_as_torch():
    # LogNormal's cdf(0) is 0 (torch checks the preimage, -inf, against the Normal's support); it was refused as
    # outside the support (> 0). Values whose preimage is outside the base's support are still refused
    loc, scale = np.array([0.0, 1.0]), np.array([1.0, 2.0])
    ours = D.LogNormal(mg.tensor(loc, dtype="float64"), mg.tensor(scale, dtype="float64"))
    theirs = T.LogNormal(torch.tensor(loc), torch.tensor(scale))
    value = np.array([0.0, 2.0])
    np.testing.assert_allclose(ours.cdf(mg.tensor(value, dtype="float64")).numpy(),
                               theirs.cdf(torch.tensor(value)).numpy(), rtol=1e-12)
    assert ours.cdf(mg.tensor(value, dtype="float64")).numpy()[0] == 0.0
    for bad in ([-1.0, 2.0], [float("nan"), 2.0]):
        with pytest.raises(ValueError, match=r"^LogNormal.cdf: expected value \(shape \(2,\)\) to be > 0, got "
                                             rf"{bad[0]} among its values$"):
            ours.cdf(mg.tensor(bad, dtype="float64"))
        with pytest.raises(ValueError):
            theirs.cdf(torch.tensor(bad))
    with pytest.raises(ValueError, match=r"^LogNormal.cdf: value of shape \(3,\) does not broadcast"):
        ours.cdf(mg.tensor([1.0, 2.0, 3.0], dtype="float64"))
    with pytest.raises(ValueError, match=r"^LogNormal.log_prob: expected value \(shape \(2,\)\) to be > 0, got 0.0"):
        ours.log_prob(mg.tensor(value, dtype="float64"))          # the density at 0 is still refused, as torch
    with pytest.raises(ValueError):
        theirs.log_prob(torch.tensor(value))


@pytest.mark.parametrize("name", [n for n in TRANSFORMED if "Independent" not in n])
def test_transformed_cdf_and_icdf_as_torch(name):
    dm, dt, pairs, value = _dist_both(name)
    out_m, out_t = dm.cdf(mg.tensor(value, dtype="float64")), dt.cdf(torch.tensor(value))
    np.testing.assert_allclose(out_m.numpy(), out_t.detach().numpy(), rtol=1e-12, atol=1e-13)
    _grads_agree(pairs, out_m, out_t)
    q = np.array([0.05, 0.3, 0.5, 0.97])
    np.testing.assert_allclose(dm.icdf(mg.tensor(q, dtype="float64")).numpy(),
                               dt.icdf(torch.tensor(q)).detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", TRANSFORMED)
def test_transformed_draws_follow_torch_draws(name):
    n = 100000
    mg.manual_seed(2)
    torch.manual_seed(2)
    dm, dt, pairs, _ = _dist_both(name)
    x = dm.rsample((n,))
    assert x.requires_grad and x.shape == (n,) + dm.batch_shape + dm.event_shape
    ours, theirs = np.sort(x.numpy().reshape(n, -1), 0), np.sort(dt.sample((n,)).numpy().reshape(n, -1), 0)
    for j in range(ours.shape[1]):
        grid = np.concatenate([ours[:, j], theirs[:, j]])
        ks = np.max(np.abs(np.searchsorted(ours[:, j], grid, side="right")
                           - np.searchsorted(theirs[:, j], grid, side="right"))) / n
        assert ks < 1.95 * math.sqrt(2.0 / n)      # two-sample KS at level 1e-3
    assert bool(dt.support.check(torch.tensor(x.numpy())).all())


def test_kl_of_transformed_pairs_as_torch():
    (lm, lt), (sm, st) = _leaf(LOC), _leaf(SCALE)
    pm = D.TransformedDistribution(D.Normal(lm, sm), [D.AffineTransform(0.5, 2.0), D.ExpTransform()])
    qm = D.TransformedDistribution(D.Normal(0.0 * lm, sm[::-1]), [D.AffineTransform(0.5, 2.0), D.ExpTransform()])
    pt = T.TransformedDistribution(T.Normal(lt, st), [TT.AffineTransform(0.5, 2.0), TT.ExpTransform()])
    qt = T.TransformedDistribution(T.Normal(0.0 * lt, st.flip(0)), [TT.AffineTransform(0.5, 2.0), TT.ExpTransform()])
    out_m, out_t = D.kl_divergence(pm, qm), T.kl_divergence(pt, qt)
    np.testing.assert_allclose(out_m.numpy(), out_t.detach().numpy(), rtol=1e-12)
    _grads_agree([(lm, lt), (sm, st)], out_m, out_t)
    other = D.TransformedDistribution(D.Normal(lm, sm), [D.ExpTransform()])
    with pytest.raises(NotImplementedError, match="^kl_divergence: TransformedDistributions with different transforms"):
        D.kl_divergence(pm, other)


def test_bad_transformed_arguments_are_one_clear_error():
    with pytest.raises(ValueError, match="^TransformedDistribution: transforms must be a Transform or a list of them, "
                                         "got 'exp'$"):
        D.TransformedDistribution(D.Normal(0.0, 1.0), "exp")
    with pytest.raises(ValueError, match="^TransformedDistribution: base_distribution must be a Distribution, "
                                         "got int$"):
        D.TransformedDistribution(3, D.ExpTransform())
    with pytest.raises(ValueError, match=r"^AffineTransform: event_dim must be an int >= 0, got -1$"):
        D.AffineTransform(0.0, 1.0, event_dim=-1)
    with pytest.raises(ValueError, match=r"^TransformedDistribution.log_prob: expected value \(shape \(\)\) to be > 0, "
                                         r"got -1.0"):
        D.TransformedDistribution(D.Normal(0.0, 1.0), D.ExpTransform()).log_prob(-1.0)


@pytest.mark.parametrize("scale", [2.0, -2.0, "tensor"])
def test_affine_log_det_of_an_infinite_value_is_finite_as_torch(scale, device):
    # log |scale| took x's shape as 0.0 * x, NaN at x = +-inf: the log-density of an infinite value under
    # TransformedDistribution(Normal(0, 1), AffineTransform(1, 2)) was NaN where torch gives -inf
    values = [np.inf, -np.inf, 0.5]
    parts = {}
    for lib, make in (("mg", lambda v: mg.tensor(v, dtype="float64", device=device)),
                      ("torch", lambda v: torch.tensor(v, dtype=torch.float64))):
        M = D if lib == "mg" else torch.distributions
        s = make([-2.0, 2.0, 3.0]) if scale == "tensor" else scale
        dist = M.TransformedDistribution(M.Normal(make([0.0, 0.0, 0.0]), make([1.0, 1.0, 1.0])),
                                         [M.transforms.AffineTransform(1.0, s)])
        parts[lib] = dist.log_prob(make(values))
        if lib == "mg":
            assert np.isfinite(M.transforms.AffineTransform(1.0, s).log_abs_det_jacobian(
                make(values), make(values)).numpy()).all()
    np.testing.assert_allclose(parts["mg"].numpy(), parts["torch"].numpy(), rtol=1e-12)   # -inf, -inf, finite
