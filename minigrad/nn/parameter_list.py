"""``ParameterList``: PyTorch's list of parameters, a Layer whose parameters are named by position."""
from __future__ import annotations

from minigrad.autograd.tensor import Tensor
from minigrad.nn.layer import Layer, Parameter
from minigrad.nn.module_list import _integer


class ParameterList(Layer):
    """An ordered list of Parameters that registers them: ``"0"``, ``"1"``... as ``torch.nn.ParameterList``.

    ``self.scales = nn.ParameterList(nn.Parameter(mg.ones(4)) for _ in range(3))`` names them
    ``scales.0``, ``scales.1``, ``scales.2``. A Tensor that is not a Parameter is made one (sharing its
    data), as PyTorch does; anything else is refused. It supports ``append``, ``extend``, ``+=``,
    indexing (negative too), slicing (a new ParameterList sharing the parameters), assignment by index,
    ``len`` and iteration (PyTorch's ParameterList has no insert or del). It has no ``forward``.
    """

    def __init__(self, values=None):
        super().__init__()
        object.__setattr__(self, "_items", [])
        if values is not None:
            self.extend(values)

    @staticmethod
    def _checked(method, value) -> Parameter:
        if isinstance(value, Parameter):
            return value
        if isinstance(value, Tensor):
            return Parameter(value)
        raise TypeError(f"ParameterList.{method}: expected a Parameter or a Tensor, got {type(value).__name__}")

    def append(self, value) -> "ParameterList":
        """Add a parameter at the end; returns self."""
        self._items.append(self._checked("append", value))
        return self

    def extend(self, values) -> "ParameterList":
        """Add every parameter of an iterable at the end (all checked first); returns self."""
        if isinstance(values, Tensor):   # iterating a Tensor would add its rows
            raise TypeError("ParameterList.extend: expected an iterable of Parameters, got a Tensor; use append")
        try:
            items = list(values)
        except TypeError:
            raise TypeError(f"ParameterList.extend: expected an iterable of Parameters, "
                            f"got {type(values).__name__}") from None
        self._items.extend([self._checked("extend", v) for v in items])
        return self

    def _position(self, index, what="ParameterList indices must be integers or slices") -> int:
        i = _integer(index, what)
        n = len(self._items)
        if not -n <= i < n:
            raise IndexError(f"ParameterList index {i} is out of range for {n} parameters")
        return i % n

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ParameterList(self._items[index])
        return self._items[self._position(index)]

    def __setitem__(self, index, value) -> None:
        self._items[self._position(index, "ParameterList assignment takes one integer index")] = \
            self._checked("__setitem__", value)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def __iadd__(self, values) -> "ParameterList":
        return self.extend(values)

    def _direct_members(self):
        for i, p in enumerate(self._items):
            yield str(i), "param", p
        yield from super()._direct_members()

    def extra_repr(self) -> str:
        if not self._items:
            return ""
        return "\n" + "\n".join(f"  ({i}): Parameter containing: [{p.dtype} of size "
                                 f"{'x'.join(map(str, p.shape)) or '()'}]" for i, p in enumerate(self._items)) + "\n"

    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            "ParameterList is a container and has no forward: use its parameters in your model's forward "
            "(self.scales[i])"
        )
