"""`minigrad train --model cnn`: a short real run, bit-identical resume (training images shifted at random),
the augmentation on the training set only, and the MLP defaults left unchanged."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

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
    assert ("model conv32-bn-pool-conv64-bn-pool-3136-128-10 CNN, dropout 0.25 (421,738 parameters), "
            "training images shifted up to 2 px;") in out
    assert "adam lr 0.001, schedule cosine" in out and "; 1 epoch;" in out
    rows = read_metrics(tmp_path / "cnn")
    assert len(rows) == 1 and rows[0]["test_acc"] > 0.2   # three Adam steps (BatchNorm barely warmed up): above chance
    ckpt = mg.load(tmp_path / "cnn" / "checkpoint.npz")
    assert ckpt["config"]["model"] == "cnn" and ckpt["config"]["hidden"] == [128] and ckpt["config"]["augment"] == 2
    assert tuple(ckpt["model"]["1.weight"].shape) == (32, 1, 3, 3)
    assert tuple(ckpt["model"]["5.weight"].shape) == (64, 32, 3, 3)
    assert tuple(ckpt["model"]["6.running_var"].shape) == (64,)
    assert ckpt["model"]["1.weight"].dtype == np.float32
    for name in ("metrics.csv", "metrics.json", "curves.png"):
        assert (tmp_path / "cnn" / name).is_file()


def _small_test_set(monkeypatch):
    """A 500-image test set keeps the runs' evaluations short; training is the real data."""
    load = train_module.load_datasets

    def small_test_set(config):
        train_set, test_set = load(config)
        return train_set, type(test_set)(*(a[:500] for a in test_set.arrays))
    monkeypatch.setattr(train_module, "load_datasets", small_test_set)


def test_cnn_resume_is_bit_identical(tmp_path, monkeypatch):
    # The default CNN run shifts its training images at random: the shifts resume exactly too.
    _small_test_set(monkeypatch)
    common = ["--limit-train", "384", "--epochs", "2", "--seed", "3"]
    assert _train(tmp_path / "whole", *common) == 0
    assert _train(tmp_path / "split", *common, "--stop-after", "1") == 0
    assert _train(tmp_path / "split", *common, "--resume") == 0
    a, b = mg.load(tmp_path / "whole" / "checkpoint.npz"), mg.load(tmp_path / "split" / "checkpoint.npz")
    assert a["epoch"] == b["epoch"] == 2 and a["config"]["augment"] == b["config"]["augment"] == 2
    for key in a["model"]:
        np.testing.assert_array_equal(a["model"][key], b["model"][key], err_msg=key)
    for index, state in a["optimizer"]["state"].items():
        for name, value in state.items():
            np.testing.assert_array_equal(value, b["optimizer"]["state"][index][name], err_msg=f"{index}.{name}")
    assert a["rng"] == b["rng"] and a["loader"] == b["loader"]


def test_the_augmentation_shapes_the_run_and_a_resume_must_keep_it(tmp_path, monkeypatch, capsys):
    _small_test_set(monkeypatch)
    common = ["--limit-train", "256", "--epochs", "2", "--seed", "1", "--stop-after", "1"]
    assert _train(tmp_path / "shifted", *common) == 0
    assert _train(tmp_path / "plain", *common, "--augment", "0") == 0
    shifted, plain = mg.load(tmp_path / "shifted" / "checkpoint.npz"), mg.load(tmp_path / "plain" / "checkpoint.npz")
    assert plain["config"]["augment"] == 0
    assert not np.array_equal(shifted["model"]["1.weight"], plain["model"]["1.weight"])   # other images seen
    capsys.readouterr()
    assert _train(tmp_path / "shifted", *common, "--augment", "1", "--resume") == 2
    assert "was made with --augment 2 (now 1)" in capsys.readouterr().err


def test_only_the_training_set_is_shifted_and_its_labels_stay():
    from minigrad.train.data import load_datasets

    train_set, test_set = load_datasets(TrainConfig(model="cnn", data_dir=str(data_root()), limit_train=512).resolved())
    assert test_set.transform is None
    images, labels = train_set.arrays
    index = np.arange(0, 512, 2)
    x, y = train_set[index]
    assert x.shape == (256, 784) and x.dtype == np.float32
    np.testing.assert_array_equal(y, labels[index])
    shifts = train_set.transform.transforms[1].last_shifts
    assert np.abs(shifts).max() == 2
    moved = np.abs(shifts).sum(axis=1) > 0
    assert not np.array_equal(x[moved], images[index][moved])
    np.testing.assert_array_equal(x[~moved], images[index][~moved])          # a (0, 0) draw leaves the image as is
    for name in ("mlp", "lstm"):
        mlp_train, _ = load_datasets(TrainConfig(model=name, data_dir=str(data_root()), limit_train=8).resolved())
        assert mlp_train.transform is None


def test_mlp_defaults_are_unchanged():
    config = TrainConfig().resolved()
    assert (config.model, config.hidden, config.dropout, config.optimizer, config.schedule, config.epochs,
            config.augment) == ("mlp", (1000, 50), 0.2, "adam", "cosine", 10, 0)
    cnn = TrainConfig(model="cnn", epochs=2).resolved()
    assert (cnn.hidden, cnn.dropout, cnn.optimizer, cnn.schedule, cnn.epochs, cnn.augment) == (
        (128,), 0.25, "adam", "cosine", 2, 2)


def test_checkpoints_from_before_the_model_option_resume_as_mlp(tmp_path):
    # An MLP checkpoint written before --model (and --augment) existed has no "model" (nor "augment") in its config.
    from minigrad.data import ArrayDataset, DataLoader
    from minigrad.train.recipes import build_mlp, build_optimizer

    config = TrainConfig(hidden=(4,), epochs=1).resolved()
    trajectory = config.trajectory()
    old = {k: v for k, v in trajectory.items() if k not in ("model", "augment")}
    model = build_mlp(784, (4,), 10)
    loader = DataLoader(ArrayDataset(np.zeros((4, 784), np.float32), np.zeros(4, np.int64)), batch_size=2)
    save_train_state(tmp_path / "old.npz", trajectory=old, epoch=1, model=model,
                     optimizer=build_optimizer(config, model.parameters()), schedule=None, loader=loader, history=[])
    assert read_train_state(tmp_path / "old.npz", trajectory)["epoch"] == 1


def test_bad_augment_values_are_refused_in_one_line():
    from minigrad.train import ConfigError

    for bad in (-1, 28, 1.5, True):
        with pytest.raises(ConfigError, match=rf"--augment: the largest shift must be a whole number of pixels "
                                              rf"from 0 to 27, got {bad}"):
            TrainConfig(model="cnn", augment=bad).resolved()
    assert TrainConfig(model="mlp", augment=3).resolved().augment == 3   # any model may shift its images
