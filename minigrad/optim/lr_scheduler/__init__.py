"""Learning-rate schedules: they write a new ``lr`` into each of an optimizer's param groups.

Usage follows PyTorch: build the scheduler after the optimizer (construction
sets the lr of epoch 0), call ``optimizer.step()`` then ``scheduler.step()``
once per epoch (or per iteration). Each group is scheduled separately from its
own starting lr, remembered in the group as ``"initial_lr"``.

The schedules here are written in closed form, ``lr_k = f(k, lr_0)``, so an
lr can be read off at any epoch and a schedule can be resumed exactly; PyTorch
computes most of them recursively from the previous lr, which agrees up to
rounding. Once a schedule finds the lrs changed since it wrote them (another
schedule stepped on the same optimizer, as PyTorch's documentation chains them,
a ReduceLROnPlateau, a hand-set lr), it goes on from the lrs the groups hold, by
PyTorch's recursion, as PyTorch's do. Compose schedules with :class:`SequentialLR` (one after another,
e.g. warmup then cosine) or :class:`ChainedScheduler` (stepped in turn on one lr, as in PyTorch).

One module per family, all importable from here: ``base`` (LRScheduler),
``decay``, ``annealing``, ``cyclic`` (per-batch cycles of the lr and the momentum, with
``momentum``), ``composition`` and ``plateau``.
"""

# The public names, re-exported from the module of each family: import them from here.
from minigrad.optim.lr_scheduler.annealing import (ConstantLR, CosineAnnealingLR,  # noqa: F401
                                                   CosineAnnealingWarmRestarts, LinearDecayLR, LinearLR,
                                                   LinearWarmup)
from minigrad.optim.lr_scheduler.composition import ChainedScheduler, SequentialLR  # noqa: F401
from minigrad.optim.lr_scheduler.cyclic import CyclicLR, OneCycleLR  # noqa: F401
from minigrad.optim.lr_scheduler.decay import (ExponentialLR, LambdaLR, MultiplicativeLR,  # noqa: F401
                                               MultiStepLR, PolynomialLR, StepLR)
from minigrad.optim.lr_scheduler.plateau import ReduceLROnPlateau  # noqa: F401
from minigrad.optim.lr_scheduler.base import LRScheduler  # noqa: F401

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "LambdaLR", "MultiplicativeLR", "PolynomialLR",
           "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "LinearLR", "ConstantLR", "LinearDecayLR", "LinearWarmup",
           "CyclicLR", "OneCycleLR", "SequentialLR", "ChainedScheduler", "ReduceLROnPlateau"]
