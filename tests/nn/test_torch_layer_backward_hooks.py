"""Layer backward hooks (register_full_backward_hook / _pre_hook) against torch.nn.Module's: what the hooks see,
when they run, and what replacing a gradient does."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from torch_agreement import TOL

torch = pytest.importorskip("torch")
RNG = np.random.default_rng(0)


def _linear_pair():
    ours, theirs = nn.Linear(3, 2, dtype="float64"), torch.nn.Linear(3, 2, dtype=torch.float64)
    ours.weight.data[...] = theirs.weight.detach().numpy().T
    ours.bias.data[...] = theirs.bias.detach().numpy()
    return ours, theirs


def _shapes(grads):
    return [None if g is None else tuple(g.shape) for g in grads]


@pytest.mark.parametrize("input_grad", [True, False])
def test_hooks_see_the_same_gradients_and_replace_them_as_torch(input_grad):
    x = RNG.standard_normal((4, 3))
    g = RNG.standard_normal((4, 2))
    seen = {}
    for lib, layer in zip(("mg", "torch"), _linear_pair()):
        log = seen[lib] = {}

        def pre(module, grad_output, log=log):
            log["pre"] = [np.array(t.detach().numpy() if lib == "torch" else t.numpy()) for t in grad_output]
            return (grad_output[0] * 3.0,)

        def hook(module, grad_input, grad_output, log=log):
            log["order"] = "pre" in log
            log["in"] = _shapes(grad_input)
            log["out"] = [np.array(t.detach().numpy() if lib == "torch" else t.numpy()) for t in grad_output]
            return None if grad_input[0] is None else (grad_input[0] * 2.0,)

        layer.register_full_backward_pre_hook(pre)
        handle = layer.register_full_backward_hook(hook)
        mod = mg if lib == "mg" else torch
        xt = mod.tensor(x, dtype=mod.float64, requires_grad=input_grad)
        y = layer(xt)
        y.backward(mod.tensor(g, dtype=mod.float64))
        log["x_grad"] = None if xt.grad is None else xt.grad.numpy()
        log["w_grad"] = layer.weight.grad.numpy()
        handle.remove()
    ours, theirs = seen["mg"], seen["torch"]
    assert ours["order"] and theirs["order"] and ours["in"] == theirs["in"]
    np.testing.assert_allclose(ours["pre"][0], theirs["pre"][0], **TOL["float64"])
    np.testing.assert_allclose(ours["out"][0], theirs["out"][0], **TOL["float64"])   # after the pre-hook's x3
    np.testing.assert_allclose(ours["w_grad"], theirs["w_grad"].T, **TOL["float64"])
    if input_grad:
        np.testing.assert_allclose(ours["x_grad"], theirs["x_grad"], **TOL["float64"])   # x2 and x3 applied
    else:
        assert ours["x_grad"] is None and theirs["x_grad"] is None and ours["in"] == [None]


def test_a_layer_with_two_inputs_gets_both_input_gradients():
    class Mix(nn.Module):
        def forward(self, a, b):
            return a * b, a + b

    mix, seen = Mix(), {}
    mix.register_full_backward_hook(lambda m, gi, go: seen.update(gi=_shapes(gi), go=_shapes(go)))
    a, b = mg.ones(2, requires_grad=True), mg.full((2,), 3.0, requires_grad=True)
    p, s = mix(a, b)
    (p.sum() + 2 * s.sum()).backward()
    assert seen == {"gi": [(2,), (2,)], "go": [(2,), (2,)]}
    assert a.grad.tolist() == [5.0, 5.0] and b.grad.tolist() == [3.0, 3.0]


def _seen_grad_input(lib, args, replace):
    """What a full backward hook of a two-argument layer sees as grad_input (None, or an input gradient's values),
    and the gradients of the positional tensors that require grad after it returns ``replace(grad_input)``."""
    mod = mg if lib == "mg" else torch

    class Mix((nn.Module if lib == "mg" else torch.nn.Module)):
        def __init__(self):
            super().__init__()
            self.w = (nn.Parameter if lib == "mg" else torch.nn.Parameter)(mod.tensor([1.0, -2.0], dtype=mod.float64))

        def forward(self, a, b, c=None):
            return a * b * self.w

    seen = []

    def hook(m, gi, go):
        seen.extend(None if g is None else g.detach().numpy().tolist() for g in gi)
        return replace(gi)

    mix = Mix()
    mix.register_full_backward_hook(hook)
    made = [mod.tensor(v, dtype=mod.float64, requires_grad=rg) if isinstance(v, list) else v for v, rg in args]
    mix(*made).sum().backward()
    return seen, [t.grad.numpy().tolist() for t in made if getattr(t, "requires_grad", False)]


@pytest.mark.parametrize("args", [
    [([1.0, 2.0], True), ([3.0, 4.0], False)],     # one entry per positional argument: zeros for b, as torch's
    [([1.0, 2.0], False), ([3.0, 4.0], True)],
    [([1.0, 2.0], True), (2.0, None)],             # a number: None
    [([1.0, 2.0], False), ([3.0, 4.0], False), (3, None)],   # no input requires grad: all None
])
def test_grad_input_has_one_entry_per_positional_argument_as_torch(args):
    keep = lambda gi: None
    assert _seen_grad_input("mg", args, keep) == _seen_grad_input("torch", args, keep)
    double = lambda gi: tuple(None if g is None else g * 2.0 for g in gi)   # torch's hooks return one per entry
    assert _seen_grad_input("mg", args, double) == _seen_grad_input("torch", args, double)


def test_removed_hooks_do_not_run_and_bad_replacements_are_refused():
    layer = nn.Linear(2, 2)
    calls = []
    handle = layer.register_full_backward_hook(lambda m, gi, go: calls.append(1))
    handle.remove()
    layer(mg.ones(1, 2, requires_grad=True)).sum().backward()
    assert calls == []
    layer.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
    with pytest.raises(RuntimeError, match="^Linear: a backward hook returned 2 gradients for 1$"):
        layer(mg.ones(1, 2, requires_grad=True)).sum().backward()


def test_hooks_work_when_the_backward_is_recorded():
    layer = nn.Linear(2, 1, dtype="float64")
    layer.register_full_backward_hook(lambda m, gi, go: (gi[0] * gi[0],))
    x = mg.tensor([[1.0, 2.0]], dtype="float64", requires_grad=True)
    (gx,) = mg.grad(layer(x).sum(), [x], create_graph=True)
    w = layer.weight.numpy()[:, 0]
    np.testing.assert_allclose(gx.numpy()[0], w * w)
    gx.sum().backward()   # d/dW of sum(w_i^2) = 2 w
    np.testing.assert_allclose(layer.weight.grad.numpy()[:, 0], 2 * w)


def test_a_layer_with_backward_hooks_exports_to_onnx_as_without():
    onnxruntime = pytest.importorskip("onnxruntime")
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    model[1].register_full_backward_hook(lambda m, gi, go: None)
    x = mg.randn(5, 3)
    path = __import__("tempfile").mkdtemp() + "/hooked.onnx"
    mg.onnx.export(model, (x,), path)
    session = onnxruntime.InferenceSession(path)
    (got,) = session.run(None, {session.get_inputs()[0].name: x.numpy()})
    np.testing.assert_allclose(got, model(x).numpy(), rtol=1e-5, atol=1e-6)


def test_hooked_layers_in_a_sequential_are_never_fused_and_run_as_torchs():
    order = {}
    for lib in (mg, torch):
        log = order[lib.__name__] = []
        seq = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.ReLU(), lib.nn.Linear(3, 1))
        seq[0].register_forward_pre_hook(lambda m, i, log=log: log.append("pre0"))
        seq[0].register_full_backward_hook(lambda m, gi, go, log=log: log.append("bwd0"))
        seq[1].register_full_backward_hook(lambda m, gi, go, log=log: log.append("bwd1"))
        seq(lib.ones(4, 2, requires_grad=True)).sum().backward()
    assert order["minigrad"] == order["torch"] == ["pre0", "bwd1", "bwd0"]


class _PairAndTensor(nn.Module):
    """Returns (y, (2y, 3y), "tag"): a nested tuple and a non-Tensor beside a Tensor, as an LSTM's (out, (h, c))."""

    def forward(self, x):
        y = x * 1.5
        return y, (y * 2.0, y * 3.0), "tag"


class _TorchPairAndTensor(torch.nn.Module):
    def forward(self, x):
        y = x * 1.5
        return y, (y * 2.0, y * 3.0), "tag"


def test_an_output_tuple_holding_a_tuple_gives_grad_output_per_entry_as_torch():
    # An output with a nested tuple was not routed at all: the hooks got grad_output None (hook(m, gi, go[0])
    # failed) and a pre-hook never ran; torch routes the tuple's own Tensors and puts None for the rest.
    x = RNG.standard_normal((2, 3))
    seen = {}
    for lib, layer in (("mg", _PairAndTensor()), ("torch", _TorchPairAndTensor())):
        L = mg if lib == "mg" else torch
        log = []
        layer.register_full_backward_pre_hook(lambda m, go: log.append(("pre", _shapes(go))) or (go[0] * 10.0,) + go[1:])
        layer.register_full_backward_hook(lambda m, gi, go: log.append(("hook", _shapes(gi), _shapes(go),
                                                                        go[0].numpy().tolist())))
        xi = L.tensor(x, dtype=L.float64, requires_grad=True)
        y, (a, b), tag = layer(xi)
        (y.sum() + a.sum() + b.sum()).backward()
        seen[lib] = (log, xi.grad.numpy().tolist(), tag)
    assert seen["mg"] == seen["torch"]
    assert seen["mg"][0][0] == ("pre", [(2, 3), None, None])


def test_an_lstms_backward_hook_sees_the_output_gradient_as_torch():
    x = RNG.standard_normal((2, 5, 3))
    ours, theirs = nn.LSTM(3, 4, batch_first=True), torch.nn.LSTM(3, 4, batch_first=True)
    seen = {}
    for lib, layer in (("mg", ours), ("torch", theirs)):
        L = mg if lib == "mg" else torch
        log = []
        layer.register_full_backward_hook(lambda m, gi, go: log.append((_shapes(gi), _shapes(go))))
        out, (h, c) = layer(L.tensor(x, dtype=L.float32, requires_grad=True))
        (out.sum() + h.sum()).backward()
        seen[lib] = log
    assert seen["mg"] == seen["torch"] == [([(2, 5, 3)], [(2, 5, 4), None])]


class _ThreeOutputs(nn.Layer):
    def forward(self, a, b, c):
        return a * a, b * 3.0, a + c


class _TorchThreeOutputs(torch.nn.Module):
    def forward(self, a, b, c):
        return a * a, b * 3.0, a + c


def _values(grads):
    return tuple(None if g is None else g.detach().numpy().tolist() for g in grads)


def _three_outputs_log(lib, b_requires_grad, loss):
    """What the hooks of a three-output layer see on one backward of ``loss(y1, y2, y3)``, and y2.requires_grad."""
    L = mg if lib == "mg" else torch
    layer = _ThreeOutputs() if lib == "mg" else _TorchThreeOutputs()
    log = []
    layer.register_full_backward_pre_hook(lambda m, go: log.append(("pre", _values(go))))
    layer.register_full_backward_hook(lambda m, gi, go: log.append(("hook", _values(gi), _values(go))))
    a = L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True)
    b = L.tensor([3.0, 4.0], dtype=L.float64, requires_grad=b_requires_grad)
    c = L.tensor([5.0, 6.0], dtype=L.float64)
    y1, y2, y3 = layer(a, b, c)
    loss(y1, y2, y3).backward()
    return log, y2.requires_grad


@pytest.mark.parametrize("b_requires_grad, loss", [
    (True, lambda y1, y2, y3: y1.sum()),                   # y2, y3 get no gradient: None, where zeros were given
    (True, lambda y1, y2, y3: (y3 * y3).sum()),
    (False, lambda y1, y2, y3: y2.sum() + y3.sum()),       # y2 needs no gradient: it stays so, its entry None
    (True, lambda y1, y2, y3: y1.sum() + y2.sum()),
], ids=["only y1", "only y3", "y2 without grad", "y1 and y2"])
def test_grad_output_is_none_for_an_output_no_gradient_reached_as_torch(b_requires_grad, loss):
    ours, theirs = _three_outputs_log("mg", b_requires_grad, loss), _three_outputs_log("torch", b_requires_grad, loss)
    assert ours == theirs
    assert len(ours[0]) == 2 and ours[1] is b_requires_grad


def test_full_backward_hooks_do_not_run_on_a_double_backward_that_skips_the_outputs_as_torch():
    """The second pass reaches the inputs through the first pass's gradient, not through the layer's outputs;
    torch's hooks skip it, minigrad's ran again with the first pass's grad_output."""
    seen = {}
    for lib in ("mg", "torch"):
        L = mg if lib == "mg" else torch
        layer = _ThreeOutputs() if lib == "mg" else _TorchThreeOutputs()
        log = []
        layer.register_full_backward_hook(lambda m, gi, go: log.append((_values(gi), _values(go))))
        a = L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True)
        y1, _, _ = layer(a, L.tensor([3.0, 4.0], dtype=L.float64), L.tensor([5.0, 6.0], dtype=L.float64))
        (g,) = L.autograd.grad(y1.sum(), [a], create_graph=True)
        first = list(log)
        g.sum().backward()
        seen[lib] = (first, log[len(first):], a.grad.numpy().tolist())
    assert seen["mg"] == seen["torch"]
    assert seen["mg"][1] == [] and len(seen["mg"][0]) == 1



def test_gradients_a_hook_keeps_stay_as_they_were_after_later_backwards_as_torch():
    # x + b: Add sends its output gradient on unchanged to x and to the leaf b. The hooks saw that very array, and it
    # became b's first .grad, which the next backward adds into in place: a kept grad_output[0] (and grad_input[0])
    # read [2, 4, 6] after a second backward, where torch's stays [1, 2, 3].
    kept = []
    for lib in ("mg", "torch"):
        T, Module = (mg.tensor, nn.Module) if lib == "mg" else (torch.tensor, torch.nn.Module)
        module = type("Shift", (Module,), {"forward": lambda self, x: x + self.b})()
        module.b = (nn.Parameter if lib == "mg" else torch.nn.Parameter)(T([0.0, 0.0, 0.0]))
        x = T([1.0, -1.0, 2.0], requires_grad=True)
        seen = []
        module.register_full_backward_pre_hook(lambda m, go: seen.append(go[0]))
        module.register_full_backward_hook(lambda m, gi, go: seen.extend([gi[0], go[0]]))
        for _ in range(2):
            (module(x) * T([1.0, 2.0, 3.0])).sum().backward()
        kept.append([np.array(g.detach().numpy()) for g in seen + [x.grad, module.b.grad]])
    for ours, theirs in zip(*kept):
        np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(kept[0][0], [1.0, 2.0, 3.0])


def test_global_full_backward_hooks_run_for_every_layer_before_its_own_as_torch():
    # torch.nn.modules.module.register_module_full_backward_hook / _pre_hook (minigrad.nn's were missing).
    results = []
    for lib, register in (("mg", nn), ("torch", torch.nn.modules.module)):
        T = mg.tensor if lib == "mg" else torch.tensor
        model = (nn if lib == "mg" else torch.nn).Sequential(
            (nn if lib == "mg" else torch.nn).Tanh(), (nn if lib == "mg" else torch.nn).Sigmoid())
        x = T([1.0, -1.0, 2.0], requires_grad=True)
        seen = []
        model[1].register_full_backward_pre_hook(lambda m, go: seen.append(("own pre", np.array(go[0].numpy()))))
        model[1].register_full_backward_hook(lambda m, gi, go: seen.append(("own", np.array(gi[0].numpy()))))
        handles = [register.register_module_full_backward_pre_hook(
                       lambda m, go: seen.append((type(m).__name__ + " pre", np.array(go[0].numpy())))),
                   register.register_module_full_backward_hook(
                       lambda m, gi, go: (gi[0] * 10,) if type(m).__name__ == "Sigmoid" else None)]
        try:
            (model(x) * T([1.0, 2.0, 3.0])).sum().backward()
        finally:
            for handle in handles:
                handle.remove()
        (model(x) * T([1.0, 2.0, 3.0])).sum().backward()   # removed: no more entries, no scaling
        results.append((seen, x.grad.numpy().copy()))
    (ours, our_grad), (theirs, their_grad) = results
    assert [name for name, _ in ours] == [name for name, _ in theirs] == [
        "Sequential pre", "Sigmoid pre", "own pre", "own", "Tanh pre", "own pre", "own"]
    for (_, a), (_, b) in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(our_grad, their_grad, rtol=1e-6)


def test_the_hooks_of_a_call_are_those_registered_when_it_ran_as_torch():
    # torch's call reads its backward hooks when it runs: a hook removed before the backward (the handle's `with`
    # block ended after the forward) still runs, and one added after the forward does not. Read at backward time,
    # x.grad here was [1, 2, 3] (the removed hook's x10 lost) where torch's is [10, 20, 30].
    results = []
    for lib in ("mg", "torch"):
        T, Module = (mg.tensor, nn.Module) if lib == "mg" else (torch.tensor, torch.nn.Module)
        layer = type("Scale", (Module,), {"forward": lambda self, x: x * self.w})()
        layer.w = (nn.Parameter if lib == "mg" else torch.nn.Parameter)(T([1.0, 2.0, 3.0]))
        x = T([1.0, -1.0, 2.0], requires_grad=True)
        seen = []
        with layer.register_full_backward_hook(lambda m, gi, go: (gi[0] * 10,)):
            with layer.register_full_backward_pre_hook(lambda m, go: seen.append("pre")):
                out = layer(x)
        layer.register_full_backward_hook(lambda m, gi, go: seen.append("added later"))
        out.sum().backward()
        results.append((seen, x.grad.numpy().copy()))
    assert results[0][0] == results[1][0] == ["pre"]
    np.testing.assert_array_equal(results[0][1], results[1][1])
    np.testing.assert_array_equal(results[0][1], [10.0, 20.0, 30.0])
