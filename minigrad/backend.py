"""The one place that knows NumPy from CuPy.

Every other module asks this one for the array library (``xp``) that holds an
array, for a device's library, or to move an array between devices. CuPy is
imported lazily, the first time a ``cuda`` device is asked for, so the CPU path
never needs it.

Devices are strings: ``"cpu"``, ``"cuda"`` (the current GPU, stored as
``"cuda:0"``) or ``"cuda:N"``. The default device comes from the
``MINIGRAD_DEVICE`` environment variable, else ``"cpu"``.
"""
from __future__ import annotations

import contextlib
import math
import os

import numpy as np

from minigrad.determinism import alert_nondeterministic
from minigrad.scalars import as_integer

# The default float dtype (torch's default dtype): of Python floats, float data and new parameters. The one copy:
# ``minigrad.set_default_dtype`` rebinds it, so every reader looks it up as ``backend.DEFAULT_FLOAT`` when it runs,
# never binds it at import (``from minigrad.backend import DEFAULT_FLOAT`` or a ``dtype=`` default would freeze it;
# tests/test_default_dtype.py checks the source for both).
DEFAULT_FLOAT = np.dtype(np.float32)

_cupy = None  # the cupy module once imported; False once known to be missing
_cupy_error = ""


def _load_cupy():
    """Import CuPy on first use and remember the answer (or why it failed)."""
    global _cupy, _cupy_error
    if _cupy is None:
        try:
            import cupy  # the only import of CuPy in minigrad

            cupy.cuda.runtime.getDeviceCount()
            _cupy = cupy
        except Exception as exc:  # ImportError, or CUDA driver/runtime errors
            _cupy = False
            _cupy_error = f"{type(exc).__name__}: {exc}"
    return _cupy or None


def cupy_installed() -> bool:
    """True when CuPy can be found by the import system (it is not imported, and no GPU is asked for)."""
    import importlib.util

    return importlib.util.find_spec("cupy") is not None


def cuda_available() -> bool:
    """True when CuPy imports and sees at least one CUDA GPU."""
    cp = _load_cupy()
    if cp is None:
        return False
    try:
        return cp.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def _require_cupy():
    cp = _load_cupy()
    if cp is None:
        raise RuntimeError(
            "device 'cuda' needs CuPy and a CUDA GPU, but CuPy is not usable here "
            f"({_cupy_error}). Install it with `pip install minigrad[cuda12]` "
            "(or `minigrad[cuda13]`) on a machine with an NVIDIA GPU."
        )
    return cp


class device(str):  # noqa: N801  (torch's name)
    """Where a tensor lives, as ``torch.device``: ``device("cpu")``, ``device("cuda:1")``, ``device("cuda", 1)``.

    It is the device string itself (``x.device == "cpu"`` holds), with torch's ``type`` (``"cpu"`` or
    ``"cuda"``) and ``index`` (the GPU's number, None when not given), and it is accepted wherever a device
    string is. ``"cuda"`` without a number stays so here, as in torch; ``.to("cuda")`` uses GPU 0. ``"cpu:0"``
    (``device("cpu", 0)``), or any ``"cpu:N"``, is torch's CPU with an index, the CPU wherever a device is taken.
    """

    def __new__(cls, type_or_name="cpu", index=None):
        if type(type_or_name) is cls and index is None:
            return type_or_name
        if not isinstance(type_or_name, str):
            raise TypeError(f"device: expected a device name such as 'cpu' or 'cuda:0', got "
                            f"{type(type_or_name).__name__} {type_or_name!r}")
        name = type_or_name.strip().lower()
        if index is not None:
            value = as_integer(index)
            if value is None or value < 0 or ":" in name:
                raise ValueError(f"device: index must be an int >= 0 given with a bare type ('cuda'), got "
                                 f"type {type_or_name!r} and index {index!r}")
            name = f"{name}:{value}"
        kind, colon, number = name.partition(":")
        if kind not in ("cpu", "cuda") or (colon and not number.isdigit()):
            raise ValueError(f"Unknown device {type_or_name!r}: expected 'cpu', 'cuda' or 'cuda:N'")
        return str.__new__(cls, name)

    @property
    def type(self) -> str:  # noqa: A003  (torch's name)
        return self.partition(":")[0]

    @property
    def index(self):
        number = self.partition(":")[2]
        return int(number) if number else None


_CPU = device("cpu")
_CANONICAL = {"cpu": _CPU}


def normalize_device(where) -> device:
    """Turn ``None``, ``"cpu"``, ``"cuda"``, ``"cuda:N"`` (or a ``device``) into the canonical ``device``."""
    if where is None:
        where = default_device()
    if not isinstance(where, str):  # a Tensor or array says where it lives; anything else by its str()
        on = getattr(where, "device", None)
        where = on if isinstance(on, str) else str(where)
    canonical = _CANONICAL.get(where)
    if canonical is not None:
        return canonical
    dev = where.strip().lower()
    if dev == "cuda" or dev == "gpu":
        dev = "cuda:0"
    elif dev.startswith("cpu:") and dev[4:].isdigit():   # torch names the one CPU device with any index
        dev = "cpu"
    elif dev.startswith("cuda:") and dev[5:].isdigit():
        dev = f"cuda:{int(dev[5:])}"   # cuda:00 is cuda:0
    if dev == "meta":
        # torch.func's model-ensembling recipe moves its base model there only to drop the weights
        raise ValueError("Unknown device 'meta': expected 'cpu', 'cuda' or 'cuda:N'; minigrad has no meta "
                         "device (tensors without data). functional_call and vmap over stacked parameters take "
                         "the base model as it is, so drop the .to('meta')")
    if dev != "cpu" and not (dev.startswith("cuda:") and dev[5:].isdigit()):
        raise ValueError(f"Unknown device {where!r}: expected 'cpu', 'cuda' or 'cuda:N'")
    return _CANONICAL.setdefault(dev, device(dev))


_set_default = None   # set_default_device's device, else None: $MINIGRAD_DEVICE or the CPU


def default_device() -> device:
    """The device new tensors go to: ``set_default_device``'s, else ``$MINIGRAD_DEVICE``, else ``"cpu"``."""
    if _set_default is not None:
        return _set_default
    env = os.environ.get("MINIGRAD_DEVICE", "").strip()
    return normalize_device(env) if env else _CPU


def set_default_device(device) -> None:
    """Where new tensors go when no device is given (``torch.set_default_device``); None goes back to
    ``$MINIGRAD_DEVICE`` or the CPU."""
    global _set_default
    _set_default = None if device is None else normalize_device(device)


def get_default_device() -> device:
    """The device new tensors go to (``torch.get_default_device``)."""
    return default_device()


def xp_for(device: str):
    """The array module (``numpy`` or ``cupy``) for a canonical device string."""
    if device == "cpu":
        return np
    return _require_cupy()


def free_pooled_memory() -> None:
    """Return the unused blocks of CuPy's memory pools (device and pinned host) to the driver."""
    cp = _require_cupy()
    cp.get_default_memory_pool().free_all_blocks()
    cp.get_default_pinned_memory_pool().free_all_blocks()


def cuda_device_count() -> int:
    """How many CUDA GPUs CuPy sees (0 without CuPy)."""
    return _load_cupy().cuda.runtime.getDeviceCount() if cuda_available() else 0


def nccl():
    """CuPy's NCCL bindings (``cupy.cuda.nccl``), or None where CuPy or NCCL is missing.

    Only ``minigrad.distributed`` asks for it, so CuPy stays the one GPU import of minigrad.
    """
    cp = _load_cupy()
    if cp is None:
        return None
    try:
        from cupy.cuda import nccl as cupy_nccl
    except Exception:  # ImportError, or CuPy built without NCCL
        return None
    return cupy_nccl if getattr(cupy_nccl, "available", True) else None


def _gpu_number(device) -> int:
    """The GPU a CUDA device names: ``"cuda"`` is GPU 0, as everywhere else."""
    return normalize_device(device).index


def using_device(device: str):
    """A context manager that makes ``device`` CUDA's current GPU (nothing happens for the CPU)."""
    device = normalize_device(device)   # "cpu:0" and mg.device("cpu", 0) are the CPU, not a GPU
    if device == "cpu":
        return contextlib.nullcontext()
    return _require_cupy().cuda.Device(_gpu_number(device))


def current_stream_pointer(device: str) -> int:
    """The raw handle of CuPy's current stream on ``device`` (what NCCL calls are queued on)."""
    cp = _require_cupy()
    with cp.cuda.Device(_gpu_number(device)):
        return cp.cuda.get_current_stream().ptr


class _NumpyZeros(dict):
    """``NUMPY_ZERO[dtype.char]``: a read-only 0-d NumPy zero of that dtype, made on first use. Handed to a ufunc
    instead of a Python 0, which NumPy 2 converts to an array on every call (about 2,700 instructions of a call's
    7,000 on a small array, measured). Keyed by ``dtype.char``: hashing a dtype costs about 700 instructions."""

    def __missing__(self, char):
        zero = np.zeros((), char)
        zero.flags.writeable = False
        self[char] = zero
        return zero


NUMPY_ZERO = _NumpyZeros()


def get_array_module(array):
    """The array module that holds ``array`` (NumPy for anything that is not a CuPy array)."""
    if type(array) is np.ndarray or _cupy is None or _cupy is False:
        return np
    return _cupy if isinstance(array, _cupy.ndarray) else np


HALF = np.dtype(np.float16)   # NumPy's builtin dtypes are singletons: compared by identity
_FLOAT16_SCALAR = np.float16   # the scalar type, which callers pass too (F.astype(g, np.float16)); a global, not np.'s


def quiet_if_half(dtype, fn, /, *args, **kwargs):
    """``fn(*args, **kwargs)``, with NumPy's overflow warning off when ``dtype`` (the dtype written) is float16.

    torch rounds a value past float16's largest (65504) to inf silently, in its casts and in its half ops, which
    compute in float32 and round once; NumPy warns "overflow encountered in cast" (or in the op), an error under
    ``python -W error``. The casts and writes silence it here, through ``cast`` and ``assign``, or by calling this
    for a float16 target only: on the hot paths (a Python number meeting a tensor, ``tensor(data, dtype)``) the call
    itself, 200 ns, was 10% of ``x * 2.0``. (Ops that compute float16 in float32, ``_args.half_in_float32``, hold
    their own ``errstate``.) Overflow in float32 and float64 arithmetic is left to NumPy's warning, as everywhere
    in minigrad (x * 1e30, exp(100)).
    """
    if dtype is HALF or dtype is _FLOAT16_SCALAR:
        with np.errstate(over="ignore"):
            return fn(*args, **kwargs)
    return fn(*args, **kwargs)


def cast(array, dtype, copy=True):
    """``array.astype(dtype, copy=copy)``, a float16 target past 65504 being inf silently (see ``quiet_if_half``);
    written out rather than through it, since every cast (gradients cast back included) comes here."""
    if dtype is HALF or dtype is _FLOAT16_SCALAR:
        with np.errstate(over="ignore"):
            return array.astype(dtype, copy=copy)
    return array.astype(dtype) if copy else array.astype(dtype, copy=False)   # no keyword: 20 ns less


def assign(array, index, value):
    """``array[index] = value``, a float16 ``array`` taking a value past 65504 as inf silently (``quiet_if_half``);
    written out, as ``cast``: every unrecorded write (``x[i] = v``, ``copy_``) comes here."""
    if array.dtype is HALF:
        with np.errstate(over="ignore"):
            array[index] = value
        return
    array[index] = value


def is_array(value) -> bool:
    """True for a backend array: a NumPy or a CuPy ndarray."""
    return isinstance(value, np.ndarray) or get_array_module(value) is not np


def device_of(array) -> str:
    """The device string of a backend array."""
    if type(array) is np.ndarray or _cupy is None or _cupy is False:
        return _CPU
    if isinstance(array, _cupy.ndarray):
        return normalize_device(f"cuda:{array.device.id}")
    return _CPU


def to_device(array, device: str):
    """Return ``array`` on ``device`` (the same object when it is already there)."""
    device = normalize_device(device)   # "cpu:0" and mg.device("cpu", 0) are the CPU, not a GPU
    if device == "cpu":
        if isinstance(array, np.ndarray):
            return array
        if _cupy and isinstance(array, _cupy.ndarray):
            return _cupy.asnumpy(array)
        return np.asarray(array)
    cp = _require_cupy()
    index = device.index
    if isinstance(array, cp.ndarray) and array.device.id == index:
        return array
    with cp.cuda.Device(index):
        return cp.asarray(array)


def to_numpy(array) -> np.ndarray:
    """A host (NumPy) copy or view of a backend array."""
    return to_device(array, "cpu")


def synchronize(device: str | None = None) -> None:
    """Wait for queued GPU work (a no-op on the CPU); benchmarks call it before reading a clock."""
    device = normalize_device(device)
    if device != "cpu":
        _require_cupy().cuda.Device(int(device.split(":")[1])).synchronize()


def bincount(xp, x, weights=None, minlength=0):
    """``xp.bincount(x, weights=weights, minlength=minlength)``, an empty ``x`` included: ``minlength`` zeros (int64,
    float64 with weights), as NumPy gives. CuPy before 14.2 sizes the result by ``int(cupy.max(x))`` first
    (cupy/_statistics/histogram.py), a ValueError for an empty array."""
    if x.size == 0:
        return xp.zeros(int(minlength), dtype=np.int64 if weights is None else np.float64)
    return xp.bincount(x, weights=weights, minlength=minlength)


@contextlib.contextmanager
def linalg_errors_raised(xp, message):
    """A context in which a failed factorization (a singular matrix for inv/solve, one not positive-definite for
    cholesky) raises ``numpy.linalg.LinAlgError`` for arrays of ``xp``, as NumPy's LAPACK calls always do; on CuPy
    with ``message`` (NumPy's words: "Singular matrix"), not cuSOLVER's "devInfo = [...]".

    CuPy's cuSOLVER/cuBLAS calls leave their info unread unless ``cupyx.errstate(linalg="raise")`` is on (the
    ``linalg`` setting defaults to "ignore"; see the warnings in cupy.linalg.inv/solve/cholesky and
    cupy/linalg/_util.py): a singular matrix then gives an undefined result with no error. Reading the info costs
    one device-to-host sync per call.
    """
    if xp is np:
        yield
        return
    import cupyx  # part of CuPy itself; only reached for CuPy arrays

    try:
        with cupyx.errstate(linalg="raise"):
            yield
    except np.linalg.LinAlgError as err:
        raise np.linalg.LinAlgError(message) from err


def scatter_add(target, index, values, distinct=False) -> None:
    """``target[index] += values`` in place, with repeated indices adding up (``numpy.add.at``).

    ``distinct=True`` promises that the index names no element twice: NumPy then takes the plain (faster) fancy
    ``+=``, and on CuPy no two atomic adds meet, so the result does not depend on their order (no nondeterminism
    alert). On CuPy the scatter is one kernel where ``target[index] += values`` runs three (gather, add,
    scatter): 55 against 173 us of host time for cross-entropy's one-hot at (256, 10), measured on an H200.
    """
    if get_array_module(target) is np:
        if distinct:
            target[index] += values
        else:
            np.add.at(target, index, values)
        return
    import cupyx  # CuPy's unbuffered scatter-add; only reached for CuPy arrays

    if not distinct:
        alert_nondeterministic("scatter-add on CUDA")
    cupyx.scatter_add(target, index, values)


_erf = {}  # (array module, name) -> the ufunc of erf or one of its kin (erfc, erfinv), once found

SCIPY_INSTALL = 'pip install "minigrad[scipy]"'


def special_function(xp, name):
    """The ufunc ``name`` ("erf", "erfc", "erfinv") for arrays of ``xp``: ``scipy.special``'s for NumPy,
    ``cupyx.scipy.special``'s for CuPy. Both keep float32 as float32. Imported on first use, so ``import minigrad``
    never needs SciPy; without it this raises one ImportError that names the function and says how to install it.
    """
    fn = _erf.get((xp, name))
    if fn is None:
        if xp is np:
            try:
                import scipy.special
            except ImportError as err:
                raise ImportError(f"{name} needs SciPy, which is not installed here: {SCIPY_INSTALL} ({err})") from None
            fn = getattr(scipy.special, name)
        else:
            import cupyx.scipy.special  # part of CuPy itself: the GPU needs no SciPy

            fn = getattr(cupyx.scipy.special, name)
        _erf[(xp, name)] = fn
    return fn


def erf_function(xp):
    """The error function ufunc for arrays of ``xp`` (see ``special_function``)."""
    return special_function(xp, "erf")


def from_dlpack(obj):
    """The array behind a DLPack producer (``__dlpack__``), without copying: NumPy for host memory, CuPy for CUDA.

    What the receiving library cannot hold (a dtype NumPy lacks, such as JAX's bfloat16) is one
    ``BufferError`` naming the object's type, shape and dtype.
    """
    if not hasattr(obj, "__dlpack__") or not hasattr(obj, "__dlpack_device__"):
        raise TypeError(
            f"from_dlpack: expected an object with __dlpack__ and __dlpack_device__ (a NumPy, CuPy, PyTorch or "
            f"JAX array), got {type(obj).__name__}"
        )
    kind = int(obj.__dlpack_device__()[0])
    if kind in (1, 3):  # kDLCPU, kDLCUDAHost (pinned host memory)
        take = np.from_dlpack
    elif kind in (2, 13):  # kDLCUDA, kDLCUDAManaged
        take = _require_cupy().from_dlpack
    else:
        raise ValueError(f"from_dlpack: DLPack device type {kind} is not supported (only CPU and CUDA)")
    try:
        return take(obj)
    except (BufferError, RuntimeError, TypeError) as err:  # NumPy says only "Unsupported dtype in DLTensor"
        why = str(err).rstrip(".")
        hint = " Cast it to a NumPy dtype in its own library first (e.g. x.astype('float32'))" \
            if "dtype" in why.lower() else ""
        raise BufferError(
            f"from_dlpack: cannot take a {type(obj).__name__} of shape {tuple(getattr(obj, 'shape', ()))} and "
            f"dtype {getattr(obj, 'dtype', '?')} without copying: {why}.{hint}"
        ) from err


def to_dlpack(array, **kwargs):
    """``array.__dlpack__(**kwargs)``, with a refusal explained: shape, dtype, strides and why.

    A reversed view (a negative stride along an axis of more than one element) goes out as a compact copy, which
    DLPack's ``copy=None`` allows: PyTorch 2.13 takes NumPy's negative strides into its storage-size check, which
    overflows and aborts the whole process from C++ (no Python exception). ``copy=False`` refuses it instead.
    """
    if any(n > 1 and step < 0 for n, step in zip(array.shape, array.strides)) and 0 not in array.shape:
        if kwargs.get("copy") is False:
            raise BufferError(
                f"Tensor.__dlpack__: cannot export a tensor of shape {tuple(array.shape)}, dtype {array.dtype} and "
                f"strides {tuple(array.strides)} (bytes) without copying (copy=False): a negative stride (a "
                "reversed view) aborts PyTorch's reader. Export a copy instead: mg.tensor(t, dtype=t.dtype)")
        array = get_array_module(array).ascontiguousarray(array)
    try:
        return array.__dlpack__(**kwargs)
    except BufferError as err:
        why = str(err)
        if not getattr(array.flags, "writeable", True) and kwargs.get("max_version") is None:
            # JAX asks without max_version: the old DLPack it then gets has no read-only flag.
            why = ("its memory is read-only (a JAX array's, or a broadcast view) and the consumer asked for the "
                   "old DLPack format, which cannot mark memory read-only (JAX asks that way)")
        raise BufferError(
            f"Tensor.__dlpack__: cannot export a tensor of shape {tuple(array.shape)}, dtype {array.dtype} and "
            f"strides {tuple(array.strides)} (bytes) without copying: {why}. "
            "Export a copy instead: mg.tensor(t, dtype=t.dtype)"
        ) from err


def lu_factor(a):
    """LAPACK's getrf (LU with partial pivoting) of every matrix in ``a`` (..., m, n): ``(lu, pivots, info)``.

    ``lu`` packs L (unit lower, its diagonal not stored) and U as LAPACK does, in ``a``'s dtype; ``pivots``
    (..., min(m, n)) are LAPACK's 0-based row interchanges (int64); ``info`` (...) is 0, or i > 0 when U[i-1, i-1]
    is exactly zero (int32), as LAPACK reports it. NumPy arrays go to ``scipy.linalg.lu_factor`` (``numpy.linalg``
    has no LU), CuPy arrays to ``cupyx.scipy.linalg.lu_factor`` (cuSOLVER's getrf; ``cupy.linalg`` has no LU either).
    Both take one matrix at a time, so the batch is one call per matrix, as SciPy's own batching does.
    """
    import warnings

    xp = get_array_module(a)
    if xp is np:
        try:
            import scipy.linalg as sla
        except ImportError as err:
            raise ImportError(f"LU factorization needs SciPy, which is not installed here: {SCIPY_INSTALL} "
                              f"({err})") from None
    else:
        import cupyx.scipy.linalg as sla  # part of CuPy itself
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    flat = a.reshape((math.prod(batch), m, n))   # not -1: NumPy refuses it for an empty matrix or batch
    lu = xp.zeros_like(flat)
    pivots = xp.zeros((flat.shape[0], k), dtype=np.int64)
    if k:
        with warnings.catch_warnings():   # SciPy warns of an exact zero on U's diagonal: it is reported in info
            warnings.simplefilter("ignore")
            for i in range(flat.shape[0]):
                lu[i], pivots[i] = sla.lu_factor(flat[i], check_finite=False)
            if xp is not np:
                _refactor_singular_on_host(flat, lu, pivots)
    lu, pivots = lu.reshape(a.shape), pivots.reshape(batch + (k,))
    diag = xp.diagonal(lu, axis1=-2, axis2=-1)
    zero = diag == 0
    info = xp.where(zero.any(axis=-1), xp.argmax(zero, axis=-1) + 1, 0).astype(np.int32) if k else \
        xp.zeros(batch, dtype=np.int32)
    return lu, pivots, info


def _refactor_singular_on_host(flat, lu, pivots):
    """Factor again, with SciPy on the host, each matrix cuSOLVER's getrf turned non-finite.

    At an exactly zero pivot LAPACK skips the division of the column below it; cuSOLVER divides, so a singular
    matrix whose zero pivot is not in its last column gets NaN and inf factors (and a NaN, not a zero, on U's
    diagonal, which would hide it from ``info``). Only such matrices go to the host.
    """
    xp = get_array_module(lu)
    broken = ~xp.isfinite(lu).all(axis=(1, 2)) & xp.isfinite(flat).all(axis=(1, 2))
    redo = to_numpy(xp.flatnonzero(broken)).tolist()
    if not redo:
        return
    try:
        import scipy.linalg as host_linalg
    except ImportError as err:
        raise ImportError(f"LU of a singular matrix on a GPU is finished on the host, with SciPy, which is not "
                          f"installed here: {SCIPY_INSTALL} ({err})") from None
    for i in redo:
        factors, interchanges = host_linalg.lu_factor(to_numpy(flat[i]), check_finite=False)
        lu[i], pivots[i] = xp.asarray(factors), xp.asarray(interchanges)
