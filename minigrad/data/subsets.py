"""Datasets made of other datasets, as ``torch.utils.data``'s: ``Subset``, ``random_split``, ``ConcatDataset``,
``StackDataset``.

Each reads a whole batch from the datasets below it with one index array where they can (minigrad's datasets),
and one sample at a time where they cannot (PyTorch-style ``ds[i]``).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from minigrad.backend import get_array_module, to_numpy
from minigrad.data.dataset import Dataset, T_co
from minigrad.data.iterable import IterableDataset
from minigrad.data.samplers import _generator, _int_array
from minigrad.scalars import is_integer, zero_d_integer

__all__ = ["Subset", "ConcatDataset", "StackDataset", "random_split"]


class Subset(Dataset[T_co]):
    """The samples of ``dataset`` at ``indices``, in that order: ``Subset(ds, idx)[i] == ds[idx[i]]``."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    @property
    def indices(self):
        """The indices as given (a list, a NumPy array, a tensor), as torch keeps them. Assigning new ones takes
        effect; changing the given list in place afterwards does not (they are read once, into an int64 array)."""
        return self._given

    @indices.setter
    def indices(self, indices):
        array = _int_array("Subset", "indices", indices)
        # A dataset without a len (only __getitem__, which torch's Subset needs alone) is indexed unchecked.
        n = len(self.dataset) if hasattr(self.dataset, "__len__") else None
        if n is not None and array.size and (array.min() < -n or array.max() >= n):
            raise IndexError(f"Subset: an index is out of range for a dataset of {n} samples")
        self._given, self._indices = indices, array

    def __len__(self):
        return len(self._indices)

    def __getitem__(self, index):
        if isinstance(index, (list, tuple)):
            index = np.asarray(index, dtype=np.int64)
        picked = self._indices[index] if not hasattr(index, "get") else self._indices[to_numpy(index)]
        return self.dataset[int(picked) if np.ndim(picked) == 0 else picked]

    @property
    def device(self):
        return getattr(self.dataset, "device", "cpu")


class ConcatDataset(Dataset[T_co]):
    """The samples of several datasets, one after another."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: expected at least one dataset")
        for k, dataset in enumerate(self.datasets):
            if isinstance(dataset, IterableDataset):   # as torch: streams have no indices to concatenate
                raise TypeError(f"ConcatDataset: dataset {k} is a {type(dataset).__name__}, an IterableDataset; "
                                "ChainDataset joins streams")
        self.cumulative_sizes = self.cumsum(self.datasets)

    @staticmethod
    def cumsum(sequence) -> list:
        """The running totals of the lengths of ``sequence``'s items, torch's ``ConcatDataset.cumsum`` (which
        subclasses call): ``cumsum([[1, 2], [3]]) == [2, 3]``."""
        return np.cumsum([len(d) for d in sequence], dtype=np.int64).tolist()

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        index = zero_d_integer(index)   # a 0-d integer Tensor or array: the int it holds, as torch's
        if is_integer(index):
            n = len(self)
            if not -n <= index < n:
                raise IndexError(f"ConcatDataset: index {index} is out of range for {n} samples")
            index = int(index) % n
            k = int(np.searchsorted(self.cumulative_sizes, index, side="right"))
            return self.datasets[k][index - (self.cumulative_sizes[k - 1] if k else 0)]
        index = to_numpy(np.asarray(index) if isinstance(index, (list, tuple)) else index).astype(np.int64)
        n = len(self)
        outside = (index < -n) | (index >= n)
        if outside.any():   # the modulo below would wrap it round to another sample
            raise IndexError(f"ConcatDataset: index {int(index[outside][0])} is out of range for {n} samples")
        index = index % n
        which = np.searchsorted(self.cumulative_sizes, index, side="right")
        starts = np.concatenate([[0], self.cumulative_sizes[:-1]])
        parts, positions = [], []
        for k in np.unique(which):
            rows = np.nonzero(which == k)[0]
            parts.append(self.datasets[k][index[rows] - starts[k]])
            positions.append(rows)
        order = np.argsort(np.concatenate(positions), kind="stable")   # back to the order asked for
        if isinstance(parts[0], list):   # a list of fields, as a tuple
            parts = [tuple(p) for p in parts]
        return _joined(parts, order)


class StackDataset(Dataset[T_co]):
    """Several datasets of one length read side by side: ``StackDataset(a, b)[i] == (a[i], b[i])`` and
    ``StackDataset(x=a, y=b)[i] == {"x": a[i], "y": b[i]}``. The index goes to every part as it is, so an index
    array reads a whole batch from minigrad's datasets."""

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise ValueError("StackDataset: give the datasets as positional arguments (samples are tuples) or as "
                             "keyword arguments (samples are dicts), not both")
        if not args and not kwargs:
            raise ValueError("StackDataset: expected at least one dataset")
        self.datasets = args if args else dict(kwargs)
        parts = args if args else tuple(kwargs.values())
        lengths = [len(dataset) for dataset in parts]
        if len(set(lengths)) != 1:
            names = list(range(len(args))) if args else list(kwargs)
            raise ValueError(f"StackDataset: the datasets must have one length, got "
                             f"{dict(zip(names, lengths))}")
        self._length = lengths[0]

    def __len__(self):
        return self._length

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {name: dataset[index] for name, dataset in self.datasets.items()}
        return tuple(dataset[index] for dataset in self.datasets)


def random_split(dataset, lengths, generator=None):
    """``dataset`` split into non-overlapping random ``Subset``s of the given lengths (counts that add up to
    ``len(dataset)``, or fractions that add up to 1, the remainder then going one by one to the first subsets,
    as in PyTorch; a 0 among fractions is a fraction: ``[0.5, 0.5, 0]``)."""
    n = len(dataset)
    lengths = list(lengths)
    # torch's rule: lengths that add up to 1 are fractions, whatever their type ([0.5, 0.5, 0] too; np.float32
    # ones too), unless they are counts that already add up to the dataset's length
    real = lengths and all(isinstance(x, (int, float, np.integer, np.floating))
                           and not isinstance(x, (bool, np.bool_)) for x in lengths)
    counts_fit = all(is_integer(x) and x >= 0 for x in lengths) and sum(lengths) == n
    if real and not counts_fit and math.isclose(sum(lengths), 1.0) and sum(lengths) <= 1:
        if any(not 0.0 <= x <= 1.0 for x in lengths):
            raise ValueError(f"random_split: fractions must be in [0, 1], got {lengths}")
        counts = [int(math.floor(n * x)) for x in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, count in enumerate(counts):
            if count == 0:   # as torch: a fraction too small for this dataset, likely not meant
                warnings.warn(f"random_split: the split at index {i} has length 0 (fraction {lengths[i]} of "
                              f"{n} samples); it is an empty dataset", stacklevel=2)
        lengths = counts
    if any(not is_integer(x) or x < 0 for x in lengths) or sum(lengths) != n:
        raise ValueError(f"random_split: the lengths {lengths} must be counts >= 0 that add up to the dataset's "
                         f"{n} samples, or fractions that add up to 1")
    order = _generator(generator).permutation(n)
    bounds = np.cumsum([0] + [int(x) for x in lengths])
    return [Subset(dataset, order[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


def _joined(parts, order):
    """The batch read in ``parts`` (one per dataset), joined field by field (through tuples, namedtuples and dicts)
    and put in ``order``."""
    first = parts[0]
    if isinstance(first, dict):
        return {key: _joined([p[key] for p in parts], order) for key in first}
    if isinstance(first, tuple):
        fields = [_joined([p[j] for p in parts], order) for j in range(len(first))]
        return type(first)(*fields) if hasattr(first, "_fields") else tuple(fields)
    return _join(parts)[order]


def _join(pieces):
    """One batch field from the pieces read from each dataset."""
    first = pieces[0]
    if hasattr(first, "data") and hasattr(first, "grad"):   # Tensors
        pieces = [p.data for p in pieces]
    xp = get_array_module(pieces[0]) if hasattr(pieces[0], "dtype") else np
    return xp.concatenate([xp.asarray(p) for p in pieces])

