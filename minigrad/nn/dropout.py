"""``Dropout``, ``Dropout1d``, ``Dropout2d`` and ``Dropout3d`` (whole channels): inverted dropout while training, the
identity in eval
mode; ``AlphaDropout`` and ``FeatureAlphaDropout``: SELU's dropout, which keeps mean and variance."""
from __future__ import annotations

from minigrad.nn import functional as F
from minigrad.nn.arguments import inplace_flag, probability
from minigrad.nn.layer import Layer


class _DropoutWithInplace(Layer):
    """A dropout layer with PyTorch's ``(p, inplace=False)`` arguments and printing."""

    _fn = None

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        name = type(self).__name__
        self.p = probability(name, "p", p)
        self.inplace = inplace_flag(name, inplace)

    def forward(self, x):
        return type(self)._fn(x, self.p, self.training, inplace=self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutWithInplace):
    """Inverted dropout with drop probability ``p`` while training; the identity in eval mode."""

    _fn = staticmethod(F.dropout)


class Dropout2d(_DropoutWithInplace):
    """Zero whole channels with probability ``p`` while training (kept ones scaled by 1/(1-p)); identity in eval."""

    _fn = staticmethod(F.dropout2d)


class Dropout1d(_DropoutWithInplace):
    """Zero whole channels of (N, C, L) or (C, L) with probability ``p`` while training (kept ones scaled by
    1/(1-p)); identity in eval."""

    _fn = staticmethod(F.dropout1d)


class Dropout3d(_DropoutWithInplace):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) with probability ``p`` while training (kept ones scaled
    by 1/(1-p)); identity in eval."""

    _fn = staticmethod(F.dropout3d)


class AlphaDropout(_DropoutWithInplace):
    """Alpha dropout of each element while training (SELU networks: mean and variance kept); identity in eval."""

    _fn = staticmethod(F.alpha_dropout)


class FeatureAlphaDropout(_DropoutWithInplace):
    """Alpha dropout of whole channels of (N, C, *) while training; identity in eval."""

    _fn = staticmethod(F.feature_alpha_dropout)
