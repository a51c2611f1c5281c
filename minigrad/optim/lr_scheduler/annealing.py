"""Schedules that move the lr between a start and an end value: cosine annealing (with or without warm
restarts), LinearLR, ConstantLR, linear decay, warmup."""

import math

from minigrad.optim.lr_scheduler.base import LRScheduler, check_non_negative_number, check_number, check_positive_int


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing (Loshchilov and Hutter, 2017), as ``torch.optim.lr_scheduler.CosineAnnealingLR``.

    ``lr_k = eta_min + (lr_0 - eta_min) * (1 + cos(pi * k / T_max)) / 2``; this closed
    form is what PyTorch's recursive update follows, including after ``T_max``
    (the lr rises again with period ``2 T_max``; there are no restarts).
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        check_positive_int("T_max", T_max, "CosineAnnealingLR")
        check_non_negative_number("eta_min", eta_min, "CosineAnnealingLR")
        self.T_max, self.eta_min = int(T_max), float(eta_min)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch):
        cosine = (1 + math.cos(math.pi * epoch / self.T_max)) / 2  # c_k = (1 + cos(pi k / T_max)) / 2
        # lr_k = eta_min + (lr_0 - eta_min) c_k
        return [self.eta_min + (base - self.eta_min) * cosine for base in self.base_lrs]

    def chained_lrs(self, lrs, epoch):
        """PyTorch's recursion on the lr the chain has set. At the cosine's zeros
        (``k = T_max + 1`` mod ``2 T_max``) the ratio is undefined and PyTorch adds a
        step of the base lr instead, so after ``T_max`` it is no longer a product of factors."""
        if epoch == 0:
            return list(lrs)
        t, m = self.T_max, self.eta_min
        if (epoch - 1 - t) % (2 * t) == 0:
            # lr_k = lr + (lr_0 - m) (1 - cos(pi / T_max)) / 2, m = eta_min
            return [lr + (base - m) * (1 - math.cos(math.pi / t)) / 2 for lr, base in zip(lrs, self.base_lrs)]
        ratio = (1 + math.cos(math.pi * epoch / t)) / (1 + math.cos(math.pi * (epoch - 1) / t))  # r = c_k / c_{k-1}
        return [ratio * (lr - m) + m for lr in lrs]  # lr_k = m + r (lr - m), m = eta_min


class CosineAnnealingWarmRestarts(LRScheduler):
    r"""Cosine annealing with warm restarts (SGDR, Loshchilov and Hutter, 2017), as
    ``torch.optim.lr_scheduler.CosineAnnealingWarmRestarts``.

    The lr follows a cosine from ``lr_0`` down towards ``eta_min`` for ``T_0`` epochs, then
    restarts at ``lr_0``; each period is ``T_mult`` times longer than the one before::

        T_i = T_0 * T_mult^i                     the length of period i (from 0)
        T_cur = k - (T_0 + ... + T_{i-1})         epochs since the last restart, 0 <= T_cur < T_i
        lr_k = eta_min + (lr_0 - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2

    ``T_0`` is a positive integer, ``T_mult`` an integer >= 1, ``eta_min`` a finite number >= 0.
    ``step()`` goes one more epoch (or batch: count ``T_0`` in the unit you step in); ``step(epoch)``, as
    PyTorch's, puts the schedule at ``epoch``, a fractional one too (``scheduler.step(epoch + i / iters)``
    after each of an epoch's ``iters`` batches), and a ``step()`` after it goes on one from there.
    In a :class:`ChainedScheduler` it sets its own lr, as in PyTorch.
    """

    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):
        owner = "CosineAnnealingWarmRestarts"
        check_positive_int("T_0", T_0, owner)
        check_positive_int("T_mult", T_mult, owner)
        check_non_negative_number("eta_min", eta_min, owner)
        self.T_0, self.T_mult, self.eta_min = int(T_0), int(T_mult), float(eta_min)
        # [T_cur, T_i] once step(epoch) has placed the schedule (T_cur may be fractional then, so the lr no longer
        # follows from last_epoch); None while every step has been step()
        self._position = None
        super().__init__(optimizer, last_epoch)

    def step(self, epoch=None):
        """One more epoch (or batch); or, with ``epoch`` (a number >= 0, fractional too), to that epoch, as
        PyTorch's. After a ``step(epoch)``, ``step()`` adds one to the epoch since the last restart, restarting
        where it reaches the period, as PyTorch's (``step(2.5)`` then ``step()`` is at 3.5)."""
        if epoch is None and self._position is None:
            super().step()
            return
        if epoch is None:
            t_cur, t_i = self._position
            t_cur += 1
            if t_cur >= t_i:
                t_cur, t_i = t_cur % t_i, t_i * self.T_mult
            self.last_epoch += 1
        else:
            check_number("epoch", epoch, f"{type(self).__name__}.step", lambda v: 0 <= v < math.inf,
                         "a finite number >= 0")
            # the restarts counted on whole epochs: PyTorch's float logarithm, int(log(epoch / T_0 * (T_mult - 1)
            # + 1, T_mult)), falls one period short at some of them (log(1000, 10) < 3)
            t_cur, t_i = self.period_at(epoch)
            self.last_epoch = math.floor(epoch)
        self._step_count += 1
        self._position = [t_cur, t_i]
        self._set_lrs(self._lrs(t_cur, t_i))

    @property
    def T_cur(self):
        """Epochs since the last restart, as torch's attribute (fractional after a fractional ``step(epoch)``)."""
        return self._position[0] if self._position is not None else self.period_at(self.last_epoch)[0]

    @property
    def T_i(self):
        """The length of the current period, as torch's attribute."""
        return self._position[1] if self._position is not None else self.period_at(self.last_epoch)[1]

    def load_state_dict(self, state_dict):
        # PyTorch's state has T_cur and T_i (attributes there, read from the position here): a position off the
        # whole epochs (a fractional step(epoch) before it was saved) is kept, as this state's _position would be
        state_dict = dict(state_dict)
        t_cur, t_i = state_dict.pop("T_cur", None), state_dict.pop("T_i", None)
        self._position = None   # a state saved without one was stepped by step() alone
        super().load_state_dict(state_dict)
        if t_cur is not None and t_i is not None and "_position" not in state_dict:
            if [t_cur, t_i] != list(self.period_at(self.last_epoch)):
                self._position = [t_cur, t_i]

    def _step_order_warnings(self):
        """None: PyTorch's CosineAnnealingWarmRestarts has a step of its own, without the step-order warning."""
        self._step_count += 1
        return 0

    def period_at(self, epoch):
        """``(T_cur, T_i)`` at ``epoch``: epochs since the last restart, and the current period's length (a
        fractional ``epoch`` gives a fractional ``T_cur``: subtracting whole periods from it is exact)."""
        if self.T_mult == 1:
            return epoch % self.T_0, self.T_0
        t_cur, t_i = epoch, self.T_0
        while t_cur >= t_i:                  # integers: the same restarts as PyTorch's counter
            t_cur, t_i = t_cur - t_i, t_i * self.T_mult
        return t_cur, t_i

    def lr_at(self, epoch):
        return self._lrs(*self.period_at(epoch))

    def _lrs(self, t_cur, t_i):
        cosine = (1 + math.cos(math.pi * t_cur / t_i)) / 2  # c = (1 + cos(pi T_cur / T_i)) / 2
        # lr_k = eta_min + (lr_0 - eta_min) c
        return [self.eta_min + (base - self.eta_min) * cosine for base in self.base_lrs]

    def chained_lrs(self, lrs, epoch):
        return self.lr_at(epoch)  # PyTorch's sets its lr from the base lr, whatever the chain set before


class LinearLR(LRScheduler):
    r"""PyTorch's ``LinearLR``: the lr times a factor that moves linearly from ``start_factor`` to ``end_factor``.

    ``lr_k = lr_0 * (s + (e - s) * min(k, T) / T)`` with ``s = start_factor``,
    ``e = end_factor`` and ``T = total_iters``; the factor stays at ``e`` after
    ``T`` epochs. Same signature, defaults and values as
    ``torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=1/3, end_factor=1.0, total_iters=5)``,
    so the default is a warmup from a third of the lr. For the textbook's decay to
    a final lr (Goodfellow et al., eq. 8.14), use :class:`LinearDecayLR`.
    """

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        if not 0.0 < float(start_factor) <= 1.0:
            raise ValueError(f"LinearLR: start_factor must be in (0, 1], got {start_factor}")
        if not 0.0 <= float(end_factor) <= 1.0:
            raise ValueError(f"LinearLR: end_factor must be in [0, 1], got {end_factor}")
        check_positive_int("total_iters", total_iters, "LinearLR")
        self.start_factor, self.end_factor = float(start_factor), float(end_factor)
        self.total_iters = int(total_iters)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch):
        s, e = self.start_factor, self.end_factor
        factor = s + (e - s) * min(epoch, self.total_iters) / self.total_iters  # s + (e - s) min(k, T) / T
        return [base * factor for base in self.base_lrs]                        # lr_k = lr_0 * factor

    def chained_lrs(self, lrs, epoch):
        """PyTorch's recursion, from the lrs the groups hold (a group added after the schedule was built too)."""
        s, e, total = self.start_factor, self.end_factor, self.total_iters
        if epoch == 0:
            return [lr * s for lr in lrs]                                       # lr_0 = lr * s
        if epoch > total:
            return list(lrs)
        return [lr * (1.0 + (e - s) / (total * s + (epoch - 1) * (e - s))) for lr in lrs]  # lr * f(k) / f(k-1)


class ConstantLR(LRScheduler):
    r"""PyTorch's ``ConstantLR``: the lr times a constant ``factor`` for ``total_iters`` epochs, then the lr itself.

    ``lr_k = lr_0 * factor`` for ``k < total_iters`` and ``lr_k = lr_0`` from then on: a warmup in
    one step. Same signature, defaults and values as
    ``torch.optim.lr_scheduler.ConstantLR(optimizer, factor=1/3, total_iters=5)``, which computes
    ``lr_0 * factor * (1 / factor)`` at ``total_iters`` (equal up to rounding). ``factor`` is in
    (0, 1] (PyTorch takes 0 too, then divides by it) and ``total_iters`` a positive integer. In a
    :class:`ChainedScheduler` it multiplies the lr the chain has set by ``factor`` at epoch 0 and
    by ``1 / factor`` at ``total_iters``, as PyTorch's does.
    """

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        check_number("factor", factor, "ConstantLR", lambda v: 0 < v <= 1, "a number in (0, 1]")
        check_positive_int("total_iters", total_iters, "ConstantLR")
        self.factor, self.total_iters = float(factor), int(total_iters)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch):
        factor = self.factor if epoch < self.total_iters else 1.0  # factor until total_iters, then 1
        return [base * factor for base in self.base_lrs]             # lr_k = lr_0 * factor

    def chained_lrs(self, lrs, epoch):
        if epoch == 0:
            return [lr * self.factor for lr in lrs]                 # lr_0 = lr * factor
        if epoch == self.total_iters:
            return [lr * (1.0 / self.factor) for lr in lrs]         # lr_T = lr * (1 / factor)
        return list(lrs)                                             # otherwise the lr the chain set


class LinearDecayLR(LRScheduler):
    r"""The textbook's linear decay to a final lr (Goodfellow et al., *Deep Learning*, eq. 8.14).

    ``lr_k = (1 - a) * lr_0 + a * end_lr`` with ``a = k / total_iters`` for
    ``k <= total_iters``, and ``lr_k = end_lr`` afterwards. ``end_lr`` is the
    book's ``eps_tau`` (one value for every group, or a list with one per group)
    and ``total_iters`` its ``tau``. (PyTorch has no such class; its
    ``LinearLR(opt, start_factor=1.0, end_factor=end_lr / lr_0, total_iters=tau)``
    gives the same lrs.)
    """

    def __init__(self, optimizer, end_lr, total_iters, last_epoch=-1):
        check_positive_int("total_iters", total_iters, "LinearDecayLR")
        n_groups = len(optimizer.param_groups) if hasattr(optimizer, "param_groups") else 0
        end_lrs = list(end_lr) if isinstance(end_lr, (list, tuple)) else [end_lr] * n_groups
        if len(end_lrs) != n_groups:
            raise ValueError(f"LinearDecayLR: expected {n_groups} end_lr values, got {len(end_lrs)}")
        for value in end_lrs:
            if not float(value) >= 0.0:
                raise ValueError(f"LinearDecayLR: end_lr must be >= 0, got {value}")
        self.end_lrs = [float(v) for v in end_lrs]
        self.total_iters = int(total_iters)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch):
        a = min(epoch, self.total_iters) / self.total_iters                # a = k / tau, then 1
        return [(1 - a) * base + a * end for base, end in zip(self.base_lrs, self.end_lrs)]  # (1-a) lr_0 + a lr_tau


class LinearWarmup(LRScheduler):
    r"""Linear warmup: ramp the lr from ``start_factor * lr_0`` up to ``lr_0``.

    ``lr_k = lr_0 * (s + (1 - s) * min(k, W) / W)`` with ``s = start_factor`` and
    ``W = warmup_iters``; the lr stays at ``lr_0`` after ``W`` epochs. Same as
    ``LinearLR(opt, start_factor=s, end_factor=1.0, total_iters=W)`` (and PyTorch's). Follow it with another schedule via :class:`SequentialLR`::

        warmup = LinearWarmup(opt, warmup_iters=5)
        cosine = CosineAnnealingLR(opt, T_max=95)
        schedule = SequentialLR(opt, [warmup, cosine], milestones=[5])
    """

    def __init__(self, optimizer, warmup_iters, start_factor=0.1, last_epoch=-1):
        check_positive_int("warmup_iters", warmup_iters, "LinearWarmup")
        if not 0.0 <= float(start_factor) <= 1.0:
            raise ValueError(f"LinearWarmup: start_factor must be in [0, 1], got {start_factor}")
        self.warmup_iters, self.start_factor = int(warmup_iters), float(start_factor)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, epoch):
        s = self.start_factor
        factor = s + (1 - s) * min(epoch, self.warmup_iters) / self.warmup_iters  # s + (1 - s) min(k, W) / W
        return [base * factor for base in self.base_lrs]                          # lr_k = lr_0 * factor
