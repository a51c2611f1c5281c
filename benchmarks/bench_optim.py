"""Case 4: one optimizer step over 1 million float32 parameters, for every first-order optimizer.

minigrad's optimizer (its public API: a Tensor that requires grad, ``.grad`` set,
``step()``) against ``reference.FusedOptimizer``, the same update fused by hand
with ``out=`` and one or two preallocated scratch arrays. The gradient is fixed,
so both sides walk the same trajectory; the final parameters are compared.
"""
from __future__ import annotations

import numpy as np

import minigrad as mg
from minigrad import optim
from minigrad.backend import to_numpy

from benchmarks import reference
from benchmarks.common import add_torch, summarize, time_alternating

# (label, minigrad class name, minigrad kwargs, reference name, reference kwargs, torch class, torch kwargs)
CONFIGS = [
    ("SGD", "SGD", dict(lr=0.01), "SGD", dict(lr=0.01), "SGD", dict(lr=0.01)),
    ("SGD momentum", "SGD", dict(lr=0.01, momentum=0.9), "SGD", dict(lr=0.01, momentum=0.9),
     "SGD", dict(lr=0.01, momentum=0.9)),
    ("SGD Nesterov", "SGD", dict(lr=0.01, momentum=0.9, nesterov=True),
     "SGD", dict(lr=0.01, momentum=0.9, nesterov=True), "SGD", dict(lr=0.01, momentum=0.9, nesterov=True)),
    ("Adagrad", "Adagrad", dict(lr=0.01), "Adagrad", dict(lr=0.01), "Adagrad", dict(lr=0.01)),
    ("RMSprop", "RMSprop", dict(lr=0.01), "RMSprop", dict(lr=0.01), "RMSprop", dict(lr=0.01)),
    ("RMSprop centered+momentum", "RMSprop", dict(lr=0.01, momentum=0.9, centered=True),
     "RMSprop", dict(lr=0.01, momentum=0.9, centered=True), "RMSprop", dict(lr=0.01, momentum=0.9, centered=True)),
    ("Adadelta", "Adadelta", dict(lr=1.0), "Adadelta", dict(lr=1.0), "Adadelta", dict(lr=1.0)),
    ("Adam", "Adam", dict(lr=1e-3), "Adam", dict(lr=1e-3), "Adam", dict(lr=1e-3)),
    ("AdamW", "AdamW", dict(lr=1e-3, weight_decay=1e-2), "AdamW", dict(lr=1e-3, weight_decay=1e-2),
     "AdamW", dict(lr=1e-3, weight_decay=1e-2)),
    ("Adamax", "Adamax", dict(lr=2e-3), "Adamax", dict(lr=2e-3), "Adamax", dict(lr=2e-3)),
    ("NAdam", "NAdam", dict(lr=2e-3), "NAdam", dict(lr=2e-3), "NAdam", dict(lr=2e-3)),
    ("RAdam", "RAdam", dict(lr=1e-3), "RAdam", dict(lr=1e-3), "RAdam", dict(lr=1e-3)),
    ("Rprop", "Rprop", dict(lr=0.01), "Rprop", dict(lr=0.01), "Rprop", dict(lr=0.01)),
    # t0=5: the averaging branch runs in every timed step (after the 10 warm-up steps)
    ("ASGD", "ASGD", dict(lr=0.01, t0=5), "ASGD", dict(lr=0.01, t0=5), "ASGD", dict(lr=0.01, t0=5)),
]

TARGET = 1.3


def optimizer_steps(ctx):
    n = ctx.pick(1_000_000, 100_000)
    shape = (1000, n // 1000)
    steps = ctx.pick(10, 5)
    reps = ctx.n_reps(9, 3)
    rng = np.random.default_rng(ctx.seed)
    theta0 = rng.standard_normal(shape).astype(np.float32)
    grad_host = (rng.standard_normal(shape) * 0.01).astype(np.float32)
    grad = ctx.asarray(grad_host)
    rows = []
    for label, cls, kw, ref_name, ref_kw, torch_cls, torch_kw in CONFIGS:
        p = mg.tensor(theta0, device=ctx.device, requires_grad=True)
        p.grad = mg.Tensor(grad)
        opt = getattr(optim, cls)([p], **kw)
        ref = reference.FusedOptimizer(ref_name, ctx.asarray(theta0), **ref_kw)

        def run_minigrad():
            for _ in range(steps):
                opt.step()
            return steps

        def run_reference():
            for _ in range(steps):
                ref.step(grad)
            return steps

        sides = {"minigrad": (run_minigrad, ctx.sync), "reference": (run_reference, ctx.sync)}
        def make_torch():
            torch = ctx.torch
            tp = torch.nn.Parameter(ctx.to_torch(theta0))
            tp.grad = ctx.to_torch(grad_host)
            topt = getattr(torch.optim, torch_cls)([tp], **torch_kw)
            for _ in range(10):
                topt.step()

            def run_torch():
                for _ in range(steps):
                    topt.step()
                return steps
            return run_torch
        add_torch(ctx, sides, make_torch)
        # Warm-up of 10 steps: RAdam takes its rectified branch from step 6 on, and the
        # state arrays are allocated; every timed step is a steady-state step.
        for _ in range(10):
            opt.step()
            ref.step(grad)
        times = time_alternating(ctx, sides, reps, warmup=0)
        row = summarize("optimizer_step", label, times, target=TARGET, unit="s/step",
                        params={"parameters": int(np.prod(shape)), "dtype": "float32", "hyper": kw,
                                "steps_per_rep": steps})
        diff = np.abs(to_numpy(p.data) - to_numpy(ref.theta))
        row["check_max_abs_param_diff"] = float(diff.max())
        rows.append(row)
        del opt, ref, p
    return rows
