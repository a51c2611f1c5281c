"""Trajectories of the first-order optimizers against torch.optim's, in float64, where a differential
sweep found them apart: parameters of every shape (0-d included) ... """
import inspect

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.backend import to_numpy

# A scalar (0-d), a vector and a matrix; the gradient is a bounded non-convex function of the parameter.
STARTS = [np.array(0.8), np.array([1.0, -2.0, 0.5]), np.array([[0.3, -0.7], [1.5, 2.0]])]
OPTIONS = {
    "SGD": dict(lr=0.05, momentum=0.9, nesterov=True),
    "Adam": dict(lr=0.05, amsgrad=True),
    "AdamW": dict(lr=0.05),
    "Adamax": dict(lr=0.05),
    "NAdam": dict(lr=0.05),
    "RAdam": dict(lr=0.05, betas=(0.9, 0.6)),  # b2 = 0.6: the rectified branch (rho_t > 5) from step 1 on
    "Adagrad": dict(lr=0.05),
    "Adadelta": dict(lr=0.5),
    "RMSprop": dict(lr=0.01, centered=True, momentum=0.5),
    "Rprop": dict(lr=0.01),
    "ASGD": dict(lr=0.05, t0=3),
}


pytestmark = pytest.mark.usefixtures("torch_float64")   # tests/optim/conftest.py


def _gradient(x):
    return np.cos(3 * x) + 0.3 * np.sin(x) - 0.2


def _trajectory(lib, name, starts, steps=12, dtype=np.float64, gradient=_gradient, with_optimizer=False, **options):
    """The parameters after each of ``steps`` steps from ``starts``, each gradient ``gradient(values)``."""
    if lib == "torch":
        params = [torch.tensor(x.copy(), requires_grad=True) for x in starts]
        optimizer = getattr(torch.optim, name)(params, **options)
        read, wrap = (lambda p: p.detach().numpy()), torch.tensor
    else:
        params = [mg.tensor(x.copy(), dtype=dtype, requires_grad=True) for x in starts]
        optimizer = getattr(mg.optim, name)(params, **options)
        read, wrap = (lambda p: to_numpy(p.data)), (lambda g: mg.tensor(g, dtype=dtype))
    out = []
    for _ in range(steps):
        for p in params:
            p.grad = wrap(gradient(read(p)))
        optimizer.step()
        out.append([read(p).copy() for p in params])
    return (out, optimizer) if with_optimizer else out


def _assert_same_trajectory(ours, theirs):
    for step, (mine, torchs) in enumerate(zip(ours, theirs)):
        for x, y in zip(mine, torchs):
            assert x.shape == y.shape, (step, x.shape, y.shape)
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-14, err_msg=f"step {step + 1}")


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_zero_dim_parameter_steps_as_in_torch(name):
    # NumPy ufuncs on 0-d arrays return scalars, which out= cannot take: the updates failed on a 0-d parameter
    ours = _trajectory("mg", name, STARTS, **OPTIONS[name])
    _assert_same_trajectory(ours, _trajectory("torch", name, STARTS, **OPTIONS[name]))


KERNEL_SWITCHES = ("foreach", "fused", "capturable", "differentiable")


def _torch_switches(name):
    return [s for s in KERNEL_SWITCHES if s in inspect.signature(getattr(torch.optim, name)).parameters]


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_torchs_kernel_switches_are_taken_as_torch_takes_them(name):
    # torch's scripts pass them (SGD(..., foreach=False)); they raised TypeError here except for Adam and AdamW
    switches = _torch_switches(name)
    assert switches, name
    ours = mg.optim.__dict__[name]
    assert [s for s in KERNEL_SWITCHES if s in inspect.signature(ours).parameters] == switches
    off = {s: (None if s in ("foreach", "fused") else False) for s in switches}
    plain = _trajectory("mg", name, STARTS, **OPTIONS[name])
    _assert_same_trajectory(_trajectory("mg", name, STARTS, **OPTIONS[name], **off), plain)
    _assert_same_trajectory(_trajectory("mg", name, STARTS, **OPTIONS[name], foreach=True), plain)
    p = [mg.tensor([1.0], requires_grad=True)]
    for switch in ("capturable", "differentiable"):
        if switch in switches:
            with pytest.raises(ValueError, match=f"{name}: {switch}=True .* not supported"):
                ours(p, **{switch: True})
    if "fused" in switches:
        with pytest.raises(RuntimeError, match=f"{name}: `fused` and `foreach` cannot be `True` together."):
            ours(p, fused=True, foreach=True)
    with pytest.raises(TypeError, match=f"{name}: foreach must be None or a bool, got int 1"):
        ours(p, foreach=1)


def _complex_trajectory(lib, name, steps=15, **options):
    starts = [x * (1 - 0.5j) + 0.25j for x in STARTS]
    out, optimizer = _trajectory(lib, name, starts, steps, np.complex128, with_optimizer=True, **options,
                                 gradient=lambda x: _gradient(x.real) + 1j * _gradient(2 * x.imag))
    state = optimizer.state_dict()["state"]
    return out, {k: {n: to_numpy(v) if not torch.is_tensor(v) else v.numpy() for n, v in s.items()
                     if n not in ("step", "eta", "mu", "mu_product")}  # the scalars
                for k, s in state.items()}


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_complex_parameters_step_as_in_torch(name):
    # torch updates a complex parameter as real pairs (view_as_real); here g * g, sqrt, max and sign took the
    # complex values as they were (Adam's v = g * g is the square, not |g|^2): wrong iterates, Adamax a TypeError
    ours, our_state = _complex_trajectory("mg", name, **OPTIONS[name])
    theirs, their_state = _complex_trajectory("torch", name, **OPTIONS[name])
    _assert_same_trajectory(ours, theirs)
    assert our_state.keys() == their_state.keys()
    for index, entries in their_state.items():
        assert sorted(our_state[index]) == sorted(entries), (index, sorted(our_state[index]), sorted(entries))
        for key, value in entries.items():
            assert our_state[index][key].dtype == np.complex128 and our_state[index][key].shape == value.shape, key
            np.testing.assert_allclose(our_state[index][key], value, rtol=1e-12, atol=1e-14, err_msg=key)


def test_complex_state_round_trips_mid_run():
    starts = [x + 0.5j for x in STARTS]
    params = [mg.tensor(x.copy(), dtype=np.complex128, requires_grad=True) for x in starts]
    twin = [mg.tensor(x.copy(), dtype=np.complex128, requires_grad=True) for x in starts]
    optimizer, resumed = mg.optim.Adam(params, lr=0.05, amsgrad=True), mg.optim.Adam(twin, lr=0.05, amsgrad=True)
    for step in range(10):
        for p, q in zip(params, twin):
            p.grad = q.grad = mg.tensor(np.cos(to_numpy(p.data)), dtype=np.complex128)
        optimizer.step()
        if step == 4:
            resumed = mg.optim.Adam(twin, lr=0.05, amsgrad=True)
            resumed.load_state_dict(optimizer.state_dict())
            for p, q in zip(params, twin):
                q.data[...] = p.data
        else:
            resumed.step()
    for p, q in zip(params, twin):
        np.testing.assert_array_equal(to_numpy(q.data), to_numpy(p.data))


def _as_numpy(value):
    """A torch state dict with its tensors as NumPy arrays (what a script converting a torch checkpoint has)."""
    if torch.is_tensor(value):
        return value.detach().numpy().copy()
    if isinstance(value, dict):
        return {k: _as_numpy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_as_numpy(v) for v in value)
    return value


@pytest.mark.parametrize("as_it_is", [False, True], ids=["numpy", "torch-tensors"])
@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_a_torch_state_dict_resumes_the_run_as_torch(name, as_it_is):
    # torch's groups hold its kernel switches (foreach, capturable, ...; Adam's also decoupled_weight_decay), which
    # are no options here: the state was refused as "saved by another optimizer"; its float step count stays an int.
    # Its tensors, left as they are, were kept as state and failed at the next step ("return arrays must be of
    # ArrayType"): their values are taken
    torch_params = [torch.tensor(x.copy(), requires_grad=True) for x in STARTS]
    ours = [mg.tensor(x.copy(), dtype=mg.float64, requires_grad=True) for x in STARTS]
    groups = lambda ps: [dict(params=ps[:2]), dict(params=ps[2:], lr=0.002)]   # noqa: E731
    theirs = getattr(torch.optim, name)(groups(torch_params), **OPTIONS[name])
    for step in range(18):
        if step == 6:
            for p, q in zip(ours, torch_params):
                p.data[...] = q.detach().numpy()
            optimizer = getattr(mg.optim, name)(groups(ours), **OPTIONS[name])
            optimizer.load_state_dict(theirs.state_dict() if as_it_is else _as_numpy(theirs.state_dict()))
            assert all(type(s["step"]) is int for s in optimizer.state.values() if "step" in s)
        for p in torch_params:
            p.grad = torch.tensor(_gradient(p.detach().numpy()))
        theirs.step()
        if step >= 6:
            for p in ours:
                p.grad = mg.tensor(_gradient(to_numpy(p.data)), dtype=mg.float64)
            optimizer.step()
    for p, q in zip(ours, torch_params):
        np.testing.assert_allclose(to_numpy(p.data), q.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_torchs_adam_with_decoupled_weight_decay_loads_into_adamw_only():
    p = torch.tensor([1.0, 2.0], requires_grad=True)
    p.grad = torch.tensor([0.5, -0.5])
    adam = torch.optim.Adam([p], weight_decay=0.1, decoupled_weight_decay=True)
    adam.step()
    state = _as_numpy(adam.state_dict())
    q = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    with pytest.raises(ValueError, match=r"Adam.load_state_dict: param group 0 of the state has "
                                         r"decoupled_weight_decay=True, and Adam always steps with "
                                         r"decoupled_weight_decay=False; load it into AdamW"):
        mg.optim.Adam([q], weight_decay=0.1).load_state_dict(state)
    adamw = mg.optim.AdamW([q])
    adamw.load_state_dict(state)
    assert adamw.param_groups[0]["weight_decay"] == 0.1 and "decoupled_weight_decay" not in adamw.param_groups[0]


def _lbfgs_closure(optimizer, x, wrap):
    a = wrap(np.array([[1.0, 2.0, 0.5], [-1.0, 0.3, 2.0], [0.7, -0.4, 1.1], [0.2, 0.9, -1.5]]))
    b = wrap(np.array([1.0, -0.5, 0.3, 2.0]))

    def closure():
        optimizer.zero_grad()
        loss = ((a @ x - b) ** 2).sum() + 0.1 * (x ** 4).sum()
        loss.backward()
        return loss
    return closure


@pytest.mark.parametrize("as_it_is", [False, True], ids=["numpy", "torch-tensors"])
@pytest.mark.parametrize("options", [dict(max_iter=3), dict(max_iter=4, history_size=2)])
def test_lbfgs_resumes_from_a_torch_state_dict_as_torch(options, as_it_is):
    # torch keeps the history as old_stps/old_dirs/ro/H_diag: loaded here, it was ignored without a word and the
    # run went on from torch's last direction with an empty history (iterates 0.06 away after one step)
    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    theirs = torch.optim.LBFGS([x], **options)
    closure = _lbfgs_closure(theirs, x, torch.tensor)
    for _ in range(2):
        theirs.step(closure)
    ours_x = mg.tensor(x.detach().numpy().copy(), dtype=mg.float64, requires_grad=True)
    ours = mg.optim.LBFGS([ours_x], **options)
    ours.load_state_dict(theirs.state_dict() if as_it_is else _as_numpy(theirs.state_dict()))
    our_closure = _lbfgs_closure(ours, ours_x, lambda a: mg.tensor(a, dtype=mg.float64))
    for _ in range(2):
        theirs.step(closure)
        ours.step(our_closure)
        np.testing.assert_allclose(to_numpy(ours_x.data), x.detach().numpy(), rtol=1e-12, atol=1e-14)
        assert ours.state[ours_x]["func_evals"] == theirs.state[x]["func_evals"]


def test_adams_decoupled_weight_decay_switch_is_refused_with_advice_unless_it_is_the_classs_rule():
    # torch 2.13's Adam takes decoupled_weight_decay (as an argument and as a param group's entry); here AdamW is
    # that rule. The argument used to be a bare TypeError, and a group's entry was kept and ignored: Adam stepped
    # with L2 decay where torch's decoupled it, silently.
    p = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    with pytest.raises(ValueError, match=r"^Adam: decoupled_weight_decay=True: Adam always steps with "
                                         r"decoupled_weight_decay=False \(torch's Adam with "
                                         r"decoupled_weight_decay=True is AdamW here\); use AdamW$"):
        mg.optim.Adam([p], weight_decay=0.1, decoupled_weight_decay=True)
    with pytest.raises(ValueError, match=r"^Adam: param group's decoupled_weight_decay=True: .*; use AdamW$"):
        mg.optim.Adam([{"params": [p], "decoupled_weight_decay": True}], weight_decay=0.1)
    with pytest.raises(ValueError, match=r"^AdamW: param group's decoupled_weight_decay=False: AdamW always steps "
                                         r"with decoupled_weight_decay=True .*; use Adam$"):
        mg.optim.AdamW([{"params": [p], "decoupled_weight_decay": False}])
    with pytest.raises(ValueError, match=r"^Invalid decoupled_weight_decay: 'yes' \(expected True or False\)$"):
        mg.optim.Adam([p], decoupled_weight_decay="yes")
    # the rule each class has is accepted, as torch's argument, and steps as torch's
    q = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    for ours, theirs in [(mg.optim.Adam([p], lr=0.1, weight_decay=0.1, decoupled_weight_decay=False),
                          torch.optim.Adam([q], lr=0.1, weight_decay=0.1, decoupled_weight_decay=False)),
                         (mg.optim.AdamW([{"params": [p], "decoupled_weight_decay": True}], lr=0.1),
                          torch.optim.Adam([q], lr=0.1, weight_decay=0.01, decoupled_weight_decay=True))]:
        for _ in range(3):
            p.grad, q.grad = mg.tensor([0.5, -0.5], dtype=mg.float64), torch.tensor([0.5, -0.5], dtype=torch.float64)
            ours.step()
            theirs.step()
        np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=1e-15, atol=0)
