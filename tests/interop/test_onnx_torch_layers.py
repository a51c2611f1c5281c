"""ONNX export of LayerNorm, SiLU, ELU, GELU (both forms), erf, Softplus (beta, threshold), Mish, Hardtanh, ReLU6,
PReLU, cosine_similarity and normalize: ONNX Runtime agrees with minigrad to 1e-5."""
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
def test_layer_norm_gelu_silu_and_elu_export(tmp_path, opset):
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


@pytest.mark.parametrize("opset", [17, 18])
def test_softplus_mish_hardtanh_relu6_prelu_export(tmp_path, opset):
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 6), nn.Softplus(beta=2.0, threshold=3.0), nn.Linear(6, 6), nn.Mish(),
                          nn.Linear(6, 6), nn.PReLU(), nn.Hardtanh(-0.5, 2.0), nn.Linear(6, 6), nn.PReLU(6),
                          nn.Softplus(), nn.Linear(6, 6), nn.ReLU6(), nn.Softplus(threshold=0.5))
    model[8].weight.data[...] = np.linspace(-1, 1, 6, dtype=np.float32)   # one slope per channel, signs mixed
    ops = _export_and_compare(tmp_path, model, opset)
    assert ("Mish" in ops) == (opset >= 18) and ops.count("Clip") == 2 and "Where" in ops


def test_cosine_similarity_and_normalize_export(tmp_path):
    def model(x):
        return F.cosine_similarity(F.normalize(x * 3.0), x[:, ::-1] + 0.5)[:, None] * F.softplus(x, beta=0.5)

    ops = _export_and_compare(tmp_path, model, 17)
    assert "Softplus" in ops and "ReduceL2" in ops and "Max" in ops    # Max: cosine_similarity's clamp of each norm
    x = np.zeros((3, 6), dtype=np.float32)
    x[1] = 1e-10          # norms below the clamps: zero and tiny rows keep PyTorch's values in the graph too
    x[2] = np.arange(6)
    session = ort.InferenceSession(str(tmp_path / "model.onnx"), providers=["CPUExecutionProvider"])
    got, = session.run(None, {"input": x})
    expected = model(mg.tensor(x)).numpy()
    assert np.isfinite(expected).all()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
