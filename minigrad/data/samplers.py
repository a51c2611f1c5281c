"""Samplers, as ``torch.utils.data``'s: where a DataLoader's order of samples comes from.

A sampler is an iterable of dataset indices with a length. Each one here also has ``indices()``, the
whole epoch's order as one int64 array, which is what the DataLoader reads (one call per epoch, no
Python loop over samples). The random ones draw from ``generator`` (a ``numpy.random.Generator``) when
given, and otherwise from minigrad's generator, so ``minigrad.manual_seed`` makes them reproducible; the
draws are NumPy's, so the orders differ from PyTorch's for the same seed.
"""
from __future__ import annotations

import itertools
import numbers
from typing import Generic, TypeVar

import numpy as np

from minigrad.scalars import is_integer

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler"]


T_co = TypeVar("T_co", covariant=True)


class Sampler(Generic[T_co]):
    """Base class: a subclass defines ``indices()`` (or ``__iter__``) and ``__len__``. Generic, as torch's:
    ``class MySampler(Sampler[int])``."""

    def __init__(self, data_source=None):
        self.data_source = data_source

    def indices(self) -> np.ndarray:
        return np.fromiter(iter(self), dtype=np.int64)

    def __iter__(self):
        return iter(self.indices().tolist())

    def __len__(self) -> int:
        # TypeError, as len() of an object without one: torch's Sampler has no __len__, and code asks len() in a
        # try/except TypeError (tqdm, a loop over an endless sampler)
        raise TypeError(f"{type(self).__name__} does not define __len__")


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def indices(self):
        return np.arange(len(self.data_source), dtype=np.int64)

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation of the dataset's indices each epoch; with ``replacement``, ``num_samples`` indices
    drawn independently (``num_samples`` defaults to the dataset's length)."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        super().__init__(data_source)
        if not isinstance(replacement, (bool, np.bool_)):
            raise TypeError(f"RandomSampler: replacement must be True or False, got {replacement!r}")
        if len(data_source) == 0:
            raise ValueError("RandomSampler: the dataset is empty, so there is nothing to sample")
        if num_samples is not None and (not is_integer(num_samples) or num_samples <= 0):
            raise ValueError(f"RandomSampler: num_samples must be a positive integer, got {num_samples!r}")
        self.replacement, self._num_samples, self.generator = bool(replacement), num_samples, generator

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def indices(self):
        n, rng = len(self.data_source), _generator(self.generator)
        if self.replacement:
            return rng.integers(0, n, size=self.num_samples, dtype=np.int64)
        # Without replacement, more samples than the dataset holds are whole permutations, then part of one.
        whole, part = divmod(self.num_samples, n)
        return np.concatenate([rng.permutation(n) for _ in range(whole)] + [rng.permutation(n)[:part]]).astype(
            np.int64)

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order each epoch."""

    def __init__(self, indices, generator=None):
        super().__init__(None)
        self._indices = _int_array("SubsetRandomSampler", "indices", indices)
        self.generator = generator

    def indices(self):
        return self._indices[_generator(self.generator).permutation(len(self._indices))]

    def __len__(self):
        return len(self._indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights`` (one per sample), with or
    without replacement."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        super().__init__(None)
        weights = np.asarray(weights.numpy() if hasattr(weights, "numpy") else weights, dtype=np.float64)
        if weights.ndim != 1 or weights.size == 0 or not np.all(np.isfinite(weights)) or np.any(weights < 0):
            raise ValueError(f"WeightedRandomSampler: weights must be a 1-D sequence of finite numbers >= 0, got "
                             f"{weights.tolist() if weights.size < 20 else weights.shape}")
        if weights.sum() <= 0:
            raise ValueError("WeightedRandomSampler: the weights sum to 0")
        if not is_integer(num_samples) or num_samples <= 0:
            raise ValueError(f"WeightedRandomSampler: num_samples must be a positive integer, got {num_samples!r}")
        if not isinstance(replacement, (bool, np.bool_)):   # as torch: 0 or "no" would read as a truth value
            raise ValueError(f"WeightedRandomSampler: replacement must be True or False, got {replacement!r}")
        if not replacement and num_samples > np.count_nonzero(weights):
            raise ValueError(f"WeightedRandomSampler: cannot draw {num_samples} samples without replacement from "
                             f"{np.count_nonzero(weights)} with a nonzero weight")
        self.weights, self.num_samples = weights, int(num_samples)
        self.replacement, self.generator = bool(replacement), generator

    def indices(self):
        p = self.weights / self.weights.sum()
        return _generator(self.generator).choice(len(p), size=self.num_samples, replace=self.replacement,
                                                 p=p).astype(np.int64)

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of ``batch_size`` indices from ``sampler`` (the last one shorter unless ``drop_last``): a DataLoader's
    ``batch_sampler``."""

    def __init__(self, sampler, batch_size, drop_last):
        super().__init__(None)
        if not is_integer(batch_size) or batch_size <= 0:
            raise ValueError(f"BatchSampler: batch_size must be a positive integer, got {batch_size!r}")
        if not isinstance(drop_last, (bool, np.bool_)):
            raise ValueError(f"BatchSampler: drop_last must be True or False, got {drop_last!r}")
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), bool(drop_last)

    def __iter__(self):
        for batch in index_batches(epoch_order(self.sampler, "BatchSampler"), self.batch_size, self.drop_last,
                                   "BatchSampler"):
            yield batch if isinstance(batch, list) else batch.tolist()   # (a list: keys that are not numbers)

    def indices(self):
        raise TypeError("BatchSampler yields lists of indices; iterate over it")

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


class _InfiniteConstantSampler(Sampler):
    """None, forever: torch's placeholder sampler of a DataLoader over an IterableDataset (the stream decides)."""

    def __iter__(self):
        while True:
            yield None

    def indices(self):
        raise TypeError("the sampler of a DataLoader over an IterableDataset has no indices (the stream decides)")


def epoch_order(sampler, owner="DataLoader"):
    """One epoch's indices from a sampler: an int64 array from one with ``indices()``; else an iterator over the
    sampler, read as it yields (a torch-style sampler may have no ``len`` and be endless, as an infinite sampler
    for step-counted training), which ``index_batches`` cuts into batches. The DataLoader and ``BatchSampler``
    read every sampler this way."""
    if not _reads_indices(sampler):
        try:
            return iter(sampler)
        except TypeError:
            raise TypeError(f"{owner}: sampler must be an iterable of indices, got {type(sampler).__name__}") from None
    return _index_array(sampler.indices(), owner)


def index_batches(order, batch_size, drop_last, owner="DataLoader"):
    """The batches of ``order`` (``epoch_order``'s), each an int64 array of ``batch_size`` indices (the last one
    shorter unless ``drop_last``): slices of an array, or chunks of an iterator taken as it yields them."""
    if hasattr(order, "shape"):
        stop = len(order) - len(order) % batch_size if drop_last else len(order)
        for start in range(0, stop, batch_size):
            yield order[start:start + batch_size]
        return
    while True:
        chunk = list(itertools.islice(order, batch_size))
        if not chunk or (drop_last and len(chunk) < batch_size):
            return
        yield _index_array(chunk, owner, keys=True)


def _index_array(items, owner, keys=False):
    """A sampler's indices as an int64 array; float ones refused (``np.fromiter(..., dtype=int64)`` would truncate
    them). With ``keys``, items none of which is a number (str, tuples: torch's map-style dataset maps "possibly
    non-integral indices/keys" to samples, and its samplers may yield them) are kept as the list they are."""
    try:
        order = np.asarray(items) if len(items) else np.zeros(0, dtype=np.int64)
    except ValueError:   # ragged items (tuples of several lengths): keys, or nothing NumPy can read
        order = None
    if order is not None and order.ndim == 1 and (not order.size or order.dtype.kind in "iu"):
        return order.astype(np.int64, copy=False)
    if keys and are_keys(items):
        return list(items)
    got = f"{order.dtype} indices of shape {order.shape}" if order is not None else f"the items {items[:3]!r}"
    raise TypeError(f"{owner}: the sampler gave {got}, expected a 1-D sequence of integers")


def are_keys(items) -> bool:
    """Whether a sampler's items are dataset keys rather than indices: none of them is a number (a float among
    integers would be an index cut short by ``int()``)."""
    return all(not isinstance(item, (numbers.Number, np.generic)) for item in items)


def _reads_indices(sampler) -> bool:
    """Whether ``indices()`` is this sampler's order: a torch-style subclass that overrides only ``__iter__``
    (``class Reversed(SequentialSampler)``) means its ``__iter__``, which the inherited ``indices()`` ignores."""
    if not callable(getattr(sampler, "indices", None)):
        return False
    mro = type(sampler).__mro__
    owner = lambda name: next((c for c in mro if name in vars(c)), None)
    iter_owner, indices_owner = owner("__iter__"), owner("indices")
    # Sampler.__iter__ is read from indices(), so it never outranks a subclass's indices()
    return iter_owner is None or iter_owner is Sampler or issubclass(indices_owner, iter_owner)


def _generator(generator):
    if generator is None:
        from minigrad.random import get_generator   # at call time: the generator manual_seed installed
        return get_generator()
    if not isinstance(generator, np.random.Generator):
        raise TypeError(f"generator must be a numpy.random.Generator or None, got {type(generator).__name__}")
    return generator


def _int_array(owner, name, values):
    array = np.asarray(values.numpy() if hasattr(values, "numpy") else values)
    if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
        raise TypeError(f"{owner}: {name} must be a 1-D sequence of integers, got {array.dtype} of shape "
                        f"{array.shape}")
    return array.astype(np.int64)
