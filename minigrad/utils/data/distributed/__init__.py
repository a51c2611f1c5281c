"""``torch.utils.data.distributed``'s path: ``DistributedSampler`` is ``minigrad.distributed.DistributedSampler``."""
from minigrad.distributed.sampler import DistributedSampler

__all__ = ["DistributedSampler"]
