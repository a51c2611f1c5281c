"""SWALR: anneal each group's lr to a fixed SWA lr, then hold it (``torch.optim.swa_utils.SWALR``)."""

import math

from minigrad.optim.lr_scheduler.base import LRScheduler, check_non_negative_number, check_optimizer, per_group
from minigrad.optim.validation import shown
from minigrad.scalars import is_integer


class SWALR(LRScheduler):
    r"""Anneal the lr from the group's current one to ``swa_lr`` in ``anneal_epochs`` steps, as PyTorch's SWALR.

    With ``lr_0`` the group's lr when the schedule is built (whatever schedule set it before)
    and ``k`` the steps taken since::

        t = clip(k / max(1, anneal_epochs), 0, 1)        (k counted from 1 when anneal_epochs = 0)
        a = (1 - cos(pi t)) / 2   ("cos")   or   a = t   ("linear")
        lr_k = swa_lr * a + lr_0 * (1 - a)

    so the lr reaches ``swa_lr`` at step ``anneal_epochs`` and stays there. PyTorch recovers
    ``lr_0`` from the current lr at every step (``(lr - a' swa_lr) / (1 - a')``); here it is kept,
    which agrees up to rounding, until another schedule changes the lr (PyTorch's SWA recipe builds a
    cosine schedule and this one up front and steps the cosine until the SWA phase): then this one
    recovers it as PyTorch's does (``chained_lrs``). ``swa_lr`` is one number or one per param group, and is also
    written into each group as ``"swa_lr"`` (read from there at every step), as in PyTorch.

    Args:
        optimizer: the optimizer.
        swa_lr: the lr to anneal to (a finite number >= 0, or a list with one per group).
        anneal_epochs: steps of the annealing phase, an integer >= 0 (default 10).
        anneal_strategy: ``"cos"`` or ``"linear"`` (default "cos").
        last_epoch: epoch to resume from (-1: start); the annealing counts from construction
            whatever it is, as PyTorch's (which counts its own steps).
    """

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
        owner = "SWALR"
        check_optimizer(optimizer, owner)
        swa_lrs = per_group("swa_lr", swa_lr, optimizer, owner, check_non_negative_number)
        for group, lr in zip(optimizer.param_groups, swa_lrs):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {shown(anneal_strategy)}")
        if not (is_integer(anneal_epochs) and anneal_epochs >= 0):
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {shown(anneal_epochs)}")
        self.anneal_epochs, self.anneal_strategy = int(anneal_epochs), anneal_strategy
        self._first_epoch = (last_epoch + 1) if is_integer(last_epoch) else 0   # the epoch of step k = 0
        super().__init__(optimizer, last_epoch)

    def _starting_lrs(self):
        return [float(group["lr"]) for group in self.optimizer.param_groups]   # lr_0: the lr it anneals from

    def _anneal(self, t):
        t = max(0.0, min(1.0, t))                                  # t clipped to [0, 1]
        if self.anneal_strategy == "cos":
            return (1 - math.cos(math.pi * t)) / 2                 # a = (1 - cos(pi t)) / 2
        return t                                                   # a = t

    def _steps_taken(self, epoch):
        k = epoch - self._first_epoch
        return max(1, k) if self.anneal_epochs == 0 else k

    def _alpha(self, epoch):
        return self._anneal(self._steps_taken(epoch) / max(1, self.anneal_epochs))   # t = k / anneal_epochs

    def chained_lrs(self, lrs, epoch):
        """PyTorch's step from the lrs the groups hold: ``lr_0 = (lr - a' swa_lr) / (1 - a')`` with the previous
        step's ``a'`` (``swa_lr`` where ``a' = 1``), then ``lr_k = swa_lr * a + lr_0 * (1 - a)``."""
        before = self._anneal((self._steps_taken(epoch) - 1) / max(1, self.anneal_epochs))
        alpha = self._alpha(epoch)
        swa_lrs = [float(group["swa_lr"]) for group in self.optimizer.param_groups]
        starts = [swa if before == 1 else (lr - before * swa) / (1 - before) for lr, swa in zip(lrs, swa_lrs)]
        return [swa * alpha + start * (1 - alpha) for swa, start in zip(swa_lrs, starts)]

    def lr_at(self, epoch):
        alpha = self._alpha(epoch)
        # lr_k = swa_lr * a + lr_0 * (1 - a)
        return [float(group["swa_lr"]) * alpha + base * (1 - alpha)
                for group, base in zip(self.optimizer.param_groups, self.base_lrs)]
