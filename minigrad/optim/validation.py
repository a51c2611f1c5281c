"""Checks on what an optimizer is given: its hyperparameters and its parameters.

``required`` marks a hyperparameter without default; ``check_hyperparameter``,
``check_betas``, ``check_flags`` and ``check_count`` validate option values up front
(``shown`` helps the schedules do the same, with ``minigrad.scalars``);
``is_tensor`` and ``describe_param`` check and name parameters in error messages;
``split_named_params`` and ``check_param_names`` read torch's named parameters
(``model.named_parameters()``: ``(name, Tensor)`` pairs, kept as a group's ``"param_names"``).
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


def _shown_item(value) -> str:
    """A value in an error message: a Tensor described (its repr could be long), anything else by a short repr."""
    if is_tensor(value):
        return describe_param(value)
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def split_named_params(items, owner, group_index=None):
    """``(tensors, names)`` from a list of parameters: ``names`` is None when none is a ``(name, Tensor)`` pair.

    As torch's ``add_param_group`` (2.6+), a tuple is a named parameter, and a group either names all its
    parameters or none. Stricter than torch, which takes ``item[0]`` and ``item[1]`` of any tuple: a tuple must be
    a pair whose first item is a str (``enumerate(model.parameters())`` or a ``(Tensor, name)`` pair is refused).
    The tensors themselves are checked by the caller. Errors start with ``owner`` and name the parameter by its
    position (in param group ``group_index``, when given).
    """
    group = "" if group_index is None else f" of param group {group_index}"
    tensors, names, bare = [], [], []
    for i, item in enumerate(items):
        if not isinstance(item, tuple):
            tensors.append(item)
            bare.append(i)
            continue
        if len(item) != 2:
            raise TypeError(f"{owner}: parameter {i}{group} is a tuple of {len(item)} items; a named parameter is "
                            "a (name, Tensor) pair, as model.named_parameters() yields")
        name, tensor = item
        if not isinstance(name, str):
            raise TypeError(f"{owner}: parameter {i}{group} is a pair whose first item is {type(name).__name__} "
                            f"{_shown_item(name)}, not a str; a named parameter is a (name, Tensor) pair, as "
                            "model.named_parameters() yields (or give the Tensors alone)")
        names.append(name)
        tensors.append(tensor)
    if names and bare:
        raise ValueError(f"{owner}: all optimizer params should be with/without names. Some param names are "
                         f"missing: {len(names)} parameters{group} are (name, Tensor) pairs and {len(bare)} are not "
                         f"(the first is parameter {bare[0]}, {_shown_item(items[bare[0]])})")
    return tensors, (names or None)


def check_param_names(names, count, where):
    """A group's ``"param_names"`` as a list: one str per parameter (``count``), else a clear error."""
    if isinstance(names, (str, bytes)) or not isinstance(names, (list, tuple)):
        raise TypeError(f"{where}: param_names must be a list of str, one per parameter, but got "
                        f"{type(names).__name__} {_shown_item(names)}")
    for i, name in enumerate(names):
        if not isinstance(name, str):
            raise TypeError(f"{where}: param_names[{i}] is {type(name).__name__} {_shown_item(name)}, not a str")
    if len(names) != count:
        raise ValueError(f"{where}: param_names has {len(names)} names, but the group has {count} parameters")
    return list(names)


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
