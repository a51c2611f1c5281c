"""Sums and moments under PyTorch's names: ``nansum``, ``nanmean``, ``std_mean``, ``var_mean``, ``cov``, ``corrcoef``.

All are compositions of existing ops (where, sum, mean, std, var, matmul), so their gradients are those
ops' chained: NaN entries get gradient 0 in nansum/nanmean.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.ops import _plain
from minigrad.ops._args import as_floating, check_flag
from minigrad.ops.activations import clamp
from minigrad.dtypes import as_dtype
from minigrad.ops.convert import in_dtype
from minigrad.ops.functions import sqrt
from minigrad.ops.reduce import mean, std, sum as _sum, var
from minigrad.ops.selection import where
from minigrad.ops.shape import reshape, reshape_if_needed, squeeze
from minigrad.scalars import is_real


def _not_nan(x):
    xp = get_array_module(x.data)
    return Tensor(~xp.isnan(x.data)) if x.dtype.kind in "fc" else None


def nansum(x, dim=None, keepdim=False, *, dtype=None):
    """The sum over ``dim`` with NaN counted as 0 (``torch.nansum``); dL/dx = g, and 0 at NaN entries.

    Integers and bools sum as int64, as torch's; ``dtype`` casts x first.
    """
    if dtype is not None:
        return in_dtype("nansum", nansum, x, dtype, dim=dim, keepdim=keepdim)
    x = as_tensor(x)
    keepdim = check_flag("nansum", "keepdim", keepdim)
    if x.dtype.kind in "biu":
        return _sum(_plain.cast(x, np.int64), dim=() if dim is None else dim, keepdim=keepdim)
    return _sum(where(_not_nan(x), x, 0.0), dim=() if dim is None else dim, keepdim=keepdim)


def nanmean(x, dim=None, keepdim=False, *, dtype=None):
    """The mean over ``dim`` of the entries that are not NaN (``torch.nanmean``); NaN for an all-NaN slice.

    dL/dx = g / (the count of numbers in the slice), 0 at NaN entries. Floating inputs only, as torch's;
    ``dtype`` (floating) casts x first.
    """
    x = as_tensor(x)
    if x.dtype.kind != "f":
        raise TypeError(f"nanmean: expects a floating tensor, got {x.dtype} (torch.nanmean refuses integers too)")
    if dtype is not None:
        if as_dtype("nanmean", dtype).kind != "f":
            raise TypeError(f"nanmean: dtype must be floating, got {as_dtype('nanmean', dtype)}")
        return in_dtype("nanmean", nanmean, x, dtype, dim=dim, keepdim=keepdim)
    keepdim = check_flag("nanmean", "keepdim", keepdim)
    numbers = _not_nan(x)
    d = () if dim is None else dim
    count = _sum(_plain.cast(numbers, x.dtype), dim=d, keepdim=keepdim)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _sum(where(numbers, x, 0.0), dim=d, keepdim=keepdim) / count


def _correction(name, correction, unbiased):
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}: got both unbiased={unbiased!r} and correction={correction!r}; give one")
    if unbiased is not None:
        return int(check_flag(name, "unbiased", unbiased))
    if correction is None:
        return 1
    if isinstance(correction, bool) or not is_real(correction):
        raise TypeError(f"{name}: correction must be a real number, got correction={correction!r}")
    return correction


def _with_mean(name, moment, x, dim, correction, keepdim, unbiased):
    """``(moment, mean)`` of x over ``dim``, the arguments checked under ``name`` (std_mean, var_mean)."""
    x = as_floating(x)
    c = _correction(name, correction, unbiased)
    keepdim = check_flag(name, "keepdim", keepdim)
    return (moment(x, dim=dim, correction=c, keepdim=keepdim),
            mean(x, dim=() if dim is None else dim, keepdim=keepdim))


def std_mean(x, dim=None, *, correction=None, keepdim=False, unbiased=None):
    """``(std, mean)`` over ``dim`` (every dim when None), a tuple as ``torch.std_mean``; divisor n - correction
    (default 1)."""
    return _with_mean("std_mean", std, x, dim, correction, keepdim, unbiased)


def var_mean(x, dim=None, *, correction=None, keepdim=False, unbiased=None):
    """``(var, mean)`` over ``dim`` (every dim when None), a tuple as ``torch.var_mean``; divisor n - correction
    (default 1)."""
    return _with_mean("var_mean", var, x, dim, correction, keepdim, unbiased)


def cov(x, *, correction=1, fweights=None, aweights=None):
    """The covariance matrix of the variables in the rows of ``x`` (observations in columns), as ``torch.cov``.

    With weights w = fweights * aweights: avg = sum(x w) / sum(w), and the centred products summed with w are
    divided by sum(w) - correction * sum(w * aweights) / sum(w) (sum(w) - correction without aweights); a
    divisor <= 0 becomes 0, as in torch. A 1-D ``x`` (one variable) gives a 0-d variance; size-1 axes of the
    result are squeezed, as torch's. Shapes: (V, N) -> (V, V).
    """
    x = as_floating(x)
    if x.ndim > 2:
        raise ValueError(f"cov: expects a 1-D or 2-D tensor (variables x observations), got shape {x.shape}")
    if isinstance(correction, bool) or not is_real(correction):
        raise TypeError(f"cov: correction must be a real number, got correction={correction!r}")
    x = reshape(x, (1, -1)) if x.ndim < 2 else x
    n = x.shape[1]
    w = None
    for label, weights in (("fweights", fweights), ("aweights", aweights)):
        if weights is None:
            continue
        weights = as_tensor(weights)
        if weights.ndim > 1 or weights.size != n:
            raise ValueError(f"cov: {label} must be a 0-d or 1-D tensor of {n} entries (one per observation), "
                             f"got shape {weights.shape}")
        if label == "fweights" and weights.dtype.kind not in "biu":
            raise TypeError(f"cov: fweights must be an integer tensor, got {weights.dtype}")
        if label == "aweights" and weights.dtype.kind != "f":
            raise TypeError(f"cov: aweights must be a floating tensor, got {weights.dtype}")
        if label == "aweights" and weights.dtype != x.dtype:
            raise TypeError(f"cov: aweights ({weights.dtype}) must have the input's dtype ({x.dtype}); minigrad "
                            "does not promote silently (torch does), cast one with .astype()")
        if bool((weights.data < 0).any()):
            raise ValueError(f"cov: {label} must be non-negative")
        if weights.dtype.kind != "f":
            weights = Tensor(weights.data.astype(x.dtype))
        weights = reshape_if_needed(weights, (n,))
        w = weights if w is None else w * weights
    if w is None:
        w_sum, avg = float(n), mean(x, dim=1, keepdim=True)
        factor = w_sum - correction
    else:
        w_sum = _sum(w)
        avg = _sum(x * w, dim=1, keepdim=True) / w_sum
        factor = w_sum - correction * (_sum(w * aweights) / w_sum if aweights is not None else 1.0)
    if bool((factor.data if isinstance(factor, Tensor) else factor) <= 0):   # a 0-d array of any backend
        factor = factor * 0.0   # torch divides by 0 then (a warning there): inf or NaN
    d = x - avg
    c = d @ (d * w if w is not None else d).T
    with np.errstate(invalid="ignore", divide="ignore"):
        c = c / factor
    return squeeze(c) if 1 in c.shape else c


def corrcoef(x):
    """Pearson's correlation coefficients of the rows of ``x`` (``torch.corrcoef``): cov / (std_i std_j),
    clipped to [-1, 1] as torch's. A single variable gives c / c (1, or NaN when constant)."""
    c = cov(x)
    if c.ndim == 0:
        with np.errstate(invalid="ignore", divide="ignore"):
            return c / c
    xp = get_array_module(c.data)
    i = xp.arange(c.shape[0])
    s = sqrt(c[i, i])
    with np.errstate(invalid="ignore", divide="ignore"):
        c = c / reshape(s, (-1, 1)) / reshape(s, (1, -1))
    return clamp(c, -1.0, 1.0)
