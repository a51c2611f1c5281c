"""``Flatten``: a run of axes merged into one ((N, d1, d2, ...) to (N, d1 * d2 * ...) by default);
``Unflatten``: one axis split into several."""
from __future__ import annotations

import math

from minigrad.nn.arguments import integer
from minigrad.nn.layer import Layer, check_tensor_input
from minigrad.scalars import is_integer


class Flatten(Layer):
    """Merge axes ``start_dim`` to ``end_dim`` (both included) into one, as PyTorch's ``nn.Flatten``.

    The default (1, -1) keeps the batch axis: (N, 1, 28, 28) images become (N, 784) vectors. An input with
    too few axes for ``start_dim`` is an error, as in PyTorch ((4,) is not a batch of 4 one-feature rows).
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim = integer("Flatten", "start_dim", start_dim)
        self.end_dim = integer("Flatten", "end_dim", end_dim)
        if (self.start_dim < 0) == (self.end_dim < 0) and self.start_dim > self.end_dim:
            raise ValueError(f"Flatten: start_dim={self.start_dim} comes after end_dim={self.end_dim}")

    def forward(self, x):
        check_tensor_input(self, x)
        shape = tuple(x.shape)
        n = max(len(shape), 1)   # a 0-d input counts as one axis, as in PyTorch
        for arg, d in (("start_dim", self.start_dim), ("end_dim", self.end_dim)):
            if not -n <= d < n:
                raise ValueError(f"Flatten: {arg}={d} is out of range for an input of shape {shape} "
                                 f"(expected a dimension in [{-n}, {n - 1}])")
        start, end = self.start_dim % n, self.end_dim % n
        if start > end:
            raise ValueError(f"Flatten: start_dim={self.start_dim} comes after end_dim={self.end_dim} "
                             f"for an input of shape {shape}")
        if not shape:
            return x.reshape(1)
        if start == end:
            return x
        return x.reshape(*shape[:start], math.prod(shape[start:end + 1]), *shape[end + 1:])

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Layer):
    """Split axis ``dim`` into ``unflattened_size``: ``Unflatten(1, (1, 28, 28))`` turns (N, 784) into (N, 1, 28, 28).

    One size may be -1, inferred from the others, as in PyTorch: ``Unflatten(1, (2, -1))`` turns (N, 6) into
    (N, 2, 3).
    """

    def __init__(self, dim: int, unflattened_size):
        super().__init__()
        self.dim = integer("Unflatten", "dim", dim)
        sizes = tuple(unflattened_size) if isinstance(unflattened_size, (tuple, list)) else None
        if (not sizes or not all(is_integer(s) and s >= -1 for s in sizes)
                or sum(s == -1 for s in sizes) > 1):
            raise ValueError(f"Unflatten: unflattened_size must be a non-empty tuple of non-negative integers "
                             f"(one of them may be -1), got {unflattened_size!r}")
        self.unflattened_size = tuple(int(s) for s in sizes)

    def forward(self, x):
        check_tensor_input(self, x)
        dim = self.dim % x.ndim if -x.ndim <= self.dim < x.ndim else None
        known = math.prod(s for s in self.unflattened_size if s != -1)
        sizes = self.unflattened_size
        # a -1 beside a 0 could be any size, so it stays unresolved and the check below refuses it
        if dim is not None and -1 in sizes and known and x.shape[dim] % known == 0:
            sizes = tuple(x.shape[dim] // known if s == -1 else s for s in sizes)
        if dim is None or x.shape[dim] != math.prod(sizes) or -1 in sizes:
            raise ValueError(f"Unflatten: cannot split axis {self.dim} of shape {tuple(x.shape)} "
                             f"into {self.unflattened_size}")
        return x.reshape(*x.shape[:dim], *sizes, *x.shape[dim + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
