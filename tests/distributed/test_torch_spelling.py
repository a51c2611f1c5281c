"""torch.distributed's spellings of minigrad.distributed: arguments checked against torch's, and one real
``mpiexec -n 2`` run of a script written in torch's spelling against the same script in a plain process."""
from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.distributed as torch_dist
import torch.utils.data.distributed as torch_data_distributed

import minigrad as mg
from minigrad import distributed as dist
from minigrad.nn import Linear
from mpi_launch import REPO, mpi_env, run_mpi

SCRIPT = Path(__file__).resolve().with_name("torch_style_script.py")


@pytest.fixture
def fresh_group():
    """A plain process's world of one, with no init_process_group in force before or after the test."""
    dist.destroy_process_group()
    yield
    dist.destroy_process_group()


def test_reduce_op_names_are_torchs():
    ours = [op.name for op in dist.ReduceOp]
    assert ours == ["SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR"]
    assert all(hasattr(torch_dist.ReduceOp, name) for name in ours)
    assert inspect.signature(dist.all_reduce).parameters["op"].default is dist.ReduceOp.SUM


def _names_and_defaults(fn):
    params = list(inspect.signature(fn).parameters.values())
    return [(p.name, getattr(p.default, "name", p.default)) for p in params if p.name != "self"]


# Where our default differs from torch's, on purpose: torch's None (which it then requires to be given, or reads
# as True) is our 0 / True, so our existing calls keep working.
KNOWN_DEFAULTS = {("broadcast", "src"): 0, ("reduce", "dst"): 0, ("broadcast_object_list", "src"): 0,
                  ("__init__", "broadcast_buffers"): True, ("gather", "dst"): 0, ("scatter", "src"): 0,
                  ("gather_object", "dst"): 0, ("scatter_object_list", "src"): 0}


@pytest.mark.parametrize("ours, theirs", [
    (dist.init_process_group, torch_dist.init_process_group),
    (dist.destroy_process_group, torch_dist.destroy_process_group),
    (dist.get_backend, torch_dist.get_backend),
    (dist.all_reduce, torch_dist.all_reduce),
    (dist.broadcast, torch_dist.broadcast),
    (dist.all_gather, torch_dist.all_gather),
    (dist.reduce, torch_dist.reduce),
    (dist.broadcast_object_list, torch_dist.broadcast_object_list),
    (dist.DistributedDataParallel.__init__, torch.nn.parallel.DistributedDataParallel.__init__),
    (dist.DistributedSampler.__init__, torch_data_distributed.DistributedSampler.__init__),
    (dist.barrier, torch_dist.barrier),
    (dist.get_rank, torch_dist.get_rank),
    (dist.get_world_size, torch_dist.get_world_size),
    (dist.all_gather_into_tensor, torch_dist.all_gather_into_tensor),
    (dist.reduce_scatter_tensor, torch_dist.reduce_scatter_tensor),
    (dist.reduce_scatter, torch_dist.reduce_scatter),
    (dist.gather, torch_dist.gather),
    (dist.scatter, torch_dist.scatter),
    (dist.all_to_all, torch_dist.all_to_all),
    (dist.new_group, torch_dist.new_group),
    (dist.gather_object, torch_dist.gather_object),
    (dist.scatter_object_list, torch_dist.scatter_object_list),
    (dist.send, torch_dist.send),
    (dist.recv, torch_dist.recv),
    (dist.isend, torch_dist.isend),
    (dist.irecv, torch_dist.irecv),
    (dist.batch_isend_irecv, torch_dist.batch_isend_irecv),
    (dist.P2POp.__init__, torch_dist.P2POp.__init__),
    (dist.all_to_all_single, torch_dist.all_to_all_single),
])
def test_arguments_are_torchs_in_torchs_order(ours, theirs):
    mine, torchs = _names_and_defaults(ours), _names_and_defaults(theirs)
    assert [n for n, _ in mine] == [n for n, _ in torchs][:len(mine)]
    for (name, default), (_, torch_default) in zip(mine, torchs):
        expected = KNOWN_DEFAULTS.get((ours.__name__, name), torch_default)
        assert default == expected, (ours.__qualname__, name, default, torch_default)


def test_the_torch_paths_reach_the_same_classes():
    from minigrad.nn.parallel import DistributedDataParallel
    from minigrad.utils.data.distributed import DistributedSampler

    assert DistributedDataParallel is mg.nn.parallel.DistributedDataParallel is dist.DistributedDataParallel
    assert DistributedSampler is dist.DistributedSampler
    proc = subprocess.run([sys.executable, "-c", "import sys, minigrad.nn; print('minigrad.distributed' in sys.modules)"],
                          cwd=REPO, env=mpi_env(), capture_output=True, text=True, timeout=60)
    assert proc.stdout.split() == ["False"], proc.stderr   # minigrad.nn stays as light as before


@pytest.mark.parametrize("n", [1, 3, 10, 11])
@pytest.mark.parametrize("replicas", [2, 3])
@pytest.mark.parametrize("drop_last", [False, True])
def test_unshuffled_shares_equal_torchs(n, replicas, drop_last):
    if drop_last and n < replicas:   # torch gives every rank nothing; ours refuses (documented)
        assert len(torch_data_distributed.DistributedSampler(range(n), replicas, 0, False, 0, drop_last)) == 0
        with pytest.raises(ValueError, match=f"{n} samples cannot be shared by {replicas} ranks"):
            dist.DistributedSampler(range(n), replicas, 0, False, 0, drop_last)
        return
    for rank in range(replicas):
        ours = dist.DistributedSampler(range(n), replicas, rank, False, 0, drop_last)   # torch's positional order
        theirs = torch_data_distributed.DistributedSampler(range(n), replicas, rank, False, 0, drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


@pytest.mark.parametrize("n, replicas, drop_last", [(10, 2, False), (11, 3, False), (11, 3, True), (5, 4, False),
                                                    (1000, 3, True)])
@pytest.mark.parametrize("seed", [0, 7, 2**32 + 5, -1, -(2**40)])
def test_shuffled_shares_equal_torchs_every_epoch(n, replicas, drop_last, seed):
    for rank in range(replicas):
        ours = dist.DistributedSampler(range(n), replicas, rank, True, seed, drop_last)
        theirs = torch_data_distributed.DistributedSampler(range(n), replicas, rank, True, seed, drop_last)
        for epoch in (0, 1, 5):
            ours.set_epoch(epoch)
            theirs.set_epoch(epoch)
            assert list(ours) == list(theirs)


def test_init_process_group_in_a_plain_process_is_a_world_of_one(fresh_group):
    assert not dist.is_initialized()
    with pytest.raises(RuntimeError, match="has not been initialized"):
        dist.get_backend()
    dist.init_process_group(backend="gloo", init_method="env://", world_size=1, rank=0)
    assert dist.is_initialized() and dist.get_backend() == "gloo"
    assert (dist.get_rank(), dist.get_world_size()) == (0, 1)
    assert dist.is_available() and dist.is_nccl_available() is False
    with pytest.raises(RuntimeError, match="already initialized"):
        dist.init_process_group()
    dist.destroy_process_group()
    assert not dist.is_initialized()
    dist.init_process_group(backend="cpu:gloo,cuda:nccl")
    assert dist.get_backend() == "cpu:gloo,cuda:nccl"


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(backend="ucc"), ValueError, "init_process_group: backend must be one of 'mpi', 'gloo', 'nccl' or None "
                                      "(every one runs over MPI here), got 'ucc'"),
    (dict(world_size=2), RuntimeError, "init_process_group: world_size=2, but no MPI launcher started this process"),
    (dict(rank=1), ValueError, "init_process_group: rank=1 disagrees with this process's MPI rank 0"),
    (dict(world_size=-3), ValueError, "init_process_group: world_size must be -1 (from MPI) or a non-negative "
                                      "integer, got -3"),
    (dict(timeout=30), TypeError, "init_process_group: timeout must be a datetime.timedelta or None, got int"),
    (dict(store=object()), ValueError, "init_process_group: store is not supported"),
])
def test_init_process_group_arguments_are_checked(fresh_group, kwargs, error, message):
    with pytest.raises(error) as info:
        dist.init_process_group(**kwargs)
    assert message in str(info.value)
    assert dist.get_world_size() == 1


def test_a_collective_of_one_with_a_reduce_op_works_in_place(fresh_group):
    x = mg.tensor([1.5, -2.0])
    for op in dist.ReduceOp:
        if op.name.startswith("B"):   # bitwise: integers and bools
            i, b = np.array([6, -3]), np.array([True, False])
            assert dist.all_reduce(i, op=op).tolist() == [6, -3] and dist.all_reduce(b, op=op).tolist() == [True, False]
            continue
        assert dist.all_reduce(x, op=op).numpy().tolist() == [1.5, -2.0] and x.numpy().tolist() == [1.5, -2.0]
    work = dist.broadcast(x, 0, async_op=True)
    assert work.wait() is True and work.is_completed()
    out = [np.zeros(2, dtype=np.float32)]
    assert dist.all_gather(out, x) is None and out[0].tolist() == [1.5, -2.0]
    y = np.array([4.0])
    assert dist.reduce(y, 0, dist.ReduceOp.AVG) is None and y.tolist() == [4.0]
    objects = [None]
    dist.all_gather_object(objects, (1, "a"))
    assert objects == [[1, "a"]]   # JSON: a tuple arrives as a list
    # torch's other collectives: in a world of one, copies.
    into = mg.zeros(2, 3)
    assert dist.all_gather_into_tensor(into, mg.ones(2, 3)) is None and into.tolist() == [[1.0] * 3] * 2
    block = np.zeros(2)
    dist.reduce_scatter_tensor(block, np.array([3.0, 4.0]), op=dist.ReduceOp.AVG)
    dist.reduce_scatter(x, [mg.tensor([5.0, 6.0])])
    assert block.tolist() == [3.0, 4.0] and x.tolist() == [5.0, 6.0]
    gathered, scattered = [np.zeros(2)], np.zeros(2)
    dist.gather(np.array([1.0, 2.0]), gathered)
    dist.scatter(scattered, [np.array([7.0, 8.0])])
    assert gathered[0].tolist() == [1.0, 2.0] and scattered.tolist() == [7.0, 8.0]
    outputs = [mg.zeros(1, 2)]
    assert dist.all_to_all(outputs, [mg.tensor([[9.0, 1.0]])], async_op=True).wait()
    assert outputs[0].tolist() == [[9.0, 1.0]]
    assert dist.barrier() is None and dist.barrier(async_op=True).wait() and dist.get_rank(dist.group.WORLD) == 0
    everyone = dist.new_group()
    assert everyone is dist.group.WORLD and dist.new_group([0]) is everyone
    dist.all_reduce(x, group=everyone)
    with pytest.raises(NotImplementedError, match=r"new_group: only the group of every rank \(0 to 0\) exists here, "
                                                  r"got ranks=\[0, 1\]"):
        dist.new_group([0, 1])


def test_point_to_point_and_all_to_all_single_in_a_world_of_one(fresh_group, device):
    """A plain process: isend to itself waits, copied, for the receive with its tag (in either order), as MPI's
    send to self; all_to_all_single is a copy. CUDA tensors stay on their device (tools.fake_cupy runs this)."""
    sent = mg.tensor([[1.5, -2.0]], device=device)
    early = mg.zeros(1, 2, device=device)
    pending = dist.irecv(early, src=0, tag=4)
    assert not pending.is_completed() and repr(pending) == "Work(irecv from rank 0, tag 4, pending)"
    work = dist.isend(sent, 0, tag=4)
    sent.data[...] = 0.0   # isend copied it
    assert isinstance(work, dist.Work) and work.wait() is True and work.is_completed()
    assert pending.is_completed() and pending.source_rank() == 0 and early.tolist() == [[1.5, -2.0]]
    assert early.device == sent.device
    late = np.zeros(3, np.int64)
    dist.isend(np.arange(3), 0, tag=1)
    dist.isend(np.arange(3) + 10, 0, tag=2)
    assert dist.recv(late, tag=2) == 0 and late.tolist() == [10, 11, 12]   # by tag, not in order
    assert dist.recv(late, 0, tag=1) == 0 and late.tolist() == [0, 1, 2]
    ring = [mg.zeros(2, dtype=mg.int32, device=device), mg.zeros(2, dtype=mg.int32, device=device)]
    ops = [dist.P2POp(dist.irecv, ring[0], 0), dist.P2POp(dist.isend, mg.tensor([3, 4], dtype=mg.int32, device=device),
                                                          0), dist.P2POp(dist.irecv, ring[1], group_peer=0, tag=1),
           dist.P2POp(dist.isend, mg.tensor([5, 6], dtype=mg.int32, device=device), 0, tag=1)]
    works = dist.batch_isend_irecv(ops)
    assert len(works) == 4 and all(w.wait() for w in works) and [r.tolist() for r in ring] == [[3, 4], [5, 6]]
    assert repr(ops[0]) == "P2POp(irecv, peer=0, tag=0, (2,) int32)"
    out = mg.zeros(3, 2, dtype=mg.complex64, device=device)
    source = mg.tensor(np.arange(6).reshape(3, 2) * 1j, dtype=mg.complex64, device=device)
    assert dist.all_to_all_single(out, source, [3], [3]) is None and out.tolist() == source.tolist()
    assert dist.all_to_all_single(out, source * 2, async_op=True).wait() and out.tolist() == (source * 2).tolist()
    assert out.device == source.device


@pytest.mark.parametrize("call, error, message", [
    (lambda: dist.all_reduce(mg.ones(2), op="min"), ValueError,
     "all_reduce: op must be one of 'sum', 'mean', 'max', got 'min' (or a ReduceOp: SUM, AVG, PRODUCT, MIN, MAX, "
     "BAND, BOR, BXOR)"),
    (lambda: dist.all_reduce(mg.ones(2), op=dist.ReduceOp.BXOR), TypeError,
     "all_reduce: ReduceOp.BXOR needs an integer or bool tensor, got float32"),
    (lambda: dist.reduce(np.ones(2), op=dist.ReduceOp.BAND), TypeError,
     "reduce: ReduceOp.BAND needs an integer or bool tensor, got float64"),
    (lambda: dist.all_reduce(mg.ones(2), op=3), TypeError, "all_reduce: op must be a ReduceOp"),
    (lambda: dist.all_reduce(np.arange(3), op=dist.ReduceOp.AVG), TypeError,
     "all_reduce: ReduceOp.AVG in place needs a floating-point tensor, got int64"),
    (lambda: dist.all_reduce(mg.ones(2), "sum", async_op=True), ValueError,
     "all_reduce: async_op=True is torch's in-place form; pass op as a ReduceOp rather than 'sum'"),
    (lambda: dist.all_reduce(mg.ones(2), group="workers"), ValueError,
     "all_reduce: only the default group of every rank exists here (group=None or dist.group.WORLD), "
     "got group='workers'"),
    (lambda: dist.all_gather([mg.ones(2), mg.ones(2)], mg.ones(2)), ValueError,
     "all_gather: tensor_list must hold world-size (1) tensors, got 2 entries"),
    (lambda: dist.all_gather([mg.ones(3)], mg.ones(2)), ValueError,
     "all_gather: tensor_list[0] is (3,) float32, tensor is (2,) float32: they must match"),
    (lambda: dist.reduce(mg.ones(2), dst=1), ValueError, "reduce: dst must be a rank in [0, 0], got 1"),
    (lambda: dist.all_gather_into_tensor(mg.zeros(3), mg.ones(2)), ValueError,
     "all_gather_into_tensor: output_tensor is (3,) float32, input_tensor (2,) float32: output_tensor must hold "
     "world size times input_tensor's 2 elements of the same dtype"),
    (lambda: dist.reduce_scatter_tensor(mg.zeros(2), mg.ones(3)), ValueError,
     "reduce_scatter_tensor: input is (3,) float32, output (2,) float32: input must hold world size times "
     "output's 2 elements of the same dtype"),
    (lambda: dist.reduce_scatter_tensor(np.zeros(2, int), np.ones(2, int), op=dist.ReduceOp.AVG), TypeError,
     "reduce_scatter_tensor: ReduceOp.AVG needs a floating-point tensor, got int64"),
    (lambda: dist.gather(mg.ones(2), [mg.ones(3)]), ValueError,
     "gather: gather_list[0] is (3,) float32, the tensor is (2,) float32: they must match"),
    (lambda: dist.scatter(mg.ones(2), None), ValueError,
     "scatter: scatter_list must hold world-size (1) tensors, got NoneType"),
    (lambda: dist.all_to_all([mg.zeros(3)], [mg.ones(2)]), ValueError,
     "all_to_all: rank 0: output_tensor_list[0] holds 3 elements, rank 0 sends 2"),
    (lambda: dist.send(mg.ones(2), 0), ValueError,
     "send: dst must be another rank than this one (0); isend may send to itself, got dst=0"),
    (lambda: dist.send(mg.ones(2), 1), ValueError, "send: dst must be a rank in [0, 0], got 1"),
    (lambda: dist.isend(mg.ones(2)), ValueError, "isend: dst (or group_dst) must be a rank, got None"),
    (lambda: dist.isend(mg.ones(2), 0, group_dst=0), ValueError,
     "isend: give dst or group_dst, not both (they name the same rank here), got dst=0, group_dst=0"),
    (lambda: dist.isend(mg.ones(2), 0, tag=-1), ValueError, "isend: tag must be a non-negative integer, got -1"),
    (lambda: dist.isend([1.0], 0), TypeError, "isend: tensor must be a Tensor or an array, got list"),
    (lambda: dist.irecv(mg.ones(2), src=2), ValueError, "irecv: src must be a rank in [0, 0], got 2"),
    (lambda: dist.irecv(np.zeros((3, 4))[:, ::2]), ValueError,
     "irecv: tensor must be contiguous (written in place as one block), got a non-contiguous (3, 2) float64 view"),
    (lambda: dist.recv(2.0), TypeError, "recv: tensor must be a Tensor or an array (written in place), got float"),
    (lambda: dist.recv(mg.ones(2), tag=12345), RuntimeError,
     "recv: nothing has been sent to this rank with tag 12345, and in a world of one (no MPI) only this process's "
     "isend can send it: waiting would never end"),
    (lambda: (dist.isend(mg.ones(3), 0, tag=6), dist.recv(mg.ones(2), 0, tag=6)), ValueError,
     "recv: rank 0 sent a (3,) float32 tensor (tag 6), larger than this rank's tensor, (2,) float32: they must have "
     "the same shape and dtype"),
    (lambda: (dist.isend(np.ones(2, np.int32), 0, tag=6), dist.recv(mg.ones(2), 0, tag=6)), ValueError,
     "recv: rank 0 sent a (2,) int32 tensor (tag 6), this rank's tensor is (2,) float32: they must have the same "
     "shape and dtype"),
    (lambda: (dist.isend(mg.ones(1, 2), 0, tag=6), dist.recv(mg.ones(2), 0, tag=6)), ValueError,
     "recv: rank 0 sent a (1, 2) float32 tensor (tag 6), this rank's tensor is (2,) float32"),
    (lambda: dist.P2POp(dist.send, mg.ones(2), 0), ValueError,
     "P2POp: op must be dist.isend or dist.irecv, got 'send'"),
    (lambda: dist.P2POp(dist.isend, mg.ones(2)), ValueError, "P2POp: peer (or group_peer) must be a rank, got None"),
    (lambda: dist.batch_isend_irecv([]), ValueError,
     "batch_isend_irecv: p2p_op_list must be a non-empty list of dist.P2POp, got a list of 0"),
    (lambda: dist.batch_isend_irecv([dist.isend]), ValueError,
     "batch_isend_irecv: p2p_op_list must be a non-empty list of dist.P2POp, got a list of function"),
    (lambda: dist.all_to_all_single(np.zeros(3), np.zeros(3), [1, 1]), ValueError,
     "all_to_all_single: output_split_sizes must be None or hold world-size (1) non-negative integers, got [1, 1]"),
    (lambda: dist.all_to_all_single(np.zeros(3), np.zeros(3), None, [-1]), ValueError,
     "all_to_all_single: input_split_sizes must be None or hold world-size (1) non-negative integers, got [-1]"),
    (lambda: dist.all_to_all_single(np.zeros(3), np.zeros(3), [2]), ValueError,
     "all_to_all_single: output_split_sizes [2] sum to 2, output's dim 0 is 3 (output is (3,) float64)"),
    (lambda: dist.all_to_all_single(np.zeros(3), np.zeros(2)), ValueError,
     "all_to_all_single: rank 0: output_split_sizes[0] is 3 rows (3 elements), rank 0 sends 2 elements"),
    (lambda: dist.all_to_all_single(np.zeros((3, 2))[:, :1], np.zeros((3, 1))), ValueError,
     "all_to_all_single: output must be contiguous (written in place as one block), got a non-contiguous (3, 1) "
     "float64 view"),
    (lambda: dist.all_to_all_single(np.zeros(3, np.float32), np.zeros(3)), ValueError,
     "all_to_all_single: output is (3,) float32, input (3,) float64: they must have one dtype and the same sizes "
     "past dim 0"),
    (lambda: dist.all_to_all_single(np.zeros((3, 2)), np.zeros((3, 3))), ValueError,
     "all_to_all_single: output is (3, 2) float64, input (3, 3) float64: they must have one dtype"),
    (lambda: dist.all_to_all_single(np.zeros(()), np.zeros(())), ValueError,
     "all_to_all_single: output must have at least one dimension (it is cut along dim 0), got a 0-d float64 tensor"),
    (lambda: dist.all_to_all_single(mg.zeros(2), [1.0, 2.0]), TypeError,
     "all_to_all_single: input must be a Tensor or an array, got list"),
    (lambda: dist.barrier(group="workers"), ValueError, "barrier: only the default group"),
    (lambda: dist.reduce(2.0, dst=0), TypeError, "reduce: tensor must be a Tensor or an array (written in place)"),
    (lambda: dist.all_gather_object([], 1), ValueError,
     "all_gather_object: object_list must be a list of world-size (1) length, got a list of 0"),
    (lambda: dist.broadcast_object_list((1,)), TypeError, "broadcast_object_list: object_list must be a list, got tuple"),
    (lambda: dist.DistributedDataParallel(Linear(2, 2), device_ids=[0]), ValueError,
     "DistributedDataParallel: device_ids names cuda:0, but the module's parameters and buffers are on cpu"),
    (lambda: dist.DistributedDataParallel(Linear(2, 2), device_ids=[0, 1]), ValueError,
     "DistributedDataParallel: device_ids must be None or hold the module's one device, got [0, 1]"),
    (lambda: dist.DistributedDataParallel(Linear(2, 2), dim=1), ValueError,
     "DistributedDataParallel: dim must be 0 (one device per process), got 1"),
    (lambda: dist.DistributedDataParallel(Linear(2, 2), mixed_precision="bf16"), NotImplementedError,
     "DistributedDataParallel: mixed_precision is not supported here (got 'bf16')"),
])
def test_bad_torch_style_arguments_are_named(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)


def test_ddp_takes_torchs_arguments_and_keeps_module():
    model = Linear(3, 2)
    wrapped = dist.DistributedDataParallel(model, None, None, 0, None, True, dist.group.WORLD, None,
                                           gradient_as_bucket_view=True, static_graph=True)
    assert wrapped.module is model and wrapped.broadcast_buffers is True
    wrapped(mg.ones((4, 3))).sum().backward()
    assert np.array_equal(model.weight.grad.numpy(), np.full(model.weight.shape, 4.0))


def test_a_torch_spelled_script_on_two_ranks_equals_the_same_script_in_one_process(tmp_path):
    two, one = tmp_path / "two.npz", tmp_path / "one.npz"
    proc = run_mpi(2, [SCRIPT, two, 8])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "torch-style ok rank 0" in proc.stdout and "torch-style ok rank 1" in proc.stdout, proc.stdout
    env = {k: v for k, v in mpi_env().items() if k not in dist.launch.LAUNCHER_VARIABLES}
    plain = subprocess.run([sys.executable, str(SCRIPT), str(one), "16"], cwd=REPO, env=env, capture_output=True,
                           text=True, timeout=120)
    assert plain.returncode == 0 and plain.stdout.split() == ["torch-style", "ok", "rank", "0"], plain.stderr
    with np.load(two) as a, np.load(one) as b:
        assert a.files == b.files and len(a.files) == 4
        for key in a.files:
            assert a[key].dtype == np.float64
            scale = np.abs(b[key]).max()
            assert np.abs(a[key] - b[key]).max() <= 1e-12 * scale, key
