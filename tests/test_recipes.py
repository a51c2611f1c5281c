"""The named building blocks of `minigrad train`: schedules, optimizers, the MLP."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import optim
from minigrad.recipes import OPTIMIZERS, SCHEDULES, ConfigError, build_mlp, build_optimizer, build_schedule

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
])
def test_schedules_follow_their_formula_per_step(name, formula):
    np.testing.assert_allclose(_lrs(name), [formula(k) for k in range(TOTAL)], rtol=1e-12, atol=1e-15)


def test_every_schedule_is_tested():
    assert set(SCHEDULES) == {"none", "cosine", "step", "linear", "exponential", "warmup-cosine"}


def test_unknown_names_and_bad_values_are_config_errors():
    p = mg.zeros(3, requires_grad=True)
    with pytest.raises(ConfigError, match="unknown optimizer 'adamm'"):
        build_optimizer("adamm", [p])
    with pytest.raises(ConfigError, match="unknown schedule 'cosin'"):
        build_schedule("cosin", optim.SGD([p], lr=0.1), total_steps=10)
    with pytest.raises(ConfigError, match="--lr must be positive"):
        build_optimizer("sgd", [p], lr=-1.0)
    with pytest.raises(ConfigError, match="--momentum must be in"):
        build_optimizer("sgd", [p], momentum=1.5)
    with pytest.raises(ConfigError, match="--dropout must be in"):
        build_mlp(784, (10,), 10, dropout=1.0)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_name_builds_its_class_with_the_default_lr(name):
    model = build_mlp(20, (3,), 4)
    opt = build_optimizer(name, model.parameters())
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
