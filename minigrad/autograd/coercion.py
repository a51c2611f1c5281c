"""Turning Python numbers, host arrays and user-given gradients into Tensors (the dtype and device rules).

``as_tensor`` is how every op takes its operands; ``_initial_grad`` is the gradient
that ``Tensor.backward`` and ``minigrad.grad`` start from.
"""
import numpy as np

from minigrad import backend
from minigrad.autograd.ragged import data_error
from minigrad.autograd.tensor import Tensor  # tensor.py imports this module only after Tensor is defined


def _initial_grad(t, grad, where):
    """The gradient to start backward with: given, or 1 for a one-element tensor."""
    if grad is None:
        if t.data.size != 1:
            shape = tuple(t.shape)
            how = {"backward()": f"pass its gradient, y.backward(g) with g of shape {shape}",
                   "grad": f"pass grad_outputs=, a gradient of shape {shape}",
                   "backward": f"pass grad_tensors=, a gradient of shape {shape}"}[where]
            raise RuntimeError(
                f"{where}: the gradient can be implied only for a one-element output, "
                f"but this tensor has shape {shape}; {how}, or start from a scalar (y.sum(), y.mean(), a loss "
                "with its default reduction)"
            )
        seed = t.data.copy()   # 1 in t's shape, dtype and device: a copy filled is 3x faster than xp.ones, a
        seed.fill(1)           # Python wrapper, and this runs on every backward()
        return Tensor._make(seed, None, 0)
    grad = as_tensor(grad, like=t)
    if grad.shape != t.shape:
        raise ValueError(f"{where}: gradient has shape {tuple(grad.shape)}, expected {tuple(t.shape)}")
    gd, td = grad.data.dtype, t.data.dtype
    if gd != td:
        if gd.kind in "fc":  # as for operands: floating dtypes are never converted silently
            raise TypeError(f"{where}: gradient has dtype {gd}, but the tensor has dtype {td}")
        grad = Tensor._make(grad.data.astype(td), None, 0)  # integer or bool ones, say
    return grad


def as_tensor(x, like=None):
    """``x`` as a Tensor; Python numbers and host arrays take the dtype and device of ``like``.

    A Python scalar never promotes: ``x * 2.0`` stays float32 for a float32 ``x``.
    A floating array or number joining a floating tensor takes that tensor's dtype.
    """
    if isinstance(x, Tensor):
        return x
    if like is None:
        if backend.is_array(x):   # wrapped where it is: np.asarray refuses a CuPy array (TypeError)
            return Tensor(x)
        # A bare Python float is of the default dtype like every float minigrad makes (mg.where(m, 1.0, 0.0)).
        return Tensor(np.asarray(x, dtype=backend.DEFAULT_FLOAT) if type(x) is float else np.asarray(x))
    xp = like._xp()
    ref = like.data.dtype
    if type(x) is complex and ref.kind != "c":
        # a real tensor meeting a Python complex: the complex dtype of its precision (float32 -> complex64), as
        # torch's; cast to ``ref`` it would lose its imaginary part (1j * x was 0)
        return Tensor(xp.asarray(x, dtype=_complex_of(ref)))
    if isinstance(x, (bool, int, float)) and not isinstance(x, np.generic):
        if ref.kind in "fc":
            dtype = ref
        elif isinstance(x, float):  # an integer tensor meeting a Python float: the default float, not float64
            dtype = backend.DEFAULT_FLOAT
        else:
            dtype = np.result_type(like.data, x)
        if dtype is backend.HALF:   # a number past 65504 meeting a float16 tensor is inf, silently as torch's
            return Tensor(backend.quiet_if_half(dtype, xp.asarray, x, dtype=dtype))
        return Tensor(xp.asarray(x, dtype=dtype))   # not through quiet_if_half: its call costs 200 ns (x * 2.0: 10%)
    try:
        arr = backend.to_device(x, like.device) if like.device != "cpu" else np.asarray(x)
    except ValueError as exc:   # ragged nested lists: say where the lengths differ
        raise data_error("Tensor", x, exc) from None
    if arr.dtype.kind in "fc" and ref.kind in "fc":
        # floats take the tensor's precision; complex values stay complex (the real part alone would be wrong)
        arr = backend.cast(arr, _complex_of(ref) if arr.dtype.kind == "c" else ref, copy=False)
    return Tensor(arr)


def _complex_of(dtype):
    """The complex dtype holding ``dtype``'s values (float32 -> complex64, float64 -> complex128; integers and
    bools: the default float's)."""
    if dtype.kind not in "fc":
        dtype = np.dtype(backend.DEFAULT_FLOAT)
    return np.result_type(dtype, np.complex64)
