"""Composing schedules: one after another (SequentialLR) or multiplied (ChainedScheduler)."""

from bisect import bisect_right

from minigrad.optim.lr_scheduler.base import LRScheduler


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
    (StepLR, MultiStepLR, ExponentialLR, LinearWarmup, LinearLR,
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
