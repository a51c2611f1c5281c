"""Weight files other frameworks read: ``save_safetensors`` and ``load_safetensors``; ``from_torch`` and
``to_torch`` turn a state dict between minigrad's layout and PyTorch's (``Linear.weight`` transposed).

safetensors is an optional dependency (``pip install "minigrad[interop]"``),
imported only when one of these functions runs.
"""
from minigrad.io.safetensors_file import load_safetensors, save_safetensors
from minigrad.io.torch_layout import TORCH_LAYOUT, LayerLayout, from_torch, to_torch

__all__ = ["save_safetensors", "load_safetensors", "from_torch", "to_torch", "TORCH_LAYOUT", "LayerLayout"]
