"""Collectives over the ranks of the job: ``all_reduce``, ``broadcast``, and JSON objects for small metadata.

Arrays on the host travel over MPI straight from their memory (mpi4py's buffer
interface, no pickling). CUDA arrays go through the GPU link
(:mod:`minigrad.distributed.nccl`): NCCL where CuPy has it, else a copy to the
host, MPI, and a copy back. In a plain process every collective is a copy.

Every rank must make the same collective calls in the same order, with arrays
of the same shape and dtype; ``broadcast`` checks shapes first (it is rare),
``all_reduce`` does not (it runs every step).
"""
from __future__ import annotations

import json

import numpy as np

from minigrad import backend
from minigrad.autograd.tensor import Tensor
from minigrad.distributed.group import _group

__all__ = ["all_reduce", "broadcast", "all_gather_object", "broadcast_object"]

OPS = ("sum", "mean", "max")


def all_reduce(x, op: str = "sum"):
    """The elementwise ``op`` ("sum", "mean" or "max") of ``x`` over all ranks, on every rank.

    ``x`` is a NumPy or CuPy array, a Tensor, or a number; the result has the same
    kind (a Tensor result carries no graph) and ``x`` is left unchanged. "mean" of
    integers is float64, of floats keeps their dtype (float32 stays float32).
    """
    if op not in OPS:
        raise ValueError(f"all_reduce: op must be one of {', '.join(map(repr, OPS))}, got {op!r}")
    array, wrap = _as_array("all_reduce", x)
    group = _group()
    buf = array.copy() if array.flags.c_contiguous else array.copy(order="C")
    if group.size > 1:
        if backend.device_of(buf) == "cpu":
            MPI = _mpi()
            group.comm.Allreduce(MPI.IN_PLACE, buf, op=MPI.MAX if op == "max" else MPI.SUM)
        else:
            _gpu_link(group, buf).all_reduce(buf, "max" if op == "max" else "sum")
    if op == "mean":
        if buf.dtype.kind == "f":
            buf /= group.size
        else:
            buf = buf / np.float64(group.size)
    return wrap(buf)


def broadcast(x, src: int = 0):
    """Rank ``src``'s value of ``x`` on every rank (same kind as ``x``; ``x`` is left unchanged).

    Every rank passes an array of the same shape and dtype: a mismatch is a ValueError
    on every rank, naming each rank's shape.
    """
    array, wrap = _as_array("broadcast", x)
    group = _group()
    _check_rank("broadcast", src, group.size)
    buf = array.copy() if array.flags.c_contiguous else array.copy(order="C")
    if group.size > 1:
        shapes = all_gather_object([list(buf.shape), str(buf.dtype)])
        if any(s != shapes[src] for s in shapes):
            listed = "; ".join(f"rank {r}: {tuple(s[0])} {s[1]}" for r, s in enumerate(shapes))
            raise ValueError(f"broadcast: every rank must pass the same shape and dtype, got {listed}")
        if backend.device_of(buf) == "cpu":
            group.comm.Bcast(buf, root=src)
        else:
            _gpu_link(group, buf).broadcast(buf, src)
    return wrap(buf)


def all_gather_object(obj) -> list:
    """``[obj of rank 0, obj of rank 1, ...]`` on every rank, for JSON-serialisable ``obj``.

    Objects travel as JSON text, never pickled, so receiving one runs no code.
    """
    data = json.dumps(obj).encode()
    group = _group()
    if group.size == 1:
        return [json.loads(data)]
    comm = group.comm
    counts = np.zeros(group.size, dtype=np.int64)
    comm.Allgather(np.array([len(data)], dtype=np.int64), counts)
    received = np.empty(int(counts.sum()), dtype=np.uint8)
    MPI = _mpi()
    comm.Allgatherv(np.frombuffer(data, dtype=np.uint8), [received, counts.tolist(), MPI.BYTE])
    out, start = [], 0
    for n in counts.tolist():
        out.append(json.loads(received[start:start + n].tobytes()))
        start += n
    return out


def broadcast_object(obj, src: int = 0):
    """Rank ``src``'s JSON-serialisable ``obj`` on every rank (the others' ``obj`` is ignored)."""
    group = _group()
    _check_rank("broadcast_object", src, group.size)
    if group.size == 1:
        return json.loads(json.dumps(obj))
    comm = group.comm
    data = json.dumps(obj).encode() if group.rank == src else b""
    size = np.array([len(data)], dtype=np.int64)
    comm.Bcast(size, root=src)
    buf = np.frombuffer(data, dtype=np.uint8).copy() if group.rank == src else np.empty(int(size[0]), np.uint8)
    comm.Bcast(buf, root=src)
    return json.loads(buf.tobytes())


def start_sum(flat):
    """Begin summing the contiguous array ``flat`` over all ranks in place; returns a handle whose
    ``wait()`` completes it; ``test()`` lets MPI move the data along meanwhile (MPICH only makes
    progress inside MPI calls). Used by DistributedDataParallel's buckets."""
    group = _group()
    if group.size == 1:
        return _Done()
    if backend.device_of(flat) == "cpu":
        MPI = _mpi()
        return _Request(group.comm.Iallreduce(MPI.IN_PLACE, flat, op=MPI.SUM))
    return _gpu_link(group, flat).start_sum(flat)


class _Request:
    """A running MPI collective: ``test()`` (True once complete) and ``wait()``."""

    def __init__(self, request):
        self.request = request

    def test(self) -> bool:
        return bool(self.request.Test())

    def wait(self) -> None:
        self.request.Wait()


class _Done:
    """The handle of a collective that had nothing to do (a world of one)."""

    def test(self) -> bool:
        return True

    def wait(self) -> None:
        return None


def _as_array(name, x):
    """(the backend array of ``x``, a function that wraps a result as ``x``'s kind)."""
    if isinstance(x, Tensor):
        array, wrap = x.data, Tensor
    elif backend.is_array(x):
        array, wrap = x, _identity
    elif isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: expected a NumPy or CuPy array, a Tensor or a number, got {type(x).__name__}")
    else:
        array = np.asarray(x)
        wrap = (lambda a: a.item()) if isinstance(x, (int, float)) else (lambda a: a[()])
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name}: expected a numeric (integer or floating) dtype, got {array.dtype}")
    return array, wrap


def _identity(a):
    return a


def _check_rank(name, src, size):
    if isinstance(src, bool) or not isinstance(src, (int, np.integer)) or not 0 <= src < size:
        raise ValueError(f"{name}: src must be a rank in [0, {size - 1}], got {src!r}")


def _mpi():
    from minigrad.distributed.launch import import_mpi

    return import_mpi("distributed collectives")


def _gpu_link(group, array):
    """The group's GPU link, made on the first collective of a CUDA array (on that array's GPU)."""
    if group.gpu is None:
        from minigrad.distributed.nccl import GpuLink

        group.gpu = GpuLink(group, backend.device_of(array))
    return group.gpu
