"""How ``Tensor.__repr__`` prints values: ``set_printoptions`` (``torch.set_printoptions``).

Until it is called, tensors print as NumPy prints arrays (NumPy's own print options apply). ``precision``,
``threshold``, ``edgeitems`` and ``linewidth`` mean what they mean to PyTorch and NumPy; ``sci_mode=True`` prints
every float in scientific notation, ``False`` never (NumPy's ``suppress``), ``None`` as NumPy decides.
``profile="short"`` and ``"full"`` are PyTorch's; ``profile="default"`` returns to minigrad's default (NumPy's
printing; PyTorch's default prints 4 digits where NumPy prints 8).
"""
from __future__ import annotations

import math

import numpy as np

from minigrad.scalars import is_integer

OPTIONS: dict = {}   # numpy.array2string's keywords, set by set_printoptions

_PROFILES = {
    "default": {},
    "short": dict(precision=2, threshold=1000, edgeitems=2, max_line_width=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, max_line_width=80),
}


def _count(name, value):
    if value is math.inf and name == "threshold":
        return value
    if not is_integer(value) or value < 0:
        raise ValueError(f"set_printoptions: {name} must be a non-negative int, got {value!r}")
    return int(value)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """Set how tensors print (``torch.set_printoptions``); arguments left as None keep their current setting."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PROFILES)}, got {profile!r}")
        OPTIONS.clear()
        OPTIONS.update(_PROFILES[profile])
    for name, key, value in (("precision", "precision", precision), ("threshold", "threshold", threshold),
                             ("edgeitems", "edgeitems", edgeitems), ("linewidth", "max_line_width", linewidth)):
        if value is not None:
            OPTIONS[key] = _count(name, value)
    if sci_mode is not None:
        if not isinstance(sci_mode, bool):
            raise TypeError(f"set_printoptions: sci_mode must be a bool or None, got {sci_mode!r}")
        OPTIONS["sci_mode"] = sci_mode
    elif profile is not None:
        OPTIONS.pop("sci_mode", None)


def array_to_string(array: np.ndarray) -> str:
    """The values of a host array as ``Tensor.__repr__`` prints them, under the current options."""
    options = dict(OPTIONS)
    sci_mode = options.pop("sci_mode", None)
    if "threshold" in options and options["threshold"] == math.inf:
        options["threshold"] = max(array.size, 1)
    if sci_mode is True and array.dtype.kind == "f":
        digits = options.get("precision", np.get_printoptions()["precision"])
        options["formatter"] = {"float_kind": lambda v: np.format_float_scientific(v, precision=digits,
                                                                                    unique=False)}
    elif sci_mode is False:   # fixed-point, every entry with ``precision`` digits, as PyTorch prints
        options.update(suppress_small=True, floatmode="fixed")
    return np.array2string(array, separator=", ", prefix="tensor(", **options)
