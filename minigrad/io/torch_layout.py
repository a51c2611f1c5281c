"""PyTorch's names and array layouts for minigrad's layers, one table entry per layer class.

minigrad's layers already take PyTorch's attribute names (``weight``, ``bias``,
``running_mean``...) and ``Network`` names its layers by position like
``torch.nn.Sequential``, so a state dict keeps its keys. What differs is listed
in ``TORCH_LAYOUT``, keyed by layer class name (a subclass uses its closest
listed base): ``transposed``, the parameters stored transposed (``Linear.weight``
is (in, out) here and (out, in) in PyTorch).

Layers not listed (activations, Dropout, Flatten, BatchNorm with its
``num_batches_tracked``, LayerNorm with its weight and bias of shape
``normalized_shape``, convolutions with their (out, in/groups, kh, kw)
weights, RNN/LSTM/GRU with ``weight_ih_l0``... and, bidirectional,
``weight_ih_l0_reverse``...) use the same names and layouts in
both frameworks and need no entry.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LayerLayout:
    """How one layer class's entries differ from PyTorch's (see the module doc)."""

    transposed: tuple = ()


TORCH_LAYOUT = {
    # weight_g/weight_v (nn.utils.weight_norm) and weight_orig (nn.utils.spectral_norm) stand for the weight
    # and are laid out as it is; spectral norm's 1-D weight_u/weight_v are left alone (only 2-D entries turn).
    "Linear": LayerLayout(transposed=("weight", "weight_g", "weight_v", "weight_orig")),
}


def layout_of(layer) -> LayerLayout | None:
    """The table entry of ``layer``'s class or of its closest listed base class."""
    for cls in type(layer).__mro__:
        if cls.__name__ in TORCH_LAYOUT:
            return TORCH_LAYOUT[cls.__name__]
    return None


def _owners(model):
    """{dotted entry name: (owning layer, attribute name)} for every parameter and buffer.

    The original(s) of a parametrized tensor (``nn.utils.parametrize``: ``fc.parametrizations.weight.original0``)
    are laid out as that tensor, so they are owned by its layer under its name (a weight-normed Linear's
    g and v are transposed as its weight is). A parametrization's own buffers (spectral norm's ``_u``,
    orthogonal's ``base``) keep torch's layout.
    """
    from minigrad.nn.utils.parametrize import parametrized_originals

    owners = {}
    for prefix, layer in model.named_layers():
        for name, tensor_name in parametrized_originals(layer):
            owners.setdefault(f"{prefix}.{name}" if prefix else name, (layer, tensor_name))
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
        transposed = layout and attr in layout.transposed and getattr(array, "ndim", 0) == 2
        out[key] = np.ascontiguousarray(array.T) if transposed else array
    return out


def from_torch(model, arrays: dict) -> dict:
    """Arrays in PyTorch's layout back to minigrad's; unknown keys pass through (load reports them)."""
    owners = _owners(model)
    out = {}
    for key, array in arrays.items():
        layer, attr = owners.get(key, (None, key))
        layout = layout_of(layer) if layer is not None else None
        transposed = layout and attr in layout.transposed and getattr(array, "ndim", 0) == 2
        out[key] = np.ascontiguousarray(array.T) if transposed else array
    return out
