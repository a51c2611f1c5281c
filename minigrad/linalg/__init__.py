"""``minigrad.linalg``: PyTorch's ``torch.linalg`` names over minigrad's ops.

    >>> import minigrad as mg
    >>> a = mg.tensor([[2.0, 1.0], [1.0, 3.0]])
    >>> float(mg.linalg.det(a))
    5.0

Each is differentiable (except ``matrix_rank``) with its textbook reverse-mode derivative; see the op
modules minigrad/ops/linalg_inverse.py, linalg_decompositions.py, linalg_norms.py, matrix_products.py,
linalg_triangular.py, linalg_lu.py, linalg_more.py, linalg_householder.py and matrix_exp.py. ``eig``/``eigvals``
are not here: their results are complex, and minigrad has no complex dtypes (docs/autodiff.md, section 15).
"""
from minigrad.ops.linalg_decompositions import cholesky, eigh, eigvalsh, qr, svd, svdvals
from minigrad.ops.linalg_inverse import det, inv, pinv, slogdet, solve
from minigrad.ops.linalg_norms import matrix_norm, matrix_rank, norm, vector_norm
from minigrad.ops.matrix_products import linalg_cross as cross, matrix_power, multi_dot
from minigrad.ops.linalg import matmul
from minigrad.ops.linalg_householder import householder_product
from minigrad.ops.linalg_lu import lu, lu_factor, lu_factor_ex, lu_solve
from minigrad.ops.linalg_more import (cholesky_ex, cond, diagonal, inv_ex, lstsq, solve_ex, tensorinv, tensorsolve,
                                      vander, vecdot)
from minigrad.ops.linalg_triangular import solve_triangular
from minigrad.ops.matrix_exp import matrix_exp

__all__ = ["cholesky", "cross", "det", "eigh", "eigvalsh", "inv", "matmul", "matrix_norm", "matrix_power",
           "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve", "svd", "svdvals", "vector_norm",
           "cholesky_ex", "cond", "diagonal", "inv_ex", "lstsq", "lu", "lu_factor", "lu_factor_ex", "lu_solve",
           "matrix_exp", "solve_ex", "solve_triangular", "tensorinv", "tensorsolve", "vander", "vecdot", "householder_product"]
