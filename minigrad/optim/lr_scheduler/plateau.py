"""ReduceLROnPlateau: cut the lr when a metric stops improving (driven by the metric, not the epoch)."""

import math

from minigrad.optim.lr_scheduler.base import (arrays_to_lists, check_group_count, check_non_negative_int,
                                              check_non_negative_number, check_number, refuse_epoch, write_back_lrs)


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
        factor: multiplier of the lr, in (0, 1).
        patience: epochs without improvement tolerated (an integer >= 0).
        threshold: size of a significant improvement (>= 0).
        threshold_mode: ``"rel"`` or ``"abs"``.
        cooldown: epochs to wait after a cut before counting again (an integer >= 0).
        min_lr: lower bound on the lr (>= 0), one number or one per group.
        eps: smallest lr change worth making (>= 0).

    A param group added to the optimizer after the schedule was built is cut with the others, bounded by
    ``min_lr`` when that is one number; with one ``min_lr`` per group, the cut raises a RuntimeError (there
    is none for the new group), as PyTorch's.
    """

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0.0, eps=1e-8):
        owner = "ReduceLROnPlateau"
        check_number("factor", factor, owner, lambda v: 0 < v < 1, "in (0, 1)")
        check_non_negative_int("patience", patience, owner)
        check_non_negative_int("cooldown", cooldown, owner)
        check_non_negative_number("threshold", threshold, owner)
        check_non_negative_number("eps", eps, owner)
        for value in (min_lr if isinstance(min_lr, (list, tuple)) else [min_lr]):
            check_non_negative_number("min_lr", value, owner)
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
            self.default_min_lr = None
        else:
            self.min_lrs = [float(min_lr)] * n_groups
            self.default_min_lr = float(min_lr)   # the bound of groups added later (PyTorch's name)
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

    def step(self, metrics, epoch=None):
        """Record one epoch's metric and cut the lrs if it has plateaued (PyTorch's deprecated ``epoch`` is refused)."""
        refuse_epoch(self, epoch)
        try:
            current = float(metrics)
        except (TypeError, ValueError) as error:   # float()'s own message names neither the schedule nor the metric
            shape = f" of shape {tuple(metrics.shape)}" if hasattr(metrics, "shape") else ""
            raise type(error)(f"ReduceLROnPlateau.step: metrics must be one number (the epoch's validation loss or "
                              f"accuracy), got {type(metrics).__name__}{shape}: {error}") from None
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
            self._min_lrs_for_every_group()
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                old_lr = float(group["lr"])
                new_lr = max(old_lr * self.factor, min_lr)   # lr = max(lr*factor, min_lr)
                if old_lr - new_lr > self.eps:
                    group["lr"] = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [float(group["lr"]) for group in self.optimizer.param_groups]

    def _min_lrs_for_every_group(self):
        """One min_lr per param group, groups added since the schedule was built included (a state saved
        before ``default_min_lr`` existed has none for them)."""
        n_groups, known = len(self.optimizer.param_groups), len(self.min_lrs)
        if n_groups == known:
            return
        if getattr(self, "default_min_lr", None) is None:
            raise RuntimeError(f"ReduceLROnPlateau: the optimizer has {n_groups} param groups, {known} when the "
                               f"schedule was built (a group added since?), and min_lr was given per group "
                               f"({self.min_lrs}): set schedule.min_lrs to one per group")
        self.min_lrs = [self.default_min_lr] * n_groups

    def get_last_lr(self):
        """The lrs after the last :meth:`step`, one per param group."""
        return list(self._last_lr)

    def state_dict(self):
        """Everything but the optimizer, as plain data."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore a state from :meth:`state_dict`, and write its last lrs back into the param groups."""
        check_group_count(self, state_dict)
        for key, value in state_dict.items():
            setattr(self, key, arrays_to_lists(value))
        write_back_lrs(self)
