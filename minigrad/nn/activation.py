"""The activation layers: ReLU, LeakyReLU, Tanh, Sigmoid, Softmax, LogSoftmax."""
from __future__ import annotations

from minigrad.nn import functional as F
from minigrad.nn.arguments import integer, number
from minigrad.nn.functional.softmax import LAST_AXIS, softmax_axis
from minigrad.nn.layer import Layer


class ReLU(Layer):
    """``max(x, 0)``. Inside a ``Network``, a ReLU right after a ``Linear`` runs fused into it (``AffineReLU``)."""

    def forward(self, x):
        return F.relu(x)


class LeakyReLU(Layer):
    """``x`` for x > 0, ``negative_slope * x`` otherwise."""

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = number("LeakyReLU", "negative_slope", negative_slope)

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Tanh(Layer):
    """Hyperbolic tangent."""

    def forward(self, x):
        return F.tanh(x)


class Sigmoid(Layer):
    """Logistic sigmoid."""

    def forward(self, x):
        return F.sigmoid(x)


class Softmax(Layer):
    """Softmax along ``axis`` (or ``dim``): one graph node (``F.softmax``),
    with ``dL/dx = y (g - sum(g y))``."""

    def __init__(self, axis: int = LAST_AXIS, *, dim: int | None = None):  # dim: PyTorch's name for axis
        super().__init__()
        self.axis = integer("Softmax", "axis" if dim is None else "dim", softmax_axis("Softmax", axis, dim))

    def forward(self, x):
        return F.softmax(x, self.axis)

    def extra_repr(self):
        return f"axis={self.axis}"


class LogSoftmax(Layer):
    """Log-softmax along ``axis`` (or ``dim``; pair with ``NLLLoss``): one graph
    node (``F.log_softmax``)."""

    def __init__(self, axis: int = LAST_AXIS, *, dim: int | None = None):  # dim: PyTorch's name for axis
        super().__init__()
        self.axis = integer("LogSoftmax", "axis" if dim is None else "dim", softmax_axis("LogSoftmax", axis, dim))

    def forward(self, x):
        return F.log_softmax(x, self.axis)

    def extra_repr(self):
        return f"axis={self.axis}"
