"""float32 stays float32 through every optimizer, and every optimizer minimizes a quadratic."""

import numpy as np
import pytest

from minigrad.optim import ASGD, SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam, RAdam, RMSprop, Rprop
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
            value = tuple(np.float64(v) for v in value)
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
