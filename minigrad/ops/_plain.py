"""The one door for ops whose result carries no gradient and is not a comparison: predicates, argsort.

They return plain Tensors (no graph node). ``minigrad.onnx``'s tracer wraps ``plain`` to see them, so
callers reach it through this module (``_plain.plain(...)``), never by importing the name.
"""
from __future__ import annotations

import numpy as np

from minigrad import backend
from minigrad.autograd.tensor import Tensor


def plain(name, params, x, compute):  # (the ONNX tracer wraps this helper under this signature)
    """``compute(x.data)`` as a Tensor without gradient; ``name`` and ``params`` are what an export sees."""
    return Tensor(compute(x.data))


def cast(x, dtype):
    """``x`` (a Tensor) cast to ``dtype`` without gradient, seen by an export as a Cast: an integer or bool value
    joining a floating op, or widened to int64. (A bare ``Tensor(x.data.astype(...))`` is invisible to the
    tracer: an export froze it into the graph as a constant, the traced batch's values.)"""
    dtype = np.dtype(dtype)
    return plain("AsType", {"dtype": dtype}, x, lambda data: backend.cast(data, dtype))
