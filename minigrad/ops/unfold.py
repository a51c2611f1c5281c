"""``Tensor.unfold(dimension, size, step)``: the sliding windows along one dim, and their adjoint.

``UnfoldWindows`` reads the windows as one strided view of x (no loop), which it returns, as torch's view;
``FoldWindows`` adds each window's gradient back where the window came from, so overlapping windows add up. Each
is the other's adjoint.
"""
from __future__ import annotations

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.function import Function
from minigrad.autograd.write_stamps import view_or_copy
from minigrad.backend import get_array_module
from minigrad.ops._args import check_dims
from minigrad.ops.shape import reshape
from minigrad.scalars import is_integer


def _windows_view(x, dim, size, step):
    """Array ``x`` with dim ``dim`` of length n replaced by (n - size) // step + 1 windows and ``size`` appended."""
    count = (x.shape[dim] - size) // step + 1
    shape = x.shape[:dim] + (count,) + x.shape[dim + 1:] + (size,)
    strides = x.strides[:dim] + (x.strides[dim] * step,) + x.strides[dim + 1:] + (x.strides[dim],)
    return get_array_module(x).lib.stride_tricks.as_strided(x, shape, strides)


class UnfoldWindows(Function):
    """y[..., i, ..., j] = x[..., i * step + j, ...]: windows of ``size`` every ``step`` along ``dim``, a view of x.

    Shapes: x (..., n, ...) -> (..., (n - size) // step + 1, ..., size).
    dL/dx = each window's gradient added back at its place (``FoldWindows``); overlaps add up.
    """

    values_unread = (0,)

    def __init__(self, dim, size, step):
        self.dim, self.size, self.step = dim, size, step

    def forward(self, x):
        return view_or_copy(_windows_view(x, self.dim, self.size, self.step), x)   # a copy on CuPy

    def backward(self, F, gy, x):
        return F.apply(FoldWindows, gy, dim=self.dim, size=self.size, step=self.step, length=x.shape[self.dim])


class FoldWindows(Function):
    """y = zeros with dim ``dim`` of ``length``, each window of g (as ``UnfoldWindows`` cut them) added at its place.

    Shapes: (..., count, ..., size) -> (..., length, ...).
    dL/dg = the windows of the output gradient (``UnfoldWindows``).
    """

    def __init__(self, dim, size, step, length):
        self.dim, self.size, self.step, self.length = dim, size, step, length

    def forward(self, g):
        shape = g.shape[:self.dim] + (self.length,) + g.shape[self.dim + 1:-1]
        out = get_array_module(g).zeros(shape, dtype=g.dtype)
        if self.step >= self.size:   # windows do not overlap: one strided write
            _windows_view(out, self.dim, self.size, self.step)[...] = g
            return out
        # Overlapping windows: one strided add per position in the window (size of them, never one per window).
        count = g.shape[self.dim]
        lead = (slice(None),) * self.dim
        for j in range(self.size):
            out[lead + (slice(j, j + self.step * (count - 1) + 1, self.step),)] += g[..., j]
        return out

    def backward(self, F, ggy, g):
        return F.apply(UnfoldWindows, ggy, dim=self.dim, size=self.size, step=self.step)


def unfold(x, dimension, size, step):
    """``torch.Tensor.unfold``: every window of ``size`` elements along ``dimension``, one each ``step``, in a new
    last dim (see ``UnfoldWindows``). A 0-d tensor counts as one element. A view of x, as torch's: a write into
    either shows in the other (overlapping windows share entries); on CuPy a copy (see
    ``write_stamps.view_or_copy``)."""
    x = as_tensor(x)
    for what, v in (("dimension", dimension), ("size", size), ("step", step)):
        if not is_integer(v):
            raise TypeError(f"unfold: {what} must be an int, got {v!r}")
    check_dims("unfold", (dimension,), x.ndim, x.shape)
    if step <= 0:
        raise ValueError(f"unfold: step must be positive, got {step}")
    if x.ndim == 0:
        return reshape(unfold(reshape(x, (1,)), 0, size, step), (int(size),))
    d = int(dimension) % x.ndim
    if not 0 <= size <= x.shape[d]:
        raise ValueError(f"unfold: size {size} does not fit dim {d} of length {x.shape[d]} (shape {tuple(x.shape)}); "
                         f"it must be in [0, {x.shape[d]}]")
    return UnfoldWindows.apply(x, dim=d, size=int(size), step=int(step))
