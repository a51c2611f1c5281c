"""``kl_divergence(p, q)`` = E_p[log p - log q], in closed form for the pairs registered here (``register_kl``
adds more); the most specific registered pair of classes is used, as in PyTorch."""
from __future__ import annotations

import math

from minigrad import linalg, ops
from minigrad.autograd.tensor import Tensor
from minigrad.distributions.continuous import Exponential, Laplace, Normal, Uniform
from minigrad.distributions.discrete import Bernoulli, Categorical, OneHotCategorical
from minigrad.distributions.independent import Independent
from minigrad.distributions.multivariate_normal import MultivariateNormal

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
    # p log(p/q) + (1-p) log((1-p)/(1-q)), from the logits: exact where a probability is 0 or 1
    return (p.probs * (ops.softplus(-q.logits) - ops.softplus(-p.logits))
            + (1.0 - p.probs) * (ops.softplus(q.logits) - ops.softplus(p.logits)))


@register_kl(Categorical, Categorical)
def _categorical_categorical(p, q):
    terms = p.probs * (p.logits - q.logits)
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
