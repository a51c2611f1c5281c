"""``instance_norm``: each sample's channel normalised by its own statistics over the spatial axes (Ulyanov et al.
2016), as ``torch.nn.functional.instance_norm``, composed of ops; running statistics updated in place."""
from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.tensor import Tensor
from minigrad.nn.arguments import float_argument, number
from minigrad.nn.functional.normalization import (_check_affine, _check_floating_input, check_running_stats,
                                                  eval_with_zero_variance, inverse_std_or_zero)
from minigrad.ops._args import half_in_float32


def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,  # noqa: A002
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Instance normalisation of (N, C, *) inputs: ``y = (x - mean) / sqrt(var + eps) * weight[c] + bias[c]``.

    With ``use_input_stats`` (training), mean and *biased* var are each (sample, channel)'s over the spatial
    axes (not exactly one spatial element), and given running statistics (C,) move as PyTorch's:
    ``running = (1 - momentum) running + momentum * (the batch's average of the per-instance statistics)``, the
    variance unbiased. Without it, the running statistics replace them. A composition of ops.
    """
    name = "instance_norm"
    _check_floating_input(name, input)
    if input.ndim < 3:
        raise ValueError(f"{name}: expected an input of shape (N, C, *) with spatial axes, got {tuple(input.shape)}")
    # eps: the norms' one rule (TypeError for a non-number); a negative or NaN eps is computed, as torch's (NaN where
    # var + eps < 0)
    momentum, eps = number(name, "momentum", momentum), float_argument(name, "eps", eps)
    n, c = input.shape[:2]
    _check_affine(name, input, weight, bias, (c,), "the input {input} has {shape[0]} channels")
    check_running_stats(name, input, running_mean, running_var)
    if input.dtype == np.float16:   # as layer_norm: the variance overflowed float16 (entries past 256)
        return half_in_float32(lambda x, w, b: instance_norm(x, running_mean, running_var, w, b, use_input_stats,
                                                             momentum, eps), input, weight, bias)
    axes = tuple(range(2, input.ndim))
    channel_shape = (1, c) + (1,) * (input.ndim - 2)
    if use_input_stats:
        count = math.prod(input.shape[2:])
        if count == 1:   # no positions at all is an empty output, as PyTorch's
            raise ValueError(f"{name}: expected more than 1 spatial element when training, got input of shape "
                             f"{tuple(input.shape)}")
        mean = input.mean(axis=axes, keepdims=True)
        centred = input - mean
        var = (centred * centred).mean(axis=axes, keepdims=True)
        for stat, batch in ((running_mean, mean.data), (running_var, var.data * input.dtype.type(count / (count - 1)))):
            if stat is not None and n and count:   # no instances: nothing to average (torch 2.13 writes NaN);
                # no positions: left as they were, as PyTorch's
                average = batch.reshape(n, c).mean(axis=0).astype(stat.dtype, copy=False)
                stat.data *= stat.dtype.type(1 - momentum)
                stat.data += stat.dtype.type(momentum) * average
        # eps = 0: a constant instance (var 0) gives the bias, gradient 0, as torch's kernel (invstd = 0 there)
        y = centred * (inverse_std_or_zero(var) if eps == 0 else (var + eps) ** -0.5)
    else:
        if running_mean is None or running_var is None:   # torch's RuntimeError
            raise RuntimeError(f"{name}: use_input_stats=False needs running_mean and running_var (torch: expected "
                               "them to be defined when use_input_stats is false)")
        mean = Tensor(running_mean.data.reshape(channel_shape).astype(input.dtype, copy=False))
        var = Tensor(running_var.data.reshape(channel_shape).astype(input.dtype, copy=False))
        if eps == 0 and bool((var.data == 0).any()):   # torch's evaluation kernel: NaN or +-inf there, silently
            return eval_with_zero_variance(input, mean, var, weight, bias, channel_shape)
        y = (input - mean) * (var + eps) ** -0.5
    if weight is not None:
        y = y * weight.reshape(*channel_shape)
    if bias is not None:
        y = y + bias.reshape(*channel_shape)
    return y
