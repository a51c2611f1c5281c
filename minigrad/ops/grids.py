"""Tensors brought to a common shape: ``broadcast_tensors``, ``meshgrid`` and ``atleast_1d``/``2d``/``3d``.

Each is reshapes and broadcasts, so the gradients are theirs (a broadcast's gradient sums back).
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.ops.shape import Expand, reshape, reshape_if_needed


def _tensors(name, tensors):
    """Tensors given one by one, or (PyTorch's) as one list or tuple."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    return [as_tensor(t) for t in tensors]


def broadcast_tensors(*tensors):
    """``torch.broadcast_tensors``: every tensor broadcast to their common shape (NumPy's rules), as a tuple.

    Expanded views, as torch's (``expand``: read-only where entries repeat; one already of that shape comes back
    as it is).   dL/dx_i = g_i summed back to x_i's shape.
    """
    tensors = [as_tensor(t) for t in tensors]
    try:
        shape = np.broadcast_shapes(*(t.shape for t in tensors))
    except ValueError:
        raise ValueError(f"broadcast_tensors: shapes {[tuple(t.shape) for t in tensors]} do not broadcast "
                         "together") from None
    return tuple(t if t.shape == shape else Expand.apply(t, shape=shape) for t in tensors)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D tensors, as ``torch.meshgrid`` and ``numpy.meshgrid``: with n inputs of lengths
    (l_1, ..., l_n), n tensors of shape (l_1, ..., l_n) for ``indexing='ij'``; 'xy' swaps the first two lengths.

    With two or more inputs ``indexing`` must be given: NumPy's default is 'xy', PyTorch's 'ij', so a call
    without it reads two ways (docs/autodiff.md, section 15). Inputs of more dims are flattened (NumPy's reading;
    torch refuses them), 0-d ones count as one element. A tuple.   dL/dx_i = g_i summed over the other dims.
    """
    tensors = _tensors("meshgrid", tensors)
    if indexing is None:
        if len(tensors) >= 2:
            raise TypeError("meshgrid: without indexing= the call reads two ways: NumPy's meshgrid uses "
                            "indexing='xy' (the first two outputs' dims swapped), PyTorch's indexing='ij'; "
                            "write indexing='ij' or indexing='xy'")
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    flat = [reshape_if_needed(t, (t.size,)) for t in tensors]
    lengths = [t.shape[0] for t in flat]
    if indexing == "xy" and len(flat) >= 2:
        lengths[0], lengths[1] = lengths[1], lengths[0]
    out = []
    for i, t in enumerate(flat):
        at = {0: 1, 1: 0}.get(i, i) if indexing == "xy" and len(flat) >= 2 else i
        shape = [1] * len(flat)
        shape[at] = t.shape[0]
        out.append(Expand.apply(reshape(t, tuple(shape)), shape=tuple(lengths)))   # views of the inputs, as torch's
    return tuple(out)


def _atleast(name, tensors, shape_of):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        raise TypeError(f"{name}: one list or tuple reads two ways: PyTorch's {name}([a, b]) gives a tuple of "
                        f"tensors, NumPy's turns the list into one array; write {name}(a, b) for PyTorch's, or "
                        f"{name}(minigrad.tensor(...)) for NumPy's")
    out = tuple(reshape_if_needed(t, shape_of(t.shape)) for t in (as_tensor(t) for t in tensors))
    return out[0] if len(out) == 1 else out


def atleast_1d(*tensors):
    """Each tensor with at least one dim (a 0-d one becomes shape (1,)); one tensor back, or a tuple of several.

    ``torch.atleast_1d`` and ``numpy.atleast_1d`` agree.   dL/dx = g reshaped back.
    """
    return _atleast("atleast_1d", tensors, lambda s: s if len(s) >= 1 else (1,))


def atleast_2d(*tensors):
    """Each tensor with at least two dims: () -> (1, 1), (n,) -> (1, n).   dL/dx = g reshaped back."""
    return _atleast("atleast_2d", tensors, lambda s: s if len(s) >= 2 else (1,) * (2 - len(s)) + s)


def atleast_3d(*tensors):
    """Each tensor with at least three dims: () -> (1, 1, 1), (n,) -> (1, n, 1), (m, n) -> (m, n, 1).

    dL/dx = g reshaped back.
    """
    return _atleast("atleast_3d", tensors,
                    lambda s: s if len(s) >= 3 else (1, 1, 1) if not s else (1, s[0], 1) if len(s) == 1 else s + (1,))
