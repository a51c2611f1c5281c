"""``minigrad.utils``: PyTorch's ``torch.utils`` path, for the part minigrad has (``minigrad.utils.data`` is
``minigrad.data``), so ``from torch.utils.data import DataLoader`` reads the same here."""
from minigrad.utils import data

__all__ = ["data"]
