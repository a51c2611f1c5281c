"""Gradient clipping: rescale gradients by their global norm, or clamp each value.

It works on gradients, not on a model or an optimizer, so it lives below both: ``minigrad.optim`` and
``minigrad.nn.utils`` (PyTorch's home for it) both export it.
"""

import math
import types
import warnings

import numpy as np

from minigrad import backend
from minigrad.autograd.grad_match import checked_grad
from minigrad.autograd.tensor import Tensor
from minigrad.backend import device_of, get_array_module, to_device


def _grads_of(who, parameters):
    """The raw gradient arrays of a Tensor or an iterable of Tensors (None grads skipped), each checked to match its
    parameter before any is changed (``who`` names the caller in the refusal)."""
    return [checked_grad(who, p) for p in _as_list(parameters) if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    r"""Rescale gradients in place so that their global norm is at most ``max_norm``.

    The global norm treats all gradients as one long vector (``get_total_norm``), and every
    gradient is then multiplied by ``min(1, max_norm / (total + 1e-6))`` (``clip_grads_with_norm_``).

    Args:
        parameters: a Tensor or an iterable of Tensors whose ``grad`` is clipped
            (those without a gradient are ignored); an empty generator warns, as torch's.
        max_norm: the largest allowed norm (>= 0).
        norm_type: ``p`` of the p-norm (> 0), or ``float('inf')``. PyTorch also
            accepts 0 (the number of non-zero entries, not a norm); here it is an error.
        error_if_nonfinite: raise ``RuntimeError`` if the total norm is NaN or
            infinite instead of scaling by it (which would make gradients NaN, as
            in PyTorch).
        foreach: accepted for PyTorch's signature; there is one implementation.

    Returns:
        The total norm of the gradients before clipping, as torch's: a 0-d Tensor in the gradients' dtype
        (float32 gradients give a float32 norm; ``.item()`` or ``float()`` reads it), on the first gradient's
        device. With no gradients at all it is ``tensor(0.)``. A norm beyond the dtype's range (float16's 65504) is
        inf there, as torch's: ``error_if_nonfinite`` raises, else every gradient is scaled by 0, as torch's. On a
        GPU the norm is summed and the gradients scaled on the device, as torch's, and nothing waits for the device
        (only ``error_if_nonfinite`` reads the norm back, before scaling).
    """
    max_norm = _max_norm("clip_grad_norm_", max_norm)
    was_generator = isinstance(parameters, types.GeneratorType)
    parameters = _as_list(parameters)
    if was_generator and not parameters:   # (model.parameters() of a model without any, or one used up before)
        warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=2)
    _check_norm_args("clip_grad_norm_", norm_type, error_if_nonfinite)
    grads = _grads_of("clip_grad_norm_", parameters)
    if not grads:
        return _norm_tensor(None, grads)
    total = _total_norm_array(grads, float(norm_type))
    norm = _norm_tensor(total, grads)
    total = _overflowed_as_returned(total, norm.data)
    if error_if_nonfinite:
        _check_finite("clip_grad_norm_", float(total), float(norm_type))
    _scale_(grads, max_norm, total)
    return norm


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """torch's deprecated name of ``clip_grad_norm_``, which older code calls: the same, with torch's
    FutureWarning."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None, *, _name="get_total_norm"):
    r"""The norm of ``tensors`` (a Tensor or an iterable, e.g. the gradients) taken as one long vector, as
    ``torch.nn.utils.get_total_norm``: ``(sum_i sum |t_i|^p)^(1/p)`` for ``norm_type = p``, ``max_i max |t_i|``
    for ``inf``; a 0-d Tensor in the tensors' dtype on the first one's device, ``tensor(0.)`` for no tensors."""
    norm_type = _check_norm_args(_name, norm_type, error_if_nonfinite)
    arrays = [t.data if hasattr(t, "data") and hasattr(t, "grad") else t for t in _as_list(tensors)]
    if not arrays:
        return _norm_tensor(None, arrays)
    total = _total_norm_array(arrays, norm_type)
    norm = _norm_tensor(total, arrays)
    if error_if_nonfinite:
        _check_finite(_name, float(_overflowed_as_returned(total, norm.data)), norm_type)
    return norm


def _norm_tensor(total, arrays):
    """The norm a caller gets: 0-d float64 ``total`` as a Tensor in the arrays' (real floating) dtype, as torch's.

    The sum is made in float64 (``_total_norm_array``) and rounded once here; integer arrays give the default
    float dtype, complex ones their real dtype."""
    if total is None:
        return Tensor(np.zeros((), dtype=backend.DEFAULT_FLOAT))
    dtype = np.result_type(*[a.dtype for a in arrays])
    if dtype.kind == "c":
        dtype = np.finfo(dtype).dtype
    elif dtype.kind != "f":
        dtype = backend.DEFAULT_FLOAT
    xp = get_array_module(total)
    with np.errstate(over="ignore"):   # a float16 norm above 65504 is inf, as torch's, which does not warn
        return Tensor(xp.asarray(total).astype(dtype))


def _overflowed_as_returned(total, returned):
    """The float64 ``total``, or inf where the norm the caller gets (``returned``, in the gradients' dtype)
    overflowed: torch's norm is in that dtype, so a float16 norm above 65504 is inf there, ``error_if_nonfinite``
    raises, and every gradient is scaled by max_norm / inf = 0 (NaN where one is inf), as
    ``clip_grads_with_norm_`` given that norm does. Elsewhere the float64 total, rounded once as before."""
    if returned.dtype == np.float64:
        return total
    xp = get_array_module(returned)
    wide = returned.astype(np.float64)
    return xp.where(xp.isinf(wide), wide, total)   # on the device: nothing read back


def _check_norm_args(name, norm_type, error_if_nonfinite):
    try:
        norm_type = float(norm_type)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: norm_type must be a real number > 0 or inf, got {norm_type!r}") from None
    if not norm_type > 0.0:
        raise ValueError(f"{name}: norm_type must be > 0 or inf, got {norm_type}")
    if not isinstance(error_if_nonfinite, (bool, np.bool_)):  # any truthy value would switch it on
        raise ValueError(f"{name}: error_if_nonfinite must be True or False, got {error_if_nonfinite!r}")
    return norm_type


def _check_finite(name, total, norm_type):
    if not math.isfinite(total):
        raise RuntimeError(
            f"{name}: the total norm of order {norm_type} of the gradients is non-finite ({total}), "
            "so it cannot be clipped; pass error_if_nonfinite=False to scale by it anyway"
        )


def _total_norm_array(arrays, norm_type):
    """The norm of ``arrays`` as one vector: a 0-d float64 array on the first array's device, nothing read back.

    Each array's part is taken in its own dtype and added in float64, in order: the sums the former host loop
    (``power_sum += float(part)``) made, bit for bit. An array on another device sends its 0-d part over. A float16
    array's part is taken in float32, as torch accumulates half precision: its sum of squares overflows float16's
    65504 long before the norm does (1000 gradients of 10 have the norm 316 but the sum of squares 100000, inf in
    float16, which scaled every gradient to 0). But a float16 array whose own norm is beyond 65504 makes its part inf,
    as torch's norm of that one tensor is, whatever the other arrays' dtypes.
    """
    where = device_of(arrays[0])
    total = None
    for a in arrays:
        xp = get_array_module(a)
        half = a.dtype == np.float16
        if half:
            a = a.astype(np.float32)
        if math.isinf(norm_type):
            part = xp.abs(a).max() if a.size else xp.zeros((), a.dtype)           # max |t|
        elif norm_type == 2.0:
            part = xp.vdot(a.ravel(), a.ravel())                                 # sum |t|^2
            if a.dtype.kind == "c":
                part = part.real   # (vdot conjugates: the imaginary part is 0, and casting it would warn)
        elif norm_type == 1.0:
            part = xp.abs(a).sum()                                               # sum |t|
        else:
            part = (xp.abs(a) ** norm_type).sum()                                # sum |t|^p
        part = part.astype(np.float64)   # (not xp.asarray: NumPy's vdot gives a scalar, which has astype)
        if half:   # torch takes each tensor's norm in its own dtype: a float16 one beyond 65504 is inf, as the total
            own = part if math.isinf(norm_type) else part ** (1.0 / norm_type)
            with np.errstate(over="ignore"):
                part = xp.where(xp.isinf(own.astype(np.float16)), xp.inf, part)
        if device_of(a) != where:
            part = to_device(part, where)
        if total is None:
            total = part
        else:
            total = get_array_module(total).maximum(total, part) if math.isinf(norm_type) else total + part
    if math.isinf(norm_type):
        return total
    if type(total) in (np.ndarray, np.float64):
        # on the host the root stays Python's pow, as before: NumPy's SIMD power can differ by an ulp
        return np.float64(float(total) ** (1.0 / norm_type))                      # (sum |t|^p)^(1/p)
    return get_array_module(total).power(total, 1.0 / norm_type)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale every gradient in place by ``min(1, max_norm / (total_norm + 1e-6))``, given the total norm
    (``get_total_norm``'s, a number or a one-element tensor), as ``torch.nn.utils.clip_grads_with_norm_``."""
    max_norm = _max_norm("clip_grads_with_norm_", max_norm)
    if hasattr(total_norm, "grad") and hasattr(total_norm, "data"):   # a minigrad Tensor: its array
        total_norm = total_norm.data
    if not hasattr(total_norm, "dtype"):
        total_norm = np.float64(total_norm)
    _scale_(_grads_of("clip_grads_with_norm_", parameters), max_norm, total_norm)


def _scale_(grads, max_norm, total):
    """``g *= min(1, max_norm / (total + 1e-6))`` for every gradient, the coefficient made on the device.

    The coefficient is rounded to each gradient's dtype first, as the former Python float was (NumPy reads a
    Python scalar in the array's dtype); multiplying by exactly 1.0 changes nothing, so on a GPU always scaling
    gives the former skip's values without reading the coefficient back; on the CPU a coefficient of 1 still skips
    the pass over the gradients. A NaN coefficient is applied.
    """
    coefs = {}
    with np.errstate(invalid="ignore"):                                # inf * 0 is NaN here by design
        for g in grads:
            key = (device_of(g), g.dtype)
            if key not in coefs:
                xp = get_array_module(g)
                t = xp.asarray(to_device(total, key[0])).reshape(()).astype(np.float64)
                coef = xp.minimum(np.float64(max_norm) / (t + 1e-6), 1.0)  # min(1, max_norm / (total + 1e-6))
                coefs[key] = coef.astype(g.dtype)
            if key[0] == "cpu" and coefs[key] == 1:   # known on the host for free: skip a pass that changes nothing
                continue
            g *= coefs[key]


def _max_norm(name, max_norm):
    try:
        max_norm = float(max_norm)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: max_norm must be a real number >= 0, got {max_norm!r}") from None
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

    A complex gradient is refused (``TypeError``), as torch's ``clamp`` refuses it.
    """
    clip_value = float(clip_value)
    if not clip_value >= 0.0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    grads = _grads_of("clip_grad_value_", parameters)
    for g in grads:
        if g.dtype.kind == "c":   # NumPy would order complex values by their real parts, and clamp to reals
            raise TypeError(f"clip_grad_value_: a gradient is complex ({g.dtype}, shape {g.shape}); clamping is "
                            "not defined for complex values (torch's raises too): use clip_grad_norm_")
    for g in grads:
        get_array_module(g).clip(g, -clip_value, clip_value, out=g)    # g = min(max(g, -c), c)
