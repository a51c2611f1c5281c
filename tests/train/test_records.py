"""The records of a run: the training curves leave the caller's matplotlib alone.

``plot_curves`` switched the process-wide backend to Agg (``matplotlib.use``), so a
notebook that called ``train()`` lost its inline backend for everything after.
"""
import matplotlib

from minigrad.train.records import plot_curves

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
