"""``PixelShuffle``, ``PixelUnshuffle`` and ``ChannelShuffle``: the functions of ``nn/functional/shuffle.py`` as
layers (no parameters; PyTorch's arguments and printing)."""
from __future__ import annotations

from minigrad.nn.arguments import positive_int
from minigrad.nn.functional.shuffle import channel_shuffle, pixel_shuffle, pixel_unshuffle
from minigrad.nn.layer import Layer

__all__ = ["PixelShuffle", "PixelUnshuffle", "ChannelShuffle"]


class PixelShuffle(Layer):
    """(*, C r^2, H, W) -> (*, C, H r, W r) (sub-pixel upsampling); dL/dx = pixel_unshuffle(g, r)."""

    def __init__(self, upscale_factor: int):
        super().__init__()
        self.upscale_factor = positive_int("PixelShuffle", "upscale_factor", upscale_factor)

    def forward(self, x):
        return pixel_shuffle(x, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Layer):
    """(*, C, H r, W r) -> (*, C r^2, H, W), the inverse of PixelShuffle; dL/dx = pixel_shuffle(g, r)."""

    def __init__(self, downscale_factor: int):
        super().__init__()
        self.downscale_factor = positive_int("PixelUnshuffle", "downscale_factor", downscale_factor)

    def forward(self, x):
        return pixel_unshuffle(x, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Layer):
    """(N, C, *) with the channels read as (groups, C / groups) and written transposed; dL/dx: the inverse."""

    def __init__(self, groups: int):
        super().__init__()
        self.groups = positive_int("ChannelShuffle", "groups", groups)

    def forward(self, x):
        return channel_shuffle(x, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"
