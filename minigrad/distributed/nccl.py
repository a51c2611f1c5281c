"""Collectives on CUDA arrays: NCCL through CuPy, else staged through host memory over MPI.

With NCCL, rank 0 draws the communicator's unique id and MPI carries it to the
others (as JSON); each rank then joins with the GPU it computes on. NCCL calls
are queued on CuPy's current stream, the stream minigrad's kernels run on, so
a reduction starts after the gradients it reads are written and later kernels
see its result without a host synchronisation.

Without NCCL (CuPy built without it, or a GPU the library does not support),
each collective copies the array to the host, runs it over MPI and copies the
result back: correct, slower, and said in docs/distributed.md.

Untested on real GPUs in this repository's CI (it has none).
"""
from __future__ import annotations

from minigrad import backend

__all__ = ["GpuLink"]

_NCCL_TYPES = {"float16": "NCCL_FLOAT16", "float32": "NCCL_FLOAT32", "float64": "NCCL_FLOAT64",
               "int32": "NCCL_INT32", "int64": "NCCL_INT64", "uint8": "NCCL_UINT8"}


class GpuLink:
    """The group's link for CUDA arrays on ``device`` (this rank's GPU). ``uses_nccl`` says which way they travel.

    One NCCL communicator serves one GPU per rank: arrays on another GPU of the same rank are an error.
    """

    def __init__(self, group, device: str):
        from minigrad.distributed.collectives import all_gather_object, broadcast_object

        self.group = group
        self.device = device
        self.nccl = backend.nccl()
        self.comm = None
        # Every rank must agree on the transport, or some would wait in NCCL and others in MPI.
        everyone_has_nccl = all(all_gather_object(self.nccl is not None))
        if everyone_has_nccl and group.size > 1:
            uid = list(self.nccl.get_unique_id()) if group.rank == 0 else None
            uid = tuple(broadcast_object(uid, src=0))
            with backend.using_device(device):   # NCCL binds the communicator to the current GPU
                self.comm = self.nccl.NcclCommunicator(group.size, uid, group.rank)

    @property
    def uses_nccl(self) -> bool:
        return self.comm is not None

    def all_reduce(self, array, op: str) -> None:
        """Reduce the contiguous CUDA ``array`` in place over all ranks (op "sum", "max", "min" or "product";
        "band", "bor", "bxor", which NCCL lacks, go through the host)."""
        if self.comm is None or op not in ("sum", "max", "min", "product"):
            self._staged(array, op)
            return
        device = self._check_device(array)
        nccl_op = {"sum": self.nccl.NCCL_SUM, "max": self.nccl.NCCL_MAX, "min": self.nccl.NCCL_MIN,
                   "product": self.nccl.NCCL_PROD}[op]
        self.comm.allReduce(array.data.ptr, array.data.ptr, array.size, self._type(array), nccl_op,
                            backend.current_stream_pointer(device))

    def start_sum(self, array):
        """Begin an in-place sum; the handle's ``wait()`` finishes it (NCCL: nothing to wait for on the host)."""
        if self.comm is not None:
            self.all_reduce(array, "sum")   # stream-ordered: later kernels see the sum
            return _StreamOrdered()
        return _Staged(self.group, array)

    def broadcast(self, array, src: int) -> None:
        """Overwrite the contiguous CUDA ``array`` with rank ``src``'s, in place."""
        if self.comm is None:
            host = backend.to_numpy(array).copy()
            self.group.comm.Bcast(host, root=src)
            array[...] = backend.to_device(host, backend.device_of(array))
            return
        self.comm.bcast(array.data.ptr, array.size, self._type(array), src,
                        backend.current_stream_pointer(self._check_device(array)))

    def _check_device(self, array) -> str:
        device = backend.device_of(array)
        if device != self.device:
            raise ValueError(f"NCCL collective: this rank's communicator is on {self.device}, "
                             f"the array is on {device}")
        return device

    def _type(self, array):
        name = _NCCL_TYPES.get(str(array.dtype))
        if name is None:
            raise TypeError(f"NCCL collective: dtype {array.dtype} is not supported "
                            f"(supported: {', '.join(_NCCL_TYPES)})")
        return getattr(self.nccl, name)

    def _staged(self, array, op):
        from minigrad.distributed.collectives import _mpi, _mpi_op   # here: collectives imports this module

        host = backend.to_numpy(array).copy()
        self.group.comm.Allreduce(_mpi().IN_PLACE, host, op=_mpi_op(op))
        array[...] = backend.to_device(host, backend.device_of(array))


class _StreamOrdered:
    """NCCL's handle: the reduction is queued on the stream ahead of everything that reads it."""

    def test(self) -> bool:
        return True

    def wait(self) -> None:
        return None


class _Staged:
    """A host-staged sum: the copy to the host happens now, MPI runs meanwhile, the copy back in ``wait``."""

    def __init__(self, group, array):
        from minigrad.distributed.launch import import_mpi

        MPI = import_mpi("distributed collectives")
        self.array = array
        self.host = backend.to_numpy(array).copy()
        self.request = group.comm.Iallreduce(MPI.IN_PLACE, self.host, op=MPI.SUM)

    def test(self) -> bool:
        return bool(self.request.Test())

    def wait(self) -> None:
        self.request.Wait()
        self.array[...] = backend.to_device(self.host, backend.device_of(self.array))
