"""The process group: who this process is among the ranks of a job, and the link between them.

``init()`` reads the MPI environment once. Under ``mpiexec -n N`` it joins
``MPI.COMM_WORLD`` (rank, world size, local rank on this machine); in a plain
process it does nothing and the world is this one process, so the same script
runs both ways. Every other function calls ``init()`` itself when needed.

An uncaught exception on any rank of a multi-rank job prints its traceback and
calls ``MPI_Abort``: the launcher then ends every rank with a non-zero exit
instead of leaving the others waiting forever in their next collective.
"""
from __future__ import annotations

import sys
import time

from minigrad.distributed.launch import import_mpi, launched_by_mpi

__all__ = ["WORLD", "check_group", "new_group", "init", "is_initialized", "get_rank", "get_world_size",
           "get_local_rank", "local_device", "barrier", "abort"]


class _Group:
    """The world as this process sees it. ``comm`` is ``MPI.COMM_WORLD``, or None in a plain process."""

    def __init__(self, comm, rank, size, local_rank, local_size):
        self.comm = comm
        self.rank = rank
        self.size = size
        self.local_rank = local_rank
        self.local_size = local_size
        self.gpu = None  # the GPU link (distributed.nccl.GpuLink), made on first use with a CUDA array


_GROUP = None
_EXCEPTHOOK_SET = False

#: torch's ``dist.group.WORLD``: the default (and only) group, every rank of the job. A ``group=``
#: argument accepts it or None.
class _World:
    def __repr__(self) -> str:
        return "group.WORLD"


WORLD = _World()
# Seconds an uncaught exception waits, after printing its traceback, before it aborts the job.
ABORT_GRACE_S = 0.5


def init(require_mpi: bool = False) -> None:
    """Set up from the MPI environment; a no-op in a plain single process (and when already set up).

    ``require_mpi=True`` imports mpi4py even in a plain process (a world of one), so a
    script that asks for distributed training fails early, with the install hint,
    where mpi4py is missing.
    """
    global _GROUP
    if _GROUP is not None and (_GROUP.comm is not None or not require_mpi):
        return   # set up already (a plain world of one is joined to MPI when MPI is now required)
    if not (launched_by_mpi() or require_mpi):
        _GROUP = _Group(None, 0, 1, 0, 1)
        return
    MPI = import_mpi("distributed training (a process started by mpiexec)" if launched_by_mpi()
                     else "distributed training")
    comm = MPI.COMM_WORLD
    # The ranks that share this machine's memory: their order picks each rank's GPU.
    local = comm.Split_type(MPI.COMM_TYPE_SHARED, key=comm.Get_rank())
    _GROUP = _Group(comm, comm.Get_rank(), comm.Get_size(), local.Get_rank(), local.Get_size())
    local.Free()
    if _GROUP.size > 1:
        _abort_on_uncaught_exception()


def check_group(name: str, group) -> None:
    """Only the default group exists here (no ``new_group``): ``group`` must be None or ``WORLD``."""
    if group is not None and group is not WORLD:
        raise ValueError(f"{name}: only the default group of every rank exists here (group=None or "
                         f"dist.group.WORLD), got group={group!r}")


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization: bool = False,
              group_desc=None, device_id=None, sort_ranks: bool = True):
    """torch's ``new_group``: here only the group of every rank exists, so ``ranks`` None or every rank gives
    ``WORLD``; a proper subset is a NotImplementedError naming it (the other arguments are accepted, unused)."""
    size = _group().size
    if ranks is not None:
        try:
            listed = sorted(int(r) for r in ranks)
        except (TypeError, ValueError):
            raise TypeError(f"new_group: ranks must be a list of ranks or None, got {ranks!r}") from None
        if listed != list(range(size)):
            raise NotImplementedError(f"new_group: only the group of every rank (0 to {size - 1}) exists here, "
                                      f"got ranks={list(ranks)!r}")
    return WORLD


def _group() -> _Group:
    if _GROUP is None:
        init()
    return _GROUP


def is_initialized() -> bool:
    """True once ``init()`` has run (explicitly or through any other call here)."""
    return _GROUP is not None


def get_rank(group=None) -> int:
    """This process's rank, 0 to world size - 1 (0 in a plain process). ``group``: None or ``WORLD``, as torch's."""
    check_group("get_rank", group)
    return _group().rank


def get_world_size(group=None) -> int:
    """How many processes the job has (1 in a plain process). ``group``: None or ``WORLD``, as torch's."""
    check_group("get_world_size", group)
    return _group().size


def get_local_rank() -> int:
    """This process's rank among those on the same machine: the GPU it uses."""
    return _group().local_rank


def local_device(device: str) -> str:
    """The device this rank computes on: ``"cuda"`` becomes the GPU of its local rank
    (``cuda:<local rank mod GPUs>``); ``"cpu"`` and an explicit ``"cuda:N"`` stay as they are."""
    from minigrad import backend

    if str(device).strip().lower() in ("cuda", "gpu"):
        count = backend.cuda_device_count()
        if count == 0:
            raise RuntimeError(f"local_device: device {device!r} asked for, but no CUDA GPU is usable here")
        return f"cuda:{get_local_rank() % count}"
    return backend.normalize_device(device)


def barrier(group=None, async_op: bool = False, device_ids=None, timeout=None):
    """Wait until every rank has reached this call.

    torch's arguments: ``group`` None or ``WORLD``; ``async_op=True`` returns a completed ``Work`` (the
    barrier has been passed); ``device_ids`` (torch's GPU of this rank, for NCCL) and ``timeout`` are
    accepted and not used."""
    from minigrad.distributed.reduce_op import Work

    check_group("barrier", group)
    if device_ids is not None and not isinstance(device_ids, (list, tuple)):
        raise TypeError(f"barrier: device_ids must be a list of GPU indices or None, got {type(device_ids).__name__}")
    world = _group()
    if world.comm is not None and world.size > 1:
        world.comm.Barrier()
    return Work() if async_op else None


def abort(exit_code: int = 1) -> None:
    """End the whole job now with ``exit_code`` (``MPI_Abort``); in a plain process, exit with it."""
    sys.stdout.flush()
    sys.stderr.flush()
    group = _group()
    if group.comm is not None and group.size > 1:
        group.comm.Abort(int(exit_code))
    raise SystemExit(int(exit_code))


def _abort_on_uncaught_exception() -> None:
    """Print an uncaught exception (naming the rank) and abort the job, so no rank waits forever."""
    global _EXCEPTHOOK_SET
    if _EXCEPTHOOK_SET:   # joined again after destroy_process_group: the hook is in place already
        return
    _EXCEPTHOOK_SET = True
    previous = sys.excepthook

    def hook(kind, value, tb):
        try:
            print(f"minigrad.distributed: rank {_GROUP.rank} of {_GROUP.size} raised {kind.__name__}; "
                  "aborting the job", file=sys.stderr)
            previous(kind, value, tb)
            sys.stderr.flush()
            # mpiexec forwards each rank's output through a pipe; MPI_Abort kills the forwarders too, and under
            # load they had not always passed the traceback on yet (seen once in the test suite).
            time.sleep(ABORT_GRACE_S)
        finally:
            abort(1)

    sys.excepthook = hook
