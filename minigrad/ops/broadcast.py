"""Broadcasting and its adjoint, ``sum_to``: the one place broadcast gradients are reduced.

When an op broadcasts an input of shape ``s`` up to a larger shape, the
gradient flowing back has the larger shape; summing it over the broadcast axes
(``sum_to(g, s)``) gives the gradient of the input. Every op's backward goes
through ``sum_to``, and the two ops below are each other's derivative.
"""
from __future__ import annotations

from minigrad.autograd.function import Function
from minigrad.autograd.coercion import as_tensor
from minigrad.backend import get_array_module


def _sum_to_array(x, shape):
    """Sum array ``x`` over the axes that broadcasting added to reach ``x.shape`` from ``shape``."""
    if x.shape == shape:
        return x
    lead = x.ndim - len(shape)
    if x.shape[lead:] != shape:  # some axes of length 1 in ``shape`` were stretched
        stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1)
        x = x.sum(axis=stretched, keepdims=True)
    if lead:  # summing the leading axes away gives a fresh array (a bias gradient, say), not a view
        x = x.sum(axis=0 if lead == 1 else tuple(range(lead)))
    return x


def _broadcast_array(x, shape):
    """``x`` broadcast to ``shape`` as a new, writeable array.

    A filled array rather than ``numpy.broadcast_to``'s read-only view: the view
    costs microseconds of Python per call, and gradients are written to in place.
    """
    out = get_array_module(x).empty(shape, dtype=x.dtype)
    out[...] = x
    return out


class SumTo(Function):
    """y = x summed over its broadcast axes: x (any shape that ``shape`` broadcasts to) -> ``shape``.

    dL/dx = g broadcast back to x's shape (``BroadcastTo``: the two are each other's adjoint).
    """

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        return _sum_to_array(x, self.shape)

    def backward(self, F, gy, x):
        return F.broadcast_to(gy, x.shape)


class BroadcastTo(Function):
    """y = x repeated along broadcast axes: x (s) -> ``shape`` (s broadcast to it, NumPy's rules).

    dL/dx = sum_to(g, s), g summed back over the broadcast axes (``SumTo``: the two are each other's adjoint).
    """

    values_unread = (0,)

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        return _broadcast_array(x, self.shape)

    def backward(self, F, gy, x):
        return F.sum_to(gy, x.shape)


def sum_to(x, shape):
    """Sum ``x`` down to ``shape`` (undoing NumPy broadcasting); ``x`` itself when shapes match."""
    if x.shape == shape:  # every backward calls this; most of the time there is nothing to do
        return x
    x = as_tensor(x)
    shape = tuple(shape)
    if x.shape == shape:
        return x
    if len(shape) > x.ndim or any(n != 1 and n != m for n, m in zip(shape[::-1], x.shape[::-1])):
        raise ValueError(f"sum_to: shape {x.shape} cannot be summed down to {shape}")
    return SumTo.apply(x, shape=shape)


def broadcast_to(x, shape):
    """Broadcast ``x`` to ``shape`` following NumPy's rules; -1 keeps an existing dim's size, as torch's (NumPy
    refuses it)."""
    x = as_tensor(x)
    shape = tuple(shape)
    lead = len(shape) - x.ndim
    if lead >= 0 and -1 in shape:
        shape = tuple(x.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(shape))
    if x.shape == shape:
        return x
    if (len(shape) < x.ndim or any(n != 1 and n != m for n, m in zip(x.shape[::-1], shape[::-1]))
            or any(n < 0 for n in shape)):
        hint = " (-1 keeps the size of one of its dims, not of a new leading one)" if any(n < 0 for n in shape) else ""
        raise ValueError(f"broadcast_to: cannot broadcast a tensor of shape {x.shape} to shape {shape}{hint}")
    return BroadcastTo.apply(x, shape=shape)
