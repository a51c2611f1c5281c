"""The IDX reader on the real files, on hand-built files and on corrupt files."""
from __future__ import annotations

import gzip

import numpy as np
import pytest

from datahelpers import MNIST_TEST_COUNTS, MNIST_TRAIN_COUNTS
from minigrad.data.idx import IDXError, read_idx, write_idx


def _header(type_code: int, *dims: int) -> bytes:
    """Big-endian IDX header, built by hand (independent of the code under test)."""
    return bytes([0, 0, type_code, len(dims)]) + b"".join(d.to_bytes(4, "big") for d in dims)


@pytest.mark.parametrize("dataset", ["mnist", "fashion-mnist"])
@pytest.mark.parametrize("split,count", [("train", 60000), ("t10k", 10000)])
def test_real_label_files(data_root, dataset, split, count):
    labels = read_idx(data_root / dataset / f"{split}-labels-idx1-ubyte.gz")
    assert labels.shape == (count,)
    assert labels.dtype == np.uint8
    counts = np.bincount(labels, minlength=10)
    if dataset == "mnist":
        expected = MNIST_TRAIN_COUNTS if split == "train" else MNIST_TEST_COUNTS
    else:
        expected = [count // 10] * 10  # Fashion-MNIST is balanced: 6000 / 1000 per class
    np.testing.assert_array_equal(counts, expected)


@pytest.mark.parametrize("dataset", ["mnist", "fashion-mnist"])
@pytest.mark.parametrize("split,count", [("train", 60000), ("t10k", 10000)])
def test_real_image_files(data_root, dataset, split, count):
    images = read_idx(data_root / dataset / f"{split}-images-idx3-ubyte.gz")
    assert images.shape == (count, 28, 28)
    assert images.dtype == np.uint8
    assert images.flags.c_contiguous and images.flags.writeable
    assert images.min() == 0 and images.max() == 255


def test_real_file_matches_its_raw_bytes(data_root, tmp_path):
    # Decompressed by hand and read raw: same array, and pixels sit row-major after a 16-byte header.
    raw = gzip.decompress((data_root / "mnist" / "t10k-images-idx3-ubyte.gz").read_bytes())
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(raw)
    images = read_idx(tmp_path / "t10k-images-idx3-ubyte")
    assert raw[:4] == b"\x00\x00\x08\x03"
    first_image = np.array(list(raw[16:16 + 784]), dtype=np.uint8).reshape(28, 28)
    np.testing.assert_array_equal(images[0], first_image)
    last_image = np.array(list(raw[-784:]), dtype=np.uint8).reshape(28, 28)
    np.testing.assert_array_equal(images[-1], last_image)


def test_hand_built_uint8_file(tmp_path):
    path = tmp_path / "small.idx"
    path.write_bytes(_header(0x08, 2, 3) + bytes([0, 1, 2, 253, 254, 255]))
    np.testing.assert_array_equal(read_idx(path), [[0, 1, 2], [253, 254, 255]])


def test_hand_built_big_endian_int16_and_float32(tmp_path):
    path = tmp_path / "int16.idx"
    path.write_bytes(_header(0x0B, 3) + bytes([0x00, 0x01, 0xFF, 0xFE, 0x01, 0x00]))
    values = read_idx(path)
    assert values.dtype == np.int16 and values.dtype.isnative
    np.testing.assert_array_equal(values, [1, -2, 256])

    path = tmp_path / "float32.idx.gz"
    # 1.0 = 0x3F800000 and -2.5 = 0xC0200000 in IEEE 754 single precision, big-endian.
    path.write_bytes(gzip.compress(_header(0x0D, 2) + bytes.fromhex("3F800000C0200000")))
    values = read_idx(path)
    assert values.dtype == np.float32 and values.dtype.isnative
    np.testing.assert_array_equal(values, np.array([1.0, -2.5], dtype=np.float32))


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("suffix", [".idx", ".idx.gz"])
def test_write_then_read_round_trip(tmp_path, dtype, suffix):
    rng = np.random.default_rng(0)
    array = (rng.standard_normal((4, 3, 2)) * 50).astype(dtype)
    path = tmp_path / f"array{suffix}"
    write_idx(path, array)
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(back, array)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temp file left behind


def _expect_idx_error(path, *fragments):
    with pytest.raises(IDXError) as info:
        read_idx(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message
    assert isinstance(info.value, ValueError)


def test_truncated_gzip_raises(data_root, tmp_path):
    good = (data_root / "mnist" / "t10k-labels-idx1-ubyte.gz").read_bytes()
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(good[: len(good) // 2])
    _expect_idx_error(path, "truncated gzip")


def test_gzip_with_trailing_garbage_raises(data_root, tmp_path):
    good = (data_root / "mnist" / "t10k-labels-idx1-ubyte.gz").read_bytes()
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(good + b"<html>not found</html>")
    _expect_idx_error(path, "corrupt gzip")


def test_gz_name_without_gzip_data_raises(tmp_path):
    path = tmp_path / "labels.gz"
    path.write_bytes(b"<html>404</html>")
    _expect_idx_error(path, "not gzip data")


def test_corrupt_deflate_stream_raises(data_root, tmp_path):
    data = bytearray((data_root / "mnist" / "t10k-labels-idx1-ubyte.gz").read_bytes())
    for i in range(40, 80):  # scramble compressed bytes past the gzip header
        data[i] ^= 0xA5
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(bytes(data))
    _expect_idx_error(path, "gzip")


@pytest.mark.parametrize(
    "header",
    [
        b"\x01\x00\x08\x01",  # first byte must be zero
        b"\x00\x00\x07\x01",  # 0x07 is not a type code
        b"\x00\x00\x08\x00",  # zero dimensions
    ],
)
def test_bad_magic_raises(tmp_path, header):
    path = tmp_path / "bad.idx"
    path.write_bytes(header + (3).to_bytes(4, "big") + bytes(3))
    magic = f"0x{int.from_bytes(header, 'big'):08X}"
    _expect_idx_error(path, magic)


def test_wrong_magic_inside_gzip_raises(tmp_path):
    path = tmp_path / "bad.idx.gz"
    path.write_bytes(gzip.compress(b"PK\x03\x04" + bytes(20)))
    _expect_idx_error(path, "bad magic number 0x504B0304")


def test_too_short_payload_raises(tmp_path):
    path = tmp_path / "short.idx"
    path.write_bytes(_header(0x08, 10, 2) + bytes(19))
    _expect_idx_error(path, "truncated", "needs 20", "found 19")


def test_too_long_payload_raises(tmp_path):
    path = tmp_path / "long.idx.gz"
    path.write_bytes(gzip.compress(_header(0x0C, 2) + bytes(8 + 3)))
    _expect_idx_error(path, "3 extra bytes")


def test_truncated_header_raises(tmp_path):
    path = tmp_path / "header.idx"
    path.write_bytes(_header(0x08, 60000, 28, 28)[:10])
    _expect_idx_error(path, "header")


@pytest.mark.parametrize("content", [b"", b"\x00\x00"])
def test_empty_or_tiny_file_raises(tmp_path, content):
    path = tmp_path / "tiny.idx"
    path.write_bytes(content)
    _expect_idx_error(path, "too short")


def test_missing_file_raises(tmp_path):
    _expect_idx_error(tmp_path / "absent.idx.gz", "cannot read")
