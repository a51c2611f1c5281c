"""nn.ModuleDict and nn.ParameterList: torch's state-dict names, container methods and errors; torch weights load."""
import inspect
import re

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn, optim
from minigrad.io import from_torch, to_torch
from minigrad.nn import functional as F


# ---------------------------------------------------------------- ModuleDict
def test_module_dict_operations_follow_dicts_and_torch():
    a, b, c = nn.Linear(2, 2), nn.ReLU(), nn.Conv1d(1, 1, 1)
    d = nn.ModuleDict({"a": a, "b": b})
    assert len(d) == 2 and list(d) == ["a", "b"] and list(d.keys()) == ["a", "b"]
    assert list(d.values()) == [a, b] and list(d.items()) == [("a", a), ("b", b)]
    assert d["a"] is a and d.a is a and "b" in d and "z" not in d
    d["c"] = c
    d.update([("e", nn.Tanh()), ("a", nn.Sigmoid())])     # pairs; an existing key keeps its place
    assert list(d) == ["a", "b", "c", "e"] and type(d["a"]) is nn.Sigmoid
    d.update(nn.ModuleDict({"f": nn.Identity()}))
    d.g = nn.Linear(1, 1)                                 # attribute assignment adds an entry, as in torch
    assert list(d) == ["a", "b", "c", "e", "f", "g"] and d["g"] is d.g
    assert d.pop("e").__class__ is nn.Tanh and "e" not in d
    del d["f"]
    del d.g
    assert list(d) == ["a", "b", "c"]
    d.clear()
    assert len(d) == 0 and d.state_dict() == {} and len(nn.ModuleDict()) == 0


@pytest.mark.parametrize("action, error, message", [
    (lambda d: d["z"], KeyError, "ModuleDict has no key 'z'; its keys are ['a']"),
    (lambda d: d.pop("z"), KeyError, "ModuleDict has no key 'z'"),
    (lambda d: d.__delitem__("z"), KeyError, "ModuleDict has no key 'z'"),
    (lambda d: d.__setitem__(1, nn.ReLU()), TypeError, "ModuleDict keys must be strings, got int 1"),
    (lambda d: d.__setitem__("x.y", nn.ReLU()), KeyError, "ModuleDict key must be a non-empty string without '.', "
                                                          "got 'x.y'"),
    (lambda d: d.__setitem__("", nn.ReLU()), KeyError, "ModuleDict key must be a non-empty string without '.'"),
    (lambda d: d.__setitem__("keys", nn.ReLU()), KeyError, "ModuleDict key 'keys' is the name of an attribute"),
    (lambda d: d.__setitem__("training", nn.ReLU()), KeyError, "ModuleDict key 'training' is the name of an attribute"),
    (lambda d: d.__setitem__("b", 3), TypeError, "ModuleDict['b']: expected a Layer, got int"),
    (lambda d: d.update([("b", nn.ReLU()), ("c", "relu")]), TypeError, "ModuleDict['c']: expected a Layer, got str"),
    (lambda d: d.update([("b", nn.ReLU(), 1)]), ValueError, "ModuleDict.update: entry #0"),
    (lambda d: d.update(3), TypeError, "ModuleDict.update: expected a mapping or an iterable of (key, layer) pairs, "
                                       "got int"),
    (lambda d: d.nothing, AttributeError, "'ModuleDict' object has no attribute or key 'nothing'"),
    (lambda d: d(mg.zeros(1)), NotImplementedError, "ModuleDict is a container and has no forward"),
])
def test_module_dict_errors_are_clear_and_change_nothing(action, error, message):
    d = nn.ModuleDict({"a": nn.Linear(1, 1)})
    with pytest.raises(error, match=re.escape(message)):
        action(d)
    assert list(d) == ["a"]


def test_module_dict_names_match_torch_and_torch_weights_load():
    def ours():
        return nn.ModuleDict({"enc": nn.Linear(3, 4), "norm": nn.GroupNorm(2, 4),
                              "blocks": nn.ModuleList([nn.Conv1d(4, 4, 1)]), "bn": nn.BatchNorm1d(4)})

    theirs = torch.nn.ModuleDict({"enc": torch.nn.Linear(3, 4), "norm": torch.nn.GroupNorm(2, 4),
                                  "blocks": torch.nn.ModuleList([torch.nn.Conv1d(4, 4, 1)]),
                                  "bn": torch.nn.BatchNorm1d(4)})
    model = ours()
    state = {k: v.numpy() for k, v in theirs.state_dict().items()}
    assert list(model.state_dict()) == list(state)
    model.load_state_dict(from_torch(model, state))
    np.testing.assert_array_equal(model["enc"].weight.numpy(), state["enc.weight"].T)   # Linear's (in, out) layout
    np.testing.assert_array_equal(model.blocks[0].weight.numpy(), state["blocks.0.weight"])
    back = to_torch(model, model.state_dict())
    assert all(back[k].shape == v.shape for k, v in state.items())
    assert repr(model).startswith("ModuleDict(\n  (enc): Linear(in_features=3, out_features=4")


class Heads(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Linear(2, 4)
        self.heads = nn.ModuleDict({"cls": nn.Linear(4, 3), "reg": nn.Linear(4, 1)})

    def forward(self, x):
        h = F.relu(self.trunk(x))
        return {name: head(h) for name, head in self.heads.items()}


def test_a_module_dict_in_a_model_trains_and_round_trips(tmp_path):
    mg.manual_seed(0)
    net = Heads()
    assert [n for n, _ in net.named_parameters()] == ["trunk.weight", "trunk.bias", "heads.cls.weight",
                                                      "heads.cls.bias", "heads.reg.weight", "heads.reg.bias"]
    opt = optim.SGD(net.parameters(), lr=0.1)
    before = net.heads.reg.weight.numpy().copy()
    out = net(mg.randn(5, 2))
    (out["cls"].sum() + out["reg"].sum()).backward()
    opt.step()
    assert not np.array_equal(before, net.heads["reg"].weight.numpy())
    mg.save(net.state_dict(), tmp_path / "heads.npz")
    other = Heads()
    other.load_state_dict(mg.load(tmp_path / "heads.npz"))
    x = mg.randn(3, 2)
    np.testing.assert_array_equal(other(x)["cls"].numpy(), net(x)["cls"].numpy())


# ---------------------------------------------------------------- ParameterList
def test_parameter_list_operations_follow_torch():
    p0 = nn.Parameter(mg.ones(2))
    plist = nn.ParameterList([p0, mg.zeros(3)])   # a Tensor becomes a Parameter sharing its data
    assert len(plist) == 2 and plist[0] is p0 and type(plist[1]) is nn.Parameter and plist[1].requires_grad
    assert plist.append(mg.ones(1)) is plist and plist.extend([mg.ones(4)]) is plist
    plist += (nn.Parameter(mg.ones(5)),)
    assert [p.shape for p in plist] == [(2,), (3,), (1,), (4,), (5,)]
    assert plist[-1].shape == (5,) and plist[-5] is p0
    part = plist[1:3]
    assert type(part) is nn.ParameterList and list(part) == [plist[1], plist[2]]
    assert list(part.state_dict()) == ["0", "1"]
    plist[2] = mg.full((2, 2), 3.0)
    assert plist[2].shape == (2, 2) and type(plist[2]) is nn.Parameter
    assert len(nn.ParameterList()) == 0 and nn.ParameterList().state_dict() == {}
    # torch's layout, quirks included: one parameter on the opening line, two or more on lines of their own.
    assert repr(nn.ParameterList([mg.ones(2, 3)])) == \
        "ParameterList(  (0): Parameter containing: [float32 of size 2x3])  # 6 params"
    assert repr(nn.ParameterList([mg.ones(2, 3), mg.ones(2)])) == ("ParameterList(\n    (0): Parameter containing: "
                                                                  "[float32 of size 2x3]\n    (1): Parameter "
                                                                  "containing: [float32 of size 2]\n)  # 8 params")


@pytest.mark.parametrize("action, error, message", [
    (lambda p: p[2], IndexError, "ParameterList index 2 is out of range for 2 parameters"),
    (lambda p: p["0"], TypeError, "ParameterList indices must be integers or slices, got str"),
    (lambda p: p.__setitem__(slice(0, 1), mg.ones(1)), TypeError, "ParameterList assignment takes one integer index, "
                                                                  "got slice"),
    (lambda p: p.append(3.0), TypeError, "ParameterList.append: expected a Parameter or a Tensor, got float"),
    (lambda p: p.append(np.ones(2)), TypeError, "ParameterList.append: expected a Parameter or a Tensor, got ndarray"),
    (lambda p: p.extend([mg.ones(1), "w"]), TypeError, "ParameterList.extend: expected a Parameter or a Tensor, "
                                                       "got str"),
    (lambda p: p.extend(mg.ones(3)), TypeError, "ParameterList.extend: expected an iterable of Parameters, got a "
                                                "Tensor; use append"),
    (lambda p: p.extend(3), TypeError, "ParameterList.extend: expected an iterable of Parameters, got int"),
    (lambda p: p(mg.zeros(1)), NotImplementedError, "ParameterList is a container and has no forward"),
])
def test_parameter_list_errors_are_clear_and_change_nothing(action, error, message):
    plist = nn.ParameterList([mg.ones(1), mg.ones(2)])
    with pytest.raises(error, match=re.escape(message)):
        action(plist)
    assert [p.shape for p in plist] == [(1,), (2,)]


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(3, 3)
        self.scales = nn.ParameterList([nn.Parameter(mg.ones(3)) for _ in range(2)])

    def forward(self, x):
        for s in self.scales:
            x = self.proj(x) * s
        return x


class TorchScaled(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Linear(3, 3)
        self.scales = torch.nn.ParameterList([torch.nn.Parameter(torch.randn(3)) for _ in range(2)])

    def forward(self, x):
        for s in self.scales:
            x = self.proj(x) * s
        return x


def test_parameter_list_names_match_torch_torch_weights_load_and_gradients_agree():
    torch.manual_seed(0)
    tm = TorchScaled().double()
    ours = Scaled()
    state = {k: v.detach().numpy() for k, v in tm.state_dict().items()}
    assert list(ours.state_dict()) == list(state) == ["proj.weight", "proj.bias", "scales.0", "scales.1"]
    ours.load_state_dict(from_torch(ours, state))
    np.testing.assert_array_equal(ours.scales[1].numpy(), state["scales.1"].astype(np.float32))
    ours = Scaled()
    for p in ours.parameters():   # float64, to compare gradients closely
        p.data = p.data.astype(np.float64)
    ours.load_state_dict(from_torch(ours, state))
    x = np.random.default_rng(1).standard_normal((4, 3))
    out = ours(mg.tensor(x, dtype="float64"))
    tout = tm(torch.tensor(x))
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-12)
    (out ** 2).sum().backward()
    (tout ** 2).sum().backward()
    tgrads = {n: p.grad.numpy() for n, p in tm.named_parameters()}
    for name, p in ours.named_parameters():
        expected = tgrads[name].T if name == "proj.weight" else tgrads[name]
        np.testing.assert_allclose(p.grad.numpy(), expected, rtol=1e-10)
    opt = optim.SGD(ours.parameters(), lr=0.1)
    before = ours.scales[0].numpy().copy()
    opt.step()
    assert not np.array_equal(before, ours.scales[0].numpy())    # the optimizer saw the listed parameters


def test_containers_take_torchs_argument_names():
    for name in ("ModuleList", "ParameterList", "ModuleDict", "ParameterDict"):
        assert list(inspect.signature(getattr(nn, name)).parameters) == \
            list(inspect.signature(getattr(torch.nn, name)).parameters), name
    layers = nn.ModuleList(modules=[nn.Linear(2, 3), nn.ReLU()])
    assert len(layers) == 2 and isinstance(layers[1], nn.ReLU)
    params = nn.ParameterList(values=[nn.Parameter(mg.ones(2)), mg.zeros(3)])
    assert [tuple(p.shape) for p in params] == [(2,), (3,)] and isinstance(params[1], nn.Parameter)
