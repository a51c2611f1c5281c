"""``torch.sparse``'s COO subset: ``minigrad.sparse_coo_tensor`` builds a ``SparseCOOTensor``; ``mm``, ``sum``,
``softmax`` and ``log_softmax`` work on it (docs/autodiff.md, "Sparse COO tensors")."""
from minigrad.sparse.coo_tensor import SparseCOOTensor, dense_to_sparse, sparse_coo_tensor, sparse_csr_tensor
from minigrad.sparse.operations import log_softmax, mm, softmax, spmm, sum  # noqa: A004

__all__ = ["SparseCOOTensor", "dense_to_sparse", "log_softmax", "mm", "softmax", "sparse_coo_tensor",
           "sparse_csr_tensor", "spmm", "sum"]
