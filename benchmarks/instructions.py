"""Instructions per tiny step, counted by Valgrind's callgrind: a speed figure the machine's load does not move.

    python -m benchmarks.instructions                      # this checkout: minigrad and the NumPy reference
    python -m benchmarks.instructions OLD_TREE NEW_TREE    # two source trees (git worktrees), before and after
    python -m benchmarks.instructions --phases             # also forward + loss, backward, optimizer step
    python -m benchmarks.instructions --backward OLD NEW    # per node of backward: the deep chain, the wide graph

The tiny step (case ``tiny``: 2-16-16-1 ReLU MLP, batch 1, MSE, SGD) is all
per-call overhead, and its time on a shared machine swings with the load: on
2026-12-03 one tree's best-of-300-blocks time read 143 us, then 213 us, in one
run. The number of instructions the CPU executes for the same step hardly
moves (repeated counts of one tree agreed to within 1%: memory addresses, and so
the hashing of id-keyed dicts, differ from run to run), so a refactor's cost on
this row can be read before and after without the load's noise. Instructions are not time (a cache
miss or a mispredicted branch costs more than one), so timings still decide;
the count says which part of a step grew, and by how much.

Each count runs one child process under ``valgrind --tool=callgrind`` with
instrumentation off (so that imports run fast), builds the model, runs 50
warm-up steps, then counts only the measured steps: the child switches
instrumentation and collection on around them, and collection off after, through
Valgrind's client requests, made from a three-line C helper compiled on first
use. It needs ``valgrind``, a C compiler and Valgrind's headers
(``valgrind/callgrind.h``, in Debian's ``valgrind`` package). Each count takes
under a minute.
"""
from __future__ import annotations

import argparse
import ctypes
import gc
import os
import shutil
import subprocess
import sys
import tempfile

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

_HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_HELPER_SOURCE = """#include <valgrind/callgrind.h>
void count_start(void) { CALLGRIND_START_INSTRUMENTATION; CALLGRIND_ZERO_STATS; CALLGRIND_TOGGLE_COLLECT; }
void count_stop(void) { CALLGRIND_TOGGLE_COLLECT; CALLGRIND_DUMP_STATS; }
"""
PHASES = ("step", "forward", "forward+backward", "optimizer")
WARMUP = 50
# ``--backward``: the backward case's graphs (``bench_backward``), this many nodes, this many graphs counted
GRAPH_NODES, GRAPHS = 1000, 3


def _helper_library(directory):
    """Compile the client-request helper into ``directory``; return its path."""
    source = os.path.join(directory, "count_region.c")
    library = os.path.join(directory, "count_region.so")
    with open(source, "w") as f:
        f.write(_HELPER_SOURCE)
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        raise SystemExit("benchmarks.instructions: no C compiler (cc or gcc) to build the callgrind helper")
    done = subprocess.run([compiler, "-shared", "-fPIC", "-O2", "-o", library, source],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit("benchmarks.instructions: could not compile the callgrind helper (are Valgrind's "
                         f"headers installed?):\n{done.stderr}")
    return library


def count(tree, phase, steps, library, directory):
    """Instructions per step of ``phase`` for the minigrad in source tree ``tree`` ("reference": the NumPy one)."""
    out = os.path.join(directory, "callgrind.out")
    command = ["valgrind", "--tool=callgrind", "--collect-atstart=no", "--instr-atstart=no",
               f"--callgrind-out-file={out}",
               sys.executable, os.path.abspath(__file__), "--child", tree, phase, str(steps), library]
    env = dict(os.environ, PYTHONHASHSEED="0")
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"benchmarks.instructions: the count for {tree} ({phase}) failed:\n{done.stderr[-3000:]}")
    total = 0
    for name in os.listdir(directory):
        if name.startswith("callgrind.out"):
            with open(os.path.join(directory, name)) as f:
                total += sum(int(line.split()[1]) for line in f if line.startswith("summary:"))
            os.remove(os.path.join(directory, name))
    return total / steps


def _child(tree, phase, steps, library):
    """Run under Valgrind: build the tiny step from ``tree``, warm it up, count ``steps`` steps of ``phase``."""
    if tree != "reference":
        sys.path.insert(0, os.path.abspath(tree))
    if phase in ("deep chain", "wide graph"):
        _graph_child(tree, phase, library)
        return
    import numpy as np

    from benchmarks import reference
    from benchmarks.bench_mlp import TINY_SIZES, build_minigrad, init_weights
    from benchmarks.common import Context

    ws, bs = init_weights(TINY_SIZES)
    rng = np.random.default_rng(0)
    x_host = rng.standard_normal((1, 2)).astype(np.float32)
    t_host = rng.standard_normal((1, 1)).astype(np.float32)
    if tree == "reference":
        ref = reference.MLP(ws, bs, loss="mse")
        if phase != "step":
            raise SystemExit("benchmarks.instructions: the reference is counted for the whole step only")

        def run(n, phase=phase):
            for _ in range(n):
                ref.step(x_host, t_host, 0.01)
    else:
        import minigrad as mg
        from minigrad import optim
        from minigrad.nn import functional as F

        if not os.path.abspath(mg.__file__).startswith(os.path.abspath(tree)):
            raise SystemExit(f"benchmarks.instructions: imported minigrad from {mg.__file__}, not from {tree}")
        model = build_minigrad(Context(), TINY_SIZES, ws, bs)
        opt = optim.SGD(model.parameters(), lr=0.01)
        x, t = mg.tensor(x_host), mg.tensor(t_host)

        def run(n, phase=phase):
            for _ in range(n):
                if phase == "optimizer":
                    opt.step()   # the gradients of the last warm-up step stay: each call updates every parameter
                    continue
                opt.zero_grad()
                loss = F.mse_loss(model(x), t)
                if phase != "forward":
                    loss.backward()
                    if phase == "step":
                        opt.step()
    run(WARMUP, "step")   # whole steps, whatever the phase: the optimizer phase then has gradients to apply
    region = ctypes.CDLL(library)
    region.count_start()
    run(steps)
    region.count_stop()


def _graph_child(tree, kind, library):
    """Run under Valgrind: build ``GRAPHS`` graphs of the backward case's ``kind`` untimed, count their backward."""
    import minigrad as mg
    from benchmarks.bench_backward import _factors, deep_chain, wide_graph
    from benchmarks.common import Context

    if not os.path.abspath(mg.__file__).startswith(os.path.abspath(tree)):
        raise SystemExit(f"benchmarks.instructions: imported minigrad from {mg.__file__}, not from {tree}")
    build, ctx = (deep_chain if kind == "deep chain" else wide_graph), Context()
    factors = _factors(GRAPH_NODES, 0)
    for _ in range(3):   # warm-up
        build(ctx, GRAPH_NODES, factors)[1].backward()
    losses = [build(ctx, GRAPH_NODES, factors)[1] for _ in range(GRAPHS)]
    # A collection of the oldest generation walks every object the process holds (the modules it imported, for
    # one); whether one falls in the counted region moved the wide graph's count by 1,000 a node between harnesses.
    gc.collect()
    gc.freeze()
    region = ctypes.CDLL(library)
    region.count_start()
    for loss in losses:
        loss.backward()
    region.count_stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs="*", help="source trees to count (default: this checkout)")
    parser.add_argument("--steps", type=int, default=100, help="steps counted per run (default 100)")
    parser.add_argument("--phases", action="store_true",
                        help="also count forward + loss, forward + backward and the optimizer step alone")
    parser.add_argument("--backward", action="store_true",
                        help=f"count backward per node of the backward case's graphs ({GRAPH_NODES} nodes) instead")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        tree, phase, steps, library = args.child
        _child(tree, phase, int(steps), library)
        return
    if args.steps < 1:
        parser.error(f"--steps must be a positive integer, got {args.steps}")
    trees = args.trees or [_HERE]
    for tree in trees:
        if not os.path.isfile(os.path.join(tree, "minigrad", "__init__.py")):
            parser.error(f"{tree} is not a minigrad source tree (no minigrad/__init__.py)")
    if shutil.which("valgrind") is None:
        raise SystemExit("benchmarks.instructions: needs valgrind (Debian/Ubuntu: apt install valgrind)")
    phases = PHASES if args.phases else PHASES[:1]
    with tempfile.TemporaryDirectory() as directory:
        library = _helper_library(directory)
        if args.backward:
            print(f"instructions per node of backward ({GRAPHS} graphs of {GRAPH_NODES} nodes counted)")
            for tree in trees:
                counts = [count(tree, kind, GRAPHS * GRAPH_NODES, library, directory)
                          for kind in ("deep chain", "wide graph")]
                print(f"  {tree}: deep chain {counts[0]:,.0f} | wide graph {counts[1]:,.0f}")
            return
        reference_step = count("reference", "step", args.steps, library, directory)
        print(f"instructions per tiny step (2-16-16-1, batch 1), {args.steps} steps counted")
        print(f"  NumPy reference step: {reference_step:,.0f}")
        for tree in trees:
            counts = {phase: count(tree, phase, args.steps, library, directory) for phase in phases}
            line = f"  {tree}: step {counts['step']:,.0f} ({counts['step'] / reference_step:.2f}x the reference)"
            if args.phases:
                line += (f" | forward + loss {counts['forward']:,.0f}"
                         f" | backward {counts['forward+backward'] - counts['forward']:,.0f}"
                         f" | optimizer step {counts['optimizer']:,.0f}")
            print(line)


if __name__ == "__main__":
    main()
