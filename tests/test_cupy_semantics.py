"""Code paths that CuPy reads differently from NumPy, checked without a GPU and, on every device, with one.

The CPU tests stand a small NumPy-backed namespace in for CuPy where minigrad asks an array for its module
(``get_array_module``): it lacks what CuPy lacks (``errstate``) and builds views as CuPy does (``as_strided``
gives an array over the pointer alone, whose ``.base`` does not lead to the memory's owner; ``diagonal`` gives a
writable view whose ``.base`` is the owner). Narrower stand-ins model one CuPy rule each, named in their
docstrings with the CuPy source file that has it: cuSOLVER's unread error info outside ``cupyx.errstate(linalg=
"raise")``, ufuncs that reduce only add and multiply, operands that refuse NumPy arrays, ``repeat`` refusing device
repeats (CuPy < 14.1), ``unique(axis=)`` refusing bool. The device tests run the same calls on each device of
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
unfold_module = importlib.import_module("minigrad.ops.unfold")
strided_module = importlib.import_module("minigrad.ops.strided")


def _owner(a):
    """The array that owns ``a``'s memory; for one that ``_cupy_as_strided`` built over raw memory, the owner that
    memory came from (CuPy's memory pointer holds the whole allocation, so its as_strided may reach any of it)."""
    while a.base is not None:
        if isinstance(a.base, np.ndarray):
            a = a.base
        elif hasattr(a.base, "owner"):                    # the raw memory under a _cupy_as_strided array
            a = a.base.owner
        elif type(a.base).__name__ == "DummyArray":      # NumPy's as_strided
            a = a.base.base
        else:
            break
    return a


def _cupy_as_strided(x, shape=None, strides=None):
    """CuPy's as_strided, ndarray(memptr=x.data): the same memory, but no .base that leads to its owner."""
    owner = _owner(x)
    raw = (ctypes.c_char * owner.nbytes).from_address(owner.__array_interface__["data"][0])
    raw.owner = owner   # what x.data's allocation is in CuPy; _buffer does not follow it, as it cannot on CuPy
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


def test_the_cupy_stand_in_refuses_a_number_subclass_where_cupy_hands_a_scalar_to_a_kernel():
    """CuPy's kernels take a Python scalar by its exact type (CScalar, cupy/_core/_scalar.pyx): a tensor's size, an
    int subclass, is a TypeError as a ufunc operand, a fill value of full/full_like/copyto, a scalar of where and
    clip, a scalar index of take. The stand-in (tools.fake_cupy) refused it only as a ufunc operand; it still takes
    it where CuPy converts it first (fill, item assignment, put, arange, shapes)."""
    fake_cupy = importlib.import_module("tools.fake_cupy")
    cp, size = fake_cupy._Module(), mg.zeros(2, 1).size
    a = np.arange(4.0).view(fake_cupy.FakeCuPyArray)
    refused = {
        "a + size": lambda v: a + v, "size * a": lambda v: v * a, "full": lambda v: cp.full((2,), v),
        "full_like": lambda v: cp.full_like(a, fill_value=v), "np.full_like": lambda v: np.full_like(a, v),
        "copyto": lambda v: cp.copyto(a, v), "where": lambda v: cp.where(a > 1, a, v),
        "np.where": lambda v: np.where(a > 1, v, a), "clip": lambda v: cp.clip(a, 0, v), "a.clip": lambda v: a.clip(v),
        "take": lambda v: cp.take(a, v), "a.take": lambda v: a.take(v),
    }
    for name, call in refused.items():
        with pytest.raises(TypeError, match="^fake cupy: .* got a _Size operand \\(CuPy takes only exact numbers\\)$"):
            call(size)
        for exact in (int(size), np.int64(2), 2.0, True):
            assert isinstance(call(exact), (fake_cupy.FakeCuPyArray, type(None))), name
    a.fill(size)
    a[0] = size
    cp.put(a, [size], [size])
    assert a.tolist() == [2.0, 2.0, 2.0, 2.0] and cp.arange(size).tolist() == [0, 1]
    assert cp.full((size,), 1.5).shape == (2,) and a.take(1).shape == ()   # take's scalar gives a 0-d device array


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


def test_unfold_on_cupy_is_a_copy_since_its_strided_view_does_not_lead_to_the_owner(monkeypatch):
    # unfold is a view on NumPy; CuPy's as_strided would give one that write stamps cannot follow back to h, so
    # h.mul_(2) would change the windows behind (w * w)'s node unseen, and x.grad would come from the new values
    # (twice these)
    monkeypatch.setattr(unfold_module, "get_array_module", lambda a: _CuPyLike())
    x = mg.tensor([1.0, 2.0, 3.0, 4.0], dtype=mg.float64, requires_grad=True)
    h = x * 1.0
    w = h.unfold(0, 2, 1)
    assert w.data_ptr() != h.data_ptr() and w.numpy().tolist() == [[1.0, 2.0], [2.0, 3.0], [3.0, 4.0]]
    loss = (w * w).sum()
    with mg.no_grad():
        h.mul_(2.0)
    loss.backward()
    assert x.grad.numpy().tolist() == [2.0, 8.0, 12.0, 8.0]
    assert h.unfold(0, 3, 1).numpy().tolist() == [[2.0, 4.0, 6.0], [4.0, 6.0, 8.0]]


def test_as_strided_on_cupy_is_a_copy_since_its_strided_view_does_not_lead_to_the_owner(monkeypatch):
    # as unfold's: a view of h built by CuPy's as_strided could not be followed back to h by write stamps, so
    # h.mul_(2) would change the windows behind (w * w)'s node unseen, and x.grad would come from the new values
    monkeypatch.setattr(strided_module, "get_array_module", lambda a: _CuPyLike())
    x = mg.tensor([1.0, 2.0, 3.0, 4.0], dtype=mg.float64, requires_grad=True)
    h = x * 1.0
    w = h[1:].as_strided((3, 2), (1, 1), 0)   # from the storage's start, before h[1:]
    assert w.data_ptr() != h.data_ptr() and w.numpy().tolist() == [[1.0, 2.0], [2.0, 3.0], [3.0, 4.0]]
    loss = (w * w).sum()
    with mg.no_grad():
        h.mul_(2.0)
    loss.backward()
    assert x.grad.numpy().tolist() == [0.0, 8.0, 12.0, 8.0]   # x[0] lies outside h[1:]: no gradient, as torch's
    assert h[2:].as_strided((2, 3), (1, 1), 0).numpy().tolist() == [[2.0, 4.0, 6.0], [4.0, 6.0, 8.0]]


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


_CUPYX_CONFIG = {"linalg": "ignore"}   # cupyx's default: cuSOLVER's info is not read


class _FakeCupyx(types.ModuleType):
    """cupyx's errstate(linalg=...): what decides whether a failed cuSOLVER call raises."""

    def __init__(self):
        super().__init__("cupyx")

    @staticmethod
    def errstate(*, linalg=None):
        import contextlib

        @contextlib.contextmanager
        def scope():
            before = _CUPYX_CONFIG["linalg"]
            _CUPYX_CONFIG["linalg"] = before if linalg is None else linalg
            try:
                yield
            finally:
                _CUPYX_CONFIG["linalg"] = before
        return scope()


def _cusolver_like(name, undefined):
    """np.linalg.<name>, but a failure raises only under errstate(linalg='raise'); else an undefined, finite result
    (cupy.linalg's docs: "may yield invalid results if input conditions are not met")."""
    def call(a, *args):
        try:
            return getattr(np.linalg, name)(a, *args)
        except np.linalg.LinAlgError:
            if _CUPYX_CONFIG["linalg"] == "raise":   # cupy/linalg/_util.py's words
                raise np.linalg.LinAlgError(f"Error reported by {name} in cuSOLVER. devInfo = [2]. Please refer to "
                                            "the cuSOLVER documentation.") from None
            return undefined(a, *args)
    return call


class _CuPyLinalgLike(_CuPyLike):
    def __init__(self):
        super().__init__()
        self.linalg = types.SimpleNamespace(
            LinAlgError=np.linalg.LinAlgError,
            inv=_cusolver_like("inv", lambda a: np.zeros_like(a)),
            solve=_cusolver_like("solve", lambda a, b: np.zeros_like(b)),
            cholesky=_cusolver_like("cholesky", lambda a: np.tril(a)))   # potrf stops: a partial, finite factor


@pytest.fixture
def cusolver_like(monkeypatch):
    xp = _CuPyLinalgLike()
    monkeypatch.setitem(__import__("sys").modules, "cupyx", _FakeCupyx())
    for name in ("minigrad.ops.linalg_inverse", "minigrad.ops.linalg_decompositions"):
        monkeypatch.setattr(importlib.import_module(name), "get_array_module", lambda a: xp)
    return xp


def test_the_stand_in_fails_silently_as_cusolver_does(cusolver_like):
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert cusolver_like.linalg.inv(singular).tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert cusolver_like.linalg.cholesky(-np.eye(2)).tolist() == [[-1.0, 0.0], [0.0, -1.0]]


def test_a_singular_or_indefinite_matrix_is_refused_as_with_numpy(cusolver_like):
    # inv, solve and cholesky called CuPy's cupy.linalg outside cupyx.errstate(linalg="raise"): a singular matrix
    # gave an undefined inverse/solution and a matrix that is not positive-definite a finite, wrong factor (the NaN
    # check let it through), where NumPy (and torch on CUDA) raise
    singular = mg.tensor([[1.0, 2.0], [2.0, 4.0]], dtype=mg.float64)
    with pytest.raises(ValueError, match="Singular matrix"):
        mg.linalg.inv(singular)
    with pytest.raises(ValueError, match="Singular matrix"):
        mg.linalg.solve(singular, mg.tensor([[1.0], [1.0]], dtype=mg.float64))
    with pytest.raises(ValueError, match="not symmetric positive-definite"):
        mg.linalg.cholesky(mg.tensor([[1.0, 2.0], [2.0, 1.0]], dtype=mg.float64))
    factor, info = mg.linalg.cholesky_ex(mg.tensor([[1.0, 2.0], [2.0, 1.0]], dtype=mg.float64))
    # torch's partial factor: the columns before the failed pivot, then that pivot (1 - 2^2)
    assert int(info.item()) == 2
    np.testing.assert_array_equal(factor.numpy(), [[1.0, 0.0], [2.0, -3.0]])
    assert _CUPYX_CONFIG["linalg"] == "ignore"   # the setting is CuPy's global: put back after each call
    np.testing.assert_allclose(mg.linalg.inv(mg.tensor([[2.0, 0.0], [0.0, 4.0]], dtype=mg.float64)).numpy(),
                               [[0.5, 0.0], [0.0, 0.25]], rtol=0)


def test_a_singular_or_indefinite_matrix_is_refused_on_every_device(device):
    singular = mg.tensor([[1.0, 2.0], [2.0, 4.0]], dtype=mg.float64, device=device)
    with pytest.raises(ValueError, match="Singular matrix"):
        mg.linalg.inv(singular)
    with pytest.raises(ValueError, match="Singular matrix"):
        mg.linalg.solve(singular, mg.tensor([[1.0], [1.0]], dtype=mg.float64, device=device))
    with pytest.raises(ValueError, match="not symmetric positive-definite"):
        mg.linalg.cholesky(mg.tensor([[1.0, 2.0], [2.0, 1.0]], dtype=mg.float64, device=device))


def test_categorical_moments_and_log_prob_stay_on_the_distribution_device(device):
    # Categorical's mean and variance (NaN, as torch's) were made as host tensors whatever probs' device: on a GPU
    # they came back on the CPU, and the first op meeting a device tensor refused them
    from minigrad import distributions as D

    d = D.Categorical(probs=mg.tensor([[0.25, 0.75], [0.5, 0.5]], dtype=mg.float64, device=device))
    for moment in (d.mean, d.variance):
        assert moment.device == backend.normalize_device(device) and moment.shape == (2,)
        assert np.isnan(moment.numpy()).all()
    lp = d.log_prob([1, 0])   # host values, device distribution
    assert lp.device == backend.normalize_device(device)
    np.testing.assert_allclose(lp.numpy(), np.log([0.75, 0.5]), rtol=1e-15)


class _CuPyUfunc:
    """A CuPy ufunc: reduce and accumulate for add and multiply only (cupy/_core/_kernel.pyx, ufunc.reduce)."""

    def __init__(self, f):
        self._f, self.__name__ = f, f.__name__

    def __call__(self, *args, **kwargs):
        return self._f(*args, **kwargs)

    def _only_add_multiply(self, method):
        def call(*args, **kwargs):
            if self.__name__ not in ("add", "multiply"):
                raise NotImplementedError(f"`cupy_{self.__name__}.{method}` is not supported yet")
            return getattr(self._f, method)(*args, **kwargs)
        return call

    def __getattr__(self, name):
        if name in ("reduce", "accumulate"):
            return self._only_add_multiply(name)
        return getattr(self._f, name)


class _CuPyUfuncsLike(_CuPyLike):
    def __getattr__(self, name):
        value = super().__getattr__(name)
        return _CuPyUfunc(value) if isinstance(value, np.ufunc) else value


@pytest.mark.parametrize("kind, want", [("amax", [3.0, -1.0, 7.0]), ("amin", [1.0, -1.0, 7.0]),
                                        ("prod", [3.0, -1.0, 7.0])])
def test_segment_reduce_uses_no_ufunc_reduce_cupy_lacks(monkeypatch, kind, want):
    # segment_reduce's CuPy path reduced the padded rows with xp.maximum.reduce / xp.minimum.reduce: CuPy's ufuncs
    # implement reduce for add and multiply only (NotImplementedError), so scatter_reduce(reduce="amax"/"amin") and
    # embedding_bag(mode="max") failed on every GPU call
    module = importlib.import_module("minigrad.ops.scatter_reduce")   # minigrad.ops.scatter_reduce is the function
    monkeypatch.setattr(module, "get_array_module", lambda a: _CuPyUfuncsLike())
    v = np.array([1.0, 3.0, -1.0, 7.0])
    seg = np.array([0, 0, 1, 2])
    np.testing.assert_array_equal(module.segment_reduce(v, seg, 4, kind)[:3], want)
    ints = module.segment_reduce(v.astype(np.int32), seg, 4, kind)   # int32 stays int32, as on the CPU path
    assert ints.dtype == np.int32 and ints[:3].tolist() == want


@pytest.mark.parametrize("reduce", ["amax", "amin", "prod"])


def test_scatter_reduce_on_every_device(device, reduce):
    x = np.array([0.5, 2.0, -3.0])
    src = np.array([1.0, 3.0, -1.0, 7.0])
    index = np.array([0, 0, 1, 0])
    got = mg.scatter_reduce(mg.tensor(x, dtype=mg.float64, device=device), 0, mg.tensor(index, device=device),
                            mg.tensor(src, dtype=mg.float64, device=device), reduce).numpy()
    ufunc = {"amax": np.maximum, "amin": np.minimum, "prod": np.multiply}[reduce]
    want = x.copy()
    ufunc.at(want, index, src)
    np.testing.assert_array_equal(got, want)


class _CuPyOperandArray(np.ndarray):
    """An array that takes other operands as a CuPy array does (cupy/_core/core.pyx __array_ufunc__ and _scalar.pyx
    CScalar): arrays of its own kind, Python and NumPy scalars; a NumPy array, even a 0-d one, is a TypeError."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        for x in inputs + tuple(kwargs.get("out", ())):
            if type(x) is np.ndarray:
                raise TypeError(f"Unsupported type {type(x)}")
        plain = [x.view(np.ndarray) if isinstance(x, _CuPyOperandArray) else x for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(o.view(np.ndarray) for o in kwargs["out"])
        out = getattr(ufunc, method)(*plain, **kwargs)
        return out.view(_CuPyOperandArray) if isinstance(out, np.ndarray) else out


def test_addcmul_of_integers_scales_by_a_scalar_a_device_array_takes():
    # Addcmul cast value for an integer result with np.asarray(value).astype(...): a 0-d NumPy array, which CuPy
    # refuses as an operand (TypeError: Unsupported type numpy.ndarray), so integer addcmul failed on the GPU
    from minigrad.ops.interpolation import Addcmul

    x, t1, t2 = (np.array(v, dtype=np.uint8).view(_CuPyOperandArray) for v in ([1, 2], [3, 4], [5, 6]))
    with pytest.raises(TypeError, match="Unsupported type"):
        t1 * np.asarray(2)   # the stand-in refuses what CuPy refuses
    got = Addcmul(value=-1).forward(x, t1, t2)
    assert got.dtype == np.uint8 and got.view(np.ndarray).tolist() == [242, 234]   # -1 wraps to 255 in uint8, as torch


def test_integer_addcmul_on_every_device(device):
    t = [mg.tensor(v, dtype=mg.uint8, device=device) for v in ([1, 2], [3, 4], [5, 6])]
    assert mg.addcmul(*t, value=-1).numpy().tolist() == [242, 234]
    assert mg.addcmul(*t, value=2).numpy().tolist() == [31, 50]


class _CuPy13Like(_CuPyLike):
    """CuPy 13.x-14.0.x: ``repeat``'s ``repeats`` may not be an array of its own (cupy/_core/_routines_manipulation.pyx:
    "cupy.ndaray cannot be specified as `repeats` argument."), and ``bincount`` of an empty array is a ValueError."""

    @staticmethod
    def repeat(a, repeats, axis=None):
        if isinstance(repeats, np.ndarray):
            raise ValueError("cupy.ndaray cannot be specified as `repeats` argument.")
        return np.repeat(a, repeats, axis)

    @staticmethod
    def bincount(x, weights=None, minlength=0):
        # cupy/_statistics/histogram.py before 14.2: size = int(cupy.max(x)) + 1, whatever x's size
        size = int(np.max(x)) + 1
        return np.bincount(x, weights, max(size, minlength))


def test_repeat_interleave_positions_pass_no_device_repeats_to_repeat():
    # repeat_interleave(x, tensor_of_counts) built its index with xp.repeat(xp.arange(n), counts), counts a device
    # array: a ValueError on CuPy < 14.1 (minigrad allows cupy >= 13)
    from minigrad.ops.splitting import _repeated_positions

    counts = np.array([2, 0, 3, 1])
    got = _repeated_positions(_CuPy13Like(), counts, 6)
    assert got.tolist() == [0, 0, 2, 2, 2, 3]
    assert _repeated_positions(_CuPy13Like(), np.array([0, 0]), 0).tolist() == []
    with pytest.raises(ValueError, match="repeats"):
        _CuPy13Like().repeat(np.arange(4), counts)


def test_repeat_interleave_with_a_tensor_of_counts_on_every_device(device):
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=mg.float64, device=device)
    got = mg.repeat_interleave(x, mg.tensor([2, 0, 1], device=device), dim=0).numpy()
    assert got.tolist() == [[1.0, 2.0], [1.0, 2.0], [5.0, 6.0]]
    assert mg.repeat_interleave(x, [1, 2], dim=1).numpy().tolist() == [[1.0, 2.0, 2.0], [3.0, 4.0, 4.0],
                                                                        [5.0, 6.0, 6.0]]


class _NoUniqueAxisLike(_CuPyLike):
    """CuPy's unique(axis=) compares slices by subtracting them (cupy/_manipulation/add_remove.py): bool raises
    "cupy boolean subtract ... is deprecated" (TypeError); and it sorts with one host read per comparison."""

    @staticmethod
    def unique(ar, *args, axis=None, **kwargs):
        if axis is not None and ar.dtype == np.bool_:
            raise TypeError("cupy boolean subtract, the `-` operator, is deprecated")
        return np.unique(ar, *args, axis=axis, **kwargs)


@pytest.mark.parametrize("data, dim", [
    (np.array([[True, False], [False, False], [True, False], [False, True]]), 0),
    (np.array([[3.0, np.nan, 1.0, 3.0, 1.0], [2.0, 0.0, 5.0, 2.0, 5.0]]), 1),
    (np.array([[[2, 1], [0, 4]], [[2, 1], [0, 4]], [[1, 9], [9, 9]]], dtype=np.int32), 0),
    (np.zeros((0, 3)), 0),
])


def test_unique_along_a_dim_without_cupy_unique_axis(monkeypatch, data, dim):
    # torch.unique(x, dim=d) went to xp.unique(axis=d): on CuPy a TypeError for bool tensors
    monkeypatch.setattr(mg.Tensor, "_xp", lambda self: _NoUniqueAxisLike())
    values, inverse, counts = mg.unique(mg.tensor(data, dtype=data.dtype), dim=dim, return_inverse=True,
                                        return_counts=True)
    want = np.unique(data, axis=dim, return_inverse=True, return_counts=True, equal_nan=False)
    np.testing.assert_array_equal(values.data, want[0])
    assert values.dtype == data.dtype
    assert inverse.data.tolist() == want[1].reshape(-1).tolist() and counts.data.tolist() == want[2].tolist()


def test_unique_of_a_bool_tensor_along_a_dim_on_every_device(device):
    x = mg.tensor([[True, False], [False, False], [True, False]], device=device)
    values, inverse = mg.unique(x, dim=0, return_inverse=True)
    assert values.numpy().tolist() == [[False, False], [True, False]] and inverse.numpy().tolist() == [1, 0, 1]


def test_bincount_and_histc_of_nothing_without_cupy_bincount_of_an_empty_array(monkeypatch):
    # bincount, histc, histogram and scatter_reduce called xp.bincount on arrays that may be empty (no input, or no
    # value inside the range): CuPy before 14.2 takes max() of it first, a ValueError where NumPy gives zeros
    xp = _CuPy13Like()
    with pytest.raises(ValueError, match="zero-size array"):
        xp.bincount(np.zeros(0, dtype=np.int64), minlength=2)
    got = backend.bincount(xp, np.zeros(0, dtype=np.int64), minlength=3)
    assert got.dtype == np.int64 and got.tolist() == [0, 0, 0]
    got = backend.bincount(xp, np.zeros(0, dtype=np.int64), weights=np.zeros(0, dtype=np.float32), minlength=2)
    assert got.dtype == np.float64 and got.tolist() == [0.0, 0.0]
    assert backend.bincount(xp, np.array([1, 1, 3]), minlength=2).tolist() == [0, 2, 0, 1]
    monkeypatch.setattr(mg.Tensor, "_xp", lambda self: xp)
    assert mg.bincount(mg.tensor(np.zeros(0, dtype=np.int64)), minlength=2).data.tolist() == [0, 0]
    assert mg.histc(mg.tensor([5.0, 6.0]), bins=3, min=0, max=1).data.tolist() == [0.0, 0.0, 0.0]


def test_bincount_and_histc_of_nothing_on_every_device(device):
    assert mg.bincount(mg.tensor(np.zeros(0, dtype=np.int64), device=device), minlength=2).numpy().tolist() == [0, 0]
    assert mg.histc(mg.tensor([5.0, 6.0], device=device), bins=3, min=0, max=1).numpy().tolist() == [0.0, 0.0, 0.0]


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


def test_embedding_bag_mean_of_no_indices_on_every_device(device):
    # its bag sizes came from xp.bincount, which CuPy before 14.2 refuses for an empty array (ValueError)
    weight = mg.tensor(np.arange(6.0).reshape(3, 2), device=device)
    empty = mg.tensor(np.zeros(0, dtype=np.int64), device=device)
    offsets = mg.tensor(np.array([0, 0], dtype=np.int64), device=device)
    out = F.embedding_bag(empty, weight, offsets, mode="mean")
    assert out.shape == (2, 2) and out.numpy().tolist() == [[0.0, 0.0], [0.0, 0.0]]
