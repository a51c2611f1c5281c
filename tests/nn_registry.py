"""Registry entries for every layer, functional and loss of ``minigrad.nn`` (read by tests/op_registry.py).

Layers are checked with their parameters as inputs: ``_bound(make_layer)`` builds
a float64 layer and swaps the checked input Tensors in for its parameters, in
``named_parameters()`` order, so gradcheck perturbs and differentiates them.
Integer arrays in a sample (class targets) become constant Tensors.
"""
from __future__ import annotations

import warnings

import numpy as np

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F
from minigrad.nn.projection import LinearT
from minigrad.ops.recurrent_gates import gru_gates, lstm_gates
from minigrad.ops.unstack import unstack
from op_registry import OpInfo, S, away, distinct, distinct_from, normal_from, rnd

F64 = np.float64
_rng = np.random.default_rng(4321)


def _bound_inputs(make_layer, n_inputs, run, mode="eval"):
    """fn(*inputs, *params): a fresh ``make_layer()`` with the checked Tensors as its parameters, then
    ``run(layer, *inputs)``."""

    def fn(*args):
        inputs, params = args[:n_inputs], args[n_inputs:]
        layer = make_layer().to(args[0].device)   # its buffers (running statistics) on the inputs' device
        layer.train(mode == "train")
        names = [name for name, _ in layer.named_parameters()]
        if len(names) != len(params):
            raise ValueError(f"{type(layer).__name__} has parameters {names}, sample gives {len(params)}")
        for name, value in zip(names, params):
            *path, attr = name.split(".")
            owner = layer
            for part in path:
                owner = owner[int(part)] if part.isdigit() else getattr(owner, part)  # "0": a position
            if isinstance(owner, nn.ParameterList):
                owner._items[int(attr)] = value   # the checked Tensor in its slot, as setattr puts it in an attribute
            elif isinstance(owner, nn.ParameterDict):
                owner._items[attr] = value        # likewise under its key
            else:
                _put_tensor(owner, attr, value)
        return run(layer, *inputs)

    return fn


def _put_tensor(owner, attr, value):
    """Put a checked Tensor where the parameter ``attr`` was. As torch, a plain Tensor is refused over a
    parameter's name, so the parameter is deleted first and the Tensor becomes a plain attribute."""
    delattr(owner, attr)
    setattr(owner, attr, value)


def _bound(make_layer, mode="train"):
    """fn(x, *params) that runs a fresh ``make_layer()`` whose parameters are the given Tensors."""
    return _bound_inputs(make_layer, 1, lambda layer, x: layer(x), mode)


def _idx(*values):
    return np.array(values, dtype=np.int64)


def _unit(*shape):
    return _rng.uniform(0.05, 0.95, shape)


def _seeded_dropout(x, p):
    mg.manual_seed(17)  # the same mask on every forward of the numeric check
    return F.dropout(x, p, training=True)


def _eval_batchnorm():
    bn = nn.BatchNorm1d(3, dtype=F64)
    bn.running_mean.data[...] = [0.5, -1.0, 2.0]
    bn.running_var.data[...] = [1.5, 0.5, 4.0]
    return bn


def _mlp():
    return nn.Network(nn.Linear(4, 5, dtype=F64), nn.Tanh(), nn.Linear(5, 3, dtype=F64), nn.LogSoftmax())


def _relu_mlp():
    # Two Linear+ReLU pairs: Network runs each as one fused AffineReLU node.
    return nn.Network(nn.Linear(4, 5, dtype=F64), nn.ReLU(), nn.Linear(5, 3, dtype=F64), nn.ReLU())


def _kink_free_relu_mlp_sample():
    """x, W1, b1, W2, b2 whose pre-activations all keep |z| >= 0.1: no ReLU kink within gradcheck's step."""
    rng = np.random.default_rng(7)
    while True:
        x, w1, b1, w2, b2 = (rng.standard_normal(s) for s in ((3, 4), (4, 5), (5,), (5, 3), (3,)))
        z1 = x @ w1 + b1
        z2 = np.maximum(z1, 0) @ w2 + b2
        if min(np.abs(z1).min(), np.abs(z2).min()) >= 0.1 and (z1 > 0).any() and (z2 > 0).any():
            return S(x, w1, b1, w2, b2)


def _eval_batchnorm2d():
    bn = nn.BatchNorm2d(2, dtype=F64)
    bn.running_mean.data[...] = [0.5, -1.0]
    bn.running_var.data[...] = [1.5, 0.5]
    return bn


def _small_cnn():
    # Conv2d, ReLU, MaxPool2d in a row: Network runs them as conv, pool, ReLU.
    return nn.Network(nn.Conv2d(1, 2, 3, padding=1, dtype=F64), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                      nn.Linear(8, 3, dtype=F64))


def _seeded_dropout2d(x, p):
    mg.manual_seed(17)
    return F.dropout2d(x, p, training=True)


_L1_TARGET = rnd(3, 4)
_CLASS_WEIGHT = np.array([0.3, 1.0, 2.5, 0.7])  # a float array, but passed by keyword: a constant, not checked


def _off_kinks(*shape, at):
    """Differences d with |d| at least 0.1 away from 0 and from ``at`` (Huber's delta, smooth L1's beta)."""
    d = _rng.uniform(0.1, 3.0, shape) * _rng.choice([-1.0, 1.0], shape)
    near = np.abs(np.abs(d) - at) < 0.1
    return np.where(near, d * 1.3 + np.sign(d) * 0.2, d)


NN_OPS = [
    OpInfo("nn.Conv2d", _bound(lambda: nn.Conv2d(2, 3, 3, stride=2, padding=1, dtype=F64)),
           [S(rnd(2, 2, 5, 4), rnd(3, 2, 3, 3), rnd(3))]),
    OpInfo("nn.Conv2d(groups, bias=False)", _bound(lambda: nn.Conv2d(4, 2, (1, 2), groups=2, bias=False, dtype=F64)),
           [S(rnd(1, 4, 3, 3), rnd(2, 2, 1, 2))]),
    OpInfo("nn.Conv2d(padding_mode=reflect)",
           _bound(lambda: nn.Conv2d(2, 3, 3, stride=2, padding=(1, 2), padding_mode="reflect", dtype=F64)),
           [S(rnd(2, 2, 5, 4), rnd(3, 2, 3, 3), rnd(3))]),
    OpInfo("nn.Conv2d(padding_mode=circular, 'same')",
           _bound(lambda: nn.Conv2d(2, 1, (2, 3), padding="same", padding_mode="circular", bias=False, dtype=F64)),
           [S(rnd(1, 2, 4, 4), rnd(1, 2, 2, 3))]),
    OpInfo("nn.Conv1d(padding_mode=replicate)",
           _bound(lambda: nn.Conv1d(2, 3, 3, padding=2, dilation=2, padding_mode="replicate", dtype=F64)),
           [S(rnd(2, 2, 6), rnd(3, 2, 3), rnd(3))]),
    OpInfo("nn.ConvTranspose2d", _bound(lambda: nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1,
                                                                   dtype=F64)),
           [S(rnd(1, 2, 3, 2), rnd(2, 3, 3, 3), rnd(3))]),
    OpInfo("nn.MaxPool2d", nn.MaxPool2d(3, stride=2, padding=1), [S(distinct(2, 2, 5, 5))]),
    OpInfo("nn.AvgPool2d", nn.AvgPool2d(2, ceil_mode=True), [S(rnd(1, 2, 5, 3))]),
    OpInfo("nn.AdaptiveAvgPool2d", nn.AdaptiveAvgPool2d((2, 3)), [S(rnd(2, 1, 5, 7))]),
    OpInfo("nn.BatchNorm2d(train)", _bound(lambda: nn.BatchNorm2d(2, dtype=F64)),
           [S(rnd(3, 2, 2, 3), rnd(2), rnd(2)), S(rnd(1, 2, 3, 2), rnd(2), rnd(2))]),
    OpInfo("nn.BatchNorm2d(eval)", _bound(_eval_batchnorm2d, mode="eval"), [S(rnd(2, 2, 3, 3), rnd(2), rnd(2))]),
    OpInfo("nn.BatchNorm2d(affine=False, track_running_stats=False)",
           _bound(lambda: nn.BatchNorm2d(3, affine=False, track_running_stats=False, dtype=F64), mode="eval"),
           [S(rnd(2, 3, 2, 2))]),
    OpInfo("nn.Dropout2d", lambda x, p: _seeded_dropout2d(x, p), [S(rnd(3, 4, 2, 2), 0.5)]),
    OpInfo("nn.functional.dropout2d", lambda x, p: _seeded_dropout2d(x, p), [S(rnd(2, 3, 2, 2), 0.3)]),
    # The functional forms of the ops (tests/op_registry.py has their full tables).
    OpInfo("nn.functional.conv2d", F.conv2d, [S(rnd(1, 2, 4, 4), rnd(2, 2, 3, 3), rnd(2), padding=1)]),
    OpInfo("nn.functional.conv_transpose2d", F.conv_transpose2d, [S(rnd(1, 2, 2, 3), rnd(2, 1, 3, 3), None, stride=2)]),
    OpInfo("nn.functional.max_pool2d", F.max_pool2d, [S(distinct(1, 2, 4, 4), 2)]),
    OpInfo("nn.functional.avg_pool2d", F.avg_pool2d, [S(rnd(1, 2, 4, 4), 2)]),
    OpInfo("nn.functional.adaptive_avg_pool2d", F.adaptive_avg_pool2d, [S(rnd(1, 2, 5, 3), 2)]),
    OpInfo("nn.functional.pad", F.pad, [S(rnd(1, 2, 3), (2, 1))]),
    OpInfo("nn.Unflatten", nn.Unflatten(1, (2, 3)), [S(rnd(2, 6))]),
    OpInfo("nn.Network(Conv2d+ReLU+MaxPool2d, reordered)", _bound(_small_cnn),
           [S(rnd(2, 1, 4, 4), rnd(2, 1, 3, 3), rnd(2), rnd(8, 3), rnd(3))]),
    OpInfo("nn.Linear", _bound(lambda: nn.Linear(3, 2, dtype=F64)),
           [S(rnd(4, 3), rnd(3, 2), rnd(2)), S(rnd(2, 4, 3), rnd(3, 2), rnd(2)), S(rnd(3), rnd(3, 2), rnd(2)),
            # a bias the user replaced with one that broadcasts (torch's Linear takes these too)
            S(rnd(4, 3), rnd(3, 2), rnd(1, 2)), S(rnd(4, 3), rnd(3, 2), rnd()), S(rnd(4, 3), rnd(3, 2), rnd(4, 2)),
            S(rnd(2, 4, 3), rnd(3, 2), rnd(4, 1))]),
    OpInfo("nn.Linear(bias=False)", _bound(lambda: nn.Linear(3, 2, bias=False, dtype=F64)),
           [S(rnd(4, 3), rnd(3, 2))]),
    OpInfo("nn.ReLU", nn.ReLU(), [S(away(3, 4))]),
    OpInfo("nn.LeakyReLU", nn.LeakyReLU(0.2), [S(away(3, 4))]),
    OpInfo("nn.Tanh", nn.Tanh(), [S(rnd(3, 4))]),
    OpInfo("nn.Sigmoid", nn.Sigmoid(), [S(rnd(3, 4))]),
    OpInfo("nn.Softmax", lambda x, axis=-1: nn.Softmax(axis)(x), [S(rnd(3, 4)), S(rnd(3, 4), axis=0)]),
    OpInfo("nn.LogSoftmax", lambda x, axis=-1: nn.LogSoftmax(axis)(x),
           [S(rnd(3, 4)), S(rnd(2, 3, 4), axis=1), S(rnd(2, 3) * 300.0)]),
    OpInfo("nn.Dropout", lambda x, p: _seeded_dropout(x, p), [S(rnd(4, 5), 0.3), S(rnd(6), 0.5)]),
    OpInfo("nn.BatchNorm1d(train)", _bound(lambda: nn.BatchNorm1d(3, dtype=F64)),
           [S(rnd(5, 3), rnd(3), rnd(3)), S(rnd(2, 3, 4), rnd(3), rnd(3))]),
    OpInfo("nn.BatchNorm1d(eval)", _bound(_eval_batchnorm, mode="eval"), [S(rnd(4, 3), rnd(3), rnd(3))]),
    OpInfo("nn.BatchNorm1d(affine=False)", _bound(lambda: nn.BatchNorm1d(2, affine=False, dtype=F64)),
           [S(rnd(4, 2))]),
    OpInfo("nn.Flatten", nn.Flatten(), [S(rnd(2, 3, 2))]),
    OpInfo("nn.Identity", nn.Identity(), [S(rnd(3))]),
    OpInfo("nn.Network(MLP)", _bound(_mlp), [S(rnd(3, 4), rnd(4, 5), rnd(5), rnd(5, 3), rnd(3))]),
    OpInfo("nn.Network(Linear+ReLU, fused)", _bound(_relu_mlp), [_kink_free_relu_mlp_sample()]),
    OpInfo("nn.functional.linear", F.linear, [S(rnd(4, 3), rnd(3, 2), rnd(2)), S(rnd(4, 3), rnd(3, 2))]),
    OpInfo("nn.functional.batch_norm",
           lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
           [S(rnd(6, 2), rnd(2), rnd(2))]),
    OpInfo("nn.functional.cross_entropy", F.cross_entropy, [
        S(rnd(5, 4), _idx(0, 3, 1, 1, 2)),
        S(rnd(5, 4), _idx(0, 3, 1, 1, 2), reduction="sum"),
        S(rnd(5, 4), _idx(0, 3, 1, 1, 2), reduction="none"),
        S(rnd(5, 4), _idx(0, 3, 1, 1, 2), label_smoothing=0.25),
        S(rnd(5, 4), _idx(0, -100, 1, -100, 2), ignore_index=-100),
        S(rnd(5, 4), _idx(0, 7, 1, 7, 2), reduction="none", ignore_index=7, label_smoothing=0.1),
        S(rnd(3, 4) * 400.0, _idx(0, 1, 2)),
        S(rnd(5, 4), _idx(0, 3, 1, 1, 2), weight=_CLASS_WEIGHT),
        S(rnd(5, 4), _idx(0, 3, 1, -1, 2), weight=_CLASS_WEIGHT, ignore_index=-1, label_smoothing=0.2),
        S(rnd(5, 4), _idx(0, 3, 1, 1, 2), weight=_CLASS_WEIGHT, reduction="none", label_smoothing=0.3),
    ]),
    OpInfo("nn.CrossEntropyLoss", lambda x, t: nn.CrossEntropyLoss(label_smoothing=0.1)(x, t),
           [S(rnd(4, 3), _idx(2, 0, 1, 2))]),
    OpInfo("nn.CrossEntropyLoss(weight)", lambda x, t: nn.CrossEntropyLoss(weight=_CLASS_WEIGHT[:3]).to(x.device)(x, t),
           [S(rnd(4, 3), _idx(2, 0, 1, 2))]),
    OpInfo("nn.functional.nll_loss", F.nll_loss, [
        S(rnd(5, 4), _idx(0, 3, 1, 1, 2)),
        S(rnd(5, 4), _idx(0, 3, 1, 1, 2), reduction="sum"),
        S(rnd(5, 4), _idx(0, -1, 1, 1, -1), reduction="none", ignore_index=-1),
        S(rnd(5, 4), _idx(0, -1, 1, 3, 2), weight=_CLASS_WEIGHT, ignore_index=-1),
    ]),
    OpInfo("nn.NLLLoss", lambda x, t: nn.NLLLoss()(x, t), [S(rnd(4, 3), _idx(2, 0, 1, 2))]),
    OpInfo("nn.functional.mse_loss", F.mse_loss, [
        S(rnd(3, 4), rnd(3, 4)), S(rnd(3, 4), rnd(3, 4), reduction="sum"), S(rnd(5), rnd(5), reduction="none"),
    ]),
    OpInfo("nn.MSELoss", lambda x, t: nn.MSELoss()(x, t), [S(rnd(2, 3), rnd(2, 3))]),
    # Keep x - target away from 0, where |.| has no derivative.
    OpInfo("nn.functional.l1_loss", F.l1_loss, [
        S(_L1_TARGET + away(3, 4), _L1_TARGET), S(_L1_TARGET + away(3, 4), _L1_TARGET, reduction="none"),
    ]),
    OpInfo("nn.L1Loss", lambda x, t: nn.L1Loss(reduction="sum")(x, t), [S(_L1_TARGET + away(3, 4), _L1_TARGET)]),
    # Keep |x - target| away from 0 and from delta / beta, where the second derivative jumps.
    OpInfo("nn.functional.huber_loss", F.huber_loss, [
        S(_L1_TARGET + _off_kinks(3, 4, at=1.0), _L1_TARGET),
        S(_L1_TARGET + _off_kinks(3, 4, at=0.5), _L1_TARGET, reduction="sum", delta=0.5),
        S(_L1_TARGET[0] + _off_kinks(4, at=2.0), _L1_TARGET[0], reduction="none", delta=2.0),
    ]),
    OpInfo("nn.HuberLoss", lambda x, t: nn.HuberLoss(delta=0.7)(x, t), [S(_L1_TARGET + _off_kinks(3, 4, at=0.7), _L1_TARGET)]),
    OpInfo("nn.functional.smooth_l1_loss", F.smooth_l1_loss, [
        S(_L1_TARGET + _off_kinks(3, 4, at=1.0), _L1_TARGET),
        S(_L1_TARGET + _off_kinks(3, 4, at=0.5), _L1_TARGET, reduction="sum", beta=0.5),
        S(_L1_TARGET + _off_kinks(3, 4, at=0.0), _L1_TARGET, reduction="none", beta=0.0),
    ]),
    OpInfo("nn.SmoothL1Loss", lambda x, t: nn.SmoothL1Loss(beta=1.5)(x, t),
           [S(_L1_TARGET + _off_kinks(3, 4, at=1.5), _L1_TARGET)]),
    OpInfo("nn.functional.binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits, [
        S(rnd(3, 4) * 3, _unit(3, 4)), S(rnd(6), _unit(6), reduction="sum"),
        S(rnd(2, 2), _unit(2, 2), reduction="none"),
    ]),
    OpInfo("nn.BCEWithLogitsLoss", lambda x, t: nn.BCEWithLogitsLoss()(x, t), [S(rnd(4), _unit(4))]),
]

# ---------------------------------------------------------------- BCE with PyTorch's weight and pos_weight
# Their own generator, so the samples drawn above and below stay as they were. Weights are checked inputs
# too (x, t, weight, pos_weight), and logits reach |x| = 30, where the forward's softplus trick matters.
_b_rng = np.random.default_rng(97531)


def _bce_weighted(x, t, w, p, reduction="mean"):
    return F.binary_cross_entropy_with_logits(x, t, w, reduction=reduction, pos_weight=p)


def _bce_sample(shape, w_shape, p_shape, **kwargs):
    return S(_b_rng.standard_normal(shape) * 3, _b_rng.uniform(0.05, 0.95, shape), _b_rng.uniform(0.2, 2.0, w_shape),
             _b_rng.uniform(0.3, 3.0, p_shape), **kwargs)


class _LoopedBlocks(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList(nn.Linear(2, 2, dtype=F64) for _ in range(2))

    def forward(self, x):
        for block in self.blocks:
            x = F.tanh(block(x))
        return x


def _looped_blocks():
    return _LoopedBlocks()


NN_OPS += [
    OpInfo("nn.functional.binary_cross_entropy_with_logits(weight, pos_weight)", _bce_weighted, [
        _bce_sample((4, 3), (4, 1), (3,)),
        _bce_sample((4, 3), (3,), (4, 3), reduction="sum"),
        _bce_sample((2, 2, 3), (), (1, 3), reduction="none"),
        S(np.array([[30.0, -30.0, 12.0], [-12.0, 0.5, 29.0]]), _b_rng.uniform(0.05, 0.95, (2, 3)),
          _b_rng.uniform(0.2, 2.0, (2, 1)), _b_rng.uniform(0.3, 3.0, (3,)), reduction="none"),
    ]),
    OpInfo("nn.functional.binary_cross_entropy_with_logits(weight)",
           lambda x, t, w: F.binary_cross_entropy_with_logits(x, t, w),
           [S(_b_rng.standard_normal(5), _b_rng.random(5), _b_rng.standard_normal(5))]),
    OpInfo("nn.functional.binary_cross_entropy_with_logits(pos_weight)",
           lambda x, t, p: F.binary_cross_entropy_with_logits(x, t, pos_weight=p, reduction="sum"),
           [S(_b_rng.standard_normal((3, 2)), _b_rng.random((3, 2)), _b_rng.uniform(0.3, 3.0, 2))]),
    OpInfo("nn.ModuleList(in a model that loops over it)", _bound(_looped_blocks),
           [S(_b_rng.standard_normal((3, 2)), *(_b_rng.standard_normal(s) for s in ((2, 2), (2,), (2, 2), (2,))))]),
    OpInfo("nn.BCEWithLogitsLoss(weight, pos_weight)",
           lambda x, t: nn.BCEWithLogitsLoss(np.array([[0.5], [2.0]]), reduction="sum", pos_weight=np.array([1.5, 0.4, 3.0])).to(x.device)(x, t),
           [S(_b_rng.standard_normal((2, 3)), _b_rng.random((2, 3)))]),
]


# ---------------------------------------------------------------- recurrent layers and Embedding
def _recurrent(make_layer, n_state=0, packed=None):
    """fn(x, *state, *params): a fresh ``make_layer()`` with the given parameters, run on x and the
    optional initial state (n_state Tensors: 0, 1, or 2 for an LSTM's (h, c)); its outputs flattened to a tuple.
    With ``packed=(lengths, enforce_sorted)`` x (T, B, I) is packed first, and the packed output's data comes
    first."""

    def fn(x, *rest):
        state, params = rest[:n_state], rest[n_state:]
        hx = None if not n_state else (state[0] if n_state == 1 else tuple(state))
        layer = make_layer()
        for (name, _), value in zip(layer.named_parameters(), params):
            _put_tensor(layer, name, value)
        if packed is None:
            return _flat(layer(x, hx))
        out, last = layer(nn.utils.rnn.pack_padded_sequence(x, packed[0], enforce_sorted=packed[1]), hx)
        return (out.data, *_flat(last))

    return fn


def _flat(out):
    if isinstance(out, (tuple, list)):
        return tuple(t for part in out for t in _flat(part))
    return (out,)


class _UserCell(nn.RNNCellBase):
    """A cell written on torch's base class, as a user would: the base makes its parameters (3 chunks here)."""

    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size, True, 3, dtype=F64)

    def forward(self, x):
        h, n = mg.tanh(self.bias_hh[:self.hidden_size]), self.hidden_size
        gates = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T
        return mg.sigmoid(gates[:, :n]) * mg.tanh(gates[:, n:2 * n]) + gates[:, 2 * n:]


def _recurrent_sample(make_layer, x_shape, state_shapes=()):
    layer = make_layer()
    params = [0.6 * _rng.standard_normal(p.shape) for _, p in layer.named_parameters()]
    return S(_rng.standard_normal(x_shape), *[_rng.standard_normal(s) for s in state_shapes], *params)


def _rnn_cases(layers, batch_first=False, lstm=False):
    T, B = 3, 2
    x = (B, T, 3) if batch_first else (T, B, 3)
    state = (layers, B, 2)
    return [("no state", x, ()), ("with state", x, (state, state) if lstm else (state,))]


_R = []
for _cls in ("RNN", "LSTM", "GRU"):
    _lstm = _cls == "LSTM"
    _layer_cls = getattr(nn, _cls)
    for _label, _kw, _L in (("", {}, 1), ("2 layers, ", {"num_layers": 2}, 2),
                            ("batch_first, ", {"batch_first": True}, 1),
                            ("2 layers, batch_first, bias=False, ", {"num_layers": 2, "batch_first": True,
                                                                      "bias": False}, 2)):
        _make = (lambda c=_layer_cls, kw=_kw: c(3, 2, dtype=F64, **kw))
        for _case, _x, _states in _rnn_cases(_L, _kw.get("batch_first", False), _lstm):
            _R.append(OpInfo(f"nn.{_cls}({_label}{_case})", _recurrent(_make, len(_states)),
                             [_recurrent_sample(_make, _x, _states)]))
    _cell = getattr(nn, _cls + "Cell")
    for _label, _kw in (("", {}), ("bias=False, ", {"bias": False})):
        _make = (lambda c=_cell, kw=_kw: c(3, 2, dtype=F64, **kw))
        _state = ((2, 2), (2, 2)) if _lstm else ((2, 2),)
        _R.append(OpInfo(f"nn.{_cls}Cell({_label}with state)", _recurrent(_make, len(_state)),
                         [_recurrent_sample(_make, (2, 3), _state)]))
        _R.append(OpInfo(f"nn.{_cls}Cell({_label}no state)", _recurrent(_make, 0),
                         [_recurrent_sample(_make, (2, 3))]))
    _make = (lambda c=_cell: c(3, 2, dtype=F64))
    _R.append(OpInfo(f"nn.{_cls}Cell(unbatched)", _recurrent(_make, 0), [_recurrent_sample(_make, (3,))]))


def _relu_rnn_sample():
    """x, h0 and parameters whose pre-activations keep |a| >= 0.05: no ReLU kink within gradcheck's step."""
    rng = np.random.default_rng(11)
    make = lambda: nn.RNN(3, 2, nonlinearity="relu", dtype=F64)  # noqa: E731
    while True:
        x, h0 = rng.standard_normal((3, 2, 3)), rng.standard_normal((1, 2, 2))
        params = [0.6 * rng.standard_normal(p.shape) for _, p in make().named_parameters()]
        w_ih, w_hh, b_ih, b_hh = params
        h, pre = h0[0], []
        for t in range(3):
            a = x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh
            pre.append(a)
            h = np.maximum(a, 0)
        if min(np.abs(a).min() for a in pre) >= 0.05:
            return make, S(x, h0, *params)


_relu_make, _relu_sample = _relu_rnn_sample()
_R.append(OpInfo("nn.RNN(relu, with state)", _recurrent(_relu_make, 1), [_relu_sample]))


def _embedding(padding_idx=None, max_norm=None, scale_grad_by_freq=False):
    def fn(index, weight):
        layer = nn.Embedding(5, 3, padding_idx=padding_idx, max_norm=max_norm, norm_type=1.0,
                             scale_grad_by_freq=scale_grad_by_freq, dtype=F64)
        if padding_idx is not None:
            # The padding row gets no gradient by definition, not by calculus: zero it first, so
            # the true derivative there is 0 too and finite differences check every other row.
            keep = np.ones((5, 1))
            keep[padding_idx] = 0.0
            weight = weight * mg.tensor(keep, dtype=weight.dtype, device=weight.device)
        _put_tensor(layer, "weight", weight)
        return layer(index)

    return fn


_REPEATED = _idx(1, 3, 1, 1, 0)
_REPEATED_2D = np.array([[4, 2, 4], [2, 2, 0]], dtype=np.int64)

NN_OPS += _R + [
    OpInfo("nn.Embedding", _embedding(), [S(_REPEATED, rnd(5, 3)), S(_REPEATED_2D, rnd(5, 3))]),
    OpInfo("nn.Embedding(padding_idx)", _embedding(padding_idx=2), [S(_REPEATED_2D, rnd(5, 3))]),
    OpInfo("nn.functional.embedding", F.embedding, [S(_REPEATED, rnd(5, 3)), S(_REPEATED_2D, rnd(5, 3))]),
    # max_norm above every row's norm: the in-place rescale (no gradient, torch's) leaves the finite differences'
    # neighbourhood alone, so this checks the lookup's derivatives on the max_norm path; the rescale itself is
    # compared with torch in tests/nn/test_torch_embedding_max_norm.py.
    OpInfo("nn.Embedding(max_norm)", _embedding(max_norm=20.0), [S(_REPEATED_2D, rnd(5, 3))]),
    OpInfo("nn.functional.embedding(max_norm)", lambda i, w: F.embedding(i, w, None, 20.0, 3.0),
           [S(_REPEATED, rnd(5, 3))]),
    OpInfo("ops.lstm_gates", lstm_gates, [S(rnd(2, 8), rnd(2, 8), rnd(2, 2)), S(rnd(3, 4), rnd(3, 4), rnd(3, 1))]),
    OpInfo("ops.gru_gates", gru_gates, [S(rnd(2, 6), rnd(2, 6), rnd(2, 2)), S(rnd(3, 3), rnd(3, 3), rnd(3, 1))]),
    OpInfo("LinearT", lambda x, w, *b: LinearT.apply(x, w, *b),
           [S(rnd(4, 3), rnd(2, 3), rnd(2)), S(rnd(2, 4, 3), rnd(2, 3)), S(rnd(3), rnd(2, 3), rnd(2))]),
    OpInfo("unstack", lambda x, axis=0: unstack(x, axis), [S(rnd(3, 2)), S(rnd(2, 3, 2), axis=1)]),
]


# ---------------------------------------------------------------- PyTorch's LayerNorm, SiLU, ELU, GELU, Sequential
# Their own generator, so the samples drawn above (and in op_registry after this module) stay as they were.
_t_rng = np.random.default_rng(8642)


_n = normal_from(_t_rng)


def _off0(*shape):
    """|x| in [0.2, 2.5]: off ELU's kink at 0 (its second derivative jumps there unless alpha = 1)."""
    return np.where(_t_rng.random(shape) < 0.5, -1.0, 1.0) * _t_rng.uniform(0.2, 2.5, shape)


def _transformer_mlp():
    return nn.Sequential(nn.Linear(4, 5, dtype=F64), nn.GELU(), nn.LayerNorm(5, dtype=F64),
                         nn.Linear(5, 3, dtype=F64), nn.SiLU())


NN_OPS += [
    OpInfo("nn.LayerNorm", _bound(lambda: nn.LayerNorm(4, dtype=F64)),
           [S(_n(3, 4), _n(4), _n(4)), S(_n(2, 3, 4) * 5 + 2, _n(4), _n(4))]),
    OpInfo("nn.LayerNorm(2 axes, eps=0.1)", _bound(lambda: nn.LayerNorm((2, 3), eps=0.1, dtype=F64)),
           [S(_n(4, 2, 3), _n(2, 3), _n(2, 3))]),
    OpInfo("nn.LayerNorm(bias=False)", _bound(lambda: nn.LayerNorm([3], bias=False, dtype=F64)),
           [S(_n(2, 3), _n(3))]),
    OpInfo("nn.LayerNorm(elementwise_affine=False)", _bound(lambda: nn.LayerNorm(5, elementwise_affine=False)),
           [S(_n(3, 5)), S(_n(5))]),
    OpInfo("nn.functional.layer_norm", F.layer_norm, [
        S(_n(3, 4), (4,), _n(4), _n(4)), S(_n(2, 2, 3), (2, 3), _n(2, 3), None, eps=1e-3), S(_n(2, 6), 6)]),
    OpInfo("nn.SiLU", nn.SiLU(), [S(_n(3, 4) * 2)]),
    OpInfo("nn.functional.silu", F.silu, [S(_n(2, 3) * 3)]),
    OpInfo("nn.ELU", lambda x, alpha=1.0: nn.ELU(alpha)(x), [S(_off0(3, 4)), S(_off0(5), alpha=0.4)]),
    OpInfo("nn.functional.elu", F.elu, [S(_off0(2, 3)), S(_off0(4), alpha=2.0)]),
    OpInfo("nn.GELU", lambda x, approximate="none": nn.GELU(approximate)(x),
           [S(_n(3, 4) * 2), S(_n(3, 4) * 2, approximate="tanh")]),
    OpInfo("nn.functional.gelu", F.gelu, [S(_n(2, 3) * 2), S(_n(4) * 3, approximate="tanh")]),
    OpInfo("nn.Sequential(Linear, GELU, LayerNorm, Linear, SiLU)", _bound(_transformer_mlp),
           [S(_n(3, 4), _n(4, 5), _n(5), _n(5), _n(5), _n(5, 3), _n(3))]),
]


# ---------------------------------------------------------------- Conv1d, 1-D pools, GroupNorm, ZeroPad2d, Upsample,
# ModuleDict, ParameterList. Their own generator, so the samples drawn above stay as they were.
_l_rng = np.random.default_rng(2468)


_g = normal_from(_l_rng)


_distinct = distinct_from(_l_rng)


class _Heads(nn.Module):
    """Two heads kept in a ModuleDict, called by key."""

    def __init__(self):
        super().__init__()
        self.heads = nn.ModuleDict({"conv": nn.Conv1d(2, 2, 2, dtype=F64), "norm": nn.GroupNorm(1, 2, dtype=F64)})

    def forward(self, x):
        return self.heads["norm"](self.heads.conv(x))


class _Scales(nn.Module):
    """A ParameterList of per-step scales used in a loop."""

    def __init__(self):
        super().__init__()
        self.scales = nn.ParameterList([nn.Parameter(np.ones(3)), nn.Parameter(np.ones(3))])

    def forward(self, x):
        for scale in self.scales:
            x = F.tanh(x * scale)
        return x


NN_OPS += [
    OpInfo("nn.Conv1d", _bound(lambda: nn.Conv1d(2, 3, 3, stride=2, padding=1, dtype=F64)),
           [S(_g(2, 2, 7), _g(3, 2, 3), _g(3)), S(_g(2, 6), _g(3, 2, 3), _g(3))]),
    OpInfo("nn.Conv1d(groups, dilation, padding='same', bias=False)",
           _bound(lambda: nn.Conv1d(4, 2, 2, padding="same", dilation=2, groups=2, bias=False, dtype=F64)),
           [S(_g(1, 4, 6), _g(2, 2, 2))]),
    OpInfo("nn.functional.conv1d", F.conv1d, [
        S(_g(2, 2, 6), _g(3, 2, 3), _g(3), stride=2, padding=1),
        S(_g(2, 5), _g(4, 1, 2), None, groups=2, dilation=2),
        S(_g(1, 3, 5), _g(3, 3, 4), _g(3), padding="same"),
    ]),
    OpInfo("nn.MaxPool1d", nn.MaxPool1d(3, stride=2, padding=1), [S(_distinct(2, 2, 7)), S(_distinct(2, 5))]),
    OpInfo("nn.functional.max_pool1d", F.max_pool1d, [
        S(_distinct(1, 2, 6), 2), S(_distinct(2, 3, 7), 3, stride=2, dilation=2, ceil_mode=True)]),
    OpInfo("nn.AvgPool1d", nn.AvgPool1d(3, stride=2, padding=1, count_include_pad=False), [S(_g(2, 2, 6))]),
    OpInfo("nn.functional.avg_pool1d", F.avg_pool1d, [S(_g(1, 2, 5), 2, ceil_mode=True), S(_g(3, 4), 3, 1, 1)]),
    OpInfo("nn.GroupNorm", _bound(lambda: nn.GroupNorm(2, 4, dtype=F64)),
           [S(_g(3, 4, 5) * 3 + 1, _g(4), _g(4)), S(_g(3, 4), _g(4), _g(4)), S(_g(2, 4, 2, 3), _g(4), _g(4))]),
    OpInfo("nn.GroupNorm(affine=False)", _bound(lambda: nn.GroupNorm(3, 6, affine=False, dtype=F64)),
           [S(_g(2, 6, 3))]),
    OpInfo("nn.GroupNorm(bias=False, eps=0.1)", _bound(lambda: nn.GroupNorm(1, 3, eps=0.1, bias=False, dtype=F64)),
           [S(_g(2, 3, 2, 2), _g(3))]),
    OpInfo("nn.functional.group_norm", F.group_norm, [
        S(_g(2, 6, 2, 2), 3, _g(6), _g(6)), S(_g(2, 4, 3), 4), S(_g(2, 4, 3), 1, _g(4), None, eps=1e-3)]),
    OpInfo("nn.ZeroPad2d", nn.ZeroPad2d((1, 0, 2, 1)), [S(_g(2, 1, 3, 2)), S(_g(1, 2, 2))]),
    OpInfo("nn.Upsample", nn.Upsample(scale_factor=2), [S(_g(1, 2, 2, 3)), S(_g(2, 1, 3))]),
    OpInfo("nn.Upsample(size)", nn.Upsample(size=(4, 3)), [S(_g(1, 2, 2, 1))]),
    OpInfo("nn.functional.interpolate", F.interpolate, [
        S(_g(2, 2, 3), scale_factor=3), S(_g(1, 1, 2, 2, 2), scale_factor=(1, 2, 3)), S(_g(1, 2, 2, 3), size=(4, 3)),
        S(_g(1, 1, 2, 2), None, 2.0, "nearest")]),
    OpInfo("nn.functional.pad(mode='constant')", lambda x: F.pad(x, (1, 2), mode="constant", value=0.5),
           [S(_g(2, 3))]),
    OpInfo("nn.ModuleDict(in a model that calls its layers by key)", _bound(_Heads),
           [S(_g(2, 2, 5), _g(2, 2, 2), _g(2), _g(2), _g(2))]),
    OpInfo("nn.ParameterList(in a model that loops over it)", _bound(_Scales), [S(_g(4, 3), _g(3), _g(3))]),
]


# ---------------------------------------------------------------- PyTorch's Softplus, Mish, Hardtanh, ReLU6, PReLU,
# normalize, cosine_similarity, pairwise_distance, BCELoss, KLDivLoss. Their own generator, so every sample above
# (and in op_registry after this module) stays as it was. Samples keep off kinks: 0 for PReLU, the bounds of
# Hardtanh, ties and zeros for the 1- and inf-norms.
_q_rng = np.random.default_rng(24680)


_q = normal_from(_q_rng)


def _q_off(*shape, kinks=(0.0,), scale=2.0):
    """|x - k| >= 0.2 for every kink k."""
    x = _q(*shape) * scale
    for k in kinks:
        x = np.where(np.abs(x - k) < 0.2, k + np.where(x >= k, 0.4, -0.4), x)
    return x


def _q_prob(*shape):
    return _q_rng.uniform(0.05, 0.95, shape)


def _simplex(*shape):
    return _q_rng.dirichlet(np.ones(shape[-1]), shape[:-1]) if len(shape) > 1 else _q_rng.dirichlet(np.ones(shape[0]))


def _kl_div(x, t, reduction="mean", log_target=False):
    with warnings.catch_warnings():   # 'mean' warns as PyTorch's; the registry checks its numbers
        warnings.simplefilter("ignore", UserWarning)
        return F.kl_div(x, t, reduction=reduction, log_target=log_target)


def _kl_layer(x, t, reduction="mean", log_target=False):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return nn.KLDivLoss(reduction=reduction, log_target=log_target)(x, t)


NN_OPS += [
    OpInfo("nn.Softplus", lambda x, beta=1.0, threshold=20.0: nn.Softplus(beta, threshold)(x),
           [S(_q(3, 4) * 3), S(np.array([-100.0, -3.0, 0.5, 12.0, 100.0]), beta=2.0, threshold=5.0)]),
    OpInfo("nn.functional.softplus", F.softplus, [S(_q(2, 3) * 3), S(_q_off(4, kinks=(-0.5,)), -4.0, 2.0)]),
    OpInfo("nn.Mish", nn.Mish(), [S(_q(3, 4) * 3), S(np.array([-100.0, -20.0, 0.3, 20.0, 100.0]))]),
    OpInfo("nn.functional.mish", F.mish, [S(_q(2, 3) * 2)]),
    OpInfo("nn.Hardtanh", lambda x, *bounds: nn.Hardtanh(*bounds)(x),
           [S(_q_off(3, 4, kinks=(-1.0, 1.0))), S(_q_off(5, kinks=(-2.0, 0.5)), -2.0, 0.5)]),
    OpInfo("nn.functional.hardtanh", F.hardtanh, [S(_q_off(2, 3, kinks=(-1.0, 1.0))),
                                                  S(_q_off(4, kinks=(0.0, 1.5)), min_val=0.0, max_val=1.5)]),
    OpInfo("nn.ReLU6", nn.ReLU6(), [S(_q_off(3, 4, kinks=(0.0, 6.0), scale=4.0))]),
    OpInfo("nn.functional.relu6", F.relu6, [S(_q_off(2, 3, kinks=(0.0, 6.0), scale=4.0))]),
    OpInfo("nn.PReLU", _bound(lambda: nn.PReLU(dtype=F64)), [S(_q_off(3, 4), _q(1)), S(_q_off(2, 3, 2), _q(1))]),
    OpInfo("nn.PReLU(3)", _bound(lambda: nn.PReLU(3, dtype=F64)),
           [S(_q_off(2, 3), _q(3)), S(_q_off(2, 3, 4), _q(3)), S(_q_off(1, 3, 2, 2), _q(3))]),
    OpInfo("nn.functional.prelu", F.prelu, [S(_q_off(4, 2, 3), _q(2)), S(_q_off(5), _q(1)), S(_q_off(2, 3), _q(1))]),
    OpInfo("nn.functional.normalize", F.normalize, [
        S(_q(3, 4)), S(_q(2, 3, 4), dim=-1), S(_q_off(3, 4), p=1), S(_q(4, 3), p=3.0, dim=0),
        S(distinct(3, 4), p=float("inf")), S(_q(2, 3), eps=0.5)]),   # eps=0.5: some norms clamped
    OpInfo("nn.functional.cosine_similarity", F.cosine_similarity, [
        S(_q(3, 4), _q(3, 4)), S(_q(2, 3, 4), _q(4), dim=-1), S(_q(4, 2), _q(4, 1), dim=0),
        S(_q(3, 5) * 0.1, _q(3, 5), eps=1e-8)]),
    OpInfo("nn.CosineSimilarity", lambda a, b: nn.CosineSimilarity(dim=2)(a, b), [S(_q(2, 3, 4), _q(2, 3, 4))]),
    OpInfo("nn.functional.pairwise_distance", F.pairwise_distance, [
        S(_q(3, 4), _q(3, 4)), S(_q(3, 4), _q(4), p=1.0), S(_q(2, 3), _q(2, 3), p=3.0, keepdim=True),
        S(_q(5), _q(5), p=float("inf"))]),
    OpInfo("nn.PairwiseDistance", lambda a, b: nn.PairwiseDistance(keepdim=True)(a, b), [S(_q(2, 3, 4), _q(2, 3, 4))]),
    OpInfo("nn.functional.binary_cross_entropy", F.binary_cross_entropy, [
        S(_q_prob(3, 4), _q_prob(3, 4)), S(_q_prob(5), _q_prob(5), reduction="sum"),
        S(_q_prob(2, 3), _q_prob(2, 3), _q_rng.uniform(0.5, 2.0, (2, 1)), reduction="none"),
        S(_q_prob(2, 3), _q_prob(2, 3), _q_rng.uniform(0.5, 2.0, 3))]),
    OpInfo("nn.BCELoss", lambda x, t: nn.BCELoss(reduction="sum")(x, t), [S(_q_prob(4, 2), _q_prob(4, 2))]),
    OpInfo("nn.functional.kl_div", _kl_div, [
        S(np.log(_simplex(3, 4)), _simplex(3, 4)), S(np.log(_simplex(3, 4)), _simplex(3, 4), reduction="batchmean"),
        S(_q(2, 5), _simplex(2, 5), reduction="sum"), S(_q(2, 3), _simplex(2, 3), reduction="none"),
        S(np.log(_simplex(4, 3)), np.log(_simplex(4, 3)), reduction="batchmean", log_target=True),
        S(_q(3), _q(3), reduction="none", log_target=True)]),
    OpInfo("nn.KLDivLoss", _kl_layer, [S(np.log(_simplex(2, 3)), _simplex(2, 3)),
                                       S(_q(2, 3), np.log(_simplex(2, 3)), "batchmean", True)]),
]


def _signs(*shape):
    return np.where(_q_rng.random(shape) < 0.5, -1.0, 1.0)


def _ranking_sample(shape, margin=0.0, **kwargs):
    """x1, x2, y whose -y (x1 - x2) + margin keeps |.| >= 0.2: off the hinge's kink."""
    x1, x2, y = _q(*shape), _q(*shape), _signs(*shape)
    z = -y * (x1 - x2) + margin
    x1 = np.where(np.abs(z) < 0.2, x1 - y * np.where(z >= 0, -0.4, 0.4), x1)
    return S(x1, x2, y, margin=margin, **kwargs)


NN_OPS += [
    OpInfo("nn.functional.soft_margin_loss", F.soft_margin_loss, [
        S(_q(3, 4) * 3, _signs(3, 4)), S(_q(5), _signs(5), reduction="sum"), S(_q(2, 3), _q(2, 3), reduction="none"),
        S(np.array([40.0, -40.0, 3.0]), np.array([-1.0, 1.0, 1.0]))]),
    OpInfo("nn.SoftMarginLoss", lambda x, t: nn.SoftMarginLoss(reduction="sum")(x, t), [S(_q(4, 2), _signs(4, 2))]),
    OpInfo("nn.functional.margin_ranking_loss", F.margin_ranking_loss, [
        _ranking_sample((6,)), _ranking_sample((6,), margin=0.5, reduction="sum"),
        _ranking_sample((2, 3), margin=-0.3, reduction="none")]),
    OpInfo("nn.MarginRankingLoss", lambda a, b, y, margin=0.0: nn.MarginRankingLoss(margin)(a, b, y),
           [_ranking_sample((5,), margin=0.7)]),
]


# Session 9: PyTorch's remaining activations, losses and normalization layers (their own generator; samples keep
# 0.2 off every kink: 0, +-3 for the hard ones, +-lambd for the shrinks, the threshold).
_a_rng = np.random.default_rng(97531)


def _a(*shape, kinks=(), scale=2.0):
    x = _a_rng.standard_normal(shape) * scale
    for k in kinks:
        x = np.where(np.abs(x - k) < 0.2, k + np.where(x >= k, 0.4, -0.4), x)
    return x


def _seeded_rrelu(x, lower=0.125, upper=1 / 3):
    mg.manual_seed(23)  # the same slopes on every forward of the numeric check
    return F.rrelu(x, lower, upper, training=True)


def _seeded_rrelu_layer(x):
    mg.manual_seed(23)
    return nn.RReLU(0.1, 0.4)(x)


NN_OPS += [
    OpInfo("nn.LogSigmoid", nn.LogSigmoid(), [S(_a(3, 4) * 3), S(np.array([-60.0, -5.0, 0.3, 5.0, 60.0]))]),
    OpInfo("nn.functional.logsigmoid", F.logsigmoid, [S(_a(2, 3))]),
    OpInfo("nn.Softsign", nn.Softsign(), [S(_a(3, 4, kinks=(0.0,)))]),
    OpInfo("nn.functional.softsign", F.softsign, [S(_a(5, kinks=(0.0,)))]),
    OpInfo("nn.Softmin", nn.Softmin(1), [S(_a(3, 4)), S(_a(2, 3, 2))]),
    OpInfo("nn.functional.softmin", F.softmin, [S(_a(3, 4)), S(_a(2, 3, 4), dim=0), S(_a(5))]),
    OpInfo("nn.SELU", nn.SELU(), [S(_a(3, 4, kinks=(0.0,)))]),
    OpInfo("nn.functional.selu", F.selu, [S(_a(5, kinks=(0.0,)))]),
    OpInfo("nn.CELU", lambda x, alpha=1.0: nn.CELU(alpha)(x), [S(_a(3, 4, kinks=(0.0,))),
                                                             S(_a(6, kinks=(0.0,)), alpha=-0.8)]),
    OpInfo("nn.functional.celu", F.celu, [S(_a(5, kinks=(0.0,))), S(_a(2, 3, kinks=(0.0,)), 2.5)]),
    OpInfo("nn.GLU", nn.GLU(), [S(_a(3, 4)), S(_a(2, 3, 6))]),
    OpInfo("nn.functional.glu", F.glu, [S(_a(4, 2)), S(_a(6, 3), 0), S(_a(2, 4, 3), dim=1)]),
    OpInfo("nn.Hardswish", nn.Hardswish(), [S(_a(4, 5, kinks=(-3.0, 3.0), scale=3.0))]),
    OpInfo("nn.functional.hardswish", F.hardswish, [S(_a(6, kinks=(-3.0, 3.0), scale=3.0))]),
    OpInfo("nn.Hardsigmoid", nn.Hardsigmoid(), [S(_a(4, 5, kinks=(-3.0, 3.0), scale=3.0))]),
    OpInfo("nn.functional.hardsigmoid", F.hardsigmoid, [S(_a(6, kinks=(-3.0, 3.0), scale=3.0))]),
    OpInfo("nn.Hardshrink", lambda x, lambd=0.5: nn.Hardshrink(lambd)(x),
           [S(_a(3, 4, kinks=(-0.5, 0.5))), S(_a(5, kinks=(-1.5, 1.5)), lambd=1.5)]),
    OpInfo("nn.functional.hardshrink", F.hardshrink, [S(_a(5, kinks=(-0.5, 0.5))), S(_a(4, kinks=(-1.0, 1.0)), 1.0)]),
    OpInfo("nn.Softshrink", lambda x, lambd=0.5: nn.Softshrink(lambd)(x),
           [S(_a(3, 4, kinks=(-0.5, 0.5))), S(_a(5, kinks=(-1.5, 1.5)), lambd=1.5)]),
    OpInfo("nn.functional.softshrink", F.softshrink, [S(_a(5, kinks=(-0.5, 0.5))), S(_a(4, kinks=(0.0,)), 0.0)]),
    OpInfo("nn.Tanhshrink", nn.Tanhshrink(), [S(_a(3, 4))]),
    OpInfo("nn.functional.tanhshrink", F.tanhshrink, [S(_a(5))]),
    OpInfo("nn.Threshold", lambda x: nn.Threshold(0.3, -1.0)(x), [S(_a(3, 4, kinks=(0.3,)))]),
    OpInfo("nn.functional.threshold", F.threshold, [S(_a(5, kinks=(-1.0,)), -1.0, 4.0)]),
    OpInfo("nn.RReLU", _seeded_rrelu_layer, [S(_a(3, 4, kinks=(0.0,)))]),
    OpInfo("nn.RReLU(eval)", lambda x: nn.RReLU().eval()(x), [S(_a(3, 4, kinks=(0.0,)))]),
    OpInfo("nn.functional.rrelu", _seeded_rrelu, [S(_a(5, kinks=(0.0,))), S(_a(2, 3, kinks=(0.0,)), 0.2, 0.6)]),
    OpInfo("nn.functional.rrelu(eval)", lambda x: F.rrelu(x, 0.1, 0.5), [S(_a(5, kinks=(0.0,)))]),
    OpInfo("nn.Softmax2d", nn.Softmax2d(), [S(_a(3, 2, 2)), S(_a(2, 3, 2, 2))]),
]


def _hinge_off(x, margin):
    """x with |margin - x| >= 0.2: off the hinge of hinge_embedding_loss."""
    return np.where(np.abs(margin - x) < 0.2, x + np.where(x >= margin, 0.4, -0.4), x)


def _triplet_sample(shape, **kwargs):
    """anchor, positive, negative whose margin + d(a, p) - d(a, n) (and the swap's min) stay off their kinks: the
    negative far from both, so the hinge is active and the swap's min has no tie."""
    a, p = _a(*shape), _a(*shape)
    n = a + 0.5 * np.sign(_a(*shape)) + _a(*shape) * 0.1
    return S(a, p, n, **kwargs)


def _multi_margin_sample(n, c, margin=1.0, **kwargs):
    """Scores whose hinge terms margin - x_y + x_j keep 0.2 off 0."""
    x, t = _a(n, c), _a_rng.integers(0, c, n)
    picked = x[np.arange(n), t][:, None]
    z = margin - picked + x
    x = np.where(np.abs(z) < 0.2, x + np.where(z >= 0, 0.4, -0.4), x)
    x[np.arange(n), t] = picked[:, 0]
    return S(x, t, margin=margin, **kwargs)


def _multilabel_sample(n, c, **kwargs):
    """Scores whose pairwise hinge terms 1 - (x_j - x_k) keep 0.2 off 0 (scores on a grid of spacing 0.5 + offsets)."""
    x = _a_rng.permutation(n * c).reshape(n, c) * 0.45 + 0.05
    t = np.full((n, c), -1)
    t[:, 0] = _a_rng.integers(0, c, n)
    t[:, 1] = (t[:, 0] + 1) % c
    return S(x, t, **kwargs)


_GNLL_VAR = _a_rng.uniform(0.2, 2.0, (3, 4))

NN_OPS += [
    OpInfo("nn.functional.cosine_embedding_loss", F.cosine_embedding_loss, [
        S(_a(4, 3), _a(4, 3), np.array([1.0, -1.0, 1.0, -1.0]), margin=-0.9),
        S(_a(5), _a(5), np.array(1.0), reduction="none"),
        S(_a(3, 4), _a(1, 4), np.array([1, 1, -1]), reduction="sum", margin=-1.5)]),
    OpInfo("nn.CosineEmbeddingLoss", lambda a, b, t: nn.CosineEmbeddingLoss(-2.0)(a, b, t),
           [S(_a(3, 4), _a(3, 4), np.array([-1.0, 1.0, -1.0]))]),
    OpInfo("nn.functional.hinge_embedding_loss", F.hinge_embedding_loss, [
        S(_hinge_off(_a(3, 4), 1.0), _signs(3, 4)), S(_hinge_off(_a(5), 0.5), _signs(5), 0.5, reduction="none")]),
    OpInfo("nn.HingeEmbeddingLoss", lambda x, t: nn.HingeEmbeddingLoss(2.0, reduction="sum")(x, t),
           [S(_hinge_off(_a(2, 3), 2.0), _signs(2, 3))]),
    OpInfo("nn.functional.triplet_margin_loss", F.triplet_margin_loss, [
        _triplet_sample((4, 3), margin=2.0), _triplet_sample((4, 3), margin=2.0, p=1.0, swap=True, reduction="sum"),
        _triplet_sample((2, 2, 3), margin=3.0, p=3.0, reduction="none")]),
    OpInfo("nn.TripletMarginLoss", lambda *x: nn.TripletMarginLoss(margin=2.5, swap=True)(*x),
           [_triplet_sample((3, 4))]),
    OpInfo("nn.functional.triplet_margin_with_distance_loss", F.triplet_margin_with_distance_loss, [
        _triplet_sample((4, 3), margin=2.0), _triplet_sample((3, 3), margin=2.0, swap=True, reduction="none")]),
    OpInfo("nn.TripletMarginWithDistanceLoss",
           lambda *x: nn.TripletMarginWithDistanceLoss(
               distance_function=lambda u, v: ((u - v) ** 2).sum(axis=-1), margin=9.0)(*x),
           [_triplet_sample((3, 2))]),
    OpInfo("nn.functional.gaussian_nll_loss", F.gaussian_nll_loss, [
        S(_a(3, 4), _a(3, 4), _GNLL_VAR), S(_a(3, 4), _a(3, 4), _GNLL_VAR[:, 0], full=True, reduction="sum"),
        S(_a(3, 4), _a(3, 4), _GNLL_VAR[:1], reduction="none"), S(_a(3, 4), _a(3, 4), _GNLL_VAR[:, :1])]),
    OpInfo("nn.GaussianNLLLoss", lambda x, t, v: nn.GaussianNLLLoss(full=True)(x, t, v),
           [S(_a(2, 3), _a(2, 3), _GNLL_VAR[:2, :3])]),
    OpInfo("nn.functional.poisson_nll_loss", F.poisson_nll_loss, [
        S(_a(3, 4), _a_rng.uniform(0.0, 4.0, (3, 4))),
        S(_a_rng.uniform(0.3, 3.0, (3, 4)), _a_rng.uniform(1.2, 4.0, (3, 4)), False, True, reduction="sum"),
        S(_a(5), _a_rng.uniform(1.2, 4.0, 5), True, True, reduction="none")]),
    OpInfo("nn.PoissonNLLLoss", lambda x, t: nn.PoissonNLLLoss(full=True)(x, t),
           [S(_a(2, 3), _a_rng.uniform(1.2, 3.0, (2, 3)))]),
    OpInfo("nn.functional.multi_margin_loss", F.multi_margin_loss, [
        _multi_margin_sample(4, 3), _multi_margin_sample(3, 4, margin=0.5, p=2, reduction="sum"),
        _multi_margin_sample(3, 4, weight=np.array([0.5, 1.0, 2.0, 1.5]), reduction="none")]),
    OpInfo("nn.MultiMarginLoss", lambda x, t, margin=1.0: nn.MultiMarginLoss(2, margin, [1.0, 2.0, 0.5])(x, t),
           [_multi_margin_sample(4, 3)]),
    OpInfo("nn.functional.multilabel_margin_loss", F.multilabel_margin_loss, [
        _multilabel_sample(3, 4), _multilabel_sample(2, 5, reduction="none")]),
    OpInfo("nn.MultiLabelMarginLoss", lambda x, t: nn.MultiLabelMarginLoss(reduction="sum")(x, t), [_multilabel_sample(2, 3)]),
    OpInfo("nn.functional.multilabel_soft_margin_loss", F.multilabel_soft_margin_loss, [
        S(_a(3, 4), _a_rng.uniform(0, 1, (3, 4))), S(_a(3, 4), _a_rng.uniform(0, 1, (3, 4)), _a_rng.uniform(0.5, 2, 4)),
        S(_a(2, 2, 3), (_a_rng.random((2, 2, 3)) < 0.5) * 1.0, reduction="none")]),
    OpInfo("nn.MultiLabelSoftMarginLoss", lambda x, t: nn.MultiLabelSoftMarginLoss([0.5, 1.0, 2.0], reduction="sum").to(x.device)(x, t),
           [S(_a(2, 3), _a_rng.uniform(0, 1, (2, 3)))]),
]


def _tracked_instance_norm():
    layer = nn.InstanceNorm1d(3, affine=True, track_running_stats=True, dtype=F64)
    layer.running_mean.data[...] = [0.5, -1.0, 2.0]
    layer.running_var.data[...] = [1.5, 0.5, 4.0]
    return layer


NN_OPS += [
    OpInfo("nn.RMSNorm", _bound(lambda: nn.RMSNorm(4, dtype=F64)), [S(_a(3, 4), _a(4)), S(_a(2, 3, 4), _a(4))]),
    OpInfo("nn.RMSNorm(no affine)", lambda x: nn.RMSNorm((2, 3), 1e-3, elementwise_affine=False)(x), [S(_a(2, 2, 3))]),
    OpInfo("nn.functional.rms_norm", F.rms_norm, [S(_a(3, 4), (4,)), S(_a(2, 3, 4), (3, 4), _a(3, 4), 1e-2),
                                                  S(_a(5), 5, eps=0.0)]),
    OpInfo("nn.InstanceNorm1d", nn.InstanceNorm1d(3), [S(_a(2, 3, 5)), S(_a(3, 4))]),
    OpInfo("nn.InstanceNorm1d(affine)", _bound(lambda: nn.InstanceNorm1d(3, affine=True, dtype=F64)),
           [S(_a(2, 3, 4), _a(3), _a(3))]),
    OpInfo("nn.InstanceNorm1d(eval)", _bound(_tracked_instance_norm, mode="eval"), [S(_a(2, 3, 4), _a(3), _a(3))]),
    OpInfo("nn.InstanceNorm2d", _bound(lambda: nn.InstanceNorm2d(2, affine=True, bias=False, dtype=F64)),
           [S(_a(2, 2, 3, 3), _a(2)), S(_a(2, 2, 3), _a(2))]),
    OpInfo("nn.functional.instance_norm", F.instance_norm, [
        S(_a(2, 3, 4)), S(_a(2, 2, 3, 2), None, None, _a(2), _a(2), eps=1e-3)]),
    OpInfo("nn.LocalResponseNorm", nn.LocalResponseNorm(3, alpha=0.5, beta=0.6, k=1.5),
           [S(_a(2, 4, 3)), S(_a(1, 5, 2, 2))]),
    OpInfo("nn.functional.local_response_norm", F.local_response_norm, [
        S(_a(2, 4, 3), 2), S(_a(1, 3, 2, 2, 2), 4, 1.0, 0.75, 2.0)]),
    # C = 7 > (size + 1) // 2 + 1: the windows that keep channel 0 (PyTorch's legacy sliding sum)
    OpInfo("nn.CrossMapLRN2d", nn.CrossMapLRN2d(3, alpha=0.5, beta=0.6, k=1.5),
           [S(_a(2, 7, 2, 2)), S(_a(1, 2, 3, 1))]),
]
# ---------------------------------------------------------------- padding modes, pixel/channel shuffles, ConvTranspose1d,
# adaptive pools, linear interpolation (session 9's spatial layers). Their own generator, so every sample above stays.
_s_rng = np.random.default_rng(97531)


_s = normal_from(_s_rng)


_s_distinct = distinct_from(_s_rng)


def _pad_mode(mode, widths):
    return lambda x: F.pad(x, widths, mode=mode)


NN_OPS += [
    OpInfo("nn.functional.pad(mode='reflect')", F.pad, [
        S(_s(2, 5), (2, 1), "reflect"), S(_s(2, 3, 4), (1, 3, 2, 0), mode="reflect"),
        S(_s(1, 2, 3, 4), (0, 2, 1, 1), "reflect"), S(_s(2, 3, 3, 4), (1, 1, 2, 0, 1, 2), "reflect")]),
    OpInfo("nn.functional.pad(mode='replicate')", F.pad, [
        S(_s(2, 3, 4), (3, 1), mode="replicate"), S(_s(2, 2, 3, 2), (2, 0, 1, 4), "replicate"),
        S(_s(1, 2, 2, 3), (1, 0, 2, 1, 0, 1), "replicate")]),
    OpInfo("nn.functional.pad(mode='circular')", F.pad, [
        S(_s(2, 4), (4, 2), mode="circular"), S(_s(2, 2, 3, 4), (1, 3, 3, 0), "circular"),
        S(_s(3, 2, 3, 2), (1, 0, 2, 1, 0, 1), "circular")]),
    OpInfo("nn.ZeroPad1d", nn.ZeroPad1d((2, 1)), [S(_s(2, 3, 4)), S(_s(5))]),
    OpInfo("nn.ConstantPad1d", nn.ConstantPad1d(2, 0.5), [S(_s(2, 3))]),
    OpInfo("nn.ConstantPad2d", nn.ConstantPad2d((1, 0, 0, 2), -1.5), [S(_s(2, 2, 3)), S(_s(1, 2, 2, 3))]),
    OpInfo("nn.ReflectionPad1d", nn.ReflectionPad1d((3, 1)), [S(_s(2, 3, 4)), S(_s(2, 5))]),
    OpInfo("nn.ReflectionPad2d", nn.ReflectionPad2d((1, 2, 2, 0)), [S(_s(2, 2, 3, 4)), S(_s(2, 3, 3))]),
    OpInfo("nn.ReplicationPad1d", nn.ReplicationPad1d(2), [S(_s(2, 2, 3)), S(_s(1, 1))]),
    OpInfo("nn.ReplicationPad2d", nn.ReplicationPad2d((0, 1, 3, 1)), [S(_s(1, 2, 2, 3)), S(_s(2, 2, 2))]),
    OpInfo("nn.CircularPad1d", nn.CircularPad1d((3, 2)), [S(_s(2, 2, 3)), S(_s(2, 4))]),
    OpInfo("nn.CircularPad2d", nn.CircularPad2d(1), [S(_s(1, 2, 3, 2)), S(_s(2, 2, 3))]),
    OpInfo("nn.PixelShuffle", nn.PixelShuffle(2), [S(_s(2, 8, 2, 3)), S(_s(4, 1, 2)), S(_s(2, 1, 4, 2, 2))]),
    OpInfo("nn.functional.pixel_shuffle", F.pixel_shuffle, [S(_s(1, 9, 2, 2), 3)]),
    OpInfo("nn.PixelUnshuffle", nn.PixelUnshuffle(2), [S(_s(2, 2, 4, 6)), S(_s(1, 2, 2))]),
    OpInfo("nn.functional.pixel_unshuffle", F.pixel_unshuffle, [S(_s(1, 1, 3, 6), 3)]),
    OpInfo("nn.ChannelShuffle", nn.ChannelShuffle(3), [S(_s(2, 6, 2, 2)), S(_s(1, 3, 4))]),
    OpInfo("nn.functional.channel_shuffle", F.channel_shuffle, [S(_s(2, 4, 3), 2), S(_s(1, 6, 1, 2, 2), 3)]),
    OpInfo("nn.ConvTranspose1d", _bound(lambda: nn.ConvTranspose1d(2, 3, 3, stride=2, padding=1, output_padding=1,
                                                                   dtype=F64)),
           [S(_s(2, 2, 4), _s(2, 3, 3), _s(3)), S(_s(2, 3), _s(2, 3, 3), _s(3))]),
    OpInfo("nn.ConvTranspose1d(groups, dilation, bias=False)",
           _bound(lambda: nn.ConvTranspose1d(4, 2, 2, groups=2, dilation=2, bias=False, dtype=F64)),
           [S(_s(1, 4, 5), _s(4, 1, 2))]),
    OpInfo("nn.functional.conv_transpose1d", F.conv_transpose1d, [
        S(_s(2, 2, 5), _s(2, 3, 3), _s(3), stride=2, padding=1),
        S(_s(4, 3), _s(4, 1, 2), None, 3, 0, 2, 2, 1),
        S(_s(1, 3, 4), _s(3, 2, 4), _s(2), dilation=2, output_padding=0)]),
    OpInfo("nn.AdaptiveAvgPool1d", nn.AdaptiveAvgPool1d(3), [S(_s(2, 3, 7)), S(_s(2, 5))]),
    OpInfo("nn.functional.adaptive_avg_pool1d", F.adaptive_avg_pool1d, [S(_s(1, 2, 5), 4), S(_s(2, 6), (2,))]),
    OpInfo("nn.AdaptiveMaxPool1d", nn.AdaptiveMaxPool1d(3), [S(_s_distinct(2, 3, 7)), S(_s_distinct(2, 5))]),
    OpInfo("nn.functional.adaptive_max_pool1d", F.adaptive_max_pool1d, [
        S(_s_distinct(1, 2, 5), 4), S(_s_distinct(2, 6), 6)]),
    OpInfo("nn.AdaptiveMaxPool2d", nn.AdaptiveMaxPool2d((2, 3)), [S(_s_distinct(2, 2, 5, 4)), S(_s_distinct(1, 3, 7))]),
    OpInfo("nn.AdaptiveMaxPool2d(return_indices)", lambda x: nn.AdaptiveMaxPool2d(2, return_indices=True)(x)[0],
           [S(_s_distinct(2, 1, 4, 5))]),
    OpInfo("nn.functional.adaptive_max_pool2d", F.adaptive_max_pool2d, [
        S(_s_distinct(1, 2, 5, 5), 3), S(_s_distinct(2, 3, 4), (None, 2)), S(_s_distinct(1, 1, 4, 6), 1)]),
    OpInfo("nn.UpsamplingNearest2d", nn.UpsamplingNearest2d(scale_factor=2), [S(_s(1, 2, 2, 3))]),
    OpInfo("nn.UpsamplingBilinear2d", nn.UpsamplingBilinear2d(size=(3, 5)), [S(_s(2, 2, 2, 3))]),
    OpInfo("nn.Upsample(mode='bilinear')", nn.Upsample(scale_factor=1.5, mode="bilinear"), [S(_s(1, 2, 3, 4))]),
    OpInfo("nn.Upsample(mode='linear', align_corners=True)",
           nn.Upsample(scale_factor=2.5, mode="linear", align_corners=True), [S(_s(2, 2, 3))]),
    OpInfo("nn.functional.interpolate(mode='linear' or 'bilinear')", F.interpolate, [
        S(_s(2, 2, 4), scale_factor=1.7, mode="linear"), S(_s(1, 2, 5), size=3, mode="linear", align_corners=True),
        S(_s(1, 2, 3, 4), scale_factor=(2, 0.75), mode="bilinear"),
        S(_s(1, 1, 3, 2), size=(4, 5), mode="bilinear", align_corners=True),
        S(_s(1, 2, 5, 4), None, 0.6, "bilinear", False, True)]),
]


class _Gains(nn.Module):
    """A ParameterDict of named gains used by key."""

    def __init__(self):
        super().__init__()
        self.gains = nn.ParameterDict({"scale": nn.Parameter(np.ones(3)), "shift": nn.Parameter(np.zeros(3))})

    def forward(self, x):
        return F.tanh(x * self.gains["scale"] + self.gains.shift)


def _seeded(make, seed=23):
    """fn(x) that runs ``make()`` in training mode with the generator reset: the same mask on every call."""

    def fn(x, *args):
        mg.manual_seed(seed)
        return make(*args)(x) if args else make()(x)

    return fn


# ---------------------------------------------------------------- attention and Transformers (session 9)
_att_rng = np.random.default_rng(909)


_att = normal_from(_att_rng)


def _att_keep(*shape):
    keep = _att_rng.random(shape) < 0.6
    keep[..., 0] = True   # no fully masked row
    return keep


def _seeded_sdpa(q, k, v, p):
    mg.manual_seed(23)   # the same dropout mask on every forward of the numeric check
    return F.scaled_dot_product_attention(q, k, v, dropout_p=p)


def _seeded_fn(fn, seed=29):
    def run(x, *args, **kwargs):
        mg.manual_seed(seed)
        return fn(x, *args, **kwargs)

    return run


NN_OPS += [
    OpInfo("nn.functional.unfold", F.unfold, [
        S(_s(2, 3, 4, 5), (2, 3)), S(_s(2, 4, 5), 2, dilation=(2, 1), padding=1, stride=(1, 2)),
        S(_s(1, 2, 5, 5), 3, 1, 1, 2)]),
    OpInfo("nn.Unfold", nn.Unfold(2, padding=1, stride=2), [S(_s(2, 2, 3, 4))]),
    OpInfo("nn.functional.fold", F.fold, [
        S(_s(2, 12, 12), (4, 5), 2), S(_s(8, 10), (3, 5), 2, dilation=(1, 2), padding=1, stride=(2, 1)),
        S(_s(1, 18, 9), (5, 5), 3, 1, 1, 2)]),
    OpInfo("nn.Fold", nn.Fold((3, 4), 2, padding=1), [S(_s(2, 8, 20))]),
    OpInfo("nn.functional.bilinear", F.bilinear, [
        S(_s(4, 2), _s(4, 3), _s(5, 2, 3), _s(5)), S(_s(2, 3, 2), _s(2, 3, 4), _s(3, 2, 4)),
        S(_s(3), _s(2), _s(2, 3, 2))]),
    OpInfo("nn.Bilinear", lambda x1, x2, w, b: _bilinear_layer(x1, x2, w, b),
           [S(_s(5, 2), _s(5, 3), _s(4, 2, 3), _s(4))]),
    OpInfo("nn.ParameterDict(in a model that uses it by key)", _bound(_Gains), [S(_s(4, 3), _s(3), _s(3))]),
    OpInfo("nn.Dropout1d", _seeded(lambda: nn.Dropout1d(0.4)), [S(_s(3, 4, 5)), S(_s(4, 3))]),
    OpInfo("nn.functional.dropout1d", _seeded_fn(F.dropout1d), [S(_s(2, 6, 3), 0.5)]),
    OpInfo("nn.AlphaDropout", _seeded(lambda: nn.AlphaDropout(0.3)), [S(_s(4, 5))]),
    OpInfo("nn.functional.alpha_dropout", _seeded_fn(F.alpha_dropout), [S(_s(3, 4), 0.2, True)]),
    OpInfo("nn.FeatureAlphaDropout", _seeded(lambda: nn.FeatureAlphaDropout(0.5)), [S(_s(3, 4, 2, 2))]),
    OpInfo("nn.functional.feature_alpha_dropout", _seeded_fn(F.feature_alpha_dropout),
           [S(_s(2, 5, 3), 0.4, training=True)]),
    OpInfo("nn.LPPool2d", nn.LPPool2d(2, (2, 3), stride=1), [S(_s(1, 2, 3, 4)), S(_s(2, 3, 4))]),
    OpInfo("nn.functional.lp_pool2d", F.lp_pool2d, [
        S(_s_rng.uniform(0.2, 2.0, (1, 2, 5, 5)), 1.5, 2, None, True), S(_s(2, 2, 4, 4), 2.0, 2)]),
    OpInfo("nn.LPPool1d", nn.LPPool1d(3, 2), [S(_s_rng.uniform(0.2, 2.0, (2, 2, 6)))]),
    OpInfo("nn.functional.lp_pool1d", F.lp_pool1d, [S(_s(2, 7), 2, 3, 2, True)]),
]


def _bilinear_layer(x1, x2, w, b):
    layer = nn.Bilinear(2, 3, 4, dtype=F64)
    _put_tensor(layer, "weight", w)
    _put_tensor(layer, "bias", b)
    return layer(x1, x2)
def _fixed_parameters(make_layer, run):
    """fn(*inputs): ``run(layer, *inputs)`` with one layer of fixed parameters in the inputs' dtype (eval mode).
    For the stacks (encoder, decoder, Transformer), whose layers' parameter gradients have their own entries:
    checking the inputs alone keeps the second-order check short."""
    layers = {}

    def fn(*inputs):
        dtype = inputs[0].dtype
        key = (dtype, inputs[0].device)   # one layer per dtype and device: a CPU layer meets no GPU input
        if key not in layers:
            layer = layers[key] = make_layer().eval()
            rng = np.random.default_rng(5)   # the same values in every dtype, away from LayerNorm's ones and zeros
            xp = mg.backend.get_array_module(inputs[0].data)
            for p in layer.parameters():
                p.data = xp.asarray((rng.standard_normal(p.shape) * 0.5).astype(dtype))
        return run(layers[key], *inputs)

    return fn


def _params(layer):
    """Sample values for every parameter of ``layer`` (in named_parameters() order), drawn afresh."""
    return tuple(_att(*p.shape) * 0.5 for p in layer.parameters())


def _mha(**kw):
    return lambda: nn.MultiheadAttention(4, 2, dtype=F64, **kw)


def _mha_out(layer, q, k, v, **call):
    return layer(q, k, v, **call)[0]


_KPM = np.array([[False, False, True], [False, True, False]])
_MASK = _att(4, 3, 3)


def _mha_weights(layer, q, k, v):
    """Per-head weights under float masks, plus the output (so every parameter gets a gradient)."""
    weights = layer(q, k, v, key_padding_mask=mg.tensor(_KPM * -2.0, dtype=F64, device=q.device),
                    attn_mask=mg.tensor(_MASK, dtype=F64, device=q.device),
                    average_attn_weights=False)[1]
    return weights * 3.0 + layer(q, k, v)[0].sum(-1)[:, None, :, None]
_ENC = dict(dim_feedforward=3, dropout=0.1, dtype=F64)


def _encoder_layer(**kw):
    return lambda: nn.TransformerEncoderLayer(4, 2, **{**_ENC, **kw})


def _decoder_layer(**kw):
    return lambda: nn.TransformerDecoderLayer(3, 3, **{**_ENC, **kw})


def _encoder():
    return nn.TransformerEncoder(nn.TransformerEncoderLayer(3, 1, activation="gelu", **_ENC), 2,
                                 nn.LayerNorm(3, dtype=F64))


def _decoder():
    return nn.TransformerDecoder(nn.TransformerDecoderLayer(3, 1, activation="gelu", **_ENC), 1)


def _transformer():
    return nn.Transformer(3, 1, 1, 1, 3, dropout=0.1, activation="gelu", dtype=F64)


_CAUSAL3 = np.triu(np.full((3, 3), -np.inf), 1)

NN_OPS += [
    OpInfo("nn.functional.scaled_dot_product_attention", F.scaled_dot_product_attention, [
        S(_att(2, 3, 4), _att(2, 5, 4), _att(2, 5, 3)),
        S(_att(2, 2, 3, 4), _att(2, 2, 5, 4), _att(2, 5, 3), _att_keep(3, 5)),      # bool mask: a constant
        S(_att(3, 4), _att(5, 4), _att(5, 2), _att(3, 5)),                         # float mask: checked too
        S(_att(2, 4, 3), _att(2, 3, 3), _att(2, 3, 3), is_causal=True, scale=0.7),
        S(_att(1, 4, 2, 3), _att(1, 2, 3, 3), _att(1, 2, 3, 2), enable_gqa=True)]),
    OpInfo("nn.functional.scaled_dot_product_attention(dropout)", _seeded_sdpa,
           [S(_att(2, 3, 4), _att(2, 5, 4), _att(2, 5, 3), 0.3)]),
    OpInfo("nn.MultiheadAttention", _bound_inputs(_mha(), 3, _mha_out),
           [S(_att(3, 2, 4), _att(2, 2, 4), _att(2, 2, 4), *_params(_mha()()))]),
    OpInfo("nn.MultiheadAttention(weights per head, masks)", _bound_inputs(_mha(batch_first=True), 3, _mha_weights),
           [S(_att(2, 3, 4), _att(2, 3, 4), _att(2, 3, 4), *_params(_mha(batch_first=True)()))]),
    OpInfo("nn.MultiheadAttention(kdim, vdim, bias_kv, zero_attn)",
           _bound_inputs(_mha(kdim=3, vdim=2, add_bias_kv=True, add_zero_attn=True), 3,
                         lambda m, q, k, v: m(q, k, v, key_padding_mask=mg.tensor(_KPM[0], device=q.device), need_weights=False)[0]),
           [S(_att(2, 4), _att(3, 3), _att(3, 2), *_params(_mha(kdim=3, vdim=2, add_bias_kv=True, add_zero_attn=True)()))]),
    OpInfo("nn.TransformerEncoderLayer", _bound_inputs(_encoder_layer(activation="gelu"), 1,
                                                       lambda m, x: m(x, src_mask=mg.tensor(_CAUSAL3, dtype=F64, device=x.device))),
           [S(_att(3, 2, 4), *_params(_encoder_layer()()))]),
    OpInfo("nn.TransformerEncoderLayer(norm_first, batch_first, key padding)",
           _bound_inputs(_encoder_layer(activation="gelu", norm_first=True, batch_first=True), 1,
                         lambda m, x: m(x, src_key_padding_mask=mg.tensor(_KPM, device=x.device))),
           [S(_att(2, 3, 4), *_params(_encoder_layer(norm_first=True)()))]),
    OpInfo("nn.TransformerEncoder", _fixed_parameters(_encoder, lambda m, x: m(x)), [S(_att(3, 1, 3))]),
    OpInfo("nn.TransformerDecoderLayer",
           _bound_inputs(_decoder_layer(activation="gelu"), 2,
                         lambda m, t, mem: m(t, mem, tgt_mask=mg.tensor(_CAUSAL3, dtype=F64, device=t.device),
                                             memory_key_padding_mask=mg.tensor(_KPM[:, :2], device=t.device))),
           [S(_att(3, 2, 3), _att(2, 2, 3), *_params(_decoder_layer()()))]),
    OpInfo("nn.TransformerDecoder", _fixed_parameters(_decoder, lambda m, t, mem: m(t, mem)),
           [S(_att(2, 1, 3), _att(3, 1, 3))]),
    OpInfo("nn.Transformer", _fixed_parameters(_transformer, lambda m, s, t: m(s, t, tgt_mask=mg.tensor(
        _CAUSAL3[:2, :2], dtype=F64, device=s.device))), [S(_att(3, 1, 3), _att(2, 1, 3))]),
]


# ---------------------------------------------------------------- volumes (N, C, D, H, W): the 3-D layers and
# functions. Their own generator, so every sample above stays as it was; tiny samples, as a 3-D gradgradcheck is slow.
_v_rng = np.random.default_rng(3333)


_v = normal_from(_v_rng)


_v_distinct = distinct_from(_v_rng)


def _v_positive(*shape):
    return _v_rng.uniform(0.3, 2.0, shape)


def _eval_batchnorm3d():
    bn = nn.BatchNorm3d(2, dtype=F64)
    bn.running_mean.data[...] = [0.5, -1.0]
    bn.running_var.data[...] = [1.5, 0.5]
    return bn


def _conv3d_weight(u, v, geo):
    from minigrad.ops.conv import Conv3dWeight
    return Conv3dWeight.apply(u, v, geo=geo)


def _conv3d_weight_sample(x_shape, w_shape, **kwargs):
    """Conv3dWeight's operands for conv3d(x, w, **kwargs): an input and an output-shaped gradient, with the geometry
    conv3d records."""
    with mg.enable_grad():
        y = F.conv3d(mg.tensor(_v(*x_shape), requires_grad=True), mg.tensor(_v(*w_shape)), **kwargs)
    return S(_v(*x_shape), _v(*y.shape), geo=y.creator.geo)


NN_OPS += [
    OpInfo("nn.Conv3d", _bound(lambda: nn.Conv3d(2, 2, 2, stride=(1, 2, 1), padding=(1, 0, 1), dtype=F64)),
           [S(_v(1, 2, 2, 4, 3), _v(2, 2, 2, 2, 2), _v(2)), S(_v(2, 2, 2, 3), _v(2, 2, 2, 2, 2), _v(2))]),
    OpInfo("nn.Conv3d(groups, dilation, padding='same', bias=False)",
           _bound(lambda: nn.Conv3d(2, 2, (1, 2, 2), padding="same", dilation=(1, 2, 1), groups=2, bias=False,
                                    dtype=F64)),
           [S(_v(1, 2, 2, 4, 3), _v(2, 1, 1, 2, 2))]),
    OpInfo("nn.Conv3d(padding_mode=reflect)",
           _bound(lambda: nn.Conv3d(1, 1, 2, padding=1, padding_mode="reflect", dtype=F64)),
           [S(_v(1, 1, 2, 2, 3), _v(1, 1, 2, 2, 2), _v(1))]),
    OpInfo("nn.functional.conv3d", F.conv3d, [
        S(_v(1, 2, 3, 3, 4), _v(2, 2, 2, 2, 2), _v(2), stride=2, padding=1),
        S(_v(2, 3, 3, 3), _v(2, 1, 1, 2, 2), None, groups=2, dilation=(1, 2, 1)),
        S(_v(1, 1, 2, 3, 3), _v(1, 1, 2, 1, 2), _v(1), padding="same")]),
    OpInfo("nn.ConvTranspose3d",
           _bound(lambda: nn.ConvTranspose3d(2, 2, 2, stride=2, padding=(0, 1, 0), output_padding=(1, 0, 0),
                                             dtype=F64)),
           [S(_v(1, 2, 2, 2, 2), _v(2, 2, 2, 2, 2), _v(2)), S(_v(2, 1, 2, 2), _v(2, 2, 2, 2, 2), _v(2))]),
    OpInfo("nn.functional.conv_transpose3d", F.conv_transpose3d, [
        S(_v(1, 2, 2, 2, 3), _v(2, 1, 2, 2, 2), _v(1), stride=(1, 2, 1), padding=1),
        S(_v(1, 2, 2, 2, 2), _v(2, 1, 1, 2, 2), None, 2, 0, 1, 2, 1)]),
    OpInfo("ops.Conv3dWeight", _conv3d_weight, [
        _conv3d_weight_sample((1, 2, 3, 3, 4), (2, 2, 2, 2, 2), stride=(2, 1, 2), padding=1),
        _conv3d_weight_sample((1, 4, 2, 3, 3), (2, 2, 1, 2, 2), groups=2, dilation=(1, 2, 1))]),
    OpInfo("nn.MaxPool3d", nn.MaxPool3d(2, stride=(1, 2, 2), padding=1), [
        S(_v_distinct(1, 2, 3, 4, 3)), S(_v_distinct(2, 3, 3, 2))]),
    OpInfo("nn.MaxPool3d(return_indices)", lambda x: nn.MaxPool3d((1, 2, 2), return_indices=True)(x)[0],
           [S(_v_distinct(1, 1, 2, 4, 4))]),
    OpInfo("nn.functional.max_pool3d", F.max_pool3d, [
        S(_v_distinct(1, 2, 2, 4, 4), 2),
        S(_v_distinct(1, 1, 4, 3, 5), (2, 1, 2), stride=(2, 1, 2), dilation=(1, 1, 2), ceil_mode=True)]),
    OpInfo("nn.functional.max_pool3d_with_indices", lambda *a, **k: F.max_pool3d_with_indices(*a, **k)[0],
           [S(_v_distinct(1, 1, 3, 3, 3), 2, 1, 1)]),
    OpInfo("nn.AvgPool3d", nn.AvgPool3d(2, stride=(1, 2, 2), padding=1, count_include_pad=False),
           [S(_v(1, 2, 2, 3, 3)), S(_v(1, 3, 2, 4))]),
    OpInfo("nn.functional.avg_pool3d", F.avg_pool3d, [
        S(_v(1, 2, 3, 3, 4), 2, ceil_mode=True), S(_v(1, 1, 3, 4, 4), 3, 2, 1, divisor_override=5)]),
    OpInfo("nn.AdaptiveAvgPool3d", nn.AdaptiveAvgPool3d((2, None, 3)), [S(_v(1, 2, 3, 2, 5)), S(_v(2, 3, 3, 4))]),
    OpInfo("nn.functional.adaptive_avg_pool3d", F.adaptive_avg_pool3d, [S(_v(1, 1, 4, 3, 5), 2)]),
    OpInfo("nn.AdaptiveMaxPool3d", nn.AdaptiveMaxPool3d((2, 1, 3)), [S(_v_distinct(1, 2, 3, 2, 4))]),
    OpInfo("nn.functional.adaptive_max_pool3d", F.adaptive_max_pool3d, [
        S(_v_distinct(1, 1, 3, 4, 3), (2, None, 2)), S(_v_distinct(2, 3, 2, 3), 1)]),
    OpInfo("nn.LPPool3d", nn.LPPool3d(2, (1, 2, 2)), [S(_v(1, 2, 2, 4, 4))]),
    OpInfo("nn.functional.lp_pool3d", F.lp_pool3d, [
        S(_v_positive(1, 1, 3, 3, 4), 1.5, 2, None, True), S(_v_positive(2, 2, 2, 2), 3.0, 2)]),
    OpInfo("nn.BatchNorm3d(train)", _bound(lambda: nn.BatchNorm3d(2, dtype=F64)),
           [S(_v(2, 2, 2, 2, 2), _v(2), _v(2))]),
    OpInfo("nn.BatchNorm3d(eval)", _bound(_eval_batchnorm3d, mode="eval"), [S(_v(1, 2, 2, 3, 2), _v(2), _v(2))]),
    OpInfo("nn.InstanceNorm3d", _bound(lambda: nn.InstanceNorm3d(2, affine=True, dtype=F64)),
           [S(_v(2, 2, 2, 2, 3) * 2 + 1, _v(2), _v(2)), S(_v(2, 2, 3, 2), _v(2), _v(2))]),
    OpInfo("nn.Dropout3d", _seeded(lambda: nn.Dropout3d(0.5)), [S(_v(2, 4, 2, 2, 2)), S(_v(3, 2, 2, 1))]),
    OpInfo("nn.functional.dropout3d", _seeded_fn(F.dropout3d), [S(_v(2, 3, 1, 2, 2), 0.4)]),
    OpInfo("nn.ZeroPad3d", nn.ZeroPad3d((1, 0, 0, 2, 1, 1)), [S(_v(1, 2, 2, 2, 3)), S(_v(2, 2, 2))]),
    OpInfo("nn.ConstantPad3d", nn.ConstantPad3d(1, -0.5), [S(_v(1, 1, 2, 2, 2))]),
    OpInfo("nn.ReflectionPad3d", nn.ReflectionPad3d((2, 0, 1, 1, 0, 1)), [S(_v(1, 2, 2, 3, 3)), S(_v(1, 2, 2, 3))]),
    OpInfo("nn.ReplicationPad3d", nn.ReplicationPad3d((0, 2, 1, 0, 2, 1)), [S(_v(1, 1, 2, 2, 3))]),
    OpInfo("nn.CircularPad3d", nn.CircularPad3d(1), [S(_v(1, 1, 2, 2, 3)), S(_v(2, 2, 2, 2))]),
    OpInfo("nn.Upsample(mode='trilinear')", nn.Upsample(scale_factor=(1.5, 2, 0.7), mode="trilinear"),
           [S(_v(1, 2, 2, 2, 3))]),
    OpInfo("nn.functional.interpolate(mode='trilinear' or 5-D 'nearest')", F.interpolate, [
        S(_v(1, 1, 2, 3, 2), size=(3, 2, 4), mode="trilinear", align_corners=True),
        S(_v(1, 2, 2, 2, 2), scale_factor=1.6, mode="trilinear"),
        S(_v(1, 1, 2, 2, 3), None, (2, 1, 2), "nearest")]),
]


# F.pdist (session 10): minigrad.pdist itself, compared with torch in tests/ops/test_torch_distances.py.
_pd_rng = np.random.default_rng(97531)
NN_OPS += [
    OpInfo("nn.functional.pdist", F.pdist, [S(_pd_rng.standard_normal((4, 3))),
                                            S(_pd_rng.standard_normal((3, 2)), 1.5)]),
]

# ------------------------------------------------------- lazy layers, unpooling, EmbeddingBag, CTC (session 10)
_s10 = normal_from(np.random.default_rng(1010))
_s10_distinct = distinct_from(np.random.default_rng(1011))


def _lazy(make, seed=41):
    """fn(x): a fresh lazy layer (in x's dtype) whose first call, on x, materializes it with seeded draws."""
    def fn(x):
        mg.manual_seed(seed)
        return make(x.dtype).to(x.device)(x)   # the placeholders are filled on the layer's device, as torch's

    return fn


NN_OPS += [
    OpInfo("nn.LazyLinear", _lazy(lambda d: nn.LazyLinear(3, dtype=d)), [S(_s10(2, 4)), S(_s10(5))]),
    OpInfo("nn.LazyConv1d", _lazy(lambda d: nn.LazyConv1d(2, 3, padding=1, dtype=d)), [S(_s10(2, 3, 5))]),
    OpInfo("nn.LazyConv2d", _lazy(lambda d: nn.LazyConv2d(2, 2, groups=2, dtype=d)), [S(_s10(1, 2, 3, 3))]),
    OpInfo("nn.LazyConvTranspose1d", _lazy(lambda d: nn.LazyConvTranspose1d(2, 2, stride=2, dtype=d)),
           [S(_s10(2, 3, 3))]),
    OpInfo("nn.LazyConvTranspose2d", _lazy(lambda d: nn.LazyConvTranspose2d(1, 2, dtype=d)), [S(_s10(1, 2, 2, 3))]),
    OpInfo("nn.LazyBatchNorm1d", _lazy(lambda d: nn.LazyBatchNorm1d(dtype=d)), [S(_s10(4, 3))]),
    OpInfo("nn.LazyBatchNorm2d", _lazy(lambda d: nn.LazyBatchNorm2d(dtype=d)), [S(_s10(3, 2, 2, 2))]),
    OpInfo("nn.LazyInstanceNorm1d", _lazy(lambda d: nn.LazyInstanceNorm1d(dtype=d)), [S(_s10(2, 3, 4)), S(_s10(2, 5))]),
    OpInfo("nn.LazyInstanceNorm2d", _lazy(lambda d: nn.LazyInstanceNorm2d(dtype=d)), [S(_s10(2, 2, 3, 3))]),
    OpInfo("nn.LazyConv3d", _lazy(lambda d: nn.LazyConv3d(2, 2, dtype=d)), [S(_s10(1, 2, 2, 3, 2))]),
    OpInfo("nn.LazyConvTranspose3d", _lazy(lambda d: nn.LazyConvTranspose3d(1, 2, dtype=d)), [S(_s10(1, 2, 2, 2, 2))]),
    OpInfo("nn.LazyBatchNorm3d", _lazy(lambda d: nn.LazyBatchNorm3d(dtype=d)), [S(_s10(2, 2, 2, 2, 2))]),
    OpInfo("nn.LazyInstanceNorm3d", _lazy(lambda d: nn.LazyInstanceNorm3d(dtype=d)), [S(_s10(2, 2, 2, 2, 2))]),
]


def _pool_indices(x, fn, *args):
    """int64 indices of a max pooling of the constant ``x`` (what max_unpool takes)."""
    return fn(mg.tensor(x, dtype="float64"), *args, return_indices=True)[1].numpy()


_UNPOOL_X2 = _s10_distinct(2, 2, 4, 6)
_UNPOOL_I2 = _pool_indices(_UNPOOL_X2, F.max_pool2d, 2)
# Distinct indices only: where two values share an index the last one stays, whose derivative (PyTorch's and ours)
# still gathers to both, so it is not a Jacobian (tests/nn/test_torch_unpooling.py checks that case against torch).
_UNPOOL_I2P = _pool_indices(_s10_distinct(1, 2, 3, 4), F.max_pool2d, 2, 2, 1)
_UNPOOL_X1 = _s10_distinct(2, 3, 8)
_UNPOOL_I1 = _pool_indices(_UNPOOL_X1, F.max_pool1d, 2)

NN_OPS += [
    OpInfo("nn.MaxUnpool2d", lambda x, i: nn.MaxUnpool2d(2)(x, i), [S(_s10(2, 2, 2, 3), _UNPOOL_I2),
                                                                     S(_s10(2, 2, 3), _UNPOOL_I2[0])]),
    OpInfo("nn.functional.max_unpool2d", F.max_unpool2d, [
        S(_s10(2, 2, 2, 3), _UNPOOL_I2, 2, output_size=(5, 6)), S(_s10(1, 2, 2, 3), _UNPOOL_I2P, 2, 2, 1, (3, 4))]),
    OpInfo("nn.MaxUnpool1d", lambda x, i: nn.MaxUnpool1d(2)(x, i), [S(_s10(2, 3, 4), _UNPOOL_I1)]),
    OpInfo("nn.functional.max_unpool1d", F.max_unpool1d, [S(_s10(2, 3, 4), _UNPOOL_I1, 2, None, 0, (9,))]),
    OpInfo("nn.functional.max_pool2d_with_indices", lambda x, *a, **k: F.max_pool2d_with_indices(x, *a, **k)[0], [
        S(_s10_distinct(2, 2, 5, 4), 2), S(_s10_distinct(1, 2, 5, 5), 3, 2, 1, ceil_mode=True)]),
    OpInfo("nn.functional.max_pool1d_with_indices", lambda x, *a, **k: F.max_pool1d_with_indices(x, *a, **k)[0], [
        S(_s10_distinct(2, 3, 7), 3, 2, 1), S(_s10_distinct(2, 6), 2)]),
    OpInfo("nn.functional.adaptive_max_pool2d_with_indices",
           lambda x, o: F.adaptive_max_pool2d_with_indices(x, o)[0], [S(_s10_distinct(1, 2, 5, 4), (2, 3))]),
    OpInfo("nn.functional.adaptive_max_pool1d_with_indices",
           lambda x, o: F.adaptive_max_pool1d_with_indices(x, o)[0], [S(_s10_distinct(2, 3, 7), 3)]),
    OpInfo("nn.MaxPool2d(return_indices)", lambda x: nn.MaxPool2d(2, return_indices=True)(x)[0],
           [S(_s10_distinct(1, 2, 4, 4))]),
]

_BAG_INDEX = np.array([1, 2, 4, 5, 4, 3, 2, 0, 4])
_BAG_OFFSETS = np.array([0, 2, 2, 5])

NN_OPS += [
    OpInfo("nn.functional.embedding_bag", F.embedding_bag, [
        S(_BAG_INDEX, _s10(6, 3), _BAG_OFFSETS), S(_BAG_INDEX, _s10(6, 3), _BAG_OFFSETS, mode="sum", padding_idx=4),
        S(_BAG_INDEX.reshape(3, 3), _s10(6, 2), mode="max"),
        S(_BAG_INDEX, _s10(6, 3), np.array([0, 4, 9]), mode="max", include_last_offset=True, padding_idx=2),
        S(_BAG_INDEX, _s10(6, 3), _BAG_OFFSETS, mode="sum", per_sample_weights=None)]),
    OpInfo("nn.functional.embedding_bag(per_sample_weights)",
           lambda w, p: F.embedding_bag(mg.tensor(_BAG_INDEX), w, mg.tensor(_BAG_OFFSETS), mode="sum",
                                        per_sample_weights=p, padding_idx=2), [S(_s10(6, 3), _s10(9))]),
    OpInfo("nn.EmbeddingBag", _bound_inputs(lambda: nn.EmbeddingBag(6, 3, mode="mean", padding_idx=0, dtype=F64), 2,
                                            lambda layer, i, o: layer(i, o)),
           [S(_BAG_INDEX, _BAG_OFFSETS, _s10(6, 3))]),
    OpInfo("nn.EmbeddingBag(max, 2-D input)", _bound_inputs(lambda: nn.EmbeddingBag(6, 2, mode="max", dtype=F64), 1,
                                                           lambda layer, i: layer(i)),
           [S(_BAG_INDEX.reshape(3, 3), _s10_distinct(6, 2))]),
]

# CTC loss: first derivatives only (its backward is the closed-form alpha-beta gradient on arrays; create_graph
# through it raises, tests/nn/test_torch_ctc_loss.py), so no gradgradcheck.
_CTC_TARGETS = np.array([[1, 1, 2], [3, 2, 0], [2, 1, 3]])
_CTC_IN, _CTC_TG = np.array([6, 5, 4]), np.array([3, 2, 0])

NN_OPS += [
    OpInfo("nn.functional.ctc_loss", F.ctc_loss, [
        S(_s10(6, 3, 4), _CTC_TARGETS, _CTC_IN, _CTC_TG),
        S(_s10(6, 3, 4), np.array([1, 1, 2, 3, 2]), _CTC_IN, _CTC_TG, reduction="none"),
        S(_s10(5, 4), np.array([2, 3]), np.array([4]), np.array([2]), blank=1, reduction="sum"),
        S(_s10(3, 3, 4), _CTC_TARGETS, np.array([3, 3, 1]), _CTC_TG, reduction="none", zero_infinity=True)],
        gradgrad=False),
    OpInfo("nn.CTCLoss", lambda lp: nn.CTCLoss(blank=3, reduction="sum")(
        lp, mg.tensor(np.array([[1, 1], [2, 0]])), mg.tensor(np.array([5, 4])), mg.tensor(np.array([2, 1]))),
        [S(_s10(5, 2, 4))], gradgrad=False),
]


def _adaptive_softmax():
    return nn.AdaptiveLogSoftmaxWithLoss(6, 9, [3, 6], div_value=2.0, head_bias=True, dtype=F64)


_ASM_TARGET = np.array([0, 4, 8, 2, 6])

NN_OPS += [
    OpInfo("nn.AdaptiveLogSoftmaxWithLoss",
           _bound_inputs(_adaptive_softmax, 1, lambda m, x: m(x, mg.tensor(_ASM_TARGET)).output * 2.0
                         + m(x, mg.tensor(_ASM_TARGET)).loss),
           [S(_s10(5, 6), *(_s10(*p.shape) for p in _adaptive_softmax().parameters()))]),
    OpInfo("nn.AdaptiveLogSoftmaxWithLoss(log_prob)", _bound_inputs(_adaptive_softmax, 1, lambda m, x: m.log_prob(x)),
           [S(_s10(3, 6), *(_s10(*p.shape) for p in _adaptive_softmax().parameters()))]),
]

# PyTorch's gumbel_softmax (session 10; tests/nn/test_torch_gumbel_softmax.py): the Gumbel noise seeded on every call,
# so each forward of the numeric check sees the same sample. hard=True's straight-through gradient is not the
# derivative of its (piecewise constant) value, so it is checked against the soft gradient there instead.
_g_rng = np.random.default_rng(1010)
NN_OPS += [
    OpInfo("nn.functional.gumbel_softmax", _seeded_fn(F.gumbel_softmax), [
        S(_g_rng.standard_normal((2, 4))), S(_g_rng.standard_normal((3, 2)), 0.5, dim=0),
        S(_g_rng.standard_normal((2, 3, 2)), 2.0, False, 1e-10, 1)]),
]


# ---------------------------------------------------------------- spatial transformers and interpolate's modes
# (session 10). Grid points are drawn at random, so none lies within gradcheck's step of a kink (a pixel
# coordinate, a clamp bound, a rounding boundary of nearest).
_gs_rng = np.random.default_rng(1010)
_gs = normal_from(_gs_rng)


def _grid(*shape, reach=1.4):
    return _gs_rng.uniform(-reach, reach, shape)


def _quiet(fn):
    """fn with PyTorch's deprecation warning silenced (the warnings are checked in test_torch_interpolate_modes)."""
    def run(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args, **kwargs)
    return run


NN_OPS += [
    OpInfo("nn.functional.affine_grid", F.affine_grid, [
        S(_gs(2, 2, 3), (2, 1, 3, 4), False), S(_gs(1, 2, 3), (1, 3, 2, 2), align_corners=True),
        S(_gs(2, 3, 4), (2, 1, 2, 3, 2), False)]),
    OpInfo("nn.functional.grid_sample", F.grid_sample, [
        S(_gs(2, 2, 3, 4), _grid(2, 3, 2, 2), "bilinear", "zeros", False),
        S(_gs(1, 2, 3, 4), _grid(1, 2, 3, 2), "bilinear", "border", True),
        S(_gs(1, 1, 4, 3), _grid(1, 3, 2, 2, reach=2.5), "bilinear", "reflection", False),
        S(_gs(1, 1, 3, 3), _grid(1, 2, 2, 2, reach=2.5), "bilinear", "reflection", True),
        S(_gs(2, 1, 3, 4), _grid(2, 2, 2, 2), mode="nearest", padding_mode="zeros", align_corners=False),
        S(_gs(1, 2, 3, 3), _grid(1, 2, 2, 2), mode="nearest", padding_mode="reflection", align_corners=True)],
        gpu_nondet_tol=1e-12),
    OpInfo("nn.functional.grid_sample(5-D)", F.grid_sample, [
        S(_gs(1, 2, 3, 3, 4), _grid(1, 2, 2, 1, 3), "bilinear", "zeros", False),
        S(_gs(1, 1, 3, 2, 3), _grid(1, 1, 2, 2, 3, reach=2.5), "bilinear", "reflection", True),
        S(_gs(1, 1, 2, 3, 3), _grid(1, 2, 1, 2, 3, reach=2.0), "bilinear", "border", False),
        S(_gs(1, 2, 3, 2, 2), _grid(1, 2, 1, 2, 3), mode="nearest", padding_mode="reflection", align_corners=False)],
        gpu_nondet_tol=1e-12),
    OpInfo("nn.functional.grid_sample(mode='bicubic')", F.grid_sample, [
        S(_gs(1, 2, 4, 4), _grid(1, 2, 2, 2), "bicubic", "zeros", False),
        S(_gs(1, 1, 3, 4), _grid(1, 2, 2, 2, reach=2.0), "bicubic", "border", True),
        S(_gs(1, 1, 4, 3), _grid(1, 2, 2, 2, reach=2.5), "bicubic", "reflection", False)],
        gpu_nondet_tol=1e-12),
    OpInfo("nn.functional.interpolate(mode='nearest-exact', 'bicubic', 'area', nearest at any factor, antialias)",
           F.interpolate, [
               S(_gs(2, 2, 5), scale_factor=1.7, mode="nearest"), S(_gs(1, 2, 3, 4), size=(4, 3), mode="nearest"),
               S(_gs(1, 2, 5), scale_factor=0.6, mode="nearest-exact"),
               S(_gs(1, 2, 3, 4), size=(5, 3), mode="nearest-exact"),
               S(_gs(1, 2, 3, 4), scale_factor=(1.5, 0.75), mode="bicubic"),
               S(_gs(1, 1, 3, 3), size=(4, 5), mode="bicubic", align_corners=True),
               S(_gs(1, 2, 5, 4), None, 0.6, "bicubic", False, True),
               S(_gs(2, 2, 7), size=3, mode="area"), S(_gs(1, 2, 5, 4), scale_factor=0.5, mode="area"),
               S(_gs(1, 2, 6, 5), scale_factor=0.5, mode="bilinear", antialias=True),
               S(_gs(1, 1, 7, 6), size=(3, 4), mode="bicubic", align_corners=True, antialias=True)]),
    OpInfo("nn.Upsample(mode='bicubic')", nn.Upsample(scale_factor=1.5, mode="bicubic"), [S(_gs(1, 2, 3, 2))]),
    OpInfo("nn.Upsample(mode='nearest-exact')", nn.Upsample(size=5, mode="nearest-exact"), [S(_gs(2, 2, 3))]),
    OpInfo("nn.Upsample(mode='area')", nn.Upsample(size=(2, 3), mode="area"), [S(_gs(1, 2, 5, 4))]),
    OpInfo("nn.functional.upsample", _quiet(F.upsample), [S(_gs(1, 2, 3, 3), None, 1.5, "bicubic", False)]),
    OpInfo("nn.functional.upsample_nearest", _quiet(F.upsample_nearest), [S(_gs(1, 2, 3), scale_factor=2)]),
    OpInfo("nn.functional.upsample_bilinear", _quiet(F.upsample_bilinear), [S(_gs(1, 1, 2, 3), size=(3, 4))]),
]


_FMP_SAMPLES = _gs_rng.random((2, 3, 2))
_FMP3_RNG = np.random.default_rng(1403)   # its own stream: the 3-D entries leave _gs_rng's later draws as they were
_FMP3_SAMPLES = _FMP3_RNG.random((2, 3, 3))


def _fixed_draws(fn, *args, **kwargs):
    """fn(x) with PyTorch's ``_random_samples`` fixed (in x's dtype), so every call pools the same windows."""
    def run(x):
        dims = 3 if "3d" in getattr(fn, "__name__", "") else 2   # (N, C, 2) draws for images, (N, C, 3) volumes
        n = 1 if x.ndim == dims + 1 else x.shape[0]
        draws = mg.tensor((_FMP_SAMPLES if dims == 2 else _FMP3_SAMPLES)[:n, :x.shape[-dims - 1]], dtype=x.dtype,
                          device=x.device)
        out = fn(*args, _random_samples=draws, **kwargs)(x) if isinstance(fn, type) else \
            fn(x, *args, _random_samples=draws, **kwargs)
        return out[0] if isinstance(out, tuple) else out
    return run


NN_OPS += [
    OpInfo("nn.functional.conv_tbc", F.conv_tbc, [
        S(_gs(5, 2, 3), _gs(3, 3, 4), _gs(4)), S(_gs(4, 1, 2), _gs(2, 2, 3), _gs(3), 1),
        S(_gs(6, 2, 2), _gs(2, 2, 2), _gs(2), pad=-1)]),
    OpInfo("nn.functional.fractional_max_pool2d", _fixed_draws(F.fractional_max_pool2d, 2, output_size=(3, 2)),
           [S(distinct_from(_gs_rng)(2, 3, 5, 4)), S(distinct_from(_gs_rng)(3, 4, 4))]),
    OpInfo("nn.functional.fractional_max_pool2d_with_indices",
           _fixed_draws(F.fractional_max_pool2d_with_indices, (2, 3), output_ratio=0.6),
           [S(distinct_from(_gs_rng)(2, 3, 6, 7))]),
    OpInfo("nn.FractionalMaxPool2d", _fixed_draws(nn.FractionalMaxPool2d, 3, output_size=3, return_indices=True),
           [S(distinct_from(_gs_rng)(2, 2, 6, 5))]),
    OpInfo("nn.functional.fractional_max_pool3d", _fixed_draws(F.fractional_max_pool3d, 2, output_size=(2, 3, 2)),
           [S(distinct_from(_FMP3_RNG)(2, 2, 4, 5, 4)), S(distinct_from(_FMP3_RNG)(3, 4, 5, 4))]),
    OpInfo("nn.functional.fractional_max_pool3d_with_indices",
           _fixed_draws(F.fractional_max_pool3d_with_indices, (2, 1, 3), output_ratio=(0.5, 0.6, 0.5)),
           [S(distinct_from(_FMP3_RNG)(1, 2, 4, 5, 7))]),
    OpInfo("nn.FractionalMaxPool3d", _fixed_draws(nn.FractionalMaxPool3d, 2, output_size=2, return_indices=True),
           [S(distinct_from(_FMP3_RNG)(2, 2, 4, 4, 5))]),
    # output_padding at or past the stride (PyTorch allows it below the dilation): the cropped col2im canvas path
    OpInfo("nn.functional.conv_transpose2d(output_padding >= stride)", F.conv_transpose2d, [
        S(_FMP3_RNG.standard_normal((1, 2, 3, 2)), _FMP3_RNG.standard_normal((2, 2, 2, 3)),
          _FMP3_RNG.standard_normal(4), 1, 1, (1, 0), 2, (2, 1)),
        S(_FMP3_RNG.standard_normal((2, 3, 2)), _FMP3_RNG.standard_normal((2, 1, 2, 2)), None, (2, 1), 0, (2, 1),
          1, 3)]),
    OpInfo("nn.functional.conv_transpose1d(output_padding >= stride)", F.conv_transpose1d, [
        S(_FMP3_RNG.standard_normal((1, 2, 3)), _FMP3_RNG.standard_normal((2, 3, 2)), _FMP3_RNG.standard_normal(3),
          1, 0, 2, 1, 3)]),
    OpInfo("nn.functional.conv_transpose3d(output_padding >= stride)", F.conv_transpose3d, [
        S(_FMP3_RNG.standard_normal((1, 2, 2, 2, 1)), _FMP3_RNG.standard_normal((2, 1, 2, 1, 2)), None, 1,
          (1, 0, 0), (1, 0, 1), 1, 2)]),
]


def _mha_forward(q, k, v, w_in, b_in, w_out, b_out, bias_k, bias_v, **kw):
    return F.multi_head_attention_forward(q, k, v, 4, 2, w_in, b_in, bias_k, bias_v, False, 0.0, w_out, b_out,
                                          **kw)[0]


def _mha_forward_separate(q, k, v, wq, wk, wv, b_in, w_out, b_out):
    out, weights = F.multi_head_attention_forward(q, k, v, 4, 2, None, b_in, None, None, True, 0.0, w_out, b_out,
                                                  use_separate_proj_weight=True, q_proj_weight=wq, k_proj_weight=wk,
                                                  v_proj_weight=wv, average_attn_weights=False)
    return out.sum(-1)[:, :, None] + weights.sum(1).transpose(1, 0, 2)   # both outputs reach every input


NN_OPS += [
    OpInfo("nn.functional.multi_head_attention_forward", _mha_forward, [
        S(_gs(3, 2, 4), _gs(2, 2, 4), _gs(2, 2, 4), _gs(12, 4) * 0.5, _gs(12) * 0.2, _gs(4, 4) * 0.5, _gs(4) * 0.2,
          _gs(1, 1, 4) * 0.3, _gs(1, 1, 4) * 0.3, attn_mask=mg.tensor(_gs(3, 2), dtype=F64)),
        S(_gs(2, 4), _gs(3, 4), _gs(3, 4), _gs(12, 4) * 0.5, None, _gs(4, 4) * 0.5, None, None, None,
          key_padding_mask=mg.tensor(np.array([False, True, False])), need_weights=False)]),
    OpInfo("nn.functional.multi_head_attention_forward(separate weights, zero attention)", _mha_forward_separate, [
        S(_gs(2, 2, 4), _gs(3, 2, 3), _gs(3, 2, 2), _gs(4, 4) * 0.5, _gs(4, 3) * 0.5, _gs(4, 2) * 0.5,
          _gs(12) * 0.2, _gs(4, 4) * 0.5, _gs(4) * 0.2)]),
]


# -- weight reparametrizations (nn.utils.parametrize, parametrizations, and the older hook forms) ----------------
# The layers are made under a fixed seed: spectral norm's u, v and orthogonal's base (the initial weight made
# orthogonal, completed by random columns) are drawn at registration, and every call of the checked function must see the same ones. Spectral norm runs in
# eval mode (a power step in training mode depends on the weight, so it is not a function gradcheck can probe).
from minigrad.nn.utils import parametrizations as _P, parametrize as _parametrize  # noqa: E402

_rp_rng = np.random.default_rng(2612)


def _rp(*shape):
    return _rp_rng.standard_normal(shape)


def _seeded(make):
    def build():
        mg.manual_seed(26)
        return make()
    return build


def _householder_original(*shape):
    """An original whose diagonal is +-1.5 (torch truncates it to the columns' signs +-1), the rest normal."""
    x = _rp(*shape) * 0.5
    idx = np.arange(min(shape))
    x[idx, idx] = [1.5, -1.5, 1.5, -1.5][:len(idx)]
    return x


class _Symmetric(nn.Module):
    def forward(self, x):
        return x.triu() + x.triu(1).T


class _Scale(nn.Module):
    def forward(self, x):
        return 2.0 * x.tanh()


def _chained():
    layer = nn.Linear(3, 3, dtype=F64)
    _parametrize.register_parametrization(layer, "weight", _Symmetric())
    _parametrize.register_parametrization(layer, "weight", _Scale())
    return layer


NN_OPS += [
    OpInfo("nn.utils.parametrize.register_parametrization(two chained)", _bound(_chained),
           [S(_rp(4, 3), _rp(3), _rp(3, 3))]),
    OpInfo("nn.utils.parametrizations.weight_norm(Linear)",
           _bound(lambda: _P.weight_norm(nn.Linear(3, 2, dtype=F64))), [S(_rp(4, 3), _rp(2), _rp(1, 2), _rp(3, 2))]),
    OpInfo("nn.utils.parametrizations.weight_norm(Linear, dim=None)",
           _bound(lambda: _P.weight_norm(nn.Linear(3, 2, dtype=F64), dim=None)),
           [S(_rp(4, 3), _rp(2), np.array(1.3), _rp(3, 2))]),
    OpInfo("nn.utils.parametrizations.weight_norm(Conv2d)",
           _bound(lambda: _P.weight_norm(nn.Conv2d(2, 3, 2, dtype=F64))),
           [S(_rp(1, 2, 3, 3), _rp(3), _rp(3, 1, 1, 1), _rp(3, 2, 2, 2))]),
    OpInfo("nn.utils.parametrizations.spectral_norm(Linear, eval)",
           _bound(_seeded(lambda: _P.spectral_norm(nn.Linear(3, 2, dtype=F64))), mode="eval"),
           [S(_rp(4, 3), _rp(2), _rp(3, 2))]),
    OpInfo("nn.utils.parametrizations.spectral_norm(Conv2d, eval)",
           _bound(_seeded(lambda: _P.spectral_norm(nn.Conv2d(2, 3, 2, dtype=F64))), mode="eval"),
           [S(_rp(1, 2, 3, 3), _rp(3), _rp(3, 2, 2, 2))]),
    OpInfo("nn.utils.parametrizations.orthogonal(Linear, matrix_exp)",
           _bound(_seeded(lambda: _P.orthogonal(nn.Linear(3, 3, dtype=F64), orthogonal_map="matrix_exp"))),
           [S(_rp(4, 3), _rp(3), _rp(3, 3) * 0.5)]),
    OpInfo("nn.utils.parametrizations.orthogonal(Linear, cayley)",
           _bound(_seeded(lambda: _P.orthogonal(nn.Linear(3, 4, dtype=F64), orthogonal_map="cayley"))),
           [S(_rp(4, 3), _rp(4), _rp(3, 4) * 0.5)]),
    OpInfo("nn.utils.parametrizations.orthogonal(Linear, householder)",
           _bound(_seeded(lambda: _P.orthogonal(nn.Linear(4, 3, dtype=F64), orthogonal_map="householder"))),
           [S(_rp(2, 4), _rp(3), _householder_original(4, 3))]),
    OpInfo("nn.utils.parametrizations.orthogonal(Linear, householder, use_trivialization=False)",
           _bound(lambda: _P.orthogonal(nn.Linear(3, 4, dtype=F64), orthogonal_map="householder",
                                        use_trivialization=False)),
           [S(_rp(2, 3), _rp(4), _householder_original(3, 4))]),
    OpInfo("nn.utils.weight_norm(Linear)", _bound(_quiet(lambda: nn.utils.weight_norm(nn.Linear(3, 2, dtype=F64)))),
           [S(_rp(4, 3), _rp(2), _rp(1, 2), _rp(3, 2))]),
    OpInfo("nn.utils.spectral_norm(Linear, eval)",
           _bound(_seeded(lambda: nn.utils.spectral_norm(nn.Linear(3, 2, dtype=F64))), mode="eval"),
           [S(_rp(4, 3), _rp(2), _rp(3, 2))]),
]


# ---------------------------------------------------------------- bidirectional RNN, LSTM and GRU (padded and packed)
def _packed_recurrent(make_layer, lengths, enforce_sorted, n_state=0):
    """``_recurrent`` on x (T, B, I) packed with ``lengths``."""
    return _recurrent(make_layer, n_state, packed=(lengths, enforce_sorted))


_bi_rng = np.random.default_rng(2468)   # its own draws, so the samples above stay as they were


def _bi_sample(make_layer, x_shape, state_shapes=()):
    params = [0.6 * _bi_rng.standard_normal(p.shape) for _, p in make_layer().named_parameters()]
    return S(_bi_rng.standard_normal(x_shape), *[_bi_rng.standard_normal(s) for s in state_shapes], *params)


_BI = []
for _cls in ("RNN", "LSTM", "GRU"):
    _n_state = 2 if _cls == "LSTM" else 1
    for _label, _kw, _L in (("", {}, 1), ("2 layers, ", {"num_layers": 2}, 2),
                            ("batch_first, bias=False, ", {"batch_first": True, "bias": False}, 1)):
        _make = (lambda c=getattr(nn, _cls), kw=_kw: c(3, 2, bidirectional=True, dtype=F64, **kw))
        _x = (2, 3, 3) if _kw.get("batch_first") else (3, 2, 3)
        _fast = _L == 2 and _cls != "RNN"   # see OpInfo.gradgrad_fast
        _BI.append(OpInfo(f"nn.{_cls}(bidirectional, {_label}no state)", _recurrent(_make, 0),
                          [_bi_sample(_make, _x)], gradgrad_fast=_fast))
        _BI.append(OpInfo(f"nn.{_cls}(bidirectional, {_label}with state)", _recurrent(_make, _n_state),
                          [_bi_sample(_make, _x, [(2 * _L, 2, 2)] * _n_state)], gradgrad_fast=_fast))
    if _cls != "RNN":
        _make = (lambda c=getattr(nn, _cls): c(3, 2, num_layers=2, bidirectional=True, dtype=F64))
        for _lengths, _sorted in (([3, 2, 1], True), ([1, 3, 2], False)):
            _BI.append(OpInfo(f"nn.{_cls}(bidirectional, 2 layers, packed, enforce_sorted={_sorted}, with state)",
                              _packed_recurrent(_make, _lengths, _sorted, _n_state),
                              [_bi_sample(_make, (3, 3, 3), [(4, 3, 2)] * _n_state)], gradgrad_fast=True))
NN_OPS += _BI

# torch.nn.functional's in-place spellings, on a non-leaf (a leaf that requires grad refuses an in-place write)
NN_OPS += [
    OpInfo("nn.functional.relu_", lambda x: F.relu_(x * 1.0), [S(_a(5, kinks=(0.0,)))]),
    OpInfo("nn.functional.elu_", lambda x, alpha=1.0: F.elu_(x * 1.0, alpha), [S(_a(5, kinks=(0.0,)), 0.7)]),
    OpInfo("nn.functional.leaky_relu_", lambda x, s=0.01: F.leaky_relu_(x * 1.0, s), [S(_a(5, kinks=(0.0,)), 0.2)]),
    OpInfo("nn.functional.hardtanh_", lambda x: F.hardtanh_(x * 1.0, -0.5, 1.5), [S(_a(5, kinks=(-0.5, 1.5)))]),
    OpInfo("nn.functional.threshold_", lambda x: F.threshold_(x * 1.0, -1.0, 4.0), [S(_a(5, kinks=(-1.0,)))]),
    OpInfo("nn.functional.selu_", lambda x: F.selu_(x * 1.0), [S(_a(5, kinks=(0.0,)))]),
    OpInfo("nn.functional.celu_", lambda x: F.celu_(x * 1.0, 2.5), [S(_a(5, kinks=(0.0,)))]),
    OpInfo("nn.functional.rrelu_(eval)", lambda x: F.rrelu_(x * 1.0, 0.1, 0.5), [S(_a(5, kinks=(0.0,)))]),
]


def _probabilities(*shape):
    q = _a_rng.random(shape) + 0.1
    return q / q.sum(axis=1, keepdims=True)


# cross-entropy with class-probability targets (torch's soft targets): differentiable in the target too
NN_OPS += [
    OpInfo("nn.functional.cross_entropy(probabilities)", F.cross_entropy, [
        S(_a(5, 4), _probabilities(5, 4)),
        S(_a(2, 3, 4), _probabilities(2, 3, 4), reduction="none", label_smoothing=0.2),
        S(_a(5, 4), _probabilities(5, 4), weight=_CLASS_WEIGHT, reduction="sum"),
    ]),
]

# session 13, layers sweep (tests/nn/test_conv_layers.py, test_recurrent.py, test_torch_unpooling.py,
# test_torch_rms_instance_and_local_response_norms.py and test_torch_interpolate_modes.py compare these with torch)
_proj = (lambda: nn.LSTM(3, 3, num_layers=2, bidirectional=True, proj_size=2, dtype=F64))
_UNPOOL_I3 = _pool_indices(_s10_distinct(2, 2, 4, 2, 6), F.max_pool3d, 2)
_UNPOOL_I3P = _pool_indices(_s10_distinct(1, 2, 3, 4, 3), F.max_pool3d, 2, 2, (1, 0, 1))   # distinct: see _UNPOOL_I2P
NN_OPS += [
    # a transposed convolution's forward(x, output_size): the output_padding it picks
    OpInfo("nn.ConvTranspose2d(output_size)",
           _bound_inputs(lambda: nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, dtype=F64), 1,
                         lambda layer, x: layer(x, (6, 3))),
           [S(rnd(1, 2, 3, 2), rnd(2, 3, 3, 3), rnd(3))]),
    OpInfo("nn.ConvTranspose1d(output_size, whole shape)",
           _bound_inputs(lambda: nn.ConvTranspose1d(2, 2, 2, stride=3, dtype=F64), 1,
                         lambda layer, x: layer(x, (2, 2, 9))),
           [S(rnd(2, 2, 3), rnd(2, 2, 2), rnd(2))]),
    # 2-D pooling of one unbatched (C, H, W) image; avg_pool2d's divisor_override
    OpInfo("nn.MaxPool2d(unbatched)", nn.MaxPool2d(3, stride=2, padding=1), [S(distinct(2, 5, 4))]),
    OpInfo("nn.AvgPool2d(unbatched, divisor_override)", nn.AvgPool2d(3, stride=2, padding=1, divisor_override=5),
           [S(rnd(2, 5, 4))]),
    OpInfo("nn.AdaptiveAvgPool2d(unbatched)", nn.AdaptiveAvgPool2d((2, None)), [S(rnd(2, 5, 3))]),
    OpInfo("nn.functional.avg_pool2d(divisor_override)", F.avg_pool2d,
           [S(rnd(1, 2, 5, 4), (2, 3), 2, 1, True, False, -3)]),
    # LSTM with proj_size (h = (o tanh c) W_hr^T), stacked and bidirectional, plain and packed
    OpInfo("nn.LSTM(proj_size, 2 layers, bidirectional, with state)", _recurrent(_proj, 2),
           [_recurrent_sample(_proj, (3, 2, 3), [(4, 2, 2), (4, 2, 3)])], gradgrad_fast=True),
    OpInfo("nn.LSTM(proj_size, packed, no state)",
           _recurrent(lambda: nn.LSTM(3, 3, proj_size=1, dtype=F64), 0, ([1, 3, 2], False)),
           [_recurrent_sample(lambda: nn.LSTM(3, 3, proj_size=1, dtype=F64), (3, 3, 3))]),
    # MaxUnpool3d / F.max_unpool3d
    OpInfo("nn.MaxUnpool3d", lambda x, i: nn.MaxUnpool3d(2)(x, i), [S(_s10(2, 2, 2, 1, 3), _UNPOOL_I3),
                                                                     S(_s10(2, 2, 1, 3), _UNPOOL_I3[0])]),
    OpInfo("nn.functional.max_unpool3d", F.max_unpool3d, [
        S(_s10(2, 2, 2, 1, 3), _UNPOOL_I3, 2, output_size=(5, 3, 6)),
        S(_s10(1, 2, 2, 2, 2), _UNPOOL_I3P, 2, 2, (1, 0, 1), (3, 4, 3))]),
    # BatchNorm's keyword-only bias=False (the weight alone)
    OpInfo("nn.BatchNorm2d(train, bias=False)", _bound(lambda: nn.BatchNorm2d(2, dtype=F64, bias=False)),
           [S(rnd(3, 2, 2, 3), rnd(2))]),
    # interpolate's gathering modes on 5-D input
    OpInfo("nn.functional.interpolate(5-D 'nearest' at any factor, 'nearest-exact', 'area')", F.interpolate, [
        S(rnd(1, 2, 2, 3, 2), scale_factor=(1.5, 0.7, 2.5)), S(rnd(1, 1, 3, 2, 2), size=(2, 3, 5)),
        S(rnd(1, 2, 2, 3, 2), scale_factor=1.7, mode="nearest-exact"),
        S(rnd(1, 1, 5, 3, 4), size=(2, 3, 3), mode="area"), S(rnd(1, 1, 2, 3, 2), size=(3, 4, 5), mode="area")]),
    # Session 13: torch's names for what minigrad had (DataParallel's one-device case, NLLLoss2d, the RNN base classes)
    OpInfo("nn.DataParallel(Linear)", _bound(lambda: nn.DataParallel(nn.Linear(3, 2, dtype=F64))),
           [S(rnd(4, 3), rnd(3, 2), rnd(2))]),
    OpInfo("nn.NLLLoss2d", lambda x, t: nn.NLLLoss2d()(x, t),
           [S(rnd(2, 3, 2, 2), np.array([[[0, 2], [1, 1]], [[2, 0], [0, 1]]], dtype=np.int64))]),
    OpInfo("nn.RNNBase(GRU mode)", _recurrent(lambda: nn.RNNBase("GRU", 3, 2, dtype=F64)),
           [_recurrent_sample(lambda: nn.RNNBase("GRU", 3, 2, dtype=F64), (3, 2, 3))]),
    OpInfo("nn.RNNCellBase(a user's cell on it)", _bound(lambda: _UserCell(3, 2)),
           [_recurrent_sample(lambda: _UserCell(3, 2), (2, 3))]),
]

# SyncBatchNorm: in one process (no process group) BatchNorm's computation, every order; the synchronised op itself
# (one rank here; two ranks in tests/distributed) has first derivatives only (its backward is a collective).
from minigrad.distributed.sync_batch_norm import sync_batch_norm as _sync_batch_norm  # noqa: E402


def _eval_sync_batchnorm():
    bn = nn.SyncBatchNorm(2, dtype=F64)
    bn.running_mean.data[...] = [0.5, -1.0]
    bn.running_var.data[...] = [1.5, 0.5]
    return bn


NN_OPS += [
    OpInfo("nn.SyncBatchNorm(train)", _bound(lambda: nn.SyncBatchNorm(2, dtype=F64)),
           [S(rnd(3, 2, 2, 3), rnd(2), rnd(2)), S(rnd(4, 2), rnd(2), rnd(2)), S(rnd(2, 2, 1, 2, 2, 2), rnd(2), rnd(2))]),
    OpInfo("nn.SyncBatchNorm(eval)", _bound(_eval_sync_batchnorm, mode="eval"), [S(rnd(2, 2, 3), rnd(2), rnd(2))]),
    OpInfo("nn.SyncBatchNorm(synchronised op on one rank)",
           lambda x, w, b: _sync_batch_norm(x, None, None, w, b, 0.1, 1e-5),
           [S(rnd(3, 2, 4), rnd(2), rnd(2)), S(rnd(2, 3, 2, 2), rnd(3), rnd(3))], gradgrad=False),
]

# scale_grad_by_freq: the weight's gradient divides each position's share by its index's count, which is not the
# derivative where an index repeats (tests/nn/test_torch_embedding_scale_grad_by_freq.py shows gradcheck failing
# there, as torch's). So: the weight checked where no index but the padding one repeats, and the gradient itself, a
# linear map of the output gradient (and of per_sample_weights), checked as a function with repeated indices.
_sgf_rng = np.random.default_rng(3107)   # its own draws, so the samples above stay as they were
_SGF_INDEX = np.array([[0, 1, 1], [4, 1, 0], [4, 2, 1]])
_SGF_TABLE = _sgf_rng.standard_normal((5, 3))


def _scaled_gradient(lookup):
    """``(g, *rest) -> dL/dweight`` of ``lookup(weight, *rest)`` for the output gradient g, built with create_graph,
    on a fixed table (the gradient does not depend on its values)."""
    def fn(g, *rest):
        weight = mg.tensor(_SGF_TABLE, dtype=g.dtype, device=g.device, requires_grad=True)   # the sample's dtype
        with mg.enable_grad():   # gradcheck's finite differences call this under no_grad
            return mg.autograd.grad(lookup(weight, *rest), weight, g, create_graph=True)[0]
    return fn


NN_OPS += [
    OpInfo("nn.Embedding(scale_grad_by_freq, no index repeats but the padding one)",
           _embedding(padding_idx=1, scale_grad_by_freq=True),
           [S(np.array([[3, 1, 0], [2, 1, 1]]), _sgf_rng.standard_normal((5, 3)))]),
    OpInfo("nn.functional.embedding(scale_grad_by_freq: its gradient)",
           _scaled_gradient(lambda w: F.embedding(mg.tensor(_SGF_INDEX, device=w.device), w, 4,
                                                  scale_grad_by_freq=True)),
           [S(_sgf_rng.standard_normal((3, 3, 3)))]),
    OpInfo("nn.functional.embedding_bag(scale_grad_by_freq: its gradient)",
           _scaled_gradient(lambda w, *p: F.embedding_bag(
               mg.tensor(_SGF_INDEX.reshape(-1), device=w.device), w,
               mg.tensor(np.array([0, 2, 2, 5]), device=w.device), scale_grad_by_freq=True,
               mode="sum" if p else "mean", per_sample_weights=p[0] if p else None, padding_idx=0)),
           [S(_sgf_rng.standard_normal((4, 3))), S(_sgf_rng.standard_normal((4, 3)), _sgf_rng.standard_normal(9))]),
]
