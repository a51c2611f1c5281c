"""Transforms of dataset samples, as in torchvision: ``Compose``, ``ToTensor``/``ToFloat``, ``Normalize``, ``Flatten``,
``Reshape``, ``Lambda``, and one augmentation, ``RandomTranslate``.

Give them to a dataset with ``transform=`` (the inputs) and ``target_transform=``
(the labels)::

    from minigrad.data import MNIST, transforms
    train = MNIST(root, train=True, transform=transforms.Compose([
        transforms.ToTensor(),                          # uint8 (N, 28, 28) -> float32 (N, 1, 28, 28) in [0, 1]
        transforms.Normalize((0.1307,), (0.3081,)),     # per channel: (x - mean) / std
    ]))

Every transform works on a **batch**: an array whose first axis is the sample
axis. A dataset applies its transform to the whole batch a DataLoader asks for
(one vectorised call per batch, no loop over samples), and to a single sample
as a batch of one. ``Lambda`` keeps torchvision's meaning (its function sees one
sample at a time) unless it is given ``batched=True``. The arrays may be NumPy or CuPy; the result stays where the
input is.

One exception, for datasets of torchvision's kind that call their transform on one image: ``ToTensor`` given a
2-D array outside a dataset reads it as one ``(H, W)`` image, ``(1, H, W)``, and the rest of its ``Compose`` then
takes that as one sample (a ``Lambda`` after it sees the whole ``(1, H, W)`` Tensor, as in torchvision). Inside a
dataset, which hands its transform whole batches, a 2-D array is a batch of flat rows and ``ToTensor`` refuses it.

``RandomTranslate`` is random: it draws from minigrad's seeded generator (or the
one it is given), so ``minigrad.manual_seed`` fixes it, and a training checkpoint,
which stores that generator, resumes it exactly. Give it to the training set only.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np

from minigrad import backend
from minigrad.scalars import is_integer

__all__ = ["Compose", "ToTensor", "ToFloat", "Normalize", "Flatten", "Reshape", "RandomTranslate", "Lambda"]


class _Reading:
    """What the array a transform gets is: "batch" (a dataset hands it over), "sample" (one image: ToTensor read
    a 2-D array, or Lambda hands its function one sample), or None (not known: a transform's own batch reading)."""

    __slots__ = ("kind",)

    def __init__(self, kind):
        self.kind = kind


_READING = ContextVar("minigrad_transform_reading", default=None)


@contextmanager
def reading(kind):
    """Transforms called inside read their arrays as ``kind``: ``"batch"`` (what ``ArrayDataset`` hands them),
    ``"sample"`` (what ``Lambda`` hands its function) or None (not known yet; ``Compose`` opens one so that
    ``ToTensor`` can say it read one sample)."""
    token = _READING.set(_Reading(kind))
    try:
        yield
    finally:
        _READING.reset(token)


def _reading_kind():
    current = _READING.get()
    return None if current is None else current.kind


class Compose:
    """Apply ``transforms`` one after the other: ``Compose([t1, t2])(x) == t2(t1(x))``."""

    def __init__(self, transforms):
        self.transforms = list(transforms)
        for i, t in enumerate(self.transforms):
            if not callable(t):
                raise TypeError(f"Compose: transform {i} is not callable, got {type(t).__name__}")

    def __call__(self, batch):
        if _READING.get() is not None:   # inside a dataset's batch or an outer Compose: its reading holds
            return self._apply(batch)
        with reading(None):
            return self._apply(batch)

    def _apply(self, batch):
        for t in self.transforms:
            batch = t(batch)
        return batch

    def __repr__(self):
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose([{inner}\n])"


class ToFloat:
    """Integer pixels to the default float dtype (float32 unless ``set_default_dtype``; torchvision's rule) in
    [0, 1] (``x / 255`` for uint8, ``x / max`` of the integer type); floats are cast."""

    def __call__(self, batch):
        xp = backend.get_array_module(batch)
        batch = xp.asarray(batch)
        dtype = backend.DEFAULT_FLOAT
        if batch.dtype.kind in "ui":   # a division, as torchvision: 255 maps to exactly 1.0
            return batch.astype(dtype) / dtype.type(np.iinfo(batch.dtype).max)
        if batch.dtype.kind == "b":
            return batch.astype(dtype)
        return batch.astype(dtype, copy=False)

    def __repr__(self):
        return "ToFloat()"


class ToTensor(ToFloat):
    """torchvision's ``ToTensor`` for batches: the default float dtype in [0, 1], channel axis first.

    ``(N, H, W)`` grey-level images become ``(N, 1, H, W)``; ``(N, H, W, C)``
    colour images (C of 1, 3 or 4) become ``(N, C, H, W)``. The result is an array;
    the DataLoader turns each batch into a minigrad Tensor.

    One ``(H, W)`` image, as a per-sample ``Dataset`` hands it over, becomes ``(1, H, W)``, as in torchvision.
    A 3-D array whose last axis is 1, 3 or 4 is refused: it reads as one ``(H, W, C)`` colour image in
    torchvision and as a batch of grey images here, and guessing would silently mix pixels up. Inside a dataset,
    which hands over batches, it is a batch of grey images, and a 2-D array (flat rows) is refused.
    """

    def __call__(self, batch):
        batch = super().__call__(batch)
        if batch.ndim == 2:
            current = _READING.get()
            if current is not None and current.kind == "batch":
                raise ValueError(
                    f"ToTensor: got a batch of shape {batch.shape} (a dataset hands its transform whole batches): "
                    f"rows of {batch.shape[1]} values, not images; ToTensor expects a batch of images (N, H, W) or "
                    "(N, H, W, C). For flat rows use ToFloat() (the same scaling, no channel axis), or put "
                    "Reshape((H, W)) first")
            if current is not None:   # the rest of this Compose sees one sample, as torchvision's would
                current.kind = "sample"
            return batch[None, :, :]
        if batch.ndim == 3 and batch.shape[-1] in (1, 3, 4) and _reading_kind() != "batch":
            raise ValueError(
                f"ToTensor: shape {batch.shape} is ambiguous: one (H, W, C) colour image (torchvision's reading) "
                f"or a batch of {batch.shape[0]} grey images of width {batch.shape[-1]}; give one colour image "
                "a batch axis (image[None]: (1, H, W, C) -> (1, C, H, W)) or a batch of grey images "
                "a channel axis ((N, H, W, 1))")
        if batch.ndim == 3:
            return batch[:, None, :, :]
        if batch.ndim == 4 and batch.shape[-1] in (1, 3, 4):
            xp = backend.get_array_module(batch)
            return xp.ascontiguousarray(batch.transpose(0, 3, 1, 2))
        raise ValueError(f"ToTensor: expected a batch of images (N, H, W) or (N, H, W, C), got shape {batch.shape}")

    def __repr__(self):
        return "ToTensor()"


class Normalize:
    """``(x - mean[c]) / std[c]`` for each channel ``c`` (axis 1 of a batch), as torchvision's ``Normalize``.

    ``mean`` and ``std`` are sequences with one value per channel (or one value
    for all). The result keeps the input's float dtype.
    """

    def __init__(self, mean, std):
        self.mean = tuple(float(m) for m in np.atleast_1d(np.asarray(mean, dtype=np.float64)))
        self.std = tuple(float(s) for s in np.atleast_1d(np.asarray(std, dtype=np.float64)))
        if len(self.mean) != len(self.std):
            raise ValueError(f"Normalize: mean has {len(self.mean)} values but std has {len(self.std)}")
        if any(not s > 0 for s in self.std):
            raise ValueError(f"Normalize: std must be positive, got {self.std}")

    def __call__(self, batch):
        xp = backend.get_array_module(batch)
        if batch.dtype.kind != "f":
            raise TypeError(f"Normalize: expected a float batch (put ToTensor or ToFloat first), got {batch.dtype}")
        channels = len(self.mean)
        if channels > 1 and (batch.ndim < 2 or batch.shape[1] != channels):
            raise ValueError(f"Normalize: {channels} channel means for a batch of shape {batch.shape} "
                             f"(channels on axis 1)")
        shape = (1, channels) + (1,) * max(batch.ndim - 2, 0) if batch.ndim >= 2 else (channels,)
        mean = xp.asarray(self.mean, dtype=batch.dtype).reshape(shape)
        std = xp.asarray(self.std, dtype=batch.dtype).reshape(shape)
        return (batch - mean) / std   # a division, as torchvision's: a product with a rounded 1/std is an ulp off

    def __repr__(self):
        return f"Normalize(mean={self.mean}, std={self.std})"


class Flatten:
    """``(N, d1, d2, ...)`` to ``(N, d1 * d2 * ...)``: images to vectors for an MLP."""

    def __call__(self, batch):
        # the row length spelled out: NumPy refuses -1 for a batch of 0
        return batch.reshape(batch.shape[0], int(np.prod(batch.shape[1:], dtype=np.int64)))

    def __repr__(self):
        return "Flatten()"


class Reshape:
    """``(N, ...)`` to ``(N, *shape)``, the inverse of ``Flatten``: ``Reshape((28, 28))`` makes flat MNIST rows images."""

    def __init__(self, shape):
        self.shape = tuple(int(d) for d in shape)
        if any(d < 1 for d in self.shape):
            raise ValueError(f"Reshape: every size must be positive, got {self.shape}")

    def __call__(self, batch):
        size = int(np.prod(batch.shape[1:], dtype=np.int64))
        if batch.ndim < 1 or size != int(np.prod(self.shape, dtype=np.int64)):
            raise ValueError(f"Reshape: cannot make a batch of shape {batch.shape} into (N, *{self.shape})")
        return batch.reshape((batch.shape[0],) + self.shape)

    def __repr__(self):
        return f"Reshape({self.shape})"


class RandomTranslate:
    """Move each image of a batch by its own random whole-pixel offset of at most ``max_shift`` in each direction.

    Image ``i`` is shifted down by ``dy[i]`` and right by ``dx[i]``, both drawn uniformly
    from ``-max_shift .. max_shift``; what moves out is dropped and the uncovered border
    is ``fill``: ``out[i, ..., r, c] = x[i, ..., r - dy[i], c - dx[i]]``. This is
    torchvision's ``RandomCrop(size=(H, W), padding=max_shift, fill=fill)``, done for the
    whole batch at once: the batch is padded by ``max_shift`` on each side and every
    crop is gathered in one indexing call (no loop over samples).

    The batch is ``(N, ..., H, W)`` (the last two axes are the image); shape and dtype
    are kept. The offsets are drawn on the host from ``generator`` (a
    ``numpy.random.Generator``), by default minigrad's own seeded generator as it is
    at the call. ``last_shifts`` holds the ``(N, 2)`` offsets ``(dy, dx)`` of the latest
    call. A data augmentation: give it to the training set only, never the test set.
    """

    def __init__(self, max_shift: int, fill: float = 0.0, generator=None):
        if not is_integer(max_shift) or max_shift < 0:
            raise ValueError(f"RandomTranslate: max_shift must be a non-negative integer, got {max_shift!r}")
        if generator is not None and not isinstance(generator, np.random.Generator):
            raise TypeError(f"RandomTranslate: generator must be a numpy.random.Generator or None, "
                            f"got {type(generator).__name__}")
        self.max_shift = int(max_shift)
        self.fill = float(fill)
        self.generator = generator
        self.last_shifts = None

    def __call__(self, batch):
        xp = backend.get_array_module(batch)
        if batch.ndim < 3:
            raise ValueError(f"RandomTranslate: expected a batch of images (N, ..., H, W), got shape {batch.shape}")
        n, h, w, m = batch.shape[0], batch.shape[-2], batch.shape[-1], self.max_shift
        generator = self.generator if self.generator is not None else _minigrad_generator()
        shifts = generator.integers(-m, m + 1, size=(n, 2))
        self.last_shifts = shifts
        if m == 0 or n == 0:
            return batch.copy()
        images = batch.reshape(n, -1, h, w)           # the axes between N and (H, W) as one channel axis
        padded = xp.pad(images, ((0, 0), (0, 0), (m, m), (m, m)), constant_values=self.fill)
        offsets = xp.asarray(m - shifts)              # where each crop starts in the padded image
        rows = (offsets[:, 0, None] + xp.arange(h))[:, None, :, None]
        cols = (offsets[:, 1, None] + xp.arange(w))[:, None, None, :]
        samples = xp.arange(n)[:, None, None, None]
        channels = xp.arange(images.shape[1])[None, :, None, None]
        return padded[samples, channels, rows, cols].reshape(batch.shape)

    def __repr__(self):
        return f"RandomTranslate(max_shift={self.max_shift}, fill={self.fill:g})"


def _minigrad_generator():
    from minigrad import random as mg_random

    return mg_random.get_generator()


class Lambda:
    """torchvision's ``Lambda``: ``fn`` applied to each sample of a batch, the results stacked into a batch again.

    Each sample is handed over as torchvision hands it: one with dims (an image after ``ToTensor``) as a minigrad
    Tensor, a 0-d one (a label) as a Python number, so torchvision's one-hot target transform
    ``Lambda(lambda y: torch.zeros(10).scatter_(0, torch.tensor(y), value=1))`` gives one row per label. ``fn`` may
    return a Tensor, an array or a number (a Python float becomes the default float dtype, as in ``default_collate``).

    ``batched=True`` hands ``fn`` the whole batch array instead (one call, no loop over samples):
    ``Lambda(lambda x: x.flatten(1), batched=True)``. A value that is not an array (a label given directly) is
    passed to ``fn`` as it is. After ``ToTensor`` read one ``(H, W)`` image in the same ``Compose`` (a dataset of
    torchvision's kind transforming one image), ``fn`` gets that whole ``(1, H, W)`` sample, as in torchvision, not
    each of its channels (see the module docstring).
    """

    def __init__(self, fn, batched: bool = False):
        if not callable(fn):
            raise TypeError(f"Lambda: expected a callable, got {type(fn).__name__}")
        if not isinstance(batched, bool):
            raise TypeError(f"Lambda: batched must be True or False, got {batched!r}")
        self.fn = fn
        self.batched = batched

    def __call__(self, batch):
        if self.batched or not backend.is_array(batch) or batch.ndim == 0:
            return self.fn(batch)
        # numbers fn returns go where the batch is (stacked on the host, then moved once: one transfer per batch);
        # an array or Tensor stays where fn put it, as torchvision's Lambda returns what fn returns
        device = backend.device_of(batch)
        if _reading_kind() == "sample":
            value, number = self._of_one_sample(batch)
            return backend.to_device(value, device) if number else value
        if batch.shape[0] == 0:   # no sample to learn the result's shape from: nothing to transform
            return batch
        results = [self._of_one_sample(sample) for sample in batch]
        if all(number for _, number in results):
            return backend.to_device(_stack([value for value, _ in results]), device)
        return _stack([backend.to_device(value, device) if number else value for value, number in results])

    def _of_one_sample(self, sample):
        """fn's result for one sample as a backend array, and whether fn returned a number (not an array)."""
        # fn sees one sample, whatever its caller read: a dataset's "batch" reading would make a ToTensor inside
        # fn refuse one (H, W) image as a batch of flat rows
        with reading("sample"):
            value = self.fn(_as_sample(sample))
        return _as_array(value), not (backend.is_array(value) or backend.is_array(getattr(value, "data", None)))

    def __repr__(self):
        batched = ", batched=True" if self.batched else ""
        return f"Lambda({getattr(self.fn, '__name__', repr(self.fn))}{batched})"


def _as_sample(array):
    """One sample of a batch as torchvision hands it to a transform: a Tensor, or a Python number if 0-d."""
    if array.ndim == 0:
        return array.item()
    from minigrad.autograd.tensor import Tensor   # at call time: ``import minigrad.data`` stays light

    return Tensor(array)


def _as_array(value):
    """A per-sample result as a backend array (a Tensor's data; a Python float in the default float dtype)."""
    if backend.is_array(value):
        return value
    data = getattr(value, "data", None)
    if backend.is_array(data):   # a minigrad Tensor
        return data
    if isinstance(value, float):
        return np.asarray(value, dtype=backend.DEFAULT_FLOAT)
    return np.asarray(value)


def _stack(arrays):
    return backend.get_array_module(arrays[0]).stack(arrays)
