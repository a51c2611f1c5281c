"""The optimizer base class: parameter groups, per-parameter state, checkpoints.

Every optimizer in :mod:`minigrad.optim` is a subclass of :class:`Optimizer`.
The base class owns the bookkeeping; a subclass only writes ``step``:

* ``param_groups`` is a list of dicts. Each has ``"params"`` (a list of
  Tensors) and one entry per hyperparameter (``"lr"``, ``"momentum"``, ...);
  given ``model.named_parameters()`` it also has ``"param_names"`` (torch 2.6's),
  which only ``__init__``/``add_param_group`` and the checkpoints read, never ``step``.
  Schedulers change the hyperparameters there, between steps.
* ``state`` maps a parameter (a Tensor hashes by identity) to a dict of its
  running quantities (``"step"``, ``"exp_avg"``, ...). Tensor-shaped state
  is kept as raw backend arrays with the parameter's dtype and device, and is
  updated in place.
* ``state_dict`` / ``load_state_dict`` move all of it to and from a plain
  dict of arrays and numbers, with parameters named by their position, like
  PyTorch (inherited from :mod:`minigrad.optim.optimizer_state`).
* The prologue every first-order ``step`` shares is here too, so that a
  subclass's ``step`` shows only its own equations::

      for theta, g, state in self._params_with_grad(group):   # params with a grad
          t = self._count_step(state, theta, "exp_avg")        # t, zeroed state at t = 1
          g = self._regularized_grad(g, theta, group)          # maximize, weight decay
          ...                                                  # the update, in place

Deliberate differences from ``torch.optim`` (shared by every optimizer here):
the update rules and defaults are PyTorch 2.x's, but there are no
``foreach``/``fused``/``capturable``/``differentiable`` variants (one plain,
vectorised code path that reads like the equations: each optimizer takes the
switches its torch counterpart takes, ``foreach``/``fused`` as any bool or None,
the other two only False); ``state["step"]`` is a
Python int, not a tensor; updates never record a graph (they work on the raw
arrays); and a ``.grad`` whose shape or dtype differs from its parameter's is a RuntimeError
at ``step``, before that parameter changes (torch refuses it when it is assigned; ``.grad`` is a
plain attribute here). One on another device is named once the update has failed on it.
"""

import functools
from collections import defaultdict
from collections.abc import Mapping

from minigrad.autograd.mode import enable_grad
from minigrad.dtypes import float32 as _FLOAT32   # builtin dtypes are singletons: an identity test
from minigrad.autograd.write_stamps import mark_written, next_write, stamp
from minigrad.autograd.clear_grads import clear_grads
from minigrad.autograd.grad_match import grad_matches, refuse_grad
from minigrad.backend import get_array_module
from minigrad.optim.complex_view import RealViewState, as_real
from minigrad.optim.optimizer_hooks import OptimizerHooksMixin, RemovableHandle, add_global_step_hook, run_hooked_step
from minigrad.optim.optimizer_state import StateDictMixin
from minigrad.optim.subnormal import FLUSH_EVERY, flush_subnormals_
from minigrad.optim.validation import check_param_names, describe_param, is_tensor, required, split_named_params

_MAPPING_HINT = ("for named parameters pass model.named_parameters() or the dict's .items() "
                 "((name, Tensor) pairs), for one param group wrap the dict in a list")


class Optimizer(OptimizerHooksMixin, StateDictMixin):
    """Base class of all optimizers.

    Args:
        params: an iterable of Tensors, of ``(name, Tensor)`` pairs (``model.named_parameters()``,
            torch 2.6's named parameters), or of dicts ``{"params": [...], **options}``
            defining parameter groups whose options override ``defaults``. Named
            parameters give each group a ``"param_names"`` list, next to ``"params"``;
            all groups are named or none is.
        defaults: the default value of every hyperparameter of the optimizer.

    Subclasses implement :meth:`step`; they read hyperparameters from each
    group in ``self.param_groups`` and keep running quantities in
    ``self.state[p]``. State entries named in ``scalar_state_keys`` are
    Python numbers (the step count, ...); every other array entry has the
    parameter's dtype and device (and its shape when ``param_shaped_state``).

    Hooks around ``step``, ``state_dict`` and ``load_state_dict`` are torch's
    (``register_step_pre_hook``, ...; see :mod:`minigrad.optim.optimizer_hooks`).
    """

    #: State arrays that decay toward zero where the gradient vanishes and enter the
    #: step only as a factor (never a denominator): ``_count_step`` flushes their
    #: subnormal entries now and then, which CPUs compute on very slowly.
    decaying_state = ()
    #: A complex parameter is updated as a real one with a last axis of 2 (its real and imaginary parts), as
    #: torch's optimizers update it; its state stays complex (``minigrad.optim.complex_view``).
    complex_as_real = True

    #: Whether ``_params_with_grad`` is this base class's, which stamps what it yields (``writes_yielded_params``).
    _stamps_yielded = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None:
            cls.step = _stamping_writes(step)
        # A subclass with its own _params_with_grad may not stamp: its inherited marked step then stamps afterwards.
        cls._stamps_yielded = cls._params_with_grad is Optimizer._params_with_grad

    def __init__(self, params, defaults: dict):
        self._init_hooks()
        self.defaults = dict(defaults)
        self.param_groups = []
        self.state = defaultdict(dict)   # torch's: a custom step's `self.state[p]` starts as an empty dict

        if is_tensor(params):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors "
                f"or dicts, but got a single {describe_param(params)}"
            )
        _check_params_argument(type(self).__name__, params)
        param_list = list(params)
        if len(param_list) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_list[0], dict):
            param_list = [{"params": param_list}]
        for group in param_list:
            self.add_param_group(group)

    # ------------------------------------------------------------------ groups
    def add_param_group(self, group: dict):
        """Add a parameter group; options missing from ``group`` take the defaults.

        Raises an error for a non-dict group, a parameter that is not a Tensor
        or is not a leaf, and for a parameter already present in this or another
        group. A frozen parameter (``requires_grad=False``) is accepted, as in
        PyTorch: it gets no gradient, so every step leaves it as it is.

        ``group["params"]`` may hold ``(name, Tensor)`` pairs (torch 2.6+): the
        group then keeps the Tensors in ``"params"`` and their names in
        ``"param_names"`` (which may also be given directly, one str per
        parameter). A group mixing named and unnamed parameters, or a named group
        in an optimizer whose groups are unnamed (and the reverse), is refused,
        as by torch. The names are bookkeeping only: ``step`` never reads them.
        """
        if not isinstance(group, dict):
            raise TypeError(f"param group must be a dict, but got {type(group).__name__}")
        if "params" not in group:
            raise ValueError("param group must have a 'params' entry")
        group_index, owner = len(self.param_groups), type(self).__name__
        params = group["params"]
        if is_tensor(params):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but got a set")
        elif isinstance(params, Mapping):
            raise TypeError(f"{owner}: param group {group_index}: 'params' is a {type(params).__name__} (its keys "
                            f"would be taken as parameters); {_MAPPING_HINT}")
        else:
            params = list(params)
        if len(params) == 0:
            raise ValueError(f"param group {group_index} has an empty parameter list")
        params, names = self._split_names(group, params, group_index)

        seen_in_group = set()
        seen_before = {id(p) for g in self.param_groups for p in g["params"]}
        for i, p in enumerate(params):
            where = f"parameter {i} of param group {group_index}"
            if names is not None:
                where = f"parameter {i} ({names[i]!r}) of param group {group_index}"
            if not is_tensor(p):
                raise TypeError(f"optimizer can only optimize Tensors, but {where} is a {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"optimizer can't optimize a non-leaf Tensor: {where} ({describe_param(p)})")
            if id(p) in seen_in_group:
                raise ValueError(f"{where} ({describe_param(p)}) appears more than once in the group")
            if id(p) in seen_before:
                raise ValueError(f"{where} ({describe_param(p)}) is already in another param group")
            seen_in_group.add(id(p))

        new_group = dict(group)
        new_group["params"] = params
        if names is not None:
            new_group["param_names"] = names
        for name, default in self.defaults.items():
            if name not in new_group:
                if default is required:
                    raise ValueError(f"param group {group_index} didn't specify a value of required "
                                     f"optimization parameter {name}")
                new_group[name] = default
        try:
            self._validate_group(new_group)
        except TypeError as error:  # e.g. lr="0.1": say which options, not just that '>=' failed
            options = {name: value for name, value in new_group.items() if name not in ("params", "param_names")}
            raise TypeError(f"{type(self).__name__}: invalid hyperparameter type in param group "
                            f"{group_index} ({error}); options: {options}") from None
        self.param_groups.append(new_group)

    def _split_names(self, group, params, group_index):
        """``(tensors, names)`` of a new group (``names`` None when unnamed), checked against the other groups:
        its ``(name, Tensor)`` pairs or its ``"param_names"`` (the same names if both), all groups named or none."""
        owner = type(self).__name__
        params, names = split_named_params(params, owner, group_index)
        if "param_names" in group:
            given = check_param_names(group["param_names"], len(params), f"{owner}: param group {group_index}")
            if names is not None and given != names:
                raise ValueError(f"{owner}: param group {group_index}: its param_names {given} differ from the "
                                 f"names of its (name, Tensor) pairs {names}; give the names once")
            names = given
        unlike = [i for i, g in enumerate(self.param_groups) if ("param_names" in g) != (names is not None)]
        if unlike:
            this, other = ("with", "without") if names is not None else ("without", "with")
            raise ValueError(f"{owner}: all optimizer param groups should be with/without names. cannot add param "
                             f"group {this} names to the optimizer: param group {group_index} is {this} names, "
                             f"param group {unlike[0]} {other} (give every group (name, Tensor) pairs, as "
                             "model.named_parameters() yields, or none)")
        return params, names

    def _validate_group(self, group: dict):
        """Check a group's hyperparameters; subclasses raise ValueError on bad values."""

    # ------------------------------------------------------------------ steps
    def zero_grad(self, set_to_none: bool = True):
        """Clear the gradients of all parameters.

        With ``set_to_none=True`` (the default) ``p.grad`` becomes ``None``, so
        the next backward pass allocates it fresh and :meth:`step` skips
        parameters that received no gradient. Otherwise the gradient arrays
        are filled with zeros (see ``minigrad.autograd.clear_grads``).
        """
        for group in self.param_groups:
            clear_grads(group["params"], set_to_none)

    def step(self, closure=None):
        """Perform one update of every parameter that has a gradient.

        Args:
            closure: optional callable that re-evaluates the model, calls
                ``backward`` and returns the loss; it runs with gradients enabled.

        Returns:
            The closure's loss, or ``None`` without a closure.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    def _stamp_updated_params(self):
        """Stamp the parameters a step may have written (those with a gradient), so that a
        backward through a graph recorded before the step refuses to use their new values."""
        mark_written(*[p.data for group in self.param_groups for p in group["params"] if p.grad is not None])

    def _params_with_grad(self, group, with_state=True):
        """Yield ``(theta, g, state)`` for each parameter of ``group`` that has a gradient.

        ``theta`` is the parameter's array (updated in place by the caller), ``g``
        its gradient array (checked to have ``theta``'s shape, dtype and device; never
        written to) and ``state`` its entry of ``self.state``, created empty on first use
        (``None`` with ``with_state=False``, for an optimizer that keeps no state).
        Parameters without a gradient are skipped, as in PyTorch. A complex parameter comes as real views
        (see ``complex_as_real``).

        Each parameter is stamped as written (``minigrad.autograd.write_stamps``) before it is yielded, so that a
        backward through a graph recorded before the step refuses to use its new values, even if the update then
        fails: a ``step`` that writes no other array says so with :func:`writes_yielded_params`.
        """
        written = next_write()
        for p in group["params"]:
            grad = p.grad
            if grad is None:
                continue
            theta, g = p.data, grad.data
            # This runs for every parameter of every step, so it stays two comparisons: the dtypes by identity
            # (NumPy's builtin dtypes are singletons, and NumPy 2's == costs as much again), then the exact check
            # only when that or the shape differs. A grad on another device with both right fails in the update,
            # where _stamping_writes names it (a type check here would cost a tiny step ~1% more).
            dtype = theta.dtype
            if (g.dtype is not dtype or g.shape != theta.shape) and not grad_matches(g, theta):
                refuse_grad(f"{type(self).__name__}.step", p)   # it would be broadcast or rounded into theta
            stamp(theta, written)   # written in place by the caller: a graph recorded before may not use it
            state = self.state.setdefault(p, {}) if with_state else None
            # torch's view_as_real: each part a real coordinate (float32 decided by identity: .kind costs 20 ns)
            if dtype is not _FLOAT32 and dtype.kind == "c" and self.complex_as_real:
                theta, g = as_real(theta), as_real(g)
                state = None if state is None else RealViewState(state, theta)
            yield theta, g, state

    def _refuse_grad_on_another_device(self):
        """After a step failed: a ``.grad`` on another device than its parameter (which the per-parameter check of
        :meth:`_params_with_grad` leaves out, to stay cheap) made the array library refuse to mix them; name it."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None and not grad_matches(p.grad.data, p.data):
                    refuse_grad(f"{type(self).__name__}.step", p)

    @staticmethod
    def _regularized_grad(g, theta, group, decoupled=False):
        """The gradient the update uses, after ``maximize`` and weight decay::

            g = -g                                  if maximize
            g = g + lambda * theta                  if weight_decay != 0 (L2 penalty)
            theta = theta - lr * lambda * theta     instead, in place, if ``decoupled`` (AdamW)

        A changed ``g`` is a new array: ``p.grad`` itself is never modified.
        """
        if group["maximize"]:
            g = -g                                          # ascend: follow +grad
        weight_decay = float(group["weight_decay"])
        if weight_decay != 0:
            if decoupled:
                theta *= 1 - float(group["lr"]) * weight_decay  # theta = theta - lr*lambda*theta
            else:
                g = g + weight_decay * theta                # g = g + lambda*theta
        return g

    def _count_step(self, state, theta, *zeroed, **filled):
        """Advance ``state["step"]`` and return it: the step count ``t``, 1 on the first step.

        On a parameter's first step this also creates ``state["step"]`` and, with
        ``theta``'s shape, dtype and device, one array of zeros per name in
        ``zeroed`` and one array full of ``value`` per ``name=value`` in ``filled``.
        Every ``FLUSH_EVERY`` steps the arrays named in ``decaying_state`` lose
        their subnormal entries (see ``minigrad.optim.subnormal``).
        """
        if not state:
            xp = get_array_module(theta)
            state["step"] = 0
            for name in zeroed:
                state[name] = xp.zeros_like(theta)
            for name, value in filled.items():
                state[name] = xp.full_like(theta, float(value))
        t = state["step"] = state.get("step", 0) + 1  # (a checkpoint of SGD before it counted steps has none)
        if t % FLUSH_EVERY == 0:
            for name in self.decaying_state:
                if name in state:
                    flush_subnormals_(state[name])
        return t

    @staticmethod
    def _evaluate_closure(closure):
        """Run ``closure`` with gradient recording on; ``None`` gives ``None``."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for name in sorted(k for k in group if k != "params"):
                lines.append(f"    {name}: {group[name]}")
        lines.append(")")
        return "\n".join(lines)


def writes_yielded_params(step):
    """Mark an optimizer's ``step`` that writes no array but those :meth:`Optimizer._params_with_grad` yields, which
    stamps each one as it yields it: its wrapper then does not stamp every parameter with a gradient again after the
    step (that second pass cost SGD's tiny step, 2-16-16-1 net, about 15,000 instructions of 131,000).

    Only for such a step: one that writes another parameter (one without a gradient, or through its own loop) must
    not carry it, or a backward through a graph recorded before the step would read the new values unrefused. A
    subclass that overrides ``_params_with_grad`` gets the stamping after the step back whatever its inherited step
    says (``_stamps_yielded``)."""
    step._writes_yielded_params = True
    return step


def _stamping_writes(step):
    """A subclass's ``step``, between its step hooks if any, followed by stamping the parameters it updated in place
    (unless ``_params_with_grad`` stamped them: :func:`writes_yielded_params`).

    Without hooks this costs one attribute read (``_step_hooked``) and one write (``_opt_called``, which a
    learning-rate schedule reads to warn when it is stepped before the optimizer, as torch's does).
    """
    if getattr(step, "_stamps_writes", False):
        return step
    stamped_as_yielded = getattr(step, "_writes_yielded_params", False)

    def step_and_stamp(self, *args, **kwargs):
        try:
            return step(self, *args, **kwargs)
        except (TypeError, ValueError):
            self._refuse_grad_on_another_device()
            raise
        finally:
            if not (stamped_as_yielded and self._stamps_yielded):
                self._stamp_updated_params()

    @functools.wraps(step)
    def stamped(self, *args, **kwargs):
        self._opt_called = True
        if self._step_hooked:
            return run_hooked_step(step_and_stamp, self, args, kwargs)
        try:   # opt.step() called plainly: 45 ns less than passing on empty *args and **kwargs
            return step(self, *args, **kwargs) if args or kwargs else step(self)
        except (TypeError, ValueError):   # free until raised
            self._refuse_grad_on_another_device()
            raise
        finally:
            if not (stamped_as_yielded and self._stamps_yielded):
                self._stamp_updated_params()

    stamped._stamps_writes = True
    return stamped


def _check_params_argument(owner, params):
    """One clear TypeError for the usual slips: a model, or its ``parameters`` method, instead of its parameters,
    and a dict (of named parameters, or one param group), whose keys iterating would take as the parameters."""
    if callable(getattr(params, "parameters", None)):
        raise TypeError(f"{owner}: params must be an iterable of Tensors (or of (name, Tensor) pairs, or of "
                        f"param-group dicts), but got the model itself ({type(params).__name__}); pass "
                        "model.parameters() or model.named_parameters()")
    if isinstance(params, Mapping):
        keys = ", ".join(repr(k) for k in list(params)[:3]) + (", ..." if len(params) > 3 else "")
        raise TypeError(f"{owner}: params must be an iterable of Tensors (or of (name, Tensor) pairs, or of "
                        f"param-group dicts), but got a {type(params).__name__} with keys {keys}; {_MAPPING_HINT}")
    if callable(params) and not hasattr(params, "__iter__"):
        name = getattr(params, "__name__", type(params).__name__)
        raise TypeError(f"{owner}: params must be an iterable of Tensors, but got the function or method {name!r} "
                        f"itself; call it: model.{name}()")
    if not hasattr(params, "__iter__"):
        raise TypeError(f"{owner}: params must be an iterable of Tensors, but got {type(params).__name__}; "
                        "pass model.parameters()")


def register_optimizer_step_pre_hook(hook) -> RemovableHandle:
    """Call ``hook(optimizer, args, kwargs)`` before the ``step`` of every optimizer (torch's function, at torch's
    path ``torch.optim.optimizer``)."""
    return add_global_step_hook("pre", hook)


def register_optimizer_step_post_hook(hook) -> RemovableHandle:
    """Call ``hook(optimizer, args, kwargs)`` after the ``step`` of every optimizer (torch's function, at torch's
    path ``torch.optim.optimizer``)."""
    return add_global_step_hook("post", hook)
