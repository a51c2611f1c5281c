"""Ops that move elements around without changing them: reshape, transpose, concat, stack, split.

PyTorch's spellings with PyTorch's meaning sit beside them: ``permute``, ``unsqueeze``, ``expand``
(the Tensor methods) and ``cat``.
"""
from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.function import EVERY_INPUT, Function
from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import NOT_GIVEN, Tensor
from minigrad.backend import get_array_module
from minigrad.ops import _plain
from minigrad.ops._args import check_dims, normalize_axis, one_dim
from minigrad.ops.out_argument import write_out
from minigrad.scalars import is_integer


class Reshape(Function):
    """y = x with a new shape.   dL/dx = g reshaped back to x's shape."""

    values_unread = (0,)   # backward reads x's shape only: x.unsqueeze_(0); x.squeeze_(0) keeps a gradient

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        return x.reshape(self.shape)

    def backward(self, F, gy, x):
        return F.reshape(gy, x.shape)


class Transpose(Function):
    """y = x with axes permuted.   dL/dx = g permuted back by the inverse permutation."""

    values_unread = (0,)   # backward reads no values of x (x.t_(); x.t_() keeps a gradient)

    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, F, gy, x):
        inverse = tuple(sorted(range(len(self.axes)), key=self.axes.__getitem__))
        return F.transpose(gy, inverse)


class Concat(Function):
    """y = inputs joined along ``axis``.   dL/dx_i = the slice of g where x_i sits.

    Shapes: x_i alike except along ``axis`` -> that shape with ``axis`` of length sum_i x_i.shape[axis].
    """

    values_unread = EVERY_INPUT

    def __init__(self, axis):
        self.axis = axis

    def forward(self, *xs):
        return get_array_module(xs[0]).concatenate(xs, axis=self.axis)

    def backward(self, F, gy, *xs):
        grads, start = [], 0
        lead = (slice(None),) * self.axis
        for x, need in zip(xs, self.needs_input_grad):
            stop = start + x.shape[self.axis]
            grads.append(gy[lead + (slice(start, stop),)] if need else None)
            start = stop
        return tuple(grads)


class Stack(Function):
    """y = inputs stacked along a new ``axis``.   dL/dx_i = g at index i of that axis.

    Shapes: k inputs of one shape s -> s with a new axis of length k inserted at ``axis``.
    """

    values_unread = EVERY_INPUT

    def __init__(self, axis):
        self.axis = axis

    def forward(self, *xs):
        return get_array_module(xs[0]).stack(xs, axis=self.axis)

    def backward(self, F, gy, *xs):
        lead = (slice(None),) * self.axis
        return tuple(gy[lead + (i,)] if need else None for i, need in enumerate(self.needs_input_grad))


class Split(Function):
    """outputs = x cut along ``axis``.   dL/dx = the output gradients joined again.

    Shapes: x -> pieces of x's shape with ``axis`` cut as ``numpy.split`` cuts it (n equal parts, or at indices).
    """

    values_unread = (0,)

    def __init__(self, sections, axis):
        self.sections, self.axis = sections, axis

    def forward(self, x):
        return tuple(get_array_module(x).split(x, self.sections, axis=self.axis))

    def backward(self, F, gys, x):
        if type(gys) is not tuple:  # one piece: a one-output node gets its gradient bare
            gys = (gys,)
        n = x.shape[self.axis]
        spans = _split_spans(self.sections, n)
        if spans[0][0] == 0 and spans[-1][1] == n and all(a[1] == b[0] for a, b in zip(spans, spans[1:])):
            return F.concat(gys, axis=self.axis)  # the pieces tile x in order: join them
        # Non-increasing indices (NumPy allows them): pieces may overlap or leave gaps. Each piece's
        # gradient goes back to its own span, padded with zeros, and overlaps add up.
        xp = get_array_module(x.data if F.recording else x)

        def zeros(width):
            shape = list(x.shape)
            shape[self.axis] = width
            return F.const(xp.zeros(tuple(shape), dtype=x.dtype))

        total = zeros(n)
        for (start, stop), g in zip(spans, gys):
            if stop > start:
                parts = ([zeros(start)] if start else []) + [g] + ([zeros(n - stop)] if stop < n else [])
                total = total + (F.concat(parts, axis=self.axis) if len(parts) > 1 else g)
        return total


def _split_spans(sections, n):
    """The (start, stop) of each piece ``numpy.split(x, sections)`` cuts from an axis of length n."""
    if isinstance(sections, int):
        step = n // sections
        return [(i * step, (i + 1) * step) for i in range(sections)]
    cuts = [0] + [int(c) for c in sections] + [n]
    spans = []
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        start, stop, _ = slice(lo, hi).indices(n)
        spans.append((start, max(stop, start)))
    return spans


def _ints(name, what, values):
    """Ints given as ``f(2, 3)`` or ``f((2, 3))``, refused with their values otherwise (2.5 is not truncated)."""
    if len(values) == 1 and isinstance(values[0], (tuple, list)):
        values = tuple(values[0])
    for v in values:  # a loop, not any(...): reshape is called often and a generator costs more
        if type(v) is not int and (isinstance(v, bool) or not isinstance(v, (int, np.integer))):
            raise TypeError(f"{name}: {what} must be ints, got {values!r}")
    return tuple(map(int, values))


def reshape(x, *shape):
    """``x`` with a new shape (one entry may be -1); accepts ``reshape(x, 2, 3)`` or ``reshape(x, (2, 3))``."""
    x = as_tensor(x)
    shape = _ints("reshape", "sizes", shape)
    if shape == x.shape:
        # valid as it stands, so the checks below are skipped; still a node, a view of its own as torch's:
        # r = h.reshape(h.shape); r += 1 while recording writes through to h, where returning h itself would
        # rebind r and leave h as it was (ops of minigrad's own that need no view use reshape_if_needed)
        return Reshape.apply(x, shape=shape)
    known = 1
    for s in shape:
        known *= s if s != -1 else 1
    if shape.count(-1) > 1 or (shape and min(shape) < -1):
        raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} into {shape}: at most one size "
                         "may be -1 (the one inferred), and the others must be >= 0")
    if (-1 not in shape and known != x.size) or (-1 in shape and (known == 0 or x.size % known)):
        raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) into {shape}")
    return Reshape.apply(x, shape=shape)


def transpose(x, *axes):
    """Permute the axes (reverse them when none are given), like ``numpy.transpose``; or, with two dims on a
    tensor that is not 2-D, exchange them, like ``torch.transpose(x, dim0, dim1)`` (NumPy's reading would need
    one axis per dim). On a 2-D tensor ``transpose(0, 1)`` reads two ways (NumPy: no change; PyTorch: swap)
    and is refused; ``transpose(1, 0)`` means the swap in both."""
    x = as_tensor(x)
    two_dims = len(axes) == 2 and not isinstance(axes[0], (tuple, list))   # f(0, 1), not f((0, 1))
    if two_dims and x.ndim != 2:
        return _swap("transpose", x, *_ints("transpose", "dims", axes))
    axes = _ints("transpose", "axes", axes) if axes else tuple(range(x.ndim - 1, -1, -1))
    if two_dims and axes[0] % 2 == 0 and axes[1] % 2 == 1:
        raise TypeError("transpose: x.transpose(0, 1) on a 2-D tensor reads two ways: NumPy's keeps the axes in "
                        "order (a permutation), PyTorch's swaps them; write x.T or x.swapaxes(0, 1) to swap")
    if sorted(a % x.ndim if x.ndim else a for a in axes) != list(range(x.ndim)):
        raise ValueError(f"transpose: axes {axes} are not a permutation for a tensor of shape {x.shape}")
    axes = tuple(a % x.ndim for a in axes)
    # even the identity permutation is a node and a view of its own, as reshape's to the same shape above
    return Transpose.apply(x, axes=axes)


def reshape_if_needed(x, shape):
    """``reshape(x, shape)``, or ``x`` itself when it has that shape already: for ops built from other ops, whose
    tensors are their own intermediates or fresh results. ``reshape`` to the same shape records a view node of its
    own (a user may write through it), which such an op would pay for on every call."""
    return x if tuple(shape) == x.shape else reshape(x, shape)


def transpose_if_needed(x, axes):
    """``transpose(x, axes)``, or ``x`` itself when ``axes`` keeps every axis in place (as ``reshape_if_needed``)."""
    return x if tuple(axes) == tuple(range(x.ndim)) else transpose(x, tuple(axes))


def _swap(name, x, a, b):
    """``x`` with dims ``a`` and ``b`` exchanged (checked to exist)."""
    check_dims(name, (a,), x.ndim, x.shape)   # one by one: the same dim twice is allowed (no change)
    check_dims(name, (b,), x.ndim, x.shape)
    if x.ndim == 0:
        return x
    perm = list(range(x.ndim))
    a, b = a % x.ndim, b % x.ndim
    perm[a], perm[b] = b, a
    return transpose(x, tuple(perm))


def torch_squeeze(name, x, dim):
    """``torch.squeeze(x, dim)``: drop the dims of size 1 (only those in ``dim`` when given; a named dim of another
    size stays, where NumPy's ``axis=`` refuses it)."""
    if dim is None:
        return reshape(x, tuple(n for n in x.shape if n != 1))
    dims = (dim,) if is_integer(dim) else tuple(dim)
    check_dims(name, dims, x.ndim, x.shape)
    drop = {int(d) % max(x.ndim, 1) for d in dims}
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if not (i in drop and n == 1)))


def squeeze(x, axis=None, *, dim=NOT_GIVEN):
    """Remove axes of length one (only ``axis`` when given; it must have length one).

    PyTorch's ``dim=`` (an int or a tuple) is torch's squeeze: a named dim of another length stays."""
    x = as_tensor(x)
    if dim is not NOT_GIVEN:
        if axis is not None:
            raise TypeError(f"squeeze: got both axis={axis!r} and dim={dim!r}; give one (axis= is NumPy's, which "
                            "refuses a named dim of length other than 1; dim= is PyTorch's, which keeps it)")
        return torch_squeeze("squeeze", x, dim)
    if axis is None:
        return reshape(x, tuple(n for n in x.shape if n != 1))
    if x.ndim == 0:   # torch's squeeze takes dim 0 or -1 of a 0-d tensor (NumPy's refuses): no other reading
        return torch_squeeze("squeeze", x, axis)
    axes = normalize_axis("squeeze", axis, x.ndim, x.shape)
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(f"squeeze: axis {a} has length {x.shape[a]}, not 1 (shape {x.shape}); "
                             f"squeeze(dim={axis}) is PyTorch's, which keeps a dim of another length")
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in axes))


def expand_dims(x, axis):
    """Insert an axis of length one at position ``axis``."""
    x = as_tensor(x)
    if isinstance(axis, (bool, np.bool_)):   # a mistake, not axis 1 (torch's unsqueeze refuses it too)
        raise TypeError(f"expand_dims: axis must be an int or a sequence of ints, got {axis!r}")
    axes = normalize_axis("expand_dims", axis, x.ndim + (1 if is_integer(axis) else len(axis)))
    shape = list(x.shape)
    for a in axes:
        shape.insert(a, 1)
    return reshape(x, tuple(shape))


def flatten(x, start_dim=0, end_dim=-1):
    """``x`` with dims ``start_dim`` to ``end_dim`` merged into one (all of them by default: a 1-D tensor), as
    ``torch.flatten``. A 0-d tensor becomes shape (1,)."""
    x = as_tensor(x)
    if start_dim == 0 and end_dim == -1:
        # nothing merged: torch returns the input itself (not a view), so r = h[0].flatten(); r += 1 rebinds r
        return x if x.ndim == 1 else reshape(x, (x.data.size,))
    check_dims("flatten", (start_dim,), x.ndim, x.shape)
    check_dims("flatten", (end_dim,), x.ndim, x.shape)
    first, last = start_dim % max(x.ndim, 1), end_dim % max(x.ndim, 1)
    if first > last:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} "
                         f"(tensor of shape {tuple(x.shape)})")
    if first == last and x.ndim:
        return x   # nothing merged: the input itself, as torch's
    shape = x.shape or (1,)
    # the merged size spelled out: NumPy refuses -1 beside another 0 (a batch of 0 flattened from dim 1)
    return reshape(x, shape[:first] + (math.prod(shape[first:last + 1]),) + shape[last + 1:])


def _sequence(name, tensors):
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{name}: expected a non-empty sequence of tensors")
    like = next((t for t in tensors if isinstance(t, Tensor)), None)
    tensors = [as_tensor(t, like=like) for t in tensors]
    dtypes = {t.data.dtype for t in tensors}
    if len(dtypes) == 1:
        return tensors
    # Promoted as torch (and NumPy) do: integer and bool tensors join a floating one in its dtype, integers of
    # different widths in one that holds both. Two floating dtypes are refused, as by every binary op.
    floats = sorted(str(d) for d in dtypes if d.kind in "fc")
    if len(floats) > 1:
        raise TypeError(f"{name}: tensors have different floating dtypes {floats}; minigrad does not promote "
                        "silently, cast them to one with .astype()")
    target = np.dtype(floats[0]) if floats else np.result_type(*dtypes)
    return [t if t.data.dtype == target else _plain.cast(t, target) for t in tensors]


def concat(tensors, axis=NOT_GIVEN, *, dim=NOT_GIVEN, out=None):
    """Join tensors along an existing axis (0 by default; ``dim``: torch.concat's name for it; ``out``: torch's,
    see ``write_out``)."""
    if axis is not NOT_GIVEN and dim is not NOT_GIVEN:
        raise TypeError(f"concat: give the axis once, as axis= (NumPy) or dim= (PyTorch), got axis={axis!r} and "
                        f"dim={dim!r}")
    axis = dim if dim is not NOT_GIVEN else (0 if axis is NOT_GIVEN else axis)
    tensors = _sequence("concat", tensors)
    return maybe_out("concat", _join("concat", tensors, axis), out, tensors)


def maybe_out(name, result, out, operands):
    """``result``, or (torch's ``out=``) its values written into ``out``, which is returned."""
    return result if out is None else write_out(name, result, out, tuple(operands))


def cat(tensors, dim=0, *, out=None):
    """PyTorch's name for ``concat``: join a list or tuple of tensors along the existing dim ``dim`` (an int).

    Shapes: x_i alike except along ``dim`` -> that shape with ``dim`` of length sum_i x_i.shape[dim].
    dL/dx_i = the slice of g where x_i sits.
    """
    if hasattr(tensors, "ndim"):  # torch.cat refuses one tensor, where concat (NumPy's) would join its rows
        raise TypeError(f"cat: expected a list or tuple of tensors, got one {type(tensors).__name__} of shape "
                        f"{tuple(tensors.shape)}; pass [x, y, ...] (list(x) joins the rows of x)")
    given = _sequence("cat", tensors)
    tensors = _skip_legacy_empty(given, dim)
    return maybe_out("cat", _join("cat", tensors, int(dim)), out, given)


def _skip_legacy_empty(tensors, dim):
    """torch.cat's legacy rule: a 1-D tensor of size 0 joins anything by being left out (the ``out =
    torch.tensor([])`` then ``out = torch.cat([out, x])`` idiom), its dtype still taking part in the result's:
    integers kept with a floating empty one come out in its dtype. Two floating dtypes keep the kept one's.

    One that requires grad is not left out but reshaped to an empty piece of the others' shape, so that it stays
    in the graph and gets torch's empty gradient of shape (0,), not None. ``dim`` is checked against the kept ones.
    """
    kept = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)]
    if not kept or len(kept) == len(tensors) or all(t.ndim == 1 for t in kept):
        check_dims("cat", (dim,), tensors[0].ndim, tensors[0].shape)
        return tensors   # nothing left out, or nothing it would change
    check_dims("cat", (dim,), kept[0].ndim, kept[0].shape)
    floats = [t.dtype for t in tensors if t.dtype.kind == "f"]
    if floats and not any(t.dtype.kind == "f" for t in kept):
        from minigrad.ops.convert import astype
        kept = [astype(t, floats[0]) for t in kept]
    if not any(t.requires_grad for t in tensors if t.ndim == 1 and t.shape[0] == 0):
        return kept
    piece = list(kept[0].shape)
    piece[int(dim) % len(piece)] = 0
    pieces, joined = iter(kept), []
    for t in tensors:
        if not (t.ndim == 1 and t.shape[0] == 0):
            joined.append(next(pieces))
        elif t.requires_grad:
            joined.append(reshape(t, tuple(piece)))
    return joined


def _join(name, tensors, axis):
    """``Concat`` of ``tensors`` (a list that ``_sequence`` made) along ``axis``, checked to fit."""
    (axis,) = normalize_axis(name, axis, tensors[0].ndim, tensors[0].shape)
    ref = tensors[0].shape
    for t in tensors[1:]:
        if t.ndim != len(ref) or any(a != b for i, (a, b) in enumerate(zip(t.shape, ref)) if i != axis):
            raise ValueError(f"{name}: shapes {[t.shape for t in tensors]} differ outside axis {axis}")
    return Concat.apply(*tensors, axis=axis)


def stack(tensors, axis=None, *, dim=None, out=None):
    """Join tensors of one shape along a new axis (0 by default; ``dim``: PyTorch's name for it)."""
    if dim is not None and axis is not None:
        raise TypeError(f"stack: give the new axis once, as axis= (NumPy) or dim= (PyTorch), got axis={axis} "
                        f"and dim={dim}")
    axis = dim if dim is not None else (0 if axis is None else axis)
    tensors = _sequence("stack", tensors)
    if len({t.shape for t in tensors}) > 1:
        raise ValueError(f"stack: all tensors must have one shape, got {[t.shape for t in tensors]}")
    (axis,) = normalize_axis("stack", axis, tensors[0].ndim + 1)
    return maybe_out("stack", Stack.apply(*tensors, axis=axis), out, tensors)


def split(x, *args, axis=None, dim=None, indices_or_sections=None, split_size_or_sections=None):
    """NumPy's ``split(x, indices_or_sections, axis=...)`` or PyTorch's ``split(x, split_size_or_sections, dim=...)``.

    The two read ``split(x, 2)`` differently (NumPy: 2 equal pieces; PyTorch: pieces of size 2) and a list too
    (NumPy: cut indices; PyTorch: piece sizes), so the call says which (docs/autodiff.md, section 15): ``axis=``
    or ``indices_or_sections=`` is NumPy's, ``dim=`` or ``split_size_or_sections=`` PyTorch's; neither is a
    TypeError naming both. The axis may be given by position once the keyword has chosen.
    Shapes: x -> a tuple of pieces of x's shape with ``axis`` cut.   dL/dx = the pieces' gradients joined
    (0 for a piece that gets none).
    """
    x = as_tensor(x)
    if len(args) > 2:
        raise TypeError(f"split: takes (x, sections, axis) but got {len(args) + 1} positional arguments")
    numpy_kw = [k for k, v in (("axis", axis), ("indices_or_sections", indices_or_sections)) if v is not None]
    torch_kw = [k for k, v in (("dim", dim), ("split_size_or_sections", split_size_or_sections)) if v is not None]
    if numpy_kw and torch_kw:
        raise TypeError(f"split: got NumPy's {numpy_kw[0]}= and PyTorch's {torch_kw[0]}=; give one spelling "
                        "(NumPy's split cuts into equal parts or at indices, PyTorch's into pieces of given sizes)")
    named_sections = indices_or_sections if indices_or_sections is not None else split_size_or_sections
    named_axis = axis if axis is not None else dim
    if args and named_sections is not None:
        raise TypeError("split: sections given twice, by position and by keyword")
    if len(args) == 2 and named_axis is not None:
        raise TypeError(f"split: the axis given twice, by position ({args[1]!r}) and by keyword")
    if not args and named_sections is None:
        raise TypeError("split: missing the sections (NumPy's indices_or_sections or PyTorch's split_size_or_sections)")
    sections = args[0] if args else named_sections
    where = named_axis if named_axis is not None else args[1] if len(args) == 2 else 0
    if numpy_kw:
        return _numpy_split(x, sections, where)
    if torch_kw:
        return torch_split(x, sections, where)
    if isinstance(sections, (int, np.integer)):
        readings = (f"NumPy's split(x, {sections}) cuts {sections} equal pieces, PyTorch's cuts pieces of size "
                    f"{sections}")
    else:
        readings = (f"NumPy's split(x, {list(sections)}) cuts at indices {list(sections)}, PyTorch's cuts pieces of "
                    f"sizes {list(sections)}")
    raise TypeError(f"split: {readings}; write axis= for NumPy's or dim= for PyTorch's "
                    "(x.split(...), a method NumPy arrays lack, is PyTorch's)")


def _numpy_split(x, indices_or_sections, axis):
    """``numpy.split``: equal sections or cuts at indices (which may decrease; pieces may then overlap)."""
    (axis,) = normalize_axis("split", axis, x.ndim, x.shape)
    if isinstance(indices_or_sections, (int, np.integer)):
        indices_or_sections = int(indices_or_sections)
        if indices_or_sections <= 0 or x.shape[axis] % indices_or_sections:
            raise ValueError(
                f"split: axis {axis} of length {x.shape[axis]} cannot be cut into {indices_or_sections} equal parts"
            )
    else:
        indices_or_sections = [int(i) for i in indices_or_sections]
    return Split.apply(x, sections=indices_or_sections, axis=axis)


def torch_split(x, split_size_or_sections, dim=0, name="split"):
    """``torch.split``: pieces of ``split_size`` along ``dim`` (the last one shorter when it does not divide),
    or of the given sizes, which must add up to the dim's length. A tuple of tensors, views where NumPy can."""
    x = as_tensor(x)
    if x.ndim == 0:
        raise ValueError(f"{name}: expects a tensor with at least one dim, got a 0-d tensor")
    d = one_dim(name, x, dim, None)
    n = x.shape[d]
    s = split_size_or_sections
    if isinstance(s, (int, np.integer)) and not isinstance(s, bool):
        s = int(s)
        if s < 0 or (s == 0 and n > 0):
            raise ValueError(f"{name}: split_size must be positive (0 only for an empty dim), got {s} for dim {d} "
                             f"of length {n} (shape {tuple(x.shape)})")
        count = max(-(-n // s), 1) if s else 1
        sizes = [s] * (count - 1) + [n - s * (count - 1)]
    elif isinstance(s, (list, tuple)):
        sizes = list(_ints(name, "section sizes", (tuple(s),)))
        if any(v < 0 for v in sizes) or sum(sizes) != n:
            raise ValueError(f"{name}: section sizes {sizes} must be >= 0 and add up to the length {n} of dim {d} "
                             f"(shape {tuple(x.shape)}), they add up to {sum(sizes)}")
    else:
        raise TypeError(f"{name}: split_size_or_sections must be an int or a list of ints, got {s!r}")
    if not sizes:   # no sizes (an empty dim): no pieces, as torch's
        return ()
    return _cut(x, sizes, d)


def _cut(x, sizes, axis):
    cuts, start = [], 0
    for v in sizes[:-1]:
        start += v
        cuts.append(start)
    out = Split.apply(x, sections=cuts, axis=axis)
    return out if isinstance(out, tuple) else (out,)


def chunk(x, chunks, dim=0):
    """``torch.chunk``: ``x`` cut along ``dim`` into at most ``chunks`` pieces of ceil(n / chunks) (the last shorter;
    fewer pieces when they would be empty, and ``chunks`` empty ones for an empty dim). A tuple of tensors.

    dL/dx = the pieces' gradients joined (0 for a piece that gets none).
    """
    x = as_tensor(x)
    if not is_integer(chunks) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r} (tensor of shape {tuple(x.shape)})")
    if x.ndim == 0:
        raise ValueError("chunk: expects a tensor with at least one dim, got a 0-d tensor")
    d = one_dim("chunk", x, dim, None)
    n = x.shape[d]
    if n == 0:
        return _cut(x, [0] * int(chunks), d)
    return torch_split(x, -(-n // int(chunks)), d, name="chunk")


# ------------------------------------------------------------------ PyTorch's spellings (Tensor methods)
def permute(x, *dims):
    """``x`` with its dims reordered: dim i of the result is dim ``dims[i]`` of ``x`` (``torch.permute``).

    ``dims`` is a permutation of 0..ndim-1, each possibly negative, as ints or one tuple.
    Shapes: x -> (x.shape[dims[0]], ..., x.shape[dims[-1]]).   dL/dx = g permuted back.
    """
    x = as_tensor(x)
    dims = _ints("permute", "dims", dims)
    n = x.ndim
    if len(dims) != n or any(not -n <= d < n for d in dims) or len({d % n for d in dims}) != n:
        raise ValueError(f"permute: dims {dims} are not a permutation of the {n} dims of a tensor of shape "
                         f"{tuple(x.shape)} (each of 0..{n - 1} once, or its negative)")
    return transpose(x, tuple(d % n for d in dims)) if n else x


def unsqueeze(x, dim):
    """``x`` with a new dim of length one at ``dim``, in PyTorch's range [-ndim-1, ndim] (-1 appends).

    Shapes: x -> x.shape with a 1 inserted at ``dim``.   dL/dx = g reshaped back to x's shape.
    """
    x = as_tensor(x)
    check_dims("unsqueeze", (dim,), x.ndim, x.shape, extra=1)
    return expand_dims(x, int(dim))


class Expand(Function):
    """y = x repeated along its dims of size one (and new leading dims), as a view of x's memory.

    Shapes: x (s) -> ``shape`` (s broadcast to it).   dL/dx = sum_to(g, s), g summed back over the repeated dims.
    A view, not ``broadcast_to``'s filled copy, because torch's expand is one: a later in-place write into x
    shows through it. Its array is read-only (its entries share memory), as torch refuses most writes into it;
    one that repeats nothing is a writable view.
    """

    values_unread = (0,)

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        size = int(np.prod(self.shape))
        if x.size == size:   # nothing repeated (new dims of size 1): a writable view, as torch's
            return x.reshape(self.shape)
        if size == 0:   # no entries, so none repeated: a writable empty array, as torch takes writes into it
            return x.reshape(-1)[:0].reshape(self.shape)
        return get_array_module(x).broadcast_to(x, self.shape)

    def backward(self, F, gy, x):
        return F.sum_to(gy, x.shape)


def expand(x, *sizes):
    """``x`` broadcast to ``sizes`` as ``torch.Tensor.expand`` does: -1 keeps a dim's size, dims of
    length one grow to any size, and new dims may be added in front.

    Shapes: x -> sizes (with -1 replaced).   dL/dx = g summed back to x's shape.
    """
    x = as_tensor(x)
    sizes = _ints("expand", "sizes", sizes)
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise ValueError(f"expand: {len(sizes)} sizes {sizes} for a tensor of shape {tuple(x.shape)}; "
                         f"give at least its {x.ndim} dims")
    shape = []
    for i, size in enumerate(sizes):
        own = x.shape[i - lead] if i >= lead else None
        if size == -1 and own is not None:
            size = own
        if size < 0 or (own is not None and own != 1 and size != own):
            where = "a new leading dim" if own is None else f"a dim of size {own}"
            raise ValueError(f"expand: size {sizes[i]} at dim {i} ({where}) is not allowed: -1 keeps an existing "
                             f"size and only dims of size 1 expand (sizes {sizes}, tensor shape {tuple(x.shape)})")
        shape.append(size)
    return Expand.apply(x, shape=tuple(shape))


def t(x):
    """``torch.t``: a 2-D tensor transposed; a 0-d or 1-D tensor as it is.   dL/dx = g transposed back."""
    x = as_tensor(x)
    if x.ndim > 2:
        raise ValueError(f"t: expects a tensor with at most 2 dims, got shape {tuple(x.shape)} "
                         "(permute or transpose reorder more)")
    return transpose(x) if x.ndim == 2 else x
