"""Forward hooks of a Layer, as ``torch.nn.Module``'s: how a hooked call runs, the handles, the global hooks.

``register_forward_pre_hook(hook, *, prepend=False, with_kwargs=False)``: ``hook(layer, args)`` runs before
``forward``; a returned value replaces the positional arguments (a tuple, or one value for a single argument).
With ``with_kwargs=True`` it is ``hook(layer, args, kwargs)`` and returns None or ``(new_args, new_kwargs)``.

``register_forward_hook(hook, *, prepend=False, with_kwargs=False, always_call=False)``: ``hook(layer, args,
output)`` (or ``hook(layer, args, kwargs, output)``) runs after ``forward``; a returned value replaces the
output. ``always_call=True`` runs it even when ``forward`` (or a hook before it) raises, with the output known
so far (None); the error is then raised again, and an error of the hook itself is only warned about.

``register_module_forward_pre_hook`` / ``register_module_forward_hook`` add a hook to every layer (torch's
``torch.nn.modules.module`` functions of the same names); the global hooks run before the layer's own. So do
``register_module_full_backward_hook`` / ``register_module_full_backward_pre_hook``'s (layer_backward_hooks.py).

The cost of a call without hooks: ``Layer.__call__`` reads one attribute, ``_hooked``, False on the class and
True on a layer while it holds a hook or a ``forward`` set on the instance (and on the class ``Layer`` while a
global hook exists), and calls ``forward``. Only such a call comes here.
"""
from __future__ import annotations

import itertools
import warnings
import weakref

from minigrad.autograd.mode import STATE
from minigrad.nn.layer_backward_hooks import (_global_backward_hooks, _global_backward_pre_hooks, route_inputs,
                                              route_outputs)

# Global hooks, in registration order: (hook, with_kwargs) and (hook, with_kwargs, always_call) entries.
_global_forward_pre_hooks: list = []
_global_forward_hooks: list = []

_handle_ids = itertools.count()


class RemovableHandle:
    """What every ``register_*hook`` returns (torch's ``RemovableHandle``): ``remove()`` takes the hook off (a
    second call does nothing); ``with layer.register_forward_hook(f):`` removes it when the block ends."""

    def __init__(self, hooks: list, entry, owner=None):
        self._hooks, self._entry = hooks, entry
        # A weak reference: a handle kept by the caller must not keep a deleted model alive.
        self._owner = weakref.ref(owner) if owner is not None else None
        self.id = next(_handle_ids)

    def remove(self) -> None:
        for i, entry in enumerate(self._hooks):
            if entry is self._entry:
                del self._hooks[i]
                break
        owner = self._owner() if self._owner is not None else None
        if owner is not None:
            owner._refresh_hooked()
        else:
            _refresh_global()

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def register_module_forward_pre_hook(hook) -> RemovableHandle:
    """Call ``hook(layer, args)`` before the forward of every layer (torch's function of the same name)."""
    return _add_global(_global_forward_pre_hooks, "register_module_forward_pre_hook", hook, (hook, False))


def register_module_forward_hook(hook, *, with_kwargs: bool = False, always_call: bool = False) -> RemovableHandle:
    """Call ``hook(layer, args, output)`` (``with_kwargs``: ``hook(layer, args, kwargs, output)``) after the
    forward of every layer (torch's function of the same name)."""
    return _add_global(_global_forward_hooks, "register_module_forward_hook", hook,
                       (hook, bool(with_kwargs), bool(always_call)))


def register_module_full_backward_hook(hook) -> RemovableHandle:
    """Call ``hook(layer, grad_input, grad_output)`` for every layer, as its own ``register_full_backward_hook``
    does, before the layer's own (torch's function of the same name)."""
    return _add_global(_global_backward_hooks, "register_module_full_backward_hook", hook, hook)


def register_module_full_backward_pre_hook(hook) -> RemovableHandle:
    """Call ``hook(layer, grad_output)`` for every layer, as its own ``register_full_backward_pre_hook`` does,
    before the layer's own (torch's function of the same name)."""
    return _add_global(_global_backward_pre_hooks, "register_module_full_backward_pre_hook", hook, hook)


def _add_global(hooks, method, hook, entry):
    if not callable(hook):
        raise TypeError(f"{method}: hook must be callable, got {type(hook).__name__}")
    hooks.append(entry)
    _refresh_global()
    return RemovableHandle(hooks, entry)


def _refresh_global():
    from minigrad.nn.layer import Layer   # layer.py imports this module
    Layer._hooked = bool(_global_forward_pre_hooks or _global_forward_hooks or _global_backward_hooks
                         or _global_backward_pre_hooks)


def call_with_hooks(layer, args: tuple, kwargs: dict):
    """``layer(*args, **kwargs)`` for a layer with hooks, in torch's order: forward pre-hooks (global ones
    first), the inputs routed to the backward hooks, ``forward``, forward hooks, the outputs routed to the
    backward hooks; on an error, the ``always_call`` hooks that have not run yet."""
    result = None
    forward_hooks = (*_global_forward_hooks, *(layer._forward_hooks or ()))
    called = set()   # the always_call hooks that have run
    try:
        for hook, with_kwargs in (*_global_forward_pre_hooks, *(layer._forward_pre_hooks or ())):
            if with_kwargs:
                new = hook(layer, args, kwargs)
                if new is not None:
                    if not (isinstance(new, tuple) and len(new) == 2):
                        raise RuntimeError(f"{type(layer).__name__}: a forward pre-hook with with_kwargs=True must "
                                           f"return None or a tuple of (new_args, new_kwargs), but got {new!r}")
                    args, kwargs = new
            else:
                new = hook(layer, args)
                if new is not None:
                    args = new if isinstance(new, tuple) else (new,)
        routed = None
        if (layer._backward_hooks or layer._backward_pre_hooks or _global_backward_hooks
                or _global_backward_pre_hooks) and STATE.grad_enabled:
            args, routed = route_inputs(layer, args)
        result = layer.forward(*args, **kwargs)
        for entry in forward_hooks:
            hook, with_kwargs, always_call = entry
            if always_call:
                called.add(id(entry))
            new = hook(layer, args, kwargs, result) if with_kwargs else hook(layer, args, result)
            if new is not None:
                result = new
        if routed is not None:
            result = route_outputs(routed, result)
        return result
    except Exception:
        for entry in forward_hooks:
            hook, with_kwargs, always_call = entry
            if always_call and id(entry) not in called:
                try:
                    new = hook(layer, args, kwargs, result) if with_kwargs else hook(layer, args, result)
                    if new is not None:
                        result = new
                except Exception as error:   # the forward's error is the one raised
                    warnings.warn(f"{type(layer).__name__}: a forward hook with always_call=True raised an "
                                  f"exception that was silenced as another error was raised in forward: {error}",
                                  stacklevel=2)
        raise
