"""Op edge cases that differential fuzzing against PyTorch found (issue 11, items 3 and 5-10).

Each test failed before its fix. Expected values are PyTorch's (float64), written out.
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import functional as F


def _leaf(values):
    return mg.tensor(np.asarray(values, dtype=np.float64), dtype="float64", requires_grad=True)


# ---------------------------------------------------------------- 3: a ** b with a tensor exponent at a = 0
def test_tensor_exponent_at_a_zero_base_gives_torchs_derivatives():
    a = _leaf([0.0, 0.0, 0.0, 0.0])
    b = _leaf([0.0, -1.0, 2.0, 0.5])
    (a ** b).sum().backward()
    # d/da = b a^(b-1), taken as 0 where b = 0; d/db = a^b log a, taken as 0 where a = 0 and b >= 0.
    assert a.grad.tolist() == [0.0, -np.inf, 0.0, np.inf]
    assert b.grad.tolist() == [0.0, -np.inf, 0.0, 0.0]


def test_tensor_exponent_at_zero_matches_the_number_exponent_path():
    for exponent in (0.0, 2.0, 3.0):
        a1, a2 = _leaf([0.0]), _leaf([0.0])
        (a1 ** exponent).sum().backward()
        (a2 ** mg.tensor([exponent], dtype="float64")).sum().backward()
        assert a2.grad.tolist() == a1.grad.tolist()


# ---------------------------------------------------------------- 5: 0-d gradient summed from two consumers
def test_relu_of_a_0d_tensor_used_twice():
    x = _leaf(2.0)
    y = mg.relu(x)
    (y * y).backward()
    assert x.grad.shape == () and x.grad.item() == 4.0


def test_0d_gradients_summed_along_every_route():
    x = _leaf(-1.5)
    y = mg.leaky_relu(x, 0.1)
    z = mg.clip(x, -1.0, 1.0)
    (y * y + y * z + mg.abs(x) * z).backward()
    # y = -0.15, dy/dx = 0.1; z = -1 (clipped, dz/dx = 0); |x| = 1.5, d|x|/dx = -1
    assert x.grad.item() == pytest.approx(2 * -0.15 * 0.1 + 0.1 * -1.0 + -1.0 * -1.0)


# ---------------------------------------------------------------- 6: frozen weight, trainable bias, 1-D and 3-D input
@pytest.mark.parametrize("shape", [(3,), (4, 5, 3), (2, 3)])
def test_linear_with_a_frozen_weight_and_a_trainable_bias(shape):
    lin = mg.nn.Linear(3, 2, dtype="float64")
    lin.weight.requires_grad_(False)
    x = mg.tensor(np.random.default_rng(0).standard_normal(shape), dtype="float64")
    lin(x).sum().backward()
    rows = int(np.prod(shape[:-1]))
    assert lin.bias.grad.shape == (2,)
    np.testing.assert_allclose(lin.bias.grad.numpy(), [rows, rows])
    assert lin.weight.grad is None


@pytest.mark.parametrize("shape", [(3,), (4, 5, 3)])
def test_functional_linear_bias_gradient_on_1d_and_3d_input(shape):
    w = mg.tensor(np.ones((3, 2)), dtype="float64")
    b = _leaf([0.5, -0.5])
    x = mg.tensor(np.ones(shape), dtype="float64")
    (F.linear(x, w, b) * mg.tensor([1.0, 2.0], dtype="float64")).sum().backward()
    rows = int(np.prod(shape[:-1]))
    np.testing.assert_allclose(b.grad.numpy(), [rows, 2 * rows])


# ---------------------------------------------------------------- 7: mean over empty axes and empty losses
@pytest.mark.parametrize("shape, axis", [((0, 3), None), ((2, 0), 1), ((0, 3), 0), ((0,), None), ((2, 0, 3), (0, 1))])
def test_mean_over_nothing_has_an_empty_gradient(shape, axis):
    x = mg.tensor(np.ones(shape), dtype="float64", requires_grad=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = mg.mean(x, axis=axis)
        assert np.isnan(y.numpy()).all()
        y.sum().backward()
    assert x.grad.shape == shape


def test_mean_over_an_empty_axis_of_a_nonempty_result_is_differentiable_twice():
    x = mg.tensor(np.ones((0, 3)), dtype="float64", requires_grad=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        (gx,) = mg.grad(mg.mean(x, axis=0).sum(), [x], create_graph=True)
    assert gx.shape == (0, 3)


@pytest.mark.parametrize("loss", [F.l1_loss, F.mse_loss])
def test_mean_losses_on_an_empty_batch_are_nan_with_an_empty_gradient(loss):
    x = mg.tensor(np.ones((0, 3)), dtype="float64", requires_grad=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = loss(x, np.ones((0, 3)))
        assert np.isnan(value.item())
        value.backward()
    assert x.grad.shape == (0, 3)
    s = loss(x, np.ones((0, 3)), reduction="sum")
    assert s.item() == 0.0


# ---------------------------------------------------------------- 8: split with non-increasing indices
def test_split_with_overlapping_pieces_sums_their_gradients():
    x = _leaf(np.arange(5.0))
    pieces = mg.split(x, [3, 1])
    assert [p.shape for p in pieces] == [(3,), (0,), (4,)]   # NumPy's pieces: x[:3], x[3:1], x[1:]
    (pieces[0].sum() * 2.0 + (pieces[2] * 3.0).sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 5.0, 5.0, 3.0, 3.0])


def test_split_with_repeated_indices_along_an_axis():
    x = _leaf(np.arange(12.0).reshape(3, 4))
    pieces = mg.split(x, [2, 2, 1], axis=1)
    assert [p.shape for p in pieces] == [(3, 2), (3, 0), (3, 0), (3, 3)]
    sum(p.sum() for p in pieces).backward()
    np.testing.assert_allclose(x.grad.numpy(), np.tile([1.0, 2.0, 1.0, 1.0], (3, 1)))  # overlap at column 1


# ---------------------------------------------------------------- 9: softmax along a size-0 axis
@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax])
@pytest.mark.parametrize("shape, axis", [((2, 0), 1), ((0, 3), 0), ((0, 3), 1), ((0,), 0)])
def test_softmax_along_an_empty_axis_is_empty(fn, shape, axis):
    x = mg.tensor(np.ones(shape), dtype="float64", requires_grad=True)
    y = fn(x, axis=axis)
    assert y.shape == shape
    y.sum().backward()
    assert x.grad.shape == shape


# ---------------------------------------------------------------- 10: float32 stays the rule for integer inputs
def test_clip_of_an_integer_tensor_with_float_bounds_is_float32():
    t = mg.tensor(np.array([1, 2, 3]))
    y = mg.clip(t, 0.5, 2.5)
    assert y.dtype == np.float32
    assert y.tolist() == [1.0, 2.0, 2.5]


@pytest.mark.parametrize("scalar", [np.float64(1.5), np.float32(1.5), 1.5])
def test_integer_tensor_plus_a_numpy_float_scalar_is_float32(scalar):
    t = mg.tensor(np.array([1, 2, 3]))
    for y in (t + scalar, scalar + t, t * scalar, t - scalar, t / scalar):
        assert y.dtype == np.float32


# ---------------------------------------------------------------- found by the differential fuzz test
@pytest.mark.parametrize("op", [mg.max, mg.min])
def test_max_and_min_over_a_nonempty_axis_of_an_empty_tensor_are_empty(op):
    x = mg.tensor(np.ones((2, 0)), dtype="float64", requires_grad=True)
    y = op(x, axis=0)
    assert y.shape == (0,)
    y.sum().backward()
    assert x.grad.shape == (2, 0)
    with pytest.raises(ValueError, match=r"cannot reduce over an empty axis of a tensor of shape \(2, 0\)"):
        op(x, axis=1)


@pytest.mark.parametrize("create_graph", [False, True])
def test_split_into_one_piece_is_differentiable(create_graph):
    x = _leaf(np.arange(6.0).reshape(2, 3))
    (piece,) = mg.split(x, 1, axis=0)
    (g,) = mg.grad((piece * piece).sum(), [x], create_graph=create_graph)
    np.testing.assert_allclose(g.numpy(), 2 * x.numpy())
    (piece,) = mg.split(mg.tensor(np.ones((1, 0)), dtype="float64", requires_grad=True), 1)
    assert piece.shape == (1, 0)
