"""Accuracy in ulps of the error function's and the gamma family's kernels and derivatives, against mpmath at
50 digits (mpmath is a dev dependency), where a rounding inside the computation used to grow with the argument.

Each bound is a few ulps of the float64 (or float32) result; the old code's error is named in each test.
"""
import mpmath
import numpy as np
import pytest

import minigrad as mg


def _ulps(got, exact, dtype=np.float64):
    """|got - exact| in ulps of the exact value rounded to ``dtype``."""
    exact = np.asarray(exact, dtype=np.float64)
    spacing = np.spacing(np.abs(exact).astype(dtype)).astype(np.float64)
    return np.abs(np.asarray(got, dtype=np.float64) - exact) / spacing


def _grad(fn, x, dtype, device, second=False):
    t = mg.tensor(x, dtype=dtype, requires_grad=True, device=device)
    (g,) = mg.grad(fn(t).sum(), [t], create_graph=second)
    if second:
        (g,) = mg.grad(g.sum(), [t])
    return g.numpy()


def _exact(fn, x, digits=50):
    """fn at each x, by mpmath at ``digits`` digits, rounded to float64."""
    with mpmath.workdps(digits):
        return np.array([float(fn(mpmath.mpf(float(v)))) for v in x])


_D_ERF = lambda v: 2 / mpmath.sqrt(mpmath.pi) * mpmath.exp(-v * v)   # noqa: E731


@pytest.mark.parametrize("dtype, x, bound", [
    (np.float64, [-26.0, -12.34, 3.3, 7.7, 12.34, 20.1, 26.0], 3.0),
    (np.float32, [-9.1, 3.1, 6.6, 9.1], 2.0),
])
def test_the_derivatives_of_erf_and_erfc_take_x_squared_without_its_rounding(dtype, x, bound, device):
    # e^(-x^2) after rounding x^2 was x^2 ulps off: 500 at x = 26 in float64, 60 at x = 9 in float32
    x = np.array(x, dtype=dtype)
    exact = _exact(_D_ERF, x)
    assert _ulps(_grad(mg.erf, x, dtype, device), exact, dtype).max() <= bound
    assert _ulps(_grad(mg.erfc, x, dtype, device), -exact, dtype).max() <= bound
    if dtype == np.float64:   # the second derivative, -2 x erf'(x), recorded through the same lines
        second = _exact(lambda v: -2 * v * _D_ERF(v), x)
        assert _ulps(_grad(mg.erf, x, dtype, device, second=True), second).max() <= 4.0


@pytest.mark.parametrize("dtype, x, bound", [
    (np.float64, [-37.5, -25.5, -8.25, 10.1, 30.3, 37.0], 3.0),
    (np.float32, [-13.0, -7.7, 9.9, 12.9], 2.0),
])
def test_the_derivatives_of_ndtr_and_log_ndtr_take_x_squared_without_its_rounding(dtype, x, bound, device):
    # e^(-x^2 / 2) after rounding x^2: 480 ulps at x = 37 in float64, 64 at x = 13 in float32
    x = np.array(x, dtype=dtype)
    assert _ulps(_grad(mg.special.ndtr, x, dtype, device), _exact(mpmath.npdf, x), dtype).max() <= bound
    right = x[x > 0]   # log_ndtr' = phi / Phi there (the left side goes through erfcx)
    exact = _exact(lambda v: mpmath.npdf(v) / mpmath.ncdf(v), right)
    assert _ulps(_grad(mg.special.log_ndtr, right, dtype, device), exact, dtype).max() <= bound


def test_erfc_erfcx_and_ndtr_take_the_continued_fraction_from_its_tail_for_z_from_1_to_2(device):
    # the fraction's forward (Lentz) product kept each term's rounding: erfc 32, erfcx 41, ndtr 30 ulps there
    from minigrad.ops._normal_kernels import erfc64

    z = np.linspace(1.0, 2.0, 201)
    erfc = _exact(mpmath.erfc, z)
    assert _ulps(erfc64(z), erfc).max() <= 4.0
    erfcx = _exact(lambda v: mpmath.exp(v * v) * mpmath.erfc(v), z)
    assert _ulps(mg.special.erfcx(mg.tensor(z, dtype="float64", device=device)).numpy(), erfcx).max() <= 4.0
    w = np.linspace(-2.8, -1.45, 136)   # z = -w / sqrt 2 from 1.03 to 1.98 (its rounding reaches Phi: 2 z^2 of it)
    ndtr = mg.special.ndtr(mg.tensor(w, dtype="float64", device=device)).numpy()
    assert _ulps(ndtr, _exact(mpmath.ncdf, w)).max() <= 6.0


@pytest.mark.parametrize("n", [2, 3, 4, 8])
def test_polygamma_of_even_order_near_negative_half_integers_does_not_cancel(n, device):
    # for an even n the reflection's zeta(n + 1, f) - zeta(n + 1, 1 - f) is 0 at f = 1/2, and the direct sum's terms
    # cancel too: 8e12 ulps of polygamma(2, -1e6 - 1/2), 8e15 of polygamma(4, ...), 8e3 of polygamma(2, -25.5).
    # mpmath cancels as well (45 digits at n = 8, x = -1e6 - 1/2), so it works with 80 here
    x = np.array([-1e6 - 0.5, -12345.5, -100.5, -68.498, -30.5, -25.5, -12.5, -10.5, -1.5, -0.74, -0.5, -0.3, -0.26])
    exact = _exact(lambda v: mpmath.polygamma(n, v), x, digits=80)
    ours = mg.polygamma(n, mg.tensor(x, dtype="float64", device=device)).numpy()
    assert _ulps(ours, exact).max() <= (4.0 if n <= 4 else 8.0)


@pytest.mark.parametrize("a", [50.0, 1e3, 1e5, 1e6])
def test_the_x_derivative_of_igamma_for_large_a_takes_stirlings_form(a, device):
    # e^((a - 1) log x - x - lgamma(a)) cancelled terms of size a log a: 270 ulps at a = 50, 7e6 at a = 1e6, for x
    # within 4 sqrt(a) of a; the exponent's own rounding (up to 8 here) still reaches the density
    x = np.round(a + np.array([-4, -2, -1, -0.25, 0, 0.5, 1, 2, 4]) * np.sqrt(a), 3)
    exact = _exact(lambda v: mpmath.power(v, a - 1) * mpmath.exp(-v) / mpmath.gamma(a), x)
    a_tensor = mg.tensor(np.full_like(x, a), dtype="float64", device=device)
    assert _ulps(_grad(lambda t: mg.igamma(a_tensor, t), x, "float64", device), exact).max() <= 20.0
    assert _ulps(_grad(lambda t: mg.igammac(a_tensor, t), x, "float64", device), -exact).max() <= 20.0


def test_the_stirling_form_of_the_igamma_density_differentiates_again(device):
    # near a (the series in u), far from it (a >= 200: the log form) and the direct form beside them (a = 30, x = 5)
    a = mg.tensor([12.0, 50.0, 300.0, 300.0, 1e3, 30.0, 30.0], dtype="float64", device=device)
    x = mg.tensor([11.0, 60.0, 250.0, 20.0, 1100.0, 5.0, 200.0], dtype="float64", requires_grad=True, device=device)
    for fn in (mg.igamma, mg.igammac):
        assert mg.gradcheck(lambda t: fn(a, t), (x,)) and mg.gradgradcheck(lambda t: fn(a, t), (x,))
    # at x = 0 and inf the density and its derivative are 0 (both were NaN at x = inf, the second also at 0)
    a = mg.tensor([20.0, 20.0, 500.0, 500.0], dtype="float64", device=device)
    x = mg.tensor([0.0, float("inf"), 0.0, float("inf")], dtype="float64", requires_grad=True, device=device)
    (g,) = mg.grad(mg.igamma(a, x).sum(), [x], create_graph=True)
    (h,) = mg.grad(g.sum(), [x])
    assert (g.numpy() == 0).all() and (h.numpy() == 0).all()


def test_ndtr_in_the_left_tail_adds_back_the_rounding_of_x_over_sqrt_2(device):
    # erfc(|x| / sqrt 2) moves x^2 ulps per ulp of its argument: 77 ulps at x = -7.9, 1e3 at x = -37
    w = np.array([-37.5, -30.3, -20.7, -12.9, -7.872, -6.76, -4.4, -3.3, -2.968, -1.904, 3.3, 7.7])
    exact = _exact(mpmath.ncdf, w)
    assert _ulps(mg.special.ndtr(mg.tensor(w, dtype="float64", device=device)).numpy(), exact).max() <= 4.0


def test_erfc_and_erfcx_take_a_taylor_series_for_z_from_0_71_to_1_25(device):
    # 1 - erf lost 2.7 bits of erfc at z = 1 (13 ulps; 50 at z = 1.16), e^(z^2) - 2 z / sqrt(pi) sum ... 17 ulps of
    # erfcx at 0.79
    from minigrad.ops._normal_kernels import erfc64

    z = np.linspace(0.7072, 1.25, 218)
    assert _ulps(erfc64(z), _exact(mpmath.erfc, z)).max() <= 3.0
    erfcx = _exact(lambda v: mpmath.exp(v * v) * mpmath.erfc(v), z)
    assert _ulps(mg.special.erfcx(mg.tensor(z, dtype="float64", device=device)).numpy(), erfcx).max() <= 3.0


def test_the_x_derivative_of_igamma_in_float32_is_the_float64_density_rounded_once(device):
    # float32's own roundings of the exponent left 11 ulps (at a = 50), 1e4 at a = 1e3 before Stirling's form
    a, x = [], []
    for av in (3.0, 50.0, 1e3, 1e5):
        a += [av] * 6
        x += list(av + np.array([-1.5, -1, 0, 1, 2, 4]) * np.sqrt(av))
    a, x = np.array(a, dtype=np.float32), np.array(x, dtype=np.float32)
    with mpmath.workdps(50):
        exact = np.array([float(mpmath.power(v, u - 1) * mpmath.exp(-v) / mpmath.gamma(u))
                          for u, v in zip(map(mpmath.mpf, a.tolist()), map(mpmath.mpf, x.tolist()))])
    a_tensor = mg.tensor(a, dtype="float32", device=device)
    g = _grad(lambda t: mg.igamma(a_tensor, t), x, "float32", device)
    assert g.dtype == np.float32 and _ulps(g, exact, np.float32).max() <= 1.0


@pytest.mark.parametrize("s", [9, 21, 51, 99])
def test_zeta_of_a_large_odd_s_near_negative_half_integers_does_not_cancel(s, device):
    # the reflection's zeta(s, f) - zeta(s, 1 - f) cancelled near f = 1/2 below q = -30 (335, 34, 111 and 65 ulps),
    # the direct sum's terms above it (3e82 ulps of zeta(51, -29.5)); the cot polynomial takes only |f - 1/2| <= 1/s,
    # beyond which it would lose up to s ulps itself (80 at s = 99). zeta(s, q) = (-1)^s polygamma(s - 1, q) /
    # (s - 1)! (mpmath's own zeta takes another branch for q < 0), at 300 digits (mpmath cancels too)
    q = -np.arange(1, 60, 3) + 0.5 + np.linspace(-0.25, 0.25, 20)
    q = np.concatenate([q, -np.arange(1, 40, 4) + 0.5 + 1e-3, [-45.5, -29.5, -10.5, -0.5]])
    exact = _exact(lambda v: (-1) ** s * mpmath.polygamma(s - 1, v) / mpmath.factorial(s - 1), q, digits=300)
    ours = mg.special.zeta(mg.tensor(np.full_like(q, s), dtype="float64", device=device),
                           mg.tensor(q, dtype="float64", device=device)).numpy()
    assert _ulps(ours, exact).max() <= 10.0
