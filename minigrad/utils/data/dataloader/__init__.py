"""``torch.utils.data.dataloader``'s names (``from torch.utils.data.dataloader import default_collate``)."""
from minigrad.data.collate import default_collate, default_convert
from minigrad.data.loader import DataLoader
from minigrad.data.workers import get_worker_info

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]
