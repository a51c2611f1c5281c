"""``torch.utils.data.dataset``'s names (``from torch.utils.data.dataset import Dataset, random_split``)."""
from minigrad.data.dataset import Dataset, TensorDataset
from minigrad.data.iterable import ChainDataset, IterableDataset
from minigrad.data.subsets import ConcatDataset, StackDataset, Subset, random_split

__all__ = ["ChainDataset", "ConcatDataset", "Dataset", "IterableDataset", "StackDataset", "Subset", "TensorDataset",
           "random_split"]
