"""Ops fused for speed: the affine map of ``Linear`` (alone or with the ReLU after it) and the squared-error loss.

Written as compositions, ``x @ W + b`` is two graph nodes, ``relu(x @ W + b)``
three and a squared error three; as single Functions each is one node, one
output array, and a backward that is a handful of array calls. Each backward is
still written once against ``F``, so second derivatives work as for any op.
"""
from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.function import Function
from minigrad.backend import NUMPY_ZERO, get_array_module
from minigrad.ops._args import half_in_float32

_FLOAT16 = np.dtype(np.float16)   # NumPy's builtin dtypes are singletons: an identity test, once per loss


class Affine(Function):
    """y = x @ W + b (b optional), with W of shape (in_features, out_features).

    dL/dx = g W^T,   dL/dW = x^T g,   dL/db = g summed over the batch (over every axis b was broadcast along).
    An input with more than two dimensions is a batch of rows: its leading
    dimensions are flattened for dL/dW.
    """

    def forward(self, x, weight, bias=None):
        y = x @ weight
        if bias is not None:
            y += bias  # in place: the product is a fresh array
        return y

    def backward(self, F, gy, x, weight, bias=None):
        needs = self.needs_input_grad
        gx = gy @ weight.T if needs[0] else None
        rows_x, rows_g = x, gy
        if x.ndim != 2:  # a batch of rows: flatten the leading dimensions
            # The row count is spelled out: reshape(-1, 0) cannot be read when in or out features are 0.
            rows = math.prod(x.shape[:-1])
            rows_x, rows_g = F.reshape(x, (rows, x.shape[-1])), F.reshape(gy, (rows, gy.shape[-1]))
        gw = rows_x.T @ rows_g if needs[1] else None
        if bias is None:
            return gx, gw
        gb = None
        if needs[2]:   # Linear's own (out,) bias: the sum over the rows; one set to (1, out), (), ...: F.sum_to
            gb = rows_g.sum(axis=0) if bias.shape == rows_g.shape[1:] else F.sum_to(gy, bias.shape)
        return gx, gw, gb


class AffineReLU(Affine):
    """y = relu(x @ W + b): a ``Linear`` layer and the ``ReLU`` after it, as one node.

    The mask ``y != 0`` is the same as "not x @ W + b <= 0" (y is never negative; a NaN stays NaN and passes g on,
    as torch's relu), so with dL/dz = g where y != 0, else 0, the three gradients are Affine's of dL/dz.
    The product is clamped in place: one array where Affine then ReLU make two.
    """

    keep_output = True  # the mask comes from the output; the pre-activation is never kept

    def forward(self, x, weight, bias=None):
        y = Affine.forward(self, x, weight, bias)
        if type(y) is np.ndarray:
            # A 0-d zero of y's dtype, not a Python 0 (see backend.NUMPY_ZERO); CuPy takes the 0 (a kernel argument).
            return np.maximum(y, NUMPY_ZERO[y.dtype.char], out=y)
        return get_array_module(y).maximum(y, 0, out=y)

    def backward(self, F, gy, x, weight, bias=None):
        # Selected, not multiplied by the mask: an infinite gradient at an inactive unit gives 0.
        # The mask y != 0 read as astype(bool), the same for floats (NaN is True, -0.0 False) with no 0 to convert.
        return Affine.backward(self, F, F.select(F.output(self).astype(bool), gy), x, weight, bias)


class SquaredError(Function):
    """L = scale * sum((x - t)^2), with scale = 1/n for the mean (the default) and 1 for the sum (``scale=1.0``).

    dL/dx = 2 scale (x - t) g,   dL/dt = -dL/dx.
    Shapes: x and t of one shape -> () (a scalar); g is () too.
    """

    def __init__(self, scale=None):
        self.scale = scale   # None (the default, so the mean's node is made without keyword parameters): 1/n

    def forward(self, x, target):
        if x.dtype is _FLOAT16:   # the float16 sum of squares overflows (past 65504) where the mean does not:
            return half_in_float32(self.forward, x, target)   # as torch
        # The factor of this call, kept apart from scale: a node run again on another size takes its own 1/n.
        # The mean of an empty batch is NaN, as in PyTorch (0 * NaN: an empty gradient).
        self.factor = self.scale if self.scale is not None else 1.0 / x.size if x.size else math.nan
        d = x - target
        d *= d
        return d.sum() * self.factor

    def backward(self, F, gy, x, target):
        gx = (x - target) * (gy * (2.0 * self.factor))
        nx, nt = self.needs_input_grad
        return (gx if nx else None, -gx if nt else None)
