"""The activation layers: ReLU, LeakyReLU, Tanh, Sigmoid, SiLU, ELU, GELU, Softplus, Mish, Hardtanh, ReLU6, PReLU,
Softmax, LogSoftmax, and LogSigmoid, Softsign, Softmin, SELU, CELU, GLU, Hardswish, Hardsigmoid, Hardshrink,
Softshrink, Tanhshrink, Threshold, RReLU, Softmax2d."""
from __future__ import annotations

import numpy as np

from minigrad.nn import functional as F
from minigrad.backend import cuda_available
from minigrad.nn.arguments import floating_dtype, integer, inplace_flag, number, one_of, positive_int, real_number
from minigrad.ops.softmax import LAST_AXIS, softmax_axis
from minigrad.nn.layer import Layer, check_tensor_input, new_parameter
from minigrad.ops.activations import GELU_APPROXIMATIONS, require_erf


def _with_inplace(layer, text=""):
    """``text`` and, when set, ``inplace=True``: how PyTorch prints the layers that take ``inplace``."""
    return ", ".join(t for t in (text, "inplace=True" if layer.inplace else "") if t)


class ReLU(Layer):
    """``max(x, 0)``. Inside a ``Network``, a ReLU right after a ``Linear`` runs fused into it (``AffineReLU``)."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace_flag("ReLU", inplace)

    def forward(self, x):
        return F.relu(x, inplace=self.inplace)

    def extra_repr(self):
        return _with_inplace(self)


class LeakyReLU(Layer):
    """``x`` for x > 0, ``negative_slope * x`` otherwise."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        self.negative_slope = real_number("LeakyReLU", "negative_slope", negative_slope)   # +-inf and NaN, as torch
        self.inplace = inplace_flag("LeakyReLU", inplace)

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope, inplace=self.inplace)

    def extra_repr(self):
        return _with_inplace(self, f"negative_slope={self.negative_slope}")


class Tanh(Layer):
    """Hyperbolic tangent."""

    def forward(self, x):
        return F.tanh(x)


class Sigmoid(Layer):
    """Logistic sigmoid."""

    def forward(self, x):
        return F.sigmoid(x)


class SiLU(Layer):
    """``x * sigmoid(x)`` (SiLU, or swish). ``inplace=True`` writes the result into ``x``."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace_flag("SiLU", inplace)

    def forward(self, x):
        return F.silu(x, inplace=self.inplace)

    def extra_repr(self):
        return _with_inplace(self)


class ELU(Layer):
    """``x`` for x > 0, ``alpha * (exp(x) - 1)`` otherwise (Clevert et al. 2016)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha = real_number("ELU", "alpha", alpha)
        self.inplace = inplace_flag("ELU", inplace)

    def forward(self, x):
        return F.elu(x, self.alpha, inplace=self.inplace)

    def extra_repr(self):
        return _with_inplace(self, f"alpha={self.alpha}")


class GELU(Layer):
    """``x * Phi(x)``, Phi the standard normal CDF (Hendrycks and Gimpel 2016); ``approximate="tanh"`` for
    PyTorch's tanh formula. The exact form needs erf, from SciPy on the CPU (``pip install "minigrad[scipy]"``):
    without it (and without a GPU, where CuPy has its own) the constructor says so at once."""

    def __init__(self, approximate: str = "none"):
        super().__init__()
        self.approximate = one_of("GELU", "approximate", approximate, GELU_APPROXIMATIONS)
        if approximate == "none":
            try:
                require_erf("GELU", np)
            except ImportError:
                if not cuda_available():
                    raise

    def forward(self, x):
        return F.gelu(x, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softplus(Layer):
    """``log(1 + exp(beta x)) / beta``, and ``x`` itself where ``beta x > threshold`` (PyTorch's linear region)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta = real_number("Softplus", "beta", beta)   # 0 too, as torch's: ln 2 / 0 = inf
        self.threshold = real_number("Softplus", "threshold", threshold)

    def forward(self, x):
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Mish(Layer):
    """``x * tanh(softplus(x))`` (Misra 2019)."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace_flag("Mish", inplace)

    def forward(self, x):
        return F.mish(x, inplace=self.inplace)

    def extra_repr(self):
        return _with_inplace(self)


class Hardtanh(Layer):
    """``x`` limited to ``[min_val, max_val]`` (min_val < max_val); derivative 1 strictly inside, else 0."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
        super().__init__()
        name = type(self).__name__
        self.min_val, self.max_val = real_number(name, "min_val", min_val), real_number(name, "max_val", max_val)
        if self.max_val <= self.min_val:   # a NaN bound passes, as torch's (every value becomes NaN)
            raise ValueError(f"{name}: max_val ({max_val}) must be greater than min_val ({min_val})")
        self.inplace = inplace_flag(name, inplace)

    def forward(self, x):
        return F.hardtanh(x, self.min_val, self.max_val, inplace=self.inplace)

    def extra_repr(self):
        return _with_inplace(self, f"min_val={self.min_val}, max_val={self.max_val}")


class ReLU6(Hardtanh):
    """``min(max(x, 0), 6)``: ``Hardtanh(0, 6)``, as PyTorch's."""

    def __init__(self, inplace: bool = False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return _with_inplace(self)


class PReLU(Layer):
    """``x`` where positive, ``weight * x`` elsewhere, the slopes learnt (He et al. 2015).

    ``weight`` has shape (num_parameters,), every slope starting at ``init``: one slope shared by all
    elements, or one per channel (axis 1 of the input), as PyTorch's layer and state dict. The count is
    ``weight.shape[0]``: ``num_parameters()`` is every layer's method counting its parameters' elements.
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None):
        super().__init__()
        count = positive_int("PReLU", "num_parameters", num_parameters)
        self.init = number("PReLU", "init", init)
        self.weight = new_parameter((count,), floating_dtype("PReLU", dtype), device)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every slope back to ``init``."""
        self.weight.data[...] = self.init

    def forward(self, x):
        check_tensor_input(self, x)
        return F.prelu(x, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.weight.shape[0]}"


class Softmax(Layer):
    """Softmax along ``axis`` (or ``dim``): one graph node (``F.softmax``),
    with ``dL/dx = y (g - sum(g y))``."""

    def __init__(self, axis: int = LAST_AXIS, *, dim: int | None = None):  # dim: PyTorch's name for axis
        super().__init__()
        self.axis = _layer_axis("Softmax", axis, dim)

    def forward(self, x):
        return F.softmax(x, self.axis)

    def extra_repr(self):
        return f"axis={self.axis}"


class LogSoftmax(Layer):
    """Log-softmax along ``axis`` (or ``dim``; pair with ``NLLLoss``): one graph
    node (``F.log_softmax``)."""

    def __init__(self, axis: int = LAST_AXIS, *, dim: int | None = None):  # dim: PyTorch's name for axis
        super().__init__()
        self.axis = _layer_axis("LogSoftmax", axis, dim)

    def forward(self, x):
        return F.log_softmax(x, self.axis)

    def extra_repr(self):
        return f"axis={self.axis}"


def _layer_axis(layer, axis, dim):
    """The axis a Softmax or LogSoftmax layer keeps: ``LAST_AXIS`` itself when neither ``axis`` nor ``dim``
    was given, so that F's function refuses to guess it for inputs of 3 or more dims."""
    axis = softmax_axis(layer, axis, dim)
    return axis if axis is LAST_AXIS else integer(layer, "axis" if dim is None else "dim", axis)


class LogSigmoid(Layer):
    """``log(sigmoid(x))``, stable for any |x| (``F.logsigmoid``)."""

    def forward(self, x):
        return F.logsigmoid(x)


class Softsign(Layer):
    """``x / (1 + |x|)``."""

    def forward(self, x):
        return F.softsign(x)


class Tanhshrink(Layer):
    """``x - tanh(x)``."""

    def forward(self, x):
        return F.tanhshrink(x)


class Softmin(Layer):
    """``softmax(-x)`` along ``dim`` (None: the last axis of a 1-D or 2-D input, as ``F.softmin``)."""

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = None if dim is None else integer("Softmin", "dim", dim)

    def forward(self, x):
        return F.softmin(x, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class SELU(Layer):
    """``scale * elu(x, alpha)`` with alpha = 1.6733, scale = 1.0507 (Klambauer et al. 2017). ``inplace=True`` is
    refused."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace_flag("SELU", inplace)

    def forward(self, x):
        return F.selu(x, inplace=self.inplace)

    def extra_repr(self):
        return _with_inplace(self)


class CELU(Layer):
    """``x`` for x > 0, ``alpha (exp(x / alpha) - 1)`` otherwise (Barron 2017); alpha must not be 0."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha = real_number("CELU", "alpha", alpha)   # 0 is refused by celu, as torch's forward refuses it
        self.inplace = inplace_flag("CELU", inplace)

    def forward(self, x):
        return F.celu(x, self.alpha, inplace=self.inplace)

    def extra_repr(self):
        return _with_inplace(self, f"alpha={self.alpha}")


class GLU(Layer):
    """Gated linear unit: ``a * sigmoid(b)``, a and b the halves of the input along ``dim`` (-1 by default)."""

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = integer("GLU", "dim", dim)

    def forward(self, x):
        return F.glu(x, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Hardswish(Layer):
    """``x relu6(x + 3) / 6`` (Howard et al. 2019), PyTorch's derivative at -3 (0) and 3 (1)."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace_flag("Hardswish", inplace)

    def forward(self, x):
        return F.hardswish(x, inplace=self.inplace)


class Hardsigmoid(Layer):
    """``relu6(x + 3) / 6``; derivative 1/6 strictly inside (-3, 3), else 0."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace_flag("Hardsigmoid", inplace)

    def forward(self, x):
        return F.hardsigmoid(x, inplace=self.inplace)


class Hardshrink(Layer):
    """``x`` where ``|x| > lambd``, else 0."""

    def __init__(self, lambd: float = 0.5):
        super().__init__()
        self.lambd = real_number("Hardshrink", "lambd", lambd)

    def forward(self, x):
        return F.hardshrink(x, self.lambd)

    def extra_repr(self):
        return f"{self.lambd}"


class Softshrink(Layer):
    """``x - lambd`` above lambd, ``x + lambd`` below -lambd, else 0 (``lambd >= 0``)."""

    def __init__(self, lambd: float = 0.5):
        super().__init__()
        self.lambd = real_number("Softshrink", "lambd", lambd)   # softshrink refuses NaN, inf and < 0, as torch's

    def forward(self, x):
        return F.softshrink(x, self.lambd)

    def extra_repr(self):
        return f"{self.lambd}"


class Threshold(Layer):
    """``x`` where ``x > threshold``, else ``value``."""

    def __init__(self, threshold: float, value: float, inplace: bool = False):
        super().__init__()
        self.threshold = real_number("Threshold", "threshold", threshold)
        self.value = real_number("Threshold", "value", value)
        self.inplace = inplace_flag("Threshold", inplace)

    def forward(self, x):
        return F.threshold(x, self.threshold, self.value, inplace=self.inplace)

    def extra_repr(self):
        return _with_inplace(self, f"threshold={self.threshold}, value={self.value}")


class RReLU(Layer):
    """Randomized leaky ReLU (Xu et al. 2015): in training each element at or below 0 gets its own slope drawn
    uniformly from [lower, upper) by minigrad's seeded generator; in eval the slope is ``(lower + upper) / 2``.
    PyTorch checks ``lower <= upper`` only at the call; so does this layer (``F.rrelu``). A Python bool bound is kept
    as torch keeps it: ``RReLU(True, True)``'s eval slope is torch's 0.5 (its bool Scalars add as True + True = True).
    """

    def __init__(self, lower: float = F.activation.RRELU_LOWER, upper: float = F.activation.RRELU_UPPER,
                 inplace: bool = False):
        super().__init__()
        self.lower, self.upper = F.activation.rrelu_bound("RReLU", "lower", lower), F.activation.rrelu_bound(
            "RReLU", "upper", upper)   # a Python bool kept, as torch's: RReLU(True, True)'s eval slope is 0.5
        self.inplace = inplace_flag("RReLU", inplace)

    def forward(self, x):
        return F.rrelu(x, self.lower, self.upper, self.training, inplace=self.inplace)

    def extra_repr(self):
        return _with_inplace(self, f"lower={self.lower}, upper={self.upper}")


class Softmax2d(Layer):
    """Softmax over the channels (axis -3) of a (C, H, W) or (N, C, H, W) input."""

    def forward(self, x):
        check_tensor_input(self, x)
        if x.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected a 3-D or 4-D input, got shape {tuple(x.shape)} ({x.ndim}-D)")
        return F.softmax(x, -3)
