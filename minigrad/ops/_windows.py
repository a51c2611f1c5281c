"""Sliding windows over images and volumes, shared by convolution and pooling.

Everything here works for any number of spatial axes: (N, C, H, W) images and (N, C, D, H, W)
volumes alike (the 1-D ops run as images of height 1). The docstrings speak of images.

The kernels work on *channels-last* memory: an (N, C, H, W) array is viewed as
(N, H, W, C) (a transpose, no copy). In that layout the ``kw`` neighbouring
pixels of a window row and all their channels lie next to each other, so
gathering the windows (im2col) copies runs of ``kw * C`` numbers instead of
single ones, the matrix product then reads contiguous rows, and its
(N*Ho*Wo, C_out) result *is* the output in channels-last memory: it is handed
back as an (N, C_out, Ho, Wo) view without a copy (PyTorch calls this layout
``channels_last``). Values are the same whatever the memory order.

``Geometry`` holds one sliding-window arrangement: kernel size, stride,
dilation, the padding on each side and the number of groups.
"""
from __future__ import annotations

import itertools
from typing import NamedTuple

import numpy as np

from minigrad.backend import get_array_module
from minigrad.scalars import is_integer


class Geometry(NamedTuple):
    """Kernel (kh, kw), stride (sh, sw), dilation (dh, dw), padding ((top, bottom), (left, right)), groups;
    one more entry in each for volumes ((kd, kh, kw), ...)."""

    kernel: tuple
    stride: tuple
    dilation: tuple
    padding: tuple
    groups: int = 1

    def out_size(self, *sizes):
        """(Ho, Wo) for an (h, w) input: floor((h + pads - d (k - 1) - 1) / s) + 1 per axis."""
        return tuple((n + lo + hi - d * (k - 1) - 1) // s + 1
                     for n, (lo, hi), k, s, d in zip(sizes, self.padding, self.kernel, self.stride, self.dilation))

    def padded(self, *sizes):
        return tuple(n + lo + hi for n, (lo, hi) in zip(sizes, self.padding))


def default_stride(stride):
    """None or an empty list or tuple: the pooling ops' stride = kernel_size, as PyTorch's default ``[]``. Tested by
    type, as ``np.int64(2) == []`` is an empty array, not False."""
    return stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0)


def pair(op, name, value):
    """An int or a pair of ints as a pair of Python ints (``stride=2`` means (2, 2))."""
    if is_integer(value):
        return (int(value), int(value))
    try:
        a, b = value
        if is_integer(a) and is_integer(b):
            return (int(a), int(b))
    except (TypeError, ValueError):
        pass
    raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")


def triple(op, name, value):
    """An int or three ints as a triple of Python ints (the 3-D ops' ``stride=2`` means (2, 2, 2))."""
    if is_integer(value):
        return (int(value),) * 3
    try:
        a, b, c = value
        if is_integer(a) and is_integer(b) and is_integer(c):
            return (int(a), int(b), int(c))
    except (TypeError, ValueError):
        pass
    raise TypeError(f"{op}: {name} must be an int or a tuple of 3 ints, got {value!r}")


def single(op, name, value):
    """An int or a one-element sequence of ints as a Python int (the 1-D ops' ``stride=2`` or ``stride=(2,)``)."""
    if is_integer(value):
        return int(value)
    try:
        (a,) = value
        if is_integer(a):
            return int(a)
    except (TypeError, ValueError):
        pass
    raise TypeError(f"{op}: {name} must be an int or a 1-tuple of ints, got {value!r}")


def channels_last(x):
    """(N, C, H, W) -> an (N, H, W, C) view of the same memory (any number of spatial axes)."""
    if x.ndim == 4:
        return x.transpose(0, 2, 3, 1)
    return x.transpose(0, *range(2, x.ndim), 1)


def channels_first(x):
    """(N, H, W, C) -> an (N, C, H, W) view of the same memory (any number of spatial axes)."""
    if x.ndim == 4:
        return x.transpose(0, 3, 1, 2)
    return x.transpose(0, x.ndim - 1, *range(1, x.ndim - 1))


def pad_hw(x_cl, padding, value=0):
    """A channels-last (N, H, W, C) array padded with ``value`` on its spatial axes (``x_cl`` itself when no
    padding); ``padding`` holds one (before, after) pair per spatial axis."""
    if not any(lo or hi for lo, hi in padding):
        return x_cl
    xp = get_array_module(x_cl)
    sizes = x_cl.shape[1:-1]
    out = xp.empty((x_cl.shape[0], *(n + lo + hi for n, (lo, hi) in zip(sizes, padding)), x_cl.shape[-1]),
                   dtype=x_cl.dtype)
    # Fill only the border: the interior is overwritten right after. Along each axis the two border
    # slabs are filled within the interior of the axes before it (those axes' borders are filled already).
    inner = [slice(None)]
    for n, (lo, hi) in zip(sizes, padding):
        out[(*inner, slice(0, lo))] = value
        out[(*inner, slice(lo + n, None))] = value
        inner.append(slice(lo, lo + n))
    out[tuple(inner)] = x_cl
    return out


def windows(x_pad, geo, out_hw):
    """The (N, Ho, Wo, kh, kw, *rest) view of every window of a padded (N, Hp, Wp, *rest) array; no copy.

    Element [n, i, j, a, b] is ``x_pad[n, i*sh + a*dh, j*sw + b*dw]`` (and likewise with a depth axis).
    """
    xp = get_array_module(x_pad)
    d = len(geo.kernel)
    spatial = x_pad.strides[1:1 + d]
    shape = (x_pad.shape[0], *out_hw, *geo.kernel, *x_pad.shape[1 + d:])
    strides = (x_pad.strides[0], *(st * s for st, s in zip(spatial, geo.stride)),
               *(st * dl for st, dl in zip(spatial, geo.dilation)), *x_pad.strides[1 + d:])
    if xp is np:   # a read-only view: nothing may write through overlapping windows
        return np.lib.stride_tricks.as_strided(x_pad, shape=shape, strides=strides, writeable=False)
    return xp.lib.stride_tricks.as_strided(x_pad, shape=shape, strides=strides)   # CuPy has no writeable flag


def slab(geo, out_hw, *offset):
    """The (rows, cols) slices of the padded input that kernel offset (a, b) reads across all windows."""
    return tuple(slice(a * dl, a * dl + (o - 1) * s + 1, s)
                 for a, o, s, dl in zip(offset, out_hw, geo.stride, geo.dilation))


def kernel_offsets(geo):
    """Every kernel offset (a, b) (or (a, b, c)) in row-major order: the order of a window's flattened elements."""
    return list(itertools.product(*map(range, geo.kernel)))


def col2im(cols, geo, padded_hw):
    """The adjoint of ``windows``: add each window's values back where they came from.

    ``cols`` is (N, Ho, Wo, kh, kw, *rest) (any strides); the result is a new
    (N, Hp, Wp, *rest) array, built as kh*kw strided adds of whole (N, Ho, Wo, *rest)
    slabs, one per kernel offset (no per-pixel loop, no scatter with repeated indices).
    """
    xp = get_array_module(cols)
    d = len(geo.kernel)
    out_hw = cols.shape[1:1 + d]
    out = xp.zeros((cols.shape[0], *padded_hw, *cols.shape[1 + 2 * d:]), dtype=cols.dtype)
    lead = (slice(None),) * (1 + d)
    for offset in kernel_offsets(geo):
        out[(slice(None), *slab(geo, out_hw, *offset))] += cols[(*lead, *offset)]
    return out


def crop_hw(x_pad, padding, hw):
    """The (N, H, W, ...) interior of a padded channels-last array (a view)."""
    return x_pad[(slice(None), *(slice(lo, lo + n) for (lo, _), n in zip(padding, hw)))]
