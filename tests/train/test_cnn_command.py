"""`minigrad train --model cnn`: a short real run, bit-identical resume, and the MLP defaults left unchanged."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent.parent))
from training_helpers import data_root, read_metrics  # noqa: E402

import minigrad as mg  # noqa: E402
import minigrad.train.loop as train_module  # noqa: E402
from minigrad.cli import main  # noqa: E402
from minigrad.train import TrainConfig  # noqa: E402
from minigrad.train.checkpoint import read_train_state, save_train_state  # noqa: E402


def _train(out, *extra):
    return main(["train", "--model", "cnn", "--data-dir", str(data_root()), "--out", str(out), "--no-progress",
                 *extra])


def test_cnn_command_trains_and_writes_its_files(tmp_path, capsys):
    assert _train(tmp_path / "cnn", "--limit-train", "384", "--epochs", "1") == 0
    out = capsys.readouterr().out
    assert "model conv32-bn-pool-conv64-bn-pool-3136-128-10 CNN, dropout 0.25 (421,738 parameters)" in out
    assert "adam lr 0.001, schedule cosine" in out and "1 epochs" in out
    rows = read_metrics(tmp_path / "cnn")
    assert len(rows) == 1 and rows[0]["test_acc"] > 0.2   # three Adam steps (BatchNorm barely warmed up): above chance
    ckpt = mg.load(tmp_path / "cnn" / "checkpoint.npz")
    assert ckpt["config"]["model"] == "cnn" and ckpt["config"]["hidden"] == [128]
    assert tuple(ckpt["model"]["1.weight"].shape) == (32, 1, 3, 3)
    assert tuple(ckpt["model"]["5.weight"].shape) == (64, 32, 3, 3)
    assert tuple(ckpt["model"]["6.running_var"].shape) == (64,)
    assert ckpt["model"]["1.weight"].dtype == np.float32
    for name in ("metrics.csv", "metrics.json", "curves.png"):
        assert (tmp_path / "cnn" / name).is_file()


def test_cnn_resume_is_bit_identical(tmp_path, monkeypatch):
    # A 500-image test set keeps the three runs' evaluations short; training is the real data.
    load = train_module.load_datasets

    def small_test_set(config):
        train_set, test_set = load(config)
        return train_set, type(test_set)(*(a[:500] for a in test_set.arrays))
    monkeypatch.setattr(train_module, "load_datasets", small_test_set)
    common = ["--limit-train", "384", "--epochs", "2", "--seed", "3"]
    assert _train(tmp_path / "whole", *common) == 0
    assert _train(tmp_path / "split", *common, "--stop-after", "1") == 0
    assert _train(tmp_path / "split", *common, "--resume") == 0
    a, b = mg.load(tmp_path / "whole" / "checkpoint.npz"), mg.load(tmp_path / "split" / "checkpoint.npz")
    assert a["epoch"] == b["epoch"] == 2
    for key in a["model"]:
        np.testing.assert_array_equal(a["model"][key], b["model"][key], err_msg=key)
    for index, state in a["optimizer"]["state"].items():
        for name, value in state.items():
            np.testing.assert_array_equal(value, b["optimizer"]["state"][index][name], err_msg=f"{index}.{name}")
    assert a["rng"] == b["rng"] and a["loader"] == b["loader"]


def test_mlp_defaults_are_unchanged():
    config = TrainConfig()
    assert (config.model, config.hidden, config.dropout, config.optimizer, config.schedule, config.epochs) == (
        "mlp", (1000, 50), 0.2, "adam", "cosine", 10)
    cnn = TrainConfig(model="cnn", epochs=2)
    assert (cnn.hidden, cnn.dropout, cnn.optimizer, cnn.schedule, cnn.epochs) == ((128,), 0.25, "adam", "cosine", 2)


def test_checkpoints_from_before_the_model_option_resume_as_mlp(tmp_path):
    # An MLP checkpoint written before --model existed has no "model" in its config.
    from minigrad.data import ArrayDataset, DataLoader
    from minigrad.train.recipes import build_mlp, build_optimizer

    config = TrainConfig(hidden=(4,), epochs=1).resolved()
    trajectory = config.trajectory()
    old = {k: v for k, v in trajectory.items() if k != "model"}
    model = build_mlp(784, (4,), 10)
    loader = DataLoader(ArrayDataset(np.zeros((4, 784), np.float32), np.zeros(4, np.int64)), batch_size=2)
    save_train_state(tmp_path / "old.npz", trajectory=old, epoch=1, model=model,
                     optimizer=build_optimizer(config, model.parameters()), schedule=None, loader=loader, history=[])
    assert read_train_state(tmp_path / "old.npz", trajectory)["epoch"] == 1
