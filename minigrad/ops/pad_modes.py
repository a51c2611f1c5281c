"""Padding by reflection, replication or wrapping: ``pad(x, widths, mode='reflect'|'replicate'|'circular')``.

``PadMode`` fills the border of each padded axis from the input itself, as ``torch.nn.functional.pad``:

* ``reflect``: the mirror image without repeating the edge, ``[c b | a b c d | c b]`` (widths < size);
* ``replicate``: the edge element repeated, ``[a a | a b c d | d d]``;
* ``circular``: the other end of the axis, ``[c d | a b c d | a b]`` (widths <= size).

Both ops are linear and each is the other's adjoint: ``PadModeAdjoint`` sums every border entry back
into the element it was copied from (a flipped slab for reflect, a sum onto the edge for replicate,
a shifted slab for circular), one axis at a time, with whole-slab adds and no loop over elements.
So dL/dx = PadModeAdjoint(g) and dL/dg of the adjoint is PadMode(gg): second derivatives come free.
"""
from __future__ import annotations

from minigrad.autograd.function import Function
from minigrad.backend import get_array_module

__all__ = ["PadMode", "PadModeAdjoint", "MODES"]

MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}   # torch's name -> numpy.pad's


def _along(ndim, axis, index):
    """An index tuple taking ``index`` (a slice) along ``axis`` and everything along the other axes."""
    return (slice(None),) * axis + (index,) + (slice(None),) * (ndim - axis - 1)


class PadMode(Function):
    """y = x with each axis widened by (before, after) entries copied from x (``mode``); x (..., n_i, ...) ->
    (..., n_i + before_i + after_i, ...). dL/dx = PadModeAdjoint(g): each border entry summed back to its source."""

    def __init__(self, widths, mode):
        self.widths, self.mode = widths, mode   # widths: ((before, after), ...) for every axis

    def forward(self, x):
        return get_array_module(x).pad(x, self.widths, mode=MODES[self.mode])

    def backward(self, F, gy, x):
        return F.apply(PadModeAdjoint, gy, widths=self.widths, mode=self.mode)


class PadModeAdjoint(Function):
    """gx = the adjoint of PadMode: (..., n_i + before_i + after_i, ...) -> (..., n_i, ...), every border entry
    added to the input element it copies. Its derivative is PadMode (the op is linear)."""

    def __init__(self, widths, mode):
        self.widths, self.mode = widths, mode

    def forward(self, g):
        xp = get_array_module(g)
        for axis, (lo, hi) in enumerate(self.widths):
            if not (lo or hi):
                continue
            n = g.shape[axis] - lo - hi
            at = lambda index: _along(g.ndim, axis, index)   # noqa: E731 (this axis, whole slabs)
            core = g[at(slice(lo, lo + n))].copy()
            before, after = g[at(slice(0, lo))], g[at(slice(lo + n, None))]
            if self.mode == "reflect":      # before[j] copied x[lo - j], after[j] copied x[n - 2 - j]
                core[at(slice(1, lo + 1))] += xp.flip(before, axis)
                core[at(slice(n - 1 - hi, n - 1))] += xp.flip(after, axis)
            elif self.mode == "replicate":  # every border entry copied the edge element
                core[at(slice(0, 1))] += before.sum(axis=axis, keepdims=True)
                core[at(slice(n - 1, n))] += after.sum(axis=axis, keepdims=True)
            else:                           # circular: before copied x[n - lo:], after copied x[:hi]
                core[at(slice(n - lo, n))] += before
                core[at(slice(0, hi))] += after
            g = core
        return g if any(lo or hi for lo, hi in self.widths) else g.copy()   # a new array, never the input

    def backward(self, F, gg, g):
        return F.apply(PadMode, gg, widths=self.widths, mode=self.mode)
