"""Stacking per-sample results into batch fields: the DataLoader's path for PyTorch-style datasets.

A PyTorch-style dataset's ``ds[i]`` takes one int and returns one sample: a tuple (or list) of
numbers, arrays or Tensors, or a single value (one field). ``stack_samples`` turns a batch of such
samples into one array per field, as ``torch.utils.data.default_collate`` turns them into tensors:
arrays are stacked along a new first axis, Tensors contribute their ``.data``, Python ints (alone or
in lists) become int64, bools bool and floats the default float dtype (minigrad's rule for Python
floats).
"""
from __future__ import annotations

import numpy as np

from minigrad import backend

__all__ = ["stack_samples"]


def stack_samples(samples, indices) -> tuple:
    """One array per field, stacked over ``samples`` (got from dataset ``indices``, for the errors)."""
    import minigrad  # at call time: minigrad's package init may import this module

    rows = [_fields(sample, indices[k]) for k, sample in enumerate(samples)]
    width = len(rows[0])
    for k, row in enumerate(rows):
        if len(row) != width:
            raise ValueError(f"DataLoader: sample {indices[k]} has {len(row)} fields but sample {indices[0]} "
                             f"has {width}; every sample must have the same fields")
    out = []
    for j in range(width):
        values = [row[j].data if isinstance(row[j], minigrad.Tensor) else row[j] for row in rows]
        out.append(_stack_field(values, j, indices))
    return tuple(out)


def _fields(sample, index) -> tuple:
    if isinstance(sample, dict):
        raise TypeError(f"DataLoader: dataset[{index}] returned a dict; minigrad's DataLoader batches tuples of "
                        "numbers, arrays or Tensors: return (x, y) from __getitem__")
    return tuple(sample) if isinstance(sample, (tuple, list)) else (sample,)


def _stack_field(values, j, indices):
    arrays = [v if hasattr(v, "shape") and hasattr(v, "dtype") else np.asarray(v) for v in values]
    shape = tuple(arrays[0].shape)
    for k, a in enumerate(arrays):
        if tuple(a.shape) != shape:
            raise ValueError(f"DataLoader: field {j} of sample {indices[k]} has shape {tuple(a.shape)} but "
                             f"sample {indices[0]}'s has shape {shape}; samples must agree to be stacked")
    array = backend.get_array_module(arrays[0]).stack(arrays)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"DataLoader: field {j} of the samples holds {array.dtype} values "
                        f"(sample {indices[0]}: {type(values[0]).__name__}); a batch field must hold numbers")
    if not hasattr(values[0], "dtype") and array.dtype.kind in "iuf":
        # Python numbers, or lists of them: NumPy would make float64 (and int32 on some platforms); PyTorch's
        # rule for ints, minigrad's for floats (``minigrad.tensor(0.5)`` and ``minigrad.tensor([0.5])`` are float32).
        array = array.astype(backend.DEFAULT_FLOAT if array.dtype.kind == "f" else np.int64, copy=False)
    return array
