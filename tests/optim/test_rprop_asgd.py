"""Rprop and ASGD: hand recomputations in NumPy, and torch.optim's iterates and state over many steps.

The torch comparisons run in float64 with torch's default dtype set to float64, so that torch keeps
ASGD's ``eta`` and ``mu`` in float64 as this module does (with float32 they round to float32).
"""

import math
import re

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import optim
from minigrad.optim import ASGD, Rprop
from minigrad.optim.lr_scheduler import CyclicLR, OneCycleLR
from minigrad.backend import to_numpy
from optim.helpers import assert_trajectories_close, make_params, one_step, reference, run, take_steps


# ---------------------------------------------------------------- hand recomputations
RPROP_OPTIONS = [
    {}, {"etas": (0.3, 1.5)}, {"step_sizes": (1e-3, 0.08)}, {"maximize": True},
    {"etas": (0.6, 1.1), "step_sizes": (0.02, 0.2), "maximize": True},
]


@pytest.mark.parametrize("options", RPROP_OPTIONS, ids=lambda o: ",".join(o) or "plain")
def test_rprop_steps_match_hand_recomputation(options, device):
    lr, steps = 0.05, 12
    eta_minus, eta_plus = options.get("etas", (0.5, 1.2))
    low, high = options.get("step_sizes", (1e-6, 50))
    flips = []

    def update(x, g, state, t):
        if options.get("maximize"):
            g = -g
        prev = state.get("prev", np.zeros_like(x))
        eta = state.get("eta", np.full_like(x, lr))
        product = g * prev
        flips.append(np.any(product < 0))
        eta = np.where(product > 0, np.minimum(eta * eta_plus, high), eta)   # eta = min(eta eta+, max)
        eta = np.where(product < 0, np.maximum(eta * eta_minus, low), eta)   # eta = max(eta eta-, min)
        eta = np.clip(eta, low, high)
        g = np.where(product < 0, 0.0, g)                                    # no step where the sign flipped
        state["prev"], state["eta"] = g, eta
        return x - eta * np.sign(g)                                          # theta -= eta sign(g)

    expected = reference(update, steps)
    assert any(flips) is not bool(options.get("maximize"))   # descent overshoots and flips; ascent never turns
    assert_trajectories_close(run(Rprop, steps, device, lr=lr, **options), expected)


ASGD_OPTIONS = [
    {}, {"lambd": 0.1}, {"alpha": 0.5, "lambd": 0.05}, {"t0": 2}, {"weight_decay": 0.1}, {"maximize": True},
    {"lambd": 0.02, "alpha": 1.0, "t0": 0, "weight_decay": 0.05, "maximize": True},
]


@pytest.mark.parametrize("options", ASGD_OPTIONS, ids=lambda o: ",".join(o) or "plain")
def test_asgd_steps_match_hand_recomputation(options, device):
    lr, steps = 0.1, 8
    lambd, alpha = options.get("lambd", 1e-4), options.get("alpha", 0.75)
    t0, wd = options.get("t0", 1e6), options.get("weight_decay", 0.0)
    averages = []

    def update(x, g, state, t):
        if options.get("maximize"):
            g = -g
        g = g + wd * x                                               # g = g + wd theta
        eta, mu = state.get("eta", lr), state.get("mu", 1.0)
        x = x * (1 - lambd * eta) - eta * g                          # theta = theta (1 - lambda eta) - eta g
        state["ax"] = x.copy() if mu == 1 else state["ax"] + mu * (x - state["ax"])
        averages.append(state["ax"])
        state["eta"] = lr / (1 + lambd * lr * t) ** alpha            # eta = lr / (1 + lambda lr t)^alpha
        state["mu"] = 1 / max(1, t - t0)                             # mu = 1 / max(1, t - t0)
        return x

    expected = reference(update, steps)
    params = make_params(device)
    optimizer = ASGD(params, lr=lr, **options)
    assert_trajectories_close(take_steps(optimizer, params, steps), expected)
    for i, p in enumerate(params):   # the last averages, in the state
        np.testing.assert_allclose(to_numpy(optimizer.state[p]["ax"]), averages[-2 + i],
                                   rtol=1e-12, atol=1e-14)


def test_asgd_average_is_the_mean_of_the_iterates_from_step_t0_plus_2():
    x = mg.tensor([1.0, -1.0], dtype=np.float64, requires_grad=True)
    optimizer = ASGD([x], lr=0.1, lambd=0.0, t0=3)
    iterates = []
    for k in range(12):
        x.grad = mg.tensor(np.array([np.sin(k), np.cos(k)]) + x.numpy(), dtype=np.float64)
        optimizer.step()
        iterates.append(x.numpy().copy())
        t = k + 1
        expected = iterates[-1] if t <= 3 + 2 else np.mean(iterates[3 + 1:], axis=0)   # steps t0+2 .. t
        np.testing.assert_allclose(optimizer.state[x]["ax"], expected, rtol=1e-14)


def test_rprop_first_step_is_lr_times_the_sign():
    x, optimizer = one_step(Rprop, [1.0, 2.0, 3.0], [5.0, -1e-9, 0.0], lr=0.25)
    np.testing.assert_array_equal(x.numpy(), [0.75, 2.25, 3.0])
    assert set(optimizer.state[x]) == {"step", "prev", "step_size"}
    np.testing.assert_array_equal(optimizer.state[x]["step_size"], [0.25, 0.25, 0.25])


def test_rprop_clips_an_lr_outside_the_step_sizes_at_its_first_step_as_torch():
    # The step size is clipped to [Gamma_min, Gamma_max] everywhere, not only where it grows or shrinks
    # (the docstring's and docs/optimizers.md's equations said the latter): lr=100 moves by Gamma_max=50.
    for lr, moved in ((100.0, 50.0), (1e-9, 1e-6)):
        x, optimizer = one_step(Rprop, [1.0, 2.0], [5.0, -3.0], lr=lr)
        xt = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
        xt.grad = torch.tensor([5.0, -3.0], dtype=torch.float64)
        torch.optim.Rprop([xt], lr=lr).step()
        np.testing.assert_array_equal(x.numpy(), xt.detach().numpy())
        np.testing.assert_allclose(x.numpy(), [1.0 - moved, 2.0 + moved], rtol=1e-15)
        np.testing.assert_array_equal(optimizer.state[x]["step_size"], [moved, moved])


def test_asgd_first_step_is_an_sgd_step_with_the_decay_term():
    x, optimizer = one_step(ASGD, [2.0], [1.0], lr=0.5, lambd=0.1)
    np.testing.assert_allclose(x.numpy(), [2.0 * (1 - 0.05) - 0.5], rtol=1e-15)
    state = optimizer.state[x]
    assert set(state) == {"step", "eta", "mu", "ax"}
    assert isinstance(state["eta"], float) and isinstance(state["mu"], float)
    assert state["eta"] == 0.5 / (1 + 0.1 * 0.5 * 1) ** 0.75 and state["mu"] == 1.0


# ---------------------------------------------------------------- torch.optim, step by step
SHAPES = [(4, 3), (7,), (2, 2, 2)]


def _torch_and_ours(name, groups, steps, options, dtype=np.float64, schedule=None):
    """``steps`` steps of minigrad's and torch's ``name`` on one parameter per group (options ``groups``),
    both given the same gradients (computed from minigrad's iterate). Yields each step's two parameter lists
    and two optimizers. ``schedule(module, optimizer)`` builds an lr schedule stepped after each step."""
    rng = np.random.default_rng(7)
    starts = [rng.standard_normal(s).astype(dtype) for s in SHAPES[:len(groups)]]
    # a bumpy bowl per parameter, its bumps drifting slowly: gradients flip sign at different times
    curvatures = [rng.uniform(0.2, 3.0, s) for s in SHAPES]
    centres = [rng.standard_normal(s) for s in SHAPES]
    ours = [mg.tensor(x.copy(), dtype=dtype, requires_grad=True) for x in starts]
    theirs = [torch.tensor(x.copy(), requires_grad=True) for x in starts]
    mine = getattr(optim, name)([dict(params=[p], **g) for p, g in zip(ours, groups)], **options)
    torch_opt = getattr(torch.optim, name)([dict(params=[p], **g) for p, g in zip(theirs, groups)], **options)
    schedules = (schedule(mg.optim.lr_scheduler, mine), schedule(torch.optim.lr_scheduler, torch_opt)) \
        if schedule else ()
    for k in range(steps):
        for i, (p, q) in enumerate(zip(ours, theirs)):
            x = p.numpy().astype(np.float64)
            g = (curvatures[i] * (x - centres[i]) + 0.5 * np.sin(5 * x + 0.02 * k)).astype(dtype)
            p.grad = mg.tensor(g, dtype=dtype)
            q.grad = torch.tensor(g)
        mine.step()
        torch_opt.step()
        for s in schedules:
            s.step()
        yield ours, theirs, mine, torch_opt


def _assert_matches_torch(name, groups, steps, options, exact=False, **kwargs):
    """Compare every step's parameters and state with torch's (within 1e-12, or ``exact``ly); return the
    history of minigrad's state."""
    tol = 0.0 if exact else 1e-12
    history = []
    for k, (ours, theirs, mine, torch_opt) in enumerate(_torch_and_ours(name, groups, steps, options, **kwargs)):
        for i, (p, q) in enumerate(zip(ours, theirs)):
            np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=tol, atol=tol,
                                       err_msg=f"step {k + 1}, group {i}")
            state, torch_state = mine.state[p], torch_opt.state[q]
            assert set(state) == set(torch_state)
            for key, value in torch_state.items():
                np.testing.assert_allclose(to_numpy(state[key]) if hasattr(state[key], "shape") else state[key],
                                           value.detach().numpy(),
                                           rtol=tol, atol=tol, err_msg=f"step {k + 1}, group {i}, {key}")
            history.append({key: (value.copy() if hasattr(value, "copy") else value) for key, value in state.items()})
    return history


RPROP_GROUPS = {
    "defaults": ([{}, {}, {}], {}),
    "per-group": ([{"lr": 0.05}, {"lr": 0.01, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2)},
                   {"etas": (0.7, 1.05), "step_sizes": (0.0, 1.0)}], {}),
    "maximize": ([{"lr": 0.05}, {"lr": 0.02, "step_sizes": (1e-4, 0.1)}, {"maximize": False}], {"maximize": True}),
}


@pytest.mark.parametrize("name", list(RPROP_GROUPS))
def test_rprop_matches_torch_bit_for_bit_over_300_steps(name, torch_float64):
    # the same float64 operations, each rounded once: the iterates are torch's to the last bit
    groups, options = RPROP_GROUPS[name]
    history = _assert_matches_torch("Rprop", groups, 300, options, exact=True)
    sizes = np.concatenate([state["step_size"].ravel() for state in history])
    lrs = [group.get("lr", 1e-2) for group in groups]
    assert sizes.max() > 1.5 * max(lrs) and sizes.min() < 0.5 * min(lrs)  # grown and cut


ASGD_GROUPS = {
    "defaults": ([{}, {}, {}], {}),
    "averaging": ([{"lr": 0.05, "t0": 10}, {"lr": 0.01, "lambd": 0.1, "alpha": 0.5, "t0": 3},
                   {"lambd": 1e-3, "alpha": 1.0, "t0": 0}], {}),
    "weight-decay": ([{"weight_decay": 0.1, "t0": 20}, {"lr": 0.03}, {"weight_decay": 0.0, "t0": 5}],
                     {"weight_decay": 0.01, "lambd": 0.01}),
    "maximize": ([{"lr": 0.05, "t0": 10}, {"weight_decay": 0.05, "t0": 1}, {"maximize": False}],
                 {"maximize": True, "lambd": 0.02}),
}


@pytest.mark.parametrize("name", list(ASGD_GROUPS))
def test_asgd_matches_torch_over_300_steps(name, torch_float64):
    groups, options = ASGD_GROUPS[name]
    history = _assert_matches_torch("ASGD", groups, 300, options)
    assert any(state["mu"] < 1 for state in history) == (name != "defaults")   # the averaging ran


def test_float32_rprop_is_torchs_bit_for_bit():
    # eta * eta_plus is a float32 product in both (the factors are set into an array of theta's dtype)
    for ours, theirs, _, _ in _torch_and_ours("Rprop", [{}, {"etas": (0.3, 1.5)}], 100, {}, dtype=np.float32):
        for p, q in zip(ours, theirs):
            assert p.dtype == np.float32
            np.testing.assert_array_equal(p.numpy(), q.detach().numpy())


# ---------------------------------------------------------------- learning-rate schedules
@pytest.mark.parametrize("name, options", [("ASGD", {"t0": 5, "lambd": 0.01}), ("Rprop", {})])
@pytest.mark.parametrize("schedule", ["step", "exponential", "onecycle-no-momentum", "cyclic-no-momentum"])
def test_lr_schedules_drive_them_as_in_torch(name, options, schedule, torch_float64):
    make = {
        "step": lambda m, o: m.StepLR(o, step_size=7, gamma=0.5),
        "exponential": lambda m, o: m.ExponentialLR(o, gamma=0.97),
        "onecycle-no-momentum": lambda m, o: m.OneCycleLR(o, max_lr=[0.1, 0.05], total_steps=60,
                                                          cycle_momentum=False),
        "cyclic-no-momentum": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=5,
                                                      cycle_momentum=False),
    }[schedule]
    _assert_matches_torch(name, [{"lr": 0.05}, {"lr": 0.02}], 60, options, schedule=make)


def test_rprop_reads_lr_only_for_its_first_step():
    # as in PyTorch: the step sizes start at lr, then adapt on their own
    plain = [ours[0].numpy().copy() for ours, *_ in _torch_and_ours("Rprop", [{"lr": 0.05}], 20, {})]
    scheduled = [(ours[0].numpy().copy(), mine.param_groups[0]["lr"]) for ours, _, mine, _ in
                 _torch_and_ours("Rprop", [{"lr": 0.05}], 20, {},
                                 schedule=lambda m, o: m.StepLR(o, step_size=1, gamma=0.1))]
    for want, (got, _) in zip(plain, scheduled):
        np.testing.assert_array_equal(got, want)
    assert scheduled[-1][1] < 1e-20 and not np.array_equal(plain[0], plain[-1])


@pytest.mark.parametrize("cls", [Rprop, ASGD])
@pytest.mark.parametrize("schedule", [lambda o: CyclicLR(o, 0.01, 0.1), lambda o: OneCycleLR(o, 0.1, total_steps=10)],
                         ids=["CyclicLR", "OneCycleLR"])
def test_momentum_cycling_schedules_refuse_them_unless_told_not_to_cycle(cls, schedule):
    optimizer = cls([mg.tensor([1.0], requires_grad=True)], lr=0.05)
    with pytest.raises(ValueError, match=re.escape(f"has neither; pass cycle_momentum=False")) as refused:
        schedule(optimizer)
    assert cls.__name__ in str(refused.value)
    assert optimizer.param_groups[0]["lr"] == 0.05


# ---------------------------------------------------------------- arguments
def test_rprop_and_asgd_take_torchs_defaults():
    p = mg.tensor([1.0], requires_grad=True)
    assert {k: v for k, v in Rprop([p]).param_groups[0].items() if k != "params"} == dict(
        lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), maximize=False)
    assert {k: v for k, v in ASGD([p]).param_groups[0].items() if k != "params"} == dict(
        lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, maximize=False)
    assert math.isclose(ASGD([p]).defaults["t0"], torch.optim.ASGD([torch.zeros(1)]).defaults["t0"])


@pytest.mark.filterwarnings("ignore:overflow encountered")
def test_rprop_with_a_nan_or_an_infinite_gradient_entry_does_what_torch_does():
    grads = [[1.0, -2.0, 3.0, 1e200, 0.5], [np.nan, 2.0, -3.0, 1e200, -0.5], [1.0, 1.0, 1.0, 1.0, 1.0]]
    x = mg.tensor(np.zeros(5), dtype=np.float64, requires_grad=True)
    y = torch.zeros(5, dtype=torch.float64, requires_grad=True)
    ours, theirs = Rprop([x], lr=0.1), torch.optim.Rprop([y], lr=0.1)
    for g in grads:   # 1e200 * 1e200 overflows to inf: a "same sign" entry; torch's sign(NaN) is 0: no step
        x.grad = mg.tensor(np.array(g), dtype=np.float64)
        y.grad = torch.tensor(g, dtype=torch.float64)
        ours.step()
        theirs.step()
        np.testing.assert_array_equal(x.numpy(), y.detach().numpy())
        np.testing.assert_array_equal(ours.state[x]["step_size"], theirs.state[y]["step_size"].numpy())
        np.testing.assert_array_equal(ours.state[x]["prev"], theirs.state[y]["prev"].numpy())
    assert np.all(np.isfinite(x.numpy()))   # the NaN entry made no step
