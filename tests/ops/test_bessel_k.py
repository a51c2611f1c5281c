"""minigrad.special.modified_bessel_k0 / k1, scaled_modified_bessel_k0 / k1 and modified_bessel_i0 / i1
(minigrad/ops/bessel_k.py): float64 values against mpmath, SciPy and torch 2.13 over small, large and huge arguments,
torch's edge values (inf at 0, NaN below 0 and, for I, at +-inf), float32 as float64 rounded once, the
derivatives, gradcheck and gradgradcheck."""
import mpmath
import numpy as np
import pytest
import scipy.special as sp
import torch

import minigrad as mg

mpmath.mp.dps = 40   # references to far more than float64's digits
NAN, INF = float("nan"), float("inf")
RNG = np.random.default_rng(2414)
OPS = {"modified_bessel_k0": (sp.k0, lambda x: -sp.k1(x)), "modified_bessel_k1": (sp.k1, lambda x: sp.kvp(1, x)),
       "scaled_modified_bessel_k0": (sp.k0e, lambda x: sp.k0e(x) - sp.k1e(x)),
       "scaled_modified_bessel_k1": (sp.k1e, lambda x: sp.k1e(x) * (1.0 - 1.0 / x) - sp.k0e(x)),
       "modified_bessel_i0": (sp.i0, sp.i1), "modified_bessel_i1": (sp.i1, lambda x: sp.ivp(1, x))}
POSITIVE = np.concatenate([RNG.uniform(0.0, 2.0, 3000), RNG.uniform(2.0, 40.0, 3000), RNG.uniform(40.0, 700.0, 1000),
                           np.geomspace(1e-300, 1e20, 3000), [2.0, np.nextafter(2.0, 3.0), np.nextafter(2.0, 0.0)]])


def _call(name, x, dtype="float64"):
    return getattr(mg.special, name)(mg.tensor(x, dtype=dtype))


def _ulps(ours, theirs):
    return np.abs(ours - theirs) / np.spacing(np.abs(theirs))


@pytest.mark.parametrize("name", sorted(OPS))
def test_float64_values_agree_with_scipy_and_torch_to_a_few_ulps(name):
    x = POSITIVE if "k" in name.rsplit("_", 1)[1] else np.concatenate([POSITIVE[POSITIVE < 700], -POSITIVE[:5000]])
    ours = _call(name, x).numpy()
    scipy_values = OPS[name][0](x)
    torch_values = getattr(torch.special, name)(torch.tensor(x)).numpy()
    normal = np.isfinite(scipy_values) & (np.abs(scipy_values) > 1e-300)   # below, subnormal: exact spacing 5e-324
    # ours are within 8 ulps of mpmath (the series -+ log(x / 2) I(x) cancels a little near x = 0.75), SciPy's and
    # torch's within 8 (measured), and those two differ from each other by up to 12
    assert _ulps(ours[normal], scipy_values[normal]).max() <= 13.0
    assert _ulps(ours[normal], torch_values[normal]).max() <= 13.0
    # tiny and subnormal values (0 where e^-x underflows) to their own rounding
    np.testing.assert_allclose(ours[~normal], torch_values[~normal], rtol=1e-15, atol=1e-322)


@pytest.mark.parametrize("name", sorted(n for n in OPS if "_k" in n))
def test_float64_values_are_within_eight_ulps_of_mpmath(name):
    x = np.concatenate([RNG.uniform(0.0, 0.75, 100), RNG.uniform(0.75, 25.25, 200), RNG.uniform(25.25, 700.0, 100),
                        np.geomspace(1e-300, 1e5, 60), [0.75, 25.25]])
    scale = mpmath.exp if name.startswith("scaled") else (lambda v: 1)
    exact = np.array([float(mpmath.besselk(int(name[-1]), mpmath.mpf(v)) * scale(mpmath.mpf(v))) for v in x])
    # series below 0.75, Taylor series of the modified Bessel equation to 25.25, Hankel beyond: measured up to
    # 8 ulps near x = 0.7 (e^x K0, where -log(x/2) I0 and the psi series cancel by half), 6 above
    normal = exact > 1e-300
    assert (_ulps(_call(name, x).numpy()[normal], exact[normal]) <= 8.0).all()


@pytest.mark.parametrize("name", sorted(OPS))
def test_edge_values_are_torchs(name):
    edges = np.array([0.0, -0.0, 1e-300, -1e-300, -1.0, INF, -INF, NAN])
    ours = _call(name, edges).numpy()
    theirs = getattr(torch.special, name)(torch.tensor(edges)).numpy()
    # K: inf at 0, NaN below, 0 at +inf (e^x K at +inf too); I: NaN at +-inf (torch.i0 gives inf there)
    np.testing.assert_allclose(ours, theirs, rtol=1e-15, atol=0.0)


def test_modified_bessel_i_is_i0_and_i1_but_nan_at_infinity():
    x = np.array([0.5, -3.0, 30.0, INF, -INF])
    np.testing.assert_array_equal(_call("modified_bessel_i0", x).numpy()[:3],
                                  mg.i0(mg.tensor(x[:3], dtype="float64")).numpy())
    np.testing.assert_array_equal(_call("modified_bessel_i1", x).numpy()[:3],
                                  mg.special.i1(mg.tensor(x[:3], dtype="float64")).numpy())
    assert np.isnan(_call("modified_bessel_i0", x).numpy()[3:]).all()
    assert np.isnan(_call("modified_bessel_i1", x).numpy()[3:]).all()


@pytest.mark.parametrize("name", sorted(OPS))
def test_float32_is_the_float64_value_rounded_once(name):
    x = np.concatenate([RNG.uniform(0.0, 30.0, 2000), np.geomspace(1e-30, 80.0, 500)]).astype(np.float32)
    ours = _call(name, x, "float32")
    assert ours.dtype == np.float32
    np.testing.assert_array_equal(ours.numpy(), _call(name, x.astype(np.float64)).numpy().astype(np.float32))
    assert getattr(mg.special, name)(mg.tensor([1, 2, 3])).dtype == np.float32


@pytest.mark.parametrize("name", sorted(OPS))
def test_gradient_is_the_derivative(name):
    x = np.concatenate([RNG.uniform(0.05, 30.0, 200), [1e-3, 1.9, 2.0, 2.1, 300.0]])
    t = mg.tensor(x, dtype="float64", requires_grad=True)
    getattr(mg.special, name)(t).sum().backward()
    # e^x K's derivatives are differences of e^x K0 and e^x K1, which nearly cancel for large x: ours and SciPy's
    # (the reference) carry the rounding of those terms (e^x K1 / x the largest for e^x K1's below x = 1), each
    # within 4 ulps (above), so they may differ by 8 ulps of the largest term (measured: 4.3 ulps at x = 27.4)
    terms = {"scaled_modified_bessel_k0": sp.k1e(x), "scaled_modified_bessel_k1": sp.k1e(x) / np.minimum(x, 1.0)}
    terms = terms.get(name, 0.0)
    ours, theirs = t.grad.numpy(), OPS[name][1](x)
    assert (np.abs(ours - theirs) <= 3e-14 * np.abs(theirs) + 8.0 * np.spacing(terms)).all()


def test_scaled_k_gradients_at_zero_are_their_limits():
    # (e^x K0)' = e^x (K0 - K1) ~ -1/x and (e^x K1)' ~ -1/x^2 tend to -inf; the formulas gave inf - inf = NaN
    # at 0, and for e^x K1 also where 1/x overflows (1e-310)
    for name in ["scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "modified_bessel_k0", "modified_bessel_k1"]:
        t = mg.tensor([0.0, 1e-310, 5e-324], dtype="float64", requires_grad=True)
        getattr(mg.special, name)(t).sum().backward()
        np.testing.assert_array_equal(t.grad.numpy(), [-INF, -INF, -INF])


@pytest.mark.parametrize("name", sorted(n for n in OPS if "_k" in n))
def test_k_at_subnormal_x_is_mpmaths(name):
    # log(x / 2) took x / 2, which rounds for subnormal x (to 0 at 5e-324: K0 was inf, K1 NaN); K1 ~ 1 / x
    # overflows to inf below 5.6e-309
    x = np.array([5e-324, 1e-323, 1.5e-323, 2.5e-323, 1e-320, 1e-310, 2.0 ** -1022, np.nextafter(2.0 ** -1022, 0.0)])
    scale = mpmath.exp if name.startswith("scaled") else (lambda v: 1)
    exact = np.array([float(mpmath.besselk(int(name[-1]), mpmath.mpf(v)) * scale(mpmath.mpf(v))) for v in x])
    ours = _call(name, x).numpy()
    finite = np.isfinite(exact)
    np.testing.assert_array_equal(ours[~finite], exact[~finite])
    assert (_ulps(ours[finite], exact[finite]) <= 8.0).all()
    tiny = np.array([1e-45, 3e-45, 1e-40], dtype=np.float32)     # float32 subnormals: float64's value rounded once
    with np.errstate(over="ignore"):                            # to inf for K1 ~ 1 / x
        expected = _call(name, tiny.astype(np.float64)).numpy().astype(np.float32)
    np.testing.assert_array_equal(_call(name, tiny, "float32").numpy(), expected)


@pytest.mark.parametrize("name", sorted(OPS))
def test_gradcheck_and_gradgradcheck(name):
    for x in [RNG.uniform(0.2, 6.0, (3, 4)), RNG.uniform(20.0, 40.0, (3,))]:
        t = mg.tensor(x, dtype="float64", requires_grad=True)
        assert mg.gradcheck(getattr(mg.special, name), (t,))
        assert mg.gradgradcheck(getattr(mg.special, name), (t,))


@pytest.mark.parametrize("name", sorted(OPS))
def test_on_each_device_as_on_the_cpu(name, device):
    x = np.concatenate([RNG.uniform(0.0, 12.0, 64), [0.0, 2.0, -1.0, INF, NAN, 1e20]])
    ours = getattr(mg.special, name)(mg.tensor(x, dtype="float64", device=device))
    np.testing.assert_allclose(ours.numpy(), _call(name, x).numpy(), rtol=4e-16, atol=0.0)
    finite = mg.tensor(RNG.uniform(0.5, 9.0, (2, 3)), dtype="float64", device=device, requires_grad=True)
    assert mg.gradcheck(getattr(mg.special, name), (finite,))
