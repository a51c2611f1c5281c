"""``Distribution``: the base of ``minigrad.distributions``, with ``torch.distributions``' interface.

A distribution has a ``batch_shape`` (independent distributions side by side, from broadcasting its
parameters) and an ``event_shape`` (the shape of one draw: () for a number, (k,) for a vector).
``sample(sample_shape)`` draws ``sample_shape + batch_shape + event_shape`` values without a graph;
``rsample`` draws them as a differentiable function of the parameters (the reparameterization trick,
``loc + scale * eps``), where the distribution has one. ``log_prob(value)`` has shape
``batch_shape`` (leading sample dims kept) and is differentiable in the parameters and in ``value``.

Draws come from minigrad's generator (``minigrad.manual_seed``), so they differ from PyTorch's for the
same seed; every density, entropy and divergence is checked against PyTorch's in float64.
"""
from __future__ import annotations

import math

import numpy as np

from minigrad import backend
from minigrad import ops
from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.mode import no_grad
from minigrad.autograd.tensor import Tensor
from minigrad.random import get_generator


class Distribution:
    """Base class; a subclass sets ``batch_shape``/``event_shape`` through ``__init__`` and defines what it has."""

    has_rsample = False

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self._batch_shape, self._event_shape = tuple(batch_shape), tuple(event_shape)
        self._validate_args = True if validate_args is None else bool(validate_args)

    @property
    def batch_shape(self) -> tuple:
        return self._batch_shape

    @property
    def event_shape(self) -> tuple:
        return self._event_shape

    def sample(self, sample_shape=()):
        """Draws of shape ``sample_shape + batch_shape + event_shape``, outside any graph."""
        with no_grad():
            return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape=()):
        raise NotImplementedError(f"{type(self).__name__} has no reparameterized sample (rsample); use sample()")

    def log_prob(self, value):
        raise NotImplementedError(f"{type(self).__name__} does not define log_prob")

    def entropy(self):
        raise NotImplementedError(f"{type(self).__name__} does not define entropy")

    def cdf(self, value):
        raise NotImplementedError(f"{type(self).__name__} does not define cdf")

    def icdf(self, value):
        raise NotImplementedError(f"{type(self).__name__} does not define icdf")

    @property
    def mean(self):
        raise NotImplementedError(f"{type(self).__name__} does not define mean")

    @property
    def variance(self):
        raise NotImplementedError(f"{type(self).__name__} does not define variance")

    @property
    def stddev(self):
        return ops.sqrt(self.variance)

    def perplexity(self):
        return ops.exp(self.entropy())

    def _extended_shape(self, sample_shape=()) -> tuple:
        if isinstance(sample_shape, int):
            sample_shape = (sample_shape,)
        return tuple(sample_shape) + self._batch_shape + self._event_shape

    def __repr__(self):
        names = [n for n in getattr(self, "_params", ()) if getattr(self, n, None) is not None]
        return f"{type(self).__name__}({', '.join(f'{n}: {_describe(getattr(self, n))}' for n in names)})"


def parameters(name, *values):
    """The parameters as Tensors of one floating dtype, broadcast to one shape (numbers take the tensors' dtype,
    float32 when all are numbers)."""
    like = next((v for v in values if isinstance(v, Tensor)), None)
    tensors = [as_tensor(v, like=like) if like is not None else Tensor(np.asarray(v, dtype=backend.DEFAULT_FLOAT))
               for v in values]
    tensors = [t if t.dtype.kind == "f" else ops.astype(t, backend.DEFAULT_FLOAT) for t in tensors]
    dtypes = {t.dtype for t in tensors}
    if len(dtypes) > 1:
        raise TypeError(f"{name}: parameters have different floating dtypes {sorted(map(str, dtypes))}")
    return ops.broadcast_tensors(*tensors) if len(tensors) > 1 else tensors


def check_positive(name, label, value, validate):
    if validate and not bool((value.data > 0).all()):
        raise ValueError(f"{name}: expected parameter {label} (shape {tuple(value.shape)}) to be > 0, "
                         f"got {value.data.min()} among its values")


def value_of(dist, value):
    """``value`` as a Tensor of the distribution's dtype (a number too)."""
    like = dist._like()
    value = as_tensor(value, like=like)
    if value.dtype.kind != "f":
        value = ops.astype(value, like.dtype)
    return value


def standard_normal(shape, like):
    """N(0, 1) draws of ``shape`` in ``like``'s dtype and device (a constant Tensor)."""
    draw = get_generator().standard_normal(shape)
    return Tensor(draw.astype(like.dtype)).to(like.device)


def uniform(shape, like, low=0.0, high=1.0):
    """U(low, high) draws of ``shape`` in ``like``'s dtype and device, never exactly ``low`` (log(u) is finite)."""
    u = get_generator().random(shape)
    u = np.where(u == 0.0, np.finfo(np.float64).tiny, u)
    return Tensor((low + (high - low) * u).astype(like.dtype)).to(like.device)


def clamped_probs(probs):
    """probs kept inside (eps, 1 - eps), eps the dtype's resolution, as torch's ``clamp_probs``."""
    eps = float(np.finfo(probs.dtype).eps)
    return ops.clamp(probs, eps, 1.0 - eps)


LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def _describe(t):
    return f"{tuple(t.shape)} {t.dtype}" if t.ndim else f"{t.item():.4g}"
