"""Stateless building blocks of networks (``F``): ``linear``, activations, dropout, batch norm and losses.

Each function takes Tensors and returns a Tensor. One module per family, named
as the layers that call them (``nn/linear.py`` holds ``Linear``, ``nn/functional/linear.py``
holds ``linear``):

* ``linear``: ``linear``, the fused ``Affine`` node;
* ``activation``: ``relu``, ``leaky_relu``, ``sigmoid``, ``tanh`` (one op each);
* ``softmax``: ``softmax`` and ``log_softmax``, single Functions with closed-form
  backwards, stable for logits of any size (the log-sum-exp trick);
* ``dropout``, ``normalization`` (``batch_norm``): compositions of ops;
* ``embedding``: row lookup by integer index (``minigrad.ops.embedding``);
* ``loss``: ``cross_entropy``, ``nll_loss``, ``mse_loss``, ``l1_loss``, ``huber_loss``,
  ``smooth_l1_loss``, ``binary_cross_entropy_with_logits``.

Most are compositions of minigrad ops, so autograd derives their backward (and
double backward) itself.
"""
from minigrad.nn.functional.activation import leaky_relu, relu, sigmoid, tanh
from minigrad.nn.functional.dropout import dropout
from minigrad.nn.functional.linear import linear
from minigrad.nn.functional.loss import (binary_cross_entropy_with_logits, cross_entropy, huber_loss, l1_loss,
                                         mse_loss, nll_loss, smooth_l1_loss)
from minigrad.nn.functional.normalization import batch_norm
from minigrad.nn.functional.softmax import log_softmax, softmax
from minigrad.ops.embedding import embedding

__all__ = [
    "linear", "relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax",
    "dropout", "batch_norm", "embedding",
    "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss",
    "binary_cross_entropy_with_logits",
]
