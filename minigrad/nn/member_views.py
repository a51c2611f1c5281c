"""``Layer._modules``, ``._parameters`` and ``._buffers``: torch's ordered dicts of a layer's own direct members, as
live views over the store each layer already keeps (its ``__dict__``; a Sequential's stack, a ModuleList's list, a
ModuleDict's dict). A view holds nothing itself, so there is no second copy to keep in sync: a write through it is
the layer's own write (``Layer._set_slot``), seen at once by ``parameters()``, ``state_dict()``, attribute access
and ``forward``."""
from __future__ import annotations

from collections.abc import MutableMapping

#: The kind of each view, and the words its TypeError uses: (view name, what a member is, what it takes).
VIEWS = {"layer": ("_modules", "child module", "nn.Module or None"),
         "param": ("_parameters", "parameter", "nn.Parameter, Tensor or None"),
         "buffer": ("_buffers", "buffer", "Tensor or None")}


class MemberView(MutableMapping):
    """The members of one kind of one layer, by name, in definition order (``None`` slots included, as torch's)."""

    __slots__ = ("_layer", "_kind")

    def __init__(self, layer, kind):
        self._layer, self._kind = layer, kind

    def _slots(self):
        return self._layer._own_slots(self._kind)

    def __getitem__(self, name):
        for key, value in self._slots():
            if key == name:
                return value
        raise KeyError(name)

    def __setitem__(self, name, value):
        self._layer._set_slot(self._kind, name, value)

    def __delitem__(self, name):
        self._layer._del_slot(self._kind, name)

    def __iter__(self):
        # A snapshot: the usual surgery loop writes the entries while iterating over them.
        return iter([key for key, _ in self._slots()])

    def __len__(self):
        return len(self._slots())

    def items(self):
        return list(self._slots())

    def values(self):
        return [value for _, value in self._slots()]

    def __repr__(self):
        return f"{VIEWS[self._kind][0]}({dict(self._slots())!r})"


def check_slot(layer, kind, name, value):
    """torch's ``_modules``/``_parameters``/``_buffers`` take any value; one that is not of the view's kind (or None)
    would break the layer later, so it is refused here, in one message."""
    from minigrad.autograd.tensor import Tensor
    from minigrad.nn.layer import Layer
    view, what, expected = VIEWS[kind]
    where = f"{type(layer).__name__}.{view}[{name!r}]"
    if not isinstance(name, str):
        raise TypeError(f"{where}: the name must be a string, got {type(name).__name__}")
    if value is not None and not isinstance(value, Layer if kind == "layer" else Tensor):
        raise TypeError(f"{where}: cannot assign '{type(value).__name__}' as {what} ({expected} expected)")
