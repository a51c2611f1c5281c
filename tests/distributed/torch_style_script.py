"""A data-parallel training script written in PyTorch's spelling (``import minigrad as torch``).

The tests run it unchanged two ways: ``mpiexec -n 2 python torch_style_script.py OUT 8`` (2 ranks
at batch 8) and ``python torch_style_script.py OUT 16`` (a plain process at batch 16), and compare
the weights each writes to OUT. On every rank it also checks torch's in-place collectives and
that ``no_sync`` gradient accumulation gives the gradient of one unaccumulated step; a failed
check is an uncaught exception, which ends the job. A rank that gets through prints
``torch-style ok rank R``.
"""
import sys

import numpy as np

import minigrad as torch
from minigrad.utils.data import DataLoader, TensorDataset
from minigrad.utils.data.distributed import DistributedSampler

dist = torch.distributed


def check_collectives(rank, world):
    base = np.array([1.0, -2.0, 3.0], dtype=np.float32)
    every = np.stack([base * (r + 1) for r in range(world)])       # what each rank contributes
    t = torch.tensor(base * (rank + 1))
    for op, expected in ((dist.ReduceOp.MAX, every.max(0)), (dist.ReduceOp.MIN, every.min(0)),
                         (dist.ReduceOp.AVG, every.mean(0)), (dist.ReduceOp.PRODUCT, every.prod(0))):
        x = t.clone()
        dist.all_reduce(x, op=op)                                   # in place, as torch's
        assert x.dtype == torch.float32 and np.allclose(x.numpy(), expected, rtol=1e-6), (op, x, expected)
    x = t.clone()
    work = dist.all_reduce(x, async_op=True)
    assert work.wait() and work.is_completed() and np.array_equal(x.numpy(), every.sum(0))
    gathered = [torch.zeros(3, dtype=torch.float32) for _ in range(world)]
    dist.all_gather(gathered, t)
    assert all(np.array_equal(g.numpy(), every[r]) for r, g in enumerate(gathered))
    b = torch.full((2,), float(rank))
    dist.broadcast(b, src=world - 1)
    assert b.numpy().tolist() == [world - 1.0] * 2
    r = t.clone()
    dist.reduce(r, dst=0, op=dist.ReduceOp.SUM)
    assert np.array_equal(r.numpy(), every.sum(0) if rank == 0 else every[rank])
    objects = [None] * world
    dist.all_gather_object(objects, {"rank": rank})
    assert objects == [{"rank": q} for q in range(world)]
    sent = ["from rank 0", 0] if rank == 0 else [None, None]
    dist.broadcast_object_list(sent, src=0)
    assert sent == ["from rank 0", 0]


def grads(model):
    return [p.grad.numpy().copy() for p in model.parameters()]


def main(out_path, batch):
    dist.init_process_group(backend="gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    assert dist.is_initialized() and dist.get_backend() == "gloo"
    check_collectives(rank, world)

    torch.set_default_dtype(torch.float64)   # so the two runs can be compared to rounding
    torch.manual_seed(rank)    # different on each rank: DDP copies rank 0's weights
    model = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3))
    ddp = torch.nn.parallel.DistributedDataParallel(model, device_ids=None)
    assert ddp.module is model
    optimizer = torch.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(1)
    X = torch.tensor(rng.standard_normal((96, 6)))
    Y = torch.tensor(rng.integers(0, 3, 96))
    dataset = TensorDataset(X, Y)
    sampler = DistributedSampler(dataset, shuffle=True, seed=5)
    loader = DataLoader(dataset, batch_size=batch, sampler=sampler)
    loss_fn = torch.nn.CrossEntropyLoss()
    for epoch in range(3):
        sampler.set_epoch(epoch)
        for x, y in loader:
            optimizer.zero_grad()
            loss_fn(ddp(x), y).backward()
            optimizer.step()

    # Gradient accumulation: half a batch inside no_sync (no allreduce: the ranks' gradients differ), the other
    # half outside it, each loss halved, gives the averaged gradient of one step on the whole local batch.
    xs, ys = X[rank * 16:(rank + 1) * 16], Y[rank * 16:(rank + 1) * 16]
    optimizer.zero_grad()
    with ddp.no_sync():
        (loss_fn(ddp(xs[:8]), ys[:8]) / 2).backward()
    local = grads(model)
    if world > 1:
        shards = [torch.zeros(local[0].shape) for _ in range(world)]
        dist.all_gather(shards, torch.tensor(local[0]))
        assert not np.array_equal(shards[0].numpy(), shards[1].numpy()), "no_sync must leave gradients local"
    (loss_fn(ddp(xs[8:]), ys[8:]) / 2).backward()
    accumulated = grads(model)
    optimizer.zero_grad()
    loss_fn(ddp(xs), ys).backward()
    for a, g in zip(accumulated, grads(model)):
        assert np.allclose(a, g, rtol=1e-12, atol=1e-14), np.abs(a - g).max()

    weights = [p.detach().numpy().copy() for p in model.parameters()]
    for w in weights:   # the replicas are identical, bit for bit
        copies = [torch.zeros(w.shape) for _ in range(world)]
        dist.all_gather(copies, torch.tensor(w))
        assert all(np.array_equal(c.numpy(), w) for c in copies)
    if rank == 0:
        np.savez(out_path, *weights)
    dist.barrier()
    dist.destroy_process_group()
    assert not dist.is_initialized()
    print(f"torch-style ok rank {rank}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
