"""Ops fused for speed: the affine map of ``Linear`` and the squared-error loss.

Written as compositions, ``x @ W + b`` is two graph nodes and a squared error
three; as single Functions each is one node, one output array, and a backward
that is a handful of array calls. Their ``backward`` is still written with
minigrad ops (so second derivatives work); ``backward_arrays`` is the same
formula on raw arrays, the engine's fast path for ordinary training.
"""
from __future__ import annotations

from minigrad.autograd.function import Function
from minigrad.ops import reshape, sum_to, transpose


class Affine(Function):
    """y = x @ W + b (b optional), with W of shape (in_features, out_features).

    dL/dx = g W^T,   dL/dW = x^T g,   dL/db = g summed over the batch.
    An input with more than two dimensions is a batch of rows: its leading
    dimensions are flattened for dL/dW.
    """

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


class SquaredError(Function):
    """L = scale * sum((x - t)^2), with scale = 1/n for the mean and 1 for the sum.

    dL/dx = 2 scale (x - t),   dL/dt = -dL/dx.
    """

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
