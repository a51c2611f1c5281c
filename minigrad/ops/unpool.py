"""Max pooling with its indices, and its partial inverse: ``max_pool1d_with_indices``, ``max_pool2d_with_indices``,
``adaptive_max_pool1d_with_indices``, ``adaptive_max_pool2d_with_indices``, ``max_unpool1d``, ``max_unpool2d``,
``max_unpool3d``.

The indices are PyTorch's: each maximum's flat position in its (n, c) plane of the input (H * W, or L, or
D * H * W), int64.
``max_unpool`` puts every input value at its index in a zero plane of the output size
(default (H - 1) s - 2 p + k per axis): y[n, c].flat[indices[n, c]] = x[n, c]. It is ``Scatter`` (the op behind
``index_put``) into zeros, so where two values share an index the last one stays (PyTorch leaves that order
unspecified) and dL/dx = g[n, c].flat[indices[n, c]], a gather, as PyTorch's; the gather's own derivative is
recorded, so second derivatives exist. No Python loop over planes or positions.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.ops.adaptive_pool import adaptive_max_pool1d, adaptive_max_pool2d
from minigrad.ops.pool import max_pool2d
from minigrad.ops.pool1d import max_pool1d
from minigrad.ops.scatter import Scatter
from minigrad.scalars import is_integer

__all__ = ["max_pool1d_with_indices", "max_pool2d_with_indices", "adaptive_max_pool1d_with_indices",
           "adaptive_max_pool2d_with_indices", "max_unpool1d", "max_unpool2d", "max_unpool3d"]


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """``max_pool1d(..., return_indices=True)``: (output, indices) whatever ``return_indices`` says, as PyTorch."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """``max_pool2d(..., return_indices=True)``: (output, indices) whatever ``return_indices`` says, as PyTorch."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    """``adaptive_max_pool1d(..., return_indices=True)``: (output, indices), as PyTorch."""
    return adaptive_max_pool1d(input, output_size, return_indices=True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    """``adaptive_max_pool2d(..., return_indices=True)``: (output, indices), as PyTorch."""
    return adaptive_max_pool2d(input, output_size, return_indices=True)


def _sizes(op, name, value, dims):
    """An int or a sequence of ``dims`` ints as a tuple of ``dims`` Python ints."""
    values = (value,) * dims if is_integer(value) else tuple(value) if isinstance(value, (tuple, list)) else ()
    if len(values) != dims or not all(is_integer(v) for v in values):
        raise TypeError(f"{op}: {name} must be an int or a sequence of {dims} ints, got {value!r}")
    return tuple(int(v) for v in values)


def unpool_output_size(op, spatial, kernel, stride, padding, output_size):
    """The output's spatial size: (n - 1) s - 2 p + k per axis, or ``output_size`` (its last ``dims`` entries when
    it also names N and C), which must lie strictly within one stride of that, as PyTorch checks."""
    default = tuple((n - 1) * s + k - 2 * p for n, k, s, p in zip(spatial, kernel, stride, padding))
    if output_size is None:
        return default
    size = list(output_size.shape if isinstance(output_size, Tensor) else output_size)
    dims = len(kernel)
    if len(size) == dims + 2:
        size = size[2:]
    if len(size) != dims:
        raise ValueError(f"{op}: output_size should be a sequence containing {dims} or {dims + 2} elements, but it "
                         f"has a length of '{len(size)}'")
    for d, (o, s) in enumerate(zip(size, stride)):
        if not default[d] - s < o < default[d] + s:
            raise ValueError(f'{op}: invalid output_size "{tuple(size)}" (dim {d} must be between '
                             f'{default[d] - s} and {default[d] + s})')
    return tuple(int(o) for o in size)


def _max_unpool(op, dims, input, indices, kernel_size, stride, padding, output_size):
    x = as_tensor(input)
    if x.ndim not in (dims + 1, dims + 2):
        layout = {1: "(C, L) or 3-D (N, C, L)", 2: "(C, H, W) or 4-D (N, C, H, W)",
                  3: "(C, D, H, W) or 5-D (N, C, D, H, W)"}[dims]
        raise ValueError(f"{op}: expected a {dims + 1}-D {layout} input, got shape {tuple(x.shape)}")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating input, got dtype {x.dtype}")
    index = indices.data if isinstance(indices, Tensor) else indices
    if not hasattr(index, "dtype") or index.dtype != np.int64:
        raise TypeError(f"{op}: indices must be an int64 Tensor (max_pool's return_indices), got "
                        f"{getattr(index, 'dtype', type(indices).__name__)}")
    if tuple(index.shape) != tuple(x.shape):
        raise ValueError(f"{op}: indices of shape {tuple(index.shape)} must have the input's shape {tuple(x.shape)}")
    kernel = _sizes(op, "kernel_size", kernel_size, dims)
    stride = kernel if stride is None else _sizes(op, "stride", stride, dims)
    padding = _sizes(op, "padding", padding, dims)
    out = unpool_output_size(op, x.shape[-dims:], kernel, stride, padding, output_size)
    plane = int(np.prod(out))
    xp = get_array_module(x.data)
    planes = int(np.prod(x.shape[:-dims]))
    per_plane = int(np.prod(x.shape[-dims:]))   # not -1: an empty batch (planes = 0) leaves it undetermined
    flat = xp.asarray(index).reshape(planes, per_plane)
    if flat.size and (int(flat.min()) < 0 or int(flat.max()) >= plane):
        bad = int(flat.max()) if int(flat.max()) >= plane else int(flat.min())
        raise ValueError(f"{op}: found an invalid max index {bad} (the output planes are of size "
                         f"{' x '.join(map(str, out))})")
    zeros = as_tensor(xp.zeros((planes, plane), dtype=x.dtype))
    rows = xp.arange(planes).reshape(-1, 1)
    y = Scatter.apply(zeros, x.reshape(planes, per_plane), index=(rows, flat), keep=None)
    return y.reshape(*x.shape[:-dims], *out)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """(N, C, L) or (C, L) -> (N, C, Lo): each value put at its index (``max_pool1d``'s) in zeros of length
    Lo = (L - 1) s - 2 p + k (or ``output_size``); dL/dx = g gathered at the indices."""
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """(N, C, H, W) or (C, H, W) -> (N, C, Ho, Wo): each value put at its flat index (``max_pool2d``'s) in a zero
    plane of Ho = (H - 1) sh - 2 ph + kh (and Wo alike; or ``output_size``); dL/dx = g gathered at the indices."""
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """(N, C, D, H, W) or (C, D, H, W) -> (N, C, Do, Ho, Wo): each value put at its flat index (``max_pool3d``'s) in
    a zero volume of Do = (D - 1) sd - 2 pd + kd (Ho, Wo alike; or ``output_size``); dL/dx = g gathered at the
    indices."""
    return _max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size)
