"""A pytest plugin that stands NumPy in for CuPy, strict where CuPy is: ``-p tools.fake_cupy`` with
``MINIGRAD_TEST_DEVICES=cpu,cuda`` runs the device tests on "cuda" without a GPU.

Device arrays are ``FakeCuPyArray`` (a NumPy subclass). As CuPy, a ufunc or array function that meets a host
``np.ndarray`` operand raises TypeError, ``flags`` has no ``writeable``, and the module lacks ``errstate``. A Python
number of a subclass (an int subclass such as a tensor's size) is refused where CuPy hands a scalar to a kernel: a
ufunc's operand (array dunders included), full/full_like/copyto's fill value, where's and clip's scalars, take's
scalar index.

``cupyx`` is stood in for what minigrad uses (``errstate(linalg=...)``, ``scatter_add``, ``scipy.special``'s erf,
erfc, erfinv and ``scipy.linalg.lu_factor``), each SciPy's/NumPy's on the host arrays, strict where CuPy is:
``cupy.linalg``'s inv, solve and cholesky raise LinAlgError only inside ``cupyx.errstate(linalg="raise")`` (else a
singular matrix gives an undefined result: here NaN), ``scatter_add`` with integer indices takes only the dtypes
of CUDA's atomicAdd, and ``lu_factor`` takes one float matrix, returns int32 pivots and, for a singular matrix,
NaN below the zero pivot (cuSOLVER divides by it; SciPy does not) with a RuntimeWarning.
Gaps: ``np.asarray(device_array)`` cannot be made to refuse (NumPy views a subclass without asking it), and
``isinstance(device_array, np.ndarray)`` is True (so minigrad asks ``get_array_module``, never isinstance).
"""
import sys
import types

import numpy as np
import pytest


class FakeCuPyArray(np.ndarray):
    device = types.SimpleNamespace(id=0)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        _refuse_host(ufunc.__name__, inputs, kwargs.get("out", ()))
        _refuse_number_subclasses(ufunc.__name__, inputs)
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
        _refuse_kernel_scalars(func.__name__, args, kwargs)
        return _wrap(func(*_plain_tree(args), **_plain_tree(kwargs)))

    def __getitem__(self, key):   # CuPy gives a 0-d device array where NumPy gives a host scalar
        return _wrap(super().__getitem__(_plain_tree(key)))

    def argsort(self, axis=-1, kind=None):   # stable, as cupy.argsort
        return _stable_sort("argsort", self, axis, kind)

    def take(self, indices, *a, **k):   # a scalar index is a kernel argument in CuPy, the result a 0-d device array
        _refuse_kernel_scalars("take", (self, indices), {})
        return _wrap(super().take(_plain_tree(indices), *a, **k))

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


def _refuse_number_subclasses(name, args):
    # CuPy's kernels take a Python number by its exact type (int, float, complex, bool) or a NumPy scalar;
    # an int subclass (a tensor's size object, say) is refused on a GPU, where NumPy took it
    for v in args:
        if isinstance(v, (int, float, complex)) and type(v) not in (int, float, complex, bool) \
                and not isinstance(v, np.generic):
            raise TypeError(f"fake cupy: {name} got a {type(v).__name__} operand (CuPy takes only exact numbers)")


# Where else CuPy hands a Python scalar to a kernel as a CScalar (by exact type, as in its ufuncs), by position and
# keyword: full/full_like/copyto's fill value (copyto, cupy/_manipulation/basic.py), where's x and y and clip's
# bounds (ufuncs), a scalar index of take (_take_kernel_scalar, cupy/_core/_routines_indexing.pyx). Not refused, as
# CuPy converts them first: ndarray.fill and __setitem__'s value (numpy.asarray / core.array with the array's dtype),
# put's indices and values, arange's start/stop/step (cast to the dtype's type), shapes, axes and sizes.
_KERNEL_SCALARS = {
    "full": (1, "fill_value"), "full_like": (1, "fill_value"), "copyto": (1, "src"),
    "where": (1, 2, "x", "y"), "clip": (1, 2, "a_min", "a_max", "min", "max"), "take": (1, "indices"),
}


def _refuse_kernel_scalars(name, args, kwargs):
    spots = _KERNEL_SCALARS.get(name, ())
    _refuse_number_subclasses(name, [args[i] if isinstance(i, int) else kwargs.get(i) for i in spots
                                     if not isinstance(i, int) or i < len(args)])


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


def _stable_sort(name, a, axis, kind):
    """CuPy's sort and argsort are stable (a radix sort) and take no kind but None or 'stable'; NumPy's default
    quicksort is not stable, so ties came out in another order than on a GPU."""
    if kind not in (None, "stable"):
        raise NotImplementedError(f"cupy.{name}: kind={kind!r} is not supported")
    _refuse_host(name, (a,))
    return _wrap(getattr(np, name)(_plain(a), axis=axis, kind="stable"))


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
        self.linalg = _Linalg()
        self.fft = _Sub(np.fft)
        self.lib = types.SimpleNamespace(stride_tricks=_Sub(np.lib.stride_tricks))

    def diagonal(self, a, offset=0, axis1=0, axis2=1):
        return _writable_diagonal(a, offset, axis1, axis2)

    def argsort(self, a, axis=-1, kind=None):
        return _stable_sort("argsort", a, axis, kind)

    def sort(self, a, axis=-1, kind=None):
        return _stable_sort("sort", a, axis, kind)

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
        _refuse_kernel_scalars(name, args, kwargs)
        return _wrap(obj(*_plain_tree(args), **_plain_tree(kwargs)))
    return call


_errstate = {"linalg": "ignore"}   # cupyx.errstate's settings (CuPy's default leaves cuSOLVER's info unread)


class _Linalg(_Sub):
    """cupy.linalg: a failed factorization raises only under ``cupyx.errstate(linalg="raise")``, with cuSOLVER's
    words; otherwise the result is undefined (NaN here), as CuPy leaves devInfo unread."""

    _UNREAD = {"inv": "getrf", "solve": "getrf", "cholesky": "potrf"}

    def __init__(self):
        super().__init__(np.linalg)

    def __getattr__(self, name):
        call = super().__getattr__(name)
        routine = self._UNREAD.get(name)
        if routine is None:
            return call

        def checked(*args, **kwargs):
            try:
                return call(*args, **kwargs)
            except np.linalg.LinAlgError:
                if _errstate["linalg"] == "raise":
                    raise np.linalg.LinAlgError(f"Error reported by {routine} in cuSOLVER. devInfo = [1]. Please "
                                                "refer to the cuSOLVER documentation.") from None
                a = _plain(args[0])
                shape = a.shape if name != "solve" else \
                    np.linalg.solve(np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape), _plain(args[1])).shape
                return _wrap(np.full(shape, np.nan, dtype=np.result_type(a.dtype, np.float32)))
        return checked


class _ErrState:
    def __init__(self, linalg=None, **others):
        unknown = set(others) - {"divide", "over", "under", "invalid", "fallback_mode"}
        if unknown:
            raise TypeError(f"errstate() got an unexpected keyword argument {sorted(unknown)[0]!r}")
        if linalg not in (None, "ignore", "raise"):
            raise ValueError(f"invalid linalg mode: {linalg!r}")
        self._linalg = linalg

    def __enter__(self):
        self._saved = dict(_errstate)
        if self._linalg is not None:
            _errstate["linalg"] = self._linalg

    def __exit__(self, *exc):
        _errstate.update(self._saved)
        return False


_ATOMIC_ADD = (np.int32, np.float16, np.float32, np.float64, np.uint32, np.uint64)


def _scatter_add(a, slices, value):
    """``cupyx.scatter_add``: ``numpy.add.at``; with integer-array indices only atomicAdd's dtypes (of ``a``, as
    CuPy casts the values to it), a TypeError otherwise, as CuPy's."""
    _refuse_host("scatter_add", (a, value), slices if isinstance(slices, tuple) else (slices,))
    parts = slices if isinstance(slices, tuple) else (slices,)
    if any(isinstance(s, np.ndarray) and s.dtype.kind in "iu" for s in parts) and a.dtype.type not in _ATOMIC_ADD:
        raise TypeError("cupy.add.at only supports int32, float16, float32, float64, uint32, uint64, as data type")
    np.add.at(_plain(a), _plain_tree(slices), _plain(value))


def _special(name):
    def call(x, *args, **kwargs):   # a CuPy ufunc: device arrays in, device arrays out
        import scipy.special   # the stand-in's host kernel; CuPy itself needs no SciPy

        fn = getattr(scipy.special, name)
        _refuse_host(name, (x,) + args, tuple(kwargs.values()))
        return _wrap(fn(*_plain_tree((x,) + args), **_plain_tree(kwargs)))
    call.__name__ = name
    return call


def _lu_factor(a, overwrite_a=False, check_finite=True):
    """``cupyx.scipy.linalg.lu_factor`` (cupyx/scipy/linalg/_decomp_lu.py): one 2-D float or complex matrix;
    ``(lu, piv)`` with int32 0-based pivots; for a singular matrix a RuntimeWarning and NaN/inf where cuSOLVER's
    getrf divides by the zero pivot (SciPy leaves those entries finite)."""
    import warnings

    import scipy.linalg

    _refuse_host("lu_factor", (a,))
    if not isinstance(a, FakeCuPyArray):
        a = np.asarray(a).view(FakeCuPyArray)
    if a.ndim != 2:
        raise np.linalg.LinAlgError(f"{a.ndim}-dimensional array given. Array must be two-dimensional")
    if a.dtype.char not in "fdFD":
        raise NotImplementedError("Only float32, float64, complex64 and complex128 are supported.")
    plain = _plain(a)
    if check_finite and a.dtype.kind == "f" and not np.isfinite(plain).all():
        raise ValueError("array must not contain infs or NaNs")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lu, piv = scipy.linalg.lu_factor(plain, check_finite=False)
    k = min(plain.shape)
    zero = np.flatnonzero(np.diagonal(lu)[:k] == 0)
    if zero.size:
        lu = _getf2_dividing_by_zero(plain)
        warnings.warn(f"Diagonal number {zero[0] + 1} is exactly zero. Singular matrix.", RuntimeWarning, stacklevel=2)
    return np.asfortranarray(lu).view(FakeCuPyArray), piv.astype(np.int32).view(FakeCuPyArray)


def _getf2_dividing_by_zero(a):
    """LU with partial pivoting that, as cuSOLVER's getrf, divides the column below a zero pivot by it."""
    lu = np.array(a, dtype=a.dtype)
    m, n = lu.shape
    with np.errstate(all="ignore"):
        for j in range(min(m, n)):
            p = j + int(np.argmax(np.abs(lu[j:, j])))
            if p != j:
                lu[[j, p]] = lu[[p, j]]
            lu[j + 1:, j] /= lu[j, j]
            lu[j + 1:, j + 1:] -= np.outer(lu[j + 1:, j], lu[j, j + 1:])
    return lu


def _cupyx_modules():
    """``cupyx``, ``cupyx.scipy``, ``cupyx.scipy.special`` and ``cupyx.scipy.linalg`` as modules, for sys.modules."""
    cupyx = types.ModuleType("cupyx")
    cupyx.errstate = _ErrState
    cupyx.scatter_add = _scatter_add
    cupyx.geterr = lambda: dict(_errstate)
    scipy_ = types.ModuleType("cupyx.scipy")
    special = types.ModuleType("cupyx.scipy.special")
    for name in ("erf", "erfc", "erfinv"):
        setattr(special, name, _special(name))
    linalg = types.ModuleType("cupyx.scipy.linalg")
    linalg.lu_factor = _lu_factor
    cupyx.scipy, scipy_.special, scipy_.linalg = scipy_, special, linalg
    return {"cupyx": cupyx, "cupyx.scipy": scipy_, "cupyx.scipy.special": special, "cupyx.scipy.linalg": linalg}


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
    sys.modules.update(_cupyx_modules())
    # modules bound to_device at import: change the function's code, not the name
    original = backend.to_device
    backend._fake_original_to_device = types.FunctionType(original.__code__, original.__globals__, "to_device")
    backend._FakeCuPyArray = FakeCuPyArray
    original.__code__ = _fake_to_device.__code__


def _fake_to_device(array, device):
    device = normalize_device(device)  # noqa: F821  (backend's globals; "cpu:0" is the CPU, as in to_device)
    if device == "cpu" and isinstance(array, _FakeCuPyArray):  # noqa: F821  (backend's globals)
        return np.array(array.view(np.ndarray))
    if device != "cpu" and type(array) is np.ndarray or isinstance(array, (np.generic, int, float, list, tuple)):
        if device != "cpu":
            return np.array(array).view(_FakeCuPyArray)  # noqa: F821
    return _fake_original_to_device(array, device)  # noqa: F821


# Tests that only a real GPU can pass: the stand-in's memory is host memory.
NEEDS_A_REAL_GPU = {
    "tests/interop/test_dlpack.py::test_cupy_exchange_on_the_gpu[cuda]":
        "DLPack hands the stand-in's memory to torch as host memory, not as a CUDA tensor",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        reason = NEEDS_A_REAL_GPU.get(item.nodeid)
        if reason is not None:
            item.add_marker(pytest.mark.skip(reason=f"tools.fake_cupy: {reason}"))
