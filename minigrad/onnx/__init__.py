"""ONNX export of minigrad models: ``minigrad.onnx.export(model, example_input, path)``.

onnx is an optional dependency (``pip install "minigrad[interop]"``), imported
only when ``export`` runs. ``CONVERTERS`` maps each op class name to its ONNX
nodes; see ``minigrad.onnx.converters`` to add one.
"""
from minigrad.onnx.converters import CONVERTERS, NOT_EXPORTED
from minigrad.onnx.export import export
from minigrad.onnx.graph import ExportError
from minigrad.onnx import linalg_converters  # noqa: F401,E402  (registers Det, SlogDet and the refusals)

__all__ = ["export", "ExportError", "CONVERTERS", "NOT_EXPORTED"]
