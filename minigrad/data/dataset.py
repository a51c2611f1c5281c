"""``Dataset`` (torch's base class, and the protocol a DataLoader reads) and ``TensorDataset``, a dataset held as
a few aligned arrays.

A dataset is anything with ``len(ds)`` and ``ds[index]`` that returns a tuple
of arrays (or Tensors), one per field (e.g. ``(images, labels)``). ``index``
may be an integer (one sample) or a 1-D integer array (a whole batch), which is
how :class:`~minigrad.data.DataLoader` slices batches without a Python loop
over samples. ``transform`` / ``target_transform`` (see :mod:`minigrad.data.transforms`)
are applied to the first / second field of every batch, in one call per batch.
"""
from __future__ import annotations

from abc import ABCMeta
from typing import Generic, TypeVar

import numpy as np

from minigrad import backend
from minigrad.data.transforms import reading
from minigrad.scalars import zero_d_integer

__all__ = ["Dataset", "ArrayDataset", "TensorDataset"]

T_co = TypeVar("T_co", covariant=True)


class Dataset(Generic[T_co], metaclass=ABCMeta):
    """A map-style dataset, as ``torch.utils.data.Dataset``: subclass it and define ``__getitem__`` (and usually
    ``__len__``); ``a + b`` is ``ConcatDataset([a, b])``.

    A DataLoader needs only a length and indexing, so ``isinstance(x, Dataset)`` is true of anything with
    ``__len__`` and ``__getitem__`` (a list, a NumPy array), subclass or not; ``Dataset[T]`` works in type hints.
    """

    def __getitem__(self, index):
        """One sample (int ``index``) or, for minigrad's datasets, a batch (1-D int array)."""
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__ (subclasses of Dataset do)")

    def __add__(self, other) -> "Dataset":
        from minigrad.data.subsets import ConcatDataset   # at call time: subsets imports this module

        return ConcatDataset([self, other])

    @classmethod
    def __subclasshook__(cls, other):
        # Structural for Dataset itself (any sized indexable), nominal for its subclasses; NotImplemented (not
        # False) leaves the ordinary subclass test to ABCMeta, so an IterableDataset without __len__ is a Dataset.
        if cls is Dataset and all(any(name in vars(k) for k in other.__mro__) for name in ("__len__", "__getitem__")):
            return True
        return NotImplemented


class ArrayDataset(Dataset):
    """Samples stored as aligned backend arrays that share their first dimension.

    Indexing returns a tuple with one slice per array: ``ds[idx] ==
    (a0[idx], a1[idx], ...)``. Keeping each field as one contiguous array makes
    a batch a single fancy-indexing call per field.

    ``transform`` is applied to the first field (the inputs) and ``target_transform``
    to the second (the targets), as in torchvision; both receive a whole batch
    (a single sample is transformed as a batch of one).
    """

    def __init__(self, *arrays, transform=None, target_transform=None):
        if not arrays:
            raise ValueError(f"{type(self).__name__} needs at least one array, got none")
        shapes = [tuple(a.shape) for a in arrays]
        if any(len(s) == 0 for s in shapes):
            raise ValueError(
                f"{type(self).__name__}: every array needs a first (sample) dimension; got shapes {shapes}"
            )
        if len({s[0] for s in shapes}) != 1:
            raise ValueError(
                f"{type(self).__name__}: all arrays must have the same first dimension "
                f"(number of samples); got shapes {shapes}"
            )
        self.arrays = tuple(arrays)
        for name, fn in (("transform", transform), ("target_transform", target_transform)):
            if fn is not None and not callable(fn):
                raise TypeError(f"{type(self).__name__}: {name} must be callable, got {type(fn).__name__}")
        if target_transform is not None and len(arrays) < 2:
            raise ValueError(f"{type(self).__name__}: target_transform needs a second (target) array")
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self) -> int:
        """Number of samples (the shared first dimension)."""
        return int(self.arrays[0].shape[0])

    def __getitem__(self, index):
        """``(a[index] for each array)``; ``index`` is an int, a slice or an int array."""
        index = zero_d_integer(index)   # a 0-d integer Tensor or array: the int it holds
        if isinstance(index, (int, np.integer)):
            n = len(self)
            if not -n <= index < n:
                raise IndexError(f"{type(self).__name__} index {int(index)} is out of range for {n} samples")
            if self.transform is None and self.target_transform is None:
                return tuple(a[index] for a in self.arrays)
            one = slice(index, index + 1) if index != -1 else slice(-1, None)
            return tuple(field[0] for field in self._transformed(tuple(a[one] for a in self.arrays)))
        try:
            fields = tuple(a[_index_for(a, index)] for a in self.arrays)
        except IndexError:
            raise _index_error(type(self).__name__, index, len(self)) from None
        return self._transformed(fields)

    def _transformed(self, fields):
        """The batch ``fields`` with ``transform`` applied to the first and ``target_transform`` to the second."""
        if self.transform is None and self.target_transform is None:
            return fields
        fields = list(fields)
        with reading("batch"):   # ToTensor refuses a 2-D batch instead of reading it as one image
            if self.transform is not None:
                fields[0] = self.transform(fields[0])
            if self.target_transform is not None:
                fields[1] = self.target_transform(fields[1])
        return tuple(fields)

    @property
    def device(self) -> str:
        """The device the arrays live on (``"cpu"`` or ``"cuda:N"``)."""
        return backend.device_of(self.arrays[0])

    def to(self, device) -> "ArrayDataset":
        """Move every array to ``device`` once, in place, and return ``self``.

        With the whole dataset on the GPU, each batch is sliced there and no
        host-to-device copy happens per batch.
        """
        device = backend.normalize_device(device)
        self.arrays = tuple(backend.to_device(a, device) for a in self.arrays)
        return self


class TensorDataset(ArrayDataset):
    """A dataset made of Tensors (or array-likes) that share their first dimension.

    ``TensorDataset(x, y)[i]`` is ``(x[i], y[i])`` as Tensors (views of the storage, as torch's) for an int
    ``i``; for an index array it is the batch as backend arrays, which the DataLoader turns into Tensors.
    Tensors are stored detached (their data only); array-likes are converted with :func:`minigrad.tensor`, so
    the usual dtype rule applies (floating data becomes the default float dtype).
    """

    def __init__(self, *tensors, transform=None, target_transform=None):
        super().__init__(*(_as_backend_array(t) for t in tensors), transform=transform,
                         target_transform=target_transform)

    def __getitem__(self, index):
        """One sample (int ``index``) as a tuple of Tensors, as torch's; a batch (index array) as arrays, which is
        how the DataLoader reads it."""
        index = zero_d_integer(index)   # a 0-d integer Tensor or array: the int it holds
        fields = super().__getitem__(index)
        if not isinstance(index, (int, np.integer)):
            return fields
        import minigrad  # at call time: minigrad's package init may import this module

        return tuple(minigrad.Tensor(field if backend.is_array(field) else np.asarray(field)) for field in fields)

    @property
    def tensors(self) -> tuple:
        """The stored fields as Tensors (sharing their storage), as torch's ``TensorDataset.tensors``."""
        import minigrad  # at call time: minigrad's package init may import this module

        return tuple(minigrad.Tensor(array) for array in self.arrays)


def _as_backend_array(value):
    """The backend array behind a Tensor, or a new one made by ``minigrad.tensor``."""
    import minigrad  # at call time: minigrad's package init may import this module

    if isinstance(value, minigrad.Tensor):
        return value.data
    return minigrad.tensor(value).data


def _index_error(owner, index, n):
    """NumPy's IndexError for a batch index restated with the dataset and the first index it does not have."""
    try:
        array = backend.to_numpy(index) if backend.is_array(index) else np.asarray(index)
    except (TypeError, ValueError):   # a ragged list or an object NumPy cannot read
        return IndexError(f"{owner}: index {index!r} is not an int, a slice or an integer array")
    if array.dtype.kind not in "iub":
        shown = f"{index!r} ({type(index).__name__})" if array.ndim == 0 else f"dtype {array.dtype}"
        return TypeError(f"{owner}: index must be an int, a slice or an integer array, got {shown}")
    if array.dtype.kind in "iu":
        bad = array[(array < -n) | (array >= n)]
        if bad.size:
            return IndexError(f"{owner} index {int(bad.flat[0])} is out of range for {n} samples")
    return IndexError(f"{owner}: index of shape {array.shape} does not fit {n} samples")


def _index_for(array, index):
    """Put an index array on the same device as ``array``: NumPy indices into CuPy arrays, and
    back (a DataLoader uploads a GPU dataset's epoch order; a field left on the host needs it there)."""
    if isinstance(index, slice):
        return index
    return backend.to_device(index, backend.device_of(array))
