"""Initializers: bounds and statistics within sampling tolerance, seeding, orthogonality, sparsity."""
import math
import re

import numpy as np
import pytest

import torch

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


def test_sparse_clears_the_same_number_of_entries_in_every_column_as_torch():
    w = init.sparse_(_weight((100, 400)), 0.85, std=2.0).numpy()
    np.testing.assert_array_equal((w == 0).sum(axis=0), np.full(400, 85))   # ceil(0.85 * 100) per column
    t = torch.nn.init.sparse_(torch.empty(100, 400), 0.85, std=2.0).numpy()
    np.testing.assert_array_equal((t == 0).sum(axis=0), (w == 0).sum(axis=0))
    # The rows chosen differ between columns (a random subset per column).
    assert len({tuple(np.flatnonzero(w[:, j])) for j in range(400)}) > 1
    values = w[w != 0]
    # 6,000 N(0, 4) draws: the sample std has a standard error of ~0.018.
    np.testing.assert_allclose(values.std(), 2.0, atol=0.08)
    assert init.sparse_(_weight((7, 3)), 0.5).numpy().std() < 0.05   # std 0.01 by default, as torch's
    with pytest.raises(ValueError, match=r"sparse_: sparsity must be in \[0, 1\] \(the fraction of each column "
                                         r"set to 0\), got 1.5"):
        init.sparse_(_weight((100, 30)), 1.5)


def test_convolution_weights_take_torchs_fans():
    # (out, in / groups, kh, kw), as PyTorch's Conv2d: fan_in = in * kh * kw, fan_out = out * kh * kw.
    shape = (256, 128, 3, 3)
    fan_in, fan_out = 128 * 9, 256 * 9
    w = init.kaiming_normal_(_weight(shape), mode="fan_out", nonlinearity="relu").numpy()   # ResNet's init
    np.testing.assert_allclose(w.std(), math.sqrt(2 / fan_out), rtol=0.01)
    t = torch.nn.init.kaiming_normal_(torch.empty(shape), mode="fan_out", nonlinearity="relu").numpy()
    np.testing.assert_allclose(w.std(), t.std(), rtol=0.02)
    w = init.kaiming_uniform_(_weight(shape)).numpy()
    np.testing.assert_allclose(w.std(), math.sqrt(2 / fan_in), rtol=0.01)
    w = init.xavier_uniform_(_weight((64, 32, 5)), gain=1.5).numpy()
    bound = 1.5 * math.sqrt(6 / (32 * 5 + 64 * 5))
    assert bound * 0.99 < np.abs(w).max() <= bound
    conv, tconv = mg.nn.Conv2d(3, 64, 3), torch.nn.Conv2d(3, 64, 3)
    init.kaiming_normal_(conv.weight, mode="fan_out")
    torch.nn.init.kaiming_normal_(tconv.weight, mode="fan_out")
    np.testing.assert_allclose(conv.weight.numpy().std(), tconv.weight.detach().numpy().std(), rtol=0.15)


def test_kaiming_slope_is_torchs_leaky_relu_default():
    # PyTorch's reset_parameters idiom: kaiming_uniform_(w, a=sqrt(5)) is U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    w = init.kaiming_uniform_(_weight(), a=math.sqrt(5)).numpy()
    bound = 1 / math.sqrt(FAN_IN)
    assert bound * 0.99 < np.abs(w).max() <= bound
    w = init.kaiming_normal_(_weight(), a=0.2).numpy()
    np.testing.assert_allclose(w.std(), math.sqrt(2 / 1.04) / math.sqrt(FAN_IN), rtol=0.01)
    assert init.calculate_gain("conv2d") == torch.nn.init.calculate_gain("conv2d") == 1.0
    assert init.calculate_gain("conv_transpose3d") == 1.0


@pytest.mark.parametrize("name, args", [("uniform_", (-1.0, 2.0)), ("normal_", (0.5, 2.0)), ("xavier_uniform_", ()),
                                        ("xavier_normal_", ()), ("kaiming_uniform_", ()), ("kaiming_normal_", ()),
                                        ("orthogonal_", ()), ("sparse_", (0.3,)), ("trunc_normal_", ())])
def test_generator_gives_the_draws(name, args):
    fn = getattr(init, name)
    a = fn(_weight((30, 20)), *args, generator=mg.Generator().manual_seed(5)).numpy().copy()
    b = fn(_weight((30, 20)), *args, generator=mg.Generator().manual_seed(5)).numpy()
    np.testing.assert_array_equal(a, b)
    mg.manual_seed(7)
    plain = fn(_weight((30, 20)), *args).numpy().copy()
    assert not np.array_equal(plain, a)
    mg.manual_seed(7)
    fn(_weight((30, 20)), *args, generator=mg.Generator().manual_seed(5))   # draws from the generator given ...
    np.testing.assert_array_equal(fn(_weight((30, 20)), *args).numpy(), plain)   # ... not from minigrad's


def test_initializers_take_torchs_arguments():
    import inspect
    for name in init.__all__:
        ours = inspect.signature(getattr(init, name)).parameters
        theirs = inspect.signature(getattr(torch.nn.init, name)).parameters
        assert list(ours) == list(theirs), name
        assert {k: v.default for k, v in ours.items()} == {k: v.default for k, v in theirs.items()}, name
    np.testing.assert_array_equal(init.constant_(_weight((2, 2)), val=2.5).numpy(), np.full((2, 2), 2.5))


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


def test_calculate_fan_in_and_fan_out_is_torchs_private_helper_with_the_fans_the_initializers_use():
    """torch's Linear.reset_parameters idiom (copied into custom layers) bounds the bias by
    1/sqrt(init._calculate_fan_in_and_fan_out(weight)[0]); the fans are those kaiming_/xavier_ use here."""
    linear, theirs = mg.nn.Linear(5, 3), torch.nn.Linear(5, 3)
    assert init._calculate_fan_in_and_fan_out(linear.weight) == (5, 3)
    assert init._calculate_fan_in_and_fan_out(linear.weight) == torch.nn.init._calculate_fan_in_and_fan_out(
        theirs.weight)
    conv, tconv = mg.nn.Conv2d(4, 6, (3, 2), groups=2), torch.nn.Conv2d(4, 6, (3, 2), groups=2)
    assert init._calculate_fan_in_and_fan_out(conv.weight) == (12, 36)
    assert init._calculate_fan_in_and_fan_out(conv.weight) == torch.nn.init._calculate_fan_in_and_fan_out(
        tconv.weight)
    fan_in, _ = init._calculate_fan_in_and_fan_out(linear.weight)
    bias = init.uniform_(linear.bias, -1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in)).numpy()
    assert np.abs(bias).max() <= 1 / math.sqrt(5)
    with pytest.raises(ValueError, match=r"^_calculate_fan_in_and_fan_out: fan_in and fan_out need a tensor of 2 "
                                         r"or more dimensions, got shape \(3,\)$"):
        init._calculate_fan_in_and_fan_out(linear.bias)


@pytest.mark.parametrize("name", ["kaiming_uniform_", "kaiming_normal_"])
@pytest.mark.parametrize("shape", [(0, 5), (5, 0), (0, 3, 3, 3)])
def test_kaiming_leaves_a_zero_element_tensor_with_torchs_warning(name, shape):
    # its fan may be 0: torch returns the tensor untouched with a warning, where this divided by zero
    t = mg.zeros(shape)
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        assert getattr(init, name)(t) is t
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        getattr(torch.nn.init, name)(torch.empty(shape))
    assert t.shape == shape


def test_kaiming_mode_ignores_case_as_torch():
    mg.manual_seed(0)
    a = init.kaiming_uniform_(mg.zeros((300, 20)), mode="FAN_OUT").numpy()
    mg.manual_seed(0)
    b = init.kaiming_uniform_(mg.zeros((300, 20)), mode="fan_out").numpy()
    np.testing.assert_array_equal(a, b)
    torch.nn.init.kaiming_uniform_(torch.empty(3, 4), mode="Fan_In")


@pytest.mark.parametrize("param", [True, "0.2", [0.2]])
def test_calculate_gain_refuses_a_slope_that_is_not_a_number_as_torch(param):
    # True was a slope of 1 (gain 1.0) and "0.2" a slope of 0.2, where torch raises
    with pytest.raises(ValueError, match=r"calculate_gain: leaky_relu's negative slope \(param\) must be a number"):
        init.calculate_gain("leaky_relu", param)
    with pytest.raises(ValueError, match="not a valid number"):
        torch.nn.init.calculate_gain("leaky_relu", param)
    assert init.calculate_gain("leaky_relu", 0) == torch.nn.init.calculate_gain("leaky_relu", 0) == math.sqrt(2.0)
    assert init.calculate_gain("leaky_relu", np.float32(0.5)) == pytest.approx(math.sqrt(2.0 / 1.25))


@pytest.mark.parametrize("name, args", [("uniform_", ()), ("normal_", ()), ("trunc_normal_", ()),
                                        ("xavier_uniform_", ()), ("xavier_normal_", ()), ("kaiming_uniform_", ()),
                                        ("kaiming_normal_", ()), ("orthogonal_", ()), ("sparse_", (0.5,))])
def test_random_initializers_refuse_an_integer_tensor_as_torch(name, args):
    # the draws were cast to the integer dtype: mostly zeros, with no word
    t = mg.zeros((3, 4), dtype=mg.int64)
    with pytest.raises(TypeError, match=f"{name}: needs a floating-point tensor to draw random values into, "
                                        "got dtype int64"):
        getattr(init, name)(t, *args)
    assert not t.numpy().any()
    with pytest.raises(RuntimeError, match="not implemented for 'Long'"):
        getattr(torch.nn.init, name)(torch.zeros(3, 4, dtype=torch.int64), *args)
    init.eye_(t)   # the deterministic fills take integers, as torch's
    np.testing.assert_array_equal(t.numpy(), np.eye(3, 4))


@pytest.mark.parametrize("name, args", [("uniform_", ()), ("normal_", ()), ("trunc_normal_", ()),
                                        ("xavier_normal_", ()), ("kaiming_uniform_", ()), ("orthogonal_", ()),
                                        ("sparse_", (0.5,))])
def test_a_generator_that_is_not_one_is_refused_naming_the_initializer(name, args):
    # it failed inside the drawing with "'int' object has no attribute 'random'"
    with pytest.raises(TypeError, match=f"{name}: generator must be a minigrad.Generator or a "
                                        "numpy.random.Generator, got int"):
        getattr(init, name)(mg.zeros((3, 4)), *args, generator=5)
    with pytest.raises(TypeError):
        getattr(torch.nn.init, name)(torch.zeros(3, 4), *args, generator=5)
    g = mg.Generator().manual_seed(3)
    first = getattr(init, name)(mg.zeros((3, 4)), *args, generator=g).numpy()
    g.manual_seed(3)
    np.testing.assert_array_equal(getattr(init, name)(mg.zeros((3, 4)), *args, generator=g).numpy(), first)


@pytest.mark.parametrize("old, args", [("uniform", ()), ("normal", ()), ("constant", (0.5,)), ("eye", ()),
                                       ("xavier_uniform", ()), ("xavier_normal", ()), ("kaiming_uniform", ()),
                                       ("kaiming_normal", ()), ("orthogonal", ()), ("sparse", (0.5,)),
                                       ("dirac", ())])
def test_torchs_deprecated_names_without_the_underscore_warn_and_initialise(old, args):
    # older torch code calls nn.init.xavier_uniform(w): it raised AttributeError; torch warns and initialises
    shape = (4, 2, 3) if old == "dirac" else (3, 4)
    torch_message = f"`nn.init.{old}` is now deprecated in favor of `nn.init.{old}_`."
    with pytest.warns(FutureWarning, match=re.escape(torch_message)):
        getattr(torch.nn.init, old)(torch.zeros(shape), *args)
    mg.manual_seed(0)
    with pytest.warns(FutureWarning, match=re.escape(torch_message)):
        t = mg.zeros(shape)
        assert getattr(init, old)(t, *args) is t
    mg.manual_seed(0)
    np.testing.assert_array_equal(t.numpy(), getattr(init, old + "_")(mg.zeros(shape), *args).numpy())
