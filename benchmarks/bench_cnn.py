"""CNN cases: a training epoch of the MNIST CNN, conv2d forward+backward at three sizes, the GEMM floor.

* ``cnn_epoch``: SGD steps (lr 0.01, batch 128) of ``minigrad train --model cnn``'s network
  (without dropout, so all sides take the same steps) in minigrad, in the hand-written
  NumPy im2col reference (``benchmarks.cnn_reference``) and in PyTorch, from the same
  weights; reported per epoch of 469 steps (the timed steps times 469 / steps). The row
  also carries the GEMM-only time of the same epoch (``gemm_floor_s``): the matrix
  products alone, at the exact shapes and layouts minigrad uses, the floor of any
  im2col implementation. After timing, minigrad's weights are compared with the reference's.
* ``conv2d``: forward plus backward (input, weight and bias gradients) of one padded 3x3
  convolution at three sizes: the network's two and a wider 128-channel one.
"""
from __future__ import annotations

import numpy as np

import minigrad as mg
from minigrad import nn, optim
from minigrad.backend import to_numpy
from minigrad.nn import functional as F

from benchmarks import cnn_reference
from benchmarks.common import add_torch, summarize, time_alternating

STEPS_PER_EPOCH = 469     # 60000 MNIST images at batch 128
BATCH = 128
# Issue 12's bar: the epoch at most 1.0x PyTorch CPU's time (the "torch_ratio" of the row).
TORCH_TARGET = 1.0


def init_params(seed=0):
    """PyTorch-style uniform(+-1/sqrt(fan_in)) weights for the network, float32: [w1, b1, ..., W4, b4]."""
    rng = np.random.default_rng(seed)
    shapes = [((32, 1, 3, 3), 9), ((32,), 9), ((64, 32, 3, 3), 288), ((64,), 288),
              ((3136, 128), 3136), ((128,), 3136), ((128, 10), 128), ((10,), 128)]
    return [rng.uniform(-1, 1, s).astype(np.float32) / np.float32(np.sqrt(fan)) for s, fan in shapes]


def build_minigrad(ctx, params):
    model = nn.Network(nn.Unflatten(1, (1, 28, 28)),
                       nn.Conv2d(1, 32, 3, padding=1, device=ctx.device), nn.ReLU(), nn.MaxPool2d(2),
                       nn.Conv2d(32, 64, 3, padding=1, device=ctx.device), nn.ReLU(), nn.MaxPool2d(2),
                       nn.Flatten(), nn.Linear(3136, 128, device=ctx.device), nn.ReLU(),
                       nn.Linear(128, 10, device=ctx.device))
    for p, value in zip(model.parameters(), params):
        p.data[...] = ctx.asarray(value)
    return model


def build_torch(ctx, params):
    torch = ctx.torch
    net = torch.nn.Sequential(
        torch.nn.Unflatten(1, (1, 28, 28)), torch.nn.Conv2d(1, 32, 3, padding=1), torch.nn.ReLU(),
        torch.nn.MaxPool2d(2), torch.nn.Conv2d(32, 64, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(3136, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10)).to(ctx.torch_device)
    with torch.no_grad():
        for p, value in zip(net.parameters(), params):
            p.copy_(ctx.to_torch(value.T if value.ndim == 2 else value))   # torch's Linear is (out, in)
    return net


def gemm_floor_step(ctx):
    """A callable doing the matrix products of one training step, at minigrad's shapes and layouts."""
    xp = ctx.xp
    rng = np.random.default_rng(1)

    def mat(*shape):
        return ctx.asarray(rng.standard_normal(shape).astype(np.float32))

    m1, m2 = BATCH * 28 * 28, BATCH * 14 * 14
    cols1, w1, g1 = mat(m1, 9), mat(9, 32), mat(m1, 32)
    cols2, w2, g2 = mat(m2, 288), mat(288, 64), mat(m2, 64)
    f, W3, g3 = mat(BATCH, 3136), mat(3136, 128), mat(BATCH, 128)
    W4, g4 = mat(128, 10), mat(BATCH, 10)
    products = [
        (cols1, w1), (cols1.T, g1),                       # conv1: forward, weight gradient (no input gradient)
        (cols2, w2), (cols2.T, g2), (g2, w2.T),           # conv2: forward, weight and input gradients
        (f, W3), (f.T, g3), (g3, W3.T),                   # fc1
        (g3, W4), (g3.T, g4), (g4, W4.T),                 # fc2
    ]

    def step():
        for a, b in products:
            xp.matmul(a, b)
    return step


def cnn_epoch(ctx):
    """SGD training of the CNN at batch 128, per epoch of 469 steps."""
    steps = ctx.pick(30, 3)
    rng = np.random.default_rng(ctx.seed)
    X_host = rng.random((steps * BATCH, 784), dtype=np.float32)
    y_host = rng.integers(0, 10, steps * BATCH).astype(np.int64)
    params = init_params(ctx.seed)
    model = build_minigrad(ctx, params)
    opt = optim.SGD(model.parameters(), lr=0.01)
    ref = cnn_reference.CNN([ctx.asarray(p) for p in params])
    xs = [mg.tensor(X_host[i * BATCH:(i + 1) * BATCH], device=ctx.device) for i in range(steps)]
    ys = [mg.tensor(y_host[i * BATCH:(i + 1) * BATCH], device=ctx.device) for i in range(steps)]
    xs_ref = [ctx.asarray(x.numpy()) for x in xs]
    ys_ref = [ctx.asarray(y.numpy()) for y in ys]
    scale = STEPS_PER_EPOCH / steps

    def run_minigrad():
        for x, y in zip(xs, ys):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        return 1 / scale

    def run_reference():
        for x, y in zip(xs_ref, ys_ref):
            ref.step(x, y, 0.01)
        return 1 / scale

    floor_step = gemm_floor_step(ctx)

    def run_floor():
        for _ in range(steps):
            floor_step()
        return 1 / scale

    sides = {"minigrad": (run_minigrad, ctx.sync), "reference": (run_reference, ctx.sync),
             "gemm_floor": (run_floor, ctx.sync)}

    def make_torch():
        torch = ctx.torch
        net = build_torch(ctx, params)
        topt = torch.optim.SGD(net.parameters(), lr=0.01)
        xs_t = [ctx.to_torch(x.numpy()) for x in xs]
        ys_t = [ctx.to_torch(y.numpy()) for y in ys]

        def run():
            for x, y in zip(xs_t, ys_t):
                topt.zero_grad()
                torch.nn.functional.cross_entropy(net(x), y).backward()
                topt.step()
            return 1 / scale
        return run
    add_torch(ctx, sides, make_torch)
    reps = ctx.n_reps(5, 2)
    # The weight check below needs minigrad and the reference to take the same steps: count them.
    times = time_alternating(ctx, sides, reps, warmup=1)
    row = summarize("cnn_epoch", "batch 128, SGD", times, unit="s/epoch",
                    params={"batch": BATCH, "timed_steps": steps, "steps_per_epoch": STEPS_PER_EPOCH,
                            "extrapolated": True, "torch_target": TORCH_TARGET})
    floor = float(np.median(times["gemm_floor"]))
    row["gemm_floor_s"] = floor
    row["floor_ratios"] = {name: float(np.median(ts)) / floor for name, ts in times.items()}
    if row.get("torch_ratio") is not None:
        row["torch_target_holds"] = bool(row["torch_ratio"] <= TORCH_TARGET)
    ref_params = [to_numpy(p) for p in ref.p]
    row["check_max_abs_weight_diff"] = max(float(np.abs(to_numpy(p.data) - r).max())
                                           for p, r in zip(model.parameters(), ref_params))
    return [row]


CONV_SIZES = [  # (N, C, H, W) -> O channels, 3x3, padding 1
    ("conv1 of the CNN", (128, 1, 28, 28), 32),
    ("conv2 of the CNN", (128, 32, 14, 14), 64),
    ("wide: 128 channels", (32, 128, 16, 16), 128),
]


def conv2d_step(ctx):
    """conv2d forward + backward (dx, dw, db) alone, three sizes."""
    rows = []
    for label, shape, out_channels in CONV_SIZES:
        n = shape[0] if not ctx.quick else max(2, shape[0] // 16)
        shape = (n,) + shape[1:]
        rng = np.random.default_rng(ctx.seed)
        x_host = rng.standard_normal(shape).astype(np.float32)
        w_host = (rng.standard_normal((out_channels, shape[1], 3, 3)) * 0.1).astype(np.float32)
        b_host = rng.standard_normal(out_channels).astype(np.float32)
        g_host = rng.standard_normal((n, out_channels) + shape[2:]).astype(np.float32)
        x = mg.tensor(x_host, device=ctx.device, requires_grad=True)
        w = mg.tensor(w_host, device=ctx.device, requires_grad=True)
        b = mg.tensor(b_host, device=ctx.device, requires_grad=True)
        g = mg.tensor(g_host, device=ctx.device)
        xr, wr, br, gr = (ctx.asarray(a) for a in (x_host, w_host, b_host, g_host))
        out = {}

        def run_minigrad():
            x.grad = w.grad = b.grad = None
            F.conv2d(x, w, b, padding=1).backward(g)

        def run_reference():
            _, cols = cnn_reference.conv_forward(xr, wr, br, 1)
            out["ref"] = cnn_reference.conv_backward(gr, cols, wr, xr.shape, 1)

        sides = {"minigrad": (run_minigrad, ctx.sync), "reference": (run_reference, ctx.sync)}

        def make_torch():
            torch = ctx.torch
            xt = ctx.to_torch(x_host).requires_grad_()
            wt, bt = ctx.to_torch(w_host).requires_grad_(), ctx.to_torch(b_host).requires_grad_()
            gt = ctx.to_torch(g_host)

            def run():
                xt.grad = wt.grad = bt.grad = None
                torch.nn.functional.conv2d(xt, wt, bt, padding=1).backward(gt)
            return run
        add_torch(ctx, sides, make_torch)
        times = time_alternating(ctx, sides, ctx.n_reps(7, 2), warmup=1)
        row = summarize("conv2d_fwd_bwd", f"{label} {shape}->{out_channels}", times, unit="s/step",
                        params={"input": shape, "out_channels": out_channels, "kernel": 3, "padding": 1})
        dx, dw, db = out["ref"]
        row["check_max_abs_grad_diff"] = max(float(np.abs(to_numpy(a.grad.data) - to_numpy(r)).max())
                                             / max(1.0, float(np.abs(to_numpy(r)).max()))
                                             for a, r in ((x, dx), (w, dw), (b, db)))
        rows.append(row)
    return rows
