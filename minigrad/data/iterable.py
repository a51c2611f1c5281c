"""Stream datasets, as ``torch.utils.data``'s: ``IterableDataset`` and ``ChainDataset``.

An ``IterableDataset`` yields its samples from ``__iter__`` instead of answering ``ds[i]``; a DataLoader reads it
in order, one sample at a time, and batches ``batch_size`` consecutive samples (no sampler, no shuffle: the
stream decides the order). Batches are read in this process (see ``get_worker_info``), so a stream is read once
per epoch whatever ``num_workers`` says, and needs no sharding by worker.
"""
from __future__ import annotations

from collections.abc import Iterable

from minigrad.data.dataset import Dataset, T_co

__all__ = ["IterableDataset", "ChainDataset"]


class IterableDataset(Dataset[T_co], Iterable[T_co]):
    """A dataset that is a stream of samples: subclass it and define ``__iter__`` (``__len__`` is optional; a
    DataLoader's ``len`` needs it). ``a + b`` is ``ChainDataset([a, b])``. Generic, as torch's:
    ``class Stream(IterableDataset[dict])``."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__ (subclasses of IterableDataset do)")

    def __getitem__(self, index):
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate over it, it has no ds[{index!r}]")

    def __add__(self, other) -> "ChainDataset":
        return ChainDataset([self, other])


class ChainDataset(IterableDataset[T_co]):
    """Several IterableDatasets read one after another (lazily: each stream starts when the one before ends)."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        for k, dataset in enumerate(self.datasets):
            if not isinstance(dataset, IterableDataset):
                raise TypeError(f"ChainDataset: dataset {k} is a {type(dataset).__name__}, not an IterableDataset "
                                "(ConcatDataset joins map-style datasets)")

    def __iter__(self):
        for dataset in self.datasets:
            yield from dataset

    def __len__(self) -> int:
        """The total of the parts' lengths; a TypeError if one of them has no ``len``."""
        return sum(len(dataset) for dataset in self.datasets)
