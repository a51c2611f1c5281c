"""How this process was started: by an MPI launcher or plainly, found without importing MPI.

``mpiexec`` (MPICH's Hydra, Intel MPI, Open MPI, MVAPICH) and ``srun`` with PMI
put the rank in the environment of each process it starts. Reading those
variables lets a plain ``python train.py`` run as one process without ever
loading an MPI library.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

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


def find_mpiexec() -> str | None:
    """The ``mpiexec`` beside this Python (the mpich wheel's, matching mpi4py), else the first on PATH."""
    candidate = Path(sys.executable).parent / "mpiexec"
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    return shutil.which("mpiexec")


def launcher_environment(environ=None) -> dict:
    """``environ`` plus what makes a local ``mpiexec`` start reliably on one machine, as root too:
    Hydra forks local ranks (no ssh); Open MPI's two run-as-root switches are set in case its
    ``mpiexec`` is the one found (MPICH ignores them)."""
    env = dict(os.environ if environ is None else environ)
    env.setdefault("HYDRA_LAUNCHER", "fork")
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    return env
