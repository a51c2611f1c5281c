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


def test_bool_attention_masks_given_as_inputs_are_read_by_the_graph(tmp_path):
    """A bool key_padding_mask (MultiheadAttention) or attn_mask (scaled_dot_product_attention) became a new Tensor
    outside the ops, so the export froze the example's mask: exported with an all-False padding mask (or an all-True
    attn_mask), the graph ignored the mask given at inference, and ONNX Runtime differed from minigrad by 0.42
    (0.66) with no error. The masks go through Where now."""
    rng = np.random.default_rng(0)
    mha = nn.MultiheadAttention(8, 2, batch_first=True)
    mha.eval()
    models = {"mha": (lambda q, m: mha(q, q, q, key_padding_mask=m)[0], np.zeros((2, 5), bool)),
              "sdpa": (lambda q, m: mg.nn.functional.scaled_dot_product_attention(q, q, q, attn_mask=m),
                       np.ones((2, 5, 5), bool))}
    q = rng.standard_normal((2, 5, 8)).astype(np.float32)
    for name, (model, example) in models.items():
        path = tmp_path / f"{name}.onnx"
        export(model, (mg.tensor(q), mg.tensor(example)), path, dynamic_batch=False)
        mask = np.zeros((2, 5), bool) if name == "mha" else np.tril(np.ones((2, 5, 5), bool))
        if name == "mha":
            mask[:, 3:] = True
        got, = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
            None, {"input0": q, "input1": mask})
        np.testing.assert_allclose(got, model(mg.tensor(q), mg.tensor(mask)).numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["sdpa-bool", "sdpa-float", "mha-padding"])
def test_fully_masked_rows_give_zeros_in_the_graph_as_in_minigrad(tmp_path, name):
    """A row whose keys are all masked gives weights 0 (torch's _safe_softmax), but the dead rows were read from
    the traced example's mask: exported with a mask that shut no row, the graph ran a plain softmax and ONNX
    Runtime gave NaN rows (8 to 40 NaN outputs) where minigrad gives 0. They are computed in the graph now."""
    rng = np.random.default_rng(0)
    q = rng.standard_normal((2, 5, 8)).astype(np.float32)
    mha = nn.MultiheadAttention(8, 2, batch_first=True)
    mha.eval()
    sdpa = mg.nn.functional.scaled_dot_product_attention
    if name == "sdpa-bool":
        model, example = (lambda q, m: sdpa(q, q, q, attn_mask=m)), np.ones((2, 5, 5), bool)
        mask = np.tril(np.ones((2, 5, 5), bool))
        mask[0, 2] = False
    elif name == "sdpa-float":
        model, example = (lambda q, m: sdpa(q, q, q, attn_mask=m)), np.zeros((2, 5, 5), np.float32)
        mask = np.zeros((2, 5, 5), np.float32)
        mask[1, 3] = -np.inf
        mask[0, :, 4] = -np.inf
    else:
        model, example = (lambda q, m: mha(q, q, q, key_padding_mask=m, need_weights=False)[0]), np.zeros((2, 5), bool)
        mask = np.zeros((2, 5), bool)
        mask[1] = True
    path = tmp_path / f"{name}.onnx"
    export(model, (mg.tensor(q), mg.tensor(example)), path, dynamic_batch=False)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for m in (mask, example):
        got, = session.run(None, {"input0": q, "input1": m})
        ours = model(mg.tensor(q), mg.tensor(m)).numpy()
        assert not np.isnan(ours).any()
        np.testing.assert_allclose(got, ours, rtol=1e-5, atol=1e-5)
