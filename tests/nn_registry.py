"""Registry entries for every layer, functional and loss of ``minigrad.nn`` (read by tests/op_registry.py).

Layers are checked with their parameters as inputs: ``_bound(make_layer)`` builds
a float64 layer and swaps the checked input Tensors in for its parameters, in
``named_parameters()`` order, so gradcheck perturbs and differentiates them.
Integer arrays in a sample (class targets) become constant Tensors.
"""
from __future__ import annotations

import numpy as np

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F
from op_registry import OpInfo, S, away, distinct, rnd

F64 = np.float64
_rng = np.random.default_rng(4321)


def _bound(make_layer, mode="train"):
    """fn(x, *params) that runs a fresh ``make_layer()`` whose parameters are the given Tensors."""

    def fn(x, *params):
        layer = make_layer()
        layer.train(mode == "train")
        names = [name for name, _ in layer.named_parameters()]
        if len(names) != len(params):
            raise ValueError(f"{type(layer).__name__} has parameters {names}, sample gives {len(params)}")
        for name, value in zip(names, params):
            *path, attr = name.split(".")
            owner = layer
            for part in path:
                owner = owner[int(part)] if isinstance(owner, nn.Network) else getattr(owner, part)
            setattr(owner, attr, value)
        return layer(x)

    return fn


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

NN_OPS = [
    OpInfo("nn.Conv2d", _bound(lambda: nn.Conv2d(2, 3, 3, stride=2, padding=1, dtype=F64)),
           [S(rnd(2, 2, 5, 4), rnd(3, 2, 3, 3), rnd(3))]),
    OpInfo("nn.Conv2d(groups, bias=False)", _bound(lambda: nn.Conv2d(4, 2, (1, 2), groups=2, bias=False, dtype=F64)),
           [S(rnd(1, 4, 3, 3), rnd(2, 2, 1, 2))]),
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
           [S(rnd(4, 3), rnd(3, 2), rnd(2)), S(rnd(2, 4, 3), rnd(3, 2), rnd(2))]),
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
    ]),
    OpInfo("nn.CrossEntropyLoss", lambda x, t: nn.CrossEntropyLoss(label_smoothing=0.1)(x, t),
           [S(rnd(4, 3), _idx(2, 0, 1, 2))]),
    OpInfo("nn.functional.nll_loss", F.nll_loss, [
        S(rnd(5, 4), _idx(0, 3, 1, 1, 2)),
        S(rnd(5, 4), _idx(0, 3, 1, 1, 2), reduction="sum"),
        S(rnd(5, 4), _idx(0, -1, 1, 1, -1), reduction="none", ignore_index=-1),
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
    OpInfo("nn.functional.binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits, [
        S(rnd(3, 4) * 3, _unit(3, 4)), S(rnd(6), _unit(6), reduction="sum"),
        S(rnd(2, 2), _unit(2, 2), reduction="none"),
    ]),
    OpInfo("nn.BCEWithLogitsLoss", lambda x, t: nn.BCEWithLogitsLoss()(x, t), [S(rnd(4), _unit(4))]),
]
