"""``unstack``: the slices of a tensor along one axis, as one graph node with one output per slice.

A recurrent layer reads its projected input one time step at a time. Indexing
``x[t]`` per step would make T nodes whose gradients are each a full-size zero
array with one slice filled (T^2 work to add up); one node with T outputs
gets its gradient back as a single stack of the T slice gradients.
"""
from __future__ import annotations

from minigrad.autograd.function import Function
from minigrad.ops.shape import Stack


class Unstack(Function):
    """outputs[t] = x[..., t, ...] (index t along ``axis``); dL/dx = stack(gys, axis)."""

    values_unread = (0,)

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        lead = (slice(None),) * self.axis
        # the trailing ... keeps a 1-D x's slices 0-d views, as torch's (x[t] alone gives a NumPy scalar, a copy)
        return tuple(x[lead + (t, ...)] for t in range(x.shape[self.axis]))

    def backward(self, F, gy, x):
        if type(gy) is not tuple:  # one slice: a one-output node gets its gradient bare
            gy = (gy,)
        return F.apply(Stack, *gy, axis=self.axis)


def unstack(x, axis=0):
    """The slices of ``x`` along ``axis`` (a tuple of Tensors with that axis removed)."""
    if not 0 <= axis < x.ndim:
        raise ValueError(f"unstack: axis {axis} is out of range for a tensor of shape {tuple(x.shape)}")
    outs = Unstack.apply(x, axis=axis)
    return outs if isinstance(outs, tuple) else (outs,)
