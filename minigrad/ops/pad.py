"""Padding of the last axes: ``pad(x, (left, right, top, bottom, ...), mode, value)``, as ``torch.nn.functional.pad``.

``mode='constant'`` is the ``Pad`` op below; 'reflect', 'replicate' and 'circular' are ``PadMode``
(``minigrad/ops/pad_modes.py``), with PyTorch's rules on which inputs and widths they take.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.function import Function
from minigrad.autograd.coercion import as_tensor
from minigrad.backend import get_array_module
from minigrad.ops._args import _python_number
from minigrad.ops.pad_modes import MODES, PadMode
from minigrad.scalars import is_integer

__all__ = ["pad"]


class Pad(Function):
    """y = x surrounded by ``value``; dL/dx = g cropped back to x's place (the slice ``inside``).

    Shapes: x (n_0, n_1, ...) -> (n_0 + before_0 + after_0, n_1 + before_1 + after_1, ...), ``widths`` per axis.
    """

    values_unread = (0,)

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


def pad(input, pad, mode="constant", value=None):  # noqa: A002
    """Pad the last ``len(pad) // 2`` axes of ``input``, as ``torch.nn.functional.pad``.

    ``pad`` lists (before, after) pairs starting from the LAST axis, as PyTorch does:
    ``pad(x, (1, 1, 2, 0))`` adds one column on each side of the last axis and two
    rows before the second-to-last. A negative width crops, as in PyTorch. ``mode``:

    * "constant": the new entries are ``value`` (None: 0); any number of axes.
    * "reflect", "replicate", "circular": the new entries are copied from ``input`` (mirrored without the
      edge, the edge repeated, or wrapped around; see ``minigrad.ops.pad_modes``). As in PyTorch these
      pad 1, 2 or 3 trailing axes of an input with one or two more axes ((N, C, L) or (C, L) for 1 axis,
      and so on); reflect widths must be smaller than the axis, circular ones at most its size; no ``value``.

    dL/dx: g cropped to x's place (constant), or with every copied entry summed back into its source.
    The third argument is the mode in PyTorch and in ``numpy.pad`` alike, so a number there is refused,
    not taken for the value.
    """
    if mode != "constant" and mode not in MODES:
        if isinstance(_python_number(mode), (int, float)):   # a value where PyTorch reads the mode
            raise TypeError(f"pad: the third argument is mode, as in torch.nn.functional.pad, got {mode!r}; "
                            f"write value={mode!r} to pad with that constant")
        raise ValueError(f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got mode={mode!r}")
    input = as_tensor(input)
    pad = tuple(pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim or not all(is_integer(p) for p in pad):
        raise ValueError(f"pad: expected an even number of ints, at most 2 per axis of a {input.ndim}-D input "
                         f"(shape {tuple(input.shape)}), got {pad}")
    pad = tuple(int(p) for p in pad)   # NumPy integers too, as torch takes them
    widths = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        widths[input.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    if min(pad, default=0) < 0:
        # reflect and replicate pad the whole input, then crop, as torch: (4, -2) reads entries the crop drops, and
        # a crop may pass the input's edge into the padding. The other modes crop first, so each crop alone must fit.
        then_crop = mode in ("reflect", "replicate")
        for n, (lo, hi) in zip(input.shape, widths):
            if (n + lo + hi if then_crop else n + min(lo, 0) + min(hi, 0)) < 0:
                raise ValueError(f"pad: widths {pad} would crop more than the input holds (shape {tuple(input.shape)})")
        k = len(pad) // 2   # the padded axes: the last k (k >= 1, as a width is negative)
        if then_crop and all(n + lo + hi == 0 for n, (lo, hi) in zip(input.shape[-k:], widths[-k:])):
            raise ValueError(f"pad: mode={mode!r} with widths {pad} would leave every padded axis of an input of shape "
                             f"{tuple(input.shape)} empty; it needs at least one entry")
        kept = [(max(lo, 0), max(hi, 0)) for lo, hi in widths]
        if then_crop:
            return _crop(_pad_mode(input, pad, tuple(kept), mode, value), widths)
        input, widths = _crop(input, widths), kept   # constant and circular read the cropped input (circular wraps it)
    if mode != "constant":
        return _pad_mode(input, pad, tuple(widths), mode, value)
    if value is None:
        value = 0.0
    number = _python_number(value)
    if not isinstance(number, (int, float)):  # a bool pads a mask with False or True
        raise TypeError(f"pad: value must be a real number, got value={value!r} ({type(value).__name__})")
    _check_fits(number, input.dtype)
    return Pad.apply(input, widths=tuple(widths), value=float(number))


def _check_fits(number, dtype):
    """A pad value the input's dtype can hold, as PyTorch checks it (an integer input would wrap -1 to 255 in uint8,
    a float16 one would turn 1e6 into inf); any value pads a bool mask, and inf and NaN a floating input."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        fits = number == number and info.min <= number <= info.max
    else:
        info = np.finfo(dtype)
        fits = not (abs(number) < float("inf")) or abs(number) <= float(info.max)
    if not fits:
        raise ValueError(f"pad: value={number!r} cannot be converted to the input's dtype {dtype} without overflow "
                         f"(its range is [{info.min}, {info.max}])")


def _crop(x, widths):
    """``x`` with each negative width's entries removed (a view, whose gradient is g put back in place). The slices
    count from the ends and leave uncropped axes whole (``slice(None)``), never naming a size: an ONNX export
    writes them into the graph, where the batch axis has no fixed size."""
    return x[tuple(slice(-lo if lo < 0 else None, hi if hi < 0 else None) for lo, hi in widths)]


def _pad_mode(x, pad, widths, mode, value):
    """PyTorch's rules for the copying modes, then the ``PadMode`` op."""
    if value is not None and value != 0:   # PyTorch takes 0, and refuses any other value, here
        raise ValueError(f"pad: mode={mode!r} takes no value (only mode='constant' does), got value={value!r}")
    k = len(pad) // 2
    if k not in (1, 2, 3) or x.ndim not in (k + 1, k + 2):
        raise ValueError(f"pad: mode={mode!r} pads 1, 2 or 3 trailing axes of an input with one or two more axes "
                         f"(2-D or 3-D input for 2 widths, 3-D or 4-D for 4, 4-D or 5-D for 6); got {len(pad)} "
                         f"widths {pad} for a {x.ndim}-D input of shape {tuple(x.shape)}")
    if mode != "circular" and 0 in x.shape[x.ndim - k - 1:]:   # PyTorch: only the batch axis may be empty
        raise ValueError(f"pad: mode={mode!r} needs non-empty axes (all but a batch axis), got shape {tuple(x.shape)}")
    for axis, (lo, hi) in enumerate(widths):
        n = x.shape[axis]
        if (mode == "reflect" and max(lo, hi) >= n and (lo or hi)) or (mode == "circular" and max(lo, hi) > n):
            rule = "smaller than" if mode == "reflect" else "at most"
            raise ValueError(f"pad: mode={mode!r} needs widths {rule} the axis size; got widths ({lo}, {hi}) for "
                             f"axis {axis} of size {n} of an input of shape {tuple(x.shape)}")
    return PadMode.apply(x, widths=widths, mode=mode)
