"""``LRScheduler``, the base of the epoch-indexed schedules, and the helpers they share.

A subclass gives the closed form ``lr_at(epoch)``; the base class writes it into the
optimizer's param groups at each ``step`` and saves and restores the schedule's state.
"""


def check_positive_int(name, value, owner):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")


class LRScheduler:
    """Base class of the epoch-indexed schedules.

    Subclasses implement :meth:`lr_at`, the lr of every group at a given
    epoch. ``last_epoch`` is the index of the current epoch (-1 before the
    first call of :meth:`step`, which the constructor makes).

    Args:
        optimizer: the optimizer whose ``param_groups[i]["lr"]`` are set.
        last_epoch: the epoch to resume from; -1 starts afresh. To resume,
            every group must already hold its ``"initial_lr"``.
    """

    def __init__(self, optimizer, last_epoch=-1):
        if not hasattr(optimizer, "param_groups"):
            raise TypeError(f"{type(self).__name__}: expected an optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"{type(self).__name__}: param group {i} has no 'initial_lr', "
                                   f"needed to resume from last_epoch={last_epoch}")
        self.base_lrs = [float(group["initial_lr"]) for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def lr_at(self, epoch):
        """The list of each group's lr at ``epoch`` (epoch 0 gives the base lrs)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement lr_at()")

    def get_lr(self):
        """The lrs of the current epoch, ``lr_at(last_epoch)``."""
        return self.lr_at(self.last_epoch)

    def step(self):
        """Advance one epoch and write the new lrs into the param groups."""
        self.last_epoch += 1
        self._set_lrs(self.get_lr())

    def _set_lrs(self, lrs):
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = float(lr)
        self._last_lr = [float(group["lr"]) for group in self.optimizer.param_groups]

    def get_last_lr(self):
        """The lrs last written by this scheduler, one per param group."""
        return list(self._last_lr)

    def state_dict(self):
        """Everything but the optimizer and any functions, as plain data (sub-schedules nested)."""
        state = {key: value for key, value in self.__dict__.items()
                 if key not in ("optimizer", "lr_lambdas", "schedulers")}
        if hasattr(self, "schedulers"):
            state["schedulers"] = [s.state_dict() for s in self.schedulers]
        return state

    def load_state_dict(self, state_dict):
        """Restore a state from :meth:`state_dict`; the optimizer's lrs are not touched."""
        state_dict = dict(state_dict)
        for scheduler, sub_state in zip(getattr(self, "schedulers", []), state_dict.pop("schedulers", [])):
            scheduler.load_state_dict(sub_state)
        for key, value in state_dict.items():
            setattr(self, key, arrays_to_lists(value))


def arrays_to_lists(value):
    """Python numbers and lists for values that came back from a file as NumPy arrays or scalars."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, list):
        return [arrays_to_lists(v) for v in value]
    return value
