"""A tensor's ``.grad`` must have its shape, dtype and device, checked where the gradient is read.

torch refuses a mismatched gradient when it is assigned. ``Tensor.grad`` is a plain slot here (a property would
slow every backward and step), so the code that consumes ``.grad`` refuses it instead, before changing anything:
every optimizer step, the clipping utilities, ``GradScaler.unscale_`` and DDP. Read as it is, a float64 gradient
would be rounded into a float32 update, an integer or bool one taken as numbers, a smaller one broadcast, and a
transposed one read in the wrong order by the flat (second-order) optimizers.
"""

from minigrad.backend import device_of


def grad_matches(grad, array):
    """True when the gradient array ``grad`` can stand for ``array``: same shape, dtype and device.

    The device is asked only when the array types differ (a NumPy array and a CuPy one), so the usual case costs
    three comparisons."""
    return (grad.dtype == array.dtype and grad.shape == array.shape
            and (type(grad) is type(array) or device_of(grad) == device_of(array)))


def checked_grad(who, tensor):
    """``tensor.grad``'s array (``tensor.grad`` must not be None), refused with :func:`refuse_grad` unless it
    matches ``tensor``."""
    g = tensor.grad.data
    if not grad_matches(g, tensor.data):
        refuse_grad(who, tensor)
    return g


def check_grad_slot(grad, data):
    """Refuse adding the gradient array ``data`` into the array ``grad`` of a ``.grad`` the user set to another
    shape, dtype or device: ``+=`` would broadcast or round the gradient into it. The engine asks before
    accumulating into a leaf's ``.grad``, and ``retain_grad`` into a non-leaf's."""
    if not grad_matches(grad, data):
        raise _mismatch("backward", grad, "the gradient of this tensor", data, "a tensor like it")


def refuse_grad(who, tensor):
    """Raise the RuntimeError (torch's type for a mismatched ``.grad``) naming ``who``, the gradient and the
    tensor; the engine's refusal of adding into such a ``.grad`` reads the same way."""
    name = getattr(tensor, "name", None)
    label = f"the parameter {name!r}" if name else "the parameter"
    raise _mismatch(who, tensor.grad.data, label, tensor.data, "a tensor like the parameter")


def _mismatch(who, grad, label, other, like):
    """The RuntimeError for a ``.grad`` array ``grad`` unlike ``other`` (``label`` names it), devices named when
    they differ."""
    g_on, o_on = device_of(grad), device_of(other)
    where = ("", "") if g_on == o_on else (f" on {g_on}", f" on {o_on}")
    return RuntimeError(
        f"{who}: .grad holds a tensor of shape {tuple(grad.shape)} and dtype {grad.dtype}{where[0]}, but {label} has "
        f"shape {tuple(other.shape)} and dtype {other.dtype}{where[1]}; set .grad to None or to {like}")
