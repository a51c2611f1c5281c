"""What ``minigrad train --distributed`` changes in a run, in one object the training loop asks.

Without ``--distributed`` the loop gets :class:`SingleProcess`, whose every
answer leaves the run exactly as it was. With it, :class:`DataParallelRun`:

* joins the MPI job (one clear message where mpi4py is missing) and picks this
  rank's device (``cuda`` becomes the GPU of the local rank);
* wraps the model in ``DistributedDataParallel`` (rank 0's weights everywhere,
  architectures compared, gradients averaged) and feeds each rank its shard of
  every epoch through a ``DistributedSampler`` (``--batch-size`` is per rank);
* reseeds dropout per rank: rank 0 keeps the run's generator (so one rank is the
  plain run), rank r > 0 draws from ``(seed, r)``;
* sums the training and test metrics over ranks (evaluation is sharded: rank r
  evaluates its contiguous block of the test set, each image once);
* lets rank 0 alone print and write files; checkpoints carry every rank's
  generator state, and the world size is part of the run's identity.
"""
from __future__ import annotations

import numpy as np

from minigrad import random as mg_random
from minigrad.train.config import ConfigError

__all__ = ["SingleProcess", "DataParallelRun", "for_config"]


class SingleProcess:
    """The plain run: one process, nothing shared."""

    rank, size, is_main, distributed = 0, 1, True, False
    # The curves are drawn once, when the run ends, stops or is interrupted (matplotlib stays out of training).
    curves_every_epoch = False

    def device(self, requested: str, resolved: str) -> str:
        """The device this process computes on: ``resolved``, the normal form of ``--device``."""
        return resolved

    def wrap(self, model):
        return model

    def loader(self, dataset, batch_size, seed, device):
        from minigrad.data import DataLoader

        return DataLoader(dataset, batch_size=batch_size, shuffle=True, seed=seed, device=device)

    def start_epoch(self, loader, epoch: int) -> None:
        return None

    def seed_dropout(self, seed: int) -> None:
        return None

    def sum_over_ranks(self, *values):
        return values

    def before_evaluation(self, model) -> None:
        """Nothing to do: one process evaluates the model it checkpoints (a data-parallel run copies rank 0's
        buffers here)."""

    def test_shard(self, n: int) -> slice:
        return slice(0, n)

    def rng_state(self) -> dict:
        """What the checkpoint stores of the random generators."""
        return {"rng": mg_random.get_rng_state()}

    def restore_rng(self, checkpoint: dict) -> None:
        mg_random.set_rng_state(checkpoint["rng"])

    def trajectory(self, values: dict) -> dict:
        return values


class DataParallelRun(SingleProcess):
    """One rank of ``mpiexec -n N minigrad train --distributed`` (see the module docstring)."""

    distributed = True
    # Any rank's Ctrl-C ends the whole MPI job (cli._end_job), rank 0's drawing on the way out with it: rank 0
    # draws after every epoch instead.
    curves_every_epoch = True

    def __init__(self):
        from minigrad import distributed as dist

        try:
            dist.init(require_mpi=True)
        except ImportError as exc:
            raise ConfigError(f"--distributed: {exc}") from None
        self.dist = dist
        self.rank, self.size = dist.get_rank(), dist.get_world_size()
        self.is_main = self.rank == 0
        self.sampler = None

    def device(self, requested: str, resolved: str) -> str:
        """``--device cuda`` means the GPU of this rank's local rank; an explicit ``cuda:N`` is kept."""
        if str(requested).strip().lower() in ("cuda", "gpu"):
            return self.dist.local_device("cuda")
        return resolved

    def wrap(self, model):
        return self.dist.DistributedDataParallel(model)

    def loader(self, dataset, batch_size, seed, device):
        from minigrad.data import DataLoader

        self.sampler = self.dist.DistributedSampler(dataset, shuffle=True, seed=seed)
        return DataLoader(dataset, batch_size=batch_size, sampler=self.sampler, device=device)

    def start_epoch(self, loader, epoch: int) -> None:
        self.sampler.set_epoch(epoch)

    def seed_dropout(self, seed: int) -> None:
        if self.rank > 0:   # rank 0 keeps the run's stream: on one rank, --distributed is the plain run
            mg_random.set_rng_state(np.random.default_rng([seed, self.rank]).bit_generator.state)

    def sum_over_ranks(self, *values):
        """Each value summed over ranks (floats: the sums of losses, counts)."""
        totals = self.dist.all_reduce(np.array([float(v) for v in values], dtype=np.float64), "sum")
        return tuple(totals.tolist())

    def before_evaluation(self, model) -> None:
        """Rank 0's buffers on every rank (a collective): each rank's BatchNorm running statistics moved with its
        own last batch, and the test set, sharded, must be evaluated with the model rank 0 checkpoints."""
        from minigrad.distributed.ddp import copy_from_rank0

        copy_from_rank0(model.buffers())

    def test_shard(self, n: int) -> slice:
        """This rank's contiguous block of ``n`` test samples; together the blocks cover each sample once."""
        return slice(self.rank * n // self.size, (self.rank + 1) * n // self.size)

    def rng_state(self) -> dict:
        states = self.dist.all_gather_object(mg_random.get_rng_state())
        return {"rng": states[0], "rng_ranks": states}

    def restore_rng(self, checkpoint: dict) -> None:
        states = checkpoint.get("rng_ranks")
        if states is None or len(states) != self.size:
            raise ConfigError(f"--resume: the checkpoint has no dropout generator state for {self.size} ranks")
        mg_random.set_rng_state(states[self.rank])

    def trajectory(self, values: dict) -> dict:
        # The global batch is world size x --batch-size: another N is another run.
        return {**values, "world_size": self.size}


def for_config(config) -> SingleProcess:
    """The run ``config`` asks for: distributed with ``config.distributed``, else the plain one."""
    return DataParallelRun() if getattr(config, "distributed", False) else SingleProcess()
