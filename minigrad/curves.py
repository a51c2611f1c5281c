"""Training records on disk: ``metrics.csv``, ``metrics.json`` and PNG plots of the curves.

Every file is written atomically (a temporary file in the same folder, then
``os.replace``), so a run interrupted while writing leaves the previous version.
matplotlib is imported here, lazily; figures are drawn on an Agg canvas with the
object-oriented API, so pyplot's global state (the caller's backend) is left alone.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from minigrad.atomic import atomic_file

__all__ = ["COLUMNS", "atomic_write_bytes", "write_metrics", "plot_curves"]

#: The columns of metrics.csv, one row per epoch.
COLUMNS = ("epoch", "lr", "train_loss", "train_acc", "test_loss", "test_acc", "epoch_seconds", "samples_per_s")


def atomic_write_bytes(path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (creating its folder): see ``minigrad.atomic``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path) as f:
        f.write(data)


def write_metrics(out_dir, history, config: dict | None = None, summary: dict | None = None) -> dict:
    """Write ``metrics.csv`` (one row per epoch) and ``metrics.json`` (config, rows, summary) into ``out_dir``.

    Returns ``{"csv": path, "json": path}``.
    """
    out_dir = Path(out_dir)
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in history:
        writer.writerow({key: _fmt(row.get(key)) for key in COLUMNS})
    paths = {"csv": out_dir / "metrics.csv", "json": out_dir / "metrics.json"}
    atomic_write_bytes(paths["csv"], text.getvalue().encode("utf-8"))
    document = {"config": config or {}, "epochs": list(history), "summary": summary or {}}
    atomic_write_bytes(paths["json"], (json.dumps(document, indent=2) + "\n").encode("utf-8"))
    return paths


def _fmt(value):
    if isinstance(value, float):
        return repr(value)
    return value


def plot_curves(history, out_dir, title: str = "") -> dict:
    """Draw loss and accuracy against the epoch; write ``loss.png``, ``accuracy.png`` and ``curves.png`` (both).

    Returns ``{"loss": path, "accuracy": path, "curves": path}``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    out_dir = Path(out_dir)
    paths = {}
    for name, panels in (("loss", ("loss",)), ("accuracy", ("accuracy",)), ("curves", ("loss", "accuracy"))):
        fig = Figure(figsize=(5.5 * len(panels), 4))
        FigureCanvasAgg(fig)
        axes = fig.subplots(1, len(panels), squeeze=False)
        for ax, panel in zip(axes[0], panels):
            _draw_panel(ax, history, panel)
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=110)
        paths[name] = out_dir / f"{name}.png"
        atomic_write_bytes(paths[name], buffer.getvalue())
    return paths


def _draw_panel(ax, history, panel):
    from matplotlib.ticker import MaxNLocator

    epochs = [row["epoch"] for row in history]
    if panel == "loss":
        ax.plot(epochs, [row["train_loss"] for row in history], "o-", label="train")
        ax.plot(epochs, [row["test_loss"] for row in history], "s-", label="test")
        ax.set_ylabel("cross-entropy loss")
        ax.set_yscale("log")
    else:
        ax.plot(epochs, [100 * row["train_acc"] for row in history], "o-", label="train")
        ax.plot(epochs, [100 * row["test_acc"] for row in history], "s-", label="test")
        ax.set_ylabel("accuracy (%)")
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers: no 1.25 ticks
    ax.grid(True, alpha=0.3)
    ax.legend()
