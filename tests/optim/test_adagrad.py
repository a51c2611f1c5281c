"""Adagrad against the update rule of torch.optim.Adagrad, recomputed by hand in NumPy."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import Adagrad
from optim.helpers import assert_trajectories_close, reference, run

OPTIONS = [
    {},
    {"lr_decay": 0.5},
    {"weight_decay": 0.1},
    {"initial_accumulator_value": 0.3},
    {"eps": 0.05},
    {"maximize": True},
    {"lr_decay": 0.2, "weight_decay": 0.05, "initial_accumulator_value": 1.0, "maximize": True},
]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "plain")
def test_adagrad_first_steps_match_hand_recomputation(options, device):
    lr = 0.1
    lr_decay, wd = options.get("lr_decay", 0.0), options.get("weight_decay", 0.0)
    eps = options.get("eps", 1e-10)

    def update(x, g, state, t):
        if options.get("maximize"):
            g = -g
        g = g + wd * x                                              # g = g + lambda theta
        state.setdefault("sum", np.full_like(x, options.get("initial_accumulator_value", 0.0)))
        clr = lr / (1 + (t - 1) * lr_decay)                         # gamma~ = gamma / (1 + (t-1) eta)
        state["sum"] = state["sum"] + g ** 2                        # state_sum += g^2
        return x - clr * g / (np.sqrt(state["sum"]) + eps)         # theta -= gamma~ g / (sqrt(sum) + eps)

    assert_trajectories_close(run(Adagrad, 3, device, lr=lr, **options), reference(update, 3))


def test_adagrad_first_step_is_a_sign_step():
    # with a zero accumulator, sum = g^2 so the first step is lr * g / (|g| + eps)
    x = mg.tensor([1.0, -2.0, 3.0], dtype=np.float64, requires_grad=True)
    optimizer = Adagrad([x], lr=0.5, eps=0.0)
    x.grad = mg.tensor([4.0, 0.01, -7.0], dtype=np.float64)
    optimizer.step()
    np.testing.assert_allclose(x.numpy(), [0.5, -2.5, 3.5], rtol=1e-15)


def test_each_group_starts_its_accumulator_at_its_own_initial_accumulator_value():
    # A deliberate difference: torch.optim.Adagrad (2.13) fills every group's accumulators with the constructor's
    # value, ignoring a group's own initial_accumulator_value (sums 0.09 and 0.09 here, not 0.59)
    a = mg.tensor([1.0], dtype=np.float64, requires_grad=True)
    b = mg.tensor([1.0], dtype=np.float64, requires_grad=True)
    optimizer = Adagrad([{"params": [a]}, {"params": [b], "initial_accumulator_value": 0.5}], lr=0.1, eps=0.0)
    a.grad = mg.tensor([0.3], dtype=np.float64)
    b.grad = mg.tensor([0.3], dtype=np.float64)
    optimizer.step()
    np.testing.assert_allclose(optimizer.state[a]["sum"], [0.09], rtol=1e-15)
    np.testing.assert_allclose(optimizer.state[b]["sum"], [0.59], rtol=1e-15)
    np.testing.assert_allclose(b.numpy(), [1.0 - 0.1 * 0.3 / np.sqrt(0.59)], rtol=1e-15)
