"""PyTorch's names for rearranging dims: ``narrow``, ``unbind``, ``movedim``/``moveaxis``, ``swapaxes``/``swapdims``,
``unflatten`` and ``ravel``. Each is one existing op (a slice, a transpose, a reshape, ``Unstack``), so its
gradient is that op's, and its result shares memory with the input as torch's view does (where NumPy can).
``view_dtype`` (``x.view(dtype)``) reads the same memory as another dtype, without a gradient as torch's.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import Tensor
from minigrad.ops._args import check_dims, one_dim
from minigrad.ops.indexing import getitem
from minigrad.ops.shape import _ints, _swap, reshape, transpose
from minigrad.ops.unstack import Unstack
from minigrad.scalars import is_integer


def narrow(x, dim, start, length):
    """``torch.narrow``: ``length`` entries of dim ``dim`` from ``start`` (negative counts from the end), a view.

    Shapes: x -> x with dim ``dim`` of length ``length``.   dL/dx = g in that span, 0 elsewhere.
    """
    x = as_tensor(x)
    if x.ndim == 0:
        raise ValueError("narrow: cannot be applied to a 0-d tensor")
    d = one_dim("narrow", x, dim, None)
    if isinstance(start, Tensor) and start.ndim == 0 and start.dtype.kind in "iu":
        start = start.item()
    for what, v in (("start", start), ("length", length)):
        if not is_integer(v):
            raise TypeError(f"narrow: {what} must be an int, got {v!r}")
    n = x.shape[d]
    if not -n <= start <= n:
        raise IndexError(f"narrow: start {start} is out of range for dim {d} of length {n} "
                         f"(expected a start in [{-n}, {n}]; tensor of shape {tuple(x.shape)})")
    start = int(start) % n if n and start < 0 else int(start)
    if length < 0 or start + length > n:
        raise ValueError(f"narrow: start ({start}) + length ({length}) exceeds dim {d} of length {n} "
                         f"(tensor of shape {tuple(x.shape)}); length must be in [0, {n - start}]")
    return getitem(x, (slice(None),) * d + (slice(start, start + int(length)),))


def unbind(x, dim=0):
    """``torch.unbind``: the slices of ``x`` along ``dim``, a tuple of views with that dim removed.

    One graph node with one output per slice.   dL/dx = the slices' gradients stacked (0 for one that gets none).
    """
    x = as_tensor(x)
    if x.ndim == 0:
        raise ValueError("unbind: cannot unbind a 0-d tensor (it has no dim)")
    d = one_dim("unbind", x, dim, None)
    out = Unstack.apply(x, axis=d)
    return out if isinstance(out, tuple) else (out,)


def _dim_list(name, what, x, dims):
    dims = (dims,) if is_integer(dims) else dims
    if not isinstance(dims, (tuple, list)):
        raise TypeError(f"{name}: {what} must be an int or a tuple of ints, got {dims!r}")
    check_dims(name, tuple(dims), x.ndim, x.shape)
    return [int(d) % max(x.ndim, 1) for d in dims]


def movedim(x, source, destination):
    """``torch.movedim`` and ``numpy.moveaxis``: the dims ``source`` moved to positions ``destination``, the
    others keeping their order. A view.   Shapes: x -> x's dims reordered.   dL/dx = g's dims moved back."""
    x = as_tensor(x)
    src = _dim_list("movedim", "source", x, source)
    dst = _dim_list("movedim", "destination", x, destination)
    if len(src) != len(dst):
        raise ValueError(f"movedim: source {source} and destination {destination} must have the same number of "
                         f"dims (tensor of shape {tuple(x.shape)})")
    order = [d for d in range(x.ndim) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, tuple(order)) if x.ndim else x


moveaxis = movedim


def swapaxes(x, *dims, axis0=None, axis1=None, axis2=None, dim0=None, dim1=None):
    """``torch.swapaxes``/``swapdims`` and ``numpy.swapaxes``: two dims exchanged, a view (``transpose(0, 1)``
    in PyTorch). Swapping is symmetric, so PyTorch's ``axis0``/``axis1``, ``dim0``/``dim1`` and NumPy's
    ``axis1``/``axis2`` all name the two dims.   dL/dx = g with the two dims exchanged back."""
    x = as_tensor(x)
    named = [v for v in (axis0, dim0, axis1, dim1, axis2) if v is not None]
    both = list(dims) + named
    if len(both) != 2:
        raise TypeError(f"swapaxes: expected two dims, got {len(both)} ({both})")
    return _swap("swapaxes", x, *both)


swapdims = swapaxes


def unflatten(x, dim, sizes):
    """``torch.unflatten``: dim ``dim`` split into dims of ``sizes`` (one may be -1), a view where NumPy can.

    Shapes: x (..., n, ...) -> (..., *sizes, ...) with prod(sizes) = n.   dL/dx = g reshaped back.
    """
    x = as_tensor(x)
    if x.ndim == 0:
        raise ValueError("unflatten: cannot unflatten a 0-d tensor")
    d = one_dim("unflatten", x, dim, None)
    if not isinstance(sizes, (tuple, list)) or not sizes:
        raise TypeError(f"unflatten: sizes must be a non-empty tuple or list of ints, got {sizes!r}")
    sizes = _ints("unflatten", "sizes", (tuple(sizes),))
    n = x.shape[d]
    known = 1
    for s in sizes:
        known *= s if s != -1 else 1
    if sizes.count(-1) > 1 or min(sizes) < -1 or (-1 not in sizes and known != n) or \
            (-1 in sizes and (known == 0 or n % known)):
        raise ValueError(f"unflatten: sizes {sizes} do not multiply to the length {n} of dim {d} (tensor of shape "
                         f"{tuple(x.shape)}; one size may be -1)")
    if -1 in sizes:
        sizes = tuple(n // known if s == -1 else s for s in sizes)
    return reshape(x, x.shape[:d] + sizes + x.shape[d + 1:])


def ravel(x):
    """``torch.ravel`` and ``numpy.ravel``: ``x`` as a 1-D tensor, a view where NumPy can.   dL/dx = g reshaped."""
    x = as_tensor(x)
    return reshape(x, (x.size,))


def view_dtype(x, dtype):
    """``torch.Tensor.view(dtype)``: x's memory read as ``dtype``, shared (a write through either shows in the other).

    Shapes: x (..., n) -> (..., n * x.itemsize / itemsize); the same shape for one of x's itemsize. Another itemsize
    needs the last dim's stride to be 1 and its bytes to divide into the new itemsize, as torch's. No gradient, as
    torch's has none (not even for x's own dtype).
    """
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"view: {dtype!r} is neither a size nor a dtype (tensor of shape {tuple(x.shape)})") from None
    old, new = x.dtype.itemsize, dtype.itemsize
    if old != new:
        if x.ndim == 0:
            raise RuntimeError(f"view: a 0-d tensor of dtype {x.dtype} cannot be viewed as {dtype} (different "
                               "element sizes need a last dim)")
        if x.shape[-1] != 1 and x.data.strides[-1] != old:
            raise RuntimeError(f"view: the last dim's stride must be 1 to view {x.dtype} as {dtype} (different "
                               f"element sizes), but it is {x.stride(-1)} (shape {tuple(x.shape)})")
        if (x.shape[-1] * old) % new:
            raise RuntimeError(f"view: the last dim's size must be divisible by {new // old if new > old else 1} to "
                               f"view {x.dtype} as {dtype} (different element sizes), but it is {x.shape[-1]} "
                               f"(shape {tuple(x.shape)})")
    return Tensor(x.data.view(dtype))
