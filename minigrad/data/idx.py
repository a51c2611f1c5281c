"""Reader for the IDX file format used by MNIST and Fashion-MNIST.

An IDX file is a big-endian header followed by a dense row-major array:

    bytes 0-1   zero
    byte  2     element type code (0x08 uint8, 0x09 int8, 0x0B int16,
                0x0C int32, 0x0D float32, 0x0E float64)
    byte  3     number of dimensions d
    then d big-endian uint32 sizes, then prod(sizes) elements.

So the MNIST image files start with 0x00000803 (uint8, 3-D: count x 28 x 28)
and the label files with 0x00000801 (uint8, 1-D: count). Files may be stored
gzip-compressed (``.gz``), which is how the datasets are distributed.
"""
from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from minigrad.atomic import atomic_write_bytes

__all__ = ["IDXError", "read_idx", "parse_idx", "write_idx"]

# Multi-byte types are big-endian on disk; we convert to native order on read.
IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_GZIP_MAGIC = b"\x1f\x8b"


class IDXError(ValueError):
    """An IDX file is truncated, corrupt or not an IDX file at all."""


def read_idx(path) -> np.ndarray:
    """Read an IDX file (raw, or gzip-compressed) into a writable NumPy array.

    The header is checked strictly: the magic number, the number of dimensions
    and the exact payload length (neither missing nor extra bytes). Any problem
    raises :class:`IDXError` naming the file and what is wrong.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise IDXError(f"cannot read IDX file {str(path)!r}: {exc}") from exc
    if path.name.endswith(".gz") or raw[:2] == _GZIP_MAGIC:
        raw = _gunzip(raw, path)
    return parse_idx(raw, source=str(path))


def _gunzip(raw: bytes, path: Path) -> bytes:
    """Decompress a whole gzip file, turning every gzip failure into an IDXError."""
    if raw[:2] != _GZIP_MAGIC:
        raise IDXError(
            f"IDX file {str(path)!r} is named .gz but is not gzip data "
            f"(starts with {raw[:4].hex() or 'nothing: the file is empty'})"
        )
    try:
        return gzip.decompress(raw)
    except EOFError as exc:  # the stream stops before its end marker
        raise IDXError(f"IDX file {str(path)!r} is a truncated gzip file ({exc})") from exc
    except (OSError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise IDXError(f"IDX file {str(path)!r} is a corrupt gzip file ({exc})") from exc


def parse_idx(raw: bytes, source: str = "<bytes>") -> np.ndarray:
    """Parse the bytes of an uncompressed IDX file; ``source`` names it in errors."""
    if len(raw) < 4:
        raise IDXError(f"IDX file {source!r} is too short for a header: {len(raw)} bytes")
    zero0, zero1, type_code, ndim = raw[0], raw[1], raw[2], raw[3]
    magic = int.from_bytes(raw[:4], "big")
    if zero0 != 0 or zero1 != 0 or type_code not in IDX_DTYPES:
        raise IDXError(
            f"IDX file {source!r} has a bad magic number 0x{magic:08X}: expected "
            f"0x0000TTDD with type code TT in "
            f"{{{', '.join(f'0x{c:02X}' for c in IDX_DTYPES)}}} and DD dimensions "
            "(MNIST images are 0x00000803, labels 0x00000801)"
        )
    if ndim == 0:
        raise IDXError(f"IDX file {source!r} declares 0 dimensions (magic 0x{magic:08X})")

    header_len = 4 + 4 * ndim
    if len(raw) < header_len:
        raise IDXError(
            f"IDX file {source!r} is truncated inside its header: {ndim} dimensions need "
            f"{header_len} header bytes, the file has {len(raw)}"
        )
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_DTYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(raw) - header_len
    if found < expected:
        raise IDXError(
            f"IDX file {source!r} is truncated: shape {shape} of {dtype.name} needs "
            f"{expected} data bytes after the header, found {found}"
        )
    if found > expected:
        raise IDXError(
            f"IDX file {source!r} has {found - expected} extra bytes after the data: "
            f"shape {shape} of {dtype.name} needs exactly {expected} bytes, found {found}"
        )
    array = np.frombuffer(raw, dtype=dtype, offset=header_len).reshape(shape)
    # astype copies, which also makes the array writable and native-endian.
    return array.astype(dtype.newbyteorder("="))


def write_idx(path, array) -> None:
    """Write ``array`` as an IDX file (gzip-compressed when ``path`` ends in ``.gz``).

    Written atomically (``minigrad.atomic``): a crash leaves no half file.
    Used to build small fixtures; the datasets themselves are only ever read.
    """
    array = np.asarray(array)
    codes = {dt.newbyteorder("=").str: code for code, dt in IDX_DTYPES.items()}
    native = array.dtype.newbyteorder("=")
    if native.str not in codes or array.ndim == 0 or array.ndim > 255:
        raise IDXError(
            f"write_idx: cannot store an array of dtype {array.dtype} and ndim {array.ndim} as IDX"
        )
    code = codes[native.str]
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    payload = header + np.ascontiguousarray(array, dtype=IDX_DTYPES[code]).tobytes()
    path = Path(path)
    if path.name.endswith(".gz"):
        payload = gzip.compress(payload, mtime=0)
    atomic_write_bytes(path, payload)
