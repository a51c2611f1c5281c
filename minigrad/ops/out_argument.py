"""torch's ``out=`` keyword of ``matmul``, ``mul``, ``add``, ``sub`` and ``div``: the result written into a given
tensor.

As in torch, the write is not differentiable: with grad mode on, an operand or ``out`` that requires grad is
refused (torch refuses it too); ``out`` of another shape is resized (with torch's warning when it held elements);
the result is cast to ``out``'s dtype by the rule of the in-place methods (never a float into an integer).
"""
from __future__ import annotations

import warnings

from minigrad.autograd.mode import STATE
from minigrad.autograd.tensor import Tensor
from minigrad.autograd.write_stamps import _mark_written, mark_relaid


def write_out(name, result, out, operands):
    """``result``'s values written into ``out``, which is returned; ``operands`` are the op's inputs."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): out must be a Tensor, got {type(out).__name__}")
    out._refuse_read_only(f"{name}(out=)")   # an expand()ed out: NumPy refuses the write, CuPy writes every alias
    if STATE.grad_enabled and (out.requires_grad or any(isinstance(t, Tensor) and t.requires_grad
                                                        for t in operands)):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           f"but one of the arguments requires grad (as in torch); call it under "
                           f"minigrad.no_grad() or drop out=")
    if out.device != result.device:
        raise RuntimeError(f"{name}(): out is on {out.device} and the result on {result.device}")
    if not Tensor._can_write(result.dtype, out.dtype):
        raise RuntimeError(f"{name}(): result type {result.dtype} can't be cast to the desired output type "
                           f"{out.dtype} (out=)")
    if tuple(out.shape) != tuple(result.shape):
        if out.data.size:
            warnings.warn(f"{name}(): an output with one or more elements was resized since it had shape "
                          f"{tuple(out.shape)}, which does not match the required output shape "
                          f"{tuple(result.shape)} (as torch, which deprecates this)", UserWarning, stacklevel=3)
        out.data = out._xp().empty(result.shape, dtype=out.dtype)
        mark_relaid(out)   # a node that read only out's old shape (out.T's) must refuse too
    out.data[...] = result.data
    _mark_written(out)   # a graph recorded before must not use the new values
    return out
