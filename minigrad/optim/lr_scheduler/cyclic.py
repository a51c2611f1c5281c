"""Schedules stepped once per batch that cycle the lr, and the momentum against it: CyclicLR and OneCycleLR."""

import math

from minigrad.optim.lr_scheduler.base import (LRScheduler, check_bool, check_choice, check_gamma,
                                              check_non_negative_number, check_number, check_optimizer,
                                              check_positive_int, check_positive_number, per_group, refuse_epoch)
from minigrad.optim.lr_scheduler.momentum import MomentumCycling
from minigrad.optim.validation import shown


class CyclicLR(MomentumCycling, LRScheduler):
    r"""Cyclical learning rates (Smith, 2017), as ``torch.optim.lr_scheduler.CyclicLR``.

    A cycle takes ``T = step_size_up + step_size_down`` steps: the lr climbs linearly from
    ``base_lr`` to ``max_lr`` in ``step_size_up`` steps and comes down in ``step_size_down``
    (default: as many). At step ``k``, with ``r = step_size_up / T``::

        c_k = floor(1 + k / T)                                   the cycle, from 1
        x_k = 1 + k / T - c_k                                    the position in it, in [0, 1)
        h_k = x_k / r if x_k <= r else (x_k - 1) / (r - 1)      the height, 0 -> 1 -> 0
        lr_k = base_lr + (max_lr - base_lr) * h_k * s           s = scale_fn(c_k) or scale_fn(k)
        m_k = max_momentum - (max_momentum - base_momentum) * h_k * s   (with cycle_momentum)

    The amplitude's scale ``s`` by ``mode``: ``"triangular"`` ``s = 1``; ``"triangular2"``
    ``s = 1 / 2^(c_k - 1)`` (halved each cycle); ``"exp_range"`` ``s = gamma^k``. A ``scale_fn``
    replaces the mode, evaluated on the cycle ``c_k`` (``scale_mode="cycle"``) or the step ``k``
    (``"iterations"``); without one, ``scale_mode`` is the mode's (cycle for the triangles,
    iterations for exp_range), as in PyTorch.

    With ``cycle_momentum`` (the default) the momentum (SGD, RMSprop) or beta1 (the Adam family)
    moves from ``max_momentum`` at ``base_lr`` to ``base_momentum`` at ``max_lr``; an optimizer with
    neither is refused unless ``cycle_momentum=False``. ``base_lr``, ``max_lr``, ``base_momentum``
    and ``max_momentum`` take one value, or a list with one per param group. Call ``step()`` after
    every batch; ``last_epoch`` counts batches.

    A ``scale_fn`` is a function, so it is not part of :meth:`state_dict` (PyTorch drops it too):
    build the schedule with the same ``scale_fn`` before loading a state saved with one (a state
    saved with a ``scale_fn`` is refused by a schedule built without one, which would silently
    scale by its mode instead).
    """

    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None, mode="triangular",
                 gamma=1.0, scale_fn=None, scale_mode="cycle", cycle_momentum=True, base_momentum=0.8,
                 max_momentum=0.9, last_epoch=-1):
        owner = "CyclicLR"
        check_optimizer(optimizer, owner)
        base_lrs = per_group("base_lr", base_lr, optimizer, owner, check_non_negative_number)
        self.max_lrs = per_group("max_lr", max_lr, optimizer, owner, check_non_negative_number)
        check_positive_int("step_size_up", step_size_up, owner)
        if step_size_down is not None:
            check_positive_int("step_size_down", step_size_down, owner)
        check_choice("mode", mode, owner, ("triangular", "triangular2", "exp_range"))
        check_gamma(gamma, owner)
        if scale_fn is not None and not callable(scale_fn):
            raise ValueError(f"{owner}: scale_fn must be a function of one number, or None, got {shown(scale_fn)}")
        check_choice("scale_mode", scale_mode, owner, ("cycle", "iterations"))
        self._init_momentum(optimizer, cycle_momentum, base_momentum, max_momentum)

        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size = up + down            # T, steps per cycle
        self.step_ratio = up / self.total_size  # r, the climbing share of a cycle
        self.mode, self.gamma = mode, float(gamma)
        self._scale_fn_custom = scale_fn
        self._has_custom_scale_fn = scale_fn is not None
        # Without a scale_fn the mode decides what s is a function of, as in PyTorch.
        self.scale_mode = scale_mode if scale_fn is not None else ("iterations" if mode == "exp_range" else "cycle")
        self._base_lr_values = base_lrs
        self._lr_memo = self._momentum_memo = None   # (epoch, values) last computed
        held_initial_lrs = [group.get("initial_lr") for group in optimizer.param_groups]
        if last_epoch == -1:
            for group, lr in zip(optimizer.param_groups, base_lrs):
                group["lr"] = lr  # so that a fresh "initial_lr" is base_lr, as in PyTorch
        super().__init__(optimizer, last_epoch)
        if last_epoch == -1 and None not in held_initial_lrs:
            # PyTorch's computes the lrs of epoch 0 from the groups' initial_lr, before it sets its base lrs: built
            # after another schedule (which set initial_lr), it leaves the lrs at initial_lr until its first step
            self._set_lrs(held_initial_lrs)

    def _starting_lrs(self):
        return list(self._base_lr_values)

    def scale_fn(self, x):
        """The amplitude's scale ``s`` at ``x`` (the cycle or the step, by ``scale_mode``)."""
        if self._scale_fn_custom is not None:
            return float(self._scale_fn_custom(x))
        if self.mode == "triangular":
            return 1.0                        # s = 1
        if self.mode == "triangular2":
            return 1 / 2.0 ** (x - 1)         # s = 1 / 2^(c - 1)
        return self.gamma ** x                # s = gamma^k

    def _height(self, epoch):
        """``(h_k, x)``: the share of the amplitude the lr has climbed at step ``epoch`` before scaling, and
        what ``scale_fn`` is evaluated on (the cycle ``c_k`` or the step ``k``)."""
        cycle = math.floor(1 + epoch / self.total_size)   # c_k = floor(1 + k / T)
        x = 1.0 + epoch / self.total_size - cycle         # x_k = 1 + k / T - c_k
        r = self.step_ratio
        height = x / r if x <= r else (x - 1) / (r - 1)   # h_k: up on [0, r], down on (r, 1)
        return height, (cycle if self.scale_mode == "cycle" else epoch)

    # scale_fn is called as PyTorch calls it: once per group for the lrs of a step, once more per group for
    # the momentums (a stateful scale_fn sees the same calls); an epoch asked for again (a ChainedScheduler
    # built over it replays epoch 0) is answered from the memo without calling it.
    def lr_at(self, epoch):
        if self._lr_memo is not None and self._lr_memo[0] == epoch:
            return list(self._lr_memo[1])
        h, at = self._height(epoch)
        # lr_k = base_lr + ((max_lr - base_lr) h_k) s, in PyTorch's order
        lrs = [base + (top - base) * h * self.scale_fn(at) for base, top in zip(self.base_lrs, self.max_lrs)]
        self._lr_memo = (epoch, lrs)
        return list(lrs)

    def lr_in_sequence(self, epoch, lrs_before):
        self._lr_memo = self._momentum_memo = None   # PyTorch's SequentialLR steps it afresh at its milestone
        return self.lr_at(epoch)

    def momentum_at(self, epoch):
        if self._momentum_memo is not None and self._momentum_memo[0] == epoch:
            return list(self._momentum_memo[1])
        h, at = self._height(epoch)
        # m_k = max_momentum - ((max_momentum - base_momentum) h_k) s
        momentums = [top - (top - low) * h * self.scale_fn(at)
                     for low, top in zip(self.base_momentums, self.max_momentums)]
        self._momentum_memo = (epoch, momentums)
        return list(momentums)

    def chained_lrs(self, lrs, epoch):
        return self.lr_at(epoch)  # PyTorch's CyclicLR sets its lr whatever the chain set before

    def state_dict(self):
        """The state as plain data: the ``scale_fn`` is left out (a function), as in PyTorch."""
        state = super().state_dict()
        for key in ("_scale_fn_custom", "_lr_memo", "_momentum_memo"):
            state.pop(key, None)
        return state

    def load_state_dict(self, state_dict):
        """Restore a state; this schedule keeps its own ``scale_fn``, which must exist if the state's did."""
        if state_dict.get("_has_custom_scale_fn") and self._scale_fn_custom is None:
            raise ValueError("CyclicLR.load_state_dict: the state was saved with a scale_fn, which a state dict "
                             "cannot hold; build this CyclicLR with the same scale_fn before loading it")
        state_dict = {key: value for key, value in state_dict.items()
                      if key not in ("_scale_fn_custom", "_lr_memo", "_momentum_memo")}
        has_own = self._scale_fn_custom is not None
        self._lr_memo = self._momentum_memo = None
        super().load_state_dict(state_dict)
        self._has_custom_scale_fn = has_own


class OneCycleLR(MomentumCycling, LRScheduler):
    r"""The 1cycle policy (Smith and Topin, 2018), as ``torch.optim.lr_scheduler.OneCycleLR``.

    The lr climbs from ``initial_lr = max_lr / div_factor`` to ``max_lr``, then anneals to
    ``min_lr = initial_lr / final_div_factor``, over ``total_steps`` steps (or
    ``epochs * steps_per_epoch``); ``step()`` is called after every batch, ``total_steps`` times at
    most (one more raises). With ``n = total_steps`` and ``p = pct_start`` the phases end at the
    steps (a phase runs from the previous end, 0 for the first, to its own)::

        two phases:   e_1 = p n - 1   (initial_lr -> max_lr),      e_2 = n - 1   (max_lr -> min_lr)
        three_phase:  e_1 = p n - 1   (initial_lr -> max_lr),      e_2 = 2 p n - 2  (max_lr -> initial_lr),
                      e_3 = n - 1     (initial_lr -> min_lr)

    Step ``k`` lies in the first phase with ``k <= e_i`` (the last one past its end), going from
    ``a`` to ``b``, with ``t = (k - e_{i-1}) / (e_i - e_{i-1})``::

        lr_k = b + (a - b) * (1 + cos(pi t)) / 2       anneal_strategy="cos"
        lr_k = a + (b - a) * t                          anneal_strategy="linear"

    With ``cycle_momentum`` (the default) the momentum (SGD, RMSprop) or beta1 (the Adam family)
    follows the same curve the other way: ``max_momentum -> base_momentum`` while the lr climbs,
    back to ``max_momentum`` as it comes down (and stays there in the third phase). An optimizer
    with neither is refused unless ``cycle_momentum=False``. ``max_lr``, ``base_momentum`` and
    ``max_momentum`` take one value, or a list with one per param group.

    Where a phase that a step falls in has no length (``pct_start * total_steps == 1``: the first
    phase starts and ends at step 0), PyTorch divides by zero; here that step raises a ValueError
    naming ``pct_start`` and ``total_steps`` (at construction, for the first phase).

    PyTorch also stores ``max_lr``, ``min_lr``, ``max_momentum`` and ``base_momentum`` in each
    param group; here they live in the schedule (and its ``state_dict``), and the groups hold only
    ``lr``, ``initial_lr`` and the cycled momentum.
    """

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3,
                 anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85, max_momentum=0.95, div_factor=25.0,
                 final_div_factor=1e4, three_phase=False, last_epoch=-1):
        owner = "OneCycleLR"
        check_optimizer(optimizer, owner)
        for name, value in (("total_steps", total_steps), ("epochs", epochs), ("steps_per_epoch", steps_per_epoch)):
            if value is not None:
                check_positive_int(name, value, owner)
        if total_steps is None and (epochs is None or steps_per_epoch is None):
            raise ValueError(f"{owner}: give total_steps, or both epochs and steps_per_epoch (got total_steps=None, "
                             f"epochs={shown(epochs)}, steps_per_epoch={shown(steps_per_epoch)})")
        max_lrs = per_group("max_lr", max_lr, optimizer, owner, check_non_negative_number)
        check_number("pct_start", pct_start, owner, lambda v: 0 <= v <= 1, "a number in [0, 1]")
        check_choice("anneal_strategy", anneal_strategy, owner, ("cos", "linear"))
        check_positive_number("div_factor", div_factor, owner)
        check_positive_number("final_div_factor", final_div_factor, owner)
        check_bool("three_phase", three_phase, owner)
        self._init_momentum(optimizer, cycle_momentum, base_momentum, max_momentum)

        self.total_steps = int(total_steps) if total_steps is not None else int(epochs) * int(steps_per_epoch)
        self.pct_start, self.anneal_strategy, self.three_phase = float(pct_start), anneal_strategy, bool(three_phase)
        self.div_factor, self.final_div_factor = float(div_factor), float(final_div_factor)
        self.max_lrs = max_lrs
        if last_epoch == -1:
            for group, top in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = top / self.div_factor    # initial_lr = max_lr / div_factor
        super().__init__(optimizer, last_epoch)

    def _phases(self):
        """(end step, lr from, lr to, momentum from, momentum to) of each phase; ends as in PyTorch, floats."""
        n, p = self.total_steps, self.pct_start
        if self.three_phase:
            return [(p * n - 1, "initial", "max", "max", "base"),
                    (2 * p * n - 2, "max", "initial", "base", "max"),
                    (n - 1, "initial", "min", "max", "max")]
        return [(p * n - 1, "initial", "max", "max", "base"),
                (n - 1, "max", "min", "base", "max")]

    def _position(self, epoch):
        """The phase of step ``epoch`` and how far into it, ``t`` (0 at its start, 1 at its end)."""
        if epoch > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {epoch} times, but total_steps is {self.total_steps} "
                             "(build it with more total_steps, or more epochs or steps_per_epoch)")
        phases = self._phases()
        start = 0.0
        for i, phase in enumerate(phases):
            end = phase[0]
            if epoch <= end or i == len(phases) - 1:
                if end == start:   # PyTorch divides by zero here
                    raise ValueError(f"OneCycleLR: phase {i + 1} of the schedule is empty (it starts and ends at "
                                     f"step {shown(end)}, with pct_start={self.pct_start} and "
                                     f"total_steps={self.total_steps}); change pct_start or total_steps")
                return phase, (epoch - start) / (end - start)         # t = (k - e_{i-1}) / (e_i - e_{i-1})
            start = end
        raise AssertionError("unreachable: the last phase takes every step")

    def _anneal(self, a, b, t):
        if self.anneal_strategy == "cos":
            return b + (a - b) / 2.0 * (math.cos(math.pi * t) + 1)   # b + (a - b) (1 + cos(pi t)) / 2
        return (b - a) * t + a                                       # a + (b - a) t

    def lr_at(self, epoch):
        (_, lr_from, lr_to, _, _), t = self._position(epoch)
        values = []
        for initial, top in zip(self.base_lrs, self.max_lrs):
            lrs = {"initial": initial, "max": top, "min": initial / self.final_div_factor}  # min_lr = initial_lr / f
            values.append(self._anneal(lrs[lr_from], lrs[lr_to], t))
        return values

    def momentum_at(self, epoch):
        (_, _, _, m_from, m_to), t = self._position(epoch)
        return [self._anneal({"base": low, "max": top}[m_from], {"base": low, "max": top}[m_to], t)
                for low, top in zip(self.base_momentums, self.max_momentums)]

    def step(self, epoch=None):
        """Advance one batch; the step after the last of ``total_steps`` raises, as in PyTorch (and changes nothing)."""
        refuse_epoch(self, epoch)
        if self.last_epoch + 1 > self.total_steps:
            self._position(self.last_epoch + 1)  # raises, naming the numbers
        super().step()

    def chained_lrs(self, lrs, epoch):
        return self.lr_at(epoch)  # PyTorch's OneCycleLR is not chainable: it sets its own lr

    def _lrs_when_built(self, held):
        return held  # it starts at max_lr / div_factor whatever the groups held

