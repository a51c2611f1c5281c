"""ONNX export of PyTorch's shape ops along the batch axis: fixed sizes only, one clear error otherwise;
and DiagEmbed's zeros stay zeros next to infinite values."""
import numpy as np
import onnxruntime as ort
import pytest

import minigrad as mg
from minigrad.onnx import ExportError, export

CASES = {
    "Roll": lambda x: x.roll(1, 0),
    "Diagonal": lambda x: mg.diagonal(x, 0, 0, 1),
    "UnfoldWindows": lambda x: x.unfold(0, 2, 1).reshape(-1, 2),
    "DiagEmbed": lambda x: mg.diag_embed(x.t(), 0, 0, 1).reshape(5, -1),
}


def _run(path, x):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_batch_axis_needs_fixed_sizes(tmp_path, name):
    x = np.random.default_rng(3).standard_normal((4, 5)).astype(np.float32)
    with pytest.raises(ExportError, match=f"{name} in .*follows the batch size.*dynamic_batch=False"):
        export(CASES[name], mg.tensor(x), tmp_path / "m.onnx")
    export(CASES[name], mg.tensor(x), tmp_path / "m.onnx", dynamic_batch=False)
    np.testing.assert_allclose(_run(tmp_path / "m.onnx", x), CASES[name](mg.tensor(x)).numpy(), rtol=1e-6)


def test_diag_embed_keeps_exact_zeros_beside_infinities(tmp_path):
    x = np.array([[np.inf, -np.inf, 1.0]], dtype=np.float32)
    export(lambda t: mg.diag_embed(t, 1), mg.tensor(x), tmp_path / "m.onnx")
    got = _run(tmp_path / "m.onnx", x)
    np.testing.assert_array_equal(got, mg.diag_embed(mg.tensor(x), 1).numpy())
