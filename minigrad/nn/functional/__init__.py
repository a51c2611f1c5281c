"""Stateless building blocks of networks (``F``): ``linear``, activations, dropout, normalization, spatial ops, losses.

Each function takes Tensors and returns a Tensor. One module per family, named
as the layers that call them (``nn/linear.py`` holds ``Linear``, ``nn/functional/linear.py``
holds ``linear``):

* ``linear``: ``linear``, the fused ``Affine`` node;
* ``activation``: ``relu``, ``leaky_relu``, ``sigmoid``, ``tanh``, ``silu``, ``elu``, ``gelu``, ``softplus``,
  ``mish``, ``hardtanh``, ``relu6``, ``logsigmoid``, ``selu``, ``celu``, ``hardswish``, ``hardsigmoid``,
  ``hardshrink``, ``softshrink``, ``threshold`` (one op each: PyTorch's derivatives at the kinks) and ``prelu``,
  ``softsign``, ``tanhshrink``, ``rrelu``, ``glu``, ``softmin`` (composed);
* ``softmax`` and ``log_softmax``: single Functions with closed-form backwards, stable for
  logits of any size (the log-sum-exp trick), the ops of ``minigrad/ops/softmax.py``
  (also ``minigrad.softmax`` and ``Tensor.softmax``);
* ``dropout`` (``dropout``, ``dropout1d``, ``dropout2d``, ``dropout3d``, ``alpha_dropout``, ``feature_alpha_dropout``),
  ``normalization`` (``batch_norm``, ``layer_norm``, ``group_norm``, ``rms_norm``, ``local_response_norm``),
  ``instance_norm``: compositions of ops;
* ``conv2d``, ``conv_transpose2d``, the pooling functions and ``pad`` are the ops of
  ``minigrad/ops/conv.py``, ``pool.py`` and ``pad.py``; ``conv1d``, ``max_pool1d`` and ``avg_pool1d``
  (``ops/conv1d.py``, ``ops/pool1d.py``) run them over (N, C, 1, L);
* ``upsampling``: ``interpolate`` (and PyTorch's deprecated ``upsample``, ``upsample_nearest``,
  ``upsample_bilinear``), nearest-neighbour upsampling by integer factors (reshape and broadcast) and linear /
  bilinear interpolation (gathers at constant indices and weighted sums, PyTorch's ``align_corners``);
  ``interpolation_modes``: nearest at any factor, nearest-exact, bicubic (gathers) and area (adaptive pooling);
* ``conv_tbc``: time-major 1-D convolution (conv1d between transposes); ``fractional_pool``:
  ``fractional_max_pool2d``/``3d`` and their ``_with_indices`` forms (pseudo-random overlapping windows);
* ``pad`` also has the modes 'reflect', 'replicate' and 'circular' (``PadMode``, ``minigrad/ops/pad_modes.py``);
  ``conv_transpose1d`` runs ConvTranspose2d over (N, C, 1, L); ``adaptive_avg_pool1d``,
  ``adaptive_max_pool1d`` and ``adaptive_max_pool2d`` (``minigrad/ops/adaptive_pool.py``); ``unfold`` and
  ``fold`` (im2col / col2im, ``minigrad/ops/fold.py``); ``max_pool1d_with_indices``, ``max_pool2d_with_indices``,
  ``adaptive_max_pool1d_with_indices``, ``adaptive_max_pool2d_with_indices`` and their partial inverses
  ``max_unpool1d``, ``max_unpool2d``, ``max_unpool3d`` (``minigrad/ops/unpool.py``);
* ``shuffle``: ``pixel_shuffle``, ``pixel_unshuffle``, ``channel_shuffle`` (reshape, transpose, reshape);
  ``lp_pool``: ``lp_pool1d``, ``lp_pool2d``, ``lp_pool3d`` (power-average pooling); ``bilinear``: ``bilinear`` (two
  products);
* volumes (N, C, D, H, W): ``conv3d``, ``conv_transpose3d`` (``ops/conv3d.py``), ``max_pool3d``,
  ``max_pool3d_with_indices``, ``avg_pool3d`` (``ops/pool3d.py``), ``adaptive_avg_pool3d``,
  ``adaptive_max_pool3d`` (``ops/adaptive_pool.py``): the 2-D kernels, which take any number of spatial axes;
* ``embedding``: row lookup by integer index (``minigrad.ops.embedding``); ``embedding_bag``: the sum, mean or max of
  the rows of each bag of indices (lookups and one segment sum, or a segment max); ``encoding``: ``one_hot``, indices
  as 0/1 rows;
* ``distance``: ``normalize``, ``cosine_similarity``, ``pairwise_distance`` (vector norms along an axis);
  ``pdist`` is the op ``minigrad.pdist`` (``minigrad/ops/distances.py``), the distances between rows;
* ``loss``: ``cross_entropy``, ``nll_loss``, ``mse_loss``, ``l1_loss``, ``huber_loss``,
  ``smooth_l1_loss``; ``binary_losses``: ``binary_cross_entropy_with_logits`` (``weight``, ``pos_weight``)
  and ``binary_cross_entropy`` (from probabilities); ``divergence``: ``kl_div``, the KL divergence loss; ``margin``:
  ``soft_margin_loss``, ``margin_ranking_loss``; ``embedding_loss``: ``cosine_embedding_loss``,
  ``hinge_embedding_loss``, ``triplet_margin_loss``, ``triplet_margin_with_distance_loss``; ``multiclass_margin``:
  ``multi_margin_loss``, ``multilabel_margin_loss``, ``multilabel_soft_margin_loss``; ``likelihood_losses``:
  ``gaussian_nll_loss``, ``poisson_nll_loss``; ``ctc``: ``ctc_loss`` (the alpha recursion over time steps, a
  closed-form alpha-beta gradient; first derivatives only).
  ``gaussian_nll_loss``, ``poisson_nll_loss``.
* ``gumbel``: ``gumbel_softmax`` (softmax of logits plus Gumbel noise; ``hard``: one-hot, straight-through gradient);
* ``sampling``: ``affine_grid`` (a batched matmul with a constant base grid) and ``grid_sample`` (the op
  ``GridSample``, ``minigrad/ops/grid_sample.py``: bilinear, nearest and bicubic reads of an image at a grid's
  points, PyTorch's padding modes and ``align_corners``);
* ``attention``: ``scaled_dot_product_attention`` (batched matmuls, masks, softmax and dropout; PyTorch's
  arguments, masks and fully-masked rows); ``multi_head_attention``: ``multi_head_attention_forward`` (PyTorch's
  functional multi-head attention from explicit weights, the body of ``nn.MultiheadAttention.forward``).

Most are compositions of minigrad ops, so autograd derives their backward (and
double backward) itself.
"""
from minigrad.nn.functional.activation import (celu, elu, gelu, glu, hardshrink, hardsigmoid, hardswish, hardtanh,
                                              leaky_relu, logsigmoid, mish, prelu, relu, relu6, rrelu, selu, sigmoid,
                                              silu, softmin, softplus, softshrink, softsign, tanh, tanhshrink,
                                              threshold)
from minigrad.nn.functional.activation import (celu_, elu_, hardtanh_, leaky_relu_, relu_, rrelu_, selu_,
                                              threshold_)
from minigrad.nn.functional.attention import scaled_dot_product_attention
from minigrad.nn.functional.gumbel import gumbel_softmax
from minigrad.nn.functional.sampling import affine_grid, grid_sample
from minigrad.nn.functional.conv_tbc import conv_tbc
from minigrad.nn.functional.multi_head_attention import multi_head_attention_forward
from minigrad.nn.functional.fractional_pool import (fractional_max_pool2d, fractional_max_pool2d_with_indices,
                                                    fractional_max_pool3d, fractional_max_pool3d_with_indices)
from minigrad.nn.functional.distance import cosine_similarity, normalize, pairwise_distance
from minigrad.nn.functional.dropout import (alpha_dropout, dropout, dropout1d, dropout2d, dropout3d,
                                           feature_alpha_dropout)
from minigrad.nn.functional.bilinear import bilinear
from minigrad.nn.functional.lp_pool import lp_pool1d, lp_pool2d, lp_pool3d
from minigrad.nn.functional.linear import linear
from minigrad.nn.functional.binary_losses import binary_cross_entropy, binary_cross_entropy_with_logits
from minigrad.nn.functional.divergence import kl_div
from minigrad.nn.functional.loss import cross_entropy, huber_loss, l1_loss, mse_loss, nll_loss, smooth_l1_loss
from minigrad.nn.functional.margin import margin_ranking_loss, soft_margin_loss
from minigrad.nn.functional.embedding_loss import (cosine_embedding_loss, hinge_embedding_loss, triplet_margin_loss,
                                                     triplet_margin_with_distance_loss)
from minigrad.nn.functional.multiclass_margin import (multi_margin_loss, multilabel_margin_loss,
                                                      multilabel_soft_margin_loss)
from minigrad.nn.functional.likelihood_losses import gaussian_nll_loss, poisson_nll_loss
from minigrad.nn.functional.normalization import batch_norm, group_norm, layer_norm, local_response_norm, rms_norm
from minigrad.nn.functional.instance_norm import instance_norm
from minigrad.nn.functional.upsampling import interpolate, upsample, upsample_bilinear, upsample_nearest
from minigrad.nn.functional.encoding import one_hot
from minigrad.ops.softmax import log_softmax, softmax
from minigrad.ops.conv import conv2d, conv_transpose2d  # the ops themselves, under their PyTorch names
from minigrad.ops.conv1d import conv1d, conv_transpose1d
from minigrad.ops.conv3d import conv3d, conv_transpose3d
from minigrad.ops.adaptive_pool import (adaptive_avg_pool1d, adaptive_avg_pool3d, adaptive_max_pool1d,
                                        adaptive_max_pool2d, adaptive_max_pool3d)
from minigrad.nn.functional.shuffle import channel_shuffle, pixel_shuffle, pixel_unshuffle
from minigrad.ops.embedding import embedding
from minigrad.nn.functional.embedding_bag import embedding_bag
from minigrad.nn.functional.ctc import ctc_loss
from minigrad.ops.pad import pad
from minigrad.ops.pool import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from minigrad.ops.pool1d import avg_pool1d, max_pool1d
from minigrad.ops.pool3d import avg_pool3d, max_pool3d, max_pool3d_with_indices
from minigrad.ops.fold import fold, unfold
from minigrad.ops.distances import pdist
from minigrad.ops.unpool import (adaptive_max_pool1d_with_indices, adaptive_max_pool2d_with_indices,
                                 max_pool1d_with_indices, max_pool2d_with_indices, max_unpool1d, max_unpool2d,
                                 max_unpool3d)

__all__ = [
    "linear", "relu", "leaky_relu", "sigmoid", "tanh", "silu", "elu", "gelu", "softplus", "mish", "hardtanh", "relu6",
    "prelu", "softmax", "log_softmax",
    "dropout", "dropout2d", "batch_norm", "layer_norm", "embedding",
    "conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "pad",
    "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss",
    "binary_cross_entropy_with_logits", "binary_cross_entropy", "kl_div", "soft_margin_loss", "margin_ranking_loss",
    "one_hot", "normalize", "cosine_similarity", "pairwise_distance",
    "conv1d", "max_pool1d", "avg_pool1d", "group_norm", "interpolate",
    "logsigmoid", "softsign", "softmin", "selu", "celu", "glu", "hardswish", "hardsigmoid", "hardshrink", "softshrink",
    "tanhshrink", "threshold", "rrelu",
    "cosine_embedding_loss", "hinge_embedding_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss",
    "gaussian_nll_loss", "poisson_nll_loss", "multi_margin_loss", "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
    "rms_norm", "instance_norm", "local_response_norm",
    "conv_transpose1d", "adaptive_avg_pool1d", "adaptive_max_pool1d", "adaptive_max_pool2d",
    "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "unfold", "fold", "bilinear", "dropout1d", "alpha_dropout",
    "feature_alpha_dropout", "lp_pool1d", "lp_pool2d", "scaled_dot_product_attention",
    # volumes (N, C, D, H, W)
    "conv3d", "conv_transpose3d", "max_pool3d", "max_pool3d_with_indices", "avg_pool3d", "adaptive_avg_pool3d",
    "adaptive_max_pool3d", "lp_pool3d", "dropout3d",
    "pdist",
    "max_pool1d_with_indices", "max_pool2d_with_indices", "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d_with_indices", "max_unpool1d", "max_unpool2d", "embedding_bag", "ctc_loss",
    "gumbel_softmax",
]
__all__ += ["affine_grid", "grid_sample", "upsample", "upsample_nearest", "upsample_bilinear", "conv_tbc",
            "fractional_max_pool2d", "fractional_max_pool2d_with_indices", "multi_head_attention_forward"]  # session 10
__all__ += ["relu_", "elu_", "leaky_relu_", "hardtanh_", "threshold_", "selu_", "celu_", "rrelu_"]
__all__ += ["max_unpool3d"]   # session 13
__all__ += ["fractional_max_pool3d", "fractional_max_pool3d_with_indices"]   # session 14
