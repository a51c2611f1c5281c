"""``Network``: an ordered stack of layers, the model of every MLP in minigrad; ``Sequential``, its PyTorch name."""
from __future__ import annotations

from minigrad.nn.layer import Layer, layers_after_state
from minigrad.nn.member_views import VIEWS, check_slot
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
        layer = self._checked("append", layer)
        if self._names is not None:
            name = str(len(self.stack))
            if name in self._names:
                # A slice's names ("1", "2") hold the new length already: torch's add_module(str(len(self)), ...)
                # would silently replace that layer; here the layers are numbered afresh and all kept.
                object.__setattr__(self, "_names", None)
            else:
                self._names.append(name)
        self.stack.append(layer)
        return self

    def __setitem__(self, index, layer) -> None:
        self.stack[index] = self._checked("__setitem__", layer)

    def __delitem__(self, index) -> None:
        del self.stack[index]
        object.__setattr__(self, "_names", None)   # PyTorch numbers the layers afresh

    def insert(self, index: int, layer: Layer) -> "Network":
        """Insert a layer before position ``index`` (from -len to len, as torch's); returns self."""
        layer = self._checked("insert", layer)
        n = len(self.stack)
        if not isinstance(index, int) or isinstance(index, bool):
            raise TypeError(f"{type(self).__name__}.insert: index must be an int, got {type(index).__name__}")
        if not -n <= index <= n:
            raise IndexError(f"{type(self).__name__}.insert: index {index} is out of range for {n} layers "
                             f"(expected -{n} to {n})")
        self.stack.insert(index, layer)
        object.__setattr__(self, "_names", None)
        return self

    def __setattr__(self, name, value):
        if "stack" in self.__dict__:
            i = self._stack_index(name)
            if i is not None:   # model.fc = Linear(...), setattr(model, "1", ...) replace that layer, as torch's
                self.stack[i] = self._checked("__setattr__", value)
                return
            if self._joins_stack(name) and isinstance(value, Layer):
                # As torch's Sequential: a layer set as an attribute joins the stack, under its name, and runs.
                self._append_named(name, value)
                return
        super().__setattr__(name, value)

    def __delattr__(self, name):
        if "stack" in self.__dict__ and self._stack_index(name) is not None:
            self._del_slot("layer", name)   # del model.fc, delattr(model, "1"): that layer goes, as torch's
            return
        super().__delattr__(name)

    def __getattr__(self, name):
        # Only called when normal lookup fails: a layer named by Sequential(OrderedDict(...)), or by position.
        i = self._stack_index(name) if "stack" in self.__dict__ else None
        if i is not None:
            return self.stack[i]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def _stack_names(self) -> list:
        """The stacked layers' names: their keys, or their positions."""
        names = self._names
        return list(names) if names is not None else [str(i) for i in range(len(self.stack))]

    def _stack_index(self, name):
        """The position of the stacked layer named ``name``, or None."""
        names = self._names
        if names is not None:
            return names.index(name) if name in names else None
        if isinstance(name, str) and name.isdigit() and str(int(name)) == name and int(name) < len(self.stack):
            return int(name)
        return None

    def _joins_stack(self, name) -> bool:
        """A new layer under ``name`` joins the stack (and runs) on a Network or Sequential itself; a subclass's
        own sub-layers (a head its forward calls) register as any layer's do."""
        return type(self) in (Network, Sequential) and name not in self._member_names

    def _append_named(self, name, layer):
        names = self._stack_names()
        if name != str(len(names)) or self._names is not None:
            object.__setattr__(self, "_names", names + [name])
        self.stack.append(layer)

    def _replace_member(self, name, layer):
        """``set_submodule``'s write: the layer named ``name`` (a key, or a position)."""
        self[self._stack_names().index(name)] = layer

    # The stack is the one store of its layers; ``_modules`` reads and writes it (see minigrad/nn/member_views.py).
    def _own_slots(self, kind):
        stacked = list(zip(self._stack_names(), self.stack)) if kind == "layer" else []
        return stacked + super()._own_slots(kind)

    def _set_slot(self, kind, name, value):
        names = self._stack_names()
        if kind == "layer" and (name in names or self._joins_stack(name)):
            check_slot(self, kind, name, value)   # None too: torch's Sequential keeps an empty slot
            if name in names:
                self.stack[names.index(name)] = value
            else:
                self._append_named(name, value)
            return
        if name in names:
            raise KeyError(f"{type(self).__name__}.{VIEWS[kind][0]}[{name!r}]: {name!r} is a layer of the stack")
        super()._set_slot(kind, name, value)

    def _del_slot(self, kind, name):
        names = self._stack_names()
        if kind != "layer" or name not in names:
            return super()._del_slot(kind, name)
        i = names.index(name)
        del self.stack[i], names[i]
        # torch keeps the other layers' names ("0", "2"); positions again only if they are positions still.
        object.__setattr__(self, "_names", None if names == [str(j) for j in range(len(names))] else names)

    def extend(self, layers) -> "Network":
        """Append each of ``layers``; returns self."""
        for layer in list(layers):   # a snapshot: model.extend(model) must not read the layers it appends
            self.append(layer)
        return self

    def pop(self, index: int = -1) -> Layer:
        """Remove and return the layer at ``index`` (the last by default), or the layers of a slice as a new stack
        (``self[index]``), as torch's; the others are numbered afresh."""
        layer = self[index]
        del self[index]
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
        # a subclass's own parameters and buffers come first and its other sub-layers after them (torch's order).
        names = self._names
        stacked = [((str(i) if names is None else names[i]), "layer", layer)
                   for i, layer in enumerate(self.stack) if layer is not None]   # None: torch's empty slot
        own = (m for m in super()._direct_members() if not (m[0] == "stack" or m[0].startswith("stack.")))
        yield from layers_after_state(stacked, own)

    def __getitem__(self, index):
        if isinstance(index, slice):
            # Not type(self): a subclass may take other constructor arguments or add members (a head)
            # that its forward uses and a slice of the stack does not have.
            kind = Sequential if isinstance(self, Sequential) else Network
            # The layers keep their names, as torch's slice (model[2:].state_dict() has "2.weight"...).
            names, layers = self._stack_names()[index], self.stack[index]
            if names == [str(i) for i in range(len(names))]:
                return kind(*layers)
            return kind(dict(zip(names, layers)))
        return self.stack[index]

    def __len__(self):
        return len(self.stack)

    def __iter__(self):
        return iter(self.stack)

    def forward(self, x):
        stack, n, i = self.stack, len(self.stack), 0
        while i < n:
            layer = stack[i]
            i += 1
            kind = type(layer)
            # Layers with hooks (forward, forward pre-, backward) or a forward set on the instance (both make
            # _hooked True) run one by one through __call__, so each hook sees its own layer and each forward runs.
            # Without them a Linear's __call__ would only call its forward, so that is called directly; a Linear
            # followed by a ReLU runs as one fused node, AffineReLU (exact types only, so a subclass's own forward
            # is always honoured): the same values and gradients, one graph node fewer, the product clamped in place.
            if kind is Linear and not layer._hooked:
                if i < n and type(stack[i]) is ReLU and not stack[i]._hooked:
                    x = layer.forward_relu(x)
                    i += 1
                else:
                    x = layer.forward(x)
            elif (kind is ReLU and i < n and type(stack[i]) is MaxPool2d and not layer.inplace
                    and not layer._hooked and not stack[i]._hooked and not stack[i].return_indices):
                # ReLU, max-pool runs as max-pool, ReLU: max and ReLU commute exactly (ReLU is
                # monotone), the gradients agree too, and ReLU then sees a quarter of the data. Not for
                # ReLU(inplace=True), which writes into its input (the stack's, as torch's): swapped, it
                # would write into the pooled copy and leave that input as it was.
                x = layer(stack[i](x))
                i += 1
            else:
                x = layer(x)
        return x


class Sequential(Network):
    """PyTorch's name for ``Network``: the same stack, names (``"0.weight"``) and fused pairs.

    ``nn.Sequential(nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))`` loads
    the state dict of the same ``torch.nn.Sequential`` (through ``minigrad.io.from_torch``,
    which transposes Linear weights); a slice of a Sequential is a Sequential.
    """
