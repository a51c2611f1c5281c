"""``Flatten``: (N, d1, d2, ...) to (N, d1 * d2 * ...); ``Unflatten``: one axis split into several."""
from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.tensor import Tensor

from minigrad.nn.layer import Layer, check_tensor_input


class Flatten(Layer):
    """Reshape (N, d1, d2, ...) to (N, d1 * d2 * ...), e.g. 28x28 images to 784-vectors."""

    def forward(self, x):
        check_tensor_input(self, x)
        if x.ndim < 1:
            raise ValueError(f"Flatten: input must have a batch axis, got shape {tuple(x.shape)}")
        return x.reshape(x.shape[0], math.prod(x.shape[1:]))


class Unflatten(Layer):
    """Split axis ``dim`` into ``unflattened_size``: ``Unflatten(1, (1, 28, 28))`` turns (N, 784) into (N, 1, 28, 28)."""

    def __init__(self, dim: int, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = int(dim), tuple(int(s) for s in unflattened_size)

    def forward(self, x):
        if not isinstance(x, Tensor):
            raise TypeError(f"Unflatten: input must be a Tensor, got {type(x).__name__}")
        dim = self.dim % x.ndim if -x.ndim <= self.dim < x.ndim else None
        size = int(np.prod(self.unflattened_size))
        if dim is None or x.shape[dim] != size:
            raise ValueError(f"Unflatten: cannot split axis {self.dim} of shape {tuple(x.shape)} "
                             f"into {self.unflattened_size}")
        return x.reshape(*x.shape[:dim], *self.unflattened_size, *x.shape[dim + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
