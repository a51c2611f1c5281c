"""``one_hot``: integer class indices as rows of 0s and a 1, PyTorch's ``torch.nn.functional.encoding``."""
from __future__ import annotations

import numpy as np

from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module
from minigrad.scalars import is_integer


def one_hot(tensor, num_classes: int = -1) -> Tensor:
    """An int64 Tensor of shape ``tensor.shape + (num_classes,)``: 1 at each index, 0 elsewhere (not differentiable).

    ``num_classes=-1`` takes ``max(tensor) + 1``. As PyTorch, a negative index, an index >= num_classes
    and an empty input without num_classes are errors. Any integer dtype is read (PyTorch wants int64).
    """
    data = tensor.data if isinstance(tensor, Tensor) else tensor
    if not hasattr(data, "dtype"):
        data = np.asarray(data)
    if data.dtype.kind not in "iu":
        raise TypeError(f"one_hot: tensor must hold integer class indices, got dtype {data.dtype}")
    if not is_integer(num_classes) or num_classes < -1:
        raise ValueError(f"one_hot: num_classes must be -1 (inferred) or a non-negative integer, got {num_classes!r}")
    xp = get_array_module(data)
    if data.size == 0:
        if num_classes == -1:
            raise ValueError("one_hot: cannot infer the number of classes from an empty tensor; pass num_classes")
    else:
        low, high = int(data.min()), int(data.max())
        if low < 0:
            raise ValueError(f"one_hot: class values must be non-negative, got {low}")
        if num_classes == -1:
            num_classes = high + 1
        elif high >= num_classes:
            raise ValueError(f"one_hot: class values must be smaller than num_classes={num_classes}, got {high}")
    classes = xp.arange(int(num_classes), dtype=np.int64)
    return Tensor((data[..., None] == classes).astype(np.int64))
