"""Loss layers on pairs and triplets of embeddings: ``CosineEmbeddingLoss``, ``HingeEmbeddingLoss``,
``TripletMarginLoss`` and ``TripletMarginWithDistanceLoss`` (``F``'s functions with fixed options, PyTorch's
arguments in PyTorch's order, the deprecated ``size_average`` and ``reduce`` included)."""
from __future__ import annotations

from minigrad.nn import functional as F
from minigrad.nn.arguments import flag, norm_order, number, positive_number
from minigrad.nn.arguments import reduction as check_reduction
from minigrad.nn.layer import Layer
from minigrad.nn.loss import _reduction


class CosineEmbeddingLoss(Layer):
    """``F.cosine_embedding_loss``: ``1 - cos`` for target 1, ``max(0, cos - margin)`` for target -1."""

    def __init__(self, margin: float = 0.0, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__()
        self.margin = number("CosineEmbeddingLoss", "margin", margin)
        self.reduction = _reduction("CosineEmbeddingLoss", size_average, reduce, reduction)

    def forward(self, input1, input2, target):
        return F.cosine_embedding_loss(input1, input2, target, self.margin, reduction=self.reduction)

    def extra_repr(self):
        return f"margin={self.margin}, reduction={self.reduction!r}"


class HingeEmbeddingLoss(Layer):
    """``F.hinge_embedding_loss``: ``x`` for target 1, ``max(0, margin - x)`` for target -1."""

    def __init__(self, margin: float = 1.0, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__()
        self.margin = number("HingeEmbeddingLoss", "margin", margin)
        self.reduction = _reduction("HingeEmbeddingLoss", size_average, reduce, reduction)

    def forward(self, input, target):  # noqa: A002
        return F.hinge_embedding_loss(input, target, self.margin, reduction=self.reduction)

    def extra_repr(self):
        return f"margin={self.margin}, reduction={self.reduction!r}"


class TripletMarginLoss(Layer):
    """``F.triplet_margin_loss``: ``max(0, margin + d(a, p) - d(a, n))``, d the p-norm distance (margin > 0)."""

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                 size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__()
        name = "TripletMarginLoss"
        self.margin = positive_number(name, "margin", margin)
        self.p, self.eps = norm_order(name, "p", p), number(name, "eps", eps)
        self.swap = flag(name, "swap", swap)
        self.reduction = _reduction(name, size_average, reduce, reduction)

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_loss(anchor, positive, negative, self.margin, self.p, self.eps, self.swap,
                                     reduction=self.reduction)

    def extra_repr(self):
        return f"margin={self.margin}, p={self.p}, eps={self.eps}, swap={self.swap}, reduction={self.reduction!r}"


class TripletMarginWithDistanceLoss(Layer):
    """``F.triplet_margin_with_distance_loss`` with a fixed ``distance_function`` (None: ``F.pairwise_distance``);
    keyword-only arguments, as PyTorch's."""

    def __init__(self, *, distance_function=None, margin: float = 1.0, swap: bool = False, reduction: str = "mean"):
        super().__init__()
        name = "TripletMarginWithDistanceLoss"
        if distance_function is not None and not callable(distance_function):
            raise TypeError(f"{name}: distance_function must be callable or None, got {distance_function!r}")
        self.distance_function = distance_function
        self.margin = positive_number(name, "margin", margin)
        self.swap = flag(name, "swap", swap)
        self.reduction = check_reduction(name, reduction)

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_with_distance_loss(anchor, positive, negative,
                                                   distance_function=self.distance_function, margin=self.margin,
                                                   swap=self.swap, reduction=self.reduction)

    def extra_repr(self):
        return f"margin={self.margin}, swap={self.swap}, reduction={self.reduction!r}"
