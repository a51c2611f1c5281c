"""Multi-layer recurrent layers: ``RNN`` (tanh or ReLU), ``LSTM`` and ``GRU``, with PyTorch's interface.

Layer k holds ``weight_ih_l{k}`` (G*H, I_k), ``weight_hh_l{k}`` (G*H, H) and,
with ``bias``, ``bias_ih_l{k}`` and ``bias_hh_l{k}`` (G*H,), where G is 1, 4
(gates i, f, g, o) or 3 (r, z, n) and I_k is ``input_size`` for k = 0 and
D*``hidden_size`` above (D = 2 with ``bidirectional``, else 1): PyTorch's names, shapes,
gate order and registration order, so a state dict copies across both ways and gives
the same outputs. With ``bidirectional`` each layer also holds the same four with the
suffix ``_reverse``, registered right after its forward ones. All are drawn from
U(-1/sqrt(H), 1/sqrt(H)).

``forward(input, hx=None)`` takes input (T, B, I) (``batch_first``: (B, T, I);
unbatched: (T, I)) and an optional initial state h_0 (D*num_layers, B, H) (LSTM:
the pair (h_0, c_0)), zeros when absent, and returns ``output`` (the top layer's
h at every step, (T, B, D*H)) and h_n (LSTM: (h_n, c_n)), each (D*num_layers, B, H),
ordered layer 0 forward, layer 0 reverse, layer 1 forward... (LSTM with ``proj_size`` P:
h has width P, see ``LSTM``).

The reverse direction reads the sequence from its last step to its first and its
outputs are put back in time order, so output[t] is [h_fwd(t), h_rev(t)] and the
reverse h_n is its state after the first step. On a ``PackedSequence`` each sequence
is reversed within its own length (one gather of per-sequence reversed time indices),
so the reverse direction starts at that sequence's own last step, as in PyTorch.

Per layer the input projection of all T steps is one matrix multiply, and each
step is one matrix multiply plus one fused gate node for LSTM and GRU, or an add and
the activation for RNN (see ``recurrent_steps``). Each matrix multiply, its bias
included, runs as one fused node, ``LinearT`` (``minigrad.nn.projection``).
With ``dropout`` > 0 the outputs of every layer but the last are dropped out
while training.

Truncated backpropagation through time: carry the final state into the next
chunk detached, so gradients stop at the chunk boundary::

    out, (h, c) = lstm(chunk, (h.detach(), c.detach()))
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from minigrad import ops
from minigrad.autograd.tensor import Tensor
from minigrad.backend import normalize_device, to_device, xp_for
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.nn.layer import Layer, Parameter
from minigrad.nn.projection import LinearT
from minigrad.nn.arguments import floating_dtype, positive_int, probability
from minigrad.nn.recurrent_checks import check_input, check_state
from minigrad.nn.recurrent_steps import GATES, folded_bias, step
from minigrad.nn.utils.rnn import PackedSequence, padded_sorted
from minigrad.ops.unstack import Unstack
from minigrad.scalars import is_integer

# One direction of one layer: its parameters' names, before the layer index and suffix, in PyTorch's registration order
_KINDS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")


class RNNBase(Layer):
    """What RNN, LSTM and GRU share (torch's ``nn.RNNBase``, its arguments); ``mode`` ("RNN_TANH", "RNN_RELU",
    "LSTM" or "GRU") picks the step. ``proj_size`` is LSTM's only."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        if mode not in GATES:
            raise ValueError(f"{name}: unrecognized RNN mode {mode!r}; expected one of {list(GATES)}")
        self.mode = mode
        input_size = self.input_size = positive_int(name, "input_size", input_size)
        hidden_size = self.hidden_size = positive_int(name, "hidden_size", hidden_size)
        num_layers = self.num_layers = positive_int(name, "num_layers", num_layers)
        if isinstance(dropout, (bool, np.bool_)):   # torch's RNNs refuse a bool rate, where nn.Dropout reads it as 1 or 0
            raise ValueError(f"{name}: dropout must be a number in [0, 1], not a bool, got {dropout!r}")
        self.dropout = probability(name, "dropout", dropout)
        if self.dropout and num_layers == 1:   # torch's warning: such a dropout never acts
            warnings.warn(f"{name}: dropout acts between recurrent layers only (after all but the last), so "
                          f"dropout={self.dropout} expects num_layers greater than 1, but got num_layers=1",
                          UserWarning, stacklevel=3)
        self.bias, self.batch_first = bool(bias), bool(batch_first)
        self.bidirectional = bool(bidirectional)
        self.num_directions = 2 if self.bidirectional else 1
        if proj_size and mode != "LSTM":
            raise ValueError(f"{name}: proj_size is only supported for LSTM, not {mode}, got proj_size={proj_size!r}")
        if isinstance(proj_size, bool) or not is_integer(proj_size) or not 0 <= proj_size < hidden_size:
            raise ValueError(f"{name}: proj_size must be a non-negative integer smaller than "
                             f"hidden_size={hidden_size}, got {proj_size!r}")
        self.proj_size = int(proj_size)
        width = self.proj_size or hidden_size   # of h: what feeds the next step and the next layer
        xp = xp_for(normalize_device(device))
        dtype = floating_dtype(name, dtype)
        rows = GATES[self.mode] * hidden_size
        for k in range(num_layers):   # PyTorch's registration order: layer by layer, forward then reverse
            cols = input_size if k == 0 else self.num_directions * width
            shapes = ((rows, cols), (rows, width), (rows,), (rows,), (self.proj_size, hidden_size))
            for sfx in self._suffixes():
                for param, shape, held in zip(self._names(k, sfx), shapes, self._held()):
                    if held:
                        setattr(self, param, Parameter(xp.zeros(shape, dtype=dtype)))
        self.reset_parameters()

    def reset_parameters(self):
        """Every weight and bias from U(-1/sqrt(H), 1/sqrt(H)), as PyTorch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    @property
    def all_weights(self):
        """Per layer and direction (layer 0, layer 0 reverse, layer 1...), that direction's parameters in their
        registration order (weight_ih, weight_hh, bias_ih, bias_hh, weight_hr), as PyTorch's."""
        return [[p for p in self._layer_params(k, sfx) if p is not None]
                for k in range(self.num_layers) for sfx in self._suffixes()]

    @property
    def _all_weights(self):
        """torch's: the parameter names per layer and direction, in ``all_weights``' order. Code written for torch
        walks them (``for names in lstm._all_weights: ... getattr(lstm, name)``, to set the forget-gate biases)."""
        return [[name for name, held in zip(self._names(k, sfx), self._held()) if held]
                for k in range(self.num_layers) for sfx in self._suffixes()]

    @property
    def _flat_weights_names(self):
        """torch's: every parameter name, in ``_all_weights``' order."""
        return [name for names in self._all_weights for name in names]

    @property
    def _flat_weights(self):
        """torch's: the weights named by ``_flat_weights_names``, as forward reads them."""
        return [getattr(self, name, None) for name in self._flat_weights_names]

    def flatten_parameters(self):
        """Nothing to do: PyTorch packs the weights into one buffer for cuDNN here (a no-op on its CPU too);
        minigrad's recurrence reads the parameters as they are. Kept so torch code that calls it runs."""
        return None

    def _suffixes(self):
        return ("", "_reverse") if self.bidirectional else ("",)

    @staticmethod
    def _names(k, sfx=""):
        """Layer ``k``'s parameter names in direction ``sfx`` ("" or "_reverse"), in ``_KINDS``' order."""
        return tuple(f"{kind}_l{k}{sfx}" for kind in _KINDS)

    def _held(self):
        """Which of ``_KINDS`` each direction of each layer holds: the biases with ``bias``, weight_hr with
        ``proj_size``."""
        return True, True, self.bias, self.bias, bool(self.proj_size)

    def _layer_params(self, k, sfx=""):
        # getattr, not the instance dict: a parametrized weight (weight_norm, spectral_norm, register_parametrization)
        # lives as a property of the layer's class, and forward must read its parametrized value, as torch's does.
        return tuple(getattr(self, name, None) for name in self._names(k, sfx))

    def forward(self, input, hx=None):
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        name = type(self).__name__
        w0 = self.weight_ih_l0
        check_input(name, input, self.input_size, w0, (2, 3))
        batched = input.ndim == 3
        x = input if batched else ops.expand_dims(input, 1)
        time_axis = 1 if (self.batch_first and batched) else 0
        if x.shape[time_axis] == 0:
            raise ValueError(f"{name}: input has shape {tuple(input.shape)}, with no time steps")
        B = x.shape[1 - time_axis]
        h0, c0 = self._initial_state(hx, x, B, batched, input)
        x, h_n, c_n = self._run_layers(x, time_axis, h0, c0)
        return self._result(x if batched else ops.squeeze(x, 1), h_n, c_n, batched)

    def _forward_packed(self, packed, hx):
        """A ``PackedSequence`` in, one out: the padded batch runs with each sequence's state held once its
        steps are over, so its final state is the state after its own last step, as in PyTorch."""
        name = type(self).__name__
        check_input(name, packed.data, self.input_size, self.weight_ih_l0, (2,))
        x, lengths = padded_sorted(packed)                       # (T, B, I), by decreasing length
        order = None if packed.sorted_indices is None else packed.sorted_indices.numpy()
        h0, c0 = self._initial_state(hx, x, x.shape[1], True, packed.data, order)
        running = np.arange(x.shape[0])[:, None, None] < lengths[None, :, None]   # (T, B, 1): step t of sequence b
        x, h_n, c_n = self._run_layers(x, 0, h0, c0, running, lengths)
        t_idx, b_idx = np.nonzero(running[:, :, 0])
        out = packed._replace(data=ops.reshape(x, (-1, x.shape[2]))[t_idx * x.shape[1] + b_idx])
        if packed.unsorted_indices is not None:   # the packed order -> the caller's order
            back = packed.unsorted_indices.numpy()
            h_n = [h[back] for h in h_n]
            c_n = [None if c is None else c[back] for c in c_n]
        return self._result(out, h_n, c_n, True)

    def _run_layers(self, x, time_axis, h0, c0, running=None, lengths=None):
        """(top layer's outputs, final h per layer and direction, final c likewise); with ``running`` (T, B, 1),
        a sequence keeps its state at the steps where it is not running (it has ``lengths`` steps)."""
        h_n, c_n = [], []
        flip = None
        if self.bidirectional and running is not None:
            # Step t of sequence b in the reverse direction reads its step lengths[b]-1-t; padding stays put.
            # The permutation is its own inverse, so the same index puts the outputs back in time order.
            t, xp = np.arange(x.shape[0])[:, None], x._xp()
            flip = (xp.asarray(np.where(t < lengths[None, :], lengths[None, :] - 1 - t, t)),
                    xp.asarray(np.arange(x.shape[1])[None, :]))
        D = self.num_directions
        for k in range(self.num_layers):
            outs = []
            for d, sfx in enumerate(self._suffixes()):
                h = None if h0 is None else h0[D * k + d]
                c = None if c0 is None else c0[D * k + d]
                xd = x[flip] if d == 1 and flip is not None else x
                out, h, c = self._run_direction(xd, time_axis, self._layer_params(k, sfx), h, c, running,
                                                reverse=d == 1 and flip is None)
                outs.append(out[flip] if d == 1 and flip is not None else out)
                h_n.append(h)
                c_n.append(c)
            x = outs[0] if D == 1 else ops.concat(outs, axis=-1)
            if self.dropout and self.training and k < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        return x, h_n, c_n

    def _run_direction(self, x, time_axis, params, h, c, running, reverse):
        """One direction of one layer: (h at every step in time order, final h, final c). ``reverse`` walks the
        steps from the last to the first (the reverse direction of an unpacked batch)."""
        w_ih, w_hh, b_ih, b_hh, w_hr = params
        b = folded_bias(self.mode, b_ih, b_hh)
        proj = LinearT.apply(x, w_ih) if b is None else LinearT.apply(x, w_ih, b)
        steps = list(Unstack.apply(proj, axis=time_axis)) if proj.shape[time_axis] > 1 else [
            ops.squeeze(proj, time_axis)]
        hs = []
        # running stays on the host for the per-step test; the masks the steps select with live where h does
        masks = None if running is None else to_device(running, x.device)
        for t, ax in enumerate(reversed(steps) if reverse else steps):
            h_new, c_new = step(self.mode, ax, h, c, w_hh, b_hh)
            if w_hr is not None:   # proj_size: h = (o tanh(c)) W_hr^T
                h_new = LinearT.apply(h_new, w_hr)
            if running is not None and not running[t].all():   # never at t = 0: every length is > 0
                keep = Tensor(masks[t])
                h_new = ops.where(keep, h_new, h)
                c_new = None if c_new is None else ops.where(keep, c_new, c)
            h, c = h_new, c_new
            hs.append(h)
        if reverse:
            hs.reverse()
        return ops.stack(hs, axis=time_axis), h, c

    def _result(self, out, h_n, c_n, batched):
        h_n = ops.stack(h_n, axis=0) if batched else ops.stack([ops.squeeze(h, 0) for h in h_n], axis=0)
        if self.mode != "LSTM":
            return out, h_n
        c_n = ops.stack(c_n, axis=0) if batched else ops.stack([ops.squeeze(c, 0) for c in c_n], axis=0)
        return out, (h_n, c_n)

    def _initial_state(self, hx, x, B, batched, input, order=None):
        """(h_0 per layer, c_0 per layer or None), each (B, H) Tensors (or None for zeros); ``order`` (a packed
        batch's sorted_indices) takes the sequences from the caller's order to the packed one."""
        if hx is None:
            return None, None
        name = type(self).__name__
        n = self.num_directions * self.num_layers
        shape = (n, B, self.hidden_size) if batched else (n, self.hidden_size)
        if self.mode == "LSTM":
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"{name}: the initial state must be a pair (h_0, c_0), got {type(hx).__name__}")
            check_state(name, "h_0", hx[0], shape[:-1] + (self.proj_size or self.hidden_size,), input)
            check_state(name, "c_0", hx[1], shape, input)
            states = [hx[0], hx[1]]
        else:
            check_state(name, "h_0", hx, shape, input)
            states = [hx]
        if order is not None:   # after the checks: a gather would hide a state of the wrong batch or rank
            states = [s[:, order] for s in states]
        if not batched:
            states = [ops.expand_dims(s, 1) for s in states]
        layers = [list(Unstack.apply(s, axis=0)) if n > 1 else [ops.squeeze(s, 0)]
                  for s in states]
        return layers[0], (layers[1] if self.mode == "LSTM" else None)

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            text += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text


class RNN(RNNBase):
    """Elman RNN: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act = tanh (default) or relu.

    ``nonlinearity`` is ``"tanh"`` or ``"relu"``; the rest is as in the module docstring. The step
    is a matrix product, an add and the activation: no fused node.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def extra_repr(self):
        return super().extra_repr() + ("" if self.nonlinearity == "tanh" else ", nonlinearity='relu'")


class LSTM(RNNBase):
    """Long short-term memory (gates i, f, g, o): c_t = f c_{t-1} + i g, h_t = o tanh(c_t).

    Returns ``output, (h_n, c_n)``; takes an optional ``(h_0, c_0)``. Each step's gate arithmetic
    runs as one fused node, ``LSTMGates`` (``minigrad.ops.recurrent_gates``).

    ``proj_size`` P > 0 (below ``hidden_size``), as PyTorch: h_t = (o tanh(c_t)) W_hr^T, of width P, feeds the
    next step and the next layer, so ``weight_hh_l{k}`` is (4H, P), layers above the first take D*P inputs, and
    each direction adds ``weight_hr_l{k}`` (P, H) after its biases; h_0, h_n and the output's last axis have P
    (D*P) where c keeps H.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit (gates r, z, n): n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)),
    h_t = (1 - z) n + z h_{t-1}, the reset gate applied after the hidden product as in PyTorch.

    Each step's gate arithmetic runs as one fused node, ``GRUGates`` (``minigrad.ops.recurrent_gates``).
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)
