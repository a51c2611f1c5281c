"""``ModuleList``: PyTorch's ordered list of layers, a Layer whose parameters are named by position."""
from __future__ import annotations

from minigrad.nn.layer import Layer
from minigrad.nn.positional_list import PositionalList, _integer


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

    def __add__(self, other) -> "ModuleList":
        """A new ModuleList of these layers, then those of ``other`` (any iterable of Layers, as in PyTorch)."""
        if not hasattr(other, "__iter__"):
            return NotImplemented
        return ModuleList(self._items).extend(other)
