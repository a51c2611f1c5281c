"""The hand-written NumPy reference of the CNN benchmark: im2col convolution, written the usual way.

NCHW throughout, as a person following a textbook (cs231n's im2col) writes it:
the windows of the padded input become an (N*H*W, C*kh*kw) matrix
(``sliding_window_view`` plus one copy), one GEMM with the (O, C*kh*kw)
weight gives the output, which is transposed back to NCHW; the backward runs
the two GEMMs and col2im as kh*kw strided adds; 2x2 max pooling by reshape,
its backward through the ``== max`` mask; ReLU masks; the fused
softmax-minus-one-hot gradient of cross-entropy; SGD in place. Float32 end to end.
Device-generic through ``benchmarks.reference.xp`` like the other references.
"""
from __future__ import annotations

from benchmarks import reference


def _xp():
    return reference.xp


def conv_forward(x, w, b, pad):
    """(N, C, H, W) * (O, C, k, k) + b, stride 1 -> (N, O, Ho, Wo) NCHW, and the im2col matrix."""
    xp = _xp()
    n, c, h, wd = x.shape
    o, _, k, _ = w.shape
    xp_ = xp.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))) if pad else x
    ho, wo = h + 2 * pad - k + 1, wd + 2 * pad - k + 1
    win = xp.lib.stride_tricks.sliding_window_view(xp_, (k, k), axis=(2, 3))     # (N, C, Ho, Wo, k, k)
    cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(n * ho * wo, c * k * k)
    y = cols @ w.reshape(o, -1).T
    y += b
    return xp.ascontiguousarray(y.reshape(n, ho, wo, o).transpose(0, 3, 1, 2)), cols


def conv_backward(dy, cols, w, x_shape, pad, need_dx=True):
    """Gradients (dx, dw, db) of conv_forward for the output gradient dy (NCHW)."""
    xp = _xp()
    n, c, h, wd = x_shape
    o, _, k, _ = w.shape
    ho, wo = dy.shape[2:]
    dy2 = dy.transpose(0, 2, 3, 1).reshape(-1, o)
    dw = (dy2.T @ cols).reshape(w.shape)
    db = dy2.sum(axis=0)
    if not need_dx:
        return None, dw, db
    dcols = (dy2 @ w.reshape(o, -1)).reshape(n, ho, wo, c, k, k)
    dxp = xp.zeros((n, c, h + 2 * pad, wd + 2 * pad), dtype=dy.dtype)
    for i in range(k):
        for j in range(k):
            dxp[:, :, i:i + ho, j:j + wo] += dcols[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return dxp[:, :, pad:pad + h, pad:pad + wd], dw, db


def pool_forward(a):
    """2x2 max pooling by reshape; returns the output and the mask of window maxima."""
    n, c, h, w = a.shape
    r = a.reshape(n, c, h // 2, 2, w // 2, 2)
    out = r.max(axis=(3, 5))
    return out, r == out[:, :, :, None, :, None]


def pool_backward(dout, mask):
    n, c, h2, _, w2, _ = mask.shape
    return (mask * dout[:, :, :, None, :, None]).reshape(n, c, h2 * 2, w2 * 2)


class CNN:
    """conv(1->32, 3x3, pad 1)-ReLU-pool - conv(32->64)-ReLU-pool - fc(3136->128)-ReLU - fc(128->10).

    ``params``: [w1, b1, w2, b2, W3, b3, W4, b4], convolution weights in PyTorch's
    (O, C, k, k) layout, fully connected ones (in, out) like minigrad's Linear.
    """

    def __init__(self, params):
        xp = _xp()
        self.p = [xp.array(a, copy=True) for a in params]

    def step(self, x, t, lr):
        xp = _xp()
        w1, b1, w2, b2, W3, b3, W4, b4 = self.p
        n = x.shape[0]
        x = x.reshape(n, 1, 28, 28)
        z1, cols1 = conv_forward(x, w1, b1, 1)
        a1 = xp.maximum(z1, 0)
        p1, m1 = pool_forward(a1)
        z2, cols2 = conv_forward(p1, w2, b2, 1)
        a2 = xp.maximum(z2, 0)
        p2, m2 = pool_forward(a2)
        f = p2.reshape(n, -1)
        z3 = f @ W3 + b3
        a3 = xp.maximum(z3, 0)
        z4 = a3 @ W4 + b4
        # softmax cross-entropy, the gradient fused
        z4 -= z4.max(axis=1, keepdims=True)
        e = xp.exp(z4)
        e /= e.sum(axis=1, keepdims=True)
        e[xp.arange(n), t] -= 1
        e /= n
        dW4, db4 = a3.T @ e, e.sum(axis=0)
        da3 = e @ W4.T
        da3 *= z3 > 0
        dW3, db3 = f.T @ da3, da3.sum(axis=0)
        df = (da3 @ W3.T).reshape(p2.shape)
        dz2 = pool_backward(df, m2) * (z2 > 0)
        dp1, dw2, db2 = conv_backward(dz2, cols2, w2, p1.shape, 1)
        dz1 = pool_backward(dp1, m1) * (z1 > 0)
        _, dw1, db1 = conv_backward(dz1, cols1, w1, x.shape, 1, need_dx=False)
        for p, g in zip(self.p, (dw1, db1, dw2, db2, dW3, db3, dW4, db4)):
            p -= lr * g
