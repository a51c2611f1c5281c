"""Shared by the ops: operand conversion and axis checks with clear errors, and small backward helpers."""
from __future__ import annotations

import numpy as np

from minigrad import backend
from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import Tensor
from minigrad.ops import _plain
from minigrad.backend import HALF, NUMPY_ZERO, get_array_module
from minigrad.dtypes import int64 as _INT64
from minigrad.scalars import FLOAT16_MAX, INT64_MAX, fill_number, holds, is_integer, short_number

NOT_GIVEN_DIM = object()  # one_dim's default: no dim given and none to fall back on


def operands(op_name, a, b, *, elementwise=True):
    """Both operands as Tensors on one device; mixed floating dtypes are refused, never promoted.

    An integer or bool operand joining a floating one takes the floating dtype (as a
    Python number does), so ``float32 * int64`` stays float32 and its gradient matches.
    For an elementwise op a 0-d integer tensor takes a dimensioned integer one's dtype (torch's
    ``result_type``); ``elementwise=False`` (``kron``, ``tensordot``: torch promotes their 0-d operands in
    full) leaves the two integer dtypes to promote.
    """
    given = a, b   # the operands as passed: a complex number among them is asked about only when dtypes differ
    try:   # free unless it catches: a sparse COO operand refuses to become an array (TypeError), named here
        if not isinstance(a, Tensor):
            a = _python_number(a)  # a NumPy scalar joins like the Python number it holds (float32 stays float32)
            if not isinstance(b, Tensor):
                b = as_tensor(_python_number(b))
            a = as_tensor(a, like=b)
        elif not isinstance(b, Tensor):
            b = as_tensor(_python_number(b), like=a)
    except TypeError:
        if getattr(a, "is_sparse", False) or getattr(b, "is_sparse", False):
            _refuse_sparse(op_name, a, b)
        raise
    except OverflowError:   # NumPy 2 refuses a Python int its integer tensor cannot hold, naming neither op nor shape
        _refuse_out_of_range(op_name, a, b)
    da, db = a.data.dtype, b.data.dtype
    if da is db or da == db:
        return a, b
    fa, fb = da.kind in "fc", db.kind in "fc"
    if fa and fb:
        if (da.kind == "c") != (db.kind == "c") and any(isinstance(x, (complex, np.complexfloating)) for x in given):
            # torch's: a real tensor meeting a complex number computes in complex (1j * x), through a recorded cast
            return (a, b.astype(da)) if da.kind == "c" else (a.astype(db), b)
        raise TypeError(
            f"{op_name}: operands have different floating dtypes ({da} and {db}); "
            "minigrad does not promote silently, cast one with .astype()"
        )
    if fa:  # integer/bool operands never require grad: a cast constant loses nothing
        b = _plain.cast(b, da)
    elif fb:
        a = _plain.cast(a, db)
    elif elementwise and da.kind in "iu" and db.kind in "iu" and (a.ndim == 0) != (b.ndim == 0):
        # torch's rule, which NumPy 2 lacks: a 0-d integer tensor does not widen a dimensioned integer one
        # (uint8 image - tensor(1) stays uint8). Only a value the dtype holds is cast: torch wraps one it does
        # not hold (tensor(-1) into uint8) only where the op computes in integers, while its division,
        # atan2, copysign, ... read the true value, which this cannot tell apart; NumPy's wider dtype keeps it.
        if a.ndim == 0 and holds(db, a.data):
            a = _plain.cast(a, db)
        elif b.ndim == 0 and holds(da, b.data):
            b = _plain.cast(b, da)
    if (not (fa or fb) and "u" in (a.data.dtype.kind, b.data.dtype.kind)
            and np.result_type(a.data.dtype, b.data.dtype).kind == "f"):
        # uint64 with a signed integer: NumPy computes in float64 (2**63 + 1 is 2**63), torch refuses the pair
        raise TypeError(f"{op_name}: operands of dtypes {a.dtype} and {b.dtype} have no common integer dtype "
                        "(NumPy would compute in float64, losing precision; PyTorch does not promote uint64); "
                        "cast one with .astype()")
    return a, b


def _refuse_out_of_range(op_name, a, b):
    tensor, number = (a, b) if isinstance(a, Tensor) else (b, a)
    past_64_bits = is_integer(number) and not (holds(np.int64, number) or holds(np.uint64, number))
    if tensor.dtype.kind in "fc" or past_64_bits:
        # torch refuses an int past 64 bits too; on a float tensor only one past float64's largest (10**400) gets here
        raise OverflowError(f"{op_name}: the Python integer {short_number(number)} is too big for the {tensor.dtype} "
                            f"tensor of shape {tuple(tensor.shape)} it meets (torch's scalars are at most 64-bit: it "
                            "refuses it too)") from None
    raise OverflowError(
        f"{op_name}: the Python integer {short_number(number)} is out of range for the {tensor.dtype} tensor of shape "
        f"{tuple(tensor.shape)} it meets ({np.iinfo(tensor.dtype).min} to {np.iinfo(tensor.dtype).max}); torch would "
        "wrap it into that dtype, minigrad does not guess: cast the tensor to a wider dtype first "
        "(.astype('int64')) or give a number in range") from None


def _refuse_sparse(op_name, a, b):
    """A sparse COO operand of a dense binary op (only reached off the all-Tensor fast path)."""
    def layout(x):
        if getattr(x, "is_sparse", False):
            return f"sparse_coo {tuple(x.shape)}"
        return f"strided {tuple(x.shape)}" if isinstance(x, Tensor) else type(x).__name__

    hint = ("minigrad multiplies a sparse left operand by a dense right one only (sparse.mm, mm, matmul, @)"
            if op_name in ("matmul", "mm") else "elementwise ops on sparse COO tensors are not supported")
    raise NotImplementedError(f"{op_name}: got {layout(a)} and {layout(b)}; {hint}: call .to_dense() on the sparse "
                              "operand first")


def python_real(op, name, value, bools=False):
    """``value`` as a Python int or float (a NumPy scalar's number), refused otherwise: a parameter of an op's
    formula must not be an array, which would broadcast. A bool (Python's or NumPy's) is refused too, unless
    ``bools``:

    - ``True``: the bool is the int 1 or 0, as torch reads it in its float arguments (leaky_relu's slope,
      hardtanh's bounds, lerp's weight, addcmul's value, addmm's beta and alpha, nan_to_num's replacements, ...);
    - ``"scalar"``: torch's Scalar argument where it tells the two bools apart (add's and sub's alpha, addr's beta
      and alpha, trapezoid's dx): a NumPy bool is the float 1.0 or 0.0 (torch reads it by ``__float__``), a Python
      bool comes back as the bool, torch's Boolean scalar, for the caller to refuse as torch does (``alpha_check``).
    """
    number = _python_number(value)
    if type(number) is not float and type(number) is not int:
        if bools and type(number) is bool:   # past the fast path: a float or int costs nothing more
            if bools == "scalar":
                return float(number) if isinstance(value, np.bool_) else number
            return int(number)
        raise TypeError(f"{op}: {name} must be a real number, got {name}={value!r} ({type(value).__name__})")
    return number


def alpha_check(op, name, value, result_dtype, dtypes=None):
    """torch's rule for a Scalar multiplier (add's and sub's alpha, addr's beta and alpha) against the result's
    dtype: a Python bool (a Boolean scalar, from ``python_real(..., bools="scalar")``) only for a bool result, a
    float (a NumPy bool's 1.0 too) not for an integer or bool result. RuntimeError, as torch's. ``dtypes``: the
    operands' dtypes, named in the message (formatted only when it raises: a dtype's str costs a microsecond)."""
    kind = result_dtype.kind
    if value.__class__ is bool:
        if kind == "b":   # a bool alpha for a bool result: taken
            return
        article = "an" if kind == "i" else "a"   # an int64, a uint8, a float32
        raise RuntimeError(f"{op}: a Python bool {name} is only supported for bool results, as in torch, got "
                           f"{name}={value!r} for {article} {result_dtype} result{_operands(result_dtype, dtypes)}; "
                           f"pass the number {int(value)}")
    if value.__class__ is float and kind in "iub":
        raise RuntimeError(f"{op}: for integer tensors{_operands(result_dtype, dtypes)}, {name} must be an int, got "
                           f"{name}={value!r} (torch refuses a floating point number there too)")


def _operands(result_dtype, dtypes):
    """`` (dtypes A and B)``, or `` (dtype R)`` without the operands' dtypes: ``alpha_check``'s message part."""
    return f" (dtypes {dtypes[0]} and {dtypes[1]})" if dtypes is not None else f" (dtype {result_dtype})"


def scalar_in_dtype(op, name, value, dtype):
    """A Scalar argument ``name`` (addcmul's value, addr's beta and alpha, index_add's alpha) as torch converts it
    to the result ``dtype`` it multiplies, the rule of the fills (``scalars.fill_number``): for bool any nonzero is
    True; for an integer dtype a float is truncated (1.5 is 1), a negative int wrapped into an unsigned dtype (uint8's
    -1 is 255), anything past the range refused (NaN, inf, 300 for int8: RuntimeError); for a floating or complex
    dtype a finite number past its largest is refused (1e40 for float32 and complex64, 70000 for float16:
    RuntimeError, where NumPy's cast made it inf), inf and NaN taken. A complex number is taken by a real dtype as
    its real part where its imaginary part is 0, else refused (RuntimeError). An int past 64 bits is OverflowError
    for every dtype."""
    kind = dtype.kind
    if kind == "b":   # any nonzero is True; an int past 64 bits is refused (OverflowError), the fills' rule
        return fill_number(f"{op} ({name})", value, dtype)
    if kind in "fc":
        if value.__class__ is int and -FLOAT16_MAX <= value <= FLOAT16_MAX:
            return value   # the common alpha=1 or 2: every float dtype holds it, no finfo
        value = fill_number(f"{op} ({name})", value, dtype)   # a float32 or float64 in range: two comparisons
        return value.real if kind == "f" and value.__class__ is complex else value
    if kind not in "iu":
        return value
    # an int into int64, the common case, fits: no finfo or iinfo
    if value.__class__ is not int or not (dtype is _INT64 and -INT64_MAX <= value <= INT64_MAX):
        value = fill_number(f"{op} ({name})", value, dtype)   # 1 + 0j comes back as 1.0
    return int(value)


def check_flag(op_name, label, value):
    """``value`` as a Python bool, refused unless it is one (a NumPy bool too): 0, 1 or None are not flags."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{op_name}: {label} must be True or False, got {label}={value!r}")
    return bool(value)


def as_floating(x):
    """``x`` as a Tensor whose integer or bool values become the default float dtype.

    For ops whose values are not integers (exp, log, ...): NumPy would give float64,
    and an op that casts its result back to the input dtype would truncate it.
    """
    x = as_tensor(x)
    if x.data.dtype.kind not in "fc":
        x = Tensor(x.data.astype(backend.DEFAULT_FLOAT))  # integers never require grad: nothing is detached
    return x


def normalize_axis(op_name, axis, ndim, shape=None):
    """``axis`` (None, int or tuple) as a sorted tuple of non-negative axes, checked against ``ndim``."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else _axis_tuple(op_name, axis)
    out = []
    for a in axes:
        if not isinstance(a, (int, np.integer)) or not -ndim <= a < ndim:   # NumPy's np.int64 axes too
            if not isinstance(a, (int, np.integer)):
                raise TypeError(f"{op_name}: axis must be an int or a tuple of ints, got {axis!r}")
            where = f"shape {tuple(shape)}" if shape is not None else f"{ndim} dimensions"
            raise ValueError(f"{op_name}: axis {a} is out of range for a tensor of {where}")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{op_name}: repeated axis in {axis}")
    return tuple(sorted(out))


def _axis_tuple(op_name, axis):
    if isinstance(axis, (str, bytes)):   # tuple("0") would read it as the axis '0'
        raise TypeError(f"{op_name}: axis must be an int or a tuple of ints, got {axis!r}")
    try:
        return tuple(axis)
    except TypeError:
        raise TypeError(f"{op_name}: axis must be an int or a tuple of ints, got {axis!r}") from None


def torch_axis(op_name, x, axis, keepdims, dim, keepdim, *, empty_dim_reduces_all=True):
    """``(axis, keepdims)`` for a reduction called with PyTorch's ``dim``/``keepdim`` (at least one not None).

    Either spelling may be used, never both for one argument. PyTorch's meanings are kept where
    they differ from NumPy's: ``dim=()`` reduces every axis (``empty_dim_reduces_all=False`` for
    torch.all/any, whose ``dim=()`` reduces none, as NumPy's ``axis=()``), and a 0-d tensor takes dim 0 or -1.
    """
    if dim is not None and axis is not None:
        raise TypeError(f"{op_name}: got both axis={axis!r} and dim={dim!r}; give one "
                        "(axis is NumPy's name, dim PyTorch's)")
    if keepdim is not None and keepdims is not None:
        raise TypeError(f"{op_name}: got both keepdims={keepdims!r} and keepdim={keepdim!r}; give one "
                        "(keepdims is NumPy's name, keepdim PyTorch's)")
    if dim is not None:
        single = is_integer(dim)
        if not single and not isinstance(dim, (tuple, list)):
            raise TypeError(f"{op_name}: dim must be an int or a tuple of ints, got {dim!r}")
        dims = (dim,) if single else tuple(dim)
        check_dims(op_name, dims, x.ndim, x.shape)
        dims = tuple(int(d) for d in dims)
        # dim=() is every axis in PyTorch (NumPy's axis=() is none of them); a 0-d tensor has only dim 0.
        axis = None if (not dims and empty_dim_reduces_all) or x.ndim == 0 else dims[0] if single else dims
    return axis, keepdims if keepdim is None else keepdim


def check_dims(op_name, dims, ndim, shape, extra=0):
    """Refuse a dim outside PyTorch's range [-n, n-1] (n = max(ndim + extra, 1)) or given twice, naming it."""
    n = max(ndim + extra, 1)
    for d in dims:
        if not is_integer(d):
            raise TypeError(f"{op_name}: dim must be an int, got {d!r} ({type(d).__name__})")
        if not -n <= d < n:
            raise ValueError(f"{op_name}: dim {d!r} is out of range for a tensor of shape {tuple(shape)} "
                             f"(expected a dim in [{-n}, {n - 1}])")
    if len({int(d) % n for d in dims}) != len(dims):
        raise ValueError(f"{op_name}: dims {tuple(dims)} repeat a dim of a tensor of shape {tuple(shape)}")


def one_dim(op_name, x, dim, axis, *, default=NOT_GIVEN_DIM):
    """The one axis an op along a single dim works on, from PyTorch's ``dim`` or NumPy's ``axis`` (never both).

    Returns an int in [0, ndim), or None for a 0-d tensor (which takes dim 0 or -1, as in PyTorch).
    A dim outside [-n, n-1] (n = max(ndim, 1)) or not an int is refused, naming the op and the shape.
    """
    if dim is not None and axis is not None:
        raise TypeError(f"{op_name}: got both axis={axis!r} and dim={dim!r}; give one "
                        "(axis is NumPy's name, dim PyTorch's)")
    d = dim if dim is not None else axis if axis is not None else default
    if d is NOT_GIVEN_DIM:
        raise TypeError(f"{op_name}: missing the dim to work along (dim=... or axis=...)")
    if not is_integer(d):
        raise TypeError(f"{op_name}: dim must be one int, got {d!r} ({type(d).__name__})")
    check_dims(op_name, (d,), x.ndim, x.shape)
    return None if x.ndim == 0 else int(d) % x.ndim


def expand_reduced(g, in_shape, axes, keepdims):
    """Reshape a reduction's output gradient so that it broadcasts against the input shape."""
    if keepdims or axes is None:  # a full reduction's 0-d gradient broadcasts as it is
        return g
    shape = list(in_shape)
    for a in axes:
        shape[a] = 1
    return g.reshape(tuple(shape))


# ------------------------------------------------------------------ helpers for backward
def _python_number(value):
    """A NumPy scalar as the Python number it holds, anything else as is.

    NumPy scalars are not "weak" in NumPy 2's promotion: ``x32 * np.float64(c)`` is
    float64, ``x32 * c`` stays float32. Scalar parameters of ops go through here.
    """
    return value.item() if isinstance(value, np.generic) and value.dtype.kind in "biuf" else value


# dtypes, not types: ``view`` reads a dtype at half the cost
_INT_OF_SIZE = {2: np.dtype(np.int16), 4: np.dtype(np.int32), 8: np.dtype(np.int64)}
# Up to this many values a NumPy ``where`` costs less than the multiply (whose bool operand NumPy casts through a
# buffer, a fixed cost of about 6,000 instructions): 12,400 against 17,700 for the tiny step's 16 values, and as
# fast or faster in time up to about 2,000 values (timed); past that its branch on each value loses.
_WHERE_MAX_SIZE = 1024


def _select(mask, values):
    """``values`` where ``mask``, else 0, exactly, at the speed of a multiply.

    ``values * mask`` turns an infinite value outside the mask into inf * 0 = NaN,
    and ``where`` is up to ten times slower on large arrays. Multiplying each
    value's bits, read as an integer, by the mask's 1 or 0 keeps the value
    exactly or gives the bits of +0.0: one pass, no float arithmetic. Small NumPy
    arrays take ``where``, cheaper there (``_WHERE_MAX_SIZE``).
    """
    dtype = values.dtype
    if values.size <= _WHERE_MAX_SIZE and type(values) is np.ndarray:
        return np.where(mask, values, NUMPY_ZERO[dtype.char])
    ints = _INT_OF_SIZE.get(dtype.itemsize)
    if ints is None:  # no integer as wide (complex128)
        return get_array_module(values).where(mask, values, 0)
    return (values.view(ints) * mask).view(dtype)   # the operator: NumPy's or CuPy's, no module to look up


def _const(array):
    """A constant (no-grad) tensor around an array computed in backward."""
    return Tensor._make(array, None, 0)


def numbers_as_floats(a, b):
    """For an op that computes in floats: a Python int meeting an integer or bool tensor as the float it is
    (the same default-float result), so a number that dtype cannot hold (``uint8_x / -3``) is read as its true value,
    as torch reads it, rather than refused."""
    try:
        if isinstance(a, Tensor) and a.data.dtype.kind in "biu" and type(_python_number(b)) is int:
            return a, float(_python_number(b))
        if isinstance(b, Tensor) and b.data.dtype.kind in "biu" and type(_python_number(a)) is int:
            return float(_python_number(a)), b
    except OverflowError:   # an int past float64's largest (10**400): ``operands`` refuses it, naming the op
        pass
    return a, b


def floating_operands(op_name, a, b):
    """``operands``, then integer or bool values in the default float dtype, as torch's float-valued
    binary ops give for integer inputs (atan2, xlogy, copysign, ...)."""
    a, b = operands(op_name, *numbers_as_floats(a, b))
    if a.data.dtype.kind not in "fc":
        a = _plain.cast(a, backend.DEFAULT_FLOAT)
    if b.data.dtype.kind not in "fc":
        b = _plain.cast(b, backend.DEFAULT_FLOAT)
    return a, b


def require_floating(op_name, *tensors):
    """Refuse integer and bool tensors where torch has no kernel for them (hypot, logaddexp, lerp, ...)."""
    for t in tensors:
        if t.data.dtype.kind not in "fc":
            raise TypeError(f"{op_name}: expected floating tensors, got dtype {t.dtype} (shape {tuple(t.shape)}); "
                            "cast it with .astype('float32') first")


def refuse_complex(op_name, *tensors):
    """Refuse complex tensors in an op that orders its values (maximum, sort, median, ...), as torch does: NumPy
    orders complex numbers by real part, then imaginary part, which torch never does."""
    for t in tensors:
        if t.data.dtype.kind == "c":
            raise TypeError(f"{op_name}: complex numbers have no order, got dtype {t.dtype} (shape {tuple(t.shape)}); "
                            "order their .real or .abs() (torch refuses them too)")


def half_in_float32(compute, *values):
    """``compute(*values)`` for float16 ``values``, computed in float32 and rounded once to float16.

    torch's half kernels accumulate in float32, so a float16 result is the float32 one rounded once: computed in
    float16, sums of squares overflow past 65504 and differences cancel. ``values`` are arrays or Tensors (a
    Tensor's cast is differentiable); a None among them (an absent weight or bias) passes through. The caller
    tests the dtype itself, so the float32 path costs no extra call.
    """
    result = compute(*(None if v is None else v.astype(np.float32) for v in values))
    with np.errstate(over="ignore"):   # a result past 65504 rounds to inf, as torch's does, without a warning
        return result.astype(np.float16)


def apply_widening_half(op, x, widen, **params):
    """``op.apply(x, **params)``; where ``widen`` (``scalars.check_scalar_arg`` found an argument past float16's
    largest, which in float16 would be inf), a float16 ``x`` is computed in float32 and rounded once, as torch's."""
    if widen:
        return half_in_float32(lambda x32: op.apply(x32, **params), x)
    if x.data.dtype is HALF:   # torch computes these in float32 and rounds a result past 65504 to inf silently;
        return backend.quiet_if_half(HALF, op.apply, x, **params)   # NumPy's float16 product warns
    return op.apply(x, **params)


def accumulator_dtype(x):
    """The dtype a running sum or product of ``x`` accumulates in, as torch's: float32 for float16 (a float16
    running sum of ones stops at 2048), and float64 for float32 on the CPU (torch's CPU scans accumulate in
    double, so a long float32 cumsum has no drift and is the float64 one rounded once; its CUDA scans keep float32),
    else None (``x``'s own)."""
    if x.dtype == np.float16:
        return np.float32
    return np.float64 if x.dtype == np.float32 and get_array_module(x) is np else None
