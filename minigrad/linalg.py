"""``minigrad.linalg``: PyTorch's ``torch.linalg`` names over minigrad's ops.

    >>> import minigrad as mg
    >>> a = mg.tensor([[2.0, 1.0], [1.0, 3.0]])
    >>> float(mg.linalg.det(a))
    5.0

Each is differentiable (except ``matrix_rank``) with its textbook reverse-mode derivative; see the op
modules minigrad/ops/linalg_inverse.py, linalg_decompositions.py, linalg_norms.py and matrix_products.py.
"""
from minigrad.ops.linalg_decompositions import cholesky, eigh, eigvalsh, qr, svd, svdvals
from minigrad.ops.linalg_inverse import det, inv, pinv, slogdet, solve
from minigrad.ops.linalg_norms import matrix_norm, matrix_rank, norm, vector_norm
from minigrad.ops.matrix_products import linalg_cross as cross, matrix_power, multi_dot
from minigrad.ops.linalg import matmul

__all__ = ["cholesky", "cross", "det", "eigh", "eigvalsh", "inv", "matmul", "matrix_norm", "matrix_power",
           "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve", "svd", "svdvals", "vector_norm"]
