"""Two more location-scale families on the real line: ``Cauchy`` and ``Gumbel``.

Both sample by inverting their CDF at a uniform draw u (loc + scale F^-1(u)), so ``rsample`` is
differentiable in loc and scale.
"""
from __future__ import annotations

import math

from minigrad import ops
from minigrad.distributions.continuous import _LocationScale
from minigrad.distributions.distribution import filled, uniform, value_of

EULER_GAMMA = 0.5772156649015329


class Cauchy(_LocationScale):
    """Cauchy(loc, scale).   log p(x) = -log(pi scale) - log(1 + y^2), y = (x - loc) / scale;  H = log(4 pi scale);
    cdf = atan(y) / pi + 1/2. Its mean is undefined (NaN) and its variance infinite, as torch says."""

    @property
    def mean(self):
        return filled(self.loc, math.nan)   # a constant, as torch's: loc * nan would send NaN gradients to loc

    @property
    def variance(self):
        return filled(self.loc, math.inf)

    def rsample(self, sample_shape=()):
        u = uniform(self._extended_shape(sample_shape), self.loc)
        return self.loc + self.scale * ops.tan(math.pi * (u - 0.5))          # loc + scale tan(pi (u - 1/2))

    def log_prob(self, value):
        value = value_of(self, value)
        self._validate_sample(value)
        y = (value - self.loc) / self.scale
        return -math.log(math.pi) - ops.log(self.scale) - ops.log1p(y ** 2)

    def entropy(self):
        return math.log(4.0 * math.pi) + ops.log(self.scale)

    def cdf(self, value):
        value = value_of(self, value)
        self._validate_sample(value, "cdf")
        return ops.atan((value - self.loc) / self.scale) / math.pi + 0.5

    def icdf(self, value):
        return self.loc + self.scale * ops.tan(math.pi * (value_of(self, value) - 0.5))


class Gumbel(_LocationScale):
    """Gumbel(loc, scale), the law of the maximum.   log p(x) = -log scale - z - e^-z, z = (x - loc) / scale;
    H = log scale + 1 + gamma_E;  mean loc + gamma_E scale;  cdf = exp(-e^-z)."""

    @property
    def mean(self):
        return self.loc + EULER_GAMMA * self.scale

    @property
    def stddev(self):
        return math.pi / math.sqrt(6.0) * self.scale

    @property
    def variance(self):
        return self.stddev ** 2

    def rsample(self, sample_shape=()):
        u = uniform(self._extended_shape(sample_shape), self.loc)
        return self.loc - self.scale * ops.log(-ops.log(u))                   # loc - scale log(-log u)

    def log_prob(self, value):
        value = value_of(self, value)
        self._validate_sample(value)
        z = (value - self.loc) / self.scale
        return -(ops.log(self.scale) + z + ops.exp(-z))

    def entropy(self):
        return ops.log(self.scale) + 1.0 + EULER_GAMMA

    def cdf(self, value):
        value = value_of(self, value)
        self._validate_sample(value, "cdf")
        return ops.exp(-ops.exp(-(value - self.loc) / self.scale))

    def icdf(self, value):
        return self.loc - self.scale * ops.log(-ops.log(value_of(self, value)))
