"""1-D pooling of (N, C, L) sequences: ``max_pool1d`` and ``avg_pool1d``, run as 2-D pooling of (N, C, 1, L).

Each checks its arguments in 1-D terms, views ``x`` as (N, C, 1, L) (a reshape, no copy) and calls
``max_pool2d`` / ``avg_pool2d`` with a (1, k) kernel, stride (1, s), padding (0, p) and dilation
(1, d): the same kernels (a loop over the k kernel offsets, none over positions) and the same values
as direct 1-D pooling, the height axis having one element and one window. Shapes:
Lo = floor((L + 2p - d (k - 1) - 1) / s) + 1 (``ceil`` with ``ceil_mode``, as in PyTorch).

Derivatives are those of the 2-D ops, reshaped back: max pooling sends each window's gradient to its
first maximum (leftmost on ties), average pooling spreads ``g / count`` over the window.
"""
from __future__ import annotations

from minigrad.autograd.coercion import as_tensor
from minigrad.ops._windows import default_stride, single
from minigrad.ops.pool import avg_pool2d, max_pool2d

__all__ = ["max_pool1d", "avg_pool1d"]


def _as_images(op, x, kernel_size, stride, padding, dilation, ceil_mode=False):
    """x as (N, C, 1, L), the checked (k, s, p, d) and whether x was unbatched (C, L)."""
    x = as_tensor(x)
    if x.ndim not in (2, 3):
        raise ValueError(f"{op}: expected a 2-D (C, L) or 3-D (N, C, L) input, got shape {tuple(x.shape)}")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating input, got dtype {x.dtype}")
    k = single(op, "kernel_size", kernel_size)
    s = k if default_stride(stride) else single(op, "stride", stride)
    p, d = single(op, "padding", padding), single(op, "dilation", dilation)
    if min(k, s, d) < 1:
        raise ValueError(f"{op}: kernel_size {k}, stride {s} and dilation {d} must be positive")
    if not 0 <= p <= k // 2:
        raise ValueError(f"{op}: padding {p} must be between 0 and half the kernel size {k}")
    unbatched = x.ndim == 2
    if unbatched:
        x = x.reshape(1, *x.shape)
    length = x.shape[2]
    span = length + 2 * p - d * (k - 1) - 1
    if span < 0 and not (ceil_mode and span + s - 1 >= 0):   # ceil_mode's one window over a short input: pool2d
        raise ValueError(f"{op}: the kernel ({k}, dilation {d}) is larger than the padded input "
                         f"{tuple(x.shape)} with padding {p}")
    return x.reshape(x.shape[0], x.shape[1], 1, length), (k, s, p, d), unbatched


def _as_sequences(y, unbatched):
    y = y.reshape(y.shape[0], y.shape[1], y.shape[3])
    return y.reshape(y.shape[1], y.shape[2]) if unbatched else y


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):  # noqa: A002
    """Maximum over each window of k elements of (N, C, L) or (C, L); stride defaults to kernel_size;
    padding counts as -inf. The gradient goes to each window's first (leftmost) maximum. With ``return_indices``,
    also that element's position in L (int64), as PyTorch."""
    x4, (k, s, p, d), unbatched = _as_images("max_pool1d", input, kernel_size, stride, padding, dilation, ceil_mode)
    out = max_pool2d(x4, (1, k), (1, s), (0, p), (1, d), ceil_mode, return_indices)
    if return_indices:
        return _as_sequences(out[0], unbatched), _as_sequences(out[1], unbatched)
    return _as_sequences(out, unbatched)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):  # noqa: A002
    """Mean over each window of k elements of (N, C, L) or (C, L); stride defaults to kernel_size; padding
    counts as 0, divisor as in PyTorch (``count_include_pad``). dL/dx: each window spreads g / divisor."""
    x4, (k, s, p, _), unbatched = _as_images("avg_pool1d", input, kernel_size, stride, padding, 1, ceil_mode)
    return _as_sequences(avg_pool2d(x4, (1, k), (1, s), (0, p), ceil_mode, count_include_pad), unbatched)
