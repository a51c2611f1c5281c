"""A layout change of a tensor under no_grad (``w.t_()``, an ``out=`` resize) after a node read it.

Reshape, Transpose and GetItem read only their input's shape, so a value write into it leaves their gradient right
(``values_unread``). A layout change does not: the gradient would come out laid out by the new shape. Where the
shape changes both refuse: torch rebuilds the view's node from ``w``'s new layout and finds the shapes disagree,
minigrad names the node. A change that leaves the layout as it was is a plain write, in both.
"""
import numpy as np
import pytest
import torch

import minigrad as mg

VIEWS = {"reshape": lambda w: w.reshape(-1), "T": lambda w: w.T, "index": lambda w: w[0]}
LAYOUT_MESSAGE = r"input 0 \(shape \(3, 2\)\) was modified in place after the graph used it to a new layout"


def _leaf(lib):
    data = np.arange(6.0).reshape(2, 3)
    return torch.tensor(data, requires_grad=True) if lib is torch else mg.tensor(data, dtype="float64",
                                                                                  requires_grad=True)


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_a_layout_change_under_no_grad_refuses_a_node_that_read_the_old_shape(view):
    w = _leaf(mg)
    y = VIEWS[view](w)
    with mg.no_grad():
        w.t_()
    name = {"reshape": "Reshape", "T": "Transpose", "index": "GetItem"}[view]
    with pytest.raises(RuntimeError, match=name + ": " + LAYOUT_MESSAGE):
        (y * 2.0).sum().backward()
    assert w.grad is None
    tw = _leaf(torch)
    ty = VIEWS[view](tw)
    with torch.no_grad():
        tw.t_()
    with pytest.raises(RuntimeError, match=r"invalid gradient at index 0 - got \[3, 2\] but expected shape "
                                           r"compatible with \[2, 3\]"):
        (ty * 2.0).sum().backward()


def test_an_out_resize_under_no_grad_refuses_a_node_that_read_the_old_shape():
    w = _leaf(mg)
    y = w.reshape(-1)
    with mg.no_grad(), pytest.warns(UserWarning, match="resized"):
        mg.add(mg.ones(3, 2), 1.0, out=w)
    with pytest.raises(RuntimeError, match="Reshape: " + LAYOUT_MESSAGE):
        y.sum().backward()


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_a_value_write_or_a_relaid_alias_keeps_torchs_gradient(view):
    grads = []
    for lib in (mg, torch):
        w = _leaf(lib)
        y = VIEWS[view](w)
        with lib.no_grad():
            w.mul_(3.0)               # values only: the view's backward does not read them
            w.detach().t_()           # another Tensor over the same memory: w keeps its layout
        (y * lib.arange(y.shape[-1], dtype=lib.float64)).sum().backward()
        grads.append(w.grad.numpy())
    assert grads[0].shape == (2, 3)
    np.testing.assert_array_equal(grads[0], grads[1])


def test_undoing_a_recorded_layout_change_on_a_non_leaf_still_differentiates():
    grads = []
    for lib in (mg, torch):
        w = _leaf(lib)
        h = w * 1.0
        h.t_()
        h.t_()
        (h * h).sum().backward()
        grads.append(w.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])


# Two changes that cancel (unsqueeze_(0) then squeeze_(0), t_() twice) are still refused: the first one relaid w.
@pytest.mark.parametrize("change", ["t_ of a vector", "squeeze_ with no 1"])
def test_a_layout_change_that_leaves_the_layout_as_it_was_keeps_torchs_gradient(change):
    def run(lib):
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = w[0:2]
        with lib.no_grad():
            if change == "t_ of a vector":
                w.t_()
            else:
                w.squeeze_()
        (y * lib.tensor([3.0, 5.0])).sum().backward()
        return w.grad.numpy() if lib is mg else w.grad.detach().numpy()

    np.testing.assert_array_equal(run(mg), run(torch))
    np.testing.assert_array_equal(run(mg), [3.0, 5.0, 0.0])
