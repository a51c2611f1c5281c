"""Fetch files from a list of mirrors, verify their SHA-256 and write them atomically.

A download goes to a temporary file in the target folder while its hash is
computed; only a file whose hash matches the published one is moved to the
target name (``os.replace``, atomic on one file system). A bad download is
deleted and the next mirror is tried, so a corrupt file never sits at the
target path.
"""
from __future__ import annotations

import hashlib
import http.client
import urllib.request
from pathlib import Path

from minigrad.atomic import atomic_file

__all__ = ["ChecksumError", "DownloadError", "sha256_of", "download_verified"]

_CHUNK = 1 << 20


class ChecksumError(ValueError):
    """A file's SHA-256 is not the published one."""


class DownloadError(OSError):
    """No mirror delivered a file with the expected SHA-256."""


def sha256_of(path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download_verified(filename: str, target: Path, sha256: str, mirrors, timeout: float = 30.0) -> Path:
    """Download ``filename`` from the first mirror that serves it with hash ``sha256``.

    ``mirrors`` are base URLs; the file's URL is ``mirror + "/" + filename``.
    Returns ``target`` on success. Raises :class:`DownloadError` listing every
    mirror and why it failed when none succeeds.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DownloadError(f"could not download {filename}: cannot create the folder {target.parent} ({exc})")
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + filename
        try:
            _fetch_to(url, target, sha256, timeout)
            return target
        # URLError, timeouts; a connection cut mid-file (IncompleteRead); bad URLs; ChecksumError
        except (OSError, http.client.HTTPException, ValueError) as exc:
            failures.append(f"{url}: {exc}")
    tried = "\n  ".join(failures) if failures else "(no mirrors given)"
    raise DownloadError(f"could not download {filename}; tried:\n  {tried}")


def _fetch_to(url: str, target: Path, sha256: str, timeout: float) -> None:
    """Stream ``url`` into a temp file beside ``target``; keep it only if the hash matches."""
    with atomic_file(target, suffix=".part") as out:
        digest = hashlib.sha256()
        with urllib.request.urlopen(url, timeout=timeout) as response:
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                digest.update(chunk)
                out.write(chunk)
        got = digest.hexdigest()
        if got != sha256:  # raising inside the block discards the download
            raise ChecksumError(f"SHA-256 mismatch: expected {sha256}, got {got}; download discarded")
