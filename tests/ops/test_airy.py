"""minigrad.special.airy_ai (minigrad/ops/airy.py): values against mpmath over the Taylor range and the decaying and
oscillating tails, torch's edge values, float32 as float64 rounded once, and its gradient Ai' (torch has none).
Beyond |x| = 9.25 the argument zeta = 2 |x|^(3/2) / 3 is rounded, so e^-zeta and sin(zeta - pi/4) carry a
relative, respectively absolute, error of up to 2 zeta eps, as torch's and SciPy's do."""
import mpmath
import numpy as np
import scipy.special as sp
import torch

import minigrad as mg

mpmath.mp.dps = 40   # references to far more than float64's digits (mpmath's default is 15)
NAN, INF = float("nan"), float("inf")
EPS = np.finfo(np.float64).eps
RNG = np.random.default_rng(2415)


def _ai(x, dtype="float64"):
    return mg.special.airy_ai(mg.tensor(x, dtype=dtype)).numpy()


def _ulps(ours, theirs):
    return np.abs(ours - theirs) / np.spacing(np.abs(theirs))


def _exact(x):
    return np.array([float(mpmath.airyai(mpmath.mpf(v))) for v in x])


def test_taylor_range_is_within_four_ulps_of_mpmath():
    # |x| <= 9.25: the Taylor series of the Airy equation about the nearest tabulated centre (measured: 3 ulps);
    # relative where Ai decays, of the amplitude |x|^(-1/4) / sqrt(pi) where it oscillates (near its zeros)
    x = np.concatenate([RNG.uniform(-9.25, 9.25, 600), np.geomspace(1e-300, 2.0, 40), -np.geomspace(1e-300, 2.0, 40),
                        [9.25, -9.25, 0.0, -0.0, 0.25, -8.75, -2.338107410459767, -4.087949444130970]])
    exact = _exact(x)
    amplitude = np.maximum(np.abs(x), 1.0) ** -0.25 / np.sqrt(np.pi)
    scale = np.where(x < -1.0, np.maximum(np.abs(exact), amplitude), np.abs(exact))
    assert (np.abs(_ai(x) - exact) <= 4.0 * np.spacing(scale)).all()
    # SciPy's Maclaurin series for |x| < 2.09 rounds terms up to about 1 in size: near x = 2.07, where Ai is 0.03,
    # it is 1e-15 (150 ulps) off (measured), 19 ulps of 1/4
    assert (np.abs(_ai(x) - sp.airy(x)[0]) <= 32.0 * np.spacing(np.maximum(scale, 0.25))).all()


def test_decaying_tail_is_within_its_conditioning_of_mpmath():
    x = np.concatenate([RNG.uniform(9.25, 10.0, 40), RNG.uniform(10.0, 103.8, 40)])
    ours = _ai(x)
    exact = np.array([float(mpmath.airyai(mpmath.mpf(v))) for v in x])
    zeta = 2.0 * x ** 1.5 / 3.0   # rounded three times (sqrt, two products): up to 2 zeta eps off in e^-zeta
    assert (np.abs(ours - exact) / exact <= (2.0 * zeta + 8.0) * EPS).all()


def test_oscillating_tail_is_within_its_conditioning_of_mpmath():
    x = -np.concatenate([RNG.uniform(10.0, 100.0, 40), np.geomspace(100.0, 1e5, 20)])
    ours = _ai(x)
    exact = np.array([float(mpmath.airyai(mpmath.mpf(v))) for v in x])
    amplitude = np.abs(x) ** -0.25 / np.sqrt(np.pi)
    zeta = 2.0 * np.abs(x) ** 1.5 / 3.0
    assert (np.abs(ours - exact) <= (2.0 * zeta + 8.0) * EPS * amplitude).all()


def test_edge_values_are_torchs():
    x = np.array([0.0, -0.0, 1e-300, 103.8, 1e300, INF, -INF, NAN])
    ours = _ai(x)
    np.testing.assert_allclose(ours, torch.special.airy_ai(torch.tensor(x)).numpy(), rtol=4e-16, atol=0.0)
    assert ours[4] == 0.0 and np.isnan(ours[5:]).all()   # NaN at +-inf, as torch's


def test_underflow_goes_through_the_subnormals():
    # torch (Cephes' MAXAIRY) gives 0 from x = 103.892 on; Ai is subnormal there, 2.07e-308 at 103.9, and ours is
    # e^-zeta times the rest, rounded once at the subnormal spacing
    x = np.array([103.9, 104.5, 105.5, 106.0])
    ours, exact = _ai(x), _exact(x)
    zeta = 2.0 * x ** 1.5 / 3.0   # rounded, as in the decaying tail below
    assert (np.abs(ours - exact) <= np.maximum((2.0 * zeta + 8.0) * EPS * exact, 5e-324)).all() and ours[0] > 0.0
    assert _ai([107.0])[0] > 0.0 and _ai([108.0])[0] == 0.0   # Ai(107) = 3.1e-322


def test_values_beside_torchs():
    # torch 2.13's float64 Ai evaluates Cephes' denominators AFD and AGD without their leading 1, about 3e-6
    # off for x < -2.09 (measured at -2.5, -4.86, -9); ours are mpmath's to 4 ulps (above)
    x = RNG.uniform(-2.09, 2.09, 1000)
    theirs = torch.special.airy_ai(torch.tensor(x)).numpy()
    # below 2.09 torch sums the Maclaurin series, whose terms reach about 1 (as SciPy's, above)
    assert (np.abs(_ai(x) - theirs) <= 32.0 * np.spacing(np.maximum(np.abs(theirs), 0.25))).all()
    y = RNG.uniform(2.09, 30.0, 1000)
    theirs = torch.special.airy_ai(torch.tensor(y)).numpy()
    # beyond 2.09 torch divides by e^zeta of a rounded zeta: within (2 zeta + 8) eps of exact, as ours beyond 9.25
    assert (_ulps(_ai(y), theirs) <= 2.0 * (2.0 * np.abs(y) ** 1.5 / 3.0 + 8.0)).all()


def test_float32_is_the_float64_value_rounded_once():
    x = np.concatenate([RNG.uniform(-30.0, 30.0, 3000), [0.0, 9.25, -9.25, 100.0]]).astype(np.float32)
    ours = mg.special.airy_ai(mg.tensor(x, dtype="float32"))
    assert ours.dtype == np.float32
    np.testing.assert_array_equal(ours.numpy(), _ai(x.astype(np.float64)).astype(np.float32))
    assert mg.special.airy_ai(mg.tensor([1, 2])).dtype == np.float32


def _exact_derivative(x):
    return np.array([float(mpmath.airyai(mpmath.mpf(v), derivative=1)) for v in x])


def _gradient(x):
    t = mg.tensor(x, dtype="float64", requires_grad=True)
    mg.special.airy_ai(t).sum().backward()
    return t.grad.numpy()


def test_gradient_is_ai_prime_to_a_few_ulps_where_taylor_series_give_it():
    # |x| <= 9.25: the Taylor series of the Airy equation about the nearest tabulated centre
    x = np.concatenate([RNG.uniform(-9.25, 9.25, 150), [0.0, 2.09, -2.09, 9.0, -9.0, 9.25, -9.25, 0.25, -8.75]])
    ours, exact = _gradient(x), _exact_derivative(x)
    # relative where Ai' decays (x > 0), and to the amplitude |x|^(1/4) / sqrt(pi) where it oscillates (near zeros)
    scale = np.where(x < 0.0, np.maximum(np.abs(exact), np.abs(x) ** 0.25 / np.sqrt(np.pi)), np.abs(exact))
    assert (np.abs(ours - exact) <= 4.0 * np.spacing(scale)).all()
    np.testing.assert_allclose(ours, sp.airy(x)[1], rtol=3e-13, atol=0.0)


def test_gradient_tails_are_within_their_conditioning_of_mpmath():
    x = np.concatenate([RNG.uniform(9.25, 103.0, 30), -RNG.uniform(9.25, 100.0, 30), -np.geomspace(100.0, 1e5, 10)])
    ours, exact = _gradient(x), _exact_derivative(x)
    zeta = 2.0 * np.abs(x) ** 1.5 / 3.0
    right = x > 0
    assert (np.abs(ours - exact)[right] / np.abs(exact[right]) <= ((2.0 * zeta + 8.0) * EPS)[right]).all()
    amplitude = np.abs(x) ** 0.25 / np.sqrt(np.pi)
    assert (np.abs(ours - exact)[~right] <= ((2.0 * zeta + 8.0) * EPS * amplitude)[~right]).all()


def test_gradient_at_the_edges():
    x = np.array([INF, -INF, NAN, 200.0, 1e300])
    np.testing.assert_array_equal(_gradient(x), [NAN, NAN, NAN, 0.0, 0.0])   # Ai is NaN at +-inf, as torch's


def test_gradcheck_and_gradgradcheck_through_the_airy_equation():
    # the second derivative is x Ai(x)
    for x in [RNG.uniform(-6.0, 6.0, (3, 4)), RNG.uniform(8.0, 11.0, (3,)), -RNG.uniform(8.0, 12.0, (3,))]:
        t = mg.tensor(x, dtype="float64", requires_grad=True)
        assert mg.gradcheck(mg.special.airy_ai, (t,)) and mg.gradgradcheck(mg.special.airy_ai, (t,))


def test_on_each_device_as_on_the_cpu(device):
    x = np.concatenate([RNG.uniform(-40.0, 40.0, 64), [0.0, 2.09, -2.09, 110.0, INF, NAN]])
    ours = mg.special.airy_ai(mg.tensor(x, dtype="float64", device=device))
    np.testing.assert_allclose(ours.numpy(), _ai(x), rtol=4e-16, atol=0.0)
    t = mg.tensor(RNG.uniform(-12.0, 12.0, (2, 3)), dtype="float64", device=device, requires_grad=True)
    assert mg.gradcheck(mg.special.airy_ai, (t,))
