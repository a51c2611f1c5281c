"""torch.nn.Module's methods on minigrad's Layer (nn.Module is the same class), compared with torch's."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

torch = pytest.importorskip("torch")


def _pair():
    """The same model in both libraries: a conv block, a shared layer, a list and a buffer."""
    def build(lib):
        class Net(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.features = lib.nn.Sequential(lib.nn.Conv2d(1, 2, 3), lib.nn.ReLU(), lib.nn.BatchNorm2d(2))
                self.heads = lib.nn.ModuleList([lib.nn.Linear(4, 3), lib.nn.Linear(3, 2)])
                self.shared = self.heads[1]
                self.register_buffer("steps", lib.zeros(1))
        return Net()
    return build(mg), build(torch)


def test_named_modules_children_and_modules_list_the_same_names_in_the_same_order():
    m, t = _pair()
    assert [name for name, _ in m.named_modules()] == [name for name, _ in t.named_modules()]
    assert ([name for name, _ in m.named_modules(remove_duplicate=False)]
            == [name for name, _ in t.named_modules(remove_duplicate=False)])
    assert [name for name, _ in m.named_modules(prefix="net")] == [name for name, _ in t.named_modules(prefix="net")]
    assert [type(c).__name__ for c in m.children()] == [type(c).__name__ for c in t.children()]
    assert [type(c).__name__ for c in m.modules()] == [type(c).__name__ for c in t.modules()]
    assert m.modules().__next__() is m


def test_apply_visits_children_before_their_parent_as_torch():
    m, t = _pair()
    seen_m, seen_t = [], []
    assert m.apply(lambda layer: seen_m.append(type(layer).__name__)) is m
    t.apply(lambda layer: seen_t.append(type(layer).__name__))
    assert seen_m == seen_t


def test_apply_initialises_weights():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))

    def init(layer):
        if isinstance(layer, nn.Linear):
            nn.init.constant_(layer.weight, 0.5)
            nn.init.zeros_(layer.bias)
    model.apply(init)
    assert all(float(p.numpy().min()) == float(p.numpy().max()) for p in model.parameters())
    assert model[2].weight.numpy().tolist() == [[0.5, 0.5]] * 4
    with pytest.raises(TypeError, match="^Sequential.apply: fn must be callable, got int$"):
        model.apply(3)


def test_add_module_and_register_parameter_register_in_torchs_order():
    def build(lib):
        layer = lib.nn.Module()
        layer.add_module("first", lib.nn.Linear(2, 2))
        layer.register_parameter("scale", lib.nn.Parameter(lib.ones(2)))
        layer.register_module("second", lib.nn.Linear(2, 1))
        layer.register_parameter("unused", None)
        return layer
    layer = build(mg)
    # torch's order: the layer's own parameters first, then its sub-layers'.
    assert list(layer.state_dict()) == list(build(torch).state_dict()) == \
        ["scale", "first.weight", "first.bias", "second.weight", "second.bias"]
    assert layer.unused is None
    with pytest.raises(KeyError, match=r"add_module: the name must be a non-empty string without '\.', got 'a\.b'"):
        layer.add_module("a.b", nn.ReLU())
    with pytest.raises(KeyError, match="register_parameter: attribute 'forward' already exists"):
        layer.register_parameter("forward", nn.Parameter(mg.ones(1)))
    with pytest.raises(TypeError, match=r"register_parameter: 'w' must be a Parameter or None, got Tensor; "
                                        r"wrap a tensor as nn\.Parameter\(t\)"):
        layer.register_parameter("w", mg.ones(1))
    with pytest.raises(TypeError, match="add_module: 'm' must be a Layer"):
        layer.add_module("m", mg.ones(1))


def test_get_submodule_parameter_buffer_and_set_submodule():
    m, t = _pair()
    assert type(m.get_submodule("features.2")).__name__ == type(t.get_submodule("features.2")).__name__
    assert m.get_submodule("") is m
    assert m.get_parameter("heads.0.weight") is m.heads[0].weight
    assert m.get_buffer("features.2.running_mean") is m.features[2].running_mean
    assert m.get_buffer("steps") is m.steps
    replacement = nn.Tanh()
    m.set_submodule("features.1", replacement)
    assert m.features[1] is replacement
    with pytest.raises(AttributeError, match=r"get_submodule: Sequential has no sub-layer '7' \(looking for "
                                             r"'features\.7'\)"):
        m.get_submodule("features.7")
    with pytest.raises(AttributeError, match="get_parameter: Linear has no parameter 'gamma'"):
        m.get_parameter("heads.0.gamma")
    with pytest.raises(AttributeError, match="get_buffer: Net has no buffer 'heads'"):
        m.get_buffer("heads")


def test_requires_grad_freezes_and_unfreezes_every_parameter():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    assert model[0].requires_grad_(False) is model[0]
    assert [p.requires_grad for p in model.parameters()] == [False, False, True, True]
    model.requires_grad_()
    assert all(p.requires_grad for p in model.parameters())


@pytest.mark.parametrize("method,dtype", [("double", np.float64), ("half", np.float16), ("float", np.float32)])
def test_casting_methods_cast_floating_parameters_and_buffers_only(method, dtype):
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    assert getattr(model, method)() is model
    assert {p.dtype for p in model.parameters()} == {np.dtype(dtype)}
    assert model[1].running_mean.dtype == dtype and model[1].num_batches_tracked.dtype == np.int64
    if method == "double":
        out = model(mg.tensor(np.ones((3, 2)), dtype="float64"))
        assert out.dtype == np.float64


def test_cpu_keeps_the_parameters():
    model = nn.Linear(2, 2)
    weight = model.weight
    assert model.cpu() is model and model.weight is weight and weight.device == "cpu"


def test_forward_pre_hooks_see_and_may_replace_the_arguments_as_torch():
    for lib in (mg, torch):
        layer = lib.nn.Linear(2, 2)
        calls = []
        layer.register_forward_pre_hook(lambda mod, args: calls.append("second"))
        handle = layer.register_forward_pre_hook(lambda mod, args: (args[0] * 0,), prepend=True)
        out = layer(lib.ones(1, 2))
        assert calls == ["second"]
        assert np.allclose(np.asarray(out.detach().numpy()), np.asarray(layer.bias.detach().numpy()))
        handle.remove()
        assert not np.allclose(np.asarray(layer(lib.ones(1, 2)).detach().numpy()),
                               np.asarray(layer.bias.detach().numpy()))


def test_forward_hook_prepend_runs_first():
    layer = nn.Identity()
    order = []
    layer.register_forward_hook(lambda mod, args, out: order.append("a"))
    layer.register_forward_hook(lambda mod, args, out: order.append("b"), prepend=True)
    layer(mg.ones(1))
    assert order == ["b", "a"]


def test_sequential_edits_as_torch():
    m = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    t = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())
    for seq, lib in ((m, mg), (t, torch)):
        seq[1] = lib.nn.Tanh()
        seq.append(lib.nn.Linear(3, 1))
        seq.insert(0, lib.nn.Identity())
        seq.extend([lib.nn.ReLU(), lib.nn.Identity()])
        del seq[-1]
        seq.pop(-1)
    assert [type(x).__name__ for x in m] == [type(x).__name__ for x in t]
    assert list(m.state_dict()) == list(t.state_dict())
    with pytest.raises(TypeError, match="^Sequential.__setitem__: expected a Layer, got int$"):
        m[0] = 3


def test_size_is_numpys_count_and_torchs_method():
    x, t = mg.zeros(3, 4), torch.zeros(3, 4)
    assert x.size == 12 and x.size + 1 == 13 and isinstance(x.size, int)
    assert x.size() == tuple(t.size()) and x.size(0) == t.size(0) and x.size(-1) == t.size(-1)
    with pytest.raises(IndexError, match=r"^size: dim 2 is out of range for a tensor of shape \(3, 4\)"):
        x.size(2)
    with pytest.raises(TypeError, match="^size: dim must be an int, got 'a'$"):
        x.size("a")


def test_named_modules_reads_and_fills_a_memo_as_torch():
    m, t = _pair()
    for remove_duplicate in (True, False):
        ours_memo, their_memo = {m.features}, {t.features}
        ours = [name for name, _ in m.named_modules(memo=ours_memo, prefix="n", remove_duplicate=remove_duplicate)]
        theirs = [name for name, _ in t.named_modules(memo=their_memo, prefix="n", remove_duplicate=remove_duplicate)]
        assert ours == theirs and "n.features" not in ours and "n.features.0" not in ours
        assert len(ours_memo) == len(their_memo) == (5 if remove_duplicate else 1)
    assert list(m.named_modules(memo={m})) == []
