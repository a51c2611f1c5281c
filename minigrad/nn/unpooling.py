"""``MaxUnpool1d``, ``MaxUnpool2d`` and ``MaxUnpool3d``: the partial inverse of max pooling (PyTorch's arguments; no parameters)."""
from __future__ import annotations

from minigrad.nn.arguments import int_pair, int_single, int_triple
from minigrad.nn.layer import Layer
from minigrad.ops.unpool import max_unpool1d, max_unpool2d, max_unpool3d

__all__ = ["MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"]


class MaxUnpool2d(Layer):
    """``forward(input, indices, output_size=None)``: each value of (N, C, H, W) or (C, H, W) put at its index
    (``MaxPool2d(..., return_indices=True)``'s) in a zero plane of (H - 1) sh - 2 ph + kh by (W - 1) sw - 2 pw + kw
    (or ``output_size``); ``stride`` defaults to ``kernel_size``. dL/dx: g gathered at the indices."""

    _sizes, _fn = staticmethod(int_pair), staticmethod(max_unpool2d)

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        name = type(self).__name__
        self.kernel_size = self._sizes(name, "kernel_size", kernel_size)
        self.stride = self.kernel_size if stride is None else self._sizes(name, "stride", stride)
        self.padding = self._sizes(name, "padding", padding, minimum=0)

    def forward(self, input, indices, output_size=None):
        return type(self)._fn(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(MaxUnpool2d):
    """``forward(input, indices, output_size=None)``: each value of (N, C, L) or (C, L) put at its index
    (``MaxPool1d(..., return_indices=True)``'s) in zeros of length (L - 1) s - 2 p + k (or ``output_size``)."""

    _sizes, _fn = staticmethod(int_single), staticmethod(max_unpool1d)


class MaxUnpool3d(MaxUnpool2d):
    """``forward(input, indices, output_size=None)``: each value of (N, C, D, H, W) or (C, D, H, W) put at its flat
    index (``MaxPool3d(..., return_indices=True)``'s) in a zero volume of (D - 1) sd - 2 pd + kd by ... (or
    ``output_size``)."""

    _sizes, _fn = staticmethod(int_triple), staticmethod(max_unpool3d)
