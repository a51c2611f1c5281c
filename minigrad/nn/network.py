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
        object.__setattr__(self, "stack", [])   # not a registered member: _direct_members names its layers
        # The layers' names: None while they are named by position; PyTorch's Sequential(OrderedDict(...))
        # names them by key ("fc.weight"), and they are then attributes too (model.fc).
        object.__setattr__(self, "_names", None)
        if len(layers) == 1 and isinstance(layers[0], dict):
            named = layers[0]
            for key in named:
                if not isinstance(key, str) or not key or "." in key or hasattr(type(self), key):
                    raise KeyError(f"{type(self).__name__}: layer names must be non-empty strings without '.' that "
                                   f"are not attribute names, got {key!r}")
            object.__setattr__(self, "_names", list(named))
            layers = tuple(named.values())
        for layer in layers:
            self.stack.append(self._checked("__init__", layer))

    def append(self, layer: Layer) -> "Network":
        """Add a layer at the end (named by its position, as PyTorch's); returns self."""
        self.stack.append(self._checked("append", layer))
        if self._names is not None:
            self._names.append(str(len(self.stack) - 1))
        return self

    def __setitem__(self, index, layer) -> None:
        self.stack[index] = self._checked("__setitem__", layer)

    def __delitem__(self, index) -> None:
        del self.stack[index]
        object.__setattr__(self, "_names", None)   # PyTorch numbers the layers afresh

    def insert(self, index: int, layer: Layer) -> "Network":
        """Insert a layer before position ``index``; returns self."""
        self.stack.insert(index, self._checked("insert", layer))
        object.__setattr__(self, "_names", None)
        return self

    def __setattr__(self, name, value):
        names = self.__dict__.get("_names")
        if names is not None and name in names:   # model.fc = Linear(...) replaces the layer named fc
            self.stack[names.index(name)] = self._checked("__setattr__", value)
            return
        if type(self) in (Network, Sequential) and isinstance(value, Layer) and "stack" in self.__dict__:
            # As torch's Sequential: a layer set as an attribute joins the stack, under its name, and runs.
            if names is None:
                object.__setattr__(self, "_names", [str(i) for i in range(len(self.stack))])
            self._names.append(name)
            self.stack.append(value)
            return
        super().__setattr__(name, value)

    def __getattr__(self, name):
        # Only called when normal lookup fails: a layer named by Sequential(OrderedDict(...)).
        names = self.__dict__.get("_names")
        if names is not None and name in names:
            return self.stack[names.index(name)]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def _replace_member(self, name, layer):
        """``set_submodule``'s write: the layer named ``name`` (a key, or a position)."""
        self[self._names.index(name) if self._names is not None else int(name)] = layer

    def extend(self, layers) -> "Network":
        """Append each of ``layers``; returns self."""
        for layer in layers:
            self.append(layer)
        return self

    def pop(self, index: int = -1) -> Layer:
        """Remove and return the layer at ``index`` (the last by default)."""
        layer = self.stack.pop(index)
        object.__setattr__(self, "_names", None)
        return layer

    def __add__(self, other) -> "Network":
        """A new stack of these layers, then ``other``'s (the same objects, numbered afresh), as torch's."""
        if not isinstance(other, Network):
            raise ValueError(f"{type(self).__name__}: the + operator takes only another Sequential, "
                             f"got {type(other).__name__}")
        return (Sequential if isinstance(self, Sequential) else Network)(*self.stack, *other.stack)

    def __iadd__(self, other) -> "Network":
        """Append ``other``'s layers (those of a Sequential); returns self."""
        if not isinstance(other, Network):
            raise ValueError(f"{type(self).__name__}: the += operator takes only another Sequential, "
                             f"got {type(other).__name__}")
        return self.extend(list(other.stack))

    def __mul__(self, times) -> "Network":
        """A new stack of these layers ``times`` over (the same objects each time), as torch's."""
        self._check_times("*", times)
        return (Sequential if isinstance(self, Sequential) else Network)(*(self.stack * times))

    __rmul__ = __mul__

    def __imul__(self, times) -> "Network":
        """These layers ``times`` over, in place; returns self."""
        self._check_times("*=", times)
        return self.extend(list(self.stack) * (times - 1))

    def _check_times(self, operator, times):
        if not isinstance(times, int) or isinstance(times, bool):
            raise TypeError(f"{type(self).__name__}: unsupported operand type(s) for {operator}: "
                            f"{type(self).__name__} and {type(times).__name__}")
        if times <= 0:
            raise ValueError(f"{type(self).__name__}: non-positive multiplication factor {times}")

    def _checked(self, method, layer):
        if not isinstance(layer, Layer):
            raise TypeError(f"{type(self).__name__}.{method}: expected a Layer, got {type(layer).__name__}")
        return layer

    def _direct_members(self):
        # The stacked layers are named by position alone: "0.weight", not "stack.0.weight";
        # anything a subclass registers besides them follows under its own name.
        names = self._names
        for i, layer in enumerate(self.stack):
            yield (str(i) if names is None else names[i]), "layer", layer
        for name, kind, value in super()._direct_members():
            if not (name == "stack" or name.startswith("stack.")):
                yield name, kind, value

    def __getitem__(self, index):
        if isinstance(index, slice):
            # Not type(self): a subclass may take other constructor arguments or add members (a head)
            # that its forward uses and a slice of the stack does not have.
            kind = Sequential if isinstance(self, Sequential) else Network
            if self._names is not None:
                return kind(dict(zip(self._names[index], self.stack[index])))
            return kind(*self.stack[index])
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
            # one graph node fewer, and the product clamped in place. Layers with hooks
            # (forward, forward pre-, backward) run one by one, so each hook sees its own layer.
            if (type(layer) is Linear and i + 1 < n and type(stack[i + 1]) is ReLU
                    and not layer._hooked and not stack[i + 1]._hooked):
                x = layer.forward_relu(x)
                i += 2
            elif (type(layer) is ReLU and i + 1 < n and type(stack[i + 1]) is MaxPool2d
                    and not layer._hooked and not stack[i + 1]._hooked and not stack[i + 1].return_indices):
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
