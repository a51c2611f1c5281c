"""``prod``: the product over axes, with the exact gradient where entries are 0.

Away from zeros the derivative of a product is the product over the entry, y / x_i. At a zero that
divides by 0, so the gradient is written as the product of the *other* entries, split into the
nonzero ones (their product q, over the entry when it is nonzero) and the zero ones (1, 0 or a
sum of zero entries, by how many zeros the slice holds). Both parts are exact in value and in
first derivative, so the gradient and the second derivative are exact at zeros too, as in PyTorch.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.function import Function
from minigrad.autograd.tensor import Tensor
from minigrad.autograd.coercion import as_tensor
from minigrad.ops._args import expand_reduced, normalize_axis, torch_axis
from minigrad.ops.convert import in_dtype


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
        zero = data == 0
        if not zero.any():
            return g * (expand_reduced(F.output(self), x.shape, self.axis, self.keepdims) / x)
        return g * _others(F, x, zero, self.axis)


def _others(F, x, zero, axis):
    """The product of the other entries of each entry's slice, exact in value and first derivative at zeros.

    With q = the product of the nonzero entries and s = the sum of the zero ones (0, but its derivative
    is 1 towards each zero entry), for a slice with c zeros: a nonzero entry's others are q / x_i times
    1 (c = 0), s (c = 1) or 0 (c >= 2); a zero entry's are q times 1 (c = 1), s - x_i (c = 2: the other
    zero) or 0 (c >= 3). The products of c - 1 >= 2 zeros left out are 0 with a zero derivative.
    """
    data = x.data if F.recording else x
    count = zero.sum(axis=axis, keepdims=True)
    c0, c1, c2 = (F.const((count == k).astype(data.dtype)) for k in (0, 1, 2))
    mask = F.const(zero)
    nonzero_x = F.where(mask, 1.0, x)
    q = F.apply(Prod, nonzero_x, axis=axis, keepdims=True)        # no zeros in it: the quotient form
    s = F.sum(F.where(mask, x, 0.0), axis=axis, keepdims=True)
    return F.where(mask, q, q / nonzero_x) * F.where(mask, c1 + c2 * (s - x), c0 + c1 * s)


def prod(x, axis=None, keepdims=None, *, dim=None, keepdim=None, dtype=None):
    """The product over ``axis`` (all axes when None), or over PyTorch's ``dim`` with ``keepdim``.

    The gradient is exact where entries are 0 (one or several), as in PyTorch. Integers and bools
    multiply as int64 (NumPy's and PyTorch's rule); float32 stays float32. ``dtype`` casts x first.
    """
    if dtype is not None:
        return in_dtype("prod", prod, x, dtype, axis=axis, keepdims=keepdims, dim=dim, keepdim=keepdim)
    x = as_tensor(x)
    if x.dtype.kind in "biu" and x.dtype != np.int64:  # uint8 would multiply as uint64 in NumPy; int64 in both
        x = Tensor(x.data.astype(np.int64))
    if dim is not None or keepdim is not None:
        axis, keepdims = torch_axis("prod", x, axis, keepdims, dim, keepdim)
    axes = normalize_axis("prod", axis, x.ndim, x.shape)
    return Prod.apply(x, axis=axes, keepdims=bool(keepdims))
