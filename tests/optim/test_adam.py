"""Adam and AdamW against the update rules of torch.optim.Adam/AdamW, recomputed by hand in NumPy."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import Adam, AdamW
from optim.helpers import assert_trajectories_close, reference, run

OPTIONS = [
    {},
    {"betas": (0.5, 0.8)},
    {"eps": 0.1},
    {"weight_decay": 0.1},
    {"amsgrad": True},
    {"maximize": True},
    {"amsgrad": True, "weight_decay": 0.05, "maximize": True, "betas": (0.8, 0.9)},
]


def adam_update(lr, options, decoupled):
    """One hand-written step of Adam (Kingma and Ba, Algorithm 1; AMSGrad of Reddi et al.)."""
    b1, b2 = options.get("betas", (0.9, 0.999))
    eps, wd = options.get("eps", 1e-8), options.get("weight_decay", 0.0)

    def update(x, g, state, t):
        if options.get("maximize"):
            g = -g
        if decoupled:
            x = x - lr * wd * x                                     # AdamW: theta = theta - gamma lambda theta
        else:
            g = g + wd * x                                          # Adam: g = g + lambda theta
        state["m"] = b1 * state.get("m", 0.0) + (1 - b1) * g        # m = b1 m + (1-b1) g
        state["v"] = b2 * state.get("v", 0.0) + (1 - b2) * g ** 2   # v = b2 v + (1-b2) g^2
        m_hat = state["m"] / (1 - b1 ** t)                          # m^ = m / (1 - b1^t)
        v = state["v"]
        if options.get("amsgrad"):
            state["v_max"] = np.maximum(state.get("v_max", 0.0), v)  # v_max = max(v_max, v)
            v = state["v_max"]
        v_hat = v / (1 - b2 ** t)                                   # v^ = v / (1 - b2^t)
        return x - lr * m_hat / (np.sqrt(v_hat) + eps)              # theta -= gamma m^/(sqrt(v^)+eps)

    return update


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "plain")
def test_adam_first_steps_match_hand_recomputation(options, device):
    lr = 0.1
    expected = reference(adam_update(lr, options, decoupled=False), 3)
    assert_trajectories_close(run(Adam, 3, device, lr=lr, **options), expected)


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "plain")
def test_adamw_first_steps_match_hand_recomputation(options, device):
    lr = 0.1
    options = {"weight_decay": 1e-2, **options}  # AdamW's default decay
    expected = reference(adam_update(lr, options, decoupled=True), 3)
    assert_trajectories_close(run(AdamW, 3, device, lr=lr, **options), expected)


def test_amsgrad_uses_the_running_maximum():
    # a big gradient then a small one: v_max keeps the big v, so the second step is smaller than Adam's
    steps = {}
    for amsgrad in (False, True):
        x = mg.tensor([0.0], dtype=np.float64, requires_grad=True)
        optimizer = Adam([x], lr=1.0, betas=(0.0, 0.5), eps=0.0, amsgrad=amsgrad)
        x.grad = mg.tensor([10.0], dtype=np.float64)
        optimizer.step()
        before = x.item()
        x.grad = mg.tensor([1.0], dtype=np.float64)
        optimizer.step()
        steps[amsgrad] = before - x.item()
    # beta1 = 0: m^ = g. Adam: v = 0.5*50 + 0.5*1 = 25.5, v^ = 25.5/0.75 = 34; AMSGrad: v_max = 50, v^ = 50/0.75
    np.testing.assert_allclose(steps[False], 1.0 / np.sqrt(34.0), rtol=1e-14)
    np.testing.assert_allclose(steps[True], 1.0 / np.sqrt(50.0 / 0.75), rtol=1e-14)


def test_adam_first_step_is_lr_times_sign():
    # m^ = g and v^ = g^2 after one step, so theta moves by lr * g / (|g| + eps)
    x = mg.tensor([1.0, 2.0, 3.0], dtype=np.float64, requires_grad=True)
    optimizer = Adam([x], lr=0.01, eps=0.0)
    x.grad = mg.tensor([100.0, -0.001, 5.0], dtype=np.float64)
    optimizer.step()
    np.testing.assert_allclose(x.numpy(), [0.99, 2.01, 2.99], rtol=1e-14)


def test_adamw_decay_is_decoupled_from_the_adaptive_scaling():
    # with a zero gradient Adam's step is zero (m = 0), so only the decay moves theta: theta (1 - lr lambda)
    x = mg.tensor([2.0, -4.0], dtype=np.float64, requires_grad=True)
    optimizer = AdamW([x], lr=0.1, weight_decay=0.5)
    x.grad = mg.tensor([0.0, 0.0], dtype=np.float64)
    optimizer.step()
    np.testing.assert_allclose(x.numpy(), [2.0 * 0.95, -4.0 * 0.95], rtol=1e-15)
    assert AdamW([mg.tensor([1.0], requires_grad=True)]).defaults["weight_decay"] == 1e-2
