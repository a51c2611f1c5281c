"""Writing a file so that a crash never leaves half of it: ``atomic_file`` and ``atomic_write_bytes``.

Every file minigrad writes (checkpoints, downloads, metrics, plots) goes
through here: the bytes go to a temporary file in the target's folder, are
flushed to disk, and only then is the temporary renamed over the target
(``os.replace`` is atomic on POSIX and Windows). Until that rename the old file,
if any, is untouched; on any error the temporary file is removed.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_file(path, suffix: str = ""):
    """Yield a binary file object whose contents replace ``path`` when the block ends without error.

    Raising inside the block (a crash, a failed checksum) discards what was
    written and leaves ``path`` as it was. The new file keeps the permissions
    of the file it replaces, or gets the usual ones (0666 less the umask), not
    the 0600 of a temporary file. A symlink at ``path`` stays, and the file it points to is replaced.
    """
    path = Path(path)
    _check_target(path)
    # A symlink is written through, as open(path, "wb") (and torch.save) would: the file it names gets the new
    # bytes and the link stays. Renamed over the link itself, the new file replaced the link and the file it
    # named kept the old contents.
    resolved = Path(os.path.realpath(path))
    if resolved != path.absolute():
        _check_target(resolved)
    path = resolved
    # Only the name's first 32 characters (at most 128 UTF-8 bytes): the whole name plus 18 made the temporary's
    # name too long (over 255 bytes) for a target name that itself fits.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".tmp-{path.name[:32]}-", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_folder(path.parent)


def atomic_write_bytes(path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, creating its folder first."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path) as f:
        f.write(data)


def _check_target(path: Path) -> None:
    """Refuse, naming ``path``, a target whose folder is missing or that is a folder itself: else the error would
    name the temporary file, or come only after the whole file was written (at the rename)."""
    folder = path.parent
    if not folder.is_dir():
        state = "is a file, not a folder" if folder.exists() else "does not exist"
        raise FileNotFoundError(f"cannot write {str(path)!r}: its folder {str(folder)!r} {state}")
    if path.is_dir():
        raise IsADirectoryError(f"cannot write {str(path)!r}: it is a folder")


def _mode_for(path: Path) -> int:
    """The replaced file's permission bits (a checkpoint made private stays private), else 0666 less the umask."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)  # the only way to read it is to set it
    os.umask(mask)
    return mask


def _fsync_folder(folder) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
