"""ONNX mappings of the activations of ``minigrad/ops/activations_torch.py``: LogSigmoid, SELU, CELU, Hardswish,
Hardsigmoid, Shrink and Threshold. onnxruntime runs ONNX's Softplus, Selu, Celu, HardSwish and HardSigmoid in
float32 only, so other dtypes get the same formulas from Exp/Log/Clip/Where nodes."""
from __future__ import annotations

import numpy as np

from minigrad.onnx.converters import converts
from minigrad.ops.activations_torch import SELU_ALPHA, SELU_SCALE


def _dtype(call):
    return np.dtype(call.inputs[0].dtype)


@converts("LogSigmoid")
def _logsigmoid(g, call, x):
    """log sigmoid(x) = -softplus(-x); in float64 min(x, 0) - log(1 + exp(-|x|)) (Softplus is float32-only)."""
    dtype = _dtype(call)
    if dtype == np.float32:
        return g.node("Neg", [g.node("Softplus", [g.node("Neg", x)])])
    exp = g.node("Exp", [g.node("Neg", [g.node("Abs", x)])])
    tail = g.node("Log", [g.node("Add", [g.scalar(1.0, dtype, "one"), exp])])
    return g.node("Sub", [g.node("Min", [x[0], g.scalar(0.0, dtype, "zero")]), tail])


def _scaled_elu(g, dtype, x, alpha, scale, input_scale):
    """scale x for x > 0, else scale alpha (exp(min(x, 0) input_scale) - 1), from Exp/Where nodes (any dtype)."""
    zero = g.scalar(0.0, dtype, "zero")
    exp = g.node("Exp", [g.node("Mul", [g.node("Min", [x, zero]), g.scalar(input_scale, dtype, "input_scale")])])
    negative = g.node("Mul", [g.node("Sub", [exp, g.scalar(1.0, dtype, "one")]),
                              g.scalar(alpha * scale, dtype, "alpha")])
    positive = x if scale == 1 else g.node("Mul", [x, g.scalar(scale, dtype, "scale")])
    return g.node("Where", [g.node("Greater", [x, zero]), positive, negative])


@converts("SELU")
def _selu(g, call, x):
    dtype = _dtype(call)
    if dtype == np.float32:
        return g.node("Selu", x, alpha=float(SELU_ALPHA), gamma=float(SELU_SCALE))
    return _scaled_elu(g, dtype, x[0], SELU_ALPHA, SELU_SCALE, 1.0)


@converts("CELU")
def _celu(g, call, x):
    alpha = float(call.params.get("alpha", 1.0))
    dtype = _dtype(call)
    if dtype == np.float32:
        return g.node("Celu", x, alpha=alpha)
    return _scaled_elu(g, dtype, x[0], alpha, 1.0, 1.0 / alpha)


def _hard_sigmoid(g, dtype, x):
    """relu6(x + 3) / 6 as Clip nodes (any dtype)."""
    clipped = g.node("Clip", [g.node("Add", [x, g.scalar(3.0, dtype, "three")]), g.scalar(0.0, dtype, "zero"),
                              g.scalar(6.0, dtype, "six")])
    return g.node("Div", [clipped, g.scalar(6.0, dtype, "six")])


@converts("Hardswish")
def _hardswish(g, call, x):
    dtype = _dtype(call)
    if dtype == np.float32 and g.opset >= 14:   # ONNX's HardSwish is opset 14's; before it, x * hardsigmoid(x)
        return g.node("HardSwish", x)
    return g.node("Mul", [x[0], _hard_sigmoid(g, dtype, x[0])])


@converts("Hardsigmoid")
def _hardsigmoid(g, call, x):
    dtype = _dtype(call)
    if dtype == np.float32:
        return g.node("HardSigmoid", x, alpha=1.0 / 6.0, beta=0.5)
    return _hard_sigmoid(g, dtype, x[0])


@converts("Shrink")
def _shrink(g, call, x):
    # ONNX's Shrink gives 0 for NaN (it is not beyond lambd); softshrink and hardshrink keep it, as torch's
    y = g.node("Shrink", x, lambd=float(call.params.get("lambd", 0.5)), bias=float(call.params.get("bias", 0.0)))
    return g.node("Where", [g.node("IsNaN", x), x[0], y]) if _dtype(call).kind == "f" else y


@converts("Threshold")
def _threshold(g, call, x):
    dtype = _dtype(call)
    # "x <= threshold" as the op tests it, so that a NaN stays NaN
    below = g.node("LessOrEqual", [x[0], g.scalar(call.params["threshold"], dtype, "threshold")])
    return g.node("Where", [below, g.scalar(call.params["value"], dtype, "value"), x[0]])
