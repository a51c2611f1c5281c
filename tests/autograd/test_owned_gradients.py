"""The engine lets a node overwrite its incoming gradient only when no one else can see it.

Nodes that promise fresh gradients (``fresh_grads``) feed nodes that can mask in place
(``backward_arrays_owned``: ReLU, the fused Linear+ReLU). Every other route — a user's
seed gradient, a gradient shared by two consumers, hooks, captured gradients — must
leave the array untouched.
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.autograd.function import Function
from minigrad.nn import functional as F
from minigrad.nn.fused import Affine, AffineReLU, SquaredError
from minigrad.nn.functional.loss import SoftmaxCrossEntropy
from minigrad.ops.activations import ReLU


def _net(seed=0):
    mg.manual_seed(seed)
    return nn.Network(nn.Linear(5, 40), nn.ReLU(), nn.Linear(40, 30), nn.ReLU(), nn.Linear(30, 3))


def _grads(net, x, t):
    net.zero_grad()
    F.cross_entropy(net(x), t).backward()
    return [p.grad.numpy().copy() for p in net.parameters()]


def test_in_place_masking_is_used_and_changes_nothing(monkeypatch):
    x, t = mg.randn(16, 5), np.arange(16) % 3
    net = _net()
    calls = []
    owned = AffineReLU.backward_arrays_owned

    def spy(self, gy):
        calls.append(type(self).__name__)
        return owned(self, gy)

    monkeypatch.setattr(AffineReLU, "backward_arrays_owned", spy)
    with_owned = _grads(net, x, t)
    assert calls == ["AffineReLU", "AffineReLU"]          # both hidden layers masked in place
    monkeypatch.setattr(AffineReLU, "backward_arrays_owned", None)
    without = _grads(net, x, t)
    for a, b in zip(with_owned, without):
        np.testing.assert_array_equal(a, b)


def test_a_seed_gradient_given_by_the_user_is_never_overwritten():
    net = _net()
    h = net[:2](mg.randn(8, 5))                           # a fused Linear+ReLU output
    seed = mg.tensor(np.random.default_rng(0).standard_normal(h.shape).astype(np.float32))
    kept = seed.numpy().copy()
    h.backward(seed)
    np.testing.assert_array_equal(seed.numpy(), kept)


def test_one_gradient_shared_by_two_consumers_is_not_overwritten():
    # Add hands the same array to both inputs: neither fused node may mask it in place.
    mg.manual_seed(1)
    a, b = nn.Linear(4, 6), nn.Linear(4, 6)
    x = mg.randn(7, 4)
    net_a, net_b = nn.Network(a, nn.ReLU()), nn.Network(b, nn.ReLU())
    (net_a(x) + net_b(x)).sum().backward()
    for lin in (a, b):
        z = x.numpy() @ lin.weight.numpy() + lin.bias.numpy()
        expected = x.numpy().T @ (z > 0).astype(np.float32)
        np.testing.assert_allclose(lin.weight.grad.numpy(), expected, rtol=1e-5)


def test_hooked_and_captured_gradients_are_the_true_ones():
    net = _net()
    x, t = mg.randn(10, 5), np.arange(10) % 3
    hidden = net[:2](x)
    seen = []
    hidden.register_hook(lambda g: seen.append(g.numpy().copy()))
    logits = net[2:](hidden)
    loss = F.cross_entropy(logits, t)
    (g_hidden,) = mg.grad(loss, [hidden], retain_graph=True)
    loss.backward()
    # dL/dh from the layers above, by hand: not masked by the fused node's ReLU.
    p = np.exp(logits.numpy() - logits.numpy().max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(10), t] -= 1
    g_out = p / 10
    lin2, lin3 = net[2], net[4]
    z2 = hidden.numpy() @ lin2.weight.numpy() + lin2.bias.numpy()
    g_h2 = (g_out @ lin3.weight.numpy().T) * (z2 > 0)
    expected = g_h2 @ lin2.weight.numpy().T
    np.testing.assert_allclose(g_hidden.numpy(), expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(seen[-1], expected, rtol=1e-5, atol=1e-7)


def test_retained_graph_gives_the_same_gradients_twice():
    net = _net()
    x, t = mg.randn(12, 5), np.arange(12) % 3
    loss = F.cross_entropy(net(x), t)
    loss.backward(retain_graph=True)
    first = [p.grad.numpy().copy() for p in net.parameters()]
    net.zero_grad()
    loss.backward()
    for p, g in zip(net.parameters(), first):
        np.testing.assert_array_equal(p.grad.numpy(), g)


def _fresh_cases():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 4)).astype(np.float32)
    w = rng.standard_normal((4, 5)).astype(np.float32)
    b = rng.standard_normal(5).astype(np.float32)
    t = rng.standard_normal((6, 5)).astype(np.float32)
    yield Affine, (x, w, b), {}
    yield AffineReLU, (x, w, b), {}
    yield SquaredError, (x, t[:, :4]), {"scale": 0.5}
    yield SoftmaxCrossEntropy, (x,), {"target": np.arange(6) % 4, "row_scale": 1 / 6, "smoothing": 0.1,
                                     "reduction": "mean"}


def test_every_class_promising_fresh_gradients_keeps_that_promise():
    promised = {c for c in _all_subclasses(Function) if c.__dict__.get("fresh_grads")}
    cases = list(_fresh_cases())
    assert promised <= {cls for cls, _, _ in cases}, "a fresh_grads class without a case here"
    for cls, arrays, params in cases:
        inputs = [mg.tensor(a, requires_grad=True) for a in arrays]
        out = cls.apply(*inputs, **params)
        fn = out.creator
        gy = np.ones(out.shape, dtype=np.float32)
        grads = [g for g in fn.backward_arrays(gy) if g is not None]
        kept = [gy] + [x.data for x in inputs] + [v for v in vars(fn).values() if isinstance(v, np.ndarray)]
        for i, g in enumerate(grads):
            for other in kept + grads[:i]:
                assert not np.shares_memory(g, other), f"{cls.__name__} returned an array it does not own"


def _all_subclasses(cls):
    seen, stack = set(), [cls]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
    return seen


def test_a_standalone_relu_after_a_linear_masks_in_place_with_the_same_result(monkeypatch):
    mg.manual_seed(2)
    w1, b1 = mg.randn(5, 8, requires_grad=True), mg.randn(8, requires_grad=True)
    w2 = mg.randn(8, 2, requires_grad=True)
    x = mg.randn(9, 5)

    def grads():
        for p in (w1, b1, w2):
            p.grad = None
        F.linear(F.relu(F.linear(x, w1, b1)), w2).sum().backward()
        return [p.grad.numpy().copy() for p in (w1, b1, w2)]

    calls = []
    owned = ReLU.backward_arrays_owned
    monkeypatch.setattr(ReLU, "backward_arrays_owned", lambda self, gy: calls.append(1) or owned(self, gy))
    with_owned = grads()
    assert calls == [1]
    monkeypatch.setattr(ReLU, "backward_arrays_owned", None)
    for a, b in zip(with_owned, grads()):
        np.testing.assert_array_equal(a, b)
