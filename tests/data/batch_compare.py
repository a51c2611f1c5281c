"""Comparing a minigrad batch with torch's: the same nesting, keys, field dtypes, shapes and values."""
from __future__ import annotations

import numpy as np
import torch

import minigrad as mg


def leaves(batch, path=()):
    """``(path, what)`` for every node of a batch: containers say their kind (a tuple and a list are both
    "sequence": torch's default_collate gives a list for a tuple), Tensors their dtype, shape and values."""
    if isinstance(batch, dict):
        yield path, ("dict", tuple(batch))
        for key, value in batch.items():
            yield from leaves(value, path + (key,))
    elif isinstance(batch, tuple) and hasattr(batch, "_fields"):
        yield path, ("namedtuple", type(batch).__name__, tuple(batch._fields))
        for key, value in zip(batch._fields, batch):
            yield from leaves(value, path + (key,))
    elif isinstance(batch, (tuple, list)):
        yield path, ("sequence", len(batch))
        for j, value in enumerate(batch):
            yield from leaves(value, path + (j,))
    elif isinstance(batch, (mg.Tensor, torch.Tensor)):
        values = batch.numpy() if isinstance(batch, mg.Tensor) else batch.detach().numpy()
        yield path, ("tensor", str(values.dtype), tuple(values.shape), values.tolist())
    else:
        yield path, ("value", type(batch).__name__, batch)


def assert_same_batch(ours, theirs, python_floats=()):
    """``ours`` (minigrad) holds what ``theirs`` (torch) holds. At the paths in ``python_floats`` the field was
    made of Python floats: torch's rule gives float64, minigrad's the default float dtype (float32)."""
    got, expected = list(leaves(ours)), list(leaves(theirs))
    assert [path for path, _ in got] == [path for path, _ in expected]
    for (path, mine), (_, torchs) in zip(got, expected):
        if path in python_floats:
            assert torchs[1] == "float64" and mine[1] == str(np.dtype(mg.get_default_dtype())), path
            mine, torchs = mine[2:], torchs[2:]
        assert mine == torchs, path
