"""Collectives over the ranks of the job: ``all_reduce``, ``broadcast``, and JSON objects for small metadata.

Both take torch's spelling too: ``all_reduce(t, op=ReduceOp.SUM)`` and ``broadcast(t, src)`` write
into a Tensor or array ``t`` in place; ``all_reduce(x, "sum")`` (a string op) leaves ``x`` unchanged.

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
from minigrad.autograd.write_stamps import mark_written
from minigrad.distributed.group import _group, check_group
from minigrad.distributed.reduce_op import ReduceOp, Work, reduce_op_name
from minigrad.scalars import is_integer

__all__ = ["all_reduce", "broadcast", "all_gather_object", "broadcast_object", "broadcast_object_list", "gather_object",
           "scatter_object_list"]

OPS = ("sum", "mean", "max")


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """The elementwise reduction of ``tensor`` over all ranks, on every rank; two spellings.

    * torch's: ``op`` a :class:`ReduceOp` (SUM by default, AVG, PRODUCT, MIN, MAX, BAND, BOR, BXOR). A
      Tensor or array ``tensor`` is overwritten IN PLACE with the result (torch's ``dist.all_reduce(t)``); AVG in
      place needs a floating dtype, BAND/BOR/BXOR an integer or bool one (bools: SUM and MAX are "any",
      PRODUCT and MIN "all", as torch's). ``async_op=True`` returns a completed :class:`Work`.
    * minigrad's: ``op`` the string "sum", "mean" or "max": ``tensor`` is left unchanged.

    Either way the call also returns the result, with ``tensor``'s kind (a NumPy or CuPy array, a
    Tensor carrying no graph, or a number: a number is never changed in place). "mean"/AVG of
    integers (out of place) is float64, of floats keeps their dtype (float32 stays float32).
    """
    legacy = isinstance(op, str)
    if legacy:
        if op not in OPS:
            raise ValueError(f"all_reduce: op must be one of {', '.join(map(repr, OPS))}, got {op!r} "
                             "(or a ReduceOp: SUM, AVG, PRODUCT, MIN, MAX, BAND, BOR, BXOR)")
        if async_op:
            raise ValueError("all_reduce: async_op=True is torch's in-place form; pass op as a ReduceOp "
                             f"rather than {op!r}")
        name = op
    else:
        name = reduce_op_name("all_reduce", op)
    check_group("all_reduce", group)
    array, wrap = _as_array("all_reduce", tensor)
    in_place = not legacy and _is_buffer(tensor)
    if in_place and name == "avg" and array.dtype.kind not in "fc":
        raise TypeError(f"all_reduce: ReduceOp.AVG in place needs a floating-point tensor, got {array.dtype}")
    if legacy and array.dtype.kind == "b":
        raise TypeError(f"all_reduce: op {op!r} needs a numeric (integer or floating) dtype, got bool "
                        "(a ReduceOp reduces bool tensors)")
    wire = wire_op("all_reduce", name, array.dtype)
    group = _group()
    buf = array.copy() if array.flags.c_contiguous else array.copy(order="C")
    if group.size > 1:
        data = _reducible(buf)
        if backend.device_of(buf) == "cpu":
            group.comm.Allreduce(_mpi().IN_PLACE, data, op=_mpi_op(wire))
        else:
            _gpu_link(group, data).all_reduce(data, wire)
    if name in ("mean", "avg"):
        if buf.dtype.kind in "fc":
            buf /= group.size
        else:
            buf = buf / np.float64(group.size)
    if in_place:
        write_back(tensor, buf)
    return Work() if async_op else wrap(buf)


def broadcast(tensor, src: int = 0, group=None, async_op: bool = False):
    """Rank ``src``'s value of ``tensor`` on every rank.

    A Tensor or array ``tensor`` is overwritten in place (torch's ``dist.broadcast(t, src)``); the call
    also returns the value, with ``tensor``'s kind (a number is returned, not changed).
    ``async_op=True`` returns a completed :class:`Work` instead.
    Every rank passes an array of the same shape and dtype: a mismatch is a ValueError
    on every rank, naming each rank's shape.
    """
    check_group("broadcast", group)
    array, wrap = _as_array("broadcast", tensor)
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
    if _is_buffer(tensor):
        write_back(tensor, buf)
    return Work() if async_op else wrap(buf)


def all_gather_object(*args, group=None):
    """``[obj of rank 0, obj of rank 1, ...]`` on every rank, for JSON-serialisable ``obj``.

    ``all_gather_object(obj)`` returns the list; torch's ``all_gather_object(object_list, obj)``
    fills ``object_list`` (of world-size length) in place and returns None.
    Objects travel as JSON text, never pickled, so receiving one runs no code (so a tuple
    arrives as a list, and dict keys as strings).
    """
    check_group("all_gather_object", group)
    if len(args) == 2:
        object_list, obj = args
        size = _group().size
        if not isinstance(object_list, list) or len(object_list) != size:
            raise ValueError(f"all_gather_object: object_list must be a list of world-size ({size}) length, "
                             f"got {_describe_list(object_list)}")
        object_list[:] = all_gather_object(obj)
        return None
    if len(args) != 1:
        raise TypeError(f"all_gather_object: takes (obj) or torch's (object_list, obj), got {len(args)} arguments")
    data = _to_json("all_gather_object", args[0]).encode()
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
        return json.loads(_to_json("broadcast_object", obj))
    comm = group.comm
    data = _to_json("broadcast_object", obj).encode() if group.rank == src else b""
    size = np.array([len(data)], dtype=np.int64)
    comm.Bcast(size, root=src)
    buf = np.frombuffer(data, dtype=np.uint8).copy() if group.rank == src else np.empty(int(size[0]), np.uint8)
    comm.Bcast(buf, root=src)
    return json.loads(buf.tobytes())


def broadcast_object_list(object_list: list, src: int = 0, group=None, device=None) -> None:
    """torch's form: rank ``src``'s ``object_list`` copied, element by element, into every rank's
    ``object_list`` (in place; every rank passes a list of the same length; rank ``src``'s is left as it is).
    JSON, never pickled."""
    check_group("broadcast_object_list", group)
    if not isinstance(object_list, list):
        raise TypeError(f"broadcast_object_list: object_list must be a list, got {type(object_list).__name__}")
    received = broadcast_object(object_list, src)
    if len(received) != len(object_list):
        raise ValueError(f"broadcast_object_list: rank {src} sent {len(received)} objects, this rank's "
                         f"object_list has {len(object_list)}")
    if _group().rank != src:   # rank src's list keeps its own objects (not their JSON copies), as torch's
        object_list[:] = received


def gather_object(obj, object_gather_list=None, dst: int = 0, group=None) -> None:
    """torch's ``gather_object``: every rank's JSON-serialisable ``obj`` into rank ``dst``'s
    ``object_gather_list`` (world-size long), in rank order; the other ranks pass None. Never pickled."""
    check_group("gather_object", group)
    world = _group()
    _check_rank("gather_object", dst, world.size, "dst")
    if world.rank == dst and (not isinstance(object_gather_list, list) or len(object_gather_list) != world.size):
        raise ValueError(f"gather_object: object_gather_list must be a list of world-size ({world.size}) length on "
                         f"rank dst={dst}, got {_describe_list(object_gather_list)}")
    everyone = all_gather_object(obj)   # small metadata: every rank receives it, dst keeps it
    if world.rank == dst:
        object_gather_list[:] = everyone


def scatter_object_list(scatter_object_output_list: list, scatter_object_input_list=None, src: int = 0,
                        group=None) -> None:
    """torch's ``scatter_object_list``: element r of rank ``src``'s ``scatter_object_input_list`` (world-size long)
    into ``scatter_object_output_list[0]`` on rank r. JSON-serialisable objects, never pickled."""
    check_group("scatter_object_list", group)
    world = _group()
    _check_rank("scatter_object_list", src, world.size, "src")
    if not isinstance(scatter_object_output_list, list) or len(scatter_object_output_list) < 1:
        raise ValueError("scatter_object_list: scatter_object_output_list must be a non-empty list, got "
                         f"{_describe_list(scatter_object_output_list)}")
    if world.rank == src and (not isinstance(scatter_object_input_list, list)
                              or len(scatter_object_input_list) != world.size):
        raise ValueError(f"scatter_object_list: scatter_object_input_list must be a list of world-size "
                         f"({world.size}) length on rank src={src}, got {_describe_list(scatter_object_input_list)}")
    everyone = broadcast_object(scatter_object_input_list if world.rank == src else None, src)
    scatter_object_output_list[0] = everyone[world.rank]


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
    if array.dtype.kind not in "biufc":
        raise TypeError(f"{name}: expected a bool, integer, floating or complex dtype, got {array.dtype}")
    return array, wrap


def _reducible(buf):
    """``buf`` (C-contiguous) as MPI and NCCL reduce and send it: bools as bytes, complex numbers (SUM only) as
    pairs of reals (NCCL has no complex type); other dtypes as they are. A view: the reduction lands in ``buf``."""
    if buf.dtype.kind == "b":
        return buf.view(np.uint8)
    if buf.dtype.kind == "c":   # flattened first: a 0-d array cannot change its itemsize
        return buf.reshape(-1).view(np.float32 if buf.dtype == np.complex64 else np.float64)
    return buf


BITWISE = ("band", "bor", "bxor")
# A bool tensor reduces as bytes of 0 and 1: SUM and MAX are "any" (torch's result), PRODUCT and MIN "all".
BOOL_WIRE = {"sum": "max", "max": "max", "bor": "max", "product": "min", "min": "min", "band": "min", "bxor": "bxor"}


def wire_op(call, name, dtype) -> str:
    """The MPI reduction that computes op ``name`` on ``dtype`` (bools as bytes); one TypeError where it cannot."""
    if name in BITWISE and dtype.kind not in "biu":
        raise TypeError(f"{call}: ReduceOp.{name.upper()} needs an integer or bool tensor, got {dtype}")
    if dtype.kind == "c" and name not in ("sum", "avg", "mean"):
        raise ValueError(f"{call}: {name!r} is not defined on complex tensors ({dtype}); SUM and AVG are, as torch's")
    if dtype.kind == "b":
        return BOOL_WIRE[name]
    return "sum" if name in ("mean", "avg") else name


def _is_buffer(x) -> bool:
    """True for what a collective can write into in place: a Tensor or an array (not a number)."""
    return isinstance(x, Tensor) or (backend.is_array(x) and not isinstance(x, np.generic))


def write_back(x, buf) -> None:
    """Overwrite the Tensor or array ``x`` with ``buf`` in place (a write stamp, as torch bumps its version)."""
    target = x.data if isinstance(x, Tensor) else x
    target[...] = buf
    mark_written(target)


def _to_json(name, obj) -> str:
    """``obj`` as JSON text; NumPy scalars and arrays travel as numbers and lists (torch, which pickles, takes
    them: a metric held as np.float32 must not stop the job). Anything else not JSON-serialisable is one
    TypeError naming the call."""
    def numpy_value(value):
        if isinstance(value, (np.generic, np.ndarray)):
            return value.tolist()
        raise TypeError(f"{name}: objects travel as JSON here (never pickled), and {type(value).__name__} is not "
                        "JSON-serialisable; send numbers, strings, lists, dicts, or NumPy values")

    return json.dumps(obj, default=numpy_value)


def _describe_list(value) -> str:
    return f"a list of {len(value)}" if isinstance(value, list) else type(value).__name__


def _mpi_op(name):
    MPI = _mpi()
    return {"sum": MPI.SUM, "max": MPI.MAX, "min": MPI.MIN, "product": MPI.PROD, "band": MPI.BAND, "bor": MPI.BOR,
            "bxor": MPI.BXOR}[name]


def _identity(a):
    return a


def _check_rank(name, src, size, what="src"):
    if not is_integer(src) or not 0 <= src < size:
        raise ValueError(f"{name}: {what} must be a rank in [0, {size - 1}], got {src!r}")


def _mpi():
    from minigrad.distributed.launch import import_mpi

    return import_mpi("distributed collectives")


def _gpu_link(group, array):
    """The group's GPU link, made on the first collective of a CUDA array (on that array's GPU)."""
    if group.gpu is None:
        from minigrad.distributed.nccl import GpuLink

        group.gpu = GpuLink(group, backend.device_of(array))
    return group.gpu
