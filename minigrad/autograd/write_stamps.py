"""In-place write stamps: which tensors were written to in place, and at which write count.

``Tensor.__setitem__`` stamps each write; the engine compares a tensor's stamp with the
count its graph node recorded, to tell an input that changed after it was recorded.
"""
import weakref

from minigrad.autograd.mode import STATE

# id(tensor) -> (weak reference to it, the STATE.writes count of its last in-place write).
# Kept aside so that tensors that are never written to, nearly all of them, cost nothing.
# (A WeakKeyDictionary would compare keys with ==, which is elementwise for tensors.)
_WRITTEN = {}


def _mark_written(t):
    STATE.writes += 1
    key = id(t)
    entry = _WRITTEN.get(key)
    if entry is None or entry[0]() is not t:
        def forget(ref, key=key):
            current = _WRITTEN.get(key)
            if current is not None and current[0] is ref:
                del _WRITTEN[key]
        entry = (weakref.ref(t, forget), 0)
    _WRITTEN[key] = (entry[0], STATE.writes)


def written_at(t) -> int:
    """The write count of ``t``'s last in-place write (0 if it was never written to)."""
    entry = _WRITTEN.get(id(t))
    return entry[1] if entry is not None and entry[0]() is t else 0
