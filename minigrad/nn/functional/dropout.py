"""``dropout`` and ``dropout2d`` (whole channels): inverted dropout with a mask from minigrad's seeded generator."""
from __future__ import annotations

import numpy as np

from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.nn.arguments import probability
from minigrad.random import uniform_on


def _check(name, x, p):
    """``p`` a probability and ``x`` a Tensor."""
    probability(name, "p", p)
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(x).__name__}")


def _check_scalable(name, x):
    """The kept values are scaled by 1/(1-p), which an integer tensor would truncate: refused, as in PyTorch."""
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: input must be floating point to be scaled by 1/(1-p), got dtype {x.dtype} "
                        f"(shape {tuple(x.shape)})")


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Inverted dropout: zero each element with probability ``p`` and scale the rest by 1/(1-p).

    The scaling keeps the expected activation unchanged, so evaluation
    (``training=False``) is simply the identity. The mask comes from
    ``minigrad.random``'s seeded generator, in ``x``'s dtype and on its device;
    the backward is ``gy * mask``.
    """
    _check("dropout", x, p)
    if not training or p == 0.0:
        return x
    _check_scalable("dropout", x)
    xp = get_array_module(x.data)
    if p == 1.0:
        mask = xp.zeros(x.shape, dtype=x.dtype)
    else:
        # Drawn where x lives (no host-to-device copy per step); float32 draws for float32 nets.
        draw_dtype = np.float64 if x.dtype == np.float64 else np.float32
        keep = uniform_on(x.device, x.shape, draw_dtype) >= p
        mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
    return x * Tensor(mask)


def dropout2d(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Channel dropout: zero whole channels of (N, C, H, W) (or unbatched (C, H, W)) inputs with probability ``p``.

    Neighbouring pixels of a feature map are strongly correlated, so dropping single
    pixels barely regularises a convolutional layer; dropping whole channels does
    (Tompson et al. 2015). The kept channels are scaled by 1/(1-p); the identity in
    evaluation. The backward is ``gy * mask``, the mask broadcast over H and W.
    """
    _check("dropout2d", x, p)
    if x.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {tuple(x.shape)}")
    if not training or p == 0.0:
        return x
    _check_scalable("dropout2d", x)
    mask_shape = tuple(x.shape[:-2]) + (1, 1)
    if p == 1.0:
        mask = get_array_module(x.data).zeros(mask_shape, dtype=x.dtype)
    else:
        draw_dtype = np.float64 if x.dtype == np.float64 else np.float32
        keep = uniform_on(x.device, mask_shape, draw_dtype) >= p
        mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
    return x * Tensor(mask)
