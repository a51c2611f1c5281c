"""``CTCLoss``: ``F.ctc_loss`` with fixed ``blank``, ``reduction`` and ``zero_infinity`` (PyTorch's layer)."""
from __future__ import annotations

from minigrad.nn.arguments import reduction as check_reduction
from minigrad.nn.functional.ctc import ctc_loss
from minigrad.nn.layer import Layer
from minigrad.scalars import as_integer

__all__ = ["CTCLoss"]


class CTCLoss(Layer):
    """``forward(log_probs, targets, input_lengths, target_lengths)``: the connectionist temporal classification
    loss of (T, N, C) log-probabilities against padded (N, S) or concatenated targets; see ``F.ctc_loss``. First
    derivatives only (``create_graph=True`` through it raises)."""

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False):
        super().__init__()
        value = as_integer(blank)
        if value is None or value < 0:
            raise ValueError(f"CTCLoss: blank must be a non-negative integer, got {blank!r}")
        self.blank = value
        self.reduction = check_reduction("CTCLoss", reduction)
        self.zero_infinity = bool(zero_infinity)

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction,
                        self.zero_infinity)
