"""Distributions over categories: ``Bernoulli``, ``Categorical``, ``OneHotCategorical``.

Each is given by ``probs`` or by ``logits`` (exactly one), as in PyTorch, and keeps both: ``logits``
are normalised log-probabilities (``Categorical``) or log-odds (``Bernoulli``). Densities and entropies
are computed from the logits, so they stay finite and exact where a probability underflows.
"""
from __future__ import annotations

import math

import numpy as np

from minigrad import ops
from minigrad.autograd.tensor import Tensor
from minigrad.backend import to_numpy
from minigrad.distributions import constraints
from minigrad.distributions.distribution import (Distribution, clamped_probs, parameters, shape_tuple, validating,
                                                 value_of)
from minigrad.random import get_generator


def _probs_or_logits(name, probs, logits):
    if (probs is None) == (logits is None):
        raise ValueError(f"{name}: give exactly one of probs or logits, got "
                         f"{'both' if probs is not None else 'neither'}")
    return parameters(name, probs if logits is None else logits)[0], logits is not None


class _IndicatorMoments:
    """The moments of 0/1 draws with P(1) = probs (Bernoulli, and each entry of a one-hot vector)."""

    @property
    def mean(self):
        return self.probs

    @property
    def variance(self):
        return self.probs * (1.0 - self.probs)


class Bernoulli(_IndicatorMoments, Distribution):
    """Bernoulli(p): 1 with probability p.   log p(x) = x logit - softplus(logit);   H = softplus(l) - p l."""

    _params = ("probs",)
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        value, given_logits = _probs_or_logits("Bernoulli", probs, logits)
        setattr(self, "logits" if given_logits else "probs", value)
        super().__init__(value.shape, (), validate_args)     # checks the one given (NaN logits too), as torch
        if given_logits:
            self.probs = ops.sigmoid(value)
        else:
            clamped = clamped_probs(value)
            self.logits = ops.log(clamped) - ops.log1p(-clamped)   # log(p / (1 - p))

    def _like(self):
        return self.probs

    @property
    def mode(self):
        """1 where probs > 1/2, 0 where below, NaN at exactly 1/2 (as torch)."""
        p = self.probs.numpy()
        return Tensor(np.where(p == 0.5, np.nan, p > 0.5).astype(p.dtype)).to(self.probs.device)

    def enumerate_support(self, expand=True):
        """[0, 1] along a new first dim, of shape (2, *batch_shape) (``expand``) or (2, 1, ..., 1)."""
        return self._enumerated(Tensor(np.array([0.0, 1.0], dtype=self.probs.dtype)).to(self.probs.device), expand)

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        u = get_generator().random(shape)
        return Tensor((u < np.broadcast_to(self.probs.numpy(), shape)).astype(self.probs.dtype)).to(self.probs.device)

    def log_prob(self, value):
        value = value_of(self, value)
        self._validate_sample(value)        # names the shapes or an offending value
        infinite, logits = _finite_logits(self.logits)
        density = value * logits - ops.softplus(logits)
        return ops.where(infinite, _certain(value == 1, value == 0, self.logits), density)

    def entropy(self):
        infinite, logits = _finite_logits(self.logits)
        return ops.where(infinite, 0.0, ops.softplus(logits) - self.probs * logits)   # a certain draw: H = 0


def _finite_logits(logits):
    """(where the logits are +-inf, the logits with 0 there). At +-inf the draw is certain, and the formulas in the
    logits read inf - inf (NaN, as torch's); the finite copy keeps NaN out of the values and gradients."""
    infinite = ops.isinf(logits)
    return infinite, ops.where(infinite, 0.0, logits)


def _certain(is_top, is_bottom, logits):
    """log p of a certain draw at +-inf logits: 0 for the top outcome where logits are +inf (the bottom where
    -inf), -inf for any other value."""
    drawn = ops.where(logits > 0, is_top, is_bottom)
    return ops.astype(ops.where(drawn, 0.0, -math.inf), logits.dtype)


class Categorical(Distribution):
    """Categorical(p) over 0..K-1 (the last dim of probs/logits).   log p(k) = logits[k] (normalised);
    H = -sum_k p_k logits_k."""

    _params = ("probs",)
    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        value, given_logits = _probs_or_logits(type(self).__name__, probs, logits)
        if value.ndim < 1:
            raise ValueError(f"{type(self).__name__}: probs/logits need a last dim of categories, got a 0-d value")
        if given_logits:
            self.logits = value - ops.logsumexp(value, axis=-1, keepdims=True)
        else:
            if validating(validate_args) and not bool(((value.data >= 0).all())):
                raise ValueError(f"{type(self).__name__}: expected probs >= 0, got a minimum of {value.data.min()}")
            self.probs = value / ops.sum(value, axis=-1, keepdims=True)
        self._num_events = value.shape[-1]
        # only the parameter given is set yet, so the check names it (NaN logits: logits, not probs), as torch
        super().__init__(value.shape[:-1], self._event_shape_of(value), validate_args)
        if given_logits:
            self.probs = ops.softmax(self.logits, axis=-1)
        else:
            self.logits = ops.log(clamped_probs(self.probs))

    def _event_shape_of(self, value):
        return ()

    def _like(self):
        return self.probs

    @property
    def param_shape(self):
        return tuple(self.probs.shape)

    @property
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def mode(self):
        return Tensor(self.probs.numpy().argmax(-1)).to(self.probs.device)

    def enumerate_support(self, expand=True):
        """0..K-1 along a new first dim, of shape (K, *batch_shape) (``expand``) or (K, 1, ..., 1)."""
        return self._enumerated(Tensor(np.arange(self._num_events)).to(self.probs.device), expand)

    @property
    def mean(self):
        return Tensor(np.full(self.batch_shape, np.nan, dtype=self.probs.dtype)).to(self.probs.device)

    @property
    def variance(self):
        return Tensor(np.full(self.batch_shape, np.nan, dtype=self.probs.dtype)).to(self.probs.device)

    def _draw(self, sample_shape):
        """Category indices of shape sample_shape + batch_shape: the first k with cumsum(p)_k > u."""
        shape = shape_tuple(sample_shape)
        cdf = np.cumsum(self.probs.numpy(), axis=-1)
        u = get_generator().random(shape + self.batch_shape)[..., None] * cdf[..., -1:]
        return np.minimum((np.broadcast_to(cdf, u.shape[:-1] + cdf.shape[-1:]) <= u).sum(-1),
                          self._num_events - 1).astype(np.int64)

    def sample(self, sample_shape=()):
        return Tensor(self._draw(sample_shape)).to(self.probs.device)

    def log_prob(self, value):
        # Tensor(value), not Tensor(np.asarray(value)): a CuPy array stays one (np.asarray refuses it)
        value = value if isinstance(value, Tensor) else Tensor(value)
        name = f"{type(self).__name__}.log_prob"
        if self._validate_args:
            data = to_numpy(value.data)
            bad = ~((data % 1 == 0) & (data >= 0) & (data < self._num_events))   # 0.5 is no category (as torch)
            if bad.any():
                raise ValueError(f"{name}: values must be integers in [0, {self._num_events}), got "
                                 f"{data[bad].flat[0]} among them")
        try:
            np.broadcast_shapes(tuple(value.shape), self.batch_shape)
        except ValueError:
            raise ValueError(f"{name}: value of shape {tuple(value.shape)} does not broadcast with the batch shape "
                             f"{self.batch_shape}") from None
        return self._log_prob_of(ops.astype(value, np.int64))

    def _log_prob_of(self, value):
        """log p at the category indices ``value`` (int64, broadcastable with the batch shape)."""
        shape = np.broadcast_shapes(tuple(value.shape), self.batch_shape)
        logits = ops.broadcast_to(self.logits, shape + (self._num_events,))
        index = Tensor(np.broadcast_to(value.data, shape)[..., None].copy())
        return ops.squeeze(ops.take_along_dim(logits, index, dim=-1), -1)

    def entropy(self):
        floor = float(np.finfo(self.logits.dtype).min)   # p log p -> 0 where p = 0 (logit -inf)
        return -ops.sum(self.probs * ops.clamp(self.logits, min=floor), axis=-1)


class OneHotCategorical(_IndicatorMoments, Categorical):
    """Categorical as one-hot vectors: the event shape is (K,)."""

    support = constraints.one_hot

    def _event_shape_of(self, value):
        return (value.shape[-1],)

    @property
    def mode(self):
        index = self.probs.numpy().argmax(-1)
        return Tensor(np.eye(self._num_events, dtype=self.probs.dtype)[index]).to(self.probs.device)

    def enumerate_support(self, expand=True):
        """The K one-hot vectors along a new first dim: (K, *batch_shape, K) (``expand``) or (K, 1, ..., 1, K)."""
        return self._enumerated(Tensor(np.eye(self._num_events, dtype=self.probs.dtype)).to(self.probs.device),
                                expand)

    def sample(self, sample_shape=()):
        index = self._draw(sample_shape)
        return Tensor(np.eye(self._num_events, dtype=self.probs.dtype)[index]).to(self.probs.device)

    def log_prob(self, value):
        value = value_of(self, value)
        self._validate_sample(value)
        return self._log_prob_of(Tensor(value.data.argmax(-1)))
