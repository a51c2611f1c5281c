"""Distance layers: ``CosineSimilarity`` and ``PairwiseDistance``, PyTorch's, over ``F.cosine_similarity`` and
``F.pairwise_distance`` with fixed options."""
from __future__ import annotations

from minigrad.nn import functional as F
from minigrad.nn.arguments import flag, integer, nonnegative_number, norm_order
from minigrad.nn.layer import Layer


class CosineSimilarity(Layer):
    """``F.cosine_similarity(x1, x2, dim, eps)``: each norm clamped at eps (>= 0, as PyTorch), the result in [-1, 1]."""

    def __init__(self, dim: int = 1, eps: float = 1e-8):
        super().__init__()
        self.dim = integer("CosineSimilarity", "dim", dim)
        self.eps = nonnegative_number("CosineSimilarity", "eps", eps)

    def forward(self, x1, x2):
        return F.cosine_similarity(x1, x2, self.dim, self.eps)

    def extra_repr(self):
        return f"dim={self.dim}, eps={self.eps}"


class PairwiseDistance(Layer):
    """``F.pairwise_distance(x1, x2, p, eps, keepdim)``: the p-norm of ``x1 - x2 + eps`` along the last axis."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
        super().__init__()
        self.norm = norm_order("PairwiseDistance", "p", p)   # torch's attribute name for p
        self.eps = nonnegative_number("PairwiseDistance", "eps", eps)
        self.keepdim = flag("PairwiseDistance", "keepdim", keepdim)

    def forward(self, x1, x2):
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)

    def extra_repr(self):
        return f"p={self.norm}, eps={self.eps}, keepdim={self.keepdim}"
