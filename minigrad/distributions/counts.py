"""Distributions of counts: ``Poisson``, ``Binomial``, ``Geometric``, ``Multinomial``.

Draws come from NumPy's exact samplers on minigrad's generator (no graph: counts have no reparameterization).
Densities are differentiable (twice) in the rate or the probabilities/logits.
"""
from __future__ import annotations

import math

import numpy as np

from minigrad import ops
from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import Tensor
from minigrad.backend import to_numpy
from minigrad.distributions import constraints
from minigrad.distributions.discrete import Categorical, _certain, _finite_logits, _probs_or_logits
from minigrad.distributions.distribution import Distribution, clamped_probs, parameters, validating, value_of
from minigrad.random import get_generator
from minigrad.scalars import is_integer


def _binary_probs_logits(name, probs, logits, validate):
    """(probs, logits) from exactly one of them: logits = log(p / (1 - p)) of p clamped inside (eps, 1 - eps)."""
    value, given_logits = _probs_or_logits(name, probs, logits)
    if given_logits:
        return ops.sigmoid(value), value
    if validate and not bool(np.all((to_numpy(value.data) >= 0) & (to_numpy(value.data) <= 1))):
        bad = to_numpy(value.data)[~((to_numpy(value.data) >= 0) & (to_numpy(value.data) <= 1))].flat[0]
        raise ValueError(f"{name}: expected parameter probs (shape {tuple(value.shape)}) to be in [0, 1], got {bad} "
                         f"among its values")
    clamped = clamped_probs(value)
    return value, ops.log(clamped) - ops.log1p(-clamped)


def _on_device(array, like):
    return Tensor(np.asarray(array).astype(like.dtype)).to(like.device)


class Poisson(Distribution):
    """Poisson(rate).   log p(k) = k log rate - rate - lgamma(k + 1). (No entropy, as torch: it has no closed form.)"""

    _params = ("rate",)
    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate, validate_args=None):
        (self.rate,) = parameters("Poisson", rate)
        super().__init__(self.rate.shape, (), validate_args)

    def _like(self):
        return self.rate

    @property
    def mean(self):
        return self.rate

    @property
    def mode(self):
        return ops.floor(self.rate)

    @property
    def variance(self):
        return self.rate

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        return _on_device(get_generator().poisson(np.broadcast_to(self.rate.numpy(), shape)), self.rate)

    def log_prob(self, value):
        value = value_of(self, value)
        self._validate_sample(value)
        return ops.xlogy(value, self.rate) - self.rate - ops.lgamma(value + 1.0)


class Binomial(Distribution):
    """Binomial(total_count n, probs p) on 0..n.   log p(k) = lgamma(n+1) - lgamma(k+1) - lgamma(n-k+1)
    + k l - n softplus(l), l the logits;  H = -sum_k p(k) log p(k) over 0..n (one n for the whole batch, as
    torch)."""

    _params = ("total_count", "probs")
    arg_constraints = {"total_count": constraints.nonnegative_integer, "probs": constraints.unit_interval,
                       "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        validate = validating(validate_args)     # the default too (set_default_validate_args)
        probs_, logits_ = _binary_probs_logits("Binomial", probs, logits, validate)
        # not detached: log_prob, mean and variance are differentiable in a float total_count, as torch's
        count = ops.astype(as_tensor(total_count, like=probs_), probs_.dtype)
        self.total_count, self.probs, self.logits = ops.broadcast_tensors(count, probs_, logits_)
        super().__init__(self.probs.shape, (), validate_args)

    def _like(self):
        return self.probs

    @property
    def support(self):
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self):
        return self.total_count * self.probs

    @property
    def mode(self):
        return ops.minimum(ops.floor((self.total_count + 1.0) * self.probs), self.total_count)

    @property
    def variance(self):
        return self.total_count * self.probs * (1.0 - self.probs)

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        n = np.broadcast_to(self.total_count.numpy().astype(np.int64), shape)
        return _on_device(get_generator().binomial(n, np.broadcast_to(self.probs.numpy(), shape)), self.probs)

    def log_prob(self, value):
        value = value_of(self, value)
        self._validate_sample(value)
        n = self.total_count
        infinite, logits = _finite_logits(self.logits)
        density = (ops.lgamma(n + 1.0) - ops.lgamma(value + 1.0) - ops.lgamma(n - value + 1.0)
                   + value * logits - n * ops.softplus(logits))
        return ops.where(infinite, _certain(value == n, value == 0, self.logits), density)   # all or none at +-inf

    def _homogeneous_count(self, what):
        counts = self.total_count.numpy()
        if counts.size and counts.min() != counts.max():
            raise NotImplementedError(f"Binomial.{what}: needs one total_count for the whole batch, got values from "
                                      f"{counts.min()} to {counts.max()}")
        return int(counts.max()) if counts.size else 0

    def enumerate_support(self, expand=True):
        """0..n along a new first dim: (n + 1, *batch_shape) (``expand``) or (n + 1, 1, ..., 1)."""
        n = self._homogeneous_count("enumerate_support")
        return self._enumerated(_on_device(np.arange(n + 1), self.probs), expand)

    def entropy(self):
        log_p = self.log_prob(self.enumerate_support(expand=False))
        return -ops.sum(ops.where(ops.isinf(log_p), 0.0, ops.exp(log_p) * log_p), axis=0)     # 0 log 0 = 0


class Geometric(Distribution):
    """The number of failures before the first success, P(k) = (1 - p)^k p, k = 0, 1, ...
    log p(k) = k log(1 - p) + log p;  H = (softplus(l) - p l) / p (l the logits);  mean 1/p - 1."""

    _params = ("probs",)
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs=None, logits=None, validate_args=None):
        validate = validating(validate_args)     # the default too (set_default_validate_args)
        self.probs, self.logits = _binary_probs_logits("Geometric", probs, logits, validate)
        if validate and probs is not None and not bool((self.probs.numpy() > 0).all()):
            raise ValueError(f"Geometric: expected parameter probs (shape {tuple(self.probs.shape)}) to be in "
                             f"(0, 1], got {self.probs.numpy().min()} among its values")
        super().__init__(self.probs.shape, (), validate_args)

    def _like(self):
        return self.probs

    @property
    def mean(self):
        return 1.0 / self.probs - 1.0

    @property
    def mode(self):
        return 0.0 * self.probs

    @property
    def variance(self):
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        u = np.maximum(get_generator().random(shape), np.finfo(np.float64).tiny)
        p = np.broadcast_to(self.probs.numpy().astype(np.float64), shape)
        with np.errstate(divide="ignore"):
            draws = np.floor(np.log(u) / np.log1p(-p))          # floor(log u / log(1 - p)); 0 where p = 1
        return _on_device(np.where(p == 1.0, 0.0, draws), self.probs)

    def log_prob(self, value):
        value = value_of(self, value)
        self._validate_sample(value)
        # 0 log 0 = 0 where p = 1 and k = 0, as torch: p is read as 0 there, so no log(0) is formed (nor its gradient)
        certain = Tensor((value.data == 0) & (self.probs.data == 1))
        probs = ops.where(certain, 0.0, self.probs)
        return value * ops.log1p(-probs) + ops.log(self.probs)

    def entropy(self):
        # logits +inf: success at once, H = 0; -inf: never, H = +inf (the formula reads NaN at both, as torch's)
        infinite, logits = _finite_logits(self.logits)
        probs = ops.where(infinite, 0.5, self.probs)
        edge = ops.astype(ops.where(self.logits > 0, 0.0, math.inf), probs.dtype)
        return ops.where(infinite, edge, (ops.softplus(logits) - probs * logits) / probs)


class Multinomial(Distribution):
    """Counts of ``total_count`` Categorical(p) draws (event shape (K,)).
    log p(x) = lgamma(sum x + 1) - sum_i lgamma(x_i + 1) + sum_i x_i log p_i;
    H = n H(Categorical) - lgamma(n + 1) + sum_i sum_{k=1..n} Binomial(n, p_i)(k) lgamma(k + 1)."""

    _params = ("probs",)
    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if not is_integer(total_count) or total_count < 0:
            raise ValueError(f"Multinomial: total_count must be a non-negative int, got {total_count!r}")
        self.total_count = int(total_count)
        try:
            self._categorical = Categorical(probs=probs, logits=logits, validate_args=validate_args)
        except ValueError as error:     # the message names the distribution the caller built
            raise ValueError("Multinomial" + str(error)[len("Categorical"):]) from None
        self.probs, self.logits = self._categorical.probs, self._categorical.logits
        shape = tuple(self.probs.shape)
        super().__init__(shape[:-1], shape[-1:], validate_args)

    def _like(self):
        return self.probs

    @property
    def support(self):
        return constraints.multinomial(self.total_count)

    @property
    def mean(self):
        return self.probs * self.total_count

    @property
    def variance(self):
        return self.total_count * self.probs * (1.0 - self.probs)

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        p = self.probs.numpy().astype(np.float64)
        draws = get_generator().multinomial(self.total_count, p / p.sum(-1, keepdims=True), size=shape[:-1])
        return _on_device(draws, self.probs)

    def log_prob(self, value):
        value = value_of(self, value)
        self._validate_sample(value)
        powers = ops.where(Tensor(value.data == 0), 0.0, value * self.logits)    # 0 log 0 = 0
        return (ops.lgamma(ops.sum(value, axis=-1) + 1.0) - ops.sum(ops.lgamma(value + 1.0), axis=-1)
                + ops.sum(powers, axis=-1))

    def entropy(self):
        n = self.total_count
        binomial = Binomial(n, probs=self.probs, validate_args=False)
        k = _on_device(np.arange(1, n + 1), self.probs)
        k = ops.reshape(k, (n,) + (1,) * self.probs.ndim)
        weights = ops.exp(binomial.log_prob(k)) * ops.lgamma(k + 1.0)
        return (n * self._categorical.entropy() - math.lgamma(n + 1)
                + ops.sum(ops.sum(weights, axis=0), axis=-1))
