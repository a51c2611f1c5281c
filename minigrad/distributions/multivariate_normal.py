"""``MultivariateNormal``: N(loc, Sigma) over vectors, through the Cholesky factor Sigma = L L^T.

    log p(x) = -(k log(2 pi) + |L^-1 (x - loc)|^2) / 2 - sum_i log L_ii
    H = k (1 + log(2 pi)) / 2 + sum_i log L_ii
    rsample: loc + L eps, eps ~ N(0, I)
"""
from __future__ import annotations

import math

import numpy as np

from minigrad import linalg, ops
from minigrad.distributions import constraints
from minigrad.distributions.distribution import (Distribution, _check_in, parameters, standard_normal, validating,
                                                 value_of)


class MultivariateNormal(Distribution):
    """Give exactly one of ``covariance_matrix``, ``precision_matrix`` or ``scale_tril`` (lower triangular,
    positive diagonal)."""

    has_rsample = True
    _params = ("loc", "scale_tril")
    arg_constraints = {"loc": constraints.real_vector, "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        given = [m for m in (covariance_matrix, precision_matrix, scale_tril) if m is not None]
        if len(given) != 1:
            raise ValueError("MultivariateNormal: give exactly one of covariance_matrix, precision_matrix or "
                             f"scale_tril, got {len(given)}")
        (loc,) = parameters("MultivariateNormal", loc)
        (matrix,) = parameters("MultivariateNormal", given[0])
        if loc.ndim < 1 or matrix.ndim < 2 or matrix.shape[-1] != matrix.shape[-2] or matrix.shape[-1] != loc.shape[-1]:
            raise ValueError(f"MultivariateNormal: loc of shape {tuple(loc.shape)} needs square matrices of its last "
                             f"dim, got {tuple(matrix.shape)}")
        name = ("covariance_matrix" if covariance_matrix is not None else
                "precision_matrix" if precision_matrix is not None else "scale_tril")
        try:
            np.broadcast_shapes(tuple(loc.shape[:-1]), tuple(matrix.shape[:-2]))
        except ValueError:
            raise ValueError(f"MultivariateNormal: the batch shapes of loc {tuple(loc.shape)} and {name} "
                             f"{tuple(matrix.shape)} do not broadcast") from None
        if validating(validate_args) and scale_tril is None:    # named here, not by Cholesky's refusal
            _check_in(f"MultivariateNormal: expected parameter {name}", matrix, constraints.positive_definite)
        if scale_tril is not None:
            tril = ops.tril(matrix)   # only the lower triangle is read, as in torch (its upper part gets no gradient)
        elif covariance_matrix is not None:
            tril = linalg.cholesky(matrix)
        else:
            tril = linalg.cholesky(linalg.inv(matrix))
        k = loc.shape[-1]
        batch = ops.broadcast_tensors(ops.sum(loc, axis=-1), ops.sum(ops.sum(tril, axis=-1), axis=-1))[0].shape
        self.loc = ops.broadcast_to(loc, batch + (k,))
        self.scale_tril = ops.broadcast_to(tril, batch + (k, k))
        super().__init__(batch, (k,), validate_args)

    def _like(self):
        return self.loc

    @property
    def covariance_matrix(self):
        return self.scale_tril @ ops.swapaxes(self.scale_tril, -1, -2)     # L L^T

    @property
    def precision_matrix(self):
        return linalg.inv(self.covariance_matrix)

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return ops.sum(self.scale_tril ** 2, axis=-1)                    # diag(L L^T)

    def _half_log_det(self):
        return ops.sum(ops.log(ops.diagonal(self.scale_tril, dim1=-2, dim2=-1)), axis=-1)   # sum_i log L_ii

    def rsample(self, sample_shape=()):
        eps = standard_normal(self._extended_shape(sample_shape), self.loc)
        return self.loc + ops.squeeze(self.scale_tril @ ops.expand_dims(eps, -1), -1)   # loc + L eps

    def log_prob(self, value):
        value = value_of(self, value)
        self._validate_sample(value)
        diff = value - self.loc
        shape = diff.shape[:-1]
        tril = ops.broadcast_to(self.scale_tril, shape + self.scale_tril.shape[-2:])
        z = ops.squeeze(linalg.solve(tril, ops.expand_dims(diff, -1)), -1)   # L^-1 (x - loc)
        k = self._event_shape[0]
        return -0.5 * (k * math.log(2.0 * math.pi) + ops.sum(z * z, axis=-1)) - self._half_log_det()

    def entropy(self):
        k = self._event_shape[0]
        return 0.5 * k * (1.0 + math.log(2.0 * math.pi)) + self._half_log_det()
