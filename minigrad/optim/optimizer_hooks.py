"""Hooks of an optimizer, as ``torch.optim.Optimizer``'s: around ``step``, ``state_dict`` and ``load_state_dict``.

``register_step_pre_hook(hook)``: ``hook(optimizer, args, kwargs)`` runs before ``step``; ``args`` is the tuple of
the positional arguments *with the optimizer first* (as torch passes them) and ``kwargs`` the keyword arguments.
It returns None, or ``(new_args, new_kwargs)`` to call ``step`` with instead (``new_args`` starting with the
optimizer). ``register_step_post_hook(hook)``: ``hook(optimizer, args, kwargs)`` runs after ``step``, with the
arguments ``step`` was called with. The global ``register_optimizer_step_pre_hook`` /
``register_optimizer_step_post_hook`` (in :mod:`minigrad.optim.optimizer`, as torch's) add a hook to every optimizer:
global pre-hooks run before an optimizer's own, global post-hooks after its own.

``register_state_dict_pre_hook(hook)``: ``hook(optimizer)`` before ``state_dict`` builds the dict;
``register_state_dict_post_hook(hook)``: ``hook(optimizer, state_dict)`` after, returning None (the dict, maybe
changed in place, is returned) or a dict returned instead. ``register_load_state_dict_pre_hook(hook)``:
``hook(optimizer, state_dict)`` gets a shallow copy of the dict given to ``load_state_dict`` and returns None or
the dict to load instead; ``register_load_state_dict_post_hook(hook)``: ``hook(optimizer)`` after loading. These
four take ``prepend=True`` to run before the hooks already registered.

Every ``register_*`` returns a handle whose ``remove()`` takes the hook off (a second call does nothing); it is
also a context manager that removes the hook when the block ends.

The cost of a step without hooks: the wrapper every ``step`` gets (``optimizer._stamping_writes``) reads one
attribute, ``_step_hooked``, False on the class ``Optimizer``, True on an optimizer while it holds a step hook
(and on ``Optimizer`` while a global step hook exists). Only a hooked step comes to :func:`run_hooked_step`.
"""

import itertools
import weakref
from collections import OrderedDict

_global_step_pre_hooks: "OrderedDict[int, object]" = OrderedDict()
_global_step_post_hooks: "OrderedDict[int, object]" = OrderedDict()

_handle_ids = itertools.count()


class RemovableHandle:
    """What every ``register_*hook`` returns (torch's ``RemovableHandle``): ``remove()`` takes the hook off."""

    def __init__(self, hooks: OrderedDict, owner=None):
        self.hooks_dict_ref = weakref.ref(hooks)
        # A weak reference: a handle kept by the caller must not keep a deleted optimizer alive.
        self._owner = weakref.ref(owner) if owner is not None else None
        self.id = next(_handle_ids)

    def remove(self) -> None:
        hooks = self.hooks_dict_ref()
        if hooks is not None:
            hooks.pop(self.id, None)
        if self._owner is None:
            _refresh_global()
        else:
            owner = self._owner()
            if owner is not None:
                owner._refresh_step_hooked()

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def _add(hooks, hook, method, owner=None, prepend=False) -> RemovableHandle:
    if not callable(hook):
        raise TypeError(f"{method}: hook must be callable, got {type(hook).__name__}")
    handle = RemovableHandle(hooks, owner)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def _refresh_global():
    from minigrad.optim.optimizer import Optimizer   # (optimizer.py imports this module)

    Optimizer._step_hooked = bool(_global_step_pre_hooks or _global_step_post_hooks)


def add_global_step_hook(when, hook) -> RemovableHandle:
    """``torch.optim.optimizer.register_optimizer_step_{when}_hook``'s work (``when``: "pre" or "post"); those
    two functions live in :mod:`minigrad.optim.optimizer`, torch's path for them."""
    hooks = _global_step_pre_hooks if when == "pre" else _global_step_post_hooks
    handle = _add(hooks, hook, f"register_optimizer_step_{when}_hook")
    _refresh_global()
    return handle


_HOOK_STATE = ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks", "_optimizer_state_dict_pre_hooks",
               "_optimizer_state_dict_post_hooks", "_optimizer_load_state_dict_pre_hooks",
               "_optimizer_load_state_dict_post_hooks", "_step_hooked", "_in_hooked_step")


class OptimizerHooksMixin:
    """The ``register_*_hook`` methods of :class:`minigrad.optim.Optimizer` (see the module docstring)."""

    _step_hooked = False

    def _init_hooks(self):
        # torch's attribute names, so that code reading them finds them.
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        self._optimizer_state_dict_pre_hooks = OrderedDict()
        self._optimizer_state_dict_post_hooks = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks = OrderedDict()
        self._optimizer_load_state_dict_post_hooks = OrderedDict()

    def __getstate__(self):
        # As torch's: a pickled or copied optimizer leaves its hooks behind (a lambda hook would not pickle).
        state = self.__dict__.copy()
        for name in _HOOK_STATE:
            state.pop(name, None)
        return state

    def __setstate__(self, state):
        # An optimizer pickled before it had hooks (an earlier minigrad) gets them too, empty.
        self.__dict__.update(state)
        self._init_hooks()

    def _refresh_step_hooked(self):
        """``_step_hooked`` True while this optimizer holds a step hook; else the class's (global hooks)."""
        if self._optimizer_step_pre_hooks or self._optimizer_step_post_hooks:
            self._step_hooked = True
        else:
            self.__dict__.pop("_step_hooked", None)

    def register_step_pre_hook(self, hook) -> RemovableHandle:
        """Call ``hook(optimizer, args, kwargs)`` before each ``step``; it may return ``(new_args, new_kwargs)``."""
        handle = _add(self._optimizer_step_pre_hooks, hook, "register_step_pre_hook", owner=self)
        self._refresh_step_hooked()
        return handle

    def register_step_post_hook(self, hook) -> RemovableHandle:
        """Call ``hook(optimizer, args, kwargs)`` after each ``step``."""
        handle = _add(self._optimizer_step_post_hooks, hook, "register_step_post_hook", owner=self)
        self._refresh_step_hooked()
        return handle

    def register_state_dict_pre_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """Call ``hook(optimizer)`` before :meth:`state_dict` builds its dict."""
        return _add(self._optimizer_state_dict_pre_hooks, hook, "register_state_dict_pre_hook", prepend=prepend)

    def register_state_dict_post_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """Call ``hook(optimizer, state_dict)`` after :meth:`state_dict`; a returned dict replaces it."""
        return _add(self._optimizer_state_dict_post_hooks, hook, "register_state_dict_post_hook", prepend=prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """Call ``hook(optimizer, state_dict)`` (a shallow copy) before loading; a returned dict is loaded instead."""
        return _add(self._optimizer_load_state_dict_pre_hooks, hook, "register_load_state_dict_pre_hook",
                    prepend=prepend)

    def register_load_state_dict_post_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """Call ``hook(optimizer)`` after :meth:`load_state_dict` has loaded the state."""
        return _add(self._optimizer_load_state_dict_post_hooks, hook, "register_load_state_dict_post_hook",
                    prepend=prepend)


def run_hooked_step(step, optimizer, args, kwargs):
    """``step(optimizer, *args, **kwargs)`` between the step hooks (global pre, own pre; own post, global post).

    A step that calls its base class's ``step`` (wrapped too) runs the hooks once, around the outer call.
    """
    if optimizer.__dict__.get("_in_hooked_step"):
        return step(optimizer, *args, **kwargs)
    args = (optimizer, *args)  # torch's hooks see the optimizer as the first argument
    for hook in (*_global_step_pre_hooks.values(), *optimizer._optimizer_step_pre_hooks.values()):
        result = hook(optimizer, args, kwargs)
        if result is not None:
            if not (isinstance(result, tuple) and len(result) == 2):
                raise RuntimeError(f"{type(optimizer).__name__}.step: a step pre-hook must return None or a tuple "
                                   f"of (new_args, new_kwargs), but got {result!r}.")
            args, kwargs = result
    optimizer._in_hooked_step = True
    try:
        out = step(*args, **kwargs)
    finally:
        del optimizer._in_hooked_step
    for hook in (*optimizer._optimizer_step_post_hooks.values(), *_global_step_post_hooks.values()):
        hook(optimizer, args, kwargs)
    return out
