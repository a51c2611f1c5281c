"""``state_dict()``'s values are torch's: detached Tensors that share memory with the parameters and buffers.

Side by side with torch: value types and flags, dtypes and shapes, writes going through, training showing in a
state dict taken before it, snapshots by deepcopy/clone, the everyday idioms on the values, loading, save/load
round trips (and files written when the values were arrays), a buffer-only layer, tied and parametrized weights,
functional_call, and AveragedModel's state dict."""
import copy

import numpy as np
import pytest

import minigrad as mg
from minigrad.func import functional_call
from minigrad.io import load_safetensors, save_safetensors, to_torch
from minigrad.optim.swa_utils import AveragedModel

torch = pytest.importorskip("torch")

KEYS = ["fc.weight", "fc.bias", "norm.weight", "norm.bias", "norm.running_mean", "norm.running_var",
        "norm.num_batches_tracked", "head.weight", "head.bias"]
TOL = dict(rtol=1e-12, atol=1e-14)


def _net(lib):
    """A Linear, a BatchNorm1d (float buffers and an int64 count) and a non-persistent buffer, in float64."""
    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = lib.nn.Linear(3, 4, dtype=lib.float64)
            self.norm = lib.nn.BatchNorm1d(4, dtype=lib.float64)
            self.head = lib.nn.Linear(4, 2, dtype=lib.float64)
            self.register_buffer("mask", lib.ones(2, dtype=lib.float64), persistent=False)

        def forward(self, x):
            return self.head(self.norm(self.fc(x)).relu()) * self.mask
    return Net()


def _pair():
    """The same model in minigrad and in torch: torch's weights are ours (in torch's layout)."""
    ours, theirs = _net(mg), _net(torch)
    theirs.load_state_dict({k: torch.tensor(np.array(v)) for k, v in to_torch(ours, ours.state_dict()).items()})
    return ours, theirs


def _lib(model):
    return mg if isinstance(model, mg.nn.Module) else torch


def _input(lib, seed=1):
    return lib.tensor(np.random.default_rng(seed).standard_normal((8, 3)), dtype=lib.float64)


def _as_torch_layout(model, state):
    """Our state's values as NumPy arrays in torch's layout (Linear weights transposed)."""
    return {k: np.asarray(v) for k, v in to_torch(model, state).items()}


def test_values_are_detached_tensors_with_torchs_keys_dtypes_and_shapes():
    ours, theirs = _pair()
    mine, their = ours.state_dict(), theirs.state_dict()
    assert list(mine) == list(their) == KEYS   # "mask" is not persistent: left out by both
    for key in KEYS:
        a, b = mine[key], their[key]
        assert type(a) is mg.Tensor and type(b) is torch.Tensor, key   # not Parameters
        assert (a.requires_grad, a.is_leaf, a.grad_fn, a.grad) == (b.requires_grad, b.is_leaf, b.grad_fn, b.grad) \
            == (False, True, None, None), key
        assert str(a.dtype) == str(b.dtype).replace("torch.", ""), key
    shapes = {k: tuple(v.shape) for k, v in their.items()}
    assert {k: v.shape for k, v in _as_torch_layout(ours, mine).items()} == shapes
    count, their_count = mine["norm.num_batches_tracked"], their["norm.num_batches_tracked"]
    assert (count.dtype, count.shape, count.item()) == (np.int64, (), 0)
    assert (str(their_count.dtype), tuple(their_count.shape), their_count.item()) == ("torch.int64", (), 0)


def test_keep_vars_gives_the_parameters_and_buffers_themselves():
    for model in _pair():
        kept = model.state_dict(keep_vars=True)
        members = {**dict(model.named_parameters()), **dict(model.named_buffers())}
        assert list(kept) == KEYS and all(kept[k] is members[k] for k in KEYS)
        assert [k for k in KEYS if kept[k].requires_grad] == ["fc.weight", "fc.bias", "norm.weight", "norm.bias",
                                                               "head.weight", "head.bias"]


def test_each_value_shares_its_members_memory_and_writes_go_through_as_torchs():
    for model in _pair():
        lib = _lib(model)
        state, members = model.state_dict(), model.state_dict(keep_vars=True)
        for key, value in state.items():
            assert value.data_ptr() == members[key].data_ptr() and value is not members[key], key
        assert model.state_dict()["fc.bias"] is not state["fc.bias"]   # a new detached Tensor on each call
        state["fc.bias"].zero_()
        state["head.bias"].copy_(lib.full((2,), 7.0, dtype=lib.float64))
        state["norm.running_var"].fill_(2.0)
        state["norm.num_batches_tracked"].add_(3)
        assert model.fc.bias.tolist() == [0.0] * 4 and model.head.bias.tolist() == [7.0, 7.0]
        assert model.norm.running_var.tolist() == [2.0] * 4 and model.norm.num_batches_tracked.item() == 3


def test_an_optimizer_step_and_batchnorm_updates_show_in_an_earlier_state_dict_as_in_torch():
    ours, theirs = _pair()
    states, snapshots = {}, {}
    for model in (ours, theirs):
        lib = _lib(model)
        states[lib] = model.state_dict()
        snapshots[lib] = {k: v.clone() for k, v in states[lib].items()}
        opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        out = model(_input(lib))
        (out * out).sum().backward()
        opt.step()
        members = model.state_dict(keep_vars=True)
        for key in KEYS:
            assert states[lib][key].equal(members[key]), key   # the step and the running stats show in it
            assert not states[lib][key].equal(snapshots[lib][key]), key   # every entry moved
    assert states[mg]["norm.num_batches_tracked"].item() == states[torch]["norm.num_batches_tracked"].item() == 1
    mine = _as_torch_layout(ours, states[mg])
    for key, value in states[torch].items():
        np.testing.assert_allclose(mine[key], value.numpy(), err_msg=key, **TOL)


def test_deepcopy_and_clone_are_independent_snapshots_as_in_torch():
    for model in _pair():
        state = model.state_dict()
        for take in (copy.deepcopy, lambda state: {k: v.clone() for k, v in state.items()}):
            snapshot = take(state)
            assert list(snapshot) == KEYS
            for key, value in snapshot.items():
                assert type(value) is type(state[key]) and not value.requires_grad, key
                assert value.dtype == state[key].dtype and value.equal(state[key]), key
                assert value.data_ptr() != state[key].data_ptr(), key
            for value in state.values():
                value.add_(1)                       # a write into the model...
            for key in KEYS:
                assert not snapshot[key].equal(state[key]), key   # ...that the snapshot does not see
                assert state[key].equal(model.state_dict()[key]), key


def test_torchs_idioms_on_the_values():
    results = []
    for model in _pair():
        lib = _lib(model)
        state = model.state_dict()
        bias = state["fc.bias"]   # float64
        as_float = bias.float()
        results.append((bias.cpu() is bias, bias.to("cpu") is bias, bias.double() is bias, as_float is bias,
                        as_float.float() is as_float, str(as_float.dtype).replace("torch.", ""),
                        str(bias.to(lib.float32).dtype).replace("torch.", ""),
                        np.shares_memory(bias.numpy(), model.fc.bias.detach().numpy()),
                        bias.clone().data_ptr() != bias.data_ptr(), bias.clone().requires_grad,
                        bias.equal(model.state_dict()["fc.bias"]), bias.equal(state["head.bias"])))
        np.testing.assert_array_equal(as_float.numpy(), model.fc.bias.detach().numpy().astype(np.float32))
    assert results[0] == results[1]
    assert results[0] == (True, True, True, False, True, "float32", "float32", True, True, False, True, False)


def test_a_write_into_a_value_after_the_forward_makes_that_backward_raise_as_torchs():
    for model in _pair():
        lib = _lib(model)
        out = model(_input(lib))
        model.state_dict()["head.weight"].mul_(2)
        with pytest.raises(RuntimeError):
            (out * out).sum().backward()


def test_load_state_dict_copies_from_another_models_tensors_and_from_arrays():
    sources, targets = _pair(), _pair()
    for source, target in zip(sources, targets):
        state = source.state_dict()
        result = target.load_state_dict(state)
        assert tuple(result) == ([], [])
        loaded = target.state_dict()
        for key in KEYS:   # the values, not the memory
            assert loaded[key].equal(state[key]) and loaded[key].data_ptr() != state[key].data_ptr(), key
        state["fc.bias"].add_(1)
        assert not target.fc.bias.equal(source.fc.bias)
        before = {k: v.clone() for k, v in target.state_dict().items()}
        target.load_state_dict(target.state_dict())   # its own state: nothing changes
        assert all(before[k].equal(v) for k, v in target.state_dict().items())
    ours, fresh = sources[0], targets[0]
    assert tuple(fresh.load_state_dict({k: v.numpy().copy() for k, v in ours.state_dict().items()})) == ([], [])
    assert all(fresh.state_dict()[k].equal(v) for k, v in ours.state_dict().items())


def test_assign_takes_another_models_state_dict_values_over_their_memory_as_torchs():
    for lib in (mg, torch):
        source, target = lib.nn.Linear(3, 2), lib.nn.Linear(3, 2)
        old = target.weight
        target.load_state_dict(source.state_dict(), assign=True)
        assert type(target.weight) is lib.nn.Parameter and target.weight is not old and target.weight.requires_grad
        assert target.weight is not source.weight and target.weight.data_ptr() == source.weight.data_ptr()


def test_save_and_load_round_trip_gives_tensors_as_torch_load(tmp_path):
    ours, theirs = _pair()
    ours(_input(mg)), theirs(_input(torch))   # training mode: the running statistics move
    mg.save(ours.state_dict(), tmp_path / "ours.npz")
    torch.save(theirs.state_dict(), tmp_path / "theirs.pt")
    expected = copy.deepcopy(ours.state_dict())
    ours.state_dict()["fc.bias"].add_(1)   # after saving: the file keeps the values it was given
    loaded, their = mg.load(tmp_path / "ours.npz"), torch.load(tmp_path / "theirs.pt")
    assert list(loaded) == list(their) == KEYS
    for key in KEYS:
        a, b = loaded[key], their[key]
        assert type(a) is mg.Tensor and type(b) is torch.Tensor, key
        assert a.requires_grad is b.requires_grad is False and str(a.dtype) == str(b.dtype).replace("torch.", "")
        assert a.equal(expected[key]), key
    for key, value in _as_torch_layout(ours, loaded).items():
        np.testing.assert_allclose(value, their[key].numpy(), err_msg=key, **TOL)
    assert not loaded["fc.bias"].equal(ours.fc.bias)
    fresh = _net(mg)
    assert tuple(fresh.load_state_dict(loaded)) == ([], [])
    x = _input(mg, seed=2)
    fresh.eval(), ours.eval()
    ours.load_state_dict(expected)
    np.testing.assert_array_equal(fresh(x).numpy(), ours(x).numpy())


def test_a_file_saved_when_the_values_were_arrays_still_loads(tmp_path):
    ours = _net(mg)
    ours(_input(mg))
    # What minigrad.save wrote when state_dict() gave array copies: "array" entries, loaded back as arrays.
    mg.save({k: v.numpy().copy() for k, v in ours.state_dict().items()}, tmp_path / "old.npz")
    old = mg.load(tmp_path / "old.npz")
    assert all(type(v) is np.ndarray for v in old.values()) and old["norm.num_batches_tracked"].dtype == np.int64
    fresh = _net(mg)
    assert tuple(fresh.load_state_dict(old)) == ([], [])
    assert all(fresh.state_dict()[k].equal(v) for k, v in ours.state_dict().items())


def test_safetensors_and_torchs_layout_take_the_state_dicts_tensors(tmp_path):
    import safetensors.torch
    ours, theirs = _pair()
    ours(_input(mg))
    state = ours.state_dict()
    exported = to_torch(ours, state)
    assert all(type(v) is np.ndarray for v in exported.values())   # arrays, whichever entries turn
    assert exported["fc.bias"].ctypes.data == state["fc.bias"].data_ptr()   # an entry that does not turn: no copy
    save_safetensors(state, tmp_path / "state.safetensors")            # a dict of Tensors
    save_safetensors(ours, tmp_path / "torch.safetensors", layout="torch")
    back = load_safetensors(tmp_path / "state.safetensors")
    assert sorted(back) == sorted(KEYS) and all(np.array_equal(back[k], state[k].numpy()) for k in KEYS)
    assert tuple(theirs.load_state_dict(safetensors.torch.load_file(tmp_path / "torch.safetensors"))) == ([], [])
    for key, value in theirs.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), exported[key], err_msg=key)


def test_a_buffer_only_layer_shares_its_running_statistics_as_torchs():
    ours = mg.nn.BatchNorm1d(3, affine=False, dtype=mg.float64)
    theirs = torch.nn.BatchNorm1d(3, affine=False, dtype=torch.float64)
    mine, their = ours.state_dict(), theirs.state_dict()
    assert list(mine) == list(their) == ["running_mean", "running_var", "num_batches_tracked"]
    assert list(ours.parameters()) == list(theirs.parameters()) == []
    rng = np.random.default_rng(3)
    for _ in range(2):
        x = rng.standard_normal((6, 3)) * 2 + 1
        ours(mg.tensor(x, dtype=mg.float64)), theirs(torch.tensor(x))
    for key in mine:   # taken before the two batches
        np.testing.assert_allclose(mine[key].numpy(), their[key].numpy(), err_msg=key, **TOL)
        assert mine[key].data_ptr() == getattr(ours, key).data_ptr() and not mine[key].requires_grad
    assert mine["num_batches_tracked"].item() == their["num_batches_tracked"].item() == 2
    frozen = copy.deepcopy(mine)
    ours.eval()
    ours(mg.tensor(rng.standard_normal((6, 3)), dtype=mg.float64))
    assert all(frozen[k].equal(v) for k, v in mine.items())   # eval mode updates nothing


def test_tied_and_parametrized_weights_share_memory_as_torchs():
    for lib in (mg, torch):
        tied = lib.nn.ModuleDict(dict(wte=lib.nn.Embedding(6, 3), lm_head=lib.nn.Linear(3, 6, bias=False)))
        tied.wte.weight = tied.lm_head.weight
        state = tied.state_dict()
        assert list(state) == ["wte.weight", "lm_head.weight"]
        assert state["wte.weight"].data_ptr() == state["lm_head.weight"].data_ptr() == tied.wte.weight.data_ptr()
        snapshot = copy.deepcopy(state)   # the tie survives the copy, in new memory
        assert snapshot["wte.weight"].data_ptr() == snapshot["lm_head.weight"].data_ptr()
        assert snapshot["wte.weight"].data_ptr() != state["wte.weight"].data_ptr()
        state["wte.weight"].zero_()
        assert not tied.lm_head.weight.detach().numpy().any()

        layer = lib.nn.Linear(3, 3, dtype=lib.float64)
        lib.nn.utils.parametrize.register_parametrization(layer, "weight", _Symmetric(lib))
        state = layer.state_dict()
        original = layer.parametrizations.weight.original
        assert list(state) == ["bias", "parametrizations.weight.original"]
        assert state["parametrizations.weight.original"].data_ptr() == original.data_ptr()
        assert type(state["parametrizations.weight.original"]) is lib.Tensor and original.requires_grad
        state["parametrizations.weight.original"].fill_(1.0)
        assert layer.weight.tolist() == [[2.0] * 3] * 3   # the parametrization reads the written original


def test_a_tied_weight_goes_to_safetensors_under_each_name_and_loads_back_tied(tmp_path):
    """safetensors cannot record sharing (torch's save_file refuses shared tensors; its save_model drops names, so
    load_state_dict(strict=True) then misses them): each name gets its own copy, and loading into the model re-ties,
    since both names are the same Parameter there; PyTorch's tied model loads the torch-layout file strictly."""
    import safetensors.torch

    def tied(lib):
        model = lib.nn.ModuleDict(dict(wte=lib.nn.Embedding(6, 3), lm_head=lib.nn.Linear(3, 6, bias=False)))
        model.wte.weight = model.lm_head.weight
        return model

    ours, theirs = tied(mg), tied(torch)
    for layout in ("minigrad", "torch"):
        path = tmp_path / f"{layout}.safetensors"
        save_safetensors(ours, path, layout=layout)
        assert sorted(safetensors.torch.load_file(path)) == ["lm_head.weight", "wte.weight"]
        fresh = tied(mg)
        load_safetensors(path, fresh)
        assert fresh.wte.weight is fresh.lm_head.weight
        np.testing.assert_array_equal(fresh.wte.weight.numpy(), ours.wte.weight.numpy())
    assert tuple(theirs.load_state_dict(safetensors.torch.load_file(tmp_path / "torch.safetensors"))) == ([], [])
    assert theirs.wte.weight is theirs.lm_head.weight
    np.testing.assert_array_equal(theirs.wte.weight.detach().numpy(), ours.lm_head.weight.numpy().T)   # (in, out)
    whole = mg.arange(6.0)
    save_safetensors({"whole": whole, "head": whole[:3]}, tmp_path / "views.safetensors")   # two copies, read apart
    back = load_safetensors(tmp_path / "views.safetensors")
    assert back["head"].tolist() == [0.0, 1.0, 2.0] and not np.shares_memory(back["head"], back["whole"])


def _Symmetric(lib):
    class Symmetric(lib.nn.Module):
        def forward(self, x):
            return x + x.T
    return Symmetric()


def test_functional_call_takes_a_state_dict_as_torchs():
    ours, theirs = _pair()
    outputs = {}
    for model in (ours, theirs):
        lib = _lib(model)
        model.eval()
        state = copy.deepcopy(model.state_dict())
        state["head.bias"].fill_(0.5)
        out = functional_call(model, state, (_input(lib),)) if lib is mg else \
            torch.func.functional_call(model, state, (_input(lib),))
        assert model.head.bias.tolist() != [0.5, 0.5]   # the model's own weights are left as they were
        outputs[lib] = out.detach().numpy()
    np.testing.assert_allclose(outputs[mg], outputs[torch], **TOL)


def test_averaged_models_state_dict_as_torchs():
    ours, theirs = _pair()
    averaged = {mg: AveragedModel(ours), torch: torch.optim.swa_utils.AveragedModel(theirs)}
    states = {lib: avg.state_dict() for lib, avg in averaged.items()}
    assert list(states[mg]) == list(states[torch]) == ["n_averaged"] + [f"module.{k}" for k in KEYS]
    for lib, avg in averaged.items():
        count = states[lib]["n_averaged"]
        assert type(count) is lib.Tensor and not count.requires_grad and tuple(count.shape) == ()
        assert str(count.dtype).replace("torch.", "") == "int64"
        assert count.data_ptr() == avg.n_averaged.data_ptr()
        assert states[lib]["module.fc.bias"].data_ptr() == avg.module.fc.bias.data_ptr()
        assert avg.state_dict(keep_vars=True)["n_averaged"] is avg.n_averaged
    for _ in range(2):
        averaged[mg].update_parameters(ours), averaged[torch].update_parameters(theirs)
    assert states[mg]["n_averaged"].item() == states[torch]["n_averaged"].item() == 2
    restored = AveragedModel(_net(mg))
    restored.load_state_dict(copy.deepcopy(states[mg]))
    assert restored.n_averaged.item() == 2
    assert all(restored.state_dict()[k].equal(v) for k, v in states[mg].items())


OPTIMIZERS = sorted(name for name in dir(mg.optim) if isinstance(getattr(mg.optim, name), type)
                    and issubclass(getattr(mg.optim, name), mg.optim.Optimizer) and name != "Optimizer")


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizers_step_shows_in_an_earlier_state_dict(name):
    # torch's optimizers update the parameters in place, so a state dict taken before a step holds its result.
    layer = mg.nn.Linear(3, 2, bias=False, dtype=mg.float64)   # 2-D only: Muon takes matrices
    state = layer.state_dict()
    before = state["weight"].clone()
    opt = getattr(mg.optim, name)(layer.parameters(), lr=0.01)
    x = _input(mg)

    def closure():
        opt.zero_grad()
        out = layer(x)
        loss = (out * out).sum()
        loss.backward()
        return loss
    closure()
    opt.step(closure)
    assert not state["weight"].equal(before) and state["weight"].equal(layer.weight)
