"""``Flatten``: (N, d1, d2, ...) to (N, d1 * d2 * ...)."""
from __future__ import annotations

import math

from minigrad.nn.layer import Layer, check_tensor_input


class Flatten(Layer):
    """Reshape (N, d1, d2, ...) to (N, d1 * d2 * ...), e.g. 28x28 images to 784-vectors."""

    def forward(self, x):
        check_tensor_input(self, x)
        if x.ndim < 1:
            raise ValueError(f"Flatten: input must have a batch axis, got shape {tuple(x.shape)}")
        return x.reshape(x.shape[0], math.prod(x.shape[1:]))
