"""torch's ``all_gather``, ``reduce``, ``all_gather_into_tensor``, ``reduce_scatter(_tensor)``, ``gather``,
``scatter``, ``all_to_all`` and ``all_to_all_single``: in-place collectives.

Host arrays travel over MPI from their memory; CUDA arrays are copied to the host
and back (these two are evaluation-time collectives, not the per-step gradient path).
Every rank passes tensors of the same shape and dtype.
"""
from __future__ import annotations

import numpy as np

from minigrad import backend
from minigrad.distributed.collectives import (_as_array, _check_rank, _is_buffer, _mpi, _mpi_op, _reducible,
                                              all_gather_object, wire_op, write_back)
from minigrad.distributed.group import _group, check_group
from minigrad.distributed.reduce_op import ReduceOp, Work, reduce_op_name
from minigrad.scalars import is_integer

__all__ = ["all_gather", "reduce", "all_gather_into_tensor", "reduce_scatter_tensor", "reduce_scatter", "gather",
           "scatter", "all_to_all", "all_to_all_single"]


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
    if name == "avg" and array.dtype.kind not in "fc":
        raise TypeError(f"reduce: ReduceOp.AVG needs a floating-point tensor, got {array.dtype}")
    world = _group()
    _check_rank("reduce", dst, world.size, "dst")
    wire = wire_op("reduce", name, array.dtype)
    host = np.array(backend.to_numpy(array), order="C", copy=True)
    if world.size > 1:
        data = _reducible(host)
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


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op: bool = False):
    """Every rank's ``input_tensor``, in rank order, written into ``output_tensor`` (torch's form): ``output_tensor``
    holds world-size times as many elements of the same dtype, as (world * N, ...) or (world, N, ...)."""
    check_group("all_gather_into_tensor", group)
    array = _host("all_gather_into_tensor", input_tensor, "input_tensor")
    out = _output("all_gather_into_tensor", output_tensor, "output_tensor")
    size = _group().size
    _check_sizes("all_gather_into_tensor", out, array, size * array.size, "world size times input_tensor's")
    gathered = np.empty(size * array.size, dtype=array.dtype)
    if size > 1:
        _group().comm.Allgather(_reducible(array), _reducible(gathered))
    else:
        gathered[...] = array.reshape(-1)
    _write(output_tensor, gathered.reshape(out.shape))
    return Work() if async_op else None


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """The reduction ``op`` over ranks of ``input``, cut into world-size equal blocks along its flattened order;
    rank r's ``output`` gets block r (torch's form: ``input`` holds world-size times ``output``'s elements)."""
    check_group("reduce_scatter_tensor", group)
    name = reduce_op_name("reduce_scatter_tensor", op)
    array = _host("reduce_scatter_tensor", input, "input")
    out = _output("reduce_scatter_tensor", output, "output")
    size = _group().size
    _check_sizes("reduce_scatter_tensor", array, out, size * out.size, "world size times output's",
                 labels=("input", "output"))
    _scatter_reduced("reduce_scatter_tensor", name, output, out, array.reshape(-1))
    return Work() if async_op else None


def reduce_scatter(output, input_list: list, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """The reduction ``op`` over ranks of ``input_list[r]`` into rank r's ``output`` (torch's ``reduce_scatter``:
    world-size tensors of ``output``'s shape and dtype)."""
    check_group("reduce_scatter", group)
    name = reduce_op_name("reduce_scatter", op)
    out = _output("reduce_scatter", output, "output")
    pieces = _tensor_list("reduce_scatter", input_list, "input_list", out.shape, out.dtype)
    flat = np.concatenate([p.reshape(-1) for p in pieces]) if pieces else np.empty(0, out.dtype)
    _scatter_reduced("reduce_scatter", name, output, out, flat)
    return Work() if async_op else None


def gather(tensor, gather_list=None, dst: int = 0, group=None, async_op: bool = False):
    """Every rank's ``tensor`` into ``gather_list[r]`` on rank ``dst`` (torch's ``gather``); the other ranks pass
    ``gather_list`` None (or an empty list)."""
    check_group("gather", group)
    array = _host("gather", tensor, "tensor")
    world = _group()
    _check_rank("gather", dst, world.size, "dst")
    if world.rank == dst:
        _tensor_list("gather", gather_list, "gather_list", array.shape, array.dtype)
    else:
        _refuse_off_root("gather", gather_list, "gather_list", "dst", dst, world.rank)
    gathered = np.empty((world.size,) + array.shape, dtype=array.dtype) if world.rank == dst else None
    if world.size > 1:
        world.comm.Gather(_reducible(array), _reducible(gathered) if gathered is not None else None, root=dst)
    elif gathered is not None:
        gathered[0] = array
    if world.rank == dst:
        for r, out in enumerate(gather_list):
            _write(out, gathered[r])
    return Work() if async_op else None


def _refuse_off_root(name, items, list_name, root_name, root, rank):
    """Only the root rank passes the list of tensors; the others pass None or an empty list, as torch's."""
    if items:
        raise ValueError(f"{name}: {list_name} must be None or empty on the ranks other than {root_name}={root}, "
                         f"got {len(items)} entries on rank {rank}")


def scatter(tensor, scatter_list=None, src: int = 0, group=None, async_op: bool = False):
    """``scatter_list[r]`` of rank ``src`` into rank r's ``tensor`` (torch's ``scatter``); the other ranks pass
    ``scatter_list`` None (or an empty list)."""
    check_group("scatter", group)
    out = _output("scatter", tensor, "tensor")
    world = _group()
    _check_rank("scatter", src, world.size, "src")
    if world.rank == src:
        pieces = _tensor_list("scatter", scatter_list, "scatter_list", out.shape, out.dtype)
        send = np.stack(pieces) if pieces else np.empty((0,) + out.shape, out.dtype)
    else:
        _refuse_off_root("scatter", scatter_list, "scatter_list", "src", src, world.rank)
        send = None
    received = np.empty(out.shape, dtype=out.dtype)
    if world.size > 1:
        world.comm.Scatter(_reducible(send) if send is not None else None, _reducible(received), root=src)
    else:
        received[...] = send[0]
    _write(tensor, received)
    return Work() if async_op else None


def all_to_all(output_tensor_list: list, input_tensor_list: list, group=None, async_op: bool = False):
    """Rank i's ``input_tensor_list[j]`` into rank j's ``output_tensor_list[i]`` (torch's ``all_to_all``); the
    pieces may differ in shape, but ``output_tensor_list[i]`` must have as many elements as rank i sends."""
    check_group("all_to_all", group)
    world = _group()
    inputs = [_host("all_to_all", t, f"input_tensor_list[{j}]") for j, t in enumerate(_list_of(
        "all_to_all", input_tensor_list, "input_tensor_list", world.size))]
    outputs = [_output("all_to_all", t, f"output_tensor_list[{i}]") for i, t in enumerate(_list_of(
        "all_to_all", output_tensor_list, "output_tensor_list", world.size))]
    dtypes = {a.dtype for a in inputs + outputs}
    if len(dtypes) > 1:
        raise ValueError(f"all_to_all: every input and output tensor must have one dtype, got "
                         f"{', '.join(sorted(map(str, dtypes)))}")
    send_counts = np.array([a.size for a in inputs], dtype=np.int64)
    recv_counts = np.array([a.size for a in outputs], dtype=np.int64)
    dtype = inputs[0].dtype
    send = np.concatenate([a.reshape(-1) for a in inputs]) if inputs else np.empty(0, dtype)
    received = np.empty(int(recv_counts.sum()), dtype=dtype)
    _exchange("all_to_all", world, send, send_counts, received, recv_counts,
              lambda i, got: f"output_tensor_list[{i}] holds {recv_counts[i]} elements, rank {i} sends {got}")
    start = 0
    for out_tensor, out in zip(output_tensor_list, outputs):
        _write(out_tensor, received[start:start + out.size].reshape(out.shape))
        start += out.size
    return Work() if async_op else None


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None, group=None,
                      async_op: bool = False):
    """Rank i's ``input`` cut along dim 0 into world-size blocks, block j to rank j, where the blocks from ranks
    0, 1, ... are written in rank order along ``output``'s dim 0, in place (torch's ``all_to_all_single``).

    ``input_split_sizes`` (``output_split_sizes``) lists the rows of each block: world-size non-negative integers
    summing to dim 0 of ``input`` (``output``); None or empty cuts dim 0 into equal blocks (it must divide by the
    world size). ``output`` is contiguous and has ``input``'s dtype and sizes past dim 0; the rows rank i sends
    to this rank must be ``output_split_sizes[i]``, else one ValueError on every rank names each mismatch.
    Returns None, or a completed :class:`Work` with ``async_op=True``."""
    call = "all_to_all_single"
    check_group(call, group)
    world = _group()
    array = _host(call, input, "input")
    out = _contiguous_output(call, output, "output")
    for label, a in (("output", out), ("input", array)):
        if a.ndim == 0:
            raise ValueError(f"{call}: {label} must have at least one dimension (it is cut along dim 0), got a 0-d "
                             f"{a.dtype} tensor")
    if out.dtype != array.dtype or out.shape[1:] != array.shape[1:]:
        raise ValueError(f"{call}: output is {tuple(out.shape)} {out.dtype}, input {tuple(array.shape)} "
                         f"{array.dtype}: they must have one dtype and the same sizes past dim 0")
    send_rows = _split_sizes(call, input_split_sizes, "input_split_sizes", array, "input", world.size)
    recv_rows = _split_sizes(call, output_split_sizes, "output_split_sizes", out, "output", world.size)
    row = int(np.prod(out.shape[1:], dtype=np.int64))
    send_counts = np.array(send_rows, dtype=np.int64) * row
    recv_counts = np.array(recv_rows, dtype=np.int64) * row
    received = np.empty(out.shape, dtype=out.dtype)
    _exchange(call, world, array, send_counts, received, recv_counts,
              lambda i, got: f"output_split_sizes[{i}] is {recv_rows[i]} rows ({recv_counts[i]} elements), rank {i} "
                             f"sends {got} elements")
    _write(output, received)
    return Work() if async_op else None


def _exchange(call, world, send, send_counts, received, recv_counts, mismatch):
    """All-to-all of contiguous host arrays: ``send_counts[j]`` elements of ``send``, in rank order, go to rank j, and
    ``recv_counts[i]`` from rank i land in ``received`` (MPI's Alltoallv). The counts are exchanged first: where
    rank i sends this rank another count than it expects, ``mismatch(i, count)`` says so, and every rank raises one
    ValueError naming all of them (so none waits for data that never comes)."""
    sent_to_me = np.empty_like(send_counts)
    if world.size > 1:
        world.comm.Alltoall(send_counts, sent_to_me)
    else:
        sent_to_me[...] = send_counts
    wrong = [mismatch(i, sent_to_me[i]) for i in range(world.size) if sent_to_me[i] != recv_counts[i]]
    problems = [p for p in all_gather_object(f"rank {world.rank}: " + "; ".join(wrong) if wrong else "") if p]
    if problems:
        raise ValueError(f"{call}: " + "; ".join(problems))
    if world.size > 1:
        MPI = _mpi()
        byte = received.dtype.itemsize
        send_bytes, recv_bytes = (send_counts * byte).tolist(), (recv_counts * byte).tolist()
        world.comm.Alltoallv([_bytes(send), send_bytes, _offsets(send_bytes), MPI.BYTE],
                             [_bytes(received), recv_bytes, _offsets(recv_bytes), MPI.BYTE])
    else:
        received[...] = send


def _split_sizes(call, sizes, label, array, name, world_size):
    """The rows of each rank's block of ``array`` along dim 0: ``sizes`` checked, or equal blocks where it is
    None or empty."""
    rows = array.shape[0]
    if sizes is None or (isinstance(sizes, (list, tuple)) and len(sizes) == 0):
        if rows % world_size:
            raise ValueError(f"{call}: {name}'s dim 0 ({rows}) must divide equally by the world size ({world_size}) "
                             f"when {label} is None or empty ({name} is {tuple(array.shape)} {array.dtype})")
        return [rows // world_size] * world_size
    if (not isinstance(sizes, (list, tuple)) or len(sizes) != world_size
            or not all(is_integer(s) and s >= 0 for s in sizes)):
        raise ValueError(f"{call}: {label} must be None or hold world-size ({world_size}) non-negative integers, "
                         f"got {sizes!r}")
    if sum(int(s) for s in sizes) != rows:
        raise ValueError(f"{call}: {label} {list(map(int, sizes))} sum to {sum(int(s) for s in sizes)}, {name}'s "
                         f"dim 0 is {rows} ({name} is {tuple(array.shape)} {array.dtype})")
    return [int(s) for s in sizes]


def _scatter_reduced(call, name, output, out, flat):
    """Reduce the flat host array ``flat`` over ranks and write this rank's block (``out``'s size) into ``output``."""
    if name == "avg" and out.dtype.kind not in "fc":
        raise TypeError(f"{call}: ReduceOp.AVG needs a floating-point tensor, got {out.dtype}")
    wire = wire_op(call, name, out.dtype)
    world = _group()
    block = np.empty(out.size, dtype=out.dtype)
    if world.size > 1:
        world.comm.Reduce_scatter_block(_reducible(np.ascontiguousarray(flat)), _reducible(block), op=_mpi_op(wire))
    else:
        block[...] = flat
    if name == "avg":
        block /= world.size
    _write(output, block.reshape(out.shape))


def _host(call, tensor, label):
    """A Tensor or array argument on the host, in C order (read, never written; not ascontiguousarray, which
    makes a 0-d array 1-d)."""
    if not _is_buffer(tensor):
        raise TypeError(f"{call}: {label} must be a Tensor or an array, got {type(tensor).__name__}")
    array, _ = _as_array(call, tensor)
    return np.asarray(backend.to_numpy(array), order="C")


def _output(call, tensor, label):
    """The array of a Tensor or array written in place (checked; its data as it is, for shape and dtype)."""
    if not _is_buffer(tensor):
        raise TypeError(f"{call}: {label} must be a Tensor or an array (written in place), got "
                        f"{type(tensor).__name__}")
    array, _ = _as_array(call, tensor)
    return array


def _contiguous_output(call, tensor, label):
    """``_output``, and C-contiguous: one block of memory that a message lands in whole, as torch requires."""
    array = _output(call, tensor, label)
    if not array.flags.c_contiguous:
        raise ValueError(f"{call}: {label} must be contiguous (written in place as one block), got a non-contiguous "
                         f"{tuple(array.shape)} {array.dtype} view (strides {tuple(array.strides)})")
    return array


def _list_of(call, tensors, label, size):
    if not isinstance(tensors, (list, tuple)) or len(tensors) != size:
        got = f"{len(tensors)} entries" if isinstance(tensors, (list, tuple)) else type(tensors).__name__
        raise ValueError(f"{call}: {label} must hold world-size ({size}) tensors, got {got}")
    return tensors


def _tensor_list(call, tensors, label, shape, dtype):
    """The host arrays of ``tensors``: world-size Tensors or arrays, each of ``shape`` and ``dtype``."""
    arrays = []
    for r, t in enumerate(_list_of(call, tensors, label, _group().size)):
        array = _host(call, t, f"{label}[{r}]")
        if array.shape != tuple(shape) or array.dtype != dtype:
            raise ValueError(f"{call}: {label}[{r}] is {tuple(array.shape)} {array.dtype}, the tensor is "
                             f"{tuple(shape)} {dtype}: they must match")
        arrays.append(array)
    return arrays


def _check_sizes(call, big, small, expected, what, labels=("output_tensor", "input_tensor")):
    if big.dtype != small.dtype or big.size != expected:
        raise ValueError(f"{call}: {labels[0]} is {tuple(big.shape)} {big.dtype}, {labels[1]} "
                         f"{tuple(small.shape)} {small.dtype}: {labels[0]} must hold {what} {expected} elements "
                         "of the same dtype")


def _write(target, host):
    """Write the host array ``host`` into the Tensor or array ``target``, on its device."""
    array, _ = _as_array("collective", target)
    device = backend.device_of(array)
    write_back(target, host if device == "cpu" else backend.to_device(host, device))


def _bytes(array):
    return np.ascontiguousarray(array).view(np.uint8).reshape(-1)


def _offsets(counts):
    return np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64).tolist() if counts else []
