"""mg.save stores an array shared by several entries once (a tied weight), and mg.load gives it back shared."""
import zipfile

import numpy as np

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
