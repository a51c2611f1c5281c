"""``ParameterList``: PyTorch's list of parameters, a Layer whose parameters are named by position."""
from __future__ import annotations

from minigrad.autograd.tensor import Tensor
from minigrad.nn.layer import Parameter, describe_parameter
from minigrad.nn.positional_list import PositionalList


class ParameterList(PositionalList):
    """An ordered list of Parameters that registers them: ``"0"``, ``"1"``... as ``torch.nn.ParameterList``.

    ``self.scales = nn.ParameterList(nn.Parameter(mg.ones(4)) for _ in range(3))`` names them
    ``scales.0``, ``scales.1``, ``scales.2``. A Tensor that is not a Parameter is made one (sharing its
    data), as PyTorch does; anything else is refused. It supports ``append``, ``extend``, ``+=``,
    indexing (negative too), slicing (a new ParameterList sharing the parameters), assignment by index,
    ``len`` and iteration (PyTorch's ParameterList has no insert or del). It has no ``forward``.
    """

    _member, _plural = "param", "Parameters"
    _forward_hint = "use its parameters in your model's forward (self.scales[i])"

    def __init__(self, values=None):   # torch's argument name
        super().__init__(values)

    def _checked(self, method, value) -> Parameter:
        if isinstance(value, Parameter):
            return value
        if isinstance(value, Tensor):
            return Parameter(value)
        raise TypeError(f"ParameterList.{method}: expected a Parameter or a Tensor, got {type(value).__name__}")

    def extend(self, values) -> "ParameterList":
        """Add every parameter of an iterable at the end (all checked first); returns self."""
        if isinstance(values, Tensor):   # iterating a Tensor would add its rows
            raise TypeError("ParameterList.extend: expected an iterable of Parameters, got a Tensor; use append")
        return super().extend(values)

    def extra_repr(self) -> str:
        # torch's lines, with its two leading spaces (so one parameter prints on the opening line, as torch's).
        return "\n".join(f"  ({k}): {describe_parameter(p)}" for k, p in enumerate(self._items))