"""Two former differences from torch 2.13's schedules, now checked against torch step by step.

* CyclicLR calls its ``scale_fn`` exactly as torch's does: once per param group for the lrs of a step and
  once more per group for the momentums (with ``cycle_momentum``); alone, in a ChainedScheduler and in a
  SequentialLR. (It used to evaluate it for the lrs and again for the momentums whatever the groups, and
  again when a ChainedScheduler replayed epoch 0.) The lrs and momentums are torch's to the bit.
* ExponentialLR and MultiplicativeLR built with ``last_epoch=e`` (to resume) keep the lr each group holds
  at epoch ``e + 1`` and multiply it from there, as torch's; the closed form from ``initial_lr`` is not used.
"""

import warnings

import numpy as np
import pytest
import torch

import minigrad as mg


@pytest.fixture(autouse=True)
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # torch's warnings about the order of step() calls
        yield


def _optimizer(lib, groups, **options):
    tensor = mg.tensor if lib is mg.optim else torch.tensor
    return lib.SGD([{"params": [tensor([1.0], requires_grad=True)], "lr": 0.1 * (i + 1)} for i in range(groups)],
                   lr=0.1, momentum=0.9, **options)


def _cyclic_run(lib, kind, groups, cycle_momentum, mode, steps=12):
    """The arguments ``scale_fn`` received at construction and at each step, and the lrs and momentums."""
    sched = mg.optim.lr_scheduler if lib is mg.optim else torch.optim.lr_scheduler
    calls = []

    def scale_fn(x):
        calls.append(x)
        return 0.8 ** x

    opt = _optimizer(lib, groups)
    cyclic = lambda: sched.CyclicLR(opt, 0.01, [0.1 * (i + 1) for i in range(groups)], step_size_up=3,
                                    step_size_down=2, scale_fn=scale_fn, scale_mode=mode,
                                    cycle_momentum=cycle_momentum)
    if kind == "plain":
        schedule = cyclic()
    elif kind == "chained":
        schedule = sched.ChainedScheduler([sched.ExponentialLR(opt, 0.9), cyclic()])
    else:
        schedule = sched.SequentialLR(opt, [sched.ExponentialLR(opt, 0.9), cyclic()], milestones=[3])
    history = [list(calls)]
    values = []
    for _ in range(steps):
        opt.step()
        before = len(calls)
        schedule.step()
        history.append(calls[before:])
        values.append([(g["lr"], g["momentum"]) for g in opt.param_groups])
    return history, values


@pytest.mark.parametrize("mode", ["cycle", "iterations"])
@pytest.mark.parametrize("cycle_momentum", [False, True])
@pytest.mark.parametrize("groups", [1, 2])
@pytest.mark.parametrize("kind", ["plain", "chained", "sequential"])
def test_cyclic_lr_calls_scale_fn_as_torch(kind, groups, cycle_momentum, mode):
    ours, our_values = _cyclic_run(mg.optim, kind, groups, cycle_momentum, mode)
    theirs, their_values = _cyclic_run(torch.optim, kind, groups, cycle_momentum, mode)
    assert ours == theirs
    per_step = groups * (2 if cycle_momentum else 1)
    assert all(len(step) == per_step for step in ours[-5:])   # once per group (and once more for the momentums)
    assert our_values == their_values                          # the lrs and momentums, to the bit


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
def test_cyclic_lr_modes_are_torchs_to_the_bit(mode):
    def run(lib):
        opt = _optimizer(lib, 2)
        sched = (mg.optim.lr_scheduler if lib is mg.optim else torch.optim.lr_scheduler).CyclicLR(
            opt, [0.01, 0.02], [0.1, 0.3], step_size_up=4, mode=mode, gamma=0.97)
        out = []
        for _ in range(40):
            opt.step()
            sched.step()
            out.append([(g["lr"], g["momentum"]) for g in opt.param_groups])
        return out

    assert run(mg.optim) == run(torch.optim)


def _resume_run(lib, kind, resume_at, lr_after_loading=None, steps=30):
    """``resume_at`` steps, a checkpoint of the optimizer, a new optimizer loading it and a schedule built with
    ``last_epoch``; the lrs and epochs of the resumed part (and of the uninterrupted run, for comparison)."""
    sched = mg.optim.lr_scheduler if lib is mg.optim else torch.optim.lr_scheduler

    def make(opt, last_epoch=-1):
        if kind == "exponential":
            return sched.ExponentialLR(opt, 0.93, last_epoch=last_epoch)
        return sched.MultiplicativeLR(opt, [lambda e: 0.9 + 0.01 * (e % 5), lambda e: 0.97], last_epoch=last_epoch)

    opt = _optimizer(lib, 2)
    schedule = make(opt)
    uninterrupted = []
    for k in range(resume_at + steps):
        if k == resume_at:
            checkpoint, last_epoch = opt.state_dict(), schedule.last_epoch
        uninterrupted.append([g["lr"] for g in opt.param_groups])
        opt.step()
        schedule.step()

    resumed_opt = _optimizer(lib, 2)
    resumed_opt.load_state_dict(checkpoint)
    if lr_after_loading is not None:
        for group in resumed_opt.param_groups:
            group["lr"] = lr_after_loading
    resumed = make(resumed_opt, last_epoch)
    lrs, epochs = [], []
    for _ in range(steps):
        lrs.append([g["lr"] for g in resumed_opt.param_groups])
        epochs.append(resumed.last_epoch)
        resumed_opt.step()
        resumed.step()
    return np.array(lrs), epochs, np.array(uninterrupted[resume_at:])


@pytest.mark.parametrize("lr_after_loading", [None, 0.05])
@pytest.mark.parametrize("kind", ["exponential", "multiplicative"])
def test_resuming_with_last_epoch_follows_torch(kind, lr_after_loading):
    ours, our_epochs, our_uninterrupted = _resume_run(mg.optim, kind, 7, lr_after_loading)
    theirs, their_epochs, _ = _resume_run(torch.optim, kind, 7, lr_after_loading)
    assert our_epochs == their_epochs == list(range(8, 38))
    if kind == "multiplicative":
        np.testing.assert_array_equal(ours, theirs)                     # the same products, in the same order
    else:
        np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=0)    # gamma^k here, k products in torch
    if lr_after_loading is None:
        # the group's lr is kept at the first resumed epoch: the optimizer sees the lrs of the run that was not
        # interrupted, one epoch number ahead (the closed form would have skipped an epoch's factor) ...
        constant = slice(None) if kind == "exponential" else slice(1, 2)
        np.testing.assert_allclose(ours[:, constant], our_uninterrupted[:, constant], rtol=1e-13, atol=0)
        if kind == "multiplicative":   # ... so a factor f(epoch) that varies is read one epoch late, as in torch
            assert not np.allclose(ours[:, 0], our_uninterrupted[:, 0])
    else:
        np.testing.assert_allclose(ours[0], [0.05, 0.05], rtol=0)


def test_a_resumed_schedule_saves_and_loads_its_starting_point():
    opt = _optimizer(mg.optim, 1)
    mg.optim.lr_scheduler.ExponentialLR(opt, 0.5)   # records initial_lr
    opt.param_groups[0]["lr"] = 0.02
    resumed = mg.optim.lr_scheduler.ExponentialLR(opt, 0.5, last_epoch=4)
    resumed.step()
    state = resumed.state_dict()
    other = _optimizer(mg.optim, 1)
    other.param_groups[0]["initial_lr"] = 0.1
    again = mg.optim.lr_scheduler.ExponentialLR(other, 0.5, last_epoch=4)
    again.load_state_dict(state)
    for _ in range(3):
        resumed.step()
        again.step()
        assert resumed.get_last_lr() == again.get_last_lr()
    assert resumed.get_last_lr() == [0.02 * 0.5 ** 4]
