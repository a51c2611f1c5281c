"""Gamma(alpha, 1) draws with an implicit reparameterization gradient: the base of ``Gamma.rsample`` (and so of
Chi2, Beta, Dirichlet and StudentT).

A draw z = F^-1(u; alpha) of the standard gamma CDF F(z; alpha) = P(alpha, z) moves with alpha, for a fixed
u, at

    dz/dalpha = -(dP/dalpha)(alpha, z) / p(z; alpha),     p(z; alpha) = z^(alpha-1) e^-z / Gamma(alpha),

so only z is needed, never u: NumPy's own gamma sampler draws z, and ``standard_gamma_grad`` evaluates the
right side to float64 accuracy with the two expansions of P that minigrad's igamma uses:

* z < alpha + 1, the series P = z^alpha e^-z / Gamma(alpha + 1) S,  S = sum_n z^n / ((alpha+1)...(alpha+n)):
  dz/dalpha = -(z / alpha) (S (log z - digamma(alpha + 1)) + dS/dalpha), dS/dalpha = -sum_n t_n H_n
  (t_n the n-th term, H_n = sum_{k<=n} 1 / (alpha + k));
* otherwise Legendre's continued fraction Q = 1 - P = z^alpha e^-z / Gamma(alpha) C:
  dz/dalpha = z (C (log z - digamma(alpha)) + dC/dalpha), the fraction and its alpha-derivative
  carried together through Wallis' recurrence.

Both are written so that nothing overflows (the ratio P / p is z S / alpha, Q / p is z C).
"""
from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.function import Function
from minigrad.backend import get_array_module
from minigrad.ops._gamma_kernels import digamma


def _converge(a, z, active, start, step, picks):
    """Run ``step`` on the elements where ``active`` until each stops ``going``; return the state entries at the
    indices ``picks`` (0 where not active). Converged elements leave the working set. Both expansions need
    about 9 sqrt(alpha) steps at worst (the series' terms fall like exp(-n^2 / 2 alpha)), so that sets the cap."""
    xp = get_array_module(a)
    outs = [xp.zeros(a.size, dtype=a.dtype) for _ in picks]
    index = xp.nonzero(active.reshape(-1))[0]
    state = start(a.reshape(-1)[index], z.reshape(-1)[index])
    cap = 5000 + (20 * int(math.ceil(math.sqrt(float(xp.max(state[0]))))) if index.size else 0)
    for i in range(1, cap + 1):
        if index.size == 0:
            break
        state, going = step(i, state)
        if i % 8 == 0 or i == cap:
            done = index[~going] if i < cap else index
            for out, k in zip(outs, picks):
                out[done] = state[k][~going] if i < cap else state[k]
            index = index[going]
            state = tuple(v[going] for v in state)
    return [out.reshape(a.shape) for out in outs]


def _series_with_derivative(a, z, active):
    """(S, dS/dalpha) where ``active``."""
    xp = get_array_module(a)

    def start(av, zv):
        one = xp.ones_like(av)
        return av, zv, one, one, 0.0 * one, 0.0 * one, 0.0 * one

    def step(i, state):
        av, zv, term, total, harmonic, dterm, dtotal = state
        harmonic = harmonic + 1.0 / (av + i)
        term = term * zv / (av + i)
        dterm = -term * harmonic
        return ((av, zv, term, total + term, harmonic, dterm, dtotal + dterm),
                (term > total * 1e-17) | (xp.abs(dterm) > xp.abs(dtotal) * 1e-17))

    return _converge(a, z, active, start, step, (3, 6))


def _fraction_with_derivative(a, z, active):
    """(C, dC/dalpha) where ``active``: C = 1 / (b_0 + a_1 / (b_1 + a_2 / ...)), b_k = z + 2k + 1 - alpha,
    a_k = -k (k - alpha), by A_j = b A_(j-1) + a A_(j-2) (and B alike), differentiated term by term and
    rescaled by B_j at each step (C = A / B does not change)."""
    xp = get_array_module(a)

    def start(av, zv):
        one = xp.ones_like(av)
        b0 = zv + 1.0 - av
        # (A_prev, A, B_prev, B) after the first level, and their alpha-derivatives
        return av, zv, 0.0 * one, 1.0 / b0, 1.0 / b0, one, 0.0 * one, 0.0 * one, 0.0 * one, -1.0 / b0, 1.0 / b0, \
            1.0 / b0 ** 2

    def step(i, state):
        av, zv, a_prev, a_cur, b_prev, b_cur, da_prev, da_cur, db_prev, db_cur, f, df = state
        num, dnum = -i * (i - av), float(i)
        den = zv + 2 * i + 1.0 - av
        a_new = den * a_cur + num * a_prev
        b_new = den * b_cur + num * b_prev
        da_new = -a_cur + den * da_cur + dnum * a_prev + num * da_prev
        db_new = -b_cur + den * db_cur + dnum * b_prev + num * db_prev
        scale = 1.0 / b_new
        a_prev, a_cur, b_prev, b_cur = a_cur * scale, a_new * scale, b_cur * scale, b_new * scale
        da_prev, da_cur, db_prev, db_cur = da_cur * scale, da_new * scale, db_cur * scale, db_new * scale
        f_new, df_new = a_cur, da_cur - a_cur * db_cur          # A / B and (dA - (A/B) dB) / B with B = 1
        # a few ulps, not 0: the rescaled recurrence can keep moving the last bit
        going = (xp.abs(f_new - f) > 1e-15 * xp.abs(f_new)) | (xp.abs(df_new - df) > 1e-15 * xp.abs(df_new))
        return (av, zv, a_prev, a_cur, b_prev, b_cur, da_prev, da_cur, db_prev, db_cur, f_new, df_new), going

    return _converge(a, z, active, start, step, (10, 11))


def standard_gamma_grad(alpha, z):
    """dz/dalpha of a Gamma(alpha, 1) draw z (arrays of one shape, any float dtype, computed in float64);
    0 where z == 0 (a draw that underflowed does not move)."""
    xp = get_array_module(alpha)
    a64, z64 = xp.broadcast_arrays(alpha.astype(xp.float64), z.astype(xp.float64))
    positive = z64 > 0
    zz = xp.where(positive, z64, 1.0)
    use_series = zz < a64 + 1.0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        s, ds = _series_with_derivative(a64, zz, use_series & positive)
        c, dc = _fraction_with_derivative(a64, zz, ~use_series & positive)
        log_z = xp.log(zz)
        lower = -(zz / a64) * (s * (log_z - digamma(a64 + 1.0)) + ds)
        upper = zz * (c * (log_z - digamma(a64)) + dc)
    out = xp.where(positive, xp.where(use_series, lower, upper), 0.0)
    return out.astype(alpha.dtype, copy=False)


class StandardGammaGrad(Function):
    """y = dz/dalpha of a standard gamma draw z (``standard_gamma_grad``); not differentiable itself (torch's
    ``_standard_gamma_grad`` has no derivative either)."""

    def forward(self, alpha, z):
        return standard_gamma_grad(alpha, z)

    def backward(self, F, gy, alpha, z):
        raise NotImplementedError("StandardGammaGrad (the reparameterized gradient of a Gamma draw) has no "
                                  "derivative of its own: a second derivative through Gamma.rsample is not supported")


class StandardGamma(Function):
    """z ~ Gamma(alpha, 1), one draw per entry of alpha (already broadcast to the sample's shape).
    dL/dalpha = g dz/dalpha (the implicit reparameterization gradient above)."""

    keep_output = True

    def forward(self, alpha):
        from minigrad.random import get_generator

        xp = get_array_module(alpha)
        host = alpha if xp is np else xp.asnumpy(alpha)
        draw = get_generator().standard_gamma(host.astype(np.float64))
        # the smallest positive float of the dtype where a draw underflows (log z stays finite, as torch)
        draw = np.maximum(draw, np.finfo(alpha.dtype).tiny).astype(alpha.dtype)
        return draw if xp is np else xp.asarray(draw)

    def backward(self, F, gy, alpha):
        return gy * F.apply(StandardGammaGrad, alpha, F.output(self))


def standard_gamma(alpha):
    """Gamma(alpha, 1) draws of alpha's shape, differentiable in alpha (Tensor)."""
    return StandardGamma.apply(alpha)
