"""The anatomy of minigrad's per-op overhead, on tiny arrays where NumPy's own cost is ~1 us.

    python -m benchmarks.overhead [--number 20000]

Each line is the median of 7 timings of ``number`` calls, in microseconds per
call, next to the bare NumPy call doing the same arithmetic. Read the
differences: they are what the framework adds per op, per layer, per
parameter, and per backward node (the cost that dominates small networks).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

import minigrad as mg  # noqa: E402
from minigrad import nn, optim  # noqa: E402
from minigrad.nn import functional as F  # noqa: E402


def _time(fn, number, setup=None, reps=7):
    out = []
    for _ in range(reps):
        arg = setup() if setup else None
        t0 = time.perf_counter()
        if setup:
            fn(arg)
        else:
            for _ in range(number):
                fn()
        out.append((time.perf_counter() - t0) / number)
    return statistics.median(out) * 1e6


def measure(number=20000):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((1, 16)).astype(np.float32)
    b = rng.standard_normal((1, 16)).astype(np.float32)
    W = rng.standard_normal((16, 16)).astype(np.float32)
    bias = rng.standard_normal(16).astype(np.float32)
    ta, tb = mg.Tensor(a), mg.Tensor(b)
    pa = mg.Tensor(a.copy(), requires_grad=True)
    lin = nn.Linear(16, 16)
    rows = []

    def row(name, t_mg, t_np):
        rows.append((name, t_mg, t_np))

    row("a * b, constants (no graph)", _time(lambda: ta * tb, number), _time(lambda: a * b, number))
    row("a * b, a requires grad (records a node)", _time(lambda: pa * tb, number), _time(lambda: a * b, number))
    row("relu(a), a requires grad", _time(lambda: mg.relu(pa), number), _time(lambda: np.maximum(a, 0), number))
    row("Linear(16, 16)(x), weight requires grad", _time(lambda: lin(ta), number),
        _time(lambda: np.add(a @ W, bias), number))
    row("mse_loss(x, t) (1x16)", _time(lambda: F.mse_loss(pa, tb), number),
        _time(lambda: ((a - b) ** 2).mean(), number))
    row("Tensor(array) construction", _time(lambda: mg.Tensor(a), number), _time(lambda: np.asarray(a), number))

    # Backward per node: a chain of n multiplies, built untimed; per node vs one NumPy multiply.
    n = 2000

    def build():
        y = pa
        for _ in range(n):
            y = y * 1.0001
        return y.sum()

    def back(loss):
        loss.backward()

    t_back = _time(back, n, setup=build)
    g = np.ones_like(a)
    row("backward, per node of a Mul chain", t_back, _time(lambda: g * 1.0001, number))

    # Optimizer: per parameter tensor, tiny tensors (overhead only).
    params = [mg.Tensor(rng.standard_normal(16).astype(np.float32), requires_grad=True) for _ in range(6)]
    for p in params:
        p.grad = mg.Tensor(rng.standard_normal(16).astype(np.float32))
    arrays = [p.data.copy() for p in params]
    grads = [p.grad.data.copy() for p in params]
    from benchmarks import reference

    fused = [reference.FusedOptimizer("Adam", th, lr=1e-3) for th in arrays]

    def ref_sgd():
        for th, gg in zip(arrays, grads):
            th -= 0.01 * gg

    def ref_adam():
        for f, gg in zip(fused, grads):
            f.step(gg)

    for name, opt, ref in (("SGD", optim.SGD(params, lr=0.01), ref_sgd),
                           ("Adam", optim.Adam(params, lr=1e-3), ref_adam)):
        row(f"{name}.step(), per parameter tensor (16 floats)", _time(opt.step, number // 10) / 6,
            _time(ref, number // 10) / 6)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.overhead", description=__doc__.split("\n")[0])
    parser.add_argument("--number", type=int, default=20000)
    args = parser.parse_args(argv)
    rows = measure(args.number)
    print(f"{'':<52} {'minigrad':>9} {'NumPy':>9} {'added':>9}   (us per call)")
    for name, t_mg, t_np in rows:
        added = t_mg - t_np
        print(f"{name:<52} {t_mg:9.2f} {t_np:9.2f} {added:9.2f}")
    return rows


if __name__ == "__main__":
    main()
