"""float32 stays float32 through every optimizer, and every optimizer minimizes a quadratic."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import (ASGD, BFGS, LBFGS, SGD, Adadelta, Adafactor, Adagrad, Adam, Adamax, AdamW,
                            ConjugateGradient, Muon, NAdam, Newton, NewtonCG, RAdam, RMSprop, Rprop)
from optim.helpers import make_params, quadratic_loss, set_quadratic_grads

ALL_OPTIONS = [
    (SGD, dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    (SGD, dict(lr=0.05, momentum=0.9, nesterov=True, maximize=True)),
    (Adagrad, dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1)),
    (RMSprop, dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.01)),
    (Adadelta, dict(lr=1.0, weight_decay=0.01)),
    (Adam, dict(lr=0.05, amsgrad=True, weight_decay=0.01)),
    (AdamW, dict(lr=0.05, amsgrad=True)),
    (Adamax, dict(lr=0.05, weight_decay=0.01)),
    (NAdam, dict(lr=0.05, weight_decay=0.01)),
    (NAdam, dict(lr=0.05, weight_decay=0.01, decoupled_weight_decay=True)),
    (RAdam, dict(lr=0.05, betas=(0.9, 0.9), weight_decay=0.01)),
    (RAdam, dict(lr=0.05, betas=(0.9, 0.9), weight_decay=0.01, decoupled_weight_decay=True)),
    (Rprop, dict(lr=0.05, etas=(0.4, 1.3), step_sizes=(1e-4, 1.0))),
    (Rprop, dict(lr=0.05, maximize=True)),
    (ASGD, dict(lr=0.05, lambd=0.01, t0=2, weight_decay=0.01)),
    (ASGD, dict(lr=0.05, maximize=True)),
]
IDS = [f"{cls.__name__}-{i}" for i, (cls, _) in enumerate(ALL_OPTIONS)]


def _as_numpy_float64_scalars(options):
    """The same options with every float a np.float64 scalar (which promotes float32 arrays if multiplied)."""
    converted = {}
    for name, value in options.items():
        if isinstance(value, float):
            value = np.float64(value)
        elif isinstance(value, tuple):
            value = tuple(np.float64(v) if isinstance(v, float) else v for v in value)  # Adafactor's (None, e)
        converted[name] = value
    return converted


@pytest.mark.parametrize("cls, options", ALL_OPTIONS, ids=IDS)
def test_float32_parameters_and_state_stay_float32_and_in_place(cls, options, device):
    params = make_params(device, np.float32)
    arrays = [p.data for p in params]
    optimizer = cls(params, **_as_numpy_float64_scalars(options))
    for _ in range(7):  # RAdam with beta2 = 0.9 switches to its rectified branch at step 6
        set_quadratic_grads(params)
        optimizer.step()
    for p, array in zip(params, arrays):
        assert p.data is array
        assert p.data.dtype == np.float32
        for name, value in optimizer.state[p].items():
            if hasattr(value, "dtype"):
                assert value.dtype == np.float32, name
        assert np.all(np.isfinite(p.numpy()))


CONVERGENCE = [
    (SGD, dict(lr=0.1)),
    (SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    (Adagrad, dict(lr=0.5)),
    (RMSprop, dict(lr=0.01)),
    (RMSprop, dict(lr=0.01, centered=True, momentum=0.5)),
    (Adadelta, dict(lr=10.0)),
    (Adam, dict(lr=0.05)),
    (Adam, dict(lr=0.05, amsgrad=True)),
    (AdamW, dict(lr=0.05, weight_decay=1e-4)),
    (Adamax, dict(lr=0.05)),
    (NAdam, dict(lr=0.05)),
    (RAdam, dict(lr=0.05)),
    (Rprop, dict(lr=0.05)),
    (ASGD, dict(lr=0.1)),
    (ASGD, dict(lr=0.1, t0=100)),
]


@pytest.mark.parametrize("cls, options", CONVERGENCE, ids=[f"{c.__name__}-{i}" for i, (c, _) in enumerate(CONVERGENCE)])
def test_optimizer_minimizes_the_quadratic(cls, options, device):
    params = make_params(device, np.float32)
    optimizer = cls(params, **options)
    initial = quadratic_loss(params).item()
    for _ in range(300):
        optimizer.zero_grad()
        quadratic_loss(params).backward()
        optimizer.step()
    final = quadratic_loss(params).item()
    assert final < 1e-3 * initial, (initial, final)


# The other optimizers, given float32 parameters and every float hyperparameter as a np.float64 scalar: the
# iterates are bit for bit those of the same options as Python floats (a np.float64 that reached an array
# would have made the step float64 and then rounded it back), and parameters and state stay float32.
CLOSURE_FREE = [(Adafactor, dict(lr=0.05, beta2_decay=-0.5, eps=(None, 1e-3), d=1.0, weight_decay=0.01)),
                (Muon, dict(lr=0.05, weight_decay=0.01, momentum=0.9, eps=1e-7))]
WITH_CLOSURE = [(LBFGS, dict(lr=1.0, max_iter=4, tolerance_grad=1e-9, tolerance_change=1e-12)),
                (LBFGS, dict(lr=0.5, max_iter=4, line_search_fn="strong_wolfe")),
                (ConjugateGradient, dict(lr=1.0, c1=1e-4, c2=0.1)), (BFGS, dict(lr=1.0, c1=1e-4, c2=0.9)),
                (Newton, dict(lr=1.0, damping=1e-3)), (NewtonCG, dict(lr=1.0, forcing_max=0.5))]


def _float32_run(cls, options, steps=3):
    rng = np.random.default_rng(7)
    params = [mg.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
              for shape in ((3, 4), (4, 2))]
    optimizer = cls(params, **options)
    h = [mg.tensor(rng.uniform(0.5, 2.0, p.shape).astype(np.float32)) for p in params]

    def closure():
        optimizer.zero_grad()
        loss = sum(((p * p * hp).sum() + mg.sin(p).sum()) for p, hp in zip(params, h))
        loss.backward()
        return loss

    for _ in range(steps):
        if cls in (Newton, NewtonCG):
            with mg.autograd.record_backward_graph():
                optimizer.step(closure)
        elif cls in (Adafactor, Muon):
            closure()
            optimizer.step()
        else:
            optimizer.step(closure)
    state = [(f"state {key}", v) for p in params for key, v in optimizer.state.get(p, {}).items()]
    state += [(f"state {key}", v) for key, v in optimizer.state.items() if not isinstance(key, mg.Tensor)]
    return [p.numpy() for p in params], state


@pytest.mark.parametrize("cls, options", CLOSURE_FREE + WITH_CLOSURE,
                         ids=[f"{c.__name__}-{i}" for i, (c, _) in enumerate(CLOSURE_FREE + WITH_CLOSURE)])
def test_numpy_scalar_hyperparameters_keep_float32_steps_of_the_other_optimizers(cls, options):
    expected, _ = _float32_run(cls, options)
    actual, state = _float32_run(cls, _as_numpy_float64_scalars(options))
    assert [a.dtype for a in actual] == [np.float32, np.float32]
    for a, e in zip(actual, expected):
        np.testing.assert_array_equal(a, e)
    floating = [(name, a.dtype) for name, v in state for a in _leaves(v) if getattr(a, "dtype", None) is not None
                and a.dtype.kind == "f"]
    assert floating or cls in (Newton, NewtonCG)   # the Newton methods keep no arrays between steps
    assert all(dtype == np.float32 for _, dtype in floating), floating


def _leaves(value):
    """Arrays (and NumPy scalars) in a state value: Tensors' arrays, lists and dicts of them (LBFGS's history)."""
    if isinstance(value, mg.Tensor):
        yield value.data
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _leaves(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    else:
        yield value
