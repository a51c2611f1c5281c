"""load_state_dict refuses entries that are not numbers before it writes anything (the model stays as it was)."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn


def _net():
    mg.manual_seed(0)
    return nn.Network(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))


def _snapshot(model):
    return {k: (v.numpy().copy(), v.dtype) for k, v in model.state_dict().items()}


@pytest.mark.parametrize("assign", [False, True])
@pytest.mark.parametrize("bad", [np.array(["a", "b"]), np.array([1.0, None], dtype=object)],
                         ids=["str", "object"])
def test_a_non_numeric_entry_is_refused_and_the_model_is_untouched(bad, assign):
    # Before: the str array raised NumPy's "could not convert string to float" after 0.weight..2.weight were
    # overwritten (with assign=True, after they were replaced by float64 Tensors), and the object array
    # loaded silently with None read as nan.
    model = _net()
    before = _snapshot(model)
    state = {k: np.zeros(v.shape) for k, v in model.state_dict().items()}
    state["2.bias"] = bad
    with pytest.raises(RuntimeError, match=r"2\.bias.*dtype (<U1|object)") as info:
        model.load_state_dict(state, assign=assign)
    assert "Network" in str(info.value)
    after = _snapshot(model)
    assert list(after) == list(before)
    for key, (array, dtype) in before.items():
        assert after[key][1] == dtype, key
        np.testing.assert_array_equal(after[key][0], array)


def test_none_is_refused_by_its_type_not_as_a_size_mismatch():
    model = _net()
    state = {k: v for k, v in model.state_dict().items()}
    state["0.bias"] = None
    with pytest.raises(RuntimeError, match=r"0\.bias.*NoneType"):
        model.load_state_dict(state)


def test_bool_int_and_float64_entries_still_load_cast_to_the_models_dtypes():
    model = _net()
    state = {k: np.ones(v.shape, dtype=np.float64) for k, v in model.state_dict().items()}
    state["0.bias"] = np.array([True, False, True, False])
    state["1.num_batches_tracked"] = np.array(7, dtype=np.int32)
    model.load_state_dict(state)
    assert model[0].bias.dtype == np.float32 and model[0].weight.dtype == np.float32
    np.testing.assert_array_equal(model[0].bias.numpy(), [1, 0, 1, 0])
    assert model[1].num_batches_tracked.dtype == np.int64 and int(model[1].num_batches_tracked.numpy()) == 7


@pytest.mark.parametrize("kind", ["requires_grad", "bfloat16"])
def test_a_torch_entry_numpy_cannot_read_is_refused_before_any_write(kind):
    # Before: torch's own error (Can't call numpy() on Tensor that requires grad / unsupported ScalarType
    # BFloat16) came from the write loop, after 0.weight..1.weight had been overwritten.
    torch = pytest.importorskip("torch")
    model = nn.Network(nn.Conv1d(2, 3, 2), nn.LayerNorm(3))
    before = _snapshot(model)
    state = {k: np.ones(v.shape, dtype=np.float32) for k, v in model.state_dict().items()}
    bias = torch.nn.Parameter(torch.zeros(3))
    state["1.bias"] = bias if kind == "requires_grad" else bias.detach().to(torch.bfloat16)
    with pytest.raises(RuntimeError, match=r'While copying the parameter named "1\.bias".*(requires grad|BFloat16)'):
        model.load_state_dict(state)
    after = _snapshot(model)
    for key, (array, _) in before.items():
        np.testing.assert_array_equal(after[key][0], array)
