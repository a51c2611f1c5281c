"""PyTorch's names and array layouts for minigrad's layers, one table entry per layer class.

minigrad's layers already take PyTorch's attribute names (``weight``, ``bias``,
``running_mean``...) and ``Network`` names its layers by position like
``torch.nn.Sequential``, so a state dict keeps its keys. What differs is listed
in ``TORCH_LAYOUT``, keyed by layer class name (a subclass uses its closest
listed base):

- ``transposed``: parameters stored transposed (``Linear.weight`` is (in, out)
  here and (out, in) in PyTorch);
- ``torch_only``: entries PyTorch keeps that the minigrad layer may not, written
  with a fixed value and dropped on load unless the layer has them
  (BatchNorm's ``num_batches_tracked``).

Layers not listed (activations, Dropout, Flatten, convolutions with their
(out, in/groups, kh, kw) weights, LSTM/GRU with ``weight_ih_l0``...) use the same
names and layouts in both frameworks and need no entry.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class LayerLayout:
    """How one layer class's entries differ from PyTorch's (see the module doc)."""

    transposed: tuple = ()
    torch_only: dict = field(default_factory=dict)  # name -> function () -> the array to write


def _batches_tracked():
    # minigrad does not count batches; PyTorch reads the count only when momentum is None.
    return np.zeros((), dtype=np.int64)


_BATCH_NORM = LayerLayout(torch_only={"num_batches_tracked": _batches_tracked})

TORCH_LAYOUT = {
    "Linear": LayerLayout(transposed=("weight",)),
    "BatchNorm1d": _BATCH_NORM,
    "BatchNorm2d": _BATCH_NORM,
}


def layout_of(layer) -> LayerLayout | None:
    """The table entry of ``layer``'s class or of its closest listed base class."""
    for cls in type(layer).__mro__:
        if cls.__name__ in TORCH_LAYOUT:
            return TORCH_LAYOUT[cls.__name__]
    return None


def _owners(model):
    """{dotted entry name: (owning layer, attribute name)} for every parameter and buffer."""
    owners = {}
    for prefix, layer in model.named_layers():
        for name, kind, _ in layer._direct_members():
            if kind in ("param", "buffer"):
                owners.setdefault(f"{prefix}.{name}" if prefix else name, (layer, name))
    return owners


def to_torch(model, state: dict) -> dict:
    """``state`` (minigrad names and layouts, host arrays) in the layout PyTorch's model expects."""
    owners = _owners(model)
    out = {}
    for key, array in state.items():
        layer, attr = owners.get(key, (None, key))
        layout = layout_of(layer) if layer is not None else None
        out[key] = np.ascontiguousarray(array.T) if layout and attr in layout.transposed else array
    for prefix, layer in model.named_layers():
        layout = layout_of(layer)
        for name, make in (layout.torch_only.items() if layout else ()):
            out.setdefault(f"{prefix}.{name}" if prefix else name, make())  # unless this layer keeps it itself
    return out


def from_torch(model, arrays: dict) -> dict:
    """Arrays in PyTorch's layout back to minigrad's; unknown keys pass through (load reports them)."""
    owners = _owners(model)
    dropped = set()
    for prefix, layer in model.named_layers():
        layout = layout_of(layer)
        for name in (layout.torch_only if layout else ()):
            key = f"{prefix}.{name}" if prefix else name
            if key not in owners:
                dropped.add(key)
    out = {}
    for key, array in arrays.items():
        if key in dropped:
            continue
        layer, attr = owners.get(key, (None, key))
        layout = layout_of(layer) if layer is not None else None
        transposed = layout and attr in layout.transposed and getattr(array, "ndim", 0) == 2
        out[key] = np.ascontiguousarray(array.T) if transposed else array
    return out
