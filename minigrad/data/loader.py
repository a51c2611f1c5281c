"""``DataLoader``: iterate over a dataset in (shuffled) mini-batches of Tensors.

Each epoch draws one permutation of ``range(len(dataset))`` from the loader's
own seeded ``numpy.random.Generator`` and cuts it into batches; a batch is one
``dataset[idx]`` call with an integer index array, never a Python loop over
samples. The generator state is exposed through ``state_dict`` /
``load_state_dict`` so that a run resumed at an epoch boundary reshuffles
exactly as the uninterrupted run would have.
"""
from __future__ import annotations

import copy
import math
import operator

import numpy as np

from minigrad import backend

__all__ = ["DataLoader"]


class DataLoader:
    """Mini-batches of a dataset as tuples of minigrad Tensors.

    Args:
        dataset: anything with ``len`` and ``__getitem__`` accepting a 1-D int
            index array and returning a tuple of arrays (or Tensors).
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
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, seed=None, device=None,
                 sampler=None):
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(
                f"DataLoader: dataset must support len() and indexing, got {type(dataset).__name__}"
            )
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
        self.device = None if device is None else backend.normalize_device(device)
        if seed is None:
            from minigrad import random as mg_random

            seed = int(mg_random.get_generator().integers(0, 2**63 - 1))
        elif isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"DataLoader: seed must be a non-negative integer or None, got {seed!r}")
        self.seed = int(seed)
        self.generator = np.random.default_rng(self.seed)
        self.epoch = 0  # epochs started so far

    def __len__(self) -> int:
        """Number of batches per epoch."""
        n = len(self.dataset) if self.sampler is None else len(self.sampler)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        """Start an epoch: draw its order now, then yield its batches."""
        if self.sampler is not None:
            order = _sampler_order(self.sampler)
        else:
            n = len(self.dataset)
            order = self.generator.permutation(n) if self.shuffle else np.arange(n)
        self.epoch += 1
        where = getattr(self.dataset, "device", "cpu")
        if isinstance(where, str) and where.strip().lower().startswith("cuda"):
            # A dataset on a GPU gets the epoch's order uploaded once; each batch's
            # indices are then a slice of it there, not a host-to-device copy per batch.
            order = backend.to_device(order, backend.normalize_device(where))
        return self._batches(order)

    def _batches(self, order):
        stop = len(self) * self.batch_size if self.drop_last else len(order)
        for start in range(0, stop, self.batch_size):
            batch = self.dataset[order[start:start + self.batch_size]]
            if not isinstance(batch, (tuple, list)):
                batch = (batch,)
            yield tuple(self._to_tensor(field) for field in batch)

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


def _sampler_order(sampler) -> np.ndarray:
    """One epoch's indices from a sampler, as an int64 array."""
    if hasattr(sampler, "indices"):
        order = np.asarray(sampler.indices())
    else:
        order = np.fromiter(iter(sampler), dtype=np.int64, count=len(sampler))
    if order.ndim != 1 or (order.size and order.dtype.kind not in "iu"):
        raise TypeError(f"DataLoader: the sampler gave {order.dtype} indices of shape {order.shape}, "
                        "expected a 1-D sequence of integers")
    return order.astype(np.int64, copy=False)


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
