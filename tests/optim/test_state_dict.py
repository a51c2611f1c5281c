"""Optimizer checkpoints: state_dict / load_state_dict, in memory and through minigrad.save/load."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.backend import get_array_module, to_numpy
from minigrad.optim import (ASGD, BFGS, LBFGS, SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, ConjugateGradient,
                            NAdam, Newton, NewtonCG, RAdam, RMSprop, Rprop)
from minigrad.optim.lr_scheduler import CosineAnnealingLR, ExponentialLR
from optim.helpers import X0, make_params, take_steps

# options chosen so that every kind of state entry exists
CONFIGS = [
    (SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    (Adagrad, dict(lr=0.1, lr_decay=0.01)),
    (RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
    (Adadelta, dict(lr=1.0)),
    (Adam, dict(lr=0.05, amsgrad=True)),
    (AdamW, dict(lr=0.05)),
    (Adamax, dict(lr=0.05)),
    (NAdam, dict(lr=0.05)),
    (RAdam, dict(lr=0.05, betas=(0.9, 0.9))),
    (Rprop, dict(lr=0.05, etas=(0.4, 1.3))),
    (ASGD, dict(lr=0.05, lambd=0.01, t0=2)),   # averaging from step 4: mu < 1 is saved mid-way
]
IDS = [cls.__name__ for cls, _ in CONFIGS]


@pytest.mark.parametrize("cls, options", CONFIGS, ids=IDS)
def test_round_trip_through_a_file_continues_bit_identically(cls, options, device, tmp_path):
    params = make_params(device, np.float32)
    optimizer = cls(params, **options)
    take_steps(optimizer, params, 4)  # 4 steps: RAdam's state is then mid-way to its switch at t = 6
    path = tmp_path / "checkpoint.npz"
    mg.save({"optimizer": optimizer.state_dict(), "params": [p.data for p in params]}, path)
    expected = take_steps(optimizer, params, 4)

    checkpoint = mg.load(path)
    resumed = make_params(device, np.float32, values=checkpoint["params"])
    resumed_optimizer = cls(resumed, **options)
    resumed_optimizer.load_state_dict(checkpoint["optimizer"])
    actual = take_steps(resumed_optimizer, resumed, 4)
    for want_step, got_step in zip(expected, actual):
        for want, got in zip(want_step, got_step):
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("cls, options", CONFIGS, ids=IDS)
def test_loaded_state_lives_on_the_parameters_device_with_their_dtype(cls, options, device):
    params = make_params("cpu", np.float64)
    optimizer = cls(params, **options)
    take_steps(optimizer, params, 2)
    target = make_params(device, np.float32)
    target_optimizer = cls(target, **options)
    target_optimizer.load_state_dict(optimizer.state_dict())
    for p in target:
        for name, value in target_optimizer.state[p].items():
            if name in target_optimizer.scalar_state_keys:
                assert isinstance(value, (int, float)), name
            else:
                assert value.dtype == np.float32, name
                assert get_array_module(value) is get_array_module(p.data), name
                assert value.shape == p.shape, name


@pytest.mark.parametrize("cls, options", CONFIGS, ids=IDS)
def test_state_dict_holds_copies_indexed_by_position(cls, options):
    params = make_params()
    optimizer = cls(params, **options)
    take_steps(optimizer, params, 2)
    saved = optimizer.state_dict()
    assert saved["param_groups"][0]["params"] == [0, 1]
    assert set(saved["state"]) == {0, 1}
    frozen = {i: {k: (v.copy() if hasattr(v, "copy") else v) for k, v in s.items()} for i, s in saved["state"].items()}
    take_steps(optimizer, params, 1)
    for i, entries in saved["state"].items():
        for name, value in entries.items():
            np.testing.assert_array_equal(value, frozen[i][name])


def test_hyperparameters_come_from_the_state_dict_and_params_stay_own():
    a = mg.tensor([1.0], requires_grad=True)
    b = mg.tensor([2.0], requires_grad=True)
    source = SGD([{"params": [a]}, {"params": [b], "lr": 0.7}], lr=0.3, momentum=0.9)
    c = mg.tensor([1.0], requires_grad=True)
    d = mg.tensor([2.0], requires_grad=True)
    target = SGD([{"params": [c]}, {"params": [d]}], lr=0.01)
    target.load_state_dict(source.state_dict())
    assert [g["lr"] for g in target.param_groups] == [0.3, 0.7]
    assert target.param_groups[1]["momentum"] == 0.9
    assert target.param_groups[0]["params"] == [c] and target.param_groups[1]["params"] == [d]


def test_betas_tuple_survives_a_file_round_trip(tmp_path):
    params = make_params()
    optimizer = Adam(params, betas=(0.8, 0.95))
    mg.save(optimizer.state_dict(), tmp_path / "adam.npz")
    resumed = Adam(make_params())
    resumed.load_state_dict(mg.load(tmp_path / "adam.npz"))
    assert resumed.param_groups[0]["betas"] == (0.8, 0.95)


def test_load_rejects_mismatched_groups_sizes_and_shapes():
    optimizer = Adam(make_params())
    take_steps(optimizer, optimizer.param_groups[0]["params"], 1)
    saved = optimizer.state_dict()
    with pytest.raises(ValueError, match="1 parameter groups, but the optimizer has 2"):
        Adam([{"params": make_params()[:1]}, {"params": make_params()[1:]}]).load_state_dict(saved)
    with pytest.raises(ValueError, match="group 0 has 2 parameters, but the optimizer's group 0 has 1"):
        Adam(make_params()[:1]).load_state_dict(saved)
    swapped = make_params(values=[X0[1], X0[0]])
    with pytest.raises(ValueError, match=r"shape \(3,\), but its parameter is Tensor\(shape=\(2, 2\)"):
        Adam(swapped).load_state_dict(saved)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        Adam(make_params()).load_state_dict({"state": {}})


def test_loading_copies_so_the_source_is_not_aliased():
    params = make_params()
    source = Adam(params)
    take_steps(source, params, 1)
    saved = source.state_dict()
    target = Adam(make_params())
    target.load_state_dict(saved)
    before = to_numpy(saved["state"][0]["exp_avg"]).copy()
    take_steps(target, target.param_groups[0]["params"], 1)
    np.testing.assert_array_equal(saved["state"][0]["exp_avg"], before)


def test_loaded_hyperparameters_are_validated():
    saved = Adam(make_params()).state_dict()
    saved["param_groups"][0]["betas"] = (0.9, 1.5)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1: 1.5"):
        Adam(make_params()).load_state_dict(saved)


def test_a_learning_rate_a_schedule_drove_below_zero_loads_back():
    # ExponentialLR then CosineAnnealingLR (eta_min above the decayed lr) drive lr to -0.0067, in torch too; the
    # checkpoint holding it was refused on load ("Invalid learning rate"), so the run could not be resumed
    params = make_params()
    optimizer = SGD(params, lr=0.1)
    schedules = [ExponentialLR(optimizer, 0.5), CosineAnnealingLR(optimizer, 6, eta_min=0.01)]
    for _ in range(9):
        take_steps(optimizer, params, 1)
        for schedule in schedules:
            schedule.step()
    lr = optimizer.param_groups[0]["lr"]
    assert lr < 0
    restored = SGD(make_params(), lr=0.1)
    restored.load_state_dict(optimizer.state_dict())
    assert restored.param_groups[0]["lr"] == lr


def test_loading_another_optimizers_state_names_where_it_came_from():
    # It was a bare KeyError: 'momentum'.
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    adam = Adam([w])
    w.grad = mg.tensor([1.0, 1.0])
    adam.step()
    with pytest.raises(ValueError, match=r"SGD.load_state_dict: the state was saved by Adam \(options amsgrad, "
                                         r"betas, eps, lr, maximize, weight_decay\), not by SGD \(options dampening, "
                                         r"lr, maximize, momentum, nesterov, weight_decay\); load it into Adam"):
        SGD([w], lr=0.1).load_state_dict(adam.state_dict())
    old_format = {key: value for key, value in adam.state_dict().items() if key != "optimizer_class"}
    with pytest.raises(ValueError, match=r"SGD.load_state_dict: param group 0 of the state was saved by Adam or AdamW "
                                         r".*\(the state has no momentum, dampening, nesterov; SGD has no option "
                                         r"amsgrad, betas, eps\)"):
        SGD([w], lr=0.1).load_state_dict(old_format)


# ---------------------------------------------------------------- a checkpoint belongs to one kind of optimizer
ALL_OPTIMIZERS = [SGD, Adagrad, RMSprop, Adadelta, Adam, AdamW, Adamax, NAdam, RAdam, Rprop, ASGD,
                  LBFGS, ConjugateGradient, BFGS, Newton, NewtonCG]
FIRST_ORDER = ALL_OPTIMIZERS[:11]


def _checkpoint(cls):
    """A state dict of ``cls`` with state in it (first-order: after one step), for one parameter of size 2."""
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    optimizer = cls([w])
    if cls in FIRST_ORDER:
        w.grad = mg.tensor([0.5, -1.0])
        optimizer.step()
    return optimizer.state_dict()


def _options(cls):
    return set(cls([mg.tensor([1.0, 2.0], requires_grad=True)]).defaults)


PAIRS = [(source, target) for source in ALL_OPTIMIZERS for target in ALL_OPTIMIZERS if source is not target]


@pytest.mark.parametrize("source, target", PAIRS, ids=[f"{s.__name__}-into-{t.__name__}" for s, t in PAIRS])
def test_a_checkpoint_of_another_optimizer_is_refused_naming_both(source, target):
    # An Adam checkpoint used to load into AdamW, NAdam into RAdam, Adam into Adamax (then KeyError 'exp_inf').
    saved = _checkpoint(source)
    optimizer = target([mg.tensor([1.0, 2.0], requires_grad=True)])
    before = optimizer.state_dict()
    with pytest.raises(ValueError) as refused:
        optimizer.load_state_dict(saved)
    message = str(refused.value)
    if _options(source) == _options(target):   # Adam and AdamW: the options are listed once
        assert message.startswith(f"{target.__name__}.load_state_dict: the state was saved by {source.__name__}, "
                                  f"not by {target.__name__} (same options: "
                                  f"{', '.join(sorted(_options(target)))})"), message
    else:
        assert message.startswith(f"{target.__name__}.load_state_dict: the state was saved by {source.__name__} "
                                  f"(options {', '.join(sorted(_options(source)))}), not by {target.__name__} "
                                  f"(options {', '.join(sorted(_options(target)))})"), message
    assert message.endswith(f"load it into {source.__name__}"), message
    after = optimizer.state_dict()
    assert after["param_groups"] == before["param_groups"] and set(after["state"]) == set(before["state"])


@pytest.mark.parametrize("source, target", PAIRS, ids=[f"{s.__name__}-into-{t.__name__}" for s, t in PAIRS])
def test_an_old_checkpoint_without_the_class_is_refused_when_the_option_names_differ(source, target):
    saved = _checkpoint(source)
    del saved["optimizer_class"]  # as written before the class was recorded
    optimizer = target([mg.tensor([1.0, 2.0], requires_grad=True)])
    if _options(source) == _options(target):
        # Adam and AdamW have the same option names: only the recorded class tells them apart
        assert {source, target} == {Adam, AdamW}
        optimizer.load_state_dict(saved)
        return
    with pytest.raises(ValueError, match=rf"{target.__name__}.load_state_dict: param group 0 of the state was saved by "
                                         rf".*\(options .*\), not by {target.__name__} \(options .*\) \(.*has no"):
        optimizer.load_state_dict(saved)


@pytest.mark.parametrize("cls", ALL_OPTIMIZERS, ids=[c.__name__ for c in ALL_OPTIMIZERS])
def test_a_checkpoint_loads_into_its_own_class_with_or_without_the_recorded_class(cls, tmp_path):
    saved = _checkpoint(cls)
    assert saved["optimizer_class"] == cls.__name__
    mg.save(saved, tmp_path / "optimizer.npz")
    for state_dict in (saved, mg.load(tmp_path / "optimizer.npz"),
                       {k: v for k, v in saved.items() if k != "optimizer_class"}):
        w = mg.tensor([1.0, 2.0], requires_grad=True)
        optimizer = cls([w])
        optimizer.load_state_dict(state_dict)
        assert set(optimizer.state) == ({w} if saved["state"] else set())
        assert optimizer.state_dict()["param_groups"] == saved["param_groups"]


def test_extra_group_entries_are_fine_when_this_optimizer_has_them_too():
    a, b = mg.tensor([1.0], requires_grad=True), mg.tensor([1.0], requires_grad=True)
    saved = Adam([{"params": [a], "name": "encoder"}]).state_dict()
    target = Adam([{"params": [b], "name": "encoder"}])
    ExponentialLR(target, gamma=0.5)  # adds initial_lr, which is not an option
    target.load_state_dict(saved)
    assert target.param_groups[0]["name"] == "encoder"
    with pytest.raises(ValueError, match=r"Adam.load_state_dict: param group 0 of the state was saved by Adam with "
                                         r"other options \(options amsgrad, betas, eps, lr, maximize, name, "
                                         r"weight_decay\), not by Adam .* \(Adam has no option name\)"):
        Adam([b]).load_state_dict(saved)


def test_a_renamed_class_name_in_the_state_is_refused():
    saved = _checkpoint(Adam)
    saved["optimizer_class"] = "AdamW"
    with pytest.raises(ValueError, match=r"Adam.load_state_dict: the state was saved by AdamW, .*load it into AdamW"):
        Adam([mg.tensor([1.0, 2.0], requires_grad=True)]).load_state_dict(saved)


def test_a_state_loaded_over_parameters_in_another_order_maps_by_position_as_torchs():
    # parameters of one shape in another order: neither library can tell, both give position i's state to the
    # optimizer's parameter i; the run then goes on as torch's does
    torch = pytest.importorskip("torch")
    starts = [np.array([1.0, -2.0, 0.5]), np.array([0.3, 0.7, -1.5])]

    def run(lib, tensor, read):
        params = [tensor(x.copy()).requires_grad_(True) for x in starts]
        opt = lib.optim.Adam(params, lr=0.1, amsgrad=True)
        for step in range(3):
            for i, p in enumerate(params):
                p.grad = tensor(np.cos(read(p) * (i + 1) + step))
            opt.step()
        saved = opt.state_dict()
        swapped = [tensor(read(p).copy()).requires_grad_(True) for p in reversed(params)]
        resumed = lib.optim.Adam(swapped, lr=0.1, amsgrad=True)
        resumed.load_state_dict(saved)
        for step in range(3, 6):
            for i, p in enumerate(swapped):
                p.grad = tensor(np.cos(read(p) * (i + 1) + step))
            resumed.step()
        return [read(p).copy() for p in swapped]

    ours = run(mg, lambda x: mg.tensor(x, dtype=mg.float64), lambda p: to_numpy(p.data))
    theirs = run(torch, lambda x: torch.tensor(x, dtype=torch.float64), lambda p: p.detach().numpy())
    for x, y in zip(ours, theirs):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-14)
