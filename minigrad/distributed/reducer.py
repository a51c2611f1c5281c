"""Gradient buckets: average the parameters' gradients over ranks with a few large allreduces, during backward.

Parameters are packed, in reverse definition order (backward meets the last
layer first), into buckets of at most ``bucket_cap_mb`` megabytes, one dtype
and device each. Every parameter has a post-accumulate-grad hook
(``Tensor.register_post_accumulate_grad_hook``), which the engine runs as soon as
that parameter's ``.grad`` is final for the pass, while the layers below it are
still being differentiated. The hook copies ``.grad`` into the parameter's slot
of its bucket's flat buffer; the moment a bucket's last slot is filled, the
bucket is divided by the world size (before the sum, as torch's DDP: a float16
sum then cannot overflow where the average does not) and its allreduce starts,
non-blocking (``MPI_Iallreduce``; NCCL queued on the GPU's stream), and it
travels while backward goes on. Buckets start strictly in order, so every rank
issues the same collectives in the same order.

The first hook of a pass also queues a callback for the end of the pass
(``minigrad.autograd.queue_callback``). It fills in the parameters that got no
gradient this time (zeros, or what their ``.grad`` held), starts the buckets still
waiting, waits for every bucket and writes each average into ``.grad`` (a
``.grad`` that is None on every rank stays None, as in one process): by the
time ``loss.backward()`` returns, each ``.grad`` is the average over ranks. A
parameter that a forward leaves out therefore never hangs the job; it holds back
its bucket, and the buckets after it, until the end of the pass, unless
``find_unused_parameters`` named it at the forward (then it counts as ready from
the pass's first hook).
"""
from __future__ import annotations

import time

import numpy as np

from minigrad import backend
from minigrad.autograd import queue_callback
from minigrad.autograd.grad_match import checked_grad
from minigrad.autograd.tensor import Tensor
from minigrad.distributed.collectives import all_reduce, start_sum


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
        # After a pass: True when the allreduce started from a gradient hook while the engine was still walking
        # the graph (overlapped with backward), False when it started in the end-of-pass callback.
        self.overlapped = None

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
        self.reported = set()    # parameters whose gradient is in its bucket, this pass
        self.armed = False
        self.next_bucket = 0
        self.enabled = True      # False inside no_sync(): gradients stay local and accumulate
        self.seconds = 0.0       # time spent filling buckets, starting, advancing and finishing allreduces
        self.syncs = 0           # backward passes averaged so far
        self.handles = [p.register_post_accumulate_grad_hook(self._hook(i)) for i, p in enumerate(self.params)]

    # -- set up by each forward --------------------------------------------------------
    def prepare(self, expected=None) -> None:
        """Arm for the next backward; ``expected``: the parameter positions that will get gradients."""
        self.expected = set(range(len(self.params))) if expected is None else set(expected)
        self.armed = self.enabled
        self.reported.clear()
        self.next_bucket = 0
        for bucket in self.buckets:
            bucket.filled = 0
            bucket.handle = None
            bucket.overlapped = None

    # -- during backward -------------------------------------------------------------------
    def _hook(self, i):
        def grad_ready(param):
            if not self.armed:
                return
            # .grad is None where the pass added nothing: a parameter frozen (requires_grad_(False)) after the
            # forward, whose hook still runs, as torch's
            if param.grad is not None and param.grad.creator is not None:
                raise RuntimeError("DistributedDataParallel: backward(create_graph=True) is not supported "
                                   "(gradients are averaged as data, not recorded)")
            if i not in self.expected:
                raise RuntimeError(f"DistributedDataParallel: parameter {self.names[i]} received a gradient "
                                   "it was not expected to get in this backward (used outside the wrapped "
                                   "model's forward?)")
            started = time.perf_counter()
            if not self.reported:   # the first hook of this pass
                queue_callback(self._finish)
                # Parameters the forward did not use (find_unused_parameters) are ready now, with what .grad holds.
                for unused in sorted(set(range(len(self.params))) - self.expected):
                    self._fill(unused)
            self._fill(i)
            self._start_full_buckets(overlapped=True)
            self.seconds += time.perf_counter() - started
        return grad_ready

    def _fill(self, i):
        """Copy parameter ``i``'s ``.grad`` (zeros where it has none) into its slot of the bucket."""
        grad = self.params[i].grad
        slot = self.slot(i)
        if grad is None:
            slot[...] = 0
        else:   # the slot would take another dtype or shape (of the same size) without a word
            slot[...] = checked_grad("DistributedDataParallel", self.params[i]).reshape(-1)
        self.buckets[self.bucket_of[i]].filled += 1
        self.reported.add(i)

    def _start_full_buckets(self, overlapped: bool):
        # Strictly in order, so every rank issues the same collectives in the same order.
        while self.next_bucket < len(self.buckets):
            bucket = self.buckets[self.next_bucket]
            if bucket.filled < len(bucket.indices):
                break
            if self.world_size > 1:   # divided before the sum, as torch's DDP: a float16 sum of N gradients
                bucket.flat /= self.world_size   # cannot overflow where their average does not
            bucket.handle = start_sum(bucket.flat)
            bucket.overlapped = overlapped
            self.next_bucket += 1
        for bucket in self.buckets[:self.next_bucket]:   # let MPI move the started ones along
            bucket.handle.test()

    def slot(self, i):
        return self.buckets[self.bucket_of[i]].slot(i)

    def _finish(self):
        """At the end of the pass: start what is left, wait for every bucket, average, write ``.grad``."""
        started = time.perf_counter()
        for i in range(len(self.params)):
            if i not in self.reported:   # no gradient this pass: it counts as zero
                self._fill(i)
        self._start_full_buckets(overlapped=False)
        # A .grad that is None on every rank stays None, as in one process (an optimizer then skips the parameter).
        has_grad = np.array([p.grad is not None for p in self.params], dtype=np.uint8)
        if self.world_size > 1:
            has_grad = all_reduce(has_grad, "max")
        for bucket in self.buckets:
            bucket.handle.wait()
        for i, p in enumerate(self.params):
            slot = self.slot(i).reshape(p.shape)
            if p.grad is None:
                if has_grad[i]:
                    p.grad = Tensor(slot.copy())
            else:
                p.grad.data[...] = slot
        self.armed = False
        self.syncs += 1
        self.seconds += time.perf_counter() - started

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
