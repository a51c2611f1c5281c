"""Distributions built on the gamma function and on Gamma draws: ``Gamma``, ``Chi2``, ``Beta``, ``Dirichlet``,
``StudentT``.

Densities use lgamma/digamma (minigrad/ops/gamma.py), so they are differentiable twice in every parameter.
``rsample`` is differentiable in the parameters through the implicit reparameterization gradient of a
standard gamma draw (``standard_gamma.py``): Beta and Dirichlet normalise Gamma draws (x = g_1 / (g_1 + g_0)),
StudentT divides a normal draw by sqrt(Chi2 / df). That is torch's construction for StudentT; for Beta and
Dirichlet torch differentiates the Dirichlet CDF instead, which gives the same distribution of gradients
(both are pathwise gradients of an exact sampler) but not the same value for one draw.
"""
from __future__ import annotations

import math

import numpy as np

from minigrad import ops
from minigrad.autograd.tensor import Tensor
from minigrad.distributions import constraints
from minigrad.distributions.distribution import Distribution, filled, parameters, standard_normal, value_of
from minigrad.distributions.standard_gamma import standard_gamma


class Gamma(Distribution):
    """Gamma(concentration c, rate r).   log p(x) = c log r + (c - 1) log x - r x - lgamma(c);
    H = c - log r + lgamma(c) + (1 - c) digamma(c);  cdf(x) = P(c, r x) (igamma, differentiable in r and x
    only, as torch's)."""

    has_rsample = True
    _params = ("concentration", "rate")
    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = parameters(type(self).__name__, concentration, rate)
        super().__init__(self.concentration.shape, (), validate_args)

    def _like(self):
        return self.concentration

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ops.clamp((self.concentration - 1.0) / self.rate, min=0.0)

    @property
    def variance(self):
        return self.concentration / self.rate ** 2

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        return standard_gamma(ops.broadcast_to(self.concentration, shape)) / self.rate     # z / r, z ~ Gamma(c, 1)

    def log_prob(self, value):
        value = value_of(self, value)
        self._validate_sample(value)
        c, r = self.concentration, self.rate
        return ops.xlogy(c, r) + ops.xlogy(c - 1.0, value) - r * value - ops.lgamma(c)

    def entropy(self):
        c = self.concentration
        return c - ops.log(self.rate) + ops.lgamma(c) + (1.0 - c) * ops.digamma(c)

    def cdf(self, value):
        value = value_of(self, value)
        self._validate_sample(value, "cdf")
        return ops.igamma(self.concentration, self.rate * value)


class Chi2(Gamma):
    """Chi2(df) = Gamma(df / 2, 1 / 2)."""

    _params = ("df",)
    arg_constraints = {"df": constraints.positive}

    def __init__(self, df, validate_args=None):
        (self.df,) = parameters("Chi2", df)
        super().__init__(0.5 * self.df, filled(self.df, 0.5), validate_args)


def _strictly_inside_unit(x):
    """x moved into [tiny, 1 - 2^-53] (float64; the float32 bounds for float32), as torch keeps its Dirichlet draws:
    with small concentrations g1 / (g1 + g0) rounds to exactly 1 (or 0), where the density is infinite. The shift
    is a constant, so the pathwise gradient is the unclamped one."""
    info = np.finfo(x.dtype)
    frozen = x.detach()
    return x + (ops.clamp(frozen, float(info.tiny), 1.0 - float(info.epsneg)) - frozen)


def _lbeta_terms(concentration):
    """sum_i lgamma(c_i) - lgamma(sum_i c_i) over the last dim: the log of the multivariate beta function."""
    return ops.sum(ops.lgamma(concentration), axis=-1) - ops.lgamma(ops.sum(concentration, axis=-1))


class Dirichlet(Distribution):
    """Dirichlet(c) on the simplex (event shape (K,)).   log p(x) = sum_i (c_i - 1) log x_i - log B(c);
    H = log B(c) - (K - a0) digamma(a0) - sum_i (c_i - 1) digamma(c_i), a0 = sum_i c_i."""

    has_rsample = True
    _params = ("concentration",)
    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex

    def __init__(self, concentration, validate_args=None):
        (self.concentration,) = parameters("Dirichlet", concentration)
        if self.concentration.ndim < 1:
            raise ValueError("Dirichlet: concentration needs at least one dim (the categories), got a 0-d value")
        shape = tuple(self.concentration.shape)
        super().__init__(shape[:-1], shape[-1:], validate_args)

    def _like(self):
        return self.concentration

    def _total(self):
        return ops.sum(self.concentration, axis=-1, keepdims=True)

    @property
    def mean(self):
        return self.concentration / self._total()

    @property
    def mode(self):
        """(c - 1)^+ / sum (c - 1)^+; the first vertex where every c_i < 1 (as torch)."""
        excess = ops.clamp(self.concentration - 1.0, min=0.0)
        with np.errstate(invalid="ignore"):     # 0 / 0 = NaN where every c_i <= 1, as torch (replaced below if < 1)
            mode = excess / ops.sum(excess, axis=-1, keepdims=True)
        below = (self.concentration.numpy() < 1).all(-1, keepdims=True)
        vertex = np.zeros(self.concentration.shape, dtype=self.concentration.dtype)
        vertex[..., 0] = 1.0
        return ops.where(Tensor(np.broadcast_to(below, vertex.shape)).to(mode.device),
                         Tensor(vertex).to(mode.device), mode)

    @property
    def variance(self):
        total = self._total()
        return self.concentration * (total - self.concentration) / (total ** 2 * (total + 1.0))

    def rsample(self, sample_shape=()):
        gammas = standard_gamma(ops.broadcast_to(self.concentration, self._extended_shape(sample_shape)))
        return _strictly_inside_unit(ops.softmax(ops.log(gammas), axis=-1))     # g / sum g, see Beta.rsample

    def log_prob(self, value):
        value = value_of(self, value)
        self._validate_sample(value)
        return ops.sum(ops.xlogy(self.concentration - 1.0, value), axis=-1) - _lbeta_terms(self.concentration)

    def entropy(self):
        c = self.concentration
        k = c.shape[-1]
        total = ops.sum(c, axis=-1)
        return (_lbeta_terms(c) - (k - total) * ops.digamma(total)
                - ops.sum((c - 1.0) * ops.digamma(c), axis=-1))


class Beta(Distribution):
    """Beta(concentration1 = a, concentration0 = b) on [0, 1]: the first coordinate of Dirichlet([a, b]).
    log p(x) = (a - 1) log x + (b - 1) log(1 - x) - log B(a, b)."""

    has_rsample = True
    _params = ("concentration1", "concentration0")
    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval

    def __init__(self, concentration1, concentration0, validate_args=None):
        self.concentration1, self.concentration0 = parameters("Beta", concentration1, concentration0)
        super().__init__(self.concentration1.shape, (), validate_args)

    def _like(self):
        return self.concentration1

    def _pair(self):
        return ops.stack([self.concentration1, self.concentration0], axis=-1)

    @property
    def mean(self):
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self):
        return Dirichlet(self._pair(), validate_args=False).mode[..., 0]

    @property
    def variance(self):
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total ** 2 * (total + 1.0))

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        g1 = standard_gamma(ops.broadcast_to(self.concentration1, shape))
        g0 = standard_gamma(ops.broadcast_to(self.concentration0, shape))
        # g1 / (g1 + g0) as sigmoid(log g1 - log g0): with small concentrations the draws are near 1e-300, where
        # the quotient rule's (g1 + g0)^2 underflows to 0 and the gradient became -inf
        return _strictly_inside_unit(ops.sigmoid(ops.log(g1) - ops.log(g0)))

    def log_prob(self, value):
        value = value_of(self, value)
        self._validate_sample(value)
        a, b = self.concentration1, self.concentration0
        return (ops.xlogy(a - 1.0, value) + ops.xlogy(b - 1.0, 1.0 - value)
                - ops.lgamma(a) - ops.lgamma(b) + ops.lgamma(a + b))

    def entropy(self):
        return Dirichlet(self._pair(), validate_args=False).entropy()


class StudentT(Distribution):
    """StudentT(df, loc, scale).   log p(x) = -(df + 1)/2 log(1 + y^2 / df) - log scale - log(df pi)/2
    - lgamma(df/2) + lgamma((df + 1)/2), y = (x - loc) / scale;
    H = log scale + (df + 1)/2 (digamma((df + 1)/2) - digamma(df/2)) + log(df)/2 + log B(df/2, 1/2).
    rsample: loc + scale eps / sqrt(Chi2(df) / df), eps ~ N(0, 1)."""

    has_rsample = True
    _params = ("df", "loc", "scale")
    arg_constraints = {"df": constraints.positive, "loc": constraints.real, "scale": constraints.positive}
    support = constraints.real

    def __init__(self, df, loc=0.0, scale=1.0, validate_args=None):
        self.df, self.loc, self.scale = parameters("StudentT", df, loc, scale)
        super().__init__(self.df.shape, (), validate_args)

    def _like(self):
        return self.df

    @property
    def mean(self):
        return ops.where(self.df > 1.0, self.loc, math.nan)

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        df = self.df
        finite = self.scale ** 2 * df / ops.where(df > 2.0, df - 2.0, 1.0)
        undefined = np.where(df.numpy() > 1.0, math.inf, math.nan).astype(df.dtype)    # inf for 1 < df <= 2
        return ops.where(df > 2.0, finite, Tensor(undefined).to(df.device))

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        eps = standard_normal(shape, self.df)
        chi2 = 2.0 * standard_gamma(ops.broadcast_to(0.5 * self.df, shape))          # Chi2(df) = 2 Gamma(df/2, 1)
        return self.loc + self.scale * eps * ops.sqrt(self.df / chi2)

    def log_prob(self, value):
        value = value_of(self, value)
        self._validate_sample(value)
        df = self.df
        y = (value - self.loc) / self.scale
        norm = (ops.log(self.scale) + 0.5 * ops.log(df) + 0.5 * math.log(math.pi)
                + ops.lgamma(0.5 * df) - ops.lgamma(0.5 * (df + 1.0)))
        return -0.5 * (df + 1.0) * ops.log1p(y ** 2 / df) - norm

    def entropy(self):
        df = self.df
        lbeta = ops.lgamma(0.5 * df) + math.lgamma(0.5) - ops.lgamma(0.5 * (df + 1.0))
        return (ops.log(self.scale) + 0.5 * (df + 1.0) * (ops.digamma(0.5 * (df + 1.0)) - ops.digamma(0.5 * df))
                + 0.5 * ops.log(df) + lbeta)

