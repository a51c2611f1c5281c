"""Every optimizer rejects bad hyperparameters up front, naming the value."""

import re

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import ASGD, SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam, RAdam, RMSprop, Rprop

ADAM_FAMILY = [Adam, AdamW, Adamax, NAdam, RAdam]

CASES = [
    (SGD, {"lr": -1}, "Invalid learning rate: -1"),
    (SGD, {"momentum": -0.5}, "Invalid momentum value: -0.5"),
    (SGD, {"weight_decay": -0.1}, "Invalid weight_decay value: -0.1"),
    (SGD, {"nesterov": True}, "Nesterov momentum requires a momentum and zero dampening"),
    (SGD, {"nesterov": True, "momentum": 0.9, "dampening": 0.1},
     "Nesterov momentum requires a momentum and zero dampening"),
    (Adagrad, {"lr": -0.1}, "Invalid learning rate: -0.1"),
    (Adagrad, {"lr_decay": -1.0}, "Invalid lr_decay value: -1.0"),
    (Adagrad, {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    (Adagrad, {"initial_accumulator_value": -2.0}, "Invalid initial_accumulator_value value: -2.0"),
    (Adagrad, {"eps": -1e-10}, "Invalid epsilon value: -1e-10"),
    (RMSprop, {"lr": -0.1}, "Invalid learning rate: -0.1"),
    (RMSprop, {"alpha": -0.9}, "Invalid alpha value: -0.9"),
    (RMSprop, {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    (RMSprop, {"momentum": -1.0}, "Invalid momentum value: -1.0"),
    (RMSprop, {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    (Adadelta, {"lr": -1.0}, "Invalid learning rate: -1.0"),
    (Adadelta, {"rho": 1.5}, "Invalid rho value: 1.5"),
    (Adadelta, {"rho": -0.1}, "Invalid rho value: -0.1"),
    (Adadelta, {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    (Adadelta, {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    (NAdam, {"momentum_decay": -0.1}, "Invalid momentum_decay value: -0.1"),
    # dampening in [0, 1] (PyTorch does not check it; nan and negatives must not pass)
    (SGD, {"momentum": 0.9, "dampening": -0.5}, "Invalid dampening value: -0.5"),
    (SGD, {"momentum": 0.9, "dampening": 2.0}, "Invalid dampening value: 2.0"),
    (SGD, {"momentum": 0.9, "dampening": float("nan")}, "Invalid dampening value: nan"),
    # alpha in [0, 1]: alpha > 1 makes square_avg negative, then NaN
    (RMSprop, {"alpha": 1.5}, "Invalid alpha value: 1.5"),
    (RMSprop, {"alpha": float("nan")}, "Invalid alpha value: nan"),
    # Rprop: PyTorch's lr and etas checks; step_sizes a pair with 0 <= min <= max (PyTorch does not check them)
    (Rprop, {"lr": -1}, "Invalid learning rate: -1"),
    (Rprop, {"etas": (1.5, 1.2)}, "Invalid eta values: 1.5, 1.2"),
    (Rprop, {"etas": (0.5, 0.9)}, "Invalid eta values: 0.5, 0.9"),
    (Rprop, {"etas": (0.0, 1.2)}, "Invalid eta values: 0.0, 1.2"),
    (Rprop, {"etas": (float("nan"), 1.2)}, "Invalid eta values: nan, 1.2"),
    (Rprop, {"etas": 0.5}, "Invalid etas: 0.5 (expected a pair (etaminus, etaplus))"),
    (Rprop, {"step_sizes": (1.0, 0.1)}, "Invalid step sizes: 1.0, 0.1"),
    (Rprop, {"step_sizes": (-1e-6, 50)}, "Invalid step sizes: -1e-06, 50"),
    (Rprop, {"step_sizes": (1e-6, float("nan"))}, "Invalid step sizes: 1e-06, nan"),
    (Rprop, {"step_sizes": (1e-6,)}, "Invalid step_sizes: (1e-06,) (expected a pair (min, max))"),
    # ASGD: PyTorch's lr and weight_decay checks; lambd, alpha and t0 >= 0 (PyTorch does not check them)
    (ASGD, {"lr": -0.5}, "Invalid learning rate: -0.5"),
    (ASGD, {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    (ASGD, {"lambd": -1e-4}, "Invalid lambd value: -0.0001"),
    (ASGD, {"lambd": float("inf")}, "Invalid lambd value: inf"),
    (ASGD, {"alpha": -0.75}, "Invalid alpha value: -0.75"),
    (ASGD, {"alpha": float("nan")}, "Invalid alpha value: nan"),
    (ASGD, {"t0": -1}, "Invalid t0 value: -1"),
]
# yes/no options: a bool, not any truthy value ("no" would switch maximize on)
FLAGS = {SGD: ["nesterov", "maximize"], Adagrad: ["maximize"], RMSprop: ["centered", "maximize"],
         Adadelta: ["maximize"], Adam: ["amsgrad", "maximize"], AdamW: ["amsgrad", "maximize"],
         Adamax: ["maximize"], NAdam: ["decoupled_weight_decay", "maximize"],
         RAdam: ["decoupled_weight_decay", "maximize"], Rprop: ["maximize"], ASGD: ["maximize"]}
for cls, flags in FLAGS.items():
    for flag in flags:
        CASES += [
            (cls, {flag: "no"}, f"Invalid {flag}: 'no' (expected True or False)"),
            (cls, {flag: 1}, f"Invalid {flag}: 1 (expected True or False)"),
            (cls, {flag: None}, f"Invalid {flag}: None (expected True or False)"),
        ]
for cls in ADAM_FAMILY:
    CASES += [
        (cls, {"lr": -1}, "Invalid learning rate: -1"),
        (cls, {"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
        (cls, {"betas": (1.5, 0.999)}, "Invalid beta parameter at index 0: 1.5"),
        (cls, {"betas": (0.9, 1.0)}, "Invalid beta parameter at index 1: 1.0"),
        (cls, {"betas": (-0.1, 0.9)}, "Invalid beta parameter at index 0: -0.1"),
        (cls, {"betas": 0.9}, "Invalid betas: 0.9"),
        (cls, {"weight_decay": -0.01}, "Invalid weight_decay value: -0.01"),
    ]


@pytest.mark.parametrize("cls, options, message", CASES,
                         ids=[f"{c.__name__}-{','.join(f'{k}={v!r}' for k, v in o.items())}" for c, o, _ in CASES])
def test_bad_hyperparameter_raises_value_error_naming_it(cls, options, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        cls([mg.tensor([1.0], requires_grad=True)], **options)


def test_dampening_that_is_not_a_number_fails_at_construction_not_at_step():
    with pytest.raises(TypeError, match=r"SGD: invalid hyperparameter type in param group 0 .*'dampening': 'x'"):
        SGD([mg.tensor([1.0], requires_grad=True)], momentum=0.9, dampening="x")


@pytest.mark.parametrize("cls, options", [(SGD, {"momentum": 0.9, "dampening": 0.0}),
                                          (SGD, {"momentum": 0.9, "dampening": 1.0}),
                                          (RMSprop, {"alpha": 0.0}), (RMSprop, {"alpha": 1.0})],
                         ids=["dampening=0", "dampening=1", "alpha=0", "alpha=1"])
def test_the_ends_of_the_closed_ranges_are_accepted(cls, options):
    cls([mg.tensor([1.0], requires_grad=True)], **options)


FLAG_CASES = [(cls, flag) for cls, flags in FLAGS.items() for flag in flags]


@pytest.mark.parametrize("cls, flag", FLAG_CASES, ids=[f"{c.__name__}-{f}" for c, f in FLAG_CASES])
def test_flags_take_python_and_numpy_bools(cls, flag):
    for value in (True, False, np.bool_(True), np.bool_(False)):
        options = {flag: value}
        if flag == "nesterov":
            options["momentum"] = 0.9
        assert cls([mg.tensor([1.0], requires_grad=True)], **options).param_groups[0][flag] == value


@pytest.mark.parametrize("cls, flag", FLAG_CASES, ids=[f"{c.__name__}-{f}" for c, f in FLAG_CASES])
def test_a_bad_flag_in_a_group_or_a_checkpoint_is_rejected_too(cls, flag):
    good = mg.tensor([1.0], requires_grad=True)
    bad = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match=re.escape(f"Invalid {flag}: 'no' (expected True or False)")):
        cls([{"params": [good]}, {"params": [bad], flag: "no"}])
    saved = cls([good]).state_dict()
    saved["param_groups"][0][flag] = "no"
    with pytest.raises(ValueError, match=re.escape(f"Invalid {flag}: 'no' (expected True or False)")):
        cls([good]).load_state_dict(saved)


@pytest.mark.parametrize("cls", [SGD, Adagrad, RMSprop, Adadelta, *ADAM_FAMILY, Rprop, ASGD])
def test_bad_hyperparameter_in_a_group_is_rejected_too(cls):
    good = mg.tensor([1.0], requires_grad=True)
    bad = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match=re.escape("Invalid learning rate: -0.5")):
        cls([{"params": [good]}, {"params": [bad], "lr": -0.5}])


@pytest.mark.parametrize("cls, defaults", [
    (SGD, dict(lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False)),
    (Adagrad, dict(lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10)),
    (RMSprop, dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False)),
    (Adadelta, dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False)),
    (Adam, dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False)),
    (AdamW, dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False)),
    (Adamax, dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)),
    (NAdam, dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3)),
    (RAdam, dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)),
    (Rprop, dict(lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), maximize=False)),
    (ASGD, dict(lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0.0, maximize=False)),
])
def test_defaults_match_pytorch(cls, defaults):
    group = cls([mg.tensor([1.0], requires_grad=True)]).param_groups[0]
    for name, value in defaults.items():
        assert group[name] == value, name
