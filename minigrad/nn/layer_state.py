"""``state_dict`` and ``load_state_dict``'s work, torch's way: the walk that saves, the checks and writes that
load, the hooks around both, extra state, and torch's result (``_IncompatibleKeys``) and error text.

Loading checks everything before it writes anything (a state that does not fit leaves the model as it was),
except when load-state-dict post-hooks are registered: torch runs them after the write and lets them clear
keys before ``strict`` judges, and so does this.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from minigrad.autograd.tensor import Tensor
from minigrad.autograd.write_stamps import mark_written
from minigrad.backend import get_array_module, to_device
from minigrad.nn.tied_weights import LAYOUT


class _IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` could not match (torch's ``_IncompatibleKeys``, with its name and repr)."""

    missing_keys: list
    unexpected_keys: list

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys!r}, unexpected_keys={self.unexpected_keys!r})"

    __str__ = __repr__


#: minigrad's earlier name of ``_IncompatibleKeys``.
LoadResult = _IncompatibleKeys


class StateDictError(RuntimeError, ValueError):
    """``load_state_dict``'s error: a RuntimeError as torch's, and a ValueError as minigrad's was before."""


def load_state(model, state_dict, strict: bool, assign: bool) -> _IncompatibleKeys:
    """``model.load_state_dict(state_dict, strict, assign)`` (see ``Layer.load_state_dict``)."""
    from minigrad.nn.layer import Layer   # layer.py imports this module
    name = type(model).__name__
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"{name}.load_state_dict: expected state_dict to be dict-like, "
                        f"got {type(state_dict).__name__}")
    state = dict(state_dict)   # the pre-hooks may edit it; the caller's stays as it was
    layers = list(Layer.named_modules(model, remove_duplicate=False))
    missing, unexpected, errors = [], [], []
    handled = {}   # prefix: layer, for each layer whose _load_from_state_dict override loaded its own entries
    for path, layer in layers:
        prefix = f"{path}." if path else ""
        for hook in layer._load_state_dict_pre_hooks or ():
            hook(layer, state, prefix, {}, True, missing, unexpected, errors)
        if _overrides(layer, "_load_from_state_dict"):
            mark = len(_BASE_LOADS)
            try:
                layer._load_from_state_dict(state, prefix, {}, strict, missing, unexpected, errors)
                if not any(done is layer for done in _BASE_LOADS[mark:]):
                    handled[prefix] = layer   # it did not call super(): its own entries are its business, as torch's
            finally:
                del _BASE_LOADS[mark:]
    handled_ids = {id(layer) for layer in handled.values()}
    targets, owners = {}, {}
    for path, layer in layers:
        if id(layer) in handled_ids:
            continue
        for member, kind, value in layer._direct_members():
            key = f"{path}.{member}" if path else member
            if kind in ("param", "buffer") and key not in targets:
                targets[key], owners[key] = value, (layer, member)
    extras = {f"{path}._extra_state" if path else "_extra_state": layer for path, layer in layers
              if _overrides(layer, "set_extra_state") and id(layer) not in handled_ids}
    # Buffers a layer gained later (BatchNorm1d's num_batches_tracked) may be absent from an older
    # state: they keep the layer's own value, as torch 2.13's norm layers do with a state that lacks the count.
    kept = {key for key in (f"{prefix}.{name}" if prefix else name for prefix, layer in model.named_layers()
                            for name in layer._optional_buffers) if key in targets and key not in state}
    found_missing = [k for k in (*targets, *extras) if k not in state and k not in kept]
    found_unexpected = [k for k in state if k not in targets and k not in extras and not _handled_key(k, handled)]
    has_post_hooks = any(layer._load_state_dict_post_hooks for _, layer in layers)
    if not has_post_hooks:
        missing += found_missing
        unexpected += found_unexpected
    sources = {}   # key: the value converted to its target's device and dtype
    for key, target in targets.items():
        # torch's rule for checkpoints of torch 0.3, which saved a 0-d parameter as shape (1,): that one value loads
        # (torch takes element 0 of any 1-d value; a longer one stays a size mismatch here)
        if key in state and not _is_lazy(target) and not _is_lazy(state[key]) and target.ndim == 0 \
                and tuple(getattr(_array_of(state[key]), "shape", ())) == (1,):
            state[key] = _array_of(state[key]).reshape(())
    for key, target in targets.items():
        if key in state:
            if _is_lazy(state[key]):   # an uninitialized checkpoint entry loads only into a placeholder
                if not _is_lazy(target):
                    errors.append(f"size mismatch for {key}: copying an uninitialized parameter from "
                                  f"checkpoint, the shape in current model is {tuple(target.shape)}.")
                continue
            refused = _not_numbers(key, state[key])
            if refused:
                errors.append(refused)
                continue
            shape = tuple(_array_of(state[key]).shape)
            if not _is_lazy(target) and shape != tuple(target.shape):   # a placeholder takes any shape
                errors.append(f"size mismatch for {key}: copying a param with shape {shape} from checkpoint, "
                              f"the shape in current model is {tuple(target.shape)}.")
            elif not assign and not _is_lazy(target):
                # Converted now, so that a value the backend cannot take (a torch tensor that requires grad or
                # is bfloat16) is an error before the first write; a same-device, same-dtype value is not copied.
                try:
                    sources[key] = to_device(_array_of(state[key]), target.device).astype(target.dtype, copy=False)
                except Exception as err:   # noqa: BLE001  (whatever the value's library raises)
                    errors.append(f'While copying the parameter named "{key}", the value from checkpoint could '
                                  f"not be read as {target.dtype}: {type(err).__name__}: {err}")
    result = _IncompatibleKeys(missing, unexpected)
    if errors or (strict and (missing or unexpected) and not has_post_hooks):
        keys = _IncompatibleKeys(missing + found_missing, unexpected + found_unexpected) if has_post_hooks else result
        raise StateDictError(_load_error(name, keys if strict else _IncompatibleKeys([], []), errors))
    for key, target in targets.items():
        if key in state and _is_lazy(state[key]):
            continue
        if key in state:
            if assign and not _is_lazy(target):
                _assign(*owners[key], target, state[key])
                continue
            if key in sources:
                target.data[...] = sources[key]
            else:   # a placeholder: it takes the value's shape first
                target.materialize(_array_of(state[key]).shape)
                target.data[...] = to_device(_array_of(state[key]), target.device).astype(target.dtype, copy=False)
            mark_written(target.data)  # a graph recorded before must not use the new values
    for key, layer in extras.items():
        if key in state:
            layer.set_extra_state(state[key])
    if has_post_hooks:
        _run_post_hooks(model, result, found_missing, found_unexpected, {path for path, _ in layers})
    if strict and (missing or unexpected):
        raise StateDictError(_load_error(name, result, []))
    return result


#: The layers whose base ``Layer._load_from_state_dict`` ran, while an override of it runs (see ``load_state``).
_BASE_LOADS = []


def note_base_load(layer) -> None:
    """``Layer._load_from_state_dict``'s record that an override called it (``super()``)."""
    _BASE_LOADS.append(layer)


def _handled_key(key, handled) -> bool:
    """True when ``key`` is under a layer whose ``_load_from_state_dict`` override did not call the base one,
    and not under one of its sub-layers: torch's base method, which lists unexpected keys, did not run for it."""
    for prefix, layer in handled.items():
        if key.startswith(prefix) and key[len(prefix):].split(".", 1)[0] not in dict(layer._child_items()):
            return True
    return False


def save_state(layer, state, prefix, keep_vars):
    """``state_dict``'s walk: each layer's pre-hooks, its own entries and extra state (``_save_to_state_dict``,
    which a subclass may override as torch's), its sub-layers in torch's order, then its post-hooks (a shared
    layer is written under each of its names, as torch's)."""
    for hook in layer._state_dict_pre_hooks or ():
        hook(layer, prefix, keep_vars)
    if _overrides(layer, "_save_to_state_dict"):
        layer._save_to_state_dict(state, prefix, keep_vars)
    else:
        save_own_state(layer, state, prefix, keep_vars)
    for name, kind, value in layer._direct_members():
        if kind == "layer":
            if _overrides(value, "state_dict"):   # torch calls each sub-layer's own state_dict
                value.state_dict(destination=state, prefix=prefix + name + ".", keep_vars=keep_vars)
            else:
                save_state(value, state, prefix + name + ".", keep_vars)
    for hook in layer._state_dict_hooks or ():
        if hook(layer, state, prefix, {}) is not None:   # torch's rule: it edits the dict in place
            raise RuntimeError(f"{type(layer).__name__}.state_dict: a state_dict post-hook must return None "
                               "(edit the state dict in place instead)")


def save_own_state(layer, state, prefix, keep_vars):
    """The layer's own parameters and persistent buffers, then its extra state (torch's ``_save_to_state_dict``)."""
    for name, kind, value in layer._direct_members():
        key = prefix + name
        if kind in ("param", "buffer") and key not in state:
            # torch's value: a detached Tensor over the member's own memory (no copy, no graph), so writing into
            # it writes the model and an optimizer step shows in it; a lazy layer's placeholder is listed as
            # itself (no data yet), as in PyTorch's state dict.
            state[key] = value if keep_vars or _is_lazy(value) else value.detach()
    if _overrides(layer, "get_extra_state"):
        state[prefix + "_extra_state"] = layer.get_extra_state()


def _overrides(layer, method) -> bool:
    """True when the layer's class replaces the base class's ``method`` (torch's test for extra state)."""
    return getattr(type(layer), method) is not _base_methods()[method]


_BASE_METHODS = {}


def _base_methods() -> dict:
    """Layer's own get_extra_state and set_extra_state, read once (layer.py imports this module)."""
    if not _BASE_METHODS:
        from minigrad.nn.layer import Layer
        _BASE_METHODS.update(get_extra_state=Layer.get_extra_state, set_extra_state=Layer.set_extra_state,
                             _save_to_state_dict=Layer._save_to_state_dict, state_dict=Layer.state_dict,
                             _load_from_state_dict=Layer._load_from_state_dict)
    return _BASE_METHODS


def _run_post_hooks(model, result, found_missing, found_unexpected, paths):
    """torch's load-state-dict post-hooks: a layer's run once its sub-layers are loaded, each seeing the keys found
    missing or unexpected so far (its own, its sub-layers', and those of the layers loaded before it), as torch's
    walk (each layer's own keys, then its sub-layers, then its hooks) gathers them; a key a hook removes stays out."""
    by_path = {}
    for kind, keys in (("missing", found_missing), ("unexpected", found_unexpected)):
        for key in keys:
            by_path.setdefault((_owner_path(key, paths), kind), []).append(key)

    def walk(layer, path):
        result.missing_keys.extend(by_path.pop((path, "missing"), ()))
        result.unexpected_keys.extend(by_path.pop((path, "unexpected"), ()))
        for child_name, child in layer._child_items():
            walk(child, f"{path}.{child_name}" if path else child_name)
        for hook in layer._load_state_dict_post_hooks or ():
            if hook(layer, result) is not None:
                raise RuntimeError(f"{type(model).__name__}.load_state_dict: a load_state_dict post-hook must "
                                   "return None (edit incompatible_keys in place instead)")
    walk(model, "")


def _owner_path(key, paths) -> str:
    """The path of the deepest layer whose name starts ``key`` (the layer that reports it in torch's walk)."""
    parts = key.split(".")
    for i in range(len(parts) - 1, 0, -1):
        path = ".".join(parts[:i])
        if path in paths:
            return path
    return ""


def _load_error(name, keys, errors) -> str:
    """torch's message: ``Error(s) in loading state_dict for Net:`` and one tab-indented line per problem."""
    lines = []
    if keys.missing_keys:
        lines.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in keys.missing_keys) + ". ")
    if keys.unexpected_keys:
        lines.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in keys.unexpected_keys) + ". ")
    return f"Error(s) in loading state_dict for {name}:\n\t" + "\n\t".join(lines + list(errors))


def _assign(owner, member, target, value):
    """``load_state_dict(assign=True)``: the state's value takes the member's place (torch's), a Parameter
    keeping the old one's ``requires_grad``; a member inside a plain list or dict gets the value's data."""
    from minigrad.nn.layer import Parameter
    if isinstance(target, Parameter):
        new = value if isinstance(value, Parameter) else Parameter(_array_of(value))
        new.requires_grad = target.requires_grad
        # The layout of the layer that made the weight (a Linear's (in, out) or an Embedding's rows) goes with it:
        # without it a Linear tied to an Embedding would read the new weight untransposed.
        if getattr(new, LAYOUT, None) is None and getattr(target, LAYOUT, None) is not None:
            setattr(new, LAYOUT, getattr(target, LAYOUT))
    else:
        new = value if isinstance(value, Tensor) else Tensor(_array_of(value))
    if member in owner._member_names:
        setattr(owner, member, new)
    elif isinstance(owner.__dict__.get("_items"), (list, dict)):   # a ParameterList / ParameterDict
        items = owner._items
        items[int(member) if isinstance(items, list) else member] = new
    else:
        target.data = new.data


def _not_numbers(key, value):
    """torch's refusal of a checkpoint entry that holds no numbers (None, strings, objects), or None when it does.

    Checked with the shapes, before anything is written: NumPy would otherwise read an object array's None as nan
    without a word, or stop at a string half way through the model's entries."""
    dtype = getattr(_array_of(value), "dtype", None)
    if not isinstance(dtype, np.dtype) or dtype.kind in "biufc":   # a torch tensor's dtype is torch's own: numbers
        return None
    shown = type(value).__name__ if value is None or isinstance(value, (str, bytes, dict)) else \
        f"{type(value).__name__} of dtype {dtype}"
    return (f'While copying the parameter named "{key}", expected a Tensor or an array of numbers or bools '
            f"from checkpoint, but received {shown}.")


def _is_lazy(value) -> bool:
    """True for a lazy layer's placeholder (``minigrad.nn.lazy``: UninitializedParameter, UninitializedBuffer)."""
    return getattr(type(value), "_uninitialized", False)


def _array_of(value):
    """The backend array behind a Tensor, or the value itself for NumPy/CuPy arrays."""
    if isinstance(value, Tensor):
        return value.data
    xp = get_array_module(value)
    return value if hasattr(value, "shape") and hasattr(value, "dtype") else xp.asarray(value)
