"""Constructor argument checks shared by the layers: each returns the value as a plain Python value or raises
one ``ValueError`` naming the layer, the argument and the value, e.g.
``Linear: in_features must be a positive integer, got 3.5``.

A bool is not an integer here (``Linear(True, 2)`` is a mistake, not a 1, and torch refuses it too), while NumPy
integers and floats are accepted, as PyTorch accepts them. Where a real number is wanted (a slope, a bound, an eps, a
rate: ``number`` to ``probability``) a bool, Python's or NumPy's, is read as 1.0 or 0.0, as torch reads it
(``F.leaky_relu(x, True)``, ``nn.Dropout(p=False)``), and then checked as that number. The recurrent layers use
them too.
"""
from __future__ import annotations

import math

import numpy as np

from minigrad import backend
from minigrad.autograd.tensor import Tensor
from minigrad.ops._windows import pair, single, triple
from minigrad.scalars import is_integer, is_real_or_bool

REDUCTIONS = ("mean", "sum", "none")


def integer(layer, arg, value) -> int:
    """Any integer (an axis, an index)."""
    if not is_integer(value):
        raise ValueError(f"{layer}: {arg} must be an integer, got {value!r}")
    return int(value)


def positive_int(layer, arg, value) -> int:
    """An integer >= 1 (a size, a count)."""
    if not is_integer(value) or value < 1:
        raise ValueError(f"{layer}: {arg} must be a positive integer, got {value!r}")
    return int(value)


def nonnegative_int(layer, arg, value) -> int:
    """An integer >= 0 (a size that may be empty)."""
    if not is_integer(value) or value < 0:
        raise ValueError(f"{layer}: {arg} must be a non-negative integer, got {value!r}")
    return int(value)


def number(layer, arg, value) -> float:
    """Any finite real number (a slope)."""
    if not is_real_or_bool(value) or not math.isfinite(value):
        raise ValueError(f"{layer}: {arg} must be a finite number, got {value!r}")
    return float(value)


def real_number(layer, arg, value) -> float:
    """Any real number, the infinities and NaN included (a bound or a fill value: Threshold's)."""
    if not is_real_or_bool(value):
        raise ValueError(f"{layer}: {arg} must be a real number, got {value!r}")
    return float(value)


def float_or_int(layer, arg, value):
    """torch's ``isinstance(value, (float, int))`` check (HuberLoss's delta): a Python float or int, a bool (an int)
    and a NumPy float64 (a float subclass) pass, kept as given (as torch keeps it, so a refusal at the call names
    it); a NumPy float32, integer or bool, a string, ... raise TypeError in torch's words. Only the type: the value is
    the op's to check when called, as torch's."""
    if not isinstance(value, (float, int)):
        raise TypeError(f"{layer}: {arg} must be a float or int, got: {type(value)} ({arg}={value!r})")
    return value


def float_argument(op, arg, value) -> float:
    """A float argument as torch's argument parser reads one (smooth_l1_loss's beta, huber_loss's delta, the norms'
    eps): a real number, Python's or NumPy's, a bool (1.0 or 0.0), or a 0-d tensor that does not require grad (the
    number it holds), as a Python float. A NumPy complex scalar gives its real part, as torch reads it (by
    ``__float__``, NumPy's ComplexWarning); a 0-d complex tensor its real part where its imaginary part is 0, else
    torch's RuntimeError ("value cannot be converted to type double without overflow"). Anything else (a string,
    None, a list, a Python complex, a tensor that requires grad or has dims) is torch's TypeError ("argument 'beta'
    must be float, not str"), naming ``op``, the argument and the value. Only the type: the value (a negative beta,
    say) is the caller's to check."""
    if value.__class__ is float:   # the common eps=1e-5: no ABC check
        return value
    if is_real_or_bool(value) or isinstance(value, np.complexfloating):
        return float(value)
    if isinstance(value, Tensor) and value.ndim == 0 and not value.requires_grad and value.dtype.kind in "biufc":
        number = value.item()
        if isinstance(number, complex):
            if number.imag != 0:
                raise RuntimeError(f"{op}: {arg}={value!r} has an imaginary part, which a float argument cannot hold "
                                   "(torch: value cannot be converted to type double without overflow)")
            number = number.real
        return float(number)
    raise TypeError(f"{op}: {arg} must be a float (a real number, or a 0-d tensor that does not require grad), got "
                    f"{arg}={value!r} ({type(value).__name__})")


def positive_number(layer, arg, value) -> float:
    """A real number > 0."""
    if not is_real_or_bool(value) or not value > 0:
        raise ValueError(f"{layer}: {arg} must be a positive number, got {value!r}")
    return float(value)


def norm_order(layer, arg, value) -> float:
    """A vector norm's p, any real number as torch.norm's: 0 counts nonzeros, +-inf is the largest or smallest
    |x|, a negative p is (sum |x|^p)^(1/p). Only NaN is refused."""
    if not is_real_or_bool(value) or value != value:
        raise ValueError(f"{layer}: {arg} must be a number (inf, -inf, 0 and negative p included), got {value!r}")
    return float(value)


def nonnegative_number(layer, arg, value) -> float:
    """A real number >= 0."""
    if not is_real_or_bool(value) or not value >= 0:
        raise ValueError(f"{layer}: {arg} must be a non-negative number, got {value!r}")
    return float(value)


def probability(layer, arg, value) -> float:
    """A real number in [0, 1] (a dropout rate, a smoothing weight)."""
    if not is_real_or_bool(value) or not 0 <= value <= 1:
        raise ValueError(f"{layer}: {arg} must be a number in [0, 1], got {value!r}")
    return float(value)


def one_of(layer, arg, value, choices):
    """One of the strings ``choices``: ``reduction must be 'mean', 'sum' or 'none', got 'avg'``."""
    if not isinstance(value, str) or value not in choices:
        names = [repr(c) for c in choices]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        raise ValueError(f"{layer}: {arg} must be {listed}, got {value!r}")
    return value


def reduction(layer, value) -> str:
    """A loss's ``reduction``: 'mean', 'sum' or 'none'."""
    return one_of(layer, "reduction", value, REDUCTIONS)


def int_pair(layer, arg, value, minimum=1) -> tuple:
    """An int or a pair of ints, each >= ``minimum`` (1: positive, 0: non-negative), as a pair of Python ints."""
    return _int_tuple(layer, arg, value, minimum, pair, "a pair of them")   # the ops' own parser: one rule


def int_triple(layer, arg, value, minimum=1) -> tuple:
    """An int or three ints, each >= ``minimum`` (1: positive, 0: non-negative), as a triple of Python ints (the
    3-D layers' sizes, kept as PyTorch's ``_triple`` keeps them)."""
    return _int_tuple(layer, arg, value, minimum, triple, "a tuple of 3 of them")


def _int_tuple(layer, arg, value, minimum, parse, several):
    try:
        ints = parse(layer, arg, value)
    except TypeError:
        ints = None
    if ints is None or not all(v >= minimum for v in ints):
        kind = "positive integer" if minimum == 1 else "non-negative integer" if minimum == 0 else \
            f"integer >= {minimum}"
        raise ValueError(f"{layer}: {arg} must be a {kind} or {several}, got {value!r}")
    return ints


def int_single(layer, arg, value, minimum=1) -> tuple:
    """An int or a 1-tuple of one, >= ``minimum`` (1: positive, 0: non-negative), as a 1-tuple of a Python int
    (the 1-D layers' sizes, kept as PyTorch's ``_single`` keeps them)."""
    try:
        ints = (single(layer, arg, value),)
    except TypeError:
        ints = None
    if ints is None or ints[0] < minimum:
        kind = "positive integer" if minimum == 1 else "non-negative integer" if minimum == 0 else \
            f"integer >= {minimum}"
        raise ValueError(f"{layer}: {arg} must be a {kind} or a 1-tuple of one, got {value!r}")
    return ints


def floating_dtype(layer, value) -> np.dtype:
    """A floating NumPy dtype (anything ``np.dtype`` reads: "float32", np.float64, ...); None is the default float,
    as in PyTorch (``np.dtype(None)`` would be float64)."""
    if value is None:
        return backend.DEFAULT_FLOAT
    try:
        dtype = np.dtype(value)
    except TypeError:
        dtype = None
    if dtype is None or dtype.kind != "f":
        raise ValueError(f"{layer}: dtype must be a floating dtype such as 'float32', got {value!r}")
    return dtype


def int_shape(layer, arg, value) -> tuple:
    """A positive integer or a non-empty sequence of them (LayerNorm's ``normalized_shape``), as a tuple of ints."""
    values = (value,) if is_integer(value) else value
    try:
        ok = len(values) > 0 and all(is_integer(v) and v >= 1 for v in values)
    except TypeError:  # not a sequence
        ok = False
    if not ok or isinstance(values, (str, bytes)):
        raise ValueError(f"{layer}: {arg} must be a positive integer or a non-empty sequence of them, got {value!r}")
    return tuple(int(v) for v in values)


def flag(layer, arg, value) -> bool:
    """A yes/no option (``keepdim``, ``log_target``): a bool or NumPy bool, as a Python bool (1 or "yes" is a
    mistake, not a switch)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{layer}: {arg} must be a bool, got {value!r}")
    return bool(value)


def inplace_flag(layer, value) -> bool:
    """PyTorch's ``inplace`` option (False by default): a bool. True writes the result into the input, recorded
    while a graph is (``minigrad/nn/functional/in_place.py``)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{layer}: inplace must be a bool, got {value!r}")
    return bool(value)
