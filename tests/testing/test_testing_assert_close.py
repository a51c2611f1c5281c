"""minigrad.testing.assert_close against torch.testing.assert_close: which inputs pass, and the failure messages
(element counts, greatest differences and their indices, tolerances) word for word where torch's names no
type of its own."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.testing import assert_close


def _message(fn, *args, **kwargs):
    """The AssertionError message of fn(*args, **kwargs), or None if it passes."""
    try:
        fn(*args, **kwargs)
    except AssertionError as exc:
        return str(exc)
    return None


def _both(actual, expected, **kwargs):
    """(minigrad's message, torch's message) for the same NumPy data compared as Tensors of each library."""
    mine = _message(assert_close, mg.tensor(actual, dtype=actual.dtype), mg.tensor(expected, dtype=expected.dtype),
                    **kwargs)
    theirs = _message(torch.testing.assert_close, torch.from_numpy(actual), torch.from_numpy(expected), **kwargs)
    return mine, theirs


NAN, INF = float("nan"), float("inf")
CASES = [
    (np.array([1.0, 2.0, 3.0], np.float32), np.array([1.0, 2.5, 3.0], np.float32), {}),
    (np.array([[1.0, 2.0], [3.0, 4.0]], np.float32), np.array([[1.0, 2.0], [0.0, 4.1]], np.float32), {}),
    (np.array([1.0, 2.0], np.float64), np.array([1.0, 2.1], np.float64), {}),
    (np.array([1.0, 2.0], np.float16), np.array([1.001, 2.0], np.float16), {}),
    (np.array([1.0, 2.0], np.float16), np.array([1.01, 2.0], np.float16), {}),
    (np.array([1.0000001], np.float32), np.array([1.0], np.float32), {}),
    (np.array([1.0, 1.00001], np.float32), np.array([1.0, 1.0], np.float32), {}),
    (np.array([1, 2, 3]), np.array([1, 5, 3]), {}),
    (np.array([1, 2], np.uint8), np.array([2, 1], np.uint8), {}),
    (np.array([True, False]), np.array([True, True]), {}),
    (np.array([NAN]), np.array([NAN]), {}),
    (np.array([NAN]), np.array([NAN]), {"equal_nan": True}),
    (np.array([1.0, NAN]), np.array([1.0, 1.0]), {}),
    (np.array([INF]), np.array([INF]), {}),
    (np.array([INF]), np.array([-INF]), {}),
    (np.array([1.0, INF]), np.array([1.0, 1e300]), {}),
    (np.array([1.0, 1.0]), np.array([0.0, 0.5]), {}),
    (np.array([1.0, 0.0]), np.array([1.0, 0.5]), {"rtol": 1e-3, "atol": 0.0}),
    (np.array([1.0, 0.0]), np.array([1.0, 0.5]), {"rtol": 0.0, "atol": 0.6}),
    (np.array([1.0, 0.0]), np.array([1.0, 0.5]), {"rtol": 0.0, "atol": 0.0}),
    (np.arange(24.0).reshape(2, 3, 4), np.arange(24.0).reshape(2, 3, 4) * (1 + 1e-6), {}),
    (np.array(1.0), np.array(2.0), {}),
    (np.array(3), np.array(3), {}),
    (np.array([1, 2], np.int32), np.array([1, 2], np.int64), {"check_dtype": False}),
    (np.array([1, 2]), np.array([1.0, 2.5], np.float32), {"check_dtype": False}),
    (np.array([1.0, 2.0], np.float32), np.array([1.0, 2.00001]), {"check_dtype": False}),
]


@pytest.mark.parametrize("actual, expected, kwargs", CASES)
def test_messages_match_torch(actual, expected, kwargs):
    mine, theirs = _both(actual, expected, **kwargs)
    assert mine == theirs


def test_many_elements_message_matches_torch():
    rng = np.random.default_rng(0)
    expected = rng.standard_normal((7, 11)).astype(np.float32)
    actual = expected + rng.standard_normal((7, 11)).astype(np.float32) * 1e-5
    mine, theirs = _both(actual, expected)
    assert theirs is not None and mine == theirs


def test_python_numbers_and_containers_match_torch():
    cases = [(1.0, 1.5, {}), (1, 2, {}), (1, 1.5, {"check_dtype": False}), (2, 2, {}), (1.0, 1.0 + 1e-8, {}),
             ([1.0, 2.0], [1.0, 2.1], {}), ((1.0, 2.0), [1.0, 2.0], {}), ([1.0, 2.0], [1.0, 2.0, 3.0], {}),
             ({"a": 1.0}, {"b": 1.0}), ({"a": 1.0, "c": 2.0}, {"a": 1.0, "b": 1.0}),
             ([{"a": [1.0, 2.0]}], [{"a": [1.0, 3.0]}], {}), (True, False, {}), (None, None, {}),
             (np.float64(1.0), np.float64(1.1), {})]
    for case in cases:
        actual, expected = case[0], case[1]
        kwargs = case[2] if len(case) == 3 else {}
        assert _message(assert_close, actual, expected, **kwargs) == \
            _message(torch.testing.assert_close, actual, expected, **kwargs), case


def test_int_and_float_numbers_differ_in_type():
    assert _message(assert_close, 1, 1.0) == "The (d)types do not match: <class 'int'> != <class 'float'>."


def test_tensors_inside_containers_name_the_item():
    mine = _message(assert_close, {"w": [mg.tensor([1.0]), mg.tensor([3.0])]},
                    {"w": [mg.tensor([1.0]), mg.tensor([2.0])]})
    theirs = _message(torch.testing.assert_close, {"w": [torch.tensor([1.0]), torch.tensor([3.0])]},
                      {"w": [torch.tensor([1.0]), torch.tensor([2.0])]})
    assert mine == theirs
    assert mine.endswith("The failure occurred for item ['w'][1]")


def test_numpy_arrays_compare_like_tensors():
    a, b = np.array([1.0, 2.0]), np.array([1.0, 2.1])
    assert _message(assert_close, a, b) == _message(torch.testing.assert_close, a, b)
    assert _message(assert_close, a, a.copy()) is None


def test_shape_dtype_and_device_attributes():
    assert _message(assert_close, mg.tensor([1.0, 2.0]), mg.tensor([1.0, 2.0, 3.0])) == \
        "The values for attribute 'shape' do not match: (2,) != (3,)."
    assert _message(assert_close, mg.tensor([1.0, 2.0]), mg.tensor([1.0, 2.0], dtype=mg.float64)) == \
        "The values for attribute 'dtype' do not match: float32 != float64."
    assert _message(assert_close, mg.tensor([1.0, 2.0]), mg.tensor([1.0, 2.0], dtype=mg.float64),
                    check_dtype=False) is None


def test_default_tolerances_are_torchs():
    for dtype, rtol, atol in [(np.float16, 1e-3, 1e-5), (np.float32, 1.3e-6, 1e-5), (np.float64, 1e-7, 1e-7)]:
        x = np.array([0.0, 1.0, 100.0], dtype)
        inside = x + np.array([atol * 0.5, rtol * 0.5, rtol * 50], dtype)
        outside = x + np.array([atol * 3, 0, 0], dtype)
        assert _message(assert_close, mg.tensor(inside, dtype=dtype), mg.tensor(x, dtype=dtype)) is None, dtype
        assert "(up to" in _message(assert_close, mg.tensor(outside, dtype=dtype), mg.tensor(x, dtype=dtype))
        for a in (inside, outside):
            assert (_message(assert_close, mg.tensor(a, dtype=dtype), mg.tensor(x, dtype=dtype)) is None) == \
                (_message(torch.testing.assert_close, torch.from_numpy(a), torch.from_numpy(x)) is None)


def test_integers_are_exact():
    assert _message(assert_close, mg.tensor([10 ** 12]), mg.tensor([10 ** 12 + 1])).startswith(
        "Tensor-likes are not equal!")


def test_msg_replaces_or_maps_the_message():
    a, b = mg.tensor([1.0, 0.0]), mg.tensor([1.0, 0.5])
    assert _message(assert_close, a, b, msg="custom") == "custom"
    assert _message(assert_close, a, b, msg=lambda m: "X" + m) == "X" + _message(assert_close, a, b)


def test_rtol_and_atol_come_together():
    with pytest.raises(ValueError, match="Both 'rtol' and 'atol' must be either specified or omitted, but got no atol"):
        assert_close(mg.tensor([1.0]), mg.tensor([1.0]), rtol=1e-3)
    with pytest.raises(ValueError, match="but got no rtol"):
        assert_close(mg.tensor([1.0]), mg.tensor([1.0]), atol=1e-3)
    with pytest.raises(ValueError, match="rtol must be a non-negative number, got -1.0"):
        assert_close(mg.tensor([1.0]), mg.tensor([1.0]), rtol=-1.0, atol=0.0)


def test_mixed_kinds_are_refused():
    for actual, expected in [(mg.tensor([1.0]), [1.0]), (mg.tensor([1.0]), 1.0), (mg.tensor([1.0]), np.ones(1)),
                             ("a", "a")]:
        with pytest.raises(TypeError, match="no comparison for inputs of type"):
            assert_close(actual, expected)


def test_tensors_that_require_grad_compare_by_value():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    assert_close(x * 2, mg.tensor([2.0, 4.0]))
