"""``Independent``: the last ``reinterpreted_batch_ndims`` batch dims of a distribution read as event dims, so
``log_prob`` and ``entropy`` sum over them (a diagonal Normal over vectors: ``Independent(Normal(mu, s), 1)``)."""
from __future__ import annotations

from minigrad import ops
from minigrad.distributions import constraints
from minigrad.distributions.distribution import Distribution, shape_tuple
from minigrad.scalars import as_integer


class Independent(Distribution):
    arg_constraints = {}    # the base distribution checked its own

    def __init__(self, base_distribution, reinterpreted_batch_ndims, validate_args=None):
        n = as_integer(reinterpreted_batch_ndims)
        batch = base_distribution.batch_shape
        if n is None or not 0 <= n <= len(batch):
            raise ValueError(f"Independent: reinterpreted_batch_ndims must be an int in [0, {len(batch)}] for a "
                             f"batch shape {batch}, got {reinterpreted_batch_ndims!r}")
        self.base_dist, self.reinterpreted_batch_ndims = base_distribution, n
        cut = len(batch) - n
        super().__init__(batch[:cut], batch[cut:] + base_distribution.event_shape, validate_args)
        self.has_rsample = base_distribution.has_rsample

    def _like(self):
        return self.base_dist._like()

    def _sum_rightmost(self, t):
        for _ in range(self.reinterpreted_batch_ndims):
            t = ops.sum(t, axis=-1)
        return t

    @property
    def support(self):
        return constraints.independent(self.base_dist.support, self.reinterpreted_batch_ndims)

    @property
    def has_enumerate_support(self):
        return False if self.reinterpreted_batch_ndims else self.base_dist.has_enumerate_support

    def enumerate_support(self, expand=True):
        if self.reinterpreted_batch_ndims:
            raise NotImplementedError("Independent: enumeration over cartesian product is not implemented")
        return self.base_dist.enumerate_support(expand=expand)

    def expand(self, batch_shape):
        batch_shape = shape_tuple(batch_shape)
        base_event_dims = len(self._event_shape) - len(self.base_dist.event_shape)
        base = self.base_dist.expand(batch_shape + self._event_shape[:base_event_dims])
        return Independent(base, self.reinterpreted_batch_ndims, self._validate_args)

    @property
    def mean(self):
        return self.base_dist.mean

    @property
    def mode(self):
        return self.base_dist.mode

    @property
    def variance(self):
        return self.base_dist.variance

    def sample(self, sample_shape=()):
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape=()):
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value):
        return self._sum_rightmost(self.base_dist.log_prob(value))

    def entropy(self):
        return self._sum_rightmost(self.base_dist.entropy())

    def __repr__(self):
        return f"Independent({self.base_dist!r}, {self.reinterpreted_batch_ndims})"
