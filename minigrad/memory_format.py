"""``torch.memory_format``'s values, for code written against torch's ``memory_format=`` arguments.

A minigrad tensor's elements are in row-major order (or a strided view of such an array, which every op reads
as it is), so ``contiguous_format`` and ``preserve_format`` are all there is: ``torch.optim``'s
``zeros_like(p, memory_format=torch.preserve_format)`` and ``x.contiguous(memory_format=torch.contiguous_format)``
run unchanged. ``channels_last`` and ``channels_last_3d`` (NHWC storage, a speed layout of torch's convolution
kernels) are refused by name wherever a tensor would be made in one; ``is_contiguous(memory_format=channels_last)``
answers as torch's (True only where the row-major layout is also channels-last: one channel, or one pixel).
"""
from __future__ import annotations


class memory_format:  # noqa: N801  (torch's name)
    """One memory format, compared by identity; its repr is its public name."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"minigrad.{self.name}"

    def __reduce__(self):   # copied or pickled, it is the same object, compared by identity
        return self.name


contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")


def is_channels_last(shape, strides, itemsize, value):
    """Whether an array of ``shape`` and byte ``strides`` is laid out as ``value`` (channels_last: (N, C, H, W) with C
    fastest, then W, H, N; channels_last_3d the same for (N, C, D, H, W)), ignoring dims of size 1 as torch does."""
    ndim = 4 if value is channels_last else 5
    if len(shape) != ndim:
        return False
    expected = itemsize
    for d in (1, *range(ndim - 1, 1, -1), 0):   # C, then W, H (D), then N
        if shape[d] != 1 and strides[d] != expected:
            return False
        expected *= shape[d]
    return True


def check_memory_format(owner, value, default):
    """``value`` (None: ``default``) if minigrad has it; one clear error naming ``owner`` otherwise."""
    if value is None:
        return default
    if value is contiguous_format or value is preserve_format:
        return value
    if value is channels_last or value is channels_last_3d:
        raise ValueError(f"{owner}: memory_format={value!r} is not supported: minigrad tensors are stored in "
                         "row-major order (contiguous_format) only")
    raise TypeError(f"{owner}: memory_format must be a minigrad memory format (minigrad.contiguous_format or "
                    f"minigrad.preserve_format), got {value!r}")
