"""``Unfold`` (im2col) and ``Fold`` (col2im): ``minigrad.ops.fold`` as layers (no parameters; PyTorch's arguments)."""
from __future__ import annotations

from minigrad.nn.arguments import int_pair
from minigrad.nn.layer import Layer
from minigrad.ops.fold import fold, unfold

__all__ = ["Unfold", "Fold"]


def _checked(name, kernel_size, dilation, padding, stride):
    """The four window arguments checked (ints or pairs), kept in the form they were given, as PyTorch keeps them."""
    for arg, value, least in (("kernel_size", kernel_size, 1), ("dilation", dilation, 1), ("padding", padding, 0),
                              ("stride", stride, 1)):
        int_pair(name, arg, value, minimum=least)
    return kernel_size, dilation, padding, stride


class Unfold(Layer):
    """Every kh x kw window of (N, C, H, W) or (C, H, W) as a column of (N, C kh kw, L); dL/dx: fold(g)."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = _checked("Unfold", kernel_size, dilation,
                                                                              padding, stride)

    def forward(self, x):
        return unfold(x, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")


class Fold(Layer):
    """Columns (N, C kh kw, L) or (C kh kw, L) summed back into an image of ``output_size``; dL/dcols: unfold(g)."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        int_pair("Fold", "output_size", output_size)
        self.output_size = output_size
        self.kernel_size, self.dilation, self.padding, self.stride = _checked("Fold", kernel_size, dilation,
                                                                              padding, stride)

    def forward(self, x):
        return fold(x, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")
