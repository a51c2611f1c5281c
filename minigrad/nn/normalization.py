"""``BatchNorm1d`` and ``BatchNorm2d``: batch normalisation with running statistics kept as buffers."""
from __future__ import annotations

import numpy as np

from minigrad.autograd.tensor import Tensor
from minigrad.backend import DEFAULT_FLOAT, normalize_device, xp_for
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.nn.layer import Layer, Parameter, check_tensor_input, new_parameter


class BatchNorm1d(Layer):
    """Batch normalisation (Ioffe and Szegedy 2015) of (N, C) or (N, C, L) inputs, per channel C.

    Training: normalise with batch statistics (biased variance) and update
    ``running_mean`` / ``running_var`` (unbiased variance) with ``momentum``.
    Eval: normalise with the running statistics. With ``affine`` a learned scale
    ``weight`` (init 1) and shift ``bias`` (init 0) follow.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = True,
                 dtype=DEFAULT_FLOAT, device=None):
        super().__init__()
        if num_features < 1:
            raise ValueError(f"BatchNorm1d: num_features must be positive, got {num_features}")
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"BatchNorm1d: momentum must be in [0, 1], got {momentum}")
        self.num_features = int(num_features)
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        if affine:
            self.weight = init.ones_(new_parameter((num_features,), dtype, device))
            self.bias = new_parameter((num_features,), dtype, device)
        else:
            self.weight = None
            self.bias = None
        xp = xp_for(normalize_device(device))
        self.register_buffer("running_mean", Tensor(xp.zeros(num_features, dtype=np.dtype(dtype))))
        self.register_buffer("running_var", Tensor(xp.ones(num_features, dtype=np.dtype(dtype))))

    def forward(self, x):
        check_tensor_input(self, x)
        if x.ndim not in (2, 3) or x.shape[1] != self.num_features:
            raise ValueError(
                f"BatchNorm1d: input has shape {tuple(x.shape)} but expected (N, {self.num_features}) "
                f"or (N, {self.num_features}, L)"
            )
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            training=self.training, momentum=self.momentum, eps=self.eps)

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}"


class BatchNorm2d(Layer):
    """Batch normalisation of (N, C, H, W) images per channel, over N, H and W (Ioffe and Szegedy 2015).

    Training: ``y = (x - mean) / sqrt(var + eps) * weight + bias`` with the batch mean and *biased*
    variance of each channel; the running statistics then move towards the batch's:
    ``running = (1 - momentum) running + momentum batch`` (unbiased variance), or, with
    ``momentum=None``, to the cumulative average over ``num_batches_tracked`` batches.
    Eval: the running statistics replace the batch's (unless ``track_running_stats=False``,
    where batch statistics are always used and no running statistics exist).
    ``weight`` starts at 1, ``bias`` at 0; the buffers are ``running_mean`` (0),
    ``running_var`` (1) and ``num_batches_tracked`` (0), as in PyTorch's state dict.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=DEFAULT_FLOAT):
        super().__init__()
        if not isinstance(num_features, int) or num_features < 1:
            raise ValueError(f"BatchNorm2d: num_features must be a positive integer, got {num_features!r}")
        if momentum is not None and not 0.0 <= momentum <= 1.0:
            raise ValueError(f"BatchNorm2d: momentum must be in [0, 1] or None, got {momentum}")
        if not eps > 0:
            raise ValueError(f"BatchNorm2d: eps must be positive, got {eps}")
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        xp = xp_for(normalize_device(device))
        dtype = np.dtype(dtype)
        if affine:
            self.weight = init.ones_(Parameter(xp.zeros(num_features, dtype=dtype)))
            self.bias = Parameter(xp.zeros(num_features, dtype=dtype))
        else:
            self.weight = self.bias = None
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(xp.zeros(num_features, dtype=dtype)))
            self.register_buffer("running_var", Tensor(xp.ones(num_features, dtype=dtype)))
            self.register_buffer("num_batches_tracked", Tensor(xp.zeros((), dtype=np.int64)))
        else:
            self.running_mean = self.running_var = self.num_batches_tracked = None

    def forward(self, x):
        if not isinstance(x, Tensor):
            raise TypeError(f"BatchNorm2d: input must be a Tensor, got {type(x).__name__}")
        if x.ndim != 4 or x.shape[1] != self.num_features:
            raise ValueError(f"BatchNorm2d: expected input (N, {self.num_features}, H, W), got shape {tuple(x.shape)}")
        use_batch = self.training or not self.track_running_stats
        momentum = self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data += 1
            if momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked.data)
        stats = (self.running_mean, self.running_var) if self.track_running_stats and (
            self.training or not use_batch) else (None, None)
        return F.batch_norm(x, *stats, self.weight, self.bias, training=use_batch,
                            momentum=0.0 if momentum is None else momentum, eps=self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")
