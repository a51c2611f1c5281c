"""Every optimizer and schedule takes its positional arguments in PyTorch's order, with PyTorch's defaults.

The trap this guards against: the same class name with another meaning at the same
position (``LinearLR(opt, 0.5)`` once meant ``end_lr=0.5`` here, ``start_factor=0.5``
in PyTorch). Options PyTorch does not have are keyword-only here.
"""
import inspect
import math

import pytest
import torch

import minigrad.optim as mg_optim
import minigrad.optim.lr_scheduler as mg_sched

OPTIMIZERS = ["SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "Rprop", "ASGD",
              "Adafactor", "Muon",
              "LBFGS"]
SCHEDULES = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "LambdaLR", "CosineAnnealingLR", "LinearLR",
             "SequentialLR", "ChainedScheduler", "ReduceLROnPlateau", "OneCycleLR", "CyclicLR",
             "CosineAnnealingWarmRestarts", "PolynomialLR", "MultiplicativeLR", "ConstantLR"]
PAIRS = ([(getattr(mg_optim, n), getattr(torch.optim, n)) for n in OPTIMIZERS]
         + [(getattr(mg_sched, n), getattr(torch.optim.lr_scheduler, n)) for n in SCHEDULES])


def _positional(cls):
    return [p.name for p in inspect.signature(cls).parameters.values() if p.kind == p.POSITIONAL_OR_KEYWORD]


@pytest.mark.parametrize("ours, theirs", PAIRS, ids=[ours.__name__ for ours, _ in PAIRS])
def test_positional_arguments_mean_what_they_mean_in_pytorch(ours, theirs):
    mine, torch_names = _positional(ours), _positional(theirs)
    shared = min(len(mine), len(torch_names))
    assert mine[:shared] == torch_names[:shared], (mine, torch_names)
    # Positional arguments past PyTorch's would take a value meant for none of ours.
    assert all(name in torch_names or name == "last_epoch" for name in mine), (mine, torch_names)


@pytest.mark.parametrize("ours, theirs", PAIRS, ids=[ours.__name__ for ours, _ in PAIRS])
def test_shared_arguments_have_pytorchs_defaults(ours, theirs):
    mine = inspect.signature(ours).parameters
    torch_params = inspect.signature(theirs).parameters
    for name, param in mine.items():
        if name not in torch_params or param.default is inspect.Parameter.empty:
            continue
        theirs_default = torch_params[name].default
        if isinstance(param.default, float) or isinstance(theirs_default, float):
            assert math.isclose(float(param.default), float(theirs_default)), (name, param.default, theirs_default)
        else:
            assert param.default == theirs_default, (name, param.default, theirs_default)
