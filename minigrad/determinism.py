"""``use_deterministic_algorithms``: torch's switch that makes a nondeterministic op an error.

On the CPU every minigrad op is deterministic: NumPy adds in a fixed order, so one seed gives
bit-identical results run after run. On a GPU one kind of op is not: a scatter-add (the
backward of indexing, ``Embedding`` and ``gather``; ``index_add``, ``scatter_add``) adds
with atomic operations, whose order, and so whose rounding, changes from run to run. With the
switch on, such an op raises (or warns, with ``warn_only=True``) instead of running, as in
PyTorch. ``backend.scatter_add`` asks ``alert_nondeterministic`` before its CuPy path.
"""
from __future__ import annotations

import warnings

_mode = {"enabled": False, "warn_only": False}


def use_deterministic_algorithms(mode, *, warn_only=False) -> None:
    """Refuse (``warn_only=False``) or warn about ops whose results may change from run to run."""
    for name, value in (("mode", mode), ("warn_only", warn_only)):
        if not isinstance(value, bool):
            raise TypeError(f"use_deterministic_algorithms: {name} must be a bool, got {value!r}")
    _mode["enabled"], _mode["warn_only"] = mode, warn_only


def are_deterministic_algorithms_enabled() -> bool:
    return _mode["enabled"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _mode["warn_only"]


def alert_nondeterministic(what: str) -> None:
    """Called by an op about to run nondeterministically: an error (or a warning) when the switch is on."""
    if not _mode["enabled"]:
        return
    message = (f"{what} does not have a deterministic implementation (it adds with atomic operations on the GPU), "
               "but use_deterministic_algorithms(True) was set; run it on the CPU, or pass warn_only=True")
    if _mode["warn_only"]:
        warnings.warn(message, UserWarning, stacklevel=3)
    else:
        raise RuntimeError(message)
