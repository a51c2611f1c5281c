"""``minigrad.distributions``: probability distributions with ``torch.distributions``' interface: ``sample``,
``rsample`` (reparameterized, differentiable), ``log_prob``, ``entropy``, ``mean``, ``mode``, ``variance``,
``cdf``, ``icdf``, ``support`` (``constraints``), ``enumerate_support``, ``expand`` and ``kl_divergence``.
Densities and divergences equal PyTorch's in float64 (``tests/distributions/``); draws come from minigrad's
generator."""
from minigrad.distributions import constraints, transforms
from minigrad.distributions.continuous import Exponential, Laplace, Normal, Uniform
from minigrad.distributions.counts import Binomial, Geometric, Multinomial, Poisson
from minigrad.distributions.discrete import Bernoulli, Categorical, OneHotCategorical
from minigrad.distributions.distribution import Distribution
from minigrad.distributions.gamma_family import Beta, Chi2, Dirichlet, Gamma, StudentT
from minigrad.distributions.independent import Independent
from minigrad.distributions.kl import kl_divergence, register_kl
from minigrad.distributions import kl_cross  # noqa: F401  (registers the cross-family divergences)
from minigrad.distributions.location_scale import Cauchy, Gumbel
from minigrad.distributions.mixture_same_family import MixtureSameFamily
from minigrad.distributions.multivariate_normal import MultivariateNormal
from minigrad.distributions.normal_transforms import HalfNormal, LogNormal
from minigrad.distributions.transformed_distribution import TransformedDistribution
from minigrad.distributions.transforms import (AffineTransform, ComposeTransform, ExpTransform, PowerTransform,
                                              SigmoidTransform, TanhTransform, Transform)

__all__ = ["AffineTransform", "Bernoulli", "Beta", "Binomial", "Categorical", "Cauchy", "Chi2", "ComposeTransform",
           "Dirichlet", "Distribution", "ExpTransform", "Exponential", "Gamma", "Geometric", "Gumbel", "HalfNormal",
           "Independent", "Laplace", "LogNormal", "MixtureSameFamily", "Multinomial", "MultivariateNormal", "Normal",
           "OneHotCategorical", "Poisson", "PowerTransform", "SigmoidTransform", "StudentT", "TanhTransform",
           "Transform", "TransformedDistribution", "Uniform", "constraints", "kl_divergence", "register_kl",
           "transforms"]
