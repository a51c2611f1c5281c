"""``torch.utils.data``'s names, from ``minigrad.data`` (where they live, with MNIST and the transforms); the
submodules ``dataloader``, ``dataset``, ``sampler`` and ``distributed`` mirror torch's for their imports."""
import importlib

from minigrad.data import (ArrayDataset, BatchSampler, ChainDataset, ConcatDataset, DataLoader, Dataset,
                           IterableDataset, RandomSampler, Sampler, SequentialSampler, StackDataset, Subset,
                           SubsetRandomSampler, TensorDataset, WeightedRandomSampler, default_collate, default_convert,
                           get_worker_info, random_split)
from minigrad.utils.data import dataloader, dataset, sampler

__all__ = ["ArrayDataset", "BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset",
           "IterableDataset", "RandomSampler", "Sampler", "SequentialSampler", "StackDataset", "Subset",
           "SubsetRandomSampler", "TensorDataset", "WeightedRandomSampler", "default_collate", "default_convert",
           "get_worker_info", "random_split"]


def __getattr__(name):
    # torch.utils.data.DistributedSampler: minigrad.distributed's, loaded when asked for (it loads the process groups)
    if name in ("DistributedSampler", "distributed"):
        # import_module, not "from minigrad.utils.data import distributed": that asks this __getattr__ again
        distributed = importlib.import_module("minigrad.utils.data.distributed")
        return distributed if name == "distributed" else distributed.DistributedSampler
    raise AttributeError(f"module 'minigrad.utils.data' has no attribute {name!r}")
