"""``Upsample``: nearest-neighbour upsampling by integer factors (``F.interpolate``), PyTorch's arguments."""
from __future__ import annotations

from minigrad.nn.functional.upsampling import check_input, check_mode, check_size_or_scale, factors, upsample_nearest
from minigrad.nn.layer import Layer

__all__ = ["Upsample"]


class Upsample(Layer):
    """Repeat each element of (N, C, L), (N, C, H, W) or (N, C, D, H, W) ``scale_factor`` times per spatial axis.

    ``Upsample(scale_factor=2)`` maps (N, C, H, W) to (N, C, 2H, 2W); ``size`` gives the output's spatial
    size instead (an integer multiple of the input's). Only ``mode='nearest'`` with integer factors is
    supported; anything else is refused when the layer is built, with a message saying what is supported.
    ``scale_factor`` is kept as a float (or a tuple of them), as PyTorch keeps it.
    dL/dx: g summed over each repeated block (see ``minigrad.nn.functional.upsampling``).
    """

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.mode = check_mode("Upsample", mode, align_corners)
        if recompute_scale_factor not in (None, True, False):
            raise ValueError(f"Upsample: recompute_scale_factor must be None or a bool, got {recompute_scale_factor!r}")
        size, scale = check_size_or_scale("Upsample", size, scale_factor)
        self.size = size
        self.scale_factor = None if scale is None else tuple(float(f) for f in scale) if isinstance(scale, tuple) \
            else float(scale)
        self._scale = scale   # the checked integers
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, x):
        check_input("Upsample", x)
        return upsample_nearest(x, factors("Upsample", x.shape, self.size, self._scale))

    def extra_repr(self):
        if self.scale_factor is not None:
            return f"scale_factor={self.scale_factor}, mode={self.mode!r}"
        return f"size={self.size}, mode={self.mode!r}"
