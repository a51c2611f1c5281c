"""PyTorch's special functions (torch.lgamma, digamma, polygamma, mvlgamma, i0, igamma, ...; torch.special), checked
against torch itself, and against SciPy where torch is less accurate than 1e-12 (named in each test).

Values at the poles, infinities, NaN and negative arguments, float64 values over wide ranges to rounding, float32
to float32 rounding (float32 kept), gradients against torch's, the errors torch raises, the deliberate
differences (docs/autodiff.md, section 15), and that none of these kernels needs SciPy.
"""
import json
import subprocess
import sys

import numpy as np
import pytest
import scipy.special as sp
import torch

import minigrad as mg
from minigrad import ops
from op_registry import OPS
from torch_agreement import agree

NAN, INF = float("nan"), float("inf")
EDGES = np.array([-INF, -2.5, -2.0, -1.0, -0.5, -0.0, 0.0, 1e-300, 0.5, 1.0, 2.0, 1e300, INF, NAN])
RNG = np.random.default_rng(1010)


def _t(array, dtype=torch.float64):
    return torch.tensor(np.asarray(array), dtype=dtype)


def _m(array, requires_grad=False):
    return mg.tensor(array, dtype="float64", requires_grad=requires_grad)


def _close(ours, theirs, rtol=1e-12, atol=0.0):
    """Same shape, dtype and values (NaN where NaN, infinities with their signs)."""
    ours = ours.numpy() if isinstance(ours, mg.Tensor) else ours
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype, (ours.dtype, theirs.dtype)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


POSITIVE = np.concatenate([np.linspace(0.01, 30.0, 1500), np.geomspace(1e-10, 1e5, 300)])
NEGATIVE = -np.linspace(0.01, 20.0, 1500) + 1e-7


# ----------------------------------------------------------------------------------------------- the gamma family
def test_lgamma_edges_and_values_match_torch():
    _close(mg.lgamma(EDGES), torch.lgamma(_t(EDGES)))
    _close(mg.lgamma(POSITIVE), torch.lgamma(_t(POSITIVE)), rtol=1e-13, atol=1e-15)
    # near its negative zeros lgamma is a difference of two logs: 1e-15 absolute there, 2e-12 relative
    _close(mg.lgamma(NEGATIVE), torch.lgamma(_t(NEGATIVE)), rtol=2e-12, atol=1e-14)
    assert str(mg.lgamma(mg.tensor([1.0, 2.0])).numpy()[0]) == "0.0"     # +0, as torch


def test_digamma_edges_and_values_match_torch_and_scipy():
    _close(mg.digamma(EDGES), torch.digamma(_t(EDGES)))   # -inf at +0, +inf at -0, NaN at -1, -2 and -inf
    _close(mg.digamma(POSITIVE), torch.digamma(_t(POSITIVE)), rtol=1e-13, atol=1e-14)
    # torch's digamma is 3e-10 off near its negative zeros, SciPy's is accurate there; near the poles both
    # are 3e-10 off (pi / tan(pi x) without an exact reduction), which mpmath shows
    away = NEGATIVE[np.abs(NEGATIVE - np.round(NEGATIVE)) > 1e-3]
    _close(mg.digamma(away), sp.digamma(away), rtol=5e-12, atol=1e-14)
    _close(mg.digamma(NEGATIVE), torch.digamma(_t(NEGATIVE)), rtol=1e-9, atol=1e-12)
    import mpmath
    near_poles = np.array([-19.9999999, -3.0000001, -1e-9, -7.5 + 1e-12])
    exact = np.array([float(mpmath.digamma(mpmath.mpf(v))) for v in near_poles])
    _close(mg.digamma(near_poles), exact, rtol=1e-14)
    root = 1.4616321449683623   # the positive zero: relative accuracy near it too
    near = root + np.linspace(-1e-3, 1e-3, 11)
    _close(mg.digamma(near), sp.digamma(near), rtol=1e-13)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7])
def test_polygamma_matches_torch(n):
    x = np.concatenate([POSITIVE[::3], NEGATIVE[::6]])
    # torch's trigamma is 5e-9 off for negative x (it reflects); SciPy and torch's zeta-based n >= 2 are not
    reference = sp.polygamma(n, x) if n == 1 else torch.polygamma(n, _t(x)).numpy()
    _close(mg.polygamma(n, x), reference, rtol=1e-13, atol=0.0)
    poles = (EDGES <= 0) & (EDGES == np.floor(EDGES))
    edges = EDGES[~poles] if n == 1 else EDGES     # (trigamma's poles: the next test)
    _close(mg.polygamma(n, edges), torch.polygamma(n, _t(edges)), rtol=1e-9 if n == 1 else 1e-12)
    _close(mg.polygamma(0, EDGES), torch.polygamma(0, _t(EDGES)))


def test_trigamma_at_the_poles_is_inf_where_torch_gives_a_large_number():
    ours = mg.polygamma(1, np.array([-2.0, -1.0, -0.0, 0.0, -INF])).numpy()
    theirs = torch.polygamma(1, _t([-2.0, -1.0, -0.0, 0.0, -INF])).numpy()
    assert np.all(ours[:4] == INF) and np.isnan(ours[4])
    assert np.all(np.isfinite(theirs[:2])) and theirs[0] > 1e30 and np.isnan(theirs[4])


def test_lgamma_of_a_negative_subnormal_is_finite_as_torch():
    # ln(pi / |sin(pi x)|): pi / sin overflowed for x = -1e-310 (inf; torch's 713.8 = -ln 1e-310)
    x = np.array([-1e-310, -1e-305, -5e-324, -1e-300, -2.5])
    _close(mg.lgamma(x), torch.lgamma(_t(x)), rtol=1e-13)
    x32 = np.array([-1e-40, -1e-45], dtype=np.float32)
    _close(mg.lgamma(x32), torch.lgamma(_t(x32, torch.float32)), rtol=1e-6)


def test_mvlgamma_matches_torch():
    x = RNG.uniform(1.6, 9.0, (3, 4))
    for p in (1, 2, 3, 5):
        _close(mg.mvlgamma(x, p), torch.mvlgamma(_t(x), p), rtol=1e-13)
        _close(mg.special.multigammaln(x, p), torch.special.multigammaln(_t(x), p), rtol=1e-13)
    edges = np.array([0.5, 1.0, -3.0, INF, NAN])
    _close(mg.mvlgamma(edges, 3), torch.mvlgamma(_t(edges), 3))


# torch's trigamma (digamma's derivative) is 5e-10 off (SciPy's is not: the polygamma test above)
TRIGAMMA_TOL = dict(rtol=2e-9, atol=1e-12)


@pytest.mark.parametrize("name", ["lgamma", "digamma", "i0"])
def test_unary_gradients_match_torch(name):
    x = np.concatenate([RNG.uniform(0.1, 8.0, 9), -RNG.uniform(0.1, 0.9, 3) - RNG.integers(0, 4, 3)])
    agree(getattr(mg, name), getattr(torch, name), [x], tol=TRIGAMMA_TOL if name == "digamma" else None)


@pytest.mark.parametrize("n", [0, 1, 3])
def test_polygamma_gradients_match_torch(n):
    x = RNG.uniform(0.3, 6.0, (3, 4))
    agree(lambda t: mg.polygamma(n, t), lambda t: torch.polygamma(n, t), [x],
          tol=TRIGAMMA_TOL if n in (0, 1) else dict(rtol=1e-11, atol=1e-13))
    agree(lambda t: mg.mvlgamma(t, 3), lambda t: torch.mvlgamma(t, 3), [x + 1.5])


def test_float32_stays_float32_to_its_rounding():
    x = np.concatenate([RNG.uniform(-6.0, 12.0, 200), RNG.uniform(0.01, 3.0, 50)]).astype(np.float32)
    x = x[np.abs(x - np.round(x)) > 0.05]
    cases = [(mg.lgamma, torch.lgamma), (mg.digamma, torch.digamma), (mg.i0, torch.i0),
             (lambda t: mg.polygamma(2, t), lambda t: torch.polygamma(2, t)),
             (mg.special.i0e, torch.special.i0e), (mg.special.i1, torch.special.i1), (mg.special.i1e, torch.special.i1e),
             (mg.special.erfcx, torch.special.erfcx), (mg.special.ndtr, torch.special.ndtr),
             (mg.special.log_ndtr, torch.special.log_ndtr), (mg.special.entr, torch.special.entr)]
    for fm, ft in cases:
        ours, theirs = fm(mg.tensor(x)), ft(torch.tensor(x))
        assert ours.dtype == np.float32
        # float32 rounding of each, and torch's float32 kernels' own error near the zeros of lgamma and digamma
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=4e-6, atol=4e-6)
    p = RNG.uniform(0.001, 0.999, 50).astype(np.float32)
    np.testing.assert_allclose(mg.special.ndtri(mg.tensor(p)).numpy(), torch.special.ndtri(torch.tensor(p)).numpy(),
                               rtol=2e-6, atol=2e-6)


def test_integer_inputs_give_float32_as_torch():
    ints = np.array([1, 2, 5])
    for fm, ft in [(mg.lgamma, torch.lgamma), (mg.digamma, torch.digamma), (mg.i0, torch.i0),
                   (mg.angle, torch.angle), (mg.special.ndtr, torch.special.ndtr)]:
        _close(fm(mg.tensor(ints)), ft(torch.tensor(ints)), rtol=1e-6)


# ----------------------------------------------------------------------------------------------- zeta and igamma
def test_zeta_matches_torch():
    s = np.array([1.5, 2.0, 2.5, 3.0, 4.5, 7.0, 11.0, 20.0, 40.0])
    q = np.concatenate([np.geomspace(1e-3, 1e3, 40), -np.linspace(0.1, 5.3, 12)])
    S, Q = np.meshgrid(s, q)
    _close(mg.special.zeta(S, Q), torch.special.zeta(_t(S), _t(Q)), rtol=1e-13)
    es = np.array([1.0, 0.5, 2.0, 2.0, 2.0, 3.0, 2.5, INF, 2.0, NAN, 2.0])
    eq = np.array([1.0, 1.0, 0.0, -1.0, -1.5, -1.5, -1.5, 1.0, INF, 1.0, NAN])
    _close(mg.special.zeta(es, eq), torch.special.zeta(_t(es), _t(eq)))


def test_zeta_and_polygamma_far_below_0_and_at_a_huge_s_are_fast_and_exact():
    # zeta summed q's -q terms up to the Euler-Maclaurin range one array pass each: polygamma(1, -1e6 - 0.5) took
    # 6 s and -1e10 hours, as did zeta(s, q) for s = 1e6 (s terms); a 1 s limit in a subprocess catches a hang
    code = ("import json, time, minigrad as mg\n"
            "t = time.perf_counter()\n"
            "x = mg.tensor([-1e10 - 0.25, -1e6 - 0.5, -1e15 - 0.5], dtype='float64')\n"
            "y = [mg.special.polygamma(n, x).numpy().tolist() for n in (1, 3)]\n"
            "z = mg.special.zeta(mg.tensor([1e6, 1e6, 1e300], dtype='float64'),"
            " mg.tensor([1.0, 2.5, 0.7], dtype='float64')).numpy().tolist()\n"
            "print(json.dumps([time.perf_counter() - t, y, z]))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True).stdout
    seconds, (y1, y3), z = json.loads(out)
    assert seconds < 1.0
    # the reflection, with SciPy at 1 - x > 0: polygamma(1, x) = pi^2 / sin^2(pi x) - polygamma(1, 1 - x), and
    # polygamma(3, x) = 2 pi^4 - polygamma(3, 1 - x) at a half-integer x
    far = np.array([-1e10 - 0.25, -1e6 - 0.5, -1e15 - 0.5])
    np.testing.assert_allclose(y1, np.pi ** 2 / np.sin(np.pi * np.array([0.25, 0.5, 0.5])) ** 2
                               - sp.polygamma(1, 1.0 - far), rtol=1e-13)
    np.testing.assert_allclose(y3[1:], 2 * np.pi ** 4 - sp.polygamma(3, 1.0 - far[1:]), rtol=1e-13)
    assert z == [1.0, 0.0, float("inf")]
    q = np.array([-30.1, -31.25, -45.3, -123.7, -29.9, -12.25, -30.7])   # both sides of where reflection starts
    for n in (1, 2, 3, 4):
        _close(mg.special.polygamma(n, _m(q)), torch.special.polygamma(n, _t(q)), rtol=1e-11)
    for s_ in (2.0, 3.0, 6.0):
        _close(mg.special.zeta(_m(np.full_like(q, s_)), _m(q)), torch.special.zeta(_t(np.full_like(q, s_)), _t(q)),
               rtol=1e-12)


def test_zeta_of_s_below_1_is_nan_even_at_the_poles_of_q_as_torch():
    # s < 1 is outside zeta's domain whatever q is; at q = 0, -1, -2 the pole's inf was returned instead of NaN
    S, Q = np.meshgrid(np.array([-2.0, -1.0, 0.0, 0.5, 0.99, 1.0, 2.0]), np.array([-2.0, -1.0, 0.0, -0.5, 0.5]))
    ours = mg.special.zeta(_m(S), _m(Q)).numpy()
    _close(ours, torch.special.zeta(_t(S), _t(Q)))
    assert np.isnan(ours[S < 1]).all() and np.isposinf(ours[(S >= 1) & (Q <= 0) & (Q == np.floor(Q))]).all()


def test_zeta_gradient_is_taken_for_q_only_as_torch():
    s, q = RNG.uniform(1.5, 4.0, (3, 4)), RNG.uniform(0.5, 3.0, (4,))
    qm, qt = _m(q, True), _t(q).requires_grad_()
    mg.special.zeta(_m(s), qm).sum().backward()
    torch.special.zeta(_t(s), qt).sum().backward()
    np.testing.assert_allclose(qm.grad.numpy(), qt.grad.numpy(), rtol=1e-12)
    sm = _m(s, True)
    with pytest.raises(NotImplementedError, match=r"zeta: the derivative with respect to x .*shape \(3, 4\)"):
        mg.special.zeta(sm, q).sum().backward()
    with pytest.raises(NotImplementedError):
        torch.special.zeta(_t(s).requires_grad_(), _t(q)).sum().backward()


@pytest.mark.parametrize("upper", [False, True])
def test_igamma_matches_scipy_and_torch(upper):
    a = np.concatenate([np.geomspace(1e-3, 100.0, 25), [150.0, 300.0]])
    x = np.geomspace(1e-3, 1e3, 40)
    A, X = np.meshgrid(a, x)
    fm, ft, fs = ((mg.igammac, torch.igammac, sp.gammaincc) if upper else (mg.igamma, torch.igamma, sp.gammainc))
    ours = fm(A, X).numpy()
    reference = fs(A, X)
    shown = reference > 1e-290   # torch flushes the tiniest values to 0
    np.testing.assert_allclose(ours[shown], reference[shown], rtol=2e-12, atol=0)
    # torch's own values are 1.6e-9 off at the worst of these points (Cephes' prefactor), SciPy's are not
    np.testing.assert_allclose(ours[shown], ft(_t(A), _t(X)).numpy()[shown], rtol=5e-9, atol=0)
    ea = np.array([0.0, 0.0, 1.0, 1.0, -1.0, 2.0, INF, 1.0, NAN, 0.0, INF])
    ex = np.array([0.0, 1.0, 0.0, INF, 1.0, -1.0, 1.0, NAN, 1.0, INF, INF])
    _close(fm(ea, ex), ft(_t(ea), _t(ex)))
    assert fm(A, X).dtype == np.float64
    assert fm(A.astype(np.float32), X.astype(np.float32)).dtype == np.float32
    assert mg.special.gammainc is mg.igamma and mg.special.gammaincc is mg.igammac


def test_igamma_gradient_is_taken_for_x_only_as_torch():
    a, x = RNG.uniform(0.5, 4.0, (3, 4)), RNG.uniform(0.2, 6.0, (3, 4))
    for fm, ft in [(mg.igamma, torch.igamma), (mg.igammac, torch.igammac)]:
        agree(lambda t: fm(_m(a), t), lambda t: ft(_t(a), t), [x])
        am = _m(a, True)
        with pytest.raises(NotImplementedError,
                           match=rf"{fm.__name__}: the derivative with respect to input \(the first argument, a; "):
            fm(am, x).sum().backward()
        with pytest.raises(NotImplementedError, match="the derivative for 'igamma"):
            ft(_t(a).requires_grad_(), _t(x)).sum().backward()


# ----------------------------------------------------------------------------------------------- Bessel functions
BESSEL = [("i0", mg.i0, torch.special.i0), ("i0e", mg.special.i0e, torch.special.i0e),
          ("i1", mg.special.i1, torch.special.i1), ("i1e", mg.special.i1e, torch.special.i1e)]


@pytest.mark.parametrize("name,fm,ft", BESSEL, ids=[b[0] for b in BESSEL])
def test_bessel_matches_torch(name, fm, ft):
    x = np.concatenate([np.linspace(-60, 60, 2401), np.geomspace(1e-8, 700, 200), [19.999, 20.0, 20.001, 705.0]])
    _close(fm(x), ft(_t(x)), rtol=3e-15)
    edges = np.array([-0.0, 0.0, 1e-300, -1e-300, 1e300, NAN])
    _close(fm(edges), ft(_t(edges)))
    agree(fm, ft, [RNG.uniform(-25, 25, 12)])
    agree(fm, ft, [np.array([0.0, -0.0, 1e-9, 21.0])])     # the derivative of i1 and i1e at 0 is 1/2


def test_bessel_at_infinity_is_the_limit_where_torch_gives_nan():
    inf = np.array([INF, -INF])
    np.testing.assert_array_equal(mg.i0(inf).numpy(), [INF, INF])
    np.testing.assert_array_equal(mg.special.i1(inf).numpy(), [INF, -INF])
    np.testing.assert_array_equal(mg.special.i0e(inf).numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(mg.special.i1e(inf).numpy(), [0.0, -0.0])
    assert np.isnan(torch.special.i0(_t(inf)).numpy()).all() and np.isnan(torch.special.i1(_t(inf)).numpy()).all()


@pytest.mark.parametrize("dtype,x", [(mg.float64, [0.0, 1e-10, 1e-6]), (mg.float32, [0.0, 1e-6, 1e-20])])
def test_third_derivatives_of_i1_i1e_and_j1_near_0_are_their_series(dtype, x):
    # the derivatives of I1(x) / x (in d/dx I1 = I0 - I1 / x) cancel near 0: d3/dx3 i1 was 0 at x = 1e-10 (float64)
    # and 1e-6 (float32), NaN at 1e-20 in float32 and 0.5 at 0; that of i1e 16384 at 1e-10 (torch: -8.2e4, -3.3e5
    # and 0 for i1). From I1 = x/2 + x^3/16 + ..., J1 = x/2 - x^3/16 + ..., e^-x I1 = x/2 - x^2/2 + 5 x^3/16 + ...
    def third(f, x):
        t = mg.tensor(x, dtype=dtype, requires_grad=True)
        g, = mg.grad(f(t).sum(), t, create_graph=True)
        h, = mg.grad(g.sum(), t, create_graph=True)
        out, = mg.grad(h.sum(), t)
        assert out.dtype == dtype
        return out.numpy()
    np.testing.assert_allclose(third(mg.special.i1, x), 3 / 8, rtol=1e-6)
    np.testing.assert_allclose(third(mg.special.bessel_j1, x), -3 / 8, rtol=1e-6)
    np.testing.assert_allclose(third(mg.special.i1e, x[1:]), 15 / 8, rtol=1e-5)   # x > 0
    np.testing.assert_allclose(third(lambda t: mg.special.i0(t) * t, x), 3 / 2, rtol=1e-6)   # 3 I0'' + x I0'''


# ----------------------------------------------------------------------------------------------- normal and erfcx
WIDE = np.concatenate([np.linspace(-30, 30, 1201), np.geomspace(1e-12, 1e10, 120), -np.geomspace(1e-12, 26, 120)])
NORMAL = [("erfcx", mg.special.erfcx, torch.special.erfcx, WIDE[WIDE > -26], 6e-14),
          ("ndtr", mg.special.ndtr, torch.special.ndtr, WIDE[WIDE > -3], 1e-13),
          ("log_ndtr", mg.special.log_ndtr, torch.special.log_ndtr, WIDE, 2e-14)]


@pytest.mark.parametrize("name,fm,ft,x,rtol", NORMAL, ids=[c[0] for c in NORMAL])
def test_normal_functions_match_torch(name, fm, ft, x, rtol):
    _close(fm(x), ft(_t(x)), rtol=rtol)
    _close(fm(EDGES), ft(_t(EDGES)))
    agree(fm, ft, [RNG.uniform(-5, 5, 12)])


def test_ndtr_left_tail_matches_scipy_where_torch_is_accurate_only_to_1e_16_absolute():
    x = -np.linspace(3.0, 37.0, 300)
    _close(mg.special.ndtr(x), sp.ndtr(x), rtol=2e-13)
    _close(mg.special.ndtr(x), torch.special.ndtr(_t(x)), rtol=1e-7, atol=1e-16)
    assert (torch.special.ndtr(_t(x[-5:])).numpy() == 0).all()


def test_ndtri_matches_torch():
    p = np.concatenate([np.linspace(0.001, 0.999, 999), np.geomspace(1e-300, 0.2, 200), 1 - np.geomspace(1e-16, 0.2, 60),
                        [0.5, 0.5 + 1e-12, 0.5 - 1e-14]])
    _close(mg.special.ndtri(p), torch.special.ndtri(_t(p)), rtol=5e-15)
    edges = np.array([0.0, 1.0, -0.5, 1.5, NAN, 1e-320])
    _close(mg.special.ndtri(edges), torch.special.ndtri(_t(edges)), rtol=1e-13)
    agree(mg.special.ndtri, torch.special.ndtri, [RNG.uniform(0.01, 0.99, 12)])


def test_log_ndtr_gradient_in_the_far_left_tail():
    # phi / Phi through erfcx: finite and accurate where both underflow (torch's formula is too, here)
    x = np.array([-40.0, -30.0, -12.0])
    agree(mg.special.log_ndtr, torch.special.log_ndtr, [x], tol=dict(rtol=1e-11, atol=0))


def test_log_ndtr_second_and_third_derivatives_in_the_right_tail_as_torch():
    # erfcx(-x / sqrt 2) overflows past x = 37.7 (13.3 in float32): the 0 gradient reaching it times its -inf
    # derivative made the second derivative NaN (torch: 0), and short of that it lost the tail (x = 27: -3.2e-160,
    # torch 2.33e-157)
    for dtype, tdtype, x in [(mg.float64, torch.float64, [0.5, 5.0, 27.0, 38.0, 800.0]),
                             (mg.float32, torch.float32, [0.5, 5.0, 14.0, 30.0])]:
        m, t = mg.tensor(x, dtype=dtype, requires_grad=True), torch.tensor(x, dtype=tdtype, requires_grad=True)
        mine, theirs = [m], [t]
        for _ in range(3):
            mine.append(mg.grad((mg.special.log_ndtr(m) if len(mine) == 1 else mine[-1]).sum(), m, create_graph=True)[0])
            theirs.append(torch.autograd.grad((torch.special.log_ndtr(t) if len(theirs) == 1 else theirs[-1]).sum(), t,
                                              create_graph=True)[0])
        for a, b in zip(mine[1:], theirs[1:]):
            assert a.dtype == dtype
            # float32's values below 1.2e-38 are subnormal, a few steps of 1.4e-45 apart (x = 14: ours -1.5358e-42,
            # torch's -1.5302e-42, mpmath's -1.5352e-42)
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5 if dtype == mg.float32 else 1e-12,
                                       atol=1e-44 if dtype == mg.float32 else 0)


def test_erfcx_gradient_for_large_x_is_its_asymptotic_series():
    # 2 x erfcx(x) - 2/sqrt(pi) cancels: at x = 1e8 it gave -4.4e-16 (torch's 0), the derivative being -5.6e-17;
    # the reference is that series, -(1/sqrt(pi)) x^-2 (1 - 3/2 x^-2 + 15/4 x^-4), a 1e-17 relative truncation here
    x = np.array([1e3, 1e4, 1e6, 1e8, 1e20, 1e200])
    reference = -(1.0 - 1.5 / x ** 2 + 3.75 / x ** 4) / (np.sqrt(np.pi) * x ** 2)
    t = _m(x, requires_grad=True)
    mg.special.erfcx(t).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), reference, rtol=1e-14, atol=0)
    t32 = mg.tensor(x[:4], dtype="float32", requires_grad=True)   # float32 cancels from x = 10 on
    mg.special.erfcx(t32).sum().backward()
    assert t32.grad.dtype == np.float32
    np.testing.assert_allclose(t32.grad.numpy(), reference[:4], rtol=2e-7)
    # the switch keeps the gradient continuous, and every order exact
    near = _m(np.array([63.9, 64.1, 9.9, 10.1, 1.0, -3.0]), requires_grad=True)
    assert mg.gradcheck(mg.special.erfcx, (near,)) and mg.gradgradcheck(mg.special.erfcx, (near,))
    agree(mg.special.erfcx, torch.special.erfcx, [np.array([-3.0, 0.5, 2.0, 5.0])], tol=dict(rtol=1e-12, atol=0))


def test_entropy_terms_match_torch():
    x = np.array([0.0, -1.0, 1.0, INF, NAN, 0.5, 1e-300, 3.0])
    _close(mg.special.entr(x), torch.special.entr(_t(x)))
    agree(mg.special.entr, torch.special.entr, [np.array([0.0, 0.5, 2.0, 1e-3])])
    a = np.array([0.0, 0.0, 1.0, 2.0, 0.0, -1.5, 3.0])
    b = np.array([-1.0, NAN, -1.0, -2.0, 0.5, 1e-10, INF])
    _close(mg.special.xlog1py(a, b), torch.special.xlog1py(_t(a), _t(b)))
    agree(mg.special.xlog1py, torch.special.xlog1py, [RNG.uniform(-2, 2, (3, 4)), RNG.uniform(-0.9, 3, (4,))])
    agree(mg.special.xlog1py, torch.special.xlog1py, [np.array([0.0, 0.0, 1.0]), np.array([-1.0, -2.0, 0.5])],
          tol=dict(rtol=1e-12, atol=1e-14, equal_nan=True))
    j0 = np.array([0.0, -0.0, 1e-9, 1.5, -7.3, 100.0])
    _close(mg.special.spherical_bessel_j0(j0), torch.special.spherical_bessel_j0(_t(j0)), rtol=1e-15)
    # torch's has no gradient; minigrad's is -j1 (tests/ops/test_spherical_bessel.py)
    assert mg.special.spherical_bessel_j0(mg.tensor(j0, requires_grad=True)).requires_grad


def test_spherical_bessel_j0_at_infinity_is_0_as_torch():
    # sin(x) / x -> 0 as |x| -> inf (torch's value); minigrad gave sin(inf) / inf = NaN
    x = np.array([INF, -INF, NAN, 1e300])
    for dtype in ("float64", "float32"):
        ours = mg.special.spherical_bessel_j0(mg.tensor(x, dtype=dtype))
        assert ours.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(ours.numpy(), torch.special.spherical_bessel_j0(
            torch.tensor(x, dtype=getattr(torch, dtype))).numpy())


# ----------------------------------------------------------------------------------------------- number parts
def test_gcd_lcm_match_torch():
    a = RNG.integers(-60, 60, (4, 5))
    b = RNG.integers(-60, 60, (5,))
    a[0, :2], b[:2] = 0, 0
    for fm, ft in [(mg.gcd, torch.gcd), (mg.lcm, torch.lcm)]:
        _close(fm(a, b), ft(torch.tensor(a), torch.tensor(b)), rtol=0)
        _close(getattr(mg.tensor(a), fm.__name__)(mg.tensor(b)), ft(torch.tensor(a), torch.tensor(b)), rtol=0)
        with pytest.raises(TypeError, match=rf"{fm.__name__}: expected integer tensors, got dtype float32"):
            fm(mg.tensor([1.0, 2.0]), mg.tensor([1, 2]))
        with pytest.raises(TypeError, match="expected integer tensors, got dtype bool"):
            fm(mg.tensor([True]), mg.tensor([1]))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_ldexp_with_integer_exponents_is_exact_where_2_to_the_exponent_overflows(dtype):
    # it was x * exp2(e) in x's dtype: exp2(200) is inf in float32, so 0 * 2^200 gave NaN and 1e-30 * 2^200 inf,
    # where torch's integer kernel gives 0 and 1.6e30 (2^-30 * 2^20 in float16 the same way)
    tiny = 2.0**-20 if dtype == "float16" else 1e-30
    exps = {"float16": [20, 30, -3, 1], "float32": [200, 150, -3, 1], "float64": [1100, 1050, -3, 1]}[dtype]
    x = np.array([0.0, tiny, 3.0, -2.5], dtype=dtype)
    for edtype in ["int32", "int64", "int16"]:
        got = mg.ldexp(mg.tensor(x, dtype=dtype), mg.tensor(exps, dtype=edtype))
        expected = torch.ldexp(torch.tensor(x), torch.tensor(exps, dtype=getattr(torch, edtype)))
        _close(got, expected, rtol=0)
        assert np.isfinite(got.numpy()).all()
    x = mg.tensor([[1.5], [-2.0]], dtype="float64", requires_grad=True)
    e = mg.tensor([3, -2, 0])
    assert mg.gradcheck(lambda t: mg.ldexp(t, e), (x,))
    assert mg.gradgradcheck(lambda t: mg.ldexp(t, e), (x,))
    mg.ldexp(x, e).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[9.25], [9.25]])


def test_ldexp_frexp_nextafter_match_torch():
    x = np.array([0.0, -0.0, 1.0, -3.0, 1e-310, INF, -INF, NAN, 6.5e-5, 1e300])
    m, e = mg.frexp(x)
    tm, te = torch.frexp(_t(x))
    _close(m, tm, rtol=0)
    _close(e, te, rtol=0)
    assert mg.frexp(mg.tensor(x, dtype="float32")).mantissa.dtype == np.float32
    assert type(mg.frexp(x)).__name__ == "frexp" and mg.tensor(x).frexp().exponent.dtype == np.int32
    with pytest.raises(TypeError, match=r"frexp: only supports floating-point dtypes, got dtype int64"):
        mg.frexp(mg.tensor([1, 2]))
    exps = np.array([3, -1, 0, 1030, -1080])
    _close(mg.ldexp(_m([1.5, 2.0, -1.0, 0.5, 3.0]), mg.tensor(exps)),
           torch.ldexp(_t([1.5, 2.0, -1.0, 0.5, 3.0]), torch.tensor(exps)), rtol=0)
    _close(mg.ldexp(mg.tensor([1, 2]), mg.tensor([3, -1])), torch.ldexp(torch.tensor([1, 2]), torch.tensor([3, -1])))
    agree(mg.ldexp, torch.ldexp, [RNG.uniform(-2, 2, (3, 4)), RNG.uniform(-3, 3, (4,))])
    agree(lambda t: mg.frexp(t).mantissa, lambda t: torch.frexp(t).mantissa, [RNG.uniform(-50, 50, 12)])
    a, b = np.array([1.0, 0.0, -1.0, 1.0, INF, NAN]), np.array([2.0, -1.0, -1.0, 1.0, 0.0, 1.0])
    _close(mg.nextafter(a, b), torch.nextafter(_t(a), _t(b)), rtol=0)
    _close(mg.nextafter(mg.tensor(a, dtype="float32"), mg.tensor(b, dtype="float32")),
           torch.nextafter(_t(a, torch.float32), _t(b, torch.float32)), rtol=0)
    with pytest.raises(TypeError, match=r"nextafter: expected floating tensors, got dtype int64"):
        mg.nextafter(mg.tensor([1]), mg.tensor([2]))


def test_angle_and_sgn_of_real_numbers_match_torch():
    x = np.array([-1.0, 0.0, -0.0, 2.0, NAN, -INF, INF])
    _close(mg.angle(x), torch.angle(_t(x)), rtol=0)
    _close(mg.angle(mg.tensor(x, dtype="float32")), torch.angle(_t(x, torch.float32)), rtol=0)
    agree(mg.angle, torch.angle, [np.array([1.5, -3.0, 0.25])])
    _close(_m(x).sgn(), torch.sgn(_t(x)), rtol=0)     # sgn(nan) is 0, torch's; sign keeps NumPy's NaN
    _close(mg.sgn(_m(x)), torch.sgn(_t(x)), rtol=0)
    assert np.isnan(mg.sign(_m([NAN])).numpy()).all()
    xs = _m([NAN, -2.0, 3.0], True)
    mg.sgn(xs).sum().backward()
    np.testing.assert_array_equal(xs.grad.numpy(), np.zeros(3))


# ----------------------------------------------------------------------------------------------- the namespace
def test_errors_name_the_op_and_argument():
    with pytest.raises(ValueError, match=r"polygamma\(n, x\) does not support negative n, got n=-1"):
        mg.polygamma(-1, mg.tensor([1.0]))
    with pytest.raises(RuntimeError, match="does not support negative n"):
        torch.polygamma(-1, torch.tensor([1.0]))
    with pytest.raises(TypeError, match=r"polygamma: n must be an int, got n=1.5"):
        mg.polygamma(1.5, mg.tensor([1.0]))
    with pytest.raises(ValueError, match=r"mvlgamma: p has to be greater than or equal to 1, got p=0"):
        mg.mvlgamma(mg.tensor([2.5]), 0)
    with pytest.raises(RuntimeError, match="p has to be greater than or equal to 1"):
        torch.mvlgamma(torch.tensor([2.5]), 0)
    with pytest.raises(TypeError, match="igamma: operands have different floating dtypes"):
        mg.igamma(mg.tensor([1.0], dtype="float32"), mg.tensor([1.0], dtype="float64"))


def test_tensor_methods():
    x = mg.tensor([0.7, 2.5, 4.0])
    for name in ["lgamma", "digamma", "i0", "angle"]:
        np.testing.assert_array_equal(getattr(x, name)().numpy(), getattr(mg, name)(x).numpy())
    np.testing.assert_array_equal(x.polygamma(2).numpy(), mg.polygamma(2, x).numpy())
    np.testing.assert_array_equal((x + 2).mvlgamma(2).numpy(), mg.mvlgamma(x + 2, 2).numpy())
    np.testing.assert_array_equal(x.igamma(x).numpy(), mg.igamma(x, x).numpy())
    np.testing.assert_array_equal(x.igammac(x).numpy(), mg.igammac(x, x).numpy())
    np.testing.assert_allclose(x.ldexp(mg.tensor([1, 2, 3])).numpy(), [1.4, 10.0, 32.0], rtol=1e-7)
    np.testing.assert_array_equal(x.nextafter(mg.tensor(0.0)).numpy(), np.nextafter(x.numpy(), np.float32(0)))


TORCH_SPECIAL = ["digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammainc",
                 "gammaincc", "gammaln", "i0", "i0e", "i1", "i1e", "log1p", "log_ndtr", "log_softmax", "logit",
                 "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma", "psi", "round", "sinc", "softmax",
                 "spherical_bessel_j0", "xlog1py", "xlogy", "zeta", "airy_ai", "bessel_j0", "bessel_j1", "bessel_y0",
                 "bessel_y1", "modified_bessel_i0", "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1",
                 "scaled_modified_bessel_k0", "scaled_modified_bessel_k1"]
POLYNOMIALS = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
               "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
               "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l",
               "legendre_polynomial_p"]


def test_special_namespace_mirrors_torch_special():
    assert sorted(mg.special.__all__) == sorted(TORCH_SPECIAL + POLYNOMIALS)
    x = RNG.uniform(0.1, 0.9, (3, 4))
    for name in POLYNOMIALS:   # (input, n), n a tensor or a number (tests/ops/test_orthogonal_polynomials.py)
        fm, ft = getattr(mg.special, name), getattr(torch.special, name)
        _close(fm(x, 5), ft(_t(x), 5), rtol=1e-13)
        _close(fm(x, np.array([[0.0], [2.0], [7.0]])), ft(_t(x), _t([[0.0], [2.0], [7.0]])), rtol=1e-13)
    for name in TORCH_SPECIAL:
        assert hasattr(torch.special, name)
        fm, ft = getattr(mg.special, name), getattr(torch.special, name)
        if name in ("softmax", "log_softmax", "logsumexp"):
            _close(fm(x, 1), ft(_t(x), 1), rtol=1e-14)
        elif name == "polygamma":
            _close(fm(2, x), ft(2, _t(x)), rtol=1e-13)
        elif name == "multigammaln":
            _close(fm(x + 2, 2), ft(_t(x + 2), 2), rtol=1e-13)
        elif name in ("gammainc", "gammaincc", "xlogy", "xlog1py", "zeta"):
            _close(fm(x + 1, x), ft(_t(x + 1), _t(x)), rtol=1e-12)
        else:
            _close(fm(x), ft(_t(x)), rtol=1e-13)
    assert mg.special.softmax(mg.tensor(x), 0, dtype="float32").dtype == np.float32
    assert mg.special.expit is mg.sigmoid and mg.special.psi is mg.digamma and mg.special.gammaln is mg.lgamma


def test_every_differentiable_special_name_is_registered():
    registered = {info.name for info in OPS}
    missing = {f"special.{name}" for name in ops.SPECIAL_DIFFERENTIABLE} - registered
    assert not missing, f"special functions missing from tests/op_registry.py: {sorted(missing)}"
    for name in ops.SPECIAL_DIFFERENTIABLE:
        assert callable(getattr(mg.special, name))


def test_the_kernels_need_no_scipy():
    code = ("import sys; sys.modules['scipy'] = None\n"
            "import numpy as np, minigrad as mg\n"
            "x = mg.tensor([0.3, 1.7, 4.0], requires_grad=True)\n"
            "s = mg.special\n"
            "y = (mg.lgamma(x) + mg.digamma(x) + mg.polygamma(2, x) + mg.mvlgamma(x + 2, 2) + mg.i0(x) + s.i0e(x)\n"
            "     + s.i1(x) + s.i1e(x) + s.zeta(x.detach() + 1.5, x) + mg.igamma(x.detach(), x) + mg.igammac(x.detach(), x) + s.erfcx(x)\n"
            "     + s.ndtr(x) + s.log_ndtr(x) + s.ndtri(x / 5) + s.entr(x) + s.xlog1py(x, x) + mg.angle(x))\n"
            "y.sum().backward()\n"
            "assert np.isfinite(x.grad.numpy()).all()\n"
            "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr



SHAPED = {"lgamma": (mg.lgamma, torch.lgamma), "digamma": (mg.digamma, torch.digamma),
          "polygamma": (lambda x: mg.polygamma(2, x), lambda x: torch.polygamma(2, x)), "i0": (mg.i0, torch.i0),
          "i1e": (mg.special.i1e, torch.special.i1e), "erfcx": (mg.special.erfcx, torch.special.erfcx),
          "ndtri": (mg.special.ndtri, torch.special.ndtri), "log_ndtr": (mg.special.log_ndtr, torch.special.log_ndtr),
          "igamma": (lambda x: mg.igamma(x, x), lambda x: torch.igamma(x, x)),
          "zeta": (lambda x: mg.special.zeta(x + 1, x), lambda x: torch.special.zeta(x + 1, x)),
          "mvlgamma": (lambda x: mg.mvlgamma(x + 2, 2), lambda x: torch.mvlgamma(x + 2, 2)),
          "frexp": (lambda x: mg.frexp(x).mantissa, lambda x: torch.frexp(x).mantissa)}


@pytest.mark.parametrize("name", sorted(SHAPED))
@pytest.mark.parametrize("shape", [(), (0, 3), (2, 1)])
def test_scalar_and_empty_shapes(name, shape):
    fm, ft = SHAPED[name]
    x = np.full(shape, 0.3)
    _close(fm(_m(x)), ft(_t(x)), rtol=1e-13)


def test_nextafter_has_torchs_gradients():
    # torch differentiates both inputs: d/dinput = 1 where input != other (a step of one ulp), 0 where they are
    # equal (the result is other there); d/dother = 0. Broadcast grads reduce to each input's shape. gradcheck
    # checks the slopes away from ties (op_registry); this pins torch's values at ties, NaN and inf.
    agree(mg.nextafter, torch.nextafter, [RNG.uniform(-2, 2, (3, 4)), RNG.uniform(-2, 2, (4,))])
    agree(mg.nextafter, torch.nextafter, [RNG.uniform(-2, 2, (3, 1)), RNG.uniform(-2, 2, (2, 1, 4))], dtype="float32")
    a, b = np.array([0.3, 1.0, NAN, 2.0, INF, -0.0]), np.array([0.3, 2.0, 1.0, NAN, 1.0, 0.0])
    agree(mg.nextafter, torch.nextafter, [a, b])
    agree(mg.nextafter, torch.nextafter, [a[:, None], b])
    for create_graph in (False, True):
        x, tx = mg.tensor(a, dtype="float64", requires_grad=True), torch.tensor(a, requires_grad=True)
        (g,) = mg.grad(mg.nextafter(x, x).sum() + mg.nextafter(x, 2.0 * x).sum(), [x], create_graph=create_graph)
        (tg,) = torch.autograd.grad(torch.nextafter(tx, tx).sum() + torch.nextafter(tx, 2.0 * tx).sum(), [tx])
        np.testing.assert_array_equal(g.numpy(), tg.numpy())


def test_ldexp_of_a_complex_tensor_with_an_integer_exponent_scales_both_parts_as_torch():
    # the exact integer path (NumPy's ldexp) has no complex loop; complex input keeps the product with 2^e
    z = np.array([1 + 1j, -2.5 + 0.5j], dtype=np.complex64)
    got = mg.ldexp(mg.tensor(z), 3)
    expected = torch.ldexp(torch.tensor(z), torch.tensor(3)).numpy()
    assert got.dtype == np.complex64
    np.testing.assert_array_equal(got.numpy(), expected)


def test_i0_i1_and_their_scaled_forms_past_2_9e307_are_their_limits_not_nan_or_0():
    # sqrt(2 pi x) overflowed there: i0e/i1e were 0 and i0/i1 NaN (0 * inf); SciPy's scaled values are the truth
    x = np.array([3e307, -1e308, 1.7976931348623157e308])
    np.testing.assert_allclose(mg.special.i0e(mg.tensor(x, dtype=np.float64)).data, sp.i0e(x), rtol=1e-15)
    np.testing.assert_allclose(mg.special.i1e(mg.tensor(x, dtype=np.float64)).data, sp.i1e(x), rtol=1e-15)
    np.testing.assert_array_equal(mg.special.i0(mg.tensor(x, dtype=np.float64)).data, [INF, INF, INF])
    np.testing.assert_array_equal(mg.special.i1(mg.tensor(x, dtype=np.float64)).data, [INF, -INF, INF])


@pytest.mark.parametrize("dtype, x", [(np.float64, [800.0, -800.0, 1e308]), (np.float32, [100.0, -100.0])])
def test_the_derivatives_of_i1_where_i0_overflows_are_inf_not_nan(dtype, x):
    # I1' = I0 - I1/x was inf - inf = NaN there (torch's too); it and I1'' = I1 - I1'/x overflow with I0, I1'' odd
    x = mg.tensor(np.array(x + [2.0]), dtype=dtype, requires_grad=True)
    d1, = mg.grad(mg.special.i1(x).sum(), [x], create_graph=True)
    d2, = mg.grad(d1.sum(), [x])
    assert d1.dtype == dtype and d2.dtype == dtype
    big = x.data[:-1]
    np.testing.assert_array_equal(d1.data[:-1], np.full(big.shape, INF))
    np.testing.assert_array_equal(d2.data[:-1], np.where(big > 0, INF, -INF))
    np.testing.assert_allclose(d1.data[-1], sp.i0(2.0) - sp.i1(2.0) / 2.0, rtol=1e-6)


@pytest.mark.parametrize("name", ["i0e", "i1e", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1"])
def test_the_derivatives_of_the_scaled_bessel_functions_for_large_x_do_not_cancel(name):
    # each is a difference of two nearly equal scaled values (about y / (2x)): subtracted, it was 1e5 ulps off at
    # x = 1e5 and 0 (or for e^x K1 twice the truth) past 1e16; mpmath's closed forms at 60 digits are the truth
    import mpmath
    x = np.array([21.0, 30.0, 1e3, 1e5, 1e10, 1e20])
    signs = [1.0, -1.0] if name.startswith("i") else [1.0]
    with mpmath.workdps(60):
        def truth(v):
            a, e = mpmath.mpf(abs(v)), mpmath.exp(-abs(v))
            i0, i1 = mpmath.besseli(0, a), mpmath.besseli(1, a)
            k0, k1 = mpmath.besselk(0, a) / e, mpmath.besselk(1, a) / e
            return {"i0e": np.sign(v) * float(e * (i1 - i0)), "i1e": float(e * (i0 - i1 - i1 / a)),
                    "scaled_modified_bessel_k0": float(k0 - k1),
                    "scaled_modified_bessel_k1": float(k1 - k0 - k1 / a)}[name]
        points = np.concatenate([s * x for s in signs])
        expected = np.array([truth(v) for v in points])
    for dtype, rtol in [(np.float64, 1e-14), (np.float32, 1e-6)]:
        t = mg.tensor(points, dtype=dtype, requires_grad=True)
        g, = mg.grad(getattr(mg.special, name)(t).sum(), [t])
        assert g.dtype == dtype
        np.testing.assert_allclose(g.data, expected.astype(dtype), rtol=rtol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_x_derivative_of_igamma_and_igammac_at_a_1_and_x_0_is_the_density_1(dtype):
    # x^(a-1) e^-x / Gamma(a) at a = 1 is e^-x, 1 at x = 0, where (a - 1) log x was 0 * -inf = NaN (torch's too);
    # a = 1/2 and 2 keep their limits inf and 0
    x = mg.tensor(np.zeros(3), dtype=dtype, requires_grad=True)
    a = mg.tensor(np.array([1.0, 0.5, 2.0]), dtype=dtype)
    for fn, sign in [(mg.special.gammainc, 1.0), (mg.special.gammaincc, -1.0)]:
        g, = mg.grad(fn(a, x).sum(), [x])
        assert g.dtype == dtype
        np.testing.assert_array_equal(g.data, sign * np.array([1.0, INF, 0.0], dtype=dtype))


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-15), (np.float32, 2e-7)])
def test_the_derivative_of_erfcx_does_not_cancel_for_moderate_x(dtype, rtol):
    # 2 x erfcx(x) - 2/sqrt(pi) loses 2 x^2 of erfcx's roundings: 2.6e4 ulps at x = 61 in float64, 200 at x = 9 in
    # float32 (torch's too); mpmath at 60 digits is the truth
    import mpmath
    x = np.array([7.0, 9.0, 12.5, 20.0, 40.0, 61.0, 63.9])
    with mpmath.workdps(60):
        exact = np.array([float(2 * v * mpmath.exp(mpmath.mpf(v) ** 2) * mpmath.erfc(v) - 2 / mpmath.sqrt(mpmath.pi))
                          for v in x])
    t = mg.tensor(x, dtype=dtype, requires_grad=True)
    g, = mg.grad(mg.special.erfcx(t).sum(), [t])
    assert g.dtype == dtype
    np.testing.assert_allclose(g.data, exact.astype(dtype), rtol=rtol)


def test_igammac_for_small_a_does_not_cancel():
    # Q = 1 - P cancelled where P is near 1 (a small, x < a + 1): 7e10 ulps at a = 1e-10, 1e4 at a = 0.001, x = 1
    # (torch's 1.5e9 and 2e3); mpmath at 50 digits is the truth
    import mpmath
    a = np.repeat([1e-10, 1e-3, 0.01, 0.3, 0.5], 4)
    x = np.tile([1e-5, 0.01, 0.5, 1.0], 5)
    with mpmath.workdps(50):
        exact = np.array([float(mpmath.gammainc(u, v, mpmath.inf, regularized=True)) for u, v in zip(a, x)])
    q = mg.special.gammaincc(mg.tensor(a, dtype=np.float64), mg.tensor(x, dtype=np.float64))
    np.testing.assert_allclose(q.data, exact, rtol=5e-15)
    np.testing.assert_allclose(mg.special.gammainc(mg.tensor(a, dtype=np.float64), mg.tensor(x, dtype=np.float64)).data,
                               1.0 - exact, rtol=1e-13)
