"""Multiplicative decays, ``lr_k = lr_0 * factor(k)``: LambdaLR, StepLR, MultiStepLR, ExponentialLR, PolynomialLR."""

from bisect import bisect_right

from minigrad.optim.lr_scheduler.base import (LRScheduler, check_gamma, check_milestones,
                                              check_non_negative_number, check_positive_int)


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
        return [base * float(f(epoch)) for base, f in zip(self.base_lrs, self.lr_lambdas)]  # lr_k = lr_0 * f(k)

    def chained_lrs(self, lrs, epoch):
        return self.lr_at(epoch)  # PyTorch's LambdaLR sets base * f(k), whatever the chain set before


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
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch):
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
