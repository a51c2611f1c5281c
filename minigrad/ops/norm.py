"""``norm``: PyTorch's vector p-norm over dims (``torch.norm``, ``Tensor.norm``, ``torch.linalg.vector_norm``).

p = 1, inf and -inf are sums and extrema of ``abs``, whose gradients are already PyTorch's (sign(x),
ties sharing, 0 at 0). Every other p > 0 is the ``Norm`` op, whose gradient is 0 on an all-zero
slice, as PyTorch's (the formula x / ||x|| would be 0 / 0 there). p = 0 (the count of nonzeros) and p < 0
((sum |x|^p)^(1/p)) are compositions, with torch's gradients: 0 for p = 0, and 0 on a slice holding a zero for p < 0.
"""
from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.function import Function
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.dtypes import as_dtype
from minigrad.ops._args import as_floating, check_flag, expand_reduced, half_in_float32, normalize_axis, torch_axis
from minigrad.ops.compare import not_equal
from minigrad.ops.convert import astype
from minigrad.ops.functions import abs as _abs
from minigrad.ops.reduce import max as _max, min as _min, sum as _sum
from minigrad.ops.selection import where
from minigrad.scalars import is_real


class Norm(Function):
    """y = (sum over ``axis`` of |x|^p)^(1/p), a finite p > 0 (p = 2: sqrt(sum x^2)).

    dL/dx = g sign(x) |x|^(p-1) / y^(p-1) (p = 2: g x / y), and 0 on a slice where y = 0, as in
    PyTorch (NaN there for a NaN or infinite g when p = 2, p = 1 or p < 1, as PyTorch's); for p < 1, where an
    entry is 0 (|x|^(p-1) infinite) its gradient is 0, as in PyTorch.
    Shapes: x -> x's shape without the ``axis`` axes (each kept as 1 with ``keepdims``; all of them for axis=None).
    """

    keep_output = True

    def __init__(self, p, axis, keepdims):
        self.p, self.axis, self.keepdims = p, axis, keepdims

    def forward(self, x):
        if x.dtype == np.float16:   # |x|^p overflows float16 (past 65504) long before the norm does: float32 inside,
            return half_in_float32(self.forward, x)   # rounded once, as torch's half kernels
        if self.p == 2.0:
            return get_array_module(x).sqrt((x * x).sum(axis=self.axis, keepdims=self.keepdims))
        a = get_array_module(x).abs(x)
        return ((a ** self.p).sum(axis=self.axis, keepdims=self.keepdims)) ** (1.0 / self.p)

    def backward(self, F, gy, x):
        p = self.p
        y = expand_reduced(F.output(self), x.shape, self.axis, self.keepdims)
        g = expand_reduced(gy, x.shape, self.axis, self.keepdims)
        nonzero = y != 0  # a constant mask; dividing by 1 instead of 0 keeps every order finite there
        if p == 2.0:   # g times the masked x / y, as PyTorch's: a NaN or inf g stays NaN on a zero slice
            return g * F.select(nonzero, x / F.where(nonzero, y, 1.0))
        sign = F.sign(x)
        if p == 1.0:   # sign(x) is 0 across a zero slice: no mask, so a NaN or inf g stays NaN, as PyTorch's
            return g * sign
        if p < 1.0:  # |x|^(p-1) is infinite at 0: those entries get 0; g times y^(1-p), NaN g kept, as PyTorch's
            entry = x != 0
            return g * F.select(nonzero, F.where(nonzero, y, 1.0) ** (1.0 - p)) * sign \
                * F.select(entry, F.where(entry, sign * x, 1.0) ** (p - 1.0))
        scale = F.select(nonzero, g / F.where(nonzero, y, 1.0) ** (p - 1.0))   # PyTorch masks g / y^(p-1) itself
        return scale * sign * (sign * x) ** (p - 1.0)


def _check_p(p):
    """p as a float (inf, -inf, 0 and negative p included), 'fro' as 2; anything else refused with its value."""
    if isinstance(p, str):
        if p == "fro":
            return 2.0
        raise ValueError(f"norm: p must be a number (inf, -inf, 0 and negative p included) or 'fro', got p={p!r}")
    if isinstance(p, (bool, np.bool_)) or not is_real(p) or isinstance(p, Tensor):
        raise TypeError(f"norm: p must be a number (inf, -inf, 0 and negative p included) or 'fro', "
                        f"got p={p!r} ({type(p).__name__})")
    p = float(p)
    if math.isnan(p):
        raise ValueError(f"norm: p must be a number (inf, -inf, 0 and negative p included) or 'fro', got p={p!r}")
    return p


def norm(x, p=2, dim=None, keepdim=False, *, dtype=None):
    """The vector p-norm of ``x`` over ``dim`` (every dim when None), as ``torch.norm(x, p, dim, keepdim)``.

    p: a number, inf (the largest |x|), -inf (the smallest |x|) or 'fro' (the same as 2); 0 counts the nonzero
    entries, a negative p is (sum |x|^p)^(1/p) (0 on a slice holding a zero). 'nuc' is torch's one matrix norm here,
    ``linalg.matrix_norm(x, 'nuc', dim)`` (dim: two dims; None: x must be 2-D). The gradient is PyTorch's: 0 on an
    all-zero slice (for p = 2 too), sign(x) for p = 1, shared by tied extrema for +-inf, 0 for p = 0, and 0 on a
    slice holding a zero for p < 0. Integers are reduced in the default float dtype (PyTorch refuses them).
    ``dtype``: x is cast to it first (a floating dtype x widens into), as torch's.
    Only PyTorch's spelling: NumPy's ``linalg.norm(x, ord, axis)`` reads a 2-D ``axis`` as a matrix norm.
    """
    if isinstance(p, str) and p == "nuc":   # torch's one matrix norm here: over dim, which must name two dims
        from minigrad.ops.linalg_norms import matrix_norm   # it imports this module
        x = as_tensor(x)
        return matrix_norm(x, "nuc", tuple(range(x.ndim)) if dim is None else dim, keepdim, dtype=dtype)
    p = _check_p(p)
    x = as_floating(widened("norm", x, dtype))
    axis, keepdims = torch_axis("norm", x, None, None, dim, keepdim) if dim is not None else (None, keepdim)
    keepdims = check_flag("norm", "keepdim", keepdims)
    axes = normalize_axis("norm", axis, x.ndim, x.shape)
    if p < 0 or p == math.inf:   # a min or max (or a reciprocal sum of them): nothing has no value
        if x.ndim and any(x.shape[a] == 0 for a in (range(x.ndim) if axes is None else axes)):
            raise ValueError(f"norm: p={p} has no value over an empty dim (tensor of shape {x.shape})")
    if p == -math.inf or p == math.inf:
        return (_max if p > 0 else _min)(_abs(x), axis=axes, keepdims=keepdims)
    if p == 1.0:
        return _sum(_abs(x), axes, keepdims)
    if p == 0.0:
        return _count_nonzero(x, axes, keepdims)
    if p < 0:
        return _negative_norm(x, p, axes, keepdims)
    return Norm.apply(x, p=p, axis=axes, keepdims=keepdims)


def _count_nonzero(x, axes, keepdims):
    """The 0-"norm": piecewise constant, so its gradient is 0 (and it requires grad when x does, as torch's)."""
    xp = get_array_module(x.data)
    # by ops (x != 0 counted in x's dtype), so that an ONNX export computes the count rather than freezing the
    # example's (on data without zeros, the axis's length, filled to the batch)
    count = _sum(astype(not_equal(x, 0), x.dtype), axes, keepdims)
    if not x.requires_grad:
        return count
    return where(Tensor(xp.zeros(count.shape, dtype=bool)), _sum(x, axes, keepdims), count)


def _negative_norm(x, p, axes, keepdims):
    """(sum |x|^p)^(1/p) for p < 0. A zero entry makes its slice's norm 0; its term |0|^p = inf would make the
    gradient inf * 0 = NaN, so zeros are taken at 1 and their slice's result set to 0 (gradient 0, torch's)."""
    if x.dtype == np.float16:   # |x|^p of small entries overflows float16: float32 inside, as torch
        return half_in_float32(lambda x32: _negative_norm(x32, p, axes, keepdims), x)
    zero = x.data == 0
    if not bool(zero.any()):
        return _sum(_abs(x) ** p, axes, keepdims) ** (1.0 / p)
    xp = get_array_module(x.data)
    safe = where(Tensor(zero), 1.0, x)
    has_zero = Tensor(xp.asarray(zero.any(axis=axes, keepdims=keepdims)))
    return where(has_zero, 0.0, _sum(_abs(safe) ** p, axes, keepdims) ** (1.0 / p))


def widened(name, x, dtype):
    """``x`` cast to torch's ``dtype=`` of the norms (None: as it is): a floating dtype that x's floating dtype
    widens into, as torch requires (float64 into float32 would round before the norm)."""
    if dtype is None:
        return x
    x, dtype = as_tensor(x), as_dtype(name, dtype)
    if dtype.kind != "f" or (x.dtype.kind == "f" and not np.can_cast(x.dtype, dtype, "safe")):
        raise TypeError(f"{name}: dtype must be a floating dtype that the input's dtype ({x.dtype}) widens into, "
                        f"got dtype={dtype}")
    return astype(x, dtype)
