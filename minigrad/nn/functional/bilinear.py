"""``bilinear``: y[..., o] = sum_ij x1[..., i] W[o, i, j] x2[..., j] + b[o], as ``torch.nn.functional.bilinear``.

Composed of two products with PyTorch's weight layout (out, in1, in2): t = x1 @ W' with W' the weight
as an (in1, out in2) matrix, then y = sum_j t[..., o, j] x2[..., j] (+ b). dL/dx1 = sum_oj g_o W[o, :, j] x2_j,
dL/dx2 = sum_oi g_o x1_i W[o, i, :], dL/dW[o, i, j] = sum over the batch of g_o x1_i x2_j, dL/db = g summed
over the batch: all from the ops, with second derivatives.
"""
from __future__ import annotations

from minigrad.autograd.coercion import as_tensor
from minigrad.ops.linalg import matmul

__all__ = ["bilinear"]


def bilinear(input1, input2, weight, bias=None):
    """x1 (*, in1), x2 (*, in2) with the same leading shape, weight (out, in1, in2), bias (out,) -> (*, out)."""
    op = "bilinear"
    x1 = as_tensor(input1)
    x2, w = as_tensor(input2, like=x1), as_tensor(weight, like=x1)
    b = None if bias is None else as_tensor(bias, like=x1)
    if w.ndim != 3:
        raise ValueError(f"{op}: expected a 3-D (out_features, in1_features, in2_features) weight, got shape "
                         f"{tuple(w.shape)}")
    out, in1, in2 = w.shape
    if x1.ndim < 1 or x2.ndim < 1 or tuple(x1.shape[:-1]) != tuple(x2.shape[:-1]):
        raise ValueError(f"{op}: input1 {tuple(x1.shape)} and input2 {tuple(x2.shape)} must have the same leading "
                         "(batch) dimensions")
    if x1.shape[-1] != in1 or x2.shape[-1] != in2:
        raise ValueError(f"{op}: input1 {tuple(x1.shape)} and input2 {tuple(x2.shape)} must end in in1_features={in1} "
                         f"and in2_features={in2} of the weight {tuple(w.shape)}")
    if b is not None and tuple(b.shape) != (out,):
        raise ValueError(f"{op}: bias must have shape ({out},) for weight {tuple(w.shape)}, got {tuple(b.shape)}")
    dtypes = {t.dtype for t in (x1, x2, w, b) if t is not None}
    if len(dtypes) > 1 or next(iter(dtypes)).kind != "f":
        raise TypeError(f"{op}: input1, input2, weight and bias must share one floating dtype, got "
                        + ", ".join(f"{n} {t.dtype}" for n, t in (("input1", x1), ("input2", x2), ("weight", w),
                                                                    ("bias", b)) if t is not None))
    t = matmul(x1, w.transpose(1, 0, 2).reshape(in1, out * in2))
    t = t.reshape(*x1.shape[:-1], out, in2)
    y = (t * x2.reshape(*x2.shape[:-1], 1, in2)).sum(axis=-1)
    return y if b is None else y + b
