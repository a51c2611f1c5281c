"""Gradient clipping: rescale gradients by their global norm, or clamp each value.

It works on gradients, not on a model or an optimizer, so it lives below both: ``minigrad.optim`` and
``minigrad.nn.utils`` (PyTorch's home for it) both export it.
"""

import math

import numpy as np

from minigrad.backend import get_array_module


def _grads_of(parameters):
    """The raw gradient arrays of a Tensor or an iterable of Tensors (None grads skipped)."""
    return [p.grad.data for p in _as_list(parameters) if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    r"""Rescale gradients in place so that their global norm is at most ``max_norm``.

    The global norm treats all gradients as one long vector (``get_total_norm``), and every
    gradient is then multiplied by ``min(1, max_norm / (total + 1e-6))`` (``clip_grads_with_norm_``).

    Args:
        parameters: a Tensor or an iterable of Tensors whose ``grad`` is clipped
            (those without a gradient are ignored).
        max_norm: the largest allowed norm (>= 0).
        norm_type: ``p`` of the p-norm (> 0), or ``float('inf')``. PyTorch also
            accepts 0 (the number of non-zero entries, not a norm); here it is an error.
        error_if_nonfinite: raise ``RuntimeError`` if the total norm is NaN or
            infinite instead of scaling by it (which would make gradients NaN, as
            in PyTorch).
        foreach: accepted for PyTorch's signature; there is one implementation.

    Returns:
        The total norm of the gradients before clipping, as a Python float
        (PyTorch returns a tensor). On a GPU this waits for the device once per
        gradient. With no gradients at all it is 0.0.
    """
    max_norm = _max_norm("clip_grad_norm_", max_norm)
    parameters = _as_list(parameters)
    total = get_total_norm([p.grad for p in parameters if p.grad is not None], norm_type, error_if_nonfinite,
                           _name="clip_grad_norm_")
    clip_grads_with_norm_(parameters, max_norm, total)
    return total


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None, *, _name="get_total_norm"):
    r"""The norm of ``tensors`` (a Tensor or an iterable, e.g. the gradients) taken as one long vector, as
    ``torch.nn.utils.get_total_norm``, as a Python float:
    ``(sum_i sum |t_i|^p)^(1/p)`` for ``norm_type = p``, ``max_i max |t_i|`` for ``inf``; 0.0 for no tensors."""
    norm_type = float(norm_type)
    if not norm_type > 0.0:
        raise ValueError(f"{_name}: norm_type must be > 0 or inf, got {norm_type}")
    if not isinstance(error_if_nonfinite, (bool, np.bool_)):  # any truthy value would switch it on
        raise ValueError(f"{_name}: error_if_nonfinite must be True or False, got {error_if_nonfinite!r}")
    arrays = [t.data if hasattr(t, "data") and hasattr(t, "grad") else t for t in _as_list(tensors)]
    if not arrays:
        return 0.0
    if math.isinf(norm_type):
        total = max(float(get_array_module(a).abs(a).max()) if a.size else 0.0 for a in arrays)  # max |t|
    else:
        power_sum = 0.0
        for a in arrays:
            xp = get_array_module(a)
            if norm_type == 2.0:
                power_sum += float(xp.vdot(a.ravel(), a.ravel()))     # sum t^2
            elif norm_type == 1.0:
                power_sum += float(xp.abs(a).sum())                   # sum |t|
            else:
                power_sum += float((xp.abs(a) ** norm_type).sum())    # sum |t|^p
        total = power_sum ** (1.0 / norm_type)                        # (sum |t|^p)^(1/p)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"{_name}: the total norm of order {norm_type} of the gradients is non-finite ({total}), "
            "so it cannot be clipped; pass error_if_nonfinite=False to scale by it anyway"
        )
    return total


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale every gradient in place by ``min(1, max_norm / (total_norm + 1e-6))``, given the total norm
    (``get_total_norm``'s, a number or a one-element tensor), as ``torch.nn.utils.clip_grads_with_norm_``."""
    max_norm = _max_norm("clip_grads_with_norm_", max_norm)
    total = float(total_norm.item() if hasattr(total_norm, "item") else total_norm)
    clip_coef = max_norm / (total + 1e-6)                              # max_norm / (total + 1e-6)
    if not clip_coef >= 1.0:                                           # min(1, coef); a NaN coef is applied
        with np.errstate(invalid="ignore"):                            # inf * 0 is NaN here by design
            for g in _grads_of(parameters):
                g *= clip_coef


def _max_norm(name, max_norm):
    max_norm = float(max_norm)
    if not max_norm >= 0.0:
        raise ValueError(f"{name}: max_norm must be >= 0, got {max_norm}")
    return max_norm


def _as_list(tensors):
    if hasattr(tensors, "shape") and hasattr(tensors, "dtype"):   # one tensor
        return [tensors]
    return list(tensors)


def clip_grad_value_(parameters, clip_value, foreach=None):
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
