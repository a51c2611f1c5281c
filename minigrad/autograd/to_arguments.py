"""The arguments of ``.to(...)`` (``Tensor.to`` and ``Layer.to``), read as torch reads them.

``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(other_tensor)`` and the keywords ``device=``,
``dtype=``, ``copy=`` and ``non_blocking=`` (accepted; every copy here is synchronous). A string is a device
name unless it names a dtype ("float64"): device names and dtype names never overlap.
"""
import numpy as np

from minigrad import backend
from minigrad.autograd.tensor import Tensor  # tensor.py imports this module once Tensor exists
from minigrad.memory_format import check_memory_format, preserve_format


def to_arguments(owner, args, kwargs):
    """``(device or None, numpy dtype or None, copy)`` from a ``to`` call; one clear error for anything else."""
    unknown = set(kwargs) - {"device", "dtype", "copy", "non_blocking", "memory_format"}
    if unknown:
        raise TypeError(f"{owner}.to: unexpected keyword argument(s) {sorted(unknown)}")
    check_memory_format(f"{owner}.to", kwargs.get("memory_format"), preserve_format)
    device, dtype = kwargs.get("device"), kwargs.get("dtype")
    if len(args) > 2:
        raise TypeError(f"{owner}.to: expected at most a device and a dtype, got {len(args)} positional arguments")
    for arg in args:
        if _is_dtype(arg):
            dtype = arg
        elif isinstance(arg, Tensor):
            device, dtype = arg.device, arg.dtype
        elif arg is None or isinstance(arg, str):
            device = arg if arg is not None else device
        else:
            raise TypeError(f"{owner}.to: expected a device ('cpu', 'cuda:0'), a dtype or a tensor, "
                            f"got {type(arg).__name__} {arg!r}")
    if dtype is not None:
        if not _is_dtype(dtype):
            raise TypeError(f"{owner}.to: dtype={dtype!r} is not a dtype")
        dtype = np.dtype(dtype)
    return (None if device is None else backend.normalize_device(device)), dtype, bool(kwargs.get("copy", False))


def _is_dtype(value):
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return True
    if isinstance(value, str) and not isinstance(value, backend.device):
        try:
            # A dtype's own name ("float64"), not one of NumPy's type codes ("b", "f8"), which read as typos.
            return np.dtype(value).name == value
        except TypeError:
            return False
    return False
