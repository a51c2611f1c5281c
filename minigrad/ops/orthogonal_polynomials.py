"""Classical orthogonal polynomials of degree n, elementwise and broadcasting x against n: Chebyshev T, U, V, W
and their shifted forms T*(x) = T(2x - 1), ..., Hermite H and He, Laguerre L and Legendre P
(torch.special.chebyshev_polynomial_t(input, n), ...).

Values are torch's: n is truncated to an integer (2.7 -> 2, -0.5 -> 0), a negative, NaN or infinite n gives 0,
and the polynomial comes from its three-term recurrence, which stops at the first NaN; Chebyshev polynomials
use the closed forms cos(n acos x), ... for |x| < 1 beyond a small n and exact values at x = +-1 (the shifted ones
at x = 0 and 1); Hermite H and He are NaN beyond n = 512 (float64) or n = 128 (other dtypes), Laguerre is 1 at
x = 0. Array math alone, in float64, rounded once to x's dtype; integer and bool inputs become float32.
The recurrence runs once per degree up to the largest n any element needs, so its cost grows with n, as torch's
(the derivatives' too, even where the value takes a closed form).

Derivatives are with respect to x only (torch has none): the k-th derivative of a recurrence
P_m = (a_m + b_m x) P_(m-1) - c_m P_(m-2) satisfies P_m^(k) = (a_m + b_m x) P_(m-1)^(k) + k b_m P_(m-1)^(k-1)
- c_m P_(m-2)^(k), so each derivative is one more op of the same kind, to any order.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.function import Function
from minigrad.backend import get_array_module
from minigrad.ops._args import floating_operands

_INT64_LIMIT = 2.0 ** 63
_CHECK_EVERY = 64   # how often the recurrence asks whether any element still needs it (a device sync on CuPy)


def _degree(xp, n):
    """n as torch's static_cast<int64_t> reads it (truncation), with -1 for NaN, +-inf and values out of range
    (x86 casts them to INT64_MIN, so torch gives 0 for them all), as float64."""
    return xp.where(xp.isfinite(n) & (xp.abs(n) < _INT64_LIMIT), xp.trunc(n), -1.0)


def _run(xp, n, p, q, step, first, skip_nan=True):
    """P_n for n >= 2 from P_0 = p and P_1 = q, step(m, p, q) giving P_m for m = first + ...; the elements
    whose n is smaller keep theirs, and, as torch's loop, an element stops at its first NaN."""
    top = float(xp.max(n)) if n.size else 0.0
    m = 2
    while m <= top:
        active = n >= m
        if skip_nan:
            active = active & ~xp.isnan(q)
        if m % _CHECK_EVERY == 0 and not bool(xp.any(active)):
            break
        r = step(m - 2 + first, p, q)
        p, q = xp.where(active, q, p), xp.where(active, r, q)
        m += 1
    return q


def _chebyshev(xp, kind, x, n, shifted):
    """torch's Chebyshev T/U/V/W (shifted: of 2x - 1, with its own exact points x = 1 and 0 and thresholds)."""
    y = x + x - 1.0 if shifted else x
    if shifted:
        plus, minus = x == 1.0, x == 0.0
    else:
        plus, minus = (xp.abs(x) == 1.0) & (x > 0.0), (xp.abs(x) == 1.0) & ~(x > 0.0)
    even = n % 2.0 == 0.0
    sign = xp.where(even, 1.0, -1.0)
    first = {"t": y, "u": y + y, "v": y + y - 1.0, "w": y + y + 1.0}[kind]
    if kind == "t":
        at_plus, at_minus = 1.0, sign
    elif kind == "u":
        at_plus, at_minus = n + 1.0, sign * (n + 1.0)
    elif kind == "v":
        at_plus, at_minus = 1.0, sign * (n + n + 1.0)
    else:
        at_plus, at_minus = n + n + 1.0, sign
    threshold = {"t": 6, "u": 8, "v": 8, "w": 8} if not shifted else {"t": 6, "u": 6, "v": 6, "w": 4}
    inside = (n > threshold[kind]) & (xp.abs(y) < 1.0)
    theta = xp.arccos(xp.where(inside, y, 0.0))
    if kind == "t":
        closed = xp.cos(n * theta)
    elif kind == "u":
        s = xp.sin(theta)
        closed = xp.where(s != 0.0, xp.sin((n + 1.0) * theta) / xp.where(s != 0.0, s, 1.0),
                          (n + 1.0) * xp.cos((n + 1.0) * theta) / y)
    elif kind == "v":
        edge = xp.sin(theta / 2.0) == 1.0
        closed = xp.where(edge, sign * (n + n + 1.0), xp.cos((n + 0.5) * theta) / xp.cos(theta / 2.0))
    else:
        edge = xp.cos(theta / 2.0) == 1.0
        at_edge = sign if shifted else xp.where(y > 0.0, n + n + 1.0, sign)   # torch's shifted W has no 2n + 1 there
        closed = xp.where(edge, at_edge,
                          xp.sin((n + 0.5) * theta) / xp.where(edge, 1.0, xp.sin(theta / 2.0)))
    settled = inside | plus | minus   # no recurrence for them: a closed form's n can be any size
    recurred = _run(xp, xp.where(settled, 0.0, n), xp.ones_like(y), first, lambda m, p, q: (y + y) * q - p, 2)
    out = xp.where(n == 1.0, first, recurred)
    out = xp.where(n == 0.0, 1.0, out)
    out = xp.where(inside, closed, out)
    out = xp.where(minus, at_minus, xp.where(plus, at_plus, out))
    return xp.where(n < 0.0, 0.0, out)


def _hermite(xp, physicists, x, n, limit):
    if physicists:   # H_m = 2x H_(m-1) - 2(m-1) H_(m-2), torch's k = 2(m-1)
        first, step = x + x, (lambda m, p, q: (x + x) * q - (2.0 * (m - 1)) * p)
    else:
        first, step = x, (lambda m, p, q: x * q - (m - 1.0) * p)
    out = _run(xp, xp.where(n > limit, 0.0, n), xp.ones_like(x), first, step, 2, skip_nan=False)
    out = xp.where(n == 1.0, first, out)
    out = xp.where(n > limit, xp.nan, out)
    out = xp.where(n == 0.0, 1.0, out)
    return xp.where(n < 0.0, 0.0, out)


def _laguerre(xp, x, n):
    first = 1.0 - x
    out = _run(xp, xp.where(x == 0.0, 0.0, n), xp.ones_like(x), first,
               lambda m, p, q: (((2.0 * (m - 1)) + (1.0 - x)) * q - (m - 1.0) * p) / m, 2)
    out = xp.where(n == 1.0, first, out)
    out = xp.where((n == 0.0) | (xp.abs(x) == 0.0), 1.0, out)
    return xp.where(n < 0.0, 0.0, out)


def _legendre(xp, x, n):
    out = _run(xp, xp.where(xp.abs(x) == 1.0, 0.0, n), xp.ones_like(x), x,
               lambda m, p, q: ((2.0 * m - 1.0) * x * q - (m - 1.0) * p) / m, 2)
    out = xp.where(n == 1.0, x, out)
    out = xp.where(n == 0.0, 1.0, out)
    sign = xp.where((x > 0.0) | (n % 2.0 == 0.0), 1.0, -1.0)
    out = xp.where(xp.abs(x) == 1.0, sign, out)
    return xp.where(n < 0.0, 0.0, out)


# P_1 = c0 + c1 x and P_m = (a_m + b_m x) P_(m-1) - c_m P_(m-2): the recurrences the derivatives differentiate
_RECURRENCES = {
    "t": ((0.0, 1.0), lambda m: (0.0, 2.0, 1.0)),
    "u": ((0.0, 2.0), lambda m: (0.0, 2.0, 1.0)),
    "v": ((-1.0, 2.0), lambda m: (0.0, 2.0, 1.0)),
    "w": ((1.0, 2.0), lambda m: (0.0, 2.0, 1.0)),
    "h": ((0.0, 2.0), lambda m: (0.0, 2.0, 2.0 * (m - 1))),
    "he": ((0.0, 1.0), lambda m: (0.0, 1.0, m - 1.0)),
    "l": ((1.0, -1.0), lambda m: ((2.0 * m - 1.0) / m, -1.0 / m, (m - 1.0) / m)),
    "p": ((0.0, 1.0), lambda m: (0.0, (2.0 * m - 1.0) / m, (m - 1.0) / m)),
}


def _derivative(xp, family, x, n, order):
    """The order-th derivative (order >= 1) of P_n at x by the differentiated recurrence."""
    (c0, c1), coefficients = _RECURRENCES[family]
    zero = xp.zeros_like(x)
    p = [xp.ones_like(x)] + [zero] * order
    q = [c0 + c1 * x, c1 + zero] + [zero] * (order - 1)
    top = float(xp.max(n)) if n.size else 0.0
    m = 2
    while m <= top:
        a, b, c = coefficients(m)
        active = (n >= m) & ~xp.isnan(q[order])   # a NaN stays NaN: freezing it changes nothing, and ends the loop
        if m % _CHECK_EVERY == 0 and not bool(xp.any(active)):
            break
        r = [(a + b * x) * q[j] + (j * b * q[j - 1] if j else 0.0) - c * p[j] for j in range(order + 1)]
        p = [xp.where(active, qj, pj) for pj, qj in zip(p, q)]
        q = [xp.where(active, rj, qj) for rj, qj in zip(r, q)]
        m += 1
    out = xp.where(n == 1.0, c1 if order == 1 else 0.0, q[order])
    return xp.where(n <= 0.0, 0.0, out)


_NAMES = {("t", False): "chebyshev_polynomial_t", ("u", False): "chebyshev_polynomial_u",
          ("v", False): "chebyshev_polynomial_v", ("w", False): "chebyshev_polynomial_w",
          ("t", True): "shifted_chebyshev_polynomial_t", ("u", True): "shifted_chebyshev_polynomial_u",
          ("v", True): "shifted_chebyshev_polynomial_v", ("w", True): "shifted_chebyshev_polynomial_w",
          ("h", False): "hermite_polynomial_h", ("he", False): "hermite_polynomial_he",
          ("l", False): "laguerre_polynomial_l", ("p", False): "legendre_polynomial_p"}


def polynomial(family, shifted, x, n, order=0):
    """The order-th x-derivative of the family's P_n(x), broadcasting x against n, in x's dtype."""
    xp = get_array_module(x)
    w = x.astype(xp.float64, copy=False)
    d = _degree(xp, n.astype(xp.float64, copy=False))
    w, d = xp.broadcast_arrays(w, d)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        if order:
            y = w + w - 1.0 if shifted else w
            beyond = d > _hermite_limit(x.dtype) if family in ("h", "he") else xp.zeros(d.shape, dtype=bool)
            out = _derivative(xp, family, y, xp.where(beyond, 0.0, d), order) * (2.0 ** order if shifted else 1.0)
            out = xp.where(beyond, xp.nan, out)   # NaN where the value is, past the degree limit
        elif family in ("t", "u", "v", "w"):
            out = _chebyshev(xp, family, w, d, shifted)
        elif family in ("h", "he"):
            out = _hermite(xp, family == "h", w, d, _hermite_limit(x.dtype))
        elif family == "l":
            out = _laguerre(xp, w, d)
        else:
            out = _legendre(xp, w, d)
    return out.astype(x.dtype, copy=False)


def _hermite_limit(dtype):
    return 512 if dtype == np.float64 else 128   # torch's getHermitianLimit (float32 computes in float32 there)


class OrthogonalPolynomial(Function):
    """y = d^k/dx^k P_n(x) for the family (k = ``order``, 0 for the polynomial).   dL/dx = g d^(k+1)/dx^(k+1) P_n(x),
    summed back to x's shape; there is no derivative with respect to n (torch has none): asking for it raises."""

    def __init__(self, family, shifted, order=0):
        self.family, self.shifted, self.order = family, shifted, order

    def forward(self, x, n):
        return polynomial(self.family, self.shifted, x, n, self.order)

    def backward(self, F, gy, x, n):
        nx, nn = self.needs_input_grad
        if nn:
            raise NotImplementedError(
                f"{_NAMES[self.family, self.shifted]}: the derivative with respect to n (shape {tuple(n.shape)}) is "
                "not implemented (n is a degree, truncated to an integer); only input is differentiable")
        derivative = F.apply(OrthogonalPolynomial, x, n, family=self.family, shifted=self.shifted,
                             order=self.order + 1)
        return F.sum_to(gy * derivative, x.shape), None


def _polynomial(family, shifted, input, n):
    x, n = floating_operands(_NAMES[family, shifted], input, n)
    return OrthogonalPolynomial.apply(x, n, family=family, shifted=shifted)


def chebyshev_polynomial_t(input, n):
    """The Chebyshev polynomial of the first kind T_n(x), as ``torch.special.chebyshev_polynomial_t``; input and n
    (a tensor or number) broadcast. T_n(cos t) = cos(n t);  T_n' = n U_(n-1)."""
    return _polynomial("t", False, input, n)


def chebyshev_polynomial_u(input, n):
    """The Chebyshev polynomial of the second kind U_n(x), as ``torch.special.chebyshev_polynomial_u``; input and
    n broadcast. U_n(cos t) = sin((n + 1) t) / sin t;  U_n' = ((n + 1) T_(n+1) - x U_n) / (x^2 - 1)."""
    return _polynomial("u", False, input, n)


def chebyshev_polynomial_v(input, n):
    """The Chebyshev polynomial of the third kind V_n(x) = U_n(x) - U_(n-1)(x), as
    ``torch.special.chebyshev_polynomial_v``; input and n broadcast. V_n(cos t) = cos((n + 1/2) t) / cos(t / 2)."""
    return _polynomial("v", False, input, n)


def chebyshev_polynomial_w(input, n):
    """The Chebyshev polynomial of the fourth kind W_n(x) = U_n(x) + U_(n-1)(x), as
    ``torch.special.chebyshev_polynomial_w``; input and n broadcast. W_n(cos t) = sin((n + 1/2) t) / sin(t / 2)."""
    return _polynomial("w", False, input, n)


def shifted_chebyshev_polynomial_t(input, n):
    """T*_n(x) = T_n(2x - 1), as ``torch.special.shifted_chebyshev_polynomial_t``; input and n broadcast.
    Its derivative is 2 T_n'(2x - 1)."""
    return _polynomial("t", True, input, n)


def shifted_chebyshev_polynomial_u(input, n):
    """U*_n(x) = U_n(2x - 1), as ``torch.special.shifted_chebyshev_polynomial_u``; input and n broadcast.
    Its derivative is 2 U_n'(2x - 1)."""
    return _polynomial("u", True, input, n)


def shifted_chebyshev_polynomial_v(input, n):
    """V*_n(x) = V_n(2x - 1), as ``torch.special.shifted_chebyshev_polynomial_v``; input and n broadcast.
    Its derivative is 2 V_n'(2x - 1)."""
    return _polynomial("v", True, input, n)


def shifted_chebyshev_polynomial_w(input, n):
    """W*_n(x) = W_n(2x - 1), as ``torch.special.shifted_chebyshev_polynomial_w``; input and n broadcast.
    Its derivative is 2 W_n'(2x - 1)."""
    return _polynomial("w", True, input, n)


def hermite_polynomial_h(input, n):
    """The physicists' Hermite polynomial H_n(x) (H_(n+1) = 2x H_n - 2n H_(n-1)), as
    ``torch.special.hermite_polynomial_h``; input and n broadcast. H_n' = 2n H_(n-1)."""
    return _polynomial("h", False, input, n)


def hermite_polynomial_he(input, n):
    """The probabilists' Hermite polynomial He_n(x) (He_(n+1) = x He_n - n He_(n-1)), as
    ``torch.special.hermite_polynomial_he``; input and n broadcast. He_n' = n He_(n-1)."""
    return _polynomial("he", False, input, n)


def laguerre_polynomial_l(input, n):
    """The Laguerre polynomial L_n(x) ((n + 1) L_(n+1) = (2n + 1 - x) L_n - n L_(n-1)), as
    ``torch.special.laguerre_polynomial_l``; input and n broadcast. L_n' = (n L_n - n L_(n-1)) / x."""
    return _polynomial("l", False, input, n)


def legendre_polynomial_p(input, n):
    """The Legendre polynomial P_n(x) ((n + 1) P_(n+1) = (2n + 1) x P_n - n P_(n-1)), as
    ``torch.special.legendre_polynomial_p``; input and n broadcast. P_n' = n (x P_n - P_(n-1)) / (x^2 - 1)."""
    return _polynomial("p", False, input, n)
