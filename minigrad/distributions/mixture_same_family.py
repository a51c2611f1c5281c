"""``MixtureSameFamily``: a mixture whose k components are one distribution's last batch dim, weighted by a
``Categorical`` over k, as torch's:

    log p(x) = logsumexp_i (log w_i + log p_i(x));   mean = sum_i w_i mu_i;
    variance = sum_i w_i var_i + sum_i w_i (mu_i - mean)^2 (the law of total variance);   cdf = sum_i w_i F_i(x).

A draw picks a component from the Categorical, then takes that component's draw, so there is no ``rsample``.
"""
from __future__ import annotations

import numpy as np

from minigrad import ops
from minigrad.autograd.mode import no_grad
from minigrad.distributions.discrete import Categorical
from minigrad.distributions.distribution import Distribution, shape_tuple, value_of


class MixtureSameFamily(Distribution):
    arg_constraints = {}    # each part checked its own

    def __init__(self, mixture_distribution, component_distribution, validate_args=None):
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError(f"MixtureSameFamily: mixture_distribution must be a Categorical, got "
                             f"{type(mixture_distribution).__name__}")
        if not isinstance(component_distribution, Distribution):
            raise ValueError(f"MixtureSameFamily: component_distribution must be a Distribution, got "
                             f"{type(component_distribution).__name__}")
        components = component_distribution.batch_shape
        if not components:
            raise ValueError("MixtureSameFamily: component_distribution needs a batch dim of components (its last), "
                             "got batch shape ()")
        k, batch = components[-1], components[:-1]
        if mixture_distribution._num_events != k:
            raise ValueError(f"MixtureSameFamily: mixture_distribution has {mixture_distribution._num_events} "
                             f"categories but component_distribution has {k} components (the last dim of its batch "
                             f"shape {components})")
        mixture_batch = mixture_distribution.batch_shape
        try:
            fits = np.broadcast_shapes(mixture_batch, batch) == batch
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(f"MixtureSameFamily: mixture_distribution's batch shape {mixture_batch} does not "
                             f"broadcast to component_distribution's batch shape without its components {batch}")
        self.mixture_distribution, self.component_distribution = mixture_distribution, component_distribution
        self._num_component, self._event_ndims = k, len(component_distribution.event_shape)
        super().__init__(batch, component_distribution.event_shape, validate_args)

    def _like(self):
        return self.component_distribution._like()

    @property
    def support(self):
        return self.component_distribution.support

    def _weights(self):
        """The mixture probabilities with one trailing 1 per event dim, against the components' (..., k, *event)."""
        probs = self.mixture_distribution.probs
        return ops.reshape(probs, tuple(probs.shape) + (1,) * self._event_ndims)

    def _pad(self, x):
        """x (..., *event) as (..., 1, *event): each component meets the same value."""
        return ops.expand_dims(x, -1 - self._event_ndims)

    @property
    def mean(self):
        return ops.sum(self._weights() * self.component_distribution.mean, axis=-1 - self._event_ndims)

    @property
    def variance(self):
        weights, components = self._weights(), self.component_distribution
        within = ops.sum(weights * components.variance, axis=-1 - self._event_ndims)
        between = ops.sum(weights * (components.mean - self._pad(self.mean)) ** 2, axis=-1 - self._event_ndims)
        return within + between

    def log_prob(self, value):
        value = value_of(self, value)
        self._validate_sample(value)
        per_component = self.component_distribution.log_prob(self._pad(value))       # (..., *batch, k)
        return ops.logsumexp(per_component + self.mixture_distribution.logits, axis=-1)   # logits are normalised

    def cdf(self, value):
        value = value_of(self, value)
        self._validate_sample(value, "cdf")
        return ops.sum(self.component_distribution.cdf(self._pad(value)) * self.mixture_distribution.probs, axis=-1)

    def sample(self, sample_shape=()):
        sample_shape = shape_tuple(sample_shape)
        with no_grad():
            # one component index per batch entry: a mixture shared over the batch draws for each entry
            mixture = self.mixture_distribution
            if mixture.batch_shape != self._batch_shape:
                mixture = mixture.expand(self._batch_shape)
            index = mixture.sample(sample_shape)                                     # sample_shape + batch
            draws = self.component_distribution.sample(sample_shape)                # ... + batch + (k,) + event
            index = ops.reshape(index, tuple(index.shape) + (1,) * (1 + self._event_ndims))
            index = ops.broadcast_to(index, tuple(index.shape[:-self._event_ndims or None])
                                     + tuple(draws.shape[len(draws.shape) - self._event_ndims:]))
            axis = len(sample_shape) + len(self._batch_shape)
            return ops.squeeze(ops.take_along_dim(draws, index, dim=axis), axis).detach()

    def __repr__(self):
        return f"MixtureSameFamily({self.mixture_distribution!r}, {self.component_distribution!r})"


__all__ = ["MixtureSameFamily"]
