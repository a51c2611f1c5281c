"""Cases 1-3: MLP training (MNIST epoch, tiny-net step, wide compute-bound step).

Each builds the same network twice, from the same initial weights: a minigrad
``Network`` of ``Linear``/``ReLU`` trained with ``nn.functional`` losses and
``optim.SGD``, and ``reference.MLP`` (hand-written forward, backward and
in-place SGD). After timing, both have taken the same steps on the same
batches, so their weights must agree: the largest difference is reported as a
correctness check of the comparison.
"""
from __future__ import annotations

import numpy as np

import minigrad as mg
from minigrad import nn, optim
from minigrad.backend import to_numpy
from minigrad.data import ArrayDataset, DataLoader
from minigrad.nn import functional as F

from benchmarks import reference
from benchmarks.common import add_torch, summarize, time_alternating


def init_weights(sizes, seed=0):
    """He-uniform weights (in, out) and small random biases, float32, from one seed."""
    rng = np.random.default_rng(seed)
    ws, bs = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = np.sqrt(6.0 / fan_in)
        ws.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32))
        bs.append(rng.uniform(-0.01, 0.01, fan_out).astype(np.float32))
    return ws, bs


def build_minigrad(ctx, sizes, ws, bs):
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        lin = nn.Linear(fan_in, fan_out, device=ctx.device)
        lin.weight.data[...] = ctx.asarray(ws[i])
        lin.bias.data[...] = ctx.asarray(bs[i])
        layers.append(lin)
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Network(*layers)


def build_torch(ctx, sizes, ws, bs):
    torch = ctx.torch
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        lin = torch.nn.Linear(fan_in, fan_out).to(ctx.torch_device)
        with torch.no_grad():
            lin.weight.copy_(ctx.to_torch(ws[i].T))   # torch stores (out, in)
            lin.bias.copy_(ctx.to_torch(bs[i]))
        layers.append(lin)
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def weight_gap(model, ref):
    """Largest |W_minigrad - W_reference| over all weights and biases."""
    params = model.parameters()
    arrays = [a for pair in zip(ref.W, ref.b) for a in pair]
    return max(float(np.abs(to_numpy(p.data) - to_numpy(a)).max()) for p, a in zip(params, arrays))


# ----------------------------------------------------------------------------- case 1
MNIST_SIZES = (784, 1000, 50, 10)
# Issue 6's targets (issue 5 asks 1.10 at both batch sizes on the CPU); on a GPU only batch 256 has one.
MNIST_TARGETS = {"cpu": {64: 1.10, 256: 1.05}, "cuda": {256: 1.3}}
WIDE_TARGETS = {"cpu": 1.05, "cuda": 1.10}


def _kind(ctx):
    return "cpu" if ctx.device == "cpu" else "cuda"


def mnist_epoch(ctx):
    """One SGD epoch (lr 0.01) over synthetic data of MNIST's shape, batch 64 and 256."""
    n = ctx.pick(60000, 768)
    rng = np.random.default_rng(ctx.seed)
    X_host = rng.random((n, 784), dtype=np.float32)
    y_host = rng.integers(0, 10, n).astype(np.int64)
    X, y = ctx.asarray(X_host), ctx.asarray(y_host)
    xp = ctx.xp
    rows = []
    for batch in (64, 256):
        ws, bs = init_weights(MNIST_SIZES, ctx.seed)
        model = build_minigrad(ctx, MNIST_SIZES, ws, bs)
        opt = optim.SGD(model.parameters(), lr=0.01)
        ref = reference.MLP(ws, bs, loss="ce")
        dataset = ArrayDataset(X, y)
        seeds = {"minigrad": 0, "reference": 0, "torch": 0}   # epoch e shuffles with seed e, both sides

        def run_minigrad():
            seeds["minigrad"] += 1
            loader = DataLoader(dataset, batch_size=batch, shuffle=True, seed=seeds["minigrad"],
                                device=ctx.device)
            for xb, yb in loader:
                opt.zero_grad()
                loss = F.cross_entropy(model(xb), yb)
                loss.backward()
                opt.step()

        def run_reference():
            seeds["reference"] += 1
            order = xp.asarray(np.random.default_rng(seeds["reference"]).permutation(n))
            for start in range(0, n, batch):
                idx = order[start:start + batch]
                ref.step(X[idx], y[idx], 0.01)

        sides = {"minigrad": (run_minigrad, ctx.sync), "reference": (run_reference, ctx.sync)}
        add_torch(ctx, sides, lambda: _torch_epoch(ctx, ws, bs, X_host, y_host, batch, seeds))
        reps = ctx.n_reps(5, 2)
        times = time_alternating(ctx, sides, reps, warmup=1)
        row = summarize("mnist_epoch", f"batch {batch}", times, target=MNIST_TARGETS[_kind(ctx)].get(batch),
                        unit="s/epoch",
                        params={"samples": n, "batch": batch, "sizes": MNIST_SIZES, "lr": 0.01,
                                "steps_per_epoch": -(-n // batch)})
        row["check_max_abs_weight_diff"] = weight_gap(model, ref)
        rows.append(row)
    return rows


def _torch_epoch(ctx, ws, bs, X_host, y_host, batch, seeds):
    torch = ctx.torch
    net = build_torch(ctx, MNIST_SIZES, ws, bs)
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    X, y = ctx.to_torch(X_host), ctx.to_torch(y_host)
    n = X.shape[0]

    def run():
        seeds["torch"] += 1
        order = torch.from_numpy(np.random.default_rng(seeds["torch"]).permutation(n)).to(X.device)
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(X[idx]), y[idx]).backward()
            opt.step()
    return run


# ----------------------------------------------------------------------------- case 2
TINY_SIZES = (2, 16, 16, 1)


def tiny_step(ctx):
    """Per-step overhead: 2-16-16-1 ReLU MLP, batch 1, MSE, backward, SGD."""
    steps = ctx.pick(1000, 300)
    rng = np.random.default_rng(ctx.seed)
    xs_host = rng.standard_normal((64, 1, 2)).astype(np.float32)
    ts_host = rng.standard_normal((64, 1, 1)).astype(np.float32)
    ws, bs = init_weights(TINY_SIZES, ctx.seed)
    model = build_minigrad(ctx, TINY_SIZES, ws, bs)
    opt = optim.SGD(model.parameters(), lr=0.01)
    ref = reference.MLP(ws, bs, loss="mse")
    xs = [mg.tensor(x, device=ctx.device) for x in xs_host]
    ts = [mg.tensor(t, device=ctx.device) for t in ts_host]
    xs_ref = [ctx.asarray(x) for x in xs_host]
    ts_ref = [ctx.asarray(t) for t in ts_host]

    def run_minigrad():
        for i in range(steps):
            opt.zero_grad()
            loss = F.mse_loss(model(xs[i & 63]), ts[i & 63])
            loss.backward()
            opt.step()
        return steps

    def run_reference():
        for i in range(steps):
            ref.step(xs_ref[i & 63], ts_ref[i & 63], 0.01)
        return steps

    sides = {"minigrad": (run_minigrad, ctx.sync), "reference": (run_reference, ctx.sync)}
    def make_torch():
        torch = ctx.torch
        net = build_torch(ctx, TINY_SIZES, ws, bs)
        topt = torch.optim.SGD(net.parameters(), lr=0.01)
        xs_t = [ctx.to_torch(x) for x in xs_host]
        ts_t = [ctx.to_torch(t) for t in ts_host]

        def run_torch():
            for i in range(steps):
                topt.zero_grad()
                torch.nn.functional.mse_loss(net(xs_t[i & 63]), ts_t[i & 63]).backward()
                topt.step()
            return steps
        return run_torch
    add_torch(ctx, sides, make_torch)
    times = time_alternating(ctx, sides, ctx.n_reps(21, 3), warmup=1)
    params = {"sizes": TINY_SIZES, "batch": 1, "steps_per_rep": steps}
    rows = [
        summarize("tiny_step", "issue 2 target", times, target=3.0, unit="s/step", params=params),
        summarize("tiny_step", "issue 6 target", times, target=2.5, unit="s/step", params=params),
    ]
    gap = weight_gap(model, ref)
    for row in rows:
        row["check_max_abs_weight_diff"] = gap
    return rows


# ----------------------------------------------------------------------------- case 3
def wide_step(ctx):
    """Compute-bound step: 4096-4096-4096-10, batch 512, cross-entropy, SGD."""
    width = ctx.pick(4096, 256)
    batch = ctx.pick(512, 64)
    sizes = (width, width, width, 10)
    rng = np.random.default_rng(ctx.seed)
    x_host = rng.standard_normal((batch, width)).astype(np.float32)
    t_host = rng.integers(0, 10, batch).astype(np.int64)
    ws, bs = init_weights(sizes, ctx.seed)
    model = build_minigrad(ctx, sizes, ws, bs)
    opt = optim.SGD(model.parameters(), lr=0.01)
    ref = reference.MLP(ws, bs, loss="ce")
    del ws, bs
    x, t = mg.tensor(x_host, device=ctx.device), mg.tensor(t_host, device=ctx.device)
    x_ref, t_ref = ctx.asarray(x_host), ctx.asarray(t_host)
    steps = ctx.pick(1, 5)

    def run_minigrad():
        for _ in range(steps):
            opt.zero_grad()
            F.cross_entropy(model(x), t).backward()
            opt.step()
        return steps

    def run_reference():
        for _ in range(steps):
            ref.step(x_ref, t_ref, 0.01)
        return steps

    sides = {"minigrad": (run_minigrad, ctx.sync), "reference": (run_reference, ctx.sync)}
    def make_torch():
        torch = ctx.torch
        net = build_torch(ctx, sizes, *init_weights(sizes, ctx.seed))
        topt = torch.optim.SGD(net.parameters(), lr=0.01)
        x_t, t_t = ctx.to_torch(x_host), ctx.to_torch(t_host)

        def run_torch():
            for _ in range(steps):
                topt.zero_grad()
                torch.nn.functional.cross_entropy(net(x_t), t_t).backward()
                topt.step()
            return steps
        return run_torch
    add_torch(ctx, sides, make_torch)
    times = time_alternating(ctx, sides, ctx.n_reps(9, 3), warmup=1)
    row = summarize("wide_step", f"{width}-{width}-{width}-10, batch {batch}", times,
                    target=WIDE_TARGETS[_kind(ctx)], unit="s/step", params={"sizes": sizes, "batch": batch, "steps_per_rep": steps})
    row["check_max_abs_weight_diff"] = weight_gap(model, ref)
    return [row]
