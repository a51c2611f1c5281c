"""Optimizers given model.named_parameters(), as torch's since 2.6: the names are kept in each group's
"param_names", saved by state_dict, restored by load_state_dict, and never change a step."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import optim


def _model(seed=0):
    mg.manual_seed(seed)
    return mg.nn.Sequential(mg.nn.Linear(3, 4), mg.nn.Tanh(), mg.nn.Linear(4, 1))


def _torch_model():
    torch = pytest.importorskip("torch")
    return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))


_X = np.random.default_rng(1).standard_normal((8, 3))
_Y = np.random.default_rng(2).standard_normal((8, 1))


def _closure(model, optimizer):
    def closure():
        optimizer.zero_grad()
        loss = ((model(mg.tensor(_X)) - mg.tensor(_Y)) ** 2).mean()
        loss.backward()
        return loss
    return closure


def _train(make, named, steps=5):
    """The parameters after ``steps`` steps of ``make(params)`` on a small regression, and the optimizer."""
    model = _model()
    optimizer = make(model.named_parameters() if named else model.parameters())
    closure = _closure(model, optimizer)
    for _ in range(steps):
        optimizer.step(closure)
    return [p.numpy().copy() for p in model.parameters()], optimizer


MAKERS = {
    "SGD": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "Adam": lambda p: optim.Adam(p, lr=0.01, amsgrad=True),
    "ConjugateGradient": lambda p: optim.ConjugateGradient(p),
    "LBFGS": lambda p: optim.LBFGS(p, lr=0.5, max_iter=4),
}


@pytest.mark.parametrize("name", MAKERS)
def test_named_parameters_train_exactly_as_the_unnamed_form_and_keep_torchs_names(name):
    torch = pytest.importorskip("torch")
    named, opt = _train(MAKERS[name], named=True)
    plain, plain_opt = _train(MAKERS[name], named=False)
    for a, b in zip(named, plain):
        assert np.array_equal(a, b)
    assert not np.array_equal(named[0], next(iter(_model().parameters())).numpy())  # it did move
    assert opt.param_groups[0]["param_names"] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    if hasattr(torch.optim, name):   # torch has no ConjugateGradient
        torch_opt = getattr(torch.optim, name)(_torch_model().named_parameters(), lr=0.1)
        assert opt.param_groups[0]["param_names"] == torch_opt.param_groups[0]["param_names"]
    assert [id(p) for p in opt.param_groups[0]["params"]] == [id(p) for p in _params_of(opt)]
    assert "param_names" not in plain_opt.param_groups[0]


def _params_of(opt):
    return [p for g in opt.param_groups for p in g["params"]]


def test_the_params_entry_holds_the_tensors_and_names_are_not_options():
    model = _model()
    opt = optim.Adam(model.named_parameters(), lr=0.01)
    assert _params_of(opt) == list(model.parameters())
    assert opt.defaults == optim.Adam(model.parameters(), lr=0.01).defaults


def test_groups_of_named_parameters_and_add_param_group_as_torchs():
    torch = pytest.importorskip("torch")
    for lib, model in ((optim, _model()), (torch.optim, _torch_model())):
        first, second = model[0], model[2]
        opt = lib.SGD([{"params": first.named_parameters(), "lr": 0.5}], lr=0.1)
        opt.add_param_group({"params": list(second.named_parameters())})
        assert [g["param_names"] for g in opt.param_groups] == [["weight", "bias"], ["weight", "bias"]]
        assert [g["lr"] for g in opt.param_groups] == [0.5, 0.1]


def test_a_group_mixing_named_and_unnamed_parameters_is_refused_as_by_torch():
    torch = pytest.importorskip("torch")
    model, tmodel = _model(), _torch_model()
    mixed = [("0.weight", model[0].weight), model[0].bias]
    with pytest.raises(ValueError, match=r"SGD: all optimizer params should be with/without names\. Some param "
                                         r"names are missing: 1 parameters of param group 0 are \(name, Tensor\) "
                                         r"pairs and 1 are not \(the first is parameter 1, Tensor\(shape=\(4,\)"):
        optim.SGD(mixed, lr=0.1)
    with pytest.raises(ValueError, match="all optimizer params should be with/without names"):
        torch.optim.SGD([("0.weight", tmodel[0].weight), tmodel[0].bias], lr=0.1)


@pytest.mark.parametrize("named_first", [True, False])
def test_named_and_unnamed_groups_together_are_refused_as_by_torch(named_first):
    torch = pytest.importorskip("torch")
    this, other = ("without", "with") if named_first else ("with", "without")
    for lib, model in ((torch.optim, _torch_model()), (optim, _model())):
        groups = [list(model[0].named_parameters()), list(model[2].parameters())]
        if not named_first:
            groups = [list(model[0].parameters()), list(model[2].named_parameters())]
        with pytest.raises(ValueError, match=f"all optimizer param groups should be with/without names. cannot add "
                                             f"param group {this} names to the optimizer"):
            lib.SGD([{"params": groups[0]}, {"params": groups[1]}], lr=0.1)
        opt = lib.SGD(groups[0], lr=0.1)
        with pytest.raises(ValueError, match=f"cannot add param group {this} names"):
            opt.add_param_group({"params": groups[1]})
        assert len(opt.param_groups) == 1
    with pytest.raises(ValueError, match=f"SGD: .* param group 1 is {this} names, param group 0 {other}"):
        opt.add_param_group({"params": groups[1]})   # minigrad's, last: which groups differ


@pytest.mark.parametrize("bad, message", [
    (lambda m: list(enumerate(m.parameters())), r"SGD: parameter 0 of param group 0 is a pair whose first item is "
                                                r"int 0, not a str; a named parameter is a \(name, Tensor\) pair"),
    (lambda m: [(p, n) for n, p in m.named_parameters()], r"parameter 0 of param group 0 is a pair whose first item "
                                                          r"is Parameter Tensor\(shape=\(3, 4\)"),
    (lambda m: [(n, p, 1) for n, p in m.named_parameters()], r"parameter 0 of param group 0 is a tuple of 3 items"),
    (lambda m: [("0.weight", np.zeros(3))], r"optimizer can only optimize Tensors, but parameter 0 \('0.weight'\) "
                                            r"of param group 0 is a ndarray"),
])
def test_a_malformed_named_parameter_gets_one_error_naming_it(bad, message):
    with pytest.raises(TypeError, match=message):
        optim.SGD(bad(_model()), lr=0.1)


def test_a_dict_of_named_parameters_is_refused_with_a_pointer_to_items():
    torch = pytest.importorskip("torch")
    model = _model()
    with pytest.raises(TypeError, match=r"SGD: params must be .* but got a dict with keys '0.weight', '0.bias', "
                                        r"'2.weight', \.\.\.; for named parameters pass model.named_parameters\(\) "
                                        r"or the dict's .items\(\)"):
        optim.SGD(dict(model.named_parameters()), lr=0.1)
    with pytest.raises(TypeError, match=r"param group 0: 'params' is a dict"):
        optim.SGD([{"params": dict(model.named_parameters())}], lr=0.1)
    with pytest.raises(TypeError):   # torch refuses too, naming the str keys it took as parameters
        torch.optim.SGD(dict(_torch_model().named_parameters()), lr=0.1)
    opt = optim.SGD(dict(model.named_parameters()).items(), lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_param_names_given_in_the_group_are_checked_and_kept():
    model = _model()
    opt = optim.SGD([{"params": model[0].parameters(), "param_names": ("w", "b")}], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["w", "b"]
    with pytest.raises(ValueError, match=r"SGD: param group 0: param_names has 1 names, but the group has 2"):
        optim.SGD([{"params": model[0].parameters(), "param_names": ["w"]}], lr=0.1)
    with pytest.raises(TypeError, match=r"param group 0: param_names\[1\] is int 7, not a str"):
        optim.SGD([{"params": model[0].parameters(), "param_names": ["w", 7]}], lr=0.1)
    with pytest.raises(ValueError, match=r"its param_names \['w', 'b'\] differ from the names of its \(name, Tensor\) "
                                         r"pairs \['weight', 'bias'\]"):
        optim.SGD([{"params": model[0].named_parameters(), "param_names": ["w", "b"]}], lr=0.1)


def test_repr_shows_the_names_as_torchs():
    torch = pytest.importorskip("torch")
    line = "    param_names: ['0.weight', '0.bias', '2.weight', '2.bias']"
    assert line in repr(optim.Adam(_model().named_parameters())).splitlines()
    assert line in repr(torch.optim.Adam(_torch_model().named_parameters())).splitlines()


def test_state_dict_round_trip_keeps_the_names_and_continues_exactly(tmp_path):
    make = MAKERS["Adam"]
    _, opt = _train(make, named=True, steps=3)
    saved = opt.state_dict()
    assert [g["param_names"] for g in saved["param_groups"]] == [["0.weight", "0.bias", "2.weight", "2.bias"]]
    assert saved["param_groups"][0]["param_names"] is not opt.param_groups[0]["param_names"]
    mg.save(saved, tmp_path / "adam.mgt")
    reloaded = mg.load(tmp_path / "adam.mgt")

    model = _model()   # the same start, stepped 3 times by hand, then resumed from the checkpoint
    resumed = make(model.named_parameters())
    closure = _closure(model, resumed)
    for _ in range(3):
        resumed.step(closure)
    resumed = make(model.named_parameters())
    resumed.load_state_dict(reloaded)
    assert resumed.param_groups[0]["param_names"] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    for _ in range(2):
        resumed.step(_closure(model, resumed))
    straight, _ = _train(make, named=True, steps=5)
    for a, b in zip(straight, model.parameters()):
        assert np.array_equal(a, b.numpy())


def test_load_state_dict_handles_names_as_torchs():
    torch = pytest.importorskip("torch")
    for lib, model in ((optim, _model()), (torch.optim, _torch_model())):
        named = lib.SGD(model.named_parameters(), lr=0.1, momentum=0.9)
        plain = lib.SGD(model.parameters(), lr=0.2, momentum=0.9)
        unnamed_state, named_state = plain.state_dict(), named.state_dict()
        named.load_state_dict(unnamed_state)      # a state saved without names: the optimizer keeps its own
        assert named.param_groups[0]["param_names"] == ["0.weight", "0.bias", "2.weight", "2.bias"]
        assert named.param_groups[0]["lr"] == 0.2
        plain.load_state_dict(named_state)        # saved names are loaded, even into an unnamed optimizer
        assert plain.param_groups[0]["param_names"] == ["0.weight", "0.bias", "2.weight", "2.bias"]
        renamed = {**named_state, "param_groups": [{**named_state["param_groups"][0],
                                                    "param_names": ["a", "b", "c", "d"]}]}
        named.load_state_dict(renamed)            # names never decide where state goes: they are replaced
        assert named.param_groups[0]["param_names"] == ["a", "b", "c", "d"]


def test_a_loaded_state_with_bad_names_is_refused():
    model = _model()
    opt = optim.SGD(model.named_parameters(), lr=0.1)
    state = opt.state_dict()
    state["param_groups"][0]["param_names"] = ["a"]
    with pytest.raises(ValueError, match=r"SGD.load_state_dict: param group 0 of the state: param_names has 1 names, "
                                         r"but the group has 4 parameters"):
        opt.load_state_dict(state)


def test_schedules_and_the_grad_scaler_work_on_named_groups():
    model = _model()
    opt = optim.SGD(model.named_parameters(), lr=0.1)
    schedule = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    scaler = mg.amp.GradScaler("cpu")
    for _ in range(2):
        opt.zero_grad()
        loss = ((model(mg.tensor(_X)) - mg.tensor(_Y)) ** 2).mean()
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        schedule.step()
    assert opt.param_groups[0]["lr"] == 0.025 and opt.param_groups[0]["initial_lr"] == 0.1
    plain_model = _model()
    plain = optim.SGD(plain_model.parameters(), lr=0.1)
    plain_schedule = optim.lr_scheduler.StepLR(plain, step_size=1, gamma=0.5)
    for _ in range(2):
        plain.step(_closure(plain_model, plain))
        plain_schedule.step()
    for a, b in zip(model.parameters(), plain_model.parameters()):
        assert np.array_equal(a.numpy(), b.numpy())


def test_the_averagers_refuse_named_parameters_instead_of_the_model():
    model = _model()
    with pytest.raises(TypeError, match=r"AveragedModel: model must have parameters\(\) \(a layer\), got generator; "
                                        r"pass the model itself"):
        optim.swa_utils.AveragedModel(model.named_parameters())
    with pytest.raises(TypeError, match=r"got generator; pass the model itself"):
        optim.AveragedModel(model.named_parameters())


def test_scipy_minimize_takes_named_parameters():
    pytest.importorskip("scipy")
    results = []
    for named in (True, False):
        model = _model()
        params = model.named_parameters() if named else model.parameters()
        optim.scipy_bridge.scipy_minimize(lambda: ((model(mg.tensor(_X)) - mg.tensor(_Y)) ** 2).mean(), params,
                                          options={"maxiter": 5})
        results.append([p.numpy().copy() for p in model.parameters()])
    for a, b in zip(*results):
        assert np.array_equal(a, b)
    with pytest.raises(TypeError, match=r"scipy_minimize: parameter 0 is a pair whose first item is int 0"):
        optim.scipy_bridge.scipy_minimize(lambda: None, enumerate(_model().parameters()))
