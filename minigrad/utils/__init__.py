"""``minigrad.utils``: PyTorch's ``torch.utils`` path, for the part minigrad has (``minigrad.utils.data`` is
``minigrad.data``; ``minigrad.utils.checkpoint`` is activation checkpointing), so ``from torch.utils.data import
DataLoader`` and ``from torch.utils.checkpoint import checkpoint`` read the same here."""
from minigrad.utils import checkpoint, data

__all__ = ["checkpoint", "data"]
