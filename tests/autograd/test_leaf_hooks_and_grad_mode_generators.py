"""Leaf hooks, no_grad on generators and requires_grad_(False) after the forward (issue 11, items 4, 11, 13)."""
import numpy as np
import pytest

import minigrad as mg


def _leaf(values, dtype="float64"):
    return mg.tensor(np.asarray(values, dtype=dtype), dtype=dtype, requires_grad=True)


# ---------------------------------------------------------------- 4: leaf hooks are checked like non-leaf hooks
@pytest.mark.parametrize("create_graph", [False, True])
def test_a_leaf_hook_returning_another_shape_is_an_error(create_graph):
    a = _leaf([1.0, 2.0, 3.0])
    a.register_hook(lambda g: mg.tensor(np.ones(2), dtype="float64"))
    with pytest.raises(RuntimeError, match=r"hook returned a gradient of shape \(2,\) and dtype float64 for a "
                                           r"tensor of shape \(3,\) and dtype float64"):
        (a * 2.0).sum().backward(create_graph=create_graph)
    assert a.grad is None


def test_a_leaf_hook_returning_another_dtype_is_an_error():
    a = _leaf([1.0, 2.0], dtype="float32")
    a.register_hook(lambda g: g.astype("float64"))
    with pytest.raises(RuntimeError, match="dtype float64 for a tensor of shape \\(2,\\) and dtype float32"):
        (a * 2.0).sum().backward()


def test_a_leaf_hook_in_grad_is_checked_too():
    a = _leaf([1.0, 2.0, 3.0])
    a.register_hook(lambda g: g.sum())
    with pytest.raises(RuntimeError, match="hook returned a gradient of shape"):
        mg.grad((a * a).sum(), [a])


def test_a_non_leaf_hook_returning_another_shape_is_an_error_as_before():
    a = _leaf([1.0, 2.0, 3.0])
    b = a * 2.0
    b.register_hook(lambda g: g[:2])
    with pytest.raises(RuntimeError):
        b.sum().backward()


def test_a_leaf_hook_returning_the_right_shape_still_replaces_the_gradient():
    a = _leaf([1.0, 2.0])
    a.register_hook(lambda g: g * 10.0)
    (a * 3.0).sum().backward()
    assert a.grad.tolist() == [30.0, 30.0]


# ---------------------------------------------------------------- 11: no_grad decorating a generator function
def test_no_grad_decorating_a_generator_covers_its_body():
    x = _leaf([1.0])

    @mg.no_grad()
    def gen():
        for _ in range(2):
            yield mg.is_grad_enabled(), (x * 2.0).requires_grad

    assert mg.is_grad_enabled()
    it = gen()
    assert next(it) == (False, False)
    assert mg.is_grad_enabled()            # between items, the caller's mode is back
    assert (x * 2.0).requires_grad
    assert next(it) == (False, False)
    with pytest.raises(StopIteration):
        next(it)
    assert mg.is_grad_enabled()


def test_enable_grad_decorating_a_generator_inside_no_grad():
    @mg.enable_grad()
    def gen():
        yield mg.is_grad_enabled()

    with mg.no_grad():
        assert list(gen()) == [True]
        assert not mg.is_grad_enabled()


def test_no_grad_decorated_generator_gets_sent_values_and_closes():
    @mg.no_grad()
    def echo():
        got = yield mg.is_grad_enabled()
        yield got, mg.is_grad_enabled()

    it = echo()
    assert next(it) is False
    assert it.send(5) == (5, False)
    it.close()
    assert mg.is_grad_enabled()


# ---------------------------------------------------------------- 13: requires_grad_(False) after the forward
def test_requires_grad_false_after_the_forward_leaves_grad_none():
    a = _leaf([1.0, 2.0])
    b = _leaf([3.0, 4.0])
    y = (a * b).sum()
    a.requires_grad_(False)
    y.backward()
    assert a.grad is None
    assert b.grad.tolist() == [1.0, 2.0]


def test_requires_grad_false_after_the_forward_is_not_returned_by_grad_either():
    a = _leaf([1.0, 2.0])
    b = _leaf([3.0, 4.0])
    y = (a * b).sum()
    a.requires_grad_(False)
    (gb,) = mg.grad(y, [b])
    assert gb.tolist() == [1.0, 2.0]
    assert a.grad is None


@pytest.mark.parametrize("on", ["leaf", "non-leaf"])
def test_a_tensor_a_hook_returns_is_copied_so_backward_never_adds_into_it(on):
    # the hook's returned array became .grad itself: the next backward's += grew the caller's tensor (torch: 3, 1)
    x, w = _leaf([1.0, 2.0]), _leaf([3.0, 4.0])
    fixed = mg.ones(2, dtype="float64")
    target = x if on == "leaf" else x + 0.0   # Add hands its gradient to x unchanged
    target.register_hook(lambda g: fixed)
    for _ in range(3):
        (target * w).sum().backward(retain_graph=True)
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])
    np.testing.assert_array_equal(fixed.numpy(), [1.0, 1.0])
    x.grad.mul_(0.0)
    np.testing.assert_array_equal(fixed.numpy(), [1.0, 1.0])


@pytest.mark.parametrize("on", ["leaf", "non-leaf"])
def test_a_gradient_a_hook_keeps_is_not_added_into_by_later_backwards(on):
    # the hook's argument became .grad itself: a kept gradient read [4, 4] after a second backward (torch: [2, 2])
    x = _leaf([1.0, 2.0])
    target = x if on == "leaf" else x + 0.0   # Add hands its gradient to x unchanged
    seen = []
    target.register_hook(seen.append)
    for _ in range(2):
        (target * 2.0).sum().backward(retain_graph=True)
    assert [g.tolist() for g in seen] == [[2.0, 2.0], [2.0, 2.0]]
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 4.0])

@pytest.mark.parametrize("on", ["leaf", "non-leaf"])
def test_a_hook_that_removes_itself_still_lets_the_next_hook_run_in_that_pass(on):
    # the hooks were run off the live list: a one-shot hook's remove() shifted it and the next hook was skipped
    x = _leaf([1.0, 2.0])
    target = x if on == "leaf" else x * 1.0
    handles = []

    def once(g):
        handles[0].remove()
        return g * 2.0

    handles.append(target.register_hook(once))
    handles.append(target.register_hook(lambda g: g * 3.0))
    (target * 1.0).sum().backward(retain_graph=True)
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 6.0])   # torch's: both ran
    x.grad = None
    (target * 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])   # the one-shot hook is gone


def test_hook_handles_remove_their_hook_at_the_end_of_a_with_block():
    # torch's RemovableHandle is a context manager; minigrad's was not ("does not support the context manager
    # protocol")
    x = _leaf([1.0, 2.0])
    seen = []
    y = x * 1.0
    with y.register_hook(lambda g: g * 2.0), x.register_post_accumulate_grad_hook(lambda p: seen.append(1)), \
            y.grad_fn.register_prehook(lambda grad_outputs: (grad_outputs[0] * 5.0,)):
        y.sum().backward(retain_graph=True)
    np.testing.assert_array_equal(x.grad.numpy(), [10.0, 10.0])
    assert seen == [1]
    x.grad = None
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])
    assert seen == [1]
