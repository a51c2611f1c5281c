"""SGD against the update rule of torch.optim.SGD, recomputed by hand in NumPy."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import SGD
from optim.helpers import assert_trajectories_close, reference, run, square_closure

OPTIONS = [
    {},
    {"momentum": 0.9},
    {"momentum": 0.9, "dampening": 0.3},
    {"momentum": 0.9, "nesterov": True},
    {"weight_decay": 0.1},
    {"maximize": True},
    {"momentum": 0.5, "weight_decay": 0.05, "maximize": True, "nesterov": True},
    {"momentum": 0.8, "dampening": 0.5, "weight_decay": 0.2},
]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "plain")
def test_sgd_first_steps_match_hand_recomputation(options, device):
    lr = 0.1
    mu, tau = options.get("momentum", 0.0), options.get("dampening", 0.0)
    wd = options.get("weight_decay", 0.0)

    def update(x, g, state, t):
        if options.get("maximize"):
            g = -g                          # maximize: step along +grad
        g = g + wd * x                      # g_t = g_t + lambda * theta
        if mu != 0:
            if t == 1:
                state["b"] = g              # b_1 = g_1 (no dampening on the first step)
            else:
                state["b"] = mu * state["b"] + (1 - tau) * g   # b_t = mu b_{t-1} + (1 - tau) g_t
            g = g + mu * state["b"] if options.get("nesterov") else state["b"]
        return x - lr * g                   # theta_t = theta_{t-1} - gamma g_t

    assert_trajectories_close(run(SGD, 3, device, lr=lr, **options), reference(update, 3))


def test_sgd_momentum_literal_values():
    # f(x) = x^2, g = 2x, lr 0.1, momentum 0.9, worked by hand:
    # x1 = 1 - 0.1*2 = 0.8 (b = 2); b = 0.9*2 + 1.6 = 3.4, x2 = 0.8 - 0.34 = 0.46;
    # b = 0.9*3.4 + 0.92 = 3.98, x3 = 0.46 - 0.398 = 0.062
    x = mg.tensor([1.0], dtype=np.float64, requires_grad=True)
    optimizer = SGD([x], lr=0.1, momentum=0.9)
    seen = []
    for _ in range(3):
        optimizer.zero_grad()
        (x * x).sum().backward()
        optimizer.step()
        seen.append(x.item())
    np.testing.assert_allclose(seen, [0.8, 0.46, 0.062], rtol=1e-12)
    np.testing.assert_allclose(optimizer.state[x]["momentum_buffer"], [3.98], rtol=1e-12)


def test_sgd_skips_parameters_without_grad():
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    b = mg.tensor([3.0], requires_grad=True)
    optimizer = SGD([a, b], lr=0.5, momentum=0.9)
    a.grad = mg.tensor([1.0, 1.0])
    optimizer.step()
    np.testing.assert_array_equal(b.numpy(), [3.0])
    np.testing.assert_allclose(a.numpy(), [0.5, 1.5])
    assert b not in optimizer.state


def test_sgd_does_not_modify_the_gradient():
    x = mg.tensor([1.0, -1.0], requires_grad=True)
    optimizer = SGD([x], lr=0.1, momentum=0.9, weight_decay=0.1, maximize=True)
    x.grad = mg.tensor([0.5, 0.25])
    optimizer.step()
    optimizer.step()
    np.testing.assert_array_equal(x.grad.numpy(), np.array([0.5, 0.25], dtype=np.float32))


def test_sgd_updates_data_in_place():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    data = x.data
    optimizer = SGD([x], lr=0.1, momentum=0.5)
    for _ in range(2):
        x.grad = mg.tensor([1.0, 1.0])
        optimizer.step()
    assert x.data is data


def test_sgd_returns_closure_loss_with_grad_enabled():
    x = mg.tensor([2.0], requires_grad=True)
    optimizer = SGD([x], lr=0.25)
    with mg.no_grad():
        loss = optimizer.step(square_closure(optimizer, x))
    assert loss.item() == 4.0
    np.testing.assert_allclose(x.numpy(), [1.0])  # 2 - 0.25 * 4


def test_big_parameters_step_in_blocks_with_the_same_result():
    # Past 2 blocks SGD updates through axpy's cache-sized blocks: same arithmetic, same result.
    from minigrad.optim.axpy import _BLOCK

    rng = np.random.default_rng(0)
    theta0 = rng.standard_normal((3, _BLOCK + 5)).astype(np.float32)
    grads = [rng.standard_normal(theta0.shape).astype(np.float32) for _ in range(3)]
    p = mg.tensor(theta0.copy(), requires_grad=True)
    opt = mg.optim.SGD([p], lr=0.1)
    expected = theta0.copy()
    for g in grads:
        p.grad = mg.tensor(g)
        opt.step()
        expected -= np.float32(0.1) * g
        np.testing.assert_array_equal(p.numpy(), expected)
        np.testing.assert_array_equal(p.grad.numpy(), g)  # the gradient itself is untouched


@pytest.mark.parametrize("pooled", [False, True], ids=["calling thread", "pool"])
def test_sgd_momentum_first_step_is_per_parameter_within_a_group(pooled, monkeypatch):
    # SGD makes its update function once per group, and each parameter's "first step" flag is read when it is
    # called: parameters that join mid-run (first step: b = g, no dampening) sit between parameters already
    # under way (b = mu b + (1 - tau) g), in one group, on the calling thread and on the pool's chunks.
    from minigrad.optim import threads
    if pooled:
        monkeypatch.setattr(threads, "MIN_PARALLEL_SIZE", 8)
        monkeypatch.setattr(threads, "MIN_CHUNK", 4)
        monkeypatch.setattr(threads, "ADAPTIVE", False)
        threads.set_num_threads(2)
        monkeypatch.setattr(threads, "_num_threads", 2)   # restored after the test, as set_num_threads(None) would
    lr, mu, tau = 0.1, 0.9, 0.5
    rng = np.random.default_rng(3)
    start = [rng.standard_normal(n) for n in (20, 20, 20)]
    params = [mg.tensor(x.copy(), dtype=np.float64, requires_grad=True) for x in start]
    optimizer = SGD(params, lr=lr, momentum=mu, dampening=tau)
    expected, buffers = [x.copy() for x in start], [None, None, None]
    for with_grad in ([1], [0, 1], [0, 1, 2], [2, 0]):   # which parameters have a gradient at each step
        optimizer.zero_grad()
        for i in with_grad:
            g = rng.standard_normal(20)
            params[i].grad = mg.tensor(g, dtype=np.float64)
            buffers[i] = g.copy() if buffers[i] is None else mu * buffers[i] + (1 - tau) * g
            expected[i] = expected[i] - lr * buffers[i]
        optimizer.step()
        for p, x in zip(params, expected):
            np.testing.assert_allclose(p.numpy(), x, rtol=1e-14, atol=1e-15)
