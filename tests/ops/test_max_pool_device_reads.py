"""Max pooling on a GPU: the NaN rule (a window's last NaN is its maximum, as torch's) reads nothing back.

max_pool2d/3d asked ``xp.isnan(y).any()`` on every forward, and adaptive and fractional max pooling
``nan.any()``, before fixing up the windows that hold a NaN: a wait for the GPU in every forward of every
CNN. On a GPU the NaN now takes the index inside the loop (max pooling) or the fix-up runs unasked (adaptive,
fractional); NumPy keeps its cheap test. The stand-in counts every read of a value back to the host.
"""
import importlib

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import functional as F
from device_reads import DeviceArray, DeviceModule

pool = importlib.import_module("minigrad.ops.pool")
adaptive_pool = importlib.import_module("minigrad.ops.adaptive_pool")
fractional_pool = importlib.import_module("minigrad.nn.functional.fractional_pool")


class NaNTestingDevice(DeviceModule):
    """The stand-in, with ``isnan`` giving a device array (its ``any()`` must be read back to branch on)."""

    @staticmethod
    def isnan(a, *args, **kwargs):
        return np.asarray(np.isnan(a, *args, **kwargs)).view(DeviceArray)


def _image(shape):
    x = np.random.default_rng(4).standard_normal(shape)
    flat = x.reshape(-1)
    flat[[0, 5, 6, 9, 17, 30, 31, 44]] = np.nan   # windows with one NaN, several, one at the first offset
    flat[[3, 12]] = -np.inf
    return x


def _pooled(run, x):
    t = mg.tensor(x, dtype=mg.float64, requires_grad=True)
    y, index = run(t)
    y.sum().backward()
    return y.numpy(), index.numpy(), t.grad.numpy()


def _same(got, want):
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)   # NaN == NaN here; the indices and gradients exactly


@pytest.mark.parametrize("module, run, shape", [
    (pool, lambda t: F.max_pool2d(t, 2, return_indices=True), (1, 2, 6, 6)),
    (pool, lambda t: F.max_pool2d(t, 3, stride=1, padding=1, return_indices=True), (1, 2, 6, 6)),
    (pool, lambda t: F.max_pool3d(t, 2, return_indices=True), (1, 1, 4, 4, 4)),
    (adaptive_pool, lambda t: F.adaptive_max_pool2d(t, (4, 3), return_indices=True), (1, 2, 6, 6)),
    (fractional_pool, lambda t: F.fractional_max_pool2d(
        t, 2, output_size=(4, 4), return_indices=True,
        _random_samples=mg.tensor(np.full((1, 2, 2), 0.3), dtype=mg.float64)), (1, 2, 6, 6)),
])
def test_max_pooling_with_nans_reads_nothing_back_on_a_gpu(monkeypatch, module, run, shape):
    x = _image(shape)
    want = _pooled(run, x)   # NumPy's path, whose NaN test is free on the host
    assert np.isnan(want[0]).any()
    monkeypatch.setattr(module, "get_array_module", lambda a: NaNTestingDevice())
    DeviceArray.reads = 0
    got = _pooled(run, x)
    assert DeviceArray.reads == 0
    _same(got, want)


def test_max_pooling_in_the_loop_takes_each_window_s_last_nan(monkeypatch):
    # one window, NaNs at offsets 1 and 2 of 4: the index is 2 (torch's), the gradient goes there
    monkeypatch.setattr(pool, "get_array_module", lambda a: NaNTestingDevice())
    x = mg.tensor([[[[1.0, np.nan], [np.nan, 5.0]]]], dtype=mg.float64, requires_grad=True)
    y, index = F.max_pool2d(x, 2, return_indices=True)
    y.sum().backward()
    assert np.isnan(y.numpy()).all() and index.numpy().tolist() == [[[[2]]]]
    assert x.grad.numpy().tolist() == [[[[0.0, 0.0], [1.0, 0.0]]]]


@pytest.mark.parametrize("run, shape", [
    (lambda t: F.max_pool2d(t, 2, return_indices=True), (1, 2, 6, 6)),
    (lambda t: F.max_pool3d(t, 2, return_indices=True), (1, 1, 4, 4, 4)),
    (lambda t: F.adaptive_max_pool2d(t, (4, 3), return_indices=True), (1, 2, 6, 6)),
])
def test_max_pooling_with_nans_on_every_device(device, run, shape):
    # the GPU takes its NaN in the loop (max pooling) or unasked (adaptive): the host's values, indices, gradient
    x = _image(shape)
    want = _pooled(run, x)
    t = mg.tensor(x, dtype=mg.float64, device=device, requires_grad=True)
    y, index = run(t)
    y.sum().backward()
    _same((y.numpy(), index.numpy(), t.grad.numpy()), want)
