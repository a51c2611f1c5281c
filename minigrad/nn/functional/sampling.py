"""Spatial transformers: ``affine_grid`` (sampling grids of affine maps) and ``grid_sample`` (reading an image at
a grid's points), PyTorch's arguments, checks and results.

``affine_grid(theta, size)``: the normalised coordinates of the output pixels, base[i, j] = (x_j, y_i, 1) (and z
for 5-D sizes), each axis of n pixels spanning [-1, 1] at the corner centres (``align_corners=True``) or
(n - 1) / n of it (the pixel centres when -1 and 1 are the outer edges; 0 for n = 1), mapped by theta:
grid[n, i, j] = theta[n] @ base[i, j]. That is one batched matmul with a constant base, so dL/dtheta =
g^T base summed over the pixels and higher derivatives come from matmul. ``grid_sample``: the op ``GridSample``
(``minigrad/ops/grid_sample.py``).
"""
from __future__ import annotations

import warnings

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.ops.grid_sample import MODES, PADDING_MODES, GridSample
from minigrad.ops.linalg import matmul
from minigrad.scalars import is_integer

__all__ = ["affine_grid", "grid_sample"]

_DEFAULT_CHANGED = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                    "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                    "grid_sample for details.")


def _align(align_corners):
    if align_corners is None:
        warnings.warn(_DEFAULT_CHANGED, UserWarning, stacklevel=3)
        return False
    return bool(align_corners)


def _span(n, align_corners):
    """n evenly spaced points over [-1, 1], symmetric about 0 as torch.linspace computes them, scaled by
    (n - 1) / n without ``align_corners``; [0] for n = 1."""
    if n <= 1:
        return np.zeros(max(n, 0))
    i = np.arange(n, dtype=np.float64)
    step = 2.0 / (n - 1)
    half = n // 2
    points = np.where(i < half, -1.0 + step * i, 1.0 - step * (n - 1 - i))
    return points if align_corners else points * (n - 1) / n


def affine_grid(theta, size, align_corners=None):
    """The sampling grid (N, H, W, 2) of the affine maps theta (N, 2, 3) for ``size`` (N, C, H, W), or
    (N, D, H, W, 3) of theta (N, 3, 4) for (N, C, D, H, W), as ``torch.nn.functional.affine_grid``.

    grid[n, ..., :] = theta[n] @ (x, y, [z,] 1) at each output pixel's normalised coordinates (see the module
    docstring).   dL/dtheta[n] = sum over pixels of g[n, pixel] (x, y, [z,] 1)^T.
    """
    align_corners = _align(align_corners)
    if not isinstance(theta, Tensor):
        raise TypeError(f"affine_grid: theta must be a Tensor, got {type(theta).__name__}")
    if theta.dtype.kind != "f":
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    try:
        size = [int(s) for s in size] if all(is_integer(s) for s in size) else None
    except TypeError:
        size = None
    if size is None:
        raise TypeError("affine_grid: size must be a sequence of integers (N, C, H, W) or (N, C, D, H, W)")
    rows = {4: 2, 5: 3}.get(len(size))
    if rows is None:
        raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (rows, rows + 1):
        kind = "2D" if rows == 2 else "3D"
        raise ValueError(f"Expected a batch of {kind} affine matrices of shape Nx{rows}x{rows + 1} for size {size}. "
                         f"Got {tuple(theta.shape)}.")
    spatial = size[2:]
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation "
                      "of affine_grid for details.", UserWarning, stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if size[0] != theta.shape[0]:
        raise ValueError(f"affine_grid: size {size} asks for a batch of {size[0]} but theta of shape "
                         f"{tuple(theta.shape)} holds {theta.shape[0]} matrices")
    # base (*spatial, rows + 1) = (x, y, [z,] 1): x varies along the last spatial axis, y (then z) the earlier ones
    mesh = np.meshgrid(*(_span(n, align_corners) for n in spatial), indexing="ij")
    base = np.stack(list(mesh[::-1]) + [np.ones(tuple(spatial))], axis=-1).reshape(-1, rows + 1)
    xp = get_array_module(theta.data)
    base = as_tensor(xp.asarray(base.astype(theta.dtype)), like=theta)
    grid = matmul(base, theta.transpose(0, 2, 1))    # (N, pixels, rows)
    return grid.reshape(size[0], *spatial, rows)


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """``input`` (N, C, H, W) read at ``grid`` (N, Ho, Wo, 2) (normalised (x, y) in [-1, 1]), or (N, C, D, H, W) at
    (N, Do, Ho, Wo, 3) (normalised (x, y, z)), as ``torch.nn.functional.grid_sample``: (N, C, Ho, Wo) or
    (N, C, Do, Ho, Wo).

    ``mode`` 'bilinear' (trilinear on 5-D input), 'nearest' or 'bicubic' (A = -0.75; 4-D input only, as PyTorch);
    ``padding_mode`` 'zeros', 'border' or 'reflection'; ``align_corners`` as PyTorch's (None: False, with its
    warning). Differentiable in both inputs (the grid's gradient is 0 for 'nearest'), to any order; the
    derivatives are in ``minigrad/ops/grid_sample.py``.
    """
    if mode not in MODES:
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in PADDING_MODES:
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    align_corners = _align(align_corners)
    for name, t in (("input", input), ("grid", grid)):
        if not isinstance(t, Tensor):
            raise TypeError(f"grid_sample: {name} must be a Tensor, got {type(t).__name__}")
    if input.ndim not in (4, 5) or grid.ndim != input.ndim:
        raise ValueError("grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, but got "
                         f"input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    nd = input.ndim - 2
    if grid.shape[0] != input.shape[0] or grid.shape[-1] != nd:
        out = "(N, Ho, Wo, 2)" if nd == 2 else "(N, Do, Ho, Wo, 3)"
        raise ValueError(f"grid_sampler(): expected grid of shape {out} with N = {input.shape[0]} for "
                         f"input of shape {tuple(input.shape)}, got grid of shape {tuple(grid.shape)}")
    if mode == "bicubic" and nd == 3:
        raise NotImplementedError("grid_sampler(): bicubic interpolation only supports 4D input, got input of "
                                  f"shape {tuple(input.shape)} (use 'bilinear', trilinear on 5-D input, or "
                                  "'nearest')")
    if input.dtype != grid.dtype or input.dtype.kind != "f":
        raise TypeError("grid_sampler(): expected input and grid to have the same floating dtype, but input has "
                        f"{input.dtype} and grid has {grid.dtype}")
    if input.device != grid.device:
        raise ValueError(f"grid_sampler(): expected input and grid on one device, got {input.device} and "
                         f"{grid.device}")
    if min(input.shape[2:]) <= 0:
        raise ValueError(f"grid_sampler(): expected input to have non-empty spatial dimensions, but input has "
                         f"sizes {list(input.shape)}")
    return GridSample.apply(input, grid, mode=mode, padding_mode=padding_mode, align_corners=align_corners)
