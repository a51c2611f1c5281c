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

torch's spellings work too (``import minigrad as torch``; ``dist = torch.distributed``):
``init_process_group``, ``ReduceOp``, ``all_reduce(t, op=ReduceOp.SUM)`` and ``broadcast(t, src)``
in place, ``all_gather``, ``reduce``, ``all_gather_into_tensor``, ``reduce_scatter(_tensor)``, ``gather``,
``scatter``, ``all_to_all``, ``all_to_all_single``, point-to-point ``send``/``recv``/``isend``/``irecv``/
``batch_isend_irecv`` with ``P2POp``, ``torch.nn.parallel.DistributedDataParallel``,
``torch.utils.data.distributed.DistributedSampler``.

mpi4py is imported only when a process was started by an MPI launcher (or when
``init(require_mpi=True)`` asks for it), so ``import minigrad.distributed`` costs
nothing where MPI is not installed. See docs/distributed.md.
"""
from minigrad.distributed.collectives import (all_gather_object, all_reduce, broadcast, broadcast_object,
                                              broadcast_object_list, gather_object, scatter_object_list)
from minigrad.distributed.ddp import DistributedDataParallel
from minigrad.distributed.gather_reduce import (all_gather, all_gather_into_tensor, all_to_all, all_to_all_single,
                                                gather, reduce, reduce_scatter, reduce_scatter_tensor, scatter)
from minigrad.distributed import group   # torch's dist.group.WORLD is group.WORLD
from minigrad.distributed.group import (abort, barrier, get_local_rank, get_rank, get_world_size, init,
                                        is_initialized, local_device, new_group)
from minigrad.distributed.launch import INSTALL_HINT, launched_by_mpi
from minigrad.distributed.p2p import P2POp, batch_isend_irecv, irecv, isend, recv, send
from minigrad.distributed.process_group import (destroy_process_group, get_backend, init_process_group, is_available,
                                                is_mpi_available, is_nccl_available)
from minigrad.distributed.reduce_op import ReduceOp, Work
from minigrad.distributed.sampler import DistributedSampler

__all__ = ["init", "is_initialized", "get_rank", "get_world_size", "get_local_rank", "local_device", "barrier",
           "abort", "all_reduce", "broadcast", "all_gather_object", "broadcast_object", "DistributedDataParallel",
           "DistributedSampler", "launched_by_mpi", "INSTALL_HINT",
           # torch.distributed's spellings
           "init_process_group", "destroy_process_group", "is_available", "is_mpi_available", "is_nccl_available",
           "get_backend", "ReduceOp", "Work", "all_gather", "reduce", "broadcast_object_list", "group",
           "all_gather_into_tensor", "reduce_scatter_tensor", "reduce_scatter", "gather", "scatter", "all_to_all",
           "new_group", "gather_object", "scatter_object_list", "all_to_all_single", "send", "recv", "isend", "irecv",
           "P2POp", "batch_isend_irecv"]
