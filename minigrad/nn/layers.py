"""The standard layers: Linear, activations, Dropout, BatchNorm1d, Flatten, Identity.

Each layer holds its parameters and calls ``minigrad.nn.functional`` in
``forward``; the backward pass comes from autograd through the ops used.
"""
from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.tensor import Tensor
from minigrad.backend import DEFAULT_FLOAT, normalize_device, xp_for
from minigrad.nn import functional as F
from minigrad.nn.fused import Affine, AffineReLU
from minigrad.nn import init
from minigrad.nn.layer import Layer, Parameter


def _empty_parameter(shape, dtype, device):
    xp = xp_for(normalize_device(device))
    return Parameter(xp.zeros(shape, dtype=np.dtype(dtype)))


def _check_input(layer, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{type(layer).__name__}: input must be a Tensor, got {type(x).__name__}")


class Linear(Layer):
    """Fully connected layer ``y = x @ W + b`` with ``W`` of shape (in_features, out_features).

    Default initialisation: He (Kaiming) uniform for the weight,
    ``U(-b, b)`` with ``b = sqrt(6 / in_features)``, which keeps the activation
    variance constant through ReLU layers (the common case); zeros for the bias
    (symmetry is already broken by the weights). Re-initialise with
    ``minigrad.nn.init`` for other activations, e.g. ``xavier_uniform_`` for tanh.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype=DEFAULT_FLOAT, device=None):
        super().__init__()
        if in_features < 1 or out_features < 1:
            raise ValueError(
                f"Linear: in_features and out_features must be positive, got {in_features} and {out_features}"
            )
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        self.weight = _empty_parameter((in_features, out_features), dtype, device)
        self.bias = _empty_parameter((out_features,), dtype, device) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """He-uniform weight, zero bias (see the class docstring)."""
        init.kaiming_uniform_(self.weight, nonlinearity="relu")
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, x: Tensor) -> Tensor:
        return self._apply(Affine, x)

    def forward_relu(self, x: Tensor) -> Tensor:
        """``relu(self(x))`` as one fused node; ``Network`` calls it for a Linear followed by a ReLU."""
        return self._apply(AffineReLU, x)

    def _apply(self, op, x):
        # One cheap test on the hot path; the precise error is worked out only on failure.
        if (not isinstance(x, Tensor) or x.data.shape[-1:] != (self.in_features,)
                or x.data.dtype != self.weight.data.dtype):
            self._reject(x)
        # F.linear without its argument checks: this layer's weight and bias always fit each other.
        if self.bias is None:
            return op.apply(x, self.weight)
        return op.apply(x, self.weight, self.bias)

    def _reject(self, x):
        _check_input(self, x)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"Linear: input has shape {tuple(x.shape)} but in_features={self.in_features}"
            )
        raise TypeError(
            f"Linear: input dtype {x.dtype} does not match weight dtype {self.weight.dtype}; "
            f"convert with x.astype({self.weight.dtype.name!r})"
        )

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class ReLU(Layer):
    """``max(x, 0)``."""

    def forward(self, x):
        return F.relu(x)


class LeakyReLU(Layer):
    """``x`` for x > 0, ``negative_slope * x`` otherwise."""

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Tanh(Layer):
    """Hyperbolic tangent."""

    def forward(self, x):
        return F.tanh(x)


class Sigmoid(Layer):
    """Logistic sigmoid."""

    def forward(self, x):
        return F.sigmoid(x)


class Softmax(Layer):
    """Softmax along ``axis``."""

    def __init__(self, axis: int = -1):
        super().__init__()
        self.axis = axis

    def forward(self, x):
        return F.softmax(x, self.axis)

    def extra_repr(self):
        return f"axis={self.axis}"


class LogSoftmax(Layer):
    """Log-softmax along ``axis`` (pair with ``NLLLoss``)."""

    def __init__(self, axis: int = -1):
        super().__init__()
        self.axis = axis

    def forward(self, x):
        return F.log_softmax(x, self.axis)

    def extra_repr(self):
        return f"axis={self.axis}"


class Dropout(Layer):
    """Inverted dropout with drop probability ``p`` while training; the identity in eval mode."""

    def __init__(self, p: float = 0.5):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x):
        return F.dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"


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
            self.weight = init.ones_(_empty_parameter((num_features,), dtype, device))
            self.bias = _empty_parameter((num_features,), dtype, device)
        else:
            self.weight = None
            self.bias = None
        xp = xp_for(normalize_device(device))
        self.register_buffer("running_mean", Tensor(xp.zeros(num_features, dtype=np.dtype(dtype))))
        self.register_buffer("running_var", Tensor(xp.ones(num_features, dtype=np.dtype(dtype))))

    def forward(self, x):
        _check_input(self, x)
        if x.ndim not in (2, 3) or x.shape[1] != self.num_features:
            raise ValueError(
                f"BatchNorm1d: input has shape {tuple(x.shape)} but expected (N, {self.num_features}) "
                f"or (N, {self.num_features}, L)"
            )
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            training=self.training, momentum=self.momentum, eps=self.eps)

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}"


class Flatten(Layer):
    """Reshape (N, d1, d2, ...) to (N, d1 * d2 * ...), e.g. 28x28 images to 784-vectors."""

    def forward(self, x):
        _check_input(self, x)
        if x.ndim < 1:
            raise ValueError(f"Flatten: input must have a batch axis, got shape {tuple(x.shape)}")
        return x.reshape(x.shape[0], math.prod(x.shape[1:]))


class Identity(Layer):
    """Returns its input unchanged (a placeholder, e.g. to switch a layer off)."""

    def forward(self, x):
        return x
