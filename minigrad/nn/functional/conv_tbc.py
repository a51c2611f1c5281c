"""``conv_tbc``: 1-D convolution of time-major sequences (T, B, C), as ``torch.nn.functional.conv_tbc``.

y[t, b] = bias + sum_k x[t + k - pad, b] @ weight[k] for weight (K, C_in, C_out): ``conv1d`` (cross-correlation)
of x moved to (B, C_in, T) with weight moved to (C_out, C_in, K), moved back to (T + 2 pad - K + 1, B, C_out).
A negative ``pad`` crops that many steps from each end first, as PyTorch reads it. The derivatives are conv1d's
and the moves' (transposes).
"""
from __future__ import annotations

from minigrad.autograd.tensor import Tensor
from minigrad.ops.conv1d import conv1d
from minigrad.scalars import is_integer

__all__ = ["conv_tbc"]


def conv_tbc(input, weight, bias, pad=0):
    """(T, B, C_in) convolved with weight (K, C_in, C_out) plus bias (C_out,): (T + 2 pad - K + 1, B, C_out).

    dL/dx, dL/dweight: conv1d's, moved back to these layouts; dL/dbias = g summed over (T', B).
    """
    who = "conv_tbc"
    for name, t in (("input", input), ("weight", weight), ("bias", bias)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{who}: {name} must be a Tensor, got {type(t).__name__}")
    if not is_integer(pad):
        raise TypeError(f"{who}: pad must be an integer, got {pad!r}")
    if input.ndim != 3:
        raise ValueError(f"{who}: input must have 3 dims (time, batch, in_channel), got shape {tuple(input.shape)}")
    if weight.ndim != 3:
        raise ValueError(f"{who}: weight must have 3 dims (kernel width, in_channels, out_channels), got shape "
                         f"{tuple(weight.shape)}")
    if bias.ndim != 1 or bias.shape[0] != weight.shape[2]:
        raise ValueError(f"{who}: bias must have shape ({weight.shape[2]},) (the weight's output channels, weight "
                         f"{tuple(weight.shape)}), got {tuple(bias.shape)}")
    if input.shape[2] != weight.shape[1]:
        raise ValueError(f"{who}: input of shape {tuple(input.shape)} has {input.shape[2]} channels but weight "
                         f"{tuple(weight.shape)} expects {weight.shape[1]}")
    pad = int(pad)
    t, k = input.shape[0], weight.shape[0]
    if t + 2 * pad - k + 1 < 1:
        raise ValueError(f"{who}: input of length {t} with pad={pad} is shorter than the kernel width {k}")
    x = input[-pad:t + pad] if pad < 0 else input
    y = conv1d(x.transpose(1, 2, 0), weight.transpose(2, 1, 0), bias, padding=max(pad, 0))
    return y.transpose(2, 0, 1)
