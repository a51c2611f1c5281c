"""RMSprop against the update rule of torch.optim.RMSprop, recomputed by hand in NumPy."""

import numpy as np
import pytest

from minigrad.optim import RMSprop
from optim.helpers import assert_trajectories_close, one_step, reference, run

OPTIONS = [
    {},
    {"alpha": 0.9},
    {"momentum": 0.9},
    {"centered": True},
    {"weight_decay": 0.1},
    {"eps": 0.05},
    {"maximize": True},
    {"centered": True, "momentum": 0.5, "weight_decay": 0.05, "maximize": True, "alpha": 0.8},
]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "plain")
def test_rmsprop_first_steps_match_hand_recomputation(options, device):
    lr = 0.01
    alpha, eps = options.get("alpha", 0.99), options.get("eps", 1e-8)
    mu, wd = options.get("momentum", 0.0), options.get("weight_decay", 0.0)

    def update(x, g, state, t):
        if options.get("maximize"):
            g = -g
        g = g + wd * x                                          # g = g + lambda theta
        state["v"] = alpha * state.get("v", 0.0) + (1 - alpha) * g ** 2    # v = alpha v + (1-alpha) g^2
        v_tilde = state["v"]
        if options.get("centered"):
            state["m"] = alpha * state.get("m", 0.0) + (1 - alpha) * g      # g_ave = alpha g_ave + (1-alpha) g
            v_tilde = v_tilde - state["m"] ** 2                             # v~ = v - g_ave^2
        if mu > 0:
            state["b"] = mu * state.get("b", 0.0) + g / (np.sqrt(v_tilde) + eps)  # b = mu b + g/(sqrt(v~)+eps)
            return x - lr * state["b"]                                      # theta -= gamma b
        return x - lr * g / (np.sqrt(v_tilde) + eps)                        # theta -= gamma g/(sqrt(v~)+eps)

    assert_trajectories_close(run(RMSprop, 3, device, lr=lr, **options), reference(update, 3))


def test_rmsprop_first_step_literal_value():
    # v = (1 - 0.75) * 4^2 = 4, so the step is lr * 4 / (2 + 0) = 2 * lr
    x, _ = one_step(RMSprop, [1.0], [4.0], lr=0.1, alpha=0.75, eps=0.0)
    np.testing.assert_allclose(x.numpy(), [0.8], rtol=1e-15)
