"""mg.save stores an array held by several entries once (a tied weight); crafted manifests fail cleanly."""
import zipfile

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn


class _TiedLM(nn.Layer):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(50, 8)
        self.head = nn.Linear(8, 50, bias=False)
        self.head.weight = self.wte.weight


def test_a_tied_weight_is_stored_once_and_loads_shared_and_tied(tmp_path):
    # Before: the (50, 8) weight was stored twice (a0.npy and a1.npy), doubling the largest entry of a tied LM.
    mg.manual_seed(0)
    model = _TiedLM()
    mg.save(model.state_dict(), tmp_path / "lm.npz")
    with zipfile.ZipFile(tmp_path / "lm.npz") as z:
        assert sorted(z.namelist()) == ["__manifest__.npy", "a0.npy"]
    state = mg.load(tmp_path / "lm.npz")
    assert list(state) == ["wte.weight", "head.weight"]
    assert np.shares_memory(state["wte.weight"].data, state["head.weight"].data)   # as torch.load's shared storage
    mg.manual_seed(1)
    other = _TiedLM()
    other.load_state_dict(state)
    assert other.head.weight is other.wte.weight
    np.testing.assert_array_equal(other.wte.weight.numpy(), model.wte.weight.numpy())


def test_distinct_arrays_with_equal_values_stay_distinct(tmp_path):
    a, b = np.ones(3, dtype=np.float32), np.ones(3, dtype=np.float32)
    mg.save({"a": a, "b": b, "view": a[::2]}, tmp_path / "c.npz")
    back = mg.load(tmp_path / "c.npz")
    assert not np.shares_memory(back["a"], back["b"])
    back["a"][0] = 5
    np.testing.assert_array_equal(back["b"], [1, 1, 1])
    np.testing.assert_array_equal(back["view"], [1, 1])


def test_a_manifest_nested_past_the_recursion_limit_is_one_error_naming_the_file(tmp_path):
    # Before: a bare RecursionError from json, naming no file.
    depth = 5000
    text = ('{"format": "minigrad-checkpoint", "version": 1, "tree": ' + '{"type": "list", "items": [' * depth
            + '{"type": "value", "value": 1}' + "]}" * depth + "}")
    path = tmp_path / "deep.npz"
    np.savez(path, __manifest__=np.frombuffer(text.encode(), np.uint8))
    with pytest.raises(ValueError, match="deep.npz' is not a readable minigrad checkpoint.*RecursionError"):
        mg.load(path)


def test_an_uninitialized_lazy_parameter_is_refused_not_saved_empty(tmp_path):
    # Before: mg.save and save_safetensors wrote the placeholders as empty (0,) arrays; loading that file into a
    # fresh LazyLinear "matched all keys" and gave it a (0,) weight, which failed at the first call.
    model = nn.Network(nn.LazyLinear(3))
    with pytest.raises(TypeError, match=r"save: obj\['0\.weight'\] is an uninitialized lazy parameter"):
        mg.save(model.state_dict(), tmp_path / "lazy.npz")
    assert list(tmp_path.iterdir()) == []
    pytest.importorskip("safetensors")
    from minigrad.io import save_safetensors

    with pytest.raises(TypeError, match=r"save_safetensors: '0\.weight' is an uninitialized lazy parameter"):
        save_safetensors(model, tmp_path / "lazy.safetensors")
    assert list(tmp_path.iterdir()) == []
