"""The list behaviour ``ModuleList`` and ``ParameterList`` share: members named by position, list methods."""
from __future__ import annotations

import operator

from minigrad.nn.layer import Layer, layers_after_state
from minigrad.nn.member_views import VIEWS, check_slot


class PositionalList(Layer):
    """A Layer holding an ordered list of members, registered as ``"0"``, ``"1"``... (PyTorch's containers).

    A subclass says what it holds (``_member``: the kind ``_direct_members`` reports, ``_plural``: the
    word its messages use) and checks each new member (``_checked``). Appending, extending (every
    member checked first), indexing (negative too), slicing (a new list sharing the members),
    assignment by one index, ``len``, iteration and ``+=`` are the same for both. It has no ``forward``.
    """

    _member = "layer"
    _plural = "Layers"
    _forward_hint = ""

    def __init__(self, members=None):
        super().__init__()
        object.__setattr__(self, "_items", [])
        if members is not None:
            self.extend(members)

    def _checked(self, method, member):
        """The member to store, or a TypeError naming ``method``: each subclass says what it holds."""
        raise NotImplementedError(f"{type(self).__name__} does not say what it holds (_checked)")

    def append(self, member):
        """Add a member at the end; returns self."""
        self._items.append(self._checked("append", member))
        return self

    def extend(self, members):
        """Add every member of an iterable at the end (all checked first); returns self."""
        name = type(self).__name__
        try:
            items = list(members)
        except TypeError:
            raise TypeError(f"{name}.extend: expected an iterable of {self._plural}, "
                            f"got {type(members).__name__}") from None
        self._items.extend([self._checked("extend", m) for m in items])
        return self

    def _position(self, index, what=None) -> int:
        name = type(self).__name__
        i = _integer(index, what or f"{name} indices must be integers or slices")
        n = len(self._items)
        if not -n <= i < n:
            raise IndexError(f"{name} index {i} is out of range for {n} {self._plural.lower()}")
        return i % n

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(self._items[index])
        return self._items[self._position(index)]

    def __setitem__(self, index, member) -> None:
        # One position, as torch's: a slice would have to renumber the rest.
        self._items[self._position(index, f"{type(self).__name__} assignment takes one integer index")] = \
            self._checked("__setitem__", member)

    def _named_position(self, name):
        """The position a member name such as ``"1"`` stands for, or None (torch's members are attributes too)."""
        items = self.__dict__.get("_items")
        if items is not None and isinstance(name, str) and name.isdigit() and str(int(name)) == name \
                and int(name) < len(items):
            return int(name)
        return None

    def __setattr__(self, name, value):
        i = self._named_position(name)
        if i is None:
            super().__setattr__(name, value)
        else:   # setattr(blocks, "1", layer) replaces that member, as torch's, not a second "1"
            self._items[i] = self._checked("__setattr__", value)

    def __delattr__(self, name):
        i = self._named_position(name)
        if i is None:
            super().__delattr__(name)
        else:   # delattr(blocks, "1") removes that member, as torch's (the later ones move up, as del blocks[1])
            del self._items[i]

    def __getattr__(self, name):
        # Only called when normal lookup fails: getattr(blocks, "1"), as torch's.
        i = self._named_position(name)
        if i is None:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        return self._items[i]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def __iadd__(self, members):
        return self.extend(members)

    def _direct_members(self):
        # The members are named by position alone ("0.weight", "0"); anything a subclass registers follows.
        listed = [(str(i), self._member, m) for i, m in enumerate(self._items) if m is not None]   # None: empty slot
        yield from layers_after_state(listed, super()._direct_members())

    # The list is the one store of its members; ``_modules`` / ``_parameters`` read and write it by position.
    def _own_slots(self, kind):
        listed = [(str(i), m) for i, m in enumerate(self._items)] if kind == self._member else []
        return listed + super()._own_slots(kind)

    def _slot_position(self, kind, name):
        """The position ``name`` writes (the length: a new last member), or None for a name of the base's."""
        if kind != self._member or not isinstance(name, str) or not name.isdigit():
            return None
        i = int(name)
        if str(i) != name or i > len(self._items):
            raise KeyError(f"{type(self).__name__}.{VIEWS[kind][0]}[{name!r}]: the positions are 0 to "
                           f"{len(self._items)} (a new last one)")
        return i

    def _set_slot(self, kind, name, value):
        i = self._slot_position(kind, name)
        if i is None:
            return super()._set_slot(kind, name, value)
        check_slot(self, kind, name, value)
        if i == len(self._items):
            self._items.append(value)
        else:
            self._items[i] = value

    def _del_slot(self, kind, name):
        i = self._slot_position(kind, name)
        if i is None or i == len(self._items):
            return super()._del_slot(kind, name)
        del self._items[i]   # the later members move up (torch's dict would keep a hole at this key)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} is a container and has no forward: {self._forward_hint}")


def _integer(index, what) -> int:
    """``index`` as an int (anything with ``__index__``), or a TypeError that starts with ``what``."""
    try:
        return operator.index(index)
    except TypeError:
        raise TypeError(f"{what}, got {type(index).__name__}") from None
