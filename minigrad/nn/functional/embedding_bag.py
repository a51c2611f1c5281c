"""``embedding_bag``: the sum, mean or max of the embedding rows of each bag of indices, as PyTorch's.

Bags are the rows of a 2-D ``input``, or the runs ``input[offsets[i]:offsets[i + 1]]`` of a 1-D one (the last
runs to the end; with ``include_last_offset`` the last offset only closes the list, as PyTorch's CPU kernel reads
it). Positions holding ``padding_idx`` are left out of their bag (not counted by 'mean'); an empty bag gives zeros.

* 'sum' and 'mean': the kept indices' rows (``embedding``), times ``per_sample_weights`` ('sum' only), added into
  their bag by ``RowSum`` (one sort, then ``np.add.reduceat``; a scatter-add on CuPy), divided by the bag's size
  for 'mean'. dL/dweight adds each bag's gradient (over its size) into the rows it read; dL/dper_sample_weights is
  the row times the bag's gradient. Every step is an op, so second derivatives exist. ``scale_grad_by_freq``
  divides what each position sends to its row by how often that index occurs in ``input`` (``embedding``'s).
* 'max': per bag and feature, the first of the largest values; the positions are found on the raw arrays (one
  segment max, one segment min of the matching positions, no Python loop over bags) and the values gathered from
  ``weight`` by indexing, so dL/dweight sends each bag's gradient to the entry it took, as PyTorch.

``max_norm`` first rescales, in place and without gradient, every row that ``input`` looks up (padding ones too) whose
``norm_type``-norm exceeds it, as torch's (``embedding_renorm_``). ``sparse`` gradients are refused, and so is
``scale_grad_by_freq`` with 'max' (torch's error).

PyTorch 2.13's CPU kernel divides by the wrong count when an index that occurs once sorts after a repeated one
(pytorch/pytorch#190063, fixed after 2.13); this divides by each index's own count, as its CUDA kernel and
``embedding`` do.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import Tensor
from minigrad.backend import bincount, get_array_module, to_device
from minigrad.ops._args import check_flag
from minigrad.ops.embedding import RowSum, _Plan, embedding
from minigrad.ops.embedding_renorm import check_max_norm, embedding_renorm_
from minigrad.ops.scatter_reduce import segment_reduce
from minigrad.ops.selection import where
from minigrad.scalars import is_integer

MODES = ("sum", "mean", "max")


def _integers(name, value, what):
    raw = value.data if isinstance(value, Tensor) else value
    raw = np.asarray(raw) if not hasattr(raw, "dtype") else raw
    if raw.dtype.kind not in "iu":
        raise TypeError(f"embedding_bag: {what} must be integers, got dtype {raw.dtype} (shape {tuple(raw.shape)})")
    return raw


def check_padding_idx(name, padding_idx, num_embeddings):
    """``padding_idx`` in [-V, V) as a row number (None stays None)."""
    if padding_idx is None:
        return None
    if not is_integer(padding_idx) or not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(f"{name}: padding_idx must be within the number of embeddings, -{num_embeddings} through "
                         f"{num_embeddings - 1}, but got {padding_idx!r}")
    return int(padding_idx) % num_embeddings


def _check_rows(index, num_embeddings, shape):
    """Every index in [0, V): 'max' gathers with the index itself, where a negative one would read from the end."""
    if index.size:
        lo, hi = int(index.min()), int(index.max())
        if lo < 0 or hi >= num_embeddings:
            raise IndexError(f"embedding_bag: index {lo if lo < 0 else hi} is out of range for {num_embeddings} "
                             f"embeddings (indices of shape {shape})")


def _bags(input, offsets, include_last_offset):
    """(flat indices, each one's bag number, the number of bags) from input and offsets."""
    index = _integers("embedding_bag", input, "input indices")
    if index.ndim == 2:
        if offsets is not None:
            raise ValueError("embedding_bag: if input is 2D, then offsets has to be None, as input is treated as a "
                             f"mini-batch of fixed length sequences; got offsets of type {type(offsets).__name__}")
        bags, length = index.shape
        xp = get_array_module(index)
        return index.reshape(-1), xp.repeat(xp.arange(bags), length), bags
    if index.ndim != 1:
        raise ValueError(f"embedding_bag: input has to be a 1-D or 2-D Tensor, got shape {tuple(index.shape)}")
    if offsets is None:
        raise ValueError("embedding_bag: offsets has to be a 1-D Tensor but got None")
    starts = _integers("embedding_bag", offsets, "offsets")
    if starts.ndim != 1:
        raise ValueError(f"embedding_bag: offsets has to be a 1-D Tensor, got shape {tuple(starts.shape)}")
    xp = get_array_module(index)
    starts = xp.asarray(starts)
    if include_last_offset:
        if starts.size == 0:
            raise ValueError("embedding_bag: include_last_offset=True needs at least one offset")
        starts = starts[:-1]
    n = index.shape[0]
    if starts.size:
        first, last = int(starts[0]), int(starts.max())
        if first != 0:
            raise ValueError(f"embedding_bag: offsets[0] has to be 0, i.e., the first sequence in the mini-batch has "
                             f"to start from position 0. However, got {first}")
        if last > n:
            raise ValueError(f"embedding_bag: offsets[-1] can not be greater than input's length {n} but got "
                             f"offsets[-1] of {last}")
        if bool((starts[1:] < starts[:-1]).any()):   # PyTorch reads past the bag then; refused here
            raise ValueError(f"embedding_bag: offsets must be non-decreasing, got {starts.tolist()}")
    elif n:
        raise ValueError(f"embedding_bag: no bags (empty offsets) for {n} indices")
    bag = xp.searchsorted(starts, xp.arange(n), side="right") - 1
    return index, bag, int(starts.size)


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """The ``mode`` ('sum', 'mean' or 'max') of ``weight``'s rows over each bag of ``input`` (see the module
    docstring): (bags, embedding_dim), in weight's dtype. ``per_sample_weights`` (input's shape, 'sum' only) scale
    each row first."""
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        shape = tuple(weight.shape) if hasattr(weight, "shape") else type(weight).__name__
        raise ValueError(f"embedding_bag: weight has to be a 2-D Tensor, got {shape}")
    if mode not in MODES:
        raise ValueError(f"embedding_bag: mode has to be one of sum, mean or max, got {mode!r}")
    scale_grad_by_freq = check_flag("embedding_bag", "scale_grad_by_freq", scale_grad_by_freq)
    if sparse:
        raise ValueError("embedding_bag: sparse gradients are not supported (neither are they by Embedding), got "
                         f"sparse={sparse!r}")
    if scale_grad_by_freq and mode == "max":
        raise ValueError("embedding_bag: max mode does not support scaling the gradient by the frequency "
                         "(scale_grad_by_freq=True)")
    max_norm, norm_type = check_max_norm("embedding_bag", max_norm, norm_type)
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError("embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                      f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
                                      "on the PyTorch GitHub.")
        per_sample_weights = as_tensor(per_sample_weights, like=weight)
        shape = tuple(_integers("embedding_bag", input, "input indices").shape)
        if tuple(per_sample_weights.shape) != shape:
            raise ValueError(f"embedding_bag: If per_sample_weights ({tuple(per_sample_weights.shape)}) is not None, "
                             f"then it must have the same shape as the input ({shape})")
        if per_sample_weights.dtype != weight.dtype:
            raise TypeError(f"embedding_bag: per_sample_weights has dtype {per_sample_weights.dtype} and weight "
                            f"{weight.dtype}; they must match")
    padding_idx = check_padding_idx("embedding_bag", padding_idx, weight.shape[0])
    index, bag, bags = _bags(input, offsets, include_last_offset)
    _check_rows(index, weight.shape[0], tuple(_integers("embedding_bag", input, "input indices").shape))
    xp = get_array_module(weight.data)
    index, bag = to_device(index, weight.device), to_device(bag, weight.device)
    if max_norm is not None:
        embedding_renorm_(weight, index, max_norm, norm_type, name="embedding_bag")
    keep = None if padding_idx is None else index != padding_idx
    if keep is not None:
        index, bag = index[keep], bag[keep]
    if mode == "max":
        return _bag_max(weight, index, bag, bags)
    rows = embedding(index, weight, scale_grad_by_freq=scale_grad_by_freq)   # padding dropped: its count is moot
    if per_sample_weights is not None:
        w = per_sample_weights.reshape(-1)
        rows = rows * (w if keep is None else w[keep]).reshape(-1, 1)
    # no bags means no indices: the (0, D) rows themselves, kept on the graph so weight gets its zero gradient
    total = RowSum.apply(rows, plan=_Plan(bag), num_rows=bags) if bags else rows
    if mode == "sum":
        return total
    count = xp.maximum(bincount(xp, bag, minlength=bags), 1).astype(weight.dtype)   # no indices at all too
    return total / as_tensor(count.reshape(-1, 1))


def _bag_max(weight, index, bag, bags):
    """Per bag and feature, the first of the largest ``weight[index, d]``: gathered from weight by indexing."""
    xp = get_array_module(weight.data)
    n, dim = index.shape[0], weight.shape[1]
    if bags == 0:   # then no indices either: (0, D) rows of weight, on the graph as torch's
        return embedding(index, weight)
    values = weight.data[index]                                   # (n, D)
    cell = (bag.reshape(-1, 1) * dim + xp.arange(dim)).reshape(-1)   # (bag, d) as one segment number
    top = segment_reduce(values.reshape(-1), cell, bags * dim, "amax")
    hit = values.reshape(-1) == top[cell]
    pos = xp.where(hit, xp.repeat(xp.arange(n), dim), n)
    first = segment_reduce(pos, cell, bags * dim, "amin").reshape(bags, dim)
    filled = first < n                                            # False for an empty bag
    rows = index[xp.where(filled, first, 0)] if n else xp.zeros((bags, dim), dtype=index.dtype)
    taken = weight[rows, xp.broadcast_to(xp.arange(dim), (bags, dim))]
    return where(as_tensor(filled), taken, as_tensor(xp.zeros((), dtype=weight.dtype)))
