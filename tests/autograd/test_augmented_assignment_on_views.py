"""``r op= y`` on a view ``r`` of a tensor in a recorded graph writes through to the base, as torch's, instead of
rebinding ``r`` (which left the base unchanged: ``r = h[0]; r *= 3`` kept h's row, torch triples it)."""
import numpy as np
import pytest

import minigrad as mg

from view_inplace_programs import OPERATOR_ASSIGN

torch = pytest.importorskip("torch")

OPS = ["+=", "-=", "*=", "/=", "**="]


def _apply(r, op, v):
    return OPERATOR_ASSIGN[op](r, v)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("view", ["row", "transpose", "reshape"])
def test_the_write_reaches_the_base_and_the_views_gradient_is_torchs(op, view):
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    take = {"row": lambda h: h[0], "transpose": lambda h: h.T, "reshape": lambda h: h.reshape(4)}[view]
    x, tx = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    h, th = x * 1.5, tx * 1.5
    r, tr = _apply(take(h), op, 3.0), _apply(take(th), op, 3.0)
    np.testing.assert_allclose(h.numpy(), th.detach().numpy(), rtol=1e-15)
    np.testing.assert_allclose(r.numpy(), tr.detach().numpy(), rtol=1e-15)
    (r * r).sum().backward()
    (tr * tr).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-14)


def test_a_later_use_of_the_base_refuses_to_backward_where_it_used_to_give_a_wrong_gradient():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    h = x * 1
    r = h[0]
    r *= 3   # torch: h is [[3, 6], [3, 4]] and (h * h).sum() has gradient [[18, 36], [6, 8]]
    assert h.numpy().tolist() == [[3.0, 6.0], [3.0, 4.0]]
    with pytest.raises(RuntimeError, match=r"written in place through a view of it \(mul_\(\) on the output of "
                                           r"GetItem\)"):
        (h * h).sum().backward()


def test_a_view_of_a_parameter_is_refused_as_torch_refuses_it():
    w = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    r = w.T
    with pytest.raises(RuntimeError, match=r"add_\(\): this tensor \(shape \(2, 2\)\) is a view of a leaf tensor "
                                           r"that requires grad"):
        r += 1
    tw = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        tr = tw.T
        tr += 1


def test_a_tensor_that_is_no_view_is_still_rebound():
    # x += y on a non-view while recording stays x = x + y (docs/autodiff.md): an earlier node reading h keeps
    # its gradient instead of refusing
    x = mg.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    h = x * 2
    s = h.exp().sum()
    h2 = h
    h += 1
    assert h is not h2 and h2.numpy().tolist() == [2.0, 4.0]
    (s + h.sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp([2.0, 4.0]) + 2, rtol=1e-15)


def test_a_view_written_in_place_before_still_writes_through():
    # found by test_view_inplace_fuzz.py: after r.mul_(1), r's node read a private copy, so r no longer looked like
    # a view and r += 2 rebound r, leaving h [[1.5, 3], [4.5, 6]] where torch's is [[3.5, 5], [4.5, 6]]
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    x, tx = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    h, th = x * 1.5, tx * 1.5
    r, tr = h[0], th[0]
    r.mul_(1.0)
    tr.mul_(1.0)
    r2 = r
    r += 2
    tr += 2
    assert r is r2
    np.testing.assert_allclose(h.numpy(), th.detach().numpy(), rtol=1e-15)
    (r * r).sum().backward()
    (tr * tr).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-14)


def test_a_view_of_a_tensor_outside_the_graph_with_an_operand_that_requires_grad_is_refused():
    # torch writes r + h[1] into p's row (p then joins the graph); minigrad rebound r and left p unchanged
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    p = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    r = p[0]
    with pytest.raises(RuntimeError, match=r"add_\(\): this tensor \(shape \(2,\)\) is a view of an array no graph "
                                           r"knows of"):
        r += x[1] * 1
    assert p.numpy().tolist() == [[1.0, 2.0], [3.0, 4.0]]


@pytest.mark.parametrize("view", ["permute(0, 1)", "reshape(2, 2)", "view(2, 2)", "swapaxes(0, 0)", "movedim(0, 0)"])
def test_a_view_that_changes_nothing_is_a_view_of_its_own(view):
    # found by test_view_inplace_fuzz.py: h.permute(0, 1) returned h itself, so p *= 2 rebound p and left h
    # [[1.5, 3], [4.5, 6]] where torch's h is [[3, 6], [9, 12]]
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    x, tx = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    h, th = x * 1.5, tx * 1.5
    p, tp = eval(f"h.{view}"), eval(f"th.{view}")
    assert p is not h
    p *= 2.0
    tp *= 2.0
    np.testing.assert_allclose(h.numpy(), th.detach().numpy(), rtol=1e-15)
    (p * p).sum().backward()
    (tp * tp).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-14)


def test_a_view_whose_memory_was_written_through_a_view_of_it_still_writes_through():
    # found by test_view_inplace_fuzz.py: w[0] = 1.5 through w = u.swapaxes(1, 2) gave u a refusing node, and
    # u /= 2 then rebound u: h stayed [[1.5, 1.5], ...] where torch's is [[0.75, 0.75], ...]
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    x, tx = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    h, th = x * 2.0, tx * 2.0
    u, tu = h.unsqueeze(0), th.unsqueeze(0)
    w, tw = u.swapaxes(1, 2), tu.swapaxes(1, 2)
    w[0] = 1.5
    tw[0] = 1.5
    u /= 2.0
    tu /= 2.0
    np.testing.assert_allclose(h.numpy(), th.detach().numpy(), rtol=1e-15)
    np.testing.assert_allclose(w.numpy(), tw.detach().numpy(), rtol=1e-15)


def test_flatten_that_merges_nothing_is_the_input_itself_as_in_torch():
    # found by the fuzz: after reshape(same shape) got a view of its own, r.flatten() of a 1-D r became a view,
    # so f /= 2 wrote into r while recording; torch's flatten returns r itself, and minigrad's x op= y on a
    # tensor that is no view rebinds the name (docs/autodiff.md)
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    x, tx = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    r, tr = (x * 2.0).T.flatten(), (tx * 2.0).T.flatten()   # a copy: T is not contiguous
    assert r.flatten() is r and tr.flatten() is tr
    assert x.flatten(1, 1) is x and tx.flatten(1, 1) is tx
    f = r.flatten()
    f /= 2.0
    assert r.numpy().tolist() == [2.0, 6.0, 4.0, 8.0] and f.numpy().tolist() == [1.0, 3.0, 2.0, 4.0]


# x[i] op= v is Python's r = x[i]; r op= v; x[i] = r. The write through r used to retire x, so x's later use refused
# to backward ("written in place through a view of it"), where torch rebuilds x's graph; assigning r back to where it
# views now rebuilds it too: x's old values with r at i.
INDEXED_AUGMENTED = {
    "row": "h[1] += v * 2",
    "column": "h[:, 1] *= w",
    "rows": "h[1:3] -= v",
    "ellipsis": "h[..., 0] /= w + 3",
    "element": "h[1, 2] += v[0]",
    "strided": "h[::2, ::2] **= 2",
    "new_axis": "h[None, 1] += v",
    "two_rows": "h[0] += v; h[2] *= v",
    "one_row_twice": "h[0] += v; h[0] *= v",
    "spelled_out": "r = h[1]; r += v; h[1] = r",
    # an index array or a mask reads a copy: x[idx] op= v is x[idx] = x[idx] op v, whose operand reads x two nodes back
    "index_array": "h[[0, 2, 2]] *= w[:3]",
    "mask": "h[h > 0] = h[h > 0].sin() * 2",
}


@pytest.mark.parametrize("program", INDEXED_AUGMENTED.values(), ids=INDEXED_AUGMENTED.keys())
def test_an_indexed_augmented_assignment_rebuilds_the_base_graph_as_torch(program):
    a, b, c = np.arange(12.0).reshape(4, 3) / 7 - 0.5, np.array([0.3, -1.2, 2.0]), np.array([0.5, 1.5, -2.0, 1.0])
    results = []
    for lib in (mg, torch):
        x, v, w = (lib.tensor(d, dtype=lib.float64, requires_grad=True) for d in (a, b, c))
        h = x * 1.5
        exec(program)
        loss = (h * h * h).sum()
        grads = lib.autograd.grad(loss, [x, v, w], create_graph=True, allow_unused=True)
        grads = [lib.zeros_like(t) if g is None else g for g, t in zip(grads, [x, v, w])]
        second = lib.autograd.grad(sum((g * g).sum() for g in grads), [x, v, w], allow_unused=True)
        results.append([h.detach().numpy()] + [g.detach().numpy() for g in grads] +
                       [np.zeros(t.shape) if g is None else g.numpy() for g, t in zip(second, [x, v, w])])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-13)


def test_a_view_assigned_elsewhere_still_refuses():
    x = mg.tensor(np.ones((3, 2)), requires_grad=True)
    h = x * 1
    r = h[0]
    r += 1
    h[1] = r   # not where r views: an ordinary write of a copy of r, into a retired h
    # The copy of r (Clone) reads no values of r, so it is not the node refused; r's write through h is
    with pytest.raises(RuntimeError, match=r"Add: its output, a tensor written in place, was written again after "
                                           r"that through another tensor sharing its memory"):
        h.sum().backward()
