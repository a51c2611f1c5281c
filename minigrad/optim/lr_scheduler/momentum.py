"""Momentum cycling: schedules that move the momentum against the lr (CyclicLR, OneCycleLR), as PyTorch's do.

The cycled value is ``group["momentum"]`` for an optimizer with a momentum option (SGD, RMSprop) and
beta1, ``group["betas"][0]``, for one with betas (the Adam family); betas win when an optimizer has both,
as in PyTorch. An SGD built with ``momentum=0`` gets the cycled momentum too (PyTorch's behaviour).
"""

from minigrad.optim.lr_scheduler.base import check_bool, check_number, per_group


def check_momentum(name, value, owner):
    """A momentum or beta1: a number in [0, 1)."""
    check_number(name, value, owner, lambda v: 0 <= v < 1, "a number in [0, 1)")


class MomentumCycling:
    """Mixin of a schedule that also writes ``momentum_at(epoch)`` into each group at every step.

    ``_init_momentum`` (called before the schedule's base constructor, which takes the first step)
    validates the options and records them as plain data, so they are part of ``state_dict``;
    ``_last_momentum`` is the last value written, and ``load_state_dict`` writes it back, as it does the lrs.
    """

    def _init_momentum(self, optimizer, cycle_momentum, base_momentum, max_momentum):
        owner = type(self).__name__
        check_bool("cycle_momentum", cycle_momentum, owner)
        self.cycle_momentum = bool(cycle_momentum)
        self.use_beta1 = False
        self.base_momentums = self.max_momentums = self._last_momentum = None
        if not self.cycle_momentum:
            return
        defaults = getattr(optimizer, "defaults", {})
        if "momentum" not in defaults and "betas" not in defaults:
            raise ValueError(f"{owner}: cycle_momentum=True needs an optimizer with a momentum option (SGD, "
                             f"RMSprop) or betas (the Adam family), and {type(optimizer).__name__} has neither; "
                             "pass cycle_momentum=False")
        self.use_beta1 = "betas" in defaults
        self.base_momentums = per_group("base_momentum", base_momentum, optimizer, owner, check_momentum)
        self.max_momentums = per_group("max_momentum", max_momentum, optimizer, owner, check_momentum)

    def momentum_at(self, epoch):
        """The list of each group's momentum (or beta1) at ``epoch``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement momentum_at()")

    def write_momentums_at(self, epoch):
        """With ``cycle_momentum``, write each group's momentum (or beta1) at ``epoch`` (``step`` calls this)."""
        if self.cycle_momentum:
            self._write_momentums(self.momentum_at(epoch))

    def _write_momentums(self, momentums):
        for group, momentum in zip(self.optimizer.param_groups, momentums):
            if self.use_beta1:
                group["betas"] = (float(momentum), *group["betas"][1:])  # beta1 = m, beta2 kept
            else:
                group["momentum"] = float(momentum)
        self._last_momentum = [float(m) for m in momentums]

    def load_state_dict(self, state_dict):
        """Restore the state, and write its last lrs and momentums back into the param groups."""
        super().load_state_dict(state_dict)
        if self.cycle_momentum:
            self._write_momentums(self._last_momentum)
