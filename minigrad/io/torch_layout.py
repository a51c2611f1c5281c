"""PyTorch's names and array layouts for minigrad's layers, one table entry per layer class.

minigrad's layers already take PyTorch's attribute names (``weight``, ``bias``,
``running_mean``...) and ``Network`` names its layers by position like
``torch.nn.Sequential``, so a state dict keeps its keys. What differs is listed
in ``TORCH_LAYOUT``, keyed by layer class name (a subclass uses its closest
listed base): ``transposed``, the parameters stored transposed (``Linear.weight``
is (in, out) here and (out, in) in PyTorch).

A weight tied between an ``Embedding`` and a ``Linear`` (``minigrad.nn.tied_weights``) is one Parameter with the
layout of the layer that made it, under both layers' names: it is transposed under both names when a Linear made it
and under neither when an Embedding made it, so PyTorch gets (vocab, dim) under both, as its tied layers share.

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

from minigrad.autograd.tensor import Tensor
from minigrad.backend import get_array_module, is_array
from minigrad.nn.tied_weights import IN_OUT, LAYOUT
from minigrad.serialization import type_name


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
    """{dotted entry name: whether PyTorch stores it transposed} for every parameter and buffer.

    The original(s) of a parametrized tensor (``nn.utils.parametrize``: ``fc.parametrizations.weight.original0``)
    are laid out as that tensor (a weight-normed Linear's g and v are transposed as its weight is). A
    parametrization's own buffers (spectral norm's ``_u``, orthogonal's ``base``) keep torch's layout. A tied
    weight follows the layout of the layer that made it.
    """
    from minigrad.nn.utils.parametrize import parametrized_originals

    owners = {}
    for prefix, layer in model.named_layers():
        layout = layout_of(layer)
        for name, tensor_name in parametrized_originals(layer):
            owners.setdefault(f"{prefix}.{name}" if prefix else name, bool(layout and tensor_name in layout.transposed))
        for name, kind, value in layer._direct_members():
            if kind in ("param", "buffer"):
                made_by = getattr(value, "__dict__", {}).get(LAYOUT)   # a tied weight: its maker's layout decides
                transposed = made_by == IN_OUT if made_by is not None and ties_weights(layer) else \
                    bool(layout and name in layout.transposed)
                owners.setdefault(f"{prefix}.{name}" if prefix else name, transposed)
    return owners


def ties_weights(layer) -> bool:
    """Whether ``layer`` is one of the two layers that tie weights (Linear, Embedding)."""
    return any(cls.__name__ in ("Linear", "Embedding") for cls in type(layer).__mro__)


def to_torch(model, state: dict) -> dict:
    """``state`` (minigrad names and layouts: ``model.state_dict()``'s Tensors, or arrays) as arrays in the layout
    PyTorch's model expects; an entry that needs no transpose is the Tensor's own array (no copy, as the state
    dict's Tensors share the model's memory)."""
    owners = _owners(model)
    out = {}
    for key, array in state.items():
        array = _array_of(array)
        transposed = owners.get(key, False) and getattr(array, "ndim", 0) == 2
        out[key] = _transposed("to_torch", key, array) if transposed else array
    return out


def from_torch(model, arrays: dict) -> dict:
    """Arrays in PyTorch's layout back to minigrad's (minigrad Tensors as their arrays; torch tensors as NumPy
    arrays where transposed); unknown keys pass through (load reports them). It returns the new dict and loads
    nothing: ``model.load_state_dict(from_torch(model, arrays))``."""
    owners = _owners(model)
    out = {}
    for key, array in arrays.items():
        array = _array_of(array)
        transposed = owners.get(key, False) and getattr(array, "ndim", 0) == 2
        out[key] = _transposed("from_torch", key, array) if transposed else array
    return out


def _transposed(name, key, array):
    """``_contiguous_transpose`` with what its library refused named: a bfloat16 or requires-grad torch tensor
    stopped here with torch's bare "Got unsupported ScalarType BFloat16", naming no entry."""
    try:
        return _contiguous_transpose(array)
    except Exception as err:   # noqa: BLE001  (whatever the value's library raises)
        raise TypeError(f"{name}: {key!r} (a {type_name(array)} of dtype {getattr(array, 'dtype', '?')}) could not be "
                        f"read as a NumPy array to transpose: {type(err).__name__}: {err}") from err


def _contiguous_transpose(array):
    """``array.T`` as a C-contiguous array on the device that holds it (np.ascontiguousarray refuses a CuPy
    array; a torch tensor or a list goes through NumPy)."""
    xp = get_array_module(array) if is_array(array) else np
    return xp.ascontiguousarray(xp.asarray(array).T)


def _array_of(value):
    """A minigrad Tensor's backend array (the values of a ``state_dict``); anything else as it is."""
    return value.data if isinstance(value, Tensor) else value
