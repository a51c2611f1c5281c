"""Downloading from mirrors: a real HTTP server on 127.0.0.1 serves the real .gz files."""
from __future__ import annotations

import os

import numpy as np
import pytest

from datahelpers import MNIST_TEST_COUNTS, PUBLISHED_SHA256, copy_files, file_sha256
from minigrad.data import MNIST, DatasetNotFoundError, FashionMNIST

TEST_FILES = ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
ALL_FILES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", *TEST_FILES]


def _corrupt_copies(source, folder, names):
    """Copies of ``names`` with one byte flipped near the end (same size, wrong hash)."""
    copy_files(source, folder, names)
    for name in names:
        data = bytearray((folder / name).read_bytes())
        data[-100] ^= 0x01
        (folder / name).write_bytes(bytes(data))
    return folder


def _record_replaces(monkeypatch):
    """Spy on os.replace: every call's (source, target), the real rename still happens."""
    calls = []
    real_replace = os.replace

    def spy(src, dst, *args, **kwargs):
        calls.append((os.fspath(src), os.fspath(dst)))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", spy)
    return calls


def test_download_verifies_and_writes_atomically(data_root, tmp_path, http_mirror, monkeypatch):
    url, server = http_mirror(data_root / "mnist")
    replaces = _record_replaces(monkeypatch)
    ds = MNIST(root=tmp_path, train=False, mirrors=[url])

    folder = tmp_path / "mnist"
    assert sorted(p.name for p in folder.iterdir()) == sorted(TEST_FILES)  # no temp files left
    for name in TEST_FILES:
        assert file_sha256(folder / name) == PUBLISHED_SHA256["mnist"][name]
    assert sorted(server.requested) == sorted("/" + name for name in TEST_FILES)  # only this split
    # Each file reached its name by a rename from a temporary file in the same folder.
    assert sorted(dst for _, dst in replaces) == sorted(str(folder / n) for n in TEST_FILES)
    for src, dst in replaces:
        assert os.path.dirname(src) == os.path.dirname(dst) and src != dst
    np.testing.assert_array_equal(np.bincount(ds.labels, minlength=10), MNIST_TEST_COUNTS)

    # A second construction finds the verified files and does not download again.
    MNIST(root=tmp_path, train=False, mirrors=[url])
    assert len(server.requested) == len(TEST_FILES)


def test_corrupt_mirror_is_skipped_for_the_next_one(data_root, tmp_path, http_mirror):
    bad_url, bad_server = http_mirror(_corrupt_copies(data_root / "mnist", tmp_path / "bad", TEST_FILES))
    good_url, good_server = http_mirror(data_root / "mnist")
    root = tmp_path / "root"
    ds = MNIST(root=root, train=False, mirrors=[bad_url, good_url])

    assert sorted(bad_server.requested) == sorted("/" + n for n in TEST_FILES)
    assert sorted(good_server.requested) == sorted("/" + n for n in TEST_FILES)
    assert sorted(p.name for p in (root / "mnist").iterdir()) == sorted(TEST_FILES)
    for name in TEST_FILES:
        assert file_sha256(root / "mnist" / name) == PUBLISHED_SHA256["mnist"][name]
    assert len(ds) == 10000


def test_only_corrupt_mirrors_leave_nothing_behind(data_root, tmp_path, http_mirror):
    bad_url, _ = http_mirror(_corrupt_copies(data_root / "mnist", tmp_path / "bad", TEST_FILES))
    root = tmp_path / "root"
    with pytest.raises(DatasetNotFoundError) as info:
        MNIST(root=root, train=False, mirrors=[bad_url])
    assert "SHA-256 mismatch" in str(info.value)
    assert list((root / "mnist").iterdir()) == []  # the bad download was discarded


def test_all_mirrors_failing_names_the_folder_and_the_files(tmp_path, http_mirror, closed_port_url):
    empty = tmp_path / "empty"
    empty.mkdir()
    not_found_url, _ = http_mirror(empty)  # answers 404
    root = tmp_path / "root"
    with pytest.raises(DatasetNotFoundError) as info:
        MNIST(root=root, train=True, mirrors=[not_found_url, closed_port_url])
    message = str(info.value)
    assert str(root / "mnist") in message
    for name in ALL_FILES:
        assert name in message
    assert "MINIGRAD_DATA" in message and "--data-dir" in message
    assert not_found_url in message and closed_port_url in message  # each mirror's failure is listed
    assert "404" in message


def test_existing_corrupt_file_is_replaced_by_a_good_download(data_root, tmp_path, http_mirror):
    folder = _corrupt_copies(data_root / "mnist", tmp_path / "mnist", TEST_FILES[1:])
    url, server = http_mirror(data_root / "mnist")
    copy_files(data_root / "mnist", folder, TEST_FILES[:1])  # the images file is fine
    ds = MNIST(root=tmp_path, train=False, mirrors=[url])
    assert server.requested == ["/" + TEST_FILES[1]]  # only the corrupt one is fetched again
    assert file_sha256(folder / TEST_FILES[1]) == PUBLISHED_SHA256["mnist"][TEST_FILES[1]]
    np.testing.assert_array_equal(np.bincount(ds.labels, minlength=10), MNIST_TEST_COUNTS)


def test_mirrors_class_attribute_can_be_overridden(data_root, tmp_path, http_mirror):
    url, server = http_mirror(data_root / "fashion-mnist")
    local_fashion = type("LocalFashionMNIST", (FashionMNIST,), {"mirrors": (url,)})
    ds = local_fashion(root=tmp_path, train=False)
    assert sorted(server.requested) == sorted("/" + n for n in TEST_FILES)
    assert (tmp_path / "fashion-mnist" / TEST_FILES[0]).is_file()
    np.testing.assert_array_equal(np.bincount(ds.labels, minlength=10), [1000] * 10)


def test_a_silent_mirror_times_out_and_the_next_one_is_used(data_root, tmp_path, http_mirror,
                                                            silent_server_url):
    good_url, _ = http_mirror(data_root / "mnist")
    quick = type("QuickMNIST", (MNIST,), {"download_timeout": 0.2})
    ds = quick(root=tmp_path, train=False, mirrors=[silent_server_url, good_url])
    assert len(ds) == 10000


def test_mnist_files_served_as_fashion_mnist_are_rejected(data_root, tmp_path, http_mirror):
    url, _ = http_mirror(data_root / "mnist")  # same names, wrong dataset
    with pytest.raises(DatasetNotFoundError, match="SHA-256 mismatch"):
        FashionMNIST(root=tmp_path, train=False, mirrors=[url])
    assert list((tmp_path / "fashion-mnist").iterdir()) == []
