"""``--export-safetensors`` / ``--export-onnx``: the trained model in formats other frameworks read.

Written once, when the run completes: the weights as safetensors in PyTorch's
layout (``torch.nn.Sequential`` of the same layers loads them; so does
``minigrad.io.load_safetensors``), the forward pass as ONNX with a symbolic
batch axis (traced on two test images).
"""
from __future__ import annotations

from pathlib import Path

from minigrad.autograd.tensor import Tensor

# option -> (package it needs, TrainConfig field)
EXPORTS = {"--export-safetensors": ("safetensors", "export_safetensors"), "--export-onnx": ("onnx", "export_onnx")}


def check_export_paths(config) -> list[str]:
    """One-line problems with the export options, found before training starts (not after 10 epochs)."""
    import importlib.util

    problems = []
    for option, (package, name) in EXPORTS.items():
        path = getattr(config, name)
        if path is None:
            continue
        if importlib.util.find_spec(package) is None:
            problems.append(f"{option} needs the {package} package: pip install \"minigrad[interop]\"")
        elif Path(path).is_dir():
            problems.append(f"{option} {path}: is a folder; give a file name")
    return problems


def export_trained(model, example, config, description: str, log) -> dict:
    """Write the requested exports of ``model`` (``example``: a few input rows); returns {kind: path}."""
    from minigrad.io import save_safetensors
    from minigrad.onnx import export

    written = {}
    if config.export_safetensors:
        path = Path(config.export_safetensors)
        path.parent.mkdir(parents=True, exist_ok=True)
        save_safetensors(model, path, layout="torch", metadata={"minigrad.model": description})
        log(f"weights (safetensors, PyTorch's layout): {path}")
        written["safetensors"] = path
    if config.export_onnx:
        path = Path(config.export_onnx)
        path.parent.mkdir(parents=True, exist_ok=True)
        export(model, Tensor(example), path)
        log(f"model (ONNX, input 'input' of shape (batch, {example.shape[1]}), output 'output'): {path}")
        written["onnx"] = path
    return written
