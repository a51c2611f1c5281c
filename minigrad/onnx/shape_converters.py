"""ONNX mappings of PyTorch's shape ops: Flip and Roll (Slice and Concat), Diagonal and UnfoldWindows (a Gather of
constant indices), DiagEmbed (a Gather from the values with a zero padded on)."""
from __future__ import annotations

import numpy as np

from minigrad.onnx.converters import FIXED_SIZES, INT64_MIN, converts
from minigrad.onnx.graph import ExportError


def _fixed(call, axes, what):
    """Refuse when one of ``axes`` of the input follows the batch size (the mapping writes its length in)."""
    dynamic = [a for a in axes if a in call.dynamic_inputs[0]]
    if dynamic:
        raise ExportError(f"onnx.export: {call.op} in {call.where} {what} along axis {dynamic[0]}, which follows the "
                          f"batch size; {FIXED_SIZES}")


@converts("Flip")
def _flip(g, call, x):
    dims = list(call.params["dims"])
    if not dims:
        return g.node("Identity", x)
    return g.node("Slice", [x[0], g.ints([-1] * len(dims), "starts"), g.ints([INT64_MIN] * len(dims), "ends"),
                            g.ints(dims, "axes"), g.ints([-1] * len(dims), "steps")])


@converts("Roll")
def _roll(g, call, x):
    shape = call.inputs[0].shape
    shifts, dims = call.params["shifts"], call.params["dims"]
    y = x[0]
    if dims is None:   # the flattened tensor rolled, its shape restored
        _fixed(call, range(len(shape)), "rolls the flattened tensor")
        y = g.node("Reshape", [y, g.ints([-1], "shape")])
        dims, shape = (0,), (int(np.prod(shape)),)
        shifts = (sum(shifts) if isinstance(shifts, tuple) else shifts,)
    else:
        shifts = shifts if isinstance(shifts, tuple) else (shifts,) * len(dims)
        shifts = shifts * len(dims) if len(shifts) == 1 else shifts
        dims = dims * len(shifts) if len(dims) == 1 else dims
    _fixed(call, [] if call.params["dims"] is None else dims, "rolls")
    for s, d in zip(shifts, dims):
        n = shape[d]
        s = s % n if n else 0
        if s:
            tail = g.node("Slice", [y, g.ints([n - s], "starts"), g.ints([n], "ends"), g.ints([d], "axes")])
            head = g.node("Slice", [y, g.ints([0], "starts"), g.ints([n - s], "ends"), g.ints([d], "axes")])
            y = g.node("Concat", [tail, head], axis=int(d))
    if call.params["dims"] is None:
        y = g.node("Reshape", [y, g.ints(call.inputs[0].shape, "shape")])
    return y if y is not x[0] else g.node("Identity", x)


def _diagonal_positions(n1, n2, offset):
    """The flat positions i * n2 + j of the diagonal ``offset`` of an (n1, n2) matrix."""
    rows = np.arange(max(-offset, 0), n1)
    rows = rows[rows + offset < n2]
    return rows * n2 + rows + offset


@converts("Diagonal")
def _diagonal(g, call, x):
    offset, d1, d2 = call.params["offset"], call.params["dim1"], call.params["dim2"]
    _fixed(call, (d1, d2), "takes a diagonal")
    shape = call.inputs[0].shape
    others = [i for i in range(len(shape)) if i not in (d1, d2)]
    y = g.node("Transpose", x, perm=others + [d1, d2])
    y = g.node("Reshape", [y, g.ints([0] * len(others) + [shape[d1] * shape[d2]], "shape")])
    index = _diagonal_positions(shape[d1], shape[d2], offset).astype(np.int64)
    return g.node("Gather", [y, g.constant(index, "indices")], axis=len(others))


@converts("DiagEmbed")
def _diag_embed(g, call, x):
    offset, d1, d2, shape = (call.params[k] for k in ("offset", "dim1", "dim2", "shape"))
    n = call.inputs[0].shape[-1]
    _fixed(call, (len(call.inputs[0].shape) - 1,), "writes a diagonal")
    m1, m2 = shape[d1], shape[d2]
    # Each of the m1 * m2 entries takes value k of the diagonal, or the appended zero (index n).
    pick = np.full(m1 * m2, n, dtype=np.int64)
    pick[_diagonal_positions(m1, m2, offset)] = np.arange(n)
    rank = len(call.inputs[0].shape)
    padded = g.node("Pad", [x[0], g.ints([0] * (2 * rank - 1) + [1], "pads")])   # a zero appended to the last dim
    flat = g.node("Gather", [padded, g.constant(pick, "indices")], axis=-1)
    lead = len(shape) - 2
    y = g.node("Reshape", [flat, g.ints([0] * lead + [m1, m2], "shape")])
    perm = [None] * len(shape)
    others = [i for i in range(len(shape)) if i not in (d1, d2)]
    for src, dst in enumerate(others + [d1, d2]):
        perm[dst] = src
    return g.node("Transpose", [y], perm=perm)


@converts("UnfoldWindows")
def _unfold(g, call, x):
    dim, size, step = call.params["dim"], call.params["size"], call.params["step"]
    _fixed(call, (dim,), "cuts windows")
    ndim = len(call.inputs[0].shape)
    count = (call.inputs[0].shape[dim] - size) // step + 1
    index = (np.arange(count)[:, None] * step + np.arange(size)[None, :]).astype(np.int64)
    y = g.node("Gather", [x[0], g.constant(index, "indices")], axis=int(dim))   # (..., count, size, ...)
    perm = list(range(dim + 1)) + list(range(dim + 2, ndim + 1)) + [dim + 1]
    return g.node("Transpose", [y], perm=perm)
