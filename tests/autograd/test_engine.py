"""The backward engine: deep chains without recursion, linear time by counting, accumulation,
graph freeing, no reference cycles, gradient ownership, ties and repeated indices."""
import gc
import re
import weakref

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import Function, record_backward_graph
from minigrad.backend import get_array_module


class Counted(Function):
    """y = x (a copy); records every run of its backward (the node itself)."""

    calls = 0
    seen = []

    def forward(self, x):
        return x.copy()

    def backward(self, F, gy, x):
        type(self).calls += 1
        type(self).seen.append(self)
        return gy


@pytest.fixture
def counted():
    Counted.calls, Counted.seen = 0, []
    yield Counted
    Counted.calls, Counted.seen = 0, []


# ------------------------------------------------------------------ deep and wide graphs


def test_chain_of_100000_ops_backpropagates_without_recursion():
    x = mg.tensor([0.5, -1.0], dtype="float64", requires_grad=True)
    y = x
    for k in range(50_000):  # 100 000 ops: a multiply and an add per step
        y = y * 1.0 + 0.001
    (y * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])
    np.testing.assert_allclose(y.numpy(), [0.5 + 50.0, -1.0 + 50.0], rtol=1e-9)


def test_chain_of_100000_ops_with_nontrivial_gradient():
    # y = x * c^n with c = 1 + 1e-5: dy/dx = c^n.
    x = mg.tensor(2.0, dtype="float64", requires_grad=True)
    c = 1.0 + 1e-5
    y = x
    for _ in range(100_000):
        y = y * c
    y.backward()
    np.testing.assert_allclose(x.grad.item(), c ** 100_000, rtol=1e-9)


def test_deep_graph_is_freed_without_backward():
    x = mg.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    ref = weakref.ref(y.creator)
    del y  # deallocating 100 000 nested nodes must not overflow the C stack
    assert ref() is None


def test_thousands_of_branches_each_backward_runs_once(counted):
    n = 5000
    x = mg.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    h = counted.apply(x)                        # shared by every branch
    total = counted.apply(h) * 0.0
    for k in range(1, n + 1):
        total = total + counted.apply(h) * float(k)
    loss = counted.apply(total).sum()
    loss.backward()
    # 1 (h) + 1 (first) + n (branches) + 1 (final): each node exactly once.
    assert counted.calls == n + 3
    assert len({id(node) for node in counted.seen}) == n + 3
    expected = n * (n + 1) / 2
    np.testing.assert_allclose(x.grad.numpy(), [expected, expected])


def test_diamond_node_waits_for_all_consumers(counted):
    x = mg.tensor([3.0], dtype="float64", requires_grad=True)
    h = counted.apply(x)
    a = counted.apply(h * 2.0)
    b = counted.apply(h * h)
    c = counted.apply(a + b)
    d = counted.apply(c * h)          # h used by three consumers at different depths
    d.backward()
    assert counted.calls == 5
    # d = (2h + h^2) h = 2h^2 + h^3 -> 4h + 3h^2 = 12 + 27
    np.testing.assert_allclose(x.grad.numpy(), [39.0])


def test_wide_fan_in_from_one_tensor():
    x = mg.tensor([1.0, -2.0], dtype="float64", requires_grad=True)
    parts = [x * float(k) for k in range(1, 5001)]
    mg.stack(parts).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5000 * 5001 / 2] * 2)


# ------------------------------------------------------------------ accumulation and graph lifetime


def test_gradients_accumulate_across_backward_calls(device):
    x = mg.tensor([1.0, 2.0], requires_grad=True, device=device)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])
    grad_before = x.grad
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 7.0])
    assert x.grad is grad_before  # accumulated in place into the leaf's own array


def test_second_backward_raises_clear_error():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time.*retain_graph=True"):
        y.backward()


def test_backward_through_freed_subgraph_raises():
    x = mg.tensor([1.0], requires_grad=True)
    h = x.sin()
    (h * 2.0).sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        (h * 3.0).sum().backward()


def test_second_backward_names_the_released_node():
    """Two losses that share a subgraph, the second backward()ed without retain_graph: the error names the first
    released node it meets (here the shared Sin), so the reader knows which part of the graph is gone."""
    x = mg.tensor([1.0], requires_grad=True)
    h = x.sin()
    (h * 2.0).sum().backward()
    with pytest.raises(RuntimeError, match=r"^Trying to backward through the graph a second time \(or after its "
                       r"buffers were freed\): the Sin node was run and released by an earlier backward\(\)\. Pass "
                       r"retain_graph=True to the first backward\(\) if you need to do this\.$"):
        (h * 3.0).sum().backward()


def test_retain_graph_allows_second_backward(device):
    x = mg.tensor([1.0, 2.0], requires_grad=True, device=device)
    y = (x.sin() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    y.backward()
    xs = np.array([1.0, 2.0], np.float32)
    expected = np.cos(xs) * xs + np.sin(xs)
    np.testing.assert_allclose(first, expected, rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), 2 * expected, rtol=1e-6)


def test_backward_with_explicit_gradient(device):
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True, device=device)
    y = x * x
    y.backward(mg.tensor([1.0, 0.5, -1.0], device=device))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0, -6.0])


def test_backward_on_non_scalar_without_gradient_raises():
    y = mg.tensor([1.0, 2.0], requires_grad=True) * 2.0
    with pytest.raises(RuntimeError, match=r"one-element output.*shape \(2,\)"):
        y.backward()


def test_backward_and_grad_on_a_non_scalar_say_what_to_pass_or_reduce():
    """A per-sample loss (reduction='none') backward()ed as it is: the error said 'pass the gradient explicitly',
    which names neither the argument (grad_outputs= for grad) nor the usual fix, a scalar to start from."""
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="^" + re.escape(
            "backward(): the gradient can be implied only for a one-element output, but this tensor has shape (2,); "
            "pass its gradient, y.backward(g) with g of shape (2,), or start from a scalar (y.sum(), y.mean(), a "
            "loss with its default reduction)") + "$"):
        (x * 2.0).backward()
    with pytest.raises(RuntimeError, match="^" + re.escape(
            "grad: the gradient can be implied only for a one-element output, but this tensor has shape (2,); "
            "pass grad_outputs=, a gradient of shape (2,), or start from a scalar (y.sum(), y.mean(), a loss with "
            "its default reduction)") + "$"):
        mg.grad(x * 2.0, x)
    with pytest.raises(RuntimeError, match="^" + re.escape(
            "backward: the gradient can be implied only for a one-element output, but this tensor has shape (2,); "
            "pass grad_tensors=, a gradient of shape (2,), or start from a scalar (y.sum(), y.mean(), a loss with "
            "its default reduction)") + "$"):
        mg.autograd.backward(x * 2.0)


def test_backward_with_wrong_gradient_shape_raises():
    y = mg.tensor([1.0, 2.0], requires_grad=True) * 2.0
    with pytest.raises(ValueError, match=r"gradient has shape \(3,\), expected \(2,\)"):
        y.backward(mg.tensor([1.0, 1.0, 1.0]))


def test_backward_on_tensor_without_graph_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.tensor([1.0]).sum().backward()


def test_inputs_not_requiring_grad_get_no_gradient(device):
    x = mg.tensor([1.0, 2.0], requires_grad=True, device=device)
    c = mg.tensor([3.0, 4.0], device=device)
    (x * c).sum().backward()
    assert c.grad is None
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 4.0])


def test_backward_with_wrong_gradient_shape_from_function_is_reported():
    class Bad(Function):
        def forward(self, x):
            return x * 2

        def backward(self, F, gy, x):
            return F.sum(gy)

    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Bad.backward returned a gradient of shape \(\)"):
        Bad.apply(x).sum().backward()


def test_an_unreduced_gradient_of_a_broadcast_input_is_pointed_to_sum_to():
    """A new op's first bug (CONTRIBUTING's Mul without F.sum_to): the error now names the fix."""
    class MyMul(Function):
        def forward(self, a, b):
            return a * b

        def backward(self, F, gy, a, b):
            return gy * b, gy * a

    a, b = mg.ones(2, 3, requires_grad=True), mg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="^" + re.escape(
            "MyMul backward returned a gradient of shape (2, 3) and dtype float32 for an input of shape (3,) and "
            "dtype float32; an input that forward broadcast gets its gradient summed back with "
            "F.sum_to(g, x.shape)") + "$"):
        MyMul.apply(a, b).sum().backward()


def test_a_gradient_of_an_equal_but_distinct_dtype_object_is_taken():
    """The walk tests a gradient's dtype by identity; a dtype equal to the input's (here float32 with metadata,
    a distinct object) must still pass, and a float64 one must not."""
    tagged = np.dtype("f4", metadata={"tag": 1})
    assert tagged == np.float32 and tagged is not np.dtype(np.float32)

    class Scale(Function):
        def __init__(self, dtype):
            self.dtype = dtype

        def forward(self, x):
            return x * 2

        def backward(self, F, gy, x):
            return (gy * 2).astype(self.dtype)

    x = mg.ones(3, requires_grad=True)
    Scale.apply(x, dtype=tagged).sum().backward()
    assert x.grad.dtype == mg.float32 and x.grad.numpy().tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(RuntimeError, match=r"Scale backward returned a gradient of shape \(3,\) and dtype float64"):
        Scale.apply(mg.ones(3, requires_grad=True), dtype=np.float64).sum().backward()


class _Crop(Function):
    """y = the inputs' sum reshaped to 5 elements: NumPy raises a ValueError for any other size."""

    def forward(self, *xs):
        return sum(xs).reshape(5)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_a_value_error_in_forward_names_the_op_and_input_shapes_on_every_path(n):
    # apply unrolls one, two and three inputs; the one-input and the general path let NumPy's text through.
    shapes = ", ".join(["(2, 3)"] * n)
    with pytest.raises(ValueError, match=r"^_Crop: cannot reshape array of size 6 into shape \(5,\) "
                                         rf"\(input shapes {re.escape(shapes)}\)$"):
        _Crop.apply(*[mg.ones(2, 3) for _ in range(n)])


# ------------------------------------------------------------------ no reference cycles


def _build_graph(x, w):
    a = x @ w
    b = a.tanh()
    c = b.exp()
    d, e = mg.split(mg.concat([c, a], axis=1), 2, axis=1)
    f = (d * e).sigmoid()
    g = f.logsumexp(axis=1)
    h = g + x[[0, 0, 1]].sum() + x.max() + mg.where(x > 0, x, x * 0.0).sum()
    loss = h.mean()
    return loss, [a, b, c, d, e, f, g, h]


def _weakrefs(loss, tensors):
    refs = [weakref.ref(t) for t in tensors] + [weakref.ref(t.creator) for t in tensors]
    refs.append(weakref.ref(loss.creator))
    return refs


@pytest.fixture
def gc_off():
    """The cyclic garbage collector off: whatever is freed is freed by reference counting alone."""
    gc.collect()
    gc.disable()
    yield
    gc.enable()


def _leaves():
    return (mg.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True),
            mg.tensor([[0.1, 0.2], [0.3, -0.4]], requires_grad=True))


def test_graph_is_freed_by_reference_counting_alone(gc_off):
    x, w = _leaves()
    loss, tensors = _build_graph(x, w)
    refs = _weakrefs(loss, tensors)
    assert all(r() is not None for r in refs)
    del tensors
    assert all(r() is not None for r in refs)  # loss still holds the whole graph
    del loss
    alive = [r() for r in refs if r() is not None]
    assert alive == []


@pytest.mark.parametrize("retain_graph", [False, True])
def test_graph_is_freed_after_backward(retain_graph, gc_off):
    x, w = _leaves()
    loss, tensors = _build_graph(x, w)
    refs = _weakrefs(loss, tensors)
    del tensors
    loss.backward(retain_graph=retain_graph)
    del loss
    alive = [r() for r in refs if r() is not None]
    assert alive == []
    assert x.grad is not None and w.grad is not None
    assert x.grad.creator is None and w.grad.creator is None


def test_graph_is_freed_after_grad(gc_off):
    x, w = _leaves()
    loss, tensors = _build_graph(x, w)
    refs = _weakrefs(loss, tensors)
    del tensors
    gx, gw = mg.grad(loss, [x, w])
    del loss
    assert [r() for r in refs if r() is not None] == []
    assert gx.shape == (2, 2) and gw.shape == (2, 2)


# ------------------------------------------------------------------ gradient ownership


def test_leaf_gradients_never_alias(device):
    a = mg.tensor([1.0, 2.0], requires_grad=True, device=device)
    b = mg.tensor([3.0, 4.0], requires_grad=True, device=device)
    (a + b).sum().backward()
    assert a.grad.data is not b.grad.data
    a.grad.data[...] = 100.0
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])


def test_leaf_gradients_never_alias_for_an_intermediate_gradient(device):
    a = mg.tensor([1.0, 2.0], requires_grad=True, device=device)
    b = mg.tensor([3.0, 4.0], requires_grad=True, device=device)
    ((a + b) * 2.0).sum().backward()
    a.grad.data *= 0.0
    np.testing.assert_array_equal(b.grad.numpy(), [2.0, 2.0])


def test_leaf_gradient_does_not_alias_the_gradient_passed_in(device):
    a = mg.tensor([1.0, 2.0], requires_grad=True, device=device)
    seed = mg.tensor([5.0, 6.0], device=device)
    (a + 0.0).backward(seed)
    a.grad.data[...] = 0.0
    np.testing.assert_array_equal(seed.numpy(), [5.0, 6.0])


def _owned_and_writeable(data):
    # CuPy arrays have no `writeable` flag (they always are); both have `base`.
    return data.base is None and getattr(data.flags, "writeable", True)


def test_broadcast_gradient_is_writeable_and_owned(device):
    a = mg.tensor([[1.0, 2.0, 3.0]], requires_grad=True, device=device)
    b = mg.tensor(5.0, requires_grad=True, device=device)
    (a + b).sum().backward()
    for t, expected in ((a, [[1.0, 1.0, 1.0]]), (b, 3.0)):
        data = t.grad.data
        assert _owned_and_writeable(data)
        np.testing.assert_array_equal(t.grad.numpy(), expected)
    a.grad.data += 1.0  # an optimizer's in-place update must work
    np.testing.assert_array_equal(a.grad.numpy(), [[2.0, 2.0, 2.0]])


def test_reshaped_gradient_is_owned(device):
    a = mg.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True, device=device)
    a.reshape(2, 2).T.sum().backward()
    assert _owned_and_writeable(a.grad.data)


# ------------------------------------------------------------------ ties and repeated indices


def test_tied_maxima_share_the_gradient(device):
    x = mg.tensor([1.0, 3.0, 3.0], requires_grad=True, device=device)
    x.max().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.5, 0.5])


def test_tied_minima_along_axis_share_the_gradient(device):
    x = mg.tensor([[2.0, 2.0, 5.0], [1.0, 4.0, 1.0]], requires_grad=True, device=device)
    x.min(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.5, 0.5, 0.0], [0.5, 0.0, 0.5]])


def test_maximum_of_a_tensor_with_itself_halves(device):
    a = mg.tensor([1.0, -2.0, 3.0], requires_grad=True, device=device)
    mg.maximum(a, a).sum().backward()
    # each side receives half, and both sides are a: the total is 1
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 1.0, 1.0])
    b = mg.tensor([1.0, -2.0, 3.0], requires_grad=True, device=device)
    c = mg.tensor([1.0, -2.0, 3.0], requires_grad=True, device=device)
    mg.maximum(b, c).sum().backward()
    np.testing.assert_array_equal(b.grad.numpy(), [0.5, 0.5, 0.5])
    np.testing.assert_array_equal(c.grad.numpy(), [0.5, 0.5, 0.5])


def test_repeated_integer_indices_accumulate(device):
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True, device=device)
    x[[0, 0, 2]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 0.0, 1.0])


def test_repeated_index_pairs_accumulate_in_2d(device):
    x = mg.tensor(np.zeros((2, 3)), requires_grad=True, device=device)
    rows = mg.tensor([1, 1, 0, 1], device=device)
    cols = mg.tensor([2, 2, 0, 0], device=device)
    (x[rows, cols] * mg.tensor([1.0, 2.0, 3.0, 4.0], device=device)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[3.0, 0.0, 0.0], [4.0, 0.0, 3.0]])


def test_multi_output_op_with_unused_output(device):
    x = mg.tensor(np.arange(6.0), requires_grad=True, device=device)
    a, b, c = mg.split(x, 3, axis=0)
    (b * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 2.0, 2.0, 0.0, 0.0])


def test_output_saving_op_after_its_output_is_dropped(device):
    # exp's backward uses its output; the output Tensor may be gone by backward time.
    x = mg.tensor([0.5, 1.0], requires_grad=True, device=device)
    y = (x.exp() * 2.0).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2.0 * np.exp([0.5, 1.0]), rtol=1e-6)


def test_array_module_of_grad_matches_data(device):
    x = mg.tensor([1.0], requires_grad=True, device=device)
    (x * 2.0).sum().backward()
    assert get_array_module(x.grad.data) is get_array_module(x.data)


def test_power_zero_has_zero_gradient_at_zero(device):
    # d(x^0)/dx = 0 everywhere; 0 * x^(-1) would be NaN at x = 0.
    x = mg.tensor([0.0, 2.0], requires_grad=True, device=device)
    (x ** 0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])
    (g,) = mg.grad((x ** 0).sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.numpy(), [0.0, 0.0])


def test_leaf_gradients_never_alias_under_create_graph():
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    b = mg.tensor([3.0, 4.0], requires_grad=True)
    with record_backward_graph():
        (a + b).sum().backward()
    assert a.grad is not b.grad
    (a * 3.0).sum().backward()          # accumulates into a.grad only
    np.testing.assert_array_equal(a.grad.numpy(), [4.0, 4.0])
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])


def test_repeated_list_indices_inside_a_tuple_accumulate(device):
    x = mg.tensor(np.zeros((3, 2)), requires_grad=True, device=device)
    x[[0, 0, 2], 1].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 2.0], [0.0, 0.0], [0.0, 1.0]])
    y = mg.tensor(np.zeros((2, 2)), requires_grad=True, device=device)
    (y[[1, 1, 0], [0, 0, 1]] * mg.tensor([1.0, 2.0, 5.0], device=device)).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [[0.0, 5.0], [3.0, 0.0]])


def test_backward_gradient_of_another_floating_dtype_is_refused():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"backward\(\): gradient has dtype float64, but the tensor has dtype float32"):
        (x * 2.0).backward(mg.tensor([1.0, 1.0], dtype="float64"))
    with pytest.raises(TypeError, match="gradient has dtype float64"):
        x.backward(mg.tensor([1.0, 1.0], dtype="float64"))
    assert x.grad is None


def test_backward_integer_gradient_takes_the_tensor_dtype(device):
    x = mg.tensor([1.0, 2.0], requires_grad=True, device=device)
    (x * 2.0).backward(mg.tensor([1, 3], device=device))
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 6.0])
    (g,) = mg.grad(x * 2.0, x, grad_outputs=mg.tensor([1, 1], device=device))
    assert g.dtype == np.float32


class StopGradient(Function):
    """y = x whose backward sends no gradient (returns None, which the contract allows)."""

    def forward(self, x):
        return x.copy()

    def backward(self, F, gy, x):
        return None


def test_backward_returning_none_for_a_non_leaf_input(device):
    x = mg.tensor([1.0, 2.0], requires_grad=True, device=device)
    h = x * 2.0                                  # its creator never receives a gradient
    (StopGradient.apply(h) * 5.0 + x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])
    z = mg.tensor([1.0, 2.0], requires_grad=True, device=device)
    StopGradient.apply(z.exp() * 2.0).sum().backward()
    assert z.grad is None
    (g,) = mg.grad(StopGradient.apply(z * 2.0).sum(), z, allow_unused=True)
    assert g is None


class _OneGradientForTwo(Function):
    def forward(self, a, b):
        return a + b

    def backward(self, F, gy, a, b):
        return gy          # forgets b's gradient


class _ThreeGradientsForTwo(Function):
    def forward(self, a, b):
        return a + b

    def backward(self, F, gy, a, b):
        return gy, gy, gy


@pytest.mark.parametrize("op, got", [(_OneGradientForTwo, 1), (_ThreeGradientsForTwo, 3)])
@pytest.mark.parametrize("create_graph", [False, True])
def test_a_backward_returning_the_wrong_number_of_gradients_is_one_error(op, got, create_graph):
    # Before, zip() paired what it could: b.grad stayed None and training went on without a word.
    a, b = mg.tensor([1.0, 2.0], requires_grad=True), mg.tensor([3.0, 4.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=rf"^{op.__name__} backward returned {got} gradient\(s\) for 2 input\(s\)"):
        op.apply(a, b).sum().backward(create_graph=create_graph)


class _TrailingNones(Function):
    def forward(self, a):
        return a * 2.0

    def backward(self, F, gy, a):
        return gy * 2.0, None, None    # extra Nones past the inputs: accepted, as in PyTorch


def test_trailing_none_gradients_past_the_inputs_are_accepted():
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    _TrailingNones.apply(a).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [2.0, 2.0])


def test_a_hook_that_changes_its_gradient_in_place_changes_only_its_own():
    # Add sends one gradient array to both inputs; before, w1's hook doubled w2's gradient too.
    w1, w2 = mg.tensor([1.0, 1.0], requires_grad=True), mg.tensor([1.0, 1.0], requires_grad=True)

    def double(g):
        g *= 2.0

    w1.register_hook(double)
    (w1 + w2).sum().backward()
    np.testing.assert_array_equal(w1.grad.numpy(), [2.0, 2.0])
    np.testing.assert_array_equal(w2.grad.numpy(), [1.0, 1.0])


def test_backward_takes_torchs_gradient_keyword():
    import torch
    a = mg.tensor([2.0, 3.0], dtype="float64", requires_grad=True)
    ta = torch.tensor([2.0, 3.0], dtype=torch.float64, requires_grad=True)
    (3 * a ** 3).backward(gradient=mg.tensor([1.0, 0.5], dtype="float64"))
    (3 * ta ** 3).backward(gradient=torch.tensor([1.0, 0.5], dtype=torch.float64))
    np.testing.assert_array_equal(a.grad.numpy(), ta.grad.numpy())
    with pytest.raises(TypeError, match=r"^backward\(\): give the gradient once"):
        (3 * a).backward(mg.ones(2), gradient=mg.ones(2))


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("grad, what", [(np.ones((2, 2)), r"shape \(2, 2\) and dtype float64"),
                                        (np.ones(2, dtype=np.float32), r"shape \(2,\) and dtype float32")])
def test_a_dot_grad_of_another_shape_or_dtype_is_refused_not_broadcast_or_cast_into(grad, what, create_graph):
    # torch refuses such a .grad when it is assigned ("attempting to assign a gradient of size ..."); adding into it
    # would broadcast the gradient over it, or round it to float32, without a word.
    x = mg.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    x.grad = mg.tensor(grad, dtype=grad.dtype)
    with pytest.raises(RuntimeError, match=rf"^backward: \.grad holds a tensor of {what}, but the gradient of "
                                           r"this tensor has shape \(2,\) and dtype float64"):
        (x * 3.0).sum().backward(create_graph=create_graph)
    np.testing.assert_array_equal(x.grad.numpy(), grad)


def test_a_dot_grad_on_another_device_is_refused_by_name(device):
    # torch: "attempting to assign a gradient with device type ..."; here CuPy's own error named neither tensor
    if device == "cpu":
        pytest.skip("runs when MINIGRAD_TEST_DEVICES lists a GPU")
    for x_on, grad_on in (("cpu", device), (device, "cpu")):
        x = mg.tensor([1.0, 2.0], requires_grad=True, device=x_on)
        x.grad = mg.zeros(2, device=grad_on)
        with pytest.raises(RuntimeError, match=rf"^backward: \.grad holds a tensor of shape \(2,\) and dtype "
                                               rf"float32 on {grad_on}(:0)?, but the gradient of this tensor has "
                                               rf"shape \(2,\) and dtype float32 on {x_on}(:0)?; set \.grad to None"):
            (x * 3.0).sum().backward()
