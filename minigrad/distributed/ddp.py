"""``DistributedDataParallel``: the same model on every rank, trained on the global batch.

Each rank runs forward and backward on its own share of the batch; the wrapper
averages the gradients over the ranks during ``backward``, its allreduces
overlapped with it (see :mod:`minigrad.distributed.reducer`), so the optimizer on
every rank takes the same step, the one a single process would take on the whole
batch, and the replicas stay identical without ever sending weights again.
"""
from __future__ import annotations

import contextlib

from minigrad import backend
from minigrad.autograd.mode import STATE
from minigrad.autograd.tensor import Tensor
from minigrad.distributed.collectives import all_gather_object, broadcast
from minigrad.distributed.group import _group
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

    Args:
        module: the model (a ``Layer``). Its parameters are ``self.module.parameters()``
            and ``self.parameters()`` alike; ``state_dict`` keys gain a ``module.`` prefix.
        bucket_cap_mb: the size of one gradient bucket.
        find_unused_parameters: walk each forward's graph to find the parameters it does not
            use, and count them as ready (zero gradient) from the first gradient on. Without it
            a parameter that gets no gradient is found at the end of backward and counts as
            zero then; its bucket, and every bucket after it, only start at that point.
        broadcast_buffers: copy rank 0's buffers (BatchNorm's running statistics) to every
            rank before each training forward, as PyTorch does. The batch statistics that
            normalise a batch are always each rank's own.
    """

    def __init__(self, module, bucket_cap_mb: float = 25.0, find_unused_parameters: bool = False,
                 broadcast_buffers: bool = True):
        super().__init__()
        if not isinstance(module, Layer):
            raise TypeError(f"DistributedDataParallel: module must be a minigrad Layer, got {type(module).__name__}")
        if not bucket_cap_mb > 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be positive, got {bucket_cap_mb}")
        self.module = module
        group = _group()
        object.__setattr__(self, "world_size", group.size)
        object.__setattr__(self, "find_unused_parameters", bool(find_unused_parameters))
        object.__setattr__(self, "broadcast_buffers", bool(broadcast_buffers))
        _check_same_model(module)
        _copy_from_rank0([p for p in module.parameters()] + module.buffers())
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        object.__setattr__(self, "reducer", Reducer(named, group.size, float(bucket_cap_mb)))

    def forward(self, *args, **kwargs):
        grad_on = STATE.grad_enabled
        if grad_on and self.module.training and self.broadcast_buffers and self.world_size > 1:
            buffers = self.module.buffers()
            if buffers:
                _copy_from_rank0(buffers)
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


def _copy_from_rank0(tensors) -> None:
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
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, (list, tuple)):
        return [t for item in out for t in _tensors_in(item)]
    if isinstance(out, dict):
        return [t for item in out.values() for t in _tensors_in(item)]
    return []
