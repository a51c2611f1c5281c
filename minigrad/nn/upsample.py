"""``Upsample`` (every mode of ``F.interpolate``), ``UpsamplingNearest2d`` and ``UpsamplingBilinear2d``
(``F.interpolate`` as layers, PyTorch's arguments)."""
from __future__ import annotations

from minigrad.nn.functional.upsampling import check_mode, check_recompute, check_size_or_scale, resample
from minigrad.nn.layer import Layer

__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]


class Upsample(Layer):
    """Resample (N, C, L), (N, C, H, W) or (N, C, D, H, W) by ``scale_factor`` or to ``size``, as ``F.interpolate``.

    ``mode`` 'nearest', 'nearest-exact', 'area' (3-D or 4-D input; nearest also 5-D at integer factors), 'linear'
    (3-D), 'bilinear' or 'bicubic' (4-D), 'trilinear' (5-D), with PyTorch's source positions for ``align_corners`` (any positive
    factor or size). Anything else is refused when the layer is built, with a message saying what is supported.
    ``scale_factor`` is kept as a float (or a tuple of them), as PyTorch keeps it. dL/dx: g summed over each repeated block (nearest), or shared between the
    taps of each output by its weights (see ``minigrad.nn.functional.upsampling`` and ``interpolation_modes``).
    """

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        name = type(self).__name__
        self.mode = check_mode(name, mode, align_corners)
        size, scale = check_size_or_scale(name, size, scale_factor, mode)
        check_recompute(name, recompute_scale_factor, size)
        self.size = size
        self.scale_factor = None if scale is None else tuple(float(f) for f in scale) if isinstance(scale, tuple) \
            else float(scale)
        self._scale = scale   # the checked values
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, x):
        return resample(type(self).__name__, x, self.size, self._scale, self.mode, self.align_corners,
                        self.recompute_scale_factor)

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
