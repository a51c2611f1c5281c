"""A run resumed from torch 2.13's checkpoint: ``optimizer.state_dict()`` and ``scheduler.state_dict()`` saved by
torch mid-run, loaded into minigrad's optimizer and schedule, go on with torch's lrs and momentums.

Each of these used to fail: LambdaLR/MultiplicativeLR took torch's ``lr_lambdas`` entry for the functions (None:
the next step raised), ChainedScheduler and SequentialLR did not find their schedules' states under torch's
``_schedulers`` (ChainedScheduler's lrs went wrong silently), CosineAnnealingWarmRestarts refused torch's ``T_i``,
and SGD refused the optimizer state of a run stepped by OneCycleLR or CyclicLR (whose bounds torch keeps in the
param groups). LambdaLR also saves the attributes of a callable object ``lr_lambda`` now, as torch's.
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


class Warmup:
    """A callable-object lr_lambda with state, which torch's LambdaLR saves."""

    def __init__(self, length):
        self.length = length

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.length)


SCHEDULES = {
    "lambda": lambda L, o: L.LambdaLR(o, [lambda e: 0.9 ** e, lambda e: 1 / (e + 1)]),
    "lambda_object": lambda L, o: L.LambdaLR(o, Warmup(10)),
    "multiplicative": lambda L, o: L.MultiplicativeLR(o, lambda e: 0.95),
    "chained": lambda L, o: L.ChainedScheduler([L.ExponentialLR(o, 0.9), L.StepLR(o, 3, 0.5)]),
    "sequential": lambda L, o: L.SequentialLR(o, [L.LinearLR(o, 0.1, 1.0, 5), L.ExponentialLR(o, 0.8)],
                                              milestones=[5]),
    "warm_restarts": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.01),
    "one_cycle": lambda L, o: L.OneCycleLR(o, max_lr=[1.0, 2.0], total_steps=31, three_phase=True),
    "cyclic": lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=4, mode="exp_range", gamma=0.95),
}


def _optimizer(lib):
    tensor = torch.tensor if lib is torch.optim else mg.tensor
    params = [tensor([1.0, 2.0], requires_grad=True) for _ in range(2)]
    return lib.SGD([{"params": [params[0]], "lr": 0.1}, {"params": [params[1]], "lr": 0.3}], momentum=0.9)


def _settings(optimizer, schedule):
    return [[g["lr"] for g in optimizer.param_groups], [g["momentum"] for g in optimizer.param_groups],
            schedule.get_last_lr()]


def _lambda_length(schedule):
    return schedule.lr_lambdas[0].length


@pytest.mark.parametrize("kind", sorted(SCHEDULES))
def test_a_run_resumed_from_torchs_states_follows_torch(kind):
    their_opt = _optimizer(torch.optim)
    theirs = SCHEDULES[kind](torch.optim.lr_scheduler, their_opt)
    for _ in range(7):
        their_opt.step()
        theirs.step()
    our_opt = _optimizer(mg.optim)
    ours = SCHEDULES[kind](mg.optim.lr_scheduler, our_opt)
    if kind == "lambda_object":
        ours.lr_lambdas[0].length = 3   # its attributes come from the state
    our_opt.load_state_dict(their_opt.state_dict())
    ours.load_state_dict(theirs.state_dict())
    if kind == "lambda_object":
        assert _lambda_length(ours) == 10
    for _ in range(8):
        their_opt.step()
        theirs.step()
        our_opt.step()
        ours.step()
        np.testing.assert_allclose(_settings(our_opt, ours), _settings(their_opt, theirs), rtol=1e-14, atol=0)


def test_warm_restarts_resumed_from_torch_after_a_fractional_epoch():
    their_opt, our_opt = _optimizer(torch.optim), _optimizer(mg.optim)
    theirs = SCHEDULES["warm_restarts"](torch.optim.lr_scheduler, their_opt)
    ours = SCHEDULES["warm_restarts"](mg.optim.lr_scheduler, our_opt)
    their_opt.step()
    theirs.step(4.25)   # T_cur = 1.25 of T_i = 6: not on a whole epoch
    ours.load_state_dict(theirs.state_dict())
    assert (ours.T_cur, ours.T_i, ours.last_epoch) == (1.25, 6, 4)
    for _ in range(7):
        their_opt.step()
        theirs.step()
        our_opt.step()
        ours.step()
        np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-14, atol=0)


def test_lambda_lr_saves_a_callable_objects_attributes_as_torch():
    for lib in (torch.optim, mg.optim):
        opt = _optimizer(lib)
        schedule = lib.lr_scheduler.LambdaLR(opt, [Warmup(4), lambda e: 1.0])
        assert schedule.state_dict()["lr_lambdas"] == [{"length": 4}, None]
    opt = _optimizer(mg.optim)
    saved = mg.optim.lr_scheduler.LambdaLR(opt, [Warmup(4), lambda e: 1.0])
    for _ in range(2):
        opt.step()
        saved.step()
    warmup = Warmup(10)
    resumed = mg.optim.lr_scheduler.LambdaLR(_optimizer(mg.optim), [warmup, lambda e: 1.0])
    resumed.load_state_dict(saved.state_dict())
    assert warmup.length == 4 and resumed.lr_lambdas[0] is warmup
    resumed.step()
    assert resumed.get_last_lr() == [0.1, 0.3]   # 0.1 * min(1, 4/4), 0.3 * 1


def test_lambda_lr_refuses_an_objects_attributes_for_a_builtin():
    opt = _optimizer(mg.optim)
    schedule = mg.optim.lr_scheduler.LambdaLR(opt, [abs, abs])
    state = schedule.state_dict()
    assert state["lr_lambdas"] == [None, None]
    state["lr_lambdas"] = [{"length": 4}, None]
    with pytest.raises(ValueError, match="callable object for lr_lambda 0, but the schedule's is "
                                         "builtin_function_or_method <built-in function abs>"):
        schedule.load_state_dict(state)
    state["lr_lambdas"] = [None]
    with pytest.raises(ValueError, match="the state has 1 lr_lambdas, the schedule 2"):
        schedule.load_state_dict(state)


class WarmupHoldingItsOptimizer(Warmup):
    """A callable object that also holds the optimizer (a warmup that reads the group count, say)."""

    def __init__(self, length, optimizer):
        super().__init__(length)
        self.optimizer = optimizer


def test_a_callable_objects_state_keeps_its_plain_attributes_and_saves(tmp_path):
    """Its whole __dict__ was copied, so mg.save refused the state (an SGD at lr_lambdas[0]['optimizer'])."""
    optimizer = _optimizer(mg.optim)
    schedule = mg.optim.lr_scheduler.LambdaLR(optimizer, WarmupHoldingItsOptimizer(10, optimizer))
    with pytest.warns(UserWarning, match=r"attributes \['optimizer'\] are not plain data"):
        state = schedule.state_dict()
    assert state["lr_lambdas"] == [{"length": 10}] * 2
    mg.save(state, tmp_path / "schedule.mg")
    resumed = mg.optim.lr_scheduler.LambdaLR(optimizer, WarmupHoldingItsOptimizer(3, optimizer))
    resumed.load_state_dict(mg.load(tmp_path / "schedule.mg"))
    assert resumed.lr_lambdas[0].length == 10 and resumed.lr_lambdas[0].optimizer is optimizer


class WarmupWithTable(Warmup):
    """A callable object whose state is NumPy scalars and a dict keyed by epoch, which minigrad.save stores."""

    def __init__(self, length):
        super().__init__(length)
        self.scale, self.steps = np.float32(0.5), np.int64(7)
        self.factors = {0: 1.0, 5: np.float64(0.25), np.int64(9): [True, 0.5]}
        self.phase = 2j   # a Python complex: minigrad.save refuses it, so the state leaves it out


def test_numpy_scalars_and_int_keyed_dicts_are_kept_and_round_trip_through_save(tmp_path):
    optimizer = _optimizer(mg.optim)
    schedule = mg.optim.lr_scheduler.LambdaLR(optimizer, WarmupWithTable(10))
    with pytest.warns(UserWarning, match=r"attributes \['phase'\] are not plain data"):
        state = schedule.state_dict()
    theirs = torch.optim.lr_scheduler.LambdaLR(_optimizer(torch.optim), WarmupWithTable(10)).state_dict()
    assert state["lr_lambdas"] == [{k: v for k, v in attributes.items() if k != "phase"}
                                   for attributes in theirs["lr_lambdas"]]
    mg.save(state, tmp_path / "schedule.mg")
    resumed = mg.optim.lr_scheduler.LambdaLR(optimizer, WarmupWithTable(3))
    resumed.lr_lambdas[0].scale, resumed.lr_lambdas[0].factors = np.float32(1.0), {}
    resumed.load_state_dict(mg.load(tmp_path / "schedule.mg"))
    f = resumed.lr_lambdas[0]
    assert f.length == 10 and f.phase == 2j
    assert type(f.scale) is np.float32 and f.scale == np.float32(0.5)
    assert type(f.steps) is np.int64 and f.steps == 7
    assert f.factors == {0: 1.0, 5: 0.25, 9: [True, 0.5]}
    assert [type(k) for k in f.factors] == [int, int, int] and type(f.factors[5]) is np.float64
