"""``get_worker_info``, as ``torch.utils.data.get_worker_info``.

minigrad's DataLoader reads every batch in the calling process: its own datasets read a batch with one indexing
call, which worker processes would not speed up, and a stream read in one place needs no sharding. The worker
options (``num_workers``, ``worker_init_fn``, ``prefetch_factor``, ...) are accepted and checked as torch checks
them, and ``get_worker_info()`` is always ``None``, torch's answer in the main process, so code that shards an
``IterableDataset`` by worker reads the whole stream once.
"""
from __future__ import annotations

__all__ = ["get_worker_info"]


def get_worker_info():
    """``None``: no worker process reads this dataset (batches are read in the calling process)."""
    return None
