"""The one door for ops whose result carries no gradient and is not a comparison: predicates, argsort.

They return plain Tensors (no graph node). ``minigrad.onnx``'s tracer wraps ``plain`` to see them, so
callers reach it through this module (``_plain.plain(...)``), never by importing the name.
"""
from __future__ import annotations

from minigrad.autograd.tensor import Tensor


def plain(name, params, x, compute):  # (the ONNX tracer wraps this helper under this signature)
    """``compute(x.data)`` as a Tensor without gradient; ``name`` and ``params`` are what an export sees."""
    return Tensor(compute(x.data))
