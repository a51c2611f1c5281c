"""``LRScheduler``, the base of the epoch-indexed schedules, and the helpers they share.

A subclass gives the closed form ``lr_at(epoch)``; the base class writes it into the
optimizer's param groups at each ``step`` and saves and restores the schedule's state.

The ``check_*`` helpers validate a schedule's arguments up front, naming the value:
counts are integers (Python or NumPy, or a float with an integral value such as PyTorch's own tutorial's
``step_size=1.0``; never a bool or a float that would be truncated).
"""

import math
import types
import warnings

import numpy as np

from minigrad.optim.optimizer import Optimizer
from minigrad.optim.validation import shown
from minigrad.scalars import is_integer, is_real


def check_optimizer(optimizer, owner):
    """Something with ``param_groups``, before a schedule reads them."""
    if not hasattr(optimizer, "param_groups"):
        raise TypeError(f"{owner}: expected an optimizer, got {type(optimizer).__name__}")


def _is_count(value):
    """An integer, or a finite float with an integral value (``1.0``): nothing is lost in ``int(value)``."""
    return is_integer(value) or (is_real(value) and math.isfinite(value) and float(value).is_integer())


def check_positive_int(name, value, owner):
    """An integer > 0 (a step size, a period, a number of iterations)."""
    if not (_is_count(value) and value > 0):
        raise ValueError(f"{owner}: {name} must be a positive integer, got {shown(value)}")


def check_non_negative_int(name, value, owner):
    """An integer >= 0 (a patience, a cooldown)."""
    if not (_is_count(value) and value >= 0):
        raise ValueError(f"{owner}: {name} must be an integer >= 0, got {shown(value)}")


def check_number(name, value, owner, ok, expected):
    """A real number (not a bool) for which ``ok(value)`` holds; ``expected`` says which, for the message."""
    if not (is_real(value) and ok(value)):
        raise ValueError(f"{owner}: {name} must be {expected}, got {shown(value)}")


def check_non_negative_number(name, value, owner):
    """A finite number >= 0 (a lower bound on the lr, a tolerance)."""
    check_number(name, value, owner, lambda v: 0 <= v < math.inf, "a finite number >= 0")


def check_positive_number(name, value, owner):
    """A finite number > 0 (a factor the lr is multiplied or divided by)."""
    check_number(name, value, owner, lambda v: 0 < v < math.inf, "a finite number > 0")


def check_gamma(gamma, owner):
    """A decay factor: a finite number > 0 (> 1 makes the lr grow; 0 or less would zero it or flip its sign)."""
    check_positive_number("gamma", gamma, owner)


def check_bool(name, value, owner):
    """A yes/no option: a bool (any truthy value would switch it on)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{owner}: {name} must be True or False, got {shown(value)}")


def check_choice(name, value, owner, choices):
    """One of the strings ``choices``."""
    if not (isinstance(value, str) and value in choices):
        expected = ", ".join(repr(c) for c in choices[:-1]) + f" or {choices[-1]!r}"
        raise ValueError(f"{owner}: {name} {shown(value)} is unknown (expected {expected})")


def per_group(name, value, optimizer, owner, check):
    """One number for every param group, or a list or tuple with one per group, each passed to
    ``check(name, v, owner)``; returned as a list of Python floats, one per group."""
    n_groups = len(optimizer.param_groups)
    values = list(value) if isinstance(value, (list, tuple)) else [value] * n_groups
    if len(values) != n_groups:
        raise ValueError(f"{owner}: expected {n_groups} {name} values (one per param group), got {len(values)}")
    for v in values:
        check(name, v, owner)
    return [float(v) for v in values]


def per_group_functions(lr_lambda, optimizer, owner):
    """LambdaLR's and MultiplicativeLR's ``lr_lambda``: one function of the epoch for every param group, or a list
    or tuple with one per group; returned as a list with one function per group."""
    check_optimizer(optimizer, owner)
    n_groups = len(optimizer.param_groups)
    if isinstance(lr_lambda, (list, tuple)):
        if len(lr_lambda) != n_groups:
            raise ValueError(f"{owner}: expected {n_groups} lr_lambdas, got {len(lr_lambda)}")
        functions = list(lr_lambda)
    else:
        functions = [lr_lambda] * n_groups
    for i, f in enumerate(functions):
        if not callable(f):
            raise TypeError(f"{owner}: lr_lambda {i} should be a function of the epoch, "
                            f"but got {type(f).__name__} {f!r}")
    return functions


def check_milestones(milestones, owner):
    """Milestones: integers >= 0 (epochs; PyTorch takes 0 too), returned as a list of Python ints."""
    try:
        values = list(milestones)
    except TypeError:
        raise TypeError(f"{owner}: milestones must be a list of non-negative integers, "
                        f"got {type(milestones).__name__} {milestones!r}") from None
    for m in values:
        if not (is_integer(m) and m >= 0):
            raise ValueError(f"{owner}: milestones must be non-negative integers, got {shown(m)} "
                             f"in [{', '.join(shown(v) for v in values)}]")
    return [int(m) for m in values]


def refuse_epoch(scheduler, epoch):
    """One clear TypeError for PyTorch's deprecated ``scheduler.step(epoch)`` (``epoch`` not None)."""
    if epoch is not None:
        raise TypeError(f"{type(scheduler).__name__}.step(epoch={shown(epoch)}): step takes no epoch here (PyTorch's "
                        "step(epoch) is deprecated); call step() once per epoch, or per batch for a schedule counted "
                        "in batches, and build the schedule with last_epoch=... to resume")


class LRScheduler:
    """Base class of the epoch-indexed schedules.

    Subclasses implement :meth:`lr_at`, the lr of every group at a given
    epoch, or, written for torch, ``get_lr()`` from ``self.last_epoch`` (then
    always stepped by it, as torch steps them). ``last_epoch`` is the index of the current epoch (-1 before the
    first call of :meth:`step`, which the constructor makes).

    Args:
        optimizer: the optimizer whose ``param_groups[i]["lr"]`` are set.
        last_epoch: the epoch to resume from; -1 starts afresh. To resume,
            every group must already hold its ``"initial_lr"``.
    """

    # The steps counted for the step-order warning; a schedule pickled before the count existed starts from 0
    # (its next step counts as the constructor's: no warning).
    _step_count = 0

    def __init__(self, optimizer, last_epoch=-1):
        check_optimizer(optimizer, type(self).__name__)
        if not (is_integer(last_epoch) and last_epoch >= -1):
            raise ValueError(f"{type(self).__name__}: last_epoch must be an integer >= -1, got {shown(last_epoch)}")
        last_epoch = int(last_epoch)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"{type(self).__name__}: param group {i} has no 'initial_lr', "
                                   f"needed to resume from last_epoch={last_epoch}")
        self.base_lrs = self._starting_lrs()
        self.last_epoch = last_epoch
        self._follows_groups = False  # set once the groups' lrs are found changed by others (_lrs_to_write)
        # the lrs the groups held when built (a loaded optimizer state's, or those a schedule built before set):
        # load_state_dict's write-back reads them; not part of the state
        self._lrs_found = [float(group["lr"]) for group in optimizer.param_groups]
        _track_optimizer_steps(optimizer)
        self._step_count = 0
        self.step()

    def _starting_lrs(self):
        """Each group's lr_0, the ``base_lrs``: its ``"initial_lr"`` (CyclicLR's are its ``base_lr`` argument)."""
        return [float(group["initial_lr"]) for group in self.optimizer.param_groups]

    def lr_at(self, epoch):
        """The list of each group's lr at ``epoch`` (epoch 0 gives the base lrs)."""
        if self._writes_get_lr():
            saved, self.last_epoch = self.last_epoch, epoch
            try:
                return list(self.get_lr())
            finally:
                self.last_epoch = saved
        raise NotImplementedError(f"{type(self).__name__} does not implement lr_at()")

    def _writes_get_lr(self):
        """A subclass written for torch: it overrides ``get_lr()`` (reading ``self.last_epoch``), not ``lr_at()``."""
        cls = type(self)
        return cls.lr_at is LRScheduler.lr_at and cls.get_lr is not LRScheduler.get_lr

    def lr_in_sequence(self, epoch, lrs_before):
        """The lrs at ``epoch`` inside a :class:`SequentialLR`, counted from the milestone that put this
        schedule in charge; ``lrs_before()`` gives the lrs of the epoch before that milestone (None when
        it is in charge from epoch 0).

        PyTorch's SequentialLR restarts a schedule at its milestone from its closed form, so this
        default does not ask for them; MultiplicativeLR, which has no closed form, continues from them.
        """
        return self.lr_at(epoch)

    def chained_lrs(self, lrs, epoch):
        """PyTorch's chainable step: the lrs at ``epoch`` made from ``lrs``, the lrs the
        schedules before this one in a :class:`ChainedScheduler` have just set.

        This default scales each lr by the ratio of the closed form at ``epoch`` and
        ``epoch - 1`` (at epoch 0, of ``lr_at(0)`` and the base lr), which is PyTorch's
        recursion for the schedules that multiply the lr by a factor each epoch.
        """
        if self._writes_get_lr():   # torch steps such a schedule by its get_lr() whatever the groups hold
            return self.lr_at(epoch)
        now = self.lr_at(epoch)
        before = self.lr_at(epoch - 1) if epoch > 0 else self.base_lrs
        return [lr * (n / b) if b != 0 else n for lr, n, b in zip(lrs, now, before)]  # lr_k = lr * f(k)/f(k-1)

    def get_lr(self):
        """The lrs of the current epoch, ``lr_at(last_epoch)``."""
        return self.lr_at(self.last_epoch)

    def step(self, epoch=None):
        """Advance one epoch and write the new lrs into the param groups (and the momentums, where cycled).

        PyTorch's deprecated ``step(epoch)`` is refused: no schedule here jumps to a given epoch.
        The first call after the constructor's warns, as PyTorch's does, when the optimizer has not
        stepped since its first schedule was built (the first lr of the schedule would be skipped)."""
        refuse_epoch(self, epoch)
        for _ in range(self._step_order_warnings()):
            warnings.warn(STEP_ORDER_WARNING, UserWarning, stacklevel=2)
        self.last_epoch += 1
        self._set_lrs(self._lrs_to_write())
        self.write_momentums_at(self.last_epoch)

    def _step_order_warnings(self):
        """Count this step, and say how many of PyTorch's step-order warnings it gives: one on the first step
        after the constructor's while the optimizer has not stepped (SequentialLR and ChainedScheduler count
        those of the schedules PyTorch's forms step)."""
        self._step_count += 1
        return int(self._step_count == 2 and getattr(self.optimizer, "_opt_called", True) is False)

    def _lrs_to_write(self):
        """The lrs of the new epoch: the closed form, ``get_lr()``, until the groups' lrs are found changed since
        this schedule wrote them (by another schedule stepped on the same optimizer, as PyTorch's documentation
        chains them, by a ReduceLROnPlateau, or by hand); from then on PyTorch's step from the lrs the groups
        hold (``chained_lrs``), which keeps that change, as PyTorch's schedules do."""
        held = [float(group["lr"]) for group in self.optimizer.param_groups]
        written = getattr(self, "_last_lr", None)
        if written is None:  # being built: the lrs changed if a schedule built before this one has set them
            written = held if self.last_epoch > 0 else self._lrs_when_built(held)
        if held != written:
            self._follows_groups = True
        return self.chained_lrs(held, self.last_epoch) if self._follows_groups else self.get_lr()

    def _lrs_when_built(self, held):
        """The lrs the groups hold when a fresh schedule is built and no other schedule has changed them: the
        base lrs (``held`` are the groups' lrs; SequentialLR and ChainedScheduler say otherwise)."""
        return self.base_lrs

    def write_momentums_at(self, epoch):
        """Write the momentums of ``epoch`` where this schedule cycles them (``momentum.MomentumCycling``), or
        those of the schedules it runs (SequentialLR, ChainedScheduler, whose PyTorch forms step them); else nothing."""

    def _set_lrs(self, lrs):
        if len(lrs) != len(self.optimizer.param_groups):
            # A group added after the schedule was built: the schedules that follow the groups' lrs (StepLR, ...)
            # move it as PyTorch's do; one from base lrs has none for it, and would leave its lr as it is.
            raise RuntimeError(f"{type(self).__name__}.step: the optimizer has {len(self.optimizer.param_groups)} "
                               f"param groups, {len(self.base_lrs)} when the schedule was built (a group added "
                               "since?), and this schedule sets each group's lr from its own base lr: build the "
                               "schedule after adding every param group")
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = float(lr)
        self._last_lr = [float(group["lr"]) for group in self.optimizer.param_groups]

    def get_last_lr(self):
        """The lrs last written by this scheduler, one per param group."""
        return list(self._last_lr)

    def state_dict(self):
        """Everything but the optimizer and any functions, as plain data (sub-schedules nested).

        LambdaLR's and MultiplicativeLR's ``lr_lambdas`` are saved as PyTorch's: ``None`` for a function, and a
        copy of the attributes (``__dict__``) of a callable object, whose state (a warmup length, ...) the
        functions of the resumed run get back. Only attributes that are plain data (Python and NumPy numbers,
        strings, None, and lists, tuples and dicts with int or str keys of them) are kept, so that ``minigrad.save``
        can store the state (PyTorch pickles them all); the others (an optimizer the object holds, a complex, ...)
        are left out with a warning naming them."""
        state = {key: value for key, value in self.__dict__.items()
                 if key not in ("optimizer", "lr_lambdas", "schedulers", "_lrs_found")}
        if hasattr(self, "lr_lambdas"):
            state["lr_lambdas"] = [None if isinstance(f, types.FunctionType) or not hasattr(f, "__dict__")
                                   else _plain_attributes(self, f) for f in self.lr_lambdas]
        if hasattr(self, "schedulers"):
            state["schedulers"] = [s.state_dict() for s in self.schedulers]
        return state

    def load_state_dict(self, state_dict):
        """Restore a state from :meth:`state_dict`, and write its last lrs back into the param groups
        where they still hold the lrs this schedule's constructor wrote.

        The constructor has just set the lrs of epoch 0 from the base lrs; without this write, a run
        resumed as in PyTorch (optimizer state loaded, scheduler built, its state loaded) would take
        its first step at the base lr. (PyTorch's chainable constructor keeps the loaded lr instead.)
        Lrs that others wrote since (the optimizer's loaded state, a schedule built later) are left, and so
        are all lrs when the saved schedule followed the groups' lrs: with several schedules on one optimizer
        the last lrs of each are not the groups' lrs (the optimizer's state has those, as in PyTorch).
        """
        state_dict = _ours_from_torch(dict(state_dict))
        check_group_count(self, state_dict)
        ours = [float(group["lr"]) for group in self.optimizer.param_groups] == self._last_lr
        found = getattr(self, "_lrs_found", None)
        if (self._follows_groups and found is not None and not hasattr(self, "schedulers")
                and [float(lr) for lr in state_dict["_last_lr"]] != found):
            # Built on lrs changed from the base lrs (a loaded optimizer state's) that are not the saved last lrs:
            # another schedule changed the lrs after this one's last step (back to back), and writing this one's
            # back would undo that change. (A composite is built on the lrs its schedules' constructors wrote.)
            ours = False
        _load_lr_lambdas(self, state_dict.pop("lr_lambdas", None))
        for scheduler, sub_state in zip(getattr(self, "schedulers", []), state_dict.pop("schedulers", [])):
            scheduler.load_state_dict(sub_state)
        if "last_epoch" not in state_dict and getattr(self, "schedulers", None):
            # PyTorch's ChainedScheduler keeps no epoch of its own: its schedules, stepped together, have it
            state_dict["last_epoch"] = self.schedulers[-1].last_epoch
            state_dict.setdefault("_step_count", self.schedulers[-1]._step_count)
        self._follows_groups = False  # a state saved before the flag existed: the closed form, as then
        for key, value in state_dict.items():
            setattr(self, key, arrays_to_lists(value))
        if ours and not self._follows_groups:  # a schedule that shared the lrs: the optimizer's state has them
            write_back_lrs(self)


STEP_ORDER_WARNING = (
    "Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and later, you should "
    "call them in the opposite order: `optimizer.step()` before `lr_scheduler.step()`.  Failure to do this will "
    "result in PyTorch skipping the first value of the learning rate schedule. See more details at "
    "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate")


#: PyTorch's names of state entries that are named otherwise here (its SequentialLR's and ChainedScheduler's).
_TORCH_NAMES = {"_schedulers": "schedulers", "_milestones": "milestones"}
#: Entries of PyTorch's states that are bookkeeping of its own step, with no counterpart here.
_TORCH_ONLY = ("_get_lr_called_within_step", "_is_initial")


def _ours_from_torch(state):
    """A schedule's state with PyTorch's own names (a state saved by torch.optim.lr_scheduler) renamed as here."""
    for name in _TORCH_ONLY:
        state.pop(name, None)
    for theirs, ours in _TORCH_NAMES.items():
        if theirs in state and ours not in state:
            state[ours] = state.pop(theirs)
    return state


def _plain_attributes(scheduler, f):
    """The attributes of the callable object ``f`` that are plain data, warning about the others by name."""
    kept = {name: value for name, value in f.__dict__.items() if _is_plain(value)}
    left = [name for name in f.__dict__ if name not in kept]
    if left:
        warnings.warn(f"{type(scheduler).__name__}.state_dict: the lr_lambda {type(f).__name__}'s attributes "
                      f"{left} are not plain data (numbers, strings, lists, dicts: what minigrad.save stores) and are "
                      "left out of the state; the resumed run's object keeps its own", stacklevel=3)
    return kept


def _is_plain(value):
    """Data that ``minigrad.save`` stores without a Tensor or an array (``serialization._Encoder``, whose rules these
    are): None, bool, int, float, str, NumPy scalars, and lists, tuples and dicts of them with int or str keys."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, np.generic):
        return value.dtype.kind not in "OV"   # object and record scalars would need pickle
    if isinstance(value, (list, tuple)):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, (str, int, np.integer)) and not isinstance(k, bool) and _is_plain(v)
                   for k, v in value.items())
    return False


def _load_lr_lambdas(scheduler, saved):
    """Give a loaded state's saved ``lr_lambdas`` (``state_dict``: None, or a callable object's attributes) back to
    the schedule's own functions, as PyTorch's: the functions themselves are never replaced."""
    if saved is None or not hasattr(scheduler, "lr_lambdas"):
        return
    if len(saved) != len(scheduler.lr_lambdas):
        raise ValueError(f"{type(scheduler).__name__}.load_state_dict: the state has {len(saved)} lr_lambdas, "
                         f"the schedule {len(scheduler.lr_lambdas)}")
    for i, (f, attributes) in enumerate(zip(scheduler.lr_lambdas, saved)):
        if attributes is None:
            continue
        if not hasattr(f, "__dict__"):
            raise ValueError(f"{type(scheduler).__name__}.load_state_dict: the state has the attributes of a "
                             f"callable object for lr_lambda {i}, but the schedule's is {type(f).__name__} {f!r}")
        f.__dict__.update(attributes)


def _track_optimizer_steps(optimizer):
    """From the first schedule built on a minigrad optimizer on, record whether it has stepped (``_opt_called``,
    set by every ``step``), as PyTorch's first schedule starts to (steps before it do not count)."""
    if isinstance(optimizer, Optimizer) and not optimizer.__dict__.get("_steps_tracked", False):
        optimizer._steps_tracked = True
        optimizer._opt_called = False


def check_group_count(scheduler, state):
    """Refuse, before anything is loaded, a state with lrs for another number of param groups."""
    saved, groups = len(state.get("_last_lr", ())), len(scheduler.optimizer.param_groups)
    if saved != groups:
        raise ValueError(f"{type(scheduler).__name__}.load_state_dict: the state has lrs for {saved} param "
                         f"group(s), the optimizer has {groups}")


def write_back_lrs(scheduler):
    """Put a loaded schedule's last lrs into its optimizer's param groups."""
    for group, lr in zip(scheduler.optimizer.param_groups, scheduler._last_lr):
        group["lr"] = float(lr)


def arrays_to_lists(value):
    """Python numbers and lists for values that came back from a file as NumPy arrays or scalars."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, list):
        return [arrays_to_lists(v) for v in value]
    return value
