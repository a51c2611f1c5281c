"""torch's ``all_gather(tensor_list, tensor)`` and ``reduce(tensor, dst, op)``: in-place collectives.

Host arrays travel over MPI from their memory; CUDA arrays are copied to the host
and back (these two are evaluation-time collectives, not the per-step gradient path).
Every rank passes tensors of the same shape and dtype.
"""
from __future__ import annotations

import numpy as np

from minigrad import backend
from minigrad.distributed.collectives import _as_array, _check_rank, _is_buffer, _mpi, _mpi_op, wire_op, write_back
from minigrad.distributed.group import _group, check_group
from minigrad.distributed.reduce_op import ReduceOp, Work, reduce_op_name

__all__ = ["all_gather", "reduce"]


def all_gather(tensor_list: list, tensor, group=None, async_op: bool = False):
    """Write rank r's ``tensor`` into ``tensor_list[r]`` on every rank, in place (torch's ``all_gather``).

    ``tensor_list`` holds world-size Tensors or arrays of ``tensor``'s shape and dtype.
    Returns None, or a completed :class:`Work` with ``async_op=True``.
    """
    check_group("all_gather", group)
    array, _ = _as_array("all_gather", tensor)
    size = _group().size
    if not isinstance(tensor_list, (list, tuple)) or len(tensor_list) != size:
        got = f"{len(tensor_list)} entries" if isinstance(tensor_list, (list, tuple)) else type(tensor_list).__name__
        raise ValueError(f"all_gather: tensor_list must hold world-size ({size}) tensors, got {got}")
    for r, out in enumerate(tensor_list):
        if not _is_buffer(out):
            raise TypeError(f"all_gather: tensor_list[{r}] must be a Tensor or an array, got {type(out).__name__}")
        out_array, _ = _as_array("all_gather", out)
        if out_array.shape != array.shape or out_array.dtype != array.dtype:
            raise ValueError(f"all_gather: tensor_list[{r}] is {tuple(out_array.shape)} {out_array.dtype}, "
                             f"tensor is {tuple(array.shape)} {array.dtype}: they must match")
    host = np.ascontiguousarray(backend.to_numpy(array))
    gathered = np.empty((size,) + host.shape, dtype=host.dtype)
    if size > 1:
        _group().comm.Allgather(host, gathered)
    else:
        gathered[0] = host
    device = backend.device_of(array)
    for r, out in enumerate(tensor_list):
        write_back(out, gathered[r] if device == "cpu" else backend.to_device(gathered[r], device))
    return Work() if async_op else None


def reduce(tensor, dst: int = 0, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """The reduction ``op`` of ``tensor`` over all ranks, written in place into rank ``dst``'s ``tensor``
    (torch's ``reduce``); the other ranks' tensors are left unchanged. AVG needs a floating dtype.
    Returns None, or a completed :class:`Work` with ``async_op=True``."""
    check_group("reduce", group)
    name = reduce_op_name("reduce", op)
    if not _is_buffer(tensor):
        raise TypeError(f"reduce: tensor must be a Tensor or an array (written in place), got {type(tensor).__name__}")
    array, _ = _as_array("reduce", tensor)
    if name == "avg" and array.dtype.kind != "f":
        raise TypeError(f"reduce: ReduceOp.AVG needs a floating-point tensor, got {array.dtype}")
    world = _group()
    _check_rank("reduce", dst, world.size, "dst")
    wire = wire_op("reduce", name, array.dtype)
    host = np.array(backend.to_numpy(array), order="C", copy=True)
    if world.size > 1:
        data = host.view(np.uint8) if host.dtype.kind == "b" else host   # MPI reduces bytes, not bools
        if world.rank == dst:
            world.comm.Reduce(_mpi().IN_PLACE, data, op=_mpi_op(wire), root=dst)
        else:
            world.comm.Reduce(data, None, op=_mpi_op(wire), root=dst)
    if world.rank == dst:
        if name == "avg":
            host /= world.size
        device = backend.device_of(array)
        write_back(tensor, host if device == "cpu" else backend.to_device(host, device))
    return Work() if async_op else None
