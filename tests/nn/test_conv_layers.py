"""Conv2d, ConvTranspose2d, pooling layers, BatchNorm2d, Dropout2d and Unflatten against torch.nn."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn

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


@pytest.mark.parametrize("kwargs", [{}, {"momentum": None}, {"momentum": 0.3, "affine": False},
                                    {"track_running_stats": False}])
def test_batchnorm2d_train_and_eval_match_torch(kwargs, device):
    bn, tbn = nn.BatchNorm2d(3, dtype=F64, **kwargs), torch.nn.BatchNorm2d(3, dtype=torch.float64, **kwargs)
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
        x = rng.standard_normal((4, 3, 5, 2)) * (step + 1) + step
        np.testing.assert_allclose(bn(mg.tensor(x, dtype=F64, device=device)).numpy(),
                                   tbn(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-10)
    for key, value in tbn.state_dict().items():
        np.testing.assert_allclose(mg.backend.to_numpy(bn.state_dict()[key]), value.numpy(), rtol=1e-12)
    bn.eval()
    tbn.eval()
    x = rng.standard_normal((2, 3, 3, 3))
    np.testing.assert_allclose(bn(mg.tensor(x, dtype=F64, device=device)).numpy(),
                               tbn(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-10)


def test_batchnorm2d_rejects_wrong_channels():
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected input \(N, 4, H, W\), got shape \(2, 3, 5, 5\)"):
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
    with pytest.raises(ValueError, match="only padding_mode='zeros'"):
        nn.Conv2d(1, 1, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match=r"Unflatten: cannot split axis 1 of shape \(2, 5\) into \(2, 3\)"):
        nn.Unflatten(1, (2, 3))(mg.randn(2, 5))
    with pytest.raises(ValueError, match="conv2d: input has 3 channels"):
        nn.Conv2d(1, 4, 3)(mg.randn(2, 3, 8, 8))
