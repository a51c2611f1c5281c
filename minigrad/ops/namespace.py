"""``F``, the namespace every op's one ``backward`` is written against.

An op writes its derivative once, as ``backward(self, F, gy, *inputs)``. The
engine calls it in one of two modes, decided once per backward pass:

- ``arrays`` (``loss.backward()``): ``gy`` and the inputs are raw NumPy or CuPy
  arrays and nothing is recorded, so a first-order pass costs array calls only;
- ``tensors`` (``create_graph=True``): they are Tensors and ``F`` holds minigrad's
  ops, so the same lines are recorded as a graph and can be differentiated again.

This is HIPS autograd's idea: one vector-Jacobian product serves raw and traced
values. Python operators (``+ - * / ** @``, comparisons, ``x[index]``) already
work on both; the functions below fill in the rest, with one meaning in both
modes. An op family that adds a function other ops' derivatives need (a
convolution, say) adds it with ``register``; any op can also be reached as
``F.apply(OpClass, *args, **params)``.
"""
from __future__ import annotations

from operator import attrgetter
from types import ModuleType

from minigrad.backend import cast, get_array_module
from minigrad.ops._args import _const, _select
from minigrad.ops.broadcast import _broadcast_array, _sum_to_array, broadcast_to, sum_to
from minigrad.ops.convert import astype
from minigrad.ops.functions import Cos, Exp, Log, Sigmoid, Sin, Sqrt, Tanh, cos, exp, log, sigmoid, sin, sqrt, tanh
from minigrad.ops.indexing import IndexAdd
from minigrad.ops.reduce import sum as _sum
from minigrad.ops.selection import where
from minigrad.ops.shape import concat, reshape_if_needed, transpose_if_needed


def _forward_of(op):
    """An op's forward as a plain array function: the array form of its lowercase function."""
    return lambda *xs: op().forward(*xs)


def _array_where(cond, a, b):
    return get_array_module(cond).where(cond, a, b)


def _array_concat(xs, axis):
    return get_array_module(xs[0]).concatenate(xs, axis=axis)


def _array_sum(x, axis=None, keepdims=False):
    return x.sum(axis=axis, keepdims=keepdims)


def _array_sign(x):
    return get_array_module(x).sign(x)


def _tensor_sign(x):
    return _const(_array_sign(x.data))  # a derivative's factor that is constant almost everywhere


def _tensor_select(mask, g):
    return where(mask, g, 0.0)  # a literal 0, not g * 0: exactly 0 even where g is inf


def _namespace(name, **functions):
    """A module object holding ``functions``. A module, not a SimpleNamespace: CPython specializes the call of a
    module's function (``F.sum_to(...)``) and not a SimpleNamespace's, which cost 25 to 40 ns a call, 3% of a deep
    chain's backward."""
    module = ModuleType(f"{__name__}.{name}")
    module.__dict__.update(functions)
    return module


arrays = _namespace(
    "arrays",
    recording=False,
    apply=lambda op, *xs, **params: op(**params).forward(*xs),
    sum_to=_sum_to_array,
    broadcast_to=_broadcast_array,
    reshape=lambda x, shape: x.reshape(shape),
    transpose=lambda x, axes=None: x.transpose(axes),
    where=_array_where,
    select=_select,
    sign=_array_sign,
    exp=_forward_of(Exp), log=_forward_of(Log), sqrt=_forward_of(Sqrt), sin=_forward_of(Sin),
    cos=_forward_of(Cos), tanh=_forward_of(Tanh), sigmoid=_forward_of(Sigmoid),
    sum=_array_sum,
    concat=_array_concat,
    index_add=lambda g, index, shape: IndexAdd(index, shape).forward(g),
    astype=lambda x, dtype: cast(x, dtype, copy=False),   # float16 past 65504: inf silently, as torch's
    const=lambda array: array,
    output=attrgetter("_output_data"),
)

tensors = _namespace(
    "tensors",
    recording=True,
    apply=lambda op, *xs, **params: op.apply(*xs, **params),
    sum_to=sum_to,
    broadcast_to=broadcast_to,
    # no node where a gradient already has the shape: an identity view node would cost every recorded backward
    reshape=reshape_if_needed,
    transpose=lambda x, axes=None: transpose_if_needed(x, axes if axes else range(x.ndim - 1, -1, -1)),
    where=where,
    select=_tensor_select,
    sign=_tensor_sign,
    exp=exp, log=log, sqrt=sqrt, sin=sin, cos=cos, tanh=tanh, sigmoid=sigmoid,
    sum=_sum,
    concat=concat,
    index_add=lambda g, index, shape: IndexAdd.apply(g, index=index, shape=shape),
    astype=astype,
    const=_const,
    output=lambda fn: fn.output(),
)


def register(name, *, tensor, array):
    """Add ``F.<name>``: ``tensor`` when the graph is recorded, ``array`` on raw arrays."""
    setattr(tensors, name, tensor)
    setattr(arrays, name, array)
