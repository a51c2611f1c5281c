"""The rest of torch.nn.Module's surface on minigrad's Layer, side by side with torch: repr layout, __dir__,
train/eval, zero_grad, type, to_empty, _apply, share_memory, set_submodule, and the container methods."""
import re

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

torch = pytest.importorskip("torch")


def _without_counts(text: str) -> str:
    """minigrad's repr less its ``  # N params`` comments, which torch does not print."""
    return re.sub(r"  # [\d,]+ params?", "", text)


def _torch_dtypes(text: str) -> str:
    return text.replace("torch.float32", "float32").replace("torch.FloatTensor", "float32")


def test_repr_of_a_nested_model_is_torchs_plus_parameter_counts():
    def build(lib):
        class Block(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.body = lib.nn.Sequential(lib.nn.Conv2d(1, 2, 3), lib.nn.ReLU(), lib.nn.Flatten(),
                                              lib.nn.Linear(8, 2))
                self.heads = lib.nn.ModuleDict({"a": lib.nn.Linear(2, 3), "b": lib.nn.Identity()})

            def extra_repr(self):
                return "depth=2\nwidth=8"
        return Block()
    ours, theirs = repr(build(mg)), repr(build(torch))
    assert _without_counts(ours) == theirs
    assert ours.splitlines()[:3] == ["Block(", "  depth=2", "  width=8"]
    assert ours.endswith(f")  # {sum(p.numel() for p in build(torch).parameters())} params") and "# 47 params" in ours
    assert repr(nn.Linear(2, 3)) == repr(torch.nn.Linear(2, 3)) + "  # 9 params"
    assert repr(nn.Sequential()) == repr(torch.nn.Sequential()) == "Sequential()"


def test_repr_of_parameter_containers_follows_torchs_layout():
    cases = [
        (nn.ParameterList([mg.ones(2, 3)]), torch.nn.ParameterList([torch.ones(2, 3)])),
        (nn.ParameterList([mg.ones(2, 3), mg.ones(4)]), torch.nn.ParameterList([torch.ones(2, 3), torch.ones(4)])),
        (nn.ParameterDict({"a": mg.ones(2), "b": mg.ones(1, 1)}),
         torch.nn.ParameterDict({"a": torch.ones(2), "b": torch.ones(1, 1)})),
        (nn.ParameterList(), torch.nn.ParameterList()),
    ]
    for ours, theirs in cases:
        assert _without_counts(repr(ours)) == _torch_dtypes(repr(theirs))



def test_repr_of_a_module_list_prints_a_run_of_equal_layers_once_as_torch():
    # torch's ModuleList repr: "(0-1): 2 x Linear(...)"; it was one line per layer. Layers that differ in size only
    # by their parameter counts (torch prints none) are a run too.
    def build(lib):
        class Sized(lib.nn.Module):
            def __init__(self, n):
                super().__init__()
                self.w = lib.nn.Parameter(lib.ones(n))

        return [lib.nn.ModuleList([lib.nn.Linear(2, 2), lib.nn.Linear(2, 2), lib.nn.Linear(2, 3), lib.nn.ReLU(),
                                   lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.Tanh()),
                                   lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.Tanh()), lib.nn.ReLU()]),
                lib.nn.ModuleList([Sized(1), Sized(2)]), lib.nn.ModuleList([lib.nn.ReLU()]), lib.nn.ModuleList()]

    for ours, theirs in zip(build(mg), build(torch)):
        assert _without_counts(repr(ours)) == repr(theirs)
    assert repr(nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])).splitlines() == [
        "ModuleList(", "  (0-1): 2 x Linear(in_features=2, out_features=2, bias=True)  # 6 params", ")  # 12 params"]

def test_dir_lists_members_and_no_positions_as_torch():
    def build(lib):
        model = lib.nn.Sequential(lib.nn.Linear(2, 2))
        model.add_module("head", lib.nn.ReLU())
        model.register_buffer("steps", lib.zeros(1))
        model.register_parameter("gain", lib.nn.Parameter(lib.ones(1)))
        return model
    ours, theirs = dir(build(mg)), dir(build(torch))
    assert ours == sorted(ours)
    for name in ("head", "steps", "gain", "forward", "state_dict", "training"):
        assert name in ours and name in theirs
    assert not [n for n in ours if n[0].isdigit()] and not [n for n in theirs if n[0].isdigit()]


def test_train_and_eval_return_the_module_and_refuse_a_non_bool():
    for lib in (mg, torch):
        model = lib.nn.Sequential(lib.nn.Dropout(0.5))
        assert model.eval() is model and not model[0].training
        assert model.train() is model and model[0].training
        assert model.train(False) is model and not model[0].training
        with pytest.raises(ValueError, match="training mode is expected to be boolean"):
            model.train("eval")
        assert not model[0].training


def test_zero_grad_sets_none_by_default_or_zeros_in_place():
    for lib in (mg, torch):
        model = lib.nn.Linear(2, 3)
        model.weight.grad = lib.ones(*model.weight.shape)
        grad = model.weight.grad
        model.zero_grad(set_to_none=False)
        assert model.weight.grad is grad and float(grad.sum()) == 0.0 and model.bias.grad is None
        model.zero_grad()
        assert model.weight.grad is None


def test_zero_grad_without_set_to_none_zeroes_a_broadcast_gradient_and_detaches_a_recorded_one_as_torch():
    # Layer.zero_grad wrote into the gradient array itself: NumPy refused a broadcast one ("assignment
    # destination is read-only"), and a gradient that requires grad stayed attached to its graph
    ours, theirs = nn.Linear(2, 3), torch.nn.Linear(2, 3)
    ours.weight.grad = mg.from_numpy(np.broadcast_to(np.array(2.0, dtype=np.float32), ours.weight.shape))
    theirs.weight.grad = torch.tensor(2.0).expand(*theirs.weight.shape)
    w = mg.ones(3, requires_grad=True)
    tw = torch.ones(3, requires_grad=True)
    ours.bias.grad, theirs.bias.grad = w * 2, tw * 2
    grad = ours.weight.grad
    ours.zero_grad(set_to_none=False)
    theirs.zero_grad(set_to_none=False)
    assert ours.weight.grad is grad and ours.weight.grad.dtype == mg.float32
    np.testing.assert_array_equal(ours.weight.grad.numpy(), np.zeros((2, 3)))   # minigrad's weight is (in, out)
    np.testing.assert_array_equal(theirs.weight.grad.numpy(), np.zeros((3, 2)))
    np.testing.assert_array_equal(ours.bias.grad.numpy(), theirs.bias.grad.numpy())
    assert not ours.bias.grad.requires_grad and ours.bias.grad.creator is None
    assert not theirs.bias.grad.requires_grad and theirs.bias.grad.grad_fn is None


def test_type_casts_every_tensor_integers_too_and_to_casts_floating_ones_only():
    ours, theirs = nn.BatchNorm1d(2), torch.nn.BatchNorm1d(2)
    assert ours.type(mg.float64) is ours
    theirs.type(torch.float64)
    assert [str(v.dtype) for v in ours.state_dict().values()] == \
        [str(v.dtype).replace("torch.", "") for v in theirs.state_dict().values()] == ["float64"] * 5
    ours, theirs = nn.BatchNorm1d(2), torch.nn.BatchNorm1d(2)
    weight = ours.weight
    ours.to(mg.float64), theirs.to(torch.float64)
    assert [str(v.dtype) for v in ours.state_dict().values()] == \
        [str(v.dtype).replace("torch.", "") for v in theirs.state_dict().values()] == ["float64"] * 4 + ["int64"]
    assert ours.weight is weight
    assert nn.Linear(1, 1).type("minigrad.DoubleTensor").weight.dtype == np.float64


def test_apply_to_empty_and_share_memory_keep_the_parameter_objects():
    ours, theirs = nn.Conv1d(2, 3, 2), torch.nn.Conv1d(2, 3, 2)
    with torch.no_grad():
        for (_, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
            tp.copy_(torch.tensor(p.numpy()))
    weight = ours.weight
    ours.weight.grad = mg.ones(*ours.weight.shape)
    theirs.weight.grad = torch.ones(*theirs.weight.shape)
    assert ours._apply(lambda t: t * 2) is ours
    theirs._apply(lambda t: t * 2)
    assert ours.weight is weight
    for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == tname
        np.testing.assert_array_equal(p.numpy(), tp.detach().numpy())
    np.testing.assert_array_equal(ours.weight.grad.numpy(), theirs.weight.grad.numpy())
    assert ours.weight.grad.numpy().max() == 2.0
    # Tied parameters are transformed once.
    tied = nn.Module()
    tied.a = nn.Linear(2, 2)
    tied.b = nn.Linear(2, 2)
    tied.b.weight = tied.a.weight
    before = tied.a.weight.numpy().copy()
    tied._apply(lambda t: t + 1)
    np.testing.assert_array_equal(tied.b.weight.numpy(), before + 1)
    empty = nn.BatchNorm1d(3).to_empty(device="cpu")
    assert [(k, v.shape, v.dtype) for k, v in empty.state_dict().items()] == \
        [(k, v.shape, v.dtype) for k, v in nn.BatchNorm1d(3).state_dict().items()]
    model = nn.Linear(1, 1)
    assert model.share_memory() is model


def test_set_submodule_adds_unless_strict_as_torch():
    for lib in (mg, torch):
        model = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.Sequential(lib.nn.ReLU()))
        model.set_submodule("1.extra", lib.nn.Tanh())
        assert type(model[1].extra).__name__ == "Tanh"
        with pytest.raises(AttributeError):
            model.set_submodule("1.other", lib.nn.Tanh(), strict=True)
        model.set_submodule("1.0", lib.nn.Sigmoid(), strict=True)
        assert type(model[1][0]).__name__ == "Sigmoid"
        with pytest.raises(ValueError):
            model.set_submodule("", lib.nn.Tanh())
        with pytest.raises(ValueError):
            model.set_submodule("0", lib.ones(1))
        assert [n for n, _ in model.named_modules()] == ["", "0", "1", "1.0", "1.extra"]


def test_sequential_arithmetic_as_torch():
    for lib in (mg, torch):
        relu, tanh = lib.nn.ReLU(), lib.nn.Tanh()
        seq = lib.nn.Sequential(relu, tanh)
        added = seq + lib.nn.Sequential(lib.nn.Sigmoid())
        assert type(added) is lib.nn.Sequential and [type(m).__name__ for m in added] == ["ReLU", "Tanh", "Sigmoid"]
        assert added[0] is relu and len(seq) == 2
        doubled = seq * 2
        if lib is torch:   # a layer held twice prints under each of its names, as torch's
            assert _without_counts(repr(mg.nn.Sequential(mg.nn.ReLU(), mg.nn.Tanh()) * 2)) == repr(doubled)
        assert [m for m in doubled] == [relu, tanh, relu, tanh] and list(2 * seq) == list(doubled)
        seq += lib.nn.Sequential(lib.nn.Identity())
        assert len(seq) == 3
        seq *= 2
        assert len(seq) == 6 and seq[3] is relu
        with pytest.raises(ValueError):
            seq + lib.nn.ModuleList()
        with pytest.raises(ValueError):
            seq * 0
        with pytest.raises(TypeError):
            seq * 1.5
        assert [n for n, _ in seq.named_children()] == ["0", "1", "2"]   # shared layers are listed once



def test_sequential_pop_takes_an_index_or_a_slice_as_torch():
    # torch's Sequential.pop(key) is self[key] then del self[key]: a slice gives a Sequential of those layers (it was
    # a TypeError here) and the rest are numbered afresh.
    for lib in (mg, torch):
        layers = [lib.nn.ReLU(), lib.nn.Tanh(), lib.nn.Sigmoid(), lib.nn.Identity()]
        seq = lib.nn.Sequential(*layers)
        popped = seq.pop(slice(1, 3))
        assert type(popped) is lib.nn.Sequential and list(popped) == layers[1:3]
        assert [n for n, _ in popped.named_children()] == ["1", "2"]
        assert list(seq) == [layers[0], layers[3]] and [n for n, _ in seq.named_children()] == ["0", "1"]
        assert seq.pop(0) is layers[0] and seq.pop(-1) is layers[3] and len(seq) == 0

def test_module_list_pop_and_parameter_dict_methods_as_torch():
    for lib in (mg, torch):
        layers = [lib.nn.ReLU(), lib.nn.Tanh(), lib.nn.Sigmoid()]
        mlist = lib.nn.ModuleList(layers)
        assert mlist.pop(1) is layers[1] and mlist.pop(-1) is layers[2] and list(mlist) == [layers[0]]
        a, b = lib.nn.Parameter(lib.ones(1)), lib.nn.Parameter(lib.zeros(2))
        pdict = lib.nn.ParameterDict({"a": a, "b": b})
        assert list(reversed(pdict)) == ["b", "a"]
        copy = pdict.copy()
        assert type(copy) is lib.nn.ParameterDict and copy["a"] is a and copy is not pdict
        assert pdict.popitem() == ("b", b) and list(pdict) == ["a"]
        assert pdict.setdefault("a", lib.zeros(3)) is a
        assert tuple(pdict.setdefault("c", lib.zeros(3)).shape) == (3,) and list(pdict) == ["a", "c"]
        merged = pdict | {"d": lib.ones(4)}
        assert type(merged) is lib.nn.ParameterDict and list(merged) == ["a", "c", "d"] and list(pdict) == ["a", "c"]
        left = {"z": lib.ones(1)} | pdict
        assert type(left) is dict and list(left) == ["z", "a", "c"] and left["a"] is a
        pdict |= {"e": lib.ones(1)}
        assert type(pdict) is lib.nn.ParameterDict and list(pdict) == ["a", "c", "e"]
    shared = nn.Parameter(mg.ones(2))
    keys = nn.ParameterDict.fromkeys(["x", "y"], shared)   # torch 2.x's fromkeys fails on a tensor default
    assert list(keys) == ["x", "y"] and keys["x"] is keys["y"] is shared
    assert [n for n, _ in keys.named_parameters()] == ["x"]


def test_parameter_dict_sorts_a_plain_dicts_keys_and_keeps_an_ordered_ones_as_torch():
    from collections import OrderedDict

    def build(lib):
        d = lib.nn.ParameterDict({"b": lib.nn.Parameter(lib.ones(1)), "a": lib.nn.Parameter(lib.ones(2))})
        d.update({"z": lib.nn.Parameter(lib.ones(3)), "c": lib.nn.Parameter(lib.ones(4))})
        d.update([("y", lib.nn.Parameter(lib.ones(5))), ("x", lib.nn.Parameter(lib.ones(6)))])
        kept = lib.nn.ParameterDict(OrderedDict([("q", lib.nn.Parameter(lib.ones(1))),
                                                 ("p", lib.nn.Parameter(lib.ones(1)))]))
        return d, kept, kept.copy(), d | {"f": lib.nn.Parameter(lib.ones(1)), "e": lib.nn.Parameter(lib.ones(1))}
    for ours, theirs in zip(build(mg), build(torch)):
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert [tuple(p.shape) for p in ours.parameters()] == [tuple(p.shape) for p in theirs.parameters()]
    assert list(build(mg)[0].keys()) == ["a", "b", "c", "z", "y", "x"]
    assert list(build(mg)[2].keys()) == ["q", "p"]
    with pytest.raises(TypeError, match="ParameterDict keys must be strings, got int 1"):
        nn.ParameterDict({"a": mg.ones(1), 1: mg.ones(1)})


def test_train_calls_each_sub_layers_own_train_as_torch():
    # a sub-layer's train override (a block that keeps its BatchNorm frozen) was skipped: every layer's flag was
    # set directly, so the frozen BatchNorm trained and updated its running statistics
    def build(lib):
        class FrozenNormBlock(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.fc, self.bn = lib.nn.Linear(2, 2), lib.nn.BatchNorm1d(2)

            def forward(self, x):
                return self.bn(self.fc(x))

            def train(self, mode=True):
                super().train(mode)
                self.bn.eval()
                return self
        return lib.nn.Sequential(FrozenNormBlock(), lib.nn.Dropout(0.5))
    model, tmodel = build(mg), build(torch)
    for step in (lambda m: m.train(), lambda m: m.eval(), lambda m: m.train(True)):
        assert [m.training for m in step(model).modules()] == [m.training for m in step(tmodel).modules()]
    assert [m.training for m in model.modules()] == [True, True, True, False, True]
    model(mg.tensor([[1.0, 2.0], [3.0, 5.0]]))
    np.testing.assert_array_equal(model[0].bn.running_mean.numpy(), [0.0, 0.0])


@pytest.mark.parametrize("value", ["False", 0, None])
def test_requires_grad_refuses_a_non_bool_as_torch(value):
    # "False" froze nothing (it is truthy) and 0 or None froze the layer, where torch raises
    layer = nn.Linear(1, 1)
    with pytest.raises(TypeError, match=f"Linear.requires_grad_: requires_grad must be a bool, got "
                                        f"{type(value).__name__}"):
        layer.requires_grad_(value)
    assert all(p.requires_grad for p in layer.parameters())
    with pytest.raises(TypeError, match="must be bool"):
        torch.nn.Linear(1, 1).requires_grad_(value)
    assert not any(p.requires_grad for p in layer.requires_grad_(np.bool_(False)).parameters())


def test_train_reaches_a_sub_layer_list_named_children():
    class Tree(nn.Module):
        def __init__(self):
            super().__init__()
            self.children = nn.ModuleList([nn.Dropout(0.5), nn.BatchNorm1d(2)])
    tree = Tree().eval()
    assert [m.training for m in nn.Layer.modules(tree)] == [False] * 4
    assert [m.training for m in nn.Layer.modules(tree.train())] == [True] * 4
