"""PyTorch's legacy typed constructors, ``minigrad.FloatTensor``, ``LongTensor``, ... (CPU tensors).

Older PyTorch code (and some of PyTorch's own examples) builds tensors with them: ``torch.FloatTensor(array)``
copies data into a float32 tensor, ``torch.LongTensor(6)`` makes an uninitialized int64 tensor of 6 entries.
They read their arguments as torch does:

- integers: the sizes of an uninitialized tensor (``minigrad.empty``); one tuple of integers is refused with a
  ``TypeError`` that asks which is meant (torch reads a tuple as data but a ``torch.Size`` as sizes, and a
  minigrad shape is a plain tuple);
- nothing: an empty tensor of shape (0,);
- one sequence or NumPy array: the data, cast to the type's dtype (a float cast into an integer type truncates
  toward zero); a NumPy array already of that dtype is shared, not copied, as torch shares it;
- one Tensor of the type's dtype: a tensor sharing its memory (no graph); of another dtype: refused, as torch.

``isinstance(x, minigrad.FloatTensor)`` is True for a float32 tensor, as in torch. NumPy has no such names, so
nothing clashes.
"""
from __future__ import annotations

import functools

import numpy as np

from minigrad import backend
from minigrad.autograd.tensor import Tensor
from minigrad.scalars import is_integer

__all__ = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor",
           "ByteTensor", "BoolTensor"]


class _LegacyTensorType(type):
    """The metaclass: calling the class builds a Tensor, ``isinstance`` compares the dtype."""

    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype and obj.device == "cpu"

    def __call__(cls, *args):
        name = cls.__name__
        if len(args) == 1 and isinstance(args[0], tuple) and args[0] and all(is_integer(s) for s in args[0]):
            # torch reads a tuple as data but a torch.Size as sizes; minigrad's shapes are plain tuples: ask
            raise TypeError(f"{name}: a tuple of integers {args[0]} is data in torch but sizes when it is a torch.Size, "
                            "and minigrad's shapes are plain tuples; pass a list for the data or the sizes "
                            f"unpacked ({name}(*shape))")
        if all(is_integer(s) for s in args):   # also no argument at all: shape (0,)
            sizes = tuple(int(s) for s in args) or (0,)
            if any(s < 0 for s in sizes):
                raise ValueError(f"{name}: sizes must be non-negative, got {sizes}")
            return Tensor(np.empty(sizes, dtype=cls.dtype))
        if len(args) != 1:
            raise TypeError(f"{name}: expected sizes (integers) or one sequence, array or Tensor of data, got "
                            f"{', '.join(type(a).__name__ for a in args)}")
        data = args[0]
        if isinstance(data, Tensor):
            if data.dtype != cls.dtype:
                raise TypeError(f"{name}: a Tensor of dtype {data.dtype} is not {cls.expected}; "
                                f"convert it with .to({cls.dtype.name})")
            return Tensor(data.data)
        if isinstance(data, np.ndarray):
            return Tensor(data if data.dtype == cls.dtype else data.astype(cls.dtype))
        if isinstance(data, (list, tuple)) or backend.is_array(data):
            return Tensor(np.asarray(data).astype(cls.dtype))
        raise TypeError(f"{name}: expected sizes (integers) or one sequence, array or Tensor of data, got "
                        f"{type(data).__name__} {data!r}")


def _make(name, dtype, expected=None):
    """``expected``: what a Tensor argument of another dtype is not, in the error (default: ``a FloatTensor (float32)``)."""
    return _LegacyTensorType(name, (), {"dtype": np.dtype(dtype), "__module__": "minigrad",
                                       "expected": expected or f"a {name} ({np.dtype(dtype)})",
                                       "__doc__": f"``torch.{name}``: a {np.dtype(dtype)} tensor from sizes or data."})


@functools.lru_cache(maxsize=None)   # one class per dtype, not one per call of Tensor.new
def legacy_type(dtype, name):
    """A legacy constructor of ``dtype`` whose messages say ``name`` (``Tensor.new`` reads its arguments so)."""
    return _make(name, dtype, expected=f"of this tensor's dtype {np.dtype(dtype)}")


FloatTensor = _make("FloatTensor", np.float32)
DoubleTensor = _make("DoubleTensor", np.float64)
HalfTensor = _make("HalfTensor", np.float16)
LongTensor = _make("LongTensor", np.int64)
IntTensor = _make("IntTensor", np.int32)
ShortTensor = _make("ShortTensor", np.int16)
CharTensor = _make("CharTensor", np.int8)
ByteTensor = _make("ByteTensor", np.uint8)
BoolTensor = _make("BoolTensor", np.bool_)
