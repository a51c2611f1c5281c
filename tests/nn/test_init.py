"""Initializers: bounds and statistics within sampling tolerance, seeding, orthogonality, sparsity."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import Parameter, init

FAN_IN, FAN_OUT = 400, 300  # 120,000 draws: the std of a sample std is ~0.2% of it


def _weight(shape=(FAN_IN, FAN_OUT), dtype=np.float32):
    return Parameter(np.zeros(shape, dtype=dtype))


def test_constant_fills():
    w = _weight((3, 2))
    np.testing.assert_array_equal(init.ones_(w).numpy(), np.ones((3, 2)))
    np.testing.assert_array_equal(init.constant_(w, 2.5).numpy(), np.full((3, 2), 2.5))
    np.testing.assert_array_equal(init.zeros_(w).numpy(), np.zeros((3, 2)))


def test_uniform_and_normal_statistics():
    w = init.uniform_(_weight(), -2.0, 1.0).numpy()
    assert w.dtype == np.float32 and w.min() >= -2.0 and w.max() < 1.0
    np.testing.assert_allclose([w.mean(), w.var()], [-0.5, 9 / 12], atol=0.01)
    w = init.normal_(_weight(), 1.0, 0.5).numpy()
    np.testing.assert_allclose([w.mean(), w.std()], [1.0, 0.5], atol=0.005)


def test_xavier_bounds_and_std_use_in_out_layout():
    bound = math.sqrt(6 / (FAN_IN + FAN_OUT))
    w = init.xavier_uniform_(_weight(), gain=2.0).numpy()
    assert np.abs(w).max() <= 2.0 * bound
    np.testing.assert_allclose(w.std(), 2.0 * bound / math.sqrt(3), rtol=0.01)
    w = init.xavier_normal_(_weight()).numpy()
    np.testing.assert_allclose(w.std(), math.sqrt(2 / (FAN_IN + FAN_OUT)), rtol=0.01)


def test_kaiming_defaults_to_relu_gain_and_fan_in():
    w = init.kaiming_uniform_(_weight()).numpy()
    bound = math.sqrt(2) * math.sqrt(3 / FAN_IN)
    assert np.abs(w).max() <= bound
    np.testing.assert_allclose(w.std(), math.sqrt(2 / FAN_IN), rtol=0.01)
    w = init.kaiming_normal_(_weight()).numpy()
    np.testing.assert_allclose(w.std(), math.sqrt(2 / FAN_IN), rtol=0.01)
    w = init.kaiming_normal_(_weight(), mode="fan_out", nonlinearity="tanh").numpy()
    np.testing.assert_allclose(w.std(), (5 / 3) / math.sqrt(FAN_OUT), rtol=0.01)


def test_calculate_gain_table():
    assert init.calculate_gain("linear") == 1.0
    assert init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    assert init.calculate_gain("leaky_relu") == math.sqrt(2 / (1 + 0.01 ** 2))
    with pytest.raises(ValueError, match="calculate_gain: unknown nonlinearity 'swish'"):
        init.calculate_gain("swish")


def test_seeded_reproducibility_and_dtype_preserved():
    mg.manual_seed(123)
    a = init.kaiming_uniform_(_weight((20, 10), np.float64)).numpy().copy()
    b = init.normal_(_weight((20, 10), np.float64)).numpy().copy()
    mg.manual_seed(123)
    np.testing.assert_array_equal(init.kaiming_uniform_(_weight((20, 10), np.float64)).numpy(), a)
    np.testing.assert_array_equal(init.normal_(_weight((20, 10), np.float64)).numpy(), b)
    assert a.dtype == np.float64
    assert not np.array_equal(a, init.kaiming_uniform_(_weight((20, 10), np.float64)).numpy())


@pytest.mark.parametrize("shape", [(50, 20), (20, 50), (16, 16)])
def test_orthogonal(shape):
    w = init.orthogonal_(_weight(shape, np.float64), gain=2.0).numpy()
    small = min(shape)
    gram = w.T @ w if shape[0] >= shape[1] else w @ w.T
    np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=1e-12)
    w32 = init.orthogonal_(_weight(shape)).numpy()
    gram32 = w32.T @ w32 if shape[0] >= shape[1] else w32 @ w32.T
    np.testing.assert_allclose(gram32, np.eye(small), atol=1e-5)


def test_sparse_has_fixed_non_zeros_per_unit():
    w = init.sparse_(_weight((100, 400)), num_nonzero=15, std=2.0).numpy()
    np.testing.assert_array_equal((w != 0).sum(axis=0), np.full(400, 15))
    # The rows chosen differ between units (a random subset per column).
    assert len({tuple(np.flatnonzero(w[:, j])) for j in range(400)}) > 1
    values = w[w != 0]
    # 6,000 N(0, 4) draws: the sample std has a standard error of ~0.018.
    np.testing.assert_allclose(values.std(), 2.0, atol=0.08)
    with pytest.raises(ValueError, match=r"sparse_: num_nonzero must be in \[0, 100\]"):
        init.sparse_(_weight((100, 30)), num_nonzero=101)


def test_fan_errors_name_the_initializer():
    with pytest.raises(ValueError, match=r"xavier_uniform_: fan_in and fan_out need .* got shape \(5,\)"):
        init.xavier_uniform_(Parameter(np.zeros(5, dtype=np.float32)))
    with pytest.raises(ValueError, match="kaiming_normal_: mode must be 'fan_in' or 'fan_out'"):
        init.kaiming_normal_(_weight((3, 3)), mode="fan_avg")


def test_initializers_write_in_place_on_the_device(device):
    w = Parameter(mg.zeros(6, 4, device=device))
    data_before = w.data
    out = init.xavier_uniform_(w)
    assert out is w and w.data is data_before and w.device == mg.backend.normalize_device(device)
    assert float(abs(w).sum().item()) > 0


@pytest.mark.parametrize("name, args", [("zeros_", ()), ("ones_", ()), ("constant_", (0.5,)), ("uniform_", (-1.0, 1.0)),
                                        ("normal_", (0.0, 0.02)), ("xavier_uniform_", ()), ("kaiming_normal_", ()),
                                        ("orthogonal_", ()), ("trunc_normal_", ()), ("eye_", ())])
def test_initializers_write_into_data_as_pytorch_code_calls_them(name, args):
    """``init.normal_(m.weight.data, 0.0, 0.02)`` (DCGAN's weights_init): ``.data`` is the array itself, filled in place
    with the same values the same call gives on the Parameter."""
    w = _weight((6, 4))
    mg.manual_seed(3)
    returned = getattr(init, name)(w.data, *args)
    mg.manual_seed(3)
    expected = getattr(init, name)(_weight((6, 4)), *args).numpy()
    assert returned is w.data and w.data.dtype == np.float32
    np.testing.assert_array_equal(w.numpy(), expected)
    if name not in ("zeros_",):
        assert np.any(w.numpy() != 0)
