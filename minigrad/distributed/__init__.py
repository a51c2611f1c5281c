"""Data-parallel training over MPI (and NCCL on GPUs): ``mpiexec -n N python train.py``.

    from minigrad import distributed as dist

    dist.init()                                   # a no-op in a plain process
    model = dist.DistributedDataParallel(build_model())   # rank 0's weights everywhere
    sampler = dist.DistributedSampler(train_set, shuffle=True, seed=0)
    loader = DataLoader(train_set, batch_size=64, sampler=sampler)   # 64 per rank
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        for x, y in loader:
            optimizer.zero_grad()
            cross_entropy(model(x), y).backward()  # .grad is now the average over ranks
            optimizer.step()

mpi4py is imported only when a process was started by an MPI launcher (or when
``init(require_mpi=True)`` asks for it), so ``import minigrad.distributed`` costs
nothing where MPI is not installed. See docs/distributed.md.
"""
from minigrad.distributed.collectives import all_gather_object, all_reduce, broadcast, broadcast_object
from minigrad.distributed.ddp import DistributedDataParallel
from minigrad.distributed.group import (abort, barrier, get_local_rank, get_rank, get_world_size, init,
                                        is_initialized, local_device)
from minigrad.distributed.launch import INSTALL_HINT, launched_by_mpi
from minigrad.distributed.sampler import DistributedSampler

__all__ = ["init", "is_initialized", "get_rank", "get_world_size", "get_local_rank", "local_device", "barrier",
           "abort", "all_reduce", "broadcast", "all_gather_object", "broadcast_object", "DistributedDataParallel",
           "DistributedSampler", "launched_by_mpi", "INSTALL_HINT"]
