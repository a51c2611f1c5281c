"""``lp_pool1d``, ``lp_pool2d`` and ``lp_pool3d``: power-average pooling, (sum over each window of x^p)^(1/p), as
PyTorch's.

Composed as PyTorch composes it: s = avg_pool(x^p) (no padding; PyTorch's divisor, also with ``ceil_mode``),
then (sign(s) relu(|s|) k)^(1/p) with k the kernel's number of elements. dL/dx follows from the ops:
x^(p-1) (sum)^(1/p - 1) g spread over each window; p = 1 is sum pooling, large p approaches max pooling.
p = inf is max pooling of |x| and p = -inf minus max pooling of -|x| (the smallest |x|), as PyTorch special-cases
them (the composition would read inf^0); a negative finite p is composed as any other, as there.
"""
from __future__ import annotations

from minigrad.autograd.coercion import as_tensor
from minigrad.ops.activations import relu
from minigrad.ops.pool import avg_pool2d, max_pool2d
from minigrad.ops.pool1d import avg_pool1d, max_pool1d
from minigrad.ops.pool3d import avg_pool3d, max_pool3d
from minigrad.ops._windows import pair, single, triple
from minigrad.scalars import is_real

__all__ = ["lp_pool1d", "lp_pool2d", "lp_pool3d"]


def check_norm_type(op, norm_type):
    """PyTorch takes any p but 0 (its 1 / p divides by zero); NaN would only give NaN."""
    if not is_real(norm_type) or norm_type == 0 or norm_type != norm_type:
        raise ValueError(f"{op}: norm_type must be a nonzero number (inf and -inf pool max and min |x|), got "
                         f"{norm_type!r}")
    return norm_type


def _floating_input(op, input):
    """The input as a Tensor, refused by this op's name unless floating (the pooling it is composed of would name
    itself, and x^p its integer result)."""
    x = as_tensor(input)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating input, got dtype {x.dtype}")
    return x


def _extreme(max_pool, x, p, kernel_size, stride, ceil_mode):
    """PyTorch's p = +-inf: max pooling of |x|, or minus max pooling of -|x|; None for a finite p."""
    if p == float("inf"):
        return max_pool(x.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if p == -float("inf"):
        return -max_pool(-x.abs(), kernel_size, stride, 0, 1, ceil_mode)
    return None


def _finish(s, count, p):
    return ((s.sign() * relu(s.abs())) * float(count)) ** (1.0 / p)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over each kh x kw window of x^p)^(1/p) of (N, C, H, W) or (C, H, W); stride defaults to kernel_size."""
    op = "lp_pool2d"
    x = _floating_input(op, input)
    p = check_norm_type(op, norm_type)
    kh, kw = pair(op, "kernel_size", kernel_size)
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {tuple(x.shape)}")
    x4 = x if x.ndim == 4 else x.reshape(1, *x.shape)
    y = _extreme(max_pool2d, x4, p, kernel_size, stride, ceil_mode)
    y = y if y is not None else _finish(avg_pool2d(x4 ** p, kernel_size, stride, 0, ceil_mode), kh * kw, p)
    return y if x.ndim == 4 else y.reshape(*y.shape[1:])


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over each window of k elements of x^p)^(1/p) of (N, C, L) or (C, L); stride defaults to kernel_size."""
    op = "lp_pool1d"
    x = _floating_input(op, input)
    p = check_norm_type(op, norm_type)
    k = single(op, "kernel_size", kernel_size)
    y = _extreme(max_pool1d, x, p, kernel_size, stride, ceil_mode)
    return y if y is not None else _finish(avg_pool1d(x ** p, kernel_size, stride, 0, ceil_mode), k, p)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over each kd x kh x kw window of x^p)^(1/p) of (N, C, D, H, W) or (C, D, H, W); stride defaults to
    kernel_size. Composed as lp_pool2d: avg_pool3d of x^p times the kernel's volume, to the power 1/p."""
    op = "lp_pool3d"
    x = _floating_input(op, input)
    p = check_norm_type(op, norm_type)
    kd, kh, kw = triple(op, "kernel_size", kernel_size)
    if x.ndim not in (4, 5):
        raise ValueError(f"{op}: expected a 4-D (C, D, H, W) or 5-D (N, C, D, H, W) input, got shape "
                         f"{tuple(x.shape)}")
    y = _extreme(max_pool3d, x, p, kernel_size, stride, ceil_mode)
    return y if y is not None else _finish(avg_pool3d(x ** p, kernel_size, stride, 0, ceil_mode), kd * kh * kw, p)
