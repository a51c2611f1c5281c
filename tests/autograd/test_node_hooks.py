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


def _grad(lib):
    return mg.grad if lib is mg else torch.autograd.grad


def _dropping_run(lib, other_path):
    x, c = _tensor(lib, [1.0, 2.0]), _tensor(lib, [3.0, -1.0], requires_grad=False)
    y = x * c
    log = []
    y.grad_fn.register_prehook(lambda go: log.append(("pre", _listed(go))) or (None,))
    y.grad_fn.register_hook(lambda gi, go: log.append(("post", _listed(gi), _listed(go))))
    z = y * 2.0 + (x * 5.0 if other_path else 0.0)
    z.sum().backward()
    return log, None if x.grad is None else x.grad.tolist()


@pytest.mark.parametrize("other_path", [False, True])
def test_a_prehook_returning_none_drops_the_nodes_gradient_as_torchs(other_path):
    # the None was handed to Mul's backward as the gradient: TypeError: unsupported operand type(s) for *
    ours, theirs = _dropping_run(mg, other_path), _dropping_run(torch, other_path)
    assert ours == theirs
    assert ours == ([("pre", [[2.0, 2.0]]), ("post", [None, None], [None])], [5.0, 5.0] if other_path else None)


def test_a_prehook_returning_none_in_grad_as_torchs():
    for lib in (mg, torch):
        for kwargs, expected in [({}, [None]), ({"materialize_grads": True}, [[0.0, 0.0]]),
                                 ({"create_graph": True}, [None])]:
            x = _tensor(lib, [1.0, 2.0])
            y = x * 3.0
            y.grad_fn.register_prehook(lambda go: (None,))
            grads = _grad(lib)((y * 2.0).sum(), x, allow_unused=True, **kwargs)
            assert _listed(grads) == expected, (lib.__name__, kwargs)


@pytest.mark.parametrize("returned", ["none, none", "none, grad"])
def test_a_prehook_returning_none_on_a_multi_output_node_as_torchs(returned):
    # every output's gradient dropped: torch's node sends none (minigrad's filled zeros and x.grad was [0, 0])
    def run(lib):
        x = _tensor(lib, [1.0, 2.0])
        a, b = (x * 1.0).split(1)
        log = []
        a.grad_fn.register_prehook(lambda go: (None, None if returned == "none, none" else go[1]))
        a.grad_fn.register_hook(lambda gi, go: log.append((_listed(gi), _listed(go))))
        (a * 2.0 + b * 3.0).sum().backward()
        return log, None if x.grad is None else x.grad.tolist()

    ours, theirs = run(mg), run(torch)
    assert ours == theirs
    assert ours == (([([None], [None, None])], None) if returned == "none, none"
                    else ([([[0.0, 3.0]], [None, [3.0]])], [0.0, 3.0]))


def _noting_function(lib, materialize, seen, backward):
    """A custom Function of ``lib`` (minigrad or torch): forward x * 2, with ``set_materialize_grads(materialize)``;
    its backward notes the gradient it is given in ``seen`` and returns ``backward(g)``."""
    class Noting(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(materialize)
            return x * 2.0

        @staticmethod
        def backward(ctx, g):
            seen.append(_listed([g]))
            return backward(g)

    return Noting


@pytest.mark.parametrize("materialize", [True, False])
def test_a_prehook_returning_none_on_a_custom_function_as_torchs(materialize):
    # a custom Function's backward still runs: with zeros, or with None under set_materialize_grads(False)
    def run(lib):
        seen = []
        x = _tensor(lib, [1.0, 2.0])
        y = _noting_function(lib, materialize, seen, lambda g: None if g is None else g * 2.0).apply(x)
        y.grad_fn.register_prehook(lambda go: (None,))
        (y * 2.0).sum().backward()
        return seen, _listed([x.grad])

    ours, theirs = run(mg), run(torch)
    assert ours == theirs
    assert ours == (([[[0.0, 0.0]]], [[0.0, 0.0]]) if materialize else ([[None]], [None]))


def test_a_post_hook_returning_none_for_an_input_drops_its_gradient_as_torchs():
    for lib in (mg, torch):
        x, w = _tensor(lib, [1.0, 2.0]), _tensor(lib, [3.0, 4.0])
        y = x * w
        y.grad_fn.register_hook(lambda gi, go: (None, gi[1]))
        (y * 2.0).sum().backward()
        assert x.grad is None and w.grad.tolist() == [2.0, 4.0]


@pytest.mark.parametrize("kind", ["prehook", "hook"])
def test_a_node_hook_cannot_replace_a_none_gradient_with_a_value_as_torch(kind):
    # minigrad used a prehook's value for an output no gradient reached (x.grad [2, 7]) and dropped a post hook's
    # for an input that needs none, where torch refuses both
    for lib in (mg, torch):
        x, c = _tensor(lib, [1.0, 2.0]), _tensor(lib, [3.0, 4.0], requires_grad=False)
        if kind == "prehook":
            a, b = (x * 1.0).split(1)
            a.grad_fn.register_prehook(lambda go: (go[0], lib.ones(1, dtype=lib.float64)))
            loss = (a * 2.0).sum()
        else:
            y = x * c
            y.grad_fn.register_hook(lambda gi, go: (gi[0], lib.ones(2, dtype=lib.float64)))
            loss = y.sum()
        with pytest.raises(RuntimeError, match="can't replace a None gradient with a"):
            loss.backward()
    # minigrad's names the node and the entry
    with pytest.raises(RuntimeError, match=r"^Mul: a node hook returned a gradient for entry 1 of the tuple"):
        x = _tensor(mg, [1.0, 2.0])
        y = x * _tensor(mg, [3.0, 4.0], requires_grad=False)
        y.grad_fn.register_hook(lambda gi, go: (gi[0], mg.ones(2, dtype=mg.float64)))
        y.sum().backward()


def test_an_accumulate_grad_prehook_returning_none_drops_the_leafs_gradient_as_torchs():
    # the (None,) read as "keep the gradient": p.grad [3, 3] (added into an existing .grad: [8, 8]) where torch's
    # adds nothing; its post hooks still run, and see None
    def run(lib, existing):
        p = _tensor(lib, [1.0, 2.0])
        if existing:
            p.grad = lib.tensor([5.0, 5.0], dtype=lib.float64)
        acc = p.expand_as(p).grad_fn.next_functions[0][0]
        log = []
        acc.register_hook(lambda gi, go: log.append(("acc post", gi, _listed(go))))
        acc.register_prehook(lambda go: log.append(("pre", _listed(go))) or (None,))
        acc.register_prehook(lambda go: log.append(("pre after", _listed(go))))
        p.register_post_accumulate_grad_hook(lambda t: log.append(("post-accumulate", _listed([t.grad]))))
        (p * 3.0).sum().backward()
        return log, _listed([p.grad])

    for existing in (False, True):
        ours, theirs = run(mg, existing), run(torch, existing)
        assert ours == theirs
        grad = [[5.0, 5.0]] if existing else [None]
        assert ours == ([("pre", [[3.0, 3.0]]), ("pre after", [None]), ("post-accumulate", grad),
                         ("acc post", (), [None])], grad)


def test_an_accumulate_grad_prehook_runs_after_the_leafs_tensor_hooks_and_not_in_grad_as_torchs():
    # it ran among the tensor hooks in the order registered, and inside minigrad.grad too: grad gave [30, 30]
    def run(lib):
        p = _tensor(lib, [1.0, 2.0])
        acc = p.expand_as(p).grad_fn.next_functions[0][0]
        log = []
        acc.register_prehook(lambda go: log.append(("node pre", _listed(go))) or (go[0] * 10.0,))
        p.register_hook(lambda g: log.append(("tensor", g.tolist())) or g + 1.0)
        (g,) = _grad(lib)((p * 3.0).sum(), p)
        (p * 3.0).sum().backward()
        return log, g.tolist(), p.grad.tolist()

    ours, theirs = run(mg), run(torch)
    assert ours == theirs
    assert ours == ([("tensor", [3.0, 3.0]), ("tensor", [3.0, 3.0]), ("node pre", [[4.0, 4.0]])],
                    [4.0, 4.0], [40.0, 40.0])


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("drop", [False, True])
def test_backward_with_inputs_runs_the_accumulate_grad_hooks_as_torchs(drop, create_graph):
    # backward(inputs=...) goes through grad's capture, which skips these hooks; they were skipped here too:
    # p.grad [3, 3] where torch's is [30, 30] (or None under a dropping prehook), and the post hook saw None
    def run(lib):
        p = _tensor(lib, [1.0, 2.0])
        acc = p.expand_as(p).grad_fn.next_functions[0][0]
        log = []
        held = lib.tensor([30.0, 30.0], dtype=lib.float64)   # the hook's owner keeps the tensor it returns
        acc.register_prehook((lambda go: (None,)) if drop else (lambda go: (held,)))
        acc.register_prehook(lambda go: log.append(("pre after", _listed(go))))
        acc.register_hook(lambda gi, go: log.append(("acc post", gi, _listed(go))))
        p.register_post_accumulate_grad_hook(lambda t: log.append(("post-accumulate", _listed([t.grad]))))
        (p * 3.0).sum().backward(inputs=[p], create_graph=create_graph)
        grad = _listed([p.grad])
        if not drop and not create_graph:   # .grad is a copy the leaf owns: a later backward adds into it in place
            p.grad.zero_()
            assert held.tolist() == [30.0, 30.0]
        return log, grad

    ours, theirs = run(mg), run(torch)
    assert ours == theirs
    grad = [None] if drop else [[30.0, 30.0]]
    assert ours == ([("pre after", grad), ("post-accumulate", grad), ("acc post", (), grad)], grad)


def _dropped_upstream_run(lib, hook_result=None):
    # y = x * 2 with every hook torch has on y and on x; z = y * 3, whose pre-hook drops z's gradient
    x = _tensor(lib, [1.0, 2.0])
    log = []
    x.register_hook(lambda g: log.append(("x", _listed([g]))) or hook_result)
    acc = x.expand_as(x).grad_fn.next_functions[0][0]
    acc.register_prehook(lambda go: log.append(("acc pre", _listed(go))))
    acc.register_hook(lambda gi, go: log.append(("acc post", gi, _listed(go))))
    x.register_post_accumulate_grad_hook(lambda t: log.append(("post-accumulate", _listed([t.grad]))))
    y = x * 2.0
    y.retain_grad()
    y.register_hook(lambda g: log.append(("y", _listed([g]))) or hook_result)
    y.grad_fn.register_prehook(lambda go: log.append(("y pre", _listed(go))))
    y.grad_fn.register_hook(lambda gi, go: log.append(("y post", _listed(gi), _listed(go))))
    z = y * 3.0
    z.grad_fn.register_prehook(lambda go: (None,))
    return x, y, z, log


def test_the_hooks_upstream_of_a_node_whose_prehook_dropped_every_gradient_run_with_none_as_torchs():
    # minigrad skipped every node no gradient reached, hooks and all, where torch runs them with None
    def run(lib):
        x, y, z, log = _dropped_upstream_run(lib)
        z.sum().backward()
        return log, _listed([x.grad, y.grad])

    ours, theirs = run(mg), run(torch)
    assert ours == theirs
    assert ours == ([("y", [None]), ("y pre", [None]), ("y post", [None, None], [None]), ("x", [None]),
                     ("acc pre", [None]), ("post-accumulate", [None]), ("acc post", (), [None])], [None, None])


@pytest.mark.parametrize("kwargs", [{}, {"materialize_grads": True}])
def test_the_hooks_upstream_of_a_dropped_gradient_run_with_none_in_grad_as_torchs(kwargs):
    def run(lib):
        x, y, z, log = _dropped_upstream_run(lib)
        grads = _grad(lib)(z.sum(), [x, y], allow_unused=True, **kwargs)
        return log, _listed(grads)

    ours, theirs = run(mg), run(torch)
    assert ours == theirs
    assert ours == ([("y", [None]), ("y pre", [None]), ("y post", [None, None], [None]), ("x", [None])],
                    [[0.0, 0.0]] * 2 if kwargs else [None, None])


@pytest.mark.parametrize("hooked", ["x", "y"])
def test_a_hook_given_none_cannot_return_a_gradient_as_torch(hooked):
    for lib in (mg, torch):
        x = _tensor(lib, [1.0, 2.0])
        y = x * 2.0
        (x if hooked == "x" else y).register_hook(lambda g: lib.ones(2, dtype=lib.float64))
        z = y * 3.0
        z.grad_fn.register_prehook(lambda go: (None,))
        with pytest.raises(RuntimeError, match="can't replace a None gradient with a non-None value"):
            z.sum().backward()


@pytest.mark.parametrize("dropped", ["every output", "one output"])
def test_the_tensor_hooks_of_a_multi_output_nodes_outputs_run_with_none_as_torchs(dropped):
    # a split's output that no gradient reached: its hook did not run (torch's runs with None)
    def run(lib):
        x = _tensor(lib, [1.0, 2.0, 3.0, 4.0])
        a, b = (x * 2.0).split(2)
        log = []
        a.register_hook(lambda g: log.append(("a", _listed([g]))))
        b.register_hook(lambda g: log.append(("b", _listed([g]))))
        a.grad_fn.register_prehook(lambda go: log.append(("split pre", _listed(go))))
        if dropped == "every output":
            z = a * b
            z.grad_fn.register_prehook(lambda go: (None,))
            z.sum().backward()
        else:
            z = a * 3.0
            z.grad_fn.register_prehook(lambda go: (None,))
            (z.sum() + b.sum()).backward()
        return log, _listed([x.grad])

    ours, theirs = run(mg), run(torch)
    assert ours == theirs
    assert ours == (([("a", [None]), ("b", [None]), ("split pre", [None, None])], [None]) if dropped == "every output"
                    else ([("a", [None]), ("b", [[1.0, 1.0]]), ("split pre", [None, [1.0, 1.0]])],
                          [[0.0, 0.0, 2.0, 2.0]]))


@pytest.mark.parametrize("materialize", [True, False])
def test_a_custom_function_upstream_of_a_dropped_gradient_runs_as_torchs(materialize):
    # it was skipped: x.grad None where torch's backward gets zeros (set_materialize_grads(False): None) and what it
    # returns goes on
    def run(lib):
        seen = []
        x = _tensor(lib, [1.0, 2.0])
        z = _noting_function(lib, materialize, seen, lambda g: None if g is None else g + 1.0).apply(x) * 3.0
        z.grad_fn.register_prehook(lambda go: (None,))
        z.sum().backward()
        return seen, _listed([x.grad])

    ours, theirs = run(mg), run(torch)
    assert ours == theirs
    assert ours == (([[[0.0, 0.0]]], [[1.0, 1.0]]) if materialize else ([[None]], [None]))


def test_the_hooks_upstream_of_a_custom_function_that_returned_none_run_with_none_as_torchs():
    def run(lib):
        class Blocked(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2.0

            @staticmethod
            def backward(ctx, g):
                return None

        x = _tensor(lib, [1.0, 2.0])
        y = x * 2.0
        log = []
        y.register_hook(lambda g: log.append(("y", _listed([g]))))
        y.grad_fn.register_prehook(lambda go: log.append(("y pre", _listed(go))))
        Blocked.apply(y).sum().backward()
        return log, _listed([x.grad])

    ours, theirs = run(mg), run(torch)
    assert ours == theirs
    assert ours == ([("y", [None]), ("y pre", [None])], [None])


@pytest.mark.parametrize("anomaly", [False, True])
def test_a_leafs_hooks_run_with_none_when_a_custom_function_returns_none_without_hooks_on_its_node(anomaly):
    # the unhooked node took the fast path, which sent no None on: the leaf's hooks ran only in anomaly mode
    def run(lib):
        log = []
        x = _tensor(lib, [1.0, 2.0])
        x.register_hook(lambda g: log.append(("x", _listed([g]))))
        x.register_post_accumulate_grad_hook(lambda t: log.append(("post-accumulate", _listed([t.grad]))))
        y = _noting_function(lib, True, [], lambda g: None).apply(x)
        with lib.autograd.set_detect_anomaly(anomaly):
            (y * 3.0).sum().backward()
        return log, _listed([x.grad])

    ours, theirs = run(mg), run(torch)
    assert ours == theirs
    assert ours == ([("x", [None]), ("post-accumulate", [None])], [None])
