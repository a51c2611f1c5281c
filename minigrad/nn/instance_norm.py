"""``InstanceNorm1d``, ``InstanceNorm2d`` and ``InstanceNorm3d``: instance normalisation layers, as PyTorch's
(``affine`` and
``track_running_stats`` off by default; ``weight``, ``bias``, ``running_mean``, ``running_var`` and
``num_batches_tracked`` in the state dict when on)."""
from __future__ import annotations

import warnings

from minigrad.autograd.tensor import Tensor
from minigrad.nn import functional as F
from minigrad.nn.normalization import _NormBase


class _InstanceNorm(_NormBase):
    """Each sample's channel normalised over its spatial axes: ``F.instance_norm`` with the layer's statistics.

    Training (or ``track_running_stats=False``): the instance's own statistics, the running ones (when tracked)
    moving towards their batch average; eval with ``track_running_stats``: the running statistics. Unbatched
    input (one rank fewer) runs as a batch of one. ``momentum=None`` is 0 here, as in PyTorch's InstanceNorm
    (no cumulative average), and ``num_batches_tracked`` stays 0, as there.
    """

    _ranks = ()   # (unbatched rank, batched rank)

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = False,
                 track_running_stats: bool = False, device=None, dtype=None, *, bias: bool = True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias)

    def forward(self, x):
        name = type(self).__name__
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(x).__name__}")
        unbatched, batched = self._ranks
        if x.ndim not in self._ranks:
            raise ValueError(f"{name}: expected a {unbatched}-D (unbatched) or {batched}-D input, got shape "
                             f"{tuple(x.shape)}")
        axis = x.ndim - unbatched   # the channel axis
        if x.shape[axis] != self.num_features:
            if self.affine or self.track_running_stats:
                raise ValueError(f"{name}: input of shape {tuple(x.shape)} has {x.shape[axis]} channels at "
                                 f"axis {axis}, expected num_features={self.num_features}")
            warnings.warn(f"{name}: input's size at axis {axis} ({x.shape[axis]}) does not match num_features "
                          f"({self.num_features}), which is not used because affine=False", UserWarning, stacklevel=2)
        self._check_dtype(x)
        batch = x.reshape(1, *x.shape) if x.ndim == unbatched else x
        y = F.instance_norm(batch, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training or not self.track_running_stats,
                            0.0 if self.momentum is None else self.momentum, self.eps)
        return y.reshape(*x.shape) if x.ndim == unbatched else y


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of (N, C, L) or unbatched (C, L) inputs."""

    _ranks = (2, 3)


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of (N, C, H, W) or unbatched (C, H, W) inputs."""

    _ranks = (3, 4)


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of (N, C, D, H, W) or unbatched (C, D, H, W) inputs."""

    _ranks = (4, 5)
