"""``functional_call``: run a module with given tensors in place of its parameters and buffers
(``torch.func.functional_call``), the way to differentiate a model with respect to a dict of weights."""
from __future__ import annotations

from collections.abc import Mapping

from minigrad.autograd.tensor import Tensor

_ABSENT = object()


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """``module(*args, **kwargs)`` with each named parameter/buffer replaced by the Tensor given for its name.

    ``parameter_and_buffer_dicts``: a dict from dotted names (``"fc1.weight"``) to Tensors, or a sequence of such
    dicts with no name in two of them. The module's own tensors are put back afterwards, also when the call
    raises. ``tie_weights``: a tensor the module uses under several names (tied weights) is replaced under all of
    them when one is given (two different tensors for tied names is an error); with False only the names given
    are replaced. ``strict``: every parameter and buffer must be given, and no other name. ``args`` that is not
    a tuple is the one positional argument.
    """
    if not callable(getattr(module, "_walk", None)):
        raise TypeError(f"functional_call: module must be a minigrad.nn.Module, got {type(module).__name__}")
    given = _merged(parameter_and_buffer_dicts)
    for name, value in given.items():
        if not isinstance(value, Tensor):
            raise TypeError(f"functional_call: the value for {name!r} must be a Tensor, got {type(value).__name__}")
    names = {name: value for name, kind, value in module._walk("") if kind in ("param", "buffer", "transient")}
    if tie_weights:
        given = _tied(names, given)
    if strict:
        _check_strict(module, names, given, tie_weights)
    args = () if args is None else args if isinstance(args, tuple) else (args,)
    swapped = []
    try:
        for name, value in given.items():
            owner, attribute = _owner(module, name)
            swapped.append((owner, attribute, _swap(owner, attribute, value, name)))
        return module(*args, **(kwargs or {}))
    finally:
        for owner, attribute, old in reversed(swapped):
            _swap(owner, attribute, old, None)


def _merged(dicts):
    if isinstance(dicts, Mapping):
        return dict(dicts)
    if not isinstance(dicts, (tuple, list)) or not all(isinstance(d, Mapping) for d in dicts):
        raise TypeError("functional_call: parameter_and_buffer_dicts must be a dict of Tensors or a tuple of such "
                        f"dicts, got {type(dicts).__name__}")
    merged, repeated = {}, []
    for d in dicts:
        for name, value in d.items():
            if name in merged:
                repeated.append(name)
            merged[name] = value
    if repeated:
        raise ValueError(f"{sorted(set(repeated))} appeared in multiple dictionaries; behavior of functional call is "
                         "ambiguous")
    return merged


def _tied(names, given):
    """``given`` with each tensor given for one of several tied names set for all of them."""
    groups = {}
    for name, value in names.items():
        groups.setdefault(id(value), []).append(name)
    result = dict(given)
    for group in groups.values():
        named = [n for n in group if n in given]
        if len(group) < 2 or not named:
            continue
        if any(given[n] is not given[named[0]] for n in named[1:]):
            raise ValueError(f"functional_call got multiple values for keys {named}, which are tied. "
                             "Consider using tie_weights=False")
        for n in group:
            result[n] = given[named[0]]
    return result


def _check_strict(module, names, given, tie_weights):
    missing = [n for n in names if n not in given]
    unexpected = [n for n in given if n not in names]
    if missing or unexpected:
        lines = [f"Error(s) in reparametrizing for {type(module).__name__}:"]
        if unexpected:
            lines.append("\tUnexpected key(s): " + ", ".join(repr(n) for n in unexpected) + ".")
        if missing:
            lines.append("\tMissing key(s): " + ", ".join(repr(n) for n in missing) + ".")
        raise RuntimeError("\n".join(lines))


def _owner(module, name):
    """(the layer or container holding the member ``name``, the member's last name part)."""
    *path, attribute = name.split(".")
    owner = module
    for i, part in enumerate(path):
        child = _child(owner, part)
        if child is _ABSENT:
            raise AttributeError(f"functional_call: {type(module).__name__} has no sub-layer "
                                 f"{'.'.join(path[:i + 1])!r} (for the key {name!r})")
        owner = child
    return owner, attribute


def _child(owner, part):
    if isinstance(owner, (list, tuple)):
        return owner[int(part)] if part.isdigit() and int(part) < len(owner) else _ABSENT
    if isinstance(owner, dict):
        return next((v for k, v in owner.items() if str(k) == part), _ABSENT)
    child = getattr(owner, "__dict__", {}).get(part, _ABSENT)
    if child is _ABSENT and hasattr(owner, "named_children"):   # a Sequential names its layers "0", "1", ...
        child = dict(owner.named_children()).get(part, _ABSENT)
    return child


def _swap(owner, attribute, value, name):
    """Set ``owner``'s member without registering anything; return what was there (``_ABSENT``: nothing)."""
    if isinstance(owner, list):
        old, owner[int(attribute)] = owner[int(attribute)], value
        return old
    if isinstance(owner, dict):
        key = next((k for k in owner if str(k) == attribute), attribute)
        old = owner.get(key, _ABSENT)
        if value is _ABSENT:
            owner.pop(key, None)
        else:
            owner[key] = value
        return old
    if isinstance(owner, tuple):
        raise TypeError(f"functional_call: {name!r} sits in a tuple, which cannot be changed; store it in a list")
    items = owner.__dict__.get("_items")
    if isinstance(items, (list, dict)) and attribute not in owner.__dict__.get("_member_names", ()):
        # A ParameterList's or ParameterDict's entries live in its _items, not in attributes: an attribute
        # set beside them would be ignored by the forward that indexes the container.
        return _swap(items, attribute, value, name)
    old = owner.__dict__.get(attribute, _ABSENT)
    if value is _ABSENT:
        del owner.__dict__[attribute]
    else:
        object.__setattr__(owner, attribute, value)   # bypass Layer.__setattr__: no registration changes
    return old
