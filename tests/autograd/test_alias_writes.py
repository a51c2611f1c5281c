"""In-place writes through another name for the same memory (issue 11, item 2).

Backward refuses a node whose input was overwritten after it was recorded. The write
stamp belongs to the underlying buffer (like PyTorch's version counter shared by a
tensor, its views and ``detach()``), so a write is seen whichever Tensor it went
through: a detached alias, a basic-slice or reshape view, an optimizer step, or
``load_state_dict``.
"""
import gc

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

MODIFIED = "modified in place"


def _leaf(values):
    return mg.tensor(np.asarray(values, dtype=np.float64), dtype="float64", requires_grad=True)


def test_a_write_through_detach_is_seen():
    x = _leaf([1.0, 2.0, 3.0])
    y = (x * x).sum()                 # Mul saved x
    x.detach()[0] = 10.0
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.backward()


def test_a_write_through_a_detached_intermediate_is_seen():
    x = _leaf([1.0, 2.0, 3.0])
    h = mg.exp(x)                     # exp keeps its output
    y = (h * 2.0).sum()
    h.detach()[1] = 0.0
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.backward()


@pytest.mark.parametrize("view", [lambda t: t[1:], lambda t: t.reshape(3, 1), lambda t: t[::2],
                                  lambda t: t.reshape(-1)[None], lambda t: t.transpose()])
def test_a_write_through_a_view_made_under_no_grad_is_seen(view):
    x = _leaf([1.0, 2.0, 3.0])
    y = (mg.sin(x)).sum()             # sin saved x
    with mg.no_grad():
        v = view(x)
        v[0] = 5.0
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.backward()


def test_a_write_through_a_view_of_a_constant_is_seen():
    w = _leaf([1.0, 2.0])
    c = mg.tensor(np.array([[3.0, 4.0], [5.0, 6.0]]), dtype="float64")
    y = (w * c[0]).sum()              # Mul saved the row view c[0]
    c[0, 1] = 100.0                   # written through c itself
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.backward()


def test_an_optimizer_step_between_forward_and_a_retained_backward_is_seen():
    w = _leaf([1.0, -2.0])
    opt = mg.optim.SGD([w], lr=0.1)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError, match=MODIFIED):
        loss.backward()


@pytest.mark.parametrize("make", [lambda p: mg.optim.Adam(p, lr=0.1), lambda p: mg.optim.RMSprop(p, lr=0.1),
                                  lambda p: mg.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True)])
def test_every_optimizer_step_counts_as_a_write(make):
    model = nn.Linear(3, 2, dtype="float64")
    opt = make(model.parameters())
    loss = model(mg.tensor(np.ones((4, 3)), dtype="float64")).sum()
    loss.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError, match=MODIFIED):
        loss.backward()


def test_load_state_dict_into_parameters_a_graph_uses_is_seen():
    model = nn.Linear(3, 2, dtype="float64")
    loss = (model(mg.tensor(np.ones((4, 3)), dtype="float64")) ** 2).sum()
    model.load_state_dict({k: np.zeros(v.shape) for k, v in model.state_dict().items()})
    with pytest.raises(RuntimeError, match=MODIFIED):
        loss.backward()


def test_the_ordinary_training_loop_is_not_affected():
    model = nn.Linear(3, 2, dtype="float64")
    opt = mg.optim.Adam(model.parameters(), lr=0.01)
    x = mg.tensor(np.ones((4, 3)), dtype="float64")
    losses = []
    for _ in range(3):
        opt.zero_grad()
        loss = (model(x) ** 2).sum()
        loss.backward()  # each step's graph is recorded after the previous step's writes: no refusal
        opt.step()
        losses.append(loss.item())
        assert all(np.isfinite(p.grad.numpy()).all() for p in model.parameters())
    assert losses[2] < losses[1] < losses[0]
    model.load_state_dict(model.state_dict())      # a reload before the next forward is fine
    (model(x) ** 2).sum().backward()


def test_writes_to_an_unrelated_buffer_or_before_the_graph_are_fine():
    x = _leaf([1.0, 2.0])
    x.detach()[0] = 3.0               # before the graph: the graph sees the new value
    y = (x * x).sum()
    other = mg.tensor(np.zeros(2), dtype="float64")
    other.detach()[0] = 1.0
    y.backward()
    assert x.grad.tolist() == [6.0, 4.0]


def test_buffer_stamps_are_forgotten_with_their_buffers():
    from minigrad.autograd import write_stamps

    gc.collect()
    before = len(write_stamps._WRITTEN)
    for _ in range(50):
        t = mg.tensor(np.ones(3))
        t.reshape(-1)[0] = 3.0
        t.detach()[1] = 2.0
    del t
    gc.collect()
    assert len(write_stamps._WRITTEN) == before


def test_an_array_that_reuses_a_freed_buffers_id_has_no_stamp():
    # stamp() and array_written_at() trust an entry found by id: the buffer's weak reference removes it when the
    # buffer is freed, before CPython can hand the id to a new array.
    from minigrad.autograd import write_stamps

    reused = 0
    for _ in range(200):
        a = np.ones(8)
        key = id(a)
        write_stamps.mark_written(a)
        assert write_stamps.array_written_at(a) == mg.autograd.mode.STATE.writes
        del a
        b = np.ones(8)   # the same size, freed just now: CPython often gives it the same address
        reused += id(b) == key
        assert write_stamps.array_written_at(b) == 0
        del b
    assert reused > 0   # the case the test is about did happen


def test_swapping_in_averaged_weights_is_seen():
    model = nn.Linear(3, 2, dtype="float64")
    averaged = mg.optim.AveragedModel(model)
    averaged.update_parameters(model)
    with mg.no_grad():
        model.weight.detach()[...] = 0.0
    loss = (model(mg.tensor(np.ones((4, 3)), dtype="float64")) ** 2).sum()
    averaged.copy_to(model)
    with pytest.raises(RuntimeError, match=MODIFIED):
        loss.backward()
