"""state_dict / load_state_dict and the named_* walks with torch.nn.Module's arguments, results and errors,
side by side with torch (keys, _IncompatibleKeys, error text, hooks, extra state, assign)."""
import re

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

torch = pytest.importorskip("torch")


def _net(lib):
    """A conv block with a norm (a buffer and an int buffer), a shared layer, an own parameter after them."""
    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = lib.nn.Conv1d(2, 3, 3)
            self.norm = lib.nn.BatchNorm1d(3)
            self.heads = lib.nn.ModuleList([lib.nn.Conv1d(3, 1, 1), lib.nn.Conv1d(3, 1, 1)])
            self.shared = self.heads[1]
            self.gain = lib.nn.Parameter(lib.ones(1))
            self.register_buffer("mask", lib.ones(2), persistent=False)
    return Net()


def _torch_text(message: str) -> str:
    """torch's error text with its shapes written as minigrad's tuples."""
    return re.sub(r"torch\.Size\(\[([^\]]*)\]\)", lambda m: f"({m.group(1)}{',' if ',' not in m.group(1) else ''})",
                  message)


def test_state_dict_keys_prefix_destination_and_keep_vars_are_torchs():
    m, t = _net(mg), _net(torch)
    assert list(m.state_dict()) == list(t.state_dict())
    assert list(m.state_dict(prefix="model.")) == list(t.state_dict(prefix="model."))
    destination = {"step": 3}
    assert m.state_dict(destination=destination, prefix="m.") is destination
    assert list(destination) == ["step"] + list(t.state_dict(prefix="m."))
    kept = m.state_dict(keep_vars=True)
    assert kept["gain"] is m.gain and kept["norm.running_mean"] is m.norm.running_mean
    detached, theirs_detached = m.state_dict(), t.state_dict()
    for key, value in detached.items():   # torch's: a detached Tensor over the member's own memory
        assert type(value) is mg.Tensor and type(theirs_detached[key]) is torch.Tensor, key
        assert value.requires_grad is theirs_detached[key].requires_grad is False, key
        assert np.shares_memory(value.data, kept[key].data) and value is not kept[key], key
    with pytest.warns(FutureWarning, match="positional arguments are deprecated"):
        ours = m.state_dict(None, "p.", True)
    with pytest.warns(FutureWarning, match="Positional args are being deprecated"):
        theirs = t.state_dict(None, "p.", True)
    assert list(ours) == list(theirs) and ours["p.gain"] is m.gain   # torch's positional order


def test_named_parameters_and_buffers_take_torchs_arguments():
    m, t = _net(mg), _net(torch)
    for kwargs in ({}, {"prefix": "net"}, {"recurse": False}, {"remove_duplicate": False},
                   {"prefix": "x", "recurse": True, "remove_duplicate": False}):
        assert [n for n, _ in m.named_parameters(**kwargs)] == [n for n, _ in t.named_parameters(**kwargs)]
        assert [n for n, _ in m.named_buffers(**kwargs)] == [n for n, _ in t.named_buffers(**kwargs)]
    assert len(m.parameters(recurse=False)) == len(list(t.parameters(recurse=False))) == 1
    assert len(m.buffers()) == len(list(t.buffers())) == 4
    assert len(list(m.modules(remove_duplicate=False))) == len(list(t.modules(remove_duplicate=False))) == 7
    params = m.parameters()
    assert next(params) is m.gain and next(params) is m.conv.weight   # torch's next(model.parameters())
    assert [p.shape for p in m.parameters()] == [tuple(p.shape) for p in t.parameters()]


def test_strict_load_errors_read_as_torchs():
    m, t = _net(mg), _net(torch)
    state_m, state_t = m.state_dict(), t.state_dict()
    for state in (state_m, state_t):
        del state["norm.running_var"], state["gain"]
        state["heads.2.weight"] = state["heads.1.weight"]
    with pytest.raises(RuntimeError) as ours:
        m.load_state_dict(state_m)
    with pytest.raises(RuntimeError) as theirs:
        t.load_state_dict(state_t)
    assert str(ours.value) == str(theirs.value) == (
        'Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict: "gain", "norm.running_var". '
        '\n\tUnexpected key(s) in state_dict: "heads.2.weight". ')
    assert isinstance(ours.value, ValueError)   # minigrad's earlier error type still catches it


def test_a_size_mismatch_raises_with_or_without_strict_as_torch():
    for strict in (True, False):
        m, t = _net(mg), _net(torch)
        bad_m = {"norm.bias": np.zeros(4, np.float32), "extra": np.zeros(1)}
        bad_t = {"norm.bias": torch.zeros(4), "extra": torch.zeros(1)}
        with pytest.raises(RuntimeError) as ours:
            m.load_state_dict(bad_m, strict=strict)
        with pytest.raises(RuntimeError) as theirs:
            t.load_state_dict(bad_t, strict=strict)
        assert str(ours.value) == _torch_text(str(theirs.value))
        assert "size mismatch for norm.bias: copying a param with shape (4,) from checkpoint, the shape in " \
               "current model is (3,)." in str(ours.value)


def test_non_strict_load_returns_torchs_incompatible_keys():
    m, t = _net(mg), _net(torch)
    ours = m.load_state_dict({"gain": np.full(1, 5.0, np.float32), "junk": np.zeros(1)}, strict=False)
    theirs = t.load_state_dict({"gain": torch.full((1,), 5.0), "junk": torch.zeros(1)}, strict=False)
    assert type(ours).__name__ == type(theirs).__name__ == "_IncompatibleKeys"
    assert ours == tuple(theirs) and repr(ours) == repr(theirs)
    assert ours.missing_keys == theirs.missing_keys and ours.unexpected_keys == ["junk"]
    assert m.gain.numpy().tolist() == [5.0]
    matched_m, matched_t = m.load_state_dict(m.state_dict()), t.load_state_dict(t.state_dict())
    assert repr(matched_m) == repr(matched_t) == "<All keys matched successfully>"
    with pytest.raises(TypeError, match="^Net.load_state_dict: expected state_dict to be dict-like, got list$"):
        m.load_state_dict([("gain", np.ones(1))])


def test_a_load_post_hook_may_clear_keys_so_a_strict_load_passes_as_torch():
    for lib in (mg, torch):
        model, calls = _net(lib), []
        state = model.state_dict()
        del state["gain"]

        def forgive(module, keys):
            calls.append(list(keys.missing_keys))
            keys.missing_keys.remove("gain")
        handle = model.register_load_state_dict_post_hook(forgive)
        result = model.load_state_dict(state)
        assert calls == [["gain"]] and result.missing_keys == [] and result.unexpected_keys == []
        handle.remove()
        with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "gain"'):
            model.load_state_dict(state)
        model.register_load_state_dict_post_hook(lambda module, keys: 1)
        with pytest.raises((RuntimeError, AssertionError)):
            model.load_state_dict(model.state_dict())


def test_a_load_pre_hook_may_rename_keys_as_torch():
    for lib in (mg, torch):
        model = lib.nn.Linear(2, 2)

        def rename(module, state, prefix, local_metadata, strict, missing, unexpected, errors):
            for key in [k for k in state if k.startswith(prefix + "old_")]:
                state[prefix + key[len(prefix) + 4:]] = state.pop(key)
        model.register_load_state_dict_pre_hook(rename)
        source = {"old_" + k: v for k, v in model.state_dict().items()}
        source["old_bias"] = source["old_bias"] * 0 + 7
        assert model.load_state_dict(source).missing_keys == []
        assert [float(v) for v in np.asarray(model.bias.detach().numpy())] == [7.0, 7.0]
        assert "old_bias" in source   # the caller's dict is left as it was


def test_state_dict_hooks_run_per_module_in_torchs_order():
    logs = []
    for lib in (mg, torch):
        model, log = lib.nn.Sequential(lib.nn.Linear(1, 1), lib.nn.Sequential(lib.nn.ReLU())), []
        for module in model.modules():
            module.register_state_dict_pre_hook(
                lambda mod, prefix, keep_vars: log.append(("pre", type(mod).__name__, prefix, keep_vars)))
            module.register_state_dict_post_hook(
                lambda mod, state, prefix, meta: log.append(("post", type(mod).__name__, prefix, len(state))))
        model.state_dict(prefix="m.", keep_vars=True)
        logs.append(log)
    assert logs[0] == logs[1]
    assert logs[0][:3] == [("pre", "Sequential", "m.", True), ("pre", "Linear", "m.0.", True),
                           ("post", "Linear", "m.0.", 2)]


def test_extra_state_is_saved_before_the_sub_layers_and_restored_as_torch():
    def build(lib):
        class Counter(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.w = lib.nn.Parameter(lib.ones(1))
                self.child = lib.nn.Linear(1, 1)
                self.count = 0

            def get_extra_state(self):
                return {"count": self.count}

            def set_extra_state(self, state):
                self.count = state["count"]
        return Counter()
    m, t = build(mg), build(torch)
    m.count = t.count = 4
    assert list(m.state_dict()) == list(t.state_dict()) == ["w", "_extra_state", "child.weight", "child.bias"]
    assert m.state_dict()["_extra_state"] == {"count": 4}
    fresh_m, fresh_t = build(mg), build(torch)
    fresh_m.load_state_dict(m.state_dict())
    fresh_t.load_state_dict(t.state_dict())
    assert fresh_m.count == fresh_t.count == 4
    state_m, state_t = m.state_dict(), t.state_dict()
    del state_m["_extra_state"], state_t["_extra_state"]
    assert fresh_m.load_state_dict(state_m, strict=False) == tuple(fresh_t.load_state_dict(state_t, strict=False)) \
        == (["_extra_state"], [])
    # A layer without set_extra_state finds the key unexpected.
    plain_m, plain_t = nn.Linear(1, 1), torch.nn.Linear(1, 1)
    assert plain_m.load_state_dict({**plain_m.state_dict(), "_extra_state": 1}, strict=False).unexpected_keys == \
        plain_t.load_state_dict({**plain_t.state_dict(), "_extra_state": 1}, strict=False).unexpected_keys == \
        ["_extra_state"]
    with pytest.raises(RuntimeError, match="does not override get_extra_state"):
        plain_m.get_extra_state()


def test_assign_puts_the_states_own_tensors_in_place_keeping_requires_grad():
    for lib in (mg, torch):
        model = lib.nn.BatchNorm1d(2)
        weight = lib.nn.Parameter(lib.full((2,), 3.0, dtype=lib.float64), requires_grad=False)
        bias = lib.zeros(2, dtype=lib.float64)
        mean = lib.full((2,), 0.5, dtype=lib.float64)
        state = {**model.state_dict(), "weight": weight, "bias": bias, "running_mean": mean}
        old_var = model.running_var
        model.load_state_dict(state, assign=True)
        assert model.weight is weight and model.weight.requires_grad   # requires_grad is the model's
        assert isinstance(model.bias, lib.nn.Parameter) and model.bias.dtype == lib.float64
        assert model.running_mean is mean and model.running_var is not old_var
        assert [n for n, _ in model.named_parameters()] == ["weight", "bias"]
    plist = nn.ParameterList([mg.ones(2)])
    replacement = nn.Parameter(mg.zeros(2))
    plist.load_state_dict({"0": replacement}, assign=True)
    assert plist[0] is replacement


def test_a_state_dict_post_hook_must_return_none_as_torch():
    # a returned dict was silently dropped: torch refuses it (a public hook edits the state dict in place)
    for lib, message in ((mg, "Linear.state_dict: a state_dict post-hook must return None"),
                         (torch, "state_dict post-hook must return None")):
        layer = lib.nn.Linear(1, 1)
        layer.register_state_dict_post_hook(lambda mod, state, prefix, meta: {"other": 1})
        with pytest.raises(RuntimeError, match=message):
            lib.nn.Sequential(layer).state_dict()


def _versioned(lib):
    """A layer that saves an extra entry and loads checkpoints of an older version (its weight as "old_w"),
    through torch's per-layer methods, and one that loads its own entry without the base method."""
    class Renamed(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = lib.nn.Parameter(lib.zeros(2))

        def _save_to_state_dict(self, destination, prefix, keep_vars):
            super()._save_to_state_dict(destination, prefix, keep_vars)
            destination[prefix + "version"] = lib.ones(1) * 2

        def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                                  unexpected_keys, error_msgs):
            if prefix + "old_w" in state_dict:
                state_dict[prefix + "w"] = state_dict.pop(prefix + "old_w")
            state_dict.pop(prefix + "version", None)
            super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                          unexpected_keys, error_msgs)

    class Manual(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = lib.nn.Parameter(lib.zeros(3))

        def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                                  unexpected_keys, error_msgs):
            if prefix + "gain" not in state_dict:
                error_msgs.append(f"no gain under {prefix!r}")
                return
            self.scale.data[...] = float(state_dict[prefix + "gain"])
    return lib.nn.Sequential(Renamed(), Manual())


def test_overrides_of_save_to_state_dict_and_load_from_state_dict_run_as_torch():
    # both were ignored: the added entry was missing from the state dict, the renamed key failed to load (and with
    # strict=False the weight silently kept its old values)
    model, tmodel = _versioned(mg), _versioned(torch)
    assert list(model.state_dict()) == list(tmodel.state_dict()) == ["0.w", "0.version", "1.scale"]
    old = {"0.old_w": [3.0, 4.0], "1.gain": 5.0}
    ours = model.load_state_dict({k: mg.tensor(v) for k, v in old.items()})
    theirs = tmodel.load_state_dict({k: torch.tensor(v) for k, v in old.items()})
    assert ours.missing_keys == theirs.missing_keys == [] and ours.unexpected_keys == theirs.unexpected_keys == []
    np.testing.assert_array_equal(model[0].w.numpy(), [3.0, 4.0])
    np.testing.assert_array_equal(model[1].scale.numpy(), [5.0, 5.0, 5.0])
    np.testing.assert_array_equal(tmodel[1].scale.detach().numpy(), [5.0, 5.0, 5.0])
    for lib, state in ((mg, {"0.w": mg.ones(2)}), (torch, {"0.w": torch.ones(2)})):
        with pytest.raises(RuntimeError, match="no gain under '1.'"):
            _versioned(lib).load_state_dict(state)
    # the base method of a layer that does not override it lists its own keys as before
    result = _versioned(mg).load_state_dict({"1.gain": mg.tensor(1.0), "zz": mg.ones(1)}, strict=False)
    expected = _versioned(torch).load_state_dict({"1.gain": torch.tensor(1.0), "zz": torch.ones(1)}, strict=False)
    assert result.missing_keys == expected.missing_keys == ["0.w"]
    assert result.unexpected_keys == expected.unexpected_keys == ["zz"]


def test_a_load_post_hook_sees_the_keys_found_so_far_in_torchs_walk():
    # each hook saw every key of the whole load, so clearing "its" missing keys also hid a later sibling's
    def run(lib):
        model, seen = lib.nn.Sequential(lib.nn.Linear(1, 1), lib.nn.Sequential(lib.nn.Linear(1, 1))), []

        def clear(layer, keys):
            seen.append((type(layer).__name__, list(keys.missing_keys), list(keys.unexpected_keys)))
            keys.missing_keys.clear()
        model[0].register_load_state_dict_post_hook(clear)
        model.register_load_state_dict_post_hook(
            lambda layer, keys: seen.append(("root", list(keys.missing_keys), list(keys.unexpected_keys))))
        result = model.load_state_dict({"0.weight": lib.ones(1, 1), "zz": lib.ones(1), "1.q": lib.ones(1)},
                                       strict=False)
        return seen, result.missing_keys, result.unexpected_keys
    ours, theirs = run(mg), run(torch)
    assert ours == theirs
    assert ours[0] == [("Linear", ["0.bias"], ["zz"]), ("root", ["1.0.weight", "1.0.bias"], ["zz", "1.q"])]
    assert ours[1] == ["1.0.weight", "1.0.bias"]


def test_state_dict_calls_a_sub_layers_own_state_dict_as_torch():
    # a sub-layer's state_dict override was skipped: the parent walked into it directly
    def build(lib):
        class Tagged(lib.nn.Linear):
            def state_dict(self, *, destination=None, prefix="", keep_vars=False):
                state = super().state_dict(destination=destination, prefix=prefix, keep_vars=keep_vars)
                state[prefix + "tag"] = lib.ones(1)
                return state
        return lib.nn.Sequential(Tagged(1, 1), lib.nn.Linear(1, 1))
    assert list(build(mg).state_dict(prefix="m.")) == list(build(torch).state_dict(prefix="m.")) == [
        "m.0.weight", "m.0.bias", "m.0.tag", "m.1.weight", "m.1.bias"]


@pytest.mark.parametrize("assign", [False, True])
def test_a_one_element_value_loads_into_a_0d_parameter_as_torch(assign):
    # torch 0.3 saved 0-d parameters with shape (1,); torch loads such a value (it was a size mismatch here).
    for lib in (mg, torch):
        layer = lib.nn.Module()
        layer.scale = lib.nn.Parameter(lib.tensor(1.0))
        layer.load_state_dict({"scale": lib.tensor([4.0])}, assign=assign)
        assert tuple(layer.scale.shape) == () and layer.scale.item() == 4.0 and layer.scale.requires_grad
        with pytest.raises(RuntimeError, match="size mismatch for scale"):
            layer.load_state_dict({"scale": lib.ones(2, 1)})
