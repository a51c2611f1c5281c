"""``torch.linalg.matrix_exp`` (and ``torch.matrix_exp``): the matrix exponential e^A = sum_k A^k / k!.

Forward: scaling and squaring with a Taylor polynomial. Each matrix is scaled by 2^-s so that its 1-norm is at
most 1, the degree-d Taylor sum (d = 18 in float64, 12 in float32; the next term is below 1 / (d + 1)!, under the
dtype's rounding) is taken by Horner's rule, and the result squared s times; a batch shares the matmuls, each
matrix being squared only its own s times (``where``).

Derivative, written once: for the block matrix M = [[A^T, G], [0, A^T]], e^M = [[e^{A^T}, D], [0, e^{A^T}]] where
D is the Frechet derivative of exp at A^T in the direction G, which is dL/dA. So the backward is one ``MatrixExp``
of a 2n x 2n matrix, and being an op itself it is differentiated again the same way.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.function import Function
from minigrad.backend import get_array_module
from minigrad.ops._args import as_floating
from minigrad.ops.linalg import _swap_last


def _expm(a):
    xp = get_array_module(a)
    n = a.shape[-1]
    if a.size == 0:
        return a.copy()
    degree = 18 if a.dtype == np.float64 else 12
    norm = xp.abs(a).sum(axis=-2).max(axis=-1)                     # the 1-norm of each matrix
    with np.errstate(divide="ignore"):
        s = xp.maximum(xp.ceil(xp.log2(xp.maximum(norm, 1e-300))), 0).astype(np.int64)
    scaled = a / xp.exp2(s.astype(a.dtype))[..., None, None]
    eye = xp.eye(n, dtype=a.dtype)
    out = eye + scaled / degree
    for k in range(degree - 1, 0, -1):                              # Horner: I + X/1 (I + X/2 (I + ...))
        out = eye + (scaled @ out) / k
    for step in range(int(s.max()) if s.size else 0):             # each matrix squared its own s times
        out = xp.where((step < s)[..., None, None], out @ out, out)
    return out


class MatrixExp(Function):
    """Y = e^A.   dL/dA = the top-right n x n block of e^[[A^T, G], [0, A^T]].   Shapes: (..., n, n) -> (..., n, n)."""

    def forward(self, a):
        return _expm(a)

    def backward(self, F, gy, a):
        n = a.shape[-1]
        at = _swap_last(F, a)
        data = a.data if F.recording else a
        zeros = F.const(get_array_module(data).zeros(data.shape, dtype=data.dtype))
        block = F.concat([F.concat([at, gy], -1), F.concat([zeros, at], -1)], -2)
        return F.apply(MatrixExp, block)[..., :n, n:]


def matrix_exp(a):
    """``torch.linalg.matrix_exp``: e^A of each square matrix in ``a`` (..., n, n)."""
    a = as_floating(a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"linalg.matrix_exp: A must be batches of square matrices, got shape {tuple(a.shape)}")
    return MatrixExp.apply(a)
