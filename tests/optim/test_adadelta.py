"""Adadelta against the update rule of torch.optim.Adadelta, recomputed by hand in NumPy."""

import numpy as np
import pytest

from minigrad.optim import Adadelta
from optim.helpers import assert_trajectories_close, one_step, reference, run

OPTIONS = [
    {},
    {"rho": 0.5},
    {"eps": 1e-3},
    {"weight_decay": 0.1},
    {"maximize": True},
    {"rho": 0.7, "weight_decay": 0.05, "maximize": True},
]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "plain")
def test_adadelta_first_steps_match_hand_recomputation(options, device):
    lr = 0.5
    rho, eps, wd = options.get("rho", 0.9), options.get("eps", 1e-6), options.get("weight_decay", 0.0)

    def update(x, g, state, t):
        if options.get("maximize"):
            g = -g
        g = g + wd * x                                                  # g = g + lambda theta
        state["v"] = rho * state.get("v", 0.0) + (1 - rho) * g ** 2     # v = rho v + (1-rho) g^2
        u = state.get("u", 0.0)
        dx = np.sqrt(u + eps) / np.sqrt(state["v"] + eps) * g           # dx = sqrt(u+eps)/sqrt(v+eps) g
        state["u"] = rho * u + (1 - rho) * dx ** 2                      # u = rho u + (1-rho) dx^2
        return x - lr * dx                                              # theta -= gamma dx

    assert_trajectories_close(run(Adadelta, 3, device, lr=lr, **options), reference(update, 3))


def test_adadelta_first_step_literal_value():
    # rho = 0.5, eps = 1: v = 0.5 * 3^2 = 4.5, dx = sqrt(0 + 1) / sqrt(4.5 + 1) * 3
    x, optimizer = one_step(Adadelta, [1.0], [3.0], lr=1.0, rho=0.5, eps=1.0)
    np.testing.assert_allclose(x.numpy(), [1.0 - 3.0 / np.sqrt(5.5)], rtol=1e-15)
    np.testing.assert_allclose(optimizer.state[x]["acc_delta"], [0.5 * 9.0 / 5.5], rtol=1e-15)
