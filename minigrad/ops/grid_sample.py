"""``GridSample``: an (N, C, H, W) image read at the points of a grid (N, Ho, Wo, 2) of normalised (x, y) in
[-1, 1], or an (N, C, D, H, W) volume at a grid (N, Do, Ho, Wo, 3) of (x, y, z), as
``torch.nn.functional.grid_sample``. Each spatial axis is handled alone (its taps, weights and padding below);
the taps of a point are every combination of its axes' taps (K = Ky Kx, or Kz Ky Kx: trilinear reads 8) and
their weights the products of the axes' weights.

Each grid point's x becomes a pixel column u (``align_corners=True``: -1 and 1 are the corner pixels' centres,
u = (x + 1) (W - 1) / 2; otherwise their outer edges, u = (x + 1) W / 2 - 1/2), y a row likewise. The point then
reads a few taps (pixels) along each axis with weights that depend on u, and the output is the weighted sum of
the taps (products of the axis weights):

* bilinear: taps floor(u) and floor(u) + 1, weights floor(u) + 1 - u and u - floor(u);
* nearest: one tap, u rounded half to even (PyTorch's nearbyint), weight 1;
* bicubic: taps floor(u) - 1 ... floor(u) + 2, weights the cubic convolution kernel (A = -0.75) at t = u - floor(u).

Padding: 'zeros' reads 0 outside the image; 'border' clamps u into [0, W - 1] (bilinear, nearest) or each tap
(bicubic); 'reflection' reflects u about the image's edges (the corner centres with ``align_corners``, else the
outer edges) before clamping. The padded u is piecewise affine in x: u_p = s u + c with a constant slope
s in {1, -1, 0} per point; as PyTorch, a point that lands exactly on the clamp bounds gets slope 0.

Derivatives. y = sum_k W_k(grid) x[tap_k], so dL/dx adds g W_k back at every tap (one scatter-add over all taps,
``index_add``), and dL/dgrid_x = sum_k <g, x[tap_k]>_C dW_k/dx with dW_k/dx = wy_i w'x_j s sx (sx the unnormalising
scale, s the padding slope; times wz on a volume), likewise for y and z. Nearest is piecewise constant in the
grid: dL/dgrid = 0, as PyTorch. The backward writes these with ``F``'s operations on the grid and the image, so a
recorded backward gives second derivatives in both inputs (PyTorch has them too).
"""
from __future__ import annotations

import itertools

import numpy as np

from minigrad.autograd.function import Function
from minigrad.backend import get_array_module
from minigrad.ops.namespace import arrays as _arrays

MODES = ("bilinear", "nearest", "bicubic")
PADDING_MODES = ("zeros", "border", "reflection")
CUBIC_A = -0.75


def _unnormalize(x, size, align_corners):
    """Pixel coordinate of a normalised one, in PyTorch's CPU form (d u / d x = scale)."""
    if align_corners:
        return (x + 1.0) * ((size - 1) / 2)
    return (x + 1.0) * (size / 2) - 0.5


def _scale(size, align_corners):
    return (size - 1) / 2 if align_corners else size / 2


def _reflect(xp, u, size, align_corners):
    """u reflected into the span [low, low + span] (the corner centres with ``align_corners``, else the outer
    edges) and the slope of that map (+1 or -1; 0 for an empty span)."""
    if align_corners and size <= 1:
        return xp.zeros_like(u), xp.zeros_like(u)
    low, twice = (0.0, 2.0 * (size - 1)) if align_corners else (-0.5, 2.0 * size)
    v = u - low
    a = xp.abs(v)
    extra = a - xp.trunc(a / twice) * twice
    back = twice - extra
    flip = extra > back
    slope = xp.where(flip ^ (v < 0), -1.0, 1.0).astype(u.dtype)
    return xp.where(flip, back, extra) + low, slope


def _clip(xp, u, size):
    """u clamped into [0, size - 1], and the slope of the clamp: 1 strictly inside, else 0 (PyTorch's rule)."""
    lo = xp.maximum(u, 0.0)
    out = xp.minimum(lo, size - 1.0).astype(u.dtype)
    return out, ((lo != 0) & (out != size - 1)).astype(u.dtype)


def padded(xp, u, size, padding_mode, align_corners):
    """The padding map of pixel coordinates u (any shape) and its slope."""
    if padding_mode == "zeros":
        return u, xp.ones_like(u)
    slope = xp.ones_like(u)
    if padding_mode == "reflection":
        u, slope = _reflect(xp, u, size, align_corners)
    u, clip_slope = _clip(xp, u, size)
    return u, slope * clip_slope


def _cubic(F, t):
    """The four cubic-convolution weights of the taps at -1, 0, 1, 2 for a fraction t, and their derivatives."""
    a = CUBIC_A

    def near(z):   # |z| <= 1
        return ((a + 2.0) * z - (a + 3.0)) * z * z + 1.0

    def far(z):    # 1 < |z| < 2
        return ((a * z - 5.0 * a) * z + 8.0 * a) * z - 4.0 * a

    def d_near(z):
        return (3.0 * (a + 2.0) * z - 2.0 * (a + 3.0)) * z

    def d_far(z):
        return (3.0 * a * z - 10.0 * a) * z + 8.0 * a

    s = 1.0 - t
    return [far(t + 1.0), near(t), near(s), far(s + 1.0)], [d_far(t + 1.0), d_near(t), -d_near(s), -d_far(s + 1.0)]


class _Axis:
    """One axis of the sampling: its taps (K, ...) int64, their in-image mask, and the constants the weights need."""

    def __init__(self, xp, x, size, mode, padding_mode, align_corners):
        self.size, self.mode, self.align_corners = size, mode, align_corners
        self.scale = _scale(size, align_corners)
        u = _unnormalize(x, size, align_corners)
        if mode == "bicubic":
            base = xp.floor(u)
            self.base = base
            taps = [padded(xp, base + k, size, padding_mode, align_corners)[0] for k in (-1.0, 0.0, 1.0, 2.0)]
            taps = xp.stack(taps)
        else:
            self.u = u
            self.padded, self.slope = padded(xp, u, size, padding_mode, align_corners)
            if mode == "nearest":
                taps = xp.rint(self.padded)[None]
            else:
                self.base = xp.floor(self.padded)
                taps = xp.stack([self.base, self.base + 1.0])
        # NaN coordinates fall outside, as in PyTorch (read 0)
        self.inside = (taps >= 0) & (taps <= size - 1)
        self.taps = xp.where(self.inside, taps, 0).astype(np.int64)

    def weights(self, F, x):
        """The K tap weights of coordinates x (the grid's column, a Tensor when recording) and their derivatives
        in x; None for nearest (weight 1, derivative 0)."""
        if self.mode == "nearest":
            return None, None
        if self.mode == "bicubic":
            w, dw = _cubic(F, _unnormalize(x, self.size, self.align_corners) - F.const(self.base))
            return w, [d * self.scale for d in dw]
        slope = F.const(self.slope)
        if F.recording:   # the padded coordinate (exactly its value), with the padding's slope as its derivative
            u = _unnormalize(x, self.size, self.align_corners)
            # selected, not times a 0 slope: an infinite u clamped to a border would make inf - inf = NaN here
            moving = F.const(self.slope != 0)
            u = F.const(self.padded) + F.select(moving, u - F.const(self.u)) * slope
        else:
            u = self.padded
        base = F.const(self.base)
        d = slope * self.scale
        return [(base + 1.0) - u, u - base], [-d, d]


def _stack(F, items, shape):
    return F.concat([F.reshape(w, (1,) + shape) for w in items], 0)


def _product(factors):
    out = factors[0]
    for f in factors[1:]:
        out = out * f
    return out


class GridSample(Function):
    """y[n, c, p] = sum_k W_k[n, p] x[n, c, tap_k] for input x (N, C, H, W) and grid (N, Ho, Wo, 2), or x
    (N, C, D, H, W) and grid (N, Do, Ho, Wo, 3) (trilinear or nearest; grid[..., 2] is the depth coordinate z)
    -> y (N, C, *grid.shape[1:-1]); taps and weights as the module docstring says, one axis per spatial dim.
    dL/dx = g W_k added at each tap (index_add);  dL/dgrid = sum_k <g, x[tap_k]> dW_k/dgrid (0 for nearest)."""

    def __init__(self, mode="bilinear", padding_mode="zeros", align_corners=False):
        self.mode, self.padding_mode, self.align_corners = mode, padding_mode, align_corners

    def _setup(self, x, grid):
        xp = get_array_module(x)
        n, spatial = x.shape[0], x.shape[2:]
        nd = len(spatial)
        self.shape = x.shape
        args = (self.mode, self.padding_mode, self.align_corners)
        # axes in the image's order (D,) H, W; the grid holds them in reverse: (x, y[, z])
        self.axes = [_Axis(xp, grid[..., nd - 1 - i], spatial[i], *args) for i in range(nd)]
        out = grid.shape[:-1]                               # (N, *grid spatial)
        lead = [1] * nd
        strides = [int(np.prod(spatial[i + 1:], dtype=np.int64)) for i in range(nd)]
        index = xp.arange(n, dtype=np.int64).reshape(tuple(lead) + (n,) + (1,) * (len(out) - 1)) * int(
            np.prod(spatial, dtype=np.int64))
        inside = None
        for i, ax in enumerate(self.axes):                  # taps (K_i, *out) broadcast on their own leading dim
            shape = tuple(lead[:i]) + (ax.taps.shape[0],) + tuple(lead[i + 1:]) + tuple(out)
            index = index + ax.taps.reshape(shape) * strides[i]
            ins = ax.inside.reshape(shape)
            inside = ins if inside is None else inside & ins
        k = int(np.prod(index.shape[:nd]))
        self.index = index.reshape((k,) + tuple(out))
        self.inside = inside.reshape((k,) + tuple(out) + (1,))

    def _weights(self, F, grid):
        """(K, N, *out) weights and their derivatives in each grid coordinate (x, y[, z]), as F values of the grid
        (None for nearest)."""
        nd = len(self.axes)
        pairs = [ax.weights(F, grid[..., nd - 1 - i]) for i, ax in enumerate(self.axes)]
        if pairs[0][0] is None:
            return None, None
        shape = tuple(grid.shape[:-1])
        combos = list(itertools.product(*(range(len(w)) for w, _ in pairs)))
        w = _stack(F, [_product([pairs[i][0][k[i]] for i in range(nd)]) for k in combos], shape)
        derivs = []
        for a in reversed(range(nd)):                       # the grid's coordinate order: x (the last axis) first
            factors = [[pairs[i][1 if i == a else 0][k[i]] for i in range(nd)] for k in combos]
            derivs.append(_stack(F, [_product(f) for f in factors], shape))
        return w, derivs

    def _taps(self, F, x):
        """x (N, C, *spatial) read at every tap: (K, N, *out, C), 0 outside the image."""
        n, c = self.shape[:2]
        nd = len(self.shape) - 2
        last = tuple(range(2, nd + 2)) + (1,)
        flat = F.reshape(F.transpose(x, (0,) + last), (n * int(np.prod(self.shape[2:])), c))
        return F.select(F.const(self.inside), flat[self.index])

    def forward(self, x, grid):
        self._setup(x, grid)
        v = self._taps(_arrays, x)
        w, _ = self._weights(_arrays, grid)
        y = v[0] if w is None else (v * w[..., None]).sum(axis=0)
        nd = y.ndim - 2
        return y.transpose((0, nd + 1) + tuple(range(1, nd + 1)))

    def backward(self, F, gy, x, grid):
        nx, ng = self.needs_input_grad
        n, c = self.shape[:2]
        nd = len(self.shape) - 2
        g = F.transpose(gy, (0,) + tuple(range(2, nd + 2)) + (1,))[None]     # (1, N, *out, C)
        w, derivs = self._weights(F, grid)
        gx = ggrid = None
        if nx:
            spread = g if w is None else g * F.reshape(w, tuple(w.shape) + (1,))
            spread = F.select(F.const(self.inside), F.broadcast_to(spread, self.inside.shape[:-1] + (c,)))
            flat = F.index_add(spread, self.index, (n * int(np.prod(self.shape[2:])), c))
            image = (n,) + tuple(self.shape[2:]) + (c,)
            gx = F.transpose(F.reshape(flat, image), (0, nd + 1) + tuple(range(1, nd + 1)))
        if ng:
            if w is None:
                xp = get_array_module(self.index)
                ggrid = F.const(xp.zeros(tuple(grid.shape), dtype=grid.dtype))
            else:
                s = F.sum(g * self._taps(F, x), axis=-1)     # (K, N, *out)
                parts = [F.sum(s * d, axis=0) for d in derivs]
                ggrid = F.concat([F.reshape(p, tuple(p.shape) + (1,)) for p in parts], -1)
        return gx, ggrid
