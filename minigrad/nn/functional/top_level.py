"""``F``'s functions under PyTorch's top-level names and signatures (``torch.dropout``, ``torch.batch_norm``, ...).

``minigrad.selu``, ``minigrad.batch_norm`` and the rest are these: where PyTorch's top-level function takes other
arguments than ``torch.nn.functional``'s, it is followed (``torch.dropout(input, p, train)`` has no defaults,
``torch.batch_norm`` takes weight and bias before the running statistics, ``torch.embedding`` takes the weight first,
the losses take ``reduction`` as PyTorch's enum int: 0 none, 1 mean, 2 sum). Called without ``reduction``,
torch 2.13's top-level losses return the unreduced losses (their Python binding's default is 0, though ATen's
schema says 1), and so do these. ``minigrad.nn.functional`` keeps
``torch.nn.functional``'s signatures. ``import minigrad`` loads this module only when one of these names is used.
The arguments PyTorch keeps for its kernels (``cudnn_enabled``, ``cudnn_enable``) are accepted and change nothing;
``rrelu``'s ``generator`` must be None (``F.rrelu`` draws from minigrad's generator, ``minigrad.manual_seed``).
"""
from __future__ import annotations

from minigrad.nn import functional as F
from minigrad.ops.pad import pad as _pad
from minigrad.scalars import is_integer

_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _reduction(name, reduction):
    if not is_integer(reduction) or int(reduction) not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be PyTorch's enum int (0 none, 1 mean, 2 sum), got {reduction!r} "
                         f"(minigrad.nn.functional.{name} takes 'none', 'mean' or 'sum')")
    return _REDUCTIONS[int(reduction)]


def _no_generator(name, generator):
    if generator is not None:
        raise TypeError(f"{name}: takes no Generator here (it draws from minigrad's generator); pass "
                        "generator=None and seed with minigrad.manual_seed")


def selu(input):  # noqa: A002  (PyTorch's argument names throughout)
    """SELU (``torch.selu``); see ``minigrad.nn.functional.selu``."""
    return F.selu(input)


def celu(input, alpha=1.0):  # noqa: A002
    """CELU (``torch.celu``); see ``minigrad.nn.functional.celu``."""
    return F.celu(input, alpha)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):  # noqa: A002
    """Randomized leaky ReLU (``torch.rrelu``); see ``minigrad.nn.functional.rrelu``."""
    _no_generator("rrelu", generator)
    return F.rrelu(input, lower, upper, training)


def threshold(input, threshold, value):  # noqa: A002
    """``value`` where input <= threshold, else input (``torch.threshold``)."""
    return F.threshold(input, threshold, value)


def hardshrink(input, lambd=0.5):  # noqa: A002
    """0 where |input| <= lambd, else input (``torch.hardshrink``)."""
    return F.hardshrink(input, lambd)


def prelu(input, weight):  # noqa: A002
    """max(0, x) + weight * min(0, x), weight per channel (``torch.prelu``)."""
    return F.prelu(input, weight)


def dropout(input, p, train):  # noqa: A002
    """Inverted dropout (``torch.dropout``: ``p`` and ``train`` are required)."""
    return F.dropout(input, p, training=train)


def alpha_dropout(input, p, train):  # noqa: A002
    """SELU's dropout (``torch.alpha_dropout``: ``p`` and ``train`` are required)."""
    return F.alpha_dropout(input, p, training=train)


def feature_alpha_dropout(input, p, train):  # noqa: A002
    """SELU's channel dropout (``torch.feature_alpha_dropout``: ``p`` and ``train`` are required)."""
    return F.feature_alpha_dropout(input, p, training=train)


def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled):  # noqa: A002
    """Batch normalization with ``torch.batch_norm``'s argument order (weight and bias first, all required)."""
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps,  # noqa: A002
                  cudnn_enabled):
    """Instance normalization with ``torch.instance_norm``'s argument order (all required)."""
    return F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5, cudnn_enable=True):  # noqa: A002
    """Layer normalization (``torch.layer_norm``)."""
    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):  # noqa: A002
    """Group normalization (``torch.group_norm``)."""
    return F.group_norm(input, num_groups, weight, bias, eps)


def rms_norm(input, normalized_shape, weight=None, eps=None):  # noqa: A002
    """RMS normalization (``torch.rms_norm``)."""
    return F.rms_norm(input, normalized_shape, weight, eps)


def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):  # noqa: A002
    """1-D max pooling, values only (``torch.max_pool1d``: an empty ``stride`` means the kernel size)."""
    if isinstance(stride, (tuple, list)) and len(stride) == 0:
        stride = None
    return F.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode)


def adaptive_max_pool1d(input, output_size):  # noqa: A002
    """``(values, indices)`` of 1-D adaptive max pooling (``torch.adaptive_max_pool1d`` returns both)."""
    return F.adaptive_max_pool1d(input, output_size, return_indices=True)


def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """Rows ``weight[indices]`` (``torch.embedding``: the weight first). A ``padding_idx`` >= 0 gets no gradient;
    a negative one (the default -1) means none, as in PyTorch's kernel. ``scale_grad_by_freq`` as
    ``F.embedding``'s; minigrad has no sparse gradients."""
    if sparse:
        raise NotImplementedError(f"embedding: minigrad has no sparse gradients, got sparse={sparse!r}")
    if not is_integer(padding_idx):
        raise TypeError(f"embedding: padding_idx must be an int, got {padding_idx!r}")
    return F.embedding(indices, weight, None if padding_idx < 0 else int(padding_idx),
                       scale_grad_by_freq=scale_grad_by_freq)


def kl_div(input, target, reduction=0, *, log_target=False):  # noqa: A002
    """KL divergence loss (``torch.kl_div``: ``reduction=1`` is the mean over every element, without the warning
    ``F.kl_div``'s ``'mean'`` gives)."""
    reduction = _reduction("kl_div", reduction)
    if reduction == "mean":
        return F.kl_div(input, target, reduction="none", log_target=log_target).mean()
    return F.kl_div(input, target, reduction=reduction, log_target=log_target)


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0):
    """``torch.cosine_embedding_loss``; see ``minigrad.nn.functional.cosine_embedding_loss``."""
    return F.cosine_embedding_loss(input1, input2, target, margin, reduction=_reduction("cosine_embedding_loss", reduction))


def hinge_embedding_loss(input, target, margin=1.0, reduction=0):  # noqa: A002
    """``torch.hinge_embedding_loss``; see ``minigrad.nn.functional.hinge_embedding_loss``."""
    return F.hinge_embedding_loss(input, target, margin, reduction=_reduction("hinge_embedding_loss", reduction))


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0):
    """``torch.margin_ranking_loss``; see ``minigrad.nn.functional.margin_ranking_loss``."""
    return F.margin_ranking_loss(input1, input2, target, margin, reduction=_reduction("margin_ranking_loss", reduction))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False, reduction=0):
    """``torch.triplet_margin_loss``; see ``minigrad.nn.functional.triplet_margin_loss``."""
    return F.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                 reduction=_reduction("triplet_margin_loss", reduction))


def poisson_nll_loss(input, target, log_input, full, eps, reduction):  # noqa: A002
    """``torch.poisson_nll_loss`` (every argument required); see ``minigrad.nn.functional.poisson_nll_loss``."""
    return F.poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=_reduction("poisson_nll_loss", reduction))


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=0):  # noqa: A002
    """``torch.binary_cross_entropy_with_logits``: ``pos_weight`` before ``reduction``, which is an enum int."""
    return F.binary_cross_entropy_with_logits(input, target, weight,
                                              reduction=_reduction("binary_cross_entropy_with_logits", reduction),
                                              pos_weight=pos_weight)


def constant_pad_nd(input, pad, value=0):  # noqa: A002
    """``input`` padded with ``value`` (``torch.constant_pad_nd``: ``pad`` pairs from the last dim backwards)."""
    return _pad(input, tuple(pad), "constant", value)


# Same signature as torch's top-level name: F's function itself.
SAME = ("conv1d", "conv_transpose1d", "avg_pool1d", "adaptive_avg_pool1d", "bilinear", "cosine_similarity",
        "pairwise_distance", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle")
WRAPPED = ("selu", "celu", "rrelu", "threshold", "hardshrink", "prelu", "dropout", "alpha_dropout",
           "feature_alpha_dropout", "batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm",
           "max_pool1d", "adaptive_max_pool1d", "embedding", "kl_div", "cosine_embedding_loss", "hinge_embedding_loss",
           "margin_ranking_loss", "triplet_margin_loss", "poisson_nll_loss", "binary_cross_entropy_with_logits",
           "constant_pad_nd")
NAMES = SAME + WRAPPED


def lookup(name):
    """The function ``minigrad.<name>`` means."""
    return getattr(F, name) if name in SAME else globals()[name]
