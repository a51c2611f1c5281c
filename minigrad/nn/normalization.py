"""``BatchNorm1d``: batch normalisation with running statistics kept as buffers."""
from __future__ import annotations

import numpy as np

from minigrad.autograd.tensor import Tensor
from minigrad.backend import DEFAULT_FLOAT, normalize_device, xp_for
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.nn.layer import Layer, check_tensor_input, new_parameter


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
