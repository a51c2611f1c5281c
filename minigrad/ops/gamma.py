"""The gamma family, elementwise: lgamma, digamma, polygamma, mvlgamma, the Hurwitz zeta function and the
regularized incomplete gamma functions igamma / igammac (torch.special's gammainc / gammaincc).

The kernels (minigrad/ops/_gamma_kernels.py) are array math alone, so neither SciPy nor anything else is
needed, and they run on CuPy unchanged. Integer and bool inputs become float32, as in torch.
"""
from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.function import Function
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.ops import _gamma_kernels as kernels
from minigrad.ops._args import as_floating, floating_operands
from minigrad.ops.reduce import sum as _sum
from minigrad.ops.shape import expand_dims
from minigrad.scalars import as_integer


class Lgamma(Function):
    """y = ln|Gamma(x)| (inf at 0, -1, -2, ...).   dL/dx = g digamma(x)."""

    def forward(self, x):
        return kernels.lgamma(x)

    def backward(self, F, gy, x):
        return gy * F.apply(Digamma, x)


class Digamma(Function):
    """y = digamma(x) = d/dx ln Gamma(x).   dL/dx = g polygamma(1, x)."""

    def forward(self, x):
        return kernels.digamma(x)

    def backward(self, F, gy, x):
        return gy * F.apply(Polygamma, x, n=1)


class Polygamma(Function):
    """y = polygamma(n, x), the n-th derivative of digamma ((-1)^(n+1) n! zeta(n+1, x) for n >= 1).
    dL/dx = g polygamma(n + 1, x)."""

    def __init__(self, n):
        self.n = n

    def forward(self, x):
        return kernels.polygamma(self.n, x)

    def backward(self, F, gy, x):
        return gy * F.apply(Polygamma, x, n=self.n + 1)


class Zeta(Function):
    """y = zeta(s, q) = sum_k (q + k)^-s, the Hurwitz zeta function.   dL/dq = -g s zeta(s + 1, q), summed back
    to q's shape; there is no derivative with respect to s (torch has none either: asking for it raises)."""

    def forward(self, s, q):
        return kernels.zeta(s, q)

    def backward(self, F, gy, s, q):
        ns, nq = self.needs_input_grad
        if ns:
            raise NotImplementedError(
                f"zeta: the derivative with respect to x (the first argument, the exponent s; shape "
                f"{tuple(s.shape)}) is not implemented, as in torch; only q is differentiable")
        return None, F.sum_to(-gy * s * F.apply(Zeta, s + 1.0, q), q.shape)


class Igamma(Function):
    """y = P(a, x) (``upper`` False) or Q(a, x) = 1 - P (``upper`` True), the regularized incomplete gamma
    functions.   dL/dx = +-g x^(a-1) e^-x / Gamma(a) (+ for P, - for Q), summed back to x's shape (for a >= 10 in
    Stirling's form, ``_gamma_density``; float32 and float16 in float64, rounded once). There is no derivative with
    respect to a: torch raises when one is asked for, and so does this."""

    def __init__(self, upper=False):
        self.upper = upper

    def forward(self, a, x):
        return kernels.incomplete_gamma(a, x, self.upper)

    def backward(self, F, gy, a, x):
        na, nx = self.needs_input_grad
        name = "igammac" if self.upper else "igamma"
        if na:
            raise NotImplementedError(
                f"{name}: the derivative with respect to input (the first argument, a; shape {tuple(a.shape)}) "
                f"is not implemented, as in torch; only other (x) is differentiable")
        if x.dtype == np.float64:
            density = _gamma_density(F, a, x)
        else:   # through float64, rounded once: float32's own exponent roundings left 11 ulps (310 before Stirling)
            density = F.astype(_gamma_density(F, F.astype(a, np.float64), F.astype(x, np.float64)), x.dtype)
        return None, F.sum_to((-gy if self.upper else gy) * density, x.shape)


_STIRLING_FROM = 10.0          # a from which the density takes Stirling's form (lgamma's own series holds from 10)
_STIRLING_EVERYWHERE_FROM = 200.0   # ... for every x, not only x from a/3 to 3a (see _gamma_density)
# 1/3, 1/5, ...: log1p(d) - d = -d^2 / (2 + d) + 2 u^3 (1/3 + u^2/5 + ...), u = d / (2 + d); 26 terms for |u| <= 1/2
_LOG1P_TAIL = [1.0 / (2 * k + 3) for k in range(26)]
_INV_2PI = 1.0 / (2.0 * math.pi)


def _gamma_density(F, a, x):
    """x^(a-1) e^-x / Gamma(a), the x-derivative of P(a, x), in either mode of ``F``.

    e^((a - 1) log x - x - lgamma(a)) subtracts terms of size a log a that cancel to the log of the density: their
    roundings made it 9e3 ulps off at a = 1e3, 1.4e7 at a = 1e6 (x within 6 sqrt(a) of a). For a >= 10 and x from
    a/3 to 3a (u = (x - a) / (x + a) within 1/2) it is Stirling's form, sqrt(a / 2 pi) / x e^(a (log1p(d) - d) -
    S(a)), d = (x - a) / a, S(a) = lgamma(a) - (a - 1/2) log a + a - log(2 pi) / 2 by its series, with
    a (log1p(d) - d) = -(x - a)^2 / (x + a) (1 - u (1 - u) (1/3 + u^2/5 + ...)), the bracket within 1/10 of 1: its
    error is a few ulps of the exponent (a few ulps times (x - a)^2 / x of the density, which moves (x - a) ulps
    per ulp of x). Beyond, where the density is below e^(-0.43 a), both forms lose ulps of their exponent's size
    (a log(x/a) - (x - a) takes x/a's rounding a times); the direct one loses fewer up to a = 200 (measured),
    Stirling's from there on."""
    one = a == 1.0
    a_values, x_values = (a.data, x.data) if F.recording else (a, x)
    large = a_values >= _STIRLING_FROM
    if large.any():
        xp = get_array_module(a_values)
        edge = (x_values == 0.0) | (x_values == math.inf)   # the density is 0 there (a > 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            near = xp.abs((x_values - a_values) / (x_values + a_values)) <= 0.5
        use = large & (near | edge | (a_values >= _STIRLING_EVERYWHERE_FROM))
    if not large.any() or not use.any():
        power = F.where(one, 0.0, (a - 1.0) * F.log(F.where(one, 1.0, x)))
        return F.exp(power - x - F.apply(Lgamma, a))
    use, edge, near, use_x = F.const(use), F.const(edge), F.const(near), F.const(use & ~edge)
    # each form sees harmless values where it is not taken (its derivative is read there, as 0)
    x_direct = F.where(use, 1.0, x)
    # (a - 1) log x is 0 where a = 1, also at x = 0 (0 * -inf was NaN there; the density is e^-x, 1 at 0)
    power = F.where(one, 0.0, (a - 1.0) * F.log(F.where(one, 1.0, x_direct)))
    direct = F.exp(power - x_direct - F.apply(Lgamma, a))
    al = F.where(use, a, _STIRLING_FROM)
    xs = F.where(use_x, x, al)
    diff = xs - al
    dn = F.where(near, diff, 0.0)
    un = dn / (xs + al)
    by_series = -(dn * dn) / (xs + al) * (1.0 - un * (1.0 - un) * kernels.horner(_LOG1P_TAIL, un * un))
    by_log = al * F.log(xs / al) - diff
    exponent = F.where(near, by_series, by_log)
    stirling_series = kernels.horner(kernels._STIRLING, 1.0 / (al * al)) / al
    stirling = F.exp(exponent - stirling_series) * F.sqrt(al * _INV_2PI) / xs
    return F.where(use, F.where(edge, 0.0, stirling), direct)


def lgamma(x):
    """ln|Gamma(x)| elementwise, as ``torch.lgamma``: inf at 0, the negative integers and +-inf."""
    return Lgamma.apply(as_floating(x))


def digamma(x):
    """The digamma function d/dx ln Gamma(x) elementwise, as ``torch.digamma``: -inf at 0 (+inf at -0.0), NaN at
    the negative integers."""
    return Digamma.apply(as_floating(x))


def _order(op, n):
    value = as_integer(n)
    if value is None:
        if isinstance(n, float) and n.is_integer():
            value = int(n)
        else:
            raise TypeError(f"{op}: n must be an int, got n={n!r} ({type(n).__name__})")
    n = value
    if n < 0:
        raise ValueError(f"{op}(n, x) does not support negative n, got n={n}")
    return n


def polygamma(n, x):
    """The n-th derivative of digamma elementwise, as ``torch.polygamma(n, input)`` (n = 0 is digamma)."""
    n = _order("polygamma", n)
    return Polygamma.apply(as_floating(x), n=n)


def mvlgamma(x, p):
    """The multivariate log-gamma function of dimension p, as ``torch.mvlgamma(input, p)``:
    p (p - 1) / 4 ln(pi) + sum_{j < p} lgamma(x - j / 2). Composed of lgamma over a new last axis, so its
    gradient is sum_j digamma(x - j / 2)."""
    value = as_integer(p)
    if value is None:
        raise TypeError(f"mvlgamma: p must be an int, got p={p!r} ({type(p).__name__})")
    p = value
    if p < 1:
        raise ValueError(f"mvlgamma: p has to be greater than or equal to 1, got p={p}")
    x = as_floating(x)
    xp = get_array_module(x.data)
    offsets = Tensor(xp.arange(p, dtype=x.dtype) * x.dtype.type(0.5))
    terms = lgamma(expand_dims(x, -1) - offsets)
    return _sum(terms, axis=-1) + p * (p - 1) / 4.0 * math.log(math.pi)


def zeta(x, q):
    """The Hurwitz zeta function sum_k (q + k)^-x elementwise, broadcasting, as ``torch.special.zeta``
    (x > 1; inf at x = 1; NaN for x < 1). Differentiable with respect to q only, as in torch."""
    return Zeta.apply(*floating_operands("zeta", x, q))


def igamma(input, other):
    """The regularized lower incomplete gamma function P(a, x), a = input, x = other, broadcasting, as
    ``torch.igamma`` (``torch.special.gammainc``). Differentiable with respect to x (other) only, as in torch."""
    return Igamma.apply(*floating_operands("igamma", input, other), upper=False)


def igammac(input, other):
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x), as ``torch.igammac``
    (``torch.special.gammaincc``). Differentiable with respect to x (other) only, as in torch."""
    return Igamma.apply(*floating_operands("igammac", input, other), upper=True)
