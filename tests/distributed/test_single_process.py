"""minigrad.distributed in a plain process (a world of one), and its pieces that need no second rank."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad import distributed as dist
from minigrad.data import ArrayDataset, DataLoader
from minigrad.distributed.reducer import _make_buckets
from minigrad.distributed.sampler import torch_randperm
from minigrad.nn import Linear, Network, ReLU
from minigrad.nn.functional import cross_entropy
from mpi_launch import REPO


def _plain_env():
    env = {k: v for k, v in os.environ.items() if k not in dist.launch.LAUNCHER_VARIABLES}
    env["PYTHONPATH"] = str(REPO)
    return env


def _python(code):
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, env=_plain_env(), capture_output=True, text=True,
                          timeout=60)


def test_a_plain_process_is_a_world_of_one_without_loading_mpi():
    proc = _python(
        "import sys, numpy as np, minigrad as mg\n"
        "from minigrad import distributed as dist\n"
        "from minigrad.nn import Linear\n"
        "dist.init()\n"
        "m = dist.DistributedDataParallel(Linear(3, 2))\n"
        "m(mg.ones((4, 3))).sum().backward()\n"
        "dist.barrier()\n"
        "print(dist.get_rank(), dist.get_world_size(), dist.get_local_rank(), dist.all_reduce(2.5, 'mean'),\n"
        "      'mpi4py' in sys.modules)\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["0", "1", "0", "2.5", "False"]


def test_asking_for_mpi_without_mpi4py_is_one_clear_message():
    proc = _python("import sys; sys.modules['mpi4py'] = None\n"
                   "from minigrad import distributed as dist\n"
                   "assert dist.get_world_size() == 1   # a plain world of one first, then MPI asked for\n"
                   "try:\n"
                   "    dist.init(require_mpi=True)\n"
                   "except ImportError as exc:\n"
                   "    print(exc)\n")
    assert proc.returncode == 0, proc.stderr
    assert "distributed training needs mpi4py, which is not importable here" in proc.stdout
    assert 'pip install "minigrad[mpi]"' in proc.stdout and "docs/distributed.md" in proc.stdout


def test_launcher_detection():
    assert dist.launched_by_mpi({"PMI_RANK": "1", "PMI_SIZE": "2"})
    assert dist.launched_by_mpi({"OMPI_COMM_WORLD_SIZE": "4"})
    assert not dist.launched_by_mpi({"PATH": "/bin"})


def test_collectives_of_one_are_copies_with_the_input_kind():
    x = np.array([1.0, 2.0], dtype=np.float32)
    for op in ("sum", "mean", "max"):
        y = dist.all_reduce(x, op)
        assert y is not x and y.dtype == np.float32 and np.array_equal(y, x)
    t = dist.all_reduce(mg.tensor([3.0], requires_grad=True))
    assert isinstance(t, mg.Tensor) and not t.requires_grad and t.numpy().tolist() == [3.0]
    assert dist.all_reduce(np.array([1, 2]), "mean").dtype == np.float64
    assert dist.all_reduce(np.float32(1.5)).dtype == np.float32
    assert dist.broadcast(x).tolist() == [1.0, 2.0]
    assert dist.all_gather_object({"a": [1, 2]}) == [{"a": [1, 2]}]
    assert dist.broadcast_object([1, "x"]) == [1, "x"]
    # NumPy values travel as numbers and lists (torch, which pickles, takes them); other objects are refused.
    assert dist.all_gather_object({"acc": np.float32(0.5), "n": np.int64(3), "v": np.arange(2)}) == [
        {"acc": 0.5, "n": 3, "v": [0, 1]}]
    with pytest.raises(TypeError, match="broadcast_object: objects travel as JSON here .never pickled., and object "
                                        "is not JSON-serialisable"):
        dist.broadcast_object([object()])


@pytest.mark.parametrize("call, message", [
    (lambda: dist.all_reduce(np.ones(2), "min"), "all_reduce: op must be one of 'sum', 'mean', 'max', got 'min'"),
    (lambda: dist.all_reduce([1.0, 2.0]), "all_reduce: expected a NumPy or CuPy array, a Tensor or a number, got list"),
    (lambda: dist.all_reduce(np.array([True]), "sum"), "all_reduce: op 'sum' needs a numeric (integer or floating) "
     "dtype, got bool"),
    (lambda: dist.all_reduce(np.array(["a"])), "all_reduce: expected a bool, integer, floating or complex dtype, "
     "got <U1"),
    (lambda: dist.all_reduce(np.ones(2, np.complex64), dist.ReduceOp.MAX), "all_reduce: 'max' is not defined on "
     "complex tensors (complex64); SUM and AVG are, as torch's"),
    (lambda: dist.broadcast(np.ones(2), src=1), "broadcast: src must be a rank in [0, 0], got 1"),
    (lambda: dist.local_device("tpu"), "Unknown device 'tpu'"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert message in str(info.value)


def test_local_device_keeps_the_cpu_and_spreads_ranks_over_the_gpus(monkeypatch):
    assert dist.local_device("cpu") == "cpu"
    monkeypatch.setattr(mg.backend, "cuda_device_count", lambda: 4)
    monkeypatch.setattr(dist.group, "get_local_rank", lambda: 6)
    assert dist.local_device("cuda") == "cuda:2"   # local rank 6 of a machine with 4 GPUs
    assert dist.local_device("cuda:1") == "cuda:1"


def _shards(n, replicas, **kw):
    return [dist.DistributedSampler(range(n), num_replicas=replicas, rank=r, **kw) for r in range(replicas)]


@pytest.mark.parametrize("n, replicas", [(12, 3), (13, 3), (2, 4), (1, 1)])
def test_sampler_shards_are_disjoint_and_cover_the_data(n, replicas):
    for shuffle in (True, False):
        shards = [s.indices().tolist() for s in _shards(n, replicas, shuffle=shuffle, seed=4)]
        assert len({len(s) for s in shards}) == 1
        union = [i for s in shards for i in s]
        assert set(union) == set(range(n))
        assert len(union) == n + (-n) % replicas   # padded with repeats only to even the shards
        if n % replicas == 0:
            assert len(set(union)) == len(union)
        if n >= replicas:
            dropped = [s.indices().tolist() for s in _shards(n, replicas, shuffle=shuffle, seed=4, drop_last=True)]
            flat = [i for s in dropped for i in s]
            assert len(flat) == len(set(flat)) == n - n % replicas


def test_sampler_interleaves_the_global_order_and_reshuffles_per_epoch():
    a, b = _shards(10, 2, seed=9)
    order = torch_randperm(10, 9)   # torch.randperm seeded with seed + epoch (test_torch_spelling compares)
    assert a.indices().tolist() == order[0::2].tolist() and b.indices().tolist() == order[1::2].tolist()
    first = a.indices().tolist()
    a.set_epoch(1)
    assert a.indices().tolist() != first and sorted(a.indices().tolist() + _epoch(b, 1)) == list(range(10))
    a.load_state_dict({"epoch": 0})
    assert a.indices().tolist() == first and a.state_dict() == {"epoch": 0}
    assert list(a) == first and len(a) == 5


def _epoch(sampler, epoch):
    sampler.set_epoch(epoch)
    return sampler.indices().tolist()


@pytest.mark.parametrize("kwargs, message", [
    ({"num_replicas": 0}, "num_replicas must be a positive integer, got 0"),
    ({"num_replicas": 2, "rank": 2}, "rank must be in [0, 1], got 2"),
    ({"seed": 1.5}, "seed must be an integer, got 1.5"),
    ({"num_replicas": 4, "rank": 0, "drop_last": True}, "3 samples cannot be shared by 4 ranks with drop_last=True"),
])
def test_sampler_arguments_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        dist.DistributedSampler(range(3), **kwargs)
    with pytest.raises(ValueError, match="epoch must be a non-negative integer, got -2"):
        dist.DistributedSampler(range(3)).set_epoch(-2)


def test_dataloader_takes_its_order_from_a_sampler():
    data = ArrayDataset(np.arange(10, dtype=np.float32).reshape(10, 1), np.arange(10))
    sampler = dist.DistributedSampler(data, num_replicas=2, rank=1, seed=2)
    loader = DataLoader(data, batch_size=2, sampler=sampler)
    assert len(loader) == 3
    seen = [int(i) for _, y in loader for i in y.numpy()]
    assert seen == sampler.indices().tolist()
    sampler.set_epoch(3)
    state = loader.state_dict()
    assert state["sampler"] == {"epoch": 3}
    other = DataLoader(data, batch_size=2, sampler=dist.DistributedSampler(data, num_replicas=2, rank=1, seed=2))
    other.load_state_dict(state)
    assert other.sampler.epoch == 3
    with pytest.raises(ValueError, match="pass shuffle=False with a sampler"):
        DataLoader(data, shuffle=True, sampler=sampler)
    with pytest.raises(TypeError, match="^DataLoader: sampler must be an iterable of indices, got int$"):
        DataLoader(data, sampler=5)


def _mlp():
    return Network(Linear(4, 5), ReLU(), Linear(5, 3))


def test_ddp_of_one_leaves_gradients_as_they_are():
    model, twin = _mlp(), _mlp()
    twin.load_state_dict(model.state_dict())
    wrapped = dist.DistributedDataParallel(model, bucket_cap_mb=40 / 2**20)
    assert len(wrapped.reducer.buckets) == 4   # one parameter each at 40 bytes
    x, y = mg.randn(6, 4), mg.tensor([0, 1, 2, 0, 1, 2])
    for _ in range(2):   # the second backward accumulates, as without the wrapper
        cross_entropy(wrapped(x), y).backward()
        cross_entropy(twin(x), y).backward()
    for p, q in zip(model.parameters(), twin.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-6, atol=1e-7)
    assert wrapped.reducer.syncs == 2 and wrapped.sync_seconds >= 0
    assert list(wrapped.state_dict())[0] == "module.0.weight"
    assert wrapped.parameters() == model.parameters()



def test_ddp_of_one_takes_a_parameter_frozen_between_forward_and_backward():
    # its post-accumulate hook runs with .grad None (torch's AccumulateGrad runs it), where the reducer read
    # .grad.creator: AttributeError
    model, twin = _mlp(), _mlp()
    twin.load_state_dict(model.state_dict())
    wrapped = dist.DistributedDataParallel(model)
    x, y = mg.randn(6, 4), mg.tensor([0, 1, 2, 0, 1, 2])
    losses = [cross_entropy(wrapped(x), y), cross_entropy(twin(x), y)]
    for net, loss in zip((model, twin), losses):
        net[0].weight.requires_grad_(False)
        loss.backward()
    assert model[0].weight.grad is None and twin[0].weight.grad is None
    for p, q in zip(model.parameters()[1:], twin.parameters()[1:]):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-6, atol=1e-7)
    assert wrapped.reducer.syncs == 1

def test_ddp_starts_each_bucket_during_backward_as_soon_as_its_gradients_are_final():
    model = Network(Linear(4, 5), ReLU(), Linear(5, 5), ReLU(), Linear(5, 3))
    wrapped = dist.DistributedDataParallel(model, bucket_cap_mb=40 / 2**20)   # one parameter per bucket
    buckets = wrapped.reducer.buckets
    assert [b.indices for b in buckets] == [[5], [4], [3], [2], [1], [0]]
    started_when_h1_got_its_gradient = []
    h1 = model[0](mg.randn(6, 4))
    h1.register_hook(lambda g: started_when_h1_got_its_gradient.extend(b.handle is not None for b in buckets))
    out = model[4](model[3](model[2](model[1](h1))))
    wrapped.reducer.prepare()   # what wrapped(x) does after the forward (here the forward is taken apart)
    cross_entropy(out, mg.tensor([0, 1, 2, 0, 1, 2])).backward()
    # The gradient reaching the first layer's output: the last two layers' buckets have already started.
    assert started_when_h1_got_its_gradient == [True, True, True, True, False, False]
    assert [b.overlapped for b in buckets] == [True] * 6 and wrapped.reducer.syncs == 1


def test_ddp_unused_parameters_hold_their_buckets_until_the_end_of_backward():
    class TwoHeads(Network):
        def forward(self, x):
            return self[0](x)

    x, y = mg.randn(6, 4), mg.tensor([0, 1, 2, 0, 1, 2])
    for find_unused in (False, True):
        heads = TwoHeads(Linear(4, 3), Linear(4, 3))
        wrapped = dist.DistributedDataParallel(heads, bucket_cap_mb=12 / 2**20, find_unused_parameters=find_unused)
        assert [b.indices for b in wrapped.reducer.buckets] == [[3], [2], [1], [0]]   # the unused head's first
        for step in range(2):
            heads.zero_grad()
            cross_entropy(wrapped(x), y).backward()
            assert heads[1].weight.grad is None and heads[1].bias.grad is None   # as in one process, untouched
            reference = [g.numpy() for g in mg.grad(cross_entropy(heads[0](x), y), heads[0].parameters())]
            for p, g in zip(heads[0].parameters(), reference):
                np.testing.assert_allclose(p.grad.numpy(), g, rtol=1e-6)
            # Buckets start in order: without find_unused_parameters the unused head's bucket, first in line,
            # only starts at the end of backward, and holds back the others.
            assert [b.overlapped for b in wrapped.reducer.buckets] == [find_unused] * 4
        assert wrapped.reducer.syncs == 2


def test_ddp_hooks_go_quiet_inside_no_sync_and_after_remove():
    model = _mlp()
    wrapped = dist.DistributedDataParallel(model)
    x, y = mg.randn(6, 4), mg.tensor([0, 1, 2, 0, 1, 2])
    with wrapped.no_sync():
        cross_entropy(wrapped(x), y).backward()
    assert wrapped.reducer.syncs == 0 and wrapped.reducer.buckets[0].handle is None
    cross_entropy(wrapped(x), y).backward()
    assert wrapped.reducer.syncs == 1
    wrapped.reducer.remove()
    cross_entropy(wrapped(x), y).backward()
    assert wrapped.reducer.syncs == 1


def test_buckets_go_last_parameter_first_and_split_by_dtype():
    params = [mg.zeros(10, requires_grad=True), mg.zeros(10, requires_grad=True),
              mg.zeros(10, dtype="float64", requires_grad=True), mg.zeros(30, requires_grad=True)]
    buckets, bucket_of = _make_buckets(params, cap_bytes=80)
    assert [b.indices for b in buckets] == [[3], [2], [1, 0]]
    assert bucket_of == {3: 0, 2: 1, 1: 2, 0: 2}
    assert [b.flat.dtype for b in buckets] == [np.float32, np.float64, np.float32]


def test_ddp_refuses_what_it_cannot_do():
    with pytest.raises(TypeError, match="module must be a minigrad Layer, got function"):
        dist.DistributedDataParallel(lambda x: x)
    with pytest.raises(ValueError, match="bucket_cap_mb must be positive, got 0"):
        dist.DistributedDataParallel(_mlp(), bucket_cap_mb=0)
    wrapped = dist.DistributedDataParallel(_mlp())
    loss = cross_entropy(wrapped(mg.randn(2, 4)), mg.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="create_graph=True"):
        loss.backward(create_graph=True)


@pytest.mark.parametrize("find_unused", [False, True])
def test_ddp_refuses_a_grad_unlike_its_parameter_instead_of_casting_it_into_the_bucket(find_unused):
    # The unused head keeps the .grad the user set; it was cast into the float32 bucket and written back into the
    # float64 .grad without a word (torch refuses such a grad when it is assigned).
    class TwoHeads(Network):
        def forward(self, x):
            return self[0](x)

    heads = TwoHeads(Linear(4, 3), Linear(4, 3))
    wrapped = dist.DistributedDataParallel(heads, find_unused_parameters=find_unused)
    heads[1].bias.grad = mg.tensor([0.1, 0.2, 0.3], dtype=mg.float64)
    with pytest.raises(RuntimeError, match=r"^DistributedDataParallel: \.grad holds a tensor of shape \(3,\) and "
                                           r"dtype float64, but the parameter has shape \(3,\) and dtype float32"):
        cross_entropy(wrapped(mg.randn(6, 4)), mg.tensor([0, 1, 2, 0, 1, 2])).backward()
