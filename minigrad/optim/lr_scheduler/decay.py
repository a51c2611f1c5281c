"""Multiplicative decays, ``lr_k = lr_0 * factor(k)``: LambdaLR, MultiplicativeLR, StepLR, MultiStepLR,
ExponentialLR, PolynomialLR."""

from bisect import bisect_right

from minigrad.scalars import is_integer

from minigrad.optim.lr_scheduler.base import (LRScheduler, check_gamma, check_milestones,
                                              check_non_negative_number, check_positive_int, per_group_functions)


class LambdaLR(LRScheduler):
    """``lr_k = lr_0 * lr_lambda(k)``, as ``torch.optim.lr_scheduler.LambdaLR``.

    Args:
        optimizer: the optimizer.
        lr_lambda: a function of the epoch, or a list of them (one per group).
        last_epoch: epoch to resume from (-1: start).

    The functions are not part of :meth:`state_dict`; as PyTorch's, the attributes of a callable object
    are (its ``"lr_lambdas"`` entry), and loading gives them back to the schedule's own object.
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.lr_lambdas = per_group_functions(lr_lambda, optimizer, "LambdaLR")
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch):
        return [base * float(f(epoch)) for base, f in zip(self.base_lrs, self.lr_lambdas)]  # lr_k = lr_0 * f(k)

    def chained_lrs(self, lrs, epoch):
        return self.lr_at(epoch)  # PyTorch's LambdaLR sets base * f(k), whatever the chain set before


class MultiplicativeLR(LRScheduler):
    """Each epoch multiplies the lr by ``lr_lambda(epoch)``, as ``torch.optim.lr_scheduler.MultiplicativeLR``.

    ``lr_0`` is the group's lr and ``lr_k = lr_{k-1} * f(k)`` (so ``f(0)`` is not used), which is
    ``lr_k = lr_0 * f(1) * ... * f(k)`` multiplied in that order, as PyTorch does: the lrs equal
    PyTorch's to the last bit. PyTorch has no closed form for it, and so behaves differently from
    the other schedules when composed:

    * in :class:`ChainedScheduler` each epoch multiplies the lr the schedules before it have set
      by ``f(k)``;
    * in :class:`SequentialLR`, put in charge at a milestone after epoch 0, it continues from the lr
      of the epoch before the milestone, times ``f(0)`` at the milestone, then ``f(1)``, ``f(2)``, ...
      (PyTorch steps it with ``epoch=0``, which multiplies the group's current lr by ``f(0)``),
      where the other schedules start again from their base lr.

    Args:
        optimizer: the optimizer.
        lr_lambda: a function of the epoch giving the factor, or a list of them (one per group).
        last_epoch: epoch to resume from (-1: start).

    The functions are not part of :meth:`state_dict` (as LambdaLR's): build the schedule with
    the same ones before loading a state. The lrs of the epochs already done are not recomputed
    after loading: the next epoch multiplies the saved last lrs.
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.lr_lambdas = per_group_functions(lr_lambda, optimizer, "MultiplicativeLR")
        self._memo = None  # (lrs it started from (None: the base lrs), epoch, lrs) of the last call: steps go on from it
        self._resume_epoch, self._resume_lrs = resume_point(optimizer, last_epoch)
        super().__init__(optimizer, last_epoch)

    def _factors(self, lrs, epoch):
        return [lr * float(f(epoch)) for lr, f in zip(lrs, self.lr_lambdas)]  # lr * f(k)

    def _continued(self, start, epoch):
        """The lrs at ``epoch``, from the base lrs (``start`` None: lr_0 = base) or from ``start``
        (lr_0 = start * f(0)), then ``lr_k = lr_{k-1} * f(k)``; a schedule built with ``last_epoch=e``
        goes on from the lrs the groups held then, kept at epoch ``e + 1`` (as PyTorch's)."""
        key = None if start is None else tuple(start)
        resumed = start is None and self._resume_epoch is not None and epoch >= self._resume_epoch
        if resumed:
            key = "resumed"
        if self._memo is not None and self._memo[0] == key and self._memo[1] <= epoch:
            _, k, lrs = self._memo
        elif resumed:
            k, lrs = self._resume_epoch, list(self._resume_lrs)                            # lr_{e+1} = the group's lr
        else:
            k, lrs = 0, list(self.base_lrs) if start is None else self._factors(start, 0)  # lr_0
        while k < epoch:
            k += 1
            lrs = self._factors(lrs, k)                                                    # lr_k = lr_{k-1} f(k)
        self._memo = (key, k, lrs)
        return list(lrs)

    def lr_at(self, epoch):
        return self._continued(None, epoch)

    def lr_in_sequence(self, epoch, lrs_before):
        return self._continued(lrs_before(), epoch)

    def chained_lrs(self, lrs, epoch):
        return list(lrs) if epoch == 0 else self._factors(lrs, epoch)  # lr_k = lr * f(k); epoch 0 keeps the lr

    def state_dict(self):
        state = super().state_dict()
        state.pop("_memo", None)  # derived: the last lrs are in the state
        return state

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        key = "resumed" if self._resume_epoch is not None and self.last_epoch >= self._resume_epoch else None
        self._memo = (key, self.last_epoch, list(self._last_lr))  # the next epoch multiplies the saved lrs


def resume_point(optimizer, last_epoch):
    """``(last_epoch + 1, the groups' current lrs)`` for a schedule built with ``last_epoch >= 0``, else
    ``(None, None)``. PyTorch's ExponentialLR and MultiplicativeLR keep the groups' lrs at that first epoch
    (their constructor's step does not multiply them) and go on multiplying from there, whatever
    ``initial_lr`` and the closed form say."""
    if not (is_integer(last_epoch) and last_epoch >= 0) or not hasattr(optimizer, "param_groups"):
        return None, None   # a fresh start (or a bad last_epoch, which the base constructor names)
    return int(last_epoch) + 1, [float(group["lr"]) for group in optimizer.param_groups]


class StepLR(LRScheduler):
    """``lr_k = lr_0 * gamma^floor(k / step_size)``, as ``torch.optim.lr_scheduler.StepLR``."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        check_positive_int("step_size", step_size, "StepLR")
        check_gamma(gamma, "StepLR")
        self.step_size, self.gamma = int(step_size), float(gamma)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch):
        return [base * self.gamma ** (epoch // self.step_size) for base in self.base_lrs]  # lr_0 gamma^floor(k/s)

    def chained_lrs(self, lrs, epoch):
        decays = epoch > 0 and epoch % self.step_size == 0                # k a multiple of step_size
        return [lr * self.gamma for lr in lrs] if decays else list(lrs)  # lr_k = gamma lr there, else lr


class MultiStepLR(LRScheduler):
    """``lr_k = lr_0 * gamma^(number of milestones <= k)``, as ``torch.optim.lr_scheduler.MultiStepLR``.

    A milestone listed twice counts twice, as in PyTorch.
    """

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        self.milestones = sorted(check_milestones(milestones, "MultiStepLR"))
        check_gamma(gamma, "MultiStepLR")
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch):
        # lr_k = lr_0 * gamma^(number of milestones <= k)
        return [base * self.gamma ** bisect_right(self.milestones, epoch) for base in self.base_lrs]

    def chained_lrs(self, lrs, epoch):
        return [lr * self.gamma ** self.milestones.count(epoch) for lr in lrs]  # lr_k = lr * gamma^(times k is listed)


class ExponentialLR(LRScheduler):
    """``lr_k = lr_0 * gamma^k``, as ``torch.optim.lr_scheduler.ExponentialLR``."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        check_gamma(gamma, "ExponentialLR")
        self.gamma = float(gamma)
        self._resume_epoch, self._resume_lrs = resume_point(optimizer, last_epoch)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch):
        if self._resume_epoch is not None and epoch >= self._resume_epoch:   # built with last_epoch = e:
            k = epoch - self._resume_epoch                                   # lr_k = lr_{e+1} * gamma^(k-e-1)
            return [lr * self.gamma ** k for lr in self._resume_lrs]
        return [base * self.gamma ** epoch for base in self.base_lrs]  # lr_k = lr_0 * gamma^k

    def chained_lrs(self, lrs, epoch):
        return [lr * self.gamma for lr in lrs] if epoch > 0 else list(lrs)  # lr_k = gamma * lr_{k-1}


class PolynomialLR(LRScheduler):
    """Polynomial decay to 0 in ``total_iters`` epochs, as ``torch.optim.lr_scheduler.PolynomialLR``.

    ``lr_k = lr_0 * (1 - min(k, T) / T)^power`` with ``T = total_iters`` (a positive integer) and
    ``power`` a finite number >= 0: linear decay for ``power=1`` (the default), and the lr is 0 from
    epoch ``T`` on. PyTorch computes it recursively, which agrees up to rounding.
    """

    def __init__(self, optimizer, total_iters=5, power=1.0, last_epoch=-1):
        check_positive_int("total_iters", total_iters, "PolynomialLR")
        check_non_negative_number("power", power, "PolynomialLR")
        self.total_iters, self.power = int(total_iters), float(power)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch):
        factor = (1.0 - min(epoch, self.total_iters) / self.total_iters) ** self.power  # (1 - min(k, T)/T)^power
        return [base * factor for base in self.base_lrs]                                 # lr_k = lr_0 * factor

    def chained_lrs(self, lrs, epoch):
        """PyTorch's recursion: the ratio of consecutive factors up to ``T``, then the lr the chain set, unchanged."""
        if epoch == 0 or epoch > self.total_iters:
            return list(lrs)
        t = self.total_iters
        ratio = ((1.0 - epoch / t) / (1.0 - (epoch - 1) / t)) ** self.power  # ((1 - k/T) / (1 - (k-1)/T))^power
        return [lr * ratio for lr in lrs]                                    # lr_k = lr_{k-1} * ratio
