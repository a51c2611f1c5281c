"""Conv2d, ConvTranspose2d, pooling layers, BatchNorm2d, Dropout2d and Unflatten against torch.nn."""
import re

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F
from minigrad.io import from_torch
from torch_agreement import agree

F64 = "float64"


def _load_from_torch(layer, tlayer):
    layer.load_state_dict({k: v.detach().numpy() for k, v in tlayer.state_dict().items()})


@pytest.mark.parametrize("make,tmake,shape", [
    (lambda: nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2, dtype=F64),
     lambda: torch.nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2, dtype=torch.float64), (2, 4, 7, 6)),
    (lambda: nn.Conv2d(3, 2, (1, 3), padding="same", dilation=2, bias=False, dtype=F64),
     lambda: torch.nn.Conv2d(3, 2, (1, 3), padding="same", dilation=2, bias=False, dtype=torch.float64), (1, 3, 5, 5)),
    (lambda: nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1, groups=2, dtype=F64),
     lambda: torch.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1, groups=2,
                                      dtype=torch.float64), (2, 4, 3, 4)),
])
def test_conv_layers_match_torch_layout_and_values(make, tmake, shape, device):
    layer, tlayer = make(), tmake()
    ours = {k: tuple(v.shape) for k, v in layer.state_dict().items()}
    assert ours == {k: tuple(v.shape) for k, v in tlayer.state_dict().items()}
    _load_from_torch(layer, tlayer)
    layer.to(device)
    x = np.random.default_rng(0).standard_normal(shape)
    out = layer(mg.tensor(x, dtype=F64, device=device))
    np.testing.assert_allclose(out.numpy(), tlayer(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("layer,fan_in", [(nn.Conv2d(8, 16, 3, groups=2), 4 * 9),
                                          (nn.ConvTranspose2d(8, 16, (2, 3), groups=4), 4 * 6)])
def test_conv_layers_initialise_like_torch(layer, fan_in):
    # PyTorch: kaiming_uniform_(a=sqrt(5)) for the weight, U(+-1/sqrt(fan_in)) for the bias.
    bound = 1 / np.sqrt(fan_in)
    for p in (layer.weight.numpy(), layer.bias.numpy()):
        assert p.dtype == np.float32
        assert np.abs(p).max() <= bound
    w = layer.weight.numpy()
    assert abs(w.std() - bound / np.sqrt(3)) < 0.15 * bound / np.sqrt(3)   # the uniform's std, not a narrower one


@pytest.mark.parametrize("make,tmake", [
    (lambda: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), lambda: torch.nn.MaxPool2d(3, 2, 1, ceil_mode=True)),
    (lambda: nn.AvgPool2d(2, stride=1, padding=1, count_include_pad=False),
     lambda: torch.nn.AvgPool2d(2, 1, 1, count_include_pad=False)),
    (lambda: nn.AdaptiveAvgPool2d((3, None)), lambda: torch.nn.AdaptiveAvgPool2d((3, None))),
])
def test_pooling_layers_match_torch(make, tmake, device):
    x = np.random.default_rng(1).standard_normal((2, 3, 7, 5))
    out = make()(mg.tensor(x, dtype=F64, device=device))
    np.testing.assert_allclose(out.numpy(), tmake()(torch.tensor(x)).numpy(), rtol=1e-12, atol=1e-12)


# (layer, the shape of its training inputs): BatchNorm1d takes (N, C) and (N, C, L).
BATCH_NORMS = [("BatchNorm2d", (4, 3, 5, 2)), ("BatchNorm1d", (6, 3)), ("BatchNorm1d", (4, 3, 5))]


@pytest.mark.parametrize("name, shape", BATCH_NORMS)
@pytest.mark.parametrize("kwargs", [{}, {"momentum": None}, {"momentum": 0.3, "affine": False},
                                    {"track_running_stats": False}])
def test_batchnorm_train_and_eval_match_torch(name, shape, kwargs, device):
    bn, tbn = getattr(nn, name)(3, dtype=F64, **kwargs), getattr(torch.nn, name)(3, dtype=torch.float64, **kwargs)
    assert list(bn.state_dict()) == list(tbn.state_dict())
    rng = np.random.default_rng(2)
    if bn.affine:
        w, b = rng.standard_normal(3), rng.standard_normal(3)
        bn.weight.data[...] = w
        bn.bias.data[...] = b
        tbn.weight.data[...] = torch.tensor(w)
        tbn.bias.data[...] = torch.tensor(b)
    bn.to(device)
    for step in range(3):   # three training steps move the running statistics
        x = rng.standard_normal(shape) * (step + 1) + step
        np.testing.assert_allclose(bn(mg.tensor(x, dtype=F64, device=device)).numpy(),
                                   tbn(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-10)
    for key, value in tbn.state_dict().items():
        np.testing.assert_allclose(bn.state_dict()[key].numpy(), value.numpy(), rtol=1e-12)
    bn.eval()
    tbn.eval()
    x = rng.standard_normal(shape[:1] + (3,) + shape[2:])
    np.testing.assert_allclose(bn(mg.tensor(x, dtype=F64, device=device)).numpy(),
                               tbn(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name", ["BatchNorm1d", "BatchNorm2d"])
@pytest.mark.parametrize("kwargs, message", [
    ({"eps": -1}, "eps must be non-negative, got -1"),   # eps=0: torch's, see test_torch_zero_arguments
    ({"momentum": 1.5}, r"momentum must be a number in \[0, 1\], got 1.5"),
    ({"momentum": "0.1"}, r"momentum must be a number in \[0, 1\], got '0.1'"),
    ({"dtype": "int32"}, "dtype must be a floating dtype such as 'float32', got 'int32'"),
    ({"num_features": 2.5}, "num_features must be a positive integer, got 2.5"),
    ({"num_features": True}, "num_features must be a positive integer, got True"),
])
def test_batchnorm_rejects_bad_arguments_naming_the_layer_and_value(name, kwargs, message):
    args = {"num_features": 3, **kwargs}
    with pytest.raises(ValueError, match=f"{name}: {message}"):
        getattr(nn, name)(**args)


@pytest.mark.parametrize("name, shape", [("BatchNorm1d", (4, 3)), ("BatchNorm2d", (2, 3, 4, 4))])
def test_batchnorm_names_itself_for_an_input_of_another_dtype(name, shape):
    with pytest.raises(TypeError, match=f"{name}: input dtype float64 does not match the weight's dtype float32"):
        getattr(nn, name)(3)(mg.zeros(*shape, dtype="float64"))


def test_batchnorm2d_rejects_wrong_channels():
    with pytest.raises(ValueError, match=r"BatchNorm2d: input has shape \(2, 3, 5, 5\) but expected \(N, 4, H, W\)"):
        nn.BatchNorm2d(4)(mg.randn(2, 3, 5, 5))


def test_dropout2d_zeroes_whole_channels(device):
    layer = nn.Dropout2d(0.5)
    x = mg.ones((8, 16, 3, 3), device=device, requires_grad=True)
    y = layer(x).numpy()
    per_channel = y.reshape(8, 16, 9)
    assert set(np.unique(per_channel)) == {0.0, 2.0}
    assert (per_channel.min(axis=2) == per_channel.max(axis=2)).all()   # a channel is kept or dropped whole
    assert 0.3 < (per_channel[:, :, 0] == 0).mean() < 0.7
    layer(x).sum().backward()
    assert set(np.unique(x.grad.numpy())) == {0.0, 2.0}
    layer.eval()
    assert layer(x) is x


def test_cnn_checkpoint_round_trip(tmp_path):
    from minigrad.train.recipes import build_cnn

    model = build_cnn((1, 8, 8), (16,), 10, dropout=0.25)
    x = mg.randn(3, 64)
    model.eval()
    expected = model(x).numpy()
    mg.save(model.state_dict(), tmp_path / "cnn.npz")
    fresh = build_cnn((1, 8, 8), (16,), 10, dropout=0.25)
    fresh.load_state_dict(mg.load(tmp_path / "cnn.npz"))
    fresh.eval()
    np.testing.assert_array_equal(fresh(x).numpy(), expected)


def test_network_reorders_conv_relu_maxpool_exactly():
    mg.manual_seed(3)
    net = nn.Network(nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
    x = mg.randn(2, 2, 6, 6, requires_grad=True)
    fused = net(x)
    fused.sum().backward()
    grads = [x.grad.numpy().copy()] + [p.grad.numpy().copy() for p in net.parameters()]
    net.zero_grad()
    x.grad = None
    plain = x
    for layer in net:        # one layer after the other, in the written order
        plain = layer(plain)
    plain.sum().backward()
    np.testing.assert_array_equal(fused.numpy(), plain.numpy())
    for a, b in zip(grads, [x.grad.numpy()] + [p.grad.numpy() for p in net.parameters()]):
        np.testing.assert_array_equal(a, b)


def test_layer_arguments_are_checked():
    with pytest.raises(ValueError, match="Conv2d: groups=3 must be a positive integer dividing in_channels=4"):
        nn.Conv2d(4, 6, 3, groups=3)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(1, 1, 3, padding_mode="symmetric")
    with pytest.raises(ValueError, match=r"Unflatten: cannot split axis 1 of shape \(2, 5\) into \(2, 3\)"):
        nn.Unflatten(1, (2, 3))(mg.randn(2, 5))
    with pytest.raises(ValueError, match="conv2d: input has 3 channels"):
        nn.Conv2d(1, 4, 3)(mg.randn(2, 3, 8, 8))


# (our constructor, the same layer in PyTorch run on an input (None: PyTorch accepts it), message). Each is
# refused when the layer is built, naming the layer; the op would only have refused at forward, under its own name.
def _torch_run(make, shape=(1, 4, 8, 8)):
    return lambda: make()(torch.zeros(shape))


BAD_CONV_AND_POOL_ARGUMENTS = [
    (lambda: nn.Conv2d(True, 4, 3), None, "Conv2d: in_channels must be a positive integer, got True"),
    (lambda: nn.Conv2d(4, 2.0, 3), _torch_run(lambda: torch.nn.Conv2d(4, 2.0, 3)),
     "Conv2d: out_channels must be a positive integer, got 2.0"),
    (lambda: nn.Conv2d(4, 4, 3, groups=True), None, "Conv2d: groups must be a positive integer, got True"),
    (lambda: nn.Conv2d(4, 4, 3, groups=0), _torch_run(lambda: torch.nn.Conv2d(4, 4, 3, groups=0)),
     "Conv2d: groups must be a positive integer, got 0"),
    (lambda: nn.Conv2d(4, 4, 0), _torch_run(lambda: torch.nn.Conv2d(4, 4, 0)),
     "Conv2d: kernel_size must be a positive integer or a pair of them, got 0"),
    (lambda: nn.Conv2d(4, 4, (3, 2.5)), _torch_run(lambda: torch.nn.Conv2d(4, 4, (3, 2.5))),
     r"Conv2d: kernel_size must be a positive integer or a pair of them, got \(3, 2.5\)"),
    (lambda: nn.Conv2d(4, 4, (3, 3, 3)), _torch_run(lambda: torch.nn.Conv2d(4, 4, (3, 3, 3))),
     r"Conv2d: kernel_size must be a positive integer or a pair of them, got \(3, 3, 3\)"),
    (lambda: nn.Conv2d(4, 4, 3, stride=0), _torch_run(lambda: torch.nn.Conv2d(4, 4, 3, stride=0)),
     "Conv2d: stride must be a positive integer or a pair of them, got 0"),
    (lambda: nn.Conv2d(4, 4, 3, dilation=(1, 0)), _torch_run(lambda: torch.nn.Conv2d(4, 4, 3, dilation=(1, 0))),
     r"Conv2d: dilation must be a positive integer or a pair of them, got \(1, 0\)"),
    (lambda: nn.Conv2d(4, 4, 3, padding=-1), _torch_run(lambda: torch.nn.Conv2d(4, 4, 3, padding=-1)),
     "Conv2d: padding must be a non-negative integer or a pair of them, got -1"),
    (lambda: nn.Conv2d(4, 4, 3, padding="full"), lambda: torch.nn.Conv2d(4, 4, 3, padding="full"),
     "Conv2d: padding must be an int, a pair, 'valid' or 'same', got 'full'"),
    (lambda: nn.Conv2d(4, 4, 3, padding="same", stride=2), lambda: torch.nn.Conv2d(4, 4, 3, padding="same", stride=2),
     r"Conv2d: padding='same' needs stride 1, got stride \(2, 2\)"),
    (lambda: nn.Conv2d(4, 4, 3, dtype="int64"), None, "Conv2d: dtype must be a floating dtype"),
    (lambda: nn.ConvTranspose2d(4, 4, 3, stride=2, output_padding=3),
     _torch_run(lambda: torch.nn.ConvTranspose2d(4, 4, 3, stride=2, output_padding=3)),
     r"ConvTranspose2d: output_padding \(3, 3\) must be non-negative and smaller than the stride \(2, 2\)"),
    (lambda: nn.ConvTranspose2d(4, 4, 3, output_padding=-1),
     _torch_run(lambda: torch.nn.ConvTranspose2d(4, 4, 3, output_padding=-1)),
     "ConvTranspose2d: output_padding must be a non-negative integer or a pair of them, got -1"),
    (lambda: nn.ConvTranspose2d(4, 4, 3, padding="same"),
     _torch_run(lambda: torch.nn.ConvTranspose2d(4, 4, 3, padding="same")),
     "ConvTranspose2d: padding must be a non-negative integer or a pair of them, got 'same'"),
    (lambda: nn.ConvTranspose2d(4, 4, 3, padding=(1, -1)),
     _torch_run(lambda: torch.nn.ConvTranspose2d(4, 4, 3, padding=(1, -1))),
     r"ConvTranspose2d: padding must be a non-negative integer or a pair of them, got \(1, -1\)"),
    (lambda: nn.ConvTranspose2d(4, 6, 3, groups=4), lambda: torch.nn.ConvTranspose2d(4, 6, 3, groups=4),
     "ConvTranspose2d: groups=4 must be a positive integer dividing in_channels=4 and out_channels=6"),
    (lambda: nn.MaxPool2d(0), _torch_run(lambda: torch.nn.MaxPool2d(0)),
     "MaxPool2d: kernel_size must be a positive integer or a pair of them, got 0"),
    (lambda: nn.MaxPool2d(-2), _torch_run(lambda: torch.nn.MaxPool2d(-2)),
     "MaxPool2d: kernel_size must be a positive integer or a pair of them, got -2"),
    (lambda: nn.MaxPool2d(2.0), _torch_run(lambda: torch.nn.MaxPool2d(2.0)),
     "MaxPool2d: kernel_size must be a positive integer or a pair of them, got 2.0"),
    (lambda: nn.MaxPool2d(2, stride=0), _torch_run(lambda: torch.nn.MaxPool2d(2, stride=0)),
     "MaxPool2d: stride must be a positive integer or a pair of them, got 0"),
    (lambda: nn.MaxPool2d(2, dilation=0), _torch_run(lambda: torch.nn.MaxPool2d(2, dilation=0)),
     "MaxPool2d: dilation must be a positive integer or a pair of them, got 0"),
    (lambda: nn.MaxPool2d(3, padding=2), _torch_run(lambda: torch.nn.MaxPool2d(3, padding=2)),
     r"MaxPool2d: padding \(2, 2\) must be at most half the kernel size \(3, 3\)"),
    (lambda: nn.AvgPool2d(2, padding=5), _torch_run(lambda: torch.nn.AvgPool2d(2, padding=5)),
     r"AvgPool2d: padding \(5, 5\) must be at most half the kernel size \(2, 2\)"),
    (lambda: nn.AvgPool2d(2, padding=-1), _torch_run(lambda: torch.nn.AvgPool2d(2, padding=-1)),
     "AvgPool2d: padding must be a non-negative integer or a pair of them, got -1"),
    (lambda: nn.AvgPool2d((2, 0)), _torch_run(lambda: torch.nn.AvgPool2d((2, 0))),
     r"AvgPool2d: kernel_size must be a positive integer or a pair of them, got \(2, 0\)"),
    (lambda: nn.AdaptiveAvgPool2d(0), None,
     r"AdaptiveAvgPool2d: output_size must be a positive integer or a pair of them \(None keeps that axis\), got 0"),
    (lambda: nn.AdaptiveAvgPool2d((3, -1)), _torch_run(lambda: torch.nn.AdaptiveAvgPool2d((3, -1))),
     r"AdaptiveAvgPool2d: output_size .* got \(3, -1\)"),
    (lambda: nn.AdaptiveAvgPool2d(None), _torch_run(lambda: torch.nn.AdaptiveAvgPool2d(None)),
     "AdaptiveAvgPool2d: output_size .* got None"),
    (lambda: nn.AdaptiveAvgPool2d((1, 2, 3)), _torch_run(lambda: torch.nn.AdaptiveAvgPool2d((1, 2, 3))),
     r"AdaptiveAvgPool2d: output_size .* got \(1, 2, 3\)"),
]


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")   # torch.nn.Conv2d(4, 4, 0)
@pytest.mark.parametrize("make, torch_make, message", BAD_CONV_AND_POOL_ARGUMENTS)
def test_conv_and_pool_arguments_are_checked_at_construction(make, torch_make, message):
    if torch_make is not None:   # PyTorch refuses it too, at construction or at the first forward
        with pytest.raises((ValueError, TypeError, RuntimeError)):
            torch_make()
    with pytest.raises(ValueError, match=message):
        make()


def test_conv_and_pool_layers_accept_what_torch_accepts_at_the_limits():
    x = np.random.default_rng(3).standard_normal((1, 4, 7, 7))
    for make, tmake in [
        (lambda: nn.AvgPool2d(3, padding=1), lambda: torch.nn.AvgPool2d(3, padding=1)),
        (lambda: nn.MaxPool2d((2, 3), stride=(1, 2), padding=(1, 1)),
         lambda: torch.nn.MaxPool2d((2, 3), stride=(1, 2), padding=(1, 1))),
        (lambda: nn.MaxPool2d(np.int64(2)), lambda: torch.nn.MaxPool2d(2)),
        (lambda: nn.AdaptiveAvgPool2d([2, None]), lambda: torch.nn.AdaptiveAvgPool2d([2, None])),
    ]:
        np.testing.assert_allclose(make()(mg.tensor(x, dtype=F64)).numpy(),
                                   tmake()(torch.tensor(x)).numpy(), rtol=1e-12, atol=1e-12)
    conv = nn.Conv2d(np.int64(4), 2, [3, 1], padding="valid", dtype=F64)
    assert conv.kernel_size == (3, 1) and conv.padding == "valid" and conv.in_channels == 4
    up = nn.ConvTranspose2d(4, 2, 3, stride=(2, 3), output_padding=(1, 2))
    assert up.output_padding == (1, 2)


@pytest.mark.parametrize("dims,shape,output_size", [
    (1, (2, 4, 5), [10]), (1, (4, 5), (6, 10)), (2, (2, 4, 3, 5), (6, 15)), (2, (2, 4, 3, 5), (2, 6, 5, 16)),
    (2, (4, 3, 5), [5, 14]), (3, (2, 4, 2, 3, 2), (4, 9, 3)), (3, (2, 4, 2, 3, 2), (2, 6, 3, 10, 4))])
def test_transposed_conv_forward_takes_torchs_output_size(dims, shape, output_size):
    """forward(x, output_size): the spatial sizes (or the whole output shape) pick the output_padding in
    [0, stride), as torch's; the layer's own output_padding is then ignored."""
    kw = dict(kernel_size=(3, 2, 3)[:dims], stride=(2, 3, 2)[:dims], padding=(1, 0, 1)[:dims], output_padding=1,
              groups=2)
    t = getattr(torch.nn, f"ConvTranspose{dims}d")(4, 6, dtype=torch.float64, **kw)
    layer = getattr(nn, f"ConvTranspose{dims}d")(4, 6, dtype=F64, **kw)
    layer.load_state_dict(from_torch(layer, {k: v.detach().numpy() for k, v in t.state_dict().items()}))
    x = np.random.default_rng(5).standard_normal(shape)
    y, _ = agree(lambda a: layer(a, output_size), lambda a: t(a, output_size), [x])
    assert y.shape[-dims:] == tuple(output_size)[-dims:]


def test_transposed_conv_output_size_out_of_reach_is_one_clear_error():
    layer = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1)
    t = torch.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1)
    x = np.zeros((1, 4, 3, 5), np.float32)
    for size in [(4, 9), (5, 11), (1, 6, 5, 12)]:
        with pytest.raises(ValueError):
            t(torch.tensor(x), size)
    with pytest.raises(ValueError, match=r"ConvTranspose2d: output_size \(4, 9\) is out of reach for an input of "
                                         r"spatial size \(3, 5\): each size must lie in \[\(5, 9\), \(6, 10\)\]"):
        layer(mg.tensor(x), (4, 9))
    with pytest.raises(ValueError, match=r"ConvTranspose2d: output_size must hold 2 spatial sizes or the 4 sizes of "
                                         r"the output, got \(6, 5, 10\)"):
        layer(mg.tensor(x), (6, 5, 10))


@pytest.mark.parametrize("dims,shape,output_size", [(1, (2, 4, 5), [10]), (2, (2, 4, 3, 5), [6, 15]),
                                                    (2, (2, 4, 3, 5), [2, 6, 5, 16])])
@pytest.mark.parametrize("as_tensors", [lambda L, s: L.tensor(s), lambda L, s: [L.tensor(n) for n in s]],
                         ids=["1-D tensor", "0-d tensors"])
def test_transposed_conv_output_size_may_be_integer_tensors_as_torch(dims, shape, output_size, as_tensors):
    kw = dict(kernel_size=(3, 2)[:dims], stride=(2, 3)[:dims], padding=(1, 0)[:dims])
    t = getattr(torch.nn, f"ConvTranspose{dims}d")(4, 6, dtype=torch.float64, **kw)
    layer = getattr(nn, f"ConvTranspose{dims}d")(4, 6, dtype=F64, **kw)
    layer.load_state_dict(from_torch(layer, {k: v.detach().numpy() for k, v in t.state_dict().items()}))
    x = np.random.default_rng(5).standard_normal(shape)
    y, _ = agree(lambda a: layer(a, as_tensors(mg, output_size)), lambda a: t(a, as_tensors(torch, output_size)), [x])
    assert y.shape[-dims:] == tuple(output_size)[-dims:]


def test_transposed_conv_output_size_tensor_of_floats_is_one_clear_error():
    with pytest.raises(TypeError):   # torch: "argument 'output_padding' (position 6) must be tuple of ints"
        torch.nn.ConvTranspose1d(2, 2, 3, stride=3)(torch.zeros(1, 2, 4), output_size=torch.tensor([13.0]))
    with pytest.raises(TypeError, match=r"^ConvTranspose1d: an output_size tensor must be 1-D of integers, got shape "
                                        r"\(1,\) and dtype float32$"):
        nn.ConvTranspose1d(2, 2, 3, stride=3)(mg.zeros(1, 2, 4), output_size=mg.tensor([13.0]))


def test_transposed_conv_output_size_that_is_no_sequence_is_one_clear_error():
    with pytest.raises(TypeError):
        torch.nn.ConvTranspose1d(2, 2, 3, stride=3)(torch.zeros(1, 2, 4), output_size=13)
    for bad in (13, "13"):
        with pytest.raises(TypeError, match=r"^ConvTranspose1d: output_size must be a sequence of sizes "
                                            r"\(list, tuple or torch.Size\), got " + re.escape(repr(bad)) + "$"):
            nn.ConvTranspose1d(2, 2, 3, stride=3)(mg.zeros(1, 2, 4), output_size=bad)


@pytest.mark.parametrize("make", [
    lambda m: m.MaxPool2d(3, stride=2, padding=1, dilation=(1, 2)),
    lambda m: m.AvgPool2d((3, 2), stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    lambda m: m.AvgPool2d(3, stride=2, padding=1, divisor_override=5),
    lambda m: m.AdaptiveAvgPool2d((2, None)),
    lambda m: m.AdaptiveMaxPool2d((3, 2)),
    lambda m: m.LPPool2d(2, (2, 3), stride=2, ceil_mode=True),
], ids=["max", "avg", "avg-divisor", "adaptive-avg", "adaptive-max", "lp"])
def test_2d_pooling_layers_take_an_unbatched_image_as_torch(make):
    """(C, H, W) as torch reads it: the (N, C, H, W) result for N = 1, without the batch axis."""
    x = np.abs(np.random.default_rng(6).standard_normal((3, 7, 8))) + 0.1   # LPPool2d with p = 2 wants x >= 0
    y, _ = agree(make(nn), make(torch.nn), [x])
    assert y.shape == tuple(make(torch.nn)(torch.tensor(x)).shape) and y.ndim == 3


def test_max_pool2d_of_an_unbatched_image_returns_torchs_indices():
    x = np.random.default_rng(7).standard_normal((2, 5, 6))
    y, i = nn.MaxPool2d(2, stride=(1, 2), return_indices=True)(mg.tensor(x, dtype=F64))
    ty, ti = torch.nn.MaxPool2d(2, stride=(1, 2), return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    assert i.dtype == np.int64
    np.testing.assert_array_equal(i.numpy(), ti.numpy())


@pytest.mark.parametrize("kw", [dict(kernel_size=3, stride=2, padding=1, divisor_override=5),
                                dict(kernel_size=(3, 2), stride=(2, 1), padding=1, ceil_mode=True,
                                     count_include_pad=False, divisor_override=-2)])
def test_avg_pool2d_divisor_override_divides_every_window_as_torch(kw):
    x = np.random.default_rng(8).standard_normal((2, 3, 7, 6))
    agree(nn.AvgPool2d(**kw), torch.nn.AvgPool2d(**kw), [x])
    agree(lambda a: F.avg_pool2d(a, **kw), lambda a: torch.nn.functional.avg_pool2d(a, **kw), [x])


@pytest.mark.parametrize("divisor", [0, 1.5, "2"])
def test_avg_pool2d_divisor_override_must_be_a_non_zero_int(divisor):
    with pytest.raises((RuntimeError, TypeError)):
        torch.nn.AvgPool2d(2, divisor_override=divisor)(torch.zeros(1, 1, 4, 4))
    with pytest.raises(ValueError, match=f"AvgPool2d: divisor_override must be a non-zero int or None, got "
                                         f"{re.escape(repr(divisor))}"):
        nn.AvgPool2d(2, divisor_override=divisor)
    with pytest.raises(ValueError, match=f"avg_pool2d: divisor_override must be a non-zero int or None, got "
                                         f"{re.escape(repr(divisor))}"):
        F.avg_pool2d(mg.zeros(1, 1, 4, 4), 2, divisor_override=divisor)


@pytest.mark.parametrize("cls, args, kw", [
    ("ConvTranspose1d", (4, 6, 3), dict(stride=2, padding=1, output_padding=1, groups=2, dilation=2, bias=False)),
    ("ConvTranspose2d", (4, 6, (3, 2)), dict(stride=(2, 3), output_padding=(1, 0), dilation=(1, 2))),
    ("ConvTranspose3d", (2, 2, 2), dict(stride=2, output_padding=1, dilation=3)),
    ("Conv2d", (4, 6, 3), dict(stride=2, padding=1, dilation=2, groups=2, bias=False, padding_mode="reflect"))])
def test_conv_layers_print_their_arguments_as_torch(cls, args, kw):
    ours = repr(getattr(nn, cls)(*args, **kw))
    assert ours.split("  # ")[0] == repr(getattr(torch.nn, cls)(*args, **kw))   # ours adds the parameter count


@pytest.mark.parametrize("cls, args", [
    ("MaxPool1d", (3,)), ("MaxPool2d", ((3, 2),)), ("MaxPool3d", (2,)), ("AvgPool1d", (3,)), ("AvgPool1d", (3, 2, 1)),
    ("AvgPool2d", (3,)), ("AvgPool3d", ((2, 1, 2),)), ("MaxPool2d", (3, 2, 1))])
def test_pooling_layers_keep_their_window_as_torch(cls, args):
    """A missing stride is the kernel size, in the attribute too (code reads pool.stride); AvgPool1d keeps
    1-tuples, as torch's."""
    ours, theirs = getattr(nn, cls)(*args), getattr(torch.nn, cls)(*args)
    assert (ours.kernel_size, ours.stride, ours.padding) == (theirs.kernel_size, theirs.stride, theirs.padding)
    assert repr(ours) == repr(theirs)


def test_a_batchnorm1d_state_saved_without_its_batch_count_loads_keeping_the_layers_count_as_torch():
    # BatchNorm1d kept no num_batches_tracked before; torch 2.13's norm layers load a state that lacks the count
    # keeping their own (it was reset to 0 here, which changes a momentum=None layer's next running statistics).
    trained = nn.Network(nn.Linear(2, 3), nn.BatchNorm1d(3))
    trained(mg.randn(4, 2))
    state = trained.state_dict()
    del state["1.num_batches_tracked"]
    model = nn.Network(nn.Linear(2, 3), nn.BatchNorm1d(3))
    model[1].num_batches_tracked.data[...] = 5
    result = model.load_state_dict(state)
    theirs = torch.nn.BatchNorm1d(3)
    theirs.num_batches_tracked.fill_(5)
    theirs.load_state_dict({k[2:]: torch.tensor(v.numpy()) for k, v in state.items() if k.startswith("1.")})
    assert model[1].num_batches_tracked.item() == theirs.num_batches_tracked.item() == 5
    assert result.missing_keys == []
    np.testing.assert_array_equal(model[1].running_var.numpy(), trained[1].running_var.numpy())
    del state["1.running_var"]   # every other entry is still required
    with pytest.raises(ValueError, match=r'Missing key\(s\) in state_dict: "1\.running_var"\. $'):
        model.load_state_dict(state)


@pytest.mark.parametrize("name", ["BatchNorm1d", "BatchNorm2d"])
def test_batchnorm_takes_numpy_scalars_as_pytorch_does(name):
    bn = getattr(nn, name)(np.int64(3), eps=np.float32(1e-3), momentum=np.float64(0.2))
    assert (bn.num_features, bn.eps, bn.momentum) == (3, pytest.approx(1e-3), 0.2)
    assert type(bn.num_features) is int and type(bn.momentum) is float
    assert getattr(nn, name)(2, dtype=None).weight.dtype == np.float32   # None is the default float


_OUTPUT_PADDING_PAST_STRIDE = [  # (dims, input shape, weight shape, stride, padding, output_padding, groups, dilation)
    (1, (2, 2, 5), (2, 3, 2), 1, 0, 1, 1, 2),
    (1, (2, 4), (2, 2, 3), 2, 1, 2, 2, 3),            # unbatched, groups
    (2, (2, 2, 4, 3), (2, 2, 3, 2), 1, 1, (1, 0), 1, (2, 1)),
    (2, (1, 2, 3, 3), (2, 1, 2, 2), (2, 1), 3, (2, 1), 2, 3),   # padding past the canvas: zeros at the far side
    (3, (1, 2, 3, 2, 2), (2, 1, 2, 2, 1), 1, (1, 0, 0), (1, 0, 1), 1, 2),
]


@pytest.mark.parametrize("dims, xs, ws, stride, padding, out_pad, groups, dilation", _OUTPUT_PADDING_PAST_STRIDE)
def test_conv_transpose_output_padding_below_the_dilation_matches_torch(dims, xs, ws, stride, padding, out_pad,
                                                                         groups, dilation):
    # torch allows output_padding < max(stride, dilation); minigrad refused it at or past the stride.
    rng = np.random.default_rng(14)
    bias = rng.standard_normal(ws[1] * groups)
    fn, tfn = getattr(F, f"conv_transpose{dims}d"), getattr(torch.nn.functional, f"conv_transpose{dims}d")
    agree(lambda x, w, b: fn(x, w, b, stride, padding, out_pad, groups, dilation),
          lambda x, w, b: tfn(x, w, b, stride, padding, out_pad, groups, dilation),
          [rng.standard_normal(xs), rng.standard_normal(ws), bias])
    layer = getattr(nn, f"ConvTranspose{dims}d")(ws[0], ws[1] * groups, ws[2:], stride, padding, out_pad, groups,
                                                 dilation=dilation, dtype=F64)
    tlayer = getattr(torch.nn, f"ConvTranspose{dims}d")(ws[0], ws[1] * groups, ws[2:], stride, padding, out_pad,
                                                        groups, dilation=dilation, dtype=torch.float64)
    _load_from_torch(layer, tlayer)
    x = rng.standard_normal(xs)
    np.testing.assert_allclose(layer(mg.tensor(x, dtype=F64)).numpy(), tlayer(torch.tensor(x)).detach().numpy(),
                               rtol=1e-12, atol=1e-12)
    assert fn(mg.tensor(x.astype("float32"), dtype="float32"), mg.tensor(rng.standard_normal(ws), dtype="float32"),
              None, stride, padding, out_pad, groups, dilation).dtype == np.float32


@pytest.mark.parametrize("dims,mode", [(1, "zeros"), (2, "reflect"), (3, "circular")])
def test_a_weight_standardised_conv_subclass_written_for_torch_runs_as_torchs(dims, mode):
    """The subclass idiom calls the layer's own convolution, padding mode and all, with another weight:
    ``self._conv_forward(x, w, self.bias)`` (it was missing)."""
    def standardised(base, lib):
        class StdConv(base):
            def forward(self, x):
                w = self.weight
                m = w.mean(dim=tuple(range(1, w.ndim)), keepdim=True) if lib is torch else w.mean(
                    axis=tuple(range(1, w.ndim)), keepdims=True)
                return self._conv_forward(x, w - m, self.bias)
        return StdConv

    kw = dict(kernel_size=3, padding=1, padding_mode=mode, groups=2)
    t = standardised(getattr(torch.nn, f"Conv{dims}d"), torch)(4, 6, dtype=torch.float64, **kw)
    layer = standardised(getattr(nn, f"Conv{dims}d"), mg)(4, 6, dtype=F64, **kw)
    _load_from_torch(layer, t)
    x = np.random.default_rng(9).standard_normal((2, 4) + (5, 4, 3)[:dims])
    g = np.random.default_rng(10).standard_normal(t(torch.tensor(x)).shape)
    tx, mx = torch.tensor(x, requires_grad=True), mg.tensor(x, dtype=F64, requires_grad=True)
    t(tx).backward(torch.tensor(g))
    y = layer(mx)
    (y * mg.tensor(g, dtype=F64)).sum().backward()
    np.testing.assert_allclose(y.numpy(), t(torch.tensor(x)).detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-12, atol=1e-12)
