"""Zero-copy exchange with NumPy, CuPy, PyTorch and JAX through DLPack.

``minigrad.from_dlpack(x)`` wraps another library's array; ``Tensor.__dlpack__``
lets them wrap ours (``torch.from_dlpack(t)``, ``np.from_dlpack(t)``). Both
sides then share one buffer: writes on one side are seen on the other. Only
memory crosses, never the autograd graph: the new tensor is a leaf. A JAX
array arrives read-only (JAX's memory is immutable); JAX itself copies a
tensor that is not 64-byte aligned (see docs/interop.md).
"""
from __future__ import annotations

from minigrad import backend
from minigrad.autograd.tensor import Tensor


def from_dlpack(x, requires_grad: bool = False) -> Tensor:
    """A leaf Tensor sharing ``x``'s memory (on the CPU or a CUDA GPU), without copying.

    A minigrad Tensor is accepted too (the result shares its data). Gradients
    do not flow back into ``x``'s library; ``requires_grad=True`` starts a new graph here.
    """
    if isinstance(x, Tensor):   # its own array: DLPack would hand a reversed view over as a copy (backend.to_dlpack)
        return Tensor(x.data, requires_grad=requires_grad)
    return Tensor(backend.from_dlpack(x), requires_grad=requires_grad)
