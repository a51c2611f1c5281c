"""ONNX mappings of PyTorch's elementwise math (minigrad/ops/rounding.py, exponential.py, trigonometric.py,
special.py, signs.py, division.py, interpolation.py, extrema.py).

Ops ONNX has are one node (Floor, Ceil, Round, Tan, Asin, ..., Reciprocal, Mod); the others are written with
the ONNX ops of their definition (log1p as Log(1 + x), trunc as Sign(x) Floor(|x|), atan2 by quadrants, ...),
which agree with minigrad to float32 rounding away from the extremes the fused kernels are for (log1p of
1e-10, hypot near overflow).
"""
from __future__ import annotations

import math

import numpy as np

from minigrad.onnx.converters import NOT_EXPORTED, _dtype, converts

NOT_EXPORTED.update({"Erfinv": "ONNX has no inverse error function (nor anything to build one from exactly)"})

_ONE_NODE = {"Floor": "Floor", "Ceil": "Ceil", "Tan": "Tan", "Asin": "Asin", "Acos": "Acos", "Atan": "Atan",
             "Sinh": "Sinh", "Cosh": "Cosh", "Asinh": "Asinh", "Acosh": "Acosh", "Atanh": "Atanh",
             "Reciprocal": "Reciprocal"}


@converts(*_ONE_NODE)
def _one_node(g, call, x):
    return g.node(_ONE_NODE[call.op], x)


class _Builder:
    """Short names for the nodes a composed mapping writes, in the traced input's dtype."""

    def __init__(self, g, call):
        self.g, self.dtype = g, _dtype(call.inputs[0])

    def c(self, value):
        return self.g.scalar(value, self.dtype, "constant")

    def __getattr__(self, op_type):
        return lambda *inputs, **attrs: self.g.node(op_type, list(inputs), **attrs)


def _trunc(b, x):
    return b.Mul(b.Sign(x), b.Floor(b.Abs(x)))


@converts("Trunc")
def _trunc_node(g, call, x):
    return _trunc(_Builder(g, call), x[0])


@converts("Frac")
def _frac(g, call, x):
    b = _Builder(g, call)
    return b.Sub(x[0], _trunc(b, x[0]))


@converts("Round")
def _round(g, call, x):
    b, d = _Builder(g, call), call.params.get("decimals", 0)
    if d == 0:
        return b.Round(x[0])   # ONNX's Round takes halves to even too
    scale = b.c(10.0 ** abs(d))
    return b.Div(b.Round(b.Mul(x[0], scale)), scale) if d > 0 else b.Mul(b.Round(b.Div(x[0], scale)), scale)


@converts("Log1p")
def _log1p(g, call, x):
    b = _Builder(g, call)
    return b.Log(b.Add(x[0], b.c(1.0)))


@converts("Expm1")
def _expm1(g, call, x):
    b = _Builder(g, call)
    return b.Sub(b.Exp(x[0]), b.c(1.0))


@converts("Log2", "Log10")
def _log_base(g, call, x):
    b = _Builder(g, call)
    return b.Div(b.Log(x[0]), b.c(math.log(2.0 if call.op == "Log2" else 10.0)))


@converts("Exp2")
def _exp2(g, call, x):
    b = _Builder(g, call)
    return b.Exp(b.Mul(x[0], b.c(math.log(2.0))))


@converts("Rsqrt")
def _rsqrt(g, call, x):
    b = _Builder(g, call)
    return b.Reciprocal(b.Sqrt(x[0]))


@converts("Logit")
def _logit(g, call, x):
    b, eps = _Builder(g, call), call.params.get("eps")
    z = x[0] if eps is None or eps != eps else b.Clip(x[0], b.c(eps), b.c(1.0 - eps))   # a NaN eps clamps nothing
    return b.Log(b.Div(z, b.Sub(b.c(1.0), z)))


@converts("LogAddExp", "LogAddExp2")
def _logaddexp(g, call, x):
    b = _Builder(g, call)
    m = b.Max(x[0], x[1])
    if call.op == "LogAddExp":
        y = b.Add(m, b.Log(b.Add(b.Exp(b.Sub(x[0], m)), b.Exp(b.Sub(x[1], m)))))
    else:
        ln2 = b.c(math.log(2.0))
        total = b.Add(b.Exp(b.Mul(b.Sub(x[0], m), ln2)), b.Exp(b.Mul(b.Sub(x[1], m), ln2)))
        y = b.Add(m, b.Div(b.Log(total), ln2))
    # an infinite maximum is the result (x - m is inf - inf, NaN, there): logaddexp(inf, 5) is inf, of -inf and -inf
    # -inf, as minigrad's and torch's
    return b.Where(b.IsInf(m), m, y)


@converts("XLogY")
def _xlogy(g, call, x):
    b = _Builder(g, call)
    zero = b.And(b.Equal(x[0], b.c(0.0)), b.Not(b.IsNaN(x[1])))
    return b.Where(zero, b.c(0.0), b.Mul(x[0], b.Log(x[1])))


@converts("Sinc")
def _sinc(g, call, x):
    b = _Builder(g, call)
    at_zero = b.Equal(x[0], b.c(0.0))
    px = b.Where(at_zero, b.c(1.0), b.Mul(x[0], b.c(math.pi)))
    return b.Where(at_zero, b.c(1.0), b.Div(b.Sin(px), px))


@converts("Atan2")
def _atan2(g, call, x):
    """atan(a / b), moved by +-pi where b < 0; +-pi/2 or 0 where b = 0."""
    b = _Builder(g, call)
    a, d = x
    zero = b.c(0.0)
    base = b.Atan(b.Div(a, d))
    left = b.Add(base, b.Where(b.Less(a, zero), b.c(-math.pi), b.c(math.pi)))
    on_axis = b.Mul(b.Sign(a), b.c(math.pi / 2))
    return b.Where(b.Greater(d, zero), base, b.Where(b.Less(d, zero), left, on_axis))


@converts("Hypot")
def _hypot(g, call, x):
    b = _Builder(g, call)
    return b.Sqrt(b.Add(b.Mul(x[0], x[0]), b.Mul(x[1], x[1])))


@converts("Erfc")
def _erfc(g, call, x):
    b = _Builder(g, call)
    return b.Sub(b.c(1.0), b.Erf(x[0]))


@converts("Copysign")
def _copysign(g, call, x):
    b = _Builder(g, call)
    negative = b.Less(b.Reciprocal(x[1]), b.c(0.0))   # 1 / -0.0 = -inf: the sign of a zero counts too
    magnitude = b.Abs(x[0])
    return b.Where(negative, b.Neg(magnitude), magnitude)


@converts("NanToNum")
def _nan_to_num(g, call, x):
    b, p = _Builder(g, call), call.params
    info = np.finfo(b.dtype)
    posinf = info.max if p.get("posinf") is None else p["posinf"]
    neginf = info.min if p.get("neginf") is None else p["neginf"]
    y = b.Where(b.IsNaN(x[0]), b.c(p.get("nan", 0.0)), x[0])
    y = b.Where(b.IsInf(x[0], detect_positive=1, detect_negative=0), b.c(posinf), y)
    return b.Where(b.IsInf(x[0], detect_positive=0, detect_negative=1), b.c(neginf), y)


@converts("RoundedDiv")
def _rounded_div(g, call, x):
    b, mode = _Builder(g, call), call.params["mode"]
    if b.dtype.kind in "iu":
        if mode == "trunc":
            return b.Div(x[0], x[1])                       # ONNX's integer Div truncates
        return b.Div(b.Sub(x[0], b.Mod(x[0], x[1])), x[1])  # a - (a mod b) is a multiple of b: exact
    if mode == "trunc":
        return _trunc(b, b.Div(x[0], x[1]))                # torch's and minigrad's trunc(a / b)
    # NumPy's (and torch's) floor division: (a - fmod(a, b)) / b, an exact multiple, one lower where fmod's sign is
    # not b's, rounded to the nearest integer; a / b where b is 0. Floor(a / b) is one too low at exact multiples
    # that a / b rounds below (-13 / 1.3 is -10.000001 in float32: Floor gave -11 where minigrad gives -10).
    r = b.Mod(x[0], x[1], fmod=1)
    zero = b.c(0.0)
    q = b.Div(b.Sub(x[0], r), x[1])
    below = b.And(b.Not(b.Equal(r, zero)), b.Xor(b.Less(r, zero), b.Less(x[1], zero)))
    q = b.Where(below, b.Sub(q, b.c(1.0)), q)
    down = b.Floor(q)
    rounded = b.Where(b.Greater(b.Sub(q, down), b.c(0.5)), b.Add(down, b.c(1.0)), down)
    return b.Where(b.Equal(x[1], zero), b.Div(x[0], x[1]), rounded)


@converts("Fmod")
def _fmod(g, call, x):
    return g.node("Mod", x, fmod=1)


@converts("Remainder")
def _remainder(g, call, x):
    b = _Builder(g, call)
    if b.dtype.kind in "iu":
        return b.Mod(x[0], x[1])                           # fmod=0: the divisor's sign, as Python's %
    r = b.Mod(x[0], x[1], fmod=1)
    zero = b.c(0.0)
    flip = b.And(b.Not(b.Equal(r, zero)), b.Xor(b.Less(r, zero), b.Less(x[1], zero)))
    return b.Where(flip, b.Add(r, x[1]), r)


@converts("Fmax", "Fmin")
def _fmax(g, call, x):
    b = _Builder(g, call)
    both = b.Max(x[0], x[1]) if call.op == "Fmax" else b.Min(x[0], x[1])
    return b.Where(b.IsNaN(x[0]), x[1], b.Where(b.IsNaN(x[1]), x[0], both))


@converts("Lerp")
def _lerp(g, call, x):
    b = _Builder(g, call)
    start, end, w = x
    diff = b.Sub(end, start)
    small = b.Less(b.Abs(w), b.c(0.5))
    return b.Where(small, b.Add(start, b.Mul(w, diff)), b.Sub(end, b.Mul(diff, b.Sub(b.c(1.0), w))))


@converts("Addcmul", "Addcdiv")
def _addc(g, call, x):
    b = _Builder(g, call)
    scaled = b.Mul(b.c(call.params.get("value", 1)), x[1])
    return b.Add(x[0], b.Mul(scaled, x[2]) if call.op == "Addcmul" else b.Div(scaled, x[2]))
