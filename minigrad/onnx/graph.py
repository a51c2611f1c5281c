"""``Graph``: the ONNX nodes and initializers of an export, with unique value names."""
from __future__ import annotations

import numpy as np


class ExportError(ValueError):
    """A model, or one op of it, that ``minigrad.onnx.export`` cannot turn into ONNX."""


class Graph:
    """Collects nodes and constant initializers; the converters call ``node`` and ``constant``."""

    def __init__(self, opset: int):
        import onnx  # imported here: onnx is optional, and only export needs it

        self.onnx = onnx
        self.opset = opset
        self.nodes = []
        self.initializers = []
        self._taken = set()
        self.array_names = {}  # id of a traced value's array -> its name (ops that hold arrays as parameters)

    def name(self, hint: str) -> str:
        """A value name not used before, built from ``hint``."""
        base = hint or "v"
        name, i = base, 1
        while name in self._taken:
            name, i = f"{base}_{i}", i + 1
        self._taken.add(name)
        return name

    def node(self, op_type: str, inputs, n_outputs: int = 1, **attrs):
        """Append one node; returns its output name (or the list of names when ``n_outputs > 1``)."""
        outputs = [self.name(f"{op_type.lower()}_out") for _ in range(n_outputs)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(self.onnx.helper.make_node(op_type, list(inputs), outputs,
                                                     name=self.name(op_type), **attrs))
        return outputs[0] if n_outputs == 1 else outputs

    def constant(self, array, hint: str = "const") -> str:
        """An initializer holding ``array`` (a host array or a number); returns its name."""
        name = self.name(hint)
        self.initializers.append(self.onnx.numpy_helper.from_array(np.asarray(array, order="C"), name))
        return name

    def ints(self, values, hint: str = "ints") -> str:
        """A 1-D int64 initializer (shapes, axes, slice bounds)."""
        return self.constant(np.asarray(list(values), dtype=np.int64).reshape(-1), hint)

    def scalar(self, value, dtype, hint: str = "scalar") -> str:
        """A 0-d initializer of ``dtype``."""
        return self.constant(np.asarray(value, dtype=dtype), hint)
