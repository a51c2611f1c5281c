"""Code paths that CuPy reads differently from NumPy, checked without a GPU and, on every device, with one.

The CPU tests stand a small NumPy-backed namespace in for CuPy where minigrad asks an array for its module
(``get_array_module``): it lacks what CuPy lacks (``errstate``) and builds views as CuPy does (``as_strided``
gives an array over the pointer alone, whose ``.base`` does not lead to the memory's owner; ``diagonal`` gives a
writable view whose ``.base`` is the owner). The device tests run the same calls on each device of
``MINIGRAD_TEST_DEVICES``, so a GPU run checks them against CuPy itself.
"""
import ctypes
import importlib
import types

import numpy as np
import pytest

import minigrad as mg
from minigrad import backend
from minigrad import nn
from minigrad.autograd.write_stamps import _buffer
from minigrad.nn import functional as F
from minigrad.nn.utils.rnn import pack_padded_sequence
from minigrad.ops.embedding_renorm import _row_norms

diagonal_module = importlib.import_module("minigrad.ops.diagonal")   # minigrad.ops.diagonal is the function


def _owner(a):
    return a if a.base is None else a.base


def _cupy_as_strided(x, shape=None, strides=None):
    """CuPy's as_strided, ndarray(memptr=x.data): the same memory, but no .base that leads to its owner."""
    owner = _owner(x)
    raw = (ctypes.c_char * owner.nbytes).from_address(owner.__array_interface__["data"][0])
    offset = x.__array_interface__["data"][0] - owner.__array_interface__["data"][0]
    return np.ndarray(x.shape if shape is None else shape, x.dtype, buffer=raw, offset=offset,
                      strides=x.strides if strides is None else strides)


def _cupy_diagonal(a, offset=0, axis1=0, axis2=1):
    """CuPy's diagonal: a writable view whose .base leads to the memory's owner (NumPy's is read-only)."""
    d = np.diagonal(a, offset, axis1, axis2)
    flat = _owner(a).reshape(-1)
    start = (d.__array_interface__["data"][0] - flat.__array_interface__["data"][0]) // a.itemsize
    return np.lib.stride_tricks.as_strided(flat[start:], d.shape, d.strides)


class _CuPyLike(types.ModuleType):
    """NumPy, but for what minigrad was caught reading where CuPy differs."""

    lacks = ("errstate",)

    def __init__(self):
        super().__init__("cupy_like")
        self.lib = types.SimpleNamespace(stride_tricks=types.SimpleNamespace(as_strided=_cupy_as_strided))
        self.diagonal = _cupy_diagonal

    def __getattr__(self, name):
        if name in self.lacks:
            raise AttributeError(f"module 'cupy' has no attribute {name!r}")
        return getattr(np, name)


def test_the_stand_in_builds_views_as_cupy_does():
    x = np.arange(6.0).reshape(2, 3).copy()   # owns its memory
    assert _buffer(_cupy_as_strided(x, (2,), (32,))) is not x   # the owner cannot be found from it
    d = _cupy_diagonal(x)
    d *= 10
    assert _buffer(d) is x and x.tolist() == [[0.0, 1.0, 2.0], [3.0, 40.0, 5.0]]
    with pytest.raises(AttributeError, match="errstate"):
        _CuPyLike().errstate


@pytest.mark.parametrize("p", [3.0, 0.5, -1.0])
def test_embedding_renorm_norms_use_no_errstate_of_the_array_module(p):
    # embedding_renorm_ wrapped the general p-norm in xp.errstate: CuPy has no errstate, so F.embedding(...,
    # max_norm=m, norm_type=3) raised AttributeError on the GPU for every norm_type but 0, 1, 2 and +-inf
    rows = np.array([[3.0, -4.0, 0.0], [1.0, 2.0, 2.0]])
    with np.errstate(divide="ignore"):
        expected = (np.abs(rows) ** p).sum(axis=1) ** (1.0 / p)
    np.testing.assert_allclose(_row_norms(_CuPyLike(), rows, p), expected, rtol=1e-15)


def test_a_write_through_a_cupy_diagonal_reaches_its_owner(monkeypatch):
    # diagonal() built its view with as_strided, whose CuPy array does not lead back to h's memory: d.mul_(2)
    # stamped d's array only, so h kept its graph and h.sin().sum() differentiated as if nothing was written
    monkeypatch.setattr(diagonal_module, "get_array_module", lambda a: _CuPyLike())
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=mg.float64, requires_grad=True)
    h = x * 1.0
    d = h.diagonal()
    assert _buffer(d.data) is _buffer(h.data)
    d.mul_(2.0)
    assert h.numpy().tolist() == [[2.0, 2.0], [3.0, 8.0]]
    with pytest.raises(RuntimeError, match=r"written in place through a view of it \(mul_\(\) on the output of "):
        h.sin().sum().backward()


def test_a_write_through_a_diagonal_retires_its_base_on_every_device(device):
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=mg.float64, requires_grad=True, device=device)
    h = x * 1.0
    d = h.diagonal()
    d.mul_(2.0)
    assert h.numpy().tolist() == [[2.0, 2.0], [3.0, 8.0]]
    with pytest.raises(RuntimeError, match=r"written in place through a view of it \(mul_\(\) on the output of "):
        h.sin().sum().backward()
    r = h.diagonal(1)
    r *= 3.0   # a view of a graph input: written through to h, as torch's
    assert h.numpy().tolist() == [[2.0, 6.0], [3.0, 8.0]]


@pytest.mark.parametrize("norm_type", [3.0, -1.0, 2.0])
def test_embedding_max_norm_of_any_order_on_every_device(device, norm_type):
    a = np.array([[3.0, 4.0], [0.3, 0.4], [1.0, 0.0]])
    w = mg.tensor(a, device=device, dtype=mg.float64)
    out = F.embedding(mg.tensor([0, 1, 0], device=device), w, max_norm=1.0, norm_type=norm_type)
    norm = np.sum(np.abs(a[0]) ** norm_type) ** (1.0 / norm_type)
    # a few ulps of room: on a GPU the norm's pow is CUDA's, not NumPy's
    np.testing.assert_allclose(w.numpy()[0], a[0] * (1.0 / (norm + 1e-7)), rtol=1e-13)
    np.testing.assert_array_equal(w.numpy()[1:], a[1:])
    np.testing.assert_array_equal(out.numpy(), w.numpy()[[0, 1, 0]])


def test_cov_with_weights_on_every_device(device):
    # the divisor's sign was read through np.asarray(factor.data): a TypeError for a CuPy array
    x = np.array([[1.0, 2.0, 4.0], [2.0, 1.0, 0.0]])
    f, aw = np.array([1, 2, 1]), np.array([0.5, 1.0, 2.0])
    got = mg.cov(mg.tensor(x, device=device, dtype=mg.float64), fweights=mg.tensor(f, device=device),
                 aweights=mg.tensor(aw, device=device, dtype=mg.float64)).numpy()
    want = np.cov(x, fweights=f, aweights=aw)
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_a_packed_batch_of_unequal_lengths_runs_on_every_device(device, mode):
    # the step that holds a finished sequence's state selected with a mask made on the host (Tensor(running[t])),
    # so where() met a CPU mask and GPU states: a device error for any packed batch whose lengths differ
    mg.manual_seed(3)
    m = getattr(nn, mode)(3, 4, num_layers=1, bidirectional=True, dtype=mg.float64)
    x = np.random.default_rng(5).standard_normal((4, 2, 3))
    want_out, want_h = _packed_run(m, x)
    m.to(device)
    got_out, got_h = _packed_run(m, x, device)
    np.testing.assert_allclose(got_out, want_out, rtol=1e-12)
    np.testing.assert_allclose(got_h, want_h, rtol=1e-12)


def _packed_run(m, x, device="cpu"):
    packed = pack_padded_sequence(mg.tensor(x, device=device, dtype=mg.float64), [2, 4], enforce_sorted=False)
    out, state = m(packed)
    h = state[0] if isinstance(state, tuple) else state
    return out.data.numpy(), h.numpy()



class _CuPyFlagsArray(np.ndarray):
    """A fresh array whose flags are CuPy's three (no ``writeable``: a CuPy array is never read-only)."""

    @property
    def flags(self):
        return types.SimpleNamespace(c_contiguous=True, f_contiguous=self.ndim <= 1, owndata=True)


def _upload_like_cupy(array, device):
    out = _CuPyFlagsArray(np.shape(array), np.asarray(array).dtype)
    np.copyto(out, array)   # a new array of its own (base None), as cupy.asarray of host memory
    return out


def test_a_data_loader_batch_uploaded_to_a_gpu_is_wrapped_without_reading_a_writeable_flag(monkeypatch):
    # DataLoader._to_tensor asked `value.base is not None or not value.flags.writeable`: a batch uploaded to the
    # GPU is a fresh CuPy array (base None), so it read flags.writeable, which CuPy's flags lack: AttributeError
    # on the first batch of any DataLoader(..., device="cuda")
    from minigrad.data import DataLoader, TensorDataset

    monkeypatch.setattr(backend, "to_device", _upload_like_cupy)
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    batches = list(DataLoader(TensorDataset(x, np.arange(4)), batch_size=2))
    assert [b[0].data.tolist() for b in batches] == [x[:2].tolist(), x[2:].tolist()]
    assert [b[1].data.tolist() for b in batches] == [[0, 1], [2, 3]]


def test_torch_layout_turns_a_model_on_every_device(device):
    # to_torch/from_torch transposed a Linear weight with np.ascontiguousarray: a TypeError for a CuPy array
    # (CuPy refuses the implicit conversion), so a GPU model's state dict could not be turned either way
    from minigrad.io import from_torch, to_torch

    m = nn.Linear(3, 2, dtype=mg.float64).to(device)
    w = m.weight.numpy()
    theirs = to_torch(m, m.state_dict())
    assert backend.device_of(theirs["weight"]) == backend.normalize_device(device)
    np.testing.assert_array_equal(backend.to_numpy(theirs["weight"]), w.T)
    ours = from_torch(m, theirs)
    assert backend.device_of(ours["weight"]) == backend.normalize_device(device)
    np.testing.assert_array_equal(backend.to_numpy(ours["weight"]), w)
    assert ours["weight"].flags.c_contiguous


def test_a_device_array_becomes_a_tensor_where_it_is(device):
    # coercion.as_tensor(x) without like= read x through np.asarray: a TypeError for a CuPy array, and
    # ctc_loss's mean divisor and embedding_bag's bag counts (mode "mean", "max") were made that way
    from minigrad.autograd.coercion import as_tensor

    a = backend.to_device(np.array([1.0, 2.0]), backend.normalize_device(device))
    t = as_tensor(a)
    assert t.data is a and t.device == backend.normalize_device(device)


@pytest.mark.parametrize("mode", ["mean", "max"])
def test_embedding_bag_reduces_on_every_device(device, mode):
    w = np.arange(12.0).reshape(4, 3)
    index, offsets = np.array([0, 2, 1, 3, 3]), np.array([0, 2, 2])   # the middle bag is empty
    got = F.embedding_bag(mg.tensor(index, device=device), mg.tensor(w, dtype=mg.float64, device=device),
                          mg.tensor(offsets, device=device), mode=mode)
    rows = [w[[0, 2]], np.zeros((0, 3)), w[[1, 3, 3]]]
    want = [(r.mean(0) if mode == "mean" else r.max(0)) if len(r) else np.zeros(3) for r in rows]
    assert got.device == backend.normalize_device(device)
    np.testing.assert_allclose(got.numpy(), np.array(want), rtol=1e-15)


def test_ctc_loss_mean_on_every_device(device):
    torch = pytest.importorskip("torch")
    lp = np.log(np.random.default_rng(2).dirichlet(np.ones(4), size=(5, 2)))   # (T, N, C)
    targets, in_len, tg_len = np.array([[1, 2], [3, 3]]), np.array([5, 4]), np.array([2, 1])
    got = F.ctc_loss(mg.tensor(lp, dtype=mg.float64, device=device), mg.tensor(targets, device=device),
                     in_len, tg_len, reduction="mean")
    want = torch.nn.functional.ctc_loss(torch.tensor(lp), torch.tensor(targets), torch.tensor(in_len),
                                        torch.tensor(tg_len), reduction="mean")
    assert got.device == backend.normalize_device(device)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


def test_onnx_export_of_a_model_on_every_device(device, tmp_path):
    # the weights become initializers through backend.to_numpy; the trace's second pass builds its input with
    # the input's own array module
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from minigrad.onnx import export

    mg.manual_seed(4)
    model = nn.Network(nn.Linear(3, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 2)).eval().to(device)
    x = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    export(model, mg.tensor(x, device=device), tmp_path / "m.onnx")
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {session.get_inputs()[0].name: x})
    np.testing.assert_allclose(got, model(mg.tensor(x, device=device)).numpy(), rtol=1e-5, atol=1e-6)
