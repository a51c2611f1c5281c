"""Loss layers: thin wrappers that remember the options of a loss in ``minigrad.nn.functional.loss``.

``criterion = CrossEntropyLoss(label_smoothing=0.1)`` then ``loss = criterion(logits, target)``.
"""
from __future__ import annotations

from minigrad.nn import functional as F
from minigrad.nn.layer import Layer


class CrossEntropyLoss(Layer):
    """``F.cross_entropy`` (from logits, integer targets) with fixed options.

    Runs as one fused node, ``SoftmaxCrossEntropy``: log-softmax and the pick of
    the target in one forward, ``softmax(x) - q`` as the backward.
    """

    def __init__(self, reduction: str = "mean", label_smoothing: float = 0.0, ignore_index: int | None = None):
        super().__init__()
        self.reduction = reduction
        self.label_smoothing = label_smoothing
        self.ignore_index = ignore_index

    def forward(self, logits, target):
        return F.cross_entropy(logits, target, reduction=self.reduction,
                               label_smoothing=self.label_smoothing, ignore_index=self.ignore_index)

    def extra_repr(self):
        return f"reduction={self.reduction!r}, label_smoothing={self.label_smoothing}, ignore_index={self.ignore_index}"


class NLLLoss(Layer):
    """``F.nll_loss`` (from log-probabilities, integer targets) with fixed options."""

    def __init__(self, reduction: str = "mean", ignore_index: int | None = None):
        super().__init__()
        self.reduction = reduction
        self.ignore_index = ignore_index

    def forward(self, log_probs, target):
        return F.nll_loss(log_probs, target, reduction=self.reduction, ignore_index=self.ignore_index)

    def extra_repr(self):
        return f"reduction={self.reduction!r}, ignore_index={self.ignore_index}"


class MSELoss(Layer):
    """``F.mse_loss`` with a fixed reduction; ``'mean'`` and ``'sum'`` run as one fused node, ``SquaredError``."""

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        self.reduction = reduction

    def forward(self, x, target):
        return F.mse_loss(x, target, reduction=self.reduction)

    def extra_repr(self):
        return f"reduction={self.reduction!r}"


class L1Loss(Layer):
    """``F.l1_loss`` with a fixed reduction."""

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        self.reduction = reduction

    def forward(self, x, target):
        return F.l1_loss(x, target, reduction=self.reduction)

    def extra_repr(self):
        return f"reduction={self.reduction!r}"


class BCEWithLogitsLoss(Layer):
    """``F.binary_cross_entropy_with_logits`` with a fixed reduction; one fused node, ``SigmoidBinaryCrossEntropy``."""

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        self.reduction = reduction

    def forward(self, logits, target):
        return F.binary_cross_entropy_with_logits(logits, target, reduction=self.reduction)

    def extra_repr(self):
        return f"reduction={self.reduction!r}"
