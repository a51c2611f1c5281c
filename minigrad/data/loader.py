"""``DataLoader``: iterate over a dataset in (shuffled) mini-batches of Tensors.

Each epoch draws one permutation of ``range(len(dataset))`` from the loader's
own seeded ``numpy.random.Generator`` and cuts it into batches. For minigrad's
datasets a batch is one ``dataset[idx]`` call with an integer index array, never
a Python loop over samples; a PyTorch-style dataset, whose ``ds[i]`` takes one
int, is read one sample at a time (or through its ``__getitems__``) and the
samples stacked (``batched``, below). The generator state is exposed through
``state_dict`` / ``load_state_dict`` so that a run resumed at an epoch boundary
reshuffles exactly as the uninterrupted run would have.
"""
from __future__ import annotations

import copy
import math
import operator

import numpy as np

from minigrad import backend
from minigrad.data.collate import stack_samples
from minigrad.data.dataset import ArrayDataset
from minigrad.data.samplers import epoch_order

__all__ = ["DataLoader"]


class DataLoader:
    """Mini-batches of a dataset as tuples of minigrad Tensors.

    Args:
        dataset: anything with ``len`` and ``__getitem__``: either minigrad's
            kind, whose ``__getitem__`` accepts a 1-D int index array and
            returns a tuple of arrays (or Tensors) for the whole batch, or
            PyTorch's, whose ``__getitem__`` takes one int and returns one
            sample (see ``batched``).
        batch_size: samples per batch (the last one may be smaller).
        shuffle: draw a fresh permutation every epoch.
        drop_last: drop the final partial batch.
        seed: seed of the loader's generator; ``None`` draws one from
            ``minigrad.random.get_generator()``, so ``minigrad.manual_seed``
            makes the shuffling reproducible.
        device: where the batches go (``"cpu"``, ``"cuda"``, ``"cuda:N"``).
            ``None`` keeps batches of a dataset that already lives on a GPU
            there, and puts host batches on the default device.
        sampler: where each epoch's order comes from instead (e.g.
            ``minigrad.distributed.DistributedSampler``): an iterable of indices
            with ``len``; an ``indices()`` method returning an int array is used
            when present. Excludes ``shuffle``.
        batched: how a batch is read. ``True``: one ``dataset[indices]`` call with
            the batch's int64 index array, returning the whole batch (minigrad's
            datasets; the fast path). ``False``: one ``dataset[i]`` call per sample
            (a Python int), then each field stacked: arrays along a new first axis,
            Tensors by their data, Python ints as int64, floats as float32, bools
            as bool; a sample that is not a tuple or list is one field. ``None``
            (default): decided once, for the loader's life: a dataset with
            ``__getitems__`` (PyTorch 2's batched protocol) gets one call with the
            batch's list of ints and returns a list of samples, stacked as above;
            minigrad's own datasets are batched; any other dataset is asked for the
            first batch with an index array and read per sample if that call raises
            TypeError, IndexError or KeyError; if it succeeds, the first batch is read
            per sample too, and a difference between the two is a ValueError that asks
            for ``batched``.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, seed=None, device=None,
                 sampler=None, batched=None, *, batch_sampler=None, collate_fn=None, num_workers=0,
                 pin_memory=False, timeout=0, worker_init_fn=None, prefetch_factor=None, persistent_workers=False,
                 generator=None, in_order=True, pin_memory_device="", multiprocessing_context=None):
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(
                f"DataLoader: dataset must support len() and indexing, got {type(dataset).__name__}"
            )
        _check_worker_arguments(num_workers, timeout, prefetch_factor)
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader: collate_fn must be callable, got {type(collate_fn).__name__}")
        self.collate_fn = collate_fn
        self.num_workers = int(num_workers)
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler is mutually exclusive with batch_size, shuffle, sampler "
                                 "and drop_last (it decides the batches)")
            if not (hasattr(batch_sampler, "__len__") and hasattr(batch_sampler, "__iter__")):
                raise TypeError(f"DataLoader: batch_sampler must be an iterable of index lists with len(), "
                                f"got {type(batch_sampler).__name__}")
        self.batch_sampler = batch_sampler
        if generator is not None:
            if not isinstance(generator, np.random.Generator):
                raise TypeError(f"DataLoader: generator must be a numpy.random.Generator, "
                                f"got {type(generator).__name__}")
            if seed is not None:
                raise ValueError("DataLoader: give seed or generator, not both")
        self.dataset = dataset
        self.batch_size = _positive_int(batch_size, "batch_size")
        self.shuffle = bool(shuffle)
        if sampler is not None and self.shuffle:
            raise ValueError("DataLoader: pass shuffle=False with a sampler (the sampler decides the order)")
        if sampler is not None and not (hasattr(sampler, "__len__") and hasattr(sampler, "__iter__")):
            raise TypeError(f"DataLoader: sampler must be an iterable of indices with len(), "
                            f"got {type(sampler).__name__}")
        self.sampler = sampler
        self.drop_last = bool(drop_last)
        if batched is not None and not isinstance(batched, (bool, np.bool_)):
            raise ValueError(f"DataLoader: batched must be True, False or None, got {batched!r}")
        self.batched = None if batched is None else bool(batched)
        # How batches are read: "batched", "per_sample", "getitems", or None until the first batch decides.
        self._fetch = _fetch_mode(dataset, self.batched)
        self.device = None if device is None else backend.normalize_device(device)
        if seed is None and generator is not None:
            seed = 0   # unused: the given generator is the state
        if seed is None:
            from minigrad import random as mg_random

            seed = int(mg_random.get_generator().integers(0, 2**63 - 1))
        elif isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"DataLoader: seed must be a non-negative integer or None, got {seed!r}")
        self.seed = int(seed)
        self.generator = np.random.default_rng(self.seed) if generator is None else generator
        self.epoch = 0  # epochs started so far

    def __len__(self) -> int:
        """Number of batches per epoch."""
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = len(self.dataset) if self.sampler is None else len(self.sampler)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        """Start an epoch: draw its order now, then yield its batches."""
        if self.batch_sampler is not None or self.collate_fn is not None:
            self.epoch += 1
            return self._collated_batches()
        if self.sampler is not None:
            order = epoch_order(self.sampler)
        else:
            n = len(self.dataset)
            order = self.generator.permutation(n) if self.shuffle else np.arange(n)
        self.epoch += 1
        where = getattr(self.dataset, "device", "cpu")
        if self._fetch in ("batched", None) and isinstance(where, str) and where.strip().lower().startswith("cuda"):
            # A dataset on a GPU gets the epoch's order uploaded once; each batch's
            # indices are then a slice of it there, not a host-to-device copy per batch.
            order = backend.to_device(order, backend.normalize_device(where))
        return self._batches(order)

    def _batches(self, order):
        stop = len(self) * self.batch_size if self.drop_last else len(order)
        for start in range(0, stop, self.batch_size):
            idx = order[start:start + self.batch_size]
            if self._fetch != "batched":
                batch = self._fetch_batch(idx)
            else:  # the common path, inline: one indexing call and a look at each field's first dimension
                batch, n = self.dataset[idx], len(idx)
                if not (isinstance(batch, (tuple, list)) and all(getattr(field, "shape", ())[:1] == (n,)
                                                                 for field in batch)):
                    batch = self._checked_batch(batch, n)   # a bare array or a list field passes; the rest raises
            yield tuple(self._to_tensor(field) for field in batch)

    def _collated_batches(self):
        """Batches from ``batch_sampler`` and/or through ``collate_fn``: each batch's samples are read one
        ``dataset[i]`` at a time (or through ``__getitems__``) and handed to ``collate_fn`` (default: stacked
        into Tensors per field, as ``default_collate``); its result is yielded as it is."""
        collate = self.collate_fn or self._default_collate
        if self.batch_sampler is not None:
            batches = (list(b) for b in self.batch_sampler)
        else:
            order = epoch_order(self.sampler) if self.sampler is not None else (
                self.generator.permutation(len(self.dataset)) if self.shuffle else np.arange(len(self.dataset)))
            stop = len(self) * self.batch_size if self.drop_last else len(order)
            batches = (order[start:start + self.batch_size].tolist() for start in range(0, stop, self.batch_size))
        for indices in batches:
            getitems = getattr(self.dataset, "__getitems__", None)
            samples = getitems(indices) if callable(getitems) else [self.dataset[i] for i in indices]
            yield collate(samples)

    def _default_collate(self, samples):
        return tuple(self._to_tensor(field) for field in stack_samples(samples, list(range(len(samples)))))

    def _fetch_batch(self, idx) -> tuple:
        """One batch's fields as arrays (or Tensors), read every way but the batched one (inline in ``_batches``)."""
        mode = self._fetch
        if mode is None:  # the first batch decides, once
            try:
                batch = self.dataset[idx]
            except (TypeError, IndexError, KeyError):
                self._fetch = "per_sample"
                return self._fetch_batch(idx)
            except Exception as error:  # not swallowed (it may be a real fault of the data), but explained
                if hasattr(error, "add_note"):
                    error.add_note(f"DataLoader: this came from {type(self.dataset).__name__}[indices] with the first "
                                   "batch's index array; if its __getitem__ takes one int, pass batched=False")
                raise
            batch = self._checked_batch(batch, len(idx), decided=True)
            self._check_same_as_per_sample(batch, idx)
            self._fetch = "batched"
            return batch
        indices = backend.to_numpy(idx).tolist()  # Python ints, as PyTorch passes them
        if mode == "getitems":
            samples = self.dataset.__getitems__(indices)
            if not isinstance(samples, (list, tuple)) or len(samples) != len(indices):
                got = f"{len(samples)} items" if isinstance(samples, (list, tuple)) else type(samples).__name__
                raise ValueError(f"DataLoader: {type(self.dataset).__name__}.__getitems__ was given {len(indices)} "
                                 f"indices and returned {got}; it must return a list of one sample per index")
            return stack_samples(samples, indices)
        return self._read_per_sample(indices)

    def _read_per_sample(self, indices) -> tuple:
        """The batch of ``indices`` (Python ints) read one ``dataset[i]`` at a time, stacked per field."""
        return stack_samples([self.dataset[i] for i in indices], indices)

    def _check_same_as_per_sample(self, batch, idx) -> None:
        """Refuse a first batch that ``dataset[i]`` one at a time would give differently.

        A PyTorch-style ``__getitem__`` may answer an index array without error yet compute something else
        for it (``(x - x.mean()) / x.std()`` normalising the batch, not each sample); the batch would be
        wrong without a word. Read once per loader, so the cost is one batch of per-sample calls.
        """
        try:
            samples = self._read_per_sample(backend.to_numpy(idx).tolist())
        except (TypeError, IndexError, KeyError, ValueError):
            return   # it answers index arrays only: the batched read is its meaning
        host, samples = [_on_host(f) for f in batch], [_on_host(f) for f in samples]
        differs = [j for j, (a, b) in enumerate(zip(host, samples)) if a.shape != b.shape
                   or not np.array_equal(a, b, equal_nan=a.dtype.kind in "fc" and b.dtype.kind in "fc")]
        if len(host) != len(samples) or differs:
            name = type(self.dataset).__name__
            where = f"field {differs[0]}" if differs else f"{len(host)} fields against {len(samples)}"
            raise ValueError(
                f"DataLoader: {name}[indices] and {name}[i] one index at a time give different first batches "
                f"({where} differs); say how the dataset is read: batched=False if its __getitem__ takes one int "
                "(PyTorch's datasets), batched=True if it answers a whole batch for an index array")

    def _checked_batch(self, batch, n, decided=False) -> tuple:
        """A batched read's fields, checked to hold ``n`` samples each."""
        if isinstance(batch, dict):
            raise TypeError(f"DataLoader: {type(self.dataset).__name__}[indices] returned a dict; minigrad's "
                            "DataLoader batches tuples of arrays or Tensors: return (x, y)")
        if not isinstance(batch, (tuple, list)):
            batch = (batch,)
        lengths = [_length(field) for field in batch]
        if any(length != n for length in lengths):
            how = "asked with an index array" if decided or self.batched is None else "with batched=True"
            raise ValueError(
                f"DataLoader: {type(self.dataset).__name__}[indices] for a batch of {n} ({how}) returned fields "
                f"of lengths {lengths}: the dataset looks per-sample (its __getitem__ takes one int); "
                "pass batched=False to read it one sample at a time")
        return batch

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
        if value.base is not None or not value.flags.writeable:
            # A view into the dataset's own storage: copy, so a batch never aliases the dataset.
            # (A fancy-indexed batch is already a fresh array: wrapping it costs no copy.)
            value = value.copy()
        return minigrad.Tensor(value)

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
        if self.sampler is not None and hasattr(self.sampler, "state_dict"):
            state["sampler"] = self.sampler.state_dict()
        return state

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` returned."""
        missing = {"seed", "epoch", "generator"} - set(state)
        if missing:
            raise KeyError(f"DataLoader.load_state_dict: missing keys {sorted(missing)}")
        generator_state = state["generator"]
        kind = generator_state.get("bit_generator") if isinstance(generator_state, dict) else None
        current = type(self.generator.bit_generator).__name__
        if kind != current:
            raise ValueError(
                f"DataLoader.load_state_dict: generator state is for {kind!r}, this loader uses {current!r}"
            )
        self.generator.bit_generator.state = copy.deepcopy(generator_state)
        self.seed = int(state["seed"])
        self.epoch = int(state["epoch"])
        if "sampler" in state and self.sampler is not None and hasattr(self.sampler, "load_state_dict"):
            self.sampler.load_state_dict(state["sampler"])

    def __repr__(self) -> str:
        return (
            f"DataLoader(samples={len(self.dataset)}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}, device={self.device!r})"
        )


def _check_worker_arguments(num_workers, timeout, prefetch_factor):
    """PyTorch's worker options: accepted, and checked as PyTorch checks them. Batches are read in this process
    (minigrad's datasets read a batch with one indexing call, which worker processes would not speed up)."""
    if isinstance(num_workers, bool) or not isinstance(num_workers, (int, np.integer)) or num_workers < 0:
        raise ValueError(f"DataLoader: num_workers must be an integer >= 0, got {num_workers!r}")
    if not isinstance(timeout, (int, float)) or timeout < 0:
        raise ValueError(f"DataLoader: timeout must be a number >= 0, got {timeout!r}")
    if prefetch_factor is not None and num_workers == 0:
        raise ValueError("DataLoader: prefetch_factor is for worker processes; with num_workers=0 leave it None")


def _fetch_mode(dataset, batched):
    """How to read batches: known at once, or None where the first batch decides (see ``batched``)."""
    if batched is not None:
        return "batched" if batched else "per_sample"
    if isinstance(dataset, ArrayDataset):
        return "batched"
    if callable(getattr(dataset, "__getitems__", None)):
        return "getitems"
    return None


def _on_host(field) -> np.ndarray:
    """A batch field (array, Tensor or list) as a NumPy array, to compare two reads of one batch."""
    import minigrad  # at call time: minigrad's package init may import this module

    if isinstance(field, minigrad.Tensor):
        field = field.data
    return backend.to_numpy(field) if hasattr(field, "dtype") else np.asarray(field)


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
