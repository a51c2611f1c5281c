"""Agreement of an exported model with minigrad in the ONNX tests: export at batch 4, pass onnx.checker, and let
ONNX Runtime run other batch sizes (3, 1, 6) to 1e-5 of minigrad's float32 output."""
import numpy as np
import onnx
import onnxruntime as ort

import minigrad as mg
from minigrad.onnx import export


def export_and_compare(tmp_path, model, shape, opset):
    """Export ``model`` for inputs (batch, *shape), check the graph and compare ONNX Runtime with minigrad; return
    the exported proto."""
    rng = np.random.default_rng(5)
    path = tmp_path / "model.onnx"
    proto = export(model, mg.tensor(rng.standard_normal((4, *shape)).astype(np.float32)), path, opset=opset)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for n in (3, 1, 6):
        x = (rng.standard_normal((n, *shape)) * 2).astype(np.float32)
        got, = session.run(None, {"input": x})
        expected = model(mg.tensor(x)).numpy()
        assert got.shape == expected.shape and got.dtype == np.float32
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    return proto
