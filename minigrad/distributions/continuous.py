"""Distributions of one real number: ``Normal``, ``Uniform``, ``Exponential``, ``Laplace``.

Each formula is the textbook one, written with minigrad ops, so it is differentiable (twice) in the
parameters and the value.
"""
from __future__ import annotations

import math

from minigrad import ops
from minigrad.autograd.tensor import Tensor
from minigrad.distributions import constraints
from minigrad.distributions.distribution import (LOG_SQRT_2PI, Distribution, check_positive, filled, parameters,
                                                 standard_normal, uniform, value_of)


class _LocationScale(Distribution):
    """A distribution given by a location ``loc`` and a scale ``scale`` > 0 (Normal, Laplace): its mean is loc."""

    has_rsample = True
    _params = ("loc", "scale")
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = parameters(type(self).__name__, loc, scale)
        super().__init__(self.loc.shape, (), validate_args)

    def _like(self):
        return self.loc

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc


class Normal(_LocationScale):
    """N(loc, scale^2).   log p(x) = -(x - loc)^2 / (2 scale^2) - log scale - log sqrt(2 pi)."""

    @property
    def stddev(self):
        return self.scale

    @property
    def variance(self):
        return self.scale ** 2

    def rsample(self, sample_shape=()):
        return self.loc + standard_normal(self._extended_shape(sample_shape), self.loc) * self.scale   # loc + scale eps

    def log_prob(self, value):
        value = value_of(self, value)
        self._validate_sample(value)
        return -((value - self.loc) ** 2) / (2.0 * self.variance) - ops.log(self.scale) - LOG_SQRT_2PI

    def entropy(self):
        return 0.5 + LOG_SQRT_2PI + ops.log(self.scale)   # 1/2 + log(sqrt(2 pi) scale); scale has the batch shape

    def cdf(self, value):
        value = value_of(self, value)
        self._validate_sample(value, "cdf")
        return 0.5 * (1.0 + ops.erf((value - self.loc) / (self.scale * math.sqrt(2.0))))

    def icdf(self, value):
        return self.loc + self.scale * ops.erfinv(2.0 * value_of(self, value) - 1.0) * math.sqrt(2.0)


class Uniform(Distribution):
    """U(low, high).   log p(x) = -log(high - low) on [low, high), -inf elsewhere."""

    has_rsample = True
    _params = ("low", "high")
    arg_constraints = {"low": constraints.dependent, "high": constraints.dependent}

    @property
    def support(self):
        return constraints.interval(self.low, self.high)

    def __init__(self, low, high, validate_args=None):
        self.low, self.high = parameters("Uniform", low, high)
        super().__init__(self.low.shape, (), validate_args)
        check_positive("Uniform", "high - low", self.high - self.low, self._validate_args)

    def _like(self):
        return self.low

    @property
    def mean(self):
        return (self.low + self.high) / 2.0

    @property
    def mode(self):
        return self.high * math.nan

    @property
    def variance(self):
        return (self.high - self.low) ** 2 / 12.0

    def rsample(self, sample_shape=()):
        u = uniform(self._extended_shape(sample_shape), self.low)
        return self.low + u * (self.high - self.low)                    # low + u (high - low)

    def log_prob(self, value):
        value = value_of(self, value)
        self._validate_sample(value)
        inside = (value.data >= self.low.data) & (value.data < self.high.data)
        return ops.where(Tensor(inside), -ops.log(self.high - self.low), -math.inf)

    def entropy(self):
        return ops.log(self.high - self.low)

    def cdf(self, value):
        value = value_of(self, value)
        self._validate_sample(value, "cdf")
        return ops.clamp((value - self.low) / (self.high - self.low), 0.0, 1.0)

    def icdf(self, value):
        return self.low + value_of(self, value) * (self.high - self.low)


class Exponential(Distribution):
    """Exp(rate).   log p(x) = log rate - rate x for x >= 0."""

    has_rsample = True
    _params = ("rate",)
    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative

    def __init__(self, rate, validate_args=None):
        (self.rate,) = parameters("Exponential", rate)
        super().__init__(self.rate.shape, (), validate_args)

    def _like(self):
        return self.rate

    @property
    def mean(self):
        return 1.0 / self.rate

    @property
    def stddev(self):
        return 1.0 / self.rate

    @property
    def mode(self):
        return filled(self.rate, 0.0)

    @property
    def variance(self):
        return self.rate ** -2

    def rsample(self, sample_shape=()):
        u = uniform(self._extended_shape(sample_shape), self.rate)
        return -ops.log(u) / self.rate                                   # -log(u) / rate

    def log_prob(self, value):
        value = value_of(self, value)
        self._validate_sample(value)
        return ops.log(self.rate) - self.rate * value

    def entropy(self):
        return 1.0 - ops.log(self.rate)

    def cdf(self, value):
        value = value_of(self, value)
        self._validate_sample(value, "cdf")
        return 1.0 - ops.exp(-self.rate * value)

    def icdf(self, value):
        return -ops.log1p(-value_of(self, value)) / self.rate


class Laplace(_LocationScale):
    """Laplace(loc, scale).   log p(x) = -log(2 scale) - |x - loc| / scale."""

    @property
    def stddev(self):
        return math.sqrt(2.0) * self.scale

    @property
    def variance(self):
        return 2.0 * self.scale ** 2

    def rsample(self, sample_shape=()):
        u = uniform(self._extended_shape(sample_shape), self.loc, -1.0, 1.0)
        return self.loc - self.scale * ops.sign(u) * ops.log1p(-ops.abs(u))   # loc - scale sgn(u) log(1 - |u|)

    def log_prob(self, value):
        value = value_of(self, value)
        self._validate_sample(value)
        return -ops.log(2.0 * self.scale) - ops.abs(value - self.loc) / self.scale

    def entropy(self):
        return 1.0 + ops.log(2.0 * self.scale)

    def cdf(self, value):
        value = value_of(self, value)
        self._validate_sample(value, "cdf")
        z = value - self.loc
        return 0.5 - 0.5 * ops.sign(z) * ops.expm1(-ops.abs(z) / self.scale)

    def icdf(self, value):
        p = value_of(self, value) - 0.5
        return self.loc - self.scale * ops.sign(p) * ops.log1p(-2.0 * ops.abs(p))
