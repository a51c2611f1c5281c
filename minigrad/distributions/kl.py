"""``kl_divergence(p, q)`` = E_p[log p - log q], in closed form for the pairs registered here (``register_kl``
adds more); the most specific registered pair of classes is used, as in PyTorch."""
from __future__ import annotations

import math

import numpy as np

from minigrad import linalg, ops
from minigrad.autograd.tensor import Tensor
from minigrad.distributions.continuous import Exponential, Laplace, Normal, Uniform
from minigrad.distributions.counts import Binomial, Geometric, Poisson
from minigrad.distributions.discrete import Bernoulli, Categorical, OneHotCategorical
from minigrad.distributions.gamma_family import Beta, Dirichlet, Gamma
from minigrad.distributions.independent import Independent
from minigrad.distributions.location_scale import EULER_GAMMA, Cauchy, Gumbel
from minigrad.distributions.multivariate_normal import MultivariateNormal
from minigrad.distributions.normal_transforms import HalfNormal
from minigrad.distributions.transformed_distribution import TransformedDistribution

_KL = {}


def register_kl(type_p, type_q):
    """Decorator: ``@register_kl(P, Q) def kl(p, q): ...`` makes ``kl_divergence`` use it for P, Q (and subclasses
    with no closer pair)."""
    def decorate(fn):
        _KL[type_p, type_q] = fn
        return fn
    return decorate


def kl_divergence(p, q):
    """KL(p || q), of shape batch_shape."""
    matches = [(tp, tq) for tp, tq in _KL if isinstance(p, tp) and isinstance(q, tq)]
    if not matches:
        raise NotImplementedError(f"kl_divergence: no closed form registered for {type(p).__name__} and "
                                  f"{type(q).__name__}; register one with register_kl")
    best = min(matches, key=lambda pair: (type(p).__mro__.index(pair[0]), type(q).__mro__.index(pair[1])))
    return _KL[best](p, q)


@register_kl(Normal, Normal)
def _normal_normal(p, q):
    ratio = (p.scale / q.scale) ** 2                       # (s_p / s_q)^2
    gap = ((p.loc - q.loc) / q.scale) ** 2                 # ((m_p - m_q) / s_q)^2
    return 0.5 * (ratio + gap - 1.0 - ops.log(ratio))


@register_kl(Bernoulli, Bernoulli)
def _bernoulli_bernoulli(p, q):
    # p log(p/q) + (1-p) log((1-p)/(1-q)), from the logits. Logits made from probs are clamped, so where q puts no
    # mass (q = 0 or 1) the term is set to +inf, and to 0 where p puts none (0 log 0), as torch
    ones = ops.where(q.probs == 0, math.inf, p.probs * (ops.softplus(-q.logits) - ops.softplus(-p.logits)))
    zeros = ops.where(q.probs == 1, math.inf, (1.0 - p.probs) * (ops.softplus(q.logits) - ops.softplus(p.logits)))
    return ops.where(p.probs == 0, 0.0, ones) + ops.where(p.probs == 1, 0.0, zeros)


@register_kl(Categorical, Categorical)
def _categorical_categorical(p, q):
    terms = ops.where(q.probs == 0, math.inf, p.probs * (p.logits - q.logits))   # p > 0 where q = 0: +inf
    return ops.sum(ops.where(p.probs == 0, 0.0, terms), axis=-1)     # 0 log 0 = 0


@register_kl(OneHotCategorical, OneHotCategorical)
def _one_hot_one_hot(p, q):
    return _categorical_categorical(p, q)


@register_kl(Uniform, Uniform)
def _uniform_uniform(p, q):
    inside = (q.low.data <= p.low.data) & (p.high.data <= q.high.data)
    return ops.where(Tensor(inside), ops.log((q.high - q.low) / (p.high - p.low)), math.inf)


@register_kl(Exponential, Exponential)
def _exponential_exponential(p, q):
    ratio = q.rate / p.rate
    return ratio - 1.0 - ops.log(ratio)                   # r - 1 - log r, r = rate_q / rate_p


@register_kl(Laplace, Laplace)
def _laplace_laplace(p, q):
    ratio = p.scale / q.scale
    gap = ops.abs(p.loc - q.loc)
    return -ops.log(ratio) + gap / q.scale + ratio * ops.exp(-gap / p.scale) - 1.0


@register_kl(MultivariateNormal, MultivariateNormal)
def _mvn_mvn(p, q):
    # (tr(S_q^-1 S_p) + (m_q - m_p)^T S_q^-1 (m_q - m_p) - k) / 2 + log|L_q| - log|L_p|
    k = p.event_shape[0]
    shape = ops.broadcast_tensors(p.loc, q.loc)[0].shape
    lq = ops.broadcast_to(q.scale_tril, shape + (k,))
    lp = ops.broadcast_to(p.scale_tril, shape + (k,))
    m = linalg.solve(lq, lp)                                          # L_q^-1 L_p
    z = ops.squeeze(linalg.solve(lq, ops.expand_dims(q.loc - p.loc, -1)), -1)
    trace = ops.sum(ops.sum(m * m, axis=-1), axis=-1)
    return 0.5 * (trace + ops.sum(z * z, axis=-1) - k) + q._half_log_det() - p._half_log_det()


@register_kl(Independent, Independent)
def _independent_independent(p, q):
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError("kl_divergence: Independent distributions with different event dims")
    return p._sum_rightmost(kl_divergence(p.base_dist, q.base_dist))


@register_kl(Gamma, Gamma)
def _gamma_gamma(p, q):
    # c_q log(r_p / r_q) + lgamma(c_q) - lgamma(c_p) + (c_p - c_q) digamma(c_p) + (r_q - r_p) c_p / r_p
    cp, rp, cq, rq = p.concentration, p.rate, q.concentration, q.rate
    return (cq * ops.log(rp / rq) + ops.lgamma(cq) - ops.lgamma(cp) + (cp - cq) * ops.digamma(cp)
            + (rq - rp) * cp / rp)


@register_kl(Exponential, Gamma)
def _exponential_gamma(p, q):
    # Exp(r) = Gamma(1, r): -c_q log(r_q / r) + r_q / r + lgamma(c_q) + c_q gamma_E - (1 + gamma_E)
    ratio = q.rate / p.rate
    return (-q.concentration * ops.log(ratio) + ratio + ops.lgamma(q.concentration)
            + q.concentration * EULER_GAMMA - (1.0 + EULER_GAMMA))


@register_kl(Gamma, Exponential)
def _gamma_exponential(p, q):
    return -p.entropy() - ops.log(q.rate) + q.rate * p.concentration / p.rate      # -H(p) - E_p[log q]


@register_kl(Dirichlet, Dirichlet)
def _dirichlet_dirichlet(p, q):
    # log B(c_q) - log B(c_p) + sum_i (c_p,i - c_q,i) (digamma(c_p,i) - digamma(a_p))
    cp, cq = p.concentration, q.concentration
    total = ops.sum(cp, axis=-1, keepdims=True)
    return (ops.lgamma(ops.sum(cp, axis=-1)) - ops.lgamma(ops.sum(cq, axis=-1))
            - ops.sum(ops.lgamma(cp) - ops.lgamma(cq), axis=-1)
            + ops.sum((cp - cq) * (ops.digamma(cp) - ops.digamma(total)), axis=-1))


@register_kl(Beta, Beta)
def _beta_beta(p, q):
    return _dirichlet_dirichlet(Dirichlet(p._pair(), validate_args=False), Dirichlet(q._pair(), validate_args=False))


@register_kl(Poisson, Poisson)
def _poisson_poisson(p, q):
    # p log(p / q) - (p - q) with 0 log 0 = 0 (a rate of 0 is allowed): q where p = 0, +inf where only q = 0
    return ops.xlogy(p.rate, p.rate) - ops.xlogy(p.rate, q.rate) - (p.rate - q.rate)


@register_kl(Geometric, Geometric)
def _geometric_geometric(p, q):
    # -H(p) - E_p[k] log(1 - q) - log q, with E_p[k] = (1 - p) / p; where p = q = 1 that product is 0 log 0 = 0
    certain = (p.probs == 1) & (q.probs == 1)
    q_safe = ops.where(certain, 0.0, q.probs)        # no log(0) left in the graph: its gradient would be NaN
    failures = ops.where(certain, 0.0, (1.0 / p.probs - 1.0) * ops.log1p(-q_safe))
    return -p.entropy() - failures - ops.log(q.probs)


@register_kl(Binomial, Binomial)
def _binomial_binomial(p, q):
    """n_p (p log(p/q) + log(1 - p) - log(1 - q)) for equal counts; inf where n_p > n_q; refused where
    n_p < n_q (as torch)."""
    n_p, n_q = p.total_count.numpy(), q.total_count.numpy()
    if (n_p < n_q).any():
        raise NotImplementedError("kl_divergence: Binomial pairs where q.total_count > p.total_count are not "
                                  "implemented")
    # n KL(Bernoulli(p) || Bernoulli(q)): torch's n (p (l_p - l_q) + log(1 - p) - log(1 - q)) is -inf or NaN where p
    # is 0 or 1; this is the exact limit there
    kl = p.total_count * _bernoulli_bernoulli(p, q)
    return ops.where(Tensor(np.broadcast_to(n_p > n_q, kl.shape)).to(kl.device), math.inf, kl)


@register_kl(Gumbel, Gumbel)
def _gumbel_gumbel(p, q):
    ratio = p.scale / q.scale
    loc_q, loc_p = q.loc / q.scale, p.loc / q.scale
    return (-ops.log(ratio) - loc_q + loc_p + ratio * EULER_GAMMA
            + ops.exp(loc_q + ops.lgamma(1.0 + ratio) - loc_p) - (1.0 + EULER_GAMMA))


@register_kl(Cauchy, Cauchy)
def _cauchy_cauchy(p, q):
    # log(((s_p + s_q)^2 + (m_p - m_q)^2) / (4 s_p s_q))
    return ops.log((p.scale + q.scale) ** 2 + (p.loc - q.loc) ** 2) - ops.log(4.0 * p.scale * q.scale)


@register_kl(HalfNormal, HalfNormal)
def _half_normal_half_normal(p, q):
    return _normal_normal(p.base_dist, q.base_dist)


@register_kl(TransformedDistribution, TransformedDistribution)
def _transformed_transformed(p, q):
    """KL is invariant under one bijection applied to both (LogNormal pairs: the Normals' KL)."""
    if p.transforms != q.transforms or p.event_shape != q.event_shape:
        raise NotImplementedError("kl_divergence: TransformedDistributions with different transforms or event "
                                  "shapes")
    return kl_divergence(p.base_dist, q.base_dist)
