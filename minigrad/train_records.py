"""What a training run leaves besides its checkpoint: metrics and plots, the closing summary, its ``TrainResult``."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from minigrad.recipes import describe_mlp, describe_model


@dataclass
class TrainResult:
    """What a run leaves: per-epoch metrics, the trained model and optimizer, where the files are."""

    history: list
    model: object
    optimizer: object
    epochs_done: int
    completed: bool
    checkpoint: Path
    files: dict
    seconds: float


def _finish(history, model, optimizer, epochs_done, completed, ckpt_path, files, started, log):
    seconds = time.perf_counter() - started
    if history:
        best = max(history, key=lambda r: r["test_acc"])
        last = history[-1]
        log(f"{'done' if completed else 'stopped'}: {epochs_done} epochs; final test accuracy "
            f"{100 * last['test_acc']:.2f}% (loss {last['test_loss']:.4f}); best {100 * best['test_acc']:.2f}% "
            f"at epoch {best['epoch']}; {seconds:.1f} s this session")
        log("files: " + ", ".join(str(p) for p in [*files.values(), ckpt_path]))
    return TrainResult(history, model, optimizer, epochs_done, completed, ckpt_path, files, seconds)


def _write_records(out_dir, config, history, plots=True):
    from minigrad.curves import plot_curves, write_metrics

    best = max(history, key=lambda r: r["test_acc"])
    summary = {"epochs": history[-1]["epoch"], "final_test_acc": history[-1]["test_acc"],
               "best_test_acc": best["test_acc"], "best_epoch": best["epoch"]}
    files = write_metrics(out_dir, history, config=config.trajectory(), summary=summary)
    if plots:
        net = (describe_mlp(784, config.hidden, 10) if config.model == "mlp"
               else describe_model(config.model, 784, config.hidden, 10))
        title = f"{config.dataset} {net}, {config.optimizer}"
        files.update(plot_curves(history, out_dir, title=title))
    return files
