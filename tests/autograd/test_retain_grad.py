"""Tensor.retain_grad() and retains_grad, checked against torch: a non-leaf keeps its gradient in .grad,
summed over backward passes, after its other hooks; a no-op on leaves; create_graph keeps the graph; the
hook holds the tensor weakly, so no reference cycle keeps a graph alive."""
import gc
import re
import weakref

import numpy as np
import pytest
import torch

import minigrad as mg
from torch_agreement import pair, same

A = np.array([[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]])


def test_a_non_leaf_keeps_its_gradient_and_accumulates_over_passes():
    x, tx = pair(A)
    b, tb = x * x, tx * tx
    b.retain_grad()
    tb.retain_grad()
    assert b.retains_grad and tb.retains_grad
    y, ty = (b.sin() * b).sum(), (tb.sin() * tb).sum()
    for _ in range(2):
        y.backward(retain_graph=True)
        ty.backward(retain_graph=True)
        same(b.grad, tb.grad)
        same(x.grad, tx.grad)


def test_leaves_and_tensors_without_grad():
    x, tx = pair(A)
    x.retain_grad()
    tx.retain_grad()
    assert x.retains_grad is tx.retains_grad is False
    (x * 3).sum().backward()
    (tx * 3).sum().backward()
    same(x.grad, tx.grad)
    c = mg.tensor(A)
    with pytest.raises(RuntimeError):
        torch.tensor(A).retain_grad()
    with pytest.raises(RuntimeError, match="retain_grad: cannot retain the gradient of a tensor that does not"):
        c.retain_grad()
    with pytest.raises(RuntimeError, match=rf"does not require grad \(shape {re.escape(str(A.shape))}, dtype float"):
        c.retain_grad()
    b = x * 2
    assert not b.retains_grad and b.grad is None


def test_retained_gradient_is_its_own_memory():
    """An op may pass one gradient array to several inputs (Add); later accumulation into a leaf's .grad must
    not change the retained gradient."""
    x, tx = pair(A)
    b, tb = x * 2, tx * 2
    b.retain_grad()
    tb.retain_grad()
    y, ty = (b + x).sum(), (tb + tx).sum()
    for _ in range(3):
        y.backward(retain_graph=True)
        ty.backward(retain_graph=True)
    same(b.grad, tb.grad)
    same(x.grad, tx.grad)


def test_the_gradient_kept_is_the_one_after_every_hook_as_in_torch():
    x, tx = pair(A)
    b, tb = x * 2, tx * 2
    b.register_hook(lambda g: g * 3)
    tb.register_hook(lambda g: g * 3)
    b.retain_grad()
    tb.retain_grad()
    b.register_hook(lambda g: g + 1)    # registered after retain_grad: still runs before it
    tb.register_hook(lambda g: g + 1)
    (b * b).sum().backward()
    (tb * tb).sum().backward()
    same(b.grad, tb.grad)
    same(x.grad, tx.grad)
    assert b.retains_grad


def test_retain_grad_twice_keeps_one_hook():
    x, tx = pair(A)
    b, tb = x.exp(), tx.exp()
    for _ in range(2):
        b.retain_grad()
        tb.retain_grad()
    b.sum().backward()
    tb.sum().backward()
    same(b.grad, tb.grad)


def test_outputs_of_a_multi_output_op_and_minigrad_grad():
    x, tx = pair(A)
    parts, tparts = x.unbind(1), tx.unbind(1)
    parts[1].retain_grad()
    tparts[1].retain_grad()
    y, ty = (parts[0] * parts[1] ** 2).sum(), (tparts[0] * tparts[1] ** 2).sum()
    mg.grad(y, [x], retain_graph=True)             # torch.autograd.grad fills retained gradients too
    torch.autograd.grad(ty, [tx], retain_graph=True)
    same(parts[1].grad, tparts[1].grad)
    assert parts[0].grad is None                  # not retained (torch's would warn on reading it)


@pytest.mark.filterwarnings("ignore:Using backward.. with create_graph=True")   # torch's note on its own cycle
def test_create_graph_keeps_a_differentiable_gradient():
    x, tx = pair(A)
    b, tb = x * x, tx * tx
    b.retain_grad()
    tb.retain_grad()
    (b ** 3).sum().backward(create_graph=True)
    (tb ** 3).sum().backward(create_graph=True)
    same(b.grad, tb.grad)
    assert b.grad.requires_grad and tb.grad.requires_grad
    gx, = mg.grad(b.grad.sum(), [x], retain_graph=True)
    tgx, = torch.autograd.grad(tb.grad.sum(), [tx], retain_graph=True)
    same(gx, tgx)
    (b ** 3).sum().backward(create_graph=True)        # a second pass adds, still with a graph
    (tb ** 3).sum().backward(create_graph=True)
    same(b.grad, tb.grad)
    assert b.grad.requires_grad


def test_no_reference_cycle_keeps_the_graph_alive():
    gc.collect()
    gc.disable()
    try:
        x = mg.tensor(A, dtype="float64", requires_grad=True)
        b = x * 2
        b.retain_grad()
        y = (b * b).sum()
        node = weakref.ref(b.creator)
        kept = weakref.ref(b)
        y.backward()
        assert b.grad is not None
        del b, y
        assert kept() is None and node() is None      # freed by reference counting alone
    finally:
        gc.enable()


def test_a_hook_outliving_its_tensor_does_nothing():
    x = mg.tensor(A, dtype="float64", requires_grad=True)
    b = x * 2
    b.retain_grad()
    c = b * 1.0
    hook = b.creator._hooks[0][-1]
    y = c.sum()
    del b
    y.backward()
    assert hook.ref() is None
    np.testing.assert_array_equal(x.grad.numpy(), np.full(A.shape, 2.0))


@pytest.mark.parametrize("grad, shown", [(np.ones(3), r"shape \(3,\) and dtype float64"),
                                         (np.ones(1, dtype=np.float32), r"shape \(1,\) and dtype float32")])
def test_a_retained_dot_grad_of_another_shape_or_dtype_is_refused_not_cast_or_broadcast_into(grad, shown):
    # torch refuses it when assigned; added into, it turned y.grad into float64 [2, 2, 2], or broadcast [5] to
    # [6, 6, 6]; a leaf's .grad is refused the same way by the engine
    y = mg.tensor([1.0, 2.0, 3.0], requires_grad=True) * 2
    y.retain_grad()
    y.grad = mg.tensor(grad, dtype=grad.dtype)
    with pytest.raises(RuntimeError, match=rf"^backward: \.grad holds a tensor of {shown}, but the gradient of this "
                                           r"tensor has shape \(3,\) and dtype float32"):
        y.sum().backward()
    ty = torch.tensor([1.0, 2.0, 3.0], requires_grad=True) * 2
    ty.retain_grad()
    with pytest.raises(RuntimeError, match="attempting to assign a gradient"):
        ty.grad = torch.from_numpy(grad)
