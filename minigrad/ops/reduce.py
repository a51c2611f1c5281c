"""Reductions over axes: sum, mean, var, std, max, min, logsumexp.

Each takes NumPy's ``axis``/``keepdims`` or PyTorch's ``dim``/``keepdim`` (never both
for one argument), with PyTorch's meaning where the PyTorch spelling is used: ``max``
and ``min`` with ``dim`` return ``(values, indices)``, ``var`` and ``std`` with ``dim``
divide by n - 1 (docs/autodiff.md, section 15).

The backward of a reduction spreads the output gradient back over the reduced
axes: reshape it so it broadcasts (``expand_reduced``), then broadcast.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from minigrad import backend
from minigrad.autograd.function import Function
from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import NOT_GIVEN, Tensor
from minigrad.backend import get_array_module
from minigrad.ops import _plain
from minigrad.ops._args import (_python_number, as_floating, check_flag, expand_reduced, half_in_float32, refuse_complex,
                                normalize_axis, torch_axis)
from minigrad.ops.compare import argmax, argmin
from minigrad.dtypes import as_dtype
from minigrad.ops.convert import astype, in_dtype
from minigrad.ops.selection import maximum, minimum
from minigrad.ops.shape import reshape
from minigrad.scalars import is_integer, is_real


def _count(shape, axes):
    n = 1
    for a in range(len(shape)) if axes is None else axes:
        n *= shape[a]
    return n


class Sum(Function):
    """y = sum of x over ``axis``.   dL/dx = g broadcast back over the summed axes.

    Shapes: x -> x's shape without the ``axis`` axes (each kept as 1 with ``keepdims``; all of them for axis=None).
    """

    values_unread = (0,)

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        return x.sum(axis=self.axis, keepdims=self.keepdims)

    def backward(self, F, gy, x):
        return F.broadcast_to(expand_reduced(gy, x.shape, self.axis, self.keepdims), x.shape)


class Mean(Function):
    """y = sum of x over ``axis`` / n.   dL/dx = g / n broadcast back over the reduced axes.

    Shapes: x -> x's shape without the ``axis`` axes (each kept as 1 with ``keepdims``; all of them for axis=None).
    """

    values_unread = (0,)

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        if x.size == 0 and x.dtype.kind == "f" and _count(x.shape, self.axis) == 0:
            # NaN times the empty sum: NumPy's own mean warns twice ('Mean of empty slice', 0/0), torch is quiet
            return x.sum(axis=self.axis, keepdims=self.keepdims) * x.dtype.type("nan")
        return x.mean(axis=self.axis, keepdims=self.keepdims)

    def backward(self, F, gy, x):
        n = _count(x.shape, self.axis)  # 0 only for an empty x, whose gradient is empty whatever the factor
        g = expand_reduced(gy, x.shape, self.axis, self.keepdims) * (1.0 / n if n else 0.0)
        return F.broadcast_to(g, x.shape)


class _Extremum(Function):
    """max or min over ``axis``.   dL/dx = g / k at each of the k tied extrema of a slice (its k NaNs where the
    extremum is NaN), else 0.

    Shapes: x -> x's shape without the ``axis`` axes (each kept as 1 with ``keepdims``; all of them for axis=None).
    """

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        return self.reduce(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, F, gy, x):
        y = self.reduce(x, axis=self.axis, keepdims=True)
        # a NaN extremum is the NaNs' (torch.max(x)'s rule): NaN == NaN would leave no entry, and 0 / 0 everywhere
        hit = F.astype((x == y) | ((x != x) & (y != y)), x.dtype)  # a constant mask
        share = hit / F.sum(hit, axis=self.axis, keepdims=True)
        return expand_reduced(gy, x.shape, self.axis, self.keepdims) * share


class Max(_Extremum):
    """y = max of x over ``axis``."""

    @staticmethod
    def reduce(x, axis, keepdims):
        return x.max(axis=axis, keepdims=keepdims)


class Min(_Extremum):
    """y = min of x over ``axis``."""

    @staticmethod
    def reduce(x, axis, keepdims):
        return x.min(axis=axis, keepdims=keepdims)


class LogSumExp(Function):
    """y = log(sum(exp(x))) over ``axis``, computed as m + log(sum(exp(x - m))), m = max x.

    dL/dx = g exp(x - y), the softmax of x along ``axis`` times the output gradient.
    Shapes: x -> x's shape without the ``axis`` axes (each kept as 1 with ``keepdims``; all of them for axis=None).
    """

    keep_output = True

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        xp = get_array_module(x)
        if x.size == 0:    # max has no value over nothing; the sum of no exps is 0 and its log -inf
            y = xp.full(x.sum(axis=self.axis, keepdims=True).shape, -np.inf, dtype=x.dtype)
        else:
            m = x.max(axis=self.axis, keepdims=True)
            m = xp.where(xp.isfinite(m), m, 0)  # all -inf slices: keep exp from making NaN
            s = xp.exp(x - m).sum(axis=self.axis, keepdims=True)
            with np.errstate(divide="ignore"):    # an all -inf slice sums to 0: its log -inf is the answer
                y = xp.log(s) + m
        if not self.keepdims:
            y = y.squeeze() if self.axis is None else y.squeeze(axis=self.axis)
        return y.astype(x.dtype, copy=False)

    def backward(self, F, gy, x):
        y = expand_reduced(F.output(self), x.shape, self.axis, self.keepdims)
        g = expand_reduced(gy, x.shape, self.axis, self.keepdims)
        with np.errstate(invalid="ignore"):       # -inf - -inf: an all -inf slice has NaN gradients, as torch's
            return g * F.exp(x - y)


class Std(Function):
    """y = sqrt(sum((x - mean x)^2) / (n - correction)) over ``axis`` (n: the number of reduced elements).

    dL/dx = g (x - mean x) / ((n - correction) y), and 0 where y = 0 (a constant slice), as in torch.std.
    Shapes: x -> x's shape without the ``axis`` axes (each kept as 1 with ``keepdims``; all of them for axis=None).
    """

    keep_output = True

    def __init__(self, axis, keepdims, correction):
        self.axis, self.keepdims, self.correction = axis, keepdims, correction

    def forward(self, x):
        if x.dtype == np.float16:   # the squared deviations summed overflow float16 (past 65504): float32 inside,
            return half_in_float32(self.forward, x)   # rounded once, as torch's half kernel
        d = x - x.mean(axis=self.axis, keepdims=True)
        d -= d.mean(axis=self.axis, keepdims=True)   # centred twice, as var (there: why)
        scale = 1.0 / (_count(x.shape, self.axis) - self.correction)
        return get_array_module(x).sqrt(_squares(d).sum(axis=self.axis, keepdims=self.keepdims) * scale)

    def backward(self, F, gy, x):
        n = _count(x.shape, self.axis)
        y = expand_reduced(F.output(self), x.shape, self.axis, self.keepdims)
        g = expand_reduced(gy, x.shape, self.axis, self.keepdims)
        nonzero = y != 0  # a constant mask; dividing by 1 instead of 0 keeps every order finite there
        d = x - F.sum(x, axis=self.axis, keepdims=True) * (1.0 / n)
        d = d - F.sum(d, axis=self.axis, keepdims=True) * (1.0 / n)   # as in forward
        return F.select(nonzero, g / F.where(nonzero, y, 1.0)) * d * (1.0 / (n - self.correction))


def _squares(d):
    """|d|^2 of deviations ``d``, an array or a Tensor: complex data has a real variance, as torch's (d * d gave
    [1j, 1, 2+1j] the variance 0.444+0j, not 0.889)."""
    return d * d if d.dtype.kind != "c" else (d * d.conj()).real


class TakeAlongAxis(Function):
    """y = x at ``index`` along ``axis`` (``numpy.take_along_axis``): the values of max and min with dim.

    dL/dx = zeros like x with g added at the indexed entries; the (integer) index gets no gradient.
    Shapes: x, and an int64 index of x's shape except along ``axis`` -> the index's shape.
    """

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x, index):
        return get_array_module(x).take_along_axis(x, index, axis=self.axis)

    def backward(self, F, gy, x, index):
        index = index.data if F.recording else index
        return F.index_add(gy, open_grid(index, self.axis, x.shape), x.shape), None


def open_grid(index, axis, shape):
    """The full position of each entry ``index`` points at along ``axis``: ``index`` there, and an ``arange``
    shaped to broadcast against it along every other axis of ``shape`` (NumPy's open-grid indexing)."""
    xp = get_array_module(index)
    ndim = len(shape)
    return tuple(index if i == axis else xp.arange(n).reshape((n,) + (1,) * (ndim - 1 - i))
                 for i, n in enumerate(shape))


def _reduction(cls, name, x, axis, keepdims):
    x = as_tensor(x)
    axes = normalize_axis(name, axis, x.ndim, x.shape)
    # max and min have no value over nothing (logsumexp has: log 0 = -inf, as torch's); over a
    # non-empty axis of an empty tensor the result is just empty, as in NumPy and PyTorch.
    if cls in (Max, Min) and any(x.shape[a] == 0 for a in (range(x.ndim) if axes is None else axes)):
        raise ValueError(f"{name}: cannot reduce over an empty axis of a tensor of shape {x.shape}")
    return cls.apply(x, axis=axes, keepdims=bool(keepdims))


# Every reduction below takes keepdims=None for "not given" (False), so that keepdim= next to it is refused.
def sum(x, axis=None, keepdims=None, *, dim=None, keepdim=None, dtype=None):  # noqa: A001
    """Sum over ``axis`` (all axes when None; ``keepdims`` keeps them as length 1).

    PyTorch's ``dim``/``keepdim`` are accepted instead; ``dim=()`` reduces every axis, as in PyTorch.
    ``dtype`` casts x first (NumPy's and torch's meaning), and the sum has that dtype.
    """
    if dtype is not None:
        return in_dtype("sum", sum, x, dtype, axis=axis, keepdims=keepdims, dim=dim, keepdim=keepdim)
    x = as_tensor(x)
    if dim is not None or keepdim is not None:
        axis, keepdims = torch_axis("sum", x, axis, keepdims, dim, keepdim)
    if x.data.dtype.kind in "biu" and x.data.dtype != np.int64:
        # torch sums every integer and bool dtype as int64, and so does NumPy but for uint64; cast by an op, so that
        # an ONNX export sums int64 too (ReduceSum keeps int8 as int8 and refuses bool)
        x = _plain.cast(x, np.int64)
    return _reduction(Sum, "sum", x, axis, keepdims)


def mean(x, axis=None, keepdims=None, *, dim=None, keepdim=None, dtype=None):
    """Arithmetic mean over ``axis`` (or PyTorch's ``dim``); the mean of integers is in the default float dtype.

    ``dtype`` (floating) casts x first, as torch's."""
    if dtype is not None:
        if as_dtype("mean", dtype).kind != "f":
            raise TypeError(f"mean: dtype must be floating (the mean of integers is not an integer), got "
                            f"{as_dtype('mean', dtype)}")
        return in_dtype("mean", mean, x, dtype, axis=axis, keepdims=keepdims, dim=dim, keepdim=keepdim)
    x = as_tensor(x)
    if dim is not None or keepdim is not None:
        axis, keepdims = torch_axis("mean", x, axis, keepdims, dim, keepdim)
    if x.data.dtype.kind not in "fc":
        x = _plain.cast(x, backend.DEFAULT_FLOAT)
    return _reduction(Mean, "mean", x, axis, keepdims)


# What torch.max(x, dim) and torch.min(x, dim) return (torch.return_types.max / min).
MaxResult = namedtuple("max", ["values", "indices"])
MinResult = namedtuple("min", ["values", "indices"])


def max(x, *positional, axis=None, keepdims=None, dim=None, keepdim=None):  # noqa: A001
    """Maximum over ``axis`` (a keyword); tied maxima share the gradient equally.

    With PyTorch's ``dim`` (one int), PyTorch's result: ``(values, indices)``, a named tuple.
    ``indices`` (int64, no gradient) locate the first maximum of each slice along ``dim``, and
    the gradient of ``values`` goes to that entry only, as with ``torch.max(x, dim)``
    (``TakeAlongAxis``: dL/dx = g at the indices, 0 elsewhere). A positional axis is refused:
    NumPy's ``max(x, 1)`` is the maxima, PyTorch's is ``(values, indices)``.
    """
    return _extremum(Max, "max", MaxResult, maximum, x, positional, axis, keepdims, dim, keepdim)


def min(x, *positional, axis=None, keepdims=None, dim=None, keepdim=None):  # noqa: A001
    """Minimum over ``axis`` (a keyword); tied minima share the gradient equally.

    With PyTorch's ``dim`` (one int), ``(values, indices)`` as ``torch.min(x, dim)``: the first
    minimum of each slice, which alone gets the gradient. A positional axis is refused, as for ``max``.
    """
    return _extremum(Min, "min", MinResult, minimum, x, positional, axis, keepdims, dim, keepdim)


def _extremum(cls, name, result, elementwise, x, positional, axis, keepdims, dim, keepdim):
    """max's and min's one body: NumPy's reduction over ``axis``, PyTorch's ``(values, indices)`` with ``dim``, or
    ``elementwise(x, other)`` for PyTorch's ``max(x, other)``."""
    x = as_tensor(x)
    refuse_complex(name, x)
    if positional:
        if _is_other_tensor(positional, axis, keepdims, dim, keepdim):
            return elementwise(x, positional[0])  # torch.max(input, other): only PyTorch reads a Tensor here
        dim = _torch_positional_dim(name, positional, keepdim, axis, keepdims, dim)
    if dim is None and keepdim is None:
        return _reduction(cls, name, x, axis, keepdims)
    return _extremum_with_dim(cls, name, result, x, axis, keepdims, dim, keepdim)


def _torch_positional_dim(name, positional, torch_keyword, axis, keepdims, dim):
    """The dim of ``x.max(1, keepdim=True)``: with a keyword only PyTorch has, a positional axis has only PyTorch's
    reading (NumPy spells it keepdims); without one, it reads two ways and is refused."""
    if (torch_keyword is None or len(positional) != 1 or axis not in (None, NOT_GIVEN) or keepdims is not None
            or dim not in (None, NOT_GIVEN)):
        raise _positional_axis(name, positional)
    return positional[0]


def _is_other_tensor(positional, *keywords):
    """Whether ``max(x, other)``/``min(x, other)`` is PyTorch's elementwise form: one Tensor and nothing else.

    NumPy's second argument is an axis, which a Tensor can only be when it is one integer (``__index__``);
    that reading stays ambiguous and is refused with the others.
    """
    if len(positional) != 1 or any(k is not None for k in keywords) or not isinstance(positional[0], Tensor):
        return False
    other = positional[0]
    return other.ndim != 0 or other.dtype.kind not in "iub"


def _positional_axis(name, positional):
    """The error for max/min/var/std given an axis by position, which NumPy and PyTorch read differently."""
    given = ", ".join(f"<Tensor of shape {a.shape}>" if isinstance(a, Tensor) else repr(a) for a in positional)
    if name in ("max", "min"):
        what = (f"NumPy's {name}(x, {given}) gives the {name}ima only, PyTorch's gives (values, indices); write "
                f"axis= for the {name}ima or dim= for (values, indices)")
        if len(positional) == 1 and isinstance(positional[0], Tensor):
            what += f" (for the elementwise {name}imum of two tensors: minigrad.{name}imum)"
    else:
        what = (f"NumPy's {name}(x, {given}) is (axis, dtype) and divides by n, PyTorch's is (dim, unbiased) "
                f"and divides by n - 1; write axis= (NumPy's) or dim= (PyTorch's), or choose the divisor "
                f"with ddof= or correction=")
    return TypeError(f"{name}: give the axis by keyword: {what}")


def _extremum_with_dim(cls, name, result, x, axis, keepdims, dim, keepdim):
    """max/min called with PyTorch's keywords: values and indices along ``dim`` (the values only for keepdim
    alone, as keepdims would; axis= with keepdim= is refused, since torch reads axis= as dim=)."""
    x = as_tensor(x)
    if dim is None and axis is not None and keepdim is not None:
        # torch takes axis= for dim=, so x.max(axis=1, keepdim=True)[1] is PyTorch's indices: ask, as for a
        # positional axis, rather than hand back the maxima to be indexed.
        raise TypeError(f"{name}: got axis={axis!r} with PyTorch's keepdim={keepdim!r}; NumPy's {name} gives the "
                        f"{name}ima only, PyTorch's (values, indices): write axis=..., keepdims=... for the "
                        f"{name}ima or dim=..., keepdim=... for (values, indices)")
    axis, keepdims = torch_axis(name, x, axis, keepdims, dim, keepdim)
    if dim is None:
        return _reduction(cls, name, x, axis, keepdims)
    if not is_integer(dim):
        raise TypeError(f"{name}: dim must be one int to return (values, indices), as torch.{name}(x, dim) does; "
                        f"got dim={dim!r} (axis={dim!r} reduces several axes to the values only)")
    xp = get_array_module(x.data)
    if x.ndim == 0:
        return result(x, Tensor(xp.zeros((), dtype=np.int64)))
    axis = int(axis) % x.ndim
    if x.shape[axis] == 0:
        raise ValueError(f"{name}: cannot reduce over an empty axis of a tensor of shape {x.shape}")
    if x.size == 0:  # an empty result: no index to look for
        index = Tensor(xp.zeros(x.shape[:axis] + (1,) + x.shape[axis + 1:], dtype=np.int64))
    else:
        index = (argmax if cls is Max else argmin)(x, axis, keepdims=True)
    values = TakeAlongAxis.apply(x, index, axis=axis)
    if not keepdims:
        shape = x.shape[:axis] + x.shape[axis + 1:]
        values, index = reshape(values, shape), reshape(index, shape)
    return result(values, index)


def logsumexp(x, axis=None, keepdims=None, *, dim=None, keepdim=None):
    """log(sum(exp(x))) over ``axis`` (or PyTorch's ``dim``), without overflow; integers are reduced as float32."""
    x = as_floating(x)
    if dim is not None or keepdim is not None:
        axis, keepdims = torch_axis("logsumexp", x, axis, keepdims, dim, keepdim)
    return _reduction(LogSumExp, "logsumexp", x, axis, keepdims)


def _variance_args(name, x, positional, axis, keepdims, ddof, dim, keepdim, correction, unbiased):
    """(axes, keepdims, correction) for var/std: the divisor n - ddof or n - correction as given; else NumPy's
    ddof=0 when called with ``axis``/``keepdims``, PyTorch's correction=1 with ``dim``/``keepdim`` (``dim=None``
    too: every dim); a call that names neither is refused, since the two libraries divide differently."""
    if positional:   # x.std(1, keepdim=True) and x.var(0, unbiased=False) can only be PyTorch's
        torch_keyword = next((v for v in (keepdim, correction, unbiased) if v is not None), None)
        dim = _torch_positional_dim(name, positional, torch_keyword, axis, keepdims, dim)
    torch_call = dim is not NOT_GIVEN or keepdim is not None
    numpy_call = axis is not NOT_GIVEN or keepdims is not None
    if dim is not NOT_GIVEN and axis is not NOT_GIVEN and (dim is None or axis is None):
        raise TypeError(f"{name}: got both axis={axis!r} and dim={dim!r}; give one "
                        "(axis is NumPy's name, dim PyTorch's)")
    axis = None if axis is NOT_GIVEN else axis
    if torch_call:
        axis, keepdims = torch_axis(name, x, axis, keepdims, None if dim is NOT_GIVEN else dim, keepdim)
    given = [(k, v) for k, v in (("ddof", ddof), ("correction", correction), ("unbiased", unbiased)) if v is not None]
    if len(given) > 1:
        raise TypeError(f"{name}: got {' and '.join(f'{k}={v!r}' for k, v in given)}; give one "
                        "(ddof is NumPy's name, correction and unbiased PyTorch's)")
    if unbiased is not None:
        label, c = "unbiased", int(check_flag(name, "unbiased", unbiased))
    elif given:
        label, c = given[0]
        if isinstance(c, bool) or not is_real(c):
            raise TypeError(f"{name}: {label} must be a real number, got {label}={c!r} ({type(c).__name__})")
        c = _python_number(c)   # a NumPy scalar would make Std's 1 / (n - c), and so a float32 result, float64
    elif torch_call != numpy_call:
        label, c = ("correction", 1) if torch_call else ("ddof", 0)
    else:  # neither spelling, or both mixed: NumPy's default and PyTorch's differ
        raise TypeError(f"{name}: NumPy's {name} divides by n and PyTorch's by n - 1; say which: ddof=0 "
                        "(or axis=..., keepdims=...) for NumPy's, correction=1 (or dim=..., keepdim=...) "
                        "for PyTorch's")
    axes = normalize_axis(name, axis, x.ndim, x.shape)
    n = _count(x.shape, axes)
    if n - c <= 0:
        raise ValueError(f"{name}: {label}={c} leaves no degrees of freedom for {n} elements")
    return axes, bool(keepdims), c


def var(x, *positional, axis=NOT_GIVEN, keepdims=None, ddof=None, dim=NOT_GIVEN, keepdim=None, correction=None,
        unbiased=None):
    """Variance over ``axis``: the mean of squared deviations, times n / (n - ddof) (n: elements reduced).

    NumPy's call (``axis=``, ``keepdims=``) defaults to ``ddof=0``, the population variance; PyTorch's
    (``dim=``, ``dim=None`` too, ``keepdim=``) to ``correction=1``. ``ddof=``, ``correction=`` or
    ``unbiased=`` (True: 1, False: 0) choose the divisor explicitly. The two libraries differ here, so
    a call that says neither (``x.var()``) or gives the axis by position is refused.
    """
    x = as_tensor(x)
    axes, keepdims, c = _variance_args("var", x, positional, axis, keepdims, ddof, dim, keepdim, correction, unbiased)
    if x.dtype == np.float16:   # as Std: float16 squared deviations summed overflow; float32 inside, as torch
        return half_in_float32(lambda x32: var(x32, axis=axes, keepdims=keepdims, ddof=c), x)
    d = x - mean(x, axes, keepdims=True)
    # Centre twice: the first mean is rounded to the input's precision (float32 1e6 + noise: off by ~0.03,
    # which adds its square to the variance); the deviations' own mean is that error, and small enough to
    # remove exactly. torch accumulates in double and has no such bias.
    d = d - mean(d, axes, keepdims=True)
    squares = _squares(d)
    if c == 0:   # the mean itself, with no factor read from the shape: an ONNX export keeps a batch axis symbolic
        return mean(squares, axes, keepdims)
    return sum(squares, axes, keepdims) * (1.0 / (_count(x.shape, axes) - c))


def std(x, *positional, axis=NOT_GIVEN, keepdims=None, ddof=None, dim=NOT_GIVEN, keepdim=None, correction=None,
        unbiased=None):
    """Standard deviation over ``axis``: ``sqrt(var(x, ...))``, with var's arguments and rules.

    Its gradient is 0 on a constant slice (where std is 0), as in torch.std.
    """
    x = as_floating(x)
    axes, keepdims, c = _variance_args("std", x, positional, axis, keepdims, ddof, dim, keepdim, correction, unbiased)
    return Std.apply(x, axis=axes, keepdims=keepdims, correction=c)
