"""Gradient clipping: rescale gradients by their global norm, or clamp each value."""

import math

import numpy as np

from minigrad.backend import get_array_module


def _grads_of(parameters):
    """The raw gradient arrays of a Tensor or an iterable of Tensors (None grads skipped)."""
    if hasattr(parameters, "grad") and hasattr(parameters, "data"):
        parameters = [parameters]
    return [p.grad.data for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    r"""Rescale gradients in place so that their global norm is at most ``max_norm``.

    The global norm treats all gradients as one long vector:
    ``total = (sum_i sum |g_i|^p)^(1/p)`` for ``norm_type = p``, or
    ``total = max_i max |g_i|`` for ``norm_type = inf``. Every gradient is then
    multiplied by ``min(1, max_norm / (total + 1e-6))``.

    Args:
        parameters: a Tensor or an iterable of Tensors whose ``grad`` is clipped
            (those without a gradient are ignored).
        max_norm: the largest allowed norm (>= 0).
        norm_type: ``p`` of the p-norm (> 0), or ``float('inf')``. PyTorch also
            accepts 0 (the number of non-zero entries, not a norm); here it is an error.
        error_if_nonfinite: raise ``RuntimeError`` if the total norm is NaN or
            infinite instead of scaling by it (which would make gradients NaN, as
            in PyTorch).

    Returns:
        The total norm of the gradients before clipping, as a Python float
        (PyTorch returns a tensor). On a GPU this waits for the device once per
        gradient. With no gradients at all it is 0.0.
    """
    max_norm, norm_type = float(max_norm), float(norm_type)
    if not max_norm >= 0.0:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm}")
    if not norm_type > 0.0:
        raise ValueError(f"clip_grad_norm_: norm_type must be > 0 or inf, got {norm_type}")
    if not isinstance(error_if_nonfinite, (bool, np.bool_)):  # any truthy value would switch it on
        raise ValueError(f"clip_grad_norm_: error_if_nonfinite must be True or False, got {error_if_nonfinite!r}")
    grads = _grads_of(parameters)
    if not grads:
        return 0.0

    if math.isinf(norm_type):
        total = max(float(get_array_module(g).abs(g).max()) if g.size else 0.0 for g in grads)  # max |g|
    else:
        power_sum = 0.0
        for g in grads:
            xp = get_array_module(g)
            if norm_type == 2.0:
                power_sum += float(xp.vdot(g.ravel(), g.ravel()))     # sum g^2
            elif norm_type == 1.0:
                power_sum += float(xp.abs(g).sum())                   # sum |g|
            else:
                power_sum += float((xp.abs(g) ** norm_type).sum())    # sum |g|^p
        total = power_sum ** (1.0 / norm_type)                        # (sum |g|^p)^(1/p)

    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is non-finite ({total}), "
            "so it cannot be clipped; pass error_if_nonfinite=False to scale by it anyway"
        )
    clip_coef = max_norm / (total + 1e-6)                              # max_norm / (total + 1e-6)
    if not clip_coef >= 1.0:                                           # min(1, coef); a NaN coef is applied
        with np.errstate(invalid="ignore"):                            # inf * 0 is NaN here by design
            for g in grads:
                g *= clip_coef
    return total


def clip_grad_value_(parameters, clip_value):
    """Clamp every gradient entry in place to ``[-clip_value, clip_value]``.

    Args:
        parameters: a Tensor or an iterable of Tensors (those without a gradient are ignored).
        clip_value: the largest allowed magnitude (>= 0).
    """
    clip_value = float(clip_value)
    if not clip_value >= 0.0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for g in _grads_of(parameters):
        get_array_module(g).clip(g, -clip_value, clip_value, out=g)    # g = min(max(g, -c), c)
