"""torch.distributed's point-to-point calls: ``send``, ``recv``, ``isend``, ``irecv``, ``batch_isend_irecv``, ``P2POp``.

A message is one MPI message of bytes: a 256-byte header naming the sender's dtype and
shape, then the tensor's data. The receiver posts its receive at once (so a batch of
isends and irecvs cannot deadlock, whatever their order) and checks the header when
the receive completes: a sender's tensor of another shape or dtype is one ValueError
naming both, never data read as the wrong type. CUDA tensors go through host memory
(NCCL has no tags and no receive from any source).

In a plain process (a world of one, no MPI) an ``isend`` to this rank waits, copied, for the
``irecv`` (or ``recv``) with its tag, as MPI's send to self; a receive nothing can match is a
RuntimeError instead of a hang.
"""
from __future__ import annotations

import collections
import datetime
import time

import numpy as np

from minigrad import backend
from minigrad.distributed.collectives import (_as_array, _check_rank, _describe_list, _is_buffer, _mpi, _Request,
                                              write_back)
from minigrad.distributed.gather_reduce import _contiguous_output, _host
from minigrad.distributed.group import _group, check_group
from minigrad.distributed.reduce_op import Work
from minigrad.scalars import is_integer

__all__ = ["send", "recv", "isend", "irecv", "P2POp", "batch_isend_irecv"]

HEADER = 256   # bytes of ASCII before the data: "<dtype.str> <shape>", padded with spaces


def send(tensor, dst: int | None = None, group=None, tag: int = 0, group_dst: int | None = None) -> None:
    """Send ``tensor`` to rank ``dst`` (torch's ``send``); returns once it is sent (``tensor`` may then change).
    ``dst`` must be another rank (``isend`` may send to this one). ``group_dst`` is ``dst`` by another name (the
    group is every rank): give one of them."""
    _isend("send", tensor, dst, group, tag, group_dst, to_self=False).wait()


def recv(tensor, src: int | None = None, group=None, tag: int = 0, group_src: int | None = None) -> int:
    """Receive into ``tensor``, in place, the tensor rank ``src`` sends with ``tag`` (torch's ``recv``); ``src``
    None receives from any rank. Returns the sender's rank. ``tensor`` must be contiguous and have the sender's
    shape and dtype."""
    work = _irecv("recv", tensor, src, group, tag, group_src)
    work.wait()
    return work.source_rank()


def isend(tensor, dst: int | None = None, group=None, tag: int = 0, group_dst: int | None = None) -> Work:
    """Start sending ``tensor`` to rank ``dst`` (torch's ``isend``; this rank too): returns a :class:`Work` whose
    ``wait()`` completes it. ``tensor`` is copied now, so changing it afterwards is safe (torch leaves that
    undefined)."""
    return _isend("isend", tensor, dst, group, tag, group_dst, to_self=True)


def irecv(tensor, src: int | None = None, group=None, tag: int = 0, group_src: int | None = None) -> Work:
    """Start receiving into ``tensor`` from rank ``src`` (None: any rank; this rank too) with ``tag`` (torch's
    ``irecv``): returns a :class:`Work`; ``tensor`` holds the data once ``wait()`` returns (or ``is_completed()``
    is True), and ``source_rank()`` names the sender."""
    return _irecv("irecv", tensor, src, group, tag, group_src)


class P2POp:
    """One operation of :func:`batch_isend_irecv` (torch's ``P2POp``): ``op`` is ``isend`` or ``irecv``, ``peer``
    the rank to send to or receive from (or ``group_peer``, the same rank here)."""

    def __init__(self, op, tensor, peer: int | None = None, group=None, tag: int = 0, group_peer: int | None = None):
        if op is not isend and op is not irecv:
            raise ValueError(f"P2POp: op must be dist.isend or dist.irecv, got {getattr(op, '__name__', op)!r}")
        check_group("P2POp", group)
        if not _is_buffer(tensor):
            raise TypeError(f"P2POp: tensor must be a Tensor or an array, got {type(tensor).__name__}")
        _as_array("P2POp", tensor)
        self.op = op
        self.tensor = tensor
        self.group = group
        self.peer = _one_rank("P2POp", peer, group_peer, "peer", "group_peer", optional=False)
        self.group_peer = self.peer
        self.tag = tag

    def __repr__(self) -> str:
        array, _ = _as_array("P2POp", self.tensor)
        return f"P2POp({self.op.__name__}, peer={self.peer}, tag={self.tag}, {tuple(array.shape)} {array.dtype})"


def batch_isend_irecv(p2p_op_list: list) -> list:
    """Start every :class:`P2POp` of ``p2p_op_list`` (torch's ``batch_isend_irecv``) and return their :class:`Work`
    handles, in order. The order of sends and receives within the list cannot deadlock: every receive is posted
    at once. Between one pair of ranks in one direction, messages with the same tag match in order."""
    if not isinstance(p2p_op_list, list) or not p2p_op_list or not all(isinstance(p, P2POp) for p in p2p_op_list):
        got = (f"a list of {', '.join(sorted({type(p).__name__ for p in p2p_op_list}))}"
               if isinstance(p2p_op_list, list) and p2p_op_list else _describe_list(p2p_op_list))
        raise ValueError(f"batch_isend_irecv: p2p_op_list must be a non-empty list of dist.P2POp, got {got}")
    return [p.op(p.tensor, p.peer, p.group, p.tag) for p in p2p_op_list]


class P2PWork(Work):
    """The :class:`Work` of an ``isend`` or ``irecv``: ``wait()`` completes it (True), ``is_completed()`` asks
    without waiting, ``source_rank()`` is the rank a receive came from."""

    def __init__(self, call, kind, peer, tag, request, finish=None):
        self.call, self.kind, self.peer, self.tag = call, kind, peer, tag
        self.request = request   # test() and wait(), as collectives' _Request
        self.finish = finish     # for a receive: check the message and write it into the tensor; returns its source
        self.source = peer if kind == "isend" else None
        self.done = False
        self.error = None

    def wait(self, timeout=None) -> bool:
        """Complete the operation; True. ``timeout`` (a ``timedelta`` or seconds; 0 or None: none, as torch's
        default ``timedelta(0)``) is a RuntimeError once it passes, the operation still pending."""
        seconds = timeout.total_seconds() if isinstance(timeout, datetime.timedelta) else float(timeout or 0)
        if not self.done:
            if seconds <= 0:
                self._step(self.request.wait)
            else:
                deadline = time.monotonic() + seconds
                while not self._step(self.request.test):
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{self.call}: wait timed out after {seconds} s ({self!r})")
                    time.sleep(1e-4)
            if not self.done:
                self._complete()
        if self.error is not None:
            raise self.error
        return True

    def is_completed(self) -> bool:
        """True once the operation has completed (a receive's data is then in its tensor), without waiting; a
        failed receive is completed too, and ``wait()`` raises its error."""
        if not self.done and self._step(self.request.test) and not self.done:
            self._complete()
        return self.done

    def _step(self, step):
        """``step()``; an error of the message itself (a receive larger than its tensor) completes this Work."""
        try:
            return step()
        except ValueError as exc:
            self.done, self.error = True, exc
            return True

    def is_success(self) -> bool:
        return self.done and self.error is None

    def exception(self):
        return self.error

    def source_rank(self) -> int:
        """The rank a receive came from (waiting for it first); an isend has none."""
        if self.kind != "irecv":
            raise RuntimeError(f"{self.call}: source_rank() is a receive's; this Work is an {self.kind}")
        self.wait()
        return self.source

    _source_rank = source_rank   # the name torch's own recv calls

    def _complete(self):
        self.done = True
        if self.finish is not None:
            try:
                self.source = self.finish()
            except ValueError as exc:   # the message unlike the tensor: raised by wait()
                self.error = exc

    def __repr__(self) -> str:
        peer = "any rank" if self.peer is None else f"rank {self.peer}"
        where = "to" if self.kind == "isend" else "from"
        return f"Work({self.kind} {where} {peer}, tag {self.tag}, {'completed' if self.done else 'pending'})"


def _isend(call, tensor, dst, group, tag, group_dst, to_self):
    check_group(call, group)
    world = _group()
    dst = _one_rank(call, dst, group_dst, "dst", "group_dst", optional=False)
    _check_rank(call, dst, world.size, "dst")
    if not to_self and dst == world.rank:
        raise ValueError(f"{call}: dst must be another rank than this one ({world.rank}); isend may send to itself, "
                         f"got dst={dst}")
    _check_tag(call, tag, world)
    array = _host(call, tensor, "tensor")
    message = np.empty(HEADER + array.nbytes, dtype=np.uint8)
    message[:HEADER] = np.frombuffer(_header(array), dtype=np.uint8)
    message[HEADER:] = np.ascontiguousarray(array).reshape(-1).view(np.uint8)
    if world.size == 1:
        return _LOCAL.send(call, message, tag)
    request = _Request(world.comm.Isend([message, _mpi().BYTE], dest=dst, tag=tag))
    return P2PWork(call, "isend", dst, tag, request)


def _irecv(call, tensor, src, group, tag, group_src):
    check_group(call, group)
    world = _group()
    src = _one_rank(call, src, group_src, "src", "group_src", optional=True)
    if src is not None:
        _check_rank(call, src, world.size, "src")
    _check_tag(call, tag, world)
    array = _contiguous_output(call, tensor, "tensor")
    message = np.empty(HEADER + array.nbytes, dtype=np.uint8)
    if world.size == 1:
        return _LOCAL.receive(call, tensor, array, message, tag)
    MPI = _mpi()
    status = MPI.Status()
    request = world.comm.Irecv([message, MPI.BYTE], source=MPI.ANY_SOURCE if src is None else src, tag=tag)

    def finish():
        return _deliver(call, tensor, array, message, status.Get_source(), tag, status.Get_count(MPI.BYTE))

    return P2PWork(call, "irecv", src, tag, _ReceiveRequest(call, request, status, message, array, tag), finish)


class _ReceiveRequest(_Request):
    """An MPI receive: its status is kept (the source), and a message longer than the tensor is one ValueError."""

    def __init__(self, call, request, status, message, array, tag):
        super().__init__(request)
        self.call, self.status, self.message, self.array, self.tag = call, status, message, array, tag

    def test(self) -> bool:
        return self._truncation_named(lambda: bool(self.request.Test(self.status)))

    def wait(self) -> None:
        self._truncation_named(lambda: self.request.Wait(self.status))

    def _truncation_named(self, step):
        MPI = _mpi()
        try:
            return step()
        except MPI.Exception as exc:
            if exc.Get_error_class() != MPI.ERR_TRUNCATE:
                raise
            source = self.status.Get_source()
            sent = _parse(self.message[:HEADER].tobytes())   # MPICH fills the buffer before reporting truncation
            raise _unlike(self.call, source, f"a {sent} tensor" if sent else "more data", self.tag, self.array,
                          larger=True) from None


def _deliver(call, tensor, array, message, source, tag, count):
    """Check the received ``message`` against the tensor and write its data in; returns ``source``."""
    sent = _parse(message[:HEADER].tobytes()) if count >= HEADER else None
    if count != message.size or message[:HEADER].tobytes() != _header(array):
        raise _unlike(call, source, f"a {sent} tensor" if sent else f"{count} bytes", tag, array)
    data = message[HEADER:].view(array.dtype).reshape(array.shape)
    device = backend.device_of(array)
    write_back(tensor, data if device == "cpu" else backend.to_device(data, device))
    return source


class _Local:
    """A world of one without MPI: isends to this rank wait here, copied, for the receive with their tag."""

    def __init__(self):
        self.sends = collections.deque()      # (tag, message)
        self.receives = collections.deque()   # (tag, request)

    def send(self, call, message, tag):
        for i, (want, request) in enumerate(self.receives):
            if want == tag:
                del self.receives[i]
                request.message = message
                break
        else:
            self.sends.append((tag, message))
        return P2PWork(call, "isend", 0, tag, _LocalRequest(call, "isend", tag, message))

    def receive(self, call, tensor, array, message, tag):
        request = _LocalRequest(call, "irecv", tag, None)
        for i, (sent_tag, sent) in enumerate(self.sends):
            if sent_tag == tag:
                del self.sends[i]
                request.message = sent
                break
        else:
            self.receives.append((tag, request))
            if call == "recv":   # a blocking recv that cannot complete withdraws its receive as it raises
                request.cancel = lambda: self.receives.remove((tag, request))

        def finish():
            got = request.message
            if got.size > message.size:
                sent = _parse(got[:HEADER].tobytes())
                raise _unlike(call, 0, f"a {sent} tensor", tag, array, larger=True)
            message[:got.size] = got
            return _deliver(call, tensor, array, message, 0, tag, got.size)

        return P2PWork(call, "irecv", 0, tag, request, finish)


class _LocalRequest:
    def __init__(self, call, kind, tag, message):
        self.call, self.kind, self.tag, self.message = call, kind, tag, message
        self.cancel = None

    def test(self) -> bool:
        return self.message is not None

    def wait(self) -> None:
        if self.message is None:
            if self.cancel is not None:
                self.cancel()
            raise RuntimeError(f"{self.call}: nothing has been sent to this rank with tag {self.tag}, and in a world "
                               "of one (no MPI) only this process's isend can send it: waiting would never end")


_LOCAL = _Local()


def forget_pending() -> None:
    """Drop a world of one's unreceived isends to itself and pending receives (``destroy_process_group``)."""
    _LOCAL.sends.clear()
    _LOCAL.receives.clear()


def _one_rank(call, rank, group_rank, label, group_label, optional):
    """``rank`` or ``group_rank`` (the same rank: the one group is every rank); None where ``optional``."""
    if rank is not None and group_rank is not None:
        raise ValueError(f"{call}: give {label} or {group_label}, not both (they name the same rank here), got "
                         f"{label}={rank!r}, {group_label}={group_rank!r}")
    chosen = rank if rank is not None else group_rank
    if chosen is None and not optional:
        raise ValueError(f"{call}: {label} (or {group_label}) must be a rank, got None")
    return chosen


def _check_tag(call, tag, world):
    if world.size > 1:
        MPI = _mpi()
        top = world.comm.Get_attr(MPI.TAG_UB)
        if not is_integer(tag) or not 0 <= tag <= top:
            raise ValueError(f"{call}: tag must be an integer in [0, {top}] (MPI's upper bound here), got {tag!r}")
    elif not is_integer(tag) or tag < 0:
        raise ValueError(f"{call}: tag must be a non-negative integer, got {tag!r}")


def _header(array) -> bytes:
    text = f"{array.dtype.str} {tuple(array.shape)}".encode()
    if len(text) > HEADER:   # past about 30 dimensions: the dtype, the size and a checksum of the shape
        import zlib

        text = f"{array.dtype.str} ({array.ndim}-d, {array.size} elements, shape crc {zlib.crc32(text)})".encode()
    return text.ljust(HEADER)


def _parse(header: bytes):
    """The sender's "(shape) dtype" from a header, or None where it is not one."""
    try:
        dtype, shape = header.decode("ascii").rstrip().split(" ", 1)
        return f"{shape} {np.dtype(dtype)}" if shape.startswith("(") else None
    except (UnicodeDecodeError, ValueError, TypeError):
        return None


def _unlike(call, source, sent, tag, array, larger=False) -> ValueError:
    """The error of a received message unlike this rank's tensor: ``sent`` says what came (``larger``: more than the
    tensor holds, known from MPI's truncation)."""
    relation = "larger than this rank's tensor," if larger else "this rank's tensor is"
    return ValueError(f"{call}: rank {source} sent {sent} (tag {tag}), {relation} {tuple(array.shape)} "
                      f"{array.dtype}: they must have the same shape and dtype")

