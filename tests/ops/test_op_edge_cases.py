"""Edge cases of the ops: infinite and zero gradients, NumPy-scalar and integer inputs, error messages.

Each test failed before its fix (the xfail one is still open)."""
import numpy as np
import pytest

import minigrad as mg


def test_where_sends_exact_zero_to_the_unselected_branch_even_for_infinite_gradients(device):
    # The branch not selected receives a gradient of exactly 0. Building that zero
    # as gy * 0.0 turned an infinite upstream gradient into NaN (0 * inf).
    a = mg.tensor([1.0, 2.0], requires_grad=True, device=device)
    b = mg.tensor([3.0, 4.0], requires_grad=True, device=device)
    cond = mg.tensor([True, False], device=device)
    y = mg.where(cond, a, b)
    y.backward(mg.tensor([np.inf, np.inf], device=device))
    np.testing.assert_array_equal(a.grad.numpy(), [np.inf, 0.0])
    np.testing.assert_array_equal(b.grad.numpy(), [0.0, np.inf])


def test_pow_exponent_gradient_at_a_zero_base_is_zero(device):
    # d(a^b)/db = a^b ln a, whose limit at a = 0 (b > 0) is 0 (PyTorch masks it so too);
    # 0^b * log(0) = 0 * -inf made it NaN.
    a = mg.tensor([0.0, 2.0], dtype="float64", requires_grad=True, device=device)
    b = mg.tensor([2.0, 3.0], dtype="float64", requires_grad=True, device=device)
    (a ** b).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), [0.0, 8.0 * np.log(2.0)], rtol=1e-12)
    np.testing.assert_allclose(a.grad.numpy(), [0.0, 12.0], rtol=1e-12)


def test_pow_with_a_numpy_scalar_exponent_keeps_float32(device):
    # A NumPy float64 scalar is not "weak" under NumPy 2's promotion rules: x ** np.float64(c)
    # made a float64 output on a float32 path, and backward then failed in the engine.
    x = mg.tensor([1.0, 2.0], requires_grad=True, device=device)
    y = x ** np.float64(2.5)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), 2.5 * np.array([1.0, 2.0]) ** 1.5, rtol=1e-6)


def test_numpy_scalar_parameters_of_leaky_relu_and_clip_keep_float32(device):
    x = mg.tensor([-1.0, 2.0], requires_grad=True, device=device)
    assert mg.leaky_relu(x, np.float64(0.1)).dtype == np.float32
    assert mg.clip(x, np.float64(0.0), np.float64(1.0)).dtype == np.float32
    assert mg.clip(mg.tensor([1, 7], device=device), np.int64(0), np.int64(5)).dtype == np.int64


@pytest.mark.filterwarnings("ignore:divide by zero")  # sqrt'(0) = inf is the point of this test
def test_relu_blocks_an_infinite_gradient_at_inactive_units(device):
    # sqrt'(0) = inf; relu'(x <= 0) = 0, and the chain rule's 0 there must win, as in PyTorch.
    x = mg.tensor([-1.0, 4.0], requires_grad=True, device=device)
    mg.sqrt(mg.relu(x)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.25])
    # the same through the graph-recording backward, and for clip's flat regions
    x2 = mg.tensor([-1.0, 4.0], requires_grad=True, device=device)
    (g,) = mg.grad(mg.sqrt(mg.relu(x2)).sum(), x2, create_graph=True)
    np.testing.assert_array_equal(g.numpy(), [0.0, 0.25])
    x3 = mg.tensor([-1.0, 0.25], requires_grad=True, device=device)
    mg.sqrt(mg.clip(x3, 0.0, 1.0)).sum().backward()
    np.testing.assert_array_equal(x3.grad.numpy(), [0.0, 1.0])


_FLOAT_VALUED = {
    "exp": mg.exp, "log": mg.log, "sqrt": mg.sqrt, "sin": mg.sin, "cos": mg.cos, "tanh": mg.tanh,
    "sigmoid": mg.sigmoid, "softplus": mg.softplus, "logsumexp": mg.logsumexp,
    "leaky_relu": mg.leaky_relu, "pow_half": lambda t: t ** 0.5,
}


@pytest.mark.parametrize("name", list(_FLOAT_VALUED))
def test_float_valued_ops_of_integer_tensors_are_float32_and_exact(name, device):
    # Integers become float32 (as mean and / already do). NumPy made float64 here, and
    # softplus and logsumexp cast their result back to int64: softplus([1, 2]) gave [1, 2].
    ints = np.array([1, 2, 3])
    out = _FLOAT_VALUED[name](mg.tensor(ints, device=device))
    expected = _FLOAT_VALUED[name](mg.tensor(ints.astype(np.float32), device=device))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_of_integer_logits_is_float32(fn, device):
    from minigrad.nn import functional as F

    out = getattr(F, fn)(mg.tensor([1, 2], device=device))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), getattr(F, fn)(mg.tensor([1.0, 2.0], device=device)).numpy())


@pytest.mark.parametrize("call,op", [
    (lambda: mg.ones(2) + mg.ones(3), "add"),
    (lambda: mg.maximum(mg.ones(2, 3), mg.ones(4, 3)), "maximum"),
    (lambda: mg.where(mg.ones(2) > 0, mg.ones(3), mg.ones(3)), "where"),
])
def test_broadcast_errors_name_the_op_and_the_shapes(call, op):
    # NumPy's "operands could not be broadcast together" said neither which op nor which call.
    with pytest.raises(ValueError, match=rf"(?i)^{op}\b.*could not be broadcast.*\(\d, ?\d?\)"):
        call()


def test_argmax_over_several_axes_is_a_clear_error():
    with pytest.raises(TypeError, match=r"argmax: axis must be None or one int, got \(0, 1\)"):
        mg.argmax(mg.ones(2, 3), axis=(0, 1))


def test_logsumexp_over_an_empty_axis_names_the_op_and_shape():
    with pytest.raises(ValueError, match=r"logsumexp: .*empty.*\(0, 3\)"):
        mg.logsumexp(mg.zeros(0, 3), axis=0)
    assert mg.logsumexp(mg.zeros(0, 3), axis=1).shape == (0,)   # nothing reduced over an empty axis: fine


@pytest.mark.filterwarnings("ignore:divide by zero")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_large_relu_and_clip_also_block_infinite_gradients_exactly(device, dtype):
    # The array fast path selects by multiplying the bits by the mask, not by where(): exact zeros too.
    n = 4096
    values = np.linspace(-1.0, 1.0, n)
    x = mg.tensor(values, dtype=dtype, requires_grad=True, device=device)
    mg.sqrt(mg.relu(x)).sum().backward()
    g = x.grad.numpy()
    assert g.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(g[values <= 0], 0.0)
    np.testing.assert_allclose(g[values > 0], 0.5 / np.sqrt(values[values > 0]), rtol=1e-5)
    y = mg.tensor(values, dtype=dtype, requires_grad=True, device=device)
    mg.sqrt(mg.clip(y, 0.0, 0.5)).sum().backward()
    inside = (values >= 0) & (values <= 0.5)
    np.testing.assert_array_equal(y.grad.numpy()[~inside], 0.0)
