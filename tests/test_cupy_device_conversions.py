"""A device array handed to minigrad as a plain array (not a Tensor) stays a device array, without a GPU.

CuPy refuses to become a NumPy array implicitly: ``numpy.asarray``, ``numpy.array``, ``numpy.asanyarray`` and
``numpy.ascontiguousarray`` of a CuPy array raise ``TypeError: Implicit conversion to a NumPy array is not
allowed`` (cupy/_core/core.pyx, ``ndarray.__array__``). Other NumPy functions dispatch to CuPy's own through
``__array_function__``, so only those four refuse. The stand-in: an array type, ``OnDevice``, that the four refuse
when minigrad calls them directly, and (for where results land) ``backend.device_of`` saying ``"cuda:0"`` for it.
"""
import importlib
import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad import backend
from minigrad.data.transforms import Compose, Lambda, ToFloat
from minigrad.nn import functional as F

loss_module = importlib.import_module("minigrad.nn.functional.loss")


class OnDevice(np.ndarray):
    """A stand-in CuPy array: its values live on a (pretend) GPU."""


_CONVERSIONS = ("asarray", "array", "asanyarray", "ascontiguousarray")


@pytest.fixture
def cupy_conversions(monkeypatch):
    """numpy's conversions refuse an ``OnDevice`` array when minigrad calls them, as they refuse a CuPy array."""
    for name in _CONVERSIONS:
        convert = getattr(np, name)

        def refusing(a, *args, _convert=convert, **kwargs):
            caller = sys._getframe(1).f_globals.get("__name__", "")
            if isinstance(a, OnDevice) and caller.startswith("minigrad"):
                raise TypeError("Implicit conversion to a NumPy array is not allowed. Please use `.get()` to "
                                "construct a NumPy array explicitly.")
            return _convert(a, *args, **kwargs)
        monkeypatch.setattr(np, name, refusing)


def on_device(values, dtype=None):
    return np.array(values, dtype=dtype).view(OnDevice)


def test_the_stand_in_refuses_what_cupy_refuses(cupy_conversions):
    scope = {"__name__": "minigrad.somewhere", "np": np}
    exec("def convert(a):\n    return np.asarray(a)", scope)
    with pytest.raises(TypeError, match="Implicit conversion"):
        scope["convert"](on_device([1, 2]))
    assert scope["convert"]([1, 2]).tolist() == [1, 2]
    assert np.asarray(on_device([1, 2])).tolist() == [1, 2]   # the test's own reads stay free


def test_weighted_smoothed_cross_entropy_takes_a_device_target(cupy_conversions):
    # _weighted_smoothed_cross_entropy re-read the target through np.asarray: F.cross_entropy(logits, labels,
    # weight=w, label_smoothing=e) with labels a CuPy array raised TypeError on the GPU
    logits = np.random.default_rng(1).standard_normal((4, 3))
    labels, weight = [2, 0, 1, 2], [0.5, 1.0, 2.0]
    kwargs = dict(weight=mg.tensor(weight, dtype=mg.float64), label_smoothing=0.2)
    want = F.cross_entropy(mg.tensor(logits, dtype=mg.float64), mg.tensor(labels), **kwargs).item()
    got = F.cross_entropy(mg.tensor(logits, dtype=mg.float64), on_device(labels, np.int64), **kwargs).item()
    assert got == want


def test_cross_entropy_per_position_takes_a_device_target(cupy_conversions):
    # _per_position wrapped a non-Tensor target with Tensor(np.asarray(target)): (N, C, L) scores with a CuPy
    # target array raised TypeError on the GPU (segmentation, sequence tagging)
    scores = np.random.default_rng(2).standard_normal((2, 3, 4))
    labels = [[0, 2, 1, 1], [2, 2, 0, 1]]
    want = F.cross_entropy(mg.tensor(scores, dtype=mg.float64), mg.tensor(labels), reduction="none").numpy()
    got = F.cross_entropy(mg.tensor(scores, dtype=mg.float64), on_device(labels, np.int64), reduction="none")
    np.testing.assert_array_equal(got.numpy(), want)


def test_copy_takes_a_device_array(cupy_conversions):
    # copy_ read a non-Tensor source through np.asarray: t.copy_(cupy_array) raised TypeError
    t = mg.zeros(3, dtype=mg.float64)
    assert t.copy_(on_device([1.0, 2.0, 3.0])).numpy().tolist() == [1.0, 2.0, 3.0]
    r = mg.zeros((2, 2), dtype=mg.float64, requires_grad=True) * 1.0   # the recorded path: a broadcast source
    r.copy_(on_device([4.0, 5.0]))
    assert r.numpy().tolist() == [[4.0, 5.0], [4.0, 5.0]]


def test_categorical_log_prob_takes_a_device_array(cupy_conversions):
    # log_prob wrapped a non-Tensor value with Tensor(np.asarray(value)): d.log_prob(cupy_array) raised TypeError
    from minigrad import distributions as D

    d = D.Categorical(probs=mg.tensor([[0.25, 0.75], [0.5, 0.5]], dtype=mg.float64))
    np.testing.assert_allclose(d.log_prob(on_device([1, 0], np.int64)).numpy(), np.log([0.75, 0.5]), rtol=1e-15)
    assert d.log_prob([1, 0]).numpy().tolist() == d.log_prob(on_device([1, 0], np.int64)).numpy().tolist()


@pytest.fixture
def gpu_batches(monkeypatch):
    """``OnDevice`` arrays live on "cuda:0"; moving values there makes one. A batch's module stacks only arrays
    of the batch's device, as ``cupy.stack`` refuses NumPy arrays."""
    real_to_device = backend.to_device

    def device_of(a):
        return "cuda:0" if isinstance(a, OnDevice) else "cpu"

    def to_device(a, device):
        if device == "cpu":
            return real_to_device(np.asarray(a).view(np.ndarray), device)
        return a if isinstance(a, OnDevice) else np.array(a).view(OnDevice)

    class DeviceStack:
        def __getattr__(self, name):
            return getattr(np, name)

        @staticmethod
        def asarray(a, *args, **kwargs):
            return np.asarray(a, *args, **kwargs).view(OnDevice)

        @staticmethod
        def stack(arrays):
            if not all(isinstance(a, OnDevice) for a in arrays):
                raise TypeError("Only cupy arrays can be concatenated")
            return np.stack([a.view(np.ndarray) for a in arrays]).view(OnDevice)

    monkeypatch.setattr(backend, "device_of", device_of)
    monkeypatch.setattr(backend, "to_device", to_device)
    monkeypatch.setattr(backend, "get_array_module", lambda a: DeviceStack() if isinstance(a, OnDevice) else np)


@pytest.mark.parametrize("fn, want, dtype", [
    (lambda y: y * 2, [2, 4, 6], np.int64),
    (lambda y: y / 2, [0.5, 1.0, 1.5], np.float32),   # a Python float: the default float dtype
])
def test_lambda_on_a_gpu_batch_keeps_numbers_on_the_gpu(gpu_batches, fn, want, dtype):
    # Lambda handed fn each label as a Python number and made its result a host array: a GPU batch of labels
    # came back on the host (stacked by NumPy), and a DataLoader without device= then left it there, next to
    # GPU images
    out = Lambda(fn)(on_device([1, 2, 3], np.int64))
    assert backend.device_of(out) == "cuda:0"
    assert out.dtype == dtype and out.view(np.ndarray).tolist() == want
    got = Compose([ToFloat(), Lambda(lambda x: float(x.sum()))])(on_device(np.full((2, 2, 2), 255, np.uint8)))
    assert backend.device_of(got) == "cuda:0" and got.view(np.ndarray).tolist() == [4.0, 4.0]


def test_device_arrays_given_as_plain_arrays_on_every_device(device):
    from minigrad import distributions as D

    where = backend.normalize_device(device)
    raw = lambda values, dtype=np.int64: backend.to_device(np.array(values, dtype=dtype), where)   # noqa: E731
    logits = np.random.default_rng(1).standard_normal((4, 3))
    kwargs = dict(weight=mg.tensor([0.5, 1.0, 2.0], dtype=mg.float64, device=device), label_smoothing=0.2)
    want = F.cross_entropy(mg.tensor(logits, dtype=mg.float64), mg.tensor([2, 0, 1, 2]),
                           weight=mg.tensor([0.5, 1.0, 2.0], dtype=mg.float64), label_smoothing=0.2).item()
    got = F.cross_entropy(mg.tensor(logits, dtype=mg.float64, device=device), raw([2, 0, 1, 2]), **kwargs).item()
    np.testing.assert_allclose(got, want, rtol=1e-13)
    scores = mg.tensor(np.random.default_rng(2).standard_normal((2, 3, 4)), dtype=mg.float64, device=device)
    labels = [[0, 2, 1, 1], [2, 2, 0, 1]]
    np.testing.assert_allclose(F.cross_entropy(scores, raw(labels), reduction="none").numpy(),
                               F.cross_entropy(scores, mg.tensor(labels, device=device), reduction="none").numpy(),
                               rtol=0)
    t = mg.zeros(3, dtype=mg.float64, device=device)
    assert t.copy_(raw([1.0, 2.0, 3.0], np.float64)).numpy().tolist() == [1.0, 2.0, 3.0]
    d = D.Categorical(probs=mg.tensor([[0.25, 0.75], [0.5, 0.5]], dtype=mg.float64, device=device))
    np.testing.assert_allclose(d.log_prob(raw([1, 0])).numpy(), np.log([0.75, 0.5]), rtol=1e-15)
    out = Lambda(lambda y: y * 2)(raw([1, 2, 3]))
    assert backend.device_of(out) == where and backend.to_numpy(out).tolist() == [2, 4, 6]


def test_lambda_leaves_an_array_fn_returns_where_fn_put_it(gpu_batches):
    # torchvision's Lambda gives back what fn gives; only numbers go to the batch's device. Since 7966836 every
    # result went there: fn moving a host batch's samples onto the GPU got them back on the host, and fn reading
    # a GPU batch's samples to the host got them moved back onto the GPU
    onto_gpu = Lambda(lambda x: backend.to_device(x.data.view(np.ndarray), "cuda:0"))
    out = onto_gpu(np.arange(6.0).reshape(3, 2))
    assert backend.device_of(out) == "cuda:0" and out.view(np.ndarray).tolist() == [[0, 1], [2, 3], [4, 5]]
    onto_host = Lambda(lambda x: backend.to_numpy(x.data))
    out = onto_host(on_device(np.arange(6.0).reshape(3, 2)))
    assert backend.device_of(out) == "cpu" and out.tolist() == [[0, 1], [2, 3], [4, 5]]
