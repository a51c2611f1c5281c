"""End to end on the real data: one epoch of the default model on the full MNIST training set."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from training_helpers import data_root, read_metrics  # noqa: E402

from minigrad.cli import main  # noqa: E402


def test_one_epoch_of_the_default_model_reaches_95_percent(tmp_path, capsys):
    # Default model, optimizer and schedule (784-1000-50-10, dropout 0.2, Adam 1e-3, cosine), one epoch.
    assert main(["train", "--data-dir", str(data_root()), "--epochs", "1", "--out", str(tmp_path),
                 "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "60000 training / 10000 test images" in out
    assert "784-1000-50-10" in out
    rows = read_metrics(tmp_path)
    assert len(rows) == 1
    assert rows[0]["test_acc"] >= 0.95, rows[0]
    assert rows[0]["test_loss"] < 0.2, rows[0]
