"""PyTorch's dtype names and dtype questions (``torch.float32``, ``torch.finfo``, ``torch.promote_types``, ...).

minigrad's dtypes are NumPy's, so each name is a ``numpy.dtype``: ``minigrad.float32 == numpy.float32``,
``tensor(x, dtype=minigrad.long)`` and ``t.to(minigrad.half)`` work wherever a NumPy dtype does. ``minigrad.float``,
``minigrad.int`` and ``minigrad.bool`` are attributes only: ``from minigrad import *`` leaves Python's builtins alone
(minigrad's ``__all__`` leaves them out; PyTorch's includes them).

``promote_types``, ``result_type`` and ``can_cast`` answer as PyTorch's type promotion does (an int64 and a float16
give float16, where NumPy says float64). minigrad's binary ops refuse two different floating dtypes rather than
promote (docs/autodiff.md section 15), so ``result_type`` says what PyTorch would compute, not what every minigrad op
accepts.
"""
from __future__ import annotations

import builtins
import numbers

import numpy as np

from minigrad import backend

float16 = half = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)  # noqa: A001  (torch.float is float32; an attribute, never star-imported)
float64 = double = np.dtype(np.float64)
int8 = np.dtype(np.int8)
int16 = short = np.dtype(np.int16)
int32 = int = np.dtype(np.int32)  # noqa: A001
int64 = long = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
uint16 = np.dtype(np.uint16)
uint32 = np.dtype(np.uint32)
uint64 = np.dtype(np.uint64)
bool = np.dtype(np.bool_)  # noqa: A001
complex64 = cfloat = np.dtype(np.complex64)   # complex tensors hold values (their autograd is refused, engine.py)
complex128 = cdouble = np.dtype(np.complex128)

NAMES = ("float16", "half", "float32", "float", "float64", "double", "int8", "int16", "short", "int32", "int", "int64",
         "long", "uint8", "uint16", "uint32", "uint64", "bool", "complex64", "cfloat", "complex128", "cdouble")
SHADOWING = ("float", "int", "bool")   # builtins' names: minigrad.__all__ leaves them out

_BOOL, _INTEGRAL, _FLOATING, _COMPLEX = 0, 1, 2, 3
_UNPROMOTED = ("uint16", "uint32", "uint64")   # PyTorch promotes these only with themselves and floats


def as_dtype(name, dtype, kinds="biuf"):
    """``dtype`` as a ``numpy.dtype`` of one of ``kinds`` (NumPy's letters: complex is "c"), or one TypeError naming
    ``name`` and the value."""
    try:
        out = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{name}: expected a dtype (minigrad.float32, numpy.int64, 'float64', ...), got {dtype!r}") \
            from None
    if out.kind not in kinds:
        raise TypeError(f"{name}: minigrad has no tensors of dtype {out}")
    return out


def _category(dtype):
    kind = dtype.kind
    return _BOOL if kind == "b" else _INTEGRAL if kind in "iu" else _COMPLEX if kind == "c" else _FLOATING


def get_default_dtype():
    """The default float dtype (``torch.get_default_dtype``): float32 unless ``set_default_dtype`` changed it."""
    return backend.DEFAULT_FLOAT


def set_default_dtype(d):
    """Make ``d`` the default float dtype (``torch.set_default_dtype``): the dtype of tensors made from Python floats
    or float data, of floating creators (zeros, rand, arange of floats, ...) and of layers' parameters made from
    now on, and the float that integer inputs of float-valued ops (``int_tensor / 2``, ``sqrt``) become. Tensors and
    calls with an explicit ``dtype=`` are unaffected. ``d``: float16, float32 or float64, as a minigrad/NumPy dtype,
    a NumPy type (``numpy.float64``) or its name; anything else is one TypeError naming it."""
    if d is builtins.float:   # NumPy reads it as float64, minigrad.float is float32: refuse the guess
        raise TypeError("set_default_dtype: got Python's float, which NumPy reads as float64 and minigrad.float "
                        "(torch.float) is float32; pass minigrad.float32 or minigrad.float64")
    try:
        dtype = np.dtype(d) if d is not None else None   # np.dtype(None) would be float64
    except (TypeError, ValueError):
        dtype = None
    if dtype is None or dtype not in (float16, float32, float64):   # (None == float64 in NumPy); no float128
        raise TypeError(f"set_default_dtype: only floating-point types are supported as the default type "
                        f"(float16, float32, float64), got {d!r}")
    backend.DEFAULT_FLOAT = dtype


class finfo:
    """Machine limits of a floating dtype, under PyTorch's names (``torch.finfo``): ``bits``, ``eps``, ``max``,
    ``min``, ``tiny`` (= ``smallest_normal``), ``resolution`` and ``dtype`` (its name, a str). Without an argument,
    the default dtype's."""

    def __init__(self, type=None):  # noqa: A002  (torch's argument name)
        dtype = get_default_dtype() if type is None else as_dtype("finfo", type, "biufc")
        if dtype.kind == "c":   # torch's: the limits of each part
            dtype = np.finfo(dtype).dtype
        if dtype.kind != "f":
            raise TypeError(f"finfo() requires a floating point input type, got {dtype}. Use minigrad.iinfo to "
                            "handle it")
        info = np.finfo(dtype)
        self.bits = info.bits
        self.eps, self.max, self.min = builtins.float(info.eps), builtins.float(info.max), builtins.float(info.min)
        self.tiny = self.smallest_normal = builtins.float(info.smallest_normal)
        self.resolution = 10.0 ** -info.precision   # PyTorch's: a power of ten, not rounded to the dtype
        self.dtype = dtype.name

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype, under PyTorch's names (``torch.iinfo``): ``bits``, ``max``, ``min``, ``dtype``."""

    def __init__(self, type):  # noqa: A002
        dtype = as_dtype("iinfo", type)
        if dtype.kind not in "iu":
            raise TypeError(f"iinfo() requires an integer input type, got {dtype}. Use minigrad.finfo to handle it")
        info = np.iinfo(dtype)
        self.bits, self.dtype = info.bits, dtype.name
        self.max, self.min = builtins.int(info.max), builtins.int(info.min)

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"


def promote_types(type1, type2):
    """The dtype PyTorch computes a binary op of ``type1`` and ``type2`` in (``torch.promote_types``): bool < any
    integer < any float < any complex; two integers, two floats, or a float and a complex as NumPy (float64 with
    complex64 is complex128); uint16/32/64 only with themselves or a real float (else one TypeError, where PyTorch
    raises a RuntimeError)."""
    a, b = as_dtype("promote_types", type1, "biufc"), as_dtype("promote_types", type2, "biufc")
    if a == b:
        return a
    ca, cb = _category(a), _category(b)
    if _FLOATING not in (ca, cb) and (a.name in _UNPROMOTED or b.name in _UNPROMOTED):
        raise TypeError(f"promote_types: PyTorch does not promote uint16, uint32 and uint64 with other integer, "
                        f"bool or complex types, got {a} and {b}")
    if ca != cb and min(ca, cb) < _FLOATING:
        return a if ca > cb else b
    return np.promote_types(a, b)


def _participant(x):
    """(group, dtype): 0 a tensor with dims, 1 a 0-d tensor, 2 a Python number (its default dtype)."""
    from minigrad.autograd.tensor import Tensor

    if isinstance(x, Tensor):
        return (0 if x.ndim else 1), x.dtype
    if isinstance(x, (np.bool_, builtins.bool)):
        return 2, bool
    if isinstance(x, numbers.Integral):
        return 2, int64
    if isinstance(x, numbers.Real):
        return 2, get_default_dtype()
    if isinstance(x, numbers.Complex):   # the complex dtype of the default float's precision, as torch's
        return 2, np.promote_types(get_default_dtype(), complex64)
    raise TypeError(f"result_type: expected Tensors or numbers, got {type(x).__name__}")


def _combine(higher, lower):
    # PyTorch's rule: a lower-priority group changes the result only by raising its category
    if higher is None:
        return lower
    if lower is None:
        return higher
    if _category(lower) == _COMPLEX and _category(higher) == _FLOATING:   # the complex of higher's precision
        return np.promote_types(higher, complex64)
    if _category(higher) >= _FLOATING:
        return higher
    if _category(higher) == _BOOL or _category(lower) >= _FLOATING:
        return promote_types(higher, lower)
    return higher


def result_type(tensor1, tensor2):
    """The dtype PyTorch gives an arithmetic op on ``tensor1`` and ``tensor2``, Tensors or numbers
    (``torch.result_type``): tensors with dims decide; a 0-d tensor or a Python number counts only where it is of a higher category (an int64
    tensor plus 2.5 is float32, an int8 tensor plus a 0-d int64 tensor stays int8)."""
    groups = [None, None, None]
    for x in (tensor1, tensor2):
        group, dtype = _participant(x)
        groups[group] = dtype if groups[group] is None else promote_types(groups[group], dtype)
    return _combine(groups[0], _combine(groups[1], groups[2]))


def can_cast(from_, to):
    """True unless the cast goes down a category (float to integer or bool, integer to bool), as ``torch.can_cast``."""
    return _category(as_dtype("can_cast", from_, "biufc")) <= _category(as_dtype("can_cast", to, "biufc"))
