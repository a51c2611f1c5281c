"""minigrad.special's orthogonal polynomials (minigrad/ops/orthogonal_polynomials.py): torch 2.13's values over
grids of x (inside and outside [-1, 1], the exact points, huge and infinite) and n (negative, non-integer, large,
NaN, infinite), SciPy's eval_* values, torch's truncation of n and Hermite's degree limit, broadcasting and dtypes,
and the x-derivatives against the classical identities, with gradcheck and gradgradcheck."""
import numpy as np
import pytest
import scipy.special as sp
import torch

import minigrad as mg

NAN, INF = float("nan"), float("inf")
RNG = np.random.default_rng(2416)
NAMES = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
         "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
         "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l",
         "legendre_polynomial_p"]
X = np.concatenate([RNG.uniform(-1.0, 1.0, 150), RNG.uniform(-3.0, 3.0, 100), RNG.uniform(-0.5, 1.5, 100),
                    [0.0, -0.0, 1.0, -1.0, 0.5, 1e-20, -1e-20, 2.0, 1e10, -1e10, INF, -INF]])
N = np.array([-3.0, -1.0, -0.5, 0.0, 0.7, 1.0, 1.9, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 15.0, 20.0, 50.0,
              100.0, 128.0, 129.0, 300.0, 512.0, 513.0, NAN, INF, -INF, 2.0 ** 70])


def _scipy_v(n, x):
    return sp.eval_chebyu(n, x) - (sp.eval_chebyu(n - 1, x) if n > 0 else 0.0)


def _scipy_w(n, x):
    return sp.eval_chebyu(n, x) + (sp.eval_chebyu(n - 1, x) if n > 0 else 0.0)


SCIPY = {"chebyshev_polynomial_t": sp.eval_chebyt, "chebyshev_polynomial_u": sp.eval_chebyu,
         "chebyshev_polynomial_v": _scipy_v, "chebyshev_polynomial_w": _scipy_w,
         "shifted_chebyshev_polynomial_t": sp.eval_sh_chebyt, "shifted_chebyshev_polynomial_u": sp.eval_sh_chebyu,
         "shifted_chebyshev_polynomial_v": lambda n, x: _scipy_v(n, 2 * x - 1),
         "shifted_chebyshev_polynomial_w": lambda n, x: _scipy_w(n, 2 * x - 1),
         "hermite_polynomial_h": sp.eval_hermite, "hermite_polynomial_he": sp.eval_hermitenorm,
         "laguerre_polynomial_l": sp.eval_laguerre, "legendre_polynomial_p": sp.eval_legendre}


def _call(name, x, n, dtype="float64"):
    return getattr(mg.special, name)(mg.tensor(x, dtype=dtype), mg.tensor(n, dtype=dtype))


@pytest.mark.parametrize("name", NAMES)
def test_float64_values_match_torch_over_grids_of_x_and_n(name):
    x, n = np.meshgrid(X, N)
    ours = _call(name, x, n).numpy()
    theirs = getattr(torch.special, name)(torch.tensor(x), torch.tensor(n)).numpy()
    assert np.array_equal(np.isnan(ours), np.isnan(theirs))
    infinite = np.isinf(theirs)
    np.testing.assert_array_equal(ours[infinite], theirs[infinite])
    finite = np.isfinite(theirs)
    # each step of the recurrence rounds, and torch's vectorised loop rounds in its own order (both are as far
    # from mpmath's values): up to n 1e-14 relative to max(|P|, 1) apart
    degree = np.maximum(np.trunc(np.nan_to_num(n, nan=0.0, posinf=0.0, neginf=0.0)), 1.0)
    scale = np.maximum(np.abs(theirs), 1.0)
    if name.startswith("hermite"):   # its terms outgrow its values near the zeros: the rounding scales with them
        scale = np.maximum(scale, _hermite_envelope(name == "hermite_polynomial_h", x, n))
    with np.errstate(invalid="ignore"):
        assert (np.abs(ours - theirs)[finite] <= (degree * 1e-14 * scale)[finite]).all()


def _hermite_envelope(physicists, x, n):
    """The recurrence with every term made positive, which bounds the size of what each step rounds."""
    two = 2.0 if physicists else 1.0
    with np.errstate(over="ignore", invalid="ignore"):
        p, q = np.ones_like(x), two * np.abs(x)
        out = np.where(n >= 1, q, p)
        for m in range(2, 513):
            p, q = q, two * np.abs(x) * q + two * (m - 1) * p
            out = np.where(np.trunc(n) == m, q, out)
    return out


@pytest.mark.parametrize("name", NAMES)
def test_values_match_scipy(name):
    x = np.concatenate([RNG.uniform(-1.5, 1.5, 200), [0.0, 1.0, -1.0, 0.5]])
    for n in range(0, 31):
        ours = _call(name, x, float(n)).numpy()
        expected = SCIPY[name](n, x)   # near the zeros, to the rounding of the largest values on the grid
        np.testing.assert_allclose(ours, expected, rtol=2e-13, atol=2e-15 * max(n, 1) * np.abs(expected).max())


@pytest.mark.parametrize("name", NAMES)
def test_n_is_truncated_and_negative_nan_or_infinite_n_give_zero_as_torch(name):
    x = np.array([0.3, 1.7, -0.6])
    for given, degree in [(2.7, 2.0), (3.99, 3.0), (-0.5, 0.0), (0.9, 0.0)]:
        np.testing.assert_array_equal(_call(name, x, given).numpy(), _call(name, x, degree).numpy())
    for n in [-1.0, -7.0, NAN, INF, -INF, 1e300]:
        np.testing.assert_array_equal(_call(name, x, n).numpy(), [0.0, 0.0, 0.0])


@pytest.mark.parametrize("name", NAMES)
def test_nan_input_gives_nan_from_degree_one(name):
    # torch reads an uninitialised value for U, V, W, L, P and the shifted ones at x = NaN, n >= 2 (its loop
    # never runs): ours is NaN there, as for T, H and He; every P_0 is 1, as torch's
    out = _call(name, np.full(5, NAN), np.array([0.0, 1.0, 2.0, 3.0, 40.0])).numpy()
    assert out[0] == 1.0 and np.isnan(out[1:]).all()


@pytest.mark.parametrize("name", ["hermite_polynomial_h", "hermite_polynomial_he"])
def test_hermite_is_nan_beyond_torchs_degree_limit(name):
    # odd degrees vanish at 0 until the even ones overflow float64 (degree 300 or so)
    np.testing.assert_array_equal(_call(name, [0.0, 0.0], [127.0, 129.0], "float32").numpy(), np.float32([0.0, NAN]))
    np.testing.assert_array_equal(_call(name, [0.0, 0.0], [127.0, 129.0]).numpy(), [0.0, 0.0])
    x, n = np.meshgrid([0.0, 1e-3, 0.5], [127.0, 128.0, 129.0, 511.0, 512.0, 513.0])
    theirs = getattr(torch.special, name)(torch.tensor(x), torch.tensor(n)).numpy()
    np.testing.assert_array_equal(_call(name, x, n).numpy(), theirs)


def test_chebyshev_closed_forms_for_large_n_inside_the_interval():
    x = RNG.uniform(-0.999, 0.999, 50)
    t = _call("chebyshev_polynomial_t", x, 10 ** 6).numpy()
    np.testing.assert_array_equal(t, np.cos(1e6 * np.arccos(x)))       # no million-step recurrence
    u = _call("chebyshev_polynomial_u", x, 10 ** 6).numpy()
    np.testing.assert_array_equal(u, np.sin((1e6 + 1) * np.arccos(x)) / np.sin(np.arccos(x)))
    ones = _call("legendre_polynomial_p", [1.0, -1.0], 10 ** 9 + 1).numpy()   # the exact points need no recurrence
    np.testing.assert_array_equal(ones, [1.0, -1.0])


def test_broadcasting_numbers_and_dtypes():
    x = RNG.uniform(-1.0, 1.0, (3, 1))
    out = mg.special.legendre_polynomial_p(mg.tensor(x, dtype="float64"), mg.tensor([0, 1, 2, 5]))
    assert out.shape == (3, 4) and out.dtype == np.float64
    np.testing.assert_allclose(out.numpy(), sp.eval_legendre(np.array([0, 1, 2, 5]), x), rtol=1e-14, atol=1e-15)
    assert mg.special.hermite_polynomial_h(mg.tensor([1, 2]), 3).dtype == np.float32       # as torch
    np.testing.assert_array_equal(mg.special.hermite_polynomial_h(mg.tensor([1, 2]), 3).numpy(), [-4.0, 40.0])
    np.testing.assert_array_equal(mg.special.chebyshev_polynomial_t(0.5, mg.tensor([3])).numpy(), np.float32([-1.0]))
    assert mg.special.chebyshev_polynomial_t(mg.tensor([0.5], dtype="float32"), 3.0).dtype == np.float32
    with pytest.raises(TypeError, match="chebyshev_polynomial_t: operands have different floating dtypes"):
        mg.special.chebyshev_polynomial_t(mg.tensor([0.5], dtype="float32"), mg.tensor([3.0], dtype="float64"))
    for shape in [(), (0, 3)]:
        assert mg.special.laguerre_polynomial_l(mg.tensor(np.zeros(shape)), 4).shape == shape


@pytest.mark.parametrize("name", NAMES)
def test_float32_is_the_float64_value_rounded_once(name):
    x, n = np.meshgrid(RNG.uniform(-2.0, 2.0, 100).astype(np.float32), np.float32([0, 1, 2, 5, 9, 30]))
    ours = _call(name, x, n, "float32")
    assert ours.dtype == np.float32
    np.testing.assert_array_equal(ours.numpy(), _call(name, x.astype(np.float64), n).numpy().astype(np.float32))


def _derivative(name, n, x):
    """The classical identities, from SciPy's values (x away from +-1 and 0 where they divide)."""
    u = sp.eval_chebyu
    du = lambda n, x: ((n + 1) * sp.eval_chebyt(n + 1, x) - x * u(n, x)) / (x * x - 1)   # noqa: E731
    shifted = name.startswith("shifted")
    y = 2 * x - 1 if shifted else x
    kind = name.rsplit("_", 1)[1]
    if "chebyshev" in name:
        value = {"t": n * u(n - 1, y) if n else 0.0 * y, "u": du(n, y),
                 "v": du(n, y) - (du(n - 1, y) if n else 0.0), "w": du(n, y) + (du(n - 1, y) if n else 0.0)}[kind]
        return 2 * value if shifted else value
    if kind == "h":
        return 2 * n * sp.eval_hermite(n - 1, x) if n else 0.0 * x
    if kind == "he":
        return n * sp.eval_hermitenorm(n - 1, x) if n else 0.0 * x
    if kind == "l":
        return n * (sp.eval_laguerre(n, x) - sp.eval_laguerre(n - 1, x)) / x if n else 0.0 * x
    return n * (x * sp.eval_legendre(n, x) - sp.eval_legendre(n - 1, x)) / (x * x - 1) if n else 0.0 * x


@pytest.mark.parametrize("name", NAMES)
def test_gradient_is_the_derivative(name):
    x = np.concatenate([RNG.uniform(-0.95, 0.95, 60), RNG.uniform(1.05, 2.0, 20), -RNG.uniform(1.05, 2.0, 20)])
    x = x[np.abs(x) > 0.05]
    if name.startswith("shifted"):
        x = (x + 1.0) / 2.0
    for n in [0, 1, 2, 3, 7, 12, 25]:
        t = mg.tensor(x, dtype="float64", requires_grad=True)
        getattr(mg.special, name)(t, n).sum().backward()
        expected = _derivative(name, n, x)
        np.testing.assert_allclose(t.grad.numpy(), expected, rtol=1e-11, atol=1e-11 * np.abs(expected).max())


@pytest.mark.parametrize("name", NAMES)
def test_gradcheck_and_gradgradcheck(name):
    n = mg.tensor(np.array([0, 1, 2, 3, 5, 9, 12, -1]))
    fn = lambda x: getattr(mg.special, name)(x, n)   # noqa: E731
    for x in [RNG.uniform(-1.2, 1.2, (3, 8)), RNG.uniform(-0.5, 1.5, (2, 8))]:
        t = mg.tensor(x, dtype="float64", requires_grad=True)
        assert mg.gradcheck(fn, (t,)) and mg.gradgradcheck(fn, (t,))


@pytest.mark.parametrize("name", NAMES)
def test_derivative_with_respect_to_n_is_refused_by_name(name):
    x = mg.tensor([0.3, 0.6], dtype="float64", requires_grad=True)
    n = mg.tensor([2.0, 3.0], dtype="float64", requires_grad=True)
    y = getattr(mg.special, name)(x, n)
    with pytest.raises(NotImplementedError, match=rf"{name}: the derivative with respect to n \(shape \(2,\)\)"):
        y.sum().backward()


@pytest.mark.parametrize("name", NAMES)
def test_on_each_device_as_on_the_cpu(name, device):
    x, n = np.meshgrid(np.concatenate([RNG.uniform(-1.5, 1.5, 30), [0.0, 1.0, -1.0, NAN]]), [-1.0, 0.0, 1.0, 4.0, 12.0])
    ours = getattr(mg.special, name)(mg.tensor(x, dtype="float64", device=device),
                                     mg.tensor(n, dtype="float64", device=device))
    if ours.device == "cpu":
        np.testing.assert_array_equal(ours.numpy(), _call(name, x, n).numpy())
    else:  # a GPU's acos and cos are within 2 ulps (CUDA's guide), and cos(n acos x) scales an angle's error by n:
        # an H200 differed from the CPU by up to 1.7e-14 relative, 5.8e-15 absolute, at n = 12
        np.testing.assert_allclose(ours.numpy(), _call(name, x, n).numpy(), rtol=1e-13, atol=1e-14)
    t = mg.tensor(RNG.uniform(-0.9, 0.9, (2, 3)), dtype="float64", device=device, requires_grad=True)
    assert mg.gradcheck(lambda v: getattr(mg.special, name)(v, 5), (t,))


def test_an_overflowing_recurrence_stops_at_its_nan_in_value_and_gradient():
    # |x| > 1: the values overflow to inf, then inf - inf is NaN, where torch's loop stops too; the derivative's
    # recurrence stops there as well (ten million steps otherwise)
    x = mg.tensor([1.5, -2.0, 3.0], dtype="float64", requires_grad=True)
    y = mg.special.chebyshev_polynomial_t(x, 10 ** 7)
    theirs = torch.special.chebyshev_polynomial_t(torch.tensor([1.5, -2.0, 3.0], dtype=torch.float64), 1e7)
    np.testing.assert_array_equal(y.numpy(), theirs.numpy())
    y.sum().backward()
    assert np.isnan(x.grad.numpy()).all()
