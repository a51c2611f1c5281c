"""The adding problem (Hochreiter & Schmidhuber 1997): a tanh RNN against an LSTM, with and without clipping.

Each sequence has T steps of two inputs: a random number in [0, 1) and a marker,
1 at exactly two steps (one in the first tenth of the sequence, one in its second
half) and 0 elsewhere. The target is the sum of the two marked numbers. Always
answering the mean (1.0) scores the variance of that sum, 1/6 = 0.167: a model
below that line has learnt to carry the first number across at least T/2 steps.

For T in --lengths, each model (``nn.RNN`` with tanh, ``nn.LSTM``; hidden 32 and a
linear head on the last state) trains --steps Adam steps with and without
``clip_grad_norm_``. Recorded every step: the loss, the global gradient norm
(before clipping) and the norm of the gradient reaching the first time step,
||dL/dx_1||. Writes, into --out (default docs/img):

  adding_loss.png       loss against step, rows: unclipped / clipped, columns: T
  adding_gradients.png  ||dL/dx_1|| and the global gradient norm against step, same grid

Usage:
  python examples/long_term_dependencies.py                      # the figures of docs/recurrent.md
  python examples/long_term_dependencies.py --steps 5 --lengths 10 --out /tmp/ltd   # quick (CI)
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import minigrad as mg  # noqa: E402
from minigrad import nn, optim  # noqa: E402
from minigrad.nn import functional as F  # noqa: E402

BASELINE = 1.0 / 6.0   # the variance of the sum of two U(0, 1) numbers


def adding_batch(rng, T, batch):
    """x (T, batch, 2) float32 and targets (batch, 1): the sum of the two marked numbers."""
    values = rng.random((T, batch)).astype(np.float32)
    markers = np.zeros((T, batch), dtype=np.float32)
    first = rng.integers(0, max(1, T // 10), batch)
    second = rng.integers(T // 2, T, batch)
    cols = np.arange(batch)
    markers[first, cols] = 1.0
    markers[second, cols] = 1.0
    x = np.stack([values, markers], axis=-1)
    target = (values[first, cols] + values[second, cols])[:, None]
    return x, target


class Regressor(nn.Layer):
    """A recurrent layer read to its last state, then a linear head to one number."""

    def __init__(self, kind, hidden):
        super().__init__()
        self.kind = kind
        self.rnn = nn.RNN(2, hidden) if kind == "rnn" else nn.LSTM(2, hidden)
        self.head = nn.Linear(hidden, 1)
        if kind == "lstm":
            # Forget gates open at the start (bias 1, f = sigmoid(1) = 0.73 instead of 0.5; Gers et
            # al. 2000, Jozefowicz et al. 2015): otherwise the cell state halves at every step.
            self.rnn.bias_ih_l0.data[hidden:2 * hidden] = 1.0
            self.rnn.bias_hh_l0.data[hidden:2 * hidden] = 0.0

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[-1])


def train(kind, T, clip, steps, batch, hidden, lr, seed):
    """Per-step arrays of loss, global gradient norm (before clipping) and ||dL/dx_1||."""
    mg.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = Regressor(kind, hidden)
    params = model.parameters()
    opt = optim.Adam(params, lr=lr)
    losses, norms, first = (np.empty(steps) for _ in range(3))
    for step in range(steps):
        xb, yb = adding_batch(rng, T, batch)
        x = mg.Tensor(xb, requires_grad=True)   # for the gradient that reaches step 1
        opt.zero_grad()
        loss = F.mse_loss(model(x), mg.Tensor(yb))
        loss.backward()
        norm = optim.clip_grad_norm_(params, 1.0 if clip else float("inf"))
        opt.step()
        losses[step], norms[step] = float(loss.item()), norm
        first[step] = float(np.linalg.norm(x.grad.data[0]))
    return losses, norms, first


def smooth(values, width):
    """Running mean over ``width`` steps (the loss of one batch is noisy)."""
    if width <= 1 or len(values) < width:
        return values
    kernel = np.ones(width) / width
    return np.convolve(values, kernel, mode="valid")


def plot(results, lengths, steps, out_dir):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colors = {"rnn": "tab:red", "lstm": "tab:blue"}
    names = {"rnn": "tanh RNN", "lstm": "LSTM"}
    width = max(1, steps // 50)
    written = []

    fig, axes = plt.subplots(2, len(lengths), figsize=(4.2 * len(lengths), 6.4), squeeze=False, sharey=True)
    for row, clip in enumerate((False, True)):
        for col, T in enumerate(lengths):
            ax = axes[row][col]
            for kind in ("rnn", "lstm"):
                losses = results[kind, T, clip][0]
                ax.plot(losses, color=colors[kind], alpha=0.25, lw=0.6)
                ax.plot(np.arange(len(smooth(losses, width))) + width - 1, smooth(losses, width),
                        color=colors[kind], lw=1.6, label=names[kind])
            ax.axhline(BASELINE, color="k", ls="--", lw=1, label="predict the mean (0.167)")
            ax.set_yscale("log")
            ax.set_title(f"T = {T}, " + ("clip_grad_norm_(1.0)" if clip else "no clipping"))
            ax.set_xlabel("step")
            if col == 0:
                ax.set_ylabel("MSE (log)")
            if row == 0 and col == 0:
                ax.legend(fontsize=8)
    fig.suptitle("The adding problem: training loss (thin: each batch; thick: running mean)")
    fig.tight_layout()
    path = os.path.join(out_dir, "adding_loss.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(path)

    fig, axes = plt.subplots(2, len(lengths), figsize=(4.2 * len(lengths), 6.4), squeeze=False, sharey=True)
    for row, clip in enumerate((False, True)):
        for col, T in enumerate(lengths):
            ax = axes[row][col]
            for kind in ("rnn", "lstm"):
                _, norms, first = results[kind, T, clip]
                ax.plot(np.maximum(first, 1e-30), color=colors[kind], lw=1.0,
                        label=f"{names[kind]}: ||dL/dx_1||")
                ax.plot(norms, color=colors[kind], lw=0.6, ls=":", label=f"{names[kind]}: global norm")
            if clip:
                ax.axhline(1.0, color="k", ls="--", lw=0.8, label="clipping threshold")
            ax.set_yscale("log")
            ax.set_title(f"T = {T}, " + ("clip_grad_norm_(1.0)" if clip else "no clipping"))
            ax.set_xlabel("step")
            if col == 0:
                ax.set_ylabel("gradient norm (log)")
            if row == 0 and col == 0:
                ax.legend(fontsize=7)
    fig.suptitle("Gradient reaching the first time step, and the global gradient norm before clipping")
    fig.tight_layout()
    path = os.path.join(out_dir, "adding_gradients.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(path)
    return written


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join("docs", "img"), help="folder for the PNG files")
    parser.add_argument("--lengths", type=int, nargs="+", default=[50, 100, 200], help="sequence lengths T")
    parser.add_argument("--steps", type=int, default=800, help="training steps per run")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-2, help="Adam's learning rate")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.steps < 1 or args.batch < 1 or args.hidden < 1 or min(args.lengths) < 4:
        parser.error("--steps, --batch and --hidden must be positive and every length at least 4")
    return args


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    results = {}
    print(f"{'model':>5} {'T':>4} {'clip':>5}  {'final loss':>10}  {'||dL/dx_1|| (median of last 10%)':>32}  "
          f"{'max global norm':>15}  seconds")
    for T in args.lengths:
        for clip in (False, True):
            for kind in ("rnn", "lstm"):
                start = time.perf_counter()
                res = results[kind, T, clip] = train(kind, T, clip, args.steps, args.batch, args.hidden,
                                                     args.lr, args.seed)
                tail = max(1, args.steps // 10)
                print(f"{kind:>5} {T:>4} {str(clip):>5}  {np.mean(res[0][-tail:]):10.4f}  "
                      f"{np.median(res[2][-tail:]):32.3e}  {res[1].max():15.3e}  "
                      f"{time.perf_counter() - start:7.1f}", flush=True)
    for path in plot(results, args.lengths, args.steps, args.out):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
