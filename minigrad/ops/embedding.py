"""Row lookup ``weight[index]`` (an embedding) and its adjoint, the row sum by index.

The gradient of a lookup adds the output rows back into the rows they came
from, and an index may repeat. ``numpy.add.at`` does that one element at a time;
here the positions are sorted by index once (at the first backward) and the rows
of each run of equal indices are summed with one ``add.reduceat``: a handful of
vectorised calls whatever the batch holds. CuPy's scatter-add is atomic on the
device and already fast, so it serves there.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.tensor import Tensor
from minigrad.backend import bincount, get_array_module, scatter_add, to_device
from minigrad.autograd.function import Function
from minigrad.ops._args import check_flag
from minigrad.ops.embedding_renorm import check_max_norm, embedding_renorm_
from minigrad.scalars import is_integer


class _Plan:
    """The sort of an index array by value, shared by every backward that scatters by it."""

    def __init__(self, index):
        self.index = index
        self._sorted = None
        self._counts = None

    def inverse_counts(self, dtype):
        """1 / (how often each position's index occurs in the whole index array), shaped index.shape + (1,) to
        scale the rows of a gradient, in ``dtype``: ``scale_grad_by_freq``'s factor, counted once per plan."""
        if self._counts is None:
            flat = self.index.reshape(-1)
            self._counts = bincount(get_array_module(flat), flat)[flat].reshape(self.index.shape + (1,))
        return (1.0 / self._counts).astype(dtype)

    def runs(self):
        if self._sorted is None:
            flat = self.index.reshape(-1)
            order = np.argsort(flat, kind="stable")
            values = flat[order]
            starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]]) if values.size else values[:0]
            self._sorted = order, values[starts], starts
        return self._sorted


class Embedding(Function):
    """y = weight[index] (rows of ``weight`` (V, D), an output of shape index.shape + (D,)).

    dL/dweight = RowSum(gy): each row of gy added into row ``index`` of a (V, D) zero
    array; positions holding ``padding_idx`` send nothing. With ``scale_grad_by_freq`` each row of gy is first
    divided by the number of times its index occurs in ``index`` (PyTorch's option: not the derivative, by design),
    as a product with a constant, so the gradient's own derivative (create_graph) is that scaled map's.
    """

    #: backward reads the weight's row count only, so a later max_norm renorm of the table (the same layer
    #: called again in one graph) leaves this node's gradient right
    values_unread = (0,)

    def __init__(self, plan, padding_idx=None, scale_grad_by_freq=False):
        self.plan, self.padding_idx, self.scale_grad_by_freq = plan, padding_idx, scale_grad_by_freq

    def forward(self, weight):
        return get_array_module(weight).take(weight, self.plan.index, axis=0)

    def backward(self, F, gy, weight):
        if self.padding_idx is not None:
            keep = (self.plan.index != self.padding_idx)[..., None]
            gy = F.select(F.const(keep), gy)
        if self.scale_grad_by_freq:
            gy = gy * F.const(self.plan.inverse_counts(gy.dtype))
        return F.apply(RowSum, gy, plan=self.plan, num_rows=weight.shape[0])


class RowSum(Function):
    """y (num_rows, D) = sum of the rows of g (index.shape + (D,)) into row ``index``; the adjoint of Embedding.

    Linear, so its derivative is the lookup: dL/dg = Embedding(ggy).
    """

    def __init__(self, plan, num_rows):
        self.plan, self.num_rows = plan, num_rows

    def forward(self, g):
        xp = get_array_module(g)
        D = g.shape[-1]
        out = xp.zeros((self.num_rows, D), dtype=g.dtype)
        rows = g.reshape(-1, D)
        if xp is np:
            order, targets, starts = self.plan.runs()
            if targets.size:
                out[targets] = np.add.reduceat(rows[order], starts, axis=0)
        else:
            scatter_add(out, self.plan.index.reshape(-1), rows)
        return out

    def backward(self, F, gy, g):
        return F.apply(Embedding, gy, plan=self.plan)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,  # noqa: A002
              sparse=False):
    """Rows ``weight[input]`` for an integer array/Tensor ``input`` of any shape; see :class:`Embedding`.

    ``padding_idx`` in [-V, V) (a negative one counts from the end, as PyTorch's) gets no gradient. With
    ``max_norm`` the rows looked up whose ``norm_type``-norm exceeds it are first rescaled in place, without
    gradient (:func:`embedding_renorm_`, torch's), so ``weight`` itself changes. With ``scale_grad_by_freq`` the
    gradient each position sends to its row is divided by how often that index occurs in ``input`` (all of it,
    padding positions counted, as torch's). ``sparse`` gradients are refused, as by ``nn.Embedding``."""
    scale_grad_by_freq = check_flag("embedding", "scale_grad_by_freq", scale_grad_by_freq)
    if sparse:
        raise ValueError(f"embedding: sparse gradients are not supported (as by nn.Embedding), got sparse={sparse!r}")
    max_norm, norm_type = check_max_norm("embedding", max_norm, norm_type)
    raw = input.data if isinstance(input, Tensor) else input
    raw = np.asarray(raw) if not hasattr(raw, "dtype") else raw
    if raw.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got dtype {raw.dtype} (shape {tuple(raw.shape)})")
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        shape = tuple(weight.shape) if hasattr(weight, "shape") else type(weight).__name__
        raise ValueError(f"embedding: weight must be a 2-D Tensor (num_embeddings, embedding_dim), got {shape}")
    V = weight.shape[0]
    if padding_idx is not None:
        if not is_integer(padding_idx) or not -V <= padding_idx < V:
            raise ValueError(f"embedding: padding_idx must be an integer in [-{V}, {V}), got {padding_idx!r}")
        padding_idx = int(padding_idx) % V   # torch counts a negative one from the end, as Embedding does
    if raw.size:   # one read back from a GPU, not two (CuPy's take would wrap an index out of range silently)
        lo, hi = get_array_module(raw).stack((raw.min(), raw.max())).tolist()
        if lo < 0 or hi >= V:
            raise IndexError(f"embedding: index {lo if lo < 0 else hi} is out of range for {V} embeddings "
                             f"(indices of shape {tuple(raw.shape)})")
    if get_array_module(weight.data) is not np:
        raw = to_device(raw, weight.device)
    elif not isinstance(raw, np.ndarray):
        raise TypeError("embedding: indices and weight must be on one device")
    if max_norm is not None:
        embedding_renorm_(weight, raw, max_norm, norm_type)
    return Embedding.apply(weight, plan=_Plan(raw), padding_idx=padding_idx,
                           scale_grad_by_freq=bool(scale_grad_by_freq))
