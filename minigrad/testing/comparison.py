"""``assert_close``: ``torch.testing.assert_close`` for Tensors, NumPy arrays, Python numbers and nested
sequences and mappings of them, with PyTorch's default tolerances per dtype and its failure messages.

Two values are close where ``|actual - expected| <= atol + rtol * |expected|`` (exact equality always counts,
so equal infinities match; NaNs match only with ``equal_nan``). Integers and bools are compared exactly.
"""
from __future__ import annotations

import collections.abc as abc
import numbers

import numpy as np

from minigrad import backend
from minigrad.autograd.tensor import Tensor
from minigrad.dtypes import promote_types

# dtype -> (rtol, atol), PyTorch's defaults; every other dtype (integers, bool) is compared exactly.
DEFAULT_TOLERANCES = {
    np.dtype(np.float16): (1e-3, 1e-5),
    np.dtype(np.float32): (1.3e-6, 1e-5),
    np.dtype(np.float64): (1e-7, 1e-7),
}


class _Mismatch(AssertionError):
    """A failed comparison, with the path of the item inside nested containers where it happened."""

    def __init__(self, message, path=()):
        super().__init__(message)
        self.message, self.path = message, path


def assert_close(actual, expected, *, rtol=None, atol=None, equal_nan=False, check_device=True, check_dtype=True,
                 msg=None):
    """Raise ``AssertionError`` unless ``actual`` and ``expected`` are close (``torch.testing.assert_close``).

    Both must be of one kind: Tensors, NumPy arrays, Python numbers (an int and a float differ in type unless
    ``check_dtype=False``), or sequences / mappings of such, compared item by item. Shapes must agree, and
    devices and dtypes too unless ``check_device`` / ``check_dtype`` are False (then both move to the CPU and
    the common dtype, with the looser of the two dtypes' tolerances). ``rtol`` and ``atol`` are given together
    or not at all (defaults: float16 1e-3/1e-5, float32 1.3e-6/1e-5, float64 1e-7/1e-7, integers and bools 0/0).
    ``msg`` replaces the message, or, if callable, maps the generated message to the one raised.
    """
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no "
                         f"{'atol' if atol is None else 'rtol'}.")
    for name, value in (("rtol", rtol), ("atol", atol)):
        if value is not None and not (isinstance(value, numbers.Real) and value >= 0):
            raise ValueError(f"assert_close: {name} must be a non-negative number, got {value!r}")
    options = dict(rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=check_device, check_dtype=check_dtype)
    try:
        _compare(actual, expected, (), options)
    except _Mismatch as failure:
        message = failure.message
        if failure.path:
            message += "\n\nThe failure occurred for item " + "".join(f"[{key!r}]" for key in failure.path)
        if msg is not None:
            message = msg(message) if callable(msg) else msg
        raise AssertionError(message) from None


def _compare(actual, expected, path, options):
    if actual is None or expected is None:
        if actual is not expected:
            raise _Mismatch(f"None mismatch: {actual} is not {expected}", path)
        return
    if isinstance(actual, (bool, np.bool_)) and isinstance(expected, (bool, np.bool_)):
        if bool(actual) != bool(expected):
            raise _Mismatch(f"Booleans mismatch: {bool(actual)} is not {bool(expected)}", path)
        return
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            raise _Mismatch(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}", path)
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, path + (i,), options)
        return
    if isinstance(actual, abc.Mapping) and isinstance(expected, abc.Mapping):
        _compare_mappings(actual, expected, path, options)
        return
    if _is_number(actual) and _is_number(expected):
        _compare_numbers(actual, expected, path, options)
        return
    both_tensors = isinstance(actual, Tensor) and isinstance(expected, Tensor)
    both_arrays = isinstance(actual, np.ndarray) and isinstance(expected, np.ndarray)
    if not (both_tensors or both_arrays):
        raise TypeError(f"assert_close: no comparison for inputs of type {type(actual)} and {type(expected)}: "
                        "give two Tensors, two NumPy arrays, two numbers, or sequences/mappings of them")
    _compare_arrays(actual, expected, path, options, both_tensors)


def _is_sequence(value):
    return isinstance(value, abc.Sequence) and not isinstance(value, (str, bytes))


def _is_number(value):
    return isinstance(value, numbers.Number) and not isinstance(value, (bool, np.bool_))


def _compare_mappings(actual, expected, path, options):
    missing = sorted(set(expected) - set(actual), key=repr)
    extra = sorted(set(actual) - set(expected), key=repr)
    if missing or extra:
        lines = ["The keys of the mappings do not match:"]
        if missing:
            lines.append(f"Missing keys in the actual mapping: {missing}")
        if extra:
            lines.append(f"Additional keys in the actual mapping: {extra}")
        raise _Mismatch("\n".join(lines), path)
    for key in expected:
        _compare(actual[key], expected[key], path + (key,), options)


def _compare_numbers(actual, expected, path, options):
    """Python numbers: int with int exactly, floats with float64's tolerances; an int and a float differ in type."""
    if options["check_dtype"] and type(actual) is not type(expected):
        raise _Mismatch(f"The (d)types do not match: {type(actual)} != {type(expected)}.", path)
    floating = isinstance(actual, float) or isinstance(expected, float)
    rtol, atol = _tolerances(options, [np.dtype(np.float64) if floating else np.dtype(np.int64)])
    dtype = np.float64 if floating else np.int64
    if not _matches(np.asarray(actual, dtype=dtype), np.asarray(expected, dtype=dtype), rtol, atol,
                    options["equal_nan"]).all():
        raise _Mismatch(_scalar_message(actual, expected, rtol, atol), path)


def _compare_arrays(actual, expected, path, options, tensors):
    a_data = actual.data if tensors else actual
    e_data = expected.data if tensors else expected
    if tuple(a_data.shape) != tuple(e_data.shape):
        raise _Mismatch(f"The values for attribute 'shape' do not match: {tuple(a_data.shape)} != "
                        f"{tuple(e_data.shape)}.", path)
    if tensors and options["check_device"] and actual.device != expected.device:
        raise _Mismatch(f"The values for attribute 'device' do not match: {actual.device} != {expected.device}.",
                        path)
    if options["check_dtype"] and a_data.dtype != e_data.dtype:
        raise _Mismatch(f"The values for attribute 'dtype' do not match: {a_data.dtype} != {e_data.dtype}.", path)
    rtol, atol = _tolerances(options, [a_data.dtype, e_data.dtype])
    a, e = backend.to_numpy(a_data), backend.to_numpy(e_data)
    if a.dtype != e.dtype:
        common = promote_types(a.dtype, e.dtype)   # PyTorch's promotion: int64 with float32 is float32
        a, e = a.astype(common), e.astype(common)
    matches = _matches(a, e, rtol, atol, options["equal_nan"])
    if matches.all():
        return
    if a.ndim == 0:
        raise _Mismatch(_scalar_message(a.item(), e.item(), rtol, atol), path)
    raise _Mismatch(_tensor_message(a, e, matches, rtol, atol), path)


def _tolerances(options, dtypes):
    """The given (rtol, atol), or the loosest of the dtypes' defaults."""
    if options["rtol"] is not None:
        return options["rtol"], options["atol"]
    pairs = [DEFAULT_TOLERANCES.get(np.dtype(d), (0.0, 0.0)) for d in dtypes]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _matches(a, e, rtol, atol, equal_nan):
    """Elementwise closeness (``torch.isclose``): exact equality, or within atol + rtol * |e| for floats."""
    if a.dtype.kind in "biu" and rtol == 0 and atol == 0:
        return a == e
    if a.dtype.kind in "biu":   # tolerances on integers: compare their distance exactly, in int64 / float64
        a, e = a.astype(np.int64), e.astype(np.int64)
        return np.abs(a - e) <= atol + rtol * np.abs(e)
    with np.errstate(invalid="ignore", over="ignore"):
        # An infinity is close only to itself: its distance to anything is inf, which inf * rtol would allow.
        within = np.abs(a - e) <= a.dtype.type(atol) + a.dtype.type(rtol) * np.abs(e)
        close = (a == e) | (within & np.isfinite(a) & np.isfinite(e))
    if equal_nan:
        close |= np.isnan(a) & np.isnan(e)
    return close


def _header(rtol, atol, default):
    return f"{default} are not {'equal' if rtol == 0 and atol == 0 else 'close'}!\n\n"


def _tolerance_note(rtol, atol, tol):
    return "" if rtol == 0 and atol == 0 else f" (up to {tol} allowed)"


def _scalar_message(actual, expected, rtol, atol):
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    return (_header(rtol, atol, "Scalars") + f"Expected {expected} but got {actual}.\n"
            f"Absolute difference: {abs_diff}{_tolerance_note(rtol, atol, atol)}\n"
            f"Relative difference: {rel_diff}{_tolerance_note(rtol, atol, rtol)}")


def _tensor_message(a, e, matches, rtol, atol):
    """Mismatch count, then the greatest absolute and relative differences among the mismatched elements."""
    total = matches.size
    wrong = total - int(matches.sum())
    if a.dtype.kind in "biu":   # differences of integers in int64 (no wrap-around), their ratio in float32
        a, e = a.astype(np.int64), e.astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        abs_diff = np.abs(a - e).reshape(-1)
        abs_diff[matches.reshape(-1)] = 0
        ratio_dtype = a.dtype if a.dtype.kind == "f" else np.float32
        rel_diff = abs_diff.astype(ratio_dtype) / np.abs(e).reshape(-1).astype(ratio_dtype)
        rel_diff[matches.reshape(-1)] = 0
    abs_at, rel_at = int(np.argmax(abs_diff)), int(np.argmax(rel_diff))   # argmax finds a NaN first, as max does
    where = lambda flat: tuple(int(i) for i in np.unravel_index(flat, a.shape))  # noqa: E731
    return (_header(rtol, atol, "Tensor-likes") + f"Mismatched elements: {wrong} / {total} ({wrong / total:.1%})\n"
            f"Greatest absolute difference: {abs_diff[abs_at].item()} at index {where(abs_at)}"
            f"{_tolerance_note(rtol, atol, atol)}\n"
            f"Greatest relative difference: {rel_diff[rel_at].item()} at index {where(rel_at)}"
            f"{_tolerance_note(rtol, atol, rtol)}")
