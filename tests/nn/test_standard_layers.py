"""The standard layers: gradients (float64 gradcheck, parameters included), shapes, modes, errors."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import (BatchNorm1d, Dropout, Flatten, Identity, LeakyReLU, Linear, LogSoftmax, ReLU,
                         Sigmoid, Softmax, Tanh)

F64 = np.float64


def _x(*shape, seed=0, device="cpu"):
    data = np.random.default_rng(seed).standard_normal(shape)
    return mg.tensor(data, dtype=F64, requires_grad=True, device=device)


def _check_layer(layer, x, second_order=True):
    """gradcheck (and gradgradcheck) of ``layer`` with respect to its input and every parameter."""
    params = tuple(layer.parameters())
    assert all(p.dtype == F64 for p in params)

    def run(x, *ps):
        return layer(x)

    assert mg.gradcheck(run, (x, *params))
    if second_order:
        assert mg.gradgradcheck(run, (x, *params))


def test_linear_forward_matches_equation_and_gradchecks(device):
    mg.manual_seed(0)
    lin = Linear(4, 3, dtype=F64, device=device)
    x = _x(5, 4, device=device)
    expected = x.numpy() @ lin.weight.numpy() + lin.bias.numpy()
    np.testing.assert_allclose(lin(x).numpy(), expected, rtol=1e-12)
    _check_layer(lin, x)


def test_linear_without_bias_and_with_batch_of_sequences():
    lin = Linear(3, 2, bias=False, dtype=F64)
    assert lin.bias is None and [n for n, _ in lin.named_parameters()] == ["weight"]
    _check_layer(lin, _x(2, 4, 3))


def test_linear_default_init_is_he_uniform_with_zero_bias():
    mg.manual_seed(3)
    lin = Linear(600, 400)
    bound = np.sqrt(6.0 / 600)
    w = lin.weight.numpy()
    assert w.dtype == np.float32 and w.shape == (600, 400)
    assert np.abs(w).max() <= bound
    # Var of U(-b, b) is b^2 / 3 = 2 / fan_in; 240,000 draws give a std error of ~0.3%.
    np.testing.assert_allclose(w.var(), 2.0 / 600, rtol=0.02)
    np.testing.assert_array_equal(lin.bias.numpy(), np.zeros(400, dtype=np.float32))


def test_linear_shape_and_dtype_errors():
    lin = Linear(784, 10)
    with pytest.raises(ValueError, match=r"Linear: input has shape \(64, 100\) but in_features=784"):
        lin(mg.zeros(64, 100))
    with pytest.raises(TypeError, match="Linear: input dtype float64 does not match weight dtype float32"):
        lin(mg.zeros(2, 784, dtype=F64))
    with pytest.raises(ValueError, match="in_features and out_features must be positive"):
        Linear(0, 3)


@pytest.mark.parametrize("layer, fn", [
    (ReLU(), lambda a: np.maximum(a, 0)),
    (LeakyReLU(0.2), lambda a: np.where(a > 0, a, 0.2 * a)),
    (Tanh(), np.tanh),
    (Sigmoid(), lambda a: 1 / (1 + np.exp(-a))),
    (Identity(), lambda a: a),
])
def test_elementwise_activation_layers(layer, fn, device):
    x = _x(4, 5, seed=1, device=device)
    np.testing.assert_allclose(layer(x).numpy(), fn(x.numpy()), rtol=1e-12)
    _check_layer(layer, x)


@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_and_log_softmax_layers(axis, device):
    x = _x(3, 4, seed=2, device=device)
    a = x.numpy()
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    p = e / e.sum(axis=axis, keepdims=True)
    np.testing.assert_allclose(Softmax(axis)(x).numpy(), p, rtol=1e-12)
    np.testing.assert_allclose(LogSoftmax(axis)(x).numpy(), np.log(p), rtol=1e-12)
    _check_layer(Softmax(axis), x)
    _check_layer(LogSoftmax(axis), x)


def test_flatten_reshapes_images_and_passes_gradients():
    x = _x(2, 3, 4)
    assert Flatten()(x).shape == (2, 12)
    _check_layer(Flatten(), x)


def test_dropout_is_identity_in_eval_and_inverted_in_training(device):
    drop = Dropout(0.25)
    x = mg.ones(400, 500, device=device)
    drop.eval()
    assert drop(x) is x
    drop.train()
    mg.manual_seed(0)
    out = drop(x)
    assert out.device == x.device
    y = out.numpy()
    assert y.dtype == np.float32
    kept = y != 0
    np.testing.assert_allclose(y[kept], np.full(kept.sum(), 1 / 0.75, dtype=np.float32))
    # 200,000 Bernoulli(0.75) draws: std error of the kept fraction is ~0.001.
    np.testing.assert_allclose(kept.mean(), 0.75, atol=0.005)


def test_dropout_backward_is_the_same_mask_and_seeded():
    x = mg.tensor(np.arange(1, 13, dtype=np.float32).reshape(3, 4), requires_grad=True)
    mg.manual_seed(7)
    y = Dropout(0.5)(x)
    y.sum().backward()
    mask = y.numpy() / x.numpy()
    np.testing.assert_array_equal(x.grad.numpy(), mask)
    assert set(np.unique(mask)) <= {0.0, 2.0}
    mg.manual_seed(7)
    np.testing.assert_array_equal(Dropout(0.5)(x).numpy(), y.numpy())


def test_dropout_gradcheck_with_fixed_mask():
    # Reseed before every forward so the numeric differences see the same mask.
    x = _x(3, 5, seed=4)

    def run(x):
        mg.manual_seed(11)
        return mg.nn.functional.dropout(x, 0.3, training=True)

    assert mg.gradcheck(run, (x,))
    assert mg.gradgradcheck(run, (x,))


def test_dropout_rejects_bad_p():
    with pytest.raises(ValueError, match="Dropout: p must be in"):
        Dropout(1.5)


def _batchnorm_reference(a, gamma, beta, eps):
    mean = a.mean(axis=0)
    var = a.var(axis=0)  # biased, as in the forward pass
    return gamma * (a - mean) / np.sqrt(var + eps) + beta


def test_batchnorm_training_forward_and_running_stats_by_hand(device):
    bn = BatchNorm1d(3, momentum=0.1, dtype=F64, device=device)
    bn.weight.data[...] = mg.tensor([1.0, 2.0, 0.5], dtype=F64, device=device).data
    bn.bias.data[...] = mg.tensor([0.0, -1.0, 3.0], dtype=F64, device=device).data
    a = np.random.default_rng(5).standard_normal((6, 3)) * 2 + 1
    y = bn(mg.tensor(a, dtype=F64, device=device))
    np.testing.assert_allclose(y.numpy(), _batchnorm_reference(a, bn.weight.numpy(), bn.bias.numpy(), 1e-5),
                               rtol=1e-10)
    # PyTorch semantics: running_var uses the unbiased variance (ddof=1).
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.9 * 0 + 0.1 * a.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.9 * 1 + 0.1 * a.var(axis=0, ddof=1), rtol=1e-12)
    b = a[::-1] * 0.5
    bn(mg.tensor(b, dtype=F64, device=device))
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.9 * 0.1 * a.mean(axis=0) + 0.1 * b.mean(axis=0),
                               rtol=1e-12)


def test_batchnorm_eval_uses_running_stats():
    bn = BatchNorm1d(2, dtype=F64)
    bn.running_mean.data[...] = [1.0, -2.0]
    bn.running_var.data[...] = [4.0, 0.25]
    bn.weight.data[...] = [3.0, 1.0]
    bn.bias.data[...] = [0.5, 0.0]
    bn.eval()
    a = np.array([[1.0, 0.0], [3.0, -2.0], [5.0, 1.0]])
    expected = np.array([3.0, 1.0]) * (a - [1.0, -2.0]) / np.sqrt(np.array([4.0, 0.25]) + 1e-5) + [0.5, 0.0]
    np.testing.assert_allclose(bn(mg.tensor(a, dtype=F64)).numpy(), expected, rtol=1e-12)
    np.testing.assert_array_equal(bn.running_mean.numpy(), [1.0, -2.0])  # eval never updates
    _check_layer(bn, _x(3, 2, seed=6))


def test_batchnorm_gradcheck_in_training_mode_2d_and_3d(device):
    bn = BatchNorm1d(3, dtype=F64, device=device)
    bn.weight.data[...] = bn.weight.data * 1.5
    _check_layer(bn, _x(5, 3, seed=7, device=device))
    bn3 = BatchNorm1d(2, dtype=F64, affine=False)
    _check_layer(bn3, _x(3, 2, 4, seed=8))


def test_batchnorm_3d_running_stats_reduce_over_batch_and_length():
    bn = BatchNorm1d(2, momentum=1.0, dtype=F64)
    a = np.random.default_rng(9).standard_normal((3, 2, 4))
    bn(mg.tensor(a, dtype=F64))
    np.testing.assert_allclose(bn.running_mean.numpy(), a.mean(axis=(0, 2)), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), a.var(axis=(0, 2), ddof=1), rtol=1e-12)


def test_batchnorm_errors_name_the_layer_and_shapes():
    bn = BatchNorm1d(4)
    with pytest.raises(ValueError, match=r"BatchNorm1d: input has shape \(2, 3\) but expected \(N, 4\)"):
        bn(mg.zeros(2, 3))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(mg.zeros(1, 4))


def test_batchnorm_float32_stays_float32():
    bn = BatchNorm1d(3)
    x = mg.tensor(np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    y = bn(x)
    y.sum().backward()
    for arr in (y.data, x.grad.data, bn.weight.grad.data, bn.bias.grad.data, bn.running_mean.data,
                bn.running_var.data):
        assert arr.dtype == np.float32
