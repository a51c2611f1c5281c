"""Creating tensors: from data, filled, ranges, identity, random."""
from __future__ import annotations

import math
import numbers

import numpy as np

from minigrad import backend
from minigrad.autograd.ragged import data_error as _data_error
from minigrad.autograd.tensor import Tensor
from minigrad.dtypes import promote_types
from minigrad.memory_format import check_memory_format, contiguous_format, preserve_format
from minigrad.ops._exact import two_product
from minigrad.sampling import generator_for
from minigrad.scalars import check_fits, fill_number, is_integer, is_real, short_number, zero_d_integer


def _dtype(dtype, default=None):
    """``dtype``, else ``default``, else the default float (read now: ``set_default_dtype`` may have changed it)."""
    if dtype is not None:
        try:
            return np.dtype(dtype)
        except TypeError as exc:
            raise TypeError(f"dtype={dtype!r} is not a dtype minigrad understands ({exc}); "
                            "write e.g. minigrad.float32 or 'int64'") from None
    return backend.DEFAULT_FLOAT if default is None else np.dtype(default)


def _shape(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    shape = tuple(zero_d_integer(s) for s in shape)   # zeros(lengths.max(), d), as torch takes it
    for s in shape:
        if not is_integer(s) or s < 0:
            raise ValueError(f"invalid shape {shape}: sizes must be non-negative integers")
    return tuple(int(s) for s in shape)


def _sizes(name, positional, size):
    """The sizes given positionally (``zeros(2, 3)``, ``zeros((2, 3))``) or as torch's ``size=`` keyword."""
    if size is None:
        return _shape(positional)
    if positional:
        raise TypeError(f"{name}: got the sizes twice, positionally {positional} and as size={size!r}")
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"{name}: size must be a tuple or list of integers (as torch's), got {type(size).__name__} "
                        f"{size!r}")
    return _shape((tuple(size),))


def _finish(host_or_device_array, device, requires_grad):
    device = backend.normalize_device(device)
    return Tensor(backend.to_device(host_or_device_array, device), requires_grad=requires_grad)


def tensor(data, dtype=None, requires_grad=False, device=None):
    """A new leaf tensor holding a copy of ``data``.

    Floating data becomes the default float dtype (float32 unless ``set_default_dtype``) unless
    ``dtype`` says otherwise, complex data its complex counterpart (complex64, or complex128 for float64), as
    torch's; integer and bool data keep their kind; a Tensor keeps its dtype (as
    ``torch.tensor(t)``). ``device`` defaults to ``$MINIGRAD_DEVICE`` or ``"cpu"``.
    """
    if isinstance(data, Tensor):
        data, dtype = data.data, data.dtype if dtype is None else dtype
    elif isinstance(data, (list, tuple)):
        _refuse_one_element_tensors_with_dims(data)
    xp_in = backend.get_array_module(data)
    python_data = isinstance(data, (list, tuple, int))
    try:
        if dtype is None:
            given = Tensor.arrays_given
            arr = xp_in.asarray(data)
            if python_data and arr.dtype.kind in "uf" and arr.size:
                _refuse_integers_past_int64(data, arr)
            held_tensor = Tensor.arrays_given != given and isinstance(data, (list, tuple))
            if arr.dtype.kind in "fc" and held_tensor and (items_dtype := _dtype_of_items(data)) is not None:
                arr = arr.astype(items_dtype)
            elif arr.dtype.kind == "c":   # the default float's complex counterpart, as torch's (a cast dropped .imag)
                arr = arr.astype(np.result_type(backend.DEFAULT_FLOAT, np.complex64))
            elif arr.dtype.kind == "f":
                arr = arr.astype(backend.DEFAULT_FLOAT)
            elif arr.dtype == object:
                arr = _objects_as_float(arr)
            elif not arr.dtype.isnative:   # a copy is made anyway: in this machine's byte order, which ops expect
                arr = arr.astype(arr.dtype.newbyteorder("="))
        else:
            dtype = _dtype(dtype)
            try:
                if dtype is backend.HALF:   # 70000.0 is inf, silently as torch's
                    arr = backend.quiet_if_half(dtype, xp_in.asarray, data, dtype=dtype)
                else:
                    arr = xp_in.asarray(data, dtype=dtype)
            except OverflowError as exc:   # NumPy's words named neither the op nor the dtype asked for
                raise OverflowError(f"tensor: {exc} (dtype={dtype})") from None
    except ValueError as exc:
        raise _data_error("tensor", data, exc) from None
    if device is None and xp_in is not np:
        device = backend.device_of(arr)
    arr = arr.copy()
    return _finish(arr, device, requires_grad)


def _dtype_of_items(data):
    """The dtype torch infers for a list holding tensors: their dtypes and the numbers' (a float the default float)
    promoted, so [t64, t64] of float64 0-d tensors stays float64 (a float array became the default float), and
    [np.float64(1.5), t32] is float64 as [t32, np.float64(1.5)] is. None when no item is a Tensor."""
    default_complex = np.result_type(backend.DEFAULT_FLOAT, np.complex64)
    dtype, tensors = None, False
    for item in _leaves(data):
        if isinstance(item, Tensor):
            kind, tensors = item.dtype, True
        elif isinstance(item, (bool, np.bool_)):
            kind = np.dtype(bool)
        elif isinstance(item, (int, np.integer)):
            kind = np.dtype(np.int64) if isinstance(item, int) else item.dtype
        elif isinstance(item, (np.floating, np.complexfloating)):   # a NumPy number keeps its dtype, as in torch
            kind = item.dtype
        elif isinstance(item, complex):
            kind = default_complex
        else:
            kind = backend.DEFAULT_FLOAT
        dtype = kind if dtype is None else promote_types(dtype, kind)
    return dtype if tensors else None


def _refuse_one_element_tensors_with_dims(data):
    """A list of one-element tensors with dims, ``[t.argmax(1) for ...]`` at batch size 1, is read two ways: NumPy
    stacks them, keeping their dims, torch takes each as its number; the readings' shapes differ, so ask. Only the
    first item at each depth is looked at, so a long list of numbers costs nothing."""
    depth, item = _first_item(data)
    if isinstance(item, Tensor) and item.ndim and item.size == 1:
        raise TypeError(f"tensor: a list of one-element tensors of shape {tuple(item.shape)} reads two ways: NumPy's "
                        f"stacks them (shape {depth + tuple(item.shape)}), PyTorch's takes each as its number (shape "
                        f"{depth}); write minigrad.stack(...) for NumPy's, or [t.item() for t in ...] for PyTorch's")


def _first_item(data):
    """The lengths of the nested lists down to their first non-list item, and that item."""
    lengths = []
    while isinstance(data, (list, tuple)) and len(data):
        lengths.append(len(data))
        data = data[0]
    return tuple(lengths), data


def _objects_as_float(arr):
    """An object array (numbers of mixed types, 0-d tensors) in the default float dtype, or its complex counterpart
    when it holds a complex number; None is refused as torch refuses it, where NumPy's cast would make it NaN.
    Integers alone land here when one is past int64 and uint64 (or past int64 beside a negative one): refused,
    as torch's int64 refuses them, where the float cast would round them."""
    values = list(arr.flat)
    if any(v is None for v in values):
        raise TypeError("tensor: data holds None, which is not a number (torch refuses it too); "
                        "write float('nan') for a missing value")
    if values and all(isinstance(v, (int, np.integer)) for v in values):
        _refuse_past_int64(values)
    dtype = backend.DEFAULT_FLOAT
    if any(isinstance(v, (complex, np.complexfloating)) for v in values):
        dtype = np.result_type(dtype, np.complex64)
    try:
        return arr.astype(dtype)
    except (TypeError, ValueError):
        kinds = sorted({type(v).__name__ for v in arr.flat if not isinstance(v, (int, float, complex, np.number))})
        raise TypeError(f"tensor: cannot make a tensor from a {', '.join(kinds) or 'object'}; data must be numbers, "
                        "bools, nested lists of them, an array or a Tensor") from None


def _refuse_integers_past_int64(data, arr):
    """Python integers past int64 make NumPy's array uint64, or float64 beside other integers: refused when the
    data holds integers (and bools) only, as integer data is int64 (beside a float they are floats, as torch's)."""
    if arr.dtype.kind == "f" and (not isinstance(_first_item(data)[1], (int, np.integer))
                                  or not np.abs(arr).max() >= 2.0 ** 63):   # float data, or ints in range
        return
    leaves = list(_leaves(data))
    if all(isinstance(v, (int, np.integer)) for v in leaves):
        _refuse_past_int64(leaves)


def _leaves(data):
    if isinstance(data, (list, tuple)):
        for item in data:
            yield from _leaves(item)
    else:
        yield data


def _refuse_past_int64(values):
    """Integer data is int64, as torch's."""
    info = np.iinfo(np.int64)
    bad = next((int(v) for v in values if not info.min <= int(v) <= info.max), None)
    if bad is None:
        return
    raise OverflowError(f"tensor: the integer {short_number(bad)} is out of range for int64 ({info.min} to "
                        f"{info.max}), the dtype of integer data (torch refuses it too); pass dtype=minigrad.uint64 "
                        "or a floating dtype")


def from_numpy(array):
    """A tensor sharing ``array``'s memory, like ``torch.from_numpy``: a write through either shows in both.

    The dtype is kept (float64 stays float64; use ``minigrad.tensor`` for a copy in the default float dtype). A CPU
    leaf without grad; ``array`` must be a ``numpy.ndarray``.
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__} "
                        "(minigrad.tensor(data) copies any data into a new tensor)")
    if array.dtype.kind in "fc" and array.dtype.itemsize > (8 if array.dtype.kind == "f" else 16):
        # float128/complex256: a dtype no op computes in (torch refuses it too); a copy can be converted
        raise TypeError(f"from_numpy: minigrad has no tensors of dtype {array.dtype} (memory of it cannot be shared); "
                        "convert a copy with minigrad.tensor(array) or array.astype(numpy.float64)")
    if not array.dtype.isnative:
        # torch refuses it too; taken, its dtype (>f4) equalled no minigrad dtype, and a Linear refused the input as
        # "dtype >f4 does not match weight dtype float32"
        raise ValueError(f"from_numpy: the array's byte order is not this machine's (dtype {array.dtype.str}), and "
                         "memory in another byte order cannot be shared; convert a copy with "
                         "array.astype(array.dtype.newbyteorder('='))")
    return Tensor(array)


def zeros(*shape, size=None, dtype=None, device=None, requires_grad=False):
    """A tensor of zeros (sizes positionally or as torch's ``size=``)."""
    device = backend.normalize_device(device)
    return Tensor(backend.xp_for(device).zeros(_sizes("zeros", shape, size), dtype=_dtype(dtype)), requires_grad)


def ones(*shape, size=None, dtype=None, device=None, requires_grad=False):
    """A tensor of ones (sizes positionally or as torch's ``size=``)."""
    device = backend.normalize_device(device)
    return Tensor(backend.xp_for(device).ones(_sizes("ones", shape, size), dtype=_dtype(dtype)), requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    """A tensor filled with ``fill_value`` (a number or a 0-d tensor). Without ``dtype`` it follows the value, as
    ``torch.full`` and ``numpy.full`` both do: a bool gives bool, an integer int64, a float the default float dtype,
    a complex number its complex counterpart."""
    # a bool as a size of its own, so _shape refuses it by name rather than tuple() failing in Python's words
    shape = _shape((size,) if is_integer(size) or isinstance(size, (bool, np.bool_)) else (tuple(size),))
    return _full("full", shape, fill_value, dtype, device, requires_grad)


def _full(name, shape, fill_value, dtype, device, requires_grad):
    device = backend.normalize_device(device)
    if isinstance(fill_value, Tensor) and fill_value.ndim == 0:   # as the number it holds: its kind picks the dtype
        fill_value = fill_value.item()
    if not isinstance(fill_value, (numbers.Number, np.bool_)):   # NumPy made None NaN and broadcast a tensor
        what = f"a tensor of shape {tuple(fill_value.shape)}" if isinstance(fill_value, Tensor) else \
            f"{type(fill_value).__name__} {fill_value!r}"
        raise TypeError(f"{name}: fill_value must be a number or a 0-d tensor (as torch's), got {what}")
    if dtype is None and isinstance(fill_value, (bool, np.bool_)):
        dtype = bool
    elif dtype is None and isinstance(fill_value, (int, np.integer)):
        dtype = np.int64
    elif dtype is None and isinstance(fill_value, (complex, np.complexfloating)):   # NumPy's cast dropped .imag
        dtype = np.result_type(backend.DEFAULT_FLOAT, np.complex64)
    dtype = _dtype(dtype)
    fill_value = fill_number(name, fill_value, dtype)   # uint8's -1 is 255, as torch's
    if isinstance(fill_value, (complex, np.complexfloating)) and dtype.kind != "c":   # its imaginary part is 0
        fill_value = fill_value.real
    return Tensor(backend.xp_for(device).full(shape, fill_value, dtype=dtype), requires_grad)


def zeros_like(t, dtype=None, requires_grad=False, *, device=None, memory_format=None):
    """Zeros with the shape, dtype and device of ``t`` (unless given)."""
    shape, dtype, device = _like("zeros_like", t, dtype, device, memory_format)
    return zeros(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(t, dtype=None, requires_grad=False, *, device=None, memory_format=None):
    """Ones with the shape, dtype and device of ``t`` (unless given)."""
    shape, dtype, device = _like("ones_like", t, dtype, device, memory_format)
    return ones(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def arange(start=None, end=None, step=1, dtype=None, device=None, requires_grad=False, *, stop=None):
    """Evenly spaced values in [start, end): ``arange(end)`` or ``arange(start, end, step)``, and torch's keywords
    (``arange(end=4)``; NumPy's ``stop=`` is ``end``); integers give int64 unless ``dtype`` says otherwise."""
    if stop is not None:
        if end is not None:
            raise TypeError(f"arange: got the end twice, end={end!r} and stop={stop!r} (stop is NumPy's name for it)")
        end = stop
    if end is None:
        if start is None:
            raise TypeError("arange: missing the end: arange(end) or arange(start, end, step)")
        start, end = 0, _arange_number("end", start)
    else:
        start, end = _arange_number("start", 0 if start is None else start), _arange_number("end", end)
    stop = end
    step = _arange_number("step", step)
    if step == 0:   # NumPy's ZeroDivisionError named neither the op nor the argument
        raise ValueError(f"arange: step must be nonzero, got step={step!r} (start={start!r}, end={stop!r})")
    for what, v in (("start", start), ("end", stop), ("step", step)):
        if is_real(v) and not math.isfinite(v):   # NumPy's "Maximum allowed size exceeded" named neither
            raise ValueError(f"arange: {what} must be finite, got {what}={v!r} (start={start!r}, end={stop!r}, "
                             f"step={step!r})")
    if (stop - start) * step < 0:   # NumPy gave an empty tensor; torch refuses it
        raise ValueError(f"arange: the bounds and the step's sign disagree: start={start!r}, end={stop!r}, "
                         f"step={step!r} (torch refuses it too; an empty range is start == end)")
    is_int = all(isinstance(v, (int, np.integer)) for v in (start, stop, step))
    dtype = _dtype(dtype, np.int64 if is_int else None)
    if not is_int and dtype.kind in "iu":
        arr = _integer_arange(start, stop, step, dtype)
    elif dtype.kind == "f":
        # start + i * step in float64, rounded once to the dtype, as torch's values; NumPy's arange steps by the
        # rounded difference of its first two values in the dtype, which drifted (float32 arange(1000.1, 2000, 0.1)
        # ended at 2000.27, past the end; float16 arange(1000.1, 2000, 0.1) was 1000 throughout)
        count = max(math.ceil((stop - start) / step), 0)
        with np.errstate(over="ignore"):   # past the dtype's range is inf, as torch's
            arr = (float(start) + np.arange(count, dtype=np.float64) * float(step)).astype(dtype)
    else:
        arr = np.arange(start, stop, step, dtype=dtype)
    return _finish(arr, device, requires_grad)


def _arange_number(name, value):
    """A 0-d tensor argument read as its number, as torch's (``arange(lengths.max())`` is int64, not float32)."""
    if not isinstance(value, Tensor):
        return value
    if value.ndim != 0:
        raise TypeError(f"arange: {name} must be a number or a 0-d tensor, got a tensor of shape {tuple(value.shape)}")
    return value.item()


def _integer_arange(start, stop, step, dtype):
    """torch's arange into an integer dtype from fractional arguments: each is truncated toward 0 and the values are
    start + i step; int64 counts them with the truncated arguments, the narrower dtypes with the given ones (as
    NumPy, whose values step by int(start + step) - int(start) instead)."""
    first, last, stride = int(start), int(stop), int(step)
    if stride == 0:
        # torch's int64 refuses it too; its narrower dtypes repeat the start
        raise ValueError(f"arange: step={step!r} is 0 as {dtype} (the arguments are truncated to the dtype, as "
                         "torch's); give an integer step, or a floating dtype")
    n = len(range(first, last, stride)) if dtype == np.int64 else max(math.ceil((stop - start) / step), 0)
    return (first + np.arange(n, dtype=np.int64) * stride).astype(dtype)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """The n x m identity matrix (n x n without ``m``)."""
    n = _count("eye", "n", n)
    m = n if m is None else _count("eye", "m", m)
    device = backend.normalize_device(device)
    return Tensor(backend.xp_for(device).eye(n, m, dtype=_dtype(dtype)), requires_grad)


def rand(*shape, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform samples in [0, 1) from minigrad's seeded generator (or ``generator``, a ``minigrad.Generator``);
    sizes positionally or as torch's ``size=``."""
    shape = _sizes("rand", shape, size)
    arr = generator_for("rand", generator).random(shape, dtype=np.float64).astype(_floating("rand", dtype))
    return _finish(arr, device, requires_grad)


def randn(*shape, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal samples from minigrad's seeded generator (or ``generator``, a ``minigrad.Generator``);
    sizes positionally or as torch's ``size=``."""
    shape = _sizes("randn", shape, size)
    arr = generator_for("randn", generator).standard_normal(shape).astype(_floating("randn", dtype))
    return _finish(arr, device, requires_grad)


def _floating(name, dtype):
    """``dtype`` (the default float without one), which must be floating: the draws cast to an integer dtype were all
    0 (torch refuses them)."""
    dtype = _dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"{name}: draws floating-point values, but the dtype is {dtype}; pass a floating dtype=")
    return dtype


def _count(name, what, value):
    if isinstance(value, Tensor) and value.ndim == 0 and value.dtype.kind in "iu":   # torch.eye(torch.tensor(2))
        value = value.item()
    if not is_integer(value) or value < 0:
        raise ValueError(f"{name}: {what} must be a non-negative int, got {value!r}")
    return int(value)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end``, both included (``torch.linspace``: ``steps`` is
    required); the default float dtype unless ``dtype`` says otherwise. Computed in float64, then cast."""
    steps = _count("linspace", "steps", steps)
    start, end = _endpoint("linspace", "start", start), _endpoint("linspace", "end", end)
    arr = _spaced("linspace", start, end, steps, _working_dtype("linspace", (start, end), dtype), dtype)
    return _finish(arr.astype(_endpoints_dtype((start, end), dtype)), device, requires_grad)


def _spaced(op, start, end, steps, working, dtype, fused=True):
    """linspace's values (logspace's exponents) in ``working``. For an integer ``dtype`` they are torch's: ``start``
    and ``end`` are first converted to the dtype (truncated), the step between them is a float64, and the first
    half counts up from ``start``, the second back from ``end`` (``linspace(4.95, 1.28, 6, dtype=int64)`` is
    [4, 3, 2, 2, 1, 1], where spacing the untruncated endpoints gave [4, 4, 3, 2, 2, 1]); one step is ``start``.
    torch's linspace kernel rounds each ``start + step * i`` once (``fused``), its logspace kernel twice."""
    if dtype is None or _dtype(dtype).kind not in "iu" or steps < 2:
        return np.linspace(start, end, steps, dtype=working)
    for v in (start, end):   # NaN, inf or past the dtype: refused by name (torch refuses them too)
        check_fits(op, v, _dtype(dtype))
    first, last = (float(int(v)) for v in (start, end))
    step = (last - first) / (steps - 1)
    index = np.arange(steps, dtype=np.float64)
    from_start, back = index < steps // 2, steps - 1 - index
    if not fused:
        return np.where(from_start, first + step * index, last - step * back)
    return np.where(from_start, _fused_multiply_add(step, index, first), _fused_multiply_add(-step, back, last))


def _fused_multiply_add(a, b, c):
    """a * b + c rounded once, as torch's CPU kernels compute it (its fused multiply-add decides which side of an
    integer a value falls before the truncation: ``linspace(5.84, -1.32, 10, dtype=int64)[6]`` is 0, from
    -1 + 0.666...67 * 3 = 0.99999999999999989): the product's rounding error by Dekker's split, added after."""
    product, error = two_product(a, b)
    return (c + product) + error


def _endpoint(op, what, value):
    """A linspace/logspace argument as its number: a 0-d tensor is read as torch reads it, a bool is 0 or 1."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise TypeError(f"{op}: {what} must be a number or a 0-d tensor, got a tensor of shape "
                            f"{tuple(value.shape)}")
        value = value.item()
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if not isinstance(value, numbers.Number):
        raise TypeError(f"{op}: {what} must be a number, got {value!r}")
    return complex(value) if isinstance(value, (complex, np.complexfloating)) else float(value)


def _working_dtype(op, values, dtype):
    """float64, or complex128 for a complex endpoint, which a real ``dtype`` cannot hold (torch refuses it too)."""
    if not any(isinstance(v, complex) for v in values):
        return np.float64
    if dtype is not None and _dtype(dtype).kind != "c":
        raise TypeError(f"{op}: a complex endpoint ({', '.join(repr(v) for v in values)}) needs a complex dtype, "
                        f"got dtype={_dtype(dtype)}")
    return np.complex128


def _endpoints_dtype(values, dtype):
    """``dtype``, else the default float, or its complex counterpart for a complex endpoint (torch's)."""
    if dtype is not None:
        return _dtype(dtype)
    if any(isinstance(v, complex) for v in values):
        return np.result_type(backend.DEFAULT_FLOAT, np.complex64)
    return backend.DEFAULT_FLOAT


def randint(*args, low=None, high=None, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers drawn uniformly from [low, high) by minigrad's seeded generator (or ``generator``), as ``torch.randint``:
    ``randint(high, size)`` or ``randint(low, high, size)``, or torch's keywords (``randint(low=1, high=5,
    size=(2,))``); int64 unless ``dtype`` says otherwise, which must hold low and high - 1."""
    if size is None and args and isinstance(args[-1], (tuple, list)):
        args, size = args[:-1], args[-1]
    low, high = _randint_bounds("randint", args, low, high)
    if size is None:
        raise TypeError(f"randint: expected randint(high, size) or randint(low, high, size), got no size "
                        f"(low={low!r}, high={high!r})")
    if not isinstance(size, (tuple, list)):  # a bare int is refused by torch.randint too
        raise TypeError(f"randint: size must be a tuple of ints, e.g. size=({size!r},), got size={size!r}")
    dtype = _dtype(dtype, np.int64)
    _check_bounds_fit("randint", low, high - 1, dtype)
    arr = generator_for("randint", generator).integers(low, high, _shape((tuple(size),)), dtype=np.int64)
    return _finish(arr.astype(dtype, copy=False), device, requires_grad)


def _randint_bounds(name, numbers_given, low, high):
    """(low, high) from the positional numbers (``high`` or ``low, high``) and the keywords, as torch reads them."""
    given = list(numbers_given)
    if high is None and low is None and len(given) == 1:
        low, high = 0, given[0]
    elif high is None and low is None and len(given) == 2:
        low, high = given
    elif high is not None and low is None and len(given) <= 1:
        low = given[0] if given else 0
    elif high is not None and low is not None and not given:
        pass
    else:
        raise TypeError(f"{name}: expected {name}(high, ...) or {name}(low, high, ...) (or low=, high=), got "
                        f"{len(given)} positional numbers {tuple(given)!r}, low={low!r}, high={high!r}")
    for what, v in (("low", low), ("high", high)):
        if not is_integer(v):
            raise TypeError(f"{name}: {what} must be an int, got {v!r}")
    low, high = int(low), int(high)
    if low >= high:
        raise ValueError(f"{name}: low must be less than high, got low={low}, high={high}")
    return low, high


def _check_bounds_fit(name, lowest, highest, dtype, exact=False):
    """The dtype holds every value the draw may give (NumPy's cast wrapped them: randint(300, dtype=uint8) gave 44,
    float16 made 70000 inf); ``exact``: a float dtype holds each integer exactly (randperm's, as torch's)."""
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        least, most = int(info.min), int(info.max)
    elif dtype.kind == "b":
        least, most = 0, 1
    elif dtype.kind == "f":
        most = 2 ** (np.finfo(dtype).nmant + 1) if exact else int(np.finfo(dtype).max)
        least = -most
    else:
        return
    if not least <= lowest <= highest <= most:
        raise ValueError(f"{name}: values from {lowest} to {highest} do not fit dtype {dtype} ({least} to {most}"
                         f"{' exactly' if exact and dtype.kind == 'f' else ''}; torch refuses them too)")


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of 0..n-1 from minigrad's seeded generator or ``generator`` (``torch.randperm``); int64 by
    default."""
    n = _count("randperm", "n", n)
    dtype = _dtype(dtype, np.int64)
    if dtype.kind not in "iuf":
        raise TypeError(f"randperm: dtype must be an integer or floating dtype (as torch's), got {dtype}")
    if n:
        _check_bounds_fit("randperm", 0, n - 1, dtype, exact=True)
    arr = generator_for("randperm", generator).permutation(n).astype(dtype)
    return _finish(arr, device, requires_grad)


# ------------------------------------------------------------------ PyTorch's empty and *_like names
def empty(*sizes, size=None, dtype=None, device=None, requires_grad=False, memory_format=None):
    """An uninitialized tensor (``torch.empty``): sizes as ints, one tuple or torch's ``size=``; the default float
    dtype unless ``dtype`` says. ``memory_format``: see ``minigrad.memory_format`` (row-major only)."""
    check_memory_format("empty", memory_format, contiguous_format)
    device = backend.normalize_device(device)
    return Tensor(backend.xp_for(device).empty(_sizes("empty", sizes, size), dtype=_dtype(dtype)), requires_grad)


def _like(name, t, dtype, device, memory_format=None):
    """The shape, dtype and device of a ``*_like`` result; ``memory_format`` (torch's ``preserve_format`` by
    default) is checked only: the result is row-major, see ``minigrad.memory_format``."""
    if not isinstance(t, Tensor):
        raise TypeError(f"{name}: expected a Tensor to take the shape from, got {type(t).__name__}")
    check_memory_format(name, memory_format, preserve_format)
    return t.shape, _dtype(dtype, t.dtype), t.device if device is None else device


def empty_like(t, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    """An uninitialized tensor with the shape, dtype and device of ``t`` (unless given)."""
    shape, dtype, device = _like("empty_like", t, dtype, device, memory_format)
    return empty(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(t, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    """``fill_value`` everywhere, with the shape, dtype and device of ``t`` (unless given)."""
    shape, dtype, device = _like("full_like", t, dtype, device, memory_format)
    return _full("full_like", shape, fill_value, dtype, device, requires_grad)


def _floating_like(name, t, dtype, device, memory_format):
    shape, dtype, device = _like(name, t, dtype, device, memory_format)
    if dtype.kind != "f":
        raise TypeError(f"{name}: draws floating-point values, but the dtype is {dtype}; pass a floating dtype=")
    return shape, dtype, device


def rand_like(t, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    """Uniform samples in [0, 1) with the shape, dtype and device of ``t``, from minigrad's seeded generator."""
    shape, dtype, device = _floating_like("rand_like", t, dtype, device, memory_format)
    return rand(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randn_like(t, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    """Standard normal samples with the shape, dtype and device of ``t``, from minigrad's seeded generator."""
    shape, dtype, device = _floating_like("randn_like", t, dtype, device, memory_format)
    return randn(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randint_like(t, *bounds, low=None, high=None, dtype=None, device=None, requires_grad=False, memory_format=None):
    """Integers from [low, high) with the shape, dtype and device of ``t`` (``randint_like(t, high)`` or
    ``randint_like(t, low, high)``, or torch's ``low=``/``high=``), from minigrad's seeded generator; a floating dtype
    holds whole numbers."""
    shape, dtype, device = _like("randint_like", t, dtype, device, memory_format)
    low, high = _randint_bounds("randint_like", bounds, low, high)
    _check_bounds_fit("randint_like", low, high - 1, dtype)
    out = randint(low, high, shape, device=device)
    return Tensor(out.data.astype(dtype, copy=False), requires_grad)


# ------------------------------------------------------------------ scalar_tensor, as_tensor, asarray, logspace
def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    """A 0-d tensor holding the number ``s``, the default float dtype unless ``dtype`` says (``torch.scalar_tensor``:
    an int or a bool gives a float too)."""
    if not is_real(s) and not isinstance(s, (bool, np.bool_)):
        raise TypeError(f"scalar_tensor: s must be a number, got {type(s).__name__} {s!r}")
    return _finish(np.asarray(s, dtype=_dtype(dtype)), device, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """``data`` as a tensor, sharing its memory where it can (``torch.as_tensor``): a Tensor of the asked dtype and
    device is returned itself, a NumPy (or CuPy) array of that dtype on that device is wrapped without a copy (it
    keeps its dtype, float64 included, as in PyTorch); anything else is copied as ``minigrad.tensor`` copies."""
    return asarray(data, dtype=dtype, device=device)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=None):
    """``obj`` as a tensor (``torch.asarray``): shared memory where no conversion is needed (a Tensor, a NumPy or CuPy
    array, a DLPack producer), else a new tensor; ``copy=True`` always copies, ``copy=False`` refuses a conversion
    that needs one. Python floats become the default float dtype, as in ``minigrad.tensor``. A Tensor that is
    converted stays in the graph (a differentiable cast or move), as PyTorch's does; ``requires_grad`` defaults to
    the Tensor's own."""
    if copy not in (None, True, False):
        raise TypeError(f"asarray: copy must be None, True or False, got {copy!r}")
    if isinstance(obj, Tensor):
        array = obj.data
    elif backend.is_array(obj):
        array = obj
    elif hasattr(obj, "__dlpack__") and not isinstance(obj, np.generic):
        array = backend.from_dlpack(obj)
    else:   # Python data: always a new array
        if copy is False:
            raise ValueError(f"asarray(copy=False): a {type(obj).__name__} cannot be shared, it must be copied")
        return tensor(obj, dtype=dtype, device=device, requires_grad=bool(requires_grad))
    want_dtype = array.dtype if dtype is None else np.dtype(dtype)
    want_device = backend.device_of(array) if device is None else backend.normalize_device(device)
    shared = want_dtype == array.dtype and want_device == backend.device_of(array)
    if copy is False and not shared:
        raise ValueError(f"asarray(copy=False): {array.dtype} on {backend.device_of(array)} -> {want_dtype} on "
                         f"{want_device} needs a copy")
    if isinstance(obj, Tensor):
        out = obj if shared and not copy else obj.to(device=want_device, dtype=want_dtype, copy=True)
        if requires_grad is None or requires_grad == out.requires_grad:
            return out
        return out.detach() if not requires_grad else out.detach().requires_grad_(True)
    if not shared or copy:
        array = backend.cast(backend.to_device(array, want_device), want_dtype)   # float16: inf past 65504, silently
    return Tensor(array, requires_grad=bool(requires_grad))


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    """``steps`` values base ** t for t evenly spaced from ``start`` to ``end``, both included (``torch.logspace``);
    the default float dtype unless ``dtype`` says otherwise. Computed in float64, then cast."""
    steps = _count("logspace", "steps", steps)
    if not is_real(base):
        raise TypeError(f"logspace: base must be a real number, got {base!r}")
    start, end = _endpoint("logspace", "start", start), _endpoint("logspace", "end", end)
    exponents = _spaced("logspace", start, end, steps, _working_dtype("logspace", (start, end), dtype), dtype,
                        fused=False)
    arr = np.power(float(base), exponents)
    return _finish(arr.astype(_endpoints_dtype((start, end), dtype)), device, requires_grad)
