"""The list behaviour ``ModuleList`` and ``ParameterList`` share: members named by position, list methods."""
from __future__ import annotations

import operator

from minigrad.nn.layer import Layer


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

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def __iadd__(self, members):
        return self.extend(members)

    def _direct_members(self):
        # The members are named by position alone ("0.weight", "0"); anything a subclass registers follows.
        for i, member in enumerate(self._items):
            yield str(i), self._member, member
        yield from super()._direct_members()

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} is a container and has no forward: {self._forward_hint}")


def _integer(index, what) -> int:
    """``index`` as an int (anything with ``__index__``), or a TypeError that starts with ``what``."""
    try:
        return operator.index(index)
    except TypeError:
        raise TypeError(f"{what}, got {type(index).__name__}") from None
