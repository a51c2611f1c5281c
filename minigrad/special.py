"""``minigrad.special``: PyTorch's ``torch.special`` names over minigrad's ops.

    >>> import minigrad as mg
    >>> round(float(mg.special.gammaln(mg.tensor(5.0))), 6)   # ln 4!
    3.178054

Every kernel here is array math alone, so neither SciPy nor anything else is needed and CuPy runs them as they
are, except erf, erfc and erfinv, the existing ops, which use SciPy's ufuncs on the CPU (CuPy's on a GPU).
Each function's derivative is in its op's docstring (minigrad/ops/gamma.py, bessel.py, bessel_jy.py, bessel_k.py,
airy.py, orthogonal_polynomials.py, spherical_bessel.py, normal_functions.py, log_terms.py); the accuracy measured against torch and mpmath is in docs/autodiff.md, section 15.
"""
from minigrad.ops.airy import airy_ai
from minigrad.ops.bessel import i0, i0e, i1, i1e
from minigrad.ops.bessel_jy import bessel_j0, bessel_j1, bessel_y0, bessel_y1
from minigrad.ops.bessel_k import modified_bessel_i0, modified_bessel_i1, modified_bessel_k0, modified_bessel_k1
from minigrad.ops.bessel_k import scaled_modified_bessel_k0, scaled_modified_bessel_k1
from minigrad.ops.exponential import exp2, expm1, log1p, logit, xlogy
from minigrad.ops.functions import erf, sigmoid as expit
from minigrad.ops.gamma import digamma, igamma as gammainc, igammac as gammaincc, lgamma as gammaln
from minigrad.ops.gamma import mvlgamma as _mvlgamma, polygamma, zeta
from minigrad.ops.log_terms import entr, xlog1py
from minigrad.ops.normal_functions import erfcx, log_ndtr, ndtr, ndtri
from minigrad.ops.orthogonal_polynomials import chebyshev_polynomial_t, chebyshev_polynomial_u
from minigrad.ops.orthogonal_polynomials import chebyshev_polynomial_v, chebyshev_polynomial_w
from minigrad.ops.orthogonal_polynomials import hermite_polynomial_h, hermite_polynomial_he, laguerre_polynomial_l
from minigrad.ops.orthogonal_polynomials import legendre_polynomial_p, shifted_chebyshev_polynomial_t
from minigrad.ops.orthogonal_polynomials import shifted_chebyshev_polynomial_u, shifted_chebyshev_polynomial_v
from minigrad.ops.orthogonal_polynomials import shifted_chebyshev_polynomial_w
from minigrad.ops.reduce import logsumexp as _logsumexp
from minigrad.ops.rounding import round
from minigrad.ops.softmax import log_softmax as _log_softmax, softmax as _softmax
from minigrad.ops.special import erfc, erfinv
from minigrad.ops.spherical_bessel import spherical_bessel_j0
from minigrad.ops.trigonometric import sinc

psi = digamma


def multigammaln(input, p):
    """The multivariate log-gamma function of dimension p (``torch.special.multigammaln``, ``torch.mvlgamma``)."""
    return _mvlgamma(input, p)


def softmax(input, dim, *, dtype=None):
    """Probabilities along ``dim`` (required, as in ``torch.special.softmax``), computed in ``dtype`` if given."""
    return _softmax(input, dim=dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    """Log-probabilities along ``dim`` (required, as in ``torch.special.log_softmax``), in ``dtype`` if given."""
    return _log_softmax(input, dim=dim, dtype=dtype)


def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(input))) over ``dim`` (required, as in ``torch.special.logsumexp``)."""
    return _logsumexp(input, dim=dim, keepdim=keepdim)


__all__ = ["airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "chebyshev_polynomial_t",
           "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w", "digamma", "entr", "erf",
           "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammainc", "gammaincc", "gammaln",
           "hermite_polynomial_h", "hermite_polynomial_he", "i0", "i0e", "i1", "i1e", "laguerre_polynomial_l",
           "legendre_polynomial_p", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp", "modified_bessel_i0",
           "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1", "multigammaln", "ndtr", "ndtri",
           "polygamma", "psi", "round", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
           "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
           "shifted_chebyshev_polynomial_w", "sinc", "softmax", "spherical_bessel_j0", "xlog1py", "xlogy", "zeta"]
