"""Sorting along one dim: ``sort``, ``argsort`` and ``topk``, with PyTorch's ``(values, indices)`` results.

The indices (int64, no gradient) come from one stable argsort: tied entries keep their order, in
either direction, and NaN counts as the largest value, as in PyTorch. The values are
``TakeAlongAxis(x, indices)``, so their gradient goes back to the entries they were taken from
(as for ``max(x, dim=...)``).
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import NOT_GIVEN, Tensor
from minigrad.backend import get_array_module
from minigrad.ops import _plain
from minigrad.ops._args import check_flag, one_dim, refuse_complex
from minigrad.ops.reduce import TakeAlongAxis
from minigrad.ops.shape import reshape
from minigrad.scalars import is_integer

# What torch.sort and torch.topk return (torch.return_types.sort / topk).
SortResult = namedtuple("sort", ["values", "indices"])
TopkResult = namedtuple("topk", ["values", "indices"])


def _stable_argsort(x, axis, descending):
    """The permutation sorting ``x`` along ``axis``; ties in their order, NaN largest (last, or first if descending)."""
    xp = get_array_module(x)
    # CuPy's argsort is always stable and takes no kind= but None.
    stable = {"kind": "stable"} if xp is np else {}
    if not descending:
        return xp.argsort(x, axis=axis, **stable).astype(np.int64, copy=False)
    # Sorting the reversed slice ascending and reading it backwards puts ties in their original order.
    backwards = xp.argsort(xp.flip(x, axis), axis=axis, **stable).astype(np.int64, copy=False)
    return (x.shape[axis] - 1) - xp.flip(backwards, axis)


def _indices(x, axis, descending):
    return _plain.plain("argsort", {"axis": axis, "descending": bool(descending)}, x,
                        lambda data: _stable_argsort(data, axis, descending))


def _along(name, x, axis, descending, k=None):
    """(values, indices) of the ``k`` first entries (all without k) of each slice sorted along ``axis``."""
    if axis is None:  # a 0-d tensor: one slice of one entry
        values, indices = _along(name, reshape(x, (1,)), 0, descending, k)
        return (reshape(values, ()), reshape(indices, ())) if values.shape == (1,) else (values, indices)
    indices = _indices(x, axis, descending)
    if k is not None and k < x.shape[axis]:
        indices = indices[(slice(None),) * axis + (slice(0, k),)]
    return TakeAlongAxis.apply(x, indices, axis=axis), indices


def sort(x, *positional, dim=None, axis=NOT_GIVEN, descending=None, stable=None):
    """The entries sorted along ``dim`` (PyTorch's call) or ``axis`` (NumPy's call); differentiable.

    With ``dim`` (default -1), ``descending`` or ``stable``: PyTorch's result, a named tuple
    ``(values, indices)``; ties keep their order whatever ``stable`` says. With ``axis``: NumPy's,
    the sorted values only (``axis=None``: the flattened tensor). ``sort(x)`` alone or with a
    positional dim is refused: NumPy's gives the values, PyTorch's (values, indices).
    """
    x = as_tensor(x)
    refuse_complex("sort", x)
    torch_call = dim is not None or descending is not None or stable is not None
    if positional or torch_call == (axis is not NOT_GIVEN):
        given = "".join(f", {a!r}" for a in positional)
        raise TypeError(f"sort: NumPy's sort(x{given}) gives the sorted values, PyTorch's gives (values, indices); "
                        "write axis=... (NumPy's, the values) or dim=... / descending=... (PyTorch's, "
                        "(values, indices)), not both")
    if not torch_call:
        if axis is None:
            x, axis = reshape(x, (-1,)), 0
        return _along("sort", x, one_dim("sort", x, None, axis), False)[0]
    descending = check_flag("sort", "descending", False if descending is None else descending)
    check_flag("sort", "stable", False if stable is None else stable)
    return SortResult(*_along("sort", x, one_dim("sort", x, dim, None, default=-1), descending))


def argsort(x, dim=None, descending=False, *, axis=NOT_GIVEN, stable=False):
    """The int64 indices that sort ``x`` along ``dim`` (or NumPy's ``axis``; default -1), no gradient.

    Ties keep their order (a stable sort, whatever ``stable`` says); ``axis=None`` sorts the flattened
    tensor, as in NumPy.
    """
    x = as_tensor(x)
    refuse_complex("argsort", x)
    descending = check_flag("argsort", "descending", descending)
    check_flag("argsort", "stable", stable)
    if axis is None and dim is None:
        x, axis = reshape(x, (-1,)), 0
    a = one_dim("argsort", x, dim, None if axis is NOT_GIVEN else axis, default=-1)
    if a is None:
        return Tensor(get_array_module(x.data).zeros((), dtype=np.int64))
    return _indices(x, a, descending)


def topk(x, k, dim=-1, largest=True, sorted=True):  # noqa: A002 (PyTorch's name)
    """The ``k`` largest (or smallest) entries along ``dim`` and their int64 indices, as ``torch.topk``.

    A named tuple ``(values, indices)``; the values are differentiable (the gradient goes to the
    entries taken). Among ties the lower index comes first. The result is sorted even with
    ``sorted=False`` (PyTorch then leaves the order unspecified).
    """
    x = as_tensor(x)
    refuse_complex("topk", x)
    a = one_dim("topk", x, dim, None)
    largest = check_flag("topk", "largest", largest)
    check_flag("topk", "sorted", sorted)
    n = 1 if a is None else x.shape[a]
    if not is_integer(k):
        raise TypeError(f"topk: k must be an int, got k={k!r} ({type(k).__name__})")
    if not 0 <= k <= n:
        raise ValueError(f"topk: k={k} is out of range for dim {dim} of size {n} in a tensor of shape "
                         f"{x.shape} (expected 0 <= k <= {n})")
    # A 0-d tensor gives itself for k = 0 too, as in PyTorch: it has no dim to cut short.
    return TopkResult(*_along("topk", x, a, largest, None if a is None else int(k)))
