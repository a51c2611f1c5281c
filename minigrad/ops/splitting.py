"""PyTorch's ways to cut a tensor into pieces: ``tensor_split``, ``hsplit``/``vsplit``/``dsplit`` and
``split_with_sizes``, and to repeat its elements: ``repeat_interleave``.

The pieces come from one ``Split`` node (views where NumPy can); its gradient joins the pieces' gradients.
``tensor_split`` is ``numpy.array_split``, and the h/v/d splits read as NumPy's do.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import NOT_GIVEN, Tensor
from minigrad.ops._args import one_dim
from minigrad.ops.broadcast import broadcast_to
from minigrad.ops.flip import _pick
from minigrad.ops.indexing import getitem
from minigrad.ops.shape import Split, reshape, torch_split
from minigrad.scalars import is_integer


def _pieces(x, cuts, axis):
    out = Split.apply(x, sections=list(cuts), axis=axis)
    return out if isinstance(out, tuple) else (out,)


def _indices(name, value):
    """An int, or a list of ints: from ints, a list/tuple, or an integer Tensor (0-d: an int)."""
    if isinstance(value, Tensor):
        if value.dtype.kind not in "iu" or value.ndim > 1:
            raise TypeError(f"{name}: a tensor of sections or indices must be 0-d or 1-D of integers, got dtype "
                            f"{value.dtype} and shape {tuple(value.shape)}")
        value = value.item() if value.ndim == 0 else value.tolist()
    if is_integer(value):
        return int(value)
    if isinstance(value, (list, tuple)) and all(is_integer(v) for v in value):
        return [int(v) for v in value]
    raise TypeError(f"{name}: indices_or_sections must be an int, a list of ints or an integer tensor, "
                    f"got {value!r}")


def tensor_split(x, indices_or_sections=NOT_GIVEN, dim=NOT_GIVEN, *, axis=NOT_GIVEN, sections=NOT_GIVEN,
                 indices=NOT_GIVEN, tensor_indices_or_sections=NOT_GIVEN):
    """``torch.tensor_split`` (``numpy.array_split``, with ``axis=``): n pieces along ``dim``, the first
    ``length % n`` one longer, or the pieces between the given indices (as Python slices read them). torch's
    keywords ``sections=`` (an int, or a one-element integer tensor), ``indices=`` (a sequence) and
    ``tensor_indices_or_sections=`` name the split.

    A tuple of views.   dL/dx = the pieces' gradients joined (0 for a piece that gets none).
    """
    x = as_tensor(x)
    given = {k: v for k, v in (("indices_or_sections", indices_or_sections), ("sections", sections),
                               ("indices", indices), ("tensor_indices_or_sections", tensor_indices_or_sections))
             if v is not NOT_GIVEN}
    if len(given) != 1:
        raise TypeError(f"tensor_split: give the split once, as indices_or_sections, sections=, indices= or "
                        f"tensor_indices_or_sections=; got {sorted(given) or 'none'}")
    (kind, indices_or_sections), = given.items()
    if kind == "sections" and isinstance(indices_or_sections, Tensor) and indices_or_sections.size == 1 \
            and indices_or_sections.dtype.kind in "iu":
        indices_or_sections = indices_or_sections.item()   # torch reads a one-element integer tensor as its int
    if kind == "sections" and not is_integer(indices_or_sections):
        raise TypeError(f"tensor_split: sections must be an int, got {indices_or_sections!r}")
    if kind == "indices" and (is_integer(indices_or_sections) or isinstance(indices_or_sections, Tensor)):
        raise TypeError(f"tensor_split: indices must be a list or tuple of ints, got {indices_or_sections!r}")
    dim = _pick("tensor_split", dim, "dim", axis, "axis", default=0)
    if x.ndim == 0:
        raise ValueError("tensor_split: expects a tensor with at least one dim, got a 0-d tensor")
    d = one_dim("tensor_split", x, dim, None)
    spec = _indices("tensor_split", indices_or_sections)
    if isinstance(spec, list):
        return _pieces(x, spec, d)
    n = x.shape[d]
    if spec <= 0:
        raise ValueError(f"tensor_split: the number of sections must be positive, got {spec}")
    small, extra = divmod(n, spec)
    cuts = np.cumsum([small + 1] * extra + [small] * (spec - extra))[:-1]
    return _pieces(x, [int(c) for c in cuts], d)


def _directional(name, x, indices_or_sections, d, need):
    x = as_tensor(x)
    if x.ndim < need:
        raise ValueError(f"{name}: expects a tensor with at least {need} dim{'s' if need > 1 else ''}, got shape "
                         f"{tuple(x.shape)}")
    d = d if x.ndim > 1 or name != "hsplit" else 0
    spec = _indices(name, indices_or_sections)
    if isinstance(spec, int):
        n = x.shape[d]
        if spec <= 0 or n % spec:
            raise ValueError(f"{name}: dim {d} of length {n} (shape {tuple(x.shape)}) cannot be split into {spec} "
                             "equal sections")
        return _pieces(x, [n // spec * i for i in range(1, spec)], d)
    return _pieces(x, spec, d)


def hsplit(x, indices_or_sections):
    """Cut along dim 1 (dim 0 of a 1-D tensor) into equal sections or at indices (``numpy.hsplit``/``torch``)."""
    return _directional("hsplit", x, indices_or_sections, 1, 1)


def vsplit(x, indices_or_sections):
    """Cut along dim 0 of a tensor of at least 2 dims into equal sections or at indices."""
    return _directional("vsplit", x, indices_or_sections, 0, 2)


def dsplit(x, indices_or_sections):
    """Cut along dim 2 of a tensor of at least 3 dims into equal sections or at indices."""
    return _directional("dsplit", x, indices_or_sections, 2, 3)


def split_with_sizes(x, split_sizes, dim=0):
    """``torch.split_with_sizes``: pieces of the given sizes along ``dim``, which must add up to its length."""
    if not isinstance(split_sizes, (list, tuple)):
        raise TypeError(f"split_with_sizes: split_sizes must be a list of ints, got {split_sizes!r}")
    return torch_split(x, list(split_sizes), dim, name="split_with_sizes")


def repeat_interleave(x, repeats=NOT_GIVEN, dim=NOT_GIVEN, *, axis=NOT_GIVEN, output_size=None):
    """Each element repeated ``repeats`` times along ``dim``, as ``torch.repeat_interleave`` and ``numpy.repeat``
    (``axis=``); without a dim, over the flattened tensor. ``repeats`` is an int or an integer tensor/list with
    one count per element (or one for all). ``repeat_interleave(counts)`` alone gives the indices
    0, 1, ... each repeated counts[i] times (torch's one-argument form).

    Shapes: x -> x with dim ``dim`` of length sum(repeats).   dL/dx = the copies' gradients summed.
    """
    x = as_tensor(x)
    if repeats is NOT_GIVEN:
        if x.ndim > 1 or x.dtype.kind not in "iu":
            raise TypeError(f"repeat_interleave: called with one argument it takes a 0-d or 1-D integer tensor of "
                            f"counts, got dtype {x.dtype} and shape {tuple(x.shape)}")
        return repeat_interleave(Tensor(x._xp().arange(x.size, dtype=np.int64)), reshape(x, (x.size,)), 0,
                                 output_size=output_size)
    dim = _pick("repeat_interleave", dim, "dim", axis, "axis", default=None)
    if dim is None:
        x, d = reshape(x, (x.size,)), 0
    else:
        d = one_dim("repeat_interleave", x, dim, None)
        if x.ndim == 0:
            x, d = reshape(x, (1,)), 0
    n = x.shape[d]
    if not isinstance(repeats, (Tensor, list, tuple)) and not is_integer(repeats):
        raise TypeError(f"repeat_interleave: repeats must be an int or integer tensor, got {repeats!r}")
    if isinstance(repeats, (Tensor, list, tuple)) and not (isinstance(repeats, Tensor) and repeats.ndim == 0):
        counts = repeats.data if isinstance(repeats, Tensor) else np.asarray(repeats)
        if counts.dtype.kind not in "iu" or counts.ndim != 1 or counts.shape[0] not in (1, n):
            raise ValueError(f"repeat_interleave: repeats must be one int or one int per element ({n}) of dim {d}, "
                             f"got dtype {counts.dtype} and shape {tuple(counts.shape)}")
        if counts.shape[0] == 1:
            repeats = int(counts[0])
    if isinstance(repeats, Tensor) and repeats.ndim == 0:
        if repeats.dtype.kind not in "iu":
            raise TypeError(f"repeat_interleave: repeats must be integers, got dtype {repeats.dtype}")
        repeats = repeats.item()
    xp = x._xp()
    if is_integer(repeats):
        repeats = int(repeats)
        if repeats < 0:
            raise ValueError(f"repeat_interleave: repeats must be >= 0, got {repeats}")
        total = n * repeats
    else:
        counts = xp.asarray(counts)
        if counts.size and int(counts.min()) < 0:
            raise ValueError(f"repeat_interleave: repeats must be >= 0, got {counts.tolist()}")
        total = int(counts.sum())
    if output_size is not None and output_size != total:
        raise ValueError(f"repeat_interleave: output_size={output_size!r}, but the repeats give {total} entries "
                         f"along dim {d}")
    if is_integer(repeats):   # a broadcast along a new dim: its gradient is a sum, no scatter
        paired = x.shape[:d + 1] + (1,) + x.shape[d + 1:]
        spread = x.shape[:d + 1] + (repeats,) + x.shape[d + 1:]
        return reshape(broadcast_to(reshape(x, paired), spread), x.shape[:d] + (total,) + x.shape[d + 1:])
    return getitem(x, (slice(None),) * d + (_repeated_positions(xp, counts, total),))


def _repeated_positions(xp, counts, total):
    """``repeat(arange(len(counts)), counts)``: position i written counts[i] times, for ``total`` = sum(counts).

    Not xp.repeat on CuPy: before CuPy 14.1 its ``repeats`` cannot be a device array (ValueError), and a list makes
    it copy one element at a time. Output j belongs to the first position whose running count exceeds j."""
    if xp is np:
        return np.repeat(np.arange(counts.size), counts)
    return xp.searchsorted(xp.cumsum(counts), xp.arange(total), side="right")
