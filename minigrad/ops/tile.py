"""Copies of a whole tensor side by side: ``tile`` (NumPy's and PyTorch's) and PyTorch's ``Tensor.repeat``.

Both are a reshape that gives each dim a length-one partner, a broadcast of the partners to the
counts and a reshape back, so the gradient is ``broadcast_to``'s: the copies' gradients summed.
"""
from __future__ import annotations

from minigrad.autograd.coercion import as_tensor
from minigrad.ops.broadcast import broadcast_to
from minigrad.ops.convert import clone
from minigrad.ops.shape import _ints, reshape, reshape_if_needed


def _tiled(x, reps):
    """``x`` repeated ``reps[i]`` times along dim i; missing counts are 1 in front, missing dims length 1 in front."""
    k = max(len(reps), x.ndim)
    reps = (1,) * (k - len(reps)) + tuple(reps)
    shape = (1,) * (k - x.ndim) + tuple(x.shape)
    if all(r == 1 for r in reps):   # still a copy, as in torch and NumPy: a view would carry writes back into x
        return reshape_if_needed(clone(x), shape)
    paired = tuple(v for s in shape for v in (1, s))
    spread = tuple(v for r, s in zip(reps, shape) for v in (r, s))
    return reshape(broadcast_to(reshape(x, paired), spread), tuple(r * s for r, s in zip(reps, shape)))


def _counts(name, x, values):
    counts = _ints(name, "counts", values)
    if any(c < 0 for c in counts):
        raise ValueError(f"{name}: counts must be >= 0, got {counts} (tensor of shape {tuple(x.shape)})")
    return counts


def tile(x, *reps):
    """``numpy.tile`` and ``torch.tile`` (they agree): ``x`` repeated ``reps[i]`` times along dim i.

    ``reps`` as ints or one tuple; fewer counts than dims count 1 for the leading dims, more counts give
    ``x`` leading dims of length one. Shapes: x -> (reps[i] * x.shape[i], ...).
    dL/dx = the gradients of the copies summed.
    """
    x = as_tensor(x)
    return _tiled(x, _counts("tile", x, reps))


def repeat(x, *sizes, **kwargs):
    """``torch.Tensor.repeat(*sizes)``: ``tile`` with at least one count per dim.

    NumPy's ``ndarray.repeat(repeats, axis=None)`` repeats each element instead. Where a call reads both ways
    (one count on a 1-D tensor, or a count and a valid axis) it is refused with both readings
    (docs/autodiff.md, section 15): ``tile`` says PyTorch's meaning in both libraries.
    """
    x = as_tensor(x)
    written = ", ".join(map(repr, sizes))
    if kwargs:
        raise TypeError(f"repeat: got keyword {sorted(kwargs)[0]}=; x.repeat(repeats, axis=...) is NumPy's repeat "
                        "(each element repeated), which minigrad does not have; PyTorch's x.repeat(*sizes) "
                        "tiles the whole tensor (x.tile(*sizes) says the same)")
    if not sizes:
        raise TypeError(f"repeat: give one count per dim, e.g. x.repeat({', '.join(['2'] * max(x.ndim, 1))}) "
                        f"for a tensor of shape {tuple(x.shape)}")
    counts = _ints("repeat", "counts", sizes)
    one_sequence = len(sizes) == 1 and isinstance(sizes[0], (tuple, list))
    torch_reads = len(counts) >= x.ndim and min(counts, default=0) >= 0   # () for a 0-d x: a copy
    if x.ndim == 0:
        numpy_reads = False  # one count: both give that many copies; NumPy has no axis of a 0-d array
    elif one_sequence:
        numpy_reads = len(counts) in (1, x.size) and min(counts) >= 0   # one count for all, or one per element
    elif len(sizes) == 1:
        numpy_reads = counts[0] >= 0
    else:
        numpy_reads = len(sizes) == 2 and counts[0] >= 0 and -x.ndim <= counts[1] < x.ndim   # (repeats, axis)
    numpy_meaning = (f"NumPy's repeats each element {counts[0]} times along axis {counts[1]}" if len(sizes) == 2
                     else "NumPy's repeats each element (of the flattened tensor)")
    if numpy_reads and torch_reads:
        raise TypeError(f"repeat: x.repeat({written}) on a tensor of shape {tuple(x.shape)} reads two ways: "
                        f"{numpy_meaning}, PyTorch's tiles the whole tensor; write x.tile({written}) for "
                        "PyTorch's (tile means the same in NumPy and PyTorch); minigrad has no elementwise repeat")
    if numpy_reads:
        raise TypeError(f"repeat: x.repeat({written}) on a tensor of shape {tuple(x.shape)} is NumPy's repeat "
                        f"({numpy_meaning[len('NumPy') + 3:]}), which minigrad does not have; PyTorch's repeat "
                        f"takes one count >= 0 per dim ({x.ndim}) and tiles the whole tensor")
    if not torch_reads:
        _counts("repeat", x, counts)
        raise ValueError(f"repeat: {len(counts)} counts {counts} for a tensor of shape {tuple(x.shape)}; "
                         f"PyTorch's repeat takes at least one per dim ({x.ndim})")
    return _tiled(x, counts)
