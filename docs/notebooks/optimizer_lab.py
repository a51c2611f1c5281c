# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The optimizer lab
#
# Optimizers on 2-D test surfaces, where a trajectory can be seen: which methods
# crawl along a ravine, which oscillate across it, which leave a saddle. Then two
# tools from Goodfellow, Bengio & Courville's *Deep Learning*: the ill-conditioning
# monitor of §8.2.1 (`gᵀg` against `gᵀHg`) and the linear learning-rate decay of §8.3.1.
# [docs/optimizers.md](../optimizers.md) has every optimizer's equations.
#
# `MINIGRAD_NOTEBOOK_TINY=1` shrinks the step counts (CI runs it that way).

# %%
import io
import os

import numpy as np
from IPython.display import Image, display
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import minigrad as mg
from minigrad import optim
from minigrad.optim import lr_scheduler
from minigrad.autograd import functional as AF
from minigrad.lab import paths, plots
from minigrad.lab.surfaces import SURFACES

TINY = os.environ.get("MINIGRAD_NOTEBOOK_TINY") == "1"
STEPS = 25 if TINY else 300
print("surfaces:", ", ".join(SURFACES))


def new_figure(width, height):
    figure = Figure(figsize=(width, height))
    FigureCanvasAgg(figure)
    return figure


# %% [markdown]
# ## 1. Trajectories
#
# Every optimizer starts from the same point. On the ravine `0.05x² + 5y²` (condition
# number 100) plain SGD must keep its step below `2/10` to stay stable across the steep
# `y` direction, so it crawls along the shallow `x` direction; momentum and the adaptive
# methods do much better.

# %%
names = ["SGD", "Momentum", "Adam", "LBFGS"] if TINY else None
ravine = SURFACES["ravine"]
runs = paths.run_all(ravine, STEPS, names=names)
for run in runs:
    print(f"{run.name:>10}: {len(run.points) - 1:4d} steps, f - f* = {run.losses[-1] - ravine.min_value:.2e}")
display(Image(filename=plots.plot_paths(ravine, runs, "ravine_paths.png", columns=4)))

# %%
rosenbrock = SURFACES["rosenbrock"]
runs = paths.run_all(rosenbrock, STEPS, names=names)
display(Image(filename=plots.plot_losses(rosenbrock, runs, "rosenbrock_losses.png")))

# %% [markdown]
# ## 2. The ill-conditioning monitor (§8.2.1)
#
# A gradient step `x - ε g` changes the loss by about `-ε gᵀg + ε²/2 gᵀHg`. The step
# helps only while `ε/2 gᵀHg < gᵀg`. `gᵀHg` needs one Hessian-vector product; with
# `minigrad.autograd.functional` it is `g · hvp(f, x, g)`. At the start of the ravine:

# %%
start = mg.tensor(np.array(ravine.start), dtype="float64")
loss_fn = lambda p: ravine.fn(p[0], p[1])  # noqa: E731
_, g = AF.vjp(loss_fn, start)
_, Hg = AF.hvp(loss_fn, start, g)
g_g, g_hg = float((g * g).sum()), float((g * Hg).sum())
print(f"g^T g = {g_g:.3f},  g^T H g = {g_hg:.3f}")
for lr in (0.05, 0.12, 0.25):
    change = -lr * g_g + 0.5 * lr * lr * g_hg
    print(f"lr {lr}: predicted change of the loss {change:+.3f}", "(the step helps)" if change < 0 else "(it hurts)")

# %% [markdown]
# Over a run of gradient descent the monitor shows when the curvature term overtakes
# the gradient term (the book's Figure 8.1). With too large a step on Rosenbrock:

# %%
lr = 1.5e-3
history = paths.curvature_history(rosenbrock, lr, 40 if TINY else 400)
ratio = 0.5 * lr * history[:, 2] / history[:, 1]
print(f"steps where eps/2 g^T H g > g^T g (the step overshoots): {int((ratio > 1).sum())} of {len(ratio)}")
display(Image(filename=plots.plot_curvature(history, lr, rosenbrock.title, "curvature.png")))

# %% [markdown]
# ## 3. Linear learning-rate decay (§8.3.1)
#
# SGD's gradient estimate is noisy, so a constant step never settles: the book decays
# it linearly, `ε_k = (1 - α) ε_0 + α ε_τ` with `α = k/τ`, and keeps `ε_τ` after step `τ`
# (`optim.lr_scheduler.LinearDecayLR`). On a noisy quadratic (a gradient with added noise, as from
# mini-batches) the decayed run ends much closer to the minimum.

# %%
def noisy_run(decay, steps, seed):
    """SGD on 0.5 |w|^2 with unit gradient noise; returns the lr and the loss at every step."""
    rng = np.random.default_rng(seed)
    w = mg.tensor([3.0, -2.0], dtype="float64", requires_grad=True)
    opt = optim.SGD([w], lr=0.2)
    tau = int(0.8 * steps)
    schedule = lr_scheduler.LinearDecayLR(opt, end_lr=0.2 * 0.05, total_iters=tau) if decay else None
    lrs, losses = [], []
    for _ in range(steps):
        opt.zero_grad()
        loss = (w * w).sum() * 0.5
        loss.backward()
        w.grad = w.grad + mg.tensor(rng.normal(size=2), dtype="float64")   # gradient noise
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        if schedule is not None:
            schedule.step()
        losses.append(float(loss))
    return np.array(lrs), np.array(losses)


steps, seeds = (100, 4) if TINY else (600, 20)
const = [noisy_run(False, steps, seed) for seed in range(seeds)]
decay = [noisy_run(True, steps, seed) for seed in range(seeds)]
tail = steps // 5
final_const = np.mean([losses[-tail:].mean() for _, losses in const])
final_decay = np.mean([losses[-tail:].mean() for _, losses in decay])
print(f"mean loss over the last {tail} steps ({seeds} seeds): constant lr {final_const:.4f}, "
      f"linear decay {final_decay:.4f}")
assert final_decay < final_const

figure = new_figure(9, 3.2)
left, right = figure.add_subplot(1, 2, 1), figure.add_subplot(1, 2, 2)
left.plot(const[0][0], label="constant")
left.plot(decay[0][0], label="linear decay until τ = 0.8 · steps")
left.set_xlabel("step")
left.set_ylabel("learning rate")
left.legend()
right.semilogy(np.mean([losses for _, losses in const], axis=0), label="constant")
right.semilogy(np.mean([losses for _, losses in decay], axis=0), label="linear decay")
right.set_xlabel("step")
right.set_ylabel(f"loss (mean of {seeds} runs)")
right.legend()
figure.tight_layout()
buffer = io.BytesIO()   # shown from memory: no file is written
figure.savefig(buffer, format="png", dpi=70)
display(Image(data=buffer.getvalue()))
