"""``Network``: an ordered stack of layers, the model of every MLP in minigrad; ``Sequential``, its PyTorch name."""
from __future__ import annotations

from minigrad.nn.layer import Layer
from minigrad.nn.activation import ReLU
from minigrad.nn.linear import Linear
from minigrad.nn.pooling import MaxPool2d


class Network(Layer):
    """An ordered stack of layers; ``forward`` applies them one after the other.

    ``Network(Linear(784, 100), ReLU(), Linear(100, 10))`` names its parameters
    ``"0.weight"``, ``"0.bias"``, ``"2.weight"``... It can be indexed, sliced (a
    slice is a new stack sharing the same layers: a ``Sequential`` for a Sequential, else a
    ``Network``), measured with ``len``, iterated and grown with ``append``.

    Two neighbouring pairs run differently, with the same values and gradients:
    ``Linear`` then ``ReLU`` runs as one fused node (``AffineReLU``), and ``ReLU``
    then ``MaxPool2d`` runs as the pooling first (ReLU then sees a quarter of the
    data). Only exact types pair up, and never a layer with forward hooks.
    """

    def __init__(self, *layers: Layer):
        super().__init__()
        self.stack = []
        for layer in layers:
            self.append(layer)

    def append(self, layer: Layer) -> "Network":
        """Add a layer at the end; returns self."""
        self.stack.append(self._checked("append", layer))
        return self

    def __setitem__(self, index, layer) -> None:
        self.stack[index] = self._checked("__setitem__", layer)

    def __delitem__(self, index) -> None:
        del self.stack[index]

    def insert(self, index: int, layer: Layer) -> "Network":
        """Insert a layer before position ``index``; returns self."""
        self.stack.insert(index, self._checked("insert", layer))
        return self

    def extend(self, layers) -> "Network":
        """Append each of ``layers``; returns self."""
        for layer in layers:
            self.append(layer)
        return self

    def pop(self, index: int = -1) -> Layer:
        """Remove and return the layer at ``index`` (the last by default)."""
        return self.stack.pop(index)

    def _checked(self, method, layer):
        if not isinstance(layer, Layer):
            raise TypeError(f"{type(self).__name__}.{method}: expected a Layer, got {type(layer).__name__}")
        return layer

    def _direct_members(self):
        # The stacked layers are named by position alone: "0.weight", not "stack.0.weight";
        # anything a subclass registers besides them follows under its own name.
        for i, layer in enumerate(self.stack):
            yield str(i), "layer", layer
        for name, kind, value in super()._direct_members():
            if not (name == "stack" or name.startswith("stack.")):
                yield name, kind, value

    def __getitem__(self, index):
        if isinstance(index, slice):
            # Not type(self): a subclass may take other constructor arguments or add members (a head)
            # that its forward uses and a slice of the stack does not have.
            return (Sequential if isinstance(self, Sequential) else Network)(*self.stack[index])
        return self.stack[index]

    def __len__(self):
        return len(self.stack)

    def __iter__(self):
        return iter(self.stack)

    def forward(self, x):
        stack, n, i = self.stack, len(self.stack), 0
        while i < n:
            layer = stack[i]
            # A Linear followed by a ReLU runs as one fused node (exact types only, so a
            # subclass's own forward is always honoured): the same values and gradients,
            # one graph node fewer, and the product clamped in place. Layers with forward
            # hooks run one by one, so each hook sees its own layer's output.
            if (type(layer) is Linear and i + 1 < n and type(stack[i + 1]) is ReLU
                    and not layer._forward_hooks and not stack[i + 1]._forward_hooks):
                x = layer.forward_relu(x)
                i += 2
            elif (type(layer) is ReLU and i + 1 < n and type(stack[i + 1]) is MaxPool2d
                    and not layer._forward_hooks and not stack[i + 1]._forward_hooks):
                # ReLU, max-pool runs as max-pool, ReLU: max and ReLU commute exactly (ReLU is
                # monotone), the gradients agree too, and ReLU then sees a quarter of the data.
                x = layer(stack[i + 1](x))
                i += 2
            else:
                x = layer(x)
                i += 1
        return x


class Sequential(Network):
    """PyTorch's name for ``Network``: the same stack, names (``"0.weight"``) and fused pairs.

    ``nn.Sequential(nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))`` loads
    the state dict of the same ``torch.nn.Sequential`` (through ``minigrad.io.from_torch``,
    which transposes Linear weights); a slice of a Sequential is a Sequential.
    """
