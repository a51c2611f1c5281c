"""Binary cross-entropy: from logits, PyTorch's ``binary_cross_entropy_with_logits`` with ``weight`` and
``pos_weight``, and from probabilities, PyTorch's ``binary_cross_entropy`` (its log clamped at -100).

With ``s = sigmoid(x)``, a weight ``w`` and a positive-class weight ``p``::

    loss = -w [p t log s + (1 - t) log(1 - s)]
         = w [(1 - t) x + (1 + (p - 1) t) softplus(-x)]     (log s = -softplus(-x), log(1 - s) = -x - softplus(-x))

and ``softplus(-x) = max(-x, 0) + log1p(exp(-|x|))``: ``exp`` never overflows and no ``log(0)`` is
taken, so logits of +-1000 give finite values and gradients. Without ``weight`` and ``pos_weight``
(w = p = 1) it is ``softplus(x) - x t``, the unweighted node ``SigmoidBinaryCrossEntropy``.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.function import Function
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module, to_device, to_numpy
from minigrad.nn.functional.loss import _as_target, _check_like, _check_reduction, _reduce, number_array
from minigrad.ops.functions import Softplus
from minigrad.nn.functional.legacy_reduction import legacy_reduction

_NAME = "binary_cross_entropy_with_logits"


class SigmoidBinaryCrossEntropy(Function):
    """``softplus(x) - x * t`` elementwise; backward ``(sigmoid(x) - t) * gy`` and ``-x * gy``.

    Shapes: x and t of one shape -> that shape (reduced afterwards).
    """

    def forward(self, x, t):
        xp = get_array_module(x)
        # softplus(x) = max(x, 0) + log(1 + exp(-|x|)): exp never overflows.
        return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x))) - x * t

    def backward(self, F, gy, x, t):
        gx = (F.sigmoid(x) - t) * gy if self.needs_input_grad[0] else None
        gt = -x * gy if self.needs_input_grad[1] else None
        return gx, gt


class WeightedSigmoidBinaryCrossEntropy(Function):
    """``w [(1 - t) x + c softplus(-x)]`` with ``c = 1 + (p - 1) t``, elementwise (PyTorch's weighted BCE).

    Shapes: x and t of one shape S; w (``weight``) and p (``pos_weight``) broadcast to S -> S.
    Derivatives, each summed back to its input's shape::

        dL/dx = g w (c sigmoid(x) - p t)
        dL/dt = g w ((p - 1) softplus(-x) - x)
        dL/dw = g [(1 - t) x + c softplus(-x)]
        dL/dp = g w t softplus(-x)
    """

    def forward(self, x, t, w, p):
        xp = get_array_module(x)
        softplus_neg = xp.maximum(-x, 0) + xp.log1p(xp.exp(-xp.abs(x)))
        return w * ((1 - t) * x + (1 + (p - 1) * t) * softplus_neg)

    def backward(self, F, gy, x, t, w, p):
        nx, nt, nw, np_ = self.needs_input_grad
        softplus_neg = F.apply(Softplus, -x)
        wg = w * gy
        gx = wg * ((1 + (p - 1) * t) * F.sigmoid(x) - p * t) if nx else None
        gt = wg * ((p - 1) * softplus_neg - x) if nt else None
        gw = F.sum_to(gy * ((1 - t) * x + (1 + (p - 1) * t) * softplus_neg), w.shape) if nw else None
        gp = F.sum_to(wg * t * softplus_neg, p.shape) if np_ else None
        return gx, gt, gw, gp


class BinaryCrossEntropy(Function):
    """``-(t log x + (1 - t) log(1 - x))`` elementwise, each log clamped at -100, as PyTorch's (a finite loss at
    x = 0 and 1).   Shapes: x and t of one shape -> that shape (reduced afterwards).

    The derivatives are PyTorch's::

        dL/dx = g (x - t) / max(x (1 - x), 1e-12)     (the clamped logs' derivative inside, finite at 0 and 1)
        dL/dt = g (log(1 - x) - log x)                 (unclamped: infinite at x = 0 or 1, as PyTorch's)
    """

    def forward(self, x, t):
        xp = get_array_module(x)
        with np.errstate(divide="ignore"):   # log(0) = -inf, then clamped
            log_x, log_1mx = xp.maximum(xp.log(x), -100.0), xp.maximum(xp.log1p(-x), -100.0)
        return (t - 1) * log_1mx - t * log_x

    def backward(self, F, gy, x, t):
        nx, nt = self.needs_input_grad
        with np.errstate(divide="ignore"):
            if nx:
                d = x * (1.0 - x)
                gx = gy * (x - t) / F.where(d > _EPSILON, d, _EPSILON)
            gt = gy * (F.log(1.0 - x) - F.log(x)) if nt else None
        return gx if nx else None, gt


_EPSILON = float(np.float32(1e-12))   # PyTorch's floor of x (1 - x) in the derivative: its float32 1e-12


def binary_cross_entropy(input: Tensor, target, weight=None, size_average=None, reduce=None,  # noqa: A002
                         reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of targets under probabilities ``input`` in [0, 1], as PyTorch's (``BinaryCrossEntropy``).

    ``weight`` rescales each element's loss and broadcasts to the input's shape; ``'mean'`` is the plain
    mean of the weighted elements. Inputs outside [0, 1] are refused; logits belong in
    :func:`binary_cross_entropy_with_logits`, which is also the stabler of the two.
    """
    reduction = legacy_reduction("binary_cross_entropy", size_average, reduce, reduction)
    name = "binary_cross_entropy"
    _not_a_reduction(name, weight)
    _check_reduction(name, reduction)
    target = _as_target(input, target)
    _check_like(name, input, target)   # a floating input of the target's shape and dtype
    xp = input._xp()
    # Written as "not inside", so that NaN is refused too, as PyTorch refuses it (it is no probability). Both
    # checks in one read-back; an empty array passes (xp.all of nothing is True).
    inside = xp.stack([xp.all((a >= 0) & (a <= 1)) for a in (input.data, target.data)])
    input_ok, target_ok = (bool(v) for v in to_numpy(inside))
    if not input_ok:
        raise ValueError(f"{name}: input values must be between 0 and 1 (probabilities), got {_found(xp, input)}; "
                         "for logits use binary_cross_entropy_with_logits")
    if not target_ok:   # as torch; a target of 3 gave a loss (and gradients) of no meaning, silently
        raise ValueError(f"{name}: target values must be between 0 and 1, got {_found(xp, target)}")
    loss = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * _factor(input, "weight", weight, name)
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target, weight=None, size_average=None, reduce=None,  # noqa: A002
                                     reduction: str = "mean", pos_weight=None) -> Tensor:
    """Binary cross-entropy of targets in [0, 1] under ``sigmoid(input)``, computed stably (module doc).

    PyTorch's arguments in PyTorch's order. ``weight`` rescales each element's loss and broadcasts to
    the input's shape (one weight per sample: shape (N, 1)); ``pos_weight`` multiplies the positive
    term ``t log sigmoid(x)`` and broadcasts along the last (class) dimension (shape (C,)). Both are
    cast to the input's dtype; a Tensor that requires grad gets its gradient. ``'mean'`` averages the
    weighted elements (PyTorch's plain mean, not divided by the weights' sum).
    """
    reduction = legacy_reduction("binary_cross_entropy_with_logits", size_average, reduce, reduction)
    _not_a_reduction(_NAME, weight)
    _check_reduction(_NAME, reduction)
    target = _as_target(input, target)
    _check_like(_NAME, input, target)
    if weight is None and pos_weight is None:
        # The common case keeps its two-input node: no broadcast factors to multiply or differentiate.
        return _reduce(SigmoidBinaryCrossEntropy.apply(input, target), reduction)
    w = _factor(input, "weight", weight, _NAME)
    p = _factor(input, "pos_weight", pos_weight, _NAME)
    return _reduce(WeightedSigmoidBinaryCrossEntropy.apply(input, target, w, p), reduction)


def _found(xp, x):
    """What the message shows of an array with entries outside [0, 1]: NaN, or the range of its values."""
    return "NaN" if bool(xp.isnan(x.data).any()) else f"values in [{float(xp.min(x.data)):g}, {float(xp.max(x.data)):g}]"


def _not_a_reduction(name, weight):
    """A string passed third (PyTorch's old positional reduction) is a clear error, not a weight."""
    if isinstance(weight, str):
        raise TypeError(f"{name}: weight must be an array or Tensor of numbers, got {weight!r}; "
                        f"the reduction is a keyword argument: reduction={weight!r}")


def _factor(x, arg, value, name):
    """``weight`` or ``pos_weight`` as a Tensor in x's dtype on x's device that broadcasts to x's shape (None: 1)."""
    xp = x._xp()
    if value is None:
        return Tensor(xp.ones((), dtype=x.dtype))
    data = number_array(value)
    if data is None or data.dtype.kind not in "biuf":
        raise TypeError(f"{name}: {arg} must be an array or Tensor of numbers, got "
                        f"{type(value).__name__}" + ("" if data is None else f" of dtype {data.dtype}"))
    shape = tuple(data.shape)
    try:
        fits = np.broadcast_shapes(shape, tuple(x.shape)) == tuple(x.shape)
    except ValueError:
        fits = False
    if not fits:
        hint = " (one weight per class, along the last dimension)" if arg == "pos_weight" else ""
        raise ValueError(f"{name}: {arg} of shape {shape} does not broadcast to the input's shape "
                         f"{tuple(x.shape)}{hint}")
    if isinstance(value, Tensor):
        if value.device != x.device:
            raise ValueError(f"{name}: {arg} is on {value.device} but the input is on {x.device}")
        # A Tensor keeps its graph: the cast (to the input's dtype, never the other way) is differentiable.
        return value if value.dtype == x.dtype else value.astype(x.dtype)
    return Tensor(to_device(data, x.device).astype(x.dtype, copy=False))
