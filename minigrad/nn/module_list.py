"""``ModuleList``: PyTorch's ordered list of layers, a Layer whose parameters are named by position."""
from __future__ import annotations

import operator

from minigrad.nn.layer import Layer


class ModuleList(Layer):
    """An ordered list of layers that registers them: ``"0.weight"``, ``"1.weight"``... as ``torch.nn.ModuleList``.

    ``self.blocks = nn.ModuleList(nn.Linear(8, 8) for _ in range(3))`` names the parameters
    ``blocks.0.weight``, ``blocks.0.bias``, ``blocks.1.weight``... It supports ``append``, ``extend``,
    ``insert``, indexing (negative too), slicing (a new ModuleList sharing the layers), assignment and
    deletion by index, ``len``, iteration and ``+=``. It has no ``forward``: the model's own
    ``forward`` calls its layers (``for block in self.blocks: x = block(x)``).

    A plain Python list of layers assigned to an attribute registers too, under the same names; this is
    the explicit spelling, whose slices, ``repr`` and ``len`` behave as PyTorch's.
    """

    def __init__(self, layers=None):
        super().__init__()
        object.__setattr__(self, "_items", [])
        if layers is not None:
            self.extend(layers)

    def _checked(self, method, layer) -> Layer:
        if not isinstance(layer, Layer):
            raise TypeError(f"ModuleList.{method}: expected a Layer, got {type(layer).__name__}")
        return layer

    def append(self, layer: Layer) -> "ModuleList":
        """Add a layer at the end; returns self."""
        self._items.append(self._checked("append", layer))
        return self

    def extend(self, layers) -> "ModuleList":
        """Add every layer of an iterable at the end; returns self."""
        try:
            items = list(layers)
        except TypeError:
            raise TypeError(f"ModuleList.extend: expected an iterable of Layers, "
                            f"got {type(layers).__name__}") from None
        self._items.extend([self._checked("extend", layer) for layer in items])   # all checked first
        return self

    def insert(self, index: int, layer: Layer) -> None:
        """Insert a layer before position ``index`` (as ``list.insert``)."""
        self._items.insert(_integer(index, "ModuleList.insert: index must be an integer"),
                           self._checked("insert", layer))

    def _position(self, index, what="ModuleList indices must be integers or slices") -> int:
        i = _integer(index, what)
        n = len(self._items)
        if not -n <= i < n:
            raise IndexError(f"ModuleList index {i} is out of range for {n} layers")
        return i % n

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ModuleList(self._items[index])
        return self._items[self._position(index)]

    def __setitem__(self, index, layer) -> None:
        # One position, as torch's: a slice would have to renumber the rest.
        self._items[self._position(index, "ModuleList assignment takes one integer index")] = \
            self._checked("__setitem__", layer)

    def __delitem__(self, index) -> None:
        if isinstance(index, slice):
            del self._items[index]
        else:
            del self._items[self._position(index)]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def __iadd__(self, layers) -> "ModuleList":
        return self.extend(layers)

    def __add__(self, other) -> "ModuleList":
        """A new ModuleList of these layers, then those of ``other`` (any iterable of Layers, as in PyTorch)."""
        if not hasattr(other, "__iter__"):
            return NotImplemented
        return ModuleList(self._items).extend(other)

    def _direct_members(self):
        # The layers are named by position alone ("0.weight"); anything a subclass registers follows.
        for i, layer in enumerate(self._items):
            yield str(i), "layer", layer
        yield from super()._direct_members()

    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            "ModuleList is a container and has no forward: call its layers from your model's forward "
            "(for layer in self.layers: x = layer(x)), or use nn.Sequential to chain them"
        )


def _integer(index, what) -> int:
    """``index`` as an int (anything with ``__index__``), or a TypeError that starts with ``what``."""
    try:
        return operator.index(index)
    except TypeError:
        raise TypeError(f"{what}, got {type(index).__name__}") from None
