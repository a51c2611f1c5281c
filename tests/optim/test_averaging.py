"""AveragedModel: arithmetic mean and EMA of parameter iterates, swapping and checkpoints."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.backend import to_numpy
from minigrad.optim import AveragedModel


class TinyModel:
    """Anything with parameters() will do; no layer classes are involved."""

    def __init__(self, values, device="cpu", dtype=np.float64):
        self.params = [mg.tensor(v, dtype=dtype, requires_grad=True, device=device) for v in values]

    def parameters(self):
        return list(self.params)

    def set(self, values):
        for p, v in zip(self.params, values):
            p.data[...] = mg.tensor(v, dtype=p.dtype, device=p.device).data


ITERATES = [
    [np.array([1.0, 2.0]), np.array([[0.0]])],
    [np.array([3.0, -2.0]), np.array([[6.0]])],
    [np.array([8.0, 6.0]), np.array([[-3.0]])],
]


def test_mean_of_iterates(device):
    model = TinyModel(ITERATES[0], device)
    averaged = AveragedModel(model)
    for values in ITERATES:
        model.set(values)
        averaged.update_parameters(model)
    assert averaged.n_averaged == 3
    # (1 + 3 + 8) / 3 = 4, (2 - 2 + 6) / 3 = 2, (0 + 6 - 3) / 3 = 1
    np.testing.assert_allclose(to_numpy(averaged.averages[0]), [4.0, 2.0], rtol=1e-15)
    np.testing.assert_allclose(to_numpy(averaged.averages[1]), [[1.0]], rtol=1e-15)


def test_exponential_moving_average(device):
    model = TinyModel(ITERATES[0], device)
    averaged = AveragedModel(model, decay=0.9)
    for values in ITERATES:
        model.set(values)
        averaged.update_parameters(model)
    # avg_1 = w_1; avg_k = 0.9 avg_{k-1} + 0.1 w_k
    expected = ITERATES[0][0]
    for values in ITERATES[1:]:
        expected = 0.9 * expected + 0.1 * values[0]
    np.testing.assert_allclose(to_numpy(averaged.averages[0]), expected, rtol=1e-14)


def test_copy_to_and_swapped_in_restore(device):
    model = TinyModel(ITERATES[0], device)
    averaged = AveragedModel(model)
    for values in ITERATES[:2]:
        model.set(values)
        averaged.update_parameters(model)
    own = [p.numpy().copy() for p in model.parameters()]
    arrays = [p.data for p in model.parameters()]
    with averaged.swapped_in(model):
        np.testing.assert_allclose(model.params[0].numpy(), [2.0, 0.0])
        np.testing.assert_allclose(model.params[1].numpy(), [[3.0]])
    for p, want, array in zip(model.parameters(), own, arrays):
        np.testing.assert_array_equal(p.numpy(), want)
        assert p.data is array
    averaged.copy_to(model)
    np.testing.assert_allclose(model.params[0].numpy(), [2.0, 0.0])


def test_float32_averages_stay_float32():
    model = TinyModel(ITERATES[0], dtype=np.float32)
    averaged = AveragedModel(model, decay=0.99)
    for values in ITERATES:
        model.set(values)
        averaged.update_parameters(model)
    assert all(avg.dtype == np.float32 for avg in averaged.averages)


def test_state_dict_round_trip_through_a_file(tmp_path):
    model = TinyModel(ITERATES[0])
    averaged = AveragedModel(model)
    for values in ITERATES[:2]:
        model.set(values)
        averaged.update_parameters(model)
    mg.save(averaged.state_dict(), tmp_path / "swa.npz")
    model.set(ITERATES[2])
    averaged.update_parameters(model)

    resumed = AveragedModel(TinyModel(ITERATES[0]), decay=0.5)
    resumed.load_state_dict(mg.load(tmp_path / "swa.npz"))
    assert resumed.n_averaged == 2 and resumed.decay is None
    resumed.update_parameters(model)
    for got, want in zip(resumed.averages, averaged.averages):
        np.testing.assert_array_equal(got, want)


def test_mismatched_models_and_bad_decay_are_rejected():
    averaged = AveragedModel(TinyModel(ITERATES[0]))
    with pytest.raises(ValueError, match="model has 1 parameters, but 2 are averaged"):
        averaged.update_parameters(TinyModel(ITERATES[0][:1]))
    with pytest.raises(ValueError, match=r"parameter 0 has shape \(3,\), but its average has shape \(2,\)"):
        averaged.update_parameters(TinyModel([np.zeros(3), np.zeros((1, 1))]))
    with pytest.raises(ValueError, match="decay must be None or in \\[0, 1\\], got 1.5"):
        AveragedModel(TinyModel(ITERATES[0]), decay=1.5)
