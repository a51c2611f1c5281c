"""Weight files other frameworks read: ``save_safetensors`` and ``load_safetensors``.

safetensors is an optional dependency (``pip install "minigrad[interop]"``),
imported only when one of these functions runs.
"""
from minigrad.io.safetensors_file import load_safetensors, save_safetensors
from minigrad.io.torch_layout import TORCH_LAYOUT, LayerLayout

__all__ = ["save_safetensors", "load_safetensors", "TORCH_LAYOUT", "LayerLayout"]
