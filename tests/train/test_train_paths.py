"""A --checkpoint that is a folder, or an --out that is a file, is refused before training (not after epoch 1)."""
import pytest

from minigrad.train.config import ConfigError, TrainConfig


def test_a_checkpoint_path_that_is_a_folder_is_refused_up_front(tmp_path):
    # Before: resolved() accepted it, and the run died with IsADirectoryError after its first epoch's training.
    (tmp_path / "ckpt").mkdir()
    with pytest.raises(ConfigError) as info:
        TrainConfig(out=str(tmp_path / "run"), checkpoint=str(tmp_path / "ckpt")).resolved()
    assert str(info.value) == f"--checkpoint {tmp_path / 'ckpt'}: is a folder; give a file name"


def test_an_out_path_that_is_a_file_is_refused_up_front(tmp_path):
    (tmp_path / "run").write_text("notes")
    with pytest.raises(ConfigError) as info:
        TrainConfig(out=str(tmp_path / "run")).resolved()
    assert str(info.value) == f"--out {tmp_path / 'run'}: is a file; give a folder"
    assert (tmp_path / "run").read_text() == "notes"


def test_the_default_checkpoint_in_a_folder_out_is_refused_too(tmp_path):
    (tmp_path / "run" / "checkpoint.npz").mkdir(parents=True)
    with pytest.raises(ConfigError, match=r"--checkpoint .*checkpoint\.npz: is a folder"):
        TrainConfig(out=str(tmp_path / "run")).resolved()


def test_fresh_paths_resolve(tmp_path):
    config = TrainConfig(out=str(tmp_path / "run"), checkpoint=str(tmp_path / "a" / "c.npz")).resolved()
    assert config.checkpoint_path() == tmp_path / "a" / "c.npz"


def test_a_train_checkpoint_missing_entries_is_one_config_error(tmp_path):
    # Before: KeyError: 'config' from read_train_state (and 'model'... from restore_train_state).
    import minigrad as mg
    from minigrad.train.checkpoint import FORMAT, VERSION, read_train_state

    path = tmp_path / "c.npz"
    mg.save({"format": FORMAT, "version": VERSION, "epoch": 1}, path)
    with pytest.raises(ConfigError) as info:
        read_train_state(path, {"model": "mlp"})
    assert str(info.value) == (f"--resume: {path} is a `minigrad train` checkpoint without its config, history, "
                               "loader, model, optimizer, rng, schedule entries (damaged?)")
