"""``x.op_(f(x))``: an in-place op whose operand was computed from the tensor it writes (``x.sub_(x.mean())``,
``x.div_(x.norm())``), against torch in float64. The operand's node read x's old values; after the write it must
still reach them, not x's new node (which would make a cycle that backward never ran, leaving no gradient).
minigrad's values and gradients are those of the out-of-place program, as torch's are where torch computes them;
where torch refuses (its operand's node saved x), minigrad's node reads a copy of the old values and computes."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.autograd.recorded_writes import _READ_BEFORE_REACH

X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
W = np.array([[2.0, -1.0, 0.5], [1.0, 3.0, -2.0]])

# name -> (the in-place program, the same out of place, whether torch refuses the in-place one)
PROGRAMS = {
    "add_scaled_self": (lambda h: h.add_(h * 2.0), lambda h: h + h * 2.0, False),
    "mul_by_own_sum": (lambda h: h.mul_(h.sum()), lambda h: h * h.sum(), False),
    "centre_rows": (lambda h: h.sub_(h.mean(dim=1, keepdim=True)), lambda h: h - h.mean(dim=1, keepdim=True), False),
    "gate_by_own_sigmoid": (lambda h: h.mul_(h.sigmoid()), lambda h: h * h.sigmoid(), False),
    "copy_flipped": (lambda h: h.copy_(h.flip(0)), lambda h: h.flip(0), False),
    "divide_by_norm": (lambda h: h.div_(h.norm()), lambda h: h / h.norm(), True),
    # h read two nodes back (refused at backward until the operands' histories were searched, not just their nodes)
    "add_sin_of_scaled": (lambda h: h.add_((h * 2.0).sin()), lambda h: h + (h * 2.0).sin(), False),
    "mul_by_sum_of_squares": (lambda h: h.mul_((h * h).sum(dim=0)), lambda h: h * (h * h).sum(dim=0), True),
}


def _run(lib, program, in_place):
    x = lib.tensor(X, dtype=lib.float64, requires_grad=True)
    h = x * 1.5
    if in_place:
        assert program(h) is h
    else:
        h = program(h)
    (h * h * lib.tensor(W, dtype=lib.float64)).sum().backward()
    return h.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_the_operand_keeps_reading_the_old_values(name):
    in_place, out_of_place, torch_refuses = PROGRAMS[name]
    theirs, their_grad = _run(torch, out_of_place, False)
    ours, our_grad = _run(mg, in_place, True)
    np.testing.assert_allclose(ours, theirs, rtol=1e-14)
    np.testing.assert_allclose(our_grad, their_grad, rtol=1e-12)
    if torch_refuses:
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            _run(torch, in_place, True)
    else:
        np.testing.assert_allclose(_run(torch, in_place, True)[1], their_grad, rtol=1e-12)


def test_a_constant_buffer_updated_from_itself_and_a_weight():
    def run(lib, in_place):
        w = lib.tensor(W, dtype=lib.float64, requires_grad=True)
        buf = lib.tensor(X, dtype=lib.float64)
        if in_place:
            buf.add_(w * buf)          # the product's node read the old buffer
        else:
            buf = buf + w * buf
        (buf * buf).sum().backward()
        return w.grad.numpy()

    np.testing.assert_allclose(run(mg, True), run(torch, False), rtol=1e-14)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):   # torch's Mul saved the buffer
        run(torch, True)


def test_an_operand_that_reads_the_tensor_further_back_than_the_search_reaches_is_refused_not_dropped():
    # torch differentiates it; minigrad searches the operand's history only so far back (_READ_BEFORE_REACH), and
    # refuses at backward instead of leaving x without a gradient (the deeper node would hang below the new one).
    x = mg.tensor(X, dtype="float64", requires_grad=True)
    h = x * 1.5
    far = h * 2.0
    for _ in range(_READ_BEFORE_REACH):
        far = far + 1.0
    h.add_(far)
    with pytest.raises(RuntimeError, match=r"^Mul: input 0 \(shape \(2, 3\)\) was written in place by an op whose "
                                           r"operand was computed from it"):
        (h * h).sum().backward()
    assert x.grad is None


def test_an_operand_computed_before_an_earlier_write_is_refused_not_read_from_the_new_values():
    # s = h.sin() read h's values of that time; h.add_(1) then changed them, so the copy h.mul_(s) takes as "the old
    # values" is not what sin read: torch refuses (sin saved h), and differentiating sin at h + 1 would be wrong.
    def run(lib):
        x = lib.tensor(X, dtype=lib.float64, requires_grad=True)
        h = x * 1.5
        s = h.sin()
        h.add_(1.0)
        h.mul_(s)
        h.sum().backward()
        return x.grad

    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        run(torch)
    with pytest.raises(RuntimeError, match=r"^Sin: input 0 \(shape \(2, 3\)\) was"):
        run(mg)
