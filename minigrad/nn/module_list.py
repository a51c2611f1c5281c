"""``ModuleList``: PyTorch's ordered list of layers, a Layer whose parameters are named by position."""
from __future__ import annotations

import re

from minigrad.nn.layer import Layer, _count
from minigrad.nn.positional_list import PositionalList, _integer

#: The ``  # 9 params`` comments of a repr, which torch does not print.
_COUNTS = re.compile(r"  # [\d,]+ params?$", re.MULTILINE)


class ModuleList(PositionalList):
    """An ordered list of layers that registers them: ``"0.weight"``, ``"1.weight"``... as ``torch.nn.ModuleList``.

    ``self.blocks = nn.ModuleList(nn.Linear(8, 8) for _ in range(3))`` names the parameters
    ``blocks.0.weight``, ``blocks.0.bias``, ``blocks.1.weight``... It supports ``append``, ``extend``,
    ``insert``, indexing (negative too), slicing (a new ModuleList sharing the layers), assignment and
    deletion by index, ``len``, iteration and ``+=``. It has no ``forward``: the model's own
    ``forward`` calls its layers (``for block in self.blocks: x = block(x)``).

    A plain Python list of layers assigned to an attribute registers too, under the same names; this is
    the explicit spelling, whose slices, ``repr`` and ``len`` behave as PyTorch's.
    """

    _member, _plural = "layer", "Layers"
    _forward_hint = ("call its layers from your model's forward (for layer in self.layers: x = layer(x)), "
                     "or use nn.Sequential to chain them")

    def __init__(self, modules=None):   # torch's argument name
        super().__init__(modules)

    def _checked(self, method, layer) -> Layer:
        if not isinstance(layer, Layer):
            raise TypeError(f"ModuleList.{method}: expected a Layer, got {type(layer).__name__}")
        return layer

    def insert(self, index: int, layer: Layer) -> None:
        """Insert a layer before position ``index`` (as ``list.insert``)."""
        self._items.insert(_integer(index, "ModuleList.insert: index must be an integer"),
                           self._checked("insert", layer))

    def __delitem__(self, index) -> None:
        if isinstance(index, slice):
            del self._items[index]
        else:
            del self._items[self._position(index)]

    def pop(self, index=-1) -> Layer:
        """Remove and return the layer at ``index`` (the last by default), as torch's; later layers move up."""
        layer = self[index]
        del self[index]
        return layer

    def __repr__(self):
        """torch's layout, which prints a run of layers with the same repr once: ``(0-11): 12 x Block(...)``; with
        the count of trained weights as a comment after the closing parenthesis, as every layer's repr."""
        blocks = []   # [first, last, repr] of each run of reprs equal but for the counts (torch prints none)
        for i, layer in enumerate(self._items):
            text = repr(layer)
            if blocks and _COUNTS.sub("", blocks[-1][2]) == _COUNTS.sub("", text):
                blocks[-1][1] = i
                if blocks[-1][2] != text:   # the same layers but for their sizes: the counts would mislead
                    blocks[-1][2] = _COUNTS.sub("", text)
            else:
                blocks.append([i, i, text])
        if not blocks:
            return super().__repr__()
        lines = [(f"({first}): " if first == last else f"({first}-{last}): {last - first + 1} x ")
                 + text.replace("\n", "\n  ") for first, last, text in blocks]
        count = self.num_parameters()
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)" + (f"  # {_count(count)}" if count else "")

    def __add__(self, other) -> "ModuleList":
        """A new ModuleList of these layers, then those of ``other`` (any iterable of Layers, as in PyTorch)."""
        if not hasattr(other, "__iter__"):
            return NotImplemented
        return ModuleList(self._items).extend(other)
