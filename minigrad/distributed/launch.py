"""How this process was started: by an MPI launcher or plainly, found without importing MPI.

``mpiexec`` (MPICH's Hydra, Intel MPI, Open MPI, MVAPICH) and ``srun`` with PMI
put the rank in the environment of each process it starts. Reading those
variables lets a plain ``python train.py`` run as one process without ever
loading an MPI library.
"""
from __future__ import annotations

import os

#: Variables an MPI launcher sets in every process it starts.
LAUNCHER_VARIABLES = ("PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")

INSTALL_HINT = ('install it with `pip install "minigrad[mpi]"` (mpi4py and the mpich wheel, nothing else needed), '
                "or build mpi4py against your cluster's MPI: see docs/distributed.md")


def launched_by_mpi(environ=None) -> bool:
    """True when an MPI launcher (mpiexec, mpirun, srun) started this process."""
    environ = os.environ if environ is None else environ
    return any(name in environ for name in LAUNCHER_VARIABLES)


def import_mpi(why: str):
    """``mpi4py.MPI`` (initialising MPI), or one clear ImportError that says how to install it."""
    try:
        from mpi4py import MPI  # the only import of mpi4py in minigrad (with the one in collectives' hint)
    except ImportError as exc:
        raise ImportError(f"{why} needs mpi4py, which is not importable here ({exc}); {INSTALL_HINT}") from None
    return MPI
