"""nn.Sequential: PyTorch's name for Network, with torch.nn.Sequential's state dict names, its own class kept by
slicing, and Network's fused Linear+ReLU."""
from collections import OrderedDict

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn
from minigrad.io import from_torch
from minigrad.nn.fused import Affine, AffineReLU


def _model():
    mg.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.LayerNorm(6), nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 2))


def test_state_dict_names_are_torch_sequential_names():
    torch_model = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.LayerNorm(6),
                                      torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))
    ours = _model()
    assert list(ours.state_dict()) == list(torch_model.state_dict()) == [
        "0.weight", "0.bias", "2.weight", "2.bias", "3.weight", "3.bias", "5.weight", "5.bias"]
    ours.load_state_dict(from_torch(ours, {k: v.numpy() for k, v in torch_model.state_dict().items()}))
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(ours(mg.tensor(x)).numpy(), torch_model(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    nested = nn.Sequential(nn.Sequential(nn.Linear(2, 3)), nn.ReLU(), nn.Linear(3, 1))
    torch_nested = torch.nn.Sequential(torch.nn.Sequential(torch.nn.Linear(2, 3)), torch.nn.ReLU(),
                                       torch.nn.Linear(3, 1))
    assert list(nested.state_dict()) == list(torch_nested.state_dict()) == ["0.0.weight", "0.0.bias",
                                                                            "2.weight", "2.bias"]


def test_it_is_a_network_that_slices_indexes_and_prints_as_sequential():
    model = _model()
    assert isinstance(model, nn.Network) and len(model) == 6
    head = model[1:3]
    assert type(head) is nn.Sequential and list(head) == [model[1], model[2]]
    assert head[1] is model[2]                       # the same layers, shared
    assert type(nn.Network(nn.ReLU(), nn.Tanh())[:1]) is nn.Network
    assert type(nn.Sequential(*model)[::2]) is nn.Sequential
    assert repr(model).startswith("Sequential(\n  (0): Linear(in_features=4, out_features=6, bias=True)")
    assert repr(head).splitlines()[0] == "Sequential(" and "Network" not in repr(model)
    assert model.append(nn.Tanh()) is model and isinstance(model[-1], nn.Tanh)


def test_a_slice_of_a_subclass_with_its_own_members_is_a_plain_stack():
    class WithHead(nn.Sequential):      # its forward uses a head that a slice of the stack lacks
        def __init__(self):
            super().__init__(nn.Linear(3, 3), nn.ReLU(), nn.Tanh())
            self.head = nn.Linear(3, 1)

        def forward(self, x):
            return self.head(super().forward(x))

    net = WithHead()
    part = net[:2]
    assert type(part) is nn.Sequential and [n for n, _ in part.named_parameters()] == ["0.weight", "0.bias"]
    assert part(mg.zeros(2, 3)).shape == (2, 3)
    assert net(mg.zeros(2, 3)).shape == (2, 1)


def test_linear_relu_pairs_are_fused_in_a_sequential_as_in_a_network():
    model = _model()
    out = model(mg.randn(3, 4))
    assert type(out.creator) is Affine
    second_pair = out.creator.inputs[0].creator
    assert type(second_pair) is AffineReLU                     # Linear(6, 5), ReLU
    layer_norm_input = second_pair.inputs[0]
    nodes, seen = [layer_norm_input.creator], set()
    while nodes:                                               # walk the LayerNorm back to its input
        node = nodes.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if type(node) is AffineReLU:
            break
        nodes.extend(t.creator for t in node.inputs)
    assert type(node) is AffineReLU                            # Linear(4, 6), ReLU before the LayerNorm
    plain = nn.Network(*model)
    x = mg.randn(5, 4)
    np.testing.assert_array_equal(model(x).numpy(), plain(x).numpy())


def test_a_non_layer_is_refused_naming_sequential():
    with pytest.raises(TypeError, match=r"^Sequential.__init__: expected a Layer, got int$"):
        nn.Sequential(nn.Linear(2, 3), 5)
    with pytest.raises(TypeError, match=r"^Network.__init__: expected a Layer, got int$"):
        nn.Network(OrderedDict(fc=nn.Linear(2, 3), bad=3))
    with pytest.raises(TypeError, match=r"^Sequential.append: expected a Layer, got int$"):
        nn.Sequential().append(3)


def test_a_slice_keeps_the_layers_names_as_torch():
    def build(lib):
        return lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.ReLU(), lib.nn.Linear(2, 3), lib.nn.Tanh(),
                                 lib.nn.Linear(3, 1))
    model, tmodel = build(mg), build(torch)
    for index in (slice(2, None), slice(None, None, 2), slice(1, 3), slice(None, 3), slice(-1, None)):
        ours, theirs = model[index], tmodel[index]
        assert list(ours.state_dict()) == list(theirs.state_dict()), index
        assert [name for name, _ in ours.named_children()] == [name for name, _ in theirs.named_children()]
    tail = model[2:]
    assert list(tail.state_dict()) == ["2.weight", "2.bias", "4.weight", "4.bias"]
    assert tail[0] is model[2] and getattr(tail, "4") is model[4]
    assert repr(tail).splitlines()[1].startswith("  (2): Linear(in_features=2, out_features=3")
    np.testing.assert_array_equal(tail(mg.ones((1, 2))).numpy(), model[4](model[3](model[2](mg.ones((1, 2))))).numpy())
    # appending names the layer by the new length, as torch's add_module(str(len(self)), layer), unless a layer
    # has that name already: torch silently replaces it (a slice of "1" and "2" loses its "2"), here the layers
    # are numbered afresh and all kept
    spaced, tspaced = model[::2], tmodel[::2]
    spaced.append(nn.Sigmoid()), tspaced.append(torch.nn.Sigmoid())
    assert [n for n, _ in spaced.named_children()] == [n for n, _ in tspaced.named_children()] == ["0", "2", "4", "3"]
    middle, tmiddle = model[1:3], tmodel[1:3]
    extra, textra = nn.Sigmoid(), torch.nn.Sigmoid()
    middle.append(extra), tmiddle.append(textra)
    assert [n for n, _ in tmiddle.named_children()] == ["1", "2"] and tmiddle[1] is textra   # torch lost a layer
    assert [n for n, _ in middle.named_children()] == ["0", "1", "2"]
    assert list(middle) == [model[1], model[2], extra]


def test_insert_refuses_an_index_out_of_range_as_torch():
    model = nn.Sequential(nn.ReLU(), nn.Tanh())
    for index in (3, -3):
        with pytest.raises(IndexError, match=f"Sequential.insert: index {index} is out of range for 2 layers"):
            model.insert(index, nn.Sigmoid())
        with pytest.raises(IndexError, match="out of range"):
            torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Tanh()).insert(index, torch.nn.Sigmoid())
    assert len(model) == 2
    model.insert(-2, nn.Sigmoid()).insert(3, nn.ELU())
    assert [type(m).__name__ for m in model] == ["Sigmoid", "ReLU", "Tanh", "ELU"]


def test_extend_with_itself_appends_its_layers_once():
    # it read the layers it was appending and never stopped (torch raises "dictionary changed size")
    model = nn.Sequential(nn.ReLU(), nn.Tanh())
    assert model.extend(model) is model
    assert [type(m).__name__ for m in model] == ["ReLU", "Tanh", "ReLU", "Tanh"]
    assert list(model._modules) == ["0", "1", "2", "3"]


def test_deleting_a_layer_attribute_removes_the_layer_as_torch():
    def build(lib):
        named = lib.nn.Sequential(OrderedDict([("fc", lib.nn.Linear(1, 2)), ("act", lib.nn.ReLU()),
                                               ("out", lib.nn.Linear(2, 1))]))
        positional = lib.nn.Sequential(lib.nn.Linear(1, 2), lib.nn.ReLU(), lib.nn.Linear(2, 1))
        del named.act
        delattr(positional, "1")
        return named, positional
    for ours, theirs in zip(build(mg), build(torch)):
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert list(ours._modules) == list(theirs._modules) and len(ours) == len(theirs) == 2
    named, _ = build(mg)
    assert not hasattr(named, "act") and [type(m).__name__ for m in named] == ["Linear", "Linear"]
    blocks = nn.ModuleList([nn.ReLU(), nn.Tanh()])
    delattr(blocks, "0")
    assert [type(m).__name__ for m in blocks] == ["Tanh"]
    with pytest.raises(AttributeError):
        delattr(named, "missing")
