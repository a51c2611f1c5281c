"""ONNX export of LayerNorm, SiLU, ELU, GELU (both forms) and erf: ONNX Runtime agrees with minigrad to 1e-5."""
import numpy as np
import onnx
import onnxruntime as ort
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F
from minigrad.ops.functions import erf
from minigrad.onnx import export


def _export_and_compare(tmp_path, model, opset):
    rng = np.random.default_rng(5)
    path = tmp_path / "model.onnx"
    proto = export(model, mg.tensor(rng.standard_normal((4, 6)).astype(np.float32)), path, opset=opset)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for n in (3, 1):
        x = (rng.standard_normal((n, 6)) * 3).astype(np.float32)
        got, = session.run(None, {"input": x})
        expected = model(mg.tensor(x)).numpy()
        assert got.shape == expected.shape and got.dtype == np.float32
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    return [node.op_type for node in proto.graph.node]


@pytest.mark.parametrize("opset", [17, 18, 20])
def test_layer_norm_and_the_new_activations_export(tmp_path, opset):
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 6), nn.LayerNorm(6), nn.GELU(), nn.Linear(6, 6), nn.SiLU(),
                          nn.LayerNorm(6, elementwise_affine=False), nn.ELU(0.5), nn.GELU(approximate="tanh"))
    for p in model.parameters():   # LayerNorm's weight and bias away from their ones and zeros
        p.data[...] = np.random.default_rng(1).standard_normal(p.shape).astype(np.float32)
    ops = _export_and_compare(tmp_path, model, opset)
    assert "Elu" in ops and "Sigmoid" in ops
    assert ("Gelu" in ops) == (opset >= 20) and ("Erf" in ops) == (opset < 20)


def test_erf_exports(tmp_path):
    ops = _export_and_compare(tmp_path, lambda x: erf(x) + F.gelu(x * 0.5), 17)
    assert ops.count("Erf") == 2
