"""Adamax, NAdam and RAdam against the update rules of torch.optim, recomputed by hand in NumPy."""

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import Adamax, NAdam, RAdam
from optim.helpers import assert_trajectories_close, one_step, reference, run


def _prepare(g, x, options, lr, decoupled):
    """The shared first lines: maximize, then L2 or decoupled weight decay."""
    wd = options.get("weight_decay", 0.0)
    if options.get("maximize"):
        g = -g
    if decoupled:
        x = x - lr * wd * x                             # theta = theta - gamma lambda theta
    else:
        g = g + wd * x                                  # g = g + lambda theta
    return g, x


@pytest.mark.parametrize("options", [
    {}, {"betas": (0.5, 0.8)}, {"eps": 0.1}, {"weight_decay": 0.1}, {"maximize": True},
    {"betas": (0.7, 0.6), "weight_decay": 0.05, "maximize": True},
], ids=lambda o: ",".join(o) or "plain")
def test_adamax_first_steps_match_hand_recomputation(options, device):
    lr = 0.1
    b1, b2 = options.get("betas", (0.9, 0.999))
    eps = options.get("eps", 1e-8)

    def update(x, g, state, t):
        g, x = _prepare(g, x, options, lr, decoupled=False)
        state["m"] = b1 * state.get("m", 0.0) + (1 - b1) * g               # m = b1 m + (1-b1) g
        state["u"] = np.maximum(b2 * state.get("u", 0.0), np.abs(g) + eps)  # u = max(b2 u, |g| + eps)
        return x - lr * state["m"] / ((1 - b1 ** t) * state["u"])         # theta -= gamma m / ((1-b1^t) u)

    assert_trajectories_close(run(Adamax, 3, device, lr=lr, **options), reference(update, 3))


@pytest.mark.parametrize("options", [
    {}, {"betas": (0.5, 0.8)}, {"eps": 0.1}, {"weight_decay": 0.1}, {"maximize": True},
    {"momentum_decay": 0.5}, {"weight_decay": 0.1, "decoupled_weight_decay": True},
    {"betas": (0.7, 0.6), "weight_decay": 0.05, "maximize": True, "momentum_decay": 0.1},
], ids=lambda o: ",".join(o) or "plain")
def test_nadam_first_steps_match_hand_recomputation(options, device):
    lr = 0.1
    b1, b2 = options.get("betas", (0.9, 0.999))
    eps, psi = options.get("eps", 1e-8), options.get("momentum_decay", 4e-3)

    def mu(i):
        return b1 * (1 - 0.5 * 0.96 ** (i * psi))                          # mu_i = b1 (1 - 0.5 * 0.96^(i psi))

    def update(x, g, state, t):
        g, x = _prepare(g, x, options, lr, options.get("decoupled_weight_decay", False))
        state["m"] = b1 * state.get("m", 0.0) + (1 - b1) * g               # m = b1 m + (1-b1) g
        state["v"] = b2 * state.get("v", 0.0) + (1 - b2) * g ** 2          # v = b2 v + (1-b2) g^2
        prod_t = np.prod([mu(i) for i in range(1, t + 1)])                 # prod_{i<=t} mu_i
        prod_next = np.prod([mu(i) for i in range(1, t + 2)])              # prod_{i<=t+1} mu_i
        m_hat = mu(t + 1) * state["m"] / (1 - prod_next) + (1 - mu(t)) * g / (1 - prod_t)
        v_hat = state["v"] / (1 - b2 ** t)                                 # v^ = v / (1 - b2^t)
        return x - lr * m_hat / (np.sqrt(v_hat) + eps)                     # theta -= gamma m^/(sqrt(v^)+eps)

    assert_trajectories_close(run(NAdam, 3, device, lr=lr, **options), reference(update, 3))


RADAM_OPTIONS = [
    {"betas": (0.9, 0.9)}, {"betas": (0.5, 0.9), "eps": 0.1}, {"betas": (0.9, 0.9), "weight_decay": 0.1},
    {"betas": (0.9, 0.9), "maximize": True},
    {"betas": (0.8, 0.9), "weight_decay": 0.1, "decoupled_weight_decay": True},
    {"betas": (0.8, 0.95), "weight_decay": 0.05, "maximize": True},
]


@pytest.mark.parametrize("options", RADAM_OPTIONS, ids=lambda o: ",".join(o))
def test_radam_steps_through_the_rectification_switch_match_hand_recomputation(options, device):
    # beta2 = 0.9 gives rho_inf = 19 and rho_t > 5 from t = 6, so 8 steps cover both branches
    lr, steps = 0.05, 8
    b1, b2 = options["betas"]
    eps = options.get("eps", 1e-8)
    rho_inf = 2 / (1 - b2) - 1                                             # rho_inf = 2/(1-b2) - 1
    branches = set()

    def update(x, g, state, t):
        g, x = _prepare(g, x, options, lr, options.get("decoupled_weight_decay", False))
        state["m"] = b1 * state.get("m", 0.0) + (1 - b1) * g
        state["v"] = b2 * state.get("v", 0.0) + (1 - b2) * g ** 2
        m_hat = state["m"] / (1 - b1 ** t)                                 # m^ = m / (1 - b1^t)
        rho_t = rho_inf - 2 * t * b2 ** t / (1 - b2 ** t)                  # rho_t = rho_inf - 2 t b2^t/(1-b2^t)
        branches.add(rho_t > 5)
        if rho_t > 5:
            l_t = math.sqrt(1 - b2 ** t) / (np.sqrt(state["v"]) + eps)     # l_t = sqrt(1-b2^t)/(sqrt(v)+eps)
            r_t = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            return x - lr * m_hat * r_t * l_t                              # theta -= gamma m^ r_t l_t
        return x - lr * m_hat                                              # theta -= gamma m^

    expected = reference(update, steps)
    assert branches == {False, True}
    assert_trajectories_close(run(RAdam, steps, device, lr=lr, **options), expected)


def test_radam_first_step_is_plain_momentum_sgd():
    # rho_1 = 1 <= 5 and m^ = g, so the first step is theta - lr g whatever the gradient's scale
    x = mg.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    optimizer = RAdam([x], lr=0.1)
    x.grad = mg.tensor([3.0, -0.5], dtype=np.float64)
    optimizer.step()
    np.testing.assert_allclose(x.numpy(), [0.7, 2.05], rtol=1e-15)


def test_adamax_first_step_literal_value():
    # m = 0.1 g, u = |g| + eps, step = lr * 0.1 g / (0.1 * (|g| + eps)) = lr g / (|g| + eps)
    x, _ = one_step(Adamax, [1.0, 2.0], [3.0, -1.0], lr=0.2, eps=1.0)
    np.testing.assert_allclose(x.numpy(), [1.0 - 0.2 * 3.0 / 4.0, 2.0 + 0.2 * 1.0 / 2.0], rtol=1e-15)


def test_nadam_keeps_the_mu_product_as_a_python_float():
    x = mg.tensor([1.0], requires_grad=True)
    optimizer = NAdam([x], momentum_decay=0.5)
    for _ in range(2):
        x.grad = mg.tensor([1.0])
        optimizer.step()
    mu = [0.9 * (1 - 0.5 * 0.96 ** (i * 0.5)) for i in (1, 2)]
    assert isinstance(optimizer.state[x]["mu_product"], float)
    np.testing.assert_allclose(optimizer.state[x]["mu_product"], mu[0] * mu[1], rtol=1e-15)
