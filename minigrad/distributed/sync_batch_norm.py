"""Batch normalisation over the samples of every rank: the computation behind ``nn.SyncBatchNorm``.

Per channel c, with the ``n`` values of channel c on all ranks together (ranks may hold
different batch sizes):

* forward: ``mean`` and the biased ``var`` of those ``n`` values, from each rank's
  (count, mean, M2 = sum of squared deviations) gathered in one ``all_gather`` and combined
  in rank order on every rank (Chan et al.'s pairwise update: no cancellation, unlike a sum
  of squares); ``xhat = (x - mean) / sqrt(var + eps)``;
* backward: with ``g = dL/dxhat`` on this rank, the per-channel sums ``sum(g)`` and
  ``sum(g * xhat)`` are summed over the ranks (one ``all_reduce`` of a (2, C) array), and
  ``dL/dx = (g - sum(g) / n - xhat * sum(g * xhat) / n) / sqrt(var + eps)``,
  the exact derivative of the global normalisation (mean and var depend on every rank's x).

The affine ``weight``/``bias`` are applied after it with ordinary ops, so their gradients are
this rank's own sums (DistributedDataParallel averages them, as torch's SyncBatchNorm leaves them).
Second-order gradients are refused: the derivative of the backward would need the collectives
differentiated too.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd import Function
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.distributed.collectives import all_reduce
from minigrad.distributed.gather_reduce import all_gather
from minigrad.distributed.group import _group

__all__ = ["SyncBatchNormalize", "global_batch_moments", "sync_batch_norm"]


def global_batch_moments(x) -> tuple:
    """(mean, biased var, count) per channel (axis 1) of the array ``x`` over every axis but 1 and every rank.

    mean and var are (C,) arrays of ``x``'s dtype, count the global number of values per channel (an int).
    One ``all_gather`` of each rank's (3, C) float64 [count, mean, M2]; every rank combines them in the same
    order, so every rank gets the same bits.
    """
    xp = get_array_module(x)
    axes = (0,) + tuple(range(2, x.ndim))
    channels = x.shape[1]
    # Sent and combined in float64 (a few numbers per channel): the counts stay exact in any dtype.
    local = xp.zeros((3, channels), dtype=np.float64)
    count = x.size // channels if channels else 0
    if count:   # a rank with an empty batch adds nothing (its mean and M2 stay 0)
        mean = x.mean(axis=axes)
        centred = x - mean.reshape((1, channels) + (1,) * (x.ndim - 2))
        local[0] = count
        local[1] = mean
        local[2] = (centred * centred).sum(axis=axes)
    pieces = [xp.empty_like(local) for _ in range(_group().size)]
    all_gather(pieces, local)
    total = 0
    mean = xp.zeros(channels, dtype=np.float64)
    m2 = xp.zeros(channels, dtype=np.float64)
    for piece in pieces:
        n_r = int(piece[0, 0]) if channels else 0
        if n_r == 0:
            continue
        new_total = total + n_r
        delta = piece[1] - mean
        mean = mean + delta * (n_r / new_total)
        m2 = m2 + piece[2] + delta * delta * (total * n_r / new_total)
        total = new_total
    var = m2 / total if total else m2
    return mean.astype(x.dtype), var.astype(x.dtype), total


class SyncBatchNormalize(Function):
    """xhat = (x - mean) * invstd per channel (axis 1), mean and invstd the global batch statistics of x.

    Derivative (first order only): with g = dL/dxhat and S1 = sum g, S2 = sum g * xhat per channel,
    summed over this rank's values and then over every rank (an all_reduce in backward),
    dL/dx = invstd * (g - S1 / n - xhat * S2 / n), n the global count per channel.
    """

    def __init__(self, mean, invstd, count):
        self.mean, self.invstd, self.count = mean, invstd, count

    def forward(self, x):
        return (x - self.mean) * self.invstd

    def backward(self, F, gy, x):
        if isinstance(gy, Tensor):
            raise RuntimeError("SyncBatchNorm: higher-order gradients (create_graph=True, or under "
                               "record_backward_graph) are not supported in training across several ranks; "
                               "its backward sums over the ranks with a collective that is not differentiated")
        axes = (0,) + tuple(range(2, x.ndim))
        xhat = (x - self.mean) * self.invstd
        xp = get_array_module(x)
        sums = xp.stack([gy.sum(axis=axes), (gy * xhat).sum(axis=axes)])
        sums = all_reduce(sums, "sum")
        shape = self.mean.shape
        scale = x.dtype.type(1.0 / self.count)
        mean_g = sums[0].reshape(shape) * scale
        mean_gx = sums[1].reshape(shape) * scale
        return self.invstd * (gy - mean_g - xhat * mean_gx)


def sync_batch_norm(x: Tensor, running_mean, running_var, weight, bias, momentum: float, eps: float,
                    name: str = "SyncBatchNorm") -> Tensor:
    """Training-mode batch normalisation of ``x`` (N, C, *) with the statistics of every rank's batch.

    ``running_mean``/``running_var`` (or None) move towards the global mean and *unbiased* variance
    in place, with ``momentum``; then ``y = xhat * weight + bias`` (each optional), per channel.
    """
    mean, var, count = global_batch_moments(x.data)
    if count < 2:
        raise ValueError(f"{name}: training needs more than 1 value per channel over all ranks, got input of "
                         f"shape {tuple(x.shape)} on this rank and {count} value(s) per channel in all")
    if running_mean is not None:
        unbiased = var * var.dtype.type(count / (count - 1))
        running_mean.data *= running_mean.dtype.type(1 - momentum)
        running_mean.data += running_mean.dtype.type(momentum) * mean.astype(running_mean.dtype)
        running_var.data *= running_var.dtype.type(1 - momentum)
        running_var.data += running_var.dtype.type(momentum) * unbiased.astype(running_var.dtype)
    xp = get_array_module(x.data)
    stat_shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    invstd = (xp.asarray(1, dtype=x.dtype) / xp.sqrt(var + x.dtype.type(eps))).reshape(stat_shape)
    y = SyncBatchNormalize.apply(x, mean=mean.reshape(stat_shape), invstd=invstd, count=count)
    if weight is not None:
        y = y * weight.reshape(*stat_shape)
    if bias is not None:
        y = y + bias.reshape(*stat_shape)
    return y
