"""``bidirectional=True`` for nn.RNN, nn.LSTM and nn.GRU against torch (float64): parameter names and order,
outputs, final states and every gradient, on padded and packed batches; dropout between layers; ONNX export.

Finite-difference checks of the bidirectional layers (first and second order) are in tests/nn_registry.py;
the packed ones, whose input is a PackedSequence, are here."""
import math

import numpy as np
import pytest
import torch
import torch.nn.utils.rnn as trnn

import minigrad as mg
from minigrad import nn
from minigrad.backend import normalize_device
from minigrad.nn.utils import rnn
from torch_agreement import TOL

LAYERS = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {})]
IDS = ["RNN_tanh", "RNN_relu", "LSTM", "GRU"]


def _pair(name, kw, num_layers, batch_first=False, bias=True, dropout=0.0, device="cpu"):
    """A float64 torch layer and a minigrad one (on ``device``) loaded from its state dict."""
    theirs = getattr(torch.nn, name)(3, 4, num_layers, bias=bias, batch_first=batch_first, dropout=dropout,
                                     bidirectional=True, dtype=torch.float64, **kw)
    ours = getattr(nn, name)(3, 4, num_layers, bias=bias, batch_first=batch_first, dropout=dropout,
                             bidirectional=True, dtype="float64", device=device, **kw)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    assert all(p.device == normalize_device(device) for p in ours.parameters())
    return ours, theirs


def _states(name, state):
    return state if name == "LSTM" else (state,)


def _close(ours, theirs, what):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    assert tuple(ours.shape) == tuple(theirs.shape), what
    np.testing.assert_allclose(ours.numpy(), theirs, err_msg=what, **TOL["float64"])


def _initial(name, shape, rng, device="cpu"):
    """The same initial state (h_0, or (h_0, c_0)) for both, each requiring grad."""
    arrays = [rng.standard_normal(shape) for _ in range(2 if name == "LSTM" else 1)]
    ours = [mg.tensor(a, dtype="float64", device=device, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    return (tuple(ours), tuple(theirs)) if name == "LSTM" else (ours[0], theirs[0])


def _backward_both(out_m, out_t, last_m, last_t, rng):
    """One random cotangent for the output and for every final state, the same in both frameworks."""
    g = rng.standard_normal(tuple(out_t.shape))
    loss_m = (out_m * mg.tensor(g, dtype="float64", device=out_m.device)).sum()
    loss_t = (out_t * torch.tensor(g)).sum()
    for a, b in zip(last_m, last_t):
        g = rng.standard_normal(tuple(b.shape))
        loss_m = loss_m + (a * mg.tensor(g, dtype="float64", device=a.device)).sum()
        loss_t = loss_t + (b * torch.tensor(g)).sum()
    loss_m.backward()
    loss_t.backward()


def _same_parameter_grads(ours, theirs):
    names = [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_parameters()] == names
    for (key, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        _close(p.grad, q.grad, key)


@pytest.mark.parametrize("name,kw", LAYERS, ids=IDS)
@pytest.mark.parametrize("bias", [True, False])
def test_parameters_have_torchs_names_order_shapes_and_init(name, kw, bias):
    theirs = getattr(torch.nn, name)(3, 5, 2, bias=bias, bidirectional=True, **kw)
    ours = getattr(nn, name)(3, 5, 2, bias=bias, bidirectional=True, **kw)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    gates = {"RNN": 1, "LSTM": 4, "GRU": 3}[name]
    assert tuple(ours.weight_ih_l1_reverse.shape) == (gates * 5, 10)   # layer 1 reads both directions
    bound = 1 / math.sqrt(5)
    for key, p in ours.named_parameters():   # the reverse ones drawn too, from U(-1/sqrt(H), 1/sqrt(H))
        assert p.dtype == np.float32
        assert np.abs(p.numpy()).max() <= bound and np.all(p.numpy() != 0), key
    pooled = np.concatenate([p.numpy().ravel() for p in ours.parameters()])
    assert abs(pooled.std() - bound / math.sqrt(3)) < 0.15 * bound / math.sqrt(3)
    assert ours.bidirectional is True and getattr(nn, name)(3, 5).bidirectional is False
    assert "bidirectional=True" in repr(ours)
    assert "bidirectional" not in repr(getattr(nn, name)(3, 5))


@pytest.mark.parametrize("name,kw", LAYERS, ids=IDS)
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("with_state", [False, True])
def test_matches_torch_with_every_gradient(name, kw, num_layers, batch_first, with_state, device):
    rng = np.random.default_rng(7)
    ours, theirs = _pair(name, kw, num_layers, batch_first, device=device)
    x = rng.standard_normal((2, 5, 3) if batch_first else (5, 2, 3))
    xm, xt = mg.tensor(x, dtype="float64", device=device, requires_grad=True), torch.tensor(x, requires_grad=True)
    hm, ht = _initial(name, (2 * num_layers, 2, 4), rng, device) if with_state else (None, None)
    out_m, last_m = ours(xm, hm)
    out_t, last_t = theirs(xt, ht)
    _close(out_m, out_t, "output")
    assert out_m.shape == ((2, 5, 8) if batch_first else (5, 2, 8))
    last_m, last_t = _states(name, last_m), _states(name, last_t)
    for i, (a, b) in enumerate(zip(last_m, last_t)):
        assert a.shape == (2 * num_layers, 2, 4)
        _close(a, b, f"final state {i}")
    _backward_both(out_m, out_t, last_m, last_t, rng)
    _close(xm.grad, xt.grad, "input grad")
    _same_parameter_grads(ours, theirs)
    if with_state:
        for i, (a, b) in enumerate(zip(_states(name, hm), _states(name, ht))):
            _close(a.grad, b.grad, f"initial state {i} grad")


@pytest.mark.parametrize("name,kw", LAYERS, ids=IDS)
def test_unbatched_input_matches_torch(name, kw):
    rng = np.random.default_rng(8)
    ours, theirs = _pair(name, kw, 2)
    x = rng.standard_normal((4, 3))
    xm, xt = mg.tensor(x, dtype="float64", requires_grad=True), torch.tensor(x, requires_grad=True)
    hm, ht = _initial(name, (4, 4), rng)
    out_m, last_m = ours(xm, hm)
    out_t, last_t = theirs(xt, ht)
    _close(out_m, out_t, "output")
    last_m, last_t = _states(name, last_m), _states(name, last_t)
    for i, (a, b) in enumerate(zip(last_m, last_t)):
        _close(a, b, f"final state {i}")
    _backward_both(out_m, out_t, last_m, last_t, rng)
    _close(xm.grad, xt.grad, "input grad")
    _same_parameter_grads(ours, theirs)


@pytest.mark.parametrize("name,kw", LAYERS, ids=IDS)
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("with_state", [False, True])
def test_packed_sequences_match_torch(name, kw, num_layers, batch_first, enforce_sorted, with_state, device):
    rng = np.random.default_rng(9)
    ours, theirs = _pair(name, kw, num_layers, batch_first, device=device)
    lengths = [5, 4, 2, 1] if enforce_sorted else [2, 5, 1, 4]
    x = rng.standard_normal((4, 5, 3) if batch_first else (5, 4, 3))
    xm, xt = mg.tensor(x, dtype="float64", device=device, requires_grad=True), torch.tensor(x, requires_grad=True)
    hm, ht = _initial(name, (2 * num_layers, 4, 4), rng, device) if with_state else (None, None)
    out_m, last_m = ours(rnn.pack_padded_sequence(xm, lengths, batch_first, enforce_sorted), hm)
    out_t, last_t = theirs(trnn.pack_padded_sequence(xt, lengths, batch_first, enforce_sorted), ht)
    assert out_m.batch_sizes.tolist() == out_t.batch_sizes.tolist()
    _close(out_m.data, out_t.data, "packed output")
    assert out_m.data.shape[1] == 8
    last_m, last_t = _states(name, last_m), _states(name, last_t)
    for i, (a, b) in enumerate(zip(last_m, last_t)):
        _close(a, b, f"final state {i}")
    _backward_both(out_m.data, out_t.data, last_m, last_t, rng)
    _close(xm.grad, xt.grad, "input grad")
    _same_parameter_grads(ours, theirs)
    if with_state:
        for i, (a, b) in enumerate(zip(_states(name, hm), _states(name, ht))):
            _close(a.grad, b.grad, f"initial state {i} grad")


def test_packed_reverse_direction_starts_at_each_sequences_own_last_step():
    """Without torch: the reverse half of sequence b is a one-directional run of the reverse weights over
    x_b[L_b-1], ..., x_b[0], put back in time order, and its h_n is that run's last state."""
    rng = np.random.default_rng(10)
    bi = nn.GRU(3, 4, bidirectional=True, dtype="float64")
    back = nn.GRU(3, 4, dtype="float64")
    for key in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
        getattr(back, key).data[...] = getattr(bi, key + "_reverse").data
    lengths = [3, 6, 1]
    x = rng.standard_normal((6, 3, 3))
    out, h_n = bi(rnn.pack_padded_sequence(mg.tensor(x, dtype="float64"), lengths, enforce_sorted=False))
    padded, _ = rnn.pad_packed_sequence(out)
    for b, n in enumerate(lengths):
        alone, h_alone = back(mg.tensor(x[n - 1::-1, b], dtype="float64"))
        np.testing.assert_allclose(padded.numpy()[:n, b, 4:], alone.numpy()[::-1], rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(h_n.numpy()[1, b], h_alone.numpy()[0], rtol=1e-13, atol=1e-15)
        assert np.all(padded.numpy()[n:, b] == 0.0)


@pytest.mark.parametrize("name,kw", LAYERS, ids=IDS)
def test_dropout_between_layers_is_on_both_directions_output(name, kw):
    """p = 1 drops every entry of layer 0's (T, B, 2H) output in training: layer 1 then sees zeros, in both
    frameworks, so the whole result is deterministic and comparable; layer 0's final states are untouched."""
    rng = np.random.default_rng(11)
    ours, theirs = _pair(name, kw, 2, dropout=1.0)
    ours.train()
    theirs.train()
    x = rng.standard_normal((4, 2, 3))
    out_m, last_m = ours(mg.tensor(x, dtype="float64"))
    out_t, last_t = theirs(torch.tensor(x))
    _close(out_m, out_t, "output")
    for i, (a, b) in enumerate(zip(_states(name, last_m), _states(name, last_t))):
        _close(a, b, f"final state {i}")
    ours.eval()
    out_eval, _ = ours(mg.tensor(x, dtype="float64"))
    assert not np.allclose(out_eval.numpy(), out_m.numpy())


def test_torch_state_dict_loads_and_gives_the_same_float32_output():
    theirs = torch.nn.LSTM(4, 3, 2, batch_first=True, bidirectional=True)
    ours = nn.LSTM(4, 3, 2, batch_first=True, bidirectional=True)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(12).standard_normal((2, 5, 4)).astype(np.float32)
    out_m, (h_m, c_m) = ours(mg.tensor(x))
    out_t, (h_t, c_t) = theirs(torch.tensor(x))
    assert out_m.dtype == np.float32 and out_m.shape == (2, 5, 6)
    for a, b in ((out_m, out_t), (h_m, h_t), (c_m, c_t)):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), **TOL["float32"])


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_float32_stays_float32(name):
    layer = getattr(nn, name)(3, 4, 2, bidirectional=True)
    x = mg.tensor(np.ones((5, 2, 3), dtype=np.float32), requires_grad=True)
    out, _ = layer(rnn.pack_padded_sequence(x, [5, 3], enforce_sorted=True))
    assert out.data.dtype == np.float32
    out.data.sum().backward()
    assert x.grad.dtype == np.float32 and all(p.grad.dtype == np.float32 for p in layer.parameters())


@pytest.mark.parametrize("call,message", [
    (lambda: nn.RNN(3, 4, 2, bidirectional=True)(mg.tensor(np.ones((5, 2, 3), np.float32)),
                                                 mg.tensor(np.zeros((2, 2, 4), np.float32))),
     "RNN: h_0 has shape (2, 2, 4) but expected (4, 2, 4) for an input of shape (5, 2, 3)"),
    (lambda: nn.LSTM(3, 4, bidirectional=True)(mg.tensor(np.ones((5, 3), np.float32)),
                                               (mg.tensor(np.zeros((2, 4), np.float32)),
                                                mg.tensor(np.zeros((1, 4), np.float32)))),
     "LSTM: c_0 has shape (1, 4) but expected (2, 4) for an input of shape (5, 3)"),
])
def test_a_state_of_the_one_directional_shape_is_refused(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert message in str(info.value)


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_bidirectional_passes_gradcheck_and_gradgradcheck(name, enforce_sorted):
    rng = np.random.default_rng(13)
    layer = getattr(nn, name)(2, 2, bidirectional=True, dtype="float64")
    lengths = [3, 1] if enforce_sorted else [1, 3]
    params = [mg.tensor(0.6 * rng.standard_normal(p.shape), dtype="float64", requires_grad=True)
              for _, p in layer.named_parameters()]
    names = [n for n, _ in layer.named_parameters()]

    def f(x, h0, *ps):
        for key, p in zip(names, ps):
            if isinstance(getattr(layer, key), nn.Parameter):   # as torch, a plain Tensor may not replace one
                delattr(layer, key)
            setattr(layer, key, p)
        hx = (h0, h0 * 0.5) if name == "LSTM" else h0
        out, last = layer(rnn.pack_padded_sequence(x, lengths, enforce_sorted=enforce_sorted), hx)
        h = last[0] * last[1] if name == "LSTM" else last
        return (out.data ** 2).sum() + (h * mg.tensor(np.arange(8.0).reshape(2, 2, 2), dtype="float64")).sum()

    x = mg.tensor(rng.standard_normal((3, 2, 2)), dtype="float64", requires_grad=True)
    h0 = mg.tensor(rng.standard_normal((2, 2, 2)), dtype="float64", requires_grad=True)
    assert mg.gradcheck(f, (x, h0, *params))
    assert mg.gradgradcheck(f, (x, h0, *params))


class _TimeMajor(nn.Layer):
    def __init__(self, name, batch_first):
        super().__init__()
        self.rnn = getattr(nn, name)(4, 3, num_layers=2, batch_first=batch_first, bidirectional=True)

    def forward(self, x):
        out, state = self.rnn(x)
        return out, (state[1] if isinstance(state, tuple) else state)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_onnx_export_runs_in_onnxruntime_with_the_same_outputs(tmp_path, name, batch_first):
    import onnxruntime as ort
    from minigrad.onnx import export

    model = _TimeMajor(name, batch_first).eval()
    rng = np.random.default_rng(14)
    shape = (lambda n: (n, 5, 4)) if batch_first else (lambda n: (5, n, 4))
    path = tmp_path / "birnn.onnx"
    export(model, mg.Tensor(rng.standard_normal(shape(2)).astype(np.float32)), path, input_names=["steps"],
           dynamic_batch=0 if batch_first else 1)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for n in (2, 3, 1):
        x = rng.standard_normal(shape(n)).astype(np.float32)
        got = session.run(None, {"steps": x})
        expected = model(mg.Tensor(x))
        assert [g.shape for g in got] == [tuple(e.shape) for e in expected]
        assert got[0].shape[-1] == 6 and got[1].shape == (4, n, 3)
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, e.numpy(), rtol=1e-5, atol=1e-5)


class _Tagger(nn.Layer):
    """A bidirectional GRU and a Linear head (the one layer TORCH_LAYOUT transposes), and its torch twin below."""

    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(3, 4, 2, batch_first=True, bidirectional=True)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.rnn(x)[0])


class _TorchTagger(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = torch.nn.GRU(3, 4, 2, batch_first=True, bidirectional=True)
        self.head = torch.nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.rnn(x)[0])


def test_torch_safetensors_load_into_a_bidirectional_model_and_back(tmp_path):
    import safetensors.torch
    from minigrad.io import load_safetensors, save_safetensors

    theirs = _TorchTagger()
    safetensors.torch.save_file(theirs.state_dict(), tmp_path / "torch.safetensors")
    ours = _Tagger()
    load_safetensors(tmp_path / "torch.safetensors", ours, layout="torch")
    x = np.random.default_rng(15).standard_normal((2, 5, 3)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours(mg.tensor(x)).numpy(), expected, **TOL["float32"])
    save_safetensors(ours, tmp_path / "ours.safetensors", layout="torch")
    back = safetensors.torch.load_file(tmp_path / "ours.safetensors")
    assert set(back) == set(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        assert torch.equal(back[key], value), key
