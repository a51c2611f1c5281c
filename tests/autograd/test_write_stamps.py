"""Write stamps: in-place writes into an array a recorded graph still needs are caught at backward.

``Tensor.__setitem__`` refuses tensors that require grad, but a constant that an
op saved for its backward can still be overwritten between forward and
backward; the backward then silently uses the new values. PyTorch catches this
with a version counter on each tensor; minigrad stamps each in-place write with a
global count that graph nodes remember, and backward checks a node's inputs
only when that count has moved.
"""
import numpy as np
import pytest
import torch

import minigrad as mg


def test_overwriting_a_saved_constant_before_backward_is_an_error():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    x = mg.tensor([3.0, 4.0])          # a constant; Mul saves it for w's gradient
    y = (w * x).sum()
    x[0] = 100.0                       # allowed: x does not require grad
    with pytest.raises(RuntimeError, match=r"Mul: input 1 \(shape \(2,\)\) was modified in place"):
        y.backward()                   # it would give w.grad == [100, 4]: silently wrong


def test_writes_before_the_graph_is_built_or_to_other_tensors_are_fine():
    x = mg.tensor([3.0, 4.0])
    x[0] = 5.0                         # before the graph: the graph sees the new value
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (w * x).sum()
    other = mg.tensor([0.0, 0.0])
    other[1] = 1.0                     # a tensor the graph does not use
    y.backward()
    assert w.grad.tolist() == [5.0, 4.0]


def test_the_check_also_guards_graph_recording_backward():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    x = mg.tensor([3.0, 4.0])
    y = (w * x).sum()
    x[1] = 0.0
    with pytest.raises(RuntimeError, match="modified in place"):
        mg.grad(y, w, create_graph=True)


def test_write_stamps_are_forgotten_with_their_tensors():
    import gc

    from minigrad.autograd import write_stamps

    gc.collect()   # tensors earlier tests left in reference cycles go now, not in the middle of the count
    before = len(write_stamps._WRITTEN)
    for _ in range(50):
        t = mg.tensor([1.0, 2.0])
        t[0] = 3.0
    del t
    gc.collect()
    assert len(write_stamps._WRITTEN) == before


def test_overwriting_the_output_a_node_kept_for_backward_is_an_error():
    # exp (and the fused Linear+ReLU node, whose mask comes from its output) differentiate
    # through their saved output: writing to it under no_grad must not change the gradient silently.
    t = mg.tensor([1.0, 2.0], requires_grad=True)
    y = mg.exp(t)
    with mg.no_grad():
        y[0] = 100.0
    loss = (y * 1.0).sum()             # recorded after the write: its own input check cannot see it
    with pytest.raises(RuntimeError, match=r"Exp: its output \(shape \(2,\)\) was modified in place"):
        loss.backward()                # it would give t.grad[0] == 100 instead of e


def test_overwriting_the_output_of_a_fused_linear_relu_is_an_error():
    from minigrad import nn

    mg.manual_seed(0)
    h = nn.Network(nn.Linear(3, 6), nn.ReLU())(mg.randn(5, 3))
    with mg.no_grad():
        h[:, :3] = 0.0                 # would turn the fused node's mask off where the unfused ReLU's is on
    loss = (h * 2.0).sum()
    with pytest.raises(RuntimeError, match="AffineReLU: its output"):
        loss.backward()


@pytest.mark.parametrize("op", ["exp", "sqrt", "softmax"])
def test_the_saved_output_is_checked_after_the_output_tensor_itself_is_gone(op):
    # torch refuses all three ("modified by an inplace operation"). Here the output's Tensor is held only by the
    # node that reads it (Sum), which the first-order pass frees before it reaches the op's node: the check must
    # look at the saved array, or exp's gradient comes out as 2 * 2 e^x instead of 2 e^x.

    forward = {"exp": lambda t: t.exp(), "sqrt": lambda t: (t * t + 1).sqrt(), "softmax": lambda t: t.softmax(0)}
    x = mg.tensor([0.5, -1.0, 2.0], dtype="float64", requires_grad=True)
    y = forward[op](x * 1.0)
    y.mul_(2.0)
    loss = y.sum()
    del y
    tx = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
    ty = forward[op](tx * 1.0)
    ty.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        ty.sum().backward()
    with pytest.raises(RuntimeError, match=r"its output \(shape \(3,\)\) was modified in place"):
        loss.backward()


@pytest.mark.parametrize("read", ["getitem", "embedding"])
def test_a_node_that_reads_no_values_still_refuses_an_input_rewritten_by_a_recorded_in_place_op(read):
    # values_unread lets x[0] and embedding skip the write check after a no_grad write, but a recorded
    # x.mul_(2) made its own node x's creator: the gradient would go through the doubling ([2, 0, 0], not [1, 0, 0])
    a = mg.tensor(np.ones((3, 2), np.float32), requires_grad=True)
    x = a * 1
    y = x[0] if read == "getitem" else mg.nn.functional.embedding(mg.tensor([0]), x)
    x.mul_(2)
    with pytest.raises(RuntimeError, match=r"input 0 \(shape \(3, 2\)\) was modified in place"):
        (y * 1).sum().backward()


VALUE_FREE = {   # ops whose gradient reads none of x's values: torch saves no x for them
    "add": lambda m, x, c: x + 1.0, "sub": lambda m, x, c: c - x, "neg": lambda m, x, c: -x,
    "mul by a constant": lambda m, x, c: x * c, "divide by a constant": lambda m, x, c: x / c,
    "sum": lambda m, x, c: x.sum(1), "mean": lambda m, x, c: x.mean(), "expand": lambda m, x, c: x[:, :1].expand(3, 4),
    "cat": lambda m, x, c: m.cat([c, x]), "stack": lambda m, x, c: m.stack([x, c]), "flip": lambda m, x, c: x.flip(0),
    "roll": lambda m, x, c: x.roll(1, 0), "clone": lambda m, x, c: x.clone(), "diagonal": lambda m, x, c: x.diagonal(),
    "cumsum": lambda m, x, c: x.cumsum(1), "cast": lambda m, x, c: x.float(), "where": lambda m, x, c: m.where(c > 1, x, c),
    "tril": lambda m, x, c: x.tril(),
}   # split too, which torch refuses here for its own reason: its outputs are views of x, and x was written


@pytest.mark.parametrize("op", sorted(VALUE_FREE))
def test_an_op_whose_gradient_reads_no_values_differentiates_after_a_write_as_torch(op):
    grads = []
    for m in (mg, torch):
        x = m.tensor(np.arange(12.0).reshape(3, 4), dtype=m.float64, requires_grad=True)
        c = m.tensor(np.arange(12.0).reshape(3, 4) / 4 + 0.5, dtype=m.float64)
        y = VALUE_FREE[op](m, x, c)
        with m.no_grad():
            x.mul_(3.0)   # an optimizer step, say: the leaf keeps its place in the graph
        (y * y.detach()).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(*grads)


def test_a_product_still_refuses_when_the_other_factor_needs_the_written_value():
    # x * w: w's gradient is g x, so a write into x after the product was recorded is refused (as torch's)
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    w = mg.tensor([3.0, 4.0], requires_grad=True)
    y = (x * w).sum()
    with mg.no_grad():
        x.add_(1.0)
    with pytest.raises(RuntimeError, match=r"Mul: input 0 \(shape \(2,\)\) was modified in place"):
        y.backward()
    q = (x / w).sum()   # a / b reads a only for b's gradient
    with mg.no_grad():
        x.add_(1.0)
    with pytest.raises(RuntimeError, match=r"Div: input 0 \(shape \(2,\)\) was modified in place"):
        q.backward()


def test_detach_of_a_non_leaf_is_refused_by_a_node_that_reads_no_values():
    # y = b[0] * 3 reads none of b's values, but detach_ made b a leaf: b's gradient would stop there, not reach a
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    b = a * 2.0
    y = b[0] * 3.0
    b.detach_()
    with pytest.raises(RuntimeError, match=r"GetItem: input 0 \(shape \(2,\)\) was modified in place after the graph "
                                           r"used it \(detach_\(\) cut it from its graph\)"):
        y.backward()


INDEXED = {   # ops that keep their index for backward: torch saves it, and refuses once it is written
    "getitem": (lambda m, w, i: w[i], lambda m, w, i: w[i]),
    "index_select": (lambda m, w, i: w.index_select(0, i), lambda m, w, i: w.index_select(0, i)),
    "embedding": (lambda m, w, i: m.nn.functional.embedding(i, w[:, None])[:, 0],
                  lambda m, w, i: m.nn.functional.embedding(i, w[:, None])[:, 0]),
    "scatter_add": (lambda m, w, i: m.zeros(3, dtype=m.float64).scatter_add(0, i, w),
                    lambda m, w, i: m.zeros(3, dtype=m.float64).scatter_add(0, i, w)),
    "index_add": (lambda m, w, i: m.zeros(3, dtype=m.float64).index_add(0, i, w),
                  lambda m, w, i: m.zeros(3, dtype=m.float64).index_add(0, i, w)),
}


@pytest.mark.parametrize("op", sorted(INDEXED))
@pytest.mark.parametrize("write", ["i += 1", "i[0] = 2"])
def test_an_index_written_after_the_graph_used_it_is_refused_as_torch(op, write):
    # The index is an attribute of the node, not an input: written in place it sent w's gradient to other rows
    # (w[i] with i += 1 gave [0, 1, 110] for [1, 110, 0]), where torch refuses
    for m in (torch, mg):
        w = m.tensor([1.0, 2.0, 3.0], dtype=m.float64, requires_grad=True)
        i = m.tensor([0, 1, 1])
        y = INDEXED[op][m is mg](m, w, i)
        if write == "i += 1":
            i += 1
        else:
            i[0] = 2
        with pytest.raises(RuntimeError, match="modified by an inplace operation" if m is torch else
                           r"an array it saved for backward \(shape \(3,\), dtype int64: an index, say\) was "
                           r"modified in place after the graph used it"):
            (y * m.tensor([1.0, 10.0, 100.0], dtype=m.float64)).sum().backward()


def test_an_index_that_is_a_copy_or_another_tensor_written_later_leaves_backward_running():
    w = mg.tensor([1.0, 2.0, 3.0], dtype="float64", requires_grad=True)
    i = mg.tensor([0, 1, 1])
    y = w[i.clone()]
    i += 1             # the node holds a copy's memory
    other = mg.tensor([5])
    other += 1
    y.sum().backward()
    assert w.grad.tolist() == [1.0, 2.0, 0.0]


def _hook_writes_a_saved_input(lib, hooked):
    """b = a * 2, c = b * b (which saves b), d = c * 3; a hook on ``hooked`` ("c": on the node that reads b; "d": on
    the node run before it) writes into b during the backward."""
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    b = a * 2
    c = b * b
    d = c * 3

    def write_into_b(g):
        with lib.no_grad():
            b.detach()[0] = 100.0

    (c if hooked == "c" else d).register_hook(write_into_b)
    return a, d.sum()


@pytest.mark.parametrize("hooked", ["c", "d"])
def test_a_hook_that_writes_a_saved_input_during_backward_is_refused_as_torch(hooked):
    # The write comes after the pass's start, by a hook of the node that reads b or of one run before it: the check
    # reads the write count live, and again after a node's own hooks. It gave a.grad [1200, 48] (b's gradient read
    # b[0] = 100), where torch raises.
    for lib, message in ((torch, "modified by an inplace operation"), (mg, r"Mul: input 0 .* modified in place")):
        a, loss = _hook_writes_a_saved_input(lib, hooked)
        with pytest.raises(RuntimeError, match=message):
            loss.backward()
