"""The named building blocks of `minigrad train` (schedules, optimizers, the MLP) and the one check of its options."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import optim
from minigrad.train.config import OPTIMIZERS, SCHEDULES, ConfigError, TrainConfig
from minigrad.train.recipes import build_mlp, build_optimizer, build_schedule

LR0 = 0.5
TOTAL = 30


def _lrs(name):
    p = mg.zeros(3, requires_grad=True)
    opt = optim.SGD([p], lr=LR0)
    schedule = build_schedule(name, opt, total_steps=TOTAL)
    lrs = []
    for _ in range(TOTAL):
        lrs.append(opt.param_groups[0]["lr"])
        if schedule is not None:
            schedule.step()
    return lrs


@pytest.mark.parametrize("name, formula", [
    ("none", lambda k: LR0),
    ("cosine", lambda k: LR0 * (1 + math.cos(math.pi * k / TOTAL)) / 2),
    ("step", lambda k: LR0 * 0.1 ** (k // 10)),
    ("linear", lambda k: LR0 * (1 - k / TOTAL)),
    ("exponential", lambda k: LR0 * 0.01 ** (k / TOTAL)),
    ("warmup-cosine", lambda k: LR0 * (0.1 + 0.9 * k / 3) if k < 3
     else LR0 * (1 + math.cos(math.pi * (k - 3) / (TOTAL - 3))) / 2),
    # up from LR0/25 to LR0 at step 0.3 * 30 - 1 = 8, then down to LR0/25/1e4 at step 29
    ("onecycle", lambda k: LR0 + (LR0 / 25 - LR0) * (1 + math.cos(math.pi * k / 8)) / 2 if k <= 8
     else LR0 / 25e4 + (LR0 - LR0 / 25e4) * (1 + math.cos(math.pi * (k - 8) / 21)) / 2),
])
def test_schedules_follow_their_formula_per_step(name, formula):
    np.testing.assert_allclose(_lrs(name), [formula(k) for k in range(TOTAL)], rtol=1e-12, atol=1e-15)


def test_every_schedule_is_tested():
    assert set(SCHEDULES) == {"none", "cosine", "step", "linear", "exponential", "warmup-cosine", "onecycle"}


@pytest.mark.parametrize("name, momentum, cycled", [
    ("sgd", 0.9, "momentum"), ("rmsprop", 0.5, "momentum"), ("adam", None, "betas"), ("nadam", None, "betas"),
    ("sgd", 0.0, None), ("rmsprop", None, None), ("adagrad", None, None), ("lbfgs", None, None),
])
def test_onecycle_cycles_the_momentum_only_where_the_optimizer_uses_one(name, momentum, cycled):
    config = TrainConfig(optimizer=name, momentum=momentum).resolved()
    opt = build_optimizer(config, build_mlp(4, (3,), 2).parameters())
    before = {key: opt.param_groups[0].get(key) for key in ("momentum", "betas")}
    schedule = build_schedule("onecycle", opt, total_steps=20)
    assert schedule.cycle_momentum == (cycled is not None)
    assert opt.param_groups[0]["lr"] == pytest.approx(config.lr / 25, rel=1e-15)
    for _ in range(6):
        schedule.step()
    group = opt.param_groups[0]
    if cycled == "momentum":
        assert 0.85 < group["momentum"] < 0.95           # on its way down while the lr climbs
    elif cycled == "betas":
        assert 0.85 < group["betas"][0] < 0.95 and group["betas"][1] == before["betas"][1]
    else:
        assert {key: group.get(key) for key in before} == before


@pytest.mark.parametrize("options, message", [
    ({"optimizer": "adamm"}, "--optimizer: unknown optimizer 'adamm'"),
    ({"schedule": "cosin"}, "--schedule: unknown schedule 'cosin'"),
    ({"dataset": "cifar"}, "--dataset: unknown dataset 'cifar'"),
    ({"lr": -1.0}, "--lr must be a positive number, got -1.0"),
    ({"lr": float("inf")}, "--lr must be a positive number, got inf"),
    ({"optimizer": "sgd", "momentum": 1.5}, "--momentum must be in [0, 1), got 1.5"),
    ({"optimizer": "adam", "momentum": 0.5}, "optimizer 'adam' has no momentum option"),
    ({"weight_decay": -1.0}, "--weight-decay must be >= 0, got -1.0"),
    ({"optimizer": "lbfgs", "weight_decay": 0.1}, "optimizer 'lbfgs' has no weight decay option"),
    ({"dropout": 1.0}, "--dropout must be in [0, 1), got 1.0"),
    ({"epochs": 0}, "--epochs must be a positive integer, got 0"),
    ({"limit_train": 0}, "--limit-train must be a positive integer, got 0"),
    ({"seed": -1}, "--seed must be a non-negative integer, got -1"),
    ({"hidden": (10, 0)}, "--hidden: layer widths must be positive integers, got [10, 0]"),
    ({"device": "tpu"}, "--device tpu"),
])
def test_bad_options_are_config_errors_from_resolved(options, message):
    with pytest.raises(ConfigError) as info:
        TrainConfig(**options).resolved()
    assert message in str(info.value)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_resolved_fills_in_the_default_lr_and_momentum_once(name):
    config = TrainConfig(optimizer=name).resolved()
    assert config.lr == OPTIMIZERS[name].lr
    assert config.momentum == OPTIMIZERS[name].momentum
    # An explicit value equal to the default is the same run: the checkpoint's options agree.
    explicit = TrainConfig(optimizer=name, lr=OPTIMIZERS[name].lr).resolved()
    assert explicit.trajectory() == config.trajectory()


def test_every_optimizer_has_a_name_but_rprop_asgd_adafactor_and_muon():
    # Rprop needs full-batch gradients and ASGD's averaging would stay unused (see config.OPTIMIZERS); Muon takes
    # only 2-D parameters (an MLP's biases are 1-D) and Adafactor has no training recipe yet
    classes = {name for name, value in vars(optim).items()
               if isinstance(value, type) and issubclass(value, optim.Optimizer) and value is not optim.Optimizer}
    named = {spec.class_name for spec in OPTIMIZERS.values()}
    assert named <= classes
    assert classes - named == {"Rprop", "ASGD", "Adafactor", "Muon"}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_name_builds_its_class_with_the_default_lr(name):
    model = build_mlp(20, (3,), 4)
    opt = build_optimizer(TrainConfig(optimizer=name).resolved(), model.parameters())
    assert type(opt).__name__ == OPTIMIZERS[name].class_name
    assert opt.param_groups[0]["lr"] == OPTIMIZERS[name].lr
    if OPTIMIZERS[name].momentum is not None:
        assert opt.param_groups[0]["momentum"] == OPTIMIZERS[name].momentum


def test_mlp_layout_and_parameter_count():
    model = build_mlp(784, (1000, 50), 10, dropout=0.2)
    kinds = [type(layer).__name__ for layer in model]
    assert kinds == ["Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout", "Linear"]
    assert model.num_parameters() == 784 * 1000 + 1000 + 1000 * 50 + 50 + 50 * 10 + 10
    assert [type(layer).__name__ for layer in build_mlp(784, (), 10)] == ["Linear"]
