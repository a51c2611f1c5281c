"""``torch.utils.data.distributed``'s ``DistributedSampler``: minigrad.distributed's."""
from minigrad.distributed.sampler import DistributedSampler

__all__ = ["DistributedSampler"]
