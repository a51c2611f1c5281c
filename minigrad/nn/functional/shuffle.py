"""``pixel_shuffle``, ``pixel_unshuffle`` and ``channel_shuffle``: rearrangements of elements, as PyTorch's.

Each is a reshape, a transpose and a reshape (exact, one copy): its derivative is the inverse
rearrangement of g (the transpose's adjoint), so second derivatives and ONNX export (Reshape,
Transpose) come from those ops. Shapes, with r the factor and g the groups:

* pixel_shuffle:   (*, C r^2, H, W) -> (*, C, H r, W r); y[..., c, h r + i, w r + j] = x[..., c r^2 + i r + j, h, w]
* pixel_unshuffle: (*, C, H r, W r) -> (*, C r^2, H, W), its inverse
* channel_shuffle: (N, C, *) -> (N, C, *), the channels read as (N, g, C/g, *) and written as (N, C/g, g, *):
  output channel j g + i is input channel i (C/g) + j, the groups interleaved.
"""
from __future__ import annotations

from minigrad.autograd.coercion import as_tensor
from minigrad.scalars import is_integer

__all__ = ["pixel_shuffle", "pixel_unshuffle", "channel_shuffle"]


def _factor(op, name, value):
    if not is_integer(value) or value < 1:
        raise ValueError(f"{op}: {name} must be a positive integer, got {value!r}")
    return int(value)


def pixel_shuffle(input, upscale_factor):
    """(*, C r^2, H, W) -> (*, C, H r, W r): each group of r^2 channels becomes an r x r block of pixels.
    dL/dx = pixel_unshuffle(g, r)."""
    op = "pixel_shuffle"
    x = as_tensor(input)
    r = _factor(op, "upscale_factor", upscale_factor)
    if x.ndim < 3:
        raise ValueError(f"{op}: expected an input with at least 3 axes (*, C, H, W), got shape {tuple(x.shape)}")
    *lead, c, h, w = x.shape
    if c % (r * r):
        raise ValueError(f"{op}: the channel axis ({c}, input shape {tuple(x.shape)}) must be divisible by "
                         f"upscale_factor ** 2 = {r * r}")
    k = len(lead)
    y = x.reshape(*lead, c // (r * r), r, r, h, w)
    y = y.transpose(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return y.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H r, W r) -> (*, C r^2, H, W), the inverse of pixel_shuffle. dL/dx = pixel_shuffle(g, r)."""
    op = "pixel_unshuffle"
    x = as_tensor(input)
    r = _factor(op, "downscale_factor", downscale_factor)
    if x.ndim < 3:
        raise ValueError(f"{op}: expected an input with at least 3 axes (*, C, H, W), got shape {tuple(x.shape)}")
    *lead, c, h, w = x.shape
    if h % r or w % r:
        raise ValueError(f"{op}: height and width ({h}, {w}; input shape {tuple(x.shape)}) must be divisible by "
                         f"downscale_factor={r}")
    k = len(lead)
    y = x.reshape(*lead, c, h // r, r, w // r, r)
    y = y.transpose(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return y.reshape(*lead, c * r * r, h // r, w // r)


def channel_shuffle(input, groups):
    """(N, C, *) with C = g m: the channels read as (g, m) and written as (m, g), interleaving the groups
    (ShuffleNet's shuffle). dL/dx = channel_shuffle(g, m), the inverse."""
    op = "channel_shuffle"
    x = as_tensor(input)
    if not is_integer(groups) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive integer, got {groups!r}")
    if x.ndim < 3:
        raise ValueError(f"{op}: expected an input with more than 2 axes (N, C, *), got shape {tuple(x.shape)}")
    n, c, *rest = x.shape
    g = int(groups)
    if c % g:
        raise ValueError(f"{op}: the {c} channels (input shape {tuple(x.shape)}) must be divisible by groups={g}")
    y = x.reshape(n, g, c // g, *rest).transpose(0, 2, 1, *range(3, 3 + len(rest)))
    return y.reshape(n, c, *rest)
