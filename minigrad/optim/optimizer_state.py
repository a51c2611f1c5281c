"""``state_dict`` / ``load_state_dict`` of every optimizer: its state as plain data and back.

:class:`StateDictMixin` is a base of :class:`minigrad.optim.Optimizer` and is not used on
its own: it reads the optimizer's ``param_groups``, ``state`` and ``_validate_group``.
Parameters are named by their position across the groups, like PyTorch; arrays are
copied out, and copied back onto each parameter's device and floating dtype. The state
also records the optimizer's class name, so that a checkpoint of one optimizer is
refused by another, even by one with the same option names (Adam and AdamW).
"""

from collections import defaultdict

import numpy as np

from minigrad.autograd.tensor import Tensor
from minigrad.backend import device_of, get_array_module, is_array, to_device, to_numpy
from minigrad.optim.validation import KERNEL_OPTIONS, check_param_names, describe_param


def _array_like_param(value, param):
    """A fresh copy of ``value`` on ``param``'s device; floating arrays take ``param``'s dtype."""
    value = to_device(value, device_of(param.data))
    dtype = param.data.dtype if value.dtype.kind in "fc" else value.dtype
    return get_array_module(param.data).array(value, dtype=dtype, copy=True)


def _copy_value(value):
    """A copy of one state entry: arrays copied, lists copied element-wise, numbers as is."""
    if is_array(value):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(_copy_value(v) for v in value)
    return value


def _scalars_to_python(value):
    """Turn 0-d arrays and NumPy scalars back into Python numbers (inside tuples and lists too)."""
    if is_array(value) and value.ndim == 0:
        return to_numpy(value).item()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return type(value)(_scalars_to_python(v) for v in value)
    return value


def _host_values(value):
    """``value``, with another library's tensors (a torch state dict as it is) as NumPy arrays of their values."""
    if isinstance(value, (list, tuple)):
        return type(value)(_host_values(v) for v in value)
    if is_array(value) or isinstance(value, (Tensor, int, float, complex, np.generic)):
        return value   # (a custom optimizer's own state may hold minigrad Tensors: they stay Tensors)
    return np.asarray(value) if hasattr(value, "__array__") else value


#: Entries of a param group that are not the optimizer's options: its parameters and their names
#: (named parameters), and the starting lr a learning-rate schedule adds (and the swa_lr SWALR adds, as PyTorch's).
#: PyTorch's OneCycleLR and CyclicLR also keep their bounds in the groups (max_lr, min_lr, and with
#: cycle_momentum max_momentum, base_momentum): a torch optimizer state stepped by one of them must load.
_NOT_OPTIONS = ("params", "param_names", "initial_lr", "swa_lr", "max_lr", "min_lr", "max_momentum", "base_momentum")


def _options(group) -> set:
    """The option names of a param group."""
    return {name for name in group if name not in _NOT_OPTIONS}


def _optimizer_with_options(group) -> str:
    """Which minigrad optimizer(s) have exactly the options of a saved param group ("another optimizer" if none)."""
    import inspect

    from minigrad import optim

    options = _options(group)
    names = []
    for name in optim.__dict__:
        cls = getattr(optim, name)
        if isinstance(cls, type) and issubclass(cls, StateDictMixin) and cls.__name__ != "Optimizer":
            # torch's kernel switches are arguments but not options kept in the groups (validation.py)
            accepted = set(inspect.signature(cls).parameters) - {"params", *KERNEL_OPTIONS, *cls.torch_group_entries}
            if accepted == options:
                names.append(cls.__name__)
    described = " or ".join(names) if names else "another optimizer"
    return f"{described} (options {', '.join(sorted(options))})"


class StateDictMixin:
    """Checkpoints of an optimizer: :meth:`state_dict` and :meth:`load_state_dict`."""

    #: State entries that are plain numbers, not arrays shaped like the parameter.
    scalar_state_keys = ("step",)
    #: True when every array in a parameter's state has that parameter's shape, so that
    #: load_state_dict can reject a checkpoint of a differently shaped model.
    param_shaped_state = False
    #: Entries of torch's param groups that are fixed here (``{name: (value, what to load a state with another
    #: value into)}``): a torch-shaped state holding the value loads without them, another value is refused.
    torch_group_entries = {}

    def state_dict(self) -> dict:
        """The optimizer's state as plain data, with parameters named by position.

        Returns ``{"state": {index: {name: array or number}}, "param_groups":
        [{**hyperparameters, "params": [index, ...]}], "optimizer_class": name}``
        (a group of named parameters keeps its ``"param_names"`` list too, as torch's);
        indices count the parameters across groups in order, and ``name`` is the
        optimizer's class name (``"Adam"``), which :meth:`load_state_dict` checks.
        Arrays are copies of the backend arrays (NumPy or CuPy), so later steps
        do not change the returned dict. State-dict pre-hooks run first, and
        post-hooks may change or replace the dict (torch's hooks).
        """
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        index_of = {}
        groups = []
        for group in self.param_groups:
            packed = {name: value for name, value in group.items() if name != "params"}
            if "param_names" in packed:  # a copy: a later rename in the live group must not change the checkpoint
                packed["param_names"] = list(packed["param_names"])
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
        state_dict = {"state": state, "param_groups": groups, "optimizer_class": type(self).__name__}
        for hook in self._optimizer_state_dict_post_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    def load_state_dict(self, state_dict: dict):
        """Restore a state produced by :meth:`state_dict` (possibly of another run).

        The state must come from the same kind of optimizer: its recorded class
        name (absent from checkpoints older than that entry, which still load) must
        be this optimizer's, and each saved group must have exactly this optimizer's
        option names (an extra entry that this optimizer's group also has is fine).
        The number of groups and the size of each group must match. Hyperparameters
        are taken from ``state_dict``; the parameters stay this optimizer's own.
        Array state is copied onto each parameter's device, floating arrays cast to
        its dtype (entries named in ``scalar_state_keys`` become Python numbers).
        With ``param_shaped_state``, an array whose shape differs from its
        parameter's is rejected. Saved ``"param_names"`` replace the group's names
        (a state saved without names keeps this optimizer's), as torch's; names
        never decide which parameter gets which state: position does.
        Load-state-dict pre-hooks get a shallow copy of
        ``state_dict`` first and may return the dict to load instead; post-hooks
        run once it is loaded (torch's hooks).
        """
        if self._optimizer_load_state_dict_pre_hooks:
            state_dict = state_dict.copy()  # torch's hooks see a shallow copy
            for hook in self._optimizer_load_state_dict_pre_hooks.values():
                result = hook(self, state_dict)
                if result is not None:
                    state_dict = result
        self._load_state(state_dict)
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)

    def _load_state(self, state_dict):
        """``load_state_dict`` without its hooks."""
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError("load_state_dict expects a dict with 'state' and 'param_groups' entries")
        saved_groups = list(state_dict["param_groups"])
        saved_class = state_dict.get("optimizer_class")
        if saved_class is not None and saved_class != type(self).__name__:
            raise ValueError(self._refusal(saved_class, saved_groups[0] if saved_groups else {}))
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has {len(saved_groups)} parameter groups, "
                f"but the optimizer has {len(self.param_groups)}"
            )
        # torch's groups also hold its kernel switches (constructor arguments here) and entries fixed here
        torch_only = {*KERNEL_OPTIONS, *self.torch_group_entries}
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            missing = [name for name in self.defaults if name not in saved]
            foreign = sorted(_options(saved) - _options(group) - torch_only)
            if missing or foreign:
                raise ValueError(self._refusal(saved_class, saved, i, missing, foreign))
        for i, saved in enumerate(saved_groups):
            for name, (value, instead) in self.torch_group_entries.items():
                if name in saved and saved[name] != value:
                    raise ValueError(f"{type(self).__name__}.load_state_dict: param group {i} of the state has "
                                     f"{name}={saved[name]!r}, and {type(self).__name__} always steps with "
                                     f"{name}={value!r}; load it into {instead}")
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

        new_state = defaultdict(dict)
        for key, entries in state_dict["state"].items():
            index = int(key)
            if index not in param_of:
                raise ValueError(f"loaded state dict has state for parameter {index}, which no group lists")
            p = param_of[index]
            new_state[p] = {name: self._restore_value(name, value, p) for name, value in entries.items()}

        new_groups = []
        for saved, group in zip(saved_groups, self.param_groups):
            restored = {name: _scalars_to_python(value) for name, value in saved.items()
                        if name != "params" and name not in torch_only}
            restored["params"] = group["params"]
            if "param_names" in saved:
                restored["param_names"] = check_param_names(
                    saved["param_names"], len(group["params"]),
                    f"{type(self).__name__}.load_state_dict: param group {len(new_groups)} of the state")
            elif "param_names" in group:
                restored["param_names"] = group["param_names"]
            # Every option is checked as the constructor checks it, but the sign of lr: a schedule may have driven
            # it below 0 (chained schedules do, in torch too), and a checkpoint this library wrote must load.
            lr = restored.get("lr")
            self._validate_group({**restored, "lr": abs(lr)} if isinstance(lr, float) else restored)
            new_groups.append(restored)

        self.state = new_state
        self.param_groups = new_groups

    def _refusal(self, saved_class, saved_group, index=None, missing=(), foreign=()) -> str:
        """The message refusing a state saved by another optimizer: both classes, both sets of options."""
        name = type(self).__name__
        names = ", ".join(sorted(self.defaults))
        own = f"options {names}"
        if saved_class is None:
            source = _optimizer_with_options(saved_group)
        elif saved_class == name:   # the same class with other options (another version, or extra entries)
            source = f"{name} with other options (options {', '.join(sorted(_options(saved_group)))})"
        elif sorted(_options(saved_group)) == sorted(self.defaults):   # Adam and AdamW: only the class differs
            source = saved_class
            own = f"same options: {names}"
        else:
            source = f"{saved_class} (options {', '.join(sorted(_options(saved_group)))})"
        where = "the state" if index is None else f"param group {index} of the state"
        details = []
        if missing:
            details.append(f"the state has no {', '.join(missing)}")
        if foreign:
            details.append(f"{name} has no option {', '.join(foreign)}")
        detail = f" ({'; '.join(details)})" if details else ""
        if saved_class == name:
            target = "an optimizer built with the same options"
        else:
            target = saved_class or "the same kind of optimizer"
        return (f"{name}.load_state_dict: {where} was saved by {source}, not by {name} ({own}){detail}; "
                f"load it into {target}")

    def _restore_value(self, name, value, p):
        """One saved state entry, made ready for parameter ``p``."""
        value = _host_values(value)
        if name in self.scalar_state_keys:
            value = _scalars_to_python(value)
            if name == "step" and isinstance(value, float) and value.is_integer():
                return int(value)   # torch's count is a float tensor; here an int, as a step here leaves it
            return value
        if is_array(value):
            if self.param_shaped_state and tuple(value.shape) != tuple(p.shape):
                raise ValueError(
                    f"loaded state '{name}' has shape {tuple(value.shape)}, "
                    f"but its parameter is {describe_param(p)}"
                )
            return _array_like_param(value, p)
        if isinstance(value, (list, tuple)):
            return type(value)(_array_like_param(v, p) if is_array(v) else _scalars_to_python(v) for v in value)
        return _scalars_to_python(value)
