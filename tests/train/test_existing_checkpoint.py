"""A run into a place that already holds a checkpoint neither replaces it silently nor starts from it silently:
it needs --resume (continue that run) or --overwrite (start afresh and replace it)."""
import sys
from pathlib import Path

import pytest

from minigrad.cli import main
from minigrad.train.config import ConfigError, TrainConfig

sys.path.insert(0, str(Path(__file__).parent.parent))
from training_helpers import data_root  # noqa: E402


def _train(out, *extra):
    return main(["train", "--data-dir", str(data_root()), "--out", str(out), "--no-progress", "--limit-train", "256",
                 "--epochs", "1", "--hidden", "16", *extra])


def test_a_second_run_into_the_same_out_is_refused_and_the_checkpoint_kept(tmp_path, capsys):
    # Before: the second run started from scratch and replaced the first run's checkpoint after its first epoch.
    out = tmp_path / "run"
    assert _train(out) == 0
    before = (out / "checkpoint.npz").read_bytes()
    capsys.readouterr()
    assert _train(out, "--seed", "1") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"minigrad train: error: --out {out} holds the checkpoint of an earlier run; continue that run "
                   "with --resume, or start afresh and replace it with --overwrite"]
    assert (out / "checkpoint.npz").read_bytes() == before


def test_overwrite_starts_afresh_and_replaces_the_checkpoint(tmp_path):
    import minigrad as mg

    out = tmp_path / "run"
    assert _train(out) == 0
    first = mg.load(out / "checkpoint.npz")
    assert _train(out, "--seed", "1", "--overwrite") == 0
    second = mg.load(out / "checkpoint.npz")
    assert second["config"]["seed"] == 1 and first["config"]["seed"] == 0


def test_an_explicit_checkpoint_path_is_named_in_the_refusal(tmp_path):
    ckpt = tmp_path / "c.npz"
    ckpt.write_bytes(b"an earlier run's")
    with pytest.raises(ConfigError) as info:
        TrainConfig(out=str(tmp_path / "run"), checkpoint=str(ckpt)).resolved()
    assert str(info.value) == (f"--checkpoint {ckpt} holds the checkpoint of an earlier run; continue that run "
                               "with --resume, or start afresh and replace it with --overwrite")
    assert ckpt.read_bytes() == b"an earlier run's"


def test_resume_and_overwrite_together_are_refused(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "checkpoint.npz").write_bytes(b"x")
    with pytest.raises(ConfigError) as info:
        TrainConfig(out=str(tmp_path / "run"), resume=True, overwrite=True).resolved()
    assert str(info.value) == "--resume and --overwrite: give one (continue the run in the checkpoint, or replace it)"


def test_resume_without_a_checkpoint_is_refused_up_front(tmp_path):
    with pytest.raises(ConfigError) as info:
        TrainConfig(out=str(tmp_path / "run"), resume=True).resolved()
    assert str(info.value) == f"--resume: no checkpoint at {tmp_path / 'run' / 'checkpoint.npz'} (train without --resume first)"


def test_overwrite_into_a_fresh_folder_is_a_plain_run(tmp_path):
    assert TrainConfig(out=str(tmp_path / "run"), overwrite=True).resolved().overwrite is True
