"""Convolutional and recurrent layers through PyTorch (safetensors) and ONNX Runtime.

These layers come from the convolution and recurrent work; until they are in
``minigrad.nn`` the tests of each family are skipped with that reason.
"""
import numpy as np
import onnxruntime as ort
import pytest
import safetensors.torch
import torch

import minigrad as mg
from minigrad import nn
from minigrad.io import load_safetensors, save_safetensors
from minigrad.onnx import export

needs_cnn = pytest.mark.skipif(not hasattr(nn, "Conv2d"), reason="the convolution layers are not in minigrad.nn yet")
needs_rnn = pytest.mark.skipif(not hasattr(nn, "LSTM"), reason="the recurrent layers are not in minigrad.nn yet")
RNG = np.random.default_rng(0)


def _assert_same_state(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for key in sa:
        assert sa[key].dtype == sb[key].dtype and np.array_equal(sa[key], sb[key]), key


def _onnx_agrees(tmp_path, model, make, batches=(3, 5, 1)):
    path = tmp_path / "model.onnx"
    export(model, mg.Tensor(make(batches[0])), path)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for n in batches:
        x = make(n)
        got = session.run(None, {"input": x})[0]
        np.testing.assert_allclose(got, model(mg.Tensor(x)).numpy(), rtol=1e-5, atol=1e-5)


def _cnn():
    return nn.Network(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2), nn.ReLU(),
                      nn.AvgPool2d(2, ceil_mode=True, padding=1, count_include_pad=False),
                      nn.Flatten(), nn.Linear(24, 10))


def _torch_cnn():
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2), torch.nn.ReLU(),
        torch.nn.AvgPool2d(2, ceil_mode=True, padding=1, count_include_pad=False),
        torch.nn.Flatten(), torch.nn.Linear(24, 10))


def _images(n):
    return RNG.standard_normal((n, 1, 12, 12)).astype(np.float32)


@needs_cnn
def test_cnn_round_trip_through_pytorch_is_bit_identical(tmp_path):
    model = _cnn()
    model(mg.tensor(_images(8)))  # training mode: BatchNorm's running statistics move
    model.eval()
    save_safetensors(model, tmp_path / "cnn.safetensors", layout="torch")
    net = _torch_cnn().eval()
    net.load_state_dict(safetensors.torch.load_file(tmp_path / "cnn.safetensors"))
    x = _images(5)
    with torch.no_grad():
        expected = net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(mg.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-5)

    safetensors.torch.save_file(net.state_dict(), tmp_path / "back.safetensors")
    back = _cnn().eval()
    load_safetensors(tmp_path / "back.safetensors", back, layout="torch")
    _assert_same_state(model, back)
    assert np.array_equal(back(mg.tensor(x)).numpy(), model(mg.tensor(x)).numpy())


@needs_cnn
def test_cnn_exports_to_onnx(tmp_path):
    model = _cnn()
    model(mg.tensor(_images(8)))
    _onnx_agrees(tmp_path, model.eval(), _images)


@needs_cnn
def test_transposed_convolution_padding_and_adaptive_pooling_export(tmp_path):
    up = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1)
    pool = nn.AdaptiveAvgPool2d((3, 2))

    def model(x):
        y = up(nn.functional.pad(x, (1, 0, 2, 1), value=0.5))
        return pool(nn.functional.max_pool2d(y, 3, stride=2, padding=1, dilation=1, ceil_mode=True))

    _onnx_agrees(tmp_path, model, lambda n: RNG.standard_normal((n, 3, 7, 6)).astype(np.float32))


class _Tagger(nn.Layer):
    """Token ids -> embeddings -> a 2-layer LSTM -> per-token logits, and its PyTorch twin below."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(20, 6)
        self.lstm = nn.LSTM(6, 5, num_layers=2, batch_first=True)
        self.head = nn.Linear(5, 3)

    def forward(self, ids):
        out, _ = self.lstm(self.embed(ids))
        return self.head(out)


class _TorchTagger(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(20, 6)
        self.lstm = torch.nn.LSTM(6, 5, num_layers=2, batch_first=True)
        self.head = torch.nn.Linear(5, 3)

    def forward(self, ids):
        out, _ = self.lstm(self.embed(ids))
        return self.head(out)


def _ids(n):
    return RNG.integers(0, 20, size=(n, 7)).astype(np.int64)


@needs_rnn
def test_lstm_round_trip_through_pytorch_is_bit_identical(tmp_path):
    model = _Tagger()
    save_safetensors(model, tmp_path / "lstm.safetensors", layout="torch")
    net = _TorchTagger().eval()
    net.load_state_dict(safetensors.torch.load_file(tmp_path / "lstm.safetensors"))
    ids = _ids(4)
    with torch.no_grad():
        expected = net(torch.from_numpy(ids)).numpy()
    np.testing.assert_allclose(model(mg.tensor(ids)).numpy(), expected, rtol=1e-5, atol=1e-5)

    safetensors.torch.save_file(net.state_dict(), tmp_path / "back.safetensors")
    back = _Tagger()
    load_safetensors(tmp_path / "back.safetensors", back, layout="torch")
    _assert_same_state(model, back)
    assert np.array_equal(back(mg.tensor(ids)).numpy(), model(mg.tensor(ids)).numpy())


@needs_rnn
def test_lstm_with_embedding_exports_to_onnx(tmp_path):
    _onnx_agrees(tmp_path, _Tagger().eval(), _ids)


@needs_rnn
@pytest.mark.parametrize("layer", ["GRU", "RNN"])
def test_gru_and_rnn_export_to_onnx(tmp_path, layer):
    rnn = getattr(nn, layer)(4, 3, num_layers=2)   # time-major: (T, B, I), the batch on axis 1

    def model(x):
        out, h = rnn(x)
        return out.sum(axis=0) + h[-1]

    path = tmp_path / "m.onnx"
    export(model, mg.Tensor(RNG.standard_normal((5, 2, 4)).astype(np.float32)), path, dynamic_batch=False)
    x = RNG.standard_normal((5, 2, 4)).astype(np.float32)
    got = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
    np.testing.assert_allclose(got, model(mg.Tensor(x)).numpy(), rtol=1e-5, atol=1e-5)
