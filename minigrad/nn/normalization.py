"""``BatchNorm1d``, ``BatchNorm2d`` and ``BatchNorm3d`` (batch normalisation, running statistics kept as buffers),
``LayerNorm``,
``GroupNorm``, ``RMSNorm`` and ``LocalResponseNorm``."""
from __future__ import annotations

import numpy as np

from minigrad.autograd.tensor import Tensor
from minigrad.backend import normalize_device, xp_for
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.nn.arguments import float_argument, floating_dtype, int_shape, number, positive_int, probability
from minigrad.nn.functional.normalization import (check_group_norm_input, check_layer_norm_input,
                                                  group_norm_unchecked, layer_norm_unchecked, rms_norm_unchecked)
from minigrad.nn.layer import Layer, Parameter
from minigrad.scalars import is_integer


def _reset_affine(layer):
    """``weight`` back to 1 and ``bias`` to 0, where the layer has them."""
    if layer.weight is not None:
        init.ones_(layer.weight)
    if getattr(layer, "bias", None) is not None:   # (RMSNorm has none)
        init.zeros_(layer.bias)


class _NormBase(Layer):
    """What the batch and instance norms share: ``num_features``, ``eps``, ``momentum`` (None kept as given), the
    optional ``weight`` (1) and ``bias`` (0) when ``affine``, the buffers ``running_mean`` (0), ``running_var`` (1)
    and ``num_batches_tracked`` (0) when ``track_running_stats``, the input dtype check and the printing."""

    def __init__(self, num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=True):
        super().__init__()
        name = type(self).__name__
        self.num_features = num_features = positive_int(name, "num_features", num_features)
        # the norms' one rule (float_argument: torch's TypeError for a non-number, here at construction rather than
        # at the call); 0 too, as torch's: an instance norm takes it, a batch norm in eval mode too (F.batch_norm
        # refuses it in training, with torch's ValueError), and an instance norm a negative or NaN one
        self.eps = float_argument(name, "eps", eps)
        self.momentum = None if momentum is None else probability(name, "momentum", momentum)
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        xp = xp_for(normalize_device(device))
        dtype = floating_dtype(name, dtype)
        self.weight = init.ones_(Parameter(xp.zeros(num_features, dtype=dtype))) if affine else None
        self.bias = Parameter(xp.zeros(num_features, dtype=dtype)) if affine and bias else None
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(xp.zeros(num_features, dtype=dtype)))
            self.register_buffer("running_var", Tensor(xp.ones(num_features, dtype=dtype)))
            self.register_buffer("num_batches_tracked", Tensor(xp.zeros((), dtype=np.int64)))
        else:   # buffers that are None, as PyTorch's: a tensor assigned later is a buffer (state_dict, to())
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self):
        """``running_mean`` back to 0, ``running_var`` to 1 and ``num_batches_tracked`` to 0, as PyTorch's."""
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def reset_parameters(self):
        """The running statistics and the affine ``weight`` (1) and ``bias`` (0) as at construction."""
        self.reset_running_stats()
        _reset_affine(self)

    def _check_dtype(self, x):
        # The running statistics are cast to the input's dtype (F.batch_norm, F.instance_norm); the learned scale
        # is not.
        if self.weight is not None and x.dtype != self.weight.dtype:
            name = type(self).__name__
            raise TypeError(f"{name}: input dtype {x.dtype} does not match the weight's dtype {self.weight.dtype}; "
                            f"convert with x.astype({self.weight.dtype.name!r})")

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    """Batch normalisation per channel C = axis 1 (Ioffe and Szegedy 2015), as PyTorch's ``_BatchNorm``.

    Training: ``y = (x - mean) / sqrt(var + eps) * weight + bias`` with the batch mean and *biased*
    variance of each channel, over every axis but C; the running statistics then move towards the
    batch's: ``running = (1 - momentum) running + momentum batch`` (unbiased variance), or, with
    ``momentum=None``, to the cumulative average over ``num_batches_tracked`` batches.
    Eval: the running statistics replace the batch's (unless ``track_running_stats=False``,
    where batch statistics are always used and no running statistics exist; a layer whose flag is switched off
    after construction keeps its running statistics and uses them in eval, as PyTorch's).
    ``weight`` starts at 1, ``bias`` at 0 (``affine``; keyword-only ``bias=False`` keeps the weight only, as
    PyTorch); the buffers are ``running_mean`` (0),
    ``running_var`` (1) and ``num_batches_tracked`` (0), as in PyTorch's state dict.
    """

    #: BatchNorm1d kept no batch count before 2026-12; its older checkpoints load keeping the layer's own count, as
    #: torch's norm layers do with a state that lacks it.
    _optional_buffers = ("num_batches_tracked",)

    #: The input shapes a subclass takes, for its error message; ``_ndims`` the matching ranks.
    _shapes = ""
    _ndims = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None, *, bias: bool = True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias)
        if self.eps < 0:   # torch's F.batch_norm refuses it at the call (ValueError), NaN passing; here at once
            raise ValueError(f"{type(self).__name__}: eps must be non-negative, got {eps!r} (torch's batch_norm "
                             "refuses it too)")

    def _batch_statistics(self):
        """PyTorch's ``_BatchNorm`` rule: (use the batch's statistics?, the momentum, the running statistics to pass).

        The batch's in training, and in eval when the layer holds no running statistics; the running ones are
        passed in eval and when tracked in training, so a layer whose ``track_running_stats`` is switched off after
        construction keeps them unchanged in training and normalises by them in eval, as PyTorch's. Counts the batch.
        """
        momentum = self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.data += 1
            if momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked.data)
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        passed = not self.training or self.track_running_stats
        stats = (self.running_mean, self.running_var) if passed else (None, None)
        return use_batch, 0.0 if momentum is None else momentum, stats

    def forward(self, x):
        name = type(self).__name__
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(x).__name__}")
        if x.ndim not in self._ndims or x.shape[1] != self.num_features:
            raise ValueError(f"{name}: input has shape {tuple(x.shape)} but expected "
                             + self._shapes.format(C=self.num_features))
        self._check_dtype(x)
        use_batch, momentum, stats = self._batch_statistics()
        return F.batch_norm(x, *stats, self.weight, self.bias, training=use_batch, momentum=momentum, eps=self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs, per channel C: see ``_BatchNorm``."""

    _shapes = "(N, {C}) or (N, {C}, L)"
    _ndims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) images per channel, over N, H and W: see ``_BatchNorm``."""

    _shapes = "(N, {C}, H, W)"
    _ndims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of (N, C, D, H, W) volumes per channel, over N, D, H and W: see ``_BatchNorm``."""

    _shapes = "(N, {C}, D, H, W)"
    _ndims = (5,)


class LayerNorm(Layer):
    """Layer normalisation over the trailing axes ``normalized_shape`` (Ba et al. 2016), as PyTorch's ``LayerNorm``.

    Each sample is normalised by its own mean and *biased* variance over those axes,
    ``y = (x - mean) / sqrt(var + eps) * weight + bias``, the same in training and eval
    (no running statistics). ``weight`` (ones) and ``bias`` (zeros) have shape
    ``normalized_shape``, as in PyTorch's state dict; ``elementwise_affine=False``
    keeps neither, ``bias=False`` only the weight.
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 device=None, dtype=None):
        super().__init__()
        self.normalized_shape = shape = int_shape("LayerNorm", "normalized_shape", normalized_shape)
        self.eps = float_argument("LayerNorm", "eps", eps)   # the norms' one rule: negative and NaN as torch's
        self.elementwise_affine = bool(elementwise_affine)
        xp = xp_for(normalize_device(device))
        dtype = floating_dtype("LayerNorm", dtype)
        self.weight = init.ones_(Parameter(xp.zeros(shape, dtype=dtype))) if elementwise_affine else None
        self.bias = Parameter(xp.zeros(shape, dtype=dtype)) if elementwise_affine and bias else None

    def reset_parameters(self):
        """``weight`` back to 1 and ``bias`` to 0, as at construction (PyTorch's)."""
        _reset_affine(self)

    def forward(self, x):
        check_layer_norm_input("LayerNorm", x, self.normalized_shape, self.weight, self.bias)
        return layer_norm_unchecked(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(Layer):
    """Group normalisation (Wu and He 2018) of (N, C, *) inputs, as PyTorch's ``GroupNorm``.

    The ``num_channels`` channels form ``num_groups`` groups of consecutive channels; each sample's group
    is normalised by its own mean and *biased* variance over its channels and positions, then scaled and
    shifted per channel: ``y = (x - mean) / sqrt(var + eps) * weight[c] + bias[c]``. No running
    statistics (the same in training and eval, a batch of one works). ``weight`` (ones) and ``bias``
    (zeros) have shape (num_channels,), as in PyTorch's state dict; ``affine=False`` keeps neither,
    ``bias=False`` (keyword-only, as in PyTorch) only the weight.
    A composition of ops (``F.group_norm``), so autograd gives every derivative.
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device=None, dtype=None, *, bias: bool = True):
        super().__init__()
        self.num_groups = positive_int("GroupNorm", "num_groups", num_groups)
        self.num_channels = positive_int("GroupNorm", "num_channels", num_channels)
        if self.num_channels % self.num_groups:
            raise ValueError(f"GroupNorm: num_channels={self.num_channels} must be divisible by "
                             f"num_groups={self.num_groups}")
        self.eps = float_argument("GroupNorm", "eps", eps)   # the norms' one rule: negative and NaN as torch's
        self.affine = bool(affine)
        xp = xp_for(normalize_device(device))
        dtype = floating_dtype("GroupNorm", dtype)
        if affine:
            self.weight = init.ones_(Parameter(xp.zeros(self.num_channels, dtype=dtype)))
            self.bias = Parameter(xp.zeros(self.num_channels, dtype=dtype)) if bias else None
        else:
            self.weight = self.bias = None

    def reset_parameters(self):
        """``weight`` back to 1 and ``bias`` to 0, as at construction (PyTorch's)."""
        _reset_affine(self)

    def forward(self, x):
        if isinstance(x, Tensor) and (x.ndim < 2 or x.shape[1] != self.num_channels):
            raise ValueError(f"GroupNorm: input has shape {tuple(x.shape)} but expected (N, {self.num_channels}, *)")
        check_group_norm_input("GroupNorm", x, self.num_groups, self.weight, self.bias)
        return group_norm_unchecked(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, bias={self.bias is not None}"


class RMSNorm(Layer):
    """Root-mean-square normalisation over the trailing axes ``normalized_shape``, as PyTorch's ``RMSNorm``:
    ``y = x / sqrt(mean(x^2) + eps) * weight``; ``eps=None`` is the machine epsilon of the input's dtype.
    ``weight`` (ones, shape ``normalized_shape``) is the state dict; ``elementwise_affine=False`` keeps none.
    """

    def __init__(self, normalized_shape, eps: float | None = None, elementwise_affine: bool = True, device=None,
                 dtype=None):
        super().__init__()
        self.normalized_shape = shape = int_shape("RMSNorm", "normalized_shape", normalized_shape)
        self.eps = None if eps is None else float_argument("RMSNorm", "eps", eps)   # None: the dtype's epsilon
        self.elementwise_affine = bool(elementwise_affine)
        xp = xp_for(normalize_device(device))
        dtype = floating_dtype("RMSNorm", dtype)
        self.weight = init.ones_(Parameter(xp.zeros(shape, dtype=dtype))) if elementwise_affine else None

    def reset_parameters(self):
        """``weight`` back to 1 and ``bias`` to 0, as at construction (PyTorch's)."""
        _reset_affine(self)

    def forward(self, x):
        check_layer_norm_input("RMSNorm", x, self.normalized_shape, self.weight, None)
        return rms_norm_unchecked(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class LocalResponseNorm(Layer):
    """``F.local_response_norm`` across the channels of (N, C, *) inputs, with fixed ``size``, ``alpha``, ``beta``
    and ``k``; no parameters. ``size`` is checked here, at construction (PyTorch's layer takes 0 and fails later).
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size = positive_int("LocalResponseNorm", "size", size)
        self.alpha, self.beta = number("LocalResponseNorm", "alpha", alpha), number("LocalResponseNorm", "beta", beta)
        self.k = number("LocalResponseNorm", "k", k)

    def forward(self, x):
        return F.local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


def _cross_map_windows(size, channels):
    """PyTorch's CrossMapLRN2d sums x_j^2 over a channel window it slides one channel at a time (add the channel
    entering, drop the one leaving); it never drops channel 0, so from channel (size + 1) // 2 + 2 on, channel 0
    stays in every window beside the size channels around c. Row c of the returned 0/1 matrix holds c's window,
    replayed from that loop so that the values are PyTorch's."""
    pre_pad = int((size - 1) / 2 + 1)
    windows = np.zeros((channels, channels))
    windows[0, :min(pre_pad, channels)] = 1
    for c in range(1, channels):
        windows[c] = windows[c - 1]
        if c < channels - pre_pad + 1:
            windows[c, c + pre_pad - 1] += 1
        if c > pre_pad:
            windows[c, c - pre_pad] -= 1
    return windows


class CrossMapLRN2d(Layer):
    """``torch.nn.CrossMapLRN2d``: the legacy (Lua Torch) local response norm of (N, C, H, W) inputs,
    ``y_c = x_c (k + alpha / size * sum of x_j^2 over c's window)^-beta``. Its window is PyTorch's, which differs
    from ``LocalResponseNorm``'s once C > (size + 1) // 2 + 1 (see ``_cross_map_windows``); the gradient is the
    exact one of that forward (PyTorch's hand-written backward is not: its gradcheck fails), no parameters."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1):
        super().__init__()
        self.size = positive_int("CrossMapLRN2d", "size", size)
        self.alpha, self.beta = number("CrossMapLRN2d", "alpha", alpha), number("CrossMapLRN2d", "beta", beta)
        # an integer k stays one, as PyTorch keeps it (its repr shows the default as k=1)
        self.k = int(k) if is_integer(k) else number("CrossMapLRN2d", "k", k)

    def forward(self, x):
        if not isinstance(x, Tensor) or x.ndim != 4:
            raise ValueError(f"CrossMapLRN2d: expected a 4-D (N, C, H, W) input, got "
                             f"{f'shape {tuple(x.shape)}' if isinstance(x, Tensor) else type(x).__name__}")
        if not np.issubdtype(np.dtype(x.dtype), np.floating):
            raise TypeError(f"CrossMapLRN2d: expected a floating input, got dtype {x.dtype}")
        xp = xp_for(x.device)
        windows = Tensor(xp.asarray(_cross_map_windows(self.size, x.shape[1]).T, dtype=x.dtype))
        sums = ((x * x).transpose(0, 2, 3, 1) @ windows).transpose(0, 3, 1, 2)
        return x * (sums * (self.alpha / self.size) + self.k) ** -self.beta

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
