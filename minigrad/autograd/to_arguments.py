"""The arguments of ``.to(...)`` (``Tensor.to`` and ``Layer.to``), read as torch reads them.

``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(other_tensor)`` and the keywords ``device=``,
``dtype=``, ``copy=`` and ``non_blocking=`` (accepted; every copy here is synchronous), the last two also positionally
after a dtype or a tensor, as torch's. A string is a device
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
    args, flags = trailing_flags(owner, tuple(args))
    for name, value in zip(("non_blocking", "copy"), flags):
        if name in kwargs:
            raise TypeError(f"{owner}.to: got multiple values for argument {name!r}")
        kwargs = {**kwargs, name: value}
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


def trailing_flags(owner, args):
    """torch's positional ``non_blocking`` and ``copy``: ``to(dtype, False, True)``, ``to(device, dtype, False)``,
    ``to(tensor, False)``: the bools after a dtype or a tensor (after a device alone torch refuses them)."""
    n = len(args)
    while n and isinstance(args[n - 1], bool):
        n -= 1
    flags = args[n:]
    if not flags:
        return args, ()
    if n == 0 or len(flags) > 2 or not (_is_dtype(args[n - 1]) or isinstance(args[n - 1], Tensor)):
        raise TypeError(f"{owner}.to: positional True/False (non_blocking, copy) follow a dtype or a tensor: "
                        "to(dtype, non_blocking, copy), to(device, dtype, non_blocking, copy) or "
                        f"to(tensor, non_blocking, copy), got {args!r}")
    return args[:n], flags


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
