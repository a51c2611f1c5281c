"""LayerNorm forward + backward (dx, dweight, dbias) against the same formulas written by hand in NumPy/CuPy.

    python -m benchmarks --only layernorm [--device cpu|cuda] [--quick]

minigrad's ``LayerNorm`` is a composition of ops (so its higher derivatives come
from autograd); the reference is the textbook closed form in one pass each way:
``x̂ = (x - μ) r``, ``r = 1/sqrt(σ² + ε)``, ``dx = r (ĝ - mean(ĝ) - x̂ mean(ĝ x̂))`` with
``ĝ = g γ``. The ratio is what the composition costs over a fused node.
"""
from __future__ import annotations

import numpy as np

import minigrad as mg
from minigrad import nn
from minigrad.backend import get_array_module, to_numpy

from benchmarks.common import Context, add_torch, summarize, time_alternating

SIZES = [("tokens", (256, 512)), ("sequence batch", (32, 64, 256))]
EPS = 1e-5


def reference(x, weight, bias, g, eps=EPS):
    """LayerNorm over the last axis and its three gradients, by hand: (y, dx, dweight, dbias)."""
    xp = get_array_module(x)
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    r = 1.0 / xp.sqrt((centred * centred).mean(axis=-1, keepdims=True) + eps)
    xhat = centred * r
    y = xhat * weight + bias
    rows = g.reshape(-1, g.shape[-1])
    dweight = (rows * xhat.reshape(rows.shape)).sum(axis=0)
    dbias = rows.sum(axis=0)
    gh = g * weight
    dx = r * (gh - gh.mean(axis=-1, keepdims=True) - xhat * (gh * xhat).mean(axis=-1, keepdims=True))
    return y, dx, dweight, dbias


def layer_norm_step(ctx):
    rows = []
    for label, shape in SIZES:
        if ctx.quick:
            shape = (max(2, shape[0] // 16),) + shape[1:]
        d = shape[-1]
        rng = np.random.default_rng(ctx.seed)
        x_host, g_host = (rng.standard_normal(shape).astype(np.float32) for _ in range(2))
        w_host, b_host = (rng.standard_normal(d).astype(np.float32) for _ in range(2))
        layer = nn.LayerNorm(d, device=ctx.device)
        layer.weight.data[...] = ctx.asarray(w_host)
        layer.bias.data[...] = ctx.asarray(b_host)
        x = mg.tensor(x_host, device=ctx.device, requires_grad=True)
        g = mg.tensor(g_host, device=ctx.device)
        xr, wr, br, gr = (ctx.asarray(a) for a in (x_host, w_host, b_host, g_host))
        out = {}

        def run_minigrad():
            x.grad = layer.weight.grad = layer.bias.grad = None
            layer(x).backward(g)

        def run_reference():
            out["ref"] = reference(xr, wr, br, gr)

        sides = {"minigrad": (run_minigrad, ctx.sync), "reference": (run_reference, ctx.sync)}

        def make_torch():
            torch = ctx.torch
            tl = torch.nn.LayerNorm(d).to(ctx.torch_device)
            with torch.no_grad():
                tl.weight.copy_(ctx.to_torch(w_host))
                tl.bias.copy_(ctx.to_torch(b_host))
            xt, gt = ctx.to_torch(x_host).requires_grad_(), ctx.to_torch(g_host)

            def run():
                xt.grad = tl.weight.grad = tl.bias.grad = None
                tl(xt).backward(gt)
            return run
        add_torch(ctx, sides, make_torch)
        times = time_alternating(ctx, sides, ctx.n_reps(15, 3), warmup=1)
        row = summarize("layer_norm_fwd_bwd", f"{label} {shape}", times, unit="s/step",
                        params={"input": shape, "normalized_shape": d})
        _, dx, dw, db = out["ref"]
        row["check_max_rel_grad_diff"] = max(
            float(np.abs(to_numpy(a.grad.data) - to_numpy(r)).max()) / max(1.0, float(np.abs(to_numpy(r)).max()))
            for a, r in ((x, dx), (layer.weight, dw), (layer.bias, db)))
        rows.append(row)
    return rows

