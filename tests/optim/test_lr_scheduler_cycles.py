"""OneCycleLR, CyclicLR, CosineAnnealingWarmRestarts and PolynomialLR against PyTorch's, step by step.

Each run trains one parameter per group with real optimizer steps and records every group's lr and,
where it is cycled, its momentum (SGD) or beta1 (Adam); the sequences equal torch's within 1e-12.
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

LRS = (0.1, 0.3)


def _optimizers(kind, lrs=LRS):
    """The same optimizer in minigrad and torch, one single-parameter group per lr."""
    ours = [mg.tensor([1.0, -2.0], dtype=np.float64, requires_grad=True) for _ in lrs]
    theirs = [torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True) for _ in lrs]
    cls, options = {"sgd": ("SGD", {"momentum": 0.9}), "adam": ("Adam", {}), "adagrad": ("Adagrad", {}),
                    "rmsprop": ("RMSprop", {"momentum": 0.5})}[kind]
    return (getattr(optim, cls)([{"params": [p], "lr": lr} for p, lr in zip(ours, lrs)], **options),
            getattr(torch.optim, cls)([{"params": [p], "lr": lr} for p, lr in zip(theirs, lrs)], **options))


def _momentum(group):
    if "betas" in group:
        return group["betas"][0]
    return group.get("momentum", math.nan)


def _record(optimizer):
    return [g["lr"] for g in optimizer.param_groups] + [_momentum(g) for g in optimizer.param_groups]


def _run(scheduler, optimizer, steps, grad):
    """The lrs and momentums (one row per step, lrs first) before each of ``steps`` optimizer steps,
    and after the last ``scheduler.step()``."""
    seen = []
    for _ in range(steps):
        seen.append(_record(optimizer))
        for group in optimizer.param_groups:
            for p in group["params"]:
                p.grad = grad(p)
        optimizer.step()
        scheduler.step()
    seen.append(_record(optimizer))
    return np.array(seen, dtype=np.float64)


def _both(make, kind, steps, lrs=LRS):
    """Our run and torch's of the schedule ``make(module, optimizer)``."""
    ours, theirs = _optimizers(kind, lrs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's reminders about the order of the step calls
        torch_seq = _run(make(torch.optim.lr_scheduler, theirs), theirs, steps,
                         lambda p: torch.ones_like(p))
    our_seq = _run(make(S, ours), ours, steps, lambda p: mg.tensor(np.ones(p.shape), dtype=np.float64))
    return our_seq, torch_seq


def _assert_same(ours, theirs):
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    assert np.nanmax(np.abs(ours - theirs)) <= 1e-12, np.nanmax(np.abs(ours - theirs))


CASES = {
    # OneCycleLR: both phases and the final step (the 26th value is after step 25 = total_steps)
    "onecycle-sgd-cos": ("sgd", 25, lambda m, o: m.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=25)),
    "onecycle-adam-three-phase-linear": (
        "adam", 20, lambda m, o: m.OneCycleLR(o, max_lr=0.01, epochs=4, steps_per_epoch=5, pct_start=0.25,
                                              anneal_strategy="linear", three_phase=True, div_factor=10.0,
                                              final_div_factor=100.0, base_momentum=[0.8, 0.85],
                                              max_momentum=0.9)),
    "onecycle-sgd-three-phase-cos": ("sgd", 30, lambda m, o: m.OneCycleLR(o, max_lr=2.0, total_steps=30,
                                                                         pct_start=0.4, three_phase=True)),
    "onecycle-pct-start-0": ("adam", 12, lambda m, o: m.OneCycleLR(o, max_lr=0.1, total_steps=12, pct_start=0.0)),
    "onecycle-rmsprop-momentum": ("rmsprop", 15, lambda m, o: m.OneCycleLR(o, max_lr=0.05, total_steps=15)),
    "onecycle-adagrad-no-momentum": ("adagrad", 10, lambda m, o: m.OneCycleLR(o, max_lr=0.2, total_steps=10,
                                                                            cycle_momentum=False)),
    # CyclicLR: three cycles or more of each mode, uneven up and down halves
    "cyclic-sgd-triangular": ("sgd", 30, lambda m, o: m.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1,
                                                                step_size_up=3, step_size_down=5)),
    "cyclic-adam-triangular2": ("adam", 34, lambda m, o: m.CyclicLR(o, base_lr=0.001, max_lr=[0.01, 0.02],
                                                                   step_size_up=4, mode="triangular2",
                                                                   base_momentum=0.85, max_momentum=0.95)),
    "cyclic-sgd-exp-range": ("sgd", 25, lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=2, step_size_down=3,
                                                               mode="exp_range", gamma=0.95,
                                                               base_momentum=[0.7, 0.8], max_momentum=[0.9, 0.95])),
    "cyclic-scale-fn-cycle": ("sgd", 24, lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=3,
                                                                scale_fn=lambda x: 1 / x, scale_mode="cycle")),
    "cyclic-scale-fn-iterations": ("adam", 24, lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=3,
                                                                      scale_fn=lambda x: 0.9 ** x,
                                                                      scale_mode="iterations")),
    "cyclic-adagrad-no-momentum": ("adagrad", 12, lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=2,
                                                                         cycle_momentum=False)),
    # CosineAnnealingWarmRestarts: several restarts, growing periods (restarts at 2, 8, 26)
    "warm-restarts-t-mult-1": ("sgd", 13, lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, eta_min=0.01)),
    "warm-restarts-t-mult-3": ("adam", 30, lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=3)),
    "warm-restarts-defaults": ("sgd", 12, lambda m, o: m.CosineAnnealingWarmRestarts(o, 5)),
    # PolynomialLR: to 0 and past it
    "polynomial-defaults": ("sgd", 8, lambda m, o: m.PolynomialLR(o)),
    "polynomial-sqrt": ("adam", 9, lambda m, o: m.PolynomialLR(o, total_iters=6, power=0.5)),
    "polynomial-power-2.5": ("sgd", 12, lambda m, o: m.PolynomialLR(o, total_iters=10, power=2.5)),
    # Inside SequentialLR and ChainedScheduler, which step them in PyTorch, they cycle the momentum too
    "sequential-warmup-then-cyclic": ("sgd", 14, lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, 0.5, total_iters=3), m.CyclicLR(o, 0.01, 0.1, step_size_up=2, base_momentum=0.7)],
        milestones=[3])),
    "sequential-onecycle-then-cyclic": ("rmsprop", 16, lambda m, o: m.SequentialLR(
        o, [m.OneCycleLR(o, max_lr=0.2, total_steps=8),  # the same momentums: PyTorch's share the groups' keys
            m.CyclicLR(o, 0.01, 0.1, step_size_up=3, base_momentum=0.85, max_momentum=0.95)], milestones=[8])),
    "chained-cyclic-then-exponential": ("sgd", 12, lambda m, o: m.ChainedScheduler(
        [m.CyclicLR(o, 0.01, 0.1, step_size_up=2), m.ExponentialLR(o, 0.9)])),
    "chained-exponential-then-onecycle": ("adam", 13, lambda m, o: m.ChainedScheduler(
        [m.ExponentialLR(o, 0.9), m.OneCycleLR(o, max_lr=1.0, total_steps=13)])),
}


@pytest.mark.parametrize("name", list(CASES))
def test_lr_and_momentum_sequences_equal_torchs(name):
    kind, steps, make = CASES[name]
    ours, theirs = _both(make, kind, steps)
    _assert_same(ours, theirs)
    assert len(np.unique(np.round(ours[:, 0], 12))) >= 3  # the lr does move


def test_the_phases_reach_their_ends():
    ours, _ = _both(CASES["onecycle-sgd-cos"][2], "sgd", 25)
    # max_lr 1.0: from 1/25 up to 1 at step 0.3 * 25 - 1 = 6.5 (between steps), down to 1/25/1e4 at step 24
    assert ours[0, 0] == pytest.approx(0.04, abs=1e-15) and ours[0, 2] == pytest.approx(0.95, abs=1e-15)
    assert ours[:, 0].max() > 0.98 and ours[:, 2].min() < 0.86
    assert ours[24, 0] == pytest.approx(4e-6, abs=1e-15) and ours[24, 2] == pytest.approx(0.95, abs=1e-15)
    ours, _ = _both(CASES["cyclic-sgd-triangular"][2], "sgd", 30)
    # one cycle is 8 steps: lr at max_lr on steps 3, 11, 19, 27 and base_lr on 0, 8, 16, 24; momentum mirrored
    np.testing.assert_allclose(ours[[3, 11, 19, 27], 0], 0.1, rtol=1e-12)
    np.testing.assert_allclose(ours[[0, 8, 16, 24], :2], [[0.01, 0.02]] * 4, rtol=1e-12)
    np.testing.assert_allclose(ours[[3, 11], 2], 0.8, rtol=1e-12)
    ours, _ = _both(CASES["warm-restarts-t-mult-3"][2], "adam", 30)
    restarts = [k for k in range(1, 31) if ours[k, 0] > ours[k - 1, 0]]
    assert restarts == [2, 8, 26]


def test_one_cycle_refuses_the_step_past_total_steps_like_torch():
    ours, theirs = _optimizers("sgd")
    scheduler = S.OneCycleLR(ours, max_lr=1.0, total_steps=4)
    torch_scheduler = torch.optim.lr_scheduler.OneCycleLR(theirs, max_lr=1.0, total_steps=4)
    for _ in range(4):
        ours.step()
        theirs.step()
        scheduler.step()
        torch_scheduler.step()
    before = _record(ours)
    with pytest.raises(ValueError, match=r"^OneCycleLR: tried to step 5 times, but total_steps is 4 "):
        scheduler.step()
    with pytest.raises(ValueError, match="Tried to step 5 times. The specified number of total steps is 4"):
        torch_scheduler.step()
    assert scheduler.last_epoch == 4 and _record(ours) == before  # nothing changed


def test_one_cycle_refuses_an_empty_first_phase_that_torch_divides_by_zero_on():
    with pytest.raises(ZeroDivisionError):
        torch.optim.lr_scheduler.OneCycleLR(_optimizers("sgd")[1], max_lr=1.0, total_steps=10, pct_start=0.1)
    with pytest.raises(ValueError, match=re.escape("OneCycleLR: phase 1 of the schedule is empty (it starts and "
                                                   "ends at step 0.0, with pct_start=0.1 and total_steps=10)")):
        S.OneCycleLR(_optimizers("sgd")[0], max_lr=1.0, total_steps=10, pct_start=0.1)


def test_an_sgd_without_momentum_gets_the_cycled_momentum_as_in_torch():
    p = mg.tensor([1.0], requires_grad=True)
    optimizer = optim.SGD([p], lr=0.1)
    S.OneCycleLR(optimizer, max_lr=1.0, total_steps=10)
    assert optimizer.param_groups[0]["momentum"] == 0.95
    optimizer = optim.Adam([p], betas=(0.9, 0.99))
    S.CyclicLR(optimizer, 0.01, 0.1, step_size_up=2)
    assert optimizer.param_groups[0]["betas"] == (0.9, 0.99)  # beta1 = max_momentum = 0.9, beta2 kept
    S.CyclicLR(optimizer, 0.01, 0.1, step_size_up=2, max_momentum=0.8)
    assert optimizer.param_groups[0]["betas"] == (0.8, 0.99)


ROUND_TRIP = {
    "onecycle-sgd": ("sgd", lambda o: S.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=15)),
    "onecycle-adam-three-phase": ("adam", lambda o: S.OneCycleLR(o, max_lr=0.01, epochs=3, steps_per_epoch=5,
                                                                 three_phase=True, anneal_strategy="linear")),
    "cyclic-sgd-exp-range": ("sgd", lambda o: S.CyclicLR(o, 0.01, [0.1, 0.2], step_size_up=2, mode="exp_range",
                                                         gamma=0.9)),
    "cyclic-adam-triangular2": ("adam", lambda o: S.CyclicLR(o, 0.001, 0.01, step_size_up=3, step_size_down=2,
                                                             mode="triangular2")),
    "warm-restarts": ("sgd", lambda o: S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=2, eta_min=0.001)),
    "polynomial": ("adam", lambda o: S.PolynomialLR(o, total_iters=10, power=2.0)),
    # saved while the first schedule is in charge: the second's own momentum must not come back with its state
    "sequential-cyclic-then-cyclic": ("sgd", lambda o: S.SequentialLR(
        o, [S.CyclicLR(o, 0.01, 0.1, step_size_up=3), S.CyclicLR(o, 0.02, 0.2, step_size_up=2, max_momentum=0.97)],
        milestones=[10])),
}


def _ones(p):
    return mg.tensor(np.ones(p.shape), dtype=np.float64)


@pytest.mark.parametrize("optimizer_first", [False, True], ids=["schedule-built-first", "pytorch-order"])
@pytest.mark.parametrize("name", list(ROUND_TRIP))
def test_a_run_resumed_mid_cycle_from_a_file_equals_the_uninterrupted_run(name, optimizer_first, tmp_path):
    kind, make = ROUND_TRIP[name]
    optimizer = _optimizers(kind)[0]
    scheduler = make(optimizer)
    _run(scheduler, optimizer, 7, _ones)
    mg.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}, tmp_path / "ckpt.npz")
    params = [g["params"][0].numpy().copy() for g in optimizer.param_groups]
    expected = _run(scheduler, optimizer, 8, _ones)
    expected_params = [g["params"][0].numpy() for g in optimizer.param_groups]

    checkpoint = mg.load(tmp_path / "ckpt.npz")
    resumed_optimizer = _optimizers(kind)[0]
    for group, value in zip(resumed_optimizer.param_groups, params):
        group["params"][0].data[...] = value
    if optimizer_first:  # PyTorch's order: the schedule is built on the loaded optimizer
        resumed_optimizer.load_state_dict(checkpoint["optimizer"])
        resumed = make(resumed_optimizer)
    else:
        resumed = make(resumed_optimizer)
        resumed_optimizer.load_state_dict(checkpoint["optimizer"])
    resumed.load_state_dict(checkpoint["scheduler"])
    assert resumed.last_epoch == 7
    np.testing.assert_array_equal(_run(resumed, resumed_optimizer, 8, _ones), expected)
    for group, value in zip(resumed_optimizer.param_groups, expected_params):
        np.testing.assert_array_equal(group["params"][0].numpy(), value)  # the momentums took effect alike


def test_a_scale_fn_is_not_saved_and_must_be_given_again(tmp_path):
    def halving(cycle):
        return 0.5 ** cycle

    optimizer = _optimizers("sgd")[0]
    scheduler = S.CyclicLR(optimizer, 0.01, 0.1, step_size_up=2, scale_fn=halving)
    _run(scheduler, optimizer, 5, _ones)
    assert all(value is not halving for value in scheduler.state_dict().values())
    mg.save(scheduler.state_dict(), tmp_path / "schedule.npz")  # plain data only: a function would be refused
    state = mg.load(tmp_path / "schedule.npz")
    expected = _run(scheduler, optimizer, 6, _ones)

    resumed_optimizer = _optimizers("sgd")[0]
    resumed = S.CyclicLR(resumed_optimizer, 0.01, 0.1, step_size_up=2, scale_fn=halving)
    resumed.load_state_dict(state)
    np.testing.assert_array_equal(_run(resumed, resumed_optimizer, 6, _ones)[:, :2], expected[:, :2])

    without = S.CyclicLR(_optimizers("sgd")[0], 0.01, 0.1, step_size_up=2)
    with pytest.raises(ValueError, match="the state was saved with a scale_fn, which a state dict cannot hold; "
                                         "build this CyclicLR with the same scale_fn before loading it"):
        without.load_state_dict(state)


@pytest.mark.parametrize("name, args", [("OneCycleLR", {"max_lr": 0.1, "total_steps": 10}),
                                        ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1})])
def test_cycling_the_momentum_of_an_optimizer_without_one_is_refused_as_in_torch(name, args):
    ours, theirs = _optimizers("adagrad")
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        getattr(torch.optim.lr_scheduler, name)(theirs, **args)
    with pytest.raises(ValueError, match=f"^{name}: cycle_momentum=True needs an optimizer with a momentum option "
                                         r"\(SGD, RMSprop\) or betas \(the Adam family\), and Adagrad has neither; "
                                         "pass cycle_momentum=False$"):
        getattr(S, name)(ours, **args)
    assert ours.param_groups[0]["lr"] == LRS[0] and "initial_lr" not in ours.param_groups[0]  # nothing written


def _warm_restarts_with_epochs(lib, optimizer, epochs, save_at=None):
    """A CosineAnnealingWarmRestarts(T_0=5, T_mult=2, eta_min=0.01) stepped with ``epochs`` (None: ``step()``),
    its state loaded into a fresh one after step ``save_at``; the lrs, last_epoch, T_cur and T_i (torch's
    attributes, which minigrad's lacked) after each step."""
    def make(opt):
        return lib.CosineAnnealingWarmRestarts(opt, T_0=5, T_mult=2, eta_min=0.01)

    scheduler, seen = make(optimizer), []
    for k, epoch in enumerate(epochs):
        optimizer.step()
        scheduler.step() if epoch is None else scheduler.step(epoch)
        if k == save_at:
            state = scheduler.state_dict()
            scheduler = make(optimizer)
            scheduler.load_state_dict(state)
        seen.append(scheduler.get_last_lr() + [scheduler.last_epoch, scheduler.T_cur, scheduler.T_i])
    return np.array(seen, dtype=np.float64)


@pytest.mark.parametrize("save_at", [None, 3, 9])
def test_warm_restarts_step_to_a_fractional_epoch_as_torch(save_at):
    # torch's documented per-batch use, scheduler.step(epoch + i / iters), interleaved with step() (which goes on one
    # from the epoch reached) and a jump back; it was refused with "step takes no epoch here"
    iters = 4
    epochs = [epoch + i / iters for epoch in range(3) for i in range(iters)] + [None, None, 26, None, 7.5, None,
                                                                                  0, 4.99, None]
    ours, theirs = _optimizers("sgd")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = _warm_restarts_with_epochs(torch.optim.lr_scheduler, theirs, epochs, save_at)
    got = _warm_restarts_with_epochs(S, ours, epochs, save_at)
    _assert_same(got, expected)
    assert len(np.unique(np.round(got[:, 0], 12))) >= 10


def test_warm_restarts_step_to_an_epoch_is_where_steps_get_to():
    # step(epoch) at a restart of a growing period restarts there, as step() does; torch's float logarithm
    # puts step(111) with T_0=1, T_mult=10 at the end of the period before (log(1000, 10) < 3), its lr eta_min
    ours = _optimizers("sgd")[0]
    stepped = S.CosineAnnealingWarmRestarts(ours, T_0=1, T_mult=10, eta_min=0.01)
    for _ in range(111):
        stepped.step()
    jumped = S.CosineAnnealingWarmRestarts(_optimizers("sgd")[0], T_0=1, T_mult=10, eta_min=0.01)
    jumped.step(111)
    assert jumped.get_last_lr() == stepped.get_last_lr() == list(LRS)
    assert jumped.last_epoch == stepped.last_epoch == 111


@pytest.mark.parametrize("epoch", [-1, -0.5, math.nan, math.inf, "3", True])
def test_warm_restarts_step_to_a_bad_epoch_is_refused_naming_it(epoch):
    scheduler = S.CosineAnnealingWarmRestarts(_optimizers("sgd")[0], T_0=3)
    with pytest.raises(ValueError, match=r"^CosineAnnealingWarmRestarts\.step: epoch must be a finite number >= 0, "
                                         rf"got {re.escape(repr(epoch))}"):
        scheduler.step(epoch)
    assert scheduler.last_epoch == 0 and scheduler.get_last_lr() == list(LRS)


def test_warm_restarts_t_cur_and_t_i_follow_step_as_torchs():
    ours, theirs = _optimizers("adam")
    mine = S.CosineAnnealingWarmRestarts(ours, T_0=2, T_mult=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torchs = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(theirs, T_0=2, T_mult=3)
        seen = [((mine.T_cur, mine.T_i), (torchs.T_cur, torchs.T_i))]
        for _ in range(30):
            ours.step()
            theirs.step()
            mine.step()
            torchs.step()
            seen.append(((mine.T_cur, mine.T_i), (torchs.T_cur, torchs.T_i)))
    assert [m for m, _ in seen] == [t for _, t in seen]
    assert {m[1] for m, _ in seen} == {2, 6, 18, 54}
