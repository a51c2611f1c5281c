"""``AdaptiveLogSoftmaxWithLoss``: the efficient softmax of Grave et al. (2016) for many classes, as PyTorch's.

The classes are split at ``cutoffs`` into a shortlist [0, cutoffs[0]) and clusters [cutoffs[i], cutoffs[i + 1]).
The ``head`` (a Linear to shortlist + one logit per cluster) scores the shortlist and the clusters; cluster i's
``tail[i]`` (two Linears without bias, in_features -> in_features // div_value^(i+1) -> cluster size) scores the
classes inside it. log p(class) = log_softmax(head)[class] in the shortlist, and
log_softmax(head)[cluster] + log_softmax(tail[cluster])[class - cutoff] otherwise. Parameter names and shapes are
PyTorch's (``head.weight``, ``head.bias`` with ``head_bias``, ``tail.0.0.weight``, ``tail.0.1.weight``, ...; a torch
state dict loads through ``minigrad.io.from_torch``, which transposes the Linear weights).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module, to_device
from minigrad.nn.arguments import nonnegative_int, positive_int
from minigrad.nn.layer import Layer
from minigrad.nn.linear import Linear
from minigrad.nn.module_list import ModuleList
from minigrad.nn.network import Sequential
from minigrad.ops.scatter import index_add
from minigrad.ops.shape import concat
from minigrad.ops.softmax import log_softmax
from minigrad.scalars import is_integer, is_real

__all__ = ["AdaptiveLogSoftmaxWithLoss", "ASMoutput"]


class ASMoutput(NamedTuple):
    """What ``AdaptiveLogSoftmaxWithLoss`` returns: each sample's target log-probability and their mean negation."""

    output: Tensor
    loss: Tensor


ASMoutput.__name__ = ASMoutput.__qualname__ = "_ASMoutput"   # PyTorch's name for it


class AdaptiveLogSoftmaxWithLoss(Layer):
    """``forward(input, target)`` -> ``(output, loss)``: output[n] = log p(target[n] | input[n]) for (N, in_features)
    input and (N,) integer targets (or (in_features,) and a 0-d target), loss = -mean(output). ``log_prob(input)``
    gives the full (N, n_classes) log-probabilities, ``predict(input)`` the most likely class (int64), both for
    (N, in_features) inputs only, as PyTorch's.

    Each cluster's tail runs only on the rows whose target is in it (one loop over the clusters, none over rows);
    every step is an op (linear maps, log_softmax, gathers, index_add), so autograd gives every derivative.
    """

    def __init__(self, in_features: int, n_classes: int, cutoffs, div_value: float = 4.0, head_bias: bool = False,
                 device=None, dtype=None):
        super().__init__()
        name = "AdaptiveLogSoftmaxWithLoss"
        # 0 is torch's too: every layer empty, p uniform
        in_features = nonnegative_int(name, "in_features", in_features)
        n_classes = positive_int(name, "n_classes", n_classes)
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError(f"{name}: cutoffs should be a sequence of length larger than 0")
        if (not all(is_integer(c) for c in cutoffs) or cutoffs != sorted(cutoffs) or min(cutoffs) <= 0
                or max(cutoffs) > n_classes - 1 or len(set(cutoffs)) != len(cutoffs)):
            raise ValueError(f"{name}: cutoffs should be a sequence of unique, positive integers sorted in an "
                             f"increasing order, where each value is between 1 and n_classes-1, got {cutoffs}")
        if not is_real(div_value) or div_value <= 0:
            raise ValueError(f"{name}: div_value must be a positive number, got {div_value!r}")
        self.in_features, self.n_classes = in_features, n_classes
        self.cutoffs = [int(c) for c in cutoffs] + [n_classes]
        self.div_value, self.head_bias = div_value, bool(head_bias)
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        # Linears of 0 features where in_features // div_value^(i + 1) is 0, as torch's: their outputs are 0, so
        # such a cluster's classes are equally likely within it
        self.head = Linear._of_width(in_features, self.head_size, bias=self.head_bias, device=device, dtype=dtype)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            size = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear._of_width(in_features, hidden, bias=False, device=device, dtype=dtype),
                                        Linear._of_width(hidden, size, bias=False, device=device, dtype=dtype)))

    def reset_parameters(self):
        """Each Linear's own initialisation again."""
        for layer in self.layers():
            if isinstance(layer, Linear):
                layer.reset_parameters()

    def _batched(self, input, target=None):
        """(input as (N, in_features), target as (N,) raw int64 or None, whether the call was batched)."""
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
        if target is None:   # log_prob and predict take (N, in_features) only, as PyTorch's
            if input.ndim != 2:
                raise ValueError(f"{name}: expected a 2-D (N, in_features) input, got shape {tuple(input.shape)}")
            return input, None, True
        raw = target.data if isinstance(target, Tensor) else target
        raw = np.asarray(raw) if not hasattr(raw, "dtype") else raw
        if raw.dtype.kind not in "iu":
            raise TypeError(f"{name}: target must be integers, got dtype {raw.dtype}")
        if raw.ndim == 1:
            if input.ndim != 2:
                raise ValueError(f"{name}: 1D target tensor expects 2D input tensors, but found inputs with size "
                                 f"{tuple(input.shape)}")
            if input.shape[0] != raw.shape[0]:
                raise ValueError(f"{name}: Input and target should have the same size in the batch dimension "
                                 f"({input.shape[0]} and {raw.shape[0]})")
        elif raw.ndim == 0:
            if input.ndim != 1:
                raise ValueError(f"{name}: 0D target tensor expects 1D input tensors, but found inputs with size "
                                 f"{tuple(input.shape)}")
        else:
            raise ValueError(f"{name}: 0D or 1D target tensor expected, multi-target not supported, got shape "
                             f"{tuple(raw.shape)}")
        batched = raw.ndim == 1
        return (input if batched else input.reshape(1, -1)), raw.reshape(-1).astype(np.int64), batched

    def forward(self, input, target) -> ASMoutput:
        x, target, batched = self._batched(input, target)
        xp = get_array_module(x.data)
        target = to_device(target, x.device)
        if target.size and (int(target.min()) < 0 or int(target.max()) >= self.n_classes):
            raise ValueError(f"{type(self).__name__}: Target values should be in [0, {self.n_classes - 1}], but "
                             f"values in range [{int(target.min())}, {int(target.max())}] were found.")
        n = target.shape[0]
        cluster = xp.searchsorted(xp.asarray(self.cutoffs), target, side="right")   # 0: the shortlist
        head_column = xp.where(cluster == 0, target, self.shortlist_size + cluster - 1)
        head = log_softmax(self.head(x), axis=1)
        output = head[xp.arange(n), head_column]
        for i in range(self.n_clusters):
            rows = xp.flatnonzero(cluster == i + 1)
            if rows.size == 0:
                continue
            inside = log_softmax(self.tail[i](x[rows]), axis=1)
            local = inside[xp.arange(rows.size), target[rows] - self.cutoffs[i]]
            output = index_add(output, 0, as_tensor(rows), local)
        loss = (-output).mean()
        return ASMoutput(output if batched else output.reshape(()), loss)

    def _full_log_prob(self, x, head_output):
        head = log_softmax(head_output, axis=1)
        parts = [head[:, :self.shortlist_size]]
        for i in range(self.n_clusters):
            column = self.shortlist_size + i
            parts.append(log_softmax(self.tail[i](x), axis=1) + head[:, column:column + 1])
        return concat(parts, axis=1)

    def log_prob(self, input):
        """log p(class | input) for every class: (N, in_features) -> (N, n_classes)."""
        x, _, _ = self._batched(input)
        return self._full_log_prob(x, self.head(x))

    def predict(self, input):
        """The most likely class of each row (int64; the full log-probabilities only for rows whose head picks a
        cluster), as ``log_prob(input).argmax(1)``."""
        x, _, _ = self._batched(input)
        xp = get_array_module(x.data)
        head_output = self.head(x)
        choice = xp.argmax(head_output.data, axis=1)
        outside = xp.flatnonzero(choice >= self.shortlist_size)
        if outside.size:
            full = self._full_log_prob(x[outside], head_output[outside])
            choice[outside] = xp.argmax(full.data, axis=1)
        return as_tensor(choice.astype(np.int64))

    def extra_repr(self):
        return ""
