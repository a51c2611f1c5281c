"""``Dropout`` and ``Dropout2d`` (whole channels): inverted dropout while training, the identity in eval mode."""
from __future__ import annotations

from minigrad.nn import functional as F
from minigrad.nn.arguments import probability
from minigrad.nn.layer import Layer


class Dropout(Layer):
    """Inverted dropout with drop probability ``p`` while training; the identity in eval mode."""

    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = probability("Dropout", "p", p)

    def forward(self, x):
        return F.dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"


class Dropout2d(Layer):
    """Zero whole channels with probability ``p`` while training (kept ones scaled by 1/(1-p)); identity in eval."""

    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = probability("Dropout2d", "p", p)

    def forward(self, x):
        return F.dropout2d(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"
