"""MNIST / FashionMNIST loaded from the real files on disk (no download)."""
from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np
import pytest

from datahelpers import MNIST_TEST_COUNTS, MNIST_TRAIN_COUNTS, copy_files
from minigrad.data import MNIST, Dataset, DatasetNotFoundError, FashionMNIST, default_data_root
from minigrad.data.idx import read_idx

TEST_FILES = ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]


def test_mnist_train_split(data_root):
    ds = MNIST(root=data_root, train=True, download=False)
    assert len(ds) == 60000
    assert ds.images.shape == (60000, 784)
    assert ds.images.dtype == np.float32 and ds.images.flags.c_contiguous
    assert ds.labels.shape == (60000,) and ds.labels.dtype == np.int64
    assert ds.images.min() == 0.0 and ds.images.max() == 1.0
    np.testing.assert_array_equal(np.bincount(ds.labels, minlength=10), MNIST_TRAIN_COUNTS)
    assert ds.classes == tuple("0123456789")
    assert isinstance(ds, Dataset)


def test_mnist_test_split_pixels_are_bytes_over_255(data_root):
    ds = MNIST(root=data_root, train=False, download=False)
    np.testing.assert_array_equal(np.bincount(ds.labels, minlength=10), MNIST_TEST_COUNTS)
    raw = read_idx(data_root / "mnist" / "t10k-images-idx3-ubyte.gz")
    expected = raw.reshape(10000, 784).astype(np.float32) / np.float32(255)
    np.testing.assert_array_equal(ds.images, expected)
    # 255 must map to exactly 1 and 0 to exactly 0 (a reciprocal multiply would not).
    assert set(np.unique(ds.images[raw.reshape(10000, 784) == 255])) == {np.float32(1.0)}


def test_unflattened_images_keep_28_by_28(data_root):
    flat = MNIST(root=data_root, train=False, download=False)
    square = MNIST(root=data_root, train=False, download=False, flatten=False)
    assert square.images.shape == (10000, 28, 28) and square.images.dtype == np.float32
    np.testing.assert_array_equal(square.images.reshape(10000, 784), flat.images)


def test_getitem_one_sample_and_a_batch(data_root):
    ds = MNIST(root=data_root, train=False, download=False)
    image, label = ds[7]
    assert image.shape == (784,) and label == ds.labels[7]
    idx = np.array([9999, 0, 5, 5])
    images, labels = ds[idx]
    assert images.shape == (4, 784) and images.dtype == np.float32
    np.testing.assert_array_equal(images, ds.images[idx])
    np.testing.assert_array_equal(labels, ds.labels[idx])
    with pytest.raises(IndexError, match="10000"):
        ds[10000]


def test_fashion_mnist_test_split(data_root):
    ds = FashionMNIST(root=data_root, train=False, download=False)
    assert ds.images.shape == (10000, 784) and ds.labels.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(ds.labels, minlength=10), [1000] * 10)
    assert ds.classes[0] == "T-shirt/top" and ds.classes[9] == "Ankle boot" and len(ds.classes) == 10
    # Same file names as MNIST but different content: they must not be mixed up.
    assert not np.array_equal(ds.labels, MNIST(root=data_root, train=False, download=False).labels)


def test_flat_layout_is_accepted(data_root):
    # root may be the dataset folder itself, as well as the folder holding mnist/.
    ds = MNIST(root=data_root / "mnist", train=False, download=False)
    assert len(ds) == 10000


def test_files_of_the_other_dataset_are_rejected_by_checksum(data_root):
    with pytest.raises(DatasetNotFoundError) as info:
        FashionMNIST(root=data_root / "mnist", train=False, download=False)
    message = str(info.value)
    assert "SHA-256" in message and "not used" in message
    assert str(data_root / "mnist" / "t10k-images-idx3-ubyte.gz") in message


def test_existing_corrupt_file_is_not_used(data_root, tmp_path):
    folder = copy_files(data_root / "mnist", tmp_path / "mnist", TEST_FILES)
    labels = folder / "t10k-labels-idx1-ubyte.gz"
    data = bytearray(labels.read_bytes())
    data[-20] ^= 0xFF  # one flipped byte: still a file of the right size
    labels.write_bytes(bytes(data))
    with pytest.raises(DatasetNotFoundError) as info:
        MNIST(root=tmp_path, train=False, download=False)
    assert str(labels) in str(info.value) and "SHA-256" in str(info.value)


def test_missing_files_without_download_name_the_folder_and_files(tmp_path):
    with pytest.raises(DatasetNotFoundError) as info:
        MNIST(root=tmp_path, train=True, download=False)
    message = str(info.value)
    assert str(tmp_path / "mnist") in message
    for name in ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", *TEST_FILES]:
        assert name in message
    assert "MINIGRAD_DATA" in message and "--data-dir" in message
    assert isinstance(info.value, FileNotFoundError)


def test_root_defaults_to_minigrad_data_env(data_root, monkeypatch):
    monkeypatch.setenv("MINIGRAD_DATA", str(data_root))
    ds = MNIST(train=False, download=False)
    assert ds.root == data_root and len(ds) == 10000


def test_default_data_root_falls_back_to_the_user_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("MINIGRAD_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_data_root() == tmp_path / "xdg" / "minigrad"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_data_root() == tmp_path / "home" / ".cache" / "minigrad"
    monkeypatch.setenv("MINIGRAD_DATA", str(tmp_path / "mine"))
    assert default_data_root() == tmp_path / "mine"


def test_mismatched_image_and_label_counts_are_an_error(data_root, tmp_path):
    # A truncated-but-consistent IDX label file cannot pass the checksum, so bypass it
    # with a subclass that publishes this file's hash: the count check must still catch it.
    folder = copy_files(data_root / "mnist", tmp_path / "mnist", TEST_FILES[:1])
    labels = np.zeros(9999, dtype=np.uint8)
    payload = bytes([0, 0, 8, 1]) + (9999).to_bytes(4, "big") + labels.tobytes()
    (folder / TEST_FILES[1]).write_bytes(gzip.compress(payload, mtime=0))
    sums = dict(MNIST.sha256)
    sums[TEST_FILES[1]] = hashlib.sha256((folder / TEST_FILES[1]).read_bytes()).hexdigest()
    tampered = type("TamperedMNIST", (MNIST,), {"sha256": sums})
    with pytest.raises(ValueError, match="9999 labels but .* 10000 images"):
        tampered(root=tmp_path, train=False, download=False)


def test_read_only_data_folder_is_enough(data_root, tmp_path):
    # Loading never writes next to the data (the shared folder is read-only).
    folder = copy_files(data_root / "mnist", tmp_path / "ro" / "mnist", TEST_FILES)
    before = sorted(p.name for p in folder.iterdir())
    MNIST(root=tmp_path / "ro", train=False, download=True, mirrors=[])
    assert sorted(p.name for p in folder.iterdir()) == before


def test_one_epoch_of_mnist_through_the_loader(data_root, device):
    from minigrad.data import DataLoader

    ds = MNIST(root=data_root, train=False, download=False)
    loader = DataLoader(ds, batch_size=1000, shuffle=True, seed=0, device=device)
    counts = np.zeros(10, dtype=np.int64)
    for images, labels in loader:
        assert images.shape == (1000, 784) and images.dtype == np.float32
        assert labels.dtype == np.int64 and images.device == labels.device
        counts += np.bincount(labels.numpy(), minlength=10)
    np.testing.assert_array_equal(counts, MNIST_TEST_COUNTS)


def test_import_minigrad_data_stays_light():
    import subprocess
    import sys

    code = ("import sys, minigrad.data, minigrad as mg; mg.data.MNIST; "
            "print(sorted(m for m in ('matplotlib', 'tqdm', 'scipy') if m in sys.modules))")
    repo_root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=repo_root)
    assert out.stdout.strip() == "[]"


def test_train_must_be_a_bool(data_root):
    with pytest.raises(TypeError, match="train must be True or False, got 'test'"):
        MNIST(root=data_root, train="test", download=False)


def test_unwritable_root_gives_the_clear_error(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"")  # a file where the data folder should be: mkdir fails
    with pytest.raises(DatasetNotFoundError) as info:
        MNIST(root=blocker, train=False, mirrors=["http://127.0.0.1:9/"])
    assert "cannot create the folder" in str(info.value) and "MINIGRAD_DATA" in str(info.value)


@pytest.mark.parametrize("transform", [None, "to_tensor"])
def test_data_and_targets_are_torchvisions_raw_pixels_and_labels(data_root, transform):
    # torchvision's MNIST has .data (uint8, N x 28 x 28) and .targets (int64, N); code such as PyTorch's
    # siamese_network example reads them directly.
    import minigrad as mg
    from minigrad.data import transforms
    ds = FashionMNIST(root=data_root, train=False, download=False,
                      transform=transforms.ToTensor() if transform else None)
    raw = read_idx(data_root / "fashion-mnist" / "t10k-images-idx3-ubyte.gz")
    labels = read_idx(data_root / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz")
    data, targets = ds.data, ds.targets
    assert isinstance(data, mg.Tensor) and isinstance(targets, mg.Tensor)
    assert data.dtype == np.uint8 and data.shape == (10000, 28, 28)
    assert targets.dtype == np.int64 and targets.shape == (10000,)
    np.testing.assert_array_equal(np.asarray(data.data), raw)
    np.testing.assert_array_equal(np.asarray(targets.data), labels)
    # the siamese example's idioms
    assert data.unsqueeze(1).clone().shape == (10000, 1, 28, 28)
    np.testing.assert_array_equal(np.array(targets.clone(), dtype=None, copy=None), labels.astype(np.int64))
    assert int(data[3].clone().float().sum().item()) == int(raw[3].astype(np.int64).sum())


@pytest.mark.parametrize("cls", [MNIST, FashionMNIST])
def test_docs_data_md_gives_the_constructors_arguments_and_defaults(cls):
    """docs/data.md is where a reader looks for how to make the dataset; its signature line must be the code's."""
    import inspect
    text = (Path(__file__).resolve().parents[2] / "docs" / "data.md").read_text(encoding="utf-8")
    arguments = ", ".join(f"{p.name}={p.default!r}" for p in inspect.signature(cls).parameters.values())
    assert f"`MNIST({arguments})`" in text
