"""Two source trees timed in turns against the same hand-written reference: a refactor's speed, before and after.

    python -m benchmarks.compare_trees OLD_TREE NEW_TREE [--device cuda] [--rounds 3] [--cases mnist256,wide]

One run of the suite cannot tell a 5% change from the load: on the GPU machines the hand-written
CuPy epoch alone took 263 ms in one run and 493 ms in another. Here each tree runs in a process of its
own, in turns (old, new, old, new, ...), and each process times its minigrad against the reference
alternately, so every ratio is taken under the same load as its reference. The figure for a tree and
a case is the median over the rounds of each run's paired-median ratio (minigrad / reference), with the
range. Cases: ``mnist256``, one SGD epoch of the MNIST MLP at batch 256 (9 repetitions), and ``wide``,
the 4096-wide training step (9), as in ``python -m benchmarks``; ``--quick`` takes their smoke sizes.
A tree is a checkout (a git worktree, or ``git archive REV minigrad benchmarks | tar -x -C DIR``) with
``minigrad/`` and ``benchmarks/``; each is timed with its own code.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

CASES = ("mnist256", "wide")


def _child(tree, device, quick, cases):
    """In a fresh process: the ratios of ``tree``'s minigrad for ``cases``, as one JSON line."""
    sys.path.insert(0, os.path.abspath(tree))
    import minigrad

    if not os.path.abspath(minigrad.__file__).startswith(os.path.abspath(tree)):
        raise SystemExit(f"benchmarks.compare_trees: imported minigrad from {minigrad.__file__}, not from {tree}")
    from benchmarks import bench_mlp, reference
    from benchmarks.common import Context

    ctx = Context(device, quick=quick)
    ctx.torch = None   # minigrad against the reference only: PyTorch's column would double the time
    reference.use(ctx.xp)
    ratios = {}
    for case in cases:
        ctx.reps = 9 if not quick else 2
        row = _mnist_epoch(ctx, bench_mlp, 256) if case == "mnist256" else bench_mlp.wide_step(ctx)[0]
        ratios[case] = row["ratio_paired_median"]
    print(json.dumps(ratios))


def _mnist_epoch(ctx, bench_mlp, batch):
    """``bench_mlp.mnist_epoch``'s row for one batch size. That function times batch 64 too (twice this case's
    time) and takes no batch argument in trees from before this tool, which must run here as well: hence this
    copy of its batch-256 half, from the tree's own building blocks."""
    import numpy as np

    from benchmarks import reference
    from benchmarks.common import summarize, time_alternating
    from minigrad import optim
    from minigrad.data import ArrayDataset, DataLoader
    from minigrad.nn import functional as F

    n = ctx.pick(60000, 768)
    rng = np.random.default_rng(ctx.seed)
    X = ctx.asarray(rng.random((n, 784), dtype=np.float32))
    y = ctx.asarray(rng.integers(0, 10, n).astype(np.int64))
    ws, bs = bench_mlp.init_weights(bench_mlp.MNIST_SIZES, ctx.seed)
    model = bench_mlp.build_minigrad(ctx, bench_mlp.MNIST_SIZES, ws, bs)
    opt = optim.SGD(model.parameters(), lr=0.01)
    ref = reference.MLP(ws, bs, loss="ce")
    dataset, seeds = ArrayDataset(X, y), {"minigrad": 0, "reference": 0}

    def run_minigrad():
        seeds["minigrad"] += 1
        for xb, yb in DataLoader(dataset, batch_size=batch, shuffle=True, seed=seeds["minigrad"], device=ctx.device):
            opt.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            opt.step()

    def run_reference():
        seeds["reference"] += 1
        order = ctx.xp.asarray(np.random.default_rng(seeds["reference"]).permutation(n))
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            ref.step(X[idx], y[idx], 0.01)

    sides = {"minigrad": (run_minigrad, ctx.sync), "reference": (run_reference, ctx.sync)}
    return summarize("mnist_epoch", f"batch {batch}", time_alternating(ctx, sides, ctx.reps, warmup=1))


def compare(trees, device="cpu", rounds=3, cases=CASES, quick=False, run=subprocess.run):
    """``{tree: {case: [ratio per round]}}``, the trees taking turns round by round."""
    results = {tree: {case: [] for case in cases} for tree in trees}
    for _ in range(rounds):
        for tree in trees:
            cmd = [sys.executable, os.path.abspath(__file__), "--child", tree, device, str(int(quick)), ",".join(cases)]
            done = run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"benchmarks.compare_trees: {tree} failed:\n{done.stderr[-3000:]}")
            for case, ratio in json.loads(done.stdout.strip().splitlines()[-1]).items():
                results[tree][case].append(ratio)
    return results


def table(results):
    """One line per tree and case: the median ratio over the rounds, and their range."""
    lines = []
    for tree, by_case in results.items():
        for case, ratios in by_case.items():
            lines.append(f"{tree}  {case}: {statistics.median(ratios):.3f} "
                         f"(rounds {min(ratios):.3f} to {max(ratios):.3f}, n={len(ratios)})")
    return lines


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compare_trees", description=__doc__.split("\n")[0])
    parser.add_argument("trees", nargs="+", help="source trees, each with minigrad/ and benchmarks/")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    parser.add_argument("--rounds", type=int, default=3, help="turns per tree (default 3)")
    parser.add_argument("--cases", default=",".join(CASES), help=f"comma-separated among {', '.join(CASES)}")
    parser.add_argument("--quick", action="store_true", help="the smoke sizes (the ratios mean nothing)")
    args = parser.parse_args(argv)
    args.cases = tuple(c for c in args.cases.split(",") if c)
    unknown = [c for c in args.cases if c not in CASES]
    if unknown or not args.cases:
        parser.error(f"--cases must name some of {', '.join(CASES)}, got {args.cases!r}")
    if args.rounds < 1:
        parser.error(f"--rounds must be a positive integer, got {args.rounds}")
    for tree in args.trees:
        if not (os.path.isfile(os.path.join(tree, "minigrad", "__init__.py"))
                and os.path.isfile(os.path.join(tree, "benchmarks", "bench_mlp.py"))):
            parser.error(f"{tree} is not a minigrad source tree (it needs minigrad/ and benchmarks/)")
    return args


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        tree, device, quick, cases = argv[1:5]
        _child(tree, device, quick == "1", tuple(cases.split(",")))
        return 0
    args = parse_args(argv)
    print("\n".join(table(compare(args.trees, args.device, args.rounds, args.cases, args.quick))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
