"""``kl_div``: PyTorch's Kullback-Leibler divergence loss, from log-probabilities ``input`` to a target
distribution, with PyTorch's reductions (``'batchmean'`` among them) and ``log_target``."""
from __future__ import annotations

import warnings

from minigrad import ops
from minigrad.autograd.tensor import Tensor
from minigrad.nn.arguments import flag, one_of
from minigrad.nn.functional.loss import _as_target, _check_like, _reduce
from minigrad.nn.functional.legacy_reduction import legacy_reduction

KL_REDUCTIONS = ("mean", "batchmean", "sum", "none")

# PyTorch's warning for 'mean', word for word: the computation is kept as PyTorch's (the mean of every element).
MEAN_WARNING = ("reduction: 'mean' divides the total loss by both the batch size and the support size."
                "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                "'mean' will be changed to behave the same as 'batchmean' in the next major release.")


def kl_div(input: Tensor, target, size_average=None, reduce=None, reduction: str = "mean",  # noqa: A002
           log_target: bool = False) -> Tensor:
    """The pointwise KL divergence ``t (log t - input)`` of log-probabilities ``input`` to probabilities ``t``, reduced.

    ``log_target=True`` takes ``t`` as log-probabilities: ``exp(t) (t - input)``. The term ``t log t`` is 0 where
    ``t = 0`` (PyTorch's ``xlogy``). Reductions: ``'batchmean'`` (the sum divided by ``input.shape[0]``: the KL
    divergence per sample), ``'sum'``, ``'none'``, and ``'mean'``, the mean over every element, which warns
    as PyTorch does. With PyTorch's deprecated ``size_average``/``reduce`` flags, they choose the reduction (no
    warning for 'mean'), and ``reduction='batchmean'`` beside them divides its result by ``input.shape[0]``, as
    PyTorch's does (even an unreduced result). Derivatives: ``dL/dinput = -t`` (``-exp(t)``); ``dL/dt = log t + 1 - input`` for t > 0
    (``exp(t) (t - input + 1)``). At ``t = 0`` the target's derivative here is ``-input`` where PyTorch's is NaN.

    Shapes: input and target of one shape S -> S for ``'none'``, else a scalar.
    """
    # torch's deprecated flags choose the reduction, with no 'mean' warning; a 'batchmean' asked for beside them
    # still divides whatever they give (a sum, a mean, the unreduced terms) by the batch size.
    legacy = size_average is not None or reduce is not None
    batchmean = isinstance(reduction, str) and reduction == "batchmean"
    reduction = legacy_reduction("kl_div", size_average, reduce, reduction)
    name = "kl_div"
    one_of(name, "reduction", reduction, KL_REDUCTIONS)
    log_target = flag(name, "log_target", log_target)
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
    target = _as_target(input, target)
    _check_like(name, input, target)   # a floating input of the target's shape and dtype
    if reduction == "mean" and not legacy:
        warnings.warn(MEAN_WARNING, UserWarning, stacklevel=2)
    if log_target:
        pointwise = ops.exp(target) * (target - input)
    else:
        nonzero = target != 0
        # xlogy(t, t): the log only ever sees the selected, non-zero targets, so t = 0 gives 0 and no 0 * -inf.
        pointwise = ops.where(nonzero, target * ops.log(ops.where(nonzero, target, 1.0)), 0.0) - target * input
    reduced = pointwise.sum() if reduction == "batchmean" else _reduce(pointwise, reduction)
    return reduced / input.shape[0] if batchmean and input.ndim else reduced
