"""Single-step recurrent cells: ``RNNCell``, ``LSTMCell`` and ``GRUCell``, with PyTorch's interface.

Parameters ``weight_ih`` (G*H, I), ``weight_hh`` (G*H, H), ``bias_ih`` and
``bias_hh`` (G*H,), G = 1, 4 (i, f, g, o) or 3 (r, z, n), all from
U(-1/sqrt(H), 1/sqrt(H)). ``forward(input, hx=None)`` takes input (B, I) or
(I,) and the state (B, H) (LSTMCell: the pair (h, c)), zeros when absent, and
returns the next state. A step is two matrix multiplies and one fused gate node.
"""
from __future__ import annotations

import math


from minigrad import ops
from minigrad.backend import normalize_device, xp_for
from minigrad.nn import init
from minigrad.nn.layer import Layer, Parameter
from minigrad.nn.projection import LinearT
from minigrad.nn.arguments import floating_dtype, positive_int
from minigrad.nn.recurrent_checks import check_input, check_state
from minigrad.nn.recurrent_steps import GATES, folded_bias, step


class RNNCellBase(Layer):
    """What RNNCell, LSTMCell and GRUCell share, as torch's ``nn.RNNCellBase``: its arguments, and the parameters
    ``weight_ih`` (num_chunks*H, I), ``weight_hh`` (num_chunks*H, H), ``bias_ih``/``bias_hh`` (num_chunks*H,)
    from U(-1/sqrt(H), 1/sqrt(H)). It has no step of its own (a subclass gives ``forward``, as in torch); the
    cells here name theirs in ``mode`` ("RNN_TANH", "RNN_RELU", "LSTM" or "GRU") and share :meth:`forward`."""

    #: The step :meth:`forward` runs; None on the base class, which has none (torch's has no forward).
    mode = None

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        input_size = self.input_size = positive_int(name, "input_size", input_size)
        hidden_size = self.hidden_size = positive_int(name, "hidden_size", hidden_size)
        rows = positive_int(name, "num_chunks", num_chunks) * hidden_size
        self.bias = bool(bias)
        xp = xp_for(normalize_device(device))
        dtype = floating_dtype(name, dtype)
        self.weight_ih = Parameter(xp.zeros((rows, input_size), dtype=dtype))
        self.weight_hh = Parameter(xp.zeros((rows, hidden_size), dtype=dtype))
        if self.bias:
            self.bias_ih = Parameter(xp.zeros((rows,), dtype=dtype))
            self.bias_hh = Parameter(xp.zeros((rows,), dtype=dtype))
        else:
            self.bias_ih = self.bias_hh = None
        self.reset_parameters()

    def reset_parameters(self):
        """Every weight and bias from U(-1/sqrt(H), 1/sqrt(H)), as PyTorch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def forward(self, input, hx=None):
        name = type(self).__name__
        if self.mode is None:
            raise NotImplementedError(f"{name} has no forward: RNNCellBase is a base class (as torch's); "
                                      "a subclass defines forward")
        check_input(name, input, self.input_size, self.weight_ih, (1, 2))
        batched = input.ndim == 2
        x = input if batched else ops.expand_dims(input, 0)
        shape = (x.shape[0], self.hidden_size) if batched else (self.hidden_size,)
        h = c = None
        if hx is not None:
            if self.mode == "LSTM":
                if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                    raise TypeError(f"{name}: the state must be a pair (h, c), got {type(hx).__name__}")
                check_state(name, "h", hx[0], shape, input)
                check_state(name, "c", hx[1], shape, input)
                h, c = hx
            else:
                check_state(name, "hx", hx, shape, input)
                h = hx
            if not batched:
                h = ops.expand_dims(h, 0)
                c = None if c is None else ops.expand_dims(c, 0)
        b = folded_bias(self.mode, self.bias_ih, self.bias_hh)
        ax = LinearT.apply(x, self.weight_ih) if b is None else LinearT.apply(x, self.weight_ih, b)
        h, c = step(self.mode, ax, h, c, self.weight_hh, self.bias_hh)
        if not batched:
            h = ops.squeeze(h, 0)
            c = None if c is None else ops.squeeze(c, 0)
        return (h, c) if self.mode == "LSTM" else h

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(RNNCellBase):
    """h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act = tanh (default) or relu: a product, an add and the
    activation, no fused node."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, bias, GATES["RNN_TANH"], device, dtype)
        self.nonlinearity = nonlinearity
        self.mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"

    def extra_repr(self):
        return super().extra_repr() + ("" if self.nonlinearity == "tanh" else f", nonlinearity={self.nonlinearity}")


class LSTMCell(RNNCellBase):
    """(h', c') from x and (h, c): gates i, f, g, o; c' = f c + i g, h' = o tanh(c').

    The gate arithmetic runs as one fused node, ``LSTMGates`` (``minigrad.ops.recurrent_gates``).
    """

    mode = "LSTM"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, GATES["LSTM"], device, dtype)


class GRUCell(RNNCellBase):
    """h' = (1 - z) n + z h with gates r, z and n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)).

    The gate arithmetic runs as one fused node, ``GRUGates`` (``minigrad.ops.recurrent_gates``).
    """

    mode = "GRU"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, GATES["GRU"], device, dtype)
