"""The MNIST examples run end to end on a small setting."""
from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from training_helpers import REPO, data_root, is_png, run_python  # noqa: E402


def test_mnist_mlp_example_learns(tmp_path):
    proc = run_python([str(REPO / "examples" / "mnist_mlp.py"), "--data-dir", str(data_root()),
                       "--limit", "2000", "--epochs", "2"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    accuracies = [float(a) for a in re.findall(r"test accuracy ([0-9.]+)%", proc.stdout)]
    assert len(accuracies) == 2, proc.stdout
    assert accuracies[-1] > 80.0, proc.stdout


def test_compare_optimizers_draws_every_optimizer(tmp_path):
    figure = tmp_path / "cmp.png"
    proc = run_python([str(REPO / "examples" / "compare_optimizers.py"), "--data-dir", str(data_root()),
                       "--optimizers", "sgd,adam,adadelta", "--epochs", "2", "--limit-train", "500",
                       "--hidden", "32", "--out", str(figure)], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert is_png(figure)
    table = [line for line in proc.stdout.splitlines() if line.startswith("| ") and "%" in line]
    assert sorted(line.split("|")[1].strip() for line in table) == ["adadelta", "adam", "sgd"]
    for line in table:
        accuracy = float(line.split("|")[5].strip().rstrip("%"))
        assert 10.0 < accuracy <= 100.0


def test_compare_optimizers_rejects_unknown_names(tmp_path):
    proc = run_python([str(REPO / "examples" / "compare_optimizers.py"), "--optimizers", "sgd,bogus",
                       "--out", str(tmp_path / "x.png")], cwd=tmp_path)
    assert proc.returncode == 1
    assert "unknown optimizer(s) bogus" in proc.stderr and "Traceback" not in proc.stderr


def test_compare_optimizers_without_data_is_one_line(tmp_path):
    proc = run_python([str(REPO / "examples" / "compare_optimizers.py"), "--data-dir", str(tmp_path / "none"),
                       "--optimizers", "sgd", "--out", str(tmp_path / "x.png")], cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"compare_optimizers: --data-dir {tmp_path / 'none'}: no such folder"


def test_mnist_cnn_example_learns(tmp_path):
    proc = run_python([str(REPO / "examples" / "mnist_cnn.py"), "--data-dir", str(data_root()),
                       "--limit", "1024", "--epochs", "1"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    accuracies = [float(a) for a in re.findall(r"test accuracy ([0-9.]+)%", proc.stdout)]
    assert len(accuracies) == 1, proc.stdout
    assert accuracies[0] > 40.0, proc.stdout   # 8 steps of Adam: far above chance (10%)


def test_lecture_mnist_port_learns(tmp_path):
    # The lecture's loop (ToTensor + Normalize, DataLoader batch 64 shuffled, FirstNet, nll_loss) on 2000 images.
    proc = run_python([str(REPO / "examples" / "lecture_mnist.py"), "--data-dir", str(data_root()),
                       "--limit", "2000", "--epochs", "1"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    accuracies = [float(a) for a in re.findall(r"test accuracy ([0-9.]+)%", proc.stdout)]
    assert len(accuracies) == 1 and accuracies[0] > 80.0, proc.stdout


def test_long_term_dependencies_example_learns_and_shows_cliffs(tmp_path):
    # The full run is docs/recurrent.md's; this is the same code at T = 10 (where an LSTM learns in
    # 300 steps) and the cliff experiment's default settings on 2 seeds and 150 steps.
    proc = run_python([str(REPO / "examples" / "long_term_dependencies.py"), "--lengths", "10", "--steps-per-t", "30",
                       "--cliff-seeds", "2", "--cliff-steps", "150", "--out", str(tmp_path)], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "", proc.stderr                        # no overflow warnings from the unclipped runs
    assert is_png(tmp_path / "adding_long_term.png") and is_png(tmp_path / "adding_cliffs.png")
    rows = {line.split()[0]: line.split() for line in proc.stdout.splitlines() if line.split()[:1] in (["rnn"], ["lstm"])}
    assert float(rows["lstm"][5]) < 0.01 and rows["lstm"][6] == "True", proc.stdout   # solved: < 6% of the baseline
    assert int(rows["lstm"][3]) < 300, proc.stdout               # it left the baseline during the run
    assert all(float(rows[kind][7]) > 0 for kind in rows)      # a gradient reached the first step
    summary = dict(re.findall(r"^(with|without) clipping, 2 seeds: (.*)$", proc.stdout, re.M))
    jumps, spikes, diverged = (int(n) for n in re.findall(r"\d+", summary["without"]))
    assert jumps >= 1 and spikes >= 1 and diverged >= 1, proc.stdout   # unclipped SGD met cliffs
    assert summary["with"] == "0 loss jumps, 0 gradient spikes, 0 diverged", proc.stdout


def test_recurrent_docs_show_the_figures_the_example_writes():
    docs = (REPO / "docs" / "recurrent.md").read_text()
    shown = re.findall(r"\]\(img/(adding_[a-z_]+\.png)\)", docs)
    assert sorted(shown) == ["adding_cliffs.png", "adding_long_term.png"]
    assert all(is_png(REPO / "docs" / "img" / name) for name in shown)
