"""The warning torch gives when a schedule is stepped before its optimizer, under torch's conditions."""

import warnings

import pytest

import minigrad as mg
import minigrad.optim as mg_optim
import minigrad.optim.lr_scheduler as mg_sched
from minigrad.optim.swa_utils import SWALR as MgSWALR

torch = pytest.importorskip("torch")
from torch.optim.swa_utils import SWALR as TorchSWALR  # noqa: E402

MESSAGE = "Detected call of `lr_scheduler.step()` before `optimizer.step()`"


def _optimizer(lib):
    if lib == "minigrad":
        p = mg.tensor([1.0, 2.0], requires_grad=True)
        p.grad = mg.tensor([1.0, 1.0])
        return mg_optim.SGD([p], lr=0.1, momentum=0.9)
    p = torch.nn.Parameter(torch.ones(2))
    p.grad = torch.ones(2)
    return torch.optim.SGD([p], lr=0.1, momentum=0.9)


SCHEDULES = {
    "StepLR": lambda L, o: L.StepLR(o, 2),
    "SequentialLR at 1": lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2), L.ExponentialLR(o, 0.9), L.LinearLR(o)], [1, 2]),
    "ExponentialLR": lambda L, o: L.ExponentialLR(o, 0.9),
    "CosineAnnealingLR": lambda L, o: L.CosineAnnealingLR(o, 5),
    "CyclicLR": lambda L, o: L.CyclicLR(o, 0.01, 0.1),
    "OneCycleLR": lambda L, o: L.OneCycleLR(o, 0.1, total_steps=10),
    "ReduceLROnPlateau": lambda L, o: L.ReduceLROnPlateau(o),
    "SWALR": lambda L, o: (MgSWALR if L is mg_sched else TorchSWALR)(o, 0.05),
    "SequentialLR": lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2), L.ExponentialLR(o, 0.9)], [2]),
    # torch's CosineAnnealingWarmRestarts has a step of its own, which never warns
    "CosineAnnealingWarmRestarts": lambda L, o: L.CosineAnnealingWarmRestarts(o, 2),
    "ChainedScheduler with warm restarts": lambda L, o: L.ChainedScheduler([L.CosineAnnealingWarmRestarts(o, 2),
                                                                            L.ExponentialLR(o, 0.9)]),
    "LambdaLR": lambda L, o: L.LambdaLR(o, lambda epoch: 0.9 ** epoch),
    "MultiStepLR": lambda L, o: L.MultiStepLR(o, [1, 2]),
    "PolynomialLR": lambda L, o: L.PolynomialLR(o),
}

# When the optimizer steps: never, only before the schedule is built (which does not count in torch), after it
# is built, between the schedule's two steps, or before a second schedule is built on it.
ORDERS = ["never", "before_building", "after_building", "between", "second_schedule"]


def _warnings(lib, name, order):
    L = mg_sched if lib == "minigrad" else torch.optim.lr_scheduler
    opt = _optimizer(lib)
    if order == "before_building":
        opt.step()
    if order == "second_schedule":
        L.StepLR(opt, 3)
        opt.step()
    schedule = SCHEDULES[name](L, opt)
    if order == "after_building":
        opt.step()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(3):
            schedule.step(1.0) if name == "ReduceLROnPlateau" else schedule.step()
            if order == "between":
                opt.step()
    return [str(w.message) for w in caught if MESSAGE in str(w.message)]


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("name", list(SCHEDULES))
def test_the_step_order_warning_comes_when_torchs_does(name, order):
    assert _warnings("minigrad", name, order) == _warnings("torch", name, order)


def test_the_warning_names_the_line_that_stepped_the_schedule():
    opt = _optimizer("minigrad")
    schedule = mg_sched.StepLR(opt, 2)
    with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler\.step\(\)`") as caught:
        schedule.step()
    assert caught[0].filename == __file__


def test_a_chained_scheduler_warns_once_for_each_of_its_schedules_as_torchs_does():
    def count(lib, step_first):
        L = mg_sched if lib == "minigrad" else torch.optim.lr_scheduler
        opt = _optimizer(lib)
        chained = L.ChainedScheduler([L.StepLR(opt, 2), L.ExponentialLR(opt, 0.9), L.LinearLR(opt)])
        if step_first:
            opt.step()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(3):
                chained.step()
        return len([w for w in caught if MESSAGE in str(w.message)])

    assert count("minigrad", False) == count("torch", False) == 3
    assert count("minigrad", True) == count("torch", True) == 0


def test_a_duck_typed_optimizer_is_not_warned_about():
    class Holder:
        param_groups = [{"lr": 0.1, "params": []}]

    schedule = mg_sched.StepLR(Holder(), 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        schedule.step()


def test_a_schedule_pickled_before_the_step_count_existed_steps_without_warning():
    # a schedule pickled by an earlier minigrad has no _step_count: its step() raised AttributeError
    import pickle

    opt = _optimizer("minigrad")
    schedule = mg_sched.StepLR(opt, 2)
    opt.step()
    del schedule._step_count
    old = pickle.loads(pickle.dumps(schedule))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            old.optimizer.step()
            old.step()
    assert old.last_epoch == 3 and old.get_last_lr() == pytest.approx([0.01])
