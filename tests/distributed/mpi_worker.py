"""The multi-process cases of the distributed tests: run as ``mpiexec -n 2 python mpi_worker.py CASE``.

Each case checks itself on every rank with plain asserts; a failed assert is an
uncaught exception, which aborts the whole job (non-zero exit, traceback printed).
A rank that gets through prints ``CASE ok rank R``, and the test looks for every rank's line.
"""
from __future__ import annotations

import copy
import dataclasses
import datetime
import sys

import numpy as np

import minigrad as mg
from minigrad import distributed as dist
from minigrad.data import ArrayDataset, DataLoader
from minigrad.distributed.sampler import torch_randperm
from minigrad.nn import BatchNorm1d, Linear, Network, ReLU
from minigrad.nn.functional import cross_entropy
from minigrad.optim import SGD


def collectives():
    rank, size = dist.get_rank(), dist.get_world_size()
    assert size == 2 and rank in (0, 1)
    # Both ranks run on this one machine, so each one's rank on it is its world rank.
    assert dist.get_local_rank() == rank
    assert dist.all_gather_object(dist.get_local_rank()) == [0, 1]
    assert dist.local_device("cpu") == "cpu"
    x = np.array([1.5, -2.0, 3.0], dtype=np.float32) * (rank + 1)
    total = dist.all_reduce(x, "sum")
    assert total.dtype == np.float32 and np.array_equal(total, np.array([4.5, -6.0, 9.0], np.float32))
    assert np.array_equal(x, np.array([1.5, -2.0, 3.0], np.float32) * (rank + 1)), "the input must be unchanged"
    mean = dist.all_reduce(x, "mean")
    assert mean.dtype == np.float32 and np.allclose(mean, [2.25, -3.0, 4.5])
    assert np.array_equal(dist.all_reduce(x, "max"), [3.0, -2.0, 6.0])
    ints = dist.all_reduce(np.array([rank, 7], dtype=np.int64), "sum")
    assert ints.dtype == np.int64 and ints.tolist() == [1, 14]
    assert dist.all_reduce(np.array([rank + 1, 3]), "mean").tolist() == [1.5, 3.0]
    t = dist.all_reduce(mg.tensor([[1.0, 2.0]]) * (rank + 1), "sum")
    assert isinstance(t, mg.Tensor) and t.dtype == np.float32 and t.numpy().tolist() == [[3.0, 6.0]]
    assert dist.all_reduce(rank + 1) == 3 and dist.all_reduce(0.5 * rank, "max") == 0.5
    strided = np.arange(12.0).reshape(3, 4)[:, ::2] * (rank + 1)   # not contiguous
    assert np.array_equal(dist.all_reduce(strided), np.arange(12.0).reshape(3, 4)[:, ::2] * 3)

    b = dist.broadcast(np.full((2, 3), float(rank), dtype=np.float64), src=1)
    assert b.dtype == np.float64 and np.all(b == 1.0)
    assert dist.broadcast(mg.tensor([10.0 * rank + 1]), src=0).numpy().tolist() == [1.0]
    try:
        dist.broadcast(np.zeros(2 + rank, dtype=np.float32))
    except ValueError as exc:
        assert "rank 0: (2,) float32; rank 1: (3,) float32" in str(exc), exc
    else:
        raise AssertionError("broadcast of different shapes must fail on every rank")
    assert dist.all_gather_object({"rank": rank}) == [{"rank": 0}, {"rank": 1}]
    assert dist.broadcast_object("from one" if rank == 1 else None, src=1) == "from one"
    objects = [(1, "a"), {2: "b"}] if rank == 1 else [None, None]
    dist.broadcast_object_list(objects, src=1)
    # rank 1's own objects stay as they were (torch leaves the source's list alone); the others get JSON's copies
    assert objects == ([(1, "a"), {2: "b"}] if rank == 1 else [[1, "a"], {"2": "b"}])
    # Bitwise ops and bool tensors, in place, as torch 2.13 with gloo gives them on 2 ranks.
    ints = {op: np.array([5, 3, rank + 6]) for op in ("BAND", "BOR", "BXOR")}
    bools = {op: mg.tensor([True, False, rank == 1]) for op in ("BAND", "BOR", "BXOR", "SUM", "PRODUCT", "MIN", "MAX")}
    for op, t in list(ints.items()) + list(bools.items()):
        dist.all_reduce(t, op=getattr(dist.ReduceOp, op))
    assert {op: t.tolist() for op, t in ints.items()} == {"BAND": [5, 3, 6], "BOR": [5, 3, 7], "BXOR": [0, 0, 1]}
    assert {op: t.tolist() for op, t in bools.items()} == {
        "BAND": [True, False, False], "BOR": [True, False, True], "BXOR": [False, False, True],
        "SUM": [True, False, True], "PRODUCT": [True, False, False], "MIN": [True, False, False],
        "MAX": [True, False, True]}
    flag = mg.tensor([True, rank == 1])
    dist.broadcast(flag, src=1)
    gathered = [mg.zeros(2, dtype=mg.bool) for _ in range(size)]
    dist.all_gather(gathered, mg.tensor([True, rank == 1]))
    assert flag.tolist() == [True, True] and [g.tolist() for g in gathered] == [[True, False], [True, True]]
    # Complex tensors: SUM and AVG, broadcast (torch 2.13 gloo's values on 2 ranks).
    complex_sum, complex_avg = (mg.tensor(np.array([1 + 2j, 3j * (rank + 1)], np.complex64)) for _ in range(2))
    dist.all_reduce(complex_sum)
    dist.all_reduce(complex_avg, op=dist.ReduceOp.AVG)
    assert complex_sum.tolist() == [2 + 4j, 9j] and complex_avg.tolist() == [1 + 2j, 4.5j]
    complex_one = np.array([1 + 2j * rank], np.complex128)
    dist.broadcast(complex_one, src=1)
    assert complex_one.tolist() == [1 + 2j]
    # 0-d tensors, complex ones too: a 0-d complex array is reduced as reals only once flattened (it cannot change
    # its itemsize), and scatter/gather's host copies stay 0-d (they became (1,) and were refused beside a 0-d tensor)
    triangle = size * (size + 1) // 2
    zero_d = mg.tensor(np.array((1 + 2j) * (rank + 1), np.complex128))
    dist.all_reduce(zero_d)
    reduced = np.array(1j * (rank + 1), np.complex64)
    dist.reduce(reduced, dst=0)
    assert zero_d.item() == (1 + 2j) * triangle and (rank != 0 or reduced.item() == 1j * triangle)
    gathered_0d = [mg.tensor(np.array(0, np.complex64)) for _ in range(size)] if rank == 0 else None
    dist.gather(mg.tensor(np.array(rank + 1j, np.complex64)), gathered_0d, dst=0)
    assert rank != 0 or [g.item() for g in gathered_0d] == [r + 1j for r in range(size)]
    scattered = mg.tensor(0.0)
    dist.scatter(scattered, [mg.tensor(r + 0.5) for r in range(size)] if rank == 0 else None, src=0)
    assert scattered.item() == rank + 0.5
    xor = np.array([rank + 1, 12])
    dist.reduce(xor, dst=1, op=dist.ReduceOp.BXOR)
    assert xor.tolist() == ([1, 12] if rank == 0 else [3, 0])
    _torch_only_collectives(rank, size)
    dist.barrier()
    _sampler_cases(rank, size)


def _torch_only_collectives(rank, n):
    """torch's all_gather_into_tensor, reduce_scatter(_tensor), gather, scatter, all_to_all, barrier: the values
    torch 2.13 gives with gloo on 2 ranks for the same calls."""
    into = mg.zeros(2 * n, 3)
    dist.all_gather_into_tensor(into, mg.ones(2, 3) * (rank + 1) + mg.arange(3.0))
    assert into.tolist() == [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [2.0, 3.0, 4.0], [2.0, 3.0, 4.0]]
    block = mg.zeros(2)
    dist.reduce_scatter_tensor(block, mg.arange(2.0 * n) * (rank + 1))
    top = mg.zeros(2, dtype=mg.int64)
    dist.reduce_scatter_tensor(top, mg.arange(2 * n) * (rank + 1) - 3 * rank, op=dist.ReduceOp.MAX)
    summed = mg.zeros(3)
    dist.reduce_scatter(summed, [mg.ones(3) * (j + 10 * rank) for j in range(n)])
    assert block.tolist() == [[0.0, 3.0], [6.0, 9.0]][rank] and top.tolist() == [[0, 1], [2, 3]][rank]
    assert summed.tolist() == [[10.0] * 3, [12.0] * 3][rank]
    gathered = [mg.zeros(2) for _ in range(n)] if rank == 1 else None
    dist.gather(mg.tensor([rank, -rank * 2.0]), gathered, dst=1)
    assert rank == 0 or [g.tolist() for g in gathered] == [[0.0, 0.0], [1.0, -2.0]]
    mine = mg.zeros(2)
    dist.scatter(mine, [mg.tensor([j, j + 0.5]) for j in range(n)] if rank == 1 else None, src=1)
    outputs = [mg.zeros(2) for _ in range(n)]
    dist.all_to_all(outputs, [mg.tensor([10.0 * rank + j, -1.0]) for j in range(n)])
    assert mine.tolist() == [rank, rank + 0.5]
    assert [o.tolist() for o in outputs] == [[[0.0, -1.0], [10.0, -1.0]], [[1.0, -1.0], [11.0, -1.0]]][rank]
    # all_to_all pieces may differ in size; a wrong output size is one error on every rank, naming it.
    uneven = [np.zeros(1 + i, dtype=np.int32) for i in range(n)]
    dist.all_to_all(uneven, [np.full(1 + rank, 10 * rank + j, dtype=np.int32) for j in range(n)])
    assert [u.tolist() for u in uneven] == [[rank], [10 + rank, 10 + rank]]
    try:
        dist.all_to_all([np.zeros(2, np.int32) for _ in range(n)], [np.zeros(1, np.int32) for _ in range(n)])
    except ValueError as exc:
        assert "rank 0: output_tensor_list[0] holds 2 elements, rank 0 sends 1" in str(exc), exc
    else:
        raise AssertionError("all_to_all of the wrong sizes must fail on every rank")
    assert dist.barrier(async_op=True).wait() and dist.get_world_size(dist.group.WORLD) == n
    collected = [None] * n if rank == 1 else None
    dist.gather_object({"rank": rank}, collected, dst=1)
    assert rank == 0 or collected == [{"rank": 0}, {"rank": 1}]
    mine = [None]
    dist.scatter_object_list(mine, [f"to {r}" for r in range(n)] if rank == 1 else None, src=1)
    assert mine == [f"to {rank}"]


def p2p():
    """send/recv/isend/irecv/batch_isend_irecv and all_to_all_single on 2 ranks: values, tags, any-source receives,
    async waits, several dtypes, and the errors of a receiving tensor unlike the sent one."""
    rank, n = dist.get_rank(), dist.get_world_size()
    other = 1 - rank
    assert n == 2
    # Blocking send and recv of several dtypes and shapes, Tensors and arrays, both ways; recv returns the sender.
    values = [np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5, np.array([1e300, -0.0]), np.arange(-3, 4),
              np.array([7, -8], np.int32), np.array([True, False, True]), np.array([1 + 2j, -3j], np.complex64),
              np.array(4.5, np.float16), np.array([255, 0], np.uint8)]
    for sender in (0, 1):
        for k, value in enumerate(values):
            kind = (lambda a: mg.tensor(a, dtype=a.dtype)) if k % 2 else (lambda a: a)
            if rank == sender:
                assert dist.send(kind(value.copy()), dst=other) is None
            else:
                buf = kind(np.zeros_like(value))
                assert dist.recv(buf, src=sender) == sender
                got = buf.numpy() if isinstance(buf, mg.Tensor) else buf
                assert got.dtype == value.dtype and got.shape == value.shape and np.array_equal(got, value), (k, got)
    # Tags: two isends with different tags are received in the other order, each by its tag.
    if rank == 0:
        works = [dist.isend(np.full(2, 5.0), 1, tag=5), dist.isend(np.full(2, 7.0), 1, tag=7)]
        works[1].wait()
        assert works[0].wait(datetime.timedelta(0)) is True   # torch's default: no timeout
        assert all(w.is_completed() and w.is_success() and w.exception() is None for w in works)
    else:
        seven, five = np.zeros(2), np.zeros(2)
        assert dist.recv(seven, 0, tag=7) == 0 and dist.recv(five, 0, tag=5) == 0
        assert seven.tolist() == [7.0, 7.0] and five.tolist() == [5.0, 5.0]
    # Any source: src=None, blocking (the sender's rank returned) and async (Work.source_rank()).
    if rank == 1:
        dist.send(mg.tensor([3.0, 1.0]), 0, tag=2)
        dist.send(mg.tensor([4.0, 1.0]), group_dst=0)
    else:
        anyone = mg.zeros(2)
        assert dist.recv(anyone, tag=2) == 1 and anyone.tolist() == [3.0, 1.0]
        work = dist.irecv(anyone)
        assert work.wait() and work.source_rank() == 1 and anyone.tolist() == [4.0, 1.0]
    # An irecv is pending until the other rank sends (it sends after the barrier); wait(timeout) gives up on time.
    if rank == 0:
        late = np.zeros(3, np.int64)
        work = dist.irecv(late, src=1, tag=11)
        assert not work.is_completed() and late.tolist() == [0, 0, 0]
        try:
            work.wait(timeout=datetime.timedelta(milliseconds=20))
        except RuntimeError as exc:
            assert "irecv: wait timed out after 0.02 s (Work(irecv from rank 1, tag 11, pending))" in str(exc), exc
        else:
            raise AssertionError("wait(timeout) of a receive nothing was sent to must time out")
        dist.barrier()
        assert work.wait() and work.is_completed() and late.tolist() == [1, 2, 3] and work.source_rank() == 1
    else:
        dist.barrier()
        sent = np.array([1, 2, 3])
        work = dist.isend(sent, 0, tag=11)
        sent[...] = -1   # isend copied it
        work.wait()
    # batch_isend_irecv: a ring exchange of 8 MB (past MPICH's eager size), the receive first on one rank.
    big = np.arange(1_000_000, dtype=np.float64) + 10.0 * rank
    into = np.zeros_like(big)
    ops = [dist.P2POp(dist.isend, big, other), dist.P2POp(dist.irecv, into, other)]
    works = dist.batch_isend_irecv(ops if rank == 0 else ops[::-1])
    assert all(w.wait() for w in works) and np.array_equal(into, np.arange(1_000_000) + 10.0 * other)
    # Sending to itself is refused for send (it would block); isend/irecv to itself work.
    try:
        dist.send(np.ones(2), dst=rank)
    except ValueError as exc:
        assert f"send: dst must be another rank than this one ({rank}); isend may send to itself, got dst={rank}" \
            in str(exc), exc
    else:
        raise AssertionError("send to this rank must be refused")
    mine = mg.zeros(2, dtype=mg.int64)
    recv_self = dist.irecv(mine, src=rank, tag=3)
    dist.isend(mg.tensor([rank, 9]), rank, tag=3).wait()
    assert recv_self.wait() and mine.tolist() == [rank, 9]
    # A receiving tensor of another shape or dtype than the sent one: one ValueError naming both (larger, smaller,
    # the same bytes as another dtype, the same elements in another shape, and 800 kB into 400 kB).
    cases = [(np.ones(3, np.float32), np.zeros(2, np.float32), "rank 0 sent a (3,) float32 tensor (tag 4), larger "
              "than this rank's tensor, (2,) float32: they must have the same shape and dtype"),
             (np.ones(1, np.float32), np.zeros(2, np.float32), "rank 0 sent a (1,) float32 tensor (tag 4), this "
              "rank's tensor is (2,) float32: they must have the same shape and dtype"),
             (np.ones(2, np.int32), np.zeros(2, np.float32), "rank 0 sent a (2,) int32 tensor (tag 4), this rank's "
              "tensor is (2,) float32"),
             (np.ones((2, 3)), np.zeros((3, 2)), "rank 0 sent a (2, 3) float64 tensor (tag 4), this rank's tensor is "
              "(3, 2) float64"),
             (np.ones(100_000), np.zeros(50_000), "rank 0 sent a (100000,) float64 tensor (tag 4), larger than this "
              "rank's tensor, (50000,) float64")]
    for k, (sent, buf, message) in enumerate(cases):
        if rank == 0:
            dist.send(sent, 1, tag=4)
        elif k == 0:   # through irecv: the failed Work is completed, and raises its error at each wait()
            work = dist.irecv(buf, 0, tag=4)
            for _ in range(2):
                try:
                    work.wait()
                except ValueError as exc:
                    assert f"irecv: {message}" in str(exc), exc
                else:
                    raise AssertionError("wait() of a receive larger than its tensor must fail")
            assert work.is_completed() and not work.is_success() and f"irecv: {message}" in str(work.exception())
        else:
            try:
                dist.recv(buf, 0, tag=4)
            except ValueError as exc:
                assert f"recv: {message}" in str(exc), exc
            else:
                raise AssertionError(f"recv of {sent.shape} {sent.dtype} into {buf.shape} {buf.dtype} must fail")
        dist.barrier()
    _all_to_all_single_cases(rank, n)


def _all_to_all_single_cases(rank, n):
    # torch's docstring example, on 2 ranks: equal blocks.
    out = mg.zeros(4, dtype=mg.int64)
    assert dist.all_to_all_single(out, mg.arange(4) + rank * 4) is None
    assert out.tolist() == [[0, 1, 4, 5], [2, 3, 6, 7]][rank]
    # Uneven blocks of rows (2-d), several dtypes; an empty block; async_op.
    splits = [[1, 3], [0, 2]]   # the rows rank i sends to rank 0 and rank 1
    output_splits = [splits[i][rank] for i in range(n)]
    for dtype in (np.float32, np.int64, np.complex64, np.bool_, np.float16):
        def source(r):
            rows = np.arange(2 * sum(splits[r])).reshape(-1, 2) + 100 * r + 1
            return (rows % 3 == 0) if dtype is np.bool_ else rows.astype(dtype) * (1j if dtype is np.complex64 else 1)

        output = np.zeros((sum(output_splits), 2), dtype)
        mine = mg.tensor(source(rank)) if dtype is np.float32 else source(rank)
        work = dist.all_to_all_single(output, mine, output_splits, splits[rank], async_op=True)
        assert work.wait() and work.is_completed()
        expected = np.concatenate([source(i)[sum(splits[i][:rank]):sum(splits[i][:rank + 1])] for i in range(n)])
        assert output.dtype == dtype and np.array_equal(output, expected), (dtype, output, expected)
    # Split sizes that disagree between ranks: one ValueError on every rank, naming each.
    try:
        dist.all_to_all_single(np.zeros(3), np.zeros(3), [1, 2], [2, 1] if rank == 0 else [1, 2])
    except ValueError as exc:
        # rank 0 sends 2 rows to itself and 1 to rank 1, rank 1 1 and 2: rank 1 expects just that, rank 0 not
        assert str(exc) == ("all_to_all_single: rank 0: output_split_sizes[0] is 1 rows (1 elements), rank 0 sends "
                            "2 elements; output_split_sizes[1] is 2 rows (2 elements), rank 1 sends 1 elements"), exc
    else:
        raise AssertionError("all_to_all_single of disagreeing splits must fail on every rank")
    try:
        dist.all_to_all_single(np.zeros(3), np.zeros(4))
    except ValueError as exc:
        assert "all_to_all_single: output's dim 0 (3) must divide equally by the world size (2) when " \
            "output_split_sizes is None or empty (output is (3,) float64)" in str(exc), exc
    else:
        raise AssertionError("an output that does not divide by the world size must be refused")


def p2p_fake_cuda():
    """The CUDA path of send/recv/irecv/batch_isend_irecv/all_to_all_single (through host memory) on 2 ranks, with
    tools.fake_cupy standing NumPy in for CuPy: the received data lands on the device, as a device array."""
    import tools.fake_cupy

    tools.fake_cupy.pytest_configure(None)   # what ``pytest -p tools.fake_cupy`` does first
    rank, other = dist.get_rank(), 1 - dist.get_rank()
    fake = mg.backend._FakeCuPyArray
    if rank == 0:
        dist.send(mg.tensor([[1.0, 2.0]], device="cuda"), 1, tag=3)
    else:
        got = mg.zeros(1, 2, device="cuda")
        assert dist.recv(got, 0, tag=3) == 0 and type(got.data) is fake and got.tolist() == [[1.0, 2.0]]
    ring = mg.zeros(3, dtype=mg.int64, device="cuda")
    works = dist.batch_isend_irecv([dist.P2POp(dist.irecv, ring, other),
                                    dist.P2POp(dist.isend, mg.arange(3, device="cuda") + 10 * rank, other)])
    assert all(w.wait() for w in works) and type(ring.data) is fake and ring.tolist() == [10 * other + i for i in range(3)]
    out = mg.zeros(3 - rank, dtype=mg.float64, device="cuda")   # rank 0 gets 1 row from itself, 2 from rank 1
    dist.all_to_all_single(out, mg.tensor([0.5, 1.5, 2.5][:2 + rank], dtype=mg.float64, device="cuda") + rank,
                           [[1, 2], [1, 1]][rank], [[1, 1], [2, 1]][rank])
    assert type(out.data) is fake and out.tolist() == [[0.5, 1.5, 2.5], [1.5, 3.5]][rank]


def _sampler_cases(rank, size):
    for n in (10, 11, 1):
        for shuffle in (True, False):
            for drop_last in (False, True):
                if drop_last and n < size:
                    continue
                sampler = dist.DistributedSampler(range(n), shuffle=shuffle, seed=3, drop_last=drop_last)
                per_epoch = []
                for epoch in (0, 1):
                    sampler.set_epoch(epoch)
                    mine = sampler.indices().tolist()
                    assert len(mine) == len(sampler)
                    shards = dist.all_gather_object(mine)
                    per_epoch.append(shards)
                    assert len(shards[0]) == len(shards[1]), "every rank takes the same number of steps"
                    union = [i for shard in shards for i in shard]
                    if drop_last:
                        assert len(set(union)) == len(union) == (n // size) * size, "disjoint shards"
                    else:
                        assert set(union) == set(range(n)), "every sample is seen"
                        padded = len(union) - n
                        assert padded == (-n) % size and len(set(union)) == n
                    if n % size == 0:
                        assert not set(shards[0]) & set(shards[1]), "disjoint shards"
                if shuffle and n > 2:
                    assert per_epoch[0] != per_epoch[1], "set_epoch reshuffles"
                elif not shuffle:
                    assert per_epoch[0] == per_epoch[1]
    # Through a DataLoader: the two ranks' batches of 4 make up the global batch of 8.
    data = np.arange(16, dtype=np.float32).reshape(16, 1)
    sampler = dist.DistributedSampler(data, shuffle=True, seed=5)
    loader = DataLoader(ArrayDataset(data, np.arange(16)), batch_size=4, sampler=sampler)
    batches = [y.numpy().tolist() for _, y in loader]
    everyone = dist.all_gather_object(batches)
    global_order = torch_randperm(16, 5)
    for k in range(len(batches)):
        assert sorted(everyone[0][k] + everyone[1][k]) == sorted(global_order[8 * k:8 * k + 8].tolist())


def _model(seed, hidden=(12, 8), batch_norm=False):
    mg.manual_seed(seed)
    layers = []
    width = 6
    for h in hidden:
        layers += [Linear(width, h), ReLU()] + ([BatchNorm1d(h)] if batch_norm else [])
        width = h
    layers.append(Linear(width, 3))
    return Network(*layers)


def ddp():
    rank, size = dist.get_rank(), dist.get_world_size()
    # Different weights on each rank before wrapping; rank 0's everywhere after.
    model = _model(seed=rank, batch_norm=True)
    model.layers()[3].running_mean.data[...] = rank + 1.0
    wrapped = dist.DistributedDataParallel(model, bucket_cap_mb=200 / 2**20)   # 200-byte buckets: several
    assert len(wrapped.reducer.buckets) > 2
    reference = _model(seed=0, batch_norm=True)
    for p, q in zip(model.parameters(), reference.parameters()):
        assert np.array_equal(p.numpy(), q.numpy())
    assert np.all(model.layers()[3].running_mean.numpy() == 1.0), "buffers come from rank 0"
    # broadcast_buffers=False: buffers are rank-local, from the start (torch copies them neither at construction).
    local = _model(seed=rank, batch_norm=True)
    local.layers()[3].running_mean.data[...] = rank + 1.0
    dist.DistributedDataParallel(local, broadcast_buffers=False)(mg.tensor(np.ones((4, 6), np.float32)))
    expected = _model(seed=0, batch_norm=True)
    expected.layers()[3].running_mean.data[...] = rank + 1.0
    expected(mg.tensor(np.ones((4, 6), np.float32)))
    np.testing.assert_array_equal(local.layers()[3].running_mean.numpy(), expected.layers()[3].running_mean.numpy())
    # torch 2.13's forward_sync_buffers=False: copied at construction, not before a forward.
    local.layers()[3].running_mean.data[...] = rank + 1.0
    unsynced = dist.DistributedDataParallel(local, forward_sync_buffers=False)
    assert np.all(local.layers()[3].running_mean.numpy() == 1.0)
    local.layers()[3].running_mean.data[...] = rank + 1.0
    unsynced(mg.tensor(np.ones((4, 6), np.float32)))
    np.testing.assert_array_equal(local.layers()[3].running_mean.numpy(), expected.layers()[3].running_mean.numpy())

    # The average of the ranks' gradients, checked against the gradient of the whole batch.
    rng = np.random.default_rng(11)
    x_all = rng.standard_normal((8, 6)).astype(np.float32)
    y_all = rng.integers(0, 3, 8)
    mine = slice(4 * rank, 4 * rank + 4)
    loss = cross_entropy(wrapped(mg.tensor(x_all[mine])), mg.tensor(y_all[mine]))
    loss.backward()
    grads = [p.grad.numpy().copy() for p in model.parameters()]
    assert wrapped.reducer.syncs == 1
    for p, g in zip(model.parameters(), grads):
        local = [dist.all_gather_object(g.tolist())]
        assert local[0][0] == local[0][1], "every rank holds the same averaged gradient"
    # BatchNorm uses each rank's own batch statistics, so compare with a hand average of per-rank gradients.
    for r in range(size):
        ref = _model(seed=0, batch_norm=True)
        ref_loss = cross_entropy(ref(mg.tensor(x_all[4 * r:4 * r + 4])), mg.tensor(y_all[4 * r:4 * r + 4]))
        ref_loss.backward()
        if r == 0:
            summed = [p.grad.numpy().copy() for p in ref.parameters()]
        else:
            summed = [s + p.grad.numpy() for s, p in zip(summed, ref.parameters())]
    for g, s in zip(grads, summed):
        np.testing.assert_allclose(g, s / size, rtol=1e-5, atol=1e-7)

    # Overlap: when the gradient reaches the first layer's output, the buckets of the layers above are already on
    # their way (their MPI_Iallreduce started), and every bucket started from a gradient hook during the walk.
    buckets = wrapped.reducer.buckets
    started = []
    model.zero_grad()

    def watch_first_output(layer, args, h):
        h.register_hook(lambda g: started.append([b.handle is not None for b in buckets]))

    watch = model[0].register_forward_hook(watch_first_output)   # model[0]: the first Linear
    out = wrapped(mg.tensor(x_all[mine]))
    watch.remove()
    cross_entropy(out, mg.tensor(y_all[mine])).backward()
    assert len(started) == 1 and any(started[0]) and not all(started[0]), started
    assert [b.overlapped for b in buckets] == [True] * len(buckets)
    for p, g in zip(model.parameters(), grads):
        np.testing.assert_allclose(p.grad.numpy(), g, rtol=1e-6, atol=1e-8)
    print(f"ddp overlap on rank {rank}: {sum(started[0])} of {len(buckets)} buckets had started when the gradient "
          "reached the first layer's output", flush=True)

    # no_sync: local accumulation, then one averaged step over both backward passes.
    model.zero_grad()
    with wrapped.no_sync():
        cross_entropy(wrapped(mg.tensor(x_all[mine])), mg.tensor(y_all[mine])).backward()
    local = [p.grad.numpy().copy() for p in model.parameters()]
    cross_entropy(wrapped(mg.tensor(x_all[mine])), mg.tensor(y_all[mine])).backward()
    for p, loc in zip(model.parameters(), local):
        both = dist.all_reduce(2 * loc, "mean")
        np.testing.assert_allclose(p.grad.numpy(), both, rtol=1e-5, atol=1e-7)

    # A parameter the forward does not use: counted as zero at the end of backward (no hang, no error), or from the
    # first gradient on with find_unused_parameters. Its .grad stays None, as in torch and in one process (an
    # optimizer then skips it), and one that holds a gradient from before keeps it.
    class TwoHeads(Network):
        def forward(self, x):
            return self[0](x)

    for find_unused in (False, True):
        mg.manual_seed(5)
        heads = TwoHeads(Linear(6, 3), Linear(6, 3))
        found = dist.DistributedDataParallel(heads, bucket_cap_mb=60 / 2**20, find_unused_parameters=find_unused)
        for _ in range(2):
            heads.zero_grad()
            cross_entropy(found(mg.tensor(x_all[mine])), mg.tensor(y_all[mine])).backward()
            assert heads[1].weight.grad is None and heads[1].bias.grad is None and heads[0].weight.grad is not None
            assert [b.overlapped for b in found.reducer.buckets] == [find_unused] * len(found.reducer.buckets)
        # SGD with weight decay and momentum leaves the unused head as it is, as one process does.
        unused = heads[1].weight.numpy().copy()
        opt = SGD(heads.parameters(), lr=0.1, momentum=0.9, weight_decay=0.5)
        for _ in range(2):
            opt.zero_grad()
            cross_entropy(found(mg.tensor(x_all[mine])), mg.tensor(y_all[mine])).backward()
            opt.step()
        assert np.array_equal(heads[1].weight.numpy(), unused)
        heads[1].weight.grad = mg.ones(*heads[1].weight.shape)
        cross_entropy(found(mg.tensor(x_all[mine])), mg.tensor(y_all[mine])).backward()
        assert np.array_equal(heads[1].weight.grad.numpy(), np.ones(heads[1].weight.shape, np.float32))
        assert heads[1].bias.grad is None
        both = dist.all_gather_object([p.grad.numpy().tolist() for p in heads.parameters() if p.grad is not None])
        assert both[0] == both[1]

    # find_unused_parameters finds the tensors of a dataclass output too, as torch's: the head it holds is used.
    @dataclasses.dataclass
    class Output:
        logits: mg.Tensor
        note: str = ""

    class DataclassHeads(Network):
        def forward(self, x):
            return Output(self[0](x))

    mg.manual_seed(5)
    heads = DataclassHeads(Linear(6, 3), Linear(6, 3))
    found = dist.DistributedDataParallel(heads, find_unused_parameters=True)
    cross_entropy(found(mg.tensor(x_all[mine])).logits, mg.tensor(y_all[mine])).backward()
    assert heads[0].weight.grad is not None and heads[1].weight.grad is None

    # Each rank uses the other head (a data-dependent branch): every rank still issues the same bucket allreduces
    # in the same order (some from a hook, some at the end of backward), and each head's .grad is half its user's.
    class OwnHead(Network):
        def forward(self, x):
            return self[rank](x)

    mg.manual_seed(6)
    heads = OwnHead(Linear(6, 3), Linear(6, 3))
    own = dist.DistributedDataParallel(heads, bucket_cap_mb=60 / 2**20)
    local = mg.grad(cross_entropy(heads[rank](mg.tensor(x_all[mine])), mg.tensor(y_all[mine])),
                    heads[rank].parameters())
    cross_entropy(own(mg.tensor(x_all[mine])), mg.tensor(y_all[mine])).backward()
    for p, g in zip(heads[rank].parameters(), local):
        np.testing.assert_allclose(p.grad.numpy(), g.numpy() / 2, rtol=1e-6)
    both = dist.all_gather_object([p.grad.numpy().tolist() for p in heads.parameters()])
    assert both[0] == both[1]
    assert [b.overlapped for b in own.reducer.buckets] == ([False] * 4 if rank == 0 else [True, True, False, False])

    # Training keeps the replicas identical, bit for bit.
    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    for step in range(5):
        opt.zero_grad()
        cross_entropy(wrapped(mg.tensor(x_all[mine] + step)), mg.tensor(y_all[mine])).backward()
        opt.step()
    weights = [p.numpy().tolist() for p in model.parameters()]
    everyone = dist.all_gather_object(weights)
    assert everyone[0] == everyone[1]

    # Gradients are divided by the world size before the sum, as torch's DDP: two float16 gradients of 40000
    # average to 40000 (torch too), where their sum, 80000, is past float16's largest value, 65504.
    half = Linear(1, 1, bias=False).to(mg.float16)
    half_ddp = dist.DistributedDataParallel(half)
    half.weight.data[...] = 0.5
    half_ddp(mg.full((1, 1), 40000.0, dtype=mg.float16)).sum().backward()
    assert half.weight.grad.dtype == np.float16 and half.weight.grad.tolist() == [[40000.0]]

    # Buffers follow torch's rule: rank 0's are copied at a forward that follows a synchronised one (grad enabled,
    # outside no_sync), in either mode: the first evaluation forward after training sees rank 0's statistics.
    norm = model.layers()[3]

    def running_stats():
        return dist.all_gather_object([norm.running_mean.numpy().tolist(), norm.running_var.numpy().tolist()])

    assert running_stats()[0] != running_stats()[1], "each rank's last batch updated its own statistics"
    model.eval()
    with mg.no_grad():
        outputs = dist.all_gather_object(wrapped(mg.tensor(x_all[:4])).numpy().tolist())
    assert running_stats()[0] == running_stats()[1] and outputs[0] == outputs[1]
    # After a forward under no_grad (or inside no_sync) nothing is copied: each rank keeps its own updates.
    model.train()
    alone = copy.deepcopy(model)
    with wrapped.no_sync():
        for _ in range(2):
            wrapped(mg.tensor(x_all[mine]))
            alone(mg.tensor(x_all[mine]))
    np.testing.assert_array_equal(norm.running_mean.numpy(), alone.layers()[3].running_mean.numpy())
    np.testing.assert_array_equal(norm.running_var.numpy(), alone.layers()[3].running_var.numpy())


def equivalence(steps="100", per_rank="16"):
    """N ranks at batch B against one process at batch N*B over the same sample order."""
    steps, per_rank = int(steps), int(per_rank)
    rank, size = dist.get_rank(), dist.get_world_size()
    rng = np.random.default_rng(0)
    n = 600
    x = rng.standard_normal((n, 6)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] * x[:, 2] > 0).astype(np.int64) + (x[:, 3] > 1).astype(np.int64)
    dataset = ArrayDataset(x, y)

    def run(model, batch, num_replicas, rank_):
        opt = SGD(model.parameters(), lr=0.05, momentum=0.9)
        sampler = dist.DistributedSampler(dataset, shuffle=True, seed=7, drop_last=True,
                                          num_replicas=num_replicas, rank=rank_)
        loader = DataLoader(dataset, batch_size=batch, sampler=sampler, drop_last=True)
        done, epoch = 0, 0
        while done < steps:
            sampler.set_epoch(epoch)
            for xb, yb in loader:
                opt.zero_grad()
                cross_entropy(model(xb), yb).backward()
                if isinstance(model, dist.DistributedDataParallel):   # every allreduce started inside the walk
                    assert all(b.overlapped for b in model.reducer.buckets)
                opt.step()
                done += 1
                if done == steps:
                    break
            epoch += 1
        return [p.numpy().copy() for p in model.parameters()]

    distributed = run(dist.DistributedDataParallel(_model(seed=rank), bucket_cap_mb=300 / 2**20),
                      per_rank, None, None)
    everyone = dist.all_gather_object([w.tolist() for w in distributed])
    assert everyone[0] == everyone[1], "the replicas must stay identical"
    if rank == 0:
        single = run(_model(seed=0), per_rank * size, 1, 0)
        worst = max(float(np.linalg.norm(a - b) / np.linalg.norm(b)) for a, b in zip(distributed, single))
        moved = min(float(np.linalg.norm(a - b) / np.linalg.norm(b))   # the weight matrices (biases start at 0)
                    for a, b in zip(distributed, [p.numpy() for p in _model(seed=0).parameters()]) if b.ndim == 2)
        print(f"equivalence: worst relative difference {worst:.2e} after {steps} steps; "
              f"the weights moved by at least {moved:.2e} of their norm")
        assert moved > 1e-2, "training must actually move the weights"
        assert worst < 1e-5, worst


def raises():
    if dist.get_rank() == 1:
        raise ValueError("boom from rank 1")
    dist.barrier()   # rank 0 would wait here forever without the abort


def mismatch():
    rank = dist.get_rank()
    model = _model(seed=0, hidden=(12, 8) if rank == 0 else (12, 9))
    try:
        dist.DistributedDataParallel(model)
    except RuntimeError as exc:
        message = str(exc)
        assert "the ranks hold different models" in message, message
        assert "rank 1: parameter 2.weight (12, 9) float32 on cpu where rank 0 has parameter 2.weight (12, 8)" \
            in message, message
        print(f"mismatch error on rank {rank}: {message}", flush=True)
    else:
        raise AssertionError("different models must be refused")


def syncbn():
    """Two ranks with batches of 3 and 5 against one process running BatchNorm on the 8 samples together (float64):
    outputs, input gradients, parameter gradients (DDP averages them) and running statistics."""
    rank, size = dist.get_rank(), dist.get_world_size()
    assert size == 2
    counts = (3, 5)
    start = sum(counts[:rank])
    mine = slice(start, start + counts[rank])
    rng = np.random.default_rng(23)
    x_all = rng.standard_normal((8, 3, 4, 5)) * 2.0 + 0.5
    r_all = rng.standard_normal((8, 4, 4, 5))   # a fixed linear read-out: the loss is sum(out * r)

    def make(seed):
        mg.manual_seed(seed)
        net = mg.nn.Sequential(mg.nn.Conv2d(3, 4, 3, padding=1, dtype=np.float64), mg.nn.BatchNorm2d(4, dtype=np.float64),
                               mg.nn.Tanh(), mg.nn.Conv2d(4, 4, 1, dtype=np.float64), mg.nn.BatchNorm2d(4, dtype=np.float64))
        net[1].weight.data[...] = rng_w.standard_normal(4)
        net[1].bias.data[...] = rng_w.standard_normal(4)
        return net

    worst = {}

    def note(label, got, want):
        err = float(np.max(np.abs(np.asarray(got) - np.asarray(want))))
        worst[label] = max(worst.get(label, 0.0), err)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=label)

    rng_w = np.random.default_rng(5)
    reference = make(0)
    rng_w = np.random.default_rng(5)
    model = mg.nn.SyncBatchNorm.convert_sync_batchnorm(make(0))
    assert type(model[1]) is mg.nn.SyncBatchNorm and type(model[4]) is mg.nn.SyncBatchNorm
    wrapped = dist.DistributedDataParallel(model)
    for step in range(3):   # three steps: the running statistics accumulate, the weights change
        x_ref = mg.tensor(x_all + step, dtype=np.float64, requires_grad=True)
        out_ref = reference(x_ref)
        (out_ref * mg.tensor(r_all, dtype=np.float64)).sum().backward()
        x = mg.tensor(x_all[mine] + step, dtype=np.float64, requires_grad=True)
        out = wrapped(x)
        (out * mg.tensor(r_all[mine], dtype=np.float64)).sum().backward()
        note("output", out.numpy(), out_ref.numpy()[mine])
        note("input gradient", x.grad.numpy(), x_ref.grad.numpy()[mine])
        # The loss summed over ranks is the single process's loss; DDP averages, so .grad is half its gradient.
        for (name, p), q in zip(model.named_parameters(), reference.parameters()):
            note("parameter gradient", p.grad.numpy() * size, q.grad.numpy())
        for (name, b), c in zip(model.named_buffers(), reference.buffers()):
            note("running statistics", b.numpy(), c.numpy())
        for p, q in zip(model.parameters(), reference.parameters()):   # the same SGD step on both
            p.data -= 0.01 * p.grad.data * size
            q.data -= 0.01 * q.grad.data
            p.grad = q.grad = None
    assert int(model[1].num_batches_tracked.numpy()) == 3
    # Eval mode uses the (synchronised) running statistics: BatchNorm's output on this rank's samples.
    model.eval()
    reference.eval()
    note("eval output", wrapped(mg.tensor(x_all[mine], dtype=np.float64)).numpy(), reference(mg.tensor(x_all[mine], dtype=np.float64)).numpy())
    # Second-order gradients are refused across ranks, on every rank, with one clear error.
    model.train()
    y = model(mg.tensor(x_all[mine], dtype=np.float64, requires_grad=True))
    try:
        mg.grad((y * y).sum(), model.parameters(), create_graph=True)
    except RuntimeError as exc:
        assert "SyncBatchNorm: higher-order gradients" in str(exc), exc
    else:
        raise AssertionError("create_graph through SyncBatchNorm across ranks must be refused")
    # float32 stays float32; a rank may hold no samples at all (rank 0 here): the statistics are the other's.
    layer = mg.nn.SyncBatchNorm(3)
    x32 = np.random.default_rng(9).standard_normal((6, 3)).astype(np.float32)
    part = mg.tensor(x32[:0] if rank == 0 else x32, requires_grad=True)
    y = layer(part)
    y.backward(mg.tensor(np.arange(y.numpy().size, dtype=np.float32).reshape(y.shape)))
    assert y.dtype == part.grad.dtype == layer.running_var.dtype == np.float32 and y.shape == part.shape
    single = mg.nn.BatchNorm1d(3)
    x1 = mg.tensor(x32, requires_grad=True)
    y1 = single(x1)
    y1.backward(mg.tensor(np.arange(18, dtype=np.float32).reshape(6, 3)))
    if rank == 1:
        np.testing.assert_allclose(y.numpy(), y1.numpy(), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(part.grad.numpy(), x1.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.running_var.numpy(), single.running_var.numpy(), rtol=1e-5)
    # One write with its newline, so the other rank's output cannot land inside the line.
    sys.stdout.write(f"syncbn on rank {rank}: worst absolute differences "
                     + ", ".join(f"{k} {v:.1e}" for k, v in worst.items()) + "\n")
    sys.stdout.flush()


CASES = {"collectives": collectives, "p2p": p2p, "p2p_fake_cuda": p2p_fake_cuda, "ddp": ddp, "equivalence": equivalence, "raises": raises,
         "mismatch": mismatch, "syncbn": syncbn}

if __name__ == "__main__":
    case = sys.argv[1]
    dist.init()
    CASES[case](*sys.argv[2:])
    print(f"{case} ok rank {dist.get_rank()}", flush=True)
