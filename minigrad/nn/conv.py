"""Convolution layers: ``Conv1d``, ``Conv2d``, ``Conv3d``, ``ConvTranspose1d``, ``ConvTranspose2d`` and
``ConvTranspose3d`` (PyTorch's arguments, layouts and initialisation)."""
from __future__ import annotations

import math

from minigrad.autograd.tensor import Tensor
from minigrad.backend import normalize_device, xp_for
from minigrad.nn import init
from minigrad.nn.arguments import floating_dtype, int_pair, int_single, int_triple, positive_int
from minigrad.nn.layer import Layer, Parameter
from minigrad.ops.conv import conv2d, conv_padding, conv_transpose2d
from minigrad.ops.conv1d import conv1d, conv_transpose1d
from minigrad.ops.conv3d import conv3d, conv_transpose3d
from minigrad.ops.pad import pad
from minigrad.scalars import is_integer

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Layer):
    """What the convolution layers share: arguments, checks, parameters and their initialisation.

    ``_sizes`` parses kernel_size, stride, padding and dilation: pairs for the 2-D layers, 1-tuples for Conv1d.
    """

    _sizes = staticmethod(int_pair)

    def __init__(self, name, in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                 padding_mode, weight_shape, fan_in, dtype, device):
        super().__init__()
        in_channels = positive_int(name, "in_channels", in_channels)
        out_channels = positive_int(name, "out_channels", out_channels)
        groups = positive_int(name, "groups", groups)
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: groups={groups!r} must be a positive integer dividing "
                             f"in_channels={in_channels} and out_channels={out_channels}")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {list(_PADDING_MODES)}, but got "
                             f"padding_mode={padding_mode!r}")
        if padding_mode != "zeros" and name.startswith("ConvTranspose"):
            raise ValueError(f"{name}: only padding_mode='zeros' is supported, got {padding_mode!r} (as PyTorch)")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = self._sizes(name, "kernel_size", kernel_size)
        self.stride = self._sizes(name, "stride", stride)
        self.dilation = self._sizes(name, "dilation", dilation)
        if not isinstance(padding, str):
            padding = self._sizes(name, "padding", padding, minimum=0)
        # The op's own check, under this layer's name: a padding string is 'valid', or 'same' with stride 1.
        if isinstance(padding, str):
            conv_padding(name, padding, self.kernel_size, self.stride, self.dilation)
        self.padding = padding
        self.groups = groups
        self.padding_mode = padding_mode
        # torch's name and rule: the widths are fixed here, but forward reads padding_mode as it runs, so a mode set
        # on a built layer (a model switched to reflect padding layer by layer) takes effect, as in torch.
        self._reversed_padding_repeated_twice = self._widths_for_mode()
        dtype = floating_dtype(name, dtype)
        xp = xp_for(normalize_device(device))
        self.weight = Parameter(xp.zeros(weight_shape(self.kernel_size), dtype=dtype))
        self.bias = Parameter(xp.zeros((out_channels,), dtype=dtype)) if bias else None
        self._fan_in = fan_in(self.kernel_size)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: weight and bias uniform in +-1/sqrt(fan_in).

        (That is ``kaiming_uniform_(a=sqrt(5))``: gain sqrt(1/3) times sqrt(3 / fan_in).)
        """
        bound = 1.0 / math.sqrt(self._fan_in)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def _widths_for_mode(self):
        """F.pad's widths (last axis first) that the padding the convolution would add becomes, for a
        padding_mode other than zeros: the input is padded in that mode, then convolved without padding.
        'same' splits d (k - 1) with the smaller half before, as PyTorch."""
        widths = []
        for i in reversed(range(len(self.kernel_size))):
            if self.padding == "same":
                total = self.dilation[i] * (self.kernel_size[i] - 1)
                widths += [total // 2, total - total // 2]
            else:
                p = 0 if self.padding == "valid" else self.padding[i]
                widths += [p, p]
        return tuple(widths)

    def _input(self, x):
        """The input as the convolution sees it: checked, and padded first for a padding_mode other than zeros."""
        self._check(x)
        if self.padding_mode == "zeros":
            return x, self.padding
        return pad(x, self._reversed_padding_repeated_twice, mode=self.padding_mode), 0

    def _check(self, x):
        if not isinstance(x, Tensor):
            raise TypeError(f"{type(self).__name__}: input must be a Tensor, got {type(x).__name__}")

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if isinstance(self.padding, str) or any(self.padding):   # PyTorch prints a padding string unquoted
            text += f", padding={self.padding}"
        if any(d != 1 for d in self.dilation):
            text += f", dilation={self.dilation}"
        if any(getattr(self, "output_padding", ())):
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        text += "" if self.bias is not None else ", bias=False"
        return text + (f", padding_mode={self.padding_mode}" if self.padding_mode != "zeros" else "")


class _Conv(_ConvNd):
    """What Conv1d, Conv2d and Conv3d share: the forward through ``_op``, their functional form."""

    def forward(self, x):
        return self._conv_forward(x, self.weight, self.bias)

    def _conv_forward(self, input, weight, bias):   # noqa: A002
        """torch's hook: this layer's convolution with another weight and bias (a subclass that standardises
        its weight calls it from forward), padding_mode included."""
        x, padding = self._input(input)
        return self._op(x, weight, bias, self.stride, padding, self.dilation, self.groups)


class Conv1d(_Conv):
    """1-D convolution over (N, C_in, L) sequences: ``y = conv1d(x, weight) + bias``, (N, C_out, Lo).

    ``weight`` has PyTorch's layout (out_channels, in_channels // groups, k), ``bias`` (out_channels,);
    both start uniform in +-1/sqrt(fan_in) with fan_in = in_channels / groups * k, as in PyTorch.
    ``kernel_size``, ``stride``, ``padding`` and ``dilation`` are ints or 1-tuples (kept as 1-tuples, as
    PyTorch keeps them); ``padding`` may be ``"valid"`` or ``"same"`` (stride 1). ``padding_mode`` is
    'zeros', 'reflect', 'replicate' or 'circular' (the input is then padded by ``F.pad`` in that mode first).
    Lo = floor((L + 2 p - d (k - 1) - 1) / s) + 1. It runs as the 2-D convolution of (N, C, 1, L) images
    (``minigrad.ops.conv1d``): one im2col GEMM, no loop over positions, exact values.
    """

    _sizes = staticmethod(int_single)
    _op = staticmethod(conv1d)

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__("Conv1d", in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, lambda k: (out_channels, in_channels // groups, *k),
                         lambda k: in_channels // groups * k[0], dtype, device)


class Conv2d(_Conv):
    """2-D convolution over (N, C_in, H, W) images: ``y = conv2d(x, weight) + bias``, (N, C_out, Ho, Wo).

    ``weight`` has PyTorch's layout (out_channels, in_channels // groups, kh, kw), ``bias`` (out_channels,);
    both start uniform in +-1/sqrt(fan_in) with fan_in = in_channels / groups * kh * kw, as in
    PyTorch. ``padding`` is an int, a pair, ``"valid"`` or ``"same"``; ``padding_mode`` is 'zeros',
    'reflect', 'replicate' or 'circular' (the input is then padded by ``F.pad`` in that mode first).
    Ho = floor((H + 2 ph - dh (kh - 1) - 1) / sh) + 1 (and Wo alike).
    """

    _op = staticmethod(conv2d)

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__("Conv2d", in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, lambda k: (out_channels, in_channels // groups, *k),
                         lambda k: in_channels // groups * k[0] * k[1], dtype, device)


class Conv3d(_Conv):
    """3-D convolution over (N, C_in, D, H, W) volumes: ``y = conv3d(x, weight) + bias``, (N, C_out, Do, Ho, Wo).

    ``weight`` has PyTorch's layout (out_channels, in_channels // groups, kd, kh, kw), ``bias`` (out_channels,);
    both start uniform in +-1/sqrt(fan_in) with fan_in = in_channels / groups * kd * kh * kw, as in PyTorch.
    ``kernel_size``, ``stride``, ``padding`` and ``dilation`` are ints or triples (kept as triples);
    ``padding`` may be ``"valid"`` or ``"same"`` (stride 1); ``padding_mode`` is 'zeros', 'reflect',
    'replicate' or 'circular' (the input is then padded by ``F.pad`` in that mode first).
    Do = floor((D + 2 pd - dd (kd - 1) - 1) / sd) + 1 (Ho, Wo alike). Unbatched (C_in, D, H, W) input works.
    """

    _sizes = staticmethod(int_triple)
    _op = staticmethod(conv3d)

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__("Conv3d", in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, lambda k: (out_channels, in_channels // groups, *k),
                         lambda k: in_channels // groups * math.prod(k), dtype, device)


class _ConvTransposeNd(_ConvNd):
    """What the transposed convolutions add to ``_ConvNd``: the (in_channels, out_channels // groups, *k) weight
    layout with fan_in = out_channels / groups * prod(k), ``output_padding``, and no padding strings.

    ``_padding_forms`` names the accepted paddings in the error; ``_op`` is the functional form.
    """

    _padding_forms = "a pair of them"
    _op = staticmethod(conv_transpose2d)

    def __init__(self, name, in_channels, out_channels, kernel_size, stride, padding, output_padding, groups, bias,
                 dilation, padding_mode, device, dtype):
        if isinstance(padding, str):
            raise ValueError(f"{name}: padding must be a non-negative integer or {self._padding_forms}, "
                             f"got {padding!r}")
        output_padding = self._sizes(name, "output_padding", output_padding, minimum=0)
        super().__init__(name, in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, lambda k: (in_channels, out_channels // groups, *k),
                         lambda k: out_channels // groups * math.prod(k), dtype, device)
        if not all(p < max(s, d) for p, s, d in zip(output_padding, self.stride, self.dilation)):
            raise ValueError(f"{name}: output_padding {output_padding} must be non-negative and smaller than "
                             f"the stride {self.stride} or the dilation {self.dilation}")
        self.output_padding = output_padding

    def forward(self, x, output_size=None):
        """``output_size`` (PyTorch's): the output's spatial sizes, or its whole shape (a sequence of ints or a 1-D
        integer tensor), in place of the layer's ``output_padding``; each must lie within stride - 1 above the size
        without output padding."""
        self._check(x)
        if self.padding_mode != "zeros":   # set after construction, which refuses it
            raise ValueError(f"{type(self).__name__}: only padding_mode='zeros' is supported, got "
                             f"{self.padding_mode!r} (as PyTorch)")
        output_padding = self.output_padding if output_size is None else self._output_padding(x, output_size)
        return self._op(x, self.weight, self.bias, self.stride, self.padding, output_padding, self.groups,
                        self.dilation)

    def _output_padding(self, x, output_size):
        """The output_padding that gives ``output_size``: its sizes less the sizes without output padding,
        (n - 1) s - 2 p + d (k - 1) + 1 per spatial axis."""
        name, dims = type(self).__name__, len(self.stride)
        if isinstance(output_size, (str, bytes)) or not hasattr(output_size, "__iter__"):
            # PyTorch too takes a sequence only, even for one spatial axis (its error: "'int' has no len()")
            raise TypeError(f"{name}: output_size must be a sequence of sizes (list, tuple or torch.Size), "
                            f"got {output_size!r}")
        if isinstance(output_size, Tensor) and (output_size.ndim != 1 or output_size.dtype.kind not in "iu"):
            raise TypeError(f"{name}: an output_size tensor must be 1-D of integers, got shape "
                            f"{tuple(output_size.shape)} and dtype {output_size.dtype}")
        # a 1-D integer tensor, or 0-d ones in a list, as torch takes them (each read as its int)
        sizes = tuple(n.item() if isinstance(n, Tensor) and n.size == 1 and n.dtype.kind in "iu" else n
                      for n in output_size)
        if len(sizes) == x.ndim:   # the whole output shape, (N, C, *spatial) or (C, *spatial)
            sizes = sizes[x.ndim - dims:]
        if len(sizes) != dims or not all(is_integer(n) for n in sizes):
            raise ValueError(f"{name}: output_size must hold {dims} spatial sizes or the {x.ndim} sizes of the "
                             f"output, got {tuple(output_size)}")
        smallest = tuple((n - 1) * s - 2 * p + d * (k - 1) + 1 for n, s, p, d, k in zip(
            x.shape[x.ndim - dims:], self.stride, self.padding, self.dilation, self.kernel_size))
        largest = tuple(m + s - 1 for m, s in zip(smallest, self.stride))
        if not all(m <= n <= M for n, m, M in zip(sizes, smallest, largest)):
            raise ValueError(f"{name}: output_size {tuple(int(n) for n in sizes)} is out of reach for an input of "
                             f"spatial size {tuple(x.shape[x.ndim - dims:])}: each size must lie in "
                             f"[{smallest}, {largest}]")
        return tuple(int(n) - m for n, m in zip(sizes, smallest))


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution (the input gradient of a Conv2d): (N, C_in, H, W) -> (N, C_out, Ho, Wo).

    ``weight`` has PyTorch's layout (in_channels, out_channels // groups, kh, kw); initialised uniform in
    +-1/sqrt(fan_in) with fan_in = out_channels / groups * kh * kw, as PyTorch computes it for this layout.
    Ho = (H - 1) sh - 2 ph + dh (kh - 1) + output_padding + 1.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None,
                 dtype=None):
        super().__init__("ConvTranspose2d", in_channels, out_channels, kernel_size, stride, padding, output_padding,
                         groups, bias, dilation, padding_mode, device, dtype)


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution (the input gradient of a Conv1d): (N, C_in, L) or (C_in, L) -> (N, C_out, Lo).

    ``weight`` has PyTorch's layout (in_channels, out_channels // groups, k), ``bias`` (out_channels,); both
    start uniform in +-1/sqrt(fan_in) with fan_in = out_channels / groups * k, as PyTorch computes it.
    Lo = (L - 1) s - 2 p + d (k - 1) + output_padding + 1. Runs as ConvTranspose2d over (N, C, 1, L).
    """

    _sizes = staticmethod(int_single)
    _padding_forms = "a 1-tuple"
    _op = staticmethod(conv_transpose1d)

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None,
                 dtype=None):
        super().__init__("ConvTranspose1d", in_channels, out_channels, kernel_size, stride, padding, output_padding,
                         groups, bias, dilation, padding_mode, device, dtype)


class ConvTranspose3d(_ConvTransposeNd):
    """3-D transposed convolution (the input gradient of a Conv3d): (N, C_in, D, H, W) or (C_in, D, H, W) ->
    (N, C_out, Do, Ho, Wo).

    ``weight`` has PyTorch's layout (in_channels, out_channels // groups, kd, kh, kw), ``bias`` (out_channels,);
    both start uniform in +-1/sqrt(fan_in) with fan_in = out_channels / groups * kd * kh * kw, as PyTorch
    computes it. Do = (D - 1) sd - 2 pd + dd (kd - 1) + output_padding + 1 (Ho, Wo alike).
    """

    _sizes = staticmethod(int_triple)
    _padding_forms = "a tuple of 3 of them"
    _op = staticmethod(conv_transpose3d)

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None,
                 dtype=None):
        super().__init__("ConvTranspose3d", in_channels, out_channels, kernel_size, stride, padding, output_padding,
                         groups, bias, dilation, padding_mode, device, dtype)
