"""``LinearT``: the affine map ``y = x W^T + b`` with ``W`` in PyTorch's (out, in) layout, as one node.

Recurrent layers keep PyTorch's weight layout so weights copy across unchanged;
this node multiplies by the transpose without making one, and its weight
gradient comes out directly in (out, in) layout (contiguous, ready for the
optimizer) rather than as the transpose of an (in, out) product.
"""
from __future__ import annotations

import math

from minigrad.autograd.function import Function


class LinearT(Function):
    """y = x @ W^T + b with x (..., in), W (out, in), b (out,) or absent.

    dL/dx = g W,   dL/dW = g^T x (rows of all leading axes together),   dL/db = g summed over rows.
    """

    def forward(self, x, weight, bias=None):
        # Row counts spelled out: reshape(-1, 0) cannot be read when in or out features are 0.
        rows = x.reshape(math.prod(x.shape[:-1]), x.shape[-1]) if x.ndim != 2 else x
        y = rows @ weight.T
        if bias is not None:
            y += bias
        return y.reshape(x.shape[:-1] + (weight.shape[0],)) if x.ndim != 2 else y

    def backward(self, F, gy, x, weight, bias=None):
        needs = self.needs_input_grad
        out, inp = weight.shape
        n = math.prod(x.shape[:-1])
        rows_g = F.reshape(gy, (n, out)) if gy.ndim != 2 else gy
        gx = gw = gb = None
        if needs[0]:
            gx = rows_g @ weight
            gx = F.reshape(gx, x.shape) if x.ndim != 2 else gx
        if needs[1]:
            rows_x = F.reshape(x, (n, inp)) if x.ndim != 2 else x
            gw = F.transpose(rows_g, (1, 0)) @ rows_x
        if bias is None:
            return gx, gw
        if needs[2]:
            gb = F.sum_to(rows_g, bias.shape)
        return gx, gw, gb


def linear_t(x, weight, bias=None):
    """``x @ weight.T + bias`` as one node: x (..., in), weight (out, in), bias (out,) or None  ->  (..., out)."""
    ws, xs = weight.shape, x.shape
    if len(ws) != 2 or not xs or xs[-1] != ws[1] or (bias is not None and bias.shape != ws[:1]):
        bs = "None" if bias is None else tuple(bias.shape)
        raise ValueError(f"linear_t: expected x (..., in), weight (out, in) and bias (out,) or None, "
                         f"got x {tuple(xs)}, weight {tuple(ws)} and bias {bs}")
    return LinearT.apply(x, weight) if bias is None else LinearT.apply(x, weight, bias)
