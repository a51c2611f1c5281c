"""``as_strided(input, size, stride, storage_offset=None)``: any strided view of a tensor's storage, and its adjoint.

The storage is the memory of ``input``'s array (its buffer, the array that owns it: ``write_stamps._buffer``),
counted in elements of ``input``'s dtype from its first byte, as torch counts a tensor's storage: ``stride`` and
``storage_offset`` are relative to that start, not to ``input``'s own first element, and the default offset is
``input``'s own (``x.storage_offset()``). ``AsStrided`` returns the strided view (a write through it shows in
``input`` and the other way round, as torch's); ``StridedRegather`` is its gradient: g scattered into a zero storage
by the output's geometry (overlapping windows add up), divided by how often ``input`` itself sees each element
when ``input`` overlaps (an expanded tensor), and read back with ``input``'s geometry, as torch's
``as_strided_backward``. Swapping its two geometries gives its adjoint, so second derivatives exist. A geometry is
(shape, strides, offset), all in elements of the storage.
"""
from __future__ import annotations

from minigrad import backend
from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.function import Function
from minigrad.autograd.write_stamps import _address, _buffer, view_or_copy
from minigrad.backend import get_array_module
from minigrad.scalars import is_integer


def _storage(op, x):
    """(the storage of array ``x`` as a flat array of x's dtype, x's geometry in it): see the module's docstring."""
    buf = _buffer(x)
    if not (buf.flags.c_contiguous or buf.flags.f_contiguous):
        raise RuntimeError(f"{op}: the memory the input looks at is not one block (its owner has shape "
                           f"{tuple(buf.shape)} and byte strides {tuple(buf.strides)}), so it has no storage to view")
    itemsize = x.dtype.itemsize
    start = _address(x) - _address(buf)
    if start % itemsize or any(s % itemsize for s in x.strides):
        raise RuntimeError(f"{op}: the input (dtype {x.dtype}) does not lie on whole elements of its memory (it "
                           f"starts {start} bytes in, byte strides {tuple(x.strides)})")
    # The flat view is made from x itself (x's memory read backwards to the storage's start, then forwards to its
    # end), so that it is of x's own array type and leads back to x's memory as x does.
    strided = get_array_module(x).lib.stride_tricks.as_strided
    offset = start // itemsize
    first = strided(x, (offset + 1,), (-itemsize,))[offset:]
    flat = strided(first, (buf.nbytes // itemsize,), (itemsize,))
    return flat, (tuple(x.shape), tuple(s // itemsize for s in x.strides), offset)


def _span(shape, strides, offset):
    """(lowest, highest) storage index that a geometry reads; None for an empty one."""
    if any(n == 0 for n in shape):
        return None
    lo = offset + sum((n - 1) * s for n, s in zip(shape, strides) if s < 0)
    hi = offset + sum((n - 1) * s for n, s in zip(shape, strides) if s > 0)
    return lo, hi


def _indices(xp, geometry, origin):
    """The storage index (less ``origin``) of every element of a geometry, as an int64 array of its shape: the sum of
    arange(n_k) * stride_k, broadcast over the dims (one array op per dim)."""
    shape, strides, offset = geometry
    index = xp.full((1,) * len(shape), offset - origin, dtype=xp.int64)
    for k, (n, s) in enumerate(zip(shape, strides)):
        index = index + (xp.arange(n, dtype=xp.int64) * s).reshape((1,) * k + (n,) + (1,) * (len(shape) - k - 1))
    return index.reshape(shape)


def _may_overlap(shape, strides):
    """False when no two elements of the geometry can share a storage index (each |stride|, smallest first, passes
    the reach of the dims below it); True when they may."""
    reach = 0
    for n, s in sorted(((n, abs(s)) for n, s in zip(shape, strides) if n > 1), key=lambda d: d[1]):
        if s <= reach:
            return True
        reach += (n - 1) * s
    return False


class AsStrided(Function):
    """y = the view (size, stride, storage_offset) of x's storage: y[i] = storage[offset + sum_k i_k stride_k].

    Shapes: x (any) -> ``size``.
    dL/dx = g scattered into a zero storage by y's geometry (overlapping windows add up), divided by the number of
    times x sees each element where x overlaps, read with x's geometry (``StridedRegather``), as torch's.
    """

    values_unread = (0,)   # backward reads only the two geometries

    def __init__(self, geometry, input_geometry):
        self.geometry, self.input_geometry = geometry, input_geometry

    def forward(self, x):
        flat, _ = _storage("as_strided", x)
        size, stride, offset = self.geometry
        xp = get_array_module(x)
        y = xp.lib.stride_tricks.as_strided(flat[offset:], size, tuple(s * x.dtype.itemsize for s in stride))
        return view_or_copy(y, x)   # a copy on CuPy, as unfold's

    def backward(self, F, gy, x):
        divide = _may_overlap(*self.input_geometry[:2])
        return F.apply(StridedRegather, gy, source=self.geometry, target=self.input_geometry,
                       counted=self.input_geometry if divide else None)


class StridedRegather(Function):
    """y = g scattered (added) into a zero storage by geometry ``source``, divided elementwise by how many times
    geometry ``counted`` sees each storage element (where it is given and sees it at all), read by geometry
    ``target``: y = P_target C^-1 P_source^T g.

    Shapes: g ``source``'s shape -> ``target``'s shape.
    dL/dg = the same with source and target swapped (P_source C^-1 P_target^T gy): its own adjoint.
    """

    def __init__(self, source, target, counted):
        self.source, self.target, self.counted = source, target, counted

    def forward(self, g):
        xp = get_array_module(g)
        spans = [s for s in (_span(*self.source), _span(*self.target)) if s is not None]
        if len(spans) < 2:   # nothing read or nothing written: all zeros
            return xp.zeros(self.target[0], dtype=g.dtype)
        lo, hi = min(s[0] for s in spans), max(s[1] for s in spans)
        storage = xp.zeros(hi - lo + 1, dtype=g.dtype)
        backend.scatter_add(storage, _indices(xp, self.source, lo), g, distinct=not _may_overlap(*self.source[:2]))
        if self.counted is not None:
            # integer counts: the same whatever order CuPy's atomic adds run in (no nondeterminism alert)
            count = xp.bincount(_indices(xp, self.counted, lo).ravel(), minlength=hi - lo + 1).astype(g.dtype)
            storage = storage / xp.where(count == 0, xp.ones((), dtype=g.dtype), count)
        return storage[_indices(xp, self.target, lo)]

    def backward(self, F, ggy, g):
        return F.apply(StridedRegather, ggy, source=self.target, target=self.source, counted=self.counted)


def _int_list(name, value):
    """``value`` (a tuple, list or torch.Size of ints) as a tuple of Python ints, or a TypeError as torch's."""
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"as_strided: {name} must be a tuple of ints, got {value!r}")
    for v in value:
        if not is_integer(v):
            raise TypeError(f"as_strided: {name} must be a tuple of ints, got {list(value)!r} (an element of type "
                            f"{type(v).__name__})")
    return tuple(int(v) for v in value)


def as_strided(input, size, stride, storage_offset=None):
    """``torch.as_strided``: the view of ``input``'s storage with shape ``size``, ``stride`` (in elements) and
    ``storage_offset`` (in elements from the storage's start; None: ``input``'s own ``storage_offset()``), see
    ``AsStrided``. A write into the result shows in ``input`` and the other way round, as torch's; on CuPy it is a
    copy (see ``write_stamps.view_or_copy``). The storage is the memory of ``input``'s array: where minigrad gave
    ``input`` new memory and torch a view (CuPy's unfold), the two storages differ."""
    x = as_tensor(input)
    size, stride = _int_list("size", size), _int_list("stride", stride)
    if storage_offset is not None and not is_integer(storage_offset):
        raise TypeError(f"as_strided: storage_offset must be an int or None, got {storage_offset!r}")
    if len(size) != len(stride):
        raise RuntimeError(f"as_strided: size and stride differ in length: size={list(size)}, stride={list(stride)}")
    if any(n < 0 for n in size):
        raise RuntimeError(f"as_strided: size must not be negative, got size={list(size)}")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: negative strides are not supported, got stride={list(stride)}")
    flat, input_geometry = _storage("as_strided", x.data)
    offset = input_geometry[2] if storage_offset is None else int(storage_offset)
    if offset < 0:
        raise RuntimeError(f"as_strided: storage_offset must not be negative, got {offset}")
    span = _span(size, stride, offset)
    if span is None:
        offset = min(offset, flat.size)   # an empty view reads nothing (torch allows any offset there)
    elif span[1] >= flat.size:
        itemsize, needed = x.data.dtype.itemsize, span[1] + 1
        raise RuntimeError(f"as_strided: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and "
                           f"itemsize {itemsize} requiring a storage size of {needed * itemsize} are out of bounds "
                           f"for storage of size {flat.size * itemsize}")
    return AsStrided.apply(x, geometry=(size, stride, offset), input_geometry=input_geometry)
