"""Edge cases found in review: each test failed before its fix."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import functional as F


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


def test_cross_entropy_with_a_masked_minus_inf_logit_is_finite(device):
    # A class masked out with a logit of -inf has probability 0; with target class 0 the
    # loss is exactly log(1 + e^-1). 0 * log_p = 0 * -inf made it NaN.
    logits = mg.tensor([[0.0, -np.inf, -1.0]], requires_grad=True, device=device)
    loss = F.cross_entropy(logits, np.array([0]))
    np.testing.assert_allclose(loss.item(), np.log1p(np.exp(-1.0)), rtol=1e-6)
    loss.backward()
    p1 = 1.0 / (1.0 + np.exp(-1.0))
    np.testing.assert_allclose(logits.grad.numpy(), [[p1 - 1.0, 0.0, 1.0 - p1]], rtol=1e-6, atol=1e-7)


def test_nll_loss_of_a_masked_minus_inf_log_probability_is_finite(device):
    log_probs = mg.tensor([[0.0, -np.inf]], requires_grad=True, device=device)
    loss = F.nll_loss(log_probs, np.array([0]))
    assert loss.item() == 0.0
    loss.backward()
    np.testing.assert_array_equal(log_probs.grad.numpy(), [[-1.0, 0.0]])


def test_cross_entropy_ignored_row_adds_zero_whatever_its_logits(device):
    # An ignored row gathers at a placeholder class; a -inf logit there must not turn
    # the row's weight 0 into 0 * inf = NaN.
    logits = mg.tensor([[-np.inf, 0.0], [1.0, 2.0]], requires_grad=True, device=device)
    loss = F.cross_entropy(logits, np.array([-100, 1]), ignore_index=-100, reduction="sum")
    np.testing.assert_allclose(loss.item(), np.log1p(np.exp(-1.0)), rtol=1e-6)
    loss.backward()
    grad = logits.grad.numpy()
    np.testing.assert_array_equal(grad[0], [0.0, 0.0])
    p = 1.0 / (1.0 + np.exp(-1.0))
    np.testing.assert_allclose(grad[1], [1.0 - p, p - 1.0], rtol=1e-6)
