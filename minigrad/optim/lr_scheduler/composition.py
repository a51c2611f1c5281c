"""Composing schedules: one after another (SequentialLR) or multiplied (ChainedScheduler)."""

from bisect import bisect_right

from minigrad.optim.lr_scheduler.base import LRScheduler, check_milestones


def _check_schedulers(owner, schedulers, optimizer):
    """Each of ``schedulers`` an epoch-indexed schedule (not ReduceLROnPlateau, whose step needs the metric,
    as PyTorch's composites refuse it too) of ``optimizer``."""
    for i, scheduler in enumerate(schedulers):
        if not isinstance(scheduler, LRScheduler):
            raise ValueError(f"{owner} does not support {type(scheduler).__name__} (its step needs a metric, or it "
                             f"is no LRScheduler), but got one at index {i} of the schedulers")
        if scheduler.optimizer is not optimizer:
            raise ValueError(f"{owner}: scheduler {i} belongs to another optimizer")


class SequentialLR(LRScheduler):
    """Run schedules one after another, as ``torch.optim.lr_scheduler.SequentialLR``.

    Schedule ``i`` is active from ``milestones[i-1]`` (0 for the first) and sees
    its epochs counted from there. The sub-schedules' own ``step`` is not
    called; their closed forms are read, the lr's and, for a schedule that
    cycles it (CyclicLR, OneCycleLR), the momentum's. A MultiplicativeLR, which has
    none, continues from the lr of the epoch before its milestone, as in PyTorch
    (:meth:`LRScheduler.lr_in_sequence`).
    """

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        schedulers = list(schedulers)
        milestones = check_milestones(milestones, "SequentialLR")
        if not schedulers:
            raise ValueError("SequentialLR: expected at least one scheduler")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR: expected {len(schedulers) - 1} milestones for "
                             f"{len(schedulers)} schedulers, got {len(milestones)}")
        if milestones != sorted(milestones):
            raise ValueError(f"SequentialLR: milestones must be increasing, got {milestones}")
        _check_schedulers("SequentialLR", schedulers, optimizer)
        self.schedulers, self.milestones = schedulers, milestones
        super().__init__(optimizer, last_epoch)

    def _active(self, epoch):
        """The schedule in charge at ``epoch``, and the epoch it has reached (counted from its milestone)."""
        index = bisect_right(self.milestones, epoch)
        start = self.milestones[index - 1] if index > 0 else 0
        return self.schedulers[index], epoch - start

    def lr_at(self, epoch):
        scheduler, local = self._active(epoch)
        start = epoch - local

        def lrs_before():   # the lrs the sequence had just before the milestone; None if in charge from epoch 0
            return self.lr_at(start - 1) if start > 0 else None

        return scheduler.lr_in_sequence(local, lrs_before)

    def _lrs_when_built(self, held):
        return held  # it sets the lrs of epoch 0 whatever its schedules left (PyTorch's resets them to initial_lr)

    def chained_lrs(self, lrs, epoch):
        """PyTorch's step from ``lrs`` (the groups' lrs, changed by others): the schedule in charge steps from
        them, by its own chainable step, except at its milestone, where it starts again as in :meth:`lr_at`."""
        scheduler, local = self._active(epoch)
        if local == 0 and epoch > 0:
            return self.lr_at(epoch)
        return scheduler.chained_lrs(lrs, local)

    def _step_order_warnings(self):
        """PyTorch's SequentialLR steps the schedule in charge (but for the step onto its milestone), which warns."""
        self._step_count += 1
        scheduler, local = self._active(self.last_epoch + 1)
        return scheduler._step_order_warnings() if local > 0 else 0

    def write_momentums_at(self, epoch):
        """The momentums of the schedule in charge, where it cycles them (CyclicLR, OneCycleLR)."""
        scheduler, local = self._active(epoch)
        scheduler.write_momentums_at(local)

    def load_state_dict(self, state_dict):
        """Restore the state; then the momentums of the schedule in charge, which a later schedule's loaded
        state (written after it) would otherwise replace."""
        super().load_state_dict(state_dict)
        self.write_momentums_at(self.last_epoch)


class ChainedScheduler(LRScheduler):
    """Step several schedules one after another on the same lr, as PyTorch's ChainedScheduler.

    Each epoch, every schedule in turn moves the lr the previous one has just set,
    by its chainable step (:meth:`LRScheduler.chained_lrs`, PyTorch's recursive
    ``get_lr``). For schedules that multiply the lr by a factor each epoch (StepLR,
    MultiStepLR, ExponentialLR, LinearWarmup, LinearLR) that is the product of
    their factors; cosine annealing is PyTorch's recursion, which after ``T_max``
    adds a step of the base lr and so departs from a product; LambdaLR sets
    ``lr_0 * f(k)`` whatever came before it, as in PyTorch. ConstantLR multiplies
    the lr by ``factor`` at epoch 0 and by ``1 / factor`` at ``total_iters``, and
    MultiplicativeLR by ``f(k)`` at each epoch ``k >= 1``, as PyTorch's do.
    """

    def __init__(self, schedulers, optimizer=None, last_epoch=-1):
        schedulers = list(schedulers)
        if not schedulers:
            raise ValueError("ChainedScheduler: expected at least one scheduler")
        optimizer = optimizer or schedulers[0].optimizer
        _check_schedulers("ChainedScheduler", schedulers, optimizer)
        self.schedulers = schedulers
        self._memo = None  # (epoch, lrs) of the last lr_at: stepping continues from it
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch):
        if self._memo is not None and self._memo[0] <= epoch:
            k, lrs = self._memo
        else:
            k, lrs = 0, list(self.base_lrs)
            for scheduler in self.schedulers:  # each schedule's constructor steps to epoch 0
                lrs = scheduler.chained_lrs(lrs, 0)
        while k < epoch:
            k += 1
            for scheduler in self.schedulers:
                lrs = scheduler.chained_lrs(lrs, k)
        self._memo = (k, lrs)
        return list(lrs)

    def _lrs_when_built(self, held):
        return self.lr_at(0)  # what its schedules, built just before it, have set

    def chained_lrs(self, lrs, epoch):
        """PyTorch's step from ``lrs``: each schedule's chainable step in turn; at epoch 0 the lrs are kept (its
        schedules set them when built, and PyTorch's ChainedScheduler writes none when built)."""
        if epoch == 0:
            return list(lrs)
        for scheduler in self.schedulers:
            lrs = scheduler.chained_lrs(lrs, epoch)
        return list(lrs)

    def _step_order_warnings(self):
        """PyTorch's ChainedScheduler steps each of its schedules (not when built), and each may warn."""
        self._step_count += 1
        if self._step_count == 1:
            return 0
        return sum(scheduler._step_order_warnings() for scheduler in self.schedulers)

    def write_momentums_at(self, epoch):
        """Each schedule's momentums, where it cycles them, in turn (the last one wins), as PyTorch steps them."""
        for scheduler in self.schedulers:
            scheduler.write_momentums_at(epoch)

    def state_dict(self):
        state = super().state_dict()
        state.pop("_memo", None)  # derived: recomputed from the epoch
        return state

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        self._memo = None
