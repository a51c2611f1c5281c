"""Case 7: threaded elementwise updates (``minigrad.optim.threads``), before and after, against PyTorch.

Every side runs in one process, alternating, as in every case: minigrad with its
default thread count, minigrad with one thread (exactly the code before
threading), the hand-written NumPy reference (one thread, as NumPy is) and
PyTorch on the CPU with its own default threads. Two measurements:

* one optimizer step over 1M float32 parameters, for every first-order optimizer
  (the configurations of case 4); the row's ratio is minigrad / PyTorch, target 1.0;
* one MNIST-shaped SGD epoch (784-1000-50-10, batch 64 and 256, as case 1); the
  row's ratio is minigrad with its default threads / minigrad with one thread,
  target 1.0 (threading must not make training slower). PyTorch's epoch is in
  case 1 (``--only mnist``), which runs minigrad with its default threads too;
  it is left out here, where it would double the time of the case.

Both minigrad sides step the same optimizer or model, so the threads cannot
change the result (bit-identical, tested in tests/optim/test_threads.py), and
the reference is checked to reach the same parameters.
"""
from __future__ import annotations

import numpy as np

import minigrad as mg
from minigrad import optim
from minigrad.backend import to_numpy
from minigrad.data import ArrayDataset, DataLoader
from minigrad.nn import functional as F
from minigrad.optim import threads

from benchmarks import reference
from benchmarks.bench_mlp import MNIST_SIZES, build_minigrad, init_weights
from benchmarks.bench_optim import CONFIGS
from benchmarks.common import add_torch, summarize, time_alternating

TARGET_VS_TORCH = 1.0


def _with_threads(n, fn):
    """``fn`` run with ``n`` threads (None: the default), the previous setting restored after."""
    def run(*args):
        before = threads._num_threads
        threads.set_num_threads(n)
        try:
            return fn(*args)
        finally:
            threads.set_num_threads(before)
    return run


def _extra(row, times, n_threads):
    """The before/after columns every row of this case carries."""
    med = {name: float(np.median(ts)) for name, ts in times.items()}
    row["threads"] = n_threads
    row["minigrad_1thread_s"] = med["minigrad_1thread"]
    row["minigrad_vs_1thread"] = med["minigrad"] / med["minigrad_1thread"]
    row["numpy_reference_s"] = med.get("numpy_reference")
    if "numpy_reference" in med:
        row["minigrad_vs_numpy_reference"] = med["minigrad"] / med["numpy_reference"]
    if "torch" in med:
        row["minigrad_1thread_vs_torch"] = med["minigrad_1thread"] / med["torch"]
    return row


def threaded_optimizer_steps(ctx):
    """Every first-order optimizer over 1M float32 parameters: threads vs one thread vs NumPy vs PyTorch."""
    if ctx.device != "cpu":
        return []   # CuPy arrays never take the threaded path
    n = ctx.pick(1_000_000, 300_000)
    shape = (1000, n // 1000)
    steps = ctx.pick(10, 2)
    reps = ctx.n_reps(11, 2)
    n_threads = threads.get_num_threads()
    rng = np.random.default_rng(ctx.seed)
    theta0 = rng.standard_normal(shape).astype(np.float32)
    grad = (rng.standard_normal(shape) * 0.01).astype(np.float32)
    rows = []
    for label, cls, kw, ref_name, ref_kw, torch_cls, torch_kw in CONFIGS:
        p = mg.tensor(theta0, requires_grad=True)
        p.grad = mg.Tensor(grad)
        opt = getattr(optim, cls)([p], **kw)
        ref = reference.FusedOptimizer(ref_name, theta0.copy(), **ref_kw)

        def run_minigrad():
            for _ in range(steps):
                opt.step()
            return steps

        def run_reference():
            for _ in range(steps):
                ref.step(grad)
            return steps

        sides = {"minigrad": (_with_threads(None, run_minigrad), ctx.sync),
                 "minigrad_1thread": (_with_threads(1, run_minigrad), ctx.sync),
                 "numpy_reference": (run_reference, ctx.sync)}

        def make_torch():
            torch = ctx.torch
            tp = torch.nn.Parameter(torch.from_numpy(theta0.copy()))
            tp.grad = torch.from_numpy(grad.copy())
            topt = getattr(torch.optim, torch_cls)([tp], **torch_kw)
            for _ in range(10):
                topt.step()

            def run_torch():
                for _ in range(steps):
                    topt.step()
                return steps
            return run_torch
        if not ctx.quick:   # a smoke run's ratios mean nothing, and on a busy machine PyTorch's threads crawl
            add_torch(ctx, sides, make_torch)
        for _ in range(10):   # steady state: state allocated, RAdam past its first five steps
            opt.step()
            ref.step(grad)
        times = time_alternating(ctx, sides, reps, warmup=0)
        versus = "torch" if "torch" in times else "numpy_reference"
        row = summarize("threaded_optimizer_step", f"{label}, {n_threads} threads vs {versus}", times,
                        target=TARGET_VS_TORCH if versus == "torch" else None, unit="s/step",
                        params={"parameters": int(np.prod(shape)), "dtype": "float32", "hyper": kw,
                                "steps_per_rep": steps}, ref=versus)
        # Both minigrad sides stepped one optimizer (10 warm-up steps, then both sides' steps):
        # a reference that took as many steps must hold the same parameters.
        check = reference.FusedOptimizer(ref_name, theta0.copy(), **ref_kw)
        for _ in range(10 + 2 * reps * steps):
            check.step(grad)
        row["check_max_abs_param_diff"] = float(np.abs(to_numpy(p.data) - check.theta).max())
        rows.append(_extra(row, times, n_threads))
        _progress(row)
        del opt, ref, p, check
    return rows


def threaded_mnist_epoch(ctx):
    """One MNIST-shaped SGD epoch at batch 64 and 256: default threads vs one thread vs NumPy vs PyTorch."""
    if ctx.device != "cpu":
        return []
    n = ctx.pick(60000, 768)
    rng = np.random.default_rng(ctx.seed)
    X, y = rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n).astype(np.int64)
    n_threads = threads.get_num_threads()
    rows = []
    for batch in (64, 256):
        ws, bs = init_weights(MNIST_SIZES, ctx.seed)
        model = build_minigrad(ctx, MNIST_SIZES, ws, bs)
        opt = optim.SGD(model.parameters(), lr=0.01)
        ref = reference.MLP(ws, bs, loss="ce")
        dataset = ArrayDataset(X, y)
        seeds = {"minigrad": 0, "numpy_reference": 0}

        def run_minigrad():
            # Both minigrad sides train the one model, each epoch shuffled with the next seed.
            seeds["minigrad"] += 1
            for xb, yb in DataLoader(dataset, batch_size=batch, shuffle=True, seed=seeds["minigrad"]):
                opt.zero_grad()
                F.cross_entropy(model(xb), yb).backward()
                opt.step()

        def run_reference():
            seeds["numpy_reference"] += 1
            order = np.random.default_rng(seeds["numpy_reference"]).permutation(n)
            for start in range(0, n, batch):
                idx = order[start:start + batch]
                ref.step(X[idx], y[idx], 0.01)

        sides = {"minigrad": (_with_threads(None, run_minigrad), ctx.sync),
                 "minigrad_1thread": (_with_threads(1, run_minigrad), ctx.sync),
                 "numpy_reference": (run_reference, ctx.sync)}
        times = time_alternating(ctx, sides, ctx.n_reps(5, 2), warmup=1)
        row = summarize("threaded_mnist_epoch", f"batch {batch}, {n_threads} threads vs 1 thread", times,
                        target=1.0, unit="s/epoch", mg="minigrad", ref="minigrad_1thread",
                        params={"samples": n, "batch": batch, "sizes": MNIST_SIZES, "lr": 0.01})
        rows.append(_extra(row, times, n_threads))
        _progress(row)
    return rows


def _progress(row):
    """One line as soon as a row is measured: on a busy machine this case takes long."""
    print(f"    ({row['variant']}: default threads {row['minigrad_s'] * 1e3:.3f} ms, 1 thread "
          f"{row['minigrad_1thread_s'] * 1e3:.3f} ms, NumPy reference {row['numpy_reference_s'] * 1e3:.3f} ms"
          + (f", PyTorch {row['torch_s'] * 1e3:.3f} ms" if row.get("torch_s") else "") + ")", flush=True)


def threaded_updates(ctx):
    return threaded_optimizer_steps(ctx) + threaded_mnist_epoch(ctx)
