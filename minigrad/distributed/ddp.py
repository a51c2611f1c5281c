"""``DistributedDataParallel``: the same model on every rank, trained on the global batch.

Each rank runs forward and backward on its own share of the batch; the wrapper
averages the gradients over the ranks during ``backward``, its allreduces
overlapped with it (see :mod:`minigrad.distributed.reducer`), so the optimizer on
every rank takes the same step, the one a single process would take on the whole
batch, and the replicas stay identical without ever sending weights again.
"""
from __future__ import annotations

import contextlib
import dataclasses

from minigrad import backend
from minigrad.autograd.mode import STATE
from minigrad.autograd.tensor import Tensor
from minigrad.distributed.collectives import all_gather_object, broadcast
from minigrad.distributed.group import _group, check_group
from minigrad.distributed.reducer import Reducer
from minigrad.nn.layer import Layer

__all__ = ["DistributedDataParallel"]


class DistributedDataParallel(Layer):
    """Wrap ``module`` for data-parallel training; call the wrapper like the model.

    On construction (a collective: every rank constructs it, in the same order):

    * the ranks compare their models' parameter and buffer names, shapes, dtypes and
      device kinds; any difference raises one RuntimeError on every rank, naming it;
    * rank 0's parameters and buffers are copied to every rank (in place: an
      optimizer built on ``module.parameters()`` still holds the right objects).

    Then, after ``loss.backward()``, every parameter's ``.grad`` is the average over
    ranks of the local gradients, reduced in buckets of ``bucket_cap_mb`` megabytes,
    each bucket's allreduce started during backward as soon as its gradients are final.

    The arguments are torch's, in torch's order (``torch.nn.parallel.DistributedDataParallel``,
    which is ``minigrad.nn.parallel.DistributedDataParallel``, this class).

    Args:
        module: the model (a ``Layer``). Its parameters are ``self.module.parameters()``
            and ``self.parameters()`` alike; ``state_dict`` keys gain a ``module.`` prefix.
        device_ids, output_device: None, or (torch's one-GPU form) the device the module is on:
            ``[local_rank]`` for a module on ``cuda:<local_rank>``; anything else is a ValueError.
        dim: 0 (the only value: torch uses it to split a batch over several GPUs of one process).
        init_sync: copy rank 0's parameters, and its buffers unless ``broadcast_buffers=False``, to every
            rank now (True, torch's default).
        process_group: None or ``dist.group.WORLD`` (the only group).
        bucket_cap_mb: the size of one gradient bucket (None: 25).
        check_reduction, gradient_as_bucket_view, static_graph, skip_all_reduce_unused_params,
            batched_grad_copy: accepted, no effect on the result (torch's memory and speed options;
            check_reduction is deprecated there).
        forward_sync_buffers: torch 2.13's replacement of ``broadcast_buffers`` for the copies before a
            forward (None: ``broadcast_buffers`` decides); where given, buffers are copied at construction.
        find_unused_parameters: walk each forward's graph to find the parameters it does not
            use, and count them as ready (zero gradient) from the first gradient on. Without it
            a parameter that gets no gradient is found at the end of backward and counts as
            zero then; its bucket, and every bucket after it, only start at that point.
        broadcast_buffers: copy rank 0's buffers (BatchNorm's running statistics) to every
            rank before a forward, as PyTorch does: the first forward, and each forward that
            follows one run with grad enabled outside ``no_sync`` (in training or evaluation
            mode alike). The batch statistics that normalise a batch are always each rank's own.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim: int = 0, broadcast_buffers: bool = True,
                 init_sync: bool = True, process_group=None, bucket_cap_mb: float | None = None,
                 find_unused_parameters: bool = False, check_reduction: bool = False,
                 gradient_as_bucket_view: bool = False, static_graph: bool = False, delay_all_reduce_named_params=None,
                 param_to_hook_all_reduce=None, mixed_precision=None, device_mesh=None,
                 skip_all_reduce_unused_params: bool = False, bucket_cap_mb_list=None, batched_grad_copy: bool = False,
                 forward_sync_buffers: bool | None = None):
        super().__init__()
        if not isinstance(module, Layer):
            raise TypeError(f"DistributedDataParallel: module must be a minigrad Layer, got {type(module).__name__}")
        _check_devices(module, device_ids, output_device)
        if dim != 0:
            raise ValueError(f"DistributedDataParallel: dim must be 0 (one device per process), got {dim!r}")
        check_group("DistributedDataParallel", process_group)
        for label, value in (("delay_all_reduce_named_params", delay_all_reduce_named_params),
                             ("param_to_hook_all_reduce", param_to_hook_all_reduce),
                             ("mixed_precision", mixed_precision), ("device_mesh", device_mesh),
                             ("bucket_cap_mb_list", bucket_cap_mb_list)):
            if value is not None:
                raise NotImplementedError(f"DistributedDataParallel: {label} is not supported here (got {value!r})")
        broadcast_buffers = True if broadcast_buffers is None else broadcast_buffers   # torch's None means True
        # torch's forward_sync_buffers, where given, decides the forward copies alone and the buffers are copied at init
        init_sync_buffers = bool(broadcast_buffers) if forward_sync_buffers is None else True
        if forward_sync_buffers is not None:
            broadcast_buffers = forward_sync_buffers
        bucket_cap_mb = 25.0 if bucket_cap_mb is None else bucket_cap_mb
        if not bucket_cap_mb > 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be positive, got {bucket_cap_mb}")
        self.module = module
        group = _group()
        object.__setattr__(self, "world_size", group.size)
        object.__setattr__(self, "find_unused_parameters", bool(find_unused_parameters))
        object.__setattr__(self, "broadcast_buffers", bool(broadcast_buffers))
        object.__setattr__(self, "sync_buffers_next", True)
        _check_same_model(module)
        if init_sync:   # buffers too unless broadcast_buffers=False (rank-local buffers), as torch's
            copy_from_rank0(list(module.parameters()) + (module.buffers() if init_sync_buffers else []))
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        object.__setattr__(self, "reducer", Reducer(named, group.size, float(bucket_cap_mb)))

    def forward(self, *args, **kwargs):
        grad_on = STATE.grad_enabled
        if self.sync_buffers_next and self.broadcast_buffers and self.world_size > 1:
            buffers = self.module.buffers()
            if buffers:
                copy_from_rank0(buffers)
        # torch's rule: the forward after a synchronised one (grad enabled, outside no_sync) copies rank 0's buffers,
        # in either mode, so the first evaluation forward after training sees rank 0's running statistics.
        object.__setattr__(self, "sync_buffers_next", grad_on and self.reducer.enabled)
        out = self.module(*args, **kwargs)
        if grad_on:
            expected = _reached_parameters(out, self.reducer.params) if self.find_unused_parameters else None
            self.reducer.prepare(expected)
        return out

    @contextlib.contextmanager
    def no_sync(self):
        """Inside, backward leaves gradients local (they accumulate in ``.grad``); the first backward
        after it averages the accumulated sums."""
        previous = self.reducer.enabled
        self.reducer.enabled = False
        try:
            yield
        finally:
            self.reducer.enabled = previous

    @property
    def sync_seconds(self) -> float:
        """Seconds spent in gradient allreduces (starting, advancing and waiting) so far."""
        return self.reducer.seconds

    def extra_repr(self) -> str:
        return f"world_size={self.world_size}, buckets={len(self.reducer.buckets)}"


def _check_devices(module, device_ids, output_device) -> None:
    """torch's one-device form: device_ids=[d] / output_device=d must name the device the module is on."""
    if device_ids is not None and (not isinstance(device_ids, (list, tuple)) or len(device_ids) != 1):
        raise ValueError(f"DistributedDataParallel: device_ids must be None or hold the module's one device, "
                         f"got {device_ids!r}")
    devices = sorted({str(t.device) for t in list(module.parameters()) + module.buffers()})
    for label, device in (("device_ids", device_ids[0] if device_ids else None), ("output_device", output_device)):
        if device is None:
            continue
        if isinstance(device, bool) or not isinstance(device, (int, str)) and not hasattr(device, "type"):
            raise TypeError(f"DistributedDataParallel: {label} must hold a GPU index or a device, got {device!r}")
        name = f"cuda:{device}" if isinstance(device, int) else str(device).strip().lower()
        if name == "cuda":
            name = "cuda:0"
        if devices != [name]:
            raise ValueError(f"DistributedDataParallel: {label} names {name}, but the module's parameters and "
                             f"buffers are on {', '.join(devices) or 'no device'} (leave device_ids and "
                             "output_device None for a CPU module)")


def _describe(module) -> list:
    """What must match across ranks: each parameter's and buffer's name, shape, dtype and device kind."""
    rows = []
    for kind, items in (("parameter", module.named_parameters()), ("buffer", module.named_buffers())):
        for name, t in items:
            device_kind = "cpu" if t.device == "cpu" else "cuda"
            rows.append([kind, name, list(t.shape), str(t.dtype), device_kind, bool(t.requires_grad)])
    return rows


def _check_same_model(module) -> None:
    """Raise on every rank when any rank's model differs from rank 0's (one allgather, so no rank hangs)."""
    mine = _describe(module)
    everyone = all_gather_object(mine)
    reference = everyone[0]
    problems = []
    for rank, rows in enumerate(everyone[1:], start=1):
        if rows == reference:
            continue
        problems.append(f"rank {rank}: " + _first_difference(reference, rows))
    if problems:
        raise RuntimeError("DistributedDataParallel: the ranks hold different models (compared with rank 0's): "
                           + "; ".join(problems))


def _first_difference(reference, rows) -> str:
    def show(row):
        kind, name, shape, dtype, device, requires_grad = row
        return f"{kind} {name} {tuple(shape)} {dtype} on {device}" + ("" if requires_grad else " (frozen)")

    for a, b in zip(reference, rows):
        if a != b:
            return f"{show(b)} where rank 0 has {show(a)}"
    if len(rows) > len(reference):
        return f"{len(rows) - len(reference)} more tensor(s), first {show(rows[len(reference)])}"
    return f"{len(reference) - len(rows)} fewer tensor(s), missing {show(reference[len(rows)])}"


def copy_from_rank0(tensors) -> None:
    """Overwrite each tensor's data with rank 0's, one broadcast per dtype and device."""
    if _group().size == 1 or not tensors:
        return
    groups = {}
    for t in tensors:
        groups.setdefault((str(t.dtype), t.device), []).append(t)
    for (_, device), members in groups.items():
        xp = backend.get_array_module(members[0].data)
        with backend.using_device(device):
            flat = xp.concatenate([t.data.reshape(-1) for t in members])
        flat = broadcast(flat, src=0)
        start = 0
        for t in members:
            t.data[...] = flat[start:start + t.data.size].reshape(t.shape)
            start += t.data.size


def _reached_parameters(out, params) -> set:
    """Positions in ``params`` of the parameters that the graph behind ``out`` depends on."""
    position = {id(p): i for i, p in enumerate(params)}
    roots = [t for t in _tensors_in(out) if t.requires_grad]
    reached, seen = set(), set()
    stack = [t.creator for t in roots if t.creator is not None]
    for t in roots:
        if t.creator is None and id(t) in position:
            reached.add(position[id(t)])
    while stack:
        fn = stack.pop()
        if id(fn) in seen or fn.inputs is None:
            continue
        seen.add(id(fn))
        for x in fn.inputs:
            if x.creator is not None:
                stack.append(x.creator)
            elif id(x) in position:
                reached.add(position[id(x)])
    return reached


def _tensors_in(out):
    """The Tensors in a forward's output: in lists, tuples, dicts and dataclasses, nested (torch's _find_tensors)."""
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, (list, tuple)):
        return [t for item in out for t in _tensors_in(item)]
    if isinstance(out, dict):
        return [t for item in out.values() for t in _tensors_in(item)]
    if dataclasses.is_dataclass(out) and not isinstance(out, type):
        return [t for field in dataclasses.fields(out) for t in _tensors_in(getattr(out, field.name))]
    return []
