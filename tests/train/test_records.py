"""The records of a run: the training curves leave the caller's matplotlib alone.

``plot_curves`` switched the process-wide backend to Agg (``matplotlib.use``), so a
notebook that called ``train()`` lost its inline backend for everything after.
"""
import time
from pathlib import Path

import matplotlib

from minigrad.train.records import finish, plot_curves

HISTORY = [{"epoch": e, "train_loss": 1.0 / e, "test_loss": 1.2 / e, "train_acc": 0.5 + e / 10,
            "test_acc": 0.5 + e / 11} for e in (1, 2, 3)]


def test_plot_curves_does_not_switch_the_global_backend(tmp_path):
    before = matplotlib.get_backend()
    matplotlib.use("pdf")   # stands for whatever backend the caller had (inline, QtAgg, ...)
    try:
        paths = plot_curves(HISTORY, tmp_path, title="t")
        assert matplotlib.get_backend() == "pdf"
    finally:
        matplotlib.use(before)
    for path in paths.values():
        assert path.read_bytes().startswith(b"\x89PNG")


def test_the_closing_line_counts_one_epoch_in_the_singular():
    """`minigrad train --epochs 1` (the docs' quick try) ended with 'done: 1 epochs'."""
    for history, completed, opening in ((HISTORY[:1], True, "done: 1 epoch;"), (HISTORY, False, "stopped: 3 epochs;")):
        lines = []
        finish(history, None, None, len(history), completed, Path("c.npz"), {}, time.perf_counter(), lines.append)
        assert lines[0].startswith(opening), lines[0]
