"""minigrad.nn.functional: values from the definitions and clear errors for bad arguments."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import BatchNorm1d
from minigrad.nn import functional as F


def test_linear_is_x_at_w_plus_b():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal(2)
    out = F.linear(mg.tensor(x, dtype="float64"), mg.tensor(w, dtype="float64"), mg.tensor(b, dtype="float64"))
    np.testing.assert_allclose(out.numpy(), x @ w + b, rtol=1e-12)
    np.testing.assert_allclose(F.linear(mg.tensor(x, dtype="float64"), mg.tensor(w, dtype="float64")).numpy(),
                               x @ w, rtol=1e-12)


def test_functional_batch_norm_matches_the_layer():
    a = np.random.default_rng(1).standard_normal((5, 3)).astype(np.float32)
    bn = BatchNorm1d(3)
    running_mean, running_var = mg.zeros(3), mg.ones(3)
    expected = bn(mg.tensor(a)).numpy()
    out = F.batch_norm(mg.tensor(a), running_mean, running_var, bn.weight, bn.bias, training=True)
    np.testing.assert_array_equal(out.numpy(), expected)
    np.testing.assert_array_equal(running_mean.numpy(), bn.running_mean.numpy())
    np.testing.assert_array_equal(running_var.numpy(), bn.running_var.numpy())


def test_softmax_rows_sum_to_one_along_the_axis():
    x = mg.tensor(np.random.default_rng(2).standard_normal((2, 3, 4)))
    for axis in (0, 1, -1):
        np.testing.assert_allclose(F.softmax(x, axis).numpy().sum(axis=axis), 1.0, rtol=1e-6)
        np.testing.assert_allclose(np.exp(F.log_softmax(x, axis).numpy()).sum(axis=axis), 1.0, rtol=1e-6)


def test_bad_arguments_raise_clear_errors():
    x = mg.zeros(2, 3)
    with pytest.raises(ValueError, match=r"softmax: axis=2 is out of range for input of shape \(2, 3\)"):
        F.softmax(x, axis=2)
    with pytest.raises(ValueError, match=r"log_softmax: axis=-3 is out of range"):
        F.log_softmax(x, axis=-3)
    with pytest.raises(ValueError, match=r"dropout: p must be a number in \[0, 1\], got -0.1"):
        F.dropout(x, -0.1)
    with pytest.raises(ValueError, match=r"batch_norm: expected input of shape \(N, C, \*\), got \(3,\)"):
        F.batch_norm(mg.zeros(3), None, None, training=True)
    with pytest.raises(RuntimeError, match="batch_norm: running_mean must be defined in evaluation mode"):
        F.batch_norm(x, None, None, training=False)


def test_dropout_p_one_zeroes_everything_and_p_zero_is_identity():
    x = mg.ones(3, 3, requires_grad=True)
    assert F.dropout(x, 0.0) is x
    y = F.dropout(x, 1.0)
    y.sum().backward()
    np.testing.assert_array_equal(y.numpy(), np.zeros((3, 3)))
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((3, 3)))


def test_float64_dropout_mask_is_float64():
    x = mg.ones(4, 4, dtype="float64")
    assert F.dropout(x, 0.5).dtype == np.float64


def _f32(*shape):
    return mg.tensor(np.ones(shape, dtype=np.float32), requires_grad=True)


def test_linear_refuses_a_float64_input_for_float32_weights():
    # x @ W with float64 x silently promoted the whole layer's output to float64.
    x = mg.tensor(np.ones((2, 3)), dtype="float64")
    with pytest.raises(TypeError, match=r"linear.*float64.*float32"):
        F.linear(x, _f32(3, 4))


def test_linear_refuses_a_bias_of_another_dtype_at_the_call():
    # The in-place bias add cast a float64 bias silently; backward then failed with an unclear message.
    bias = mg.tensor(np.ones(4), dtype="float64", requires_grad=True)
    with pytest.raises(TypeError, match=r"linear.*bias.*float64"):
        F.linear(_f32(2, 3), _f32(3, 4), bias)


@pytest.mark.parametrize("x_shape,w_shape,b_shape", [((2, 5), (3, 4), None), ((2, 3), (3, 4), (3,))])
def test_linear_shape_errors_name_linear_and_the_shapes(x_shape, w_shape, b_shape):
    bias = None if b_shape is None else _f32(*b_shape)
    with pytest.raises(ValueError, match=r"linear: .*\(3, 4\)"):
        F.linear(_f32(*x_shape), _f32(*w_shape), bias)


@pytest.mark.parametrize("x_shape, w_shape", [((3, 0), (0, 2)), ((2, 3, 0), (0, 1)), ((0,), (0, 2)),
                                              ((3, 2), (2, 0)), ((2, 1, 2), (2, 0))])
@pytest.mark.parametrize("create_graph", [False, True])
def test_linear_with_no_input_or_no_output_features_has_gradients(x_shape, w_shape, create_graph):
    # in_features 0: y = b everywhere; out_features 0: y is empty. The weight's gradient reshaped the
    # rows with reshape(-1, 0), which cannot be read for 0 elements, and raised instead.
    x = mg.tensor(np.ones(x_shape), dtype="float64", requires_grad=True)
    w = mg.tensor(np.ones(w_shape), dtype="float64", requires_grad=True)
    b = mg.tensor(np.arange(1.0, w_shape[1] + 1), dtype="float64", requires_grad=True)
    y = F.linear(x, w, b)
    assert y.shape == x_shape[:-1] + (w_shape[1],)
    np.testing.assert_array_equal(y.numpy(), np.broadcast_to(b.numpy(), y.shape) + (x_shape[-1] * np.ones(y.shape)))
    gx, gw, gb = mg.grad((y * 2.0).sum(), [x, w, b], create_graph=create_graph)
    np.testing.assert_array_equal(gx.numpy(), 2.0 * w_shape[1] * np.ones(x_shape))
    np.testing.assert_array_equal(gw.numpy(), 2.0 * int(np.prod(x_shape[:-1])) * np.ones(w_shape))
    np.testing.assert_array_equal(gb.numpy(), 2.0 * int(np.prod(x_shape[:-1])) * np.ones(w_shape[1:]))


def test_linear_given_a_weight_in_pytorchs_out_in_layout_says_to_pass_its_transpose():
    """F.linear(x, W) with torch's (out, in) W (a custom layer ported from PyTorch) names the layout and the fix."""
    x, w = mg.zeros((2, 4)), mg.zeros((3, 4))
    with pytest.raises(ValueError, match=r"^linear: expected x \(\.\.\., in\), weight \(in, out\) and bias \(out,\); "
                                         r"got x \(2, 4\), weight \(3, 4\), bias \(3,\)\. The weight is in PyTorch's "
                                         r"\(out, in\) layout: pass weight\.T$"):
        F.linear(x, w, mg.zeros(3))
    with pytest.raises(ValueError, match=r"got x \(2, 4\), weight \(3, 5\)$"):   # no layout fits: no hint
        F.linear(x, mg.zeros((3, 5)))
