"""Running sums along one axis: ``cumsum`` (PyTorch's ``dim`` or NumPy's ``axis``)."""
from __future__ import annotations

import numpy as np

from minigrad.autograd.function import Function
from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import NOT_GIVEN, Tensor
from minigrad.backend import cast, get_array_module
from minigrad.ops import _plain
from minigrad.ops._args import accumulator_dtype, one_dim
from minigrad.ops.convert import running_in_dtype
from minigrad.ops.shape import reshape


class CumSum(Function):
    """y_i = sum of x_j for j <= i along ``axis`` (j >= i with ``reverse``).

    dL/dx_j = sum of g_i for i >= j: the cumsum of g run the other way (``reverse`` flipped), so
    every order of derivative is this op again.
    Shapes: x -> x's shape.
    """

    values_unread = (0,)

    def __init__(self, axis, reverse=False):
        self.axis, self.reverse = axis, reverse

    def forward(self, x):
        xp = get_array_module(x)
        acc = accumulator_dtype(x)
        # float16 sums in float32, rounded once: past 65504 inf, silently as torch's (backend.cast)
        if not self.reverse:
            return cast(xp.cumsum(x, axis=self.axis, dtype=acc), x.dtype, copy=False)
        return cast(xp.flip(xp.cumsum(xp.flip(x, self.axis), axis=self.axis, dtype=acc), self.axis), x.dtype,
                    copy=False)

    def backward(self, F, gy, x):
        return F.apply(CumSum, gy, axis=self.axis, reverse=not self.reverse)


def cumsum(x, dim=None, *, axis=NOT_GIVEN, dtype=None):
    """The running sum along ``dim`` (as ``torch.cumsum(x, dim)``, which requires it) or NumPy's ``axis``.

    ``axis=None`` written out sums the flattened tensor, as ``numpy.cumsum`` does. Integers and bools
    sum as int64, as in both libraries; float32 stays float32. ``dtype`` casts x first (both libraries); bool is
    refused, as by torch (NumPy's is a running or).
    """
    if dtype is not None:
        return running_in_dtype("cumsum", cumsum, x, dtype, dim=dim, axis=axis)
    x = as_tensor(x)
    if x.dtype.kind in "biu" and x.dtype != np.int64:  # uint8 would sum as uint64 in NumPy; int64 in both libraries
        x = _plain.cast(x, np.int64)
    if axis is None and dim is None:  # NumPy's axis=None: over the flattened tensor
        return CumSum.apply(reshape(x, (-1,)), axis=0)
    if axis is NOT_GIVEN and dim is None:
        raise TypeError("cumsum: give the dim to sum along: dim=... (torch.cumsum requires it), or axis=None "
                        f"for the flattened tensor (NumPy's); got a tensor of shape {x.shape}")
    a = one_dim("cumsum", x, dim, None if axis is NOT_GIVEN else axis)
    if a is None:  # a 0-d tensor: its running sum is itself, as in PyTorch
        return reshape(CumSum.apply(reshape(x, (1,)), axis=0), ())
    return CumSum.apply(x, axis=a)
