"""minigrad.special.spherical_bessel_j0 (minigrad/ops/spherical_bessel.py): torch's values, float32 as float64
rounded once, and its derivative -j1(x) (which torch does not provide) against SciPy, with gradcheck and
gradgradcheck through j1's own derivative j0 - 2 j1 / x."""
import numpy as np
import pytest
import scipy.special as sp
import torch

import minigrad as mg

NAN, INF = float("nan"), float("inf")
RNG = np.random.default_rng(2417)
X = np.concatenate([RNG.uniform(-1.0, 1.0, 2000), RNG.uniform(-60.0, 60.0, 2000), np.geomspace(1e-300, 1e20, 2000),
                    -np.geomspace(1e-300, 1e20, 500), [0.5, -0.5, 1.0, -1.0, np.pi, 2 * np.pi]])


def _j0(x, dtype="float64", **kwargs):
    return mg.special.spherical_bessel_j0(mg.tensor(x, dtype=dtype, **kwargs))


def test_values_are_torchs_and_scipys():
    ours = _j0(X).numpy()
    np.testing.assert_allclose(ours, torch.special.spherical_bessel_j0(torch.tensor(X)).numpy(), rtol=4.5e-16, atol=0.0)
    np.testing.assert_allclose(ours, sp.spherical_jn(0, X), rtol=4.5e-16, atol=1e-300)
    edges = np.array([0.0, -0.0, INF, -INF, NAN, 1e300])
    np.testing.assert_array_equal(_j0(edges).numpy(), torch.special.spherical_bessel_j0(torch.tensor(edges)).numpy())


def test_float32_is_the_float64_value_rounded_once():
    x = X.astype(np.float32)
    ours = _j0(x, "float32")
    assert ours.dtype == np.float32
    np.testing.assert_array_equal(ours.numpy(), _j0(x.astype(np.float64)).numpy().astype(np.float32))
    assert mg.special.spherical_bessel_j0(mg.tensor([1, 2])).dtype == np.float32


def test_gradient_is_minus_spherical_j1():
    x = X[np.isfinite(X) & (np.abs(X) < 1e6)]
    t = mg.tensor(x, dtype="float64", requires_grad=True)
    mg.special.spherical_bessel_j0(t).sum().backward()
    expected = sp.spherical_jn(0, x, derivative=True)
    # beyond |x| = 1 (sin x / x - cos x) / x: an ulp of its terms, sin x / x and cos x, over x
    assert (np.abs(t.grad.numpy() - expected) <= 2e-15 * np.abs(expected) + 2.3e-16 / np.maximum(np.abs(x), 1.0)).all()
    t = mg.tensor([0.0, -0.0, INF, -INF], dtype="float64", requires_grad=True)
    mg.special.spherical_bessel_j0(t).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), [0.0, 0.0, 0.0, 0.0])


def test_second_derivative_at_zero_is_minus_one_third():
    t = mg.tensor([0.0], dtype="float64", requires_grad=True)
    (g,) = mg.grad(mg.special.spherical_bessel_j0(t).sum(), [t], create_graph=True)
    (h,) = mg.grad(g.sum(), [t])
    np.testing.assert_allclose(h.numpy(), [-1.0 / 3.0], rtol=1e-15)


def test_gradcheck_and_gradgradcheck():
    for x in [RNG.uniform(-8.0, 8.0, (3, 4)), RNG.uniform(-0.9, 0.9, (5,)), RNG.uniform(20.0, 40.0, (3,))]:
        t = mg.tensor(x, dtype="float64", requires_grad=True)
        assert mg.gradcheck(mg.special.spherical_bessel_j0, (t,))
        assert mg.gradgradcheck(mg.special.spherical_bessel_j0, (t,))


@pytest.mark.parametrize("shape", [(), (0, 3), (2, 1, 3)])
def test_shapes(shape):
    x = RNG.uniform(-5.0, 5.0, shape)
    assert _j0(x).shape == shape


def test_on_each_device_as_on_the_cpu(device):
    x = np.concatenate([RNG.uniform(-12.0, 12.0, 64), [0.0, 0.5, INF, NAN, 1e20]])
    ours = mg.special.spherical_bessel_j0(mg.tensor(x, dtype="float64", device=device))
    np.testing.assert_allclose(ours.numpy(), _j0(x).numpy(), rtol=4e-16, atol=0.0)
    t = mg.tensor(RNG.uniform(-3.0, 3.0, (2, 3)), dtype="float64", device=device, requires_grad=True)
    assert mg.gradcheck(mg.special.spherical_bessel_j0, (t,)) and mg.gradgradcheck(mg.special.spherical_bessel_j0, (t,))
