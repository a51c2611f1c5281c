"""``embedding_renorm_``: the ``max_norm`` step of an embedding lookup, torch's in-place and gradient-free rescale.

torch shrinks, before it looks them up, the rows of the table that the lookup reads and whose norm exceeds
``max_norm``: each such row once (an index that repeats is renormalized once), by ``max_norm / (norm + 1e-7)``,
on the weight's own memory and outside the graph. The norm is taken in the weight's dtype and compared in
float64, as torch's kernel does (``row.norm(p).item<double>()``).
"""
from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.write_stamps import _mark_written
from minigrad.backend import get_array_module
from minigrad.scalars import is_real

_EPS = 1e-7   # torch's: keeps the scale finite and the renormalized norm just under max_norm


def _row_norms(xp, rows, p):
    """The p-norm of each row of ``rows`` (k, D), torch's ``Tensor.norm(p)`` for any real p."""
    if rows.shape[1] == 0:
        return xp.zeros(rows.shape[0], dtype=rows.dtype)
    a = xp.abs(rows)
    if p == math.inf:
        return a.max(axis=1)
    if p == -math.inf:
        return a.min(axis=1)
    if p == 0:
        return (rows != 0).sum(axis=1).astype(rows.dtype)
    if p == 1:
        return a.sum(axis=1)
    if p == 2:
        return xp.sqrt((a * a).sum(axis=1))
    # p < 0: a zero entry gives inf, and the norm 0, as torch's. NumPy's errstate: CuPy has none (nor warns)
    with np.errstate(divide="ignore", over="ignore"):
        return (a ** p).sum(axis=1) ** (1.0 / p)


def check_max_norm(name, max_norm, norm_type):
    """``max_norm`` (None or a number) and ``norm_type`` (a number) as floats; anything else refused."""
    for what, value in (("max_norm", max_norm), ("norm_type", norm_type)):
        if value is None and what == "max_norm":
            continue
        if isinstance(value, (bool, str)) or not is_real(value):
            raise TypeError(f"{name}: {what} must be a real number, got {value!r}")
    return (None if max_norm is None else float(max_norm)), float(norm_type)


def embedding_renorm_(weight, index, max_norm, norm_type=2.0, name="embedding_renorm_"):
    """Rescale in place, without gradient, the rows ``weight[index]`` (weight a (V, D) Tensor, ``index`` a backend
    integer array of indices in [0, V)) whose ``norm_type``-norm exceeds ``max_norm``, each by
    ``max_norm / (norm + 1e-7)``; as ``torch.embedding_renorm_``. The call is stamped as a write even when no row
    changes (torch bumps the version counter of any in-place op), so a graph that saved ``weight`` before then
    refuses to backward. Returns weight; ``name`` is the op named by the errors."""
    data = weight.data
    xp = get_array_module(data)
    rows = xp.unique(index.reshape(-1))
    if rows.size == 0:
        _mark_written(weight)
        return weight
    if int(rows[0]) < 0 or int(rows[-1]) >= data.shape[0]:   # checked before any row is written
        bad = int(rows[0]) if int(rows[0]) < 0 else int(rows[-1])
        raise IndexError(f"{name}: index {bad} is out of range for {data.shape[0]} embeddings (indices of shape "
                         f"{tuple(index.shape)})")
    norms = _row_norms(xp, data[rows], norm_type).astype("float64")
    over = norms > max_norm
    if not bool(over.any()):
        _mark_written(weight)
        return weight
    rows = rows[over]
    # torch multiplies by the float64 scale in the weight's op-math dtype (float32 for float16)
    math_dtype = "float32" if data.dtype.itemsize < 4 else data.dtype
    scale = (max_norm / (norms[over] + _EPS)).astype(math_dtype)
    data[rows] = (data[rows].astype(math_dtype) * scale[:, None]).astype(data.dtype)
    _mark_written(weight)
    return weight
