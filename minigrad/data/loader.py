"""``DataLoader``: iterate over a dataset in (shuffled) mini-batches of Tensors.

Each epoch draws one permutation of ``range(len(dataset))`` from the loader's
own seeded ``numpy.random.Generator`` and cuts it into batches. For minigrad's
datasets a batch is one ``dataset[idx]`` call with an integer index array, never
a Python loop over samples; any other dataset is read as PyTorch reads it, one
``ds[i]`` per sample (or through its ``__getitems__``), and the samples collated by
``default_collate`` (``batched``, below); an ``IterableDataset`` is read in order.
The generator state is exposed through ``state_dict`` / ``load_state_dict`` so that a run resumed at an epoch boundary
reshuffles exactly as the uninterrupted run would have.
"""
from __future__ import annotations

import copy
import math
import operator
from collections.abc import Mapping

import numpy as np

from minigrad import backend
from minigrad.data.collate import collate_samples, convert_sample, default_collate, default_convert
from minigrad.data.dataset import ArrayDataset
from minigrad.data.iterable import IterableDataset
from minigrad.data.samplers import (BatchSampler, RandomSampler, SequentialSampler, _InfiniteConstantSampler,
                                    _reads_indices, are_keys, epoch_order, index_batches)
from minigrad.data.subsets import ConcatDataset, StackDataset, Subset
from minigrad.scalars import is_integer

__all__ = ["DataLoader"]


class DataLoader:
    """Mini-batches of a dataset as minigrad Tensors: tuples of them for minigrad's datasets, the samples'
    structure (dicts, namedtuples, ...) for PyTorch-style ones, as ``torch.utils.data.DataLoader``.

    Args:
        dataset: anything with ``len`` and ``__getitem__``: either minigrad's
            kind, whose ``__getitem__`` accepts a 1-D int index array and
            returns a tuple of arrays (or Tensors) for the whole batch, or
            PyTorch's, whose ``__getitem__`` takes one int and returns one
            sample (see ``batched``); or an ``IterableDataset`` (a stream:
            read in order, ``batch_size`` consecutive samples a batch; no
            ``shuffle``, ``sampler`` or ``batch_sampler``, as torch).
        batch_size: samples per batch (the last one may be smaller); ``None``:
            no batching, each sample yielded alone through ``default_convert``
            (or ``collate_fn``), as torch's.
        shuffle: draw a fresh permutation every epoch.
        drop_last: drop the final partial batch.
        seed: seed of the loader's generator; ``None`` draws one from
            ``minigrad.random.get_generator()`` when the first epoch starts, so
            ``minigrad.manual_seed``, before it as in torch, makes the shuffling
            reproducible.
        device: where the batches go (``"cpu"``, ``"cuda"``, ``"cuda:N"``).
            ``None`` keeps batches of a dataset that already lives on a GPU
            there, and puts host batches on the default device.
        sampler: where each epoch's order comes from instead (e.g.
            ``minigrad.distributed.DistributedSampler``): an iterable of indices,
            read as it yields (its ``len`` is asked only by ``len(loader)``; it may
            be endless); an ``indices()`` method returning an int array is used
            when present. Excludes ``shuffle``.
        batched: how a batch is read. ``True``: one ``dataset[indices]`` call with
            the batch's int64 index array, returning the whole batch (minigrad's
            datasets; the fast path). ``False``: one ``dataset[i]`` call per sample
            (a Python int), then the samples collated by ``default_collate``
            (``minigrad.data.collate``: arrays and Tensors stacked, Python ints
            int64, floats the default float dtype, dicts, tuples and lists field
            by field). ``None`` (default): as torch reads it: a dataset with ``__getitems__`` (PyTorch 2's
            batched protocol) gets one call with the batch's list of ints and returns a list of samples, collated
            as above; minigrad's own datasets (``ArrayDataset`` and ``Subset``, ``ConcatDataset`` and
            ``StackDataset`` made of them only) are batched; any other dataset is read per sample, and never
            handed an index array, even one whose ``__getitem__`` would accept it: such a read may mean something
            else (a batch-wide normalisation, one random augmentation drawn for the whole batch, or drawing from
            the dataset's generator for a probe), so the batches are those of torch's ``ds[i]`` loop. Pass
            ``batched=True`` for the fast path with a dataset of your own that answers a whole batch. Only a
            dataset whose first ``ds[i]`` fails (``TypeError``, ``IndexError``, ``KeyError``, ``ValueError``)
            while the index array gives a batch is batched; where both fail, the ``ds[i]`` error propagates.

    The arguments are torch's, in torch's order (``DataLoader(ds, 64, False, sampler)`` passes a sampler);
    minigrad's own, ``seed``, ``device`` and ``batched``, are keyword-only. ``shuffle=None`` is False.
    ``collate_fn`` gets each batch's list of samples (read per sample) and its result is yielded as it is.
    The worker options are accepted and checked; batches are read in this process (``get_worker_info``).
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True, seed=None, device=None, batched=None):
        self._stream = isinstance(dataset, IterableDataset)
        if self._stream:
            for name, value, unset in (("shuffle", shuffle, (False, None)), ("sampler", sampler, (None,)),
                                       ("batch_sampler", batch_sampler, (None,))):
                if not any(value is u for u in unset):
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified {name} option, but got "
                                     f"{name}={value!r} (the stream decides the order)")
        elif not (hasattr(dataset, "__getitem__") and (hasattr(dataset, "__len__") or sampler is not None
                                                        or batch_sampler is not None)):
            # As torch's: a map-style dataset needs a len only for the default sampler (its indices 0..n-1)
            raise TypeError(
                f"DataLoader: dataset must support len() and indexing (indexing alone with a sampler or "
                f"batch_sampler), or be an IterableDataset, got {type(dataset).__name__}"
            )
        _check_worker_arguments(num_workers, timeout, prefetch_factor, persistent_workers, multiprocessing_context)
        self.collate_fn = collate_fn   # the given one, checked; None reads each batch minigrad's way (see collate_fn)
        self.num_workers = int(num_workers)
        # The worker options, kept as torch keeps them (prefetch_factor 2 by default with workers), for code that
        # reads them back (a loader rebuilt from its attributes, a check of pin_memory); batches are read here.
        self.pin_memory, self.timeout, self.worker_init_fn = pin_memory, timeout, worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = 2 if prefetch_factor is None and self.num_workers > 0 else prefetch_factor
        self.persistent_workers, self.pin_memory_device, self.in_order = persistent_workers, pin_memory_device, in_order
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler is mutually exclusive with batch_size, shuffle, sampler "
                                 "and drop_last (it decides the batches)")
            if not hasattr(batch_sampler, "__iter__"):   # len() is asked only by len(loader), as torch's
                raise TypeError(f"DataLoader: batch_sampler must be an iterable of index lists, "
                                f"got {type(batch_sampler).__name__}")
        self._batch_sampler = batch_sampler
        if generator is not None:
            if not isinstance(generator, np.random.Generator):
                raise TypeError(f"DataLoader: generator must be a numpy.random.Generator, "
                                f"got {type(generator).__name__}")
            if seed is not None:
                raise ValueError("DataLoader: give seed or generator, not both")
        self.dataset = dataset
        if batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is mutually exclusive "
                             "with drop_last")
        # None: no batching (each sample is yielded alone, through default_convert or collate_fn), as torch's
        # batch_size=None; with a batch_sampler the batches are its lists, and batch_size reads None as torch's.
        self.batch_size = None if batch_size is None or batch_sampler is not None else _positive_int(
            batch_size, "batch_size")
        self._batching = batch_size is not None or batch_sampler is not None
        self.shuffle = bool(shuffle)
        if sampler is not None and self.shuffle:
            raise ValueError("DataLoader: pass shuffle=False with a sampler (the sampler decides the order)")
        if sampler is not None and not hasattr(sampler, "__iter__"):   # len() only for len(loader), as torch's
            raise TypeError(f"DataLoader: sampler must be an iterable of indices, got {type(sampler).__name__}")
        self._sampler = sampler
        self._default_samplers = None  # (sampler, batch_sampler), torch's defaults, made when first read
        self.drop_last = bool(drop_last)
        if batched is not None and not isinstance(batched, (bool, np.bool_)):
            raise ValueError(f"DataLoader: batched must be True, False or None, got {batched!r}")
        self.batched = None if batched is None else bool(batched)
        # How batches are read: "batched", "per_sample", "getitems", or None until the first batch decides.
        self._fetch = _fetch_mode(dataset, self.batched)
        self.device = None if device is None else backend.normalize_device(device)
        if seed is None and generator is not None:
            seed = 0   # unused: the given generator is the state
        if seed is not None and (not is_integer(seed) or seed < 0):
            raise ValueError(f"DataLoader: seed must be a non-negative integer or None, got {seed!r}")
        self._seed = None if seed is None else int(seed)
        self._generator = generator if generator is not None else (
            None if seed is None else np.random.default_rng(self._seed))
        if self._generator is None and not (self.shuffle and sampler is None and batch_sampler is None):
            self.generator   # noqa: B018 (unused for the order, drawn now as before: the global stream stays put)
        # A loader that shuffles with its own generator and no seed draws that seed from minigrad's generator when
        # its first epoch starts, not here: torch's shuffling reads its global generator when iterated, so a
        # manual_seed between building the loader and training fixes the order there too.
        self.epoch = 0  # epochs started so far

    @property
    def collate_fn(self):
        """The given ``collate_fn``; else torch's default, ``default_collate`` (``default_convert`` with
        ``batch_size=None``), which gives the batches this loader makes (it puts them on ``device`` too)."""
        if self._collate_fn is not None:
            return self._collate_fn
        return default_collate if self._batching else default_convert

    @collate_fn.setter
    def collate_fn(self, value):
        if value is not None and not callable(value):
            raise TypeError(f"DataLoader: collate_fn must be callable, got {type(value).__name__}")
        self._collate_fn = value

    # torch sets .sampler and .batch_sampler always (the given ones or its defaults) and refuses to have them
    # set later. The loader itself reads only the given ones (_sampler, _batch_sampler): without them, each
    # epoch's order is one arange or permutation, and the defaults are made for those who read these attributes.
    @property
    def sampler(self):
        """The given sampler; else torch's default: ``RandomSampler`` (drawing from the loader's generator) with
        ``shuffle``, ``SequentialSampler`` otherwise, an ``_InfiniteConstantSampler`` for an IterableDataset."""
        return self._sampler if self._sampler is not None else self._defaults()[0]

    @sampler.setter
    def sampler(self, value):
        raise ValueError("sampler attribute should not be set after DataLoader is initialized")

    @property
    def batch_sampler(self):
        """The given batch sampler; else torch's default, ``BatchSampler(sampler, batch_size, drop_last)``, or
        None with ``batch_size=None``."""
        if self._batch_sampler is not None:
            return self._batch_sampler
        if self.batch_size is None:
            return None
        return self._defaults()[1]

    @batch_sampler.setter
    def batch_sampler(self, value):
        raise ValueError("batch_sampler attribute should not be set after DataLoader is initialized")

    def _defaults(self):
        if self._default_samplers is None:
            if self._sampler is not None:
                sampler = self._sampler
            elif self._stream:
                sampler = _InfiniteConstantSampler()
            elif self.shuffle:
                sampler = RandomSampler(self.dataset, generator=self.generator)
            else:
                sampler = SequentialSampler(self.dataset)
            batches = None if self.batch_size is None else BatchSampler(sampler, self.batch_size, self.drop_last)
            self._default_samplers = (sampler, batches)
        return self._default_samplers

    def __len__(self) -> int:
        """Number of batches per epoch (for an IterableDataset, from its ``len``: a TypeError without one)."""
        if self._batch_sampler is not None:
            return len(self._batch_sampler)
        n = len(self.dataset) if self._sampler is None else len(self._sampler)
        if not self._batching:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        """Start an epoch: draw its order now, then yield its batches."""
        if self._stream:
            self.epoch += 1
            return self._stream_batches()
        if not self._batching:
            order = self._unbatched_order()
            self.epoch += 1
            return self._collated_batches(order)
        if self._batch_sampler is not None or self._collate_fn is not None:
            order = None if self._batch_sampler is not None else self._epoch_order()
            self.epoch += 1
            return self._collated_batches(order)
        order = self._epoch_order()
        self.epoch += 1
        where = getattr(self.dataset, "device", "cpu")
        if (self._fetch in ("batched", None) and hasattr(order, "shape") and isinstance(where, str)
                and where.strip().lower().startswith("cuda")):
            # A dataset on a GPU gets the epoch's order uploaded once; each batch's
            # indices are then a slice of it there, not a host-to-device copy per batch.
            order = backend.to_device(order, backend.normalize_device(where))
        return self._batches(order)

    def _epoch_order(self):
        """This epoch's indices: the sampler's (an array, or an iterator over a sampler without ``indices()``, read
        as it yields: it may be endless), a fresh permutation (shuffle) or 0..n-1."""
        if self._sampler is not None:
            return epoch_order(self._sampler)
        n = len(self.dataset)
        return self.generator.permutation(n) if self.shuffle else np.arange(n)

    def _unbatched_order(self):
        """This epoch's items with ``batch_size=None``: each is handed to ``dataset[...]`` as the sampler gives it,
        as torch's, so a sampler of index lists (``sampler=BatchSampler(...)``, torch's bulk-loading idiom) reads
        one list per item."""
        if self._sampler is None or (_reads_indices(self._sampler) and not isinstance(self._sampler, BatchSampler)):
            return self._epoch_order().tolist()
        return (item.tolist() if isinstance(item, np.ndarray) else item for item in self._sampler)

    def _index_batches(self, order):
        """This epoch's batches of indices, cut from ``order``; with ``drop_last`` the short last one is dropped,
        counted from the indices a sampler gave, not its ``len``, as torch's ``BatchSampler``."""
        return index_batches(order, self.batch_size, self.drop_last)

    def _batches(self, order):
        for idx in self._index_batches(order):
            if self._fetch != "batched":
                yield self._fetch_batch(idx)
                continue
            # The common path, inline: one indexing call and a look at each field's first dimension.
            batch, n = self.dataset[idx], len(idx)
            if type(batch) is tuple and all(getattr(field, "shape", ())[:1] == (n,) for field in batch):
                yield tuple(self._to_tensor(field) for field in batch)
            else:   # a dict, a namedtuple, a bare array, list fields ...: checked, then made Tensors
                yield self._checked_batch(batch, n)

    def _collated_batches(self, order):
        """Batches from ``batch_sampler``, through ``collate_fn``, or single samples (``batch_size=None``): each
        sample is read with one ``dataset[i]`` (or a batch's through ``__getitems__``); a batch is handed to
        ``collate_fn`` (default: ``default_collate``) and a single sample to ``collate_fn`` (default:
        ``default_convert``); its result is yielded as it is."""
        if not self._batching:
            convert = self._collate_fn or (lambda sample: convert_sample(sample, self._to_tensor))
            for i in order:
                yield convert(self.dataset[i])
            return
        if self._batch_sampler is not None:
            batches = (_batch_indices(b) for b in self._batch_sampler)
        else:
            batches = (_as_list(idx) for idx in self._index_batches(order))
        for indices in batches:
            samples = self._read_samples(indices)
            # default_collate's, with the dataset's indices in its errors and the loader's device
            yield self._collate_fn(samples) if self._collate_fn is not None else collate_samples(
                samples, indices, self._to_tensor)

    def _stream_batches(self):
        """An IterableDataset's samples in batches of ``batch_size`` consecutive ones (collated as a map-style
        dataset's), or one by one with ``batch_size=None``; the errors name a sample by its place in the stream."""
        if not self._batching:
            convert = self._collate_fn or (lambda sample: convert_sample(sample, self._to_tensor))
            for sample in self.dataset:
                yield convert(sample)
            return
        batch, seen = [], 0
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self._stream_collate(batch, seen)
                seen, batch = seen + len(batch), []
        if batch and not self.drop_last:
            yield self._stream_collate(batch, seen)

    def _stream_collate(self, samples, first):
        if self._collate_fn is not None:
            return self._collate_fn(samples)
        return collate_samples(samples, range(first, first + len(samples)), self._to_tensor)

    def _read_samples(self, indices) -> list:
        """The samples at ``indices`` (Python ints): one ``__getitems__`` call where the dataset has it (checked to
        return one sample per index), else one ``dataset[i]`` each."""
        getitems = getattr(self.dataset, "__getitems__", None)
        if not callable(getitems):
            return [self.dataset[i] for i in indices]
        samples = getitems(indices)
        if not isinstance(samples, (list, tuple)) or len(samples) != len(indices):
            got = f"{len(samples)} items" if isinstance(samples, (list, tuple)) else type(samples).__name__
            raise ValueError(f"DataLoader: {type(self.dataset).__name__}.__getitems__ was given {len(indices)} "
                             f"indices and returned {got}; it must return a list of one sample per index")
        return list(samples)

    def _fetch_batch(self, idx):
        """One batch of Tensors, read every way but the batched one (inline in ``_batches``)."""
        if self._fetch is None:  # the first batch decides, once
            return self._decide(idx)
        indices = _as_list(idx)  # Python ints, as PyTorch passes them (or a sampler's keys)
        if self._fetch == "getitems":
            return collate_samples(self._read_samples(indices), indices, self._to_tensor)
        return self._read_per_sample(indices)

    def _read_per_sample(self, indices):
        """The batch of ``indices`` (Python ints) read one ``dataset[i]`` at a time and collated."""
        return collate_samples([self.dataset[i] for i in indices], indices, self._to_tensor)

    def _decide(self, idx):
        """The first batch of a dataset that did not say how it is read (``batched=None``), and the mode for the
        rest: per sample, as torch reads every map-style dataset, unless the first sample's ``dataset[i]`` fails
        where an index array gives a batch (a dataset that answers index arrays only: that is its meaning).

        An index array is never tried first: a PyTorch-style ``__getitem__`` may answer one without error yet
        compute something else for it (``(x - x.mean()) / x.std()`` normalising the batch, not each sample), and
        one with random augmentation would draw for a probe that the per-sample read then draws again, so the
        batches would differ from torch's ``ds[i]`` loop with the same seed.
        """
        indices = _as_list(idx)  # Python ints, as PyTorch passes them (or a sampler's keys)
        try:
            first = self.dataset[indices[0]]
        except (TypeError, IndexError, KeyError, ValueError) as error:
            try:
                batch = self._checked_batch(self.dataset[idx], len(idx), decided=True)
            except Exception:   # an index array fails too: the per-sample error is the one to see, as torch's
                raise error from None
            self._fetch = "batched"
            return batch
        self._fetch = "per_sample"
        samples = [first] + [self.dataset[i] for i in indices[1:]]
        return collate_samples(samples, indices, self._to_tensor)

    def _checked_batch(self, batch, n, decided=False):
        """A batched read (a tuple, list, namedtuple or dict of fields, or one bare field) checked to hold ``n``
        samples in every field, with its fields made Tensors (a list of str/bytes stays a list)."""
        lengths = [_length(field) for _, field in _leaves(batch, top_list_only=True)]
        if any(length != n for length in lengths):
            how = "asked with an index array" if decided or self.batched is None else "with batched=True"
            raise ValueError(
                f"DataLoader: {type(self.dataset).__name__}[indices] for a batch of {n} ({how}) returned fields "
                f"of lengths {lengths}: the dataset looks per-sample (its __getitem__ takes one int); "
                "pass batched=False to read it one sample at a time")
        return _map_fields(batch, self._to_tensor)   # a field of strings or objects: the Tensor's TypeError

    def _to_tensor(self, value):
        """Wrap one batch field as a Tensor on the target device, keeping its dtype."""
        import minigrad  # at call time: minigrad's package init may import this module

        if isinstance(value, minigrad.Tensor):
            value = value.data  # batches are data, not part of any graph
        elif not hasattr(value, "dtype"):
            value = np.asarray(value)
        device = self.device
        if device is None:
            here = backend.device_of(value)
            device = here if here != "cpu" else backend.default_device()
        value = backend.to_device(value, backend.normalize_device(device))
        if value.base is not None or not getattr(value.flags, "writeable", True):   # CuPy's flags have no writeable
            # A view into the dataset's own storage: copy, so a batch never aliases the dataset.
            # (A fancy-indexed batch is already a fresh array: wrapping it costs no copy.)
            value = value.copy()
        return minigrad.Tensor(value)

    @property
    def generator(self):
        """The ``numpy.random.Generator`` the epochs' orders come from (seeded on first use without ``seed``)."""
        if self._generator is None:
            from minigrad import random as mg_random

            self._seed = int(mg_random.get_generator().integers(0, 2**63 - 1))
            self._generator = np.random.default_rng(self._seed)
        return self._generator

    @property
    def seed(self) -> int:
        """The generator's seed (drawn from minigrad's generator on first use when none was given)."""
        if self._seed is None:
            self.generator   # noqa: B018 (draws the seed)
        return self._seed

    def state_dict(self) -> dict:
        """The shuffling state: seed, epochs started and the generator's bit state.

        Saved at an epoch boundary and restored with :meth:`load_state_dict`,
        the next epoch's order equals that of an uninterrupted run.
        """
        state = {
            "seed": self.seed,
            "epoch": self.epoch,
            "generator": copy.deepcopy(self.generator.bit_generator.state),
        }
        if self._sampler is not None and hasattr(self._sampler, "state_dict"):
            state["sampler"] = self._sampler.state_dict()
        return state

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` returned."""
        missing = {"seed", "epoch", "generator"} - set(state)
        if missing:
            raise KeyError(f"DataLoader.load_state_dict: missing keys {sorted(missing)}")
        generator_state = state["generator"]
        kind = generator_state.get("bit_generator") if isinstance(generator_state, dict) else None
        if self._generator is None:   # not drawn yet: the saved state replaces it, so draw nothing
            self._generator = np.random.default_rng(int(state["seed"]))
        current = type(self.generator.bit_generator).__name__
        if kind != current:
            raise ValueError(
                f"DataLoader.load_state_dict: generator state is for {kind!r}, this loader uses {current!r}"
            )
        self.generator.bit_generator.state = copy.deepcopy(generator_state)
        self._seed = int(state["seed"])
        self.epoch = int(state["epoch"])
        if "sampler" in state and self._sampler is not None and hasattr(self._sampler, "load_state_dict"):
            self._sampler.load_state_dict(state["sampler"])

    def __repr__(self) -> str:
        samples = len(self.dataset) if hasattr(self.dataset, "__len__") else "a stream" if self._stream else "no len"
        return (
            f"DataLoader(samples={samples}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}, device={self.device!r})"
        )


def _check_worker_arguments(num_workers, timeout, prefetch_factor, persistent_workers=False,
                            multiprocessing_context=None):
    """PyTorch's worker options: accepted, and checked as PyTorch checks them. Batches are read in this process
    (minigrad's datasets read a batch with one indexing call, which worker processes would not speed up)."""
    if not is_integer(num_workers) or num_workers < 0:
        raise ValueError(f"DataLoader: num_workers must be an integer >= 0, got {num_workers!r}")
    if not isinstance(timeout, (int, float)) or timeout < 0:
        raise ValueError(f"DataLoader: timeout must be a number >= 0, got {timeout!r}")
    if prefetch_factor is not None and num_workers == 0:
        raise ValueError("DataLoader: prefetch_factor is for worker processes; with num_workers=0 leave it None")
    if prefetch_factor is not None and (not is_integer(prefetch_factor) or prefetch_factor < 0):
        raise ValueError(f"DataLoader: prefetch_factor must be an integer >= 0, got {prefetch_factor!r}")
    if persistent_workers and num_workers == 0:
        raise ValueError("DataLoader: persistent_workers=True needs num_workers > 0 (there are no workers to keep)")
    if multiprocessing_context is not None and num_workers == 0:
        raise ValueError(f"DataLoader: multiprocessing_context={multiprocessing_context!r} needs num_workers > 0 "
                         "(it is for worker processes)")


def _fetch_mode(dataset, batched):
    """How to read batches: known at once, or None where the first batch decides (see ``batched``)."""
    if batched is not None:
        return "batched" if batched else "per_sample"
    if _reads_batches(dataset):   # minigrad's datasets, and Subsets, concatenations and stacks of them
        return "batched"
    if callable(getattr(dataset, "__getitems__", None)):
        return "getitems"
    if _joins_unknown_parts(dataset):
        return "per_sample"
    return None


def _joins_unknown_parts(dataset) -> bool:
    """Whether ``dataset`` holds a ``ConcatDataset`` with a part that may be per-sample: the first batch may lie
    in a part that answers an index array and later ones in another that does not (or means something else by
    it), so the first batch cannot decide for the whole epoch."""
    if isinstance(dataset, Subset):
        return _joins_unknown_parts(dataset.dataset)
    if isinstance(dataset, StackDataset):
        parts = dataset.datasets.values() if isinstance(dataset.datasets, dict) else dataset.datasets
        return any(_joins_unknown_parts(part) for part in parts)
    if isinstance(dataset, ConcatDataset):
        return len(dataset.datasets) > 1 and not all(_reads_batches(part) for part in dataset.datasets)
    return False


def _reads_batches(dataset) -> bool:
    """Whether an index array is known to read a batch of ``dataset``: minigrad's datasets, and those made of them."""
    if isinstance(dataset, ArrayDataset):
        return True
    if isinstance(dataset, Subset):
        return _reads_batches(dataset.dataset)
    if isinstance(dataset, (ConcatDataset, StackDataset)):
        parts = dataset.datasets.values() if isinstance(dataset.datasets, dict) else dataset.datasets
        return all(_reads_batches(part) for part in parts)
    return False


def _leaves(tree, path=(), top_list_only=False):
    """The fields of a batch as ``(path, field)`` pairs, through dicts, tuples and lists (with
    ``top_list_only``, a list below the top is one field: a batched read's list of values)."""
    if isinstance(tree, Mapping):
        for key, value in tree.items():
            yield from _leaves(value, path + (key,), top_list_only)
    elif isinstance(tree, tuple) or (isinstance(tree, list) and not (top_list_only and path) and not _is_words(tree)):
        for j, value in enumerate(tree):
            yield from _leaves(value, path + (j,), top_list_only)
    else:
        yield path, tree


def _map_fields(tree, fn, top=True):
    """``tree`` with ``fn`` applied to each field (as ``_leaves(top_list_only=True)`` finds them), containers kept."""
    if isinstance(tree, Mapping):
        return {key: _map_fields(value, fn, False) for key, value in tree.items()}
    if isinstance(tree, tuple):
        fields = [_map_fields(value, fn, False) for value in tree]
        return type(tree)(*fields) if hasattr(tree, "_fields") else tuple(fields)
    if isinstance(tree, list) and top:
        return [_map_fields(value, fn, False) for value in tree]
    return tree if isinstance(tree, list) and _is_words(tree) else fn(tree)


def _is_words(values) -> bool:
    """A list of str/bytes: a batch field that stays a list."""
    return bool(values) and all(isinstance(v, (str, bytes)) for v in values)


def _length(field):
    """A batch field's length (its first dimension), or None for a scalar or something without one."""
    shape = getattr(field, "shape", None)
    if shape is not None:
        return int(shape[0]) if len(shape) else None
    try:
        return len(field)
    except TypeError:
        return None


def _positive_int(value, name: str) -> int:
    """``value`` as an int >= 1, or a ValueError naming ``name``."""
    try:
        if isinstance(value, bool):
            raise TypeError
        number = operator.index(value)
    except TypeError:
        raise ValueError(f"DataLoader: {name} must be a positive integer, got {value!r}") from None
    if number < 1:
        raise ValueError(f"DataLoader: {name} must be a positive integer, got {number}")
    return number


def _as_list(idx) -> list:
    """A batch of indices (an int64 array, or a list of a sampler's keys) as a list, of Python ints for an array."""
    return idx if isinstance(idx, list) else backend.to_numpy(idx).tolist()


def _batch_indices(batch):
    """One batch of a ``batch_sampler`` as a list of ints; a float is refused where ``int()`` would truncate it. A
    batch of keys that are not numbers (str, tuples: a torch-style dataset keyed by them) is kept as it is."""
    try:
        return [operator.index(i) for i in batch]
    except TypeError:
        if isinstance(batch, (list, tuple)) and batch and are_keys(batch):
            return list(batch)
        shown = f"{type(batch).__name__} {batch!r}"[:80]
        raise TypeError(f"DataLoader: batch_sampler must yield lists of indices (one per batch), got {shown}"
                        ) from None
