"""``Upsample`` (modes 'nearest', 'linear', 'bilinear', 'trilinear'), ``UpsamplingNearest2d`` and
``UpsamplingBilinear2d``
(``F.interpolate`` as layers, PyTorch's arguments)."""
from __future__ import annotations

from minigrad.nn.functional.upsampling import (LINEAR, check_input, check_mode, check_size_or_scale, factors,
                                               linear_sizes, upsample_linear, upsample_nearest)
from minigrad.nn.layer import Layer

__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]


class Upsample(Layer):
    """Resample (N, C, L), (N, C, H, W) or (N, C, D, H, W) by ``scale_factor`` or to ``size``, as ``F.interpolate``.

    ``mode='nearest'`` repeats each element ``scale_factor`` times per spatial axis (integer factors, or sizes
    that are integer multiples); ``'linear'`` (3-D input), ``'bilinear'`` (4-D) and ``'trilinear'`` (5-D) interpolate
    with PyTorch's source positions for ``align_corners`` (any positive factor or size). Anything else is refused
    when the layer is built, with a message saying what is supported. ``scale_factor`` is kept as a float (or a tuple
    of them), as PyTorch keeps it. dL/dx: g summed over each repeated block (nearest), or shared between the
    two sources of each output by its weights (linear; see ``minigrad.nn.functional.upsampling``).
    """

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        name = type(self).__name__
        self.mode = check_mode(name, mode, align_corners)
        if recompute_scale_factor not in (None, True, False):
            raise ValueError(f"{name}: recompute_scale_factor must be None or a bool, got {recompute_scale_factor!r}")
        size, scale = check_size_or_scale(name, size, scale_factor, mode)
        self.size = size
        self.scale_factor = None if scale is None else tuple(float(f) for f in scale) if isinstance(scale, tuple) \
            else float(scale)
        self._scale = scale   # the checked values (ints for nearest)
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, x):
        name = type(self).__name__
        check_input(name, x, self.mode)
        if self.mode in LINEAR:
            out, scales = linear_sizes(name, x.shape, self.size, self._scale, self.recompute_scale_factor)
            return upsample_linear(x, out, scales, bool(self.align_corners))
        return upsample_nearest(x, factors(name, x.shape, self.size, self._scale))

    def extra_repr(self):
        if self.scale_factor is not None:
            return f"scale_factor={self.scale_factor}, mode={self.mode!r}"
        return f"size={self.size}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """``Upsample(size, scale_factor, mode='nearest')`` for (N, C, H, W) images, as PyTorch's."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample(size, scale_factor, mode='bilinear', align_corners=True)`` for (N, C, H, W) images, as PyTorch's."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
