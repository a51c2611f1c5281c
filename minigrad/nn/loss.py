"""Loss layers: thin wrappers that remember the options of a loss in ``minigrad.nn.functional.loss``.

``criterion = CrossEntropyLoss(label_smoothing=0.1)`` then ``loss = criterion(logits, target)``.
The arguments are PyTorch's, in PyTorch's order, with the deprecated ``size_average`` and ``reduce`` in their
slots (read as torch reads them: ``functional.legacy_reduction``), and each is checked here, once, naming the loss.
"""
from __future__ import annotations

from minigrad import backend
from minigrad.autograd.tensor import Tensor
from minigrad.nn import functional as F
from minigrad.nn.arguments import flag, float_argument, float_or_int, integer, number, one_of, probability
from minigrad.nn.arguments import reduction as check_reduction
from minigrad.nn.functional.divergence import KL_REDUCTIONS
from minigrad.nn.functional.legacy_reduction import legacy_reduction
from minigrad.nn.functional.loss import number_array
from minigrad.nn.layer import Layer


def _weight_buffer(name, weight):
    """Per-class weights as a 1-D Tensor buffer (None stays None), so that ``to`` and ``state_dict`` carry them.

    A Tensor or an array keeps its dtype (the loss casts to the input's dtype); a list of numbers becomes
    the default float dtype, as a Parameter does, not NumPy's float64.
    """
    if weight is None:
        return None
    data = _number_array(weight, "iuf")
    if data is None or data.dtype.kind not in "iuf" or data.ndim != 1:
        got = repr(weight) if data is None or data.ndim == 0 else f"shape {tuple(data.shape)} dtype {data.dtype}"
        raise ValueError(f"{name}: weight must be a 1-D array of per-class weights (numbers), got {got}")
    return weight if isinstance(weight, Tensor) else Tensor(data)


def _number_array(value, kinds):
    """``F``'s ``number_array`` of a weight argument, in the default float dtype when it was a list of numbers
    of a kind among ``kinds`` (a Tensor or an array keeps its dtype)."""
    data = number_array(value)
    if data is not None and not hasattr(value, "dtype") and data.dtype.kind in kinds:
        data = data.astype(backend.DEFAULT_FLOAT)
    return data


def _reduction(name, size_average, reduce, reduction, choices=None):
    """The loss's ``reduction``, checked, or the one the deprecated flags spell when either is given."""
    reduction = legacy_reduction(name, size_average, reduce, reduction)
    return check_reduction(name, reduction) if choices is None else one_of(name, "reduction", reduction, choices)


def _ignore_index(name, ignore_index):
    return None if ignore_index is None else integer(name, "ignore_index", ignore_index)


class CrossEntropyLoss(Layer):
    """``F.cross_entropy`` (from logits, integer targets) with fixed options; ``weight`` is a buffer.

    As in PyTorch, rows whose target is ``ignore_index`` (-100 by default) count for nothing, and any
    other target outside [0, C) is an error; ``ignore_index=None`` ignores no row.

    Runs as one fused node, ``SoftmaxCrossEntropy``: log-softmax and the pick of
    the target in one forward, ``softmax(x) - q`` as the backward.
    """

    def __init__(self, weight=None, size_average=None, ignore_index: int | None = -100, reduce=None,
                 reduction: str = "mean", label_smoothing: float = 0.0):
        super().__init__()
        name = "CrossEntropyLoss"
        self.reduction = _reduction(name, size_average, reduce, reduction)
        self.ignore_index = _ignore_index(name, ignore_index)
        self.label_smoothing = probability(name, "label_smoothing", label_smoothing)
        self.register_buffer("weight", _weight_buffer(name, weight))

    def forward(self, input, target):  # noqa: A002
        return F.cross_entropy(input, target, reduction=self.reduction, label_smoothing=self.label_smoothing,
                               ignore_index=self.ignore_index, weight=self.weight)

    def extra_repr(self):
        return (f"{'weight, ' if self.weight is not None else ''}ignore_index={self.ignore_index}, "
                f"reduction={self.reduction!r}, label_smoothing={self.label_smoothing}")


class NLLLoss(Layer):
    """``F.nll_loss`` (from log-probabilities, integer targets) with fixed options; ``weight`` is a buffer.

    ``ignore_index`` as in :class:`CrossEntropyLoss` (-100 by default).
    """

    def __init__(self, weight=None, size_average=None, ignore_index: int | None = -100, reduce=None,
                 reduction: str = "mean"):
        super().__init__()
        name = "NLLLoss"
        self.reduction = _reduction(name, size_average, reduce, reduction)
        self.ignore_index = _ignore_index(name, ignore_index)
        self.register_buffer("weight", _weight_buffer(name, weight))

    def forward(self, input, target):  # noqa: A002
        return F.nll_loss(input, target, reduction=self.reduction,
                          ignore_index=self.ignore_index, weight=self.weight)

    def extra_repr(self):
        return (f"{'weight, ' if self.weight is not None else ''}ignore_index={self.ignore_index}, "
                f"reduction={self.reduction!r}")


class NLLLoss2d(NLLLoss):
    """torch's deprecated name of :class:`NLLLoss` for (N, C, H, W) inputs, which ``NLLLoss`` takes itself."""


class MSELoss(Layer):
    """``F.mse_loss`` with a fixed reduction; ``'mean'`` and ``'sum'`` run as one fused node, ``SquaredError``."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__()
        self.reduction = _reduction("MSELoss", size_average, reduce, reduction)

    def forward(self, input, target):  # noqa: A002
        return F.mse_loss(input, target, reduction=self.reduction)

    def extra_repr(self):
        return f"reduction={self.reduction!r}"


class L1Loss(Layer):
    """``F.l1_loss`` with a fixed reduction."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__()
        self.reduction = _reduction("L1Loss", size_average, reduce, reduction)

    def forward(self, input, target):  # noqa: A002
        return F.l1_loss(input, target, reduction=self.reduction)

    def extra_repr(self):
        return f"reduction={self.reduction!r}"


class HuberLoss(Layer):
    """``F.huber_loss`` with a fixed reduction and ``delta`` (> 0).

    As torch's: ``delta`` must be a Python float or int (a bool, a NumPy float64) at construction, else TypeError;
    a non-positive one is refused by ``F.huber_loss`` when called (RuntimeError), not here.
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__()
        self.reduction = check_reduction("HuberLoss", reduction)
        self.delta = float_or_int("HuberLoss", "delta", delta)

    def forward(self, input, target):  # noqa: A002
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)

    def extra_repr(self):
        return f"reduction={self.reduction!r}, delta={self.delta}"


class SmoothL1Loss(Layer):
    """``F.smooth_l1_loss`` with a fixed reduction and ``beta`` (>= 0; 0 is the L1 loss).

    A ``beta`` that ``F.smooth_l1_loss`` would not read as a float (a string, None) is refused here, with its
    TypeError (``arguments.float_argument``, the rule of beta and huber_loss's delta; torch raises it at the first
    call); a negative or NaN one, as torch's, only when called, by ``F.smooth_l1_loss`` (RuntimeError).
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean", beta: float = 1.0):
        super().__init__()
        self.reduction = _reduction("SmoothL1Loss", size_average, reduce, reduction)
        float_argument("SmoothL1Loss", "beta", beta)
        self.beta = beta   # as given, as torch keeps it: a refusal at the call names it

    def forward(self, input, target):  # noqa: A002
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)

    def extra_repr(self):
        return f"reduction={self.reduction!r}, beta={self.beta}"


class BCEWithLogitsLoss(Layer):
    """``F.binary_cross_entropy_with_logits`` with fixed options; ``weight`` and ``pos_weight`` are buffers.

    PyTorch's arguments in PyTorch's order: ``weight`` rescales each element's loss (broadcast over
    the batch), ``pos_weight`` the positive term of each class (broadcast along the last dimension).
    Without them it runs as one fused node, ``SigmoidBinaryCrossEntropy``; with them as
    ``WeightedSigmoidBinaryCrossEntropy``.
    """

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean", pos_weight=None):
        super().__init__()
        name = "BCEWithLogitsLoss"
        self.register_buffer("weight", _factor_buffer(name, "weight", weight))
        self.reduction = _reduction(name, size_average, reduce, reduction)
        self.register_buffer("pos_weight", _factor_buffer(name, "pos_weight", pos_weight))

    def forward(self, input, target):  # noqa: A002
        return F.binary_cross_entropy_with_logits(input, target, self.weight, reduction=self.reduction,
                                                  pos_weight=self.pos_weight)

    def extra_repr(self):
        given = "".join(f"{arg}, " for arg in ("weight", "pos_weight") if getattr(self, arg) is not None)
        return f"{given}reduction={self.reduction!r}"


class BCELoss(Layer):
    """``F.binary_cross_entropy`` (probabilities in [0, 1], each log clamped at -100) with fixed options;
    ``weight`` (any shape that broadcasts to the input's) is a buffer. Prefer :class:`BCEWithLogitsLoss` on
    logits: it is stabler, and ``sigmoid`` + ``BCELoss`` is the same loss."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__()
        name = "BCELoss"
        self.register_buffer("weight", _factor_buffer(name, "weight", weight))
        self.reduction = _reduction(name, size_average, reduce, reduction)

    def forward(self, input, target):  # noqa: A002
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)

    def extra_repr(self):
        return f"{'weight, ' if self.weight is not None else ''}reduction={self.reduction!r}"


class KLDivLoss(Layer):
    """``F.kl_div`` (log-probabilities in, a target distribution, ``log_target`` for a log one) with fixed options.

    ``reduction='batchmean'`` is the KL divergence per sample; ``'mean'`` (the default, as PyTorch's) divides by
    every element and warns at each call, as PyTorch does.
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean", log_target: bool = False):
        super().__init__()
        self.reduction = _reduction("KLDivLoss", size_average, reduce, reduction, KL_REDUCTIONS)
        self.log_target = flag("KLDivLoss", "log_target", log_target)

    def forward(self, input, target):  # noqa: A002
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)

    def extra_repr(self):
        return f"reduction={self.reduction!r}, log_target={self.log_target}"


class SoftMarginLoss(Layer):
    """``F.soft_margin_loss`` (``log(1 + exp(-y x))`` for targets of 1 and -1) with a fixed reduction."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__()
        self.reduction = _reduction("SoftMarginLoss", size_average, reduce, reduction)

    def forward(self, input, target):  # noqa: A002
        return F.soft_margin_loss(input, target, reduction=self.reduction)

    def extra_repr(self):
        return f"reduction={self.reduction!r}"


class MarginRankingLoss(Layer):
    """``F.margin_ranking_loss`` (``max(0, -y (x1 - x2) + margin)``) with a fixed margin and reduction."""

    def __init__(self, margin: float = 0.0, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__()
        self.margin = number("MarginRankingLoss", "margin", margin)
        self.reduction = _reduction("MarginRankingLoss", size_average, reduce, reduction)

    def forward(self, input1, input2, target):
        return F.margin_ranking_loss(input1, input2, target, self.margin, reduction=self.reduction)

    def extra_repr(self):
        return f"margin={self.margin}, reduction={self.reduction!r}"


def _factor_buffer(name, arg, value):
    """BCE's ``weight`` / ``pos_weight`` (any shape that broadcasts to the input's) as a Tensor buffer.

    As ``_weight_buffer``: a Tensor or an array keeps its dtype (the loss casts to the input's), a list or
    a number becomes the default float dtype. The shape is checked against the input at each call. A value that
    holds no numbers is the TypeError ``F.binary_cross_entropy_with_logits`` gives for it.
    """
    if value is None:
        return None
    if isinstance(value, str):
        raise TypeError(f"{name}: {arg} must be an array or Tensor of numbers, got {value!r}"
                        + (f"; the reduction is a keyword argument: reduction={value!r}" if arg == "weight" else ""))
    data = _number_array(value, "biuf")
    if data is None or data.dtype.kind not in "biuf":
        raise TypeError(f"{name}: {arg} must be an array or Tensor of numbers, got {value!r}")
    return value if isinstance(value, Tensor) else Tensor(data)
