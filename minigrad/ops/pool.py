"""2-D pooling of NCHW images: max_pool2d, avg_pool2d, adaptive_avg_pool2d.

Shapes: x (N, C, H, W) -> (N, C, Ho, Wo) with, per axis,
Ho = floor((H + 2p - d (k - 1) - 1) / s) + 1 (``ceil`` instead of ``floor`` with
``ceil_mode``, as long as the last window starts inside the input or its left padding).

How the gradient is routed:

* max pooling sends each window's output gradient to ONE element of the window,
  its maximum; when several elements tie, the first in row-major order wins
  (PyTorch's rule; a NaN is the maximum, and of several NaNs the last wins, as
  in PyTorch). The forward pass records that element's offset in the
  window (``index``, kh*kw values fit a byte); ``MaxPoolScatter`` puts
  ``g`` back there, and its adjoint ``MaxPoolGather`` reads a window's recorded
  element, so the two are each other's derivative (second derivatives exist).
* average pooling is linear: ``AvgPool2d`` and ``AvgPoolAdjoint`` (spread
  ``g / count`` evenly over the window) are each other's derivative.
* adaptive average pooling sums each window on its own, one axis at a time
  (``AdaptiveMean``), and its derivative is the product with the averaging matrix.

Every kernel is a loop over the kh*kw kernel offsets (not pixels): each offset
reads or adds one strided (N, Ho, Wo, C) slab of the channels-last windows.
The kernels take any number of spatial axes: ``MaxPool3d`` and ``AvgPool3d`` are the
same ops for (N, C, D, H, W) volumes (``minigrad.ops.pool3d``), with 3-D names.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.function import Function
from minigrad.autograd.coercion import as_tensor
from minigrad.backend import get_array_module
from minigrad.ops._args import _select, half_in_float32
from minigrad.ops._windows import (Geometry, channels_first, channels_last, crop_hw, default_stride, kernel_offsets,
                                   pad_hw, pair, slab, triple, windows)
from minigrad.scalars import is_integer

__all__ = ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"]


def _offsets(geo):
    """(k, offset) for each kernel offset, k its position in a window's row-major order."""
    return list(enumerate(kernel_offsets(geo)))


def _at(win, offset):
    """The (N, Ho, Wo, C) slab of channels-last windows (N, Ho, Wo, kh, kw, C) at one kernel offset (a view)."""
    return win[(slice(None),) * (1 + len(offset)) + offset]


def _scatter(parts, geo, in_hw, out_hw, like):
    """Sum each offset's (N, Ho, Wo, C) part into a zero (N, H, W, C) image where that offset read (col2im)."""
    xp = get_array_module(like)
    n, c = like.shape[0], like.shape[-1]
    padded = geo.padded(*in_hw)
    # Windows that tile the image exactly (stride = kernel, no dilation, sizes divide): every
    # element is written once, so the parts are assigned, with no zero fill and no additions.
    tiles = all(d == 1 for d in geo.dilation) and all(s == k and o * k == p for s, k, o, p in
                                                      zip(geo.stride, geo.kernel, out_hw, padded))
    out = (xp.empty if tiles else xp.zeros)((n, *padded, c), dtype=like.dtype)
    for offset, part in parts:
        where = (slice(None), *slab(geo, out_hw, *offset))
        if tiles:
            out[where] = part
        else:
            out[where] += part
    return crop_hw(out, geo.padding, in_hw)


def _spatial(a):
    """The spatial sizes of a channels-last (N, H, W, C) array."""
    return a.shape[1:-1]


class MaxPool2d(Function):
    """y[n, c, i, j] = max of window (i, j); dL/dx: g routed to each window's first maximum (MaxPoolScatter).

    ``sink``, a list, receives the recorded offsets (for ``return_indices``)."""

    def __init__(self, geo, sink=None):
        self.geo, self.sink = geo, sink

    def forward(self, x):
        xp = get_array_module(x)
        out_hw = self.geo.out_size(*x.shape[2:])
        lowest = -xp.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min   # what padding reads as
        win = windows(pad_hw(channels_last(x), self.geo.padding, lowest), self.geo, out_hw)
        offsets = _offsets(self.geo)
        y = _at(win, offsets[0][1]).copy()
        index = xp.zeros(y.shape, dtype=np.uint8 if len(offsets) < 256 else np.int32)
        later, step = xp.empty(y.shape, dtype=bool), xp.empty_like(index)
        # On a GPU a NaN takes the index inside the loop: the fix-up below would first read isnan(y).any() back,
        # a wait for the device on every forward. The host keeps the loop lean and fixes up only when NaNs exist.
        nan_in_loop = xp is not np and y.dtype.kind == "f"
        for k, offset in offsets[1:]:
            value = _at(win, offset)
            xp.greater(value, y, out=later)    # strictly greater: a tie keeps the earlier element
            if nan_in_loop:   # every NaN takes it, so a window's last NaN keeps it (NaN > y is False)
                later |= xp.isnan(value)
            # index = k where later: as integer arithmetic, several times faster than copyto(where=)
            xp.subtract(index.dtype.type(k), index, out=step)
            step *= later
            index += step
            xp.maximum(y, value, out=y)
        if y.dtype.kind == "f" and not nan_in_loop and xp.isnan(y).any():
            # ``greater`` is False for a NaN, so its window kept an earlier index; PyTorch's kernels record a
            # window's LAST NaN (one pass over the output on the common path, the fix-up only when NaNs exist).
            nan = xp.isnan(y)
            for k, offset in offsets:
                index[nan & xp.isnan(_at(win, offset))] = k
        if any(lo or hi for lo, hi in self.geo.padding):
            # A window whose input elements are all -inf (an integer dtype's minimum) ties with its padding and kept
            # offset 0, which may lie in the padding; PyTorch's kernels record the window's first element inside.
            low = y == lowest
            if xp is not np or low.any():
                first = xp.asarray(_first_inside(self.geo, x.shape[2:], out_hw), dtype=index.dtype)
                index = xp.where(low, first, index)
        self.index = index
        if self.sink is not None:
            self.sink.append(index)
        return channels_first(y)

    def backward(self, F, gy, x):
        return F.apply(MaxPoolScatter, gy, geo=self.geo, index=self.index, in_hw=tuple(x.shape[2:]))


def _first_inside(geo, in_hw, out_hw):
    """The row-major kernel offset of each window's first element inside the input (not its padding), shaped
    (1, Ho, Wo, 1) (a volume's (1, Do, Ho, Wo, 1)) to broadcast over channels-last windows."""
    first = 0
    for axis, (n, o, (lo, _), k, s, d) in enumerate(zip(in_hw, out_hw, geo.padding, geo.kernel, geo.stride,
                                                         geo.dilation)):
        start = np.arange(o) * s - lo
        tap = np.minimum((np.maximum(-start, 0) + d - 1) // d, k - 1)   # the first tap at or after position 0
        shape = [1] * (len(in_hw) + 2)
        shape[axis + 1] = o
        first = first * k + tap.reshape(shape)
    return first


class MaxPool3d(MaxPool2d):
    """y[n, c, i, j, l] = max of window (i, j, l) of (N, C, D, H, W); MaxPool2d's kernel; dL/dx: MaxPoolScatter."""


class MaxPoolScatter(Function):
    """gx = g put at each window's recorded element (N, C, Ho, Wo) -> (N, C, H, W); derivative: MaxPoolGather."""

    def __init__(self, geo, index, in_hw):
        self.geo, self.index, self.in_hw = geo, index, in_hw

    def forward(self, g):
        g = channels_last(g)
        parts = ((offset, _select(self.index == k, g)) for k, offset in _offsets(self.geo))
        return channels_first(_scatter(parts, self.geo, self.in_hw, _spatial(g), g))

    def backward(self, F, gg, g):
        return F.apply(MaxPoolGather, gg, geo=self.geo, index=self.index)


class MaxPoolGather(Function):
    """y[n, c, i, j] = x at window (i, j)'s recorded element (N, C, H, W) -> (N, C, Ho, Wo); derivative: MaxPoolScatter."""

    def __init__(self, geo, index):
        self.geo, self.index = geo, index

    def forward(self, x):
        xp = get_array_module(x)
        win = windows(pad_hw(channels_last(x), self.geo.padding), self.geo, _spatial(self.index))
        y = xp.zeros(self.index.shape, dtype=x.dtype)
        for k, offset in _offsets(self.geo):
            y += _select(self.index == k, _at(win, offset))
        return channels_first(y)

    def backward(self, F, gy, x):
        return F.apply(MaxPoolScatter, gy, geo=self.geo, index=self.index, in_hw=tuple(x.shape[2:]))


class AvgPool2d(Function):
    """y = (sum of window (i, j)) * scale[i, j]; dL/dx = AvgPoolAdjoint(g): g * scale spread over each window."""

    def __init__(self, geo, scale):
        self.geo, self.scale = geo, scale   # scale: (Ho, Wo, 1) host array, 1 / the divisor of each window

    def forward(self, x):
        xp = get_array_module(x)
        out_hw = self.scale.shape[:-1]
        win = windows(pad_hw(channels_last(x), self.geo.padding), self.geo, out_hw)
        offsets = _offsets(self.geo)
        y = _at(win, offsets[0][1]).copy()
        for _, offset in offsets[1:]:
            y += _at(win, offset)
        y *= xp.asarray(self.scale, dtype=x.dtype)
        return channels_first(y)

    def backward(self, F, gy, x):
        return F.apply(AvgPoolAdjoint, gy, geo=self.geo, scale=self.scale, in_hw=tuple(x.shape[2:]))


class AvgPool3d(AvgPool2d):
    """y = (sum of window (i, j, l)) * scale[i, j, l] of (N, C, D, H, W); AvgPool2d's kernel; dL/dx = AvgPoolAdjoint."""


class AvgPoolAdjoint(Function):
    """gx = g * scale added to every element of its window, (N, C, Ho, Wo) -> (N, C, H, W); derivative: AvgPool2d
    (AvgPool3d for volumes)."""

    def __init__(self, geo, scale, in_hw):
        self.geo, self.scale, self.in_hw = geo, scale, in_hw

    def forward(self, g):
        g = channels_last(g) * get_array_module(g).asarray(self.scale, dtype=g.dtype)
        parts = [(offset, g) for _, offset in _offsets(self.geo)]
        return channels_first(_scatter(parts, self.geo, self.in_hw, _spatial(g), g))

    def backward(self, F, gg, g):
        return F.apply(AvgPool3d if len(self.geo.kernel) == 3 else AvgPool2d, gg, geo=self.geo, scale=self.scale)


# ----------------------------------------------------------------------------- public functions
def _pool_geometry(op, x, kernel_size, stride, padding, dilation, ceil_mode, dims=2, integers=False):
    """Geometry of a pooling call (ceil_mode as extra bottom/right padding) and the real (H, W) padding.

    ``dims`` spatial axes: 2 for (N, C, H, W) images, 3 for (N, C, D, H, W) volumes (then each size is an
    int or 3 ints). ``integers``: integer input is taken too (max pooling, as PyTorch's)."""
    if x.ndim != dims + 2:
        layout = "(N, C, H, W)" if dims == 2 else "(N, C, D, H, W)"
        raise ValueError(f"{op}: expected a {dims + 2}-D {layout} input, got shape {tuple(x.shape)}")
    if x.dtype.kind != "f" and not (integers and x.dtype.kind in "iu"):
        raise TypeError(f"{op}: expected a {'floating or integer' if integers else 'floating'} input, got dtype "
                        f"{x.dtype}")
    parse = pair if dims == 2 else triple
    kernel = parse(op, "kernel_size", kernel_size)
    stride = kernel if default_stride(stride) else parse(op, "stride", stride)
    pads = parse(op, "padding", padding)
    dilation = parse(op, "dilation", dilation)
    if min(kernel) < 1 or min(stride) < 1 or min(dilation) < 1:
        raise ValueError(f"{op}: kernel_size {kernel}, stride {stride} and dilation {dilation} must be positive")
    for p, k in zip(pads, kernel):
        if not 0 <= p <= k // 2:
            raise ValueError(f"{op}: padding {pads} must be between 0 and half the kernel size {kernel}")
    out_hw, padding = [], []
    for n, k, s, p, d in zip(x.shape[2:], kernel, stride, pads, dilation):
        extent = d * (k - 1) + 1
        span = n + 2 * p - extent
        o = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (o - 1) * s >= n + p:   # the last window must start inside the input or left padding
            o -= 1
        if o < 1:   # with ceil_mode one window may run past a padded input shorter than the kernel, as PyTorch's
            raise ValueError(f"{op}: the kernel ({kernel}, dilation {dilation}) is larger than the padded input "
                             f"{tuple(x.shape)} with padding {pads}")
        out_hw.append(o)
        padding.append((p, p + max(0, (o - 1) * s + extent - (n + 2 * p))))
    return Geometry(kernel, stride, dilation, tuple(padding)), tuple(out_hw), pads


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):  # noqa: A002
    """Maximum over each kh x kw window; stride defaults to kernel_size; padding counts as -inf.

    The gradient goes to one element per window: its first maximum in row-major order. With ``return_indices``,
    also that element's flat position in H * W (int64), as PyTorch (what ``max_unpool2d`` takes).
    """
    input, unbatched = _images("max_pool2d", input)
    geo, _, _ = _pool_geometry("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode,
                               integers=True)
    if not return_indices:
        return _unbatch(MaxPool2d.apply(input, geo=geo), unbatched)
    sink = []
    y = MaxPool2d.apply(input, geo=geo, sink=sink)
    return _unbatch(y, unbatched), _unbatch(as_tensor(channels_first(_flat_positions(sink[0], geo, input.shape[3]))),
                                            unbatched)


def _images(op, x):
    """``x`` as (N, C, H, W), and whether it came as one unbatched (C, H, W) image (read as N = 1, as PyTorch)."""
    x = as_tensor(x)
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {tuple(x.shape)}")
    return (x.reshape(1, *x.shape), True) if x.ndim == 3 else (x, False)


def _unbatch(y, unbatched):
    return y.reshape(*y.shape[1:]) if unbatched else y


def _flat_positions(index, geo, width):
    """The flat position in H * W of each window's recorded element (offset ``index``, (N, Ho, Wo, C)), int64."""
    xp = get_array_module(index)
    kw = geo.kernel[1]
    k = index.astype(np.int64)
    rows = xp.arange(index.shape[1]).reshape(1, -1, 1, 1) * geo.stride[0] + (k // kw) * geo.dilation[0]
    cols = xp.arange(index.shape[2]).reshape(1, 1, -1, 1) * geo.stride[1] + (k % kw) * geo.dilation[1]
    return (rows - geo.padding[0][0]) * width + cols - geo.padding[1][0]


def _divisor(n, k, s, p, o, count_include_pad):
    """Per output position along one axis: how many elements its window averages."""
    start = np.arange(o) * s - p
    end = np.minimum(start + k, n + p)
    if not count_include_pad:
        start, end = np.maximum(start, 0), np.minimum(end, n)
    return end - start


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,  # noqa: A002
               divisor_override=None):
    """Mean over each kh x kw window of (N, C, H, W) or (C, H, W); stride defaults to kernel_size; padding counts
    as 0.

    The divisor is the window size clipped to the padded input (and to the input itself
    with ``count_include_pad=False``), or ``divisor_override`` (a non-zero int) for every window, as in PyTorch.
    dL/dx: each window spreads g / divisor evenly.
    """
    if divisor_override is not None and (not is_integer(divisor_override) or divisor_override == 0):
        raise ValueError(f"avg_pool2d: divisor_override must be a non-zero int or None, got {divisor_override!r}")
    input, unbatched = _images("avg_pool2d", input)
    geo, out_hw, pads = _pool_geometry("avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode)
    scale = _scale(input, geo, out_hw, pads, count_include_pad, None if divisor_override is None else int(divisor_override))
    return _unbatch(AvgPool2d.apply(input, geo=geo, scale=scale), unbatched)


def _scale(x, geo, out_hw, pads, count_include_pad, divisor_override=None):
    """(Ho, Wo, 1) host array: 1 / each window's divisor (the divisor of every window with ``divisor_override``)."""
    if divisor_override is not None:
        return np.full((*out_hw, 1), 1.0 / divisor_override)
    divisor = np.ones((), dtype=np.int64)
    for n, k, s, p, o in zip(x.shape[2:], geo.kernel, geo.stride, pads, out_hw):
        divisor = np.multiply.outer(divisor, _divisor(n, k, s, p, o, count_include_pad))
    return (1.0 / divisor)[..., None]


def _adaptive_windows(n, o):
    """The (o, k) positions of the o adaptive windows [floor(i n / o), ceil((i + 1) n / o)) of an axis of n (short
    windows repeat their last position), which of them count, and 1 / each window's length."""
    i = np.arange(o)
    start, end = (i * n) // o, -(-((i + 1) * n) // o)
    index = start[:, None] + np.arange(int((end - start).max()))
    return np.minimum(index, end[:, None] - 1), index < end[:, None], 1.0 / (end - start)


def averaging_matrix(n, o):
    """The (o, n) float64 matrix whose row i averages adaptive window i (``_adaptive_windows``)."""
    index, counted, inverse = _adaptive_windows(n, o)
    matrix = np.zeros((o, n))
    for j in range(index.shape[1]):
        matrix[np.arange(o)[counted[:, j]], index[counted[:, j], j]] = inverse[counted[:, j]]
    return matrix


class AdaptiveMean(Function):
    """y = x averaged over the o adaptive windows of ``axis``; each window is summed on its own (strided slices when
    the windows are equal, else one gather per window offset), so an inf or NaN stays in the windows that hold it,
    where a product with the averaging matrix P would spread it along the row (0 * inf is NaN). dL/dx = g @ P along
    ``axis``, its derivative that product again."""

    def __init__(self, axis, o):
        self.axis, self.o = axis, o

    def forward(self, x):
        if x.dtype == np.float16:   # a window's sum overflows float16 long before its mean: float32 inside, as torch
            return half_in_float32(self.forward, x)
        xp = get_array_module(x)
        n, trail = x.shape[self.axis], (1,) * (x.ndim - 1 - self.axis)
        index, counted, inverse = _adaptive_windows(n, self.o)
        scale = xp.asarray(inverse.reshape(self.o, *trail), dtype=x.dtype)
        if self.o == 1:   # one window: the whole axis
            return x.sum(axis=self.axis, keepdims=True) * scale
        if n % self.o == 0:   # equal windows side by side: window offset j is every k-th entry from j
            k, lead = n // self.o, (slice(None),) * self.axis
            total = x[lead + (slice(0, None, k),)]
            for j in range(1, k):
                total = total + x[lead + (slice(j, None, k),)]
            return total * scale
        total = None
        for j in range(index.shape[1]):
            part = xp.take(x, xp.asarray(index[:, j]), axis=self.axis)
            if not counted[:, j].all():   # a literal 0, not part * 0, where the window has ended
                part = xp.where(xp.asarray(counted[:, j].reshape(self.o, *trail)), part, 0)
            total = part if total is None else total + part
        return total * scale

    def backward(self, F, gy, x):
        matrix = averaging_matrix(x.shape[self.axis], self.o)
        last = list(range(x.ndim))
        last.append(last.pop(self.axis))   # the pooled axis moved last, and back (a permutation and its inverse)
        back = list(np.argsort(last))
        xp = get_array_module(x.data if F.recording else x)   # gy is a Tensor when recording: ask the input
        g = F.transpose(gy, tuple(last)) @ F.const(xp.asarray(matrix.astype(x.dtype)))
        return F.transpose(g, tuple(int(a) for a in back))


def adaptive_mean(x, axis, o):
    """x averaged over the o adaptive windows [floor(i n / o), ceil((i + 1) n / o)) of ``axis`` (``AdaptiveMean``)."""
    return x if x.shape[axis] == o else AdaptiveMean.apply(x, axis=axis, o=o)


def adaptive_avg_pool2d(input, output_size):  # noqa: A002
    """Average pooling to a fixed (oh, ow) output whatever the input size (an int means (n, n); None keeps that axis).

    Window i along an axis of length n covers [floor(i n / o), ceil((i + 1) n / o)).
    Computed one axis at a time by ``AdaptiveMean`` (each window summed on its own), whose derivative spreads g
    evenly over each window.
    """
    input, unbatched = _images("adaptive_avg_pool2d", input)
    if input.dtype.kind != "f":
        raise TypeError(f"adaptive_avg_pool2d: expected a floating input, got dtype {input.dtype}")
    sizes = (output_size, output_size) if is_integer(output_size) or output_size is None else tuple(output_size)
    if len(sizes) != 2 or not all(o is None or is_integer(o) for o in sizes):
        raise TypeError(f"adaptive_avg_pool2d: output_size must be an int or a pair, got {output_size!r}")
    sizes = tuple(None if o is None else int(o) for o in sizes)
    oh, ow = (n if o is None else o for o, n in zip(sizes, input.shape[2:]))
    if min(oh, ow) < 1:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be positive, got {output_size!r}")
    y = adaptive_mean(adaptive_mean(input, 3, ow), 2, oh)
    return _unbatch(y, unbatched)

