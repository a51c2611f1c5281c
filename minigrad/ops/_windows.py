"""Sliding windows over images, shared by convolution and pooling.

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

from typing import NamedTuple

import numpy as np

from minigrad.backend import get_array_module
from minigrad.scalars import is_integer


class Geometry(NamedTuple):
    """Kernel (kh, kw), stride (sh, sw), dilation (dh, dw), padding ((top, bottom), (left, right)), groups."""

    kernel: tuple
    stride: tuple
    dilation: tuple
    padding: tuple
    groups: int = 1

    def out_size(self, h, w):
        """(Ho, Wo) for an (h, w) input: floor((h + pads - d (k - 1) - 1) / s) + 1 per axis."""
        return tuple((n + lo + hi - d * (k - 1) - 1) // s + 1
                     for n, (lo, hi), k, s, d in zip((h, w), self.padding, self.kernel, self.stride, self.dilation))

    def padded(self, h, w):
        return h + sum(self.padding[0]), w + sum(self.padding[1])


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
    """(N, C, H, W) -> an (N, H, W, C) view of the same memory."""
    return x.transpose(0, 2, 3, 1)


def channels_first(x):
    """(N, H, W, C) -> an (N, C, H, W) view of the same memory."""
    return x.transpose(0, 3, 1, 2)


def pad_hw(x_cl, padding, value=0):
    """A channels-last (N, H, W, C) array padded with ``value`` on H and W (``x_cl`` itself when no padding)."""
    (pt, pb), (pl, pr) = padding
    if not (pt or pb or pl or pr):
        return x_cl
    xp = get_array_module(x_cl)
    n, h, w, c = x_cl.shape
    out = xp.empty((n, h + pt + pb, w + pl + pr, c), dtype=x_cl.dtype)
    # Fill only the border: the interior is overwritten right after.
    out[:, :pt] = value
    out[:, pt + h:] = value
    out[:, pt:pt + h, :pl] = value
    out[:, pt:pt + h, pl + w:] = value
    out[:, pt:pt + h, pl:pl + w] = x_cl
    return out


def windows(x_pad, geo, out_hw):
    """The (N, Ho, Wo, kh, kw, *rest) view of every window of a padded (N, Hp, Wp, *rest) array; no copy.

    Element [n, i, j, a, b] is ``x_pad[n, i*sh + a*dh, j*sw + b*dw]``.
    """
    xp = get_array_module(x_pad)
    (kh, kw), (sh, sw), (dh, dw) = geo.kernel, geo.stride, geo.dilation
    sn, shh, sww, *rest = x_pad.strides
    shape = (x_pad.shape[0], *out_hw, kh, kw, *x_pad.shape[3:])
    strides = (sn, shh * sh, sww * sw, shh * dh, sww * dw, *rest)
    if xp is np:   # a read-only view: nothing may write through overlapping windows
        return np.lib.stride_tricks.as_strided(x_pad, shape=shape, strides=strides, writeable=False)
    return xp.lib.stride_tricks.as_strided(x_pad, shape=shape, strides=strides)   # CuPy has no writeable flag


def slab(geo, out_hw, a, b):
    """The (rows, cols) slices of the padded input that kernel offset (a, b) reads across all windows."""
    (sh, sw), (dh, dw) = geo.stride, geo.dilation
    return (slice(a * dh, a * dh + (out_hw[0] - 1) * sh + 1, sh),
            slice(b * dw, b * dw + (out_hw[1] - 1) * sw + 1, sw))


def col2im(cols, geo, padded_hw):
    """The adjoint of ``windows``: add each window's values back where they came from.

    ``cols`` is (N, Ho, Wo, kh, kw, *rest) (any strides); the result is a new
    (N, Hp, Wp, *rest) array, built as kh*kw strided adds of whole (N, Ho, Wo, *rest)
    slabs, one per kernel offset (no per-pixel loop, no scatter with repeated indices).
    """
    xp = get_array_module(cols)
    n, ho, wo, kh, kw = cols.shape[:5]
    out = xp.zeros((n, *padded_hw, *cols.shape[5:]), dtype=cols.dtype)
    for a in range(kh):
        for b in range(kw):
            out[(slice(None), *slab(geo, (ho, wo), a, b))] += cols[:, :, :, a, b]
    return out


def crop_hw(x_pad, padding, hw):
    """The (N, H, W, ...) interior of a padded channels-last array (a view)."""
    (pt, _), (pl, _) = padding
    return x_pad[:, pt:pt + hw[0], pl:pl + hw[1]]
