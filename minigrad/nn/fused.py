"""Ops fused for speed: the affine map of ``Linear`` (alone or with the ReLU after it) and the squared-error loss.

Written as compositions, ``x @ W + b`` is two graph nodes, ``relu(x @ W + b)``
three and a squared error three; as single Functions each is one node, one
output array, and a backward that is a handful of array calls. Their ``backward`` is still written with
minigrad ops (so second derivatives work); ``backward_arrays`` is the same
formula on raw arrays, the engine's fast path for ordinary training.
"""
from __future__ import annotations

from minigrad.autograd.function import Function
from minigrad.backend import get_array_module
from minigrad.ops import reshape, sum_to, transpose, where
from minigrad.ops._args import _const, _select


class Affine(Function):
    """y = x @ W + b (b optional), with W of shape (in_features, out_features).

    dL/dx = g W^T,   dL/dW = x^T g,   dL/db = g summed over the batch.
    An input with more than two dimensions is a batch of rows: its leading
    dimensions are flattened for dL/dW.
    """

    fresh_grads = True  # three new arrays: two products and a row sum

    def forward(self, x, weight, bias=None):
        y = x @ weight
        if bias is not None:
            y += bias  # in place: the product is a fresh array
        return y

    def backward(self, gy):
        x, weight = self.inputs[0], self.inputs[1]
        needs = self.needs_input_grad
        gx = gy @ transpose(weight) if needs[0] else None
        gw = None
        if needs[1]:
            rows_x = reshape(x, (-1, x.shape[-1])) if x.ndim != 2 else x
            rows_g = reshape(gy, (-1, gy.shape[-1])) if gy.ndim != 2 else gy
            gw = transpose(rows_x) @ rows_g
        if len(self.inputs) == 2:
            return gx, gw
        gb = sum_to(gy, self.inputs[2].shape) if needs[2] else None
        return gx, gw, gb

    def backward_arrays(self, gy):
        x, weight = self.inputs[0].data, self.inputs[1].data
        needs = self.needs_input_grad
        gx = gy @ weight.T if needs[0] else None
        gw = None
        if needs[1]:
            if x.ndim != 2:  # a batch of rows: flatten the leading dimensions
                x, gy = x.reshape(-1, x.shape[-1]), gy.reshape(-1, gy.shape[-1])
            gw = x.T @ gy
        if len(self.inputs) == 2:
            return gx, gw
        gb = gy.sum(axis=0) if needs[2] else None  # gy is 2-D here: rows summed away
        return gx, gw, gb


class AffineReLU(Affine):
    """y = relu(x @ W + b): a ``Linear`` layer and the ``ReLU`` after it, as one node.

    The mask ``y > 0`` is the same as ``x @ W + b > 0``, so with
    dL/dz = gy where y > 0, else 0, the three gradients are Affine's of dL/dz.
    The product is clamped in place: one array where Affine then ReLU make two.
    """

    keep_output = True  # the mask comes from the output; the pre-activation is never kept

    def forward(self, x, weight, bias=None):
        y = super().forward(x, weight, bias)
        return get_array_module(y).maximum(y, 0, out=y)

    def backward(self, gy):
        # Selected, not multiplied by the mask: an infinite gradient at an inactive unit gives 0.
        return super().backward(where(_const(self.output().data > 0), gy, 0.0))

    def backward_arrays(self, gy):
        return super().backward_arrays(_select(self._output_data > 0, gy))

    def backward_arrays_owned(self, gy):
        return super().backward_arrays(_select(self._output_data > 0, gy, in_place=True))  # gy is ours


class SquaredError(Function):
    """L = scale * sum((x - t)^2), with scale = 1/n for the mean and 1 for the sum.

    dL/dx = 2 scale (x - t),   dL/dt = -dL/dx.
    """

    fresh_grads = True

    def __init__(self, scale):
        self.scale = scale

    def forward(self, x, target):
        d = x - target
        d *= d
        return d.sum() * self.scale

    def backward(self, gy):
        x, target = self.inputs
        gx = (x - target) * (gy * (2.0 * self.scale))
        nx, nt = self.needs_input_grad
        return (gx if nx else None, -gx if nt else None)

    def backward_arrays(self, gy):
        x, target = self.inputs[0].data, self.inputs[1].data
        gx = x - target
        gx *= gy * (2.0 * self.scale)
        nx, nt = self.needs_input_grad
        return (gx if nx else None, -gx if nt else None)
