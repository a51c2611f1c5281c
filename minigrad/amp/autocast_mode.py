"""``autocast``, as ``torch.amp.autocast``: minigrad has no automatic mixed precision.

Each op runs in the dtype of its inputs; nothing chooses a lower precision per op. So:

* ``enabled=False``, or a ``dtype`` that is not lower than float32 (``float32``, ``float64``: the precision the ops
  already run at, or more; torch itself disables autocast for these with a warning), makes ``autocast`` a context
  manager and decorator that changes nothing.
* ``enabled=True`` with ``float16`` or ``bfloat16`` (torch's defaults when ``dtype`` is not given: float16 on
  ``"cuda"``, bfloat16 on ``"cpu"``) raises one error naming the request: silently running in float32 would hide
  that the lower precision was not used. Train in float32 without autocast, or convert the model and its inputs
  with ``.half()`` to run every op in float16.
"""
from __future__ import annotations

import functools

import numpy as np

_DEFAULT_LOW = {"cuda": "float16", "cpu": "bfloat16"}   # torch's autocast dtype when none is given


def is_autocast_available(device_type: str) -> bool:
    """False for every device: minigrad has no automatic mixed precision."""
    return False


def _dtype_name(dtype) -> str:
    """``dtype``'s name (``"float16"``, ``"bfloat16"``, ...) for a NumPy/minigrad dtype, a string or any object
    whose name says it (a bfloat16 type from an extension)."""
    if isinstance(dtype, str):
        return dtype.removeprefix("torch.")
    try:
        return np.dtype(dtype).name
    except TypeError:
        return str(getattr(dtype, "__name__", dtype)).removeprefix("torch.")


class autocast:  # noqa: N801  (torch's name)
    """``with autocast(device_type, dtype=None, enabled=True, cache_enabled=None):`` or ``@autocast(...)``.

    A no-op where nothing lower than float32 is asked for; an error otherwise (see the module docstring)."""

    def __init__(self, device_type: str, dtype=None, enabled: bool = True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"autocast: expected device_type as a string such as 'cuda' or 'cpu', got "
                             f"{type(device_type).__name__} {device_type!r}")
        if not isinstance(enabled, (bool, np.bool_)):
            raise TypeError(f"autocast: enabled must be a bool, got {type(enabled).__name__} {enabled!r}")
        self.device = device_type.split(":")[0]
        self.fast_dtype = dtype
        self._enabled = False
        if not enabled:
            return
        name = _dtype_name(dtype) if dtype is not None else _DEFAULT_LOW.get(self.device, "float16")
        if name in ("float32", "float64"):
            return   # the ops run at this precision already
        default = " (torch's default for this device)" if dtype is None else ""
        raise NotImplementedError(
            f"autocast(device_type={device_type!r}, dtype={name}{default}): minigrad has no automatic mixed "
            f"precision, so it cannot run ops in {name} for you. Train in float32 (drop autocast, or pass "
            f"enabled=False), or convert the model and its inputs to float16 with .half() to run every op in "
            "float16.")

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def run(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)

        return run
