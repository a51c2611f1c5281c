"""Optimizer hooks (step, state_dict, load_state_dict) against torch.optim's: the same scenario runs on both and
writes the same log."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.optim as mg_optim
from minigrad.optim import optimizer as mg_optimizer
from minigrad.optim import optimizer_hooks

torch = pytest.importorskip("torch")
from torch.optim import optimizer as torch_optimizer  # noqa: E402


class Lib:
    """What a scenario needs from minigrad or torch."""

    def __init__(self, name):
        self.name = name
        self.optim = mg_optim if name == "minigrad" else torch.optim
        self.module = mg_optimizer if name == "minigrad" else torch_optimizer

    def param(self, values=(1.0, -2.0)):
        if self.name == "minigrad":
            p = mg.tensor(list(values), dtype=mg.float64, requires_grad=True)
            p.grad = mg.tensor([0.5] * len(values), dtype=mg.float64)
        else:
            p = torch.nn.Parameter(torch.tensor(list(values), dtype=torch.float64))
            p.grad = torch.full((len(values),), 0.5, dtype=torch.float64)
        return p

    @staticmethod
    def values(p):
        return np.asarray(p.detach().numpy() if hasattr(p, "detach") else p.numpy()).tolist()


LIBS = [Lib("minigrad"), Lib("torch")]


def _same_log(scenario):
    logs = [scenario(lib) for lib in LIBS]
    assert logs[0] == logs[1], logs
    return logs[0]


def _describe(opt, args, kwargs):
    """A hook's arguments, library-free: whether args[0] is the optimizer, the other args, the kwargs."""
    rest = [a() if callable(a) else a for a in args[1:]]
    return (args[0] is opt, rest, sorted(kwargs))


def test_step_hooks_run_in_torchs_order_with_torchs_arguments():
    def scenario(lib):
        log = []
        p = lib.param()
        opt = lib.optim.SGD([p], lr=0.1)
        handles = [
            lib.module.register_optimizer_step_pre_hook(lambda o, a, k: log.append(("global pre", o is opt))),
            lib.module.register_optimizer_step_post_hook(lambda o, a, k: log.append(("global post", o is opt))),
            opt.register_step_pre_hook(lambda o, a, k: log.append(("pre", *_describe(opt, a, k)))),
            opt.register_step_post_hook(lambda o, a, k: log.append(("post", *_describe(opt, a, k)))),
        ]
        try:
            log.append(("returned", opt.step(lambda: 3.0)))
            log.append(("returned", opt.step(closure=lambda: 4.0)))
            log.append(("values", lib.values(p)))
        finally:
            for h in handles:
                h.remove()
        opt.step()
        log.append(("after remove", len(log)))
        return log

    log = _same_log(scenario)
    assert log[0] == ("global pre", True) and log[-1] == ("after remove", 11)


def test_a_pre_hook_replaces_the_arguments_and_the_post_hook_sees_the_new_ones():
    def scenario(lib):
        log = []
        p = lib.param()
        opt = lib.optim.SGD([p], lr=0.1)
        opt.register_step_pre_hook(lambda o, a, k: (a, {"closure": lambda: 7.0}))
        opt.register_step_post_hook(lambda o, a, k: log.append(_describe(opt, a, k)))
        log.append(opt.step())
        return log

    assert _same_log(scenario) == [(True, [], ["closure"]), 7.0]


def test_a_pre_hook_returning_something_else_is_a_runtime_error():
    for lib in LIBS:
        opt = lib.optim.SGD([lib.param()], lr=0.1)
        opt.register_step_pre_hook(lambda o, a, k: 5)
        with pytest.raises(RuntimeError, match=r"must return None or a tuple of \(new_args, new_kwargs\), but got 5"):
            opt.step()


def test_handles_remove_once_and_work_as_context_managers():
    def scenario(lib):
        log = []
        opt = lib.optim.SGD([lib.param()], lr=0.1)
        with opt.register_step_post_hook(lambda o, a, k: log.append("in block")):
            opt.step()
        opt.step()
        h = opt.register_step_pre_hook(lambda o, a, k: log.append("pre"))
        h.remove()
        h.remove()
        opt.step()
        return log

    assert _same_log(scenario) == ["in block"]


FIRST_ORDER = ["SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "Rprop",
               "ASGD", "Adafactor"]


@pytest.mark.parametrize("name", FIRST_ORDER + ["Muon"])
def test_every_optimizer_runs_its_hooks_once_per_step_and_updates_as_without(name):
    def run(lib, hooked):
        log = []
        p = lib.param((1.0, -2.0, 0.5, 3.0)) if name != "Muon" else None
        if name == "Muon":  # Muon takes matrices
            p = lib.param((1.0, -2.0, 0.5, 3.0))
            p = _as_matrix(lib, p)
        opt = getattr(lib.optim, name)([p])
        if hooked:
            opt.register_step_pre_hook(lambda o, a, k: log.append("pre"))
            opt.register_step_post_hook(lambda o, a, k: log.append("post"))
        opt.step()
        opt.step()
        return log, lib.values(p)

    log, hooked_values = run(LIBS[0], True)
    assert log == ["pre", "post"] * 2 == run(LIBS[1], True)[0]
    assert hooked_values == run(LIBS[0], False)[1]


def _as_matrix(lib, p):
    if lib.name == "minigrad":
        m = mg.tensor(p.numpy().reshape(2, 2), requires_grad=True)
        m.grad = mg.tensor(np.full((2, 2), 0.5))
    else:
        m = torch.nn.Parameter(p.detach().reshape(2, 2).clone())
        m.grad = torch.full((2, 2), 0.5, dtype=torch.float64)
    return m


@pytest.mark.parametrize("name", ["LBFGS", "ConjugateGradient", "BFGS", "Newton", "NewtonCG"])
def test_second_order_optimizers_run_step_hooks_once_around_a_closure_step(name):
    w = mg.tensor([1.0, -2.0], dtype=mg.float64, requires_grad=True)
    opt = getattr(mg_optim, name)([w])
    log = []
    opt.register_step_pre_hook(lambda o, a, k: log.append(("pre", a[0] is opt, len(a) + len(k))))
    opt.register_step_post_hook(lambda o, a, k: log.append("post"))

    def closure():
        opt.zero_grad()
        loss = ((w - 3.0) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    assert log == [("pre", True, 2), "post"]


def test_a_subclass_step_calling_its_base_step_runs_the_hooks_once():
    class Logged(mg_optim.SGD):
        def step(self, closure=None):
            log.append("step")
            return super().step(closure)

    log = []
    opt = Logged([LIBS[0].param()], lr=0.1)
    opt.register_step_pre_hook(lambda o, a, k: log.append("pre"))
    opt.register_step_post_hook(lambda o, a, k: log.append("post"))
    opt.step()
    assert log == ["pre", "step", "post"]


def test_a_user_optimizer_subclass_runs_hooks_and_global_hooks():
    class Plain(mg_optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": 0.5})

        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    p.data -= group["lr"] * p.grad.data

    log = []
    p = LIBS[0].param()
    opt = Plain([p])
    with mg_optimizer.register_optimizer_step_post_hook(lambda o, a, k: log.append(type(o).__name__)):
        opt.step()
    opt.step()
    assert log == ["Plain"] and p.numpy().tolist() == [0.5, -2.5]


def test_a_step_without_hooks_does_not_take_the_hooked_path(monkeypatch):
    def refuse(*args):
        raise AssertionError("hooked path taken")

    opt = mg_optim.Adam([LIBS[0].param()])
    monkeypatch.setattr(mg_optimizer, "run_hooked_step", refuse)
    opt.step()
    h = opt.register_step_pre_hook(lambda o, a, k: None)
    with pytest.raises(AssertionError, match="hooked path"):
        opt.step()
    h.remove()
    g = mg_optimizer.register_optimizer_step_pre_hook(lambda o, a, k: None)
    try:
        with pytest.raises(AssertionError, match="hooked path"):
            opt.step()
    finally:
        g.remove()
    opt.step()
    assert "_step_hooked" not in vars(opt) and mg_optim.Optimizer._step_hooked is False
    assert optimizer_hooks._global_step_pre_hooks == {}


def _strip(state_dict):
    """A state dict, library-free: minigrad's extra 'optimizer_class' entry removed, tensors as lists."""
    def plain(v):
        if hasattr(v, "tolist"):
            return v.tolist()
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items() if k != "optimizer_class"}
        if isinstance(v, list):
            return [plain(x) for x in v]
        return v
    return plain(state_dict)


def test_state_dict_hooks_run_in_order_and_a_post_hook_may_replace_the_dict():
    def scenario(lib):
        log = []
        opt = lib.optim.SGD([lib.param()], lr=0.1, momentum=0.9)
        opt.step()
        opt.register_state_dict_pre_hook(lambda o: log.append(("pre", o is opt)))
        opt.register_state_dict_pre_hook(lambda o: log.append("pre first"), prepend=True)

        def tag(o, sd):
            sd["param_groups"][0]["tag"] = 1

        opt.register_state_dict_post_hook(tag)
        opt.register_state_dict_post_hook(lambda o, sd: {"replaced": sd["param_groups"][0]["tag"]})
        log.append(_strip(opt.state_dict()))
        opt.register_state_dict_post_hook(lambda o, sd: log.append(("seen", sorted(set(sd) - {"optimizer_class"}))) or None, prepend=True)
        log.append(_strip(opt.state_dict()))
        return log

    log = _same_log(scenario)
    assert log[:3] == ["pre first", ("pre", True), {"replaced": 1}]


def test_load_state_dict_hooks_get_a_shallow_copy_and_may_replace_it():
    def scenario(lib):
        log = []
        source = lib.optim.SGD([lib.param()], lr=0.1, momentum=0.9)
        source.step()
        saved = source.state_dict()
        other = lib.optim.SGD([lib.param()], lr=0.1, momentum=0.9)
        other.step()
        other.step()
        replacement = other.state_dict()
        target = lib.optim.SGD([lib.param()], lr=0.5, momentum=0.9)

        def pre(o, sd):
            log.append(("pre", o is target, sd is saved, sorted(k for k in sd if k != "optimizer_class")))
            sd["state"] = None  # the caller's dict is not changed: a shallow copy

        target.register_load_state_dict_pre_hook(pre)
        target.register_load_state_dict_pre_hook(lambda o, sd: replacement)
        target.register_load_state_dict_post_hook(lambda o: log.append(("post", o.param_groups[0]["lr"])))
        target.register_load_state_dict_post_hook(lambda o: log.append("post first"), prepend=True)
        target.load_state_dict(saved)
        log.append(saved["state"] is not None)
        log.append(_strip(target.state_dict()) == _strip(replacement))
        return log

    assert _same_log(scenario) == [("pre", True, False, ["param_groups", "state"]), "post first", ("post", 0.1),
                                   True, True]


def test_hooks_refuse_what_is_not_callable():
    opt = mg_optim.SGD([LIBS[0].param()], lr=0.1)
    with pytest.raises(TypeError, match="register_step_pre_hook: hook must be callable, got int"):
        opt.register_step_pre_hook(3)


def test_a_pickled_or_copied_optimizer_leaves_its_hooks_behind_as_torchs():
    # torch's Optimizer.__getstate__ keeps no hooks: an optimizer with a lambda hook pickles, and the copy runs none
    import copy
    import pickle

    for lib in LIBS:
        p = lib.param()
        opt = lib.optim.SGD([p], lr=0.1)
        calls = []
        opt.register_step_pre_hook(lambda o, args, kwargs: calls.append("pre"))
        opt.register_state_dict_post_hook(lambda o, sd: calls.append("state_dict"))
        for twin in (pickle.loads(pickle.dumps(opt)), copy.deepcopy(opt)):
            twin.step()
            twin.state_dict()
        assert calls == [], lib.name
        opt.step()
        assert calls == ["pre"], lib.name


def test_an_optimizer_pickled_before_hooks_existed_loads_with_none():
    # an optimizer pickled by an earlier minigrad has no hook dicts: state_dict() and register_* raised AttributeError
    import pickle

    p = LIBS[0].param()
    opt = mg_optim.Adam([p], lr=0.1)
    opt.step()
    for name in [key for key in vars(opt) if key.startswith("_optimizer_") and key.endswith("_hooks")]:
        delattr(opt, name)
    old = pickle.loads(pickle.dumps(opt))
    calls = []
    old.register_step_post_hook(lambda o, args, kwargs: calls.append("post"))
    old.step()
    assert calls == ["post"] and old.state_dict()["state"][0]["step"] == 2
