"""ONNX export of a TransformerEncoderLayer (eval mode) through the existing op mappings: ONNX Runtime agrees
with minigrad and with torch's layer whose weights were loaded, for several batch sizes and with a mask."""
import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

import minigrad as mg
from minigrad import nn
from minigrad.io import from_torch
from minigrad.onnx import export


@pytest.mark.parametrize("batch_first, norm_first, activation, masked", [
    (True, False, "relu", False), (False, True, "gelu", True)])
def test_transformer_encoder_layer_exports(tmp_path, batch_first, norm_first, activation, masked):
    torch.manual_seed(0)
    t = torch.nn.TransformerEncoderLayer(8, 2, 16, batch_first=batch_first, norm_first=norm_first,
                                         activation=activation).eval()
    layer = nn.TransformerEncoderLayer(8, 2, 16, batch_first=batch_first, norm_first=norm_first,
                                       activation=activation)
    layer.load_state_dict(from_torch(layer, {k: v.numpy() for k, v in t.state_dict().items()}))
    layer.eval()
    S = 5
    causal = nn.Transformer.generate_square_subsequent_mask(S)
    model = (lambda x: layer(x, src_mask=causal)) if masked else layer
    axis = 0 if batch_first else 1
    rng = np.random.default_rng(3)

    def sample(n):
        return rng.standard_normal((n, S, 8) if batch_first else (S, n, 8)).astype(np.float32)

    path = tmp_path / "encoder_layer.onnx"
    export(model, mg.tensor(sample(3)), path, dynamic_batch=axis)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for n in (3, 1, 4):
        x = sample(n)
        got, = session.run(None, {"input": x})
        ours = model(mg.tensor(x)).numpy()
        with torch.no_grad():
            theirs = t(torch.tensor(x), src_mask=torch.tensor(causal.numpy()) if masked else None).numpy()
        assert got.shape == ours.shape == theirs.shape and got.dtype == np.float32
        np.testing.assert_allclose(got, ours, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(got, theirs, rtol=1e-5, atol=1e-5)
