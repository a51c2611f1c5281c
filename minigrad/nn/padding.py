"""``ZeroPad2d``: zeros around the last two axes (images (N, C, H, W), (C, H, W)...), as PyTorch's (the ``pad`` op,
constant 0)."""
from __future__ import annotations

from minigrad.autograd.tensor import Tensor
from minigrad.nn.layer import Layer
from minigrad.ops.pad import pad
from minigrad.scalars import is_integer

__all__ = ["ZeroPad2d"]


class ZeroPad2d(Layer):
    """Pad the last two axes with zeros: ``padding`` is an int (all four sides) or (left, right, top, bottom).

    (N, C, H, W) -> (N, C, H + top + bottom, W + left + right). dL/dx: g cropped back to the input's place.
    Widths must be non-negative (PyTorch's negative widths, which crop, are refused).
    """

    def __init__(self, padding):
        super().__init__()
        values = (padding,) * 4 if is_integer(padding) else padding
        try:
            ok = len(values) == 4 and all(is_integer(v) and v >= 0 for v in values)
        except TypeError:
            ok = False
        if not ok or isinstance(values, (str, bytes)):
            raise ValueError("ZeroPad2d: padding must be a non-negative integer or a 4-tuple of them "
                             f"(left, right, top, bottom); negative widths (cropping) are not supported, got {padding!r}")
        self.padding = tuple(int(v) for v in values)

    def forward(self, x):
        if not isinstance(x, Tensor):
            raise TypeError(f"ZeroPad2d: input must be a Tensor, got {type(x).__name__}")
        if x.ndim < 2:   # PyTorch pads any input with two axes or more
            raise ValueError(f"ZeroPad2d: expected an input with at least 2 axes (..., H, W), got shape {tuple(x.shape)}")
        return pad(x, self.padding)

    def extra_repr(self):
        return f"{self.padding}"
