"""The adding problem (Hochreiter & Schmidhuber 1997): why LSTMs and gradient clipping exist.

Each sequence has T steps of two inputs: a random number in [0, 1) and a marker,
1 at exactly two steps (one in the first tenth of the sequence, one in its second
half) and 0 elsewhere. The target is the sum of the two marked numbers. Always
answering the mean (1.0) scores the variance of that sum, 1/6 = 0.167: a model
below that line has learnt to carry the first number across at least 0.4 T steps.

Two experiments, one figure each, written into --out (default docs/img):

1. Long-term dependencies (adding_long_term.png; Goodfellow et al. §8.2.5, §10.7, §10.10).
   For T in --lengths, a tanh ``nn.RNN`` and an ``nn.LSTM`` (hidden 32, a linear
   head on the last state) train --steps-per-t x T Adam steps with
   ``clip_grad_norm_(params, 1.0)``, on the same batches. Recorded at every step:
   the loss and ||dL/dx_1||, the gradient that reaches the first time step. At
   the end each model is scored on 1000 held-out sequences: "solved" means a test
   MSE below SOLVED = 0.01 (6% of the baseline).

2. Cliffs (adding_cliffs.png; §8.2.4, §10.11.1). A tanh RNN at T = --cliff-length,
   short enough for it to learn, trained by plain SGD (lr --cliff-lr) from
   recurrent weights rescaled to spectral radius --cliff-radius, once without and
   once with ``clip_grad_norm_(params, 1.0)``, for each of --cliff-seeds seeds.
   Recorded: the loss and the global gradient norm before clipping. Counted: loss
   jumps (a loss over 10 times the median of the 20 steps before it), gradient
   spikes (a norm over 100 times theirs), a streak of such steps counting once, and
   divergence (a loss above 10^6, or not finite: the run stops there).

Usage:
  python examples/long_term_dependencies.py             # the figures and numbers of docs/recurrent.md
  python examples/long_term_dependencies.py --lengths 10 --steps-per-t 30 --cliff-seeds 2 --cliff-steps 150 --out /tmp/ltd  # quick (the CI test)
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
SOLVED = 0.01          # a test MSE below this counts as solving the task
TEST_SIZE = 1000
JUMP, SPIKE, WINDOW = 10.0, 100.0, 20   # a loss jump / gradient spike against the median of WINDOW steps
DIVERGED = 1e6         # a training loss above this (or not finite) ends a run
FLOOR = 1e-30          # the plots draw smaller values (a gradient that underflowed to 0) here


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
    """A recurrent layer read at its last state, then a linear head to one number."""

    def __init__(self, kind, hidden):
        super().__init__()
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


def set_spectral_radius(weight, radius):
    """Rescale a square matrix in place so that its largest |eigenvalue| is ``radius``."""
    weight.data *= radius / np.max(np.abs(np.linalg.eigvals(weight.data)))


def fit(model, optimizer, T, steps, batch, max_norm, seed):
    """Train; per step: the loss, the global gradient norm before clipping, ||dL/dx_1||.

    The batches depend on ``seed`` only, so models trained with one seed see the same data.
    A loss above DIVERGED (or not finite) ends the run; the steps not taken stay NaN.
    """
    rng = np.random.default_rng(seed)
    params = model.parameters()
    record = {key: np.full(steps, np.nan) for key in ("loss", "norm", "first")}
    with np.errstate(over="ignore", invalid="ignore"):   # an unclipped run may overflow: that is recorded
        for step in range(steps):
            xb, yb = adding_batch(rng, T, batch)
            x = mg.Tensor(xb, requires_grad=True)   # to read the gradient that reaches step 1
            optimizer.zero_grad()
            loss = F.mse_loss(model(x), mg.Tensor(yb))
            record["loss"][step] = loss.item()
            if not record["loss"][step] <= DIVERGED:
                break
            loss.backward()
            record["norm"][step] = optim.clip_grad_norm_(params, max_norm)
            record["first"][step] = np.linalg.norm(x.grad.data[0])
            optimizer.step()
    return record


def held_out_mse(model, T, seed):
    """MSE on TEST_SIZE held-out sequences (their own random stream)."""
    x, y = adding_batch(np.random.default_rng([seed, T]), T, TEST_SIZE)
    with mg.no_grad():
        return float(F.mse_loss(model(mg.Tensor(x)), mg.Tensor(y)).item())


def left_baseline(loss, width=50):
    """The first step at which the mean loss of the last ``width`` steps is under BASELINE / 2, or "never"."""
    below = np.flatnonzero(np.convolve(loss, np.ones(width) / width, mode="valid") < BASELINE / 2)
    return str(below[0] + width) if len(below) else "never"


def count_events(record):
    """(loss jumps, gradient spikes, diverged) of one run.

    A loss jump is a loss over JUMP times the median of the (up to) WINDOW steps before it, a gradient
    spike a norm over SPIKE times theirs; a run of such steps in a row counts once (one cliff).
    """
    loss, norm = record["loss"], record["norm"]
    counts, previous = [0, 0], [False, False]
    for step in range(5, len(loss)):
        if not loss[step] <= DIVERGED:
            break
        window = slice(max(0, step - WINDOW), step)
        now = [loss[step] > JUMP * np.median(loss[window]), norm[step] > SPIKE * np.median(norm[window])]
        for i in (0, 1):
            counts[i] += now[i] and not previous[i]
        previous = now
    return counts[0], counts[1], not bool(np.all(loss <= DIVERGED))


def long_term_runs(args):
    """The RNN and the LSTM at every T; prints one row per run and returns the records."""
    results = {}
    print(f"Adam lr {args.lr}, batch {args.batch}, hidden {args.hidden}, clip_grad_norm_ 1.0, "
          f"{args.steps_per_t} x T steps, seed {args.seed}; solved: test MSE < {SOLVED} (baseline {BASELINE:.3f})")
    print("left: the first step at which the mean loss of the last 50 is under half the baseline; train MSE: the\n"
          "mean over the last 10% of the steps; ||dL/dx_1||: its median over the first and the last 10%")
    print(f"{'model':>5} {'T':>4} {'steps':>6}  {'left':>5}  train MSE  test MSE  solved  {'||dL/dx_1||':>11} "
          f"{'first':>5}  {'last':>8}  seconds")
    for T in args.lengths:
        steps = args.steps_per_t * T
        for kind in ("rnn", "lstm"):
            start = time.perf_counter()
            mg.manual_seed(args.seed)
            model = Regressor(kind, args.hidden)
            record = fit(model, optim.Adam(model.parameters(), lr=args.lr), T, steps, args.batch, 1.0, args.seed)
            record["test"] = held_out_mse(model, T, args.seed)
            results[kind, T] = record
            tenth = max(1, steps // 10)
            print(f"{kind:>5} {T:>4} {steps:>6}  {left_baseline(record['loss']):>5}  "
                  f"{np.mean(record['loss'][-tenth:]):9.4f}  {record['test']:8.4f}  "
                  f"{str(record['test'] < SOLVED):>6}  {np.median(record['first'][:tenth]):17.2e}  "
                  f"{np.median(record['first'][-tenth:]):8.2e}  {time.perf_counter() - start:7.1f}", flush=True)
    return results


def cliff_runs(args):
    """The RNN by plain SGD near the edge of stability, without and with clipping, for each seed."""
    results = {}
    print(f"\nCliffs: tanh RNN, T = {args.cliff_length}, hidden {args.hidden}, batch {args.batch}, "
          f"SGD lr {args.cliff_lr}, W_hh at spectral radius {args.cliff_radius}, {args.cliff_steps} steps")
    print(f"{'seed':>4}  {'clip':>5}  {'loss jumps':>10}  {'grad spikes':>11}  {'max grad norm':>13}  end")
    for seed in range(args.cliff_seeds):
        for max_norm in (float("inf"), 1.0):
            mg.manual_seed(seed)
            model = Regressor("rnn", args.hidden)
            set_spectral_radius(model.rnn.weight_hh_l0, args.cliff_radius)
            record = fit(model, optim.SGD(model.parameters(), lr=args.cliff_lr), args.cliff_length,
                         args.cliff_steps, args.batch, max_norm, seed)
            record["events"] = count_events(record)
            results[seed, max_norm] = record
            taken = np.flatnonzero(np.isfinite(record["loss"]))
            end = (f"diverged at step {taken[-1] + 1} (loss {record['loss'][taken[-1]]:.3g})" if record["events"][2] else
                   f"mean loss of the last 10%: {np.mean(record['loss'][-max(1, args.cliff_steps // 10):]):.4f}")
            print(f"{seed:>4}  {'1.0' if max_norm == 1.0 else 'none':>5}  {record['events'][0]:>10}  "
                  f"{record['events'][1]:>11}  {np.nanmax(record['norm']):13.3g}  {end}", flush=True)
    return results


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path):
    """Write the figure as a PNG atomically (a crash never leaves half a file) and close it."""
    from minigrad.atomic import atomic_file

    with atomic_file(path) as f:
        fig.savefig(f, format="png", dpi=100)
    _pyplot().close(fig)


def plot_long_term(results, lengths, path):
    """Row 1: the training loss; row 2: ||dL/dx_1||; one column per T."""
    plt = _pyplot()
    colors, names = {"rnn": "tab:red", "lstm": "tab:blue"}, {"rnn": "tanh RNN", "lstm": "LSTM"}
    rows = (("loss", "training MSE (log)"), ("first", f"||dL/dx_1|| (log; 0 drawn at {FLOOR:g})"))
    fig, axes = plt.subplots(2, len(lengths), figsize=(4.4 * len(lengths), 6.6), squeeze=False)
    for row, (key, label) in enumerate(rows):
        for col, T in enumerate(lengths):
            ax = axes[row][col]
            for kind in ("rnn", "lstm"):
                values = np.maximum(results[kind, T][key], FLOOR)
                width = max(1, len(values) // 100)   # a running geometric mean: one batch is noisy
                smooth = 10 ** np.convolve(np.log10(values), np.ones(width) / width, mode="valid")
                ax.plot(values, color=colors[kind], alpha=0.2, lw=0.5)
                ax.plot(np.arange(width - 1, len(values)), smooth, color=colors[kind], lw=1.5,
                        label=f"{names[kind]} (test MSE {results[kind, T]['test']:.3g})" if key == "loss"
                        else names[kind])
            if key == "loss":
                ax.axhline(BASELINE, color="k", ls="--", lw=1, label="predict the mean (0.167)")
                ax.axhline(SOLVED, color="k", ls=":", lw=1, label=f"solved ({SOLVED})")
                ax.set_title(f"T = {T}")
            ax.set_yscale("log")
            ax.set_xlabel("step")
            ax.set_ylabel(label)
            ax.legend(fontsize=7, loc="lower left")
    fig.suptitle("The adding problem (Adam, clipping at 1.0): the loss, and the gradient reaching step 1")
    fig.tight_layout()
    _save(fig, path)


def plot_cliffs(results, args, path):
    """The loss and the gradient norm before clipping, each seed without (red) and with (blue) clipping."""
    plt = _pyplot()
    fig, axes = plt.subplots(2, 1, figsize=(9, 6.6), sharex=True)
    for (seed, max_norm), record in results.items():
        clipped = max_norm == 1.0
        label = ("clip_grad_norm_(1.0)" if clipped else "no clipping") if seed == 0 else None
        steps = np.arange(1, len(record["loss"]) + 1)   # from 1: the x axis is logarithmic
        for ax, key in zip(axes, ("loss", "norm")):
            ax.plot(steps, record[key], color="tab:blue" if clipped else "tab:red", lw=0.6, alpha=0.8, label=label)
            if record["events"][2]:   # diverged: mark the last value recorded
                last = np.flatnonzero(np.isfinite(record[key]))[-1]
                ax.plot(steps[last], record[key][last], "kx", ms=7,
                        label="diverged (loss > 1e6)" if key == "loss" and seed == 0 else None)
    axes[0].axhline(BASELINE, color="k", ls="--", lw=1, label="predict the mean (0.167)")
    axes[1].axhline(1.0, color="k", ls=":", lw=1, label="clipping threshold")
    axes[0].set_ylabel("training MSE (log)")
    axes[1].set_ylabel("gradient norm before clipping (log)")
    axes[1].set_xlabel("step (log)")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.legend(fontsize=8, loc="upper right")
    fig.suptitle(f"Cliffs: tanh RNN, T = {args.cliff_length}, SGD lr {args.cliff_lr}, W_hh spectral radius "
                 f"{args.cliff_radius}, {args.cliff_seeds} seeds")
    fig.tight_layout()
    _save(fig, path)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join("docs", "img"), help="folder for the PNG files")
    parser.add_argument("--lengths", type=int, nargs="+", default=[50, 100, 200], help="sequence lengths T")
    parser.add_argument("--steps-per-t", type=int, default=20, help="training steps per unit of T")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-2, help="Adam's learning rate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cliff-length", type=int, default=20)
    parser.add_argument("--cliff-steps", type=int, default=600)
    parser.add_argument("--cliff-lr", type=float, default=0.05, help="SGD's learning rate")
    parser.add_argument("--cliff-radius", type=float, default=1.2, help="spectral radius of the initial W_hh")
    parser.add_argument("--cliff-seeds", type=int, default=5)
    args = parser.parse_args(argv)
    if min(args.steps_per_t, args.batch, args.hidden, args.cliff_steps, args.cliff_seeds) < 1:
        parser.error("--steps-per-t, --batch, --hidden, --cliff-steps and --cliff-seeds must be positive")
    if min(*args.lengths, args.cliff_length) < 4:
        parser.error("every length must be at least 4")
    return args


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    start = time.perf_counter()
    long_term = long_term_runs(args)
    cliffs = cliff_runs(args)
    for clipped in (False, True):
        events = np.array([r["events"] for (_, max_norm), r in cliffs.items() if (max_norm == 1.0) == clipped])
        print(f"{'with' if clipped else 'without'} clipping, {len(events)} seeds: {events[:, 0].sum()} loss jumps, "
              f"{events[:, 1].sum()} gradient spikes, {events[:, 2].sum()} diverged")
    paths = os.path.join(args.out, "adding_long_term.png"), os.path.join(args.out, "adding_cliffs.png")
    plot_long_term(long_term, args.lengths, paths[0])
    plot_cliffs(cliffs, args, paths[1])
    print(f"wrote {paths[0]} and {paths[1]} in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
