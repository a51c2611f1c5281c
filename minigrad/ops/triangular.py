"""The lower and upper triangles of the last two dims: ``tril`` and ``triu`` (``torch``'s and ``numpy``'s).

Each is ``where(mask, x, 0)`` with a constant triangular mask, so the gradient is g inside the
triangle and exactly 0 outside it, even where g is inf.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import Tensor
from minigrad.ops.selection import where
from minigrad.scalars import is_integer


def _triangle(name, x, diagonal, lower):
    x = as_tensor(x)
    if not is_integer(diagonal):
        raise TypeError(f"{name}: diagonal must be an int, got {diagonal!r}")
    if x.ndim < 2:
        raise ValueError(f"{name}: expects a tensor with at least 2 dims, got shape {tuple(x.shape)}")
    m, n = x.shape[-2:]
    tri = x._xp().tri(m, n, int(diagonal) - (0 if lower else 1), dtype=bool)
    return where(Tensor(tri if lower else ~tri), x, False if x.dtype == np.bool_ else 0)


def tril(x, diagonal=0):
    """``x`` with the entries above diagonal ``diagonal`` of the last two dims set to 0 (0: the main
    diagonal, > 0 above it, < 0 below).   dL/dx = g on and below that diagonal, 0 above."""
    return _triangle("tril", x, diagonal, lower=True)


def triu(x, diagonal=0):
    """``x`` with the entries below diagonal ``diagonal`` of the last two dims set to 0.
    dL/dx = g on and above that diagonal, 0 below."""
    return _triangle("triu", x, diagonal, lower=False)
