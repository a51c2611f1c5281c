"""The product of a 2-D sparse COO matrix and a dense matrix, over the sparse matrix's entries alone.

The sparse matrix is given as its entries: ``values`` (nnz,) at ``(rows[e], cols[e])``, duplicates allowed (they add
up, as in the dense matrix they stand for). Each entry contributes ``values[e] * dense[cols[e]]`` to output row
``rows[e]``: one gather of nnz rows, one multiply, and one row sum by index (``RowSum``: runs of equal indices summed
with ``add.reduceat`` after one sort on NumPy, CuPy's scatter-add on a GPU). No loop runs over the entries. The sorts
are kept in ``_Plan`` objects that the sparse tensor holds, so a graph's adjacency matrix is sorted once, not at
every product. ``minigrad.sparse`` builds these from a sparse tensor; this module knows nothing of that type.
"""
from __future__ import annotations

from minigrad.autograd.function import Function
from minigrad.backend import get_array_module
from minigrad.ops.embedding import RowSum, _Plan


class SparseDenseMM(Function):
    """y = S @ dense for S (n_rows, k) sparse with entries ``values`` (nnz,) at (rows.index, cols.index), dense (k, n).

    y (n_rows, n):  y[r] = sum over entries e with rows[e] = r of values[e] * dense[cols[e]].
    dL/dvalues (nnz,):  dL/dvalues[e] = g[rows[e]] . dense[cols[e]]  (each entry's own, duplicates alike).
    dL/ddense (k, n) = S^T @ g: this same op over the transposed entries (rows and cols swapped), so the recorded
    derivative is itself a sparse product and differentiates again.
    ``rows`` and ``cols`` are ``_Plan``s (an index array and its sort, made once).
    """

    def __init__(self, rows, cols, n_rows):
        self.rows, self.cols, self.n_rows = rows, cols, n_rows

    def forward(self, values, dense):
        xp = get_array_module(dense)
        if values.shape[0] == 0 or dense.shape[1] == 0:   # nothing to add (and no (-1, 0) reshape in RowSum)
            return xp.zeros((self.n_rows, dense.shape[1]), dtype=dense.dtype)
        terms = xp.take(dense, self.cols.index, axis=0) * values[:, None]
        return RowSum(plan=self.rows, num_rows=self.n_rows).forward(terms)

    def backward(self, F, gy, values, dense):
        need_values, need_dense = self.needs_input_grad
        g_values = F.sum(gy[self.rows.index] * dense[self.cols.index], axis=1) if need_values else None
        g_dense = (F.apply(SparseDenseMM, values, gy, rows=self.cols, cols=self.rows, n_rows=dense.shape[0])
                   if need_dense else None)
        return g_values, g_dense
