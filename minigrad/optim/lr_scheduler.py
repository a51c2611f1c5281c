"""Learning-rate schedules: they write a new ``lr`` into each of an optimizer's param groups.

Usage follows PyTorch: build the scheduler after the optimizer (construction
sets the lr of epoch 0), call ``optimizer.step()`` then ``scheduler.step()``
once per epoch (or per iteration). Each group is scheduled separately from its
own starting lr, remembered in the group as ``"initial_lr"``.

The schedules here are written in closed form, ``lr_k = f(k, lr_0)``, so an
lr can be read off at any epoch and a schedule can be resumed exactly; PyTorch
computes most of them recursively from the previous lr, which agrees up to
rounding. Compose schedules with :class:`SequentialLR` (one after another,
e.g. warmup then cosine) or :class:`ChainedScheduler` (factors multiplied).
"""

import math
from bisect import bisect_right


def _check_positive_int(name, value, owner):
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
            setattr(self, key, _plain(value))


def _plain(value):
    """Python numbers and lists for values that came back from a file as NumPy arrays or scalars."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class LambdaLR(LRScheduler):
    """``lr_k = lr_0 * lr_lambda(k)``, as ``torch.optim.lr_scheduler.LambdaLR``.

    Args:
        optimizer: the optimizer.
        lr_lambda: a function of the epoch, or a list of them (one per group).
        last_epoch: epoch to resume from (-1: start).

    The functions are not part of :meth:`state_dict`.
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        n_groups = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n_groups:
                raise ValueError(f"LambdaLR: expected {n_groups} lr_lambdas, got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n_groups
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch):
        return [base * float(f(epoch)) for base, f in zip(self.base_lrs, self.lr_lambdas)]


class StepLR(LRScheduler):
    """``lr_k = lr_0 * gamma^floor(k / step_size)``, as ``torch.optim.lr_scheduler.StepLR``."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        _check_positive_int("step_size", step_size, "StepLR")
        self.step_size, self.gamma = step_size, float(gamma)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch):
        return [base * self.gamma ** (epoch // self.step_size) for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """``lr_k = lr_0 * gamma^(number of milestones <= k)``, as ``torch.optim.lr_scheduler.MultiStepLR``.

    A milestone listed twice counts twice, as in PyTorch.
    """

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        self.milestones = sorted(int(m) for m in milestones)
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch):
        return [base * self.gamma ** bisect_right(self.milestones, epoch) for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """``lr_k = lr_0 * gamma^k``, as ``torch.optim.lr_scheduler.ExponentialLR``."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch):
        return [base * self.gamma ** epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing (Loshchilov and Hutter, 2017), as ``torch.optim.lr_scheduler.CosineAnnealingLR``.

    ``lr_k = eta_min + (lr_0 - eta_min) * (1 + cos(pi * k / T_max)) / 2``; this closed
    form is what PyTorch's recursive update follows, including after ``T_max``
    (the lr rises again with period ``2 T_max``; there are no restarts).
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        _check_positive_int("T_max", T_max, "CosineAnnealingLR")
        self.T_max, self.eta_min = T_max, float(eta_min)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch):
        cosine = (1 + math.cos(math.pi * epoch / self.T_max)) / 2
        return [self.eta_min + (base - self.eta_min) * cosine for base in self.base_lrs]


class LinearLR(LRScheduler):
    r"""The textbook's linear decay (Goodfellow et al., *Deep Learning*, eq. 8.14).

    ``lr_k = (1 - a) * lr_0 + a * lr_tau`` with ``a = k / tau`` for ``k <= tau``,
    and ``lr_k = lr_tau`` afterwards.

    Signature: ``LinearLR(optimizer, end_lr=None, total_iters=5, *, end_factor=None, last_epoch=-1)``;
    give exactly one of ``end_lr`` (the same ``lr_tau`` for every group, or a list
    with one per group) and ``end_factor`` (``lr_tau = end_factor * lr_0``).
    ``total_iters`` is ``tau``.

    This differs from ``torch.optim.lr_scheduler.LinearLR``, which is written as a
    factor going from ``start_factor`` (default 1/3) to ``end_factor``:
    ``LinearLR(opt, end_factor=f, total_iters=tau)`` here equals PyTorch's
    ``LinearLR(opt, start_factor=1.0, end_factor=f, total_iters=tau)``. For a ramp
    up, use :class:`LinearWarmup`.
    """

    def __init__(self, optimizer, end_lr=None, total_iters=5, *, end_factor=None, last_epoch=-1):
        if (end_lr is None) == (end_factor is None):
            raise ValueError("LinearLR: give exactly one of end_lr and end_factor, "
                             f"got end_lr={end_lr!r}, end_factor={end_factor!r}")
        _check_positive_int("total_iters", total_iters, "LinearLR")
        n_groups = len(optimizer.param_groups)
        if end_lr is not None:
            end_lrs = list(end_lr) if isinstance(end_lr, (list, tuple)) else [end_lr] * n_groups
            if len(end_lrs) != n_groups:
                raise ValueError(f"LinearLR: expected {n_groups} end_lr values, got {len(end_lrs)}")
            for value in end_lrs:
                if not float(value) >= 0.0:
                    raise ValueError(f"LinearLR: end_lr must be >= 0, got {value}")
            self.end_lrs = [float(v) for v in end_lrs]
            self.end_factor = None
        else:
            if not float(end_factor) >= 0.0:
                raise ValueError(f"LinearLR: end_factor must be >= 0, got {end_factor}")
            self.end_lrs = None
            self.end_factor = float(end_factor)
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch):
        a = min(epoch, self.total_iters) / self.total_iters                # a = k / tau, then 1
        ends = self.end_lrs or [self.end_factor * base for base in self.base_lrs]
        return [(1 - a) * base + a * end for base, end in zip(self.base_lrs, ends)]  # (1-a) lr_0 + a lr_tau


class LinearWarmup(LRScheduler):
    r"""Linear warmup: ramp the lr from ``start_factor * lr_0`` up to ``lr_0``.

    ``lr_k = lr_0 * (s + (1 - s) * min(k, W) / W)`` with ``s = start_factor`` and
    ``W = warmup_iters``; the lr stays at ``lr_0`` after ``W`` epochs. Same as
    ``torch.optim.lr_scheduler.LinearLR(opt, start_factor=s, end_factor=1.0,
    total_iters=W)``. Follow it with another schedule via :class:`SequentialLR`::

        warmup = LinearWarmup(opt, warmup_iters=5)
        cosine = CosineAnnealingLR(opt, T_max=95)
        schedule = SequentialLR(opt, [warmup, cosine], milestones=[5])
    """

    def __init__(self, optimizer, warmup_iters, start_factor=0.1, last_epoch=-1):
        _check_positive_int("warmup_iters", warmup_iters, "LinearWarmup")
        if not 0.0 <= float(start_factor) <= 1.0:
            raise ValueError(f"LinearWarmup: start_factor must be in [0, 1], got {start_factor}")
        self.warmup_iters, self.start_factor = warmup_iters, float(start_factor)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch):
        s = self.start_factor
        factor = s + (1 - s) * min(epoch, self.warmup_iters) / self.warmup_iters
        return [base * factor for base in self.base_lrs]


class SequentialLR(LRScheduler):
    """Run schedules one after another, as ``torch.optim.lr_scheduler.SequentialLR``.

    Schedule ``i`` is active from ``milestones[i-1]`` (0 for the first) and sees
    its epochs counted from there. The sub-schedules' own ``step`` is not
    called; their closed forms are read.
    """

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        schedulers = list(schedulers)
        milestones = [int(m) for m in milestones]
        if not schedulers:
            raise ValueError("SequentialLR: expected at least one scheduler")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR: expected {len(schedulers) - 1} milestones for "
                             f"{len(schedulers)} schedulers, got {len(milestones)}")
        if milestones != sorted(milestones):
            raise ValueError(f"SequentialLR: milestones must be increasing, got {milestones}")
        for i, scheduler in enumerate(schedulers):
            if scheduler.optimizer is not optimizer:
                raise ValueError(f"SequentialLR: scheduler {i} belongs to another optimizer")
        self.schedulers, self.milestones = schedulers, milestones
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch):
        index = bisect_right(self.milestones, epoch)
        start = self.milestones[index - 1] if index > 0 else 0
        return self.schedulers[index].lr_at(epoch - start)


class ChainedScheduler(LRScheduler):
    """Multiply the factors of several schedules: ``lr_k = lr_0 * prod_i (lr_k^(i) / lr_0)``.

    For example exponential decay on top of a warmup. PyTorch's ChainedScheduler
    instead steps each schedule in turn on the current lr. That gives the same
    product for the schedules that multiply the lr by a factor each epoch
    (StepLR, MultiStepLR, ExponentialLR, LinearWarmup, LinearLR with ``end_factor``,
    CosineAnnealingLR with ``eta_min=0``), but not for LambdaLR or for cosine with
    ``eta_min > 0``, which PyTorch applies on top of the lr the previous schedule
    has just set: there this class keeps the product of the factors, by design.
    """

    def __init__(self, schedulers, optimizer=None, last_epoch=-1):
        schedulers = list(schedulers)
        if not schedulers:
            raise ValueError("ChainedScheduler: expected at least one scheduler")
        optimizer = optimizer or schedulers[0].optimizer
        for i, scheduler in enumerate(schedulers):
            if scheduler.optimizer is not optimizer:
                raise ValueError(f"ChainedScheduler: scheduler {i} belongs to another optimizer")
        self.schedulers = schedulers
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch):
        lrs = list(self.base_lrs)
        for scheduler in self.schedulers:
            for i, (lr, base) in enumerate(zip(scheduler.lr_at(epoch), scheduler.base_lrs)):
                lrs[i] *= lr / base if base != 0 else 0.0
        return lrs


class ReduceLROnPlateau:
    """Cut the lr when a metric stops improving, as ``torch.optim.lr_scheduler.ReduceLROnPlateau``.

    Call ``step(metric)`` after each evaluation. A value is an improvement if
    (``mode="min"``) it is below ``best * (1 - threshold)`` (``threshold_mode="rel"``)
    or ``best - threshold`` (``"abs"``); mirrored for ``mode="max"``. After more
    than ``patience`` epochs without improvement each group's lr becomes
    ``max(lr * factor, min_lr)`` (skipped when the change would be under ``eps``),
    and the count pauses for ``cooldown`` epochs.

    Args:
        optimizer: the optimizer.
        mode: ``"min"`` or ``"max"``.
        factor: multiplier of the lr (< 1).
        patience: epochs without improvement tolerated.
        threshold: size of a significant improvement.
        threshold_mode: ``"rel"`` or ``"abs"``.
        cooldown: epochs to wait after a cut before counting again.
        min_lr: lower bound on the lr, one number or one per group.
        eps: smallest lr change worth making.
    """

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0.0, eps=1e-8):
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor should be < 1.0, got {factor}")
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode {mode!r} is unknown (expected 'min' or 'max')")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"ReduceLROnPlateau: threshold_mode {threshold_mode!r} is unknown "
                             "(expected 'rel' or 'abs')")
        n_groups = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n_groups:
                raise ValueError(f"ReduceLROnPlateau: expected {n_groups} min_lrs, got {len(min_lr)}")
            self.min_lrs = [float(v) for v in min_lr]
        else:
            self.min_lrs = [float(min_lr)] * n_groups
        self.optimizer = optimizer
        self.mode, self.factor, self.patience = mode, float(factor), int(patience)
        self.threshold, self.threshold_mode = float(threshold), threshold_mode
        self.cooldown, self.eps = int(cooldown), float(eps)
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0
        self._last_lr = [float(group["lr"]) for group in optimizer.param_groups]

    def is_better(self, value, best):
        """Whether ``value`` improves significantly on ``best``."""
        if self.mode == "min":
            return value < (best * (1 - self.threshold) if self.threshold_mode == "rel" else best - self.threshold)
        return value > (best * (1 + self.threshold) if self.threshold_mode == "rel" else best + self.threshold)

    def step(self, metrics):
        """Record one epoch's metric and cut the lrs if it has plateaued."""
        current = float(metrics)
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during cooldown do not count
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                old_lr = float(group["lr"])
                new_lr = max(old_lr * self.factor, min_lr)   # lr = max(lr*factor, min_lr)
                if old_lr - new_lr > self.eps:
                    group["lr"] = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [float(group["lr"]) for group in self.optimizer.param_groups]

    def get_last_lr(self):
        """The lrs after the last :meth:`step`, one per param group."""
        return list(self._last_lr)

    def state_dict(self):
        """Everything but the optimizer, as plain data."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore a state from :meth:`state_dict`."""
        for key, value in state_dict.items():
            setattr(self, key, _plain(value))
