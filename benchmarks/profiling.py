"""cProfile of one minigrad workload, reported per training step.

    python -m benchmarks.profiling tiny  [--steps 3000] [--top 30]
    python -m benchmarks.profiling mnist [--steps 300] [--batch 64] [--top 30] [--device cuda]

``tiny`` is the 2-16-16-1 batch-1 step of case 2, ``mnist`` the 784-1000-50-10
step of case 1 (synthetic data through DataLoader). Prints the functions with
the most own time (tottime), in microseconds per step, and the call counts per
step, then the same grouped by source file. Profiling inflates Python-level
costs (each call is traced), so read shares, not absolute times; the
unprofiled time per step is printed first for scale.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from collections import defaultdict

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

import minigrad as mg  # noqa: E402
from minigrad import optim  # noqa: E402
from minigrad.data import ArrayDataset, DataLoader  # noqa: E402
from minigrad.nn import functional as F  # noqa: E402

from benchmarks.bench_mlp import MNIST_SIZES, TINY_SIZES, build_minigrad, init_weights  # noqa: E402
from benchmarks.common import Context  # noqa: E402


def make_tiny(ctx, phases=None):
    model = build_minigrad(ctx, TINY_SIZES, *init_weights(TINY_SIZES))
    opt = optim.SGD(model.parameters(), lr=0.01)
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((1, 2)).astype(np.float32))
    t = mg.tensor(rng.standard_normal((1, 1)).astype(np.float32))

    def run(steps):
        for _ in range(steps):
            opt.zero_grad()
            loss = F.mse_loss(model(x), t)
            loss.backward()
            opt.step()

    def run_phases(steps):
        """Each phase timed on its own (no profiler): zero_grad, forward + loss, backward, step."""
        clock = time.perf_counter
        acc = {"zero_grad": 0.0, "forward + loss": 0.0, "backward": 0.0, "optimizer step": 0.0}
        for _ in range(steps):
            t0 = clock()
            opt.zero_grad()
            t1 = clock()
            loss = F.mse_loss(model(x), t)
            t2 = clock()
            loss.backward()
            t3 = clock()
            opt.step()
            t4 = clock()
            acc["zero_grad"] += t1 - t0
            acc["forward + loss"] += t2 - t1
            acc["backward"] += t3 - t2
            acc["optimizer step"] += t4 - t3
        return {k: v / steps for k, v in acc.items()}
    run.phases = run_phases
    return run


def make_mnist(ctx, batch):
    model = build_minigrad(ctx, MNIST_SIZES, *init_weights(MNIST_SIZES))
    opt = optim.SGD(model.parameters(), lr=0.01)
    rng = np.random.default_rng(0)
    n = 60000
    ds = ArrayDataset(rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n))
    state = {"it": iter(())}

    def next_batch():
        try:
            return next(state["it"])
        except StopIteration:
            state["it"] = iter(DataLoader(ds, batch_size=batch, shuffle=True, seed=1, device=ctx.device))
            return next(state["it"])

    def run(steps):
        for _ in range(steps):
            xb, yb = next_batch()
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
    return run


def profile(run, steps, top, sync=None):
    """``sync`` waits for a GPU (None on the CPU): then the host's time to queue a step is printed too."""
    run(max(10, steps // 10))                     # warm up
    if sync:
        sync()
    t0 = time.perf_counter()
    run(steps)
    queued = (time.perf_counter() - t0) / steps
    if sync:
        sync()
    plain = (time.perf_counter() - t0) / steps
    if sync:
        print(f"host time to queue a step: {queued * 1e6:.1f} us (the device finished {plain * 1e6:.1f} us/step)")
    prof = cProfile.Profile()
    prof.enable()
    run(steps)
    prof.disable()
    stats = pstats.Stats(prof)
    total = stats.total_tt / steps
    print(f"unprofiled: {plain * 1e6:.1f} us/step; profiled: {total * 1e6:.1f} us/step "
          f"({stats.total_calls / steps:.0f} function calls/step)")
    if hasattr(run, "phases"):
        phases = run.phases(steps)
        print("unprofiled phases: " + ", ".join(f"{k} {v * 1e6:.1f} us" for k, v in phases.items()))
    rows = []
    by_file = defaultdict(float)
    for (filename, line, func), (cc, nc, tt, ct, _callers) in stats.stats.items():
        rows.append((tt / steps, ct / steps, nc / steps, f"{_short(filename)}:{line}({func})"))
        by_file[_short(filename)] += tt / steps
    rows.sort(reverse=True)
    print(f"\n{'own us/step':>11} {'cum us/step':>11} {'calls/step':>10}  function")
    for tt, ct, nc, name in rows[:top]:
        print(f"{tt * 1e6:11.2f} {ct * 1e6:11.2f} {nc:10.1f}  {name}")
    print(f"\n{'own us/step':>11} {'share':>6}  file")
    for name, tt in sorted(by_file.items(), key=lambda kv: -kv[1])[:15]:
        print(f"{tt * 1e6:11.2f} {tt / total:6.1%}  {name}")
    return {"unprofiled_s_per_step": plain, "profiled_s_per_step": total, "top": rows[:top]}


def _short(filename):
    marker = os.sep + "minigrad" + os.sep
    if marker in filename:
        return "minigrad/" + filename.split(marker, 1)[1]
    return os.path.basename(filename) if filename.startswith(os.sep) else filename


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profiling", description=__doc__.split("\n")[0])
    parser.add_argument("workload", choices=["tiny", "mnist"])
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--device", default="cpu", help="where the model and batches live (mnist only)")
    args = parser.parse_args(argv)
    ctx = Context(args.device)
    if args.workload == "tiny":
        return profile(make_tiny(ctx), args.steps or 3000, args.top)
    return profile(make_mnist(ctx, args.batch), args.steps or 300, args.top,
                   sync=ctx.sync if ctx.device != "cpu" else None)


if __name__ == "__main__":
    main()
