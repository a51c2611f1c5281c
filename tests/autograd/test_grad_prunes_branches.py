"""minigrad.grad differentiates only the part of the graph that leads to the inputs asked for, as
torch.autograd.grad: the hooks (tensor, node, leaf) of other branches do not run, and their backward is not
computed. Seen through minigrad.autograd.functional.jvp (a double vjp), whose second pass fired the hooks of the
function's intermediates again."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import functional as mf

torch = pytest.importorskip("torch")


def counts(lib):
    """Hook calls of a branch that does not lead to ``a`` in grad(y, [a])."""
    calls = {"tensor": 0, "leaf": 0, "node": 0}
    a = lib.ones(3, dtype=lib.float64, requires_grad=True)
    b = lib.ones(3, dtype=lib.float64, requires_grad=True)
    h = b * 3
    h.register_hook(lambda g: calls.__setitem__("tensor", calls["tensor"] + 1))
    b.register_hook(lambda g: calls.__setitem__("leaf", calls["leaf"] + 1))
    h.grad_fn.register_prehook(lambda go: calls.__setitem__("node", calls["node"] + 1))
    y = (a * 2 * h).sum()   # the Mul joining the branches is on a's path; h's creator is not
    (g,) = lib.autograd.grad(y, [a])
    return calls, g


def test_grad_runs_no_hook_of_a_branch_that_does_not_lead_to_the_inputs():
    mine, g = counts(mg)
    theirs, tg = counts(torch)
    assert theirs == {"tensor": 0, "leaf": 0, "node": 0}
    assert mine == theirs
    np.testing.assert_array_equal(g.numpy(), tg.numpy())


def test_grad_runs_no_hook_of_a_leaf_it_was_not_asked_for():
    def count(lib):
        calls = [0]
        a = lib.ones(3, dtype=lib.float64, requires_grad=True)
        b = lib.ones(3, dtype=lib.float64, requires_grad=True)
        b.register_hook(lambda g: calls.__setitem__(0, calls[0] + 1))
        lib.autograd.grad((a * b).sum(), [a])
        return calls[0]
    assert count(mg) == count(torch) == 0


def test_a_branch_with_a_failing_backward_is_not_run():
    class Boom(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            raise AssertionError("backward of a branch grad does not need")

    a = mg.ones(3, dtype="float64", requires_grad=True)
    b = mg.ones(3, dtype="float64", requires_grad=True)
    (g,) = mg.grad((a * 2 + Boom.apply(b)).sum(), [a])
    assert g.numpy().tolist() == [2.0, 2.0, 2.0]


def test_jvp_runs_a_hook_inside_the_function_once_as_torch():
    def count(lib, functional):
        calls = [0]

        def f(z):
            h = z * 2
            h.register_hook(lambda g: calls.__setitem__(0, calls[0] + 1))
            return h * h
        x = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64)
        functional.jvp(f, x, lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64))
        return calls[0]
    assert count(mg, mf) == count(torch, torch.autograd.functional) == 1


def test_a_skipped_branch_with_a_node_of_several_outputs_is_dropped_whole():
    # Both outputs of the split get a gradient; the split cannot reach `a`, so grad skips it, and the gradient
    # waiting for its second output must go with it (left behind, it read as a node that never ran: a cycle).
    def run(lib):
        a = lib.arange(4, dtype=lib.float64).requires_grad_()
        w = lib.ones(4, dtype=lib.float64, requires_grad=True)
        p, q = w.split(2)
        y = (a[:2] * p).sum() + (a[2:] * q * 3).sum()
        (g,) = lib.autograd.grad(y, [a])
        return g.numpy()
    np.testing.assert_array_equal(run(mg), run(torch))
    np.testing.assert_array_equal(run(mg), [1.0, 1.0, 3.0, 3.0])
