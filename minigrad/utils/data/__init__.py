"""``torch.utils.data``'s names, from ``minigrad.data`` (where they live, with MNIST and the transforms)."""
from minigrad.data import (ArrayDataset, BatchSampler, ConcatDataset, DataLoader, Dataset, RandomSampler, Sampler,
                           SequentialSampler, Subset, SubsetRandomSampler, TensorDataset, WeightedRandomSampler,
                           random_split)

__all__ = ["ArrayDataset", "BatchSampler", "ConcatDataset", "DataLoader", "Dataset", "RandomSampler", "Sampler",
           "SequentialSampler", "Subset", "SubsetRandomSampler", "TensorDataset", "WeightedRandomSampler",
           "random_split"]
