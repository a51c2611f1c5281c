"""``minigrad.distributions``: probability distributions with ``torch.distributions``' interface: ``sample``,
``rsample`` (reparameterized, differentiable), ``log_prob``, ``entropy``, ``mean``, ``variance``, ``cdf``,
``icdf``, and ``kl_divergence``. Densities and divergences equal PyTorch's in float64
(``tests/distributions/``); draws come from minigrad's generator."""
from minigrad.distributions.continuous import Exponential, Laplace, Normal, Uniform
from minigrad.distributions.discrete import Bernoulli, Categorical, OneHotCategorical
from minigrad.distributions.distribution import Distribution
from minigrad.distributions.independent import Independent
from minigrad.distributions.kl import kl_divergence, register_kl
from minigrad.distributions.multivariate_normal import MultivariateNormal

__all__ = ["Bernoulli", "Categorical", "Distribution", "Exponential", "Independent", "Laplace", "MultivariateNormal",
           "Normal", "OneHotCategorical", "Uniform", "kl_divergence", "register_kl"]
