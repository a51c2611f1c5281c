"""Data layer: the IDX reader, MNIST / Fashion-MNIST and the DataLoader.

Typical use::

    from minigrad.data import MNIST, DataLoader
    train = MNIST(root="data", train=True)      # data/mnist/*.gz, downloaded if missing
    loader = DataLoader(train, batch_size=128, shuffle=True, seed=0)
    for images, labels in loader:               # Tensors: float32 (128, 784), int64 (128,)
        ...

``import minigrad.data`` needs NumPy and the standard library only.
"""
from minigrad.data.dataset import ArrayDataset, Dataset, TensorDataset
from minigrad.data.datasets import (
    MNIST,
    DatasetNotFoundError,
    FashionMNIST,
    IDXImageDataset,
    default_data_root,
)
from minigrad.data.download import ChecksumError, DownloadError
from minigrad.data.idx import IDXError, read_idx
from minigrad.data.loader import DataLoader

__all__ = [
    "ArrayDataset",
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
]
