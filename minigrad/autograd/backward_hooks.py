"""Hooks that run inside a backward pass: post-accumulate-grad hooks on leaves, and end-of-pass callbacks.

As PyTorch's ``Tensor.register_post_accumulate_grad_hook`` and ``queue_callback``. The engine
delivers a leaf with such a hook as soon as its gradient is final (see ``engine.py``), and runs
the queued callbacks once every gradient of the pass is delivered. Data-parallel training uses
both: each parameter's hook starts the allreduce of its bucket while backward goes on, and a
callback waits for them all before ``backward()`` returns.
"""
from __future__ import annotations

import weakref

# Post-accumulate-grad hooks by leaf: id(leaf) -> (weak reference to the leaf, [hook, ...]). They live here, not on
# the Tensor, so that making a tensor (once per op) costs what it did, and a pass pays one test of this dict when no
# leaf has such a hook (the common case).
POST_ACCUMULATE = {}
# _depth: how many passes are running (a hook may start a pass of its own); _CALLBACKS: pass depth -> the
# callbacks queued for that pass's end (an entry only where some were queued).
_depth = 0
_CALLBACKS = {}


def begin_pass() -> int:
    """A backward pass starts: returns its depth (1 for the outermost)."""
    global _depth
    _depth += 1
    return _depth


def run_callbacks(depth):
    """Run the callbacks queued during the pass at ``depth``, in order (a callback may queue another)."""
    while depth in _CALLBACKS:
        for callback in _CALLBACKS.pop(depth):
            callback()


def end_pass(depth):
    """The pass at ``depth`` is over (or raised): its callbacks not yet run are dropped."""
    global _depth
    _depth -= 1
    _CALLBACKS.pop(depth, None)


def queue_callback(callback):
    """Call ``callback()`` once the backward pass running now has delivered every gradient (call it from a hook).

    It runs inside ``backward()``, after the last ``.grad`` is written, in the order queued. Data-parallel
    training finishes its allreduces there.
    """
    if not _depth:
        raise RuntimeError("queue_callback: no backward pass is running; call it from a hook during backward()")
    if not callable(callback):
        raise TypeError(f"queue_callback: expected a callable, got {type(callback).__name__}")
    _CALLBACKS.setdefault(_depth, []).append(callback)


def register_post_accumulate_grad_hook(leaf, hook):
    """``Tensor.register_post_accumulate_grad_hook``: see there. Returns the handle."""
    if not callable(hook):
        raise TypeError(f"register_post_accumulate_grad_hook: expected a callable, got {type(hook).__name__}")
    key = id(leaf)
    entry = POST_ACCUMULATE.get(key)
    if entry is None:
        # The entry goes when the leaf does (before its id can be reused).
        ref = weakref.ref(leaf, lambda _, key=key: POST_ACCUMULATE.pop(key, None))
        entry = POST_ACCUMULATE[key] = (ref, [])
    entry[1].append(hook)
    return _PostAccumulateHandle(key, entry, hook)


class _PostAccumulateHandle:
    """``remove()`` takes the hook off again (and the leaf out of the table with its last hook)."""

    def __init__(self, key, entry, hook):
        self._key, self._entry, self._hook = key, entry, hook

    def remove(self):
        hooks = self._entry[1]
        if self._hook in hooks:
            hooks.remove(self._hook)
        if not hooks and POST_ACCUMULATE.get(self._key) is self._entry:
            del POST_ACCUMULATE[self._key]


def run_post_accumulate_hooks(leaf, hooks):
    for hook in list(hooks):   # a hook may remove itself
        if hook(leaf) is not None:
            raise RuntimeError(
                f"a post-accumulate-grad hook returned a value (hook {getattr(hook, '__name__', hook)!s}); it must "
                "return None: it sees the tensor after .grad was written (use register_hook to replace a gradient)")
