"""Complex parameters seen as real ones, as torch's optimizers see them (``torch.view_as_real``).

An optimizer's equations are elementwise on real numbers: ``g * g`` of a complex gradient is its square, not
``|g|^2``, and ``sqrt``, ``max`` and ``sign`` of complex values mean something else again. PyTorch views every
complex parameter, gradient and state array as a real array with a last axis of 2 (real and imaginary part)
for the update, so that each part is optimized as its own real coordinate; these helpers do the same on the
raw arrays. The state keeps the parameter's complex dtype and shape (what ``state_dict`` saves, as torch's).
"""

from collections.abc import MutableMapping

import numpy as np

from minigrad.backend import is_array


def as_real(a):
    """``a`` (complex) as a real view sharing its memory, shape ``a.shape + (2,)``: torch's ``view_as_real``."""
    real = np.finfo(a.dtype).dtype
    if a.flags.c_contiguous:   # (CuPy changes the item size of a C-contiguous array; NumPy of any last axis)
        return a.reshape(-1).view(real).reshape(a.shape + (2,))
    return a[..., None].view(real)


class RealViewState(MutableMapping):
    """A complex parameter's state dict as its update sees it: complex arrays read as real views, and real
    arrays of the viewed parameter's shape and dtype (new zeroed state) stored as complex views of themselves,
    so that in-place updates through either reach the one array the state keeps."""

    def __init__(self, state, real_theta):
        self._state, self._shape, self._dtype = state, real_theta.shape, real_theta.dtype

    def __getitem__(self, name):
        value = self._state[name]
        return as_real(value) if is_array(value) and value.dtype.kind == "c" else value

    def __setitem__(self, name, value):
        if is_array(value) and value.shape == self._shape and value.dtype == self._dtype:
            value = value.view(np.result_type(value.dtype, np.complex64))[..., 0]   # (..., 2) real -> complex
        self._state[name] = value

    def __delitem__(self, name):
        del self._state[name]

    def __iter__(self):
        return iter(self._state)

    def __len__(self):
        return len(self._state)
