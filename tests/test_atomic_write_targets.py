"""Writing to a folder that does not exist or onto a folder: one error naming the target, nothing left behind."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.atomic import atomic_file


def test_a_missing_folder_is_named_not_the_temporary_file(tmp_path):
    # Before: FileNotFoundError: [Errno 2] No such file or directory: '.../nope/.tmp-c.npz-0w3w3lo4.npz'
    target = tmp_path / "nope" / "c.npz"
    with pytest.raises(FileNotFoundError) as info:
        mg.save({"a": np.ones(2)}, target)
    message = str(info.value)
    assert str(target) in message and "does not exist" in message and ".tmp-" not in message
    assert list(tmp_path.iterdir()) == []


def test_a_folder_in_the_way_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    (tmp_path / "c.npz").mkdir()
    opened = []
    monkeypatch.setattr("tempfile.mkstemp", lambda *a, **k: opened.append(1))
    with pytest.raises(IsADirectoryError) as info:
        with atomic_file(tmp_path / "c.npz") as f:
            f.write(b"never")
    assert str(tmp_path / "c.npz") in str(info.value) and "folder" in str(info.value)
    assert opened == []
    assert [p.name for p in tmp_path.iterdir()] == ["c.npz"] and list((tmp_path / "c.npz").iterdir()) == []


def test_safetensors_names_the_missing_folder_too(tmp_path):
    pytest.importorskip("safetensors")
    from minigrad.io import save_safetensors

    target = tmp_path / "nope" / "w.safetensors"
    with pytest.raises(FileNotFoundError, match="does not exist") as info:
        save_safetensors({"w": np.ones(2, dtype=np.float32)}, target)
    assert str(target) in str(info.value)


def test_replacing_a_file_keeps_its_permissions(tmp_path):
    # Before: a checkpoint its owner had made private (0600) came back 0644 after the next save, as a fresh file.
    import os
    import stat

    target = tmp_path / "c.npz"
    mg.save({"a": 1}, target)
    os.chmod(target, 0o600)
    mask = os.umask(0o022)
    try:
        mg.save({"a": 2}, target)
    finally:
        os.umask(mask)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert mg.load(target) == {"a": 2}


def test_a_symlinked_target_is_written_through_and_the_link_stays(tmp_path):
    # Before: the new file was renamed over the link, which became a plain file, and the file it pointed to kept
    # the old checkpoint (open(path, "wb") and torch.save write through a link).
    import os

    (tmp_path / "store").mkdir()
    (tmp_path / "run").mkdir()
    real, link = tmp_path / "store" / "c.npz", tmp_path / "run" / "c.npz"
    mg.save({"a": 1}, real)
    os.symlink(real, link)
    mg.save({"a": 2}, link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert mg.load(real) == {"a": 2} and mg.load(link) == {"a": 2}
    assert sorted(p.name for p in (tmp_path / "store").iterdir()) == ["c.npz"]
    assert [p.name for p in (tmp_path / "run").iterdir()] == ["c.npz"]
    os.symlink(tmp_path / "store" / "new.npz", tmp_path / "run" / "dangling.npz")   # a link to no file yet
    with atomic_file(tmp_path / "run" / "dangling.npz") as f:
        f.write(b"new")
    assert (tmp_path / "store" / "new.npz").read_bytes() == b"new" and (tmp_path / "run" / "dangling.npz").is_symlink()


def test_a_target_name_near_the_length_limit_is_written(tmp_path):
    # the temporary file's name (".tmp-" + the name + a suffix) went past 255 bytes: OSError "File name too long"
    target = tmp_path / ("run-" + "x" * 247 + ".npz")
    assert len(target.name) == 255
    mg.save({"a": 1}, target)
    mg.save({"a": 2}, target)
    assert mg.load(target) == {"a": 2} and [p.name for p in tmp_path.iterdir()] == [target.name]
