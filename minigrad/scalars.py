"""What counts as an integer or a real number where an argument wants one: Python's and NumPy's, never a bool
(``is_real_or_bool`` is the one exception: the float arguments that torch reads True and False in as 1 and 0).

``True`` is an ``int`` to Python, but ``Linear(True, 2)`` or ``stride=True`` is a mistake, not a 1; NumPy
scalars (``np.int64(3)``, ``np.float32(0.1)``) are accepted, as PyTorch accepts them. The layers
(``nn/arguments.py``), the optimizers (``optim/validation.py``) and the ops' window arguments use these;
``as_integer`` also hands the Python int onward.
"""
from __future__ import annotations

import numbers

import numpy as np


def is_integer(value) -> bool:
    """True for an integer (Python or NumPy), False for a bool, a float and anything else."""
    # a plain int first: the ABC check costs about five times as much, and creation's sizes ask it per dim
    return type(value) is int or (isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)))


def as_integer(value):
    """``value`` as a Python int when it is an integer (Python or NumPy, not a bool), else None.

    The one rule for an integer argument: callers refuse None with their own message naming the op and argument,
    and pass the int on, so no NumPy scalar reaches the arithmetic (under NumPy 2's promotion an ``np.int64`` times
    a float32 array is float64). Narrower than torch's (any ``__index__`` but a bool): a 0-d integer Tensor, which
    torch takes as ``torch.zeros(torch.tensor(3))``, is refused here.
    """
    return int(value) if is_integer(value) else None


def zero_d_integer(value):
    """A 0-d integer Tensor or array as the Python int it holds, as torch takes one where it takes an int
    (``zeros(lengths.max(), d)``, ``dataset[torch.randint(n, ())]``); any other value as it is."""
    dtype = getattr(value, "dtype", None)
    if getattr(value, "ndim", None) == 0 and dtype is not None and np.dtype(dtype).kind in "iu":
        return int(value)
    return value


def is_real(value) -> bool:
    """True for a real number (Python or NumPy, nan and inf included), False for a bool and anything else."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def is_real_or_bool(value) -> bool:
    """True for a real number or a bool, Python's or NumPy's: where torch reads a float argument (an activation's
    slope or bound, an eps, a margin, a dropout rate) True and False are the numbers 1 and 0 to it, as
    ``float(value)`` reads them. The layers' number arguments use this (``nn/arguments.py``)."""
    return isinstance(value, (numbers.Real, np.bool_))   # a Python bool is a numbers.Real, a NumPy bool is not


_FLOAT32, _FLOAT64 = np.dtype(np.float32), np.dtype(np.float64)   # builtin dtypes are singletons: identity tests
FLOAT32_MAX = float(np.finfo(np.float32).max)
FLOAT16_MAX = 65504   # float16's largest, the smallest of the float dtypes' largest: every float dtype holds up to it
INT64_MIN, INT64_MAX, UINT64_MAX = -2 ** 63, 2 ** 63 - 1, 2 ** 64 - 1   # torch's Scalar reads an int in int64..uint64


def check_fits(op_name, value, dtype):
    """Refuse, naming ``op_name``, a number ``value`` (or 0-d tensor or array) that ``dtype`` cannot hold.

    NumPy raises a bare "Python integer 1000 out of bounds for int8" deep inside the write, and casts NaN, inf and
    a float past the range to garbage (int32 NaN is -2**31, int8 70000.0 is 112); torch raises for all of them. The
    one value torch wraps, a negative integer for an unsigned dtype (uint8's -1 is 255, down to -255), is refused
    here: the writes of a number wrap it first, through ``fill_number``, which then calls this. A float within the
    range passes, truncated by NumPy's cast as by torch's. For a floating or complex dtype a finite number (either
    part of a complex one) past its largest (1e40 for float32 and complex64, 70000 for float16: the cast gives inf)
    and, for any real dtype, a complex number with an imaginary part (the cast drops it) are refused, as torch's:
    RuntimeError. For every dtype, bool included, a Python int past 64 bits (below int64's lowest or above uint64's
    largest), which torch cannot read as a Scalar at all ("int too big to convert"), is its OverflowError
    (``check_64_bits``); a bool dtype takes any other number, as torch's (nonzero is True).
    """
    dtype = np.dtype(dtype)
    if type(value) is float and (dtype is _FLOAT64 or (dtype is _FLOAT32 and -FLOAT32_MAX <= value <= FLOAT32_MAX)):
        return   # the common write (x[i] = 0.5), decided without finfo: it runs on every x[index] = number
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
        value = value.item()
    check_64_bits(op_name, value)
    kind = dtype.kind
    if kind not in "iufc":
        return
    if kind != "c" and isinstance(value, (complex, np.complexfloating)) and value.imag != 0:   # NumPy's cast drops it
        raise RuntimeError(f"{op_name}: the complex value {complex(value)!r} does not fit dtype {dtype} (its "
                            "imaginary part would be dropped; torch refuses it too); pass a complex dtype or the real "
                            "part")
    if kind in "fc":
        _check_fits_float(op_name, value, dtype)
        return
    if isinstance(value, (complex, np.complexfloating)):
        value = value.real   # 300 + 0j for int8: its real part is range-checked below, as torch's
    if is_integer(value) and not holds(dtype, value):
        info = np.iinfo(dtype)
        raise RuntimeError(f"{op_name}: the value {short_number(value)} is out of range for dtype {dtype} "
                           f"({info.min} to {info.max})")
    if is_real(value) and not is_integer(value):
        info = np.iinfo(dtype)
        if not info.min <= float(value) <= info.max:   # exact in Python, and False for NaN
            raise RuntimeError(f"{op_name}: the value {float(value)!r} is out of range for dtype {dtype} "
                               f"({info.min} to {info.max})")


def check_64_bits(op_name, value):
    """Refuse a Python int past 64 bits (below int64's lowest or above uint64's largest) for any dtype: torch cannot
    read it as a Scalar ("int too big to convert"), OverflowError as torch's. A NumPy integer always fits."""
    if type(value) is int and not INT64_MIN <= value <= UINT64_MAX:
        raise OverflowError(f"{op_name}: the integer {short_number(value)} is past 64 bits, which no tensor dtype "
                            f"holds (torch's scalars are at most 64-bit: {INT64_MIN} to {UINT64_MAX}; it refuses it "
                            "too)")


def fill_number(op_name, value, dtype):
    """The number (or 0-d tensor or array) ``value`` to write into ``dtype``, as torch converts a Scalar there: the
    one rule of ``full``, ``fill_``, ``masked_fill``, ``index_fill``, ``scatter``'s value, ``index_add``'s alpha and
    ``x[index] = number``. A negative integer for an unsigned dtype wraps, down to minus the dtype's largest (uint8's
    -1 is 255, -255 is 1: ``wrapped_unsigned``, as addcmul's value and clamp's bounds); what the dtype still cannot
    hold (uint8's -256, int8's 300, NaN for an integer dtype, 1e40 for float32, an int past 64 bits for any dtype) is
    refused by ``check_fits``, naming ``op_name``. For an unsigned dtype a 0-d tensor or array comes back as the
    number it holds; for a bool dtype a Python or NumPy number comes back as the bool it is (NumPy's write of 2**63
    into a bool array overflowed a C long); any other value as it is."""
    dtype = np.dtype(dtype)
    kind = dtype.kind
    if kind == "u":
        if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
            value = value.item()
        value = wrapped_unsigned(value, dtype)
    check_fits(op_name, value, dtype)
    if kind in "iu" and isinstance(value, (complex, np.complexfloating)):
        value = value.real   # 1 + 0j (check_fits refused an imaginary part and range-checked the real one)
    if kind == "b" and isinstance(value, (numbers.Number, np.bool_)):
        return bool(value)
    return value


def _check_fits_float(op_name, value, dtype):
    """A finite number past the float dtype's largest, which the cast would make inf, is refused, as torch's."""
    if not is_real(value) and not isinstance(value, (complex, np.complexfloating)):
        return
    # a complex value's parts are cast one by one: either may overflow (an int here is of 64 bits: check_64_bits)
    parts = (value.real, value.imag) if isinstance(value, (complex, np.complexfloating)) else (value,)
    magnitude = max(abs(float(part)) for part in parts)
    info = np.finfo(dtype)   # a complex dtype's is its parts' float dtype's
    if magnitude != float("inf") and magnitude > float(info.max):   # NaN compares False
        raise RuntimeError(f"{op_name}: the value {short_number(value)} is out of range for dtype {dtype} "
                           f"({float(info.min)} to {float(info.max)}; torch refuses it too, where NumPy's cast rounds "
                           "it to inf)")


def short_number(value) -> str:
    """``value`` for a message: an integer of hundreds of digits by its first ones and its length."""
    text = repr(value) if not is_integer(value) else str(int(value))
    digits = text.lstrip("-")
    return text if len(digits) <= 30 or not digits.isdigit() else f"{text[:13]}...({len(digits)} digits)"


def wrapped_unsigned(value, dtype):
    """A negative integer ``value`` for an unsigned ``dtype`` wrapped into it, as torch's scalar conversion does
    (uint8's -1 is 255) down to minus the dtype's largest (clamp's bounds, addcmul's value); any other value as it
    is (one still out of range is refused by ``check_fits`` or ``check_scalar_arg``, as torch refuses it)."""
    if is_integer(value) and 0 > value >= -int(np.iinfo(dtype).max):
        return value + 2 ** (8 * dtype.itemsize)
    return value


def holds(dtype, value) -> bool:
    """Whether the integer ``dtype`` holds the integer ``value`` (a Python or NumPy integer, or a 0-d array) exactly."""
    info, v = np.iinfo(dtype), int(value)
    return info.min <= v <= info.max


def check_scalar_arg(op_name, name, value, dtype, *, float32_compute=False):
    """Refuse, as torch does, a scalar argument ``name=value`` of ``op_name`` that the input's ``dtype`` cannot hold.

    NumPy casts a float past the dtype's largest to inf with a RuntimeWarning at best (``elu(x, alpha=1e308)`` of a
    float32 x computed with alpha = inf), where torch raises RuntimeError "value cannot be converted to type float
    without overflow". inf and NaN are values a float dtype holds: they pass, as torch's. ``float32_compute``: the op
    computes a float16 input in float32 (torch's elu, celu, leaky_relu, softplus and threshold's threshold), so
    only float32's range binds there, and True is returned where the argument is past float16's largest: the
    caller computes that float16 input in float32 (in float16 the argument would be inf). A Python int past 64 bits
    (below -2**63 or above 2**64 - 1) is torch's OverflowError ("int too big to convert"); one up to uint64's
    largest torch reads: float32 and float64 hold it, and a dtype that cannot (int64, float16) refuses it as an
    overflow (RuntimeError). An integer dtype refuses NaN and inf too (RuntimeError), as torch's.
    Called once per op call with the Python number the op validated, never per element.
    """
    if type(value) is float and (dtype is _FLOAT64 or (dtype is _FLOAT32 and -FLOAT32_MAX <= value <= FLOAT32_MAX)):
        return   # the common call, decided in two comparisons
    if type(value) is int and -FLOAT16_MAX <= value <= FLOAT16_MAX and dtype.kind == "f":
        return   # clamp(x, 0, 1): every float dtype holds it
    return _check_scalar_arg(op_name, name, value, np.dtype(dtype), float32_compute)


def _check_scalar_arg(op_name, name, value, dtype, float32_compute):
    if dtype.kind not in "iuf" or not is_real(value):
        return
    if is_integer(value):
        number = int(value)
        # torch takes a Python int up to uint64's largest: past int64 it overflows an integer dtype (RuntimeError,
        # below), not float32 or float64; past that it is no 64-bit scalar (OverflowError)
        if not INT64_MIN <= number <= UINT64_MAX:
            raise OverflowError(f"{op_name}: {name}={short_number(number)} is too big for any tensor dtype (torch's "
                                "scalars are at most 64-bit)")
    else:
        number = float(value)
        if dtype.kind == "f" and (number != number or abs(number) == float("inf")):
            return   # a float dtype holds inf and NaN; an integer dtype's NaN and inf fail the range below, as torch's
    widened = dtype.kind == "f" and float32_compute and dtype.itemsize < 4
    if widened:
        dtype = _FLOAT32
    low, high = _limits(dtype)
    if not low <= number <= high:   # Python numbers, exact: an int against an int, no NumPy cast; NaN fails
        raise RuntimeError(f"{op_name}: {name}={short_number(number)} cannot be converted to {dtype} without overflow "
                           f"(it holds {low!r} to {high!r})")
    return widened and abs(number) > FLOAT16_MAX


_LIMITS = {}


def _limits(dtype):
    """The dtype's lowest and highest as Python numbers, once per dtype (``np.finfo`` is a lookup plus a call)."""
    limits = _LIMITS.get(dtype)
    if limits is None:
        if dtype.kind == "f":
            info = np.finfo(dtype)
            limits = _LIMITS[dtype] = (float(info.min), float(info.max))
        else:
            info = np.iinfo(dtype)
            limits = _LIMITS[dtype] = (int(info.min), int(info.max))
    return limits
