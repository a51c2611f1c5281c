"""PyTorch's questions about tensors and shapes: ``is_tensor``, ``is_floating_point``, ``is_complex``, ``is_nonzero``,
``is_same_size``, ``numel``, ``broadcast_shapes``."""
from __future__ import annotations

from minigrad.autograd.tensor import Tensor
from minigrad.scalars import is_integer


def _tensor(name, what, x, position=1):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument '{what}' (position {position}) must be Tensor, not {type(x).__name__}")
    return x


def is_tensor(obj) -> bool:
    """True when ``obj`` is a minigrad Tensor (a Parameter included) (``torch.is_tensor``)."""
    return isinstance(obj, Tensor)


def is_floating_point(input) -> bool:  # noqa: A002  (PyTorch's argument name)
    """True for a tensor of a floating dtype (``torch.is_floating_point``)."""
    return _tensor("is_floating_point", "input", input).dtype.kind == "f"


def is_complex(input) -> bool:  # noqa: A002
    """False: minigrad's tensors are real (``torch.is_complex``)."""
    return _tensor("is_complex", "input", input).dtype.kind == "c"


def is_nonzero(input) -> bool:  # noqa: A002
    """Whether the one entry of a one-element tensor is nonzero (``torch.is_nonzero``); any other size is refused."""
    x = _tensor("is_nonzero", "input", input)
    if x.size == 0:
        raise RuntimeError(f"is_nonzero(): Boolean value of Tensor with no values is ambiguous (shape {x.shape})")
    if x.size > 1:
        raise RuntimeError(f"is_nonzero(): Boolean value of Tensor with more than one value is ambiguous "
                           f"(shape {x.shape})")
    return bool(x.item())


def is_same_size(input, other) -> bool:  # noqa: A002
    """True when the two tensors have the same shape (``torch.is_same_size``)."""
    return _tensor("is_same_size", "input", input).shape == _tensor("is_same_size", "other", other, 2).shape


def numel(input) -> int:  # noqa: A002
    """The number of entries of a tensor (``torch.numel``)."""
    return int(_tensor("numel", "input", input).size)


def broadcast_shapes(*shapes) -> tuple:
    """The shape that tensors of these shapes broadcast to, as a tuple (``torch.broadcast_shapes``); an int is a
    1-D shape. Sizes must be non-negative ints; shapes that do not broadcast are one RuntimeError naming both."""
    shapes = [(s,) if is_integer(s) else tuple(s) for s in shapes]
    for shape in shapes:
        for n in shape:
            if not is_integer(n):
                raise TypeError(f"broadcast_shapes: sizes must be ints, got {shape!r}")
            if n < 0:
                raise ValueError(f"broadcast_shapes: Attempting to broadcast a dimension with negative length in "
                                 f"{shape!r}")
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for i, shape in enumerate(shapes):
        for axis, n in enumerate(shape, start=ndim - len(shape)):
            if n != 1 and out[axis] != 1 and out[axis] != n:
                raise RuntimeError(f"broadcast_shapes: shape {shape!r} (argument {i}) does not broadcast with the "
                                   f"shape {tuple(out)} of the arguments before it: size {n} against {out[axis]} at "
                                   f"dim {axis - ndim}")
            if n != 1:
                out[axis] = int(n)
    return tuple(out)
