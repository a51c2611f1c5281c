"""ONNX mappings of the special functions (minigrad/ops/gamma.py, bessel*.py, airy.py, spherical_bessel.py,
orthogonal_polynomials.py, normal_functions.py, log_terms.py, number_parts.py), registered into ``CONVERTERS``.

ldexp with an integer exponent is three exact multiplications by powers of two. ONNX has Erf, so ndtr is written
with it (0.5 (1 + erf(x / sqrt 2)): it agrees to float32 rounding in absolute terms; its far left tail, which
minigrad keeps relative, underflows to 0 sooner); xlog1py, entr and angle are written with the ONNX ops of their
definition. The gamma and Bessel families, erfcx, log_ndtr and ndtri have no ONNX operator, and nothing exact can be
built from ONNX's ops for them, so they are refused with that reason.
"""
from __future__ import annotations

import math

from minigrad.onnx.converters import NOT_EXPORTED, _onnx_type, converts
from minigrad.onnx.elementwise_converters import _Builder, _trunc

_NO_OPERATOR = "ONNX has no such operator ({})"
NOT_EXPORTED.update({
    "Lgamma": _NO_OPERATOR.format("log-gamma"),
    "Digamma": _NO_OPERATOR.format("digamma"),
    "Polygamma": _NO_OPERATOR.format("polygamma"),
    "Zeta": _NO_OPERATOR.format("Hurwitz zeta"),
    "Igamma": _NO_OPERATOR.format("incomplete gamma function"),
    "I0": _NO_OPERATOR.format("modified Bessel function"),
    "I1": _NO_OPERATOR.format("modified Bessel function"),
    "I0e": _NO_OPERATOR.format("modified Bessel function"),
    "I1e": _NO_OPERATOR.format("modified Bessel function"),
    "Erfcx": _NO_OPERATOR.format("scaled complementary error function; exp(x^2) (1 - Erf) overflows and cancels"),
    "LogNdtr": _NO_OPERATOR.format("log of the normal distribution function; Log of Erf underflows in the tail"),
    "Ndtri": _NO_OPERATOR.format("normal quantile or inverse error function"),
    "FrexpMantissa": _NO_OPERATOR.format("frexp; the exponent of a float cannot be read exactly with ONNX's ops"),
    "Nextafter": _NO_OPERATOR.format("nextafter; the next float cannot be reached exactly with ONNX's ops"),
    **{name: _NO_OPERATOR.format("Bessel function") for name in (
        "BesselJ0", "BesselJ1", "BesselY0", "BesselY1", "BesselK0", "BesselK1", "ScaledBesselK0", "ScaledBesselK1",
        "ModifiedBesselI0", "ModifiedBesselI1", "SphericalJ0", "SphericalJ1")},
    "AiryAi": _NO_OPERATOR.format("Airy function"),
    "AiryAiPrime": _NO_OPERATOR.format("Airy function"),
    "OrthogonalPolynomial": _NO_OPERATOR.format("orthogonal polynomial; its recurrence runs a data-dependent number "
                                                "of steps"),
})


@converts("Ndtr")
def _ndtr(g, call, x):
    b = _Builder(g, call)
    return b.Mul(b.c(0.5), b.Add(b.c(1.0), b.Erf(b.Mul(x[0], b.c(math.sqrt(0.5))))))


@converts("XLog1pY")
def _xlog1py(g, call, x):
    b = _Builder(g, call)
    zero = b.And(b.Equal(x[0], b.c(0.0)), b.Not(b.IsNaN(x[1])))
    return b.Where(zero, b.c(0.0), b.Mul(x[0], b.Log(b.Add(x[1], b.c(1.0)))))


@converts("Entr")
def _entr(g, call, x):
    b = _Builder(g, call)
    positive = b.Greater(x[0], b.c(0.0))
    safe = b.Where(positive, x[0], b.c(1.0))
    others = b.Where(b.Equal(x[0], b.c(0.0)), b.c(0.0), b.c(-math.inf))
    return b.Where(b.IsNaN(x[0]), x[0], b.Where(positive, b.Neg(b.Mul(safe, b.Log(safe))), others))


@converts("Angle")
def _angle(g, call, x):
    b = _Builder(g, call)
    return b.Where(b.IsNaN(x[0]), x[0], b.Where(b.Less(x[0], b.c(0.0)), b.c(math.pi), b.c(0.0)))


@converts("LdexpInteger")
def _ldexp_integer(g, call, x):
    # x * 2^e as three exact power-of-two factors of e's sign: 2^e alone overflows where x 2^e need not (float32
    # 1e-30 * 2^200); past the bound every x gives 0 or inf all the same, and a third of it stays in range
    b = _Builder(g, call)
    bound = {2: 45.0, 4: 300.0, 8: 2200.0}[b.dtype.itemsize]
    e = b.Clip(b.Cast(x[1], to=_onnx_type(g, b.dtype)), b.c(-bound), b.c(bound))
    third = _trunc(b, b.Div(e, b.c(3.0)))
    half = _trunc(b, b.Div(b.Sub(e, third), b.c(2.0)))
    rest = b.Sub(b.Sub(e, third), half)
    two = b.c(2.0)
    return b.Mul(b.Mul(b.Mul(x[0], b.Pow(two, third)), b.Pow(two, half)), b.Pow(two, rest))
