"""Padding layers, as PyTorch's (the ``pad`` op): ``ZeroPad1d``/``2d``/``3d`` and ``ConstantPad1d``/``2d``/``3d``
(a constant around the last one, two or three axes of any input), ``ReflectionPad1d``/``2d``/``3d``,
``ReplicationPad1d``/``2d``/``3d`` and ``CircularPad1d``/``2d``/``3d`` (entries copied from the input, for
(N, C, L) / (C, L), (N, C, H, W) / (C, H, W) or (N, C, D, H, W) / (C, D, H, W))."""
from __future__ import annotations

from minigrad.autograd.tensor import Tensor
from minigrad.nn.layer import Layer
from minigrad.ops.pad import pad
from minigrad.scalars import is_integer, is_real

__all__ = ["ZeroPad2d", "ZeroPad1d", "ConstantPad1d", "ConstantPad2d", "ReflectionPad1d", "ReflectionPad2d",
           "ReplicationPad1d", "ReplicationPad2d", "CircularPad1d", "CircularPad2d", "ZeroPad3d", "ConstantPad3d",
           "ReflectionPad3d", "ReplicationPad3d", "CircularPad3d"]


class ZeroPad2d(Layer):
    """Pad the last two axes with zeros: ``padding`` is an int (all four sides) or (left, right, top, bottom).

    (N, C, H, W) -> (N, C, H + top + bottom, W + left + right). dL/dx: g cropped back to the input's place.
    A negative width crops, as in PyTorch.
    """

    def __init__(self, padding):
        super().__init__()
        values = (padding,) * 4 if is_integer(padding) else padding
        try:
            ok = len(values) == 4 and all(is_integer(v) for v in values)
        except TypeError:
            ok = False
        if not ok or isinstance(values, (str, bytes)):
            raise ValueError("ZeroPad2d: padding must be an integer or a 4-tuple of them (left, right, top, bottom), "
                             f"got {padding!r}")
        self.padding = tuple(int(v) for v in values)

    def forward(self, x):
        if not isinstance(x, Tensor):
            raise TypeError(f"ZeroPad2d: input must be a Tensor, got {type(x).__name__}")
        if x.ndim < 2:   # PyTorch pads any input with two axes or more
            raise ValueError(f"ZeroPad2d: expected an input with at least 2 axes (..., H, W), got shape {tuple(x.shape)}")
        return pad(x, self.padding)

    def extra_repr(self):
        return f"{self.padding}"


class _PadNd(Layer):
    """A padding of the last ``axes`` axes: ``padding`` is an int (every side) or 2 * ``axes`` widths
    (left, right[, top, bottom]); a negative width crops, as in PyTorch."""

    axes, mode = 1, "constant"

    def __init__(self, padding, value=0.0):
        super().__init__()
        name, n = type(self).__name__, 2 * self.axes
        values = (padding,) * n if is_integer(padding) else padding
        try:
            ok = not isinstance(values, (str, bytes)) and len(values) == n and all(is_integer(v) for v in values)
        except TypeError:
            ok = False
        if not ok:
            sides = ("left, right", "top, bottom", "front, back")[:self.axes]
            raise ValueError(f"{name}: padding must be an integer or a {n}-tuple of them ({', '.join(sides)}), "
                             f"got {padding!r}")
        if not is_real(value):
            raise ValueError(f"{name}: value must be a real number, got {value!r}")
        self.padding, self.value = tuple(int(v) for v in values), value.item() if hasattr(value, "item") else value

    def forward(self, x):
        name = type(self).__name__
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(x).__name__}")
        if self.mode == "constant":
            if x.ndim < self.axes:
                raise ValueError(f"{name}: expected an input with at least {self.axes} axes, got shape "
                                 f"{tuple(x.shape)}")
            return pad(x, self.padding, value=self.value)
        if x.ndim not in (self.axes + 1, self.axes + 2):
            spatial = ("L", "H, W", "D, H, W")[self.axes - 1]
            raise ValueError(f"{name}: expected a {self.axes + 1}-D or {self.axes + 2}-D input "
                             f"((C, {spatial}) or (N, C, {spatial})), got shape {tuple(x.shape)}")
        return pad(x, self.padding, mode=self.mode)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}" if type(self).__name__.startswith("Constant") \
            else f"{self.padding}"


class ConstantPad1d(_PadNd):
    """``value`` around the last axis: (..., L) -> (..., L + left + right); dL/dx: g cropped back."""

    def __init__(self, padding, value):
        super().__init__(padding, value)


class ConstantPad2d(_PadNd):
    """``value`` around the last two axes: (..., H, W) -> (..., H + top + bottom, W + left + right); dL/dx: g
    cropped back."""

    axes = 2

    def __init__(self, padding, value):
        super().__init__(padding, value)


class ZeroPad1d(_PadNd):
    """Zeros around the last axis: (..., L) -> (..., L + left + right); dL/dx: g cropped back."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)


class ReflectionPad1d(_PadNd):
    """The mirror image of (N, C, L) or (C, L) without its edge, ``[c b | a b c d | c b]`` (widths < L).
    dL/dx: each mirrored entry's gradient added to the element it copies."""

    mode = "reflect"


class ReflectionPad2d(ReflectionPad1d):
    """``ReflectionPad1d`` along W and H of (N, C, H, W) or (C, H, W); padding (left, right, top, bottom)."""

    axes = 2


class ReplicationPad1d(_PadNd):
    """The edge element of (N, C, L) or (C, L) repeated, ``[a a | a b c d | d d]``. dL/dx: the border's
    gradients summed onto the edge."""

    mode = "replicate"


class ReplicationPad2d(ReplicationPad1d):
    """``ReplicationPad1d`` along W and H of (N, C, H, W) or (C, H, W); padding (left, right, top, bottom)."""

    axes = 2


class CircularPad1d(_PadNd):
    """(N, C, L) or (C, L) wrapped around, ``[c d | a b c d | a b]`` (widths <= L). dL/dx: each wrapped
    entry's gradient added to the element it copies."""

    mode = "circular"


class CircularPad2d(CircularPad1d):
    """``CircularPad1d`` along W and H of (N, C, H, W) or (C, H, W); padding (left, right, top, bottom)."""

    axes = 2


class ConstantPad3d(_PadNd):
    """``value`` around the last three axes: (..., D, H, W) -> (..., D + front + back, H + top + bottom,
    W + left + right); padding (left, right, top, bottom, front, back). dL/dx: g cropped back."""

    axes = 3

    def __init__(self, padding, value):
        super().__init__(padding, value)


class ZeroPad3d(_PadNd):
    """Zeros around the last three axes (padding (left, right, top, bottom, front, back)); dL/dx: g cropped back."""

    axes = 3

    def __init__(self, padding):
        super().__init__(padding, 0.0)


class ReflectionPad3d(ReflectionPad1d):
    """``ReflectionPad1d`` along W, H and D of (N, C, D, H, W) or (C, D, H, W); padding (left, right, top, bottom,
    front, back)."""

    axes = 3


class ReplicationPad3d(ReplicationPad1d):
    """``ReplicationPad1d`` along W, H and D of (N, C, D, H, W) or (C, D, H, W); padding (left, right, top, bottom,
    front, back)."""

    axes = 3


class CircularPad3d(CircularPad1d):
    """``CircularPad1d`` along W, H and D of (N, C, D, H, W) or (C, D, H, W); padding (left, right, top, bottom,
    front, back)."""

    axes = 3
