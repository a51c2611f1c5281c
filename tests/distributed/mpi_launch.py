"""Run a script under ``mpiexec -n N`` from the tests: find the launcher, set a robust environment.

The ``mpich`` wheel (the ``mpi`` extra, part of ``dev``) installs ``mpiexec`` (MPICH's Hydra)
beside the Python executable; that one is preferred over whatever else is on PATH, so
mpi4py and the launcher come from the same MPI. Hydra starts local ranks by fork and
runs as root without extra options; Open MPI would need its two run-as-root variables,
which are set too in case its ``mpiexec`` is the one found.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from minigrad.distributed.launch import find_mpiexec, launcher_environment

REPO = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).resolve().with_name("mpi_worker.py")


def mpiexec() -> str:
    """The mpiexec to use: the one beside this Python (the mpich wheel's), else the first on PATH."""
    found = find_mpiexec()
    assert found, 'no mpiexec found: install the test extras, `pip install -e ".[dev]"` (brings the mpich wheel)'
    return found


def mpi_env(**extra) -> dict:
    env = launcher_environment()
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg"})
    env.update(extra)
    return env


def run_mpi(n: int, args, timeout: float = 120, cwd=None, env=None) -> subprocess.CompletedProcess:
    """``mpiexec -n n python <args>``; a hang fails the test after ``timeout`` seconds instead of blocking it."""
    command = [mpiexec(), "-n", str(n), sys.executable, *map(str, args)]
    # A session of its own, so a hang is ended with every rank, not just the launcher.
    proc = subprocess.Popen(command, cwd=cwd or REPO, env=env or mpi_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise AssertionError(f"{' '.join(command)} did not finish in {timeout} s (a hang)\n"
                             f"stdout:\n{out}\nstderr:\n{err}") from None
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


def run_case(case: str, *args, n: int = 2, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run one case of mpi_worker.py on ``n`` ranks."""
    return run_mpi(n, [WORKER, case, *args], timeout=timeout)
