"""Multi-class and multi-label margin loss layers and the likelihood losses of real targets: ``MultiMarginLoss``,
``MultiLabelMarginLoss``, ``MultiLabelSoftMarginLoss``, ``GaussianNLLLoss`` and ``PoissonNLLLoss`` (``F``'s
functions with fixed options; ``weight`` a buffer, as in PyTorch's state dict)."""
from __future__ import annotations

from minigrad.nn import functional as F
from minigrad.nn.arguments import flag, number
from minigrad.nn.arguments import reduction as check_reduction
from minigrad.nn.layer import Layer
from minigrad.nn.loss import _factor_buffer, _reduction, _weight_buffer


class MultiMarginLoss(Layer):
    """``F.multi_margin_loss``: the multi-class hinge loss, ``p`` 1 or 2, ``weight`` (C,) per class."""

    def __init__(self, p: int = 1, margin: float = 1.0, weight=None, size_average=None, reduce=None,
                 reduction: str = "mean"):
        super().__init__()
        name = "MultiMarginLoss"
        if p not in (1, 2) or isinstance(p, bool):
            raise ValueError(f"{name}: only p == 1 and p == 2 are supported, got p={p!r}")
        self.p = int(p)
        self.margin = number(name, "margin", margin)
        self.register_buffer("weight", _weight_buffer(name, weight))
        self.reduction = _reduction(name, size_average, reduce, reduction)

    def forward(self, input, target):  # noqa: A002
        return F.multi_margin_loss(input, target, self.p, self.margin, self.weight, reduction=self.reduction)

    def extra_repr(self):
        return f"p={self.p}, margin={self.margin}, {'weight, ' if self.weight is not None else ''}" \
               f"reduction={self.reduction!r}"


class MultiLabelMarginLoss(Layer):
    """``F.multilabel_margin_loss``: hinge between each sample's listed classes (up to its first -1) and the rest."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__()
        self.reduction = _reduction("MultiLabelMarginLoss", size_average, reduce, reduction)

    def forward(self, input, target):  # noqa: A002
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)

    def extra_repr(self):
        return f"reduction={self.reduction!r}"


class MultiLabelSoftMarginLoss(Layer):
    """``F.multilabel_soft_margin_loss``: per-class logistic loss averaged over the classes; ``weight`` per class."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__()
        name = "MultiLabelSoftMarginLoss"
        self.register_buffer("weight", _factor_buffer(name, "weight", weight))
        self.reduction = _reduction(name, size_average, reduce, reduction)

    def forward(self, input, target):  # noqa: A002
        return F.multilabel_soft_margin_loss(input, target, self.weight, reduction=self.reduction)

    def extra_repr(self):
        return f"{'weight, ' if self.weight is not None else ''}reduction={self.reduction!r}"


class GaussianNLLLoss(Layer):
    """``F.gaussian_nll_loss``: called as ``loss(input, target, var)``; keyword-only options, as PyTorch's."""

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean"):
        super().__init__()
        self.full = flag("GaussianNLLLoss", "full", full)
        self.eps = number("GaussianNLLLoss", "eps", eps)
        self.reduction = check_reduction("GaussianNLLLoss", reduction)

    def forward(self, input, target, var):  # noqa: A002
        return F.gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)

    def extra_repr(self):
        return f"full={self.full}, eps={self.eps}, reduction={self.reduction!r}"


class PoissonNLLLoss(Layer):
    """``F.poisson_nll_loss``: the Poisson negative log-likelihood of a log-rate (``log_input``) or a rate."""

    def __init__(self, log_input: bool = True, full: bool = False, size_average=None, eps: float = 1e-8,
                 reduce=None, reduction: str = "mean"):
        super().__init__()
        name = "PoissonNLLLoss"
        self.log_input, self.full = flag(name, "log_input", log_input), flag(name, "full", full)
        self.eps = number(name, "eps", eps)
        self.reduction = _reduction(name, size_average, reduce, reduction)

    def forward(self, input, target):  # noqa: A002
        return F.poisson_nll_loss(input, target, self.log_input, self.full, eps=self.eps, reduction=self.reduction)

    def extra_repr(self):
        return f"log_input={self.log_input}, full={self.full}, eps={self.eps}, reduction={self.reduction!r}"
