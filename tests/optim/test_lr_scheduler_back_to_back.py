"""Schedules stepped back to back on one optimizer, and lrs changed between steps, against torch 2.13.

PyTorch's documentation chains schedules by stepping each of them every epoch (``s1.step(); s2.step()``), and
its schedules go on from the lr the groups hold, so a change made between steps (by another schedule, by a
ReduceLROnPlateau, by hand) is kept. Ours write their closed form; they used to overwrite such a change silently
(``ExponentialLR(0.9)`` then ``MultiStepLR([3, 8], 0.1)`` stepped together gave 0.1, 0.1, 0.1, 0.01, ...
where torch gives 0.1, 0.09, 0.081, 0.00729, ...). Each run records every group's lr before each epoch.
"""
import warnings

import numpy as np
import pytest
import torch
from torch.optim import swa_utils as torch_swa

import minigrad as mg
from minigrad import optim
from minigrad.optim import lr_scheduler as S
from minigrad.optim import swa_utils

LRS = (0.1, 0.03)


def _optimizer(lib):
    if lib == "torch":
        return torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in LRS])
    return optim.SGD([{"params": [mg.tensor([1.0], requires_grad=True)], "lr": lr} for lr in LRS])


def _run(lib, make, epochs, between=None):
    """The lrs before each epoch when ``make(module, optimizer)``'s schedules are all stepped every epoch;
    ``between(epoch, optimizer)`` runs after the optimizer's step, before the schedules'."""
    optimizer = _optimizer(lib)
    module = torch.optim.lr_scheduler if lib == "torch" else S
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's about a schedule's step before the optimizer's
        schedules = make(module, optimizer)
        seen = []
        for epoch in range(epochs):
            seen.append([g["lr"] for g in optimizer.param_groups])
            optimizer.step()
            if between is not None:
                between(epoch, optimizer)
            for schedule in schedules:
                schedule.step()
    seen.append([g["lr"] for g in optimizer.param_groups])
    return np.array(seen)


def _agree(make, epochs=16, between=None):
    ours, theirs = _run("mg", make, epochs, between), _run("torch", make, epochs, between)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)
    return ours


BACK_TO_BACK = {
    "exponential+multistep": lambda M, o: [M.ExponentialLR(o, 0.9), M.MultiStepLR(o, [3, 8], 0.1)],
    "linear+step": lambda M, o: [M.LinearLR(o, 0.2, total_iters=4), M.StepLR(o, 3, 0.5)],
    "constant+exponential": lambda M, o: [M.ConstantLR(o, 0.5, total_iters=3), M.ExponentialLR(o, 0.9)],
    "step+cosine": lambda M, o: [M.StepLR(o, 5, 0.5), M.CosineAnnealingLR(o, 6, eta_min=0.001)],
    "lambda+polynomial": lambda M, o: [M.LambdaLR(o, lambda k: 0.95 ** k), M.PolynomialLR(o, 10, 2.0)],
    "multiplicative+linear": lambda M, o: [M.MultiplicativeLR(o, lambda k: 0.97), M.LinearLR(o, 0.5, total_iters=5)],
    "constant+chained": lambda M, o: [M.ConstantLR(o, 0.5, total_iters=4),
                                      M.ChainedScheduler([M.StepLR(o, 4, 0.5), M.ExponentialLR(o, 0.95)])],
}


@pytest.mark.parametrize("name", sorted(BACK_TO_BACK))
def test_schedules_stepped_back_to_back_compose_as_in_torch(name):
    lrs = _agree(BACK_TO_BACK[name])
    assert not np.allclose(lrs, _run("mg", lambda M, o: BACK_TO_BACK[name](M, o)[-1:], 16))  # both count


def _halve_at_5(epoch, optimizer):
    if epoch == 5:
        for group in optimizer.param_groups:
            group["lr"] *= 0.5


@pytest.mark.parametrize("make", [
    lambda M, o: [M.StepLR(o, 3, 0.5)],
    lambda M, o: [M.ExponentialLR(o, 0.9)],
    lambda M, o: [M.CosineAnnealingLR(o, 10)],
    lambda M, o: [M.LinearLR(o, 0.25, total_iters=8)],
], ids=["StepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR"])
def test_an_lr_set_by_hand_between_steps_is_kept_as_in_torch(make):
    lrs = _agree(make, between=_halve_at_5)
    assert not np.allclose(lrs, _run("mg", make, 16))


class _FlatMetric:
    """Steps a ReduceLROnPlateau as the other schedules are stepped, with a metric that never improves."""

    def __init__(self, plateau):
        self.plateau = plateau

    def step(self):
        self.plateau.step(1.0)


def test_reduce_lr_on_plateaus_cuts_survive_a_schedule_stepped_with_it():
    def make(M, o):
        return [M.StepLR(o, 4, 0.5), _FlatMetric(M.ReduceLROnPlateau(o, patience=1, factor=0.3))]

    lrs = _agree(make)
    assert lrs[-1, 0] < 0.1 * 0.5 ** 4  # the plateau's cuts are in


@pytest.mark.parametrize("make_sequence", [
    lambda M, o: M.SequentialLR(o, [M.LinearLR(o, 0.2, total_iters=4), M.StepLR(o, 3, 0.5)], milestones=[4]),
    lambda M, o: M.SequentialLR(o, [M.ExponentialLR(o, 0.9), M.CosineAnnealingLR(o, 6)], milestones=[5]),
], ids=["warmup-step", "exponential-cosine"])
def test_a_sequence_stepped_with_reduce_lr_on_plateau_restarts_at_its_milestones_as_in_torch(make_sequence):
    def make(M, o):
        return [make_sequence(M, o), _FlatMetric(M.ReduceLROnPlateau(o, patience=1, factor=0.5))]

    _agree(make)


def test_swalr_built_up_front_anneals_from_the_lr_the_first_schedule_reached():
    # torch's SWA recipe: both built at the start; the cosine schedule steps until swa_start, then SWALR
    def run(lib):
        optimizer = _optimizer(lib)
        module, swa = (torch.optim.lr_scheduler, torch_swa) if lib == "torch" else (S, swa_utils)
        cosine = module.CosineAnnealingLR(optimizer, T_max=20)
        swalr = swa.SWALR(optimizer, swa_lr=0.05, anneal_epochs=4)
        seen = []
        for epoch in range(14):
            optimizer.step()
            (swalr if epoch >= 8 else cosine).step()
            seen.append([g["lr"] for g in optimizer.param_groups])
        return np.array(seen)

    ours = run("mg")
    np.testing.assert_allclose(ours, run("torch"), rtol=1e-12, atol=0)
    assert ours[-1].tolist() == [0.05, 0.05]


@pytest.mark.parametrize("make", [
    lambda M, o: [M.LinearLR(o, 0.2, total_iters=4), M.CosineAnnealingLR(o, 12)],
    lambda M, o: [M.CosineAnnealingLR(o, 12), M.CyclicLR(o, 0.01, 0.1, step_size_up=3)],
    lambda M, o: [M.ExponentialLR(o, 0.9), M.OneCycleLR(o, 0.1, total_steps=20)],
], ids=["linear-then-cosine", "cosine-then-cyclic", "exponential-then-onecycle"])
def test_the_second_of_two_schedules_built_up_front_takes_over_as_in_torch(make):
    # both built at the start, the first stepped for 4 epochs, then the second (as in torch's SWA recipe); torch's
    # CyclicLR, built on groups that hold an initial_lr, leaves their lrs there until its first step
    def run(lib):
        optimizer = _optimizer(lib)
        module = torch.optim.lr_scheduler if lib == "torch" else S
        first, second = make(module, optimizer)
        seen = [[g["lr"] for g in optimizer.param_groups]]
        for epoch in range(14):
            optimizer.step()
            (first if epoch < 4 else second).step()
            seen.append([g["lr"] for g in optimizer.param_groups])
        return np.array(seen)

    np.testing.assert_allclose(run("mg"), run("torch"), rtol=1e-12, atol=0)


@pytest.mark.parametrize("pattern", ["back-to-back", "switch"])
def test_several_schedules_resume_from_their_states_as_in_torch(pattern):
    # a checkpoint after epoch 8 is loaded into a fresh optimizer and fresh schedules, in torch's order
    # (optimizer, then each schedule); the lrs go on as without the interruption, and as torch's (loading a
    # schedule's state wrote its last lrs into the groups, the stale ones of a schedule not stepped yet)
    def make(M, o):
        return [M.ExponentialLR(o, 0.9),
                M.SequentialLR(o, [M.LinearLR(o, 0.3, total_iters=3), M.ExponentialLR(o, 0.8)], milestones=[3]),
                M.LinearLR(o, 0.5, total_iters=3)]  # not stepped yet at the checkpoint when switched to in turn

    def run(lib, resume):
        module = torch.optim.lr_scheduler if lib == "torch" else S
        optimizer = _optimizer(lib)
        schedules = make(module, optimizer)
        seen = []
        for epoch in range(16):
            optimizer.step()
            for i, schedule in enumerate(schedules):
                if pattern == "back-to-back" or i == min(epoch // 5, 2):
                    schedule.step()
            seen.append([g["lr"] for g in optimizer.param_groups])
            if resume and epoch == 8:
                states = optimizer.state_dict(), [s.state_dict() for s in schedules]
                optimizer = _optimizer(lib)
                schedules = make(module, optimizer)
                optimizer.load_state_dict(states[0])
                for schedule, state in zip(schedules, states[1]):
                    schedule.load_state_dict(state)
        return np.array(seen)

    ours = run("mg", resume=True)
    np.testing.assert_allclose(ours, run("mg", resume=False), rtol=1e-12, atol=0)
    np.testing.assert_allclose(ours, run("torch", resume=True), rtol=1e-12, atol=0)
