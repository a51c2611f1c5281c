"""``TransformedDistribution``: the law of y = t_n(...t_1(x)), x ~ a base distribution, for invertible transforms
(``transforms.py``), as torch's:

    log p(y) = log p_base(x) - sum_i log |det dt_i/dx_i|,   x = t_1^-1(...t_n^-1(y));
    cdf(y) = cdf_base(x) where the map increases, 1 - cdf_base(x) where it decreases; icdf the other way round.
"""
from __future__ import annotations

import numpy as np

from minigrad import ops
from minigrad.backend import to_numpy
from minigrad.distributions import constraints
from minigrad.distributions.distribution import Distribution, _check_in, value_of
from minigrad.distributions.transforms import ComposeTransform, Transform


def _sum_rightmost(t, n):
    for _ in range(n):
        t = ops.sum(t, axis=-1)
    return t


class TransformedDistribution(Distribution):
    arg_constraints = {}

    def __init__(self, base_distribution, transforms, validate_args=None):
        if isinstance(transforms, Transform):
            transforms = [transforms]
        if not isinstance(transforms, (list, tuple)) or not all(isinstance(t, Transform) for t in transforms):
            raise ValueError(f"{type(self).__name__}: transforms must be a Transform or a list of them, got "
                             f"{transforms!r}")
        if not isinstance(base_distribution, Distribution):
            raise ValueError(f"{type(self).__name__}: base_distribution must be a Distribution, got "
                             f"{type(base_distribution).__name__}")
        self.base_dist, self.transforms = base_distribution, list(transforms)
        event_dim = max([len(base_distribution.event_shape)] + [t.event_dim for t in self.transforms])
        shape = base_distribution.batch_shape + base_distribution.event_shape
        cut = len(shape) - event_dim
        super().__init__(shape[:cut], shape[cut:], validate_args)

    @property
    def has_rsample(self):
        return self.base_dist.has_rsample

    def _like(self):
        return self.base_dist._like()

    @property
    def support(self):
        if not self.transforms:
            return self.base_dist.support
        codomain = self.transforms[-1].codomain
        extra = len(self._event_shape) - codomain.event_dim     # event dims the codomain checks entry by entry
        return constraints.independent(codomain, extra) if extra > 0 else codomain

    def rsample(self, sample_shape=()):
        x = self.base_dist.rsample(sample_shape)
        for t in self.transforms:
            x = t(x)
        return x

    def sample(self, sample_shape=()):
        x = self.base_dist.sample(sample_shape)
        for t in self.transforms:
            x = t(x)
        return x.detach()

    def log_prob(self, value):
        y = value_of(self, value)
        self._validate_sample(y)
        event_dim = len(self._event_shape)
        log_prob = 0.0
        for t in reversed(self.transforms):
            x = t.inv(y)
            log_prob = log_prob - _sum_rightmost(t.log_abs_det_jacobian(x, y), event_dim - t.event_dim)
            y = x
        return log_prob + _sum_rightmost(self.base_dist.log_prob(y), event_dim - len(self.base_dist.event_shape))

    def _monotonize(self, p):
        """p where the composed map increases, 1 - p where it decreases (sign s: s (p - 1/2) + 1/2)."""
        sign = ComposeTransform(self.transforms).sign
        if isinstance(sign, int) and sign == 1:
            return p
        return sign * (p - 0.5) + 0.5

    def cdf(self, value):
        value = value_of(self, value)
        self._validate_sample(value, "cdf", check_support=False)
        x = value
        for t in reversed(self.transforms):
            x = t.inv(x)
        # as torch, a value is refused where its preimage is outside the base's support: the support's boundary
        # (LogNormal's 0, preimage -inf) has a cdf; anything refused is outside the support, said in its words
        if self._validate_args and not bool(np.all(to_numpy(self.base_dist.support.check(x).data))):
            _check_in(f"{type(self).__name__}.cdf: expected value", value, self.support)
        return self._monotonize(self.base_dist.cdf(x))

    def icdf(self, value):
        x = self.base_dist.icdf(self._monotonize(value_of(self, value)))
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self):
        return f"{type(self).__name__}({self.base_dist!r}, {self.transforms!r})"

