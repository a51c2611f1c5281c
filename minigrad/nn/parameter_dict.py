"""``ParameterDict``: PyTorch's ordered dict of parameters, a Layer whose parameters are named by key."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping

from minigrad.autograd.tensor import Tensor
from minigrad.nn.layer import Parameter, describe_parameter
from minigrad.nn.module_dict import ModuleDict


class ParameterDict(ModuleDict):
    """An ordered dict of Parameters that registers them: ``"scales.a"``... as ``torch.nn.ParameterDict``.

    ``self.scales = nn.ParameterDict({"b": nn.Parameter(mg.ones(4)), "a": mg.zeros(2)})`` names them
    ``scales.a`` and ``scales.b``: as torch's, a plain dict's entries are added in the order of their keys
    (sorted), an ``OrderedDict``'s, another ParameterDict's or a list of pairs' in their own order, so
    ``parameters()`` and the state dict list them as PyTorch's does. A Tensor that is
    not a Parameter is made one (sharing its data), as PyTorch does; anything else is refused (PyTorch
    would keep other objects as plain entries). The dict interface is ModuleDict's: ``d[key]``,
    ``d[key] = p``, ``del``, ``in``, ``len``, iteration over keys, ``keys()``, ``values()``, ``items()``,
    ``update()``, ``pop()``, ``clear()``, plus ``get(key, default)``; ``d.key`` reads a parameter and
    ``d.key = tensor`` adds one. It has no ``forward``.
    """

    _name, _member, _what = "ParameterDict", "param", "parameter"

    def __init__(self, parameters=None):
        super().__init__(parameters)

    def _layer(self, key, value) -> Parameter:
        if isinstance(value, Parameter):
            return value
        if isinstance(value, Tensor):
            return Parameter(value)
        raise TypeError(f"ParameterDict[{key!r}]: expected a Parameter or a Tensor, got {type(value).__name__}")

    def update(self, parameters) -> None:
        """Add or replace entries, as ``torch.nn.ParameterDict.update``: a plain mapping's in the order of its
        keys (torch sorts them), an OrderedDict's, a ParameterDict's or an iterable of (key, value) pairs' in
        their own order."""
        if isinstance(parameters, Mapping) and not isinstance(parameters, OrderedDict):
            keys = [self._key(key) for key in parameters]   # a non-string key's TypeError before sorting
            parameters = [(key, parameters[key]) for key in sorted(keys)]
        super().update(parameters)

    def get(self, key, default=None):
        """The parameter under ``key``, or ``default``."""
        return self._items.get(key, default)

    def setdefault(self, key, default=None) -> Parameter:
        """The parameter under ``key``; if there is none, ``default`` (a Tensor) is added under it first."""
        if key not in self._items:
            self[key] = default
        return self._items[key]

    def popitem(self) -> tuple:
        """Remove and return the last (key, parameter) pair added."""
        if not self._items:
            raise KeyError("ParameterDict.popitem: the dict is empty")
        return self._items.popitem()

    def copy(self) -> "ParameterDict":
        """A new ParameterDict holding the same Parameter objects, in the same order."""
        return ParameterDict(list(self._items.items()))

    @classmethod
    def fromkeys(cls, keys, default=None) -> "ParameterDict":
        """A new ParameterDict with ``default`` (a Tensor, shared) under each key."""
        return cls([(key, default) for key in keys])

    def __reversed__(self):
        return reversed(list(self._items))

    def __or__(self, other) -> "ParameterDict":
        """A new ParameterDict of these entries updated by ``other``'s (a mapping), as torch's."""
        merged = self.copy()
        merged.update(other)
        return merged

    def __ror__(self, other):
        """``other | d``: a copy of ``other`` (a dict stays a dict, as torch's) updated by these entries."""
        merged = other.copy()
        merged.update(self)
        return merged

    def __ior__(self, other) -> "ParameterDict":
        self.update(other)
        return self

    def __setattr__(self, name, value):
        if isinstance(value, Tensor) and "_items" in self.__dict__:
            self[name] = value
        else:
            super().__setattr__(name, value)

    def extra_repr(self) -> str:
        # torch's lines, with its two leading spaces (so one parameter prints on the opening line, as torch's).
        return "\n".join(f"  ({k}): {describe_parameter(p)}" for k, p in self._items.items())

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ParameterDict is a container and has no forward: use its parameters in your "
                                  "model's forward (self.scales['a'])")
