"""axpy: y += a*x in place, blocked on NumPy for big arrays; always the plain formula's result."""
import numpy as np
import pytest

from minigrad.backend import to_device, to_numpy
from minigrad.optim.axpy import _BLOCK, axpy, factor


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("size", [10, 2 * _BLOCK, 2 * _BLOCK + 1, 5 * _BLOCK - 7])
def test_axpy_equals_the_plain_formula_exactly(device, dtype, size):
    rng = np.random.default_rng(size)
    x_host = rng.standard_normal(size).astype(dtype)
    y_host = rng.standard_normal(size).astype(dtype)
    expected = y_host + (-0.3) * x_host
    x, y = to_device(x_host.copy(), device), to_device(y_host.copy(), device)
    out = axpy(-0.3, x, y)
    assert out is y and y.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(to_numpy(y), expected)
    np.testing.assert_array_equal(to_numpy(x), x_host)  # x is read, never written


def test_axpy_handles_non_contiguous_and_broadcast_operands():
    rng = np.random.default_rng(1)
    y = rng.standard_normal((2 * _BLOCK + 3, 2)).astype(np.float32)
    x = rng.standard_normal((2, 2 * _BLOCK + 3)).astype(np.float32).T   # a transposed view
    expected = y + np.float32(2.0) * x
    axpy(2.0, x, y)
    np.testing.assert_array_equal(y, expected)
    z = np.zeros((3 * _BLOCK, 2), dtype=np.float32)
    axpy(1.0, np.float32([1.0, 2.0]), z)                                # x broadcasts along the rows
    np.testing.assert_array_equal(z[-1], [1.0, 2.0])
    view = np.zeros((3 * _BLOCK, 2), dtype=np.float32)[:, 0]            # y itself a strided view
    axpy(1.0, np.ones(3 * _BLOCK, dtype=np.float32), view)
    assert view.base[:, 0].sum() == 3 * _BLOCK and view.base[:, 1].sum() == 0


@pytest.mark.parametrize("a", [np.float64(-0.1), np.float32(-0.1), -0.1])
def test_axpy_blocked_equals_the_plain_formula_for_a_numpy_scalar_factor(a):
    # A NumPy float64 factor makes the plain formula compute a*x in float64 and round once;
    # the blocked path must do the same arithmetic, not round a*x to float32 first.
    rng = np.random.default_rng(3)
    x = rng.standard_normal(3 * _BLOCK).astype(np.float32)
    y = rng.standard_normal(3 * _BLOCK).astype(np.float32)
    expected = y.copy()
    expected += a * x
    axpy(a, x, y)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, expected)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("size", [10, 3 * _BLOCK])
def test_factor_gives_the_floats_result_exactly(device, dtype, size):
    # SGD passes -lr as factor(-lr, theta): a 0-d array of theta's dtype on NumPy (NumPy 2 would make one from the
    # float on every ufunc call), the float itself on CuPy; the update is bit for bit the float's
    rng = np.random.default_rng(size)
    x_host = rng.standard_normal(size).astype(dtype)
    y_host = rng.standard_normal(size).astype(dtype)
    x, y = to_device(x_host.copy(), device), to_device(y_host.copy(), device)
    a = factor(-0.01, y)
    if device == "cpu":
        assert type(a) is np.ndarray and a.shape == () and a.dtype == np.dtype(dtype)
    else:
        assert a == -0.01 and type(a) is float
    expected = y_host.copy()
    expected += -0.01 * x_host
    axpy(a, x, y)
    assert y.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(to_numpy(y), expected)


def test_a_large_axpy_is_split_over_the_threads_and_a_nested_one_is_not(monkeypatch):
    from minigrad.optim import threads
    monkeypatch.setattr(threads, "ADAPTIVE", False)
    calls = []
    real = threads._chunk_bounds
    monkeypatch.setattr(threads, "_chunk_bounds", lambda size, n: calls.append(size) or real(size, n))
    threads.set_num_threads(2)
    try:
        rng = np.random.default_rng(5)
        x = rng.standard_normal(threads.MIN_PARALLEL_SIZE + 7).astype(np.float32)
        y = rng.standard_normal(x.size).astype(np.float32)
        expected = y.copy()
        expected += np.float32(-0.5) * x
        axpy(-0.5, x, y)                                                  # called directly, as SGD's update
        np.testing.assert_array_equal(y, expected)
        assert calls == [x.size]
        threads.elementwise(lambda y, x: axpy(-0.5, x, y), y, x)          # inside an update: split once only
        assert calls == [x.size, x.size]
        monkeypatch.setattr(threads, "ADAPTIVE", True)
        monkeypatch.setattr(threads, "_timings", {})
        threads.elementwise(lambda y, x: axpy(-0.5, x, y), y, x)          # timed alone first: not split inside
        assert calls == [x.size, x.size]                                  # (nor cut: its bounds are not needed)
    finally:
        threads.set_num_threads(None)
