"""Distributions of a function of a Normal draw: ``HalfNormal`` (|X|, X ~ N(0, scale^2); |.| is not invertible,
so its density is written out: twice the Normal's on y >= 0) and ``LogNormal`` (exp(X), X ~ N(loc, scale^2), a
``TransformedDistribution`` as in torch). Each keeps the Normal as ``base_dist``.
"""
from __future__ import annotations

import math

from minigrad import ops
from minigrad.autograd.tensor import Tensor
from minigrad.distributions import constraints
from minigrad.distributions.continuous import Normal
from minigrad.distributions.distribution import Distribution, filled, parameters, value_of
from minigrad.distributions.transformed_distribution import TransformedDistribution
from minigrad.distributions.transforms import ExpTransform


class HalfNormal(Distribution):
    """|X|, X ~ N(0, scale^2).   log p(y) = log N(y; 0, scale) + log 2 for y >= 0 (-inf below);
    H = H(Normal) - log 2;  cdf = 2 Phi(y / scale) - 1;  mean scale sqrt(2 / pi)."""

    has_rsample = True
    _params = ("scale",)
    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative

    def __init__(self, scale, validate_args=None):
        (self.scale,) = parameters("HalfNormal", scale)
        super().__init__(self.scale.shape, (), validate_args)
        self.base_dist = Normal(filled(self.scale, 0.0), self.scale, validate_args=False)

    def _like(self):
        return self.scale

    @property
    def mean(self):
        return self.scale * math.sqrt(2.0 / math.pi)

    @property
    def mode(self):
        return filled(self.scale, 0.0)

    @property
    def variance(self):
        return self.scale ** 2 * (1.0 - 2.0 / math.pi)

    def rsample(self, sample_shape=()):
        return ops.abs(self.base_dist.rsample(sample_shape))

    def log_prob(self, value):
        value = value_of(self, value)
        self._validate_sample(value)
        inside = Tensor(value.data >= 0)
        return ops.where(inside, self.base_dist.log_prob(value) + math.log(2.0), -math.inf)

    def entropy(self):
        return self.base_dist.entropy() - math.log(2.0)

    def cdf(self, value):
        value = value_of(self, value)
        self._validate_sample(value, "cdf")
        return 2.0 * self.base_dist.cdf(value) - 1.0

    def icdf(self, value):
        return self.base_dist.icdf((value_of(self, value) + 1.0) / 2.0)


class LogNormal(TransformedDistribution):
    """exp(X), X ~ N(loc, scale^2): ``TransformedDistribution(Normal(loc, scale), ExpTransform())``, as torch.
    log p(y) = log N(log y; loc, scale) - log y;  H = H(Normal) + loc;  mean exp(loc + scale^2 / 2);
    mode exp(loc - scale^2);  var (exp(scale^2) - 1) exp(2 loc + scale^2)."""

    _params = ("loc", "scale")
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = parameters("LogNormal", loc, scale)
        super().__init__(Normal(self.loc, self.scale, validate_args=False), ExpTransform(), validate_args)

    @property
    def mean(self):
        return ops.exp(self.loc + self.scale ** 2 / 2.0)

    @property
    def mode(self):
        return ops.exp(self.loc - self.scale ** 2)

    @property
    def variance(self):
        s2 = self.scale ** 2
        return ops.expm1(s2) * ops.exp(2.0 * self.loc + s2)

    def entropy(self):
        return self.base_dist.entropy() + self.loc
