"""Convolutional and recurrent layers through PyTorch (safetensors) and ONNX Runtime."""
import numpy as np
import onnx
import onnxruntime as ort
import pytest
import safetensors.torch
import torch

import minigrad as mg
from minigrad import nn
from minigrad.io import load_safetensors, save_safetensors
from minigrad.onnx import ExportError, export

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


def test_cnn_exports_to_onnx(tmp_path):
    model = _cnn()
    model(mg.tensor(_images(8)))
    _onnx_agrees(tmp_path, model.eval(), _images)


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


def test_lstm_with_embedding_exports_to_onnx(tmp_path):
    _onnx_agrees(tmp_path, _Tagger().eval(), _ids)


class _TimeMajor(nn.Layer):
    """A time-major stack: input (T, N, F), batch on axis 1; returns every step's output and the last state."""

    def __init__(self, layer):
        super().__init__()
        self.rnn = getattr(nn, layer)(4, 3, num_layers=2)
        self.head = nn.Linear(3, 2)

    def forward(self, x):
        out, state = self.rnn(x)
        h = state[0] if isinstance(state, tuple) else state
        return self.head(out), h


@pytest.mark.parametrize("layer", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("dynamic_batch", [1, -2, {"steps": 1}])
def test_time_major_recurrent_export_keeps_the_batch_on_axis_1_symbolic(tmp_path, layer, dynamic_batch):
    model = _TimeMajor(layer).eval()
    path = tmp_path / "m.onnx"
    example = mg.Tensor(RNG.standard_normal((5, 2, 4)).astype(np.float32))
    proto = export(model, example, path, input_names=["steps"], dynamic_batch=dynamic_batch)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    dims = [[d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
            for v in (*proto.graph.input, *proto.graph.output)]
    assert dims == [[5, "batch", 4], [5, "batch", 2], [2, "batch", 3]]
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for n in (2, 7, 1):  # fresh inputs at other batch sizes
        x = RNG.standard_normal((5, n, 4)).astype(np.float32)
        for got, expected in zip(session.run(None, {"steps": x}), model(mg.Tensor(x))):
            assert got.shape == expected.shape
            np.testing.assert_allclose(got, expected.numpy(), rtol=1e-5, atol=1e-5)


def test_time_major_export_with_fixed_sizes_still_works(tmp_path):
    model = _TimeMajor("GRU").eval()
    path = tmp_path / "m.onnx"
    export(model, mg.Tensor(RNG.standard_normal((5, 2, 4)).astype(np.float32)), path, dynamic_batch=False)
    x = RNG.standard_normal((5, 2, 4)).astype(np.float32)
    got = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"input": x})
    np.testing.assert_allclose(got[0], model(mg.Tensor(x))[0].numpy(), rtol=1e-5, atol=1e-5)


def test_a_symbolic_time_axis_is_refused_with_the_way_out(tmp_path):
    model = _TimeMajor("LSTM").eval()  # axis 0 is time here: the graph unrolls it, so it cannot be symbolic
    with pytest.raises(ExportError, match=r"applies \d+ ops to the example and \d+ to an input one longer on the "
                                          r"batch axis that dynamic_batch names \(axis 0 of 'input' \(5, 2, 4\);.*"
                                          r"in layer 'rnn'.*time axis.*unrolls loops.*dynamic_batch=<axis>"):
        export(model, mg.Tensor(RNG.standard_normal((5, 2, 4)).astype(np.float32)), tmp_path / "m.onnx")
