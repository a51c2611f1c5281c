"""Activations: the piecewise-linear relu, leaky_relu, clip, clamp (PyTorch's clip) and hardtanh, and the smooth
silu, elu, gelu and mish.

The piecewise-linear ones differentiate through masks held as constants: a mask's
own derivative is zero almost everywhere, so second derivatives stay exact. The
gradient is selected, not multiplied by the mask, so an infinite gradient where
the mask is 0 gives 0. silu, elu and gelu write their derivatives with ``F``'s
exp, sigmoid, tanh and erf, so those differentiate again too.
"""
from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.function import Function
from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import Tensor
from minigrad.backend import erf_function, get_array_module, is_array
from minigrad.ops._args import (_python_number, apply_widening_half, as_floating, half_in_float32, python_real,
                              refuse_complex)
from minigrad.ops.functions import Erf, Sigmoid, Softplus, sigmoid
from minigrad.ops.selection import where
from minigrad.scalars import check_scalar_arg, is_real_or_bool, wrapped_unsigned


class ReLU(Function):
    """y = max(x, 0).   dL/dx = 0 where x <= 0, else g (g at a NaN x too, as torch's threshold_backward)."""

    def forward(self, x):
        return get_array_module(x).maximum(x, 0)

    # Select rather than multiply by the 0/1 mask: an infinite gradient arriving at an
    # inactive unit must give 0 there (the chain rule's factor 0 wins), not inf * 0 = NaN.
    # "Not x <= 0" rather than "x > 0": a NaN is not inactive, and passes g on as in torch.
    def backward(self, F, gy, x):
        return F.select(~(x <= 0), gy)


class LeakyReLU(Function):
    """y = x for x > 0, else slope x.   dL/dx = g where x > 0, else slope g."""

    def __init__(self, negative_slope=0.01):
        self.slope = negative_slope

    def forward(self, x):
        return get_array_module(x).where(x > 0, x, x * self.slope)

    def backward(self, F, gy, x):
        return F.where(x > 0, gy, gy * self.slope)


class Clip(Function):
    """y = min(max(x, lo), hi) (hi everywhere when lo > hi).   dL/dx = g inside [lo, hi], bounds included,
    else 0 (0 at NaN too): torch.clamp's convention."""

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def forward(self, x):
        return get_array_module(x).clip(x, self.lo, self.hi)

    def backward(self, F, gy, x):
        if self.lo is None:
            inside = x <= self.hi
        elif self.hi is None:
            inside = x >= self.lo
        else:
            inside = (x >= self.lo) & (x <= self.hi)
        return F.select(inside, gy)  # selected, so an infinite gradient outside gives 0


class Hardtanh(Clip):
    """y = min(max(x, lo), hi), lo <= hi.   dL/dx = 0 at and beyond the bounds, else g: PyTorch's hardtanh (and
    relu6) convention, where clamp's (``Clip``) keeps the bounds. A NaN x is at no bound and passes g on, as in
    torch's kernel (its CPU vector path, for all but the last few elements of a longer tensor, gives 0 there)."""

    def backward(self, F, gy, x):
        if self.lo == self.hi:   # every number is at a bound: only a NaN passes
            return F.select(x != x, gy)
        # "neither x <= lo nor x >= hi" in three array ops: with lo < hi the two cannot both hold
        return F.select((x <= self.lo) == (x >= self.hi), gy)


class Mish(Function):
    """y = x tanh(softplus(x)) (Misra 2019).   dL/dx = g (t + x sigmoid(x) (1 - t^2)), t = tanh(softplus(x)).

    One node: softplus is ``logaddexp(0, x)``, so nothing overflows at any |x|, and the derivative, written
    with ``F``'s tanh, sigmoid and softplus, differentiates again.
    """

    def forward(self, x):
        return x * get_array_module(x).tanh(Softplus().forward(x))

    def backward(self, F, gy, x):
        t = F.tanh(F.apply(Softplus, x))
        return gy * (t + x * F.sigmoid(x) * (1.0 - t * t))


class SiLU(Function):
    """y = x sigmoid(x) (SiLU, or swish).   dL/dx = g s (1 + x (1 - s)), s = sigmoid(x)."""

    def forward(self, x):
        return x * Sigmoid().forward(x)  # the stable sigmoid: no overflow for large |x|

    def backward(self, F, gy, x):
        s = F.sigmoid(x)
        return gy * (s * (1.0 + x * (1.0 - s)))


class ELU(Function):
    """y = x for x >= 0, else alpha (e^x - 1).   dL/dx = g for x > 0, else g alpha e^x (alpha's at x = 0, as in
    PyTorch); the second derivative is 0 at x = 0, as torch's (see ``below_zero``).

    y is x itself at 0, as torch's: alpha (e^0 - 1) is inf * 0 = NaN for an infinite alpha (torch takes +-inf).
    The derivative takes e^min(x, 0): e^x itself would overflow where x is large and positive, and
    that unselected inf would become NaN in the second derivative. (Reading it off the output as
    y + alpha would lose all precision in the far negative tail, where y + alpha cancels to 0.)
    """

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def forward(self, x):
        xp = get_array_module(x)
        return xp.where(x < 0, xp.expm1(xp.minimum(x, 0)) * self.alpha, x)

    def backward(self, F, gy, x):
        negative = x <= 0
        return F.where(negative, gy * (F.exp(below_zero(F, x, negative)) * self.alpha), gy)


def below_zero(F, x, negative):
    """x where x < 0, else 0: the exponent of an ELU's slope, taken at x <= 0 (``negative``; torch's first derivative
    at 0 is alpha e^0). The product with (x < 0) changes no value, but a recorded pass differentiates it: 0 at x = 0,
    torch's second derivative there (``elu_double_backward``'s mask; inf * 0 = NaN for an infinite alpha)."""
    return F.select(negative, x) * (x < 0)


_SQRT_HALF = 0.7071067811865476         # 1 / sqrt(2)
_INV_SQRT_2PI = 0.3989422804014327      # 1 / sqrt(2 pi)
_TANH_BETA = 0.7978845608028654         # sqrt(2 / pi)
_TANH_KAPPA = 0.044715


class GELU(Function):
    """y = x Phi(x), Phi the standard normal CDF (Hendrycks and Gimpel 2016), as PyTorch computes it.

    ``approximate="none"``: Phi(x) = (1 + erf(x / sqrt 2)) / 2, and dL/dx = g (Phi(x) + x phi(x)) with
    phi(x) = e^(-x^2 / 2) / sqrt(2 pi).
    ``approximate="tanh"``: y = x (1 + t) / 2 with t = tanh(u), u = sqrt(2/pi) (x + 0.044715 x^3), and
    dL/dx = g ((1 + t) / 2 + x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2) / 2).
    """

    def __init__(self, approximate="none"):
        self.approximate = approximate

    def forward(self, x):
        if x.dtype == np.float16:   # 1 + erf cancels in float16 below -3; torch computes half in float32 too
            return half_in_float32(self.forward, x)
        if self.approximate == "tanh":
            t = get_array_module(x).tanh((x + x * x * x * _TANH_KAPPA) * _TANH_BETA)
            return x * 0.5 * (1.0 + t)
        return x * 0.5 * (1.0 + Erf().forward(x * _SQRT_HALF))

    def backward(self, F, gy, x):
        if x.dtype == np.float16:   # as the forward
            return F.astype(self.backward(F, F.astype(gy, np.float32), F.astype(x, np.float32)), np.float16)
        if self.approximate == "tanh":
            t = F.tanh((x + x * x * x * _TANH_KAPPA) * _TANH_BETA)
            du = (1.0 + x * x * (3.0 * _TANH_KAPPA)) * _TANH_BETA
            return gy * (0.5 * (1.0 + t) + x * 0.5 * (1.0 - t * t) * du)
        cdf = 0.5 * (1.0 + F.apply(Erf, x * _SQRT_HALF))
        pdf = F.exp(x * x * -0.5) * _INV_SQRT_2PI
        return gy * (cdf + x * pdf)


def relu(x):
    """max(x, 0) elementwise."""
    x = as_tensor(x)
    refuse_complex("relu", x)
    return ReLU.apply(x)


def leaky_relu(x, negative_slope=0.01):
    """x where x > 0, else negative_slope * x."""
    slope = python_real("leaky_relu", "negative_slope", negative_slope, bools=True)
    x = as_floating(x)
    refuse_complex("leaky_relu", x)
    widen = check_scalar_arg("leaky_relu", "negative_slope", slope, x.dtype, float32_compute=True)
    return apply_widening_half(LeakyReLU, x, widen, negative_slope=slope)


def clip(x, lo=None, hi=None, *, min=None, max=None):  # noqa: A002  (torch.clip's keywords)
    """Limit values to [lo, hi] (either bound may be None; tensor bounds broadcast, as in ``clamp``).

    ``clip(x, min=..., max=...)``, torch's spelling (its ``clip`` is an alias of ``clamp``), is ``clamp``; so is
    ``clip(x, 0, max=1)``, a positional lower bound beside the keyword ``max``, which torch takes too.
    """
    if min is not None or max is not None:
        if (lo is not None and min is not None) or (hi is not None and max is not None):
            raise TypeError(f"clip: a bound is given twice, positionally and by keyword (lo={lo!r}, hi={hi!r}, "
                            f"min={min!r}, max={max!r}); give each once")
        return clamp(x, lo if min is None else min, hi if max is None else max)
    if _is_tensor_bound(lo) or _is_tensor_bound(hi):
        return _clamp_to_tensors("clip", x, ("lo", lo), ("hi", hi))
    _check_bounds("clip", ("lo", lo), ("hi", hi))
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"clip: lo={lo} is greater than hi={hi}")
    return _clip(x, lo, hi, name="clip", bound_names=("lo", "hi"))


def clamp(x, min=None, max=None):  # noqa: A002  (torch.clamp's argument names)
    """Limit values to [min, max] as ``torch.clamp`` does; either bound may be None, not both.

    Shapes: x -> x.   dL/dx = g where min <= x <= max (the bounds included), else 0 (0 at a NaN x too).
    Where ``clip`` refuses numbers lo > hi, ``clamp`` follows PyTorch: every value becomes ``max``, with gradient 0
    to x. Tensor bounds (PPO's ``clamp(v, v_old - eps, v_old + eps)``) broadcast with x, in ``clip`` too, and there
    both follow PyTorch where min > max (the value and the gradient go to max); see ``_clamp_to_tensors``.
    """
    if _is_tensor_bound(min) or _is_tensor_bound(max):
        return _clamp_to_tensors("clamp", x, ("min", min), ("max", max))
    _check_bounds("clamp", ("min", min), ("max", max))
    return _clip(x, min, max)


def _is_tensor_bound(bound):
    return isinstance(bound, Tensor) or is_array(bound)


def _clamp_to_tensors(op, x, lower, upper):
    """``clamp`` with tensor bounds, composed of ``where``: y = lo where x < lo, else x; then hi where y > hi.

    The result has the broadcast shape of x and the bounds, and is NaN where x or a bound is. dL/dx = g where
    lo <= x <= hi (x keeps a tie, as in torch), dL/dlo = g where x < lo <= hi, dL/dhi = g where the value exceeds hi
    (all of it when lo > hi); no gradient to any of them where x or a bound is NaN (torch's, except that where
    lo > hi and x is NaN torch gives hi the gradient, and this gives none).
    """
    x = as_tensor(x)
    lo, hi = _tensor_or_number_bound(op, *lower), _tensor_or_number_bound(op, *upper)
    lo, hi = _bool_bounds_as_ints(op, x, lo, hi)
    try:
        return _clamped(x, lo, hi)
    except (TypeError, ValueError) as exc:   # dtypes that do not mix, shapes that do not broadcast
        raise type(exc)(f"{op}: tensor bounds {_bound_text(*lower)} and {_bound_text(*upper)} do not combine with x "
                        f"(shape {tuple(x.shape)}, {x.dtype}): {exc}") from None


def _tensor_or_number_bound(op, name, bound):
    """A bound beside a tensor bound: a tensor or array as it is, a number checked and read as ``_bound`` reads it
    (a NumPy bool the float 1.0 or 0.0), so the rule is the same with or without tensor bounds."""
    if bound is None or bound.__class__ is float or bound.__class__ is int or _is_tensor_bound(bound):
        return bound
    if not is_real_or_bool(bound):
        raise TypeError(f"{op}: {name} must be a tensor, a real number, a bool or None, got {name}={bound!r} "
                        f"({type(bound).__name__})")
    return _bound(bound)


def _bound_text(name, bound):
    return f"{name} (shape {tuple(bound.shape)}, {bound.dtype})" if hasattr(bound, "shape") else f"{name} {bound!r}"


def _clamped(x, lo, hi):
    """x limited to the bounds, composed of ``where`` (see ``_clamp_to_tensors``)."""
    out = x
    if lo is not None:
        out = where(out < lo, lo, out)
    if hi is not None:
        out = where(out > hi, hi, out)
    # A NaN in x or in a bound gives NaN and no gradient to anything there, as torch's (x's NaN passes neither
    # comparison above, so without this it would keep its gradient). One mask, one more node.
    unordered = None
    for value in (x, lo, hi):
        if value is None or (not _is_tensor_bound(value) and value == value):   # a number, not NaN: nothing to mark
            continue
        value = as_tensor(value, like=x)   # a number on x's device
        if value.dtype.kind in "fc":
            unordered = value != value if unordered is None else unordered | (value != value)
    return out if unordered is None else where(unordered, float("nan"), out)


def _check_bounds(op, lower, upper):
    """At least one bound, and each bound given a real number or a bool (clip's and clamp's one rule): a Python bool
    is torch's int 1 or 0, a NumPy bool its float 1.0 or 0.0 (``_bound``)."""
    if lower[1] is None and upper[1] is None:
        raise ValueError(f"{op}: at least one of {lower[0]} and {upper[0]} must be given")
    for name, bound in (lower, upper):
        if bound is not None and not is_real_or_bool(bound):
            raise TypeError(f"{op}: {name} must be a real number, a bool or None, got {name}={bound!r} "
                            f"({type(bound).__name__})")


def _bound(bound):
    """A number bound as torch reads it: a NumPy scalar as its Python number, but a NumPy bool as the float 1.0 or
    0.0 (torch takes it as a float, so it makes an integer or bool input float32, where a Python bool is an int)."""
    return float(bound) if isinstance(bound, np.bool_) else _python_number(bound)


def _clip(x, lo, hi, op=Clip, name="clamp", bound_names=("min", "max")):
    lo, hi = _bound(lo), _bound(hi)
    x = as_tensor(x)
    refuse_complex(name, x)
    if lo.__class__ is bool or hi.__class__ is bool:
        lo, hi = _bool_bounds_as_ints(name, x, lo, hi)
    if x.dtype.kind == "u":
        lo, hi = wrapped_unsigned(lo, x.dtype), wrapped_unsigned(hi, x.dtype)
    if x.data.dtype.kind not in "fc" and (isinstance(lo, float) or isinstance(hi, float)):
        x = as_floating(x)  # float bounds on integers: float32, as in PyTorch (not NumPy's float64)
    if lo is not None:
        check_scalar_arg(name, bound_names[0], lo, x.dtype)
    if hi is not None:
        check_scalar_arg(name, bound_names[1], hi, x.dtype)
    return op.apply(x, lo=lo, hi=hi)


def _bool_bounds_as_ints(name, x, lo, hi):
    """A Python bool bound as torch reads it, the int 1 or 0 (with an int bound the result is int64, as torch's);
    a bool tensor with bool bounds only (Python bools or bool tensors: the result would be bool) is refused, as torch
    has no bool clamp kernel, except a single tensor bound (torch's clamp_min and clamp_max take a bool tensor).
    Both paths, number bounds (``_clip``) and tensor bounds (``_clamp_to_tensors``), apply this rule."""
    if x.dtype.kind == "b":
        given = [bound for bound in (lo, hi) if bound is not None]
        if (all(bound.__class__ is bool or (_is_tensor_bound(bound) and bound.dtype.kind == "b") for bound in given)
                and not (len(given) == 1 and _is_tensor_bound(given[0]))):
            raise NotImplementedError(f"{name}: a bool tensor (shape {tuple(x.shape)}) with bool bounds is not "
                                      f"supported, as in torch (lower {_bound_text('', lo)[1:]}, upper "
                                      f"{_bound_text('', hi)[1:]}); give int bounds or cast the tensor first")
    return (int(lo) if lo.__class__ is bool else lo), (int(hi) if hi.__class__ is bool else hi)


def hardtanh(x, min_val=-1.0, max_val=1.0):
    """x limited to [min_val, max_val], with PyTorch's gradient: g strictly inside, 0 at and beyond the bounds.

    Shapes: x -> x. Integer input keeps its dtype, the bounds cast to it (truncated), as torch's hardtanh (where
    ``clamp`` with a float bound gives float32); a bool input, or an unsigned one with a negative bound, is refused.
    """
    lo, hi = (python_real("hardtanh", "min_val", min_val, bools=True),
              python_real("hardtanh", "max_val", max_val, bools=True))
    if lo > hi:
        raise ValueError(f"hardtanh: min_val={min_val} is greater than max_val={max_val}")
    x = as_tensor(x)
    kind = x.dtype.kind
    if kind == "b":
        raise TypeError(f"hardtanh: bool inputs are not supported, as in torch (shape {tuple(x.shape)})")
    if kind in "iu":   # torch's refusals, RuntimeError both
        if kind == "u" and min(lo, hi) < 0:
            raise RuntimeError(f"hardtanh: cannot limit an unsigned tensor (dtype {x.dtype}) to a negative bound, "
                               f"min_val={min_val}, max_val={max_val}")
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise RuntimeError(f"hardtanh: min_val={min_val} and max_val={max_val} cannot be converted to the "
                               f"integer dtype {x.dtype} (each must be finite)")
        lo, hi = int(lo), int(hi)   # truncated, then checked against the dtype's range: torch's order
    return _clip(x, lo, hi, Hardtanh, "hardtanh", ("min_val", "max_val"))


def mish(x):
    """x * tanh(softplus(x)) elementwise, as one node, stable for any |x|."""
    x = as_floating(x)
    refuse_complex("mish", x)   # softplus's stable form compares x with 0 (torch refuses complex too)
    return Mish.apply(x)


def silu(x):
    """x * sigmoid(x) elementwise (SiLU, also called swish); of a complex x too, as torch's."""
    x = as_floating(x)
    if x.dtype.kind == "c":   # SiLU's real sigmoid would drop the imaginary part
        return x * sigmoid(x)
    return SiLU.apply(x)


def elu(x, alpha=1.0):
    """x where x > 0, else alpha * (exp(x) - 1)."""
    alpha = python_real("elu", "alpha", alpha, bools=True)
    x = as_floating(x)
    refuse_complex("elu", x)
    return apply_widening_half(ELU, x, check_scalar_arg("elu", "alpha", alpha, x.dtype, float32_compute=True),
                               alpha=alpha)


GELU_APPROXIMATIONS = ("none", "tanh")


def gelu(x, approximate="none"):
    """x * Phi(x) elementwise, Phi the standard normal CDF; ``approximate="tanh"`` uses the tanh formula.

    The exact form needs erf: SciPy's on the CPU (``pip install "minigrad[scipy]"``), CuPy's on a GPU.
    """
    if approximate not in GELU_APPROXIMATIONS:
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    x = as_floating(x)
    refuse_complex("gelu", x)   # Phi(x) is the CDF of a real variable (torch refuses complex too)
    if approximate == "none":
        require_erf("gelu", get_array_module(x.data))
    return GELU.apply(x, approximate=approximate)


def require_erf(who, xp):
    """Raise one ImportError naming ``who``, the install command and the tanh form unless ``xp``'s erf loads."""
    try:
        erf_function(xp)
    except ImportError:
        raise ImportError(
            f"{who}: approximate='none' (the exact GELU) needs erf from SciPy, which is not installed here: "
            f"pip install \"minigrad[scipy]\"; or use approximate='tanh', which needs no SciPy"
        ) from None
