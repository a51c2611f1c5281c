"""The optimizer base class: parameter groups, per-parameter state, checkpoints.

Every optimizer in :mod:`minigrad.optim` is a subclass of :class:`Optimizer`.
The base class owns the bookkeeping; a subclass only writes ``step``:

* ``param_groups`` is a list of dicts. Each has ``"params"`` (a list of
  Tensors) and one entry per hyperparameter (``"lr"``, ``"momentum"``, ...).
  Schedulers change the hyperparameters there, between steps.
* ``state`` maps a parameter (a Tensor hashes by identity) to a dict of its
  running quantities (``"step"``, ``"exp_avg"``, ...). Tensor-shaped state
  is kept as raw backend arrays with the parameter's dtype and device, and is
  updated in place.
* ``state_dict`` / ``load_state_dict`` move all of it to and from a plain
  dict of arrays and numbers, with parameters named by their position, like
  PyTorch.
* The prologue every first-order ``step`` shares is here too, so that a
  subclass's ``step`` shows only its own equations::

      for theta, g, state in self._params_with_grad(group):   # params with a grad
          t = self._count_step(state, theta, "exp_avg")        # t, zeroed state at t = 1
          g = self._regularized_grad(g, theta, group)          # maximize, weight decay
          ...                                                  # the update, in place

Deliberate differences from ``torch.optim`` (shared by every optimizer here):
the update rules and defaults are PyTorch 2.x's, but there are no
``foreach``/``fused``/``capturable``/``differentiable`` variants (one plain,
vectorised code path that reads like the equations); ``state["step"]`` is a
Python int, not a tensor; updates never record a graph (they work on the raw
arrays); and a gradient whose shape differs from its parameter's is an error.
"""

import numpy as np

from minigrad.autograd.mode import enable_grad
from minigrad.backend import device_of, get_array_module, to_device, to_numpy


class _Required:
    """Marks a hyperparameter that has no default and must be given per group."""

    def __repr__(self):
        return "<required parameter>"


required = _Required()


def _describe(p):
    """A short description of a parameter for error messages."""
    name = getattr(p, "name", None)
    label = f"Tensor {name!r}" if name else "Tensor"
    return f"{label}(shape={tuple(p.shape)}, dtype={p.dtype}, device={p.device})"


def _is_array(value):
    """True for a backend ndarray (NumPy or CuPy)."""
    return isinstance(value, np.ndarray) or get_array_module(value) is not np


def _array_like_param(value, param):
    """A fresh copy of ``value`` on ``param``'s device; floating arrays take ``param``'s dtype."""
    value = to_device(value, device_of(param.data))
    dtype = param.data.dtype if value.dtype.kind in "fc" else value.dtype
    return get_array_module(param.data).array(value, dtype=dtype, copy=True)

class Optimizer:
    """Base class of all optimizers.

    Args:
        params: an iterable of Tensors, or of dicts ``{"params": [...], **options}``
            defining parameter groups whose options override ``defaults``.
        defaults: the default value of every hyperparameter of the optimizer.

    Subclasses implement :meth:`step`; they read hyperparameters from each
    group in ``self.param_groups`` and keep running quantities in
    ``self.state[p]``. State entries named in ``scalar_state_keys`` are
    Python numbers (the step count, ...); every other array entry has the
    parameter's dtype and device (and its shape when ``param_shaped_state``).
    """

    #: State entries that are plain numbers, not arrays shaped like the parameter.
    scalar_state_keys = ("step",)
    #: True when every array in a parameter's state has that parameter's shape, so that
    #: load_state_dict can reject a checkpoint of a differently shaped model.
    param_shaped_state = False

    def __init__(self, params, defaults: dict):
        self.defaults = dict(defaults)
        self.param_groups = []
        self.state = {}

        if _is_tensor(params):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors "
                f"or dicts, but got a single {_describe(params)}"
            )
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

        Raises an error for a non-dict group, a parameter that is not a Tensor,
        does not require grad or is not a leaf, and for a parameter already
        present in this or another group.
        """
        if not isinstance(group, dict):
            raise TypeError(f"param group must be a dict, but got {type(group).__name__}")
        if "params" not in group:
            raise ValueError("param group must have a 'params' entry")
        params = group["params"]
        if _is_tensor(params):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but got a set")
        else:
            params = list(params)
        if len(params) == 0:
            raise ValueError(f"param group {len(self.param_groups)} has an empty parameter list")

        group_index = len(self.param_groups)
        seen_in_group = set()
        seen_before = {id(p) for g in self.param_groups for p in g["params"]}
        for i, p in enumerate(params):
            where = f"parameter {i} of param group {group_index}"
            if not _is_tensor(p):
                raise TypeError(f"optimizer can only optimize Tensors, but {where} is a {type(p).__name__}")
            if not p.requires_grad:
                raise ValueError(
                    f"optimizer can only optimize Tensors that require grad, but {where} "
                    f"({_describe(p)}) has requires_grad=False"
                )
            if not p.is_leaf:
                raise ValueError(f"optimizer can't optimize a non-leaf Tensor: {where} ({_describe(p)})")
            if id(p) in seen_in_group:
                raise ValueError(f"{where} ({_describe(p)}) appears more than once in the group")
            if id(p) in seen_before:
                raise ValueError(f"{where} ({_describe(p)}) is already in another param group")
            seen_in_group.add(id(p))

        new_group = dict(group)
        new_group["params"] = params
        for name, default in self.defaults.items():
            if name not in new_group:
                if default is required:
                    raise ValueError(f"param group {group_index} didn't specify a value of required "
                                     f"optimization parameter {name}")
                new_group[name] = default
        try:
            self._validate_group(new_group)
        except TypeError as error:  # e.g. lr="0.1": say which options, not just that '>=' failed
            options = {name: value for name, value in new_group.items() if name != "params"}
            raise TypeError(f"{type(self).__name__}: invalid hyperparameter type in param group "
                            f"{group_index} ({error}); options: {options}") from None
        self.param_groups.append(new_group)

    def _validate_group(self, group: dict):
        """Check a group's hyperparameters; subclasses raise ValueError on bad values."""

    # ------------------------------------------------------------------ steps
    def zero_grad(self, set_to_none: bool = True):
        """Clear the gradients of all parameters.

        With ``set_to_none=True`` (the default) ``p.grad`` becomes ``None``, so
        the next backward pass allocates it fresh and :meth:`step` skips
        parameters that received no gradient. Otherwise the gradient arrays
        are filled with zeros in place (after detaching them from any graph).
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if p.grad.requires_grad:
                        p.grad = p.grad.detach()
                    p.grad.data[...] = 0

    def step(self, closure=None):
        """Perform one update of every parameter that has a gradient.

        Args:
            closure: optional callable that re-evaluates the model, calls
                ``backward`` and returns the loss; it runs with gradients enabled.

        Returns:
            The closure's loss, or ``None`` without a closure.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    def _grad_array(self, p):
        """``p.grad.data``, checked to have ``p``'s shape (a wrong shape would broadcast silently)."""
        g = p.grad.data
        if g.shape != p.data.shape:
            raise ValueError(f"{type(self).__name__}.step: gradient of shape {tuple(g.shape)} "
                             f"for parameter {_describe(p)}")
        return g

    def _params_with_grad(self, group, with_state=True):
        """Yield ``(theta, g, state)`` for each parameter of ``group`` that has a gradient.

        ``theta`` is the parameter's array (updated in place by the caller), ``g``
        its gradient array (checked to have ``theta``'s shape; never written to)
        and ``state`` its entry of ``self.state``, created empty on first use
        (``None`` with ``with_state=False``, for an optimizer that keeps no state).
        Parameters without a gradient are skipped, as in PyTorch.
        """
        for p in group["params"]:
            if p.grad is None:
                continue
            g = self._grad_array(p)
            yield p.data, g, (self.state.setdefault(p, {}) if with_state else None)

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

    @staticmethod
    def _count_step(state, theta, *zeroed, **filled):
        """Advance ``state["step"]`` and return it: the step count ``t``, 1 on the first step.

        On a parameter's first step this also creates ``state["step"]`` and, with
        ``theta``'s shape, dtype and device, one array of zeros per name in
        ``zeroed`` and one array full of ``value`` per ``name=value`` in ``filled``.
        """
        if not state:
            xp = get_array_module(theta)
            state["step"] = 0
            for name in zeroed:
                state[name] = xp.zeros_like(theta)
            for name, value in filled.items():
                state[name] = xp.full_like(theta, float(value))
        state["step"] += 1
        return state["step"]

    @staticmethod
    def _evaluate_closure(closure):
        """Run ``closure`` with gradient recording on; ``None`` gives ``None``."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict:
        """The optimizer's state as plain data, with parameters named by position.

        Returns ``{"state": {index: {name: array or number}}, "param_groups":
        [{**hyperparameters, "params": [index, ...]}]}``; indices count the
        parameters across groups in order. Arrays are copies of the backend
        arrays (NumPy or CuPy), so later steps do not change the returned dict.
        """
        index_of = {}
        groups = []
        for group in self.param_groups:
            packed = {name: value for name, value in group.items() if name != "params"}
            packed["params"] = []
            for p in group["params"]:
                index_of.setdefault(id(p), len(index_of))
                packed["params"].append(index_of[id(p)])
            groups.append(packed)

        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index_of[id(p)]] = {name: _copy_value(value) for name, value in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict):
        """Restore a state produced by :meth:`state_dict` (possibly of another run).

        The number of groups and the size of each group must match. Hyperparameters
        are taken from ``state_dict``; the parameters stay this optimizer's own.
        Array state is copied onto each parameter's device, floating arrays cast to
        its dtype (entries named in ``scalar_state_keys`` become Python numbers).
        With ``param_shaped_state``, an array whose shape differs from its
        parameter's is rejected.
        """
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError("load_state_dict expects a dict with 'state' and 'param_groups' entries")
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has {len(saved_groups)} parameter groups, "
                f"but the optimizer has {len(self.param_groups)}"
            )
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"loaded state dict's param group {i} has {len(saved['params'])} parameters, "
                    f"but the optimizer's group {i} has {len(group['params'])}"
                )

        param_of = {}
        for saved, group in zip(saved_groups, self.param_groups):
            for index, p in zip(saved["params"], group["params"]):
                param_of[int(index)] = p

        new_state = {}
        for key, entries in state_dict["state"].items():
            index = int(key)
            if index not in param_of:
                raise ValueError(f"loaded state dict has state for parameter {index}, which no group lists")
            p = param_of[index]
            new_state[p] = {name: self._restore_value(name, value, p) for name, value in entries.items()}

        new_groups = []
        for saved, group in zip(saved_groups, self.param_groups):
            restored = {name: _plain(value) for name, value in saved.items() if name != "params"}
            restored["params"] = group["params"]
            self._validate_group(restored)
            new_groups.append(restored)

        self.state = new_state
        self.param_groups = new_groups

    def _restore_value(self, name, value, p):
        """One saved state entry, made ready for parameter ``p``."""
        if name in self.scalar_state_keys:
            return _plain(value)
        if _is_array(value):
            if self.param_shaped_state and tuple(value.shape) != tuple(p.shape):
                raise ValueError(
                    f"loaded state '{name}' has shape {tuple(value.shape)}, "
                    f"but its parameter is {_describe(p)}"
                )
            return _array_like_param(value, p)
        if isinstance(value, (list, tuple)):
            return type(value)(_array_like_param(v, p) if _is_array(v) else _plain(v) for v in value)
        return _plain(value)

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for name in sorted(k for k in group if k != "params"):
                lines.append(f"    {name}: {group[name]}")
        lines.append(")")
        return "\n".join(lines)


def _is_tensor(value):
    """True for a minigrad Tensor (anything with ``data`` and ``requires_grad``)."""
    return hasattr(value, "requires_grad") and hasattr(value, "data") and hasattr(value, "grad")


def _copy_value(value):
    """A copy of one state entry: arrays copied, lists copied element-wise, numbers as is."""
    if _is_array(value):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(_copy_value(v) for v in value)
    return value


def _plain(value):
    """Turn 0-d arrays and NumPy scalars back into Python numbers (inside tuples and lists too)."""
    if _is_array(value) and value.ndim == 0:
        return to_numpy(value).item()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value


def check_hyperparameter(ok: bool, message: str):
    """Raise ``ValueError(message)`` unless ``ok``; used to validate options up front."""
    if not ok:
        raise ValueError(message)


def check_betas(betas):
    """Validate a pair ``(beta1, beta2)`` of averaging coefficients in [0, 1)."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"Invalid betas: {betas!r} (expected a pair (beta1, beta2))")
    for i, beta in enumerate(betas):
        check_hyperparameter(0.0 <= beta < 1.0, f"Invalid beta parameter at index {i}: {beta}")
