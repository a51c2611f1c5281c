"""LBFGS(line_search_fn="strong_wolfe") against torch 2.13's: the line search is torch's ``_strong_wolfe`` step for
step (trial steps, zoom safeguard and stopping test, budget), with torch's scalar types.

It used to run the textbook search of ``line_search.py`` (up to 25 evaluations, zooming until the bracket on t was
below tolerance_change, its tests in float64): near the minimum of a float32 problem it made up to six times torch's
closure evaluations (52 for torch's 8 over three steps on the quadratic below).
"""

import numpy as np
import pytest
import torch
import torch.optim.lbfgs as torch_lbfgs

import minigrad as mg
from minigrad.optim import param_vector
from minigrad.optim.lbfgs_line_search import strong_wolfe_lbfgs


def rosenbrock(x):
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def quadratic(x):
    return (x * x).sum() + (x[0] - 3) ** 2


def _run(lib, f, x0, dtype, steps, **options):
    """The parameter after ``steps`` steps, the closure's call count and the optimizer's counters."""
    if lib is torch:
        x = torch.tensor(x0.astype(dtype), requires_grad=True)
        opt = torch.optim.LBFGS([x], **options)
    else:
        x = mg.tensor(x0.astype(dtype), dtype=dtype, requires_grad=True)
        opt = mg.optim.LBFGS([x], **options)
    calls = []

    def closure():
        calls.append(1)
        opt.zero_grad()
        loss = f(x)
        loss.backward()
        return loss

    for _ in range(steps):
        opt.step(closure)
    state = opt.state[x] if lib is torch else opt.state_dict()["state"][0]
    values = x.detach().numpy() if lib is torch else x.numpy()
    return values, len(calls), state["func_evals"], state["n_iter"]


CASES = [  # (function, start, dtype, steps, options, closure calls of torch's)
    (quadratic, np.random.default_rng(1).standard_normal(6) * 2, "float32", 3, {}, 8),
    (quadratic, np.random.default_rng(4).standard_normal(6) * 2, "float32", 3, {}, 8),
    (rosenbrock, np.array([-1.2, 1.0, -0.5, 0.8, 1.5]), "float32", 4, {}, 55),
    (rosenbrock, np.array([-1.2, 1.0, -0.5, 0.8, 1.5]), "float64", 4, {}, 55),
    (rosenbrock, np.array([-1.2, 1.0, -0.5, 0.8, 1.5]), "float32", 1, dict(history_size=3, max_iter=7), 8),
]


@pytest.mark.parametrize("f, x0, dtype, steps, options, torch_calls", CASES)
def test_lbfgs_strong_wolfe_evaluates_the_closure_as_torchs(f, x0, dtype, steps, options, torch_calls):
    options = dict(line_search_fn="strong_wolfe", **options)
    ours, our_calls, our_evals, our_iters = _run(mg, f, x0, dtype, steps, **options)
    theirs, their_calls, their_evals, their_iters = _run(torch, f, x0, dtype, steps, **options)
    assert their_calls == torch_calls
    assert (our_calls, our_evals, our_iters) == (their_calls, their_evals, their_iters)
    assert ours.dtype == np.dtype(dtype)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6 if dtype == "float32" else 1e-13)


def test_lbfgs_line_search_gets_the_evaluations_max_eval_leaves():
    """torch's budget: max_eval - (evaluations so far) iterations after the first trial; with max_iter=1 the
    default max_eval is 1, so each step makes two evaluations (the old search made up to 26)."""
    x0 = np.array([-1.5, 2.0])
    for steps in (1, 5):
        ours = _run(mg, rosenbrock, x0, "float64", steps, line_search_fn="strong_wolfe", max_iter=1)
        theirs = _run(torch, rosenbrock, x0, "float64", steps, line_search_fn="strong_wolfe", max_iter=1)
        assert ours[1:] == theirs[1:] == (2 * steps, 2 * steps, steps)
        np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-15, atol=0)


PHIS = {  # one-dimensional problems (value, derivative), the same arrays for both searches, so that the steps and
    # tests are torch's to the bit
    "quartic": lambda x: ((x - 1) ** 4 + x * x, 4 * (x - 1) ** 3 + 2 * x),
    "rosenbrock_like": lambda x: (100 * (x * x - 2) ** 2 + (1 - x) ** 2, 400 * x * (x * x - 2) - 2 * (1 - x)),
    "flat_then_steep": lambda x: (0.001 * x + (x - 3) ** 6, 0.001 + 6 * (x - 3) ** 5),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(PHIS))
@pytest.mark.parametrize("t0", [1e-3, 1.0, 7.0])
@pytest.mark.parametrize("max_ls", [0, 3, 25])
def test_strong_wolfe_lbfgs_is_torchs_step_for_step(dtype, name, t0, max_ls):
    x = np.array([-0.5], dtype=dtype)

    def evaluate(point):
        with np.errstate(all="ignore"):
            value, grad = PHIS[name](point)
        return float(value.sum()), grad.astype(dtype)

    f0, g0 = evaluate(x)
    d = -g0
    gtd = g0 @ d

    def phi(t):
        value, g = evaluate(param_vector.along(x, t, d))
        return value, g, g @ d

    def obj_func(x_, t, d_):   # the point as ours (test_a_step_along_d_... compares it with torch's add_)
        value, g = evaluate(param_vector.along(x_.numpy(), t.numpy() if torch.is_tensor(t) else t, d_.numpy()))
        return value, torch.tensor(g)

    ours = strong_wolfe_lbfgs(phi, t0, np.abs(d).max(), f0, g0, gtd, max_ls=max_ls)
    theirs = torch_lbfgs._strong_wolfe(obj_func, torch.tensor(x), t0, torch.tensor(d), f0, torch.tensor(g0),
                                       torch.tensor(gtd), max_ls=max_ls)
    assert ours[3] == theirs[3]                                                   # evaluations
    if dtype == "float64":
        np.testing.assert_array_equal(float(ours[2]), float(theirs[2]))           # the step (NaN where torch's)
        np.testing.assert_array_equal(ours[0], theirs[0])                         # the loss there
        np.testing.assert_array_equal(ours[1], theirs[1].numpy())                 # the gradient there
    else:
        # the step to a few ulps: torch's float32 sqrt is not always correctly rounded (sqrt(4.608098e23) is
        # 678829686784 there, 678829752320 in NumPy and IEEE), and the steps after it follow (the loss and the
        # gradient there then differ as the function's conditioning makes them)
        np.testing.assert_allclose(float(ours[2]), float(theirs[2]), rtol=2e-6, atol=0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_step_along_d_is_rounded_as_torchs_fused_add(dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(1000).astype(dtype)
    d = (rng.standard_normal(1000) * 1000).astype(dtype)
    t = np.dtype(dtype).type(1.0736638e-4)
    theirs = torch.tensor(x).add_(torch.tensor(d), alpha=float(t)).numpy()
    ours = param_vector.along(x, t, d)
    assert ours.dtype == np.dtype(dtype)
    if dtype == "float32":
        np.testing.assert_array_equal(ours, theirs)   # x + t*d rounded twice differed in 101 of these entries
    else:
        # no fused multiply-add in NumPy: t*d is rounded once more, which may move the sum by an ulp
        assert np.all(np.abs(ours - theirs) <= np.spacing(np.abs(theirs)) + np.spacing(np.abs(t * d)))
