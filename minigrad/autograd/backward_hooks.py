"""Hooks that run inside a backward pass: post-accumulate-grad hooks on leaves, and end-of-pass callbacks.

As PyTorch's ``Tensor.register_post_accumulate_grad_hook`` and ``queue_callback``. The engine
delivers a leaf with such a hook as soon as its gradient is final (see ``engine.py``), and runs
the queued callbacks once every gradient of the pass is delivered. Data-parallel training uses
both: each parameter's hook starts the allreduce of its bucket while backward goes on, and a
callback waits for them all before ``backward()`` returns.
"""
from __future__ import annotations

import weakref

# The leaves that have post-accumulate-grad hooks: id(leaf) -> weak reference to the leaf. The hooks themselves
# are on the leaf (``leaf._post_hooks``), so a hook that refers back to its leaf (a data-parallel reducer holds its
# parameters) makes a cycle the collector can free, not a leak through this module. Making a tensor (once per op)
# costs what it did, and a pass pays one test of this dict when no leaf has such a hook (the common case).
POST_ACCUMULATE = {}
# The passes running now, innermost last (a hook may start a pass of its own): each entry is None, or the callbacks
# queued for that pass's end. The engine appends and pops its pass's entry itself: list operations, where three
# calls per pass (begin, run callbacks, end) cost about 700 instructions of the tiny step's backward.
PASSES = []


def run_callbacks():
    """Run the callbacks queued during the innermost pass, in order (a callback may queue another)."""
    while PASSES[-1]:
        callbacks, PASSES[-1] = PASSES[-1], None
        for callback in callbacks:
            callback()


def queue_callback(callback):
    """Call ``callback()`` once the backward pass running now has delivered every gradient (call it from a hook).

    It runs inside ``backward()``, after the last ``.grad`` is written, in the order queued. Data-parallel
    training finishes its allreduces there.
    """
    if not PASSES:
        raise RuntimeError("queue_callback: no backward pass is running; call it from a hook during backward()")
    if not callable(callback):
        raise TypeError(f"queue_callback: expected a callable, got {type(callback).__name__}")
    if PASSES[-1] is None:
        PASSES[-1] = []
    PASSES[-1].append(callback)


def register_post_accumulate_grad_hook(leaf, hook):
    """``Tensor.register_post_accumulate_grad_hook``: see there. Returns the handle."""
    if not callable(hook):
        raise TypeError(f"register_post_accumulate_grad_hook: expected a callable, got {type(hook).__name__}")
    key = id(leaf)
    if key not in POST_ACCUMULATE:
        leaf._post_hooks = []
        # The entry goes when the leaf does (before its id can be reused).
        POST_ACCUMULATE[key] = weakref.ref(leaf, lambda _, key=key: POST_ACCUMULATE.pop(key, None))
    hooks = leaf._post_hooks
    if getattr(hook, "accumulate_grad_post", False):
        hooks.append(hook)
    else:   # before the AccumulateGrad node's post hooks (function.py): torch runs those once its node has run
        at = next((i for i, h in enumerate(hooks) if getattr(h, "accumulate_grad_post", False)), len(hooks))
        hooks.insert(at, hook)
    return _PostAccumulateHandle(leaf, hook)


class _PostAccumulateHandle:
    """``remove()`` takes the hook off again (and the leaf out of the table with its last hook)."""

    def __init__(self, leaf, hook):
        self._leaf, self._hook = weakref.ref(leaf), hook

    def remove(self):
        leaf = self._leaf()
        if leaf is None or id(leaf) not in POST_ACCUMULATE:
            return
        hooks = leaf._post_hooks
        if self._hook in hooks:
            hooks.remove(self._hook)
        if not hooks:
            del POST_ACCUMULATE[id(leaf)]
            leaf._post_hooks = None

    def __enter__(self):   # torch's RemovableHandle: removed at the end of the block
        return self

    def __exit__(self, *exc):
        self.remove()
        return False


def run_post_accumulate_hooks(leaf, hooks):
    for hook in list(hooks):   # a hook may remove itself
        if hook(leaf) is not None:
            raise RuntimeError(
                f"a post-accumulate-grad hook returned a value (hook {getattr(hook, '__name__', hook)!s}); it must "
                "return None: it sees the tensor after .grad was written (use register_hook to replace a gradient)")
