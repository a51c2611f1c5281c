"""Data layer: the IDX reader, MNIST / Fashion-MNIST and the DataLoader.

Typical use::

    from minigrad.data import MNIST, DataLoader
    train = MNIST(root="data", train=True)      # data/mnist/*.gz, downloaded if missing
    loader = DataLoader(train, batch_size=128, shuffle=True, seed=0)
    for images, labels in loader:               # Tensors: float32 (128, 784), int64 (128,)
        ...

torchvision's way, with ``minigrad.data.transforms`` applied to each whole batch::

    from minigrad.data import transforms
    train = MNIST(root="data", transform=transforms.Compose([
        transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))]))   # (N, 1, 28, 28)

``import minigrad.data`` needs NumPy and the standard library only.
"""
from minigrad.data import transforms
from minigrad.data.collate import default_collate, default_convert
from minigrad.data.dataset import ArrayDataset, Dataset, TensorDataset
from minigrad.data.iterable import ChainDataset, IterableDataset
from minigrad.data.mnist import (
    MNIST,
    DatasetNotFoundError,
    FashionMNIST,
    IDXImageDataset,
    default_data_root,
)
from minigrad.data.download import ChecksumError, DownloadError
from minigrad.data.idx import IDXError, read_idx
from minigrad.data.loader import DataLoader
from minigrad.data.samplers import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                                    WeightedRandomSampler)
from minigrad.data.subsets import ConcatDataset, StackDataset, Subset, random_split
from minigrad.data.workers import get_worker_info

__all__ = [
    "ArrayDataset",
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "IterableDataset",
    "StackDataset",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
    "random_split",
    "ChecksumError",
    "DataLoader",
    "Dataset",
    "DatasetNotFoundError",
    "DownloadError",
    "FashionMNIST",
    "IDXError",
    "IDXImageDataset",
    "MNIST",
    "TensorDataset",
    "default_data_root",
    "read_idx",
    "transforms",
]
