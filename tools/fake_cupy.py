"""A pytest plugin that stands NumPy in for CuPy, strict where CuPy is: ``-p tools.fake_cupy`` with
``MINIGRAD_TEST_DEVICES=cpu,cuda`` runs the device tests on "cuda" without a GPU.

Device arrays are ``FakeCuPyArray`` (a NumPy subclass). As CuPy, a ufunc or array function that meets a host
``np.ndarray`` operand raises TypeError, ``flags`` has no ``writeable``, and the module lacks ``errstate``.
Gaps: ``np.asarray(device_array)`` cannot be made to refuse (NumPy views a subclass without asking it).
"""
import sys
import types

import numpy as np
import pytest


class FakeCuPyArray(np.ndarray):
    device = types.SimpleNamespace(id=0)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        _refuse_host(ufunc.__name__, inputs, kwargs.get("out", ()))
        inputs = tuple(_plain(i) for i in inputs)
        out = kwargs.get("out", ())
        if out:
            kwargs["out"] = tuple(_plain(o) for o in out)
        result = _wrap(getattr(ufunc, method)(*inputs, **kwargs))
        if out and method == "__call__":   # as CuPy's, x += y (out=x) returns x itself, not another view of it
            return out[0] if len(out) == 1 else out
        return result

    def __array_function__(self, func, types_, args, kwargs):
        _refuse_host(func.__name__, args, tuple(kwargs.values()))
        return _wrap(func(*_plain_tree(args), **_plain_tree(kwargs)))

    def __getitem__(self, key):   # CuPy gives a 0-d device array where NumPy gives a host scalar
        return _wrap(super().__getitem__(_plain_tree(key)))

    def sum(self, *a, **k):
        return _wrap(super().sum(*a, **k))

    def max(self, *a, **k):
        return _wrap(super().max(*a, **k))

    def min(self, *a, **k):
        return _wrap(super().min(*a, **k))

    def mean(self, *a, **k):
        return _wrap(super().mean(*a, **k))

    def diagonal(self, offset=0, axis1=0, axis2=1):   # CuPy's is a writable view
        return _writable_diagonal(self, offset, axis1, axis2)

    @property
    def flags(self):
        f = np.ndarray.flags.__get__(self)
        return types.SimpleNamespace(c_contiguous=f.c_contiguous, f_contiguous=f.f_contiguous, owndata=f.owndata)

    def get(self):
        return np.array(self.view(np.ndarray))

    def tobytes(self, *a, **k):   # CuPy has tobytes, but it is a host sync: keep it
        return self.view(np.ndarray).tobytes(*a, **k)


def _writable_diagonal(a, offset, axis1, axis2):
    plain = a.view(np.ndarray)
    d = np.diagonal(plain, offset, axis1, axis2)
    start = d.__array_interface__["data"][0] - plain.__array_interface__["data"][0]
    flat = plain.reshape(-1) if plain.flags.c_contiguous else None
    if flat is None:
        return d.copy().view(FakeCuPyArray)
    out = np.lib.stride_tricks.as_strided(flat[start // a.itemsize:], d.shape, d.strides)
    return out.view(FakeCuPyArray)


def _is_host(v):
    return type(v) is np.ndarray


def _refuse_host(name, args, more=()):
    for v in list(args) + list(more if isinstance(more, (tuple, list)) else [more]):
        if _is_host(v):
            raise TypeError(f"fake cupy: {name} got a host numpy.ndarray operand {v.shape} {v.dtype}")
        if isinstance(v, (list, tuple)):
            for w in v:
                if _is_host(w):
                    raise TypeError(f"fake cupy: {name} got a host numpy.ndarray in a sequence {w.shape}")


def _plain(v):
    return v.view(np.ndarray) if isinstance(v, FakeCuPyArray) else v


def _plain_tree(v):
    if isinstance(v, FakeCuPyArray):
        return v.view(np.ndarray)
    if isinstance(v, tuple):
        return tuple(_plain_tree(w) for w in v)
    if isinstance(v, list):
        return [_plain_tree(w) for w in v]
    if isinstance(v, dict):
        return {k: _plain_tree(w) for k, w in v.items()}
    return v


def _wrap(r):
    if isinstance(r, np.generic):   # CuPy's reductions give 0-d device arrays, not host scalars
        return np.asarray(r).view(FakeCuPyArray)
    if isinstance(r, np.ndarray):
        return r.view(FakeCuPyArray)
    if isinstance(r, tuple):
        return tuple(_wrap(x) for x in r)
    if isinstance(r, list):
        return [_wrap(x) for x in r]
    return r


_ACCEPT_HOST = {"asarray", "array", "ascontiguousarray", "asanyarray", "from_dlpack", "asfortranarray"}
_LACKS = {"errstate", "seterr", "geterr"}


class _Module(types.ModuleType):
    ndarray = FakeCuPyArray

    def __init__(self):
        super().__init__("cupy")
        self.cuda = types.SimpleNamespace(
            runtime=types.SimpleNamespace(getDeviceCount=lambda: 1),
            Device=_Device, get_current_stream=lambda: types.SimpleNamespace(ptr=0, synchronize=lambda: None),
            Stream=types.SimpleNamespace(null=types.SimpleNamespace(ptr=0)))
        self.random = _Random()
        self.linalg = _Sub(np.linalg)
        self.fft = _Sub(np.fft)
        self.lib = types.SimpleNamespace(stride_tricks=_Sub(np.lib.stride_tricks))

    def diagonal(self, a, offset=0, axis1=0, axis2=1):
        return _writable_diagonal(a, offset, axis1, axis2)

    def asnumpy(self, a, *args, **kwargs):
        return np.array(_plain(a))

    def get_default_memory_pool(self):
        return types.SimpleNamespace(free_all_blocks=lambda: None, used_bytes=lambda: 0, total_bytes=lambda: 0)

    get_default_pinned_memory_pool = get_default_memory_pool

    def __getattr__(self, name):
        if name in _LACKS or name.startswith("__"):
            raise AttributeError(f"module 'cupy' has no attribute {name!r}")
        return _wrapped(getattr(np, name), name)


class _Sub:
    def __init__(self, mod):
        self._mod = mod

    def __getattr__(self, name):
        return _wrapped(getattr(self._mod, name), name)


def _wrapped(obj, name):
    if not callable(obj) or isinstance(obj, type) and not issubclass(obj, np.generic) and obj is not np.dtype:
        return obj
    if isinstance(obj, (type, np.ufunc)):   # dtypes; ufuncs refuse host operands in __array_ufunc__
        return obj

    def call(*args, **kwargs):
        if name not in _ACCEPT_HOST:
            _refuse_host(name, args, tuple(kwargs.values()))
        return _wrap(obj(*_plain_tree(args), **_plain_tree(kwargs)))
    return call


class _Random:
    """cupy.random: generators whose draws are device arrays."""

    def default_rng(self, *args, **kwargs):
        return _Sub(np.random.default_rng(*args, **kwargs))

    def RandomState(self, *args, **kwargs):  # noqa: N802
        return _Sub(np.random.RandomState(*args, **kwargs))

    def __getattr__(self, name):
        return _wrapped(getattr(np.random, name), name)


class _Device:
    def __init__(self, index=0):
        self.id = index

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def synchronize(self):
        pass

    def use(self):
        pass


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    from minigrad import backend

    backend._cupy = _Module()
    # modules bound to_device at import: change the function's code, not the name
    original = backend.to_device
    backend._fake_original_to_device = types.FunctionType(original.__code__, original.__globals__, "to_device")
    backend._FakeCuPyArray = FakeCuPyArray
    original.__code__ = _fake_to_device.__code__


def _fake_to_device(array, device):
    if device == "cpu" and isinstance(array, _FakeCuPyArray):  # noqa: F821  (backend's globals)
        return np.array(array.view(np.ndarray))
    if device != "cpu" and type(array) is np.ndarray or isinstance(array, (np.generic, int, float, list, tuple)):
        if device != "cpu":
            return np.array(array).view(_FakeCuPyArray)  # noqa: F821
    return _fake_original_to_device(array, device)  # noqa: F821
