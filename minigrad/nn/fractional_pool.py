"""``FractionalMaxPool2d`` and ``FractionalMaxPool3d``: fractional max pooling as layers, PyTorch's arguments
(``F.fractional_max_pool2d``/``3d``)."""
from __future__ import annotations

from minigrad.nn.arguments import int_pair, int_triple
from minigrad.nn.functional.fractional_pool import fractional_max_pool2d, fractional_max_pool3d
from minigrad.nn.layer import Layer
from minigrad.scalars import is_real

__all__ = ["FractionalMaxPool2d", "FractionalMaxPool3d"]


class FractionalMaxPool2d(Layer):
    """Max pooling of (N, C, H, W) or (C, H, W) with windows of ``kernel_size`` at pseudo-random overlapping
    starts to ``output_size`` (or ``output_ratio`` of the input's size, each in (0, 1)), as PyTorch's.

    The windows are drawn afresh on every call, in training and evaluation alike, unless ``_random_samples``
    (N, C, 2) fixes them (then a buffer, as PyTorch registers it). ``return_indices`` also returns each
    maximum's flat position in H * W. dL/dx: g added at each window's maximum.
    """

    _dims, _sizes, _pool = 2, staticmethod(int_pair), staticmethod(fractional_max_pool2d)

    def __init__(self, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                 _random_samples=None):
        super().__init__()
        name = type(self).__name__
        self.kernel_size = self._sizes(name, "kernel_size", kernel_size)
        self.return_indices = bool(return_indices)
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = self._sizes(name, "output_size", output_size) if output_size is not None else None
        if output_ratio is not None:
            output_ratio = (output_ratio,) * self._dims if is_real(output_ratio) else tuple(output_ratio)
        self.output_ratio = output_ratio
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name} requires specifying either an output size, or a pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if output_ratio is not None and not (len(output_ratio) == self._dims and all(is_real(r) and 0 < r < 1
                                                                                     for r in output_ratio)):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")

    def forward(self, x):
        return self._pool(x, self.kernel_size, self.output_size, self.output_ratio, self.return_indices,
                          _random_samples=self._random_samples)


class FractionalMaxPool3d(FractionalMaxPool2d):
    """Max pooling of (N, C, D, H, W) or (C, D, H, W) with windows of ``kernel_size`` at pseudo-random overlapping
    starts to ``output_size`` (or ``output_ratio`` of the input's size, each in (0, 1)), as PyTorch's.

    The windows are drawn afresh on every call unless ``_random_samples`` (N, C, 3) fixes them (a buffer).
    ``return_indices`` also returns each maximum's flat position in D * H * W. dL/dx: g added at each window's
    maximum.
    """

    _dims, _sizes, _pool = 3, staticmethod(int_triple), staticmethod(fractional_max_pool3d)
