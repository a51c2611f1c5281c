"""Checks on what an optimizer is given: its hyperparameters and its parameters.

``required`` marks a hyperparameter without default; ``check_hyperparameter`` and
``check_betas`` validate option values up front; ``is_tensor`` and ``describe_param``
check and name parameters in error messages.
"""


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
