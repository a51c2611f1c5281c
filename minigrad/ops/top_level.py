"""PyTorch's top-level spellings of Tensor methods: ``torch.permute``, ``torch.detach``, ``torch.rsub``."""
from __future__ import annotations

from minigrad.autograd.tensor import Tensor
from minigrad.ops.arithmetic import _subtract
from minigrad.ops.shape import permute as _permute
from minigrad.scalars import is_integer


def _tensor(name, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")
    return x


def permute(input, dims):  # noqa: A002  (PyTorch's argument names)
    """``input`` with its dims reordered as ``dims`` (a tuple or list of ints), as ``torch.permute``.
    The gradient is the output gradient permuted back."""
    if not isinstance(dims, (tuple, list)) or not all(is_integer(d) for d in dims):
        raise TypeError(f"permute(): dims must be a tuple of ints, got {dims!r}")
    return _permute(_tensor("permute", input), *dims)


def detach(input):  # noqa: A002
    """A new leaf sharing ``input``'s data, without history (``torch.detach``)."""
    return _tensor("detach", input).detach()


def rsub(input, other, alpha=1):  # noqa: A002
    """other - alpha * input (``torch.rsub``), ``other`` a Tensor or a number.
    d/d input = -alpha * g, d/d other = g, each summed back to its shape.

    ``sub`` with its operands swapped (``arithmetic._subtract``), its refusals naming rsub: ``alpha`` as ``sub``'s,
    torch's rule (``_args.alpha_check``): a Python bool only for a bool result (and subtraction refuses bools,
    RuntimeError as torch's), a float (a NumPy bool's 1.0 too) not for an integer result, RuntimeError both."""
    return _subtract("rsub", other, _tensor("rsub", input), alpha, reversed_=True)
