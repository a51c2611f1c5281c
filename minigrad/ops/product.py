"""``prod``: the product over axes, with the exact gradient where entries are 0.

Away from zeros the derivative of a product is the product over the entry, y / x_i. At a zero that
divides by 0, so there the gradient is the product of the *other* entries, written as torch's: the
running product of the entries before times that of the entries after (``_others``). Both are
CumProd's, exact in value and every derivative at zeros, so the gradient and the second derivative
are exact at zeros too, as in PyTorch, and an infinity beside a zero gets torch's finite gradient.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.function import Function
from minigrad.autograd.tensor import Tensor
from minigrad.autograd.coercion import as_tensor
from minigrad.ops import _plain
from minigrad.ops._args import expand_reduced, normalize_axis, torch_axis
from minigrad.ops.convert import in_dtype
from minigrad.ops.cumulative import CumProd, _shift


class Prod(Function):
    """y = product of x over ``axis``.   dL/dx_i = g * (product of the other entries of x_i's slice).

    That is g y / x_i where the slice has no zero; where it has zeros, see ``_others`` (exact there).
    Shapes: x -> x's shape without the ``axis`` axes (each kept as 1 with ``keepdims``; all of them for axis=None).
    """

    keep_output = True

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        return x.prod(axis=self.axis, keepdims=self.keepdims)

    def backward(self, F, gy, x):
        g = expand_reduced(gy, x.shape, self.axis, self.keepdims)
        data = x.data if F.recording else x
        if not (data == 0).any():
            return g * (expand_reduced(F.output(self), x.shape, self.axis, self.keepdims) / x)
        return g * _others(F, x, self.axis)


def _others(F, x, axis):
    """The product of the other entries of each entry's slice: the running products before and after it
    (torch's formula, so an infinite entry beside a zero gets 0, the product of the rest, where q / x_i is
    inf / inf = NaN). They are CumProd's, exact at zeros in value and every derivative. The reduced axes
    are moved last and flattened into one, whose slices the running products go along.
    """
    ndim = x.ndim
    axes = tuple(range(ndim)) if axis is None else axis
    order = [a for a in range(ndim) if a not in axes] + list(axes)
    moved = F.transpose(x, tuple(order))
    kept = moved.shape[:ndim - len(axes)]
    flat = F.reshape(moved, kept + (-1,))
    last, back = len(kept), (slice(None),) * len(kept) + (slice(None, None, -1),)
    before = F.apply(CumProd, _shift(F, flat, -1, last, 1), axis=last)
    after = F.apply(CumProd, _shift(F, flat[back], -1, last, 1), axis=last)[back]
    others = F.reshape(before * after, moved.shape)
    return F.transpose(others, tuple(np.argsort(order)))


def prod(x, axis=None, keepdims=None, *, dim=None, keepdim=None, dtype=None):
    """The product over ``axis`` (all axes when None), or over PyTorch's ``dim`` with ``keepdim``.

    The gradient is exact where entries are 0 (one or several), as in PyTorch. Integers and bools
    multiply as int64 (NumPy's and PyTorch's rule); float32 stays float32. ``dtype`` casts x first.
    """
    if dtype is not None:
        return in_dtype("prod", prod, x, dtype, axis=axis, keepdims=keepdims, dim=dim, keepdim=keepdim)
    x = as_tensor(x)
    if x.dtype.kind in "biu" and x.dtype != np.int64:  # uint8 would multiply as uint64 in NumPy; int64 in both
        x = _plain.cast(x, np.int64)
    if dim is not None or keepdim is not None:
        axis, keepdims = torch_axis("prod", x, axis, keepdims, dim, keepdim)
    axes = normalize_axis("prod", axis, x.ndim, x.shape)
    return Prod.apply(x, axis=axes, keepdims=bool(keepdims))
