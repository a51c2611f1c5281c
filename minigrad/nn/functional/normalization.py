"""``batch_norm``, ``layer_norm``, ``group_norm``, ``rms_norm`` and ``local_response_norm``: normalisation as
compositions of minigrad ops (batch norm's running statistics updated in place)."""
from __future__ import annotations

import math

import numpy as np

from minigrad import ops
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.nn.arguments import float_argument, int_shape, number, positive_int
from minigrad.ops._args import half_in_float32
from minigrad.ops.shape import reshape_if_needed
from minigrad.scalars import is_real_or_bool


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalisation per channel (axis 1) over the batch axis and any spatial axes.

    Inputs are (N, C, *): (N, C), (N, C, L), (N, C, H, W), (N, C, D, H, W) or more spatial axes, as PyTorch's.

    Training: normalise with the batch mean and the *biased* batch variance, then
    update the running statistics in place with
    ``running = (1 - momentum) * running + momentum * batch_stat``, using the
    *unbiased* variance for ``running_var`` (PyTorch's convention).
    Evaluation: normalise with the running statistics.
    Then scale by ``weight`` (gamma) and shift by ``bias`` (beta), per channel.
    """
    _check_floating_input("batch_norm", input)
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected input of shape (N, C, *), got {tuple(input.shape)}")
    if not training and (running_mean is None or running_var is None):   # torch's RuntimeError and words
        missing = "running_mean" if running_mean is None else "running_var"
        raise RuntimeError(f"batch_norm: {missing} must be defined in evaluation mode (training=False)")
    check_running_stats("batch_norm", input, running_mean, running_var)
    _check_affine("batch_norm", input, weight, bias, (input.shape[1],), "the input {input} has {shape[0]} channels")
    # None is the layer's cumulative average, which the layer turns into a number (a bool is 1 or 0, as torch's)
    if not is_real_or_bool(momentum):
        raise TypeError(f"batch_norm: momentum must be a number, got {momentum!r}")
    # one rule for eps: a non-number is torch's TypeError (its comparison with a float fails), then its two ranges
    if isinstance(eps, Tensor) and eps.dtype.kind == "c":   # torch compares it with 0: no complex comparison
        raise NotImplementedError(f"batch_norm: eps={eps!r} is a complex tensor, which torch's check of its sign "
                                  "cannot compare (torch: \"lt_cpu\" not implemented for 'ComplexFloat'); pass a "
                                  "real number")
    given, eps = eps, float_argument("batch_norm", "eps", eps)
    if training and eps <= 0:   # torch's two checks and ValueErrors (a NaN passes both, as there)
        raise ValueError(f"batch_norm: eps must be positive during training, but got {given!r} (as torch's)")
    if eps < 0:
        raise ValueError(f"batch_norm: eps must be non-negative, but got {given!r} (as torch's)")
    if input.dtype == np.float16:   # the variance of entries past 256 overflowed float16: float32 inside, as torch
        return half_in_float32(lambda x, w, b: batch_norm(x, running_mean, running_var, w, b, training, momentum, eps),
                               input, weight, bias)
    axes = (0,) + tuple(range(2, input.ndim))
    stat_shape = (1, input.shape[1]) + (1,) * (input.ndim - 2)
    xp = get_array_module(input.data)
    if training and input.data.size == 0:
        # torch's: an empty batch gives an empty output and leaves the running statistics as they are
        mean = Tensor(xp.zeros(stat_shape, dtype=input.dtype))
        var = Tensor(xp.ones(stat_shape, dtype=input.dtype))
        centred = input - mean
    elif training:
        n = input.data.size // input.shape[1]
        if n == 1:
            raise ValueError(
                f"batch_norm: training needs more than 1 value per channel, got input of shape {tuple(input.shape)}"
            )
        mean = input.mean(axis=axes, keepdims=True)
        centred = input - mean
        var = (centred * centred).mean(axis=axes, keepdims=True)
        if running_mean is not None:
            batch_mean = mean.data.reshape(-1)
            batch_var = var.data.reshape(-1) * input.dtype.type(n / (n - 1))
            running_mean.data *= running_mean.dtype.type(1 - momentum)
            running_mean.data += running_mean.dtype.type(momentum) * batch_mean.astype(running_mean.dtype)
            running_var.data *= running_var.dtype.type(1 - momentum)
            running_var.data += running_var.dtype.type(momentum) * batch_var.astype(running_var.dtype)
    else:
        mean = Tensor(running_mean.data.reshape(stat_shape).astype(input.dtype, copy=False))
        var = Tensor(running_var.data.reshape(stat_shape).astype(input.dtype, copy=False))
        if eps == 0 and bool((var.data == 0).any()):
            return eval_with_zero_variance(input, mean, var, weight, bias, stat_shape)
        centred = input - mean
    eps_t = Tensor(xp.asarray(eps, dtype=input.dtype))
    y = centred / ops.sqrt(var + eps_t)
    if weight is not None:
        y = y * weight.reshape(*stat_shape)
    if bias is not None:
        y = y + bias.reshape(*stat_shape)
    return y


def eval_with_zero_variance(x, mean, var, weight, bias, shape):
    """Evaluation with running statistics where eps = 0 and a running variance is 0, as torch's kernel computes it:
    ``y = x * alpha + beta``, ``alpha = weight / sqrt(var)``, ``beta = bias - mean * alpha``. Where var = 0, alpha
    is +-inf (NaN for weight 0), so y is NaN or +-inf by the signs of x and mean (NaN at mean = 0), the input's
    gradient g alpha, the weight's sum(g (x - mean)) / sqrt(var), all silently; ``(x - mean) / sqrt(var)`` gave
    +-inf with NumPy's "divide by zero" warning. ``mean`` and ``var`` are constant Tensors of ``shape``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        inverse_std = Tensor(1 / get_array_module(var.data).sqrt(var.data))
        alpha = inverse_std if weight is None else inverse_std * weight.reshape(*shape)
        beta = -(mean * alpha) if bias is None else bias.reshape(*shape) - mean * alpha
        return x * alpha + beta


def inverse_std_or_zero(var):
    """``var ** -0.5``, 0 where var is 0: torch's training kernels with eps = 0 take invstd = 0 for a constant
    instance, so its output is the bias and every gradient through the normalisation 0 (``var ** -0.5`` gave inf,
    0 * inf = NaN). The pow reads 1 there, so that no inf reaches its derivative either (differentiable)."""
    flat = var == 0
    return ops.where(flat, 0.0, ops.where(flat, 1.0, var) ** -0.5)


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,  # noqa: A002
               eps: float = 1e-5) -> Tensor:
    """Layer normalisation (Ba et al. 2016) over the trailing axes ``normalized_shape``, as PyTorch's.

    With ``mean`` and the *biased* ``var`` of each sample over those axes,
    ``y = (x - mean) / sqrt(var + eps) * weight + bias``; ``weight`` and ``bias``
    (optional) have shape ``normalized_shape``. A composition of ops, so its
    derivatives of every order come from theirs.
    """
    shape = int_shape("layer_norm", "normalized_shape", normalized_shape)
    eps = float_argument("layer_norm", "eps", eps)   # the norms' one rule: any float (negative, NaN) as torch's
    check_layer_norm_input("layer_norm", input, shape, weight, bias)
    return layer_norm_unchecked(input, shape, weight, bias, eps)


def layer_norm_unchecked(x, shape, weight, bias, eps):
    """``layer_norm``'s computation, for a caller that has checked its arguments (the ``LayerNorm`` layer)."""
    if x.dtype == np.float16:   # x - mean and the variance round in float16; torch computes half in float32
        return half_in_float32(lambda x, w, b: layer_norm_unchecked(x, shape, w, b, eps), x, weight, bias)
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=axes, keepdims=True)
    # One multiply by (1/std) * weight: a quarter faster, forward and backward, than dividing
    # by the std and then scaling (Mul's backward is cheaper than Div's).
    scale = (var + eps) ** -0.5
    if weight is not None:
        scale = scale * weight
    y = centred * scale
    if bias is not None:
        y = y + bias
    return y


def check_layer_norm_input(who, x, shape, weight, bias) -> None:
    """One clear error naming ``who`` and the shapes or dtypes unless ``x`` ends with ``shape`` and the affine
    parameters have that shape and ``x``'s floating dtype."""
    _check_floating_input(who, x)
    if x.ndim < len(shape) or tuple(x.shape[x.ndim - len(shape):]) != shape:
        raise ValueError(f"{who}: input of shape {tuple(x.shape)} does not end with normalized_shape {shape}")
    _check_affine(who, x, weight, bias, shape, "normalized_shape is {shape}")


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,  # noqa: A002
               eps: float = 1e-5) -> Tensor:
    """Group normalisation (Wu and He 2018) of (N, C, *) inputs, as ``torch.nn.functional.group_norm``.

    The C channels are split into ``num_groups`` groups of C / num_groups consecutive channels; each
    sample's group is normalised by its own mean and *biased* variance over its channels and every
    spatial position: ``y = (x - mean) / sqrt(var + eps) * weight[c] + bias[c]``, ``weight`` and
    ``bias`` (optional) of shape (C,). The same in training and eval. A composition of ops
    (reshape to (N, G, -1), mean, square, power, multiply), so its derivatives of every order come from theirs.
    """
    num_groups = positive_int("group_norm", "num_groups", num_groups)
    eps = float_argument("group_norm", "eps", eps)   # the norms' one rule: any float (negative, NaN) as torch's
    check_group_norm_input("group_norm", input, num_groups, weight, bias)
    return group_norm_unchecked(input, num_groups, weight, bias, eps)


def group_norm_unchecked(x, num_groups, weight, bias, eps):
    """``group_norm``'s computation, for a caller that has checked its arguments (the ``GroupNorm`` layer)."""
    if x.dtype == np.float16:   # as layer_norm's: the statistics in float32, as torch computes half
        return half_in_float32(lambda x, w, b: group_norm_unchecked(x, num_groups, w, b, eps), x, weight, bias)
    n, c = x.shape[:2]
    # not -1: n may be 0; (N, C, L) with G = C is already grouped: no node
    groups = reshape_if_needed(x, (n, num_groups, (c // num_groups) * math.prod(x.shape[2:])))
    mean = groups.mean(axis=2, keepdims=True)
    centred = groups - mean
    var = (centred * centred).mean(axis=2, keepdims=True)
    y = reshape_if_needed(centred * (var + eps) ** -0.5, x.shape)   # (N, C, L) with G = C: no node
    channel_shape = (1, c) + (1,) * (x.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(*channel_shape)
    if bias is not None:
        y = y + bias.reshape(*channel_shape)
    return y


def check_group_norm_input(who, x, num_groups, weight, bias) -> None:
    """One clear error naming ``who`` and the shapes or dtypes unless ``x`` is (N, C, *) floating with C
    divisible by ``num_groups`` and the affine parameters are (C,) of ``x``'s dtype."""
    _check_floating_input(who, x)
    if x.ndim < 2:
        raise ValueError(f"{who}: expected an input of shape (N, C, *), got {tuple(x.shape)}")
    c = x.shape[1]
    if c % num_groups:
        raise ValueError(f"{who}: input of shape {tuple(x.shape)} has {c} channels, which num_groups="
                         f"{num_groups} does not divide")
    if x.shape[0] * (c // num_groups) * math.prod(x.shape[2:]) == 1:   # torch's rule (_verify_batch_size)
        raise ValueError(f"{who}: input of shape {tuple(x.shape)} with num_groups={num_groups} leaves one value per "
                         "group in its single sample: nothing to normalise (torch refuses it too)")
    _check_affine(who, x, weight, bias, (c,), "the input {input} has {shape[0]} channels")


def check_running_stats(who, x, running_mean, running_var) -> None:
    """Both running statistics or neither (with one alone the other would silently stay as it is), each a
    Tensor of (C,), C = ``x.shape[1]``, as torch requires."""
    if (running_mean is None) != (running_var is None):
        given, missing = ("running_mean", "running_var") if running_var is None else ("running_var", "running_mean")
        raise ValueError(f"{who}: running_mean and running_var must either both be None or neither be None; got "
                         f"{given} without {missing}")
    for arg, stat in (("running_mean", running_mean), ("running_var", running_var)):
        if stat is None:
            continue
        if not isinstance(stat, Tensor):
            raise TypeError(f"{who}: {arg} must be a Tensor or None, got {type(stat).__name__}")
        if tuple(stat.shape) != (x.shape[1],):
            raise ValueError(f"{who}: {arg} has shape {tuple(stat.shape)} but the input {tuple(x.shape)} has "
                             f"{x.shape[1]} channels")


def _check_floating_input(who, x) -> None:
    """The input checks layer_norm and group_norm share: a floating Tensor."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}: input must be a Tensor, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f"{who}: input must be floating, got dtype {x.dtype}")


def _check_affine(who, x, weight, bias, shape, expected) -> None:
    """``weight`` and ``bias``, each None or a Tensor of ``shape`` and ``x``'s dtype. ``expected`` ends the
    shape error, saying where ``shape`` comes from: a template of ``shape`` and ``input`` (x's shape), formatted
    only on that error, so the forward pass does no string work."""
    for name, p in (("weight", weight), ("bias", bias)):
        if p is None:
            continue
        if not isinstance(p, Tensor):
            raise TypeError(f"{who}: {name} must be a Tensor or None, got {type(p).__name__}")
        if tuple(p.shape) != shape:
            raise ValueError(f"{who}: {name} has shape {tuple(p.shape)} but "
                             + expected.format(shape=shape, input=tuple(x.shape)))
        if p.dtype != x.dtype:
            raise TypeError(f"{who}: input dtype {x.dtype} does not match the {name}'s dtype {p.dtype}; "
                            f"convert with x.astype({p.dtype.name!r})")


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, eps: float | None = None) -> Tensor:  # noqa: A002
    """Root-mean-square normalisation (Zhang and Sennrich 2019) over the trailing axes ``normalized_shape``, as
    PyTorch's: ``y = x / sqrt(mean(x^2) + eps) * weight``, ``eps`` None meaning the machine epsilon of the dtype it
    is computed in (``numpy.finfo``): x's, float32's for float16 x (PyTorch's kernels take their accumulation
    type's). ``weight`` (optional) has shape ``normalized_shape``. A composition of ops, so its derivatives of every
    order come from theirs.
    """
    shape = int_shape("rms_norm", "normalized_shape", normalized_shape)
    check_layer_norm_input("rms_norm", input, shape, weight, None)
    if eps is not None:   # None: the dtype's machine epsilon (torch's default); else the norms' one rule
        eps = float_argument("rms_norm", "eps", eps)
    return rms_norm_unchecked(input, shape, weight, eps)


def rms_norm_unchecked(x, shape, weight, eps):
    """``rms_norm``'s computation, for a caller that has checked its arguments (the ``RMSNorm`` layer)."""
    if x.dtype == np.float16:   # as layer_norm's: the mean of squares in float32, eps=None float32's, as torch's
        return half_in_float32(lambda x, w: rms_norm_unchecked(x, shape, w, eps), x, weight)
    if eps is None:
        eps = float(np.finfo(x.dtype).eps)
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    scale = ((x * x).mean(axis=axes, keepdims=True) + eps) ** -0.5
    y = x * scale
    return y if weight is None else y * weight


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:  # noqa: A002
    """Local response normalisation across channels (Krizhevsky et al. 2012), as PyTorch's: for (N, C, *) inputs,
    ``y_c = x_c / (k + alpha / size * sum of x_j^2 over the channels j in [c - size // 2, c + (size - 1) // 2])^beta``
    (channels beyond the edges count as 0; the sum is always divided by ``size``). A composition of ops: one
    shifted slice per window position (``size`` of them), then power and divide.
    """
    name = "local_response_norm"
    size = positive_int(name, "size", size)
    alpha, beta, k = number(name, "alpha", alpha), number(name, "beta", beta), number(name, "k", k)
    _check_floating_input(name, input)
    if input.ndim < 3:
        raise ValueError(f"{name}: expected an input of 3 or more dimensions (N, C, *), got shape {tuple(input.shape)}")
    if input.size == 0:
        return input
    c = input.shape[1]
    before, after = size // 2, (size - 1) // 2
    xp = get_array_module(input.data)
    padded = ops.concat([Tensor(xp.zeros((input.shape[0], before) + tuple(input.shape[2:]), dtype=input.dtype)), input * input,
                         Tensor(xp.zeros((input.shape[0], after) + tuple(input.shape[2:]), dtype=input.dtype))], axis=1)
    window = padded[:, 0:c]
    for offset in range(1, size):   # the window's positions, not the elements
        window = window + padded[:, offset:offset + c]
    return input / ((window / size) * alpha + k) ** beta
