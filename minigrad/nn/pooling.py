"""Pooling layers: ``MaxPool1d``, ``AvgPool1d``, ``MaxPool2d``, ``AvgPool2d``, ``AdaptiveAvgPool1d``,
``AdaptiveAvgPool2d``, ``AdaptiveMaxPool1d``, ``AdaptiveMaxPool2d``, ``LPPool1d``, ``LPPool2d`` and the 3-D ones
``MaxPool3d``, ``AvgPool3d``, ``AdaptiveAvgPool3d``, ``AdaptiveMaxPool3d``, ``LPPool3d`` (no parameters;
PyTorch's arguments)."""
from __future__ import annotations

from minigrad.nn.arguments import int_pair, int_single, int_triple
from minigrad.nn.functional.lp_pool import check_norm_type, lp_pool1d, lp_pool2d, lp_pool3d
from minigrad.nn.layer import Layer
from minigrad.ops.adaptive_pool import (adaptive_avg_pool1d, adaptive_avg_pool3d, adaptive_max_pool1d,
                                        adaptive_max_pool2d, adaptive_max_pool3d)
from minigrad.ops.pool import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from minigrad.ops.pool1d import avg_pool1d, max_pool1d
from minigrad.ops.pool3d import avg_pool3d, max_pool3d
from minigrad.scalars import is_integer

__all__ = ["MaxPool1d", "AvgPool1d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveAvgPool1d",
           "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "LPPool1d", "LPPool2d", "MaxPool3d", "AvgPool3d",
           "AdaptiveAvgPool3d", "AdaptiveMaxPool3d", "LPPool3d"]


def _as_given(value, pair):
    """A checked pair in the form it was given (an int stays one int, as PyTorch keeps it), of Python ints."""
    return pair if isinstance(value, (tuple, list)) else pair[0]


def _check_window(name, kernel_size, stride, padding, dilation, sizes=int_pair):
    """The checks of ``minigrad.ops.pool`` that need no input, at construction and under the layer's name.

    Returns the four arguments as Python ints or pairs of them (1-tuples with ``sizes=int_single``, the
    1-D layers), in the form they were given; a missing stride is the kernel size, as PyTorch keeps it."""
    kernel = sizes(name, "kernel_size", kernel_size)
    strides = None if stride is None else sizes(name, "stride", stride)
    pads = sizes(name, "padding", padding, minimum=0)
    dilations = sizes(name, "dilation", dilation)
    if any(p > k // 2 for p, k in zip(pads, kernel)):
        raise ValueError(f"{name}: padding {pads} must be at most half the kernel size {kernel}")
    kernel_size = _as_given(kernel_size, kernel)
    return (kernel_size, kernel_size if stride is None else _as_given(stride, strides),
            _as_given(padding, pads), _as_given(dilation, dilations))


class MaxPool1d(Layer):
    """Maximum of each window of k elements of (N, C, L) or (C, L); ``stride`` defaults to ``kernel_size``.

    Runs as ``MaxPool2d`` over (N, C, 1, L) (``minigrad.ops.pool1d``); the gradient reaches each window's
    first (leftmost) maximum. With ``return_indices``, also each maximum's position in L (int64, for MaxUnpool1d).
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices: bool = False,
                 ceil_mode: bool = False):
        super().__init__()
        self.return_indices = bool(return_indices)
        kernel_size, stride, padding, dilation = _check_window("MaxPool1d", kernel_size, stride, padding, dilation,
                                                               int_single)
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.dilation, self.ceil_mode = dilation, bool(ceil_mode)

    def forward(self, x):
        return max_pool1d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                          self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool1d(Layer):
    """Mean of each window of k elements of (N, C, L) or (C, L); runs as ``AvgPool2d`` over (N, C, 1, L).
    ``kernel_size``, ``stride`` and ``padding`` are kept as 1-tuples, as PyTorch keeps them here."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True):
        super().__init__()
        kernel_size, stride, padding, _ = _check_window("AvgPool1d", kernel_size, stride, padding, 1, int_single)
        self.kernel_size, self.stride, self.padding = (tuple(v) if isinstance(v, (tuple, list)) else (v,)
                                                       for v in (kernel_size, stride, padding))
        self.ceil_mode, self.count_include_pad = bool(ceil_mode), bool(count_include_pad)

    def forward(self, x):
        return avg_pool1d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(Layer):
    """Maximum of each window of (N, C, H, W); ``stride`` defaults to ``kernel_size``.

    The gradient reaches one element per window: its maximum, the first in row-major order on ties. With
    ``return_indices`` (PyTorch's fifth argument), also each maximum's flat position in H * W (int64, for MaxUnpool2d).
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices: bool = False,
                 ceil_mode: bool = False):
        super().__init__()
        self.return_indices = bool(return_indices)
        kernel_size, stride, padding, dilation = _check_window("MaxPool2d", kernel_size, stride, padding, dilation)
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.dilation, self.ceil_mode = dilation, ceil_mode

    def forward(self, x):
        return max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                          self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Layer):
    """Mean of each window of (N, C, H, W) or (C, H, W) (divisor as ``F.avg_pool2d``: PyTorch's
    ``count_include_pad`` rule, or ``divisor_override``); the gradient spreads evenly over the window."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override=None):
        super().__init__()
        kernel_size, stride, padding, _ = _check_window("AvgPool2d", kernel_size, stride, padding, 1)
        if divisor_override is not None and (not is_integer(divisor_override) or divisor_override == 0):
            raise ValueError(f"AvgPool2d: divisor_override must be a non-zero int or None, got {divisor_override!r}")
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad
        self.divisor_override = divisor_override

    def forward(self, x):
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                          self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Layer):
    """Average pooling of (N, C, H, W) or (C, H, W) to a fixed ``output_size`` (int or pair) whatever the input's
    size."""

    def __init__(self, output_size):
        super().__init__()
        sizes = (output_size, output_size) if is_integer(output_size) else \
            tuple(output_size) if isinstance(output_size, (tuple, list)) else ()
        if len(sizes) != 2 or not all(s is None or (is_integer(s) and s >= 1) for s in sizes):
            raise ValueError("AdaptiveAvgPool2d: output_size must be a positive integer or a pair of them "
                             f"(None keeps that axis), got {output_size!r}")
        self.output_size = tuple(None if s is None else int(s) for s in sizes) if isinstance(
            output_size, (tuple, list)) else int(output_size)

    def forward(self, x):
        return adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


def _adaptive_size(name, output_size, dims):
    """``output_size`` checked (positive ints; None keeps an axis of the 2-D layers), in the form it was given."""
    given = isinstance(output_size, (tuple, list))
    sizes = tuple(output_size) if given else (output_size,)
    allowed = (1, dims)
    if len(sizes) not in allowed or not all((s is None and dims > 1) or (is_integer(s) and s >= 1) for s in sizes):
        what = "a positive integer" + (" or a 1-tuple of one" if dims == 1 else
                                       f" or {'a pair' if dims == 2 else 'a tuple of 3'} of them (None keeps that "
                                       "axis)")
        raise ValueError(f"{name}: output_size must be {what}, got {output_size!r}")
    if given:
        return tuple(None if s is None else int(s) for s in sizes)
    return None if output_size is None else int(output_size)


class AdaptiveAvgPool1d(Layer):
    """Average pooling of (N, C, L) or (C, L) to ``output_size`` positions whatever L; window i covers
    [floor(i L / o), ceil((i + 1) L / o)). dL/dx: each window spreads g / its length."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = _adaptive_size("AdaptiveAvgPool1d", output_size, 1)

    def forward(self, x):
        return adaptive_avg_pool1d(x, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(Layer):
    """Max pooling of (N, C, L) or (C, L) to ``output_size`` positions (windows as AdaptiveAvgPool1d's); with
    ``return_indices``, also each maximum's position (int64). dL/dx: g at each window's first maximum."""

    def __init__(self, output_size, return_indices: bool = False):
        super().__init__()
        self.output_size = _adaptive_size("AdaptiveMaxPool1d", output_size, 1)
        self.return_indices = bool(return_indices)

    def forward(self, x):
        return adaptive_max_pool1d(x, self.output_size, self.return_indices)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Layer):
    """Max pooling of (N, C, H, W) or (C, H, W) to ``output_size`` (int or pair; None keeps that axis); with
    ``return_indices``, also each maximum's flat position in H * W (int64). dL/dx: g at each window's first
    maximum in row-major order."""

    def __init__(self, output_size, return_indices: bool = False):
        super().__init__()
        self.output_size = _adaptive_size("AdaptiveMaxPool2d", output_size, 2)
        self.return_indices = bool(return_indices)

    def forward(self, x):
        return adaptive_max_pool2d(x, self.output_size, self.return_indices)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class LPPool1d(Layer):
    """(sum over each window of k elements of x^p)^(1/p) of (N, C, L) or (C, L), ``p = norm_type``; stride defaults
    to ``kernel_size``. dL/dx from the composition (``F.lp_pool1d``)."""

    _fn, _sizes = staticmethod(lp_pool1d), staticmethod(int_single)

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode: bool = False):
        super().__init__()
        name = type(self).__name__
        check_norm_type(name, norm_type)
        self._sizes(name, "kernel_size", kernel_size)
        if stride is not None:
            self._sizes(name, "stride", stride)
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

    def forward(self, x):
        return type(self)._fn(x, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


class LPPool2d(LPPool1d):
    """(sum over each kh x kw window of x^p)^(1/p) of (N, C, H, W) or (C, H, W), ``p = norm_type``."""

    _fn, _sizes = staticmethod(lp_pool2d), staticmethod(int_pair)


class MaxPool3d(Layer):
    """Maximum of each kd x kh x kw window of (N, C, D, H, W) or (C, D, H, W); ``stride`` defaults to
    ``kernel_size``. With ``return_indices``, also each maximum's flat position in D * H * W (int64), as PyTorch.

    The gradient reaches one element per window: its maximum, the first in row-major order on ties.
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices: bool = False,
                 ceil_mode: bool = False):
        super().__init__()
        kernel_size, stride, padding, dilation = _check_window("MaxPool3d", kernel_size, stride, padding, dilation,
                                                               int_triple)
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.dilation, self.return_indices, self.ceil_mode = dilation, bool(return_indices), bool(ceil_mode)

    def forward(self, x):
        return max_pool3d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                          self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool3d(Layer):
    """Mean of each kd x kh x kw window of (N, C, D, H, W) or (C, D, H, W) (divisor as ``F.avg_pool3d``: PyTorch's
    ``count_include_pad`` rule, or ``divisor_override``); the gradient spreads evenly over the window."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override=None):
        super().__init__()
        kernel_size, stride, padding, _ = _check_window("AvgPool3d", kernel_size, stride, padding, 1, int_triple)
        if divisor_override is not None and (not is_integer(divisor_override) or divisor_override == 0):
            raise ValueError(f"AvgPool3d: divisor_override must be a non-zero int or None, got {divisor_override!r}")
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.ceil_mode, self.count_include_pad = bool(ceil_mode), bool(count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, x):
        return avg_pool3d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                          self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool3d(Layer):
    """Average pooling of (N, C, D, H, W) or (C, D, H, W) to ``output_size`` (an int or 3; None keeps that axis)
    whatever the input's size; window i along an axis of n covers [floor(i n / o), ceil((i + 1) n / o))."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = _adaptive_size("AdaptiveAvgPool3d", output_size, 3)

    def forward(self, x):
        return adaptive_avg_pool3d(x, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveMaxPool3d(Layer):
    """Max pooling of (N, C, D, H, W) or (C, D, H, W) to ``output_size`` (an int or 3; None keeps that axis); with
    ``return_indices``, also each maximum's flat position in D * H * W (int64). dL/dx: g at each window's first
    maximum in row-major order."""

    def __init__(self, output_size, return_indices: bool = False):
        super().__init__()
        self.output_size = _adaptive_size("AdaptiveMaxPool3d", output_size, 3)
        self.return_indices = bool(return_indices)

    def forward(self, x):
        return adaptive_max_pool3d(x, self.output_size, self.return_indices)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class LPPool3d(LPPool1d):
    """(sum over each kd x kh x kw window of x^p)^(1/p) of (N, C, D, H, W) or (C, D, H, W), ``p = norm_type``."""

    _fn, _sizes = staticmethod(lp_pool3d), staticmethod(int_triple)
