"""Case "recurrent": one training step of an LSTM and of a GRU (issue 13).

Sequence 64, batch 32, input 64, hidden 256, float32: forward over the whole
sequence, mean squared error of the output sequence against a fixed target,
backward through time, ``clip_grad_norm_`` at 1.0 and an Adam step (lr 1e-3).
The three sides start from the same weights: minigrad's ``nn.LSTM`` / ``nn.GRU``,
the hand-written reference (``benchmarks.reference_recurrent``) and PyTorch's
``torch.nn.LSTM`` / ``GRU`` (CPU: its own fused kernels) with its own clipping and Adam.
After timing, minigrad and the reference have taken the same steps on the same
data, so their weights must agree (reported as a check).
"""
from __future__ import annotations

import numpy as np

from minigrad import nn, optim
from minigrad.autograd.tensor import Tensor
from minigrad.backend import to_numpy
from minigrad.nn import functional as F

from benchmarks import reference_recurrent
from benchmarks.common import add_torch, summarize, time_alternating

TARGET = 1.10        # issue 13: at most 1.10x the hand-written reference
TORCH_TARGET = 1.0   # and at most PyTorch CPU's time, side by side


def _weights(kind, I, H, seed):
    rng = np.random.default_rng(seed)
    G = 4 if kind == "LSTM" else 3
    bound = 1.0 / np.sqrt(H)
    shapes = ((G * H, I), (G * H, H), (G * H,), (G * H,))
    return [rng.uniform(-bound, bound, s).astype(np.float32) for s in shapes]


def recurrent_steps(ctx):
    T, B, I, H = ctx.pick((64, 32, 64, 256), (8, 4, 8, 16))
    rng = np.random.default_rng(ctx.seed)
    x_host = rng.standard_normal((T, B, I)).astype(np.float32)
    target_host = (0.5 * rng.standard_normal((T, B, H))).astype(np.float32)
    x, target = ctx.asarray(x_host), ctx.asarray(target_host)
    rows = []
    for kind in ("LSTM", "GRU"):
        weights = _weights(kind, I, H, ctx.seed)
        layer = getattr(nn, kind)(I, H, device=ctx.device)
        for p, w in zip(layer.parameters(), weights):
            p.data[...] = ctx.asarray(w)
        params = layer.parameters()
        opt = optim.Adam(params, lr=1e-3)
        xt, tt = Tensor(x), Tensor(target)

        def run_minigrad(layer=layer, params=params, opt=opt, xt=xt, tt=tt):
            opt.zero_grad()
            out, _ = layer(xt)
            F.mse_loss(out, tt).backward()
            optim.clip_grad_norm_(params, 1.0)
            opt.step()

        ref = getattr(reference_recurrent, kind)(*[ctx.asarray(w) for w in weights], lr=1e-3, max_norm=1.0)
        def run_reference(ref=ref):
            ref.step(x, target)   # returns the loss, which time_alternating would take for a unit count

        sides = {"minigrad": (run_minigrad, ctx.sync), "reference": (run_reference, ctx.sync)}
        add_torch(ctx, sides, lambda kind=kind, weights=weights: _torch_step(ctx, kind, weights, x_host,
                                                                            target_host))
        times = time_alternating(ctx, sides, ctx.n_reps(15, 2), warmup=1)
        row = summarize("recurrent_step", f"{kind} T={T} B={B} I={I} H={H}", times, target=TARGET,
                        unit="s/step", params={"seq": T, "batch": B, "input": I, "hidden": H,
                                               "optimizer": "Adam lr 1e-3", "clip_grad_norm": 1.0})
        if row["torch_ratio"] is not None:
            row["torch_target"] = TORCH_TARGET
            row["torch_holds"] = bool(row["torch_ratio"] <= TORCH_TARGET)
        row["check_max_abs_param_diff"] = max(float(np.abs(to_numpy(p.data) - to_numpy(r)).max())
                                              for p, r in zip(params, ref.params))
        rows.append(row)
    return rows


def _torch_step(ctx, kind, weights, x_host, target_host):
    torch = ctx.torch
    T, B, I = x_host.shape
    H = weights[1].shape[1]
    layer = getattr(torch.nn, kind)(I, H).to(ctx.torch_device)
    with torch.no_grad():
        for p, w in zip(layer.parameters(), weights):
            p.copy_(ctx.to_torch(w))
    opt = torch.optim.Adam(layer.parameters(), lr=1e-3)
    x, target = ctx.to_torch(x_host), ctx.to_torch(target_host)
    params = list(layer.parameters())

    def run():
        opt.zero_grad()
        out, _ = layer(x)
        torch.nn.functional.mse_loss(out, target).backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()

    return run
