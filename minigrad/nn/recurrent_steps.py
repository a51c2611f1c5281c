"""One time step of each recurrent cell, shared by the cells (one step) and the layers (a loop of them).

Every step takes ``ax``, the input's projection x W_ih^T + b (computed for all
time steps at once by the layers), and costs one matrix multiply for the
recurrence, h W_hh^T, plus the gate arithmetic as one fused node
(``minigrad.ops.recurrent_gates``). For the tanh/ReLU RNN and the LSTM the
hidden bias b_hh is folded into ``b`` (it is added to the same sum); the GRU
keeps it with h W_hh^T because the reset gate multiplies that sum.
``h is None`` means the zero state. Its product h W_hh^T is zero but is still
taken, as PyTorch takes it: then weight_hh gets a zero gradient rather than
none, which weight decay and momentum would read differently (a one-step
sequence, or a cell called without a state).
"""
from __future__ import annotations

from minigrad import ops
from minigrad.autograd.tensor import Tensor
from minigrad.nn.projection import LinearT
from minigrad.ops.recurrent_gates import GRUGates, LSTMGates

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def folded_bias(mode, b_ih, b_hh):
    """The bias added to the input projection: b_ih + b_hh, except for the GRU (b_ih alone)."""
    if b_ih is None or mode == "GRU":
        return b_ih
    return b_ih + b_hh


def _zeros_like_rows(ax, width):
    xp = ax._xp()
    return Tensor(xp.zeros(ax.shape[:-1] + (width,), dtype=ax.dtype))


def step(mode, ax, h, c, w_hh, b_hh):
    """(h', c') after one step (c' is None except for the LSTM)."""
    H = w_hh.shape[1]
    if h is None:
        h = _zeros_like_rows(ax, H)
    if mode == "GRU":
        ah = LinearT.apply(h, w_hh) if b_hh is None else LinearT.apply(h, w_hh, b_hh)
        return GRUGates.apply(ax, ah, h), None
    if mode == "LSTM":
        if c is None:   # of the hidden size, which h has not with a projection (LSTM proj_size)
            c = _zeros_like_rows(ax, ax.shape[-1] // 4)
        return LSTMGates.apply(ax, LinearT.apply(h, w_hh), c)
    a = ax + LinearT.apply(h, w_hh)
    return (ops.tanh(a) if mode == "RNN_TANH" else ops.relu(a)), None
