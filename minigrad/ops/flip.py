"""Reversing and rotating along dims: ``flip``, ``fliplr``, ``flipud``, ``roll`` and ``rot90`` (PyTorch's and NumPy's).

The two libraries read these calls alike, so both spellings are accepted (``dims=``/``axis=``,
``shifts=``/``shift=``, ``dims=``/``axes=``). Results are new memory, as ``torch.flip`` and ``torch.roll`` give
(NumPy's ``flip`` would hand back a view with negative strides).
"""
from __future__ import annotations

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.function import Function
from minigrad.autograd.tensor import NOT_GIVEN
from minigrad.backend import get_array_module
from minigrad.ops._args import check_dims
from minigrad.ops.convert import clone
from minigrad.ops.shape import transpose
from minigrad.scalars import is_integer


class Flip(Function):
    """y = x reversed along ``dims`` (a copy).   dL/dx = g reversed along the same dims.   Shapes: x -> x."""

    values_unread = (0,)

    def __init__(self, dims):
        self.dims = dims

    def forward(self, x):
        return get_array_module(x).flip(x, self.dims).copy()

    def backward(self, F, gy, x):
        return F.apply(Flip, gy, dims=self.dims)


class Roll(Function):
    """y = x shifted cyclically by ``shifts`` along ``dims`` (None: the flattened x, shape kept).

    dL/dx = g rolled back by -shifts along the same dims.   Shapes: x -> x.
    """

    values_unread = (0,)

    def __init__(self, shifts, dims):
        self.shifts, self.dims = shifts, dims

    def forward(self, x):
        return get_array_module(x).roll(x, self.shifts, self.dims)

    def backward(self, F, gy, x):
        back = tuple(-s for s in self.shifts) if isinstance(self.shifts, tuple) else -self.shifts
        return F.apply(Roll, gy, shifts=back, dims=self.dims)


def _pick(name, first, first_name, second, second_name, default=NOT_GIVEN):
    """One argument given under PyTorch's or NumPy's name (they mean the same here), never both."""
    if first is not NOT_GIVEN and second is not NOT_GIVEN:
        raise TypeError(f"{name}: got both {first_name}={first!r} and {second_name}={second!r}; give one "
                        f"({first_name} is PyTorch's name, {second_name} NumPy's; they mean the same)")
    return first if first is not NOT_GIVEN else second if second is not NOT_GIVEN else default


def _dim_tuple(name, x, dims, what="dims"):
    """``dims`` (an int or a sequence of ints) as a tuple of non-negative dims, checked and without repeats."""
    dims = (dims,) if is_integer(dims) else dims
    if not isinstance(dims, (tuple, list)):
        raise TypeError(f"{name}: {what} must be an int or a tuple of ints, got {dims!r}")
    check_dims(name, tuple(dims), x.ndim, x.shape)
    return tuple(int(d) % max(x.ndim, 1) for d in dims)


def flip(x, dims=NOT_GIVEN, *, axis=NOT_GIVEN):
    """``x`` reversed along ``dims`` (``torch.flip``; NumPy's ``axis=``; none given: every dim, as ``numpy.flip``).

    A copy. Shapes: x -> x.   dL/dx = g reversed along the same dims.
    """
    x = as_tensor(x)
    dims = _pick("flip", dims, "dims", axis, "axis", default=None)
    dims = tuple(range(x.ndim)) if dims is None else _dim_tuple("flip", x, dims)
    if x.ndim == 0:
        dims = ()
    return Flip.apply(x, dims=dims)


def fliplr(x):
    """``x`` reversed along dim 1 (left/right); needs at least 2 dims.   dL/dx = g reversed along dim 1."""
    x = as_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"fliplr: expects a tensor with at least 2 dims, got shape {tuple(x.shape)}")
    return Flip.apply(x, dims=(1,))


def flipud(x):
    """``x`` reversed along dim 0 (up/down); needs at least 1 dim.   dL/dx = g reversed along dim 0."""
    x = as_tensor(x)
    if x.ndim < 1:
        raise ValueError(f"flipud: expects a tensor with at least 1 dim, got shape {tuple(x.shape)}")
    return Flip.apply(x, dims=(0,))


def roll(x, shifts=NOT_GIVEN, dims=NOT_GIVEN, *, shift=NOT_GIVEN, axis=NOT_GIVEN):
    """``x`` shifted cyclically, as ``torch.roll(x, shifts, dims=None)`` and ``numpy.roll(x, shift, axis=None)``.

    Without dims the flattened tensor is rolled and its shape restored. One shift per dim; one shift for several
    dims, or several shifts without dims, is NumPy's reading (PyTorch refuses those calls): the shift applies to
    each dim, or the shifts add up. A copy. Shapes: x -> x.   dL/dx = g rolled back by -shifts.
    """
    x = as_tensor(x)
    shifts = _pick("roll", shifts, "shifts", shift, "shift")
    if shifts is NOT_GIVEN:
        raise TypeError("roll: missing the shifts (shifts= or NumPy's shift=)")
    dims = _pick("roll", dims, "dims", axis, "axis", default=None)
    single = is_integer(shifts)
    if not single and not (isinstance(shifts, (tuple, list)) and all(is_integer(s) for s in shifts)):
        raise TypeError(f"roll: shifts must be an int or a tuple of ints, got {shifts!r}")
    shifts = int(shifts) if single else tuple(int(s) for s in shifts)
    if dims is not None:
        dims = (dims,) if is_integer(dims) else dims
        if not isinstance(dims, (tuple, list)):
            raise TypeError(f"roll: dims must be an int or a tuple of ints, got {dims!r}")
        for d in dims:   # a dim may repeat: its shifts add up (in both libraries)
            check_dims("roll", (d,), x.ndim, x.shape)
        dims = tuple(int(d) % max(x.ndim, 1) for d in dims)
        if not single and len(shifts) != len(dims) and len(shifts) != 1 and len(dims) != 1:
            raise ValueError(f"roll: {len(shifts)} shifts {shifts} for {len(dims)} dims {dims}; give one shift per "
                             f"dim (tensor of shape {tuple(x.shape)})")
        if x.ndim == 0:
            return clone(x)
    return Roll.apply(x, shifts=shifts, dims=dims)


def rot90(x, k=1, dims=NOT_GIVEN, *, axes=NOT_GIVEN):
    """``x`` rotated by k * 90 degrees in the plane of ``dims`` (default (0, 1)), from the first dim towards the
    second, as ``torch.rot90`` and ``numpy.rot90`` (``axes=``).

    k = 1: flip dims[1], then swap the two dims; k = 2: flip both; k = 3: flip dims[0], then swap; k = 0: a copy.
    Shapes: x -> x with the two dims swapped for odd k.   dL/dx = g rotated by -k (through flip and transpose).
    """
    x = as_tensor(x)
    dims = _pick("rot90", dims, "dims", axes, "axes", default=(0, 1))
    if not is_integer(k):
        raise TypeError(f"rot90: k must be an int, got {k!r}")
    if not isinstance(dims, (tuple, list)) or len(dims) != 2:
        raise ValueError(f"rot90: dims must be two dims, got {dims!r}")
    if x.ndim < 2:
        raise ValueError(f"rot90: expects a tensor with at least 2 dims, got shape {tuple(x.shape)}")
    check_dims("rot90", tuple(dims), x.ndim, x.shape)
    d0, d1 = (int(d) % x.ndim for d in dims)
    k = int(k) % 4
    if k == 0:
        return clone(x)
    if k == 2:
        return Flip.apply(x, dims=(d0, d1))
    perm = list(range(x.ndim))
    perm[d0], perm[d1] = d1, d0
    return transpose(Flip.apply(x, dims=(d1 if k == 1 else d0,)), tuple(perm))
