"""ONNX export of the activation ops added for PyTorch's names (LogSigmoid, SELU, CELU, Hardswish, Hardsigmoid,
Shrink, Threshold), each run in onnxruntime against minigrad, in float32 and float64, at opsets 13, 17 and 18."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import functional as F
from minigrad.onnx import export

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

CASES = {
    "logsigmoid": F.logsigmoid,
    "selu": F.selu,
    "celu": lambda x: F.celu(x, 1.5),
    "celu_negative_alpha": lambda x: F.celu(x, -0.7),
    "hardswish": F.hardswish,
    "hardsigmoid": F.hardsigmoid,
    "hardshrink": lambda x: F.hardshrink(x, 0.6),
    "softshrink": F.softshrink,
    "threshold": lambda x: F.threshold(x, 0.3, -2.0),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("opset", [13, 17, 18])   # 13, the lowest export takes: Hardswish's HardSwish node is opset 14's
@pytest.mark.parametrize("name", sorted(CASES))
def test_activation_exports_and_agrees(tmp_path, name, opset, dtype):
    fn = CASES[name]
    x = np.random.default_rng(3).standard_normal((4, 9)) * 4
    x[0, :9] = [-3.0, 3.0, 0.6, -0.6, 0.5, 0.3, 0.0, -40.0, 40.0]   # kinks and tails
    x = x.astype(dtype)
    path = tmp_path / "m.onnx"
    export(fn, mg.Tensor(x), path, opset=opset)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for n in (4, 2):
        got = session.run(None, {"input": x[:n]})[0]
        expected = fn(mg.Tensor(x[:n])).numpy()
        assert got.dtype == expected.dtype and got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-5 if dtype == "float32" else 1e-12, atol=1e-5)


def test_exported_threshold_keeps_nan(tmp_path):
    # exported as Where(Greater(x, threshold), x, value), a NaN became value; the op keeps it, as PyTorch's
    x = np.array([[np.nan, -1.0, 0.3, 2.0]], dtype=np.float32)
    path = tmp_path / "m.onnx"
    export(lambda t: F.threshold(t, 0.3, -2.0), mg.Tensor(x), path, opset=17)
    got = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
    np.testing.assert_array_equal(got, [[np.nan, -2.0, -2.0, 2.0]])


@pytest.mark.parametrize("fn", [lambda t: F.softshrink(t, 0.4), lambda t: F.hardshrink(t, 0.4), mg.sgn])
def test_exported_shrinks_and_sgn_treat_nan_as_minigrad(tmp_path, fn):
    """ONNX's Shrink gives 0 for NaN, where softshrink/hardshrink keep NaN (as torch's); sgn's NaN-to-0 tested the
    example's values outside the ops (frozen: no NaN there), so the exported sgn kept NaN. Both as minigrad now."""
    path = tmp_path / "m.onnx"
    export(fn, mg.Tensor(np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)), path)
    x = np.array([[np.nan, np.inf, -np.inf, 0.2, -3.0]], np.float32)
    got = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
    np.testing.assert_array_equal(got, fn(mg.Tensor(x)).numpy())
