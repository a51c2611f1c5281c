"""``DistributedSampler``: each rank's disjoint share of a dataset, reshuffled together every epoch."""
from __future__ import annotations

import math
from typing import Generic, TypeVar

import numpy as np

from minigrad.distributed.group import get_rank, get_world_size
from minigrad.scalars import is_integer

__all__ = ["DistributedSampler", "torch_randperm"]

# From this length on torch's randperm draws 64-bit numbers, and a Python loop would take minutes: NumPy's order.
TORCH_RANDPERM_LIMIT = (2**32 - 1) // 20


def torch_randperm(n: int, seed: int) -> np.ndarray:
    """``torch.randperm(n, generator=g)`` for a CPU ``g.manual_seed(seed)``, as an int64 array (n below
    ``TORCH_RANDPERM_LIMIT``; NumPy's permutation from there on).

    torch's CPU generator is the Mersenne Twister MT19937 seeded with the low 32 bits of ``seed``, as NumPy's
    legacy ``RandomState(seed)``; its randperm swaps position i with i + (next 32-bit draw mod (n - i)).
    """
    if n >= TORCH_RANDPERM_LIMIT:
        return np.random.default_rng(seed).permutation(n)
    draws = np.random.RandomState(seed & 0xFFFFFFFF).randint(0, 2**32, size=max(n - 1, 0), dtype=np.uint32).tolist()
    order = list(range(n))
    for i, draw in enumerate(draws):
        j = i + draw % (n - i)
        order[i], order[j] = order[j], order[i]
    return np.array(order, dtype=np.int64)


T_co = TypeVar("T_co", covariant=True)


class DistributedSampler(Generic[T_co]):   # generic, as torch's: DistributedSampler[int] in hints
    """The sample indices of one rank, for ``DataLoader(dataset, sampler=...)``.

    Every rank draws the same permutation of ``range(len(dataset))`` from ``seed``
    and the epoch (so no indices are sent), and takes every ``num_replicas``-th
    index starting at its rank. Rank r's k-th sample is global position
    ``k * num_replicas + r`` of the permutation: a global batch of ``N * B`` is made
    of the N ranks' batches of B, which is what makes N ranks at batch B train like
    one process at batch N*B.

    Every rank must take the same number of steps (each step is a collective), so
    when the dataset does not divide evenly, ``drop_last=False`` pads with the first
    indices of the permutation (a few samples are seen twice per epoch) and
    ``drop_last=True`` drops the tail instead.

    The arguments are torch's, in torch's order (``torch.utils.data.distributed.DistributedSampler``,
    also ``minigrad.utils.data.distributed.DistributedSampler``). The padding, the split and the
    permutation are torch's (``torch.randperm`` seeded with ``seed + epoch``), so every rank's indices
    equal torch's for the same arguments (for datasets under ``TORCH_RANDPERM_LIMIT`` samples).

    Args:
        dataset: anything with ``len``.
        shuffle: a new permutation each epoch (else the dataset's order).
        seed: the permutation's seed; the same on every rank.
        drop_last: drop the tail rather than pad (see above).
        num_replicas, rank: default to the world size and this rank.
    """

    def __init__(self, dataset, num_replicas: int | None = None, rank: int | None = None, shuffle: bool = True,
                 seed: int = 0, drop_last: bool = False):
        if not hasattr(dataset, "__len__"):
            raise TypeError(f"DistributedSampler: dataset must support len(), got {type(dataset).__name__}")
        num_replicas = get_world_size() if num_replicas is None else num_replicas
        rank = get_rank() if rank is None else rank
        if not is_integer(num_replicas) or num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be a positive integer, got {num_replicas!r}")
        if not is_integer(rank) or not 0 <= rank < num_replicas:
            raise ValueError(f"DistributedSampler: rank must be in [0, {num_replicas - 1}], got {rank!r}")
        if not is_integer(seed):   # negative too: torch seeds its generator with the low 64 bits
            raise ValueError(f"DistributedSampler: seed must be an integer, got {seed!r}")
        self.dataset = dataset
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        self.drop_last = bool(drop_last)
        self.num_replicas = int(num_replicas)
        self.rank = int(rank)
        self.epoch = 0
        n = len(dataset)
        if self.drop_last and n < self.num_replicas:
            raise ValueError(f"DistributedSampler: {n} samples cannot be shared by {self.num_replicas} ranks "
                             "with drop_last=True (every rank would get none)")
        per_rank = n // self.num_replicas if self.drop_last else math.ceil(n / self.num_replicas)
        self.num_samples = per_rank
        self.total_size = per_rank * self.num_replicas

    def set_epoch(self, epoch: int) -> None:
        """Use epoch ``epoch``'s permutation next (call it with the same value on every rank)."""
        if not is_integer(epoch) or epoch < 0:
            raise ValueError(f"DistributedSampler.set_epoch: epoch must be a non-negative integer, got {epoch!r}")
        self.epoch = int(epoch)

    def indices(self) -> np.ndarray:
        """This rank's indices for the current epoch (an int64 array of ``len(self)``)."""
        n = len(self.dataset)
        if self.shuffle:
            order = torch_randperm(n, self.seed + self.epoch)
        else:
            order = np.arange(n)
        if self.total_size > n:   # pad by wrapping around (more than once for a tiny dataset)
            order = np.resize(order, self.total_size)
        order = order[:self.total_size]
        return order[self.rank::self.num_replicas].astype(np.int64, copy=False)

    def __iter__(self):
        return iter(self.indices().tolist())

    def __len__(self) -> int:
        return self.num_samples

    def state_dict(self) -> dict:
        """The epoch whose permutation comes next (all the state there is besides the arguments)."""
        return {"epoch": self.epoch}

    def load_state_dict(self, state: dict) -> None:
        self.set_epoch(int(state["epoch"]))

    def __repr__(self) -> str:
        return (f"DistributedSampler(samples={len(self.dataset)}, rank={self.rank}/{self.num_replicas}, "
                f"shuffle={self.shuffle}, seed={self.seed}, drop_last={self.drop_last}, epoch={self.epoch})")
