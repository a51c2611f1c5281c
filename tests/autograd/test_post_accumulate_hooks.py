"""``Tensor.register_post_accumulate_grad_hook`` and ``queue_callback``: a leaf's hook runs once per backward, as soon
as its ``.grad`` is final for the pass (while the rest of the graph is still being differentiated), and never when
the pass gives the leaf no gradient; callbacks run once the pass has delivered every gradient."""
import gc

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.autograd import Function, backward_hooks, queue_callback


def _leaf(values, device="cpu"):
    return mg.tensor(np.asarray(values, dtype=np.float64), dtype="float64", requires_grad=True, device=device)


def _recorder(log, name):
    def hook(t):
        log.append((name, None if t.grad is None else t.grad.numpy().copy()))
    return hook


@pytest.fixture(autouse=True)
def no_hooks_left_behind():
    yield
    gc.collect()
    assert backward_hooks.POST_ACCUMULATE == {}, "a test left post-accumulate hooks registered"
    assert backward_hooks.PASSES == []


def _fan_out_loss(w1, w2, x):
    h = mg.relu(x @ w1)                         # w1 near the input: its gradient is final last
    return (h @ w2).sum() + (w2 * w2).sum() + (h @ w2 * w2.sum()).sum()   # w2 used three times: fan-out


def test_fires_once_per_backward_with_the_final_accumulated_value(device):
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((4, 3)), dtype="float64", device=device)
    w1, w2 = _leaf(rng.standard_normal((3, 5)), device), _leaf(rng.standard_normal((5, 1)), device)
    ref1, ref2 = _leaf(w1.numpy(), device), _leaf(w2.numpy(), device)
    _fan_out_loss(ref1, ref2, x).backward()
    log = []
    handles = [w1.register_post_accumulate_grad_hook(_recorder(log, "w1")),
               w2.register_post_accumulate_grad_hook(_recorder(log, "w2"))]
    _fan_out_loss(w1, w2, x).backward()
    assert [name for name, _ in log] == ["w2", "w1"], "once each, the leaf nearest the loss first"
    np.testing.assert_allclose(log[0][1], ref2.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(log[1][1], ref1.grad.numpy(), rtol=1e-12)
    # A second backward accumulates: the hook sees the sum, after it was added into .grad.
    _fan_out_loss(w1, w2, x).backward()
    assert [name for name, _ in log] == ["w2", "w1", "w2", "w1"]
    np.testing.assert_allclose(log[2][1], 2 * ref2.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(w1.grad.numpy(), 2 * ref1.grad.numpy(), rtol=1e-12)
    for h in handles:
        h.remove()


def test_fires_while_the_rest_of_the_graph_is_still_being_differentiated():
    rng = np.random.default_rng(1)
    x = mg.tensor(rng.standard_normal((2, 3)), dtype="float64")
    w1, w2 = _leaf(rng.standard_normal((3, 4))), _leaf(rng.standard_normal((4, 2)))
    events = []
    h = mg.tanh(x @ w1)
    h.register_hook(lambda g: events.append(("gradient reaches h", w1.grad is None)))
    handle = w2.register_post_accumulate_grad_hook(lambda t: events.append(("w2 final", w1.grad is None)))
    handle1 = w1.register_post_accumulate_grad_hook(lambda t: events.append(("w1 final", t.grad is not None)))
    (h @ w2).sum().backward()
    # w2's hook runs before the walk has even reached h (the layer below), while w1 has no .grad yet.
    assert events == [("w2 final", True), ("gradient reaches h", True), ("w1 final", True)]
    handle.remove()
    handle1.remove()


def test_shared_parameter_fires_only_after_its_last_use():
    w = _leaf([2.0, -1.0])
    seen = []
    handle = w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.numpy().copy()))
    a = w * 3.0                     # used near the loss ...
    b = mg.sin(mg.exp(w))           # ... and deep in another branch
    (a * b).sum().backward()
    expected = 3.0 * np.sin(np.exp([2.0, -1.0])) + 3.0 * np.array([2.0, -1.0]) * np.cos(np.exp([2.0, -1.0])) \
        * np.exp([2.0, -1.0])
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], expected, rtol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), expected, rtol=1e-12)
    handle.remove()


class _NoGradient(Function):
    """y = x, but backward sends no gradient to x (as an op with a non-differentiable input does)."""

    def forward(self, x):
        return x.copy()

    def backward(self, F, gy, x):
        return None


def test_not_fired_for_a_leaf_that_gets_no_gradient():
    # a leaf its backward sent None (no gradient reached it) fires with .grad None, as torch's (torch's order:
    # ['blocked', 'used']); a leaf outside the graph does not
    used, blocked, absent = _leaf([1.0]), _leaf([2.0]), _leaf([3.0])
    fired = []
    handles = [t.register_post_accumulate_grad_hook(lambda t, n=n: fired.append(n))
               for n, t in (("used", used), ("blocked", blocked), ("absent", absent))]
    (used * 2.0 + _NoGradient.apply(blocked)).sum().backward()
    assert fired == ["blocked", "used"]
    assert blocked.grad is None and absent.grad is None
    # requires_grad_(False) after the forward: no .grad, but the hook runs (torch's order: ['used', 'blocked'])
    loss = (used * blocked).sum()
    blocked.requires_grad_(False)
    loss.backward()
    assert fired == ["blocked", "used", "used", "blocked"] and blocked.grad is None
    for h in handles:
        h.remove()


def test_not_fired_inside_minigrad_grad():
    w = _leaf([1.0, 2.0])
    fired = []
    handle = w.register_post_accumulate_grad_hook(lambda t: fired.append(1))
    (gw,) = mg.grad((w * w).sum(), [w])
    np.testing.assert_allclose(gw.numpy(), [2.0, 4.0])
    assert fired == [] and w.grad is None
    handle.remove()


def test_create_graph_hook_sees_the_recorded_gradient():
    x = _leaf([1.5, -2.0])
    seen = []
    handle = x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad))
    (x ** 3).sum().backward(create_graph=True)
    assert len(seen) == 1 and seen[0] is x.grad and x.grad.creator is not None
    np.testing.assert_allclose(x.grad.numpy(), 3 * np.array([1.5, -2.0]) ** 2)
    handle.remove()
    (gg,) = mg.grad(x.grad.sum(), [x])   # the gradient the hook saw is differentiable again
    np.testing.assert_allclose(gg.numpy(), 6 * np.array([1.5, -2.0]))


def test_a_root_leaf_fires_with_its_seed():
    x = _leaf([1.0, 2.0])
    seen = []
    handle = x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.numpy().copy()))
    seed = mg.tensor([3.0, 4.0], dtype="float64")
    x.backward(seed)
    assert len(seen) == 1 and seen[0].tolist() == [3.0, 4.0]
    x.grad.data[...] = 0.0
    assert seed.numpy().tolist() == [3.0, 4.0], ".grad must not share the seed's memory"
    handle.remove()


def test_a_hook_writing_grad_in_place_does_not_change_gradients_still_travelling(device):
    # Add sends one gradient array to both its inputs: a leaf delivered during the walk must not take that array
    # as its .grad (which its hook may change in place) while a node still to run, or another leaf, holds it too.
    def scribble(t):
        t.grad.data[...] = -100.0

    a, c = _leaf([1.0, 2.0], device), _leaf([5.0, 6.0], device)
    handle = a.register_post_accumulate_grad_hook(scribble)
    ((a + c * 3.0) * 2.0).sum().backward()          # the Mul by 3 runs after a is delivered
    assert a.grad.numpy().tolist() == [-100.0, -100.0]
    assert c.grad.numpy().tolist() == [6.0, 6.0]
    a.grad = None
    b = _leaf([3.0, 4.0], device)
    ((a + b) * 2.0).sum().backward()                # b, a leaf without hooks, is delivered at the end
    assert b.grad.numpy().tolist() == [2.0, 2.0]
    handle.remove()


def test_hooks_on_every_parameter_leave_the_gradients_of_a_network_unchanged():
    from minigrad.nn import Linear, Network, ReLU
    from minigrad.nn.functional import cross_entropy

    mg.manual_seed(3)
    net = Network(Linear(5, 8), ReLU(), Linear(8, 8), ReLU(), Linear(8, 3))
    x, y = mg.randn(6, 5), mg.tensor([0, 1, 2, 0, 1, 2])
    cross_entropy(net(x), y).backward()
    plain = [p.grad.numpy().copy() for p in net.parameters()]
    net.zero_grad()
    order = []
    handles = [p.register_post_accumulate_grad_hook(lambda t, i=i: order.append(i))
               for i, p in enumerate(net.parameters())]
    cross_entropy(net(x), y).backward()
    assert sorted(order) == list(range(6)) and order[:2] in ([4, 5], [5, 4]), order   # the last layer first
    for p, g in zip(net.parameters(), plain):
        np.testing.assert_array_equal(p.grad.numpy(), g)
    for h in handles:
        h.remove()


def test_remove_and_garbage_collection_empty_the_table():
    w = _leaf([1.0])
    fired = []
    h1 = w.register_post_accumulate_grad_hook(lambda t: fired.append(1))
    h2 = w.register_post_accumulate_grad_hook(lambda t: fired.append(2))
    (w * 2.0).sum().backward()
    assert fired == [1, 2], "in the order registered"
    h1.remove()
    h1.remove()   # twice is harmless
    (w * 2.0).sum().backward()
    assert fired == [1, 2, 2]
    h2.remove()
    assert backward_hooks.POST_ACCUMULATE == {}, "no hook left: backward is back on the plain path"
    v = _leaf([1.0])
    v.register_post_accumulate_grad_hook(lambda t: None)
    assert len(backward_hooks.POST_ACCUMULATE) == 1
    del v
    gc.collect()
    assert backward_hooks.POST_ACCUMULATE == {}


def test_bad_registrations_and_hooks_are_clear_errors():
    w = _leaf([1.0])
    with pytest.raises(RuntimeError, match="only for leaf tensors .*made by Mul.*use register_hook"):
        (w * 2.0).register_post_accumulate_grad_hook(lambda t: None)
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.tensor([1.0]).register_post_accumulate_grad_hook(lambda t: None)
    with pytest.raises(TypeError, match="expected a callable, got int"):
        w.register_post_accumulate_grad_hook(3)

    def returns_something(t):
        return t.grad

    handle = w.register_post_accumulate_grad_hook(returns_something)
    with pytest.raises(RuntimeError, match="returned a value \\(hook returns_something\\); it must return None"):
        (w * 2.0).sum().backward()
    handle.remove()


# ------------------------------------------------------------------ queue_callback


def test_a_queued_callback_runs_once_after_every_gradient_is_delivered():
    a, b = _leaf([1.0]), _leaf([2.0])
    events = []

    def at_end():
        events.append(("end", a.grad.item(), b.grad.item()))

    def first(t):
        events.append("a final")
        queue_callback(at_end)

    handle = a.register_post_accumulate_grad_hook(first)
    (a * 3.0 + mg.exp(b)).sum().backward()
    assert events == ["a final", ("end", 3.0, float(np.exp(2.0)))]
    (a * 3.0).sum().backward()   # queued callbacks belong to one pass
    assert events[2:] == ["a final", ("end", 6.0, float(np.exp(2.0)))]
    handle.remove()


def test_callbacks_of_a_nested_pass_and_of_a_pass_that_raised():
    a, inner = _leaf([1.0]), _leaf([1.0])
    events = []

    def hook(t):
        queue_callback(lambda: events.append("outer end"))
        with mg.enable_grad():                  # hooks run in the pass's grad mode: off on a first-order pass
            (inner * 2.0).sum().backward()      # a pass of its own, inside the hook
        events.append("inner done")

    inner_handle = inner.register_post_accumulate_grad_hook(
        lambda t: queue_callback(lambda: events.append("inner end")))
    handle = a.register_post_accumulate_grad_hook(hook)
    (a * 2.0).sum().backward()
    assert events == ["inner end", "inner done", "outer end"]
    handle.remove()
    inner_handle.remove()

    def fails(t):
        queue_callback(lambda: events.append("must not run"))
        raise ValueError("hook failed")

    handle = a.register_post_accumulate_grad_hook(fails)
    with pytest.raises(ValueError, match="hook failed"):
        (a * 2.0).sum().backward()
    handle.remove()
    (a * 2.0).sum().backward()
    assert "must not run" not in events


def test_queue_callback_outside_backward_is_an_error():
    with pytest.raises(RuntimeError, match="no backward pass is running"):
        queue_callback(lambda: None)
    w = _leaf([1.0])
    handle = w.register_post_accumulate_grad_hook(lambda t: queue_callback(5))
    with pytest.raises(TypeError, match="queue_callback: expected a callable, got int"):
        (w * 1.0).sum().backward()
    handle.remove()


def test_a_hook_that_refers_to_its_leaf_does_not_keep_it_alive():
    # A data-parallel reducer's hooks hold the parameters they are registered on: the cycle
    # must be collectable, not pinned by the engine's table of hooked leaves.
    import weakref

    w = mg.tensor(np.ones(3), requires_grad=True)
    holder = {"w": w}
    w.register_post_accumulate_grad_hook(lambda t, held=holder: None)
    ref = weakref.ref(w)
    assert len(backward_hooks.POST_ACCUMULATE) == 1
    del w, holder
    gc.collect()
    assert ref() is None
    assert backward_hooks.POST_ACCUMULATE == {}


def _listed(t):
    return None if t is None else t.tolist()


def _leaf_stops_requiring_grad_run(lib, hooks, prior):
    a = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
    b = lib.tensor([3.0, 4.0], dtype=lib.float64, requires_grad=True)
    if prior:
        (a * 10.0).sum().backward()
    log = []
    a.register_hook(lambda g: log.append(("hook", _listed(g))))
    y = (a * b).sum()
    if "node" in hooks:
        acc = y.grad_fn.next_functions[0][0].next_functions[0][0]
        acc.register_prehook(lambda go: log.append(("node pre", _listed(go[0]), _listed(a.grad))))
        acc.register_hook(lambda gi, go: log.append(("node post", gi, _listed(go[0]), _listed(a.grad))))
    if "post" in hooks:   # minigrad delivers a as soon as its gradient is final (engine._deliver_during_walk)
        a.register_post_accumulate_grad_hook(lambda t: log.append(("post", _listed(t.grad), t.requires_grad)))
    a.requires_grad_(False)
    y.backward()
    return log, _listed(a.grad), _listed(b.grad)


@pytest.mark.parametrize("prior", [False, True])
@pytest.mark.parametrize("hooks", ["tensor", "tensor, node", "tensor, post"])
def test_a_leaf_that_stops_requiring_grad_before_backward_runs_its_hooks_but_keeps_its_grad_as_torchs(hooks, prior):
    # requires_grad_(False) between the forward and backward(): the graph still sends the leaf its gradient, and
    # torch's AccumulateGrad node runs its hooks and adds nothing into .grad; minigrad's skipped the leaf, hooks too
    ours, theirs = _leaf_stops_requiring_grad_run(mg, hooks, prior), _leaf_stops_requiring_grad_run(torch, hooks, prior)
    assert ours == theirs
    kept = [10.0, 10.0] if prior else None
    assert ours[1:] == (kept, [1.0, 2.0])
    assert ours[0] == {"tensor": [("hook", [3.0, 4.0])],
                       "tensor, node": [("hook", [3.0, 4.0]), ("node pre", [3.0, 4.0], kept),
                                        ("node post", (), [3.0, 4.0], kept)],
                       "tensor, post": [("hook", [3.0, 4.0]), ("post", kept, False)]}[hooks]


def test_grad_and_backward_inputs_leave_a_leaf_that_stopped_requiring_grad_alone_as_torchs():
    # torch's grad runs only the AccumulateGrad nodes of what it captures: the leaf's hooks do not run
    for lib, grad in ((mg, mg.grad), (torch, torch.autograd.grad)):
        a = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        b = lib.tensor([3.0, 4.0], dtype=lib.float64, requires_grad=True)
        log = []
        a.register_hook(lambda g: log.append("hook"))
        handle = a.register_post_accumulate_grad_hook(lambda t: log.append("post"))
        y = (a * b).sum()
        a.requires_grad_(False)
        with pytest.raises(RuntimeError, match="does not require grad"):
            grad(y, [a], retain_graph=True)
        (gb,) = grad(y, [b], retain_graph=True)
        y.backward(inputs=[b])
        handle.remove()
        assert (gb.tolist(), b.grad.tolist(), a.grad, log) == ([1.0, 2.0], [1.0, 2.0], None, []), lib.__name__
