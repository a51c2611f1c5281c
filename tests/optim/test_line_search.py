"""The shared strong-Wolfe line search: the returned step satisfies both conditions."""
import math

import numpy as np
import pytest

from minigrad.optim.line_search import cubic_minimizer, strong_wolfe

# 1-D functions phi(t) with phi'(0) < 0, each with its derivative written out by hand.
ONE_D_FUNCTIONS = {
    "quadratic": (lambda t: (t - 3.0) ** 2, lambda t: 2.0 * (t - 3.0)),
    "quartic": (lambda t: (t - 0.5) ** 4 - t, lambda t: 4.0 * (t - 0.5) ** 3 - 1.0),
    "minus_sine": (lambda t: -math.sin(t), lambda t: -math.cos(t)),
    "exp_minus_linear": (lambda t: math.exp(t) - 5.0 * t, lambda t: math.exp(t) - 5.0),
    "narrow_valley": (lambda t: 1e4 * (t - 1e-3) ** 2, lambda t: 2e4 * (t - 1e-3)),
    # Nocedal & Wright's test function (Moré-Thuente #1 with beta=2): minimum near t=1.4
    "more_thuente": (lambda t: -t / (t * t + 2.0), lambda t: (t * t - 2.0) / (t * t + 2.0) ** 2),
}


def _phi(f, df):
    return lambda t: (f(t), df(t), ("payload", t))


@pytest.mark.parametrize("name", sorted(ONE_D_FUNCTIONS))
@pytest.mark.parametrize("first_step", [1e-3, 0.1, 1.0, 10.0, 100.0])
@pytest.mark.parametrize("c2", [0.9, 0.1])
def test_returned_step_satisfies_strong_wolfe(name, first_step, c2):
    f, df = ONE_D_FUNCTIONS[name]
    c1 = 1e-4
    result = strong_wolfe(_phi(f, df), f(0.0), df(0.0), step=first_step, c1=c1, c2=c2)
    t = result.step
    assert result.success
    assert t > 0
    assert f(t) <= f(0.0) + c1 * t * df(0.0)  # sufficient decrease
    assert abs(df(t)) <= c2 * abs(df(0.0))  # strong curvature condition
    assert result.value == f(t) and result.derivative == df(t)
    assert result.payload == ("payload", t)
    assert 1 <= result.evals <= 25


def test_accepts_the_first_trial_when_it_already_satisfies_wolfe():
    f, df = ONE_D_FUNCTIONS["quadratic"]
    calls = []

    def phi(t):
        calls.append(t)
        return f(t), df(t), None

    result = strong_wolfe(phi, f(0.0), df(0.0), step=3.0)
    assert calls == [3.0]
    assert result.step == 3.0 and result.evals == 1


def test_quadratic_is_solved_exactly_by_one_interpolation():
    # phi(t) = (t - 3)^2: the cubic through (0, phi, phi') and (10, phi, phi') is the quadratic itself
    f, df = ONE_D_FUNCTIONS["quadratic"]
    result = strong_wolfe(_phi(f, df), f(0.0), df(0.0), step=10.0, c1=1e-10, c2=1e-8)
    assert result.evals == 2
    np.testing.assert_allclose(result.step, 3.0, rtol=1e-12)


def test_unbounded_function_returns_a_decrease_without_success():
    result = strong_wolfe(lambda t: (-t, -1.0, None), 0.0, -1.0, step=1.0, max_evals=6)
    assert not result.success
    assert result.evals == 6
    assert result.step > 1.0 and result.value == -result.step


def test_no_decrease_at_all_gives_step_zero():
    # phi'(0) claims descent but phi only grows: every trial fails sufficient decrease
    result = strong_wolfe(lambda t: (t + 1.0, 1.0, None), 0.0, -1.0, step=1.0, max_evals=8)
    assert not result.success
    assert result.step == 0.0 and result.value == 0.0


def test_cubic_minimizer_is_exact_on_a_cubic():
    # f(t) = t^3 - 3t has its local minimum at t = 1
    f = lambda t: t ** 3 - 3.0 * t  # noqa: E731
    df = lambda t: 3.0 * t * t - 3.0  # noqa: E731
    t = cubic_minimizer(0.0, f(0.0), df(0.0), 2.0, f(2.0), df(2.0), 0.0, 2.0)
    np.testing.assert_allclose(t, 1.0, rtol=1e-12)


def test_cubic_minimizer_is_clipped_to_bounds():
    f = lambda t: (t - 5.0) ** 2  # noqa: E731
    df = lambda t: 2.0 * (t - 5.0)  # noqa: E731
    assert cubic_minimizer(0.0, f(0.0), df(0.0), 1.0, f(1.0), df(1.0), 1.5, 2.0) == 2.0


def _recording(phi):
    trials = []

    def recorded(t):
        trials.append(t)
        return phi(t)
    return recorded, trials


@pytest.mark.parametrize("width_scale, evals", [(1.0, 11), (1e-2, 5)])
def test_zoom_stops_when_the_scaled_bracket_is_below_tolerance(width_scale, evals):
    # every trial overflows, so the zoom bisects [0, 1]: it probes while width * width_scale >= 1e-3, i.e. widths
    # 1 .. 2^-9 unscaled (10 probes after the first trial), 1 .. 2^-3 at a hundredth (4)
    phi, trials = _recording(lambda t: (math.inf, 0.0, None))
    result = strong_wolfe(phi, 0.0, -1.0, step=1.0, max_evals=50, tolerance_change=1e-3, width_scale=width_scale)
    assert result.evals == len(trials) == evals
    assert result.step == 0.0 and not result.success
    assert trials[1:] == [2.0 ** -k for k in range(1, evals)]


def test_tests_in_float32_accept_a_step_that_float32_values_cannot_improve():
    # phi is flat in float32 near a minimum: phi(0) + c1 t phi'(0) = 1 - 1e-13 is below every float32 value phi can
    # take, but rounds to 1 in float32, where the first trial passes both tests
    phi = lambda t: (1.0, -1e-10, None)  # noqa: E731
    in_float32 = strong_wolfe(phi, 1.0, -1e-9, step=1.0, max_evals=10, test_dtype="float32")
    assert (in_float32.step, in_float32.evals, in_float32.success) == (1.0, 1, True)
    in_float64 = strong_wolfe(phi, 1.0, -1e-9, step=1.0, max_evals=10)   # zooms on to its whole budget
    assert (in_float64.step, in_float64.evals, in_float64.success) == (0.0, 10, False)


@pytest.mark.parametrize("near_end, second_trial", [("bisect", 0.5), ("clamp", 0.1)])
def test_a_cubic_minimizer_near_an_end_is_bisected_or_moved_inside(near_end, second_trial):
    # phi(t) = (t - 0.05)^2: the cubic through t = 0 and t = 1 has its minimizer at 0.05, within 10% of the end 0
    phi, trials = _recording(lambda t: ((t - 0.05) ** 2, 2.0 * (t - 0.05), None))
    result = strong_wolfe(phi, 0.0025, -0.1, step=1.0, near_end=near_end)
    assert trials[:2] == [1.0, pytest.approx(second_trial, rel=1e-12)]
    assert result.success
    np.testing.assert_allclose(result.step, 0.05, rtol=1e-12)


def test_rejects_an_unknown_near_end():
    with pytest.raises(ValueError, match="Invalid near_end: 'middle'"):
        strong_wolfe(lambda t: (t, 1.0, None), 0.0, -1.0, near_end="middle")


@pytest.mark.parametrize("c1, c2", [(0.0, 0.9), (0.5, 0.4), (1e-4, 1.0)])
def test_rejects_bad_wolfe_constants(c1, c2):
    with pytest.raises(ValueError, match=f"c1={c1}, c2={c2}"):
        strong_wolfe(lambda t: (t, 1.0, None), 0.0, -1.0, c1=c1, c2=c2)


def test_rejects_an_ascent_direction():
    with pytest.raises(ValueError, match=r"phi'\(0\)=2.0"):
        strong_wolfe(lambda t: (t, 1.0, None), 0.0, 2.0)


def test_line_search_params_moves_tensors_to_the_accepted_step(device):
    import minigrad as mg
    from minigrad.optim import param_vector
    from minigrad.optim.line_search import line_search_params

    # f(w, b) = sum((w - 3)^2) + (b + 1)^2 along d = -g from w = 0, b = 0: the minimum is at t = 1/2
    w = mg.tensor(np.zeros((2, 2)), dtype=np.float64, requires_grad=True, device=device)
    b = mg.tensor(np.zeros(1), dtype=np.float64, requires_grad=True, device=device)
    params = [w, b]

    def closure():
        w.grad = b.grad = None
        loss = ((w - 3.0) ** 2).sum() + ((b + 1.0) ** 2).sum()
        loss.backward()
        return loss

    _, value0, g0 = param_vector.evaluate(closure, params)
    x0 = param_vector.flat_params(params)
    found = line_search_params(closure, params, x0, -g0, value0, g0, step=1.0, c1=1e-10, c2=1e-8)
    assert found.success
    np.testing.assert_allclose(found.step, 0.5, rtol=1e-12)
    np.testing.assert_allclose(w.numpy(), np.full((2, 2), 3.0), rtol=1e-12)
    np.testing.assert_allclose(b.numpy(), [-1.0], rtol=1e-12)
    np.testing.assert_allclose(mg.backend.to_numpy(found.payload), np.zeros(5), atol=1e-12)
    assert found.value == 0.0
