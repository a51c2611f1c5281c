"""`minigrad train --model lstm`: a short sequential-MNIST run with its files, and --resume, on a tiny subset."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from training_helpers import data_root, is_png, read_metrics  # noqa: E402

import minigrad as mg  # noqa: E402
from minigrad.cli import main  # noqa: E402


def _train(tmp_path, *extra):
    return main(["train", "--model", "lstm", "--data-dir", str(data_root()), "--out", str(tmp_path / "out"),
                 "--no-progress", "--limit-train", "1000", "--epochs", "2", "--hidden", "32", "--lr", "0.01",
                 "--batch-size", "32", *extra])


def test_lstm_run_learns_writes_its_files_and_resumes_bit_identically(tmp_path, capsys):
    assert _train(tmp_path, "--stop-after", "1") == 0
    out = capsys.readouterr().out
    assert "model LSTM(28, 32) over 28 rows, linear head to 10" in out and "adam lr 0.01" in out
    assert "stopping after epoch 1" in out
    assert _train(tmp_path, "--resume") == 0
    assert "resuming from" in capsys.readouterr().out
    rows = read_metrics(tmp_path / "out")
    assert [r["epoch"] for r in rows] == [1, 2]
    assert rows[-1]["test_acc"] > 0.25                 # 10 classes: chance is 0.1
    for name in ("loss.png", "accuracy.png", "curves.png"):
        assert is_png(tmp_path / "out" / name)
    doc = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert doc["config"]["model"] == "lstm" and doc["config"]["hidden"] == [32]
    resumed = mg.load(str(tmp_path / "out" / "checkpoint.npz"))

    straight = tmp_path / "straight"
    straight.mkdir()
    assert _train(straight) == 0
    whole = mg.load(str(straight / "out" / "checkpoint.npz"))
    assert "lstm.weight_hh_l0" in resumed["model"]
    for k, v in resumed["model"].items():
        np.testing.assert_array_equal(np.asarray(v), np.asarray(whole["model"][k]))


@pytest.mark.parametrize("extra,message", [
    (["--hidden", "32,16"], "--model lstm takes one --hidden width, got --hidden 32,16"),
    (["--dropout", "0.1"], "--model lstm takes no --dropout, got --dropout 0.1"),
])
def test_lstm_rejects_mlp_options(tmp_path, capsys, extra, message):
    assert main(["train", "--model", "lstm", "--data-dir", str(data_root()), "--out", str(tmp_path / "o"),
                 "--no-progress", "--limit-train", "64", *extra]) == 2
    assert message in capsys.readouterr().err
