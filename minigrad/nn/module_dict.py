"""``ModuleDict``: PyTorch's ordered dict of layers, a Layer whose parameters are named by key."""
from __future__ import annotations

from collections.abc import Mapping

from minigrad.nn.layer import Layer, layers_after_state
from minigrad.nn.member_views import check_slot


class ModuleDict(Layer):
    """An ordered dict of layers that registers them: ``"encoder.weight"``... as ``torch.nn.ModuleDict``.

    ``self.heads = nn.ModuleDict({"cls": nn.Linear(8, 3), "box": nn.Linear(8, 4)})`` names the parameters
    ``heads.cls.weight``, ``heads.cls.bias``, ``heads.box.weight``... in insertion order. It supports
    ``d[key]``, ``d[key] = layer``, ``del d[key]``, ``key in d``, ``len``, iteration over the keys,
    ``keys()``, ``values()``, ``items()``, ``update()`` (a mapping or an iterable of (key, layer) pairs),
    ``pop(key)`` and ``clear()``; a layer is also reachable as an attribute (``d.cls``), and assigning a
    layer to an attribute adds it under that key, as in PyTorch. Keys are non-empty strings without
    ``"."``, and not the name of an attribute or method (``"keys"``, ``"training"``). It has no ``forward``.
    """

    def __init__(self, modules=None):
        super().__init__()
        object.__setattr__(self, "_items", {})
        if modules is not None:
            self.update(modules)

    # -- checks ----------------------------------------------------------------
    def _key(self, key) -> str:
        if not isinstance(key, str):
            raise TypeError(f"{self._name} keys must be strings, got {type(key).__name__} {key!r}")
        if not key or "." in key:
            raise KeyError(f"{self._name} key must be a non-empty string without '.', got {key!r}")
        if key not in self._items and (hasattr(type(self), key) or key in self.__dict__):
            raise KeyError(f"{self._name} key {key!r} is the name of an attribute of {self._name}; choose another key")
        return key

    _name, _member, _what = "ModuleDict", "layer", "layer"   # ParameterDict's: "ParameterDict", "param", ...

    def _layer(self, key, layer) -> Layer:
        if not isinstance(layer, Layer):
            raise TypeError(f"ModuleDict[{key!r}]: expected a Layer, got {type(layer).__name__}")
        return layer

    # -- dict interface ----------------------------------------------------------
    def __getitem__(self, key) -> Layer:
        try:
            return self._items[key]
        except (KeyError, TypeError):
            raise KeyError(f"{self._name} has no key {key!r}; its keys are {list(self._items)}") from None

    def __setitem__(self, key, layer) -> None:
        key = self._key(key)
        self._items[key] = self._layer(key, layer)

    def __delitem__(self, key) -> None:
        self[key]   # the KeyError naming the keys
        del self._items[key]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def __contains__(self, key) -> bool:
        return key in self._items

    def keys(self):
        """The keys, in insertion order."""
        return self._items.keys()

    def values(self):
        """The layers, in insertion order."""
        return self._items.values()

    def items(self):
        """(key, layer) pairs, in insertion order."""
        return self._items.items()

    def pop(self, key) -> Layer:
        """Remove ``key`` and return its layer."""
        layer = self[key]
        del self._items[key]
        return layer

    def clear(self) -> None:
        """Remove every layer."""
        self._items.clear()

    def update(self, modules) -> None:
        """Add or replace layers from a mapping (its order) or an iterable of (key, layer) pairs.

        Everything is checked before anything is added, so a bad entry leaves the dict as it was.
        """
        if isinstance(modules, (Mapping, ModuleDict)):   # a ParameterDict is a ModuleDict too
            pairs = list(modules.items())
        else:
            try:
                entries = list(modules)
            except TypeError:
                raise TypeError(f"{self._name}.update: expected a mapping or an iterable of (key, {self._what}) "
                                f"pairs, got {type(modules).__name__}") from None
            pairs = []
            for i, entry in enumerate(entries):
                try:
                    key, layer = entry
                except (TypeError, ValueError):
                    raise ValueError(f"{self._name}.update: entry #{i} ({entry!r}) is not a "
                                     f"(key, {self._what}) pair") from None
                pairs.append((key, layer))
        checked = [(self._key(key), self._layer(key, layer)) for key, layer in pairs]
        self._items.update(checked)

    # -- attributes: a layer is reachable as d.key, and d.key = layer adds it --------
    def __getattr__(self, name):
        items = self.__dict__.get("_items", {})
        if name in items:
            return items[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute or key {name!r}")

    def __setattr__(self, name, value):
        # A key's name takes only what the dict holds (torch: "cannot assign 'int' as child module 'cls'"),
        # never a plain attribute that would hide the entry from d.key.
        if "_items" in self.__dict__ and (isinstance(value, Layer) or name in self._items):
            self[name] = value
        else:
            super().__setattr__(name, value)

    def __delattr__(self, name):
        if name in self.__dict__.get("_items", {}):
            del self._items[name]
        else:
            super().__delattr__(name)

    def _direct_members(self):
        # The layers are named by key alone ("cls.weight"); anything a subclass registers follows.
        listed = [(key, self._member, m) for key, m in self._items.items() if m is not None]   # None: empty slot
        yield from layers_after_state(listed, super()._direct_members())

    # The dict is the one store of its members; ``_modules`` / ``_parameters`` read and write it by key.
    def _own_slots(self, kind):
        listed = list(self._items.items()) if kind == self._member else []
        return listed + super()._own_slots(kind)

    def _set_slot(self, kind, name, value):
        if kind != self._member or (name not in self._items and name in self._member_names):
            return super()._set_slot(kind, name, value)
        check_slot(self, kind, name, value)
        self._items[self._key(name)] = value

    def _del_slot(self, kind, name):
        if kind != self._member or name not in self._items:
            return super()._del_slot(kind, name)
        del self._items[name]

    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            "ModuleDict is a container and has no forward: call its layers from your model's forward "
            "(self.heads['cls'](x))"
        )
