"""torch's hooks on graph nodes, ``grad_fn.register_prehook(hook(grad_outputs))`` and
``grad_fn.register_hook(hook(grad_inputs, grad_outputs))``, against torch in float64: the order with tensor hooks
and retain_grad, what they see, what a returned tuple replaces, removal, recorded passes and the errors."""
import numpy as np
import pytest
import torch

import minigrad as mg


def _tensor(lib, values, requires_grad=True):
    return lib.tensor(values, dtype=lib.float64, requires_grad=requires_grad)


def _listed(grads):
    return [None if g is None else g.detach().numpy().tolist() for g in grads]


def _hooked_run(lib):
    x, c = _tensor(lib, [1.0, 2.0]), _tensor(lib, [3.0, -1.0], requires_grad=False)
    y = x * c
    log = []
    y.grad_fn.register_prehook(lambda go: log.append(("node pre", _listed(go))) or (go[0] * 10.0,))
    y.register_hook(lambda g: log.append(("tensor", g.tolist())) or g + 1.0)
    y.retain_grad()
    y.grad_fn.register_hook(lambda gi, go: log.append(("node post", _listed(gi), _listed(go))) or (gi[0] * 3.0, None))
    (y * 3.0).sum().backward()
    return log, x.grad.tolist(), y.grad.tolist()


def test_node_hooks_run_after_the_tensor_hooks_and_replace_gradients_as_torchs():
    ours, theirs = _hooked_run(mg), _hooked_run(torch)
    assert ours == theirs
    assert ours[1] == [360.0, -120.0]   # ((3 + 1) * 10 * c) * 3


def test_a_removed_node_hook_does_not_run_and_the_hooks_follow_a_recorded_pass():
    for lib in (mg, torch):
        x = _tensor(lib, [1.0, 2.0])
        y = x.sin()
        handle = y.grad_fn.register_prehook(lambda go: (go[0] * 100.0,))
        handle.remove()
        y.grad_fn.register_hook(lambda gi, go: (gi[0] * x,))   # recorded: depends on x
        (g,) = (mg.grad if lib is mg else torch.autograd.grad)(y.sum(), x, create_graph=True)
        np.testing.assert_allclose(g.detach().numpy(), np.cos([1.0, 2.0]) * [1.0, 2.0], rtol=1e-15)
        g.sum().backward()
        expected = -np.sin([1.0, 2.0]) * [1.0, 2.0] + np.cos([1.0, 2.0])
        np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-15)


def test_a_post_hook_must_return_one_gradient_per_input():
    x = _tensor(mg, [1.0, 2.0])
    y = x * _tensor(mg, [3.0, 4.0], requires_grad=False)
    y.grad_fn.register_hook(lambda gi, go: (gi[0],))
    with pytest.raises(RuntimeError, match=r"^Mul: a node hook returned 1 gradient\(s\) for 2"):
        y.sum().backward()


@pytest.mark.parametrize("kind", ["prehook", "hook"])
def test_a_tensor_a_node_hook_returns_is_copied_as_torchs(kind):
    # a returned tensor the hook's owner held became x.grad, which the next backward added into in place
    def run(lib):
        x = _tensor(lib, [1.0, 2.0])
        fixed = lib.ones(2, dtype=lib.float64)
        y = x + 0.0 if kind == "prehook" else x.sin()   # Add hands the prehook's gradient on unchanged
        if kind == "prehook":
            y.grad_fn.register_prehook(lambda grad_outputs: (fixed,))
        else:
            y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: (fixed,))
        for _ in range(3):
            y.sum().backward(retain_graph=True)
        return x.grad.detach().numpy().copy(), fixed.numpy().copy()

    (grad, fixed), (their_grad, their_fixed) = run(mg), run(torch)
    np.testing.assert_allclose(grad, their_grad, rtol=1e-15)
    np.testing.assert_array_equal(fixed, [1.0, 1.0])
    np.testing.assert_array_equal(their_fixed, [1.0, 1.0])


def test_a_leafs_accumulate_grad_node_takes_hooks_as_torchs():
    # p.expand_as(p).grad_fn.next_functions[0][0].register_hook(...), older data-parallel code's way to learn that
    # a parameter's gradient is in .grad, was an AttributeError
    def run(lib):
        p = _tensor(lib, [1.0, 2.0])
        acc = p.expand_as(p).grad_fn.next_functions[0][0]
        seen = []
        acc.register_prehook(lambda grad_outputs: seen.append(
            ("pre", grad_outputs[0].tolist(), None if p.grad is None else p.grad.tolist())))
        handle = acc.register_hook(lambda grad_inputs, grad_outputs: seen.append(
            ("post", grad_inputs, grad_outputs[0].tolist(), p.grad.tolist())))
        for _ in range(2):
            (p * 3.0).sum().backward()
        handle.remove()
        acc.register_prehook(lambda grad_outputs: (grad_outputs[0] * 10.0,))
        (p * 3.0).sum().backward()
        return seen, p.grad.tolist()

    assert run(mg) == run(torch)
    assert run(mg)[1] == [36.0, 36.0]


def test_an_accumulate_grad_hook_returning_gradients_is_refused():
    p = _tensor(mg, [1.0, 2.0])
    acc = p.expand_as(p).grad_fn.next_functions[0][0]
    acc.register_hook(lambda grad_inputs, grad_outputs: (grad_outputs[0] * 0.0,))
    with pytest.raises(RuntimeError, match=r"AccumulateGrad: a hook returned gradients \(hook <lambda>\)"):
        (p * 3.0).sum().backward()
