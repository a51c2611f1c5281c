"""KL(p || q) between distributions of different families, for the pairs torch registers among minigrad's.

Most are KL = -H(p) - E_p[log q(x)], with E_p[log q] from p's moments:

* q = Normal(m, s):   E_p[log q] = -log(s sqrt(2 pi)) - (Var_p + (E_p x - m)^2) / (2 s^2);
* q = Gumbel(m, b):   E_p[log q] = -log b - (E_p x - m) / b - e^(m/b) E_p[e^(-x/b)] (p's moment generating
  function at -1/b);
* q = Exponential(r): E_p[log q] = log r - r E_p x;  q = Gamma(c, r): c log r + (c - 1) E_p[log x] - r E_p x
  - lgamma(c) (p on x >= 0);
* q = Uniform(l, h):  E_p[log q] = -log(h - l) where p's support lies inside [l, h].

Where p's support is not inside q's, KL is +inf, of p's batch shape (as torch).
"""
from __future__ import annotations

import math

import numpy as np

from minigrad import ops
from minigrad.autograd.tensor import Tensor
from minigrad.distributions.continuous import Exponential, Laplace, Normal, Uniform
from minigrad.distributions.counts import Binomial, Poisson
from minigrad.distributions.discrete import Bernoulli
from minigrad.distributions.gamma_family import Beta, Gamma
from minigrad.distributions.kl import register_kl
from minigrad.distributions.location_scale import Gumbel

LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def _infinite(p):
    like = p._like()
    return Tensor(np.full(p.batch_shape, np.inf, dtype=like.dtype)).to(like.device)


def _where_inf(condition, value):
    """``value`` with +inf where ``condition`` (a host bool array broadcast to value's shape)."""
    mask = Tensor(np.broadcast_to(condition, value.shape).copy()).to(value.device)
    return ops.where(mask, math.inf, value)


# ------------------------------------------------------------------------------------------- q = Normal
@register_kl(Exponential, Normal)
@register_kl(Gamma, Normal)
@register_kl(Beta, Normal)
@register_kl(Gumbel, Normal)
@register_kl(Laplace, Normal)
@register_kl(Uniform, Normal)
def _any_normal(p, q):
    second_moment = p.variance + (p.mean - q.loc) ** 2                 # E_p[(x - m)^2]
    return -p.entropy() + LOG_SQRT_2PI + ops.log(q.scale) + second_moment / (2.0 * q.scale ** 2)


# ------------------------------------------------------------------------------------------- q = Gumbel
def _gumbel_cross(p, q, mgf):
    """-H(p) + log b + (E_p x - m) / b + e^(m/b) M_p(-1/b), ``mgf`` = M_p(-1/b) e^(m/b) given as a function of q."""
    return -p.entropy() + ops.log(q.scale) + (p.mean - q.loc) / q.scale + mgf(q)


@register_kl(Exponential, Gumbel)
def _exponential_gumbel(p, q):
    # M(t) = r / (r - t) at t = -1/b: r b / (r b + 1)
    return _gumbel_cross(p, q, lambda q: ops.exp(q.loc / q.scale) * p.rate * q.scale / (p.rate * q.scale + 1.0))


@register_kl(Gamma, Gumbel)
def _gamma_gumbel(p, q):
    # M(t) = (1 - t / r)^-c at t = -1/b: (1 + 1 / (r b))^-c
    return _gumbel_cross(p, q, lambda q: ops.exp(q.loc / q.scale - p.concentration
                                                 * ops.log1p(1.0 / (p.rate * q.scale))))


@register_kl(Normal, Gumbel)
def _normal_gumbel(p, q):
    # M(t) = exp(mu t + s^2 t^2 / 2) at t = -1/b
    return _gumbel_cross(p, q, lambda q: ops.exp((q.loc - p.loc) / q.scale + (p.scale / q.scale) ** 2 / 2.0))


@register_kl(Uniform, Gumbel)
def _uniform_gumbel(p, q):
    # M(t) = (e^(t h) - e^(t l)) / (t (h - l)) at t = -1/b: b (e^(-l/b) - e^(-h/b)) / (h - l)
    return _gumbel_cross(p, q, lambda q: q.scale * (ops.exp((q.loc - p.low) / q.scale)
                                                    - ops.exp((q.loc - p.high) / q.scale)) / (p.high - p.low))


# ------------------------------------------------------------------------------------ q on x >= 0 or [l, h]
@register_kl(Beta, Exponential)
def _beta_exponential(p, q):
    return -p.entropy() - ops.log(q.rate) + q.rate * p.mean


@register_kl(Uniform, Exponential)
def _uniform_exponential(p, q):
    kl = -p.entropy() - ops.log(q.rate) + q.rate * p.mean
    return _where_inf(p.low.numpy() < 0, kl)


def _gamma_cross(p, q, mean_log):
    c, r = q.concentration, q.rate
    return -p.entropy() - (c * ops.log(r) + (c - 1.0) * mean_log - r * p.mean - ops.lgamma(c))


@register_kl(Beta, Gamma)
def _beta_gamma(p, q):
    a, b = p.concentration1, p.concentration0
    return _gamma_cross(p, q, ops.digamma(a) - ops.digamma(a + b))          # E[log x] under Beta(a, b)


@register_kl(Uniform, Gamma)
def _uniform_gamma(p, q):
    # E[log x] under U(l, h), 0 <= l: (h log h - l log l) / (h - l) - 1
    mean_log = (ops.xlogy(p.high, p.high) - ops.xlogy(p.low, p.low)) / (p.high - p.low) - 1.0
    return _where_inf(p.low.numpy() < 0, _gamma_cross(p, q, mean_log))


@register_kl(Beta, Uniform)
def _beta_uniform(p, q):
    kl = -p.entropy() + ops.log(q.high - q.low)
    return _where_inf((q.low.numpy() > 0) | (q.high.numpy() < 1), kl)


@register_kl(Uniform, Beta)
def _uniform_beta(p, q):
    """-log(h - l) - E_u[(a - 1) log x + (b - 1) log(1 - x)] + log B(a, b), with E_u[log x] = (h log h - l log l) /
    (h - l) - 1 and E_u[log(1 - x)] likewise in 1 - x; inf unless 0 <= l and h <= 1."""
    width = p.high - p.low
    mean_log = (ops.xlogy(p.high, p.high) - ops.xlogy(p.low, p.low)) / width - 1.0
    mean_log1m = (ops.xlogy(1.0 - p.low, 1.0 - p.low) - ops.xlogy(1.0 - p.high, 1.0 - p.high)) / width - 1.0
    a, b = q.concentration1, q.concentration0
    log_beta = ops.lgamma(a) + ops.lgamma(b) - ops.lgamma(a + b)
    kl = -ops.log(width) - (a - 1.0) * mean_log - (b - 1.0) * mean_log1m + log_beta
    return _where_inf((p.high.numpy() > 1) | (p.low.numpy() < 0), kl)


# ------------------------------------------------------------------------------------------- q = Laplace
@register_kl(Normal, Laplace)
def _normal_laplace(p, q):
    """-H(p) + log(2 b) + E_p|x - m| / b, E|x - m| the folded normal's mean s sqrt(2/pi) e^(-d^2 / 2s^2)
    + d erf(d / (s sqrt 2)), d = mu - m."""
    d = p.loc - q.loc
    folded = (p.scale * math.sqrt(2.0 / math.pi) * ops.exp(-(d / p.scale) ** 2 / 2.0)
              + d * ops.erf(d / (p.scale * math.sqrt(2.0))))
    return -p.entropy() + ops.log(2.0 * q.scale) + folded / q.scale


# ------------------------------------------------------------------------------------------- discrete
@register_kl(Bernoulli, Poisson)
def _bernoulli_poisson(p, q):
    # log q(k) = k log r - r for k in {0, 1}; 0 log 0 = 0: Bernoulli(0) against Poisson(0) is 0, not NaN
    return -p.entropy() - (ops.xlogy(p.probs, q.rate) - q.rate)


# ------------------------------------------------------------------------------- disjoint supports: +inf
@register_kl(Exponential, Beta)
@register_kl(Exponential, Uniform)
@register_kl(Gamma, Beta)
@register_kl(Gamma, Uniform)
@register_kl(Gumbel, Beta)
@register_kl(Gumbel, Exponential)
@register_kl(Gumbel, Gamma)
@register_kl(Gumbel, Uniform)
@register_kl(Laplace, Beta)
@register_kl(Laplace, Exponential)
@register_kl(Laplace, Gamma)
@register_kl(Laplace, Uniform)
@register_kl(Normal, Beta)
@register_kl(Normal, Exponential)
@register_kl(Normal, Gamma)
@register_kl(Normal, Uniform)
@register_kl(Poisson, Bernoulli)
@register_kl(Poisson, Binomial)
def _infinite_pair(p, q):
    """p puts mass where q has none (an unbounded support against a bounded or half-bounded one)."""
    return _infinite(p)
