"""MultiplicativeLR and ConstantLR against PyTorch's, alone and inside SequentialLR and ChainedScheduler.

Each run records every group's lr before each of its epochs (and after the last ``step``), in minigrad and
in torch 2.13 with the same optimizer; the sequences agree within 1e-12, and MultiplicativeLR's (the same
products, in the same order) exactly.
"""
import math
import re
import warnings

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import optim
from minigrad.optim import lr_scheduler as S

LRS = (0.1, 0.3, 0.05)


def _lr_rows(optimizer, scheduler, epochs):
    seen = []
    for _ in range(epochs):
        seen.append([g["lr"] for g in optimizer.param_groups])
        optimizer.step()
        scheduler.step()
    seen.append([g["lr"] for g in optimizer.param_groups])
    return np.array(seen, dtype=np.float64)


def _ours(make, lrs=LRS):
    optimizer = optim.SGD([{"params": [mg.tensor([1.0], requires_grad=True)], "lr": lr} for lr in lrs])
    return optimizer, make(S, optimizer)


def _both(make, epochs, lrs=LRS):
    """Our lrs and torch's under the schedule ``make(module, optimizer)``."""
    theirs = torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in lrs])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's reminders about the order of the step calls
        torch_rows = _lr_rows(theirs, make(torch.optim.lr_scheduler, theirs), epochs)
    return _lr_rows(*_ours(make, lrs), epochs), torch_rows


def _decay(k):
    return 0.9 + 0.01 * (k % 4)


CASES = {
    # alone
    "multiplicative-one-function": (lambda m, o: m.MultiplicativeLR(o, lambda k: 0.95), 40),
    "multiplicative-per-group": (lambda m, o: m.MultiplicativeLR(
        o, [lambda k: 0.9, lambda k: 1 - 0.01 * k, lambda k: 1.05 if k % 3 else 0.8]), 40),
    "constant-defaults": (lambda m, o: m.ConstantLR(o), 10),
    "constant-factor": (lambda m, o: m.ConstantLR(o, factor=0.1, total_iters=7), 12),
    "constant-factor-1": (lambda m, o: m.ConstantLR(o, factor=1.0, total_iters=2), 5),
    # SequentialLR: ConstantLR restarts from its base lr; MultiplicativeLR continues from the lr before its
    # milestone, times f(0) there (torch steps it with epoch=0)
    "sequential-constant-then-exponential": (lambda m, o: m.SequentialLR(
        o, [m.ConstantLR(o, factor=0.25, total_iters=3), m.ExponentialLR(o, 0.9)], milestones=[4]), 15),
    "sequential-exponential-then-constant": (lambda m, o: m.SequentialLR(
        o, [m.ExponentialLR(o, 0.8), m.ConstantLR(o, factor=0.5, total_iters=4)], milestones=[3]), 12),
    "sequential-linear-then-multiplicative": (lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.2, total_iters=4), m.MultiplicativeLR(o, lambda k: 0.5 + 0.4 * (k > 0))],
        milestones=[5]), 20),
    "sequential-multiplicative-then-cosine": (lambda m, o: m.SequentialLR(
        o, [m.MultiplicativeLR(o, _decay), m.CosineAnnealingLR(o, T_max=6)], milestones=[6]), 16),
    "sequential-three-with-both": (lambda m, o: m.SequentialLR(
        o, [m.ExponentialLR(o, 0.8), m.ConstantLR(o, 0.5, 4), m.MultiplicativeLR(o, [_decay, _decay, math.cos])],
        milestones=[3, 9]), 20),
    "sequential-multiplicative-twice": (lambda m, o: m.SequentialLR(
        o, [m.MultiplicativeLR(o, lambda k: 0.9), m.MultiplicativeLR(o, lambda k: 0.7 if k == 0 else 1.02)],
        milestones=[5]), 14),
    "sequential-milestone-at-0": (lambda m, o: m.SequentialLR(
        o, [m.ExponentialLR(o, 0.5), m.MultiplicativeLR(o, lambda k: 0.25 if k == 0 else 0.9)],
        milestones=[0]), 8),
    # ChainedScheduler: each multiplies the lr the ones before it set
    "chained-constant-then-exponential": (lambda m, o: m.ChainedScheduler(
        [m.ConstantLR(o, factor=0.1, total_iters=20), m.ExponentialLR(o, 0.9)]), 30),
    "chained-multiplicative-then-step": (lambda m, o: m.ChainedScheduler(
        [m.MultiplicativeLR(o, _decay), m.StepLR(o, 3, 0.5)]), 20),
    "chained-cosine-multiplicative-constant": (lambda m, o: m.ChainedScheduler(
        [m.CosineAnnealingLR(o, T_max=8), m.MultiplicativeLR(o, lambda k: 0.97), m.ConstantLR(o, 0.5, 5)]), 20),
    "chained-constant-then-linear": (lambda m, o: m.ChainedScheduler(
        [m.ConstantLR(o), m.LinearLR(o, start_factor=0.5, end_factor=1.0, total_iters=8)]), 12),
}


@pytest.mark.parametrize("name", list(CASES))
def test_lrs_match_torch_at_every_epoch_for_every_group(name):
    make, epochs = CASES[name]
    ours, theirs = _both(make, epochs)
    assert ours.shape == theirs.shape == (epochs + 1, len(LRS))
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)
    if name != "constant-factor-1":   # factor 1 leaves the lr alone
        assert len(np.unique(ours[:, 0])) >= 2, "the case should move the lr"


@pytest.mark.parametrize("name", ["multiplicative-one-function", "multiplicative-per-group",
                                  "sequential-multiplicative-twice", "chained-constant-then-exponential"])
def test_products_in_torchs_order_are_torchs_to_the_last_bit(name):
    make, epochs = CASES[name]
    ours, theirs = _both(make, epochs)
    np.testing.assert_array_equal(ours, theirs)


def test_constant_lr_values():
    optimizer, scheduler = _ours(lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=3), lrs=(0.2,))
    rows = _lr_rows(optimizer, scheduler, 5)[:, 0]
    np.testing.assert_array_equal(rows, [0.1, 0.1, 0.1, 0.2, 0.2, 0.2])   # lr_0 * 0.5 for k < 3, then lr_0


def test_multiplicative_lr_values_and_f0_unused_alone():
    calls = []

    def f(k):
        calls.append(k)
        return 0.5 if k else 1e9   # f(0) must not be used by the schedule alone

    optimizer, scheduler = _ours(lambda m, o: m.MultiplicativeLR(o, f), lrs=(1.0,))
    rows = _lr_rows(optimizer, scheduler, 4)[:, 0]
    np.testing.assert_array_equal(rows, [1.0, 0.5, 0.25, 0.125, 0.0625])
    assert calls == [1, 2, 3, 4]   # each factor asked for once, in order, as torch does


# ---------------------------------------------------------------- checkpoints
RESUMABLE = {
    "multiplicative": lambda m, o: m.MultiplicativeLR(o, [lambda k: 0.9, _decay, lambda k: 1.01]),
    "constant": lambda m, o: m.ConstantLR(o, factor=0.2, total_iters=5),
    "sequential-constant-multiplicative": CASES["sequential-three-with-both"][0],
    "sequential-multiplicative-first": CASES["sequential-multiplicative-then-cosine"][0],
    "chained": CASES["chained-cosine-multiplicative-constant"][0],
}


@pytest.mark.parametrize("optimizer_first", [False, True], ids=["schedule-built-first", "pytorch-order"])
@pytest.mark.parametrize("cut", [2, 4, 7])
@pytest.mark.parametrize("name", list(RESUMABLE))
def test_a_run_resumed_from_a_file_continues_bit_identically(name, cut, optimizer_first, tmp_path):
    make = RESUMABLE[name]
    optimizer, scheduler = _ours(make)
    full = _lr_rows(optimizer, scheduler, 14)

    optimizer, scheduler = _ours(make)
    _lr_rows(optimizer, scheduler, cut - 1)   # cut epochs stepped in all
    saved = scheduler.state_dict()
    assert not any(callable(v) for v in saved.values())
    mg.save({"optimizer": optimizer.state_dict(), "scheduler": saved}, tmp_path / "ckpt.npz")

    checkpoint = mg.load(tmp_path / "ckpt.npz")
    resumed_optimizer = optim.SGD([{"params": [mg.tensor([1.0], requires_grad=True)], "lr": lr} for lr in LRS])
    if optimizer_first:   # PyTorch's usual order: the schedule is built on the loaded optimizer
        resumed_optimizer.load_state_dict(checkpoint["optimizer"])
        resumed = make(S, resumed_optimizer)
    else:
        resumed = make(S, resumed_optimizer)
        resumed_optimizer.load_state_dict(checkpoint["optimizer"])
    resumed.load_state_dict(checkpoint["scheduler"])
    assert resumed.last_epoch == cut - 1
    np.testing.assert_array_equal(_lr_rows(resumed_optimizer, resumed, 14 - cut + 1), full[cut - 1:])


def test_multiplicative_lr_resumes_from_the_saved_lrs_without_asking_the_past_factors():
    optimizer, scheduler = _ours(lambda m, o: m.MultiplicativeLR(o, lambda k: 0.5), lrs=(1.0,))
    for _ in range(3):
        scheduler.step()
    calls = []
    resumed_optimizer, resumed = _ours(lambda m, o: m.MultiplicativeLR(o, lambda k: calls.append(k) or 0.5),
                                       lrs=(1.0,))
    resumed.load_state_dict(scheduler.state_dict())
    assert resumed_optimizer.param_groups[0]["lr"] == 0.125
    resumed.step()
    assert calls == [4] and resumed_optimizer.param_groups[0]["lr"] == 0.0625


# ---------------------------------------------------------------- arguments
@pytest.mark.parametrize("make, message", [
    (lambda o: S.ConstantLR(o, factor=0), "ConstantLR: factor must be a number in (0, 1], got 0"),
    (lambda o: S.ConstantLR(o, factor=1.5), "ConstantLR: factor must be a number in (0, 1], got 1.5"),
    (lambda o: S.ConstantLR(o, factor=-0.1), "ConstantLR: factor must be a number in (0, 1], got -0.1"),
    (lambda o: S.ConstantLR(o, factor=float("nan")), "ConstantLR: factor must be a number in (0, 1], got nan"),
    (lambda o: S.ConstantLR(o, factor="0.5"), "ConstantLR: factor must be a number in (0, 1], got '0.5'"),
    (lambda o: S.ConstantLR(o, total_iters=0), "ConstantLR: total_iters must be a positive integer, got 0"),
    (lambda o: S.ConstantLR(o, total_iters=2.5), "ConstantLR: total_iters must be a positive integer, got 2.5"),
    (lambda o: S.ConstantLR(o, total_iters=True), "ConstantLR: total_iters must be a positive integer, got True"),
    (lambda o: S.ConstantLR(o, last_epoch=-2), "ConstantLR: last_epoch must be an integer >= -1, got -2"),
    (lambda o: S.MultiplicativeLR(o, [lambda k: 0.9] * 3), "MultiplicativeLR: expected 2 lr_lambdas, got 3"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_bad_arguments_are_refused_up_front_naming_the_value(make, message):
    optimizer = optim.SGD([{"params": [mg.tensor([1.0], requires_grad=True)], "lr": lr} for lr in (0.1, 0.2)])
    with pytest.raises(ValueError, match=re.escape(message)):
        make(optimizer)
    assert [g["lr"] for g in optimizer.param_groups] == [0.1, 0.2]


def test_a_factor_that_is_not_a_function_is_a_type_error():
    optimizer = optim.SGD([mg.tensor([1.0], requires_grad=True)], lr=0.1)
    with pytest.raises(TypeError, match=r"MultiplicativeLR: lr_lambda 0 should be a function of the epoch, "
                                        r"but got float 0.9"):
        S.MultiplicativeLR(optimizer, 0.9)
    with pytest.raises(TypeError, match="MultiplicativeLR: expected an optimizer, got list"):
        S.MultiplicativeLR([], lambda k: 0.9)
