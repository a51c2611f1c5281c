"""ONNX mappings of the sequence ops: embedding lookup, projections, LSTM/GRU gates, unstacking.

A recurrent layer is traced as the loop it runs: one projection and one gate
node per time step, so the graph unrolls the traced sequence length (the batch
size stays symbolic, on axis 0 or, for time-major input (T, N, F), with
``dynamic_batch=1``).
"""
from __future__ import annotations

import numpy as np

from minigrad.onnx.converters import FIXED_SIZES, NOT_EXPORTED, converts, split
from minigrad.onnx.graph import ExportError

NOT_EXPORTED.update({"RowSum": "the derivative of an embedding lookup, used by backward passes"})


@converts("Embedding")
def _embedding(g, call, x):
    index = call.params["plan"].index
    name = g.array_names.get(id(index))
    if name is None:
        raise ExportError(
            f"onnx.export: Embedding in {call.where} looks up indices that are neither a model input nor an "
            "op's output; pass them as an input of the model"
        )
    if np.dtype(index.dtype) not in (np.dtype(np.int32), np.dtype(np.int64)):
        name = g.node("Cast", [name], to=g.onnx.TensorProto.INT64)
    return g.node("Gather", [x[0], name], axis=0)


@converts("LinearT")
def _linear_t(g, call, x):
    y = g.node("MatMul", [x[0], g.node("Transpose", [x[1]], perm=[1, 0])])
    return g.node("Add", [y, x[2]]) if len(x) == 3 else y


@converts("Unstack")
def _unstack(g, call, x):
    axis, n = int(call.params["axis"]), len(call.outputs)
    if axis in call.dynamic_inputs[0]:
        raise ExportError(
            f"onnx.export: Unstack in {call.where} cuts axis {axis} of a {tuple(call.inputs[0].shape)} input, "
            "which follows the batch size, into one slice per step (a recurrent layer's time axis: the graph "
            f"unrolls the traced sequence length, so it cannot be symbolic); {FIXED_SIZES}")
    parts = split(g, x[0], [1] * n, axis)
    axes = g.ints([axis], "axes")
    return [g.node("Squeeze", [p, axes]) for p in parts]


@converts("LSTMGates")
def _lstm_gates(g, call, x):
    ax, ah, c_prev = x
    i, f, cell, o = split(g, g.node("Add", [ax, ah]), [call.inputs[2].shape[-1]] * 4, -1)
    i, f, cell, o = (g.node("Sigmoid", [i]), g.node("Sigmoid", [f]), g.node("Tanh", [cell]),
                     g.node("Sigmoid", [o]))
    c = g.node("Add", [g.node("Mul", [f, c_prev]), g.node("Mul", [i, cell])])
    return [g.node("Mul", [o, g.node("Tanh", [c])]), c]


@converts("GRUGates")
def _gru_gates(g, call, x):
    ax, ah, h_prev = x
    sizes = [call.inputs[2].shape[-1]] * 3
    (rx, zx, nx), (rh, zh, nh) = split(g, ax, sizes, -1), split(g, ah, sizes, -1)
    r = g.node("Sigmoid", [g.node("Add", [rx, rh])])
    z = g.node("Sigmoid", [g.node("Add", [zx, zh])])
    n = g.node("Tanh", [g.node("Add", [nx, g.node("Mul", [r, nh])])])
    return g.node("Add", [g.node("Mul", [g.node("Sub", [h_prev, n]), z]), n])
