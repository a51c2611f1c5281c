"""``dropout``, ``dropout1d``, ``dropout2d`` and ``dropout3d`` (whole channels): inverted dropout with a mask from
minigrad's seeded
generator; ``alpha_dropout`` and ``feature_alpha_dropout``: SELU's dropout, which keeps mean and variance."""
from __future__ import annotations

import warnings

import numpy as np

from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.nn.arguments import probability
from minigrad.nn.functional.in_place import in_place_option
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


@in_place_option("dropout")
def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Inverted dropout: zero each element with probability ``p`` and scale the rest by 1/(1-p).

    The scaling keeps the expected activation unchanged, so evaluation
    (``training=False``) is simply the identity. The mask comes from
    ``minigrad.random``'s seeded generator, in ``input``'s dtype and on its device;
    the backward is ``gy * mask``.
    """
    _check("dropout", input, p)
    if not training or p == 0.0:
        return input
    _check_scalable("dropout", input)
    xp = get_array_module(input.data)
    if p == 1.0:
        mask = xp.zeros(input.shape, dtype=input.dtype)
    else:
        # Drawn where x lives (no host-to-device copy per step); float32 draws for float32 nets.
        draw_dtype = np.float64 if input.dtype == np.float64 else np.float32
        keep = uniform_on(input.device, input.shape, draw_dtype) >= p
        mask = keep.astype(input.dtype) * input.dtype.type(1.0 / (1.0 - p))
    return input * Tensor(mask)


@in_place_option("dropout2d")
def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Channel dropout: zero whole channels of (N, C, H, W) (or unbatched (C, H, W)) inputs with probability ``p``.

    A 2-D (N, C) input, which PyTorch still takes with a deprecation warning, has each entry dropped alone
    (with that warning too).

    Neighbouring pixels of a feature map are strongly correlated, so dropping single
    pixels barely regularises a convolutional layer; dropping whole channels does
    (Tompson et al. 2015). The kept channels are scaled by 1/(1-p); the identity in
    evaluation. The backward is ``gy * mask``, the mask broadcast over H and W.
    """
    _check("dropout2d", input, p)
    if input.ndim not in (2, 3, 4):
        raise ValueError(f"dropout2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {tuple(input.shape)}")
    if input.ndim == 2:
        # PyTorch still takes an (N, C) input, with a deprecation warning, and drops each entry alone (a
        # "channel" of no spatial size); its MNIST-RNN example relies on it.
        warnings.warn(f"dropout2d: received a 2-D input of shape {tuple(input.shape)}, which PyTorch deprecates; each "
                      "entry is dropped alone, as F.dropout does (use dropout for that)", UserWarning, stacklevel=3)
    if not training or p == 0.0:
        return input
    _check_scalable("dropout2d", input)
    mask_shape = tuple(input.shape) if input.ndim == 2 else tuple(input.shape[:-2]) + (1, 1)
    if p == 1.0:
        mask = get_array_module(input.data).zeros(mask_shape, dtype=input.dtype)
    else:
        draw_dtype = np.float64 if input.dtype == np.float64 else np.float32
        keep = uniform_on(input.device, mask_shape, draw_dtype) >= p
        mask = keep.astype(input.dtype) * input.dtype.type(1.0 / (1.0 - p))
    return input * Tensor(mask)


def _keep(x, shape, p):
    """A 0/1 mask of ``shape`` in x's dtype and on its device, each entry 1 with probability 1 - p."""
    draw_dtype = np.float64 if x.dtype == np.float64 else np.float32
    return (uniform_on(x.device, shape, draw_dtype) >= p).astype(x.dtype)


@in_place_option("dropout1d")
def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Channel dropout of (N, C, L) (or unbatched (C, L)) sequences: zero whole channels with probability ``p``,
    the kept ones scaled by 1/(1-p); the identity in evaluation. The backward is ``gy * mask``, the mask
    broadcast over L."""
    _check("dropout1d", input, p)
    if input.ndim not in (2, 3):
        raise ValueError(f"dropout1d: expected a 2-D (C, L) or 3-D (N, C, L) input, got shape {tuple(input.shape)}")
    if not training or p == 0.0:
        return input
    _check_scalable("dropout1d", input)
    mask_shape = tuple(input.shape[:-1]) + (1,)
    if p == 1.0:
        return input * Tensor(get_array_module(input.data).zeros(mask_shape, dtype=input.dtype))
    return input * Tensor(_keep(input, mask_shape, p) * input.dtype.type(1.0 / (1.0 - p)))


@in_place_option("dropout3d")
def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Channel dropout of (N, C, D, H, W) (or unbatched (C, D, H, W)) volumes: zero whole channels with probability
    ``p``, the kept ones scaled by 1/(1-p); the identity in evaluation. The backward is ``gy * mask``, the mask
    broadcast over D, H and W."""
    _check("dropout3d", input, p)
    if input.ndim not in (4, 5):
        raise ValueError(f"dropout3d: expected a 4-D (C, D, H, W) or 5-D (N, C, D, H, W) input, got shape "
                         f"{tuple(input.shape)}")
    if not training or p == 0.0:
        return input
    _check_scalable("dropout3d", input)
    mask_shape = tuple(input.shape[:-3]) + (1, 1, 1)
    if p == 1.0:
        return input * Tensor(get_array_module(input.data).zeros(mask_shape, dtype=input.dtype))
    return input * Tensor(_keep(input, mask_shape, p) * input.dtype.type(1.0 / (1.0 - p)))


_SELU_ALPHA = 1.7580993408473766   # -SELU's saturation value, scale * alpha (PyTorch's constant)


def _alpha(name, x, p, training, mask_shape):
    """y = a (x m + alpha' (1 - m)) + b with m ~ Bernoulli(1 - p): dropped units take SELU's saturation value
    -alpha', and a, b restore zero mean and unit variance (Klambauer et al. 2017), as PyTorch computes them:
    a = 1 / sqrt((alpha'^2 p + 1)(1 - p)), y = x (a m) + alpha' a (m - 1 + p). dL/dx = g a m."""
    if not training or p == 0.0 or x.data.size == 0:
        return x
    _check_scalable(name, x)
    xp = get_array_module(x.data)
    if p == 1.0:   # PyTorch's: everything zero
        return x * Tensor(xp.zeros((), dtype=x.dtype))
    keep = _keep(x, mask_shape, p)
    a = 1.0 / np.sqrt((_SELU_ALPHA ** 2 * p + 1) * (1 - p))
    shift = (keep - 1) * x.dtype.type(_SELU_ALPHA * a) + x.dtype.type(_SELU_ALPHA * a * p)
    return x * Tensor(keep * x.dtype.type(a)) + Tensor(shift)


@in_place_option("alpha_dropout")
def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:  # noqa: A002
    """Alpha dropout (for SELU networks) of each element with probability ``p``; ``training`` defaults to False,
    as in PyTorch. Dropped elements take SELU's saturation value, then an affine map restores the mean and
    variance (see ``_alpha``). dL/dx = g * a * mask."""
    _check("alpha_dropout", input, p)
    return _alpha("alpha_dropout", input, p, training, tuple(input.shape))


@in_place_option("feature_alpha_dropout")
def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:  # noqa: A002
    """Alpha dropout of whole channels of (N, C, *) inputs (one draw per (n, c)); ``training`` defaults to False,
    as in PyTorch. dL/dx = g * a * mask, the mask broadcast over the trailing axes."""
    _check("feature_alpha_dropout", input, p)
    if input.ndim < 2:
        raise ValueError(f"feature_alpha_dropout: expected an input with at least 2 axes (N, C, *), got shape "
                         f"{tuple(input.shape)}")
    return _alpha("feature_alpha_dropout", input, p, training, tuple(input.shape[:2]) + (1,) * (input.ndim - 2))

