"""Elementwise activations as functions: ``relu``, ``leaky_relu``, ``sigmoid``, ``tanh``, ``silu``, ``elu``,
``gelu``, ``softplus``, ``mish``, ``hardtanh``, ``relu6``, ``logsigmoid``, ``selu``, ``celu``, ``hardswish``,
``hardsigmoid``, ``hardshrink``, ``softshrink``, ``threshold`` (each one minigrad op), ``prelu``, ``softsign``,
``tanhshrink``, ``rrelu``, ``glu`` and ``softmin`` (composed), with PyTorch's arguments (the first one named
``input``, as PyTorch's, so ``F.relu(input=h)`` runs; the formulas call it ``x``).

``softmax`` and ``log_softmax`` are ops, in ``minigrad/ops/softmax.py``.
"""
from __future__ import annotations

import math

from minigrad import ops
from minigrad.ops import activations_torch as _more
from minigrad.ops._args import as_floating, refuse_complex
from minigrad.ops.softmax import LAST_AXIS, cast_to_dtype
from minigrad.random import uniform_on
from minigrad.autograd.tensor import Tensor
from minigrad.nn.functional.in_place import in_place_option, in_place_variant
from minigrad.nn.arguments import flag, integer, number, one_of, real_number
from minigrad.ops.activations import hardtanh as _hardtanh
from minigrad.ops.activations import mish as _mish
from minigrad.ops.activations import GELU_APPROXIMATIONS
from minigrad.ops.activations import elu as _elu
from minigrad.ops.activations import gelu as _gelu
from minigrad.ops.activations import silu as _silu
from minigrad.ops.functions import softplus as _softplus


@in_place_option("relu")
def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """Rectified linear unit, ``max(x, 0)``."""
    return ops.relu(input)


@in_place_option("leaky_relu")
def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x`` where positive, ``negative_slope * x`` elsewhere."""
    return ops.leaky_relu(input, negative_slope)


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """Logistic function ``1 / (1 + exp(-x))``."""
    return ops.sigmoid(input)


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    """Hyperbolic tangent."""
    return ops.tanh(input)


@in_place_option("silu")
def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x * sigmoid(x)`` (SiLU, or swish). ``inplace=True`` writes the result into ``input`` (``in_place.py``)."""
    return _silu(input)


@in_place_option("elu")
def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere."""
    return _elu(input, real_number("elu", "alpha", alpha))   # +-inf and NaN too, as torch's


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """``x * Phi(x)``, Phi the standard normal CDF; ``approximate="tanh"`` uses the tanh formula (no SciPy needed).

    The exact form needs erf: ``pip install "minigrad[scipy]"`` on the CPU (CuPy has its own on a GPU).
    """
    return _gelu(input, one_of("gelu", "approximate", approximate, GELU_APPROXIMATIONS))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """``log(1 + exp(beta x)) / beta``, and ``x`` itself where ``beta x > threshold``, as PyTorch's.

    One op, stable for any |x|. Derivative: ``sigmoid(beta x)``, 1 in the linear region.
    """
    # any real beta but 0 (+-inf and NaN too, as torch's) and any real threshold
    return _softplus(input, real_number("softplus", "beta", beta), real_number("softplus", "threshold", threshold))


@in_place_option("mish")
def mish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x * tanh(softplus(x))`` (Misra 2019), one op, stable for any |x|. Derivative: ``t + x sigmoid(x) (1 - t^2)`` with ``t = tanh(softplus(x))``."""
    return _mish(input)


@in_place_option("hardtanh")
def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x`` limited to ``[min_val, max_val]``; the derivative is 1 strictly inside and 0 at the bounds and
    beyond, as PyTorch's."""
    min_val, max_val = real_number("hardtanh", "min_val", min_val), real_number("hardtanh", "max_val", max_val)
    return _hardtanh(input, min_val, max_val)


@in_place_option("relu6")
def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``min(max(x, 0), 6)``: ``hardtanh(x, 0, 6)``, with its derivative (0 at 0 and at 6, as PyTorch's)."""
    return _hardtanh(input, 0.0, 6.0)


def prelu(input: Tensor, weight: Tensor) -> Tensor:  # noqa: A002
    """``x`` where positive, ``weight * x`` elsewhere, with one learnable slope per channel (axis 1) or one for all.

    Shapes: x -> x; ``weight`` (1,) or (C,) with C = x.shape[1] (1 when x has fewer than 2 axes), broadcast
    over axis 1, as PyTorch's. Derivatives: ``dL/dx = g`` where x > 0, else ``g weight``;
    ``dL/dweight = sum of g x`` over the elements at or below 0 of each channel. Composed of ops, so higher
    derivatives follow.
    """
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        bad = "input" if not isinstance(input, Tensor) else "weight"
        raise TypeError(f"prelu: {bad} must be a Tensor, got {type(input if bad == 'input' else weight).__name__}")
    refuse_complex("prelu", input, weight)   # it compares x with 0 (torch refuses complex too)
    channels = input.shape[1] if input.ndim >= 2 else 1
    if weight.ndim > 1 or weight.size not in (1, channels):
        raise ValueError(f"prelu: weight of shape {tuple(weight.shape)} must hold 1 slope or one per channel "
                         f"(axis 1 of the input of shape {tuple(input.shape)}: {channels})")
    if weight.dtype != input.dtype:
        raise TypeError(f"prelu: input dtype {input.dtype} does not match the weight's dtype {weight.dtype}")
    if weight.device != input.device:
        raise ValueError(f"prelu: input is on {input.device} but the weight is on {weight.device}")
    if weight.size == 1:
        slope = ops.reshape(weight, ())
    else:
        slope = ops.reshape(weight, (channels,) + (1,) * (input.ndim - 2))
    positive = input > 0
    # the slope multiplies the input only where it is at or below 0: slope * input over every element would send
    # 0 * x to the slope's gradient from the positive ones, NaN at x = +inf where torch's slope gradient is finite
    return ops.where(positive, input, slope * ops.where(positive, 0.0, input))


def logsigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """``log(sigmoid(x)) = -log(1 + exp(-x))``, one op, stable for any |x| (``x`` itself far below 0, no overflow).
    Derivative: ``sigmoid(-x)``."""
    return _more.logsigmoid(_tensor("logsigmoid", input))


def softsign(input: Tensor) -> Tensor:  # noqa: A002
    """``x / (1 + |x|)``. Derivative ``1 / (1 + |x|)^2`` (1 at 0: the kink of ``|x|`` is multiplied by x = 0).

    A complex x is divided by the real ``1 + |x|`` cast to its dtype, as torch's (its values only: minigrad does
    not differentiate through complex values)."""
    input = _tensor("softsign", input, integers=True)
    denominator = ops.abs(input) + 1.0
    if input.dtype.kind == "c":   # |x| is real; div does not mix complex and real dtypes
        denominator = ops.astype(denominator, input.dtype)
    return input / denominator


def tanhshrink(input: Tensor) -> Tensor:  # noqa: A002
    """``x - tanh(x)``. Derivative ``tanh(x)^2``."""
    input = _tensor("tanhshrink", input, integers=True)
    return input - ops.tanh(input)


def softmin(input: Tensor, dim: int | None = None, *, dtype=None) -> Tensor:  # noqa: A002
    """``softmax(-x)`` along ``dim``. Without ``dim``, the last axis of a 1-D or 2-D input (PyTorch's implicit
    choice there); for 3 or more dims ``dim`` must be given (PyTorch would warn and guess axis 1 or 0)."""
    if dtype is not None and isinstance(input, Tensor) and input.dtype.kind == "i":
        input = cast_to_dtype("softmin", input, dtype, kinds="f")   # torch's -x then the cast: signed integers too
    input = cast_to_dtype("softmin", _tensor("softmin", input), dtype, kinds="f")
    if dim is None and input.ndim >= 3:
        raise TypeError(f"softmin: give the axis for an input of {input.ndim} dims (shape {tuple(input.shape)}): PyTorch's "
                        f"implicit dim would be {0 if input.ndim == 3 else 1}, not the last axis; write dim=")
    return ops.softmax(-input, LAST_AXIS if dim is None else integer("softmin", "dim", dim))


@in_place_option("selu")
def selu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``scale * (x if x > 0 else alpha (exp(x) - 1))`` with alpha = 1.6733, scale = 1.0507 (Klambauer et al.
    2017), one op. Derivative ``scale`` for x > 0, else ``scale alpha exp(x)`` (at 0 too, as PyTorch's).
   """
    return _more.selu(_tensor("selu", input))


@in_place_option("celu")
def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x`` where positive, ``alpha (exp(x / alpha) - 1)`` elsewhere (Barron 2017), one op; alpha must not be 0.
    Derivative 1 for x > 0, else ``exp(x / alpha)``."""
    return _more.celu(_tensor("celu", input), real_number("celu", "alpha", alpha))


@in_place_option("hardswish")
def hardswish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x relu6(x + 3) / 6`` (Howard et al. 2019), one op. Derivative 0 for x <= -3, ``x / 3 + 1/2`` strictly
    between, 1 for x >= 3 (PyTorch's values at the kinks)."""
    return _more.hardswish(_tensor("hardswish", input))


@in_place_option("hardsigmoid")
def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``relu6(x + 3) / 6``, one op. Derivative 1/6 strictly inside (-3, 3), else 0."""
    return _more.hardsigmoid(_tensor("hardsigmoid", input))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """``x`` where ``|x| > lambd``, else 0, one op. Derivative 1 where ``|x| > lambd``, else 0 (at ``|x| = lambd``
    too)."""
    return _more.shrink(_tensor("hardshrink", input), real_number("hardshrink", "lambd", lambd), 0.0)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0, one op; ``lambd >= 0``. Derivative
    as ``hardshrink``'s."""
    input, lambd = _tensor("softshrink", input), real_number("softshrink", "lambd", lambd)
    if not 0 <= lambd < math.inf:   # torch's own range check, its one refusal among these ops' NaN arguments
        raise RuntimeError(f"softshrink: lambd={lambd!r} must be in the range [0, the largest {input.dtype}] (NaN "
                           "and inf are refused, as torch's)")
    return _more.shrink(input, lambd, lambd, "softshrink")


@in_place_option("threshold")
def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:  # noqa: F811, A002
    """``value`` where ``x <= threshold``, else ``x`` (NaN stays NaN, as in PyTorch), one op. Derivative 0 where
    ``x <= threshold``, else 1."""
    threshold_ = real_number("threshold", "threshold", threshold)   # NaN too: nothing is <= NaN, as torch's
    value = real_number("threshold", "value", value)
    input = input if isinstance(input, Tensor) else _tensor("threshold", input)
    refuse_complex("threshold", input)
    # a bool input's; an integer one refuses NaN and inf in check_scalar_arg (RuntimeError, as torch's)
    if input.dtype.kind == "b" and not math.isfinite(value):
        raise ValueError(f"threshold: value {value} cannot be written into an input of dtype {input.dtype}")
    return _more.threshold(input, threshold_, value)


RRELU_LOWER, RRELU_UPPER = 1.0 / 8.0, 1.0 / 3.0


def rrelu_bound(who, name, value):
    """An rrelu bound as torch keeps it: a Python bool as the bool (its Boolean Scalar, which ``rrelu`` adds as
    torch does), any other real number (a NumPy bool too, torch's float 1.0 or 0.0) as a float (``number``)."""
    return value if value.__class__ is bool else number(who, name, value)


@in_place_option("rrelu")
def rrelu(input: Tensor, lower: float = RRELU_LOWER, upper: float = RRELU_UPPER, training: bool = False,  # noqa: A002
          inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU (Xu et al. 2015): ``x`` where positive, else ``a x``.

    Training: each element's slope ``a`` drawn uniformly from [lower, upper) by minigrad's seeded generator
    (``minigrad.manual_seed``), in x's dtype and on its device; the derivative is ``a`` at and below 0.
    Eval: ``a = (lower + upper) / 2`` everywhere, ``leaky_relu``. ``lower <= upper``, as PyTorch checks.
    A bool bound is 1 or 0; but torch adds two Python bools as its bool Scalars (``True + True`` is ``True``), so
    ``rrelu(x, True, True)``'s eval slope is 0.5 in torch and here (``rrelu_bound``).
    """
    lower, upper = rrelu_bound("rrelu", "lower", lower), rrelu_bound("rrelu", "upper", upper)
    if lower > upper:
        raise ValueError(f"rrelu: lower ({lower}) must be less than or equal to upper ({upper})")
    training = flag("rrelu", "training", training)
    input = _tensor("rrelu", input)
    if not training:   # two bools' torch sum is their logical or: upper, as lower <= upper
        both_bools = lower.__class__ is bool and upper.__class__ is bool
        return ops.leaky_relu(input, (upper if both_bools else lower + upper) / 2)
    u = uniform_on(input.device, input.shape, input.dtype)
    slope = u * input.dtype.type(upper - lower) + input.dtype.type(lower)
    return ops.where(input > 0, input, input * Tensor(slope))


def glu(input: Tensor, dim: int = -1) -> Tensor:  # noqa: A002
    """Gated linear unit (Dauphin et al. 2017): ``a * sigmoid(b)``, ``a`` and ``b`` the two halves of x along
    ``dim`` (whose size must be even). Shapes: (..., 2n, ...) -> (..., n, ...). Composed of ops."""
    input = _tensor("glu", input)
    if input.ndim == 0:
        raise ValueError("glu: a 0-d input has no dimension to halve")
    axis = integer("glu", "dim", dim)
    if not -input.ndim <= axis < input.ndim:
        raise IndexError(f"glu: dim {dim} is out of range for an input of {input.ndim} dims (shape {tuple(input.shape)})")
    size = input.shape[axis]
    if size % 2:
        raise ValueError(f"glu: dimension {axis % input.ndim} of the input of shape {tuple(input.shape)} has size {size}, "
                         "which must be even to halve")
    a, b = ops.split(input, 2, axis=axis)
    return a * ops.sigmoid(b)


def _tensor(who, x, integers=False) -> Tensor:
    """``x`` as a floating Tensor, or one TypeError naming ``who``: PyTorch refuses integer input to these ops
    (its compositions, ``integers=True``, take it and give float32)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}: input must be a Tensor, got {type(x).__name__}")
    if integers:
        return as_floating(x)
    if x.dtype.kind != "f":
        raise TypeError(f"{who}: input must be floating point, got dtype {x.dtype} (shape {tuple(x.shape)})")
    return x


# torch.nn.functional's in-place spellings
relu_, elu_, leaky_relu_, hardtanh_, threshold_, selu_, celu_, rrelu_ = (
    in_place_variant(fn) for fn in (relu, elu, leaky_relu, hardtanh, threshold, selu, celu, rrelu))
