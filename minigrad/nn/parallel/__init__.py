"""``torch.nn.parallel``'s path: ``DistributedDataParallel`` is ``minigrad.distributed.DistributedDataParallel``;
``DataParallel`` is the one-device wrapper of ``data_parallel.py``.

Loaded on first use: the class lives in ``minigrad.distributed`` (above ``nn``), so importing
``minigrad.nn`` stays as light as before.
"""

from minigrad.nn.parallel.data_parallel import DataParallel

__all__ = ["DataParallel", "DistributedDataParallel"]


def __getattr__(name):
    if name == "DistributedDataParallel":
        from minigrad.distributed.ddp import DistributedDataParallel

        return DistributedDataParallel
    raise AttributeError(f"module 'minigrad.nn.parallel' has no attribute {name!r}")
