"""Checks on what an optimizer is given: its hyperparameters and its parameters.

``required`` marks a hyperparameter without default; ``check_hyperparameter``,
``check_betas``, ``check_flags`` and ``check_count`` validate option values up front
(``shown`` helps the schedules do the same, with ``minigrad.scalars``);
``is_tensor`` and ``describe_param`` check and name parameters in error messages.
"""

import numpy as np

from minigrad.scalars import is_integer, is_real

#: The yes/no options of the optimizers: each must be a bool (any truthy value would switch it on).
FLAG_OPTIONS = ("nesterov", "amsgrad", "centered", "decoupled_weight_decay", "maximize")


class _Required:
    """Marks a hyperparameter that has no default and must be given per group."""

    def __repr__(self):
        return "<required parameter>"


required = _Required()


def describe_param(p):
    """A short description of a parameter for error messages."""
    name = getattr(p, "name", None)
    label = f"Tensor {name!r}" if name else "Tensor"
    return f"{label}(shape={tuple(p.shape)}, dtype={p.dtype}, device={p.device})"


def is_tensor(value):
    """True for a minigrad Tensor (anything with ``data`` and ``requires_grad``)."""
    return hasattr(value, "requires_grad") and hasattr(value, "data") and hasattr(value, "grad")


def check_hyperparameter(ok: bool, message: str):
    """Raise ``ValueError(message)`` unless ``ok``; used to validate options up front."""
    if not ok:
        raise ValueError(message)


def check_betas(betas):
    """Validate a pair ``(beta1, beta2)`` of averaging coefficients in [0, 1)."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"Invalid betas: {betas!r} (expected a pair (beta1, beta2))")
    for i, beta in enumerate(betas):
        check_hyperparameter(0.0 <= beta < 1.0, f"Invalid beta parameter at index {i}: {beta}")


def shown(value) -> str:
    """``value`` as an error message shows it: numbers as plain Python numbers (``5``, not
    ``np.int64(5)``), anything else by its ``repr`` (``'x'``, ``True``)."""
    if is_integer(value):
        return str(int(value))
    if is_real(value):
        return str(float(value))
    return repr(value)


def check_flags(group):
    """Check that each yes/no option of ``group`` (those of ``FLAG_OPTIONS`` it has) is a bool."""
    for name in FLAG_OPTIONS:
        if name in group and not isinstance(group[name], (bool, np.bool_)):
            raise ValueError(f"Invalid {name}: {group[name]!r} (expected True or False)")


def check_count(name, value, minimum=1):
    """Check that ``value`` is an integer (Python or NumPy, not a bool) >= ``minimum``."""
    if not (is_integer(value) and value >= minimum):
        raise ValueError(f"Invalid {name}: {shown(value)} (expected an integer >= {minimum})")


#: torch's implementation switches: constructor arguments, checked, and not kept as options of the groups.
KERNEL_OPTIONS = ("foreach", "fused", "capturable", "differentiable")


def check_kernel_options(name, foreach, fused, capturable, differentiable):
    """torch's implementation switches, checked as torch checks them. ``foreach`` and ``fused`` pick torch's
    kernels; minigrad has one vectorised code path, so either is accepted (None, False or True) and gives the same
    update. ``capturable`` (CUDA graph capture) and ``differentiable`` (a graph through the step) ask for what no
    minigrad optimizer does, so True is refused rather than ignored."""
    for option, value in (("foreach", foreach), ("fused", fused)):
        if value is not None and not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name}: {option} must be None or a bool, got {type(value).__name__} {value!r}")
    for option, value in (("capturable", capturable), ("differentiable", differentiable)):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name}: {option} must be a bool, got {type(value).__name__} {value!r}")
    if fused and foreach:
        raise RuntimeError(f"{name}: `fused` and `foreach` cannot be `True` together.")
    if fused and differentiable:
        raise RuntimeError(f"{name}: `fused` does not support `differentiable`")
    if capturable:
        raise ValueError(f"{name}: capturable=True (steps recorded into CUDA graphs) is not supported: minigrad "
                         "does not capture CUDA graphs; leave capturable=False")
    if differentiable:
        raise ValueError(f"{name}: differentiable=True (a graph through the update) is not supported: minigrad's "
                         "optimizers update the raw arrays and never record a graph; leave differentiable=False")
