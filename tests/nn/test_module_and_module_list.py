"""nn.Module (PyTorch's name for Layer) and nn.ModuleList, written as a PyTorch user writes a model and
compared with the torch model of the same structure: state dict names, loading, outputs, modes."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn
from minigrad.io import from_torch
from minigrad.nn import functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 3)
        self.norm = nn.LayerNorm(3)
        self.blocks = nn.ModuleList([nn.Linear(3, 3) for _ in range(2)])
        self.head = nn.Linear(3, 1)

    def forward(self, x):
        h = F.relu(self.fc(x))
        h = self.norm(h)
        for block in self.blocks:
            h = F.tanh(block(h))
        return self.head(h)


class TorchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(2, 3)
        self.norm = torch.nn.LayerNorm(3)
        self.blocks = torch.nn.ModuleList([torch.nn.Linear(3, 3) for _ in range(2)])
        self.head = torch.nn.Linear(3, 1)

    def forward(self, x):
        h = torch.relu(self.fc(x))
        h = self.norm(h)
        for block in self.blocks:
            h = torch.tanh(block(h))
        return self.head(h)


def test_module_is_layer_and_a_subclass_works_as_a_layer_subclass():
    assert nn.Module is nn.Layer
    net = Net()
    assert isinstance(net, nn.Layer) and isinstance(net.blocks, nn.Module)
    assert repr(net).startswith("Net(\n  (fc): Linear(in_features=2, out_features=3, bias=True)")
    assert "  (blocks): ModuleList(\n    (0-1): 2 x Linear(in_features=3, out_features=3, bias=True)" in repr(net)   # torch's runs
    names = [name for name, _ in net.named_parameters()]
    assert names == ["fc.weight", "fc.bias", "norm.weight", "norm.bias", "blocks.0.weight", "blocks.0.bias",
                     "blocks.1.weight", "blocks.1.bias", "head.weight", "head.bias"]
    assert [p for p in net.parameters()] == [p for _, p in net.named_parameters()]
    assert [n for n, _ in net.named_children()] == ["fc", "norm", "blocks", "head"]
    assert net.eval() is net and not any(layer.training for layer in net.layers())
    assert net.train() is net and all(layer.training for layer in net.layers())
    net(mg.randn(4, 2)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    assert net.to("cpu") is net


def test_state_dict_names_and_values_are_torch_s_for_the_same_structure():
    torch.manual_seed(0)
    theirs = TorchNet().double()
    ours = Net()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(from_torch(ours, {k: v.numpy() for k, v in theirs.state_dict().items()}))
    x = np.random.default_rng(1).standard_normal((5, 2))
    np.testing.assert_allclose(ours(mg.tensor(x.astype(np.float32))).numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)
    again = Net()
    again.load_state_dict(ours.state_dict())
    for (name, a), (_, b) in zip(again.state_dict().items(), ours.state_dict().items()):
        np.testing.assert_array_equal(a, b, err_msg=name)


def test_module_list_operations_follow_python_lists_and_torch():
    a, b, c, d = nn.Linear(1, 1), nn.Tanh(), nn.Linear(1, 2), nn.ReLU()
    layers = nn.ModuleList((a, b))                  # any iterable
    assert len(layers) == 2 and list(layers) == [a, b]
    assert layers.append(c) is layers
    assert layers.extend(iter([d])) is layers and list(layers) == [a, b, c, d]
    layers.insert(1, nn.Sigmoid())
    assert [type(m).__name__ for m in layers] == ["Linear", "Sigmoid", "Tanh", "Linear", "ReLU"]
    assert layers[-1] is d and layers[0] is a and layers[-5] is a
    part = layers[1::2]
    assert type(part) is nn.ModuleList and list(part) == [layers[1], c]
    assert [n for n, _ in part.named_parameters()] == ["1.weight", "1.bias"]
    layers[1] = nn.Identity()
    assert type(layers[1]) is nn.Identity
    del layers[1]
    assert list(layers) == [a, b, c, d]
    layers += [nn.Linear(2, 2)]
    assert len(layers) == 5 and len(nn.ModuleList()) == 0 and len(nn.ModuleList(None)) == 0
    assert list(layers[:2] + layers[2:]) == list(layers)
    joined = layers[:1] + (c, d)                     # any iterable of layers, as torch's ModuleList.__add__
    assert type(joined) is nn.ModuleList and list(joined) == [a, c, d] and len(layers) == 5
    with pytest.raises(TypeError, match="unsupported operand"):
        layers + 3
    with pytest.raises(IndexError, match="ModuleList index 5 is out of range for 5 layers"):
        layers[5]
    with pytest.raises(IndexError, match="ModuleList index -6 is out of range"):
        layers[-6]
    with pytest.raises(TypeError, match="ModuleList indices must be integers or slices, got str"):
        layers["0"]
    with pytest.raises(TypeError, match="^ModuleList.insert: index must be an integer, got str$"):
        layers.insert("0", nn.ReLU())
    with pytest.raises(TypeError, match="^ModuleList assignment takes one integer index, got slice$"):
        layers[0:1] = nn.ReLU()
    assert len(layers) == 5
    with pytest.raises(TypeError, match="ModuleList.append: expected a Layer, got int"):
        layers.append(3)
    with pytest.raises(TypeError, match="ModuleList.extend: expected a Layer, got str"):
        layers.extend([nn.ReLU(), "relu"])
    with pytest.raises(TypeError, match="ModuleList.extend: expected an iterable of Layers, got Linear"):
        layers.extend(nn.Linear(1, 1))
    assert len(layers) == 5                          # a refused extend adds nothing
    with pytest.raises(NotImplementedError, match="ModuleList is a container and has no forward"):
        layers(mg.zeros(1, 1))


def test_module_list_names_match_torch_alone_nested_and_appended():
    ours = nn.ModuleList([nn.Linear(2, 2), nn.ReLU(), nn.ModuleList([nn.Linear(2, 1)])])
    theirs = torch.nn.ModuleList([torch.nn.Linear(2, 2), torch.nn.ReLU(),
                                  torch.nn.ModuleList([torch.nn.Linear(2, 1)])])
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["0.weight", "0.bias", "2.0.weight", "2.0.bias"]
    ours.append(nn.BatchNorm1d(2))
    theirs.append(torch.nn.BatchNorm1d(2))
    assert list(ours.state_dict()) == list(theirs.state_dict())   # buffers too: running_mean, ...
    ours.insert(0, nn.Linear(1, 1))
    theirs.insert(0, torch.nn.Linear(1, 1))
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_a_module_list_trains_and_round_trips_through_a_checkpoint(tmp_path):
    mg.manual_seed(0)
    net = Net()
    x, y = mg.randn(8, 2), mg.randn(8, 1)
    from minigrad import optim
    opt = optim.SGD(net.parameters(), lr=0.1)
    before = net.blocks[1].weight.numpy().copy()
    loss = F.mse_loss(net(x), y)
    loss.backward()
    opt.step()
    assert not np.array_equal(before, net.blocks[1].weight.numpy())   # the optimizer saw the listed layers
    mg.save(net.state_dict(), tmp_path / "net.npz")
    other = Net()
    other.load_state_dict(mg.load(tmp_path / "net.npz"))
    np.testing.assert_array_equal(other(x).numpy(), net(x).numpy())
