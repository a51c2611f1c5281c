"""Gradient buckets: average the parameters' gradients over ranks with a few large allreduces.

Parameters are packed, in reverse definition order (backward meets the last
layer first), into buckets of at most ``bucket_cap_mb`` megabytes, one dtype
and device each. A hook on every parameter copies the gradient it receives
into its slot of the bucket's flat buffer; the moment the last slot of a bucket
is filled, that bucket's allreduce starts (non-blocking) while the other
gradients are still arriving. When the last expected parameter has reported,
every bucket is waited for, divided by the world size, and written back to
``.grad``: by the time ``loss.backward()`` returns each ``.grad`` is the
average over ranks.

Timing, on this engine: a leaf's gradient is only known to be complete once the
whole graph has been walked, so the engine runs the parameters' hooks one after
the other at the end of ``backward``. Buckets therefore start while the later
gradients are copied in, not during the walk itself. An engine hook that fires
as soon as a leaf's last consumer has run (PyTorch's
``register_post_accumulate_grad_hook``) would let the first buckets travel
while the rest of the graph is still being differentiated; nothing here needs
to change for that except the order in which hooks arrive.
"""
from __future__ import annotations

import time

from minigrad import backend
from minigrad.autograd.tensor import Tensor
from minigrad.distributed.collectives import start_sum


class _Bucket:
    """Parameters whose gradients travel together in one flat buffer."""

    def __init__(self, indices, params):
        self.indices = indices          # positions in the reducer's parameter list
        first = params[indices[0]]
        xp = backend.get_array_module(first.data)
        self.offsets, total = {}, 0
        for i in indices:
            self.offsets[i] = (total, total + params[i].data.size)
            total += params[i].data.size
        with backend.using_device(first.device):
            self.flat = xp.empty(total, dtype=first.dtype)
        self.filled = 0
        self.handle = None

    def slot(self, i):
        start, stop = self.offsets[i]
        return self.flat[start:stop]


class Reducer:
    """The hooks and buckets of one DistributedDataParallel (see the module docstring)."""

    def __init__(self, named_params, world_size: int, bucket_cap_mb: float):
        self.names = [n for n, _ in named_params]
        self.params = [p for _, p in named_params]
        self.world_size = world_size
        self.buckets, self.bucket_of = _make_buckets(self.params, bucket_cap_mb * 2**20)
        self.expected = set(range(len(self.params)))   # parameters this backward will hear from
        self.reported = set()
        self.armed = False
        self.next_bucket = 0
        self.enabled = True      # False inside no_sync(): gradients stay local and accumulate
        self.seconds = 0.0       # time spent starting, advancing and finishing allreduces
        self.syncs = 0           # backward passes averaged so far
        self.handles = [p.register_hook(self._hook(i)) for i, p in enumerate(self.params)]

    # -- set up by each forward --------------------------------------------------------
    def prepare(self, expected=None) -> None:
        """Arm for the next backward; ``expected``: the parameter positions that will get gradients."""
        if self.reported:
            missing = [self.names[i] for i in sorted(self.expected - self.reported)]
            self.reported.clear()
            raise RuntimeError(
                "DistributedDataParallel: the previous backward gave no gradient to "
                f"{', '.join(missing)}, so its gradients were never averaged. Parameters that a forward "
                "does not use need DistributedDataParallel(..., find_unused_parameters=True)")
        self.expected = set(range(len(self.params))) if expected is None else set(expected)
        self.armed = self.enabled
        self.next_bucket = 0
        for bucket in self.buckets:
            bucket.filled = 0
            bucket.handle = None

    # -- the hooks -----------------------------------------------------------------------
    def _hook(self, i):
        def hook(grad):
            if not self.armed:
                return None
            if grad.creator is not None:
                raise RuntimeError("DistributedDataParallel: backward(create_graph=True) is not supported "
                                   "(gradients are averaged as data, not recorded)")
            if i in self.reported or i not in self.expected:
                raise RuntimeError(f"DistributedDataParallel: parameter {self.names[i]} received a gradient "
                                   "it was not expected to get in this backward (used outside the wrapped "
                                   "model's forward, or backward called twice after one forward)")
            started = time.perf_counter()
            if not self.reported:
                # Parameters this backward will not reach count as ready with zeros, so their
                # buckets still go (filled now, after any zero_grad between forward and backward).
                for unused in sorted(set(range(len(self.params))) - self.expected):
                    self._fill(unused, None)
            self._fill(i, grad.data)
            self.reported.add(i)
            if self.reported != self.expected:
                self.seconds += time.perf_counter() - started
                return None
            own = self._finish(i)
            self.seconds += time.perf_counter() - started
            return own
        return hook

    def _fill(self, i, grad):
        """Copy parameter ``i``'s gradient (plus what ``.grad`` holds already) into its slot."""
        p = self.params[i]
        slot = self.slot(i)
        if grad is None:
            slot[...] = 0
        else:
            slot[...] = grad.reshape(-1)
        if p.grad is not None:   # accumulated locally (no_sync), or by an earlier backward
            slot += p.grad.data.reshape(-1)
        self.buckets[self.bucket_of[i]].filled += 1
        # Buckets start strictly in order, so every rank issues the same collectives in the same order.
        while self.next_bucket < len(self.buckets):
            bucket = self.buckets[self.next_bucket]
            if bucket.filled < len(bucket.indices):
                break
            bucket.handle = start_sum(bucket.flat)
            self.next_bucket += 1
        for other in self.buckets[:self.next_bucket]:   # let MPI move the started ones along
            other.handle.test()

    def slot(self, i):
        return self.buckets[self.bucket_of[i]].slot(i)

    def _finish(self, last):
        """Wait for every bucket, average, write ``.grad``; returns parameter ``last``'s new gradient."""
        for bucket in self.buckets:
            bucket.handle.wait()
            if self.world_size > 1:
                bucket.flat /= self.world_size
        for i, p in enumerate(self.params):
            if i == last:
                continue
            slot = self.slot(i).reshape(p.shape)
            if p.grad is None:
                p.grad = Tensor(slot.copy())
            else:
                p.grad.data[...] = slot
        self.reported.clear()
        self.armed = False
        self.syncs += 1
        # The engine adds the returned gradient to ``.grad`` once this hook returns: clearing it first
        # makes ``.grad`` exactly the average (the engine stores a copy of the slot).
        self.params[last].grad = None
        return Tensor(self.slot(last).reshape(self.params[last].shape))

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()


def _make_buckets(params, cap_bytes):
    """Group parameter positions, last parameter first, into buckets of one dtype and device."""
    buckets, bucket_of, current, size, key = [], {}, [], 0, None
    for i in reversed(range(len(params))):
        p = params[i]
        p_key = (str(p.dtype), p.device)
        nbytes = p.data.size * p.data.itemsize
        if current and (p_key != key or size + nbytes > cap_bytes):
            buckets.append(_Bucket(current, params))
            current, size = [], 0
        current.append(i)
        size += nbytes
        key = p_key
    if current:
        buckets.append(_Bucket(current, params))
    for b, bucket in enumerate(buckets):
        for i in bucket.indices:
            bucket_of[i] = b
    return buckets, bucket_of
