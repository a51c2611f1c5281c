"""Constant padding of the last axes: ``pad(x, (left, right, top, bottom, ...), value=v)``, as ``torch.nn.functional.pad``."""
from __future__ import annotations

from minigrad.autograd.function import Function
from minigrad.autograd.coercion import as_tensor
from minigrad.backend import get_array_module
from minigrad.ops._args import _python_number

__all__ = ["pad"]


class Pad(Function):
    """y = x surrounded by ``value``; dL/dx = g cropped back to x's place (the slice ``inside``).

    Shapes: x (n_0, n_1, ...) -> (n_0 + before_0 + after_0, n_1 + before_1 + after_1, ...), ``widths`` per axis.
    """

    def __init__(self, widths, value):
        self.widths, self.value = widths, value   # widths: ((before, after), ...) for every axis

    def forward(self, x):
        xp = get_array_module(x)
        shape = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape, self.widths))
        y = xp.full(shape, self.value, dtype=x.dtype)
        y[self._inside(x.shape)] = x
        return y

    def _inside(self, shape):
        return tuple(slice(lo, lo + n) for n, (lo, _) in zip(shape, self.widths))

    def backward(self, F, gy, x):
        return gy[self._inside(x.shape)]


def pad(x, pad, mode="constant", value=None):
    """Pad the last ``len(pad) // 2`` axes of ``x`` with the constant ``value`` (None: 0), as ``torch.nn.functional.pad``.

    ``pad`` lists (before, after) pairs starting from the LAST axis, as PyTorch does:
    ``pad(x, (1, 1, 2, 0))`` adds one column on each side of the last axis and two
    rows before the second-to-last. Widths must be non-negative (no cropping). ``mode`` must be
    "constant", the only mode implemented; the third argument is the mode in PyTorch and in
    ``numpy.pad`` alike, so a number there is refused, not taken for the value.
    """
    if mode != "constant":
        if isinstance(_python_number(mode), (int, float)):   # a value where PyTorch reads the mode
            raise TypeError(f"pad: the third argument is mode, as in torch.nn.functional.pad, got {mode!r}; "
                            f"write value={mode!r} to pad with that constant")
        raise ValueError(f"pad: mode={mode!r} is not supported; only mode='constant' (padding with value) is")
    if value is None:
        value = 0.0
    x = as_tensor(x)
    pad = tuple(pad)
    if len(pad) % 2 or len(pad) // 2 > x.ndim or not all(isinstance(p, int) and not isinstance(p, bool) for p in pad):
        raise ValueError(f"pad: expected an even number of ints, at most 2 per axis of a {x.ndim}-D input "
                         f"(shape {tuple(x.shape)}), got {pad}")
    if min(pad, default=0) < 0:
        raise ValueError(f"pad: widths must be non-negative (cropping is not supported), got {pad}")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    number = _python_number(value)
    if not isinstance(number, (int, float)):  # a bool pads a mask with False or True
        raise TypeError(f"pad: value must be a real number, got value={value!r} ({type(value).__name__})")
    return Pad.apply(x, widths=tuple(widths), value=float(number))
