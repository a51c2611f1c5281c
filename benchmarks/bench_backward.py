"""Case 5: how backward scales with graph size (deep chains and wide fan-outs).

Only ``loss.backward()`` is timed; the graphs are built untimed before each
repetition (backward frees them): one graph of the big size, or as many small
graphs as make the same number of nodes, so every timing covers the same work. Arrays are tiny (16 floats), so the time is the
engine's per-node cost. The target is linearity: the time per node of the
10 000-node graph within 1.5x of the 1 000-node graph's. Each size is also set
against the same chain rule written by hand (one array multiply per node).
"""
from __future__ import annotations

import numpy as np

import minigrad as mg

from benchmarks import reference
from benchmarks.common import summarize, time_alternating

TARGET_LINEAR = 1.5
WIDTH = 16


def _factors(n, seed):
    rng = np.random.default_rng(seed)
    return [float(c) for c in rng.uniform(0.999, 1.001, n)]


def deep_chain(ctx, n, factors):
    """``y = x * c_1 * ... * c_n`` (n Mul nodes), then ``y.sum()``."""
    x = mg.tensor(np.ones(WIDTH, np.float32), device=ctx.device, requires_grad=True)
    y = x
    for c in factors:
        y = y * c
    return x, y.sum()


def wide_graph(ctx, n, factors):
    """``h = 2x``; n branches ``h * c_i``; ``stack(branches).sum()`` (n + 3 nodes)."""
    x = mg.tensor(np.ones(WIDTH, np.float32), device=ctx.device, requires_grad=True)
    h = x * 2.0
    return x, mg.stack([h * c for c in factors]).sum()


def _run_case(ctx, kind, n, reps, total):
    """Time backward over ``total // n`` graphs of ``n`` nodes per repetition (same work at every size)."""
    build = deep_chain if kind == "deep chain" else wide_graph
    copies = max(1, total // n)
    factors = _factors(n, ctx.seed)
    xp = ctx.xp
    ref_factors = factors
    g0 = xp.ones(WIDTH, dtype=np.float32)
    g_rows = xp.ones((n, WIDTH), dtype=np.float32)

    def setup_minigrad():
        return [build(ctx, n, factors) for _ in range(copies)]

    def run_minigrad(graphs):
        for x, loss in graphs:
            loss.backward()
        return n * copies

    def run_reference():
        for _ in range(copies):
            if kind == "deep chain":
                reference.chain_backward(g0, ref_factors)
            else:
                reference.wide_backward(g_rows, ref_factors)
        return n * copies

    sides = {"minigrad": (run_minigrad, ctx.sync, setup_minigrad), "reference": (run_reference, ctx.sync)}
    times = time_alternating(ctx, sides, reps, warmup=1)
    return summarize("backward_scaling", f"{kind}, {n} nodes", times, unit="s/node",
                     params={"nodes": n, "width": WIDTH, "kind": kind, "graphs_per_rep": copies})


def backward_scaling(ctx):
    big = ctx.pick(10_000, 2_000)
    small = ctx.pick(1_000, 200)
    reps = ctx.n_reps(7, 3)
    rows = []
    for kind in ("deep chain", "wide graph"):
        r_small = _run_case(ctx, kind, small, reps, big)
        r_big = _run_case(ctx, kind, big, reps, big)
        scaling = r_big["minigrad_s"] / r_small["minigrad_s"]
        rows += [r_small, r_big, {
            "case": "backward_scaling",
            "variant": f"{kind}: per-node time {big} / {small} nodes",
            "unit": "ratio",
            "minigrad_s": r_big["minigrad_s"],
            "reference_s": r_small["minigrad_s"],
            "torch_s": None,
            "ratio": scaling,
            "torch_ratio": None,
            "target": TARGET_LINEAR,
            "holds": bool(scaling <= TARGET_LINEAR),
            "reps": reps,
            "params": {"kind": kind, "big": big, "small": small},
            "note": "ratio = minigrad per-node time at the big size / at the small size (linearity)",
        }]
    return rows
