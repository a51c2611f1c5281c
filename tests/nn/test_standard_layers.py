"""The standard layers: gradients (float64 gradcheck, parameters included), shapes, modes, errors."""
import re

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
    with pytest.raises(ValueError, match="Linear: in_features must be a positive integer, got 0"):
        Linear(0, 3)


@pytest.mark.parametrize("shape, features", [((2, 28, 28), 784), ((2, 4, 26, 26), 2704)])
def test_linear_given_unflattened_samples_says_to_flatten_them(shape, features):
    """MNIST's (N, 28, 28) images, or a conv's (N, C, H, W) output, into a Linear without nn.Flatten(): the error
    used to give the two numbers only; now it says that Linear reads the last axis and how to flatten."""
    with pytest.raises(ValueError, match="^" + re.escape(
            f"Linear: input has shape {shape} but in_features={features}; Linear reads the last axis as the "
            f"features: flatten each sample first (nn.Flatten() before this layer, or x.reshape(len(x), -1)) to get "
            f"(2, {features})") + "$"):
        Linear(features, 10)(mg.zeros(*shape))
    with pytest.raises(ValueError, match=r"^Linear: input has shape \(2, 3, 100\) but in_features=784$"):
        Linear(784, 10)(mg.zeros(2, 3, 100))   # no flattening gives 784: no hint


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
    with pytest.raises(ValueError, match=r"Dropout: p must be a number in \[0, 1\], got 1.5"):
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


# ----------------------------------------------------------------------------- constructor arguments
# (constructor call, message): every bad argument is one ValueError naming the layer, the argument and the value.
BAD_LAYER_ARGUMENTS = [
    (lambda: Linear(3.5, 2), "Linear: in_features must be a positive integer, got 3.5"),
    (lambda: Linear("3", 2), "Linear: in_features must be a positive integer, got '3'"),
    (lambda: Linear(True, 2), "Linear: in_features must be a positive integer, got True"),
    (lambda: Linear(3, 0), "Linear: out_features must be a positive integer, got 0"),
    (lambda: Linear(3, 2, dtype="int64"), "Linear: dtype must be a floating dtype such as 'float32', got 'int64'"),
    (lambda: Linear(3, 2, dtype="nonsense"), "Linear: dtype must be a floating dtype .* got 'nonsense'"),
    (lambda: Dropout("0.5"), r"Dropout: p must be a number in \[0, 1\], got '0.5'"),
    (lambda: Dropout(None), r"Dropout: p must be a number in \[0, 1\], got None"),
    (lambda: Dropout(-0.1), r"Dropout: p must be a number in \[0, 1\], got -0.1"),
    (lambda: Dropout(1.01), r"Dropout: p must be a number in \[0, 1\], got 1.01"),   # True is 1.0, as torch's
    (lambda: Dropout(float("nan")), r"Dropout: p must be a number in \[0, 1\], got nan"),
    (lambda: mg.nn.Dropout2d(1.5), r"Dropout2d: p must be a number in \[0, 1\], got 1.5"),
    (lambda: LeakyReLU("a"), "LeakyReLU: negative_slope must be a real number, got 'a'"),
    (lambda: LeakyReLU(None), "LeakyReLU: negative_slope must be a real number, got None"),   # inf and NaN: torch's
    (lambda: Softmax(1.5), "Softmax: axis must be an integer, got 1.5"),
    (lambda: LogSoftmax(1.5), "LogSoftmax: axis must be an integer, got 1.5"),
    (lambda: LogSoftmax(None), "LogSoftmax: axis must be an integer, got None"),
    (lambda: Flatten(1.5), "Flatten: start_dim must be an integer, got 1.5"),
    (lambda: Flatten(1, "x"), "Flatten: end_dim must be an integer, got 'x'"),
    (lambda: Flatten(2, 1), "Flatten: start_dim=2 comes after end_dim=1"),
    (lambda: Flatten(-1, -2), "Flatten: start_dim=-1 comes after end_dim=-2"),
    (lambda: mg.nn.Unflatten(1, "ab"), r"Unflatten: unflattened_size must be a non-empty tuple of non-negative integers "
                                       r"\(one of them may be -1\), got 'ab'"),
    (lambda: mg.nn.Unflatten(1, (2, -1, -1)), r"unflattened_size .* got \(2, -1, -1\)"),
    (lambda: mg.nn.Unflatten(1, (2, -2)), r"unflattened_size .* got \(2, -2\)"),
    (lambda: mg.nn.Unflatten(1, (2, 1.5)), r"unflattened_size .* got \(2, 1.5\)"),
    (lambda: mg.nn.Unflatten(1, ()), r"unflattened_size .* got \(\)"),
    (lambda: mg.nn.Unflatten(1, 6), r"unflattened_size .* got 6"),
    (lambda: mg.nn.Unflatten(1.0, (2, 3)), "Unflatten: dim must be an integer, got 1.0"),
    (lambda: mg.nn.Embedding(2.5, 3), "Embedding: num_embeddings must be a positive integer, got 2.5"),
    (lambda: mg.nn.Embedding(True, 3), "Embedding: num_embeddings must be a positive integer, got True"),
    (lambda: mg.nn.Embedding(5, 0), "Embedding: embedding_dim must be a positive integer, got 0"),
    (lambda: mg.nn.Embedding(5, "3"), "Embedding: embedding_dim must be a positive integer, got '3'"),
    (lambda: mg.nn.Embedding(5, 3, padding_idx=True),
     r"Embedding: padding_idx must be an integer in \[-5, 5\), got True"),
    (lambda: mg.nn.Embedding(5, 3, padding_idx=1.0), r"Embedding: padding_idx must be an integer .* got 1.0"),
    (lambda: mg.nn.Embedding(5, 3, dtype="int32"), "Embedding: dtype must be a floating dtype"),
]


def test_unflatten_splits_an_empty_axis_into_sizes_holding_zero_as_torch():
    # torch.nn.Unflatten(0, (0, 3)) on (0, 2) gives (0, 3, 2); a -1 beside a 0 could be any size and stays an error
    assert mg.nn.Unflatten(0, (0, 3))(mg.zeros(0, 2)).shape == (0, 3, 2)
    assert mg.nn.Unflatten(1, (2, 0))(mg.zeros(3, 0)).shape == (3, 2, 0)
    with pytest.raises(ValueError, match=r"Unflatten: cannot split axis 1 of shape \(3, 0\) into \(-1, 0\)"):
        mg.nn.Unflatten(1, (-1, 0))(mg.zeros(3, 0))
    with pytest.raises(ValueError, match=r"Unflatten: cannot split axis 1 of shape \(3, 6\) into \(0, 3\)"):
        mg.nn.Unflatten(1, (0, 3))(mg.zeros(3, 6))


@pytest.mark.parametrize("make, message", BAD_LAYER_ARGUMENTS)
def test_bad_layer_arguments_raise_at_construction_naming_layer_argument_and_value(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_layer_arguments_accept_numpy_scalars_and_store_python_values():
    lin = Linear(np.int64(3), np.int32(2))
    assert (lin.in_features, lin.out_features) == (3, 2) and type(lin.in_features) is int
    assert lin.weight.shape == (3, 2)
    assert Dropout(np.float32(0.25)).p == 0.25 and type(Dropout(np.float32(0.25)).p) is float
    assert LeakyReLU(np.float64(0.2)).negative_slope == 0.2
    assert Softmax(np.int64(0)).axis == 0
    emb = mg.nn.Embedding(np.int64(5), 2, padding_idx=np.int64(-1))
    assert emb.padding_idx == 4 and type(emb.padding_idx) is int


def test_linear_and_embedding_take_device_before_dtype_like_torch():
    import inspect

    import torch
    for ours, theirs in ((Linear, torch.nn.Linear), (mg.nn.Embedding, torch.nn.Embedding)):
        names = [n for n in inspect.signature(ours).parameters if n in ("device", "dtype")]
        assert names == [n for n in inspect.signature(theirs).parameters if n in ("device", "dtype")]
    lin = Linear(3, 2, True, "cpu", "float64")   # PyTorch's positions: bias, device, dtype
    assert lin.weight.dtype == F64 and lin.bias.dtype == F64 and lin.weight.device == "cpu"
    assert Linear(3, 2, dtype=None).weight.dtype == np.float32   # None: the default float, as in PyTorch
    # PyTorch's Embedding has max_norm, norm_type, ... after padding_idx: ours takes device and dtype by keyword.
    with pytest.raises(TypeError):
        mg.nn.Embedding(5, 2, None, "cpu")
    assert mg.nn.Embedding(5, 2, device="cpu", dtype="float64").weight.dtype == F64


@pytest.mark.parametrize("args", [(), (0,), (1,), (2,), (-2,), (0, -2), (1, 1), (-3, 1), (0, 0)])
def test_flatten_start_and_end_dim_match_torch(args):
    import torch
    a = np.random.default_rng(5).standard_normal((2, 3, 4))
    x = mg.tensor(a, dtype=F64, requires_grad=True)
    out = Flatten(*args)(x)
    np.testing.assert_array_equal(out.numpy(), torch.nn.Flatten(*args)(torch.tensor(a)).numpy())
    assert "start_dim" in repr(Flatten(*args))
    _check_layer(Flatten(*args), x, second_order=False)


@pytest.mark.parametrize("shape, args, message", [
    ((4,), (), r"Flatten: start_dim=1 is out of range for an input of shape \(4,\) "
               r"\(expected a dimension in \[-1, 0\]\)"),
    ((), (), r"Flatten: start_dim=1 is out of range for an input of shape \(\)"),
    ((2, 3), (0, 2), r"Flatten: end_dim=2 is out of range for an input of shape \(2, 3\)"),
    ((2, 3, 4), (1, -3), r"Flatten: start_dim=1 comes after end_dim=-3 for an input of shape \(2, 3, 4\)"),
])
def test_flatten_rejects_inputs_torch_rejects(shape, args, message):
    import torch
    with pytest.raises((IndexError, RuntimeError)):
        torch.nn.Flatten(*args)(torch.zeros(shape))
    with pytest.raises(ValueError, match=message):
        Flatten(*args)(mg.zeros(*shape))


def test_flatten_of_a_0d_input_from_dim_0_is_one_element_like_torch():
    assert Flatten(0)(mg.tensor(3.0)).shape == (1,)


@pytest.mark.parametrize("dim, sizes, shape", [(1, (2, -1), (2, 6)), (-1, [-1, 3], (2, 6)), (0, (2, -1), (4, 2))])
def test_unflatten_infers_one_minus_one_like_torch(dim, sizes, shape):
    import torch
    a = np.arange(np.prod(shape), dtype=F64).reshape(shape)
    out = mg.nn.Unflatten(dim, sizes)(mg.tensor(a))
    np.testing.assert_array_equal(out.numpy(), torch.nn.Unflatten(dim, sizes)(torch.tensor(a)).numpy())
    with pytest.raises(ValueError, match=r"Unflatten: cannot split axis .* of shape"):
        mg.nn.Unflatten(dim, sizes)(mg.zeros(3, 5, 7))   # 3, 5 and 7 split into neither 2 nor 3


@pytest.mark.parametrize("fn, shape", [(mg.nn.functional.dropout, (3, 4)), (mg.nn.functional.dropout2d, (2, 3, 4, 4))])
@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_dropout_that_would_scale_a_non_floating_input_is_a_type_error(fn, shape, dtype):
    # The 1/(1-p) scale would be cast to the integer dtype (no rescaling at all); PyTorch refuses too.
    import torch
    name = fn.__name__
    x = mg.tensor(np.ones(shape, dtype=dtype))
    with pytest.raises(RuntimeError):
        getattr(torch.nn.functional, name)(torch.ones(shape, dtype=torch.long), 0.5, True)
    with pytest.raises(TypeError, match=f"{name}: input must be floating point to be scaled by 1/\\(1-p\\), "
                                        rf"got dtype {dtype} \(shape \({shape[0]}, "):
        fn(x, 0.5, True)
    # Nothing to scale (evaluation, or p = 0): the input comes back as it is, as in PyTorch.
    assert fn(x, 0.5, False) is x and fn(x, 0.0, True) is x
    with pytest.raises(TypeError, match=f"{name}: input must be a Tensor, got ndarray"):
        fn(np.ones(shape), 0.5)
    with pytest.raises(ValueError, match=rf"{name}: p must be a number in \[0, 1\], got '0.5'"):
        fn(mg.ones(*shape), "0.5")


def test_embedding_takes_torchs_positional_arguments_and_weight():
    import torch
    w = np.arange(12.0).reshape(4, 3)
    ours = mg.nn.Embedding(4, 3, 1, None, 2.0, False, False, w, True)
    theirs = torch.nn.Embedding(4, 3, 1, None, 2.0, False, False, torch.tensor(w), True)
    assert ours.weight.dtype == np.float64 and theirs.weight.dtype == torch.float64
    np.testing.assert_array_equal(ours.weight.numpy(), theirs.weight.detach().numpy())   # padding row kept
    assert ours.weight.requires_grad is theirs.weight.requires_grad is False
    assert mg.nn.Embedding(4, 3, _weight=w).weight.requires_grad is True


def test_embedding_refuses_what_it_does_not_implement():
    with pytest.raises(ValueError, match=r"^Embedding: sparse gradients are not supported .*got sparse=True"):
        mg.nn.Embedding(4, 3, sparse=True)
    with pytest.raises(ValueError, match=r"^Embedding: sparse gradients are not supported"):
        mg.nn.Embedding.from_pretrained(np.zeros((4, 3)), sparse=True)
    with pytest.raises(TypeError, match=r"^Embedding: scale_grad_by_freq must be True or False, got scale_grad_by_freq=1$"):
        mg.nn.Embedding(4, 3, scale_grad_by_freq=1)
    with pytest.raises(ValueError, match=r"^Embedding: _weight of shape \(3, 3\) does not match"):
        mg.nn.Embedding(4, 3, _weight=np.zeros((3, 3)))


def test_dropout2d_takes_a_2d_input_as_torch_does_dropping_each_entry_with_a_warning():
    # PyTorch's MNIST-RNN example puts Dropout2d after an LSTM's (N, C) output: torch warns and drops entries alone.
    import torch
    x = np.ones((400, 50))
    with pytest.warns(UserWarning, match="2-D input"):
        theirs = torch.nn.Dropout2d(0.5)(torch.tensor(x)).numpy()
    mg.manual_seed(0)
    with pytest.warns(UserWarning, match=r"dropout2d: received a 2-D input of shape \(400, 50\)"):
        ours = mg.nn.Dropout2d(0.5)(mg.from_numpy(x))
    for out in (theirs, np.asarray(ours.data)):
        assert out.shape == (400, 50) and set(np.unique(out)) == {0.0, 2.0}
        # entries, not rows, are dropped: most rows keep some entries and lose others
        assert np.mean([0.0 < row.mean() < 2.0 for row in out]) > 0.99
        assert abs((out == 0).mean() - 0.5) < 0.02
    # the gradient is the mask times the incoming gradient
    xt = mg.from_numpy(x.copy()).requires_grad_()
    mg.manual_seed(1)
    with pytest.warns(UserWarning):
        y = mg.nn.functional.dropout2d(xt, 0.5, True)
    (y * 3.0).sum().backward()
    np.testing.assert_array_equal(np.asarray(xt.grad.data), 3.0 * np.asarray(y.data))
    with pytest.warns(UserWarning):
        assert mg.nn.functional.dropout2d(xt, 0.5, False) is xt
    with pytest.raises(ValueError, match=r"dropout2d: expected a 3-D \(C, H, W\) or 4-D .* got shape \(5,\)"):
        mg.nn.functional.dropout2d(mg.ones(5), 0.5)
