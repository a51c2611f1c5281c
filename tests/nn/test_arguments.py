"""minigrad.nn.arguments: the shared constructor checks (one ValueError naming layer, argument and value)."""
import re

import numpy as np
import pytest

from minigrad import nn
from minigrad.nn import arguments as A


@pytest.mark.parametrize("check, good, bad", [
    (A.integer, [0, -3, np.int64(2), np.uint8(7)], [True, np.bool_(False), 1.0, "1", None]),
    (A.positive_int, [1, np.int32(4)], [0, -1, True, 2.5, "3", None, np.float64(2.0)]),
    (A.number, [0, -2.5, np.float32(0.5), 3, True, np.False_], ["0.1", None, float("nan"), float("inf"), 1j]),
    (A.real_number, [float("nan"), -np.inf, False, np.True_], ["0.1", None, 1j, np.array(1.0)]),
    (A.positive_number, [1e-9, 3, float("inf"), True, np.True_], [0, -1, False, np.False_, float("nan"), "1"]),
    (A.nonnegative_number, [0, 0.0, 2, False, np.True_], [-1e-9, float("nan"), None]),
    (A.norm_order, [0, -1, float("inf"), True, np.False_], [float("nan"), "fro", None]),
    (A.probability, [0, 1, 0.5, np.float32(0.25), True, np.False_], [-0.1, 1.01, "0.5", None, float("nan")]),
])
def test_checks_accept_numbers_and_numpy_scalars_and_read_bools_as_numbers_not_integers(check, good, bad):
    """An integer argument refuses a bool; a real-number one reads True and False (Python's or NumPy's) as 1.0 and
    0.0, as torch reads them (``F.leaky_relu(x, True)``, ``nn.Dropout(p=False)``), then checks that number."""
    for value in good:
        out = check("Layer", "arg", value)
        assert (out == value or out != out) and type(out) in (int, float)
        if isinstance(value, (bool, np.bool_)):
            assert type(out) is float
    for value in bad:
        with pytest.raises(ValueError, match=f"^Layer: arg must be .*, got {re.escape(repr(value))}$"):
            check("Layer", "arg", value)


def test_the_recurrent_layers_check_their_sizes_with_these_helpers():
    for value in (0, True, 2.5):
        with pytest.raises(ValueError, match=f"^LSTM: hidden_size must be a positive integer, got {value!r}$"):
            nn.LSTM(3, value)
    layer = nn.GRU(np.int64(3), np.int64(4), num_layers=np.int64(2))   # NumPy integers, as PyTorch takes them
    assert (layer.input_size, layer.hidden_size, layer.num_layers) == (3, 4, 2)
    assert type(layer.hidden_size) is int


def test_reduction_and_one_of_list_the_choices():
    assert A.reduction("MSELoss", "sum") == "sum"
    with pytest.raises(ValueError, match="^MSELoss: reduction must be 'mean', 'sum' or 'none', got 'avg'$"):
        A.reduction("MSELoss", "avg")
    with pytest.raises(ValueError, match="^X: mode must be 'a' or 'b', got 1$"):
        A.one_of("X", "mode", 1, ("a", "b"))


def test_int_pair():
    assert A.int_pair("L", "stride", 2) == (2, 2)
    assert A.int_pair("L", "stride", [1, np.int64(3)]) == (1, 3)
    assert A.int_pair("L", "padding", (0, 0), minimum=0) == (0, 0)
    for value in (0, (1, 0), (1, 2, 3), (1,), True, (1, True), 2.0, "2", None):
        with pytest.raises(ValueError, match="^L: stride must be a positive integer or a pair of them, got "):
            A.int_pair("L", "stride", value)
    with pytest.raises(ValueError, match=r"^L: padding must be a non-negative integer or a pair of them, "
                                         r"got \(0, -1\)$"):
        A.int_pair("L", "padding", (0, -1), minimum=0)


def test_floating_dtype():
    assert A.floating_dtype("L", "float64") == np.float64
    assert A.floating_dtype("L", np.float32) == np.float32
    assert A.floating_dtype("L", None) == np.float32   # None: the default float, as in PyTorch
    for value in ("int64", np.int32, bool, "nonsense", 3.5):
        with pytest.raises(ValueError, match="^L: dtype must be a floating dtype such as 'float32', got "):
            A.floating_dtype("L", value)


def test_a_dtype_passed_where_pytorch_puts_device_is_an_unknown_device():
    # PyTorch's order is (..., bias, device, dtype): a dtype in the device's place is named, not mistaken.
    with pytest.raises(ValueError, match="Unknown device \"<class 'numpy.float64'>\": expected 'cpu', 'cuda'"):
        nn.Linear(3, 4, True, np.float64)


def test_int_shape():
    assert A.int_shape("L", "normalized_shape", 5) == (5,)
    assert A.int_shape("L", "normalized_shape", [np.int64(2), 3]) == (2, 3)
    assert A.int_shape("L", "normalized_shape", (4,)) == (4,)
    for value in (0, -1, (), [], (2, 0), (2, True), True, 2.0, "23", None, (2.0,)):
        with pytest.raises(ValueError, match=f"^L: normalized_shape must be a positive integer or a non-empty "
                                             f"sequence of them, got {re.escape(repr(value))}$"):
            A.int_shape("L", "normalized_shape", value)


def test_inplace_flag():
    assert A.inplace_flag("SiLU", False) is False and A.inplace_flag("SiLU", np.bool_(False)) is False
    assert A.inplace_flag("SiLU", True) is True and A.inplace_flag("SiLU", np.bool_(True)) is True
    for value in (0, 1, None, "False"):
        with pytest.raises(ValueError, match=f"^SiLU: inplace must be a bool, got {re.escape(repr(value))}$"):
            A.inplace_flag("SiLU", value)
