"""torch.distributed's process-group calls: ``init_process_group``, ``destroy_process_group``, the backend queries.

Here there is one process group, the world that ``init()`` joins: under an MPI
launcher every rank of ``MPI.COMM_WORLD``, in a plain process this one process.
``init_process_group`` therefore reads the rank and world size from MPI; the
``backend`` name ("mpi", "gloo", "nccl" or None) is accepted and reported back by
``get_backend()``, but the collectives always run over MPI (NCCL for CUDA arrays
where CuPy has it). A ``world_size`` or ``rank`` that disagrees with MPI's is an error.
"""
from __future__ import annotations

import datetime
import importlib.util

from minigrad.distributed import group as _world
from minigrad.distributed.launch import launched_by_mpi
from minigrad.scalars import as_integer

__all__ = ["init_process_group", "destroy_process_group", "is_available", "is_mpi_available", "is_nccl_available",
           "get_backend"]

BACKENDS = ("mpi", "gloo", "nccl")
_BACKEND = None   # the name init_process_group was given (lower case), while its group is up


def init_process_group(backend: str | None = None, init_method: str | None = None,
                       timeout: datetime.timedelta | None = None, world_size: int = -1, rank: int = -1,
                       store=None, group_name: str = "", pg_options=None, device_id=None) -> None:
    """Join the job's process group (torch's ``init_process_group``).

    Under ``mpiexec -n N`` the rank and world size come from MPI; in a plain process the
    world is this one process (as ``init()``; ``backend="mpi"`` there loads mpi4py, as
    ``init(require_mpi=True)``). ``world_size``/``rank`` default to -1 (take MPI's); other
    values must equal MPI's. ``init_method``, ``timeout``, ``group_name``, ``pg_options``
    and ``device_id`` are accepted and not used (MPI needs no rendezvous); ``store`` must be None.
    Calling it twice without ``destroy_process_group()`` in between is a RuntimeError, as in torch.
    """
    global _BACKEND
    name = _backend_name(backend)
    if init_method is not None and not isinstance(init_method, str):
        raise TypeError(f"init_process_group: init_method must be a URL string or None, got "
                        f"{type(init_method).__name__}")
    if timeout is not None and not isinstance(timeout, datetime.timedelta):
        raise TypeError(f"init_process_group: timeout must be a datetime.timedelta or None, got "
                        f"{type(timeout).__name__}")
    for label, value in (("world_size", world_size), ("rank", rank)):
        if as_integer(value) is None or value < -1:
            raise ValueError(f"init_process_group: {label} must be -1 (from MPI) or a non-negative integer, "
                             f"got {value!r}")
    world_size, rank = int(world_size), int(rank)
    if store is not None:
        raise ValueError("init_process_group: store is not supported: the ranks find each other through MPI "
                         "(start the script with mpiexec -n N)")
    if _BACKEND is not None:
        raise RuntimeError("init_process_group: the default process group is already initialized "
                           "(trying to initialize it twice; call destroy_process_group() first)")
    if not launched_by_mpi() and world_size not in (-1, 1):
        raise RuntimeError(f"init_process_group: world_size={world_size}, but no MPI launcher started this "
                           f"process, so it is a world of one: start the script with "
                           f"`mpiexec -n {world_size} python ...`")
    _world.init(require_mpi=(backend is not None and name == "mpi"))
    got_size, got_rank = _world.get_world_size(), _world.get_rank()
    if world_size != -1 and world_size != got_size:
        raise ValueError(f"init_process_group: world_size={world_size} disagrees with the {got_size} ranks "
                         "this job was started with (leave world_size=-1 to take MPI's)")
    if rank != -1 and rank != got_rank:
        raise ValueError(f"init_process_group: rank={rank} disagrees with this process's MPI rank {got_rank} "
                         "(leave rank=-1 to take MPI's)")
    _BACKEND = name


def destroy_process_group(group=None) -> None:
    """Leave the process group: ``is_initialized()`` is False after it and ``init_process_group`` may run again.
    A world of one forgets its unreceived isends to itself and its pending receives. MPI itself stays up (it cannot
    start twice in one process); the next collective joins the world again."""
    global _BACKEND
    from minigrad.distributed import p2p

    _world.check_group("destroy_process_group", group)
    _BACKEND = None
    _world._GROUP = None
    p2p.forget_pending()


def get_backend(group=None) -> str:
    """The backend name given to ``init_process_group`` ("mpi" for None, or when only ``init()`` ran);
    a RuntimeError before either."""
    _world.check_group("get_backend", group)
    if _BACKEND is not None:
        return _BACKEND
    if _world.is_initialized():
        return "mpi"
    raise RuntimeError("get_backend: the default process group has not been initialized "
                       "(call init_process_group() first)")


def is_available() -> bool:
    """True: ``minigrad.distributed`` is always importable (mpi4py is needed only for a multi-rank job)."""
    return True


def is_mpi_available() -> bool:
    """True when mpi4py can be imported here (checked without importing it, so MPI is not started)."""
    return importlib.util.find_spec("mpi4py") is not None


def is_nccl_available() -> bool:
    """True when CuPy's NCCL bindings load here (the GPU path of the collectives)."""
    from minigrad import backend

    return backend.nccl() is not None


def _backend_name(backend) -> str:
    if backend is None:
        return "mpi"
    if not isinstance(backend, str):
        raise TypeError(f"init_process_group: backend must be a string or None, got {type(backend).__name__}")
    # torch also reads "cpu:gloo,cuda:nccl" (a backend per device kind)
    names = [part.split(":")[-1].strip() for part in backend.lower().split(",")]
    if not all(n in BACKENDS for n in names):
        raise ValueError(f"init_process_group: backend must be one of {', '.join(map(repr, BACKENDS))} or None "
                         f"(every one runs over MPI here), got {backend!r}")
    return backend.lower()
