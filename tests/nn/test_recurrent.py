"""Recurrent layers and Embedding: PyTorch parity, state handling, errors, truncated BPTT.

Gradients against finite differences (and second derivatives) are checked through
the registry (tests/nn_registry.py); here the values are compared with PyTorch's,
which is installed for the tests only.
"""
import inspect
import math
import re

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn
from torch_agreement import grads_match, pair


LAYERS = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {})]
CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("LSTMCell", {}), ("GRUCell", {})]


def _copy_from_torch(t, m, device):
    for name, p in t.named_parameters():
        getattr(m, name).data[...] = mg.tensor(p.detach().numpy(), dtype="float64", device=device).data


def _state(cls, arrays, make):
    return tuple(make(a) for a in arrays) if cls.startswith("LSTM") else make(arrays[0])


def _close(a, b):
    np.testing.assert_allclose(mg.tensor(b).numpy() if not isinstance(b, np.ndarray) else b, a,
                               rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("cls,kw", LAYERS, ids=[f"{c}{k}" for c, k in LAYERS])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("with_state", [False, True])
def test_layer_matches_pytorch(cls, kw, num_layers, batch_first, bias, with_state, device):
    rng = np.random.default_rng(0)
    t = getattr(torch.nn, cls)(3, 5, num_layers, bias=bias, batch_first=batch_first, dtype=torch.float64, **kw)
    m = getattr(nn, cls)(3, 5, num_layers, bias=bias, batch_first=batch_first, dtype=np.float64, device=device,
                         **kw)
    _copy_from_torch(t, m, device)
    x = rng.standard_normal((2, 4, 3) if batch_first else (4, 2, 3))
    states = [rng.standard_normal((num_layers, 2, 5)) for _ in range(2)]
    tx = torch.tensor(x, requires_grad=True)
    mx = mg.tensor(x, dtype="float64", device=device, requires_grad=True)
    th = _state(cls, states, lambda a: torch.tensor(a, requires_grad=True)) if with_state else None
    mh = _state(cls, states, lambda a: mg.tensor(a, dtype="float64", device=device, requires_grad=True)) if with_state else None
    t_out, t_hn = t(tx, th)
    m_out, m_hn = m(mx, mh)
    _close(t_out.detach().numpy(), m_out.numpy())
    t_states = t_hn if cls == "LSTM" else (t_hn,)
    m_states = m_hn if cls == "LSTM" else (m_hn,)
    for a, b in zip(t_states, m_states):
        assert tuple(b.shape) == tuple(a.shape)
        _close(a.detach().numpy(), b.numpy())
    # Every output feeds the loss, so every gradient path is compared.
    (t_out ** 2).sum().add(sum((s * (i + 2)).sum() for i, s in enumerate(t_states))).backward()
    loss = (m_out ** 2).sum()
    for i, s in enumerate(m_states):
        loss = loss + (s * (i + 2)).sum()
    loss.backward()
    _close(tx.grad.numpy(), mx.grad.numpy())
    for name, p in t.named_parameters():
        _close(p.grad.numpy(), getattr(m, name).grad.numpy())
    if with_state:
        for a, b in zip(th if cls == "LSTM" else (th,), mh if cls == "LSTM" else (mh,)):
            _close(a.grad.numpy(), b.grad.numpy())


@pytest.mark.parametrize("cls,kw", CELLS, ids=[f"{c}{k}" for c, k in CELLS])
@pytest.mark.parametrize("bias", [True, False])
def test_cell_matches_pytorch(cls, kw, bias, device):
    rng = np.random.default_rng(1)
    t = getattr(torch.nn, cls)(3, 5, bias=bias, dtype=torch.float64, **kw)
    m = getattr(nn, cls)(3, 5, bias=bias, dtype=np.float64, device=device, **kw)
    _copy_from_torch(t, m, device)
    x, h, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 5)), rng.standard_normal((2, 5))
    for xs, hs in ((x, (h, c)), (x[0], (h[0], c[0]))):   # batched and unbatched
        targs = (torch.tensor(xs), _state(cls, hs, torch.tensor))
        margs = (mg.tensor(xs, dtype="float64", device=device),
                 _state(cls, hs, lambda a: mg.tensor(a, dtype="float64", device=device)))
        for with_state in (True, False):
            a = t(*targs) if with_state else t(targs[0])
            b = m(*margs) if with_state else m(margs[0])
            for ta, mb in zip(a if cls == "LSTMCell" else (a,), b if cls == "LSTMCell" else (b,)):
                assert tuple(mb.shape) == tuple(ta.shape)
                _close(ta.detach().numpy(), mb.numpy())


@pytest.mark.parametrize("cls,kw,shape", [(c, k, (2, 3)) for c, k in CELLS] + [(c, k, (1, 2, 3)) for c, k in LAYERS],
                         ids=[f"{c}{k}" for c, k in CELLS] + [f"{c}{k}-one-step" for c, k in LAYERS])
def test_without_a_state_every_parameter_gets_pytorchs_gradient(cls, kw, shape):
    """No state given (zeros) and one step: h W_hh^T is zero, yet weight_hh gets a zero gradient, not None, as in
    PyTorch, so that weight decay and momentum still update it."""
    t = getattr(torch.nn, cls)(3, 5, dtype=torch.float64, **kw)
    m = getattr(nn, cls)(3, 5, dtype=np.float64, **kw)
    _copy_from_torch(t, m, "cpu")
    x = np.random.default_rng(2).standard_normal(shape)
    t_out, m_out = t(torch.tensor(x)), m(mg.tensor(x, dtype="float64"))
    t_out, m_out = (t_out[0], m_out[0]) if isinstance(t_out, tuple) else (t_out, m_out)
    (t_out ** 2).sum().backward()
    (m_out ** 2).sum().backward()
    for name, p in t.named_parameters():
        assert getattr(m, name).grad is not None, name
        _close(p.grad.numpy(), getattr(m, name).grad.numpy())


@pytest.mark.parametrize("num_layers,bidirectional,batch_first,with_state,unbatched", [
    (1, False, False, False, False), (2, True, True, True, False), (2, False, False, True, False),
    (1, True, False, False, True), (2, True, False, True, True)])
def test_lstm_with_proj_size_matches_pytorch(num_layers, bidirectional, batch_first, with_state, unbatched):
    """proj_size P: h = (o tanh(c)) W_hr^T of width P feeds the next step and layer; weight_hr_l{k} (P, H)
    follows each direction's biases, weight_hh is (4H, P), h_0 and h_n (D*layers, B, P), c (D*layers, B, H)."""
    kw = dict(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first, proj_size=2)
    t = torch.nn.LSTM(3, 5, dtype=torch.float64, **kw)
    m = nn.LSTM(3, 5, dtype=np.float64, **kw)
    assert [(n, tuple(p.shape)) for n, p in m.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in t.named_parameters()]
    assert repr(m).split("  #")[0] == repr(t)
    _copy_from_torch(t, m, "cpu")
    rng = np.random.default_rng(3)
    D, batch = 2 if bidirectional else 1, () if unbatched else (4,)
    x = rng.standard_normal((6, 3) if unbatched else (4, 6, 3) if batch_first else (6, 4, 3))
    arrays = [x] + ([rng.standard_normal((D * num_layers, *batch, 2)),
                     rng.standard_normal((D * num_layers, *batch, 5))] if with_state else [])
    mins, tins = zip(*[pair(a) for a in arrays])
    out, (h, c) = m(mins[0], tuple(mins[1:]) or None)
    t_out, (th, tc) = t(tins[0], tuple(tins[1:]) or None)
    assert out.shape[-1] == 2 * D and h.shape[-1] == 2 and c.shape[-1] == 5
    grads_match([out, h, c], [t_out, th, tc], mins, tins, rng)
    for name, p in t.named_parameters():
        _close(p.grad.numpy(), getattr(m, name).grad.numpy())


def test_packed_lstm_with_proj_size_matches_pytorch():
    from minigrad.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    t = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=3, dtype=torch.float64)
    m = nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=3, dtype=np.float64)
    _copy_from_torch(t, m, "cpu")
    rng = np.random.default_rng(4)
    x, lengths = pair(rng.standard_normal((5, 3, 3))), [2, 5, 3]
    out, (h, c) = m(pack_padded_sequence(x[0], lengths, enforce_sorted=False))
    t_out, (th, tc) = t(torch.nn.utils.rnn.pack_padded_sequence(x[1], torch.tensor(lengths), enforce_sorted=False))
    grads_match([pad_packed_sequence(out)[0], h, c], [torch.nn.utils.rnn.pad_packed_sequence(t_out)[0], th, tc],
                [x[0]], [x[1]], rng)


@pytest.mark.parametrize("proj_size,message", [
    (5, "LSTM: proj_size must be a non-negative integer smaller than hidden_size=5, got 5"),
    (-1, "LSTM: proj_size must be a non-negative integer smaller than hidden_size=5, got -1"),
    (1.5, "LSTM: proj_size must be a non-negative integer smaller than hidden_size=5, got 1.5")])
def test_lstm_proj_size_is_checked_as_pytorch(proj_size, message):
    with pytest.raises((ValueError, TypeError)):
        torch.nn.LSTM(3, 5, proj_size=proj_size)
    with pytest.raises(ValueError, match=re.escape(message)):
        nn.LSTM(3, 5, proj_size=proj_size)


def test_lstm_with_proj_size_checks_the_state_shapes():
    m = nn.LSTM(3, 5, proj_size=2, dtype=np.float64)
    x = mg.zeros(4, 2, 3, dtype="float64")
    with pytest.raises(ValueError, match=re.escape("LSTM: h_0 has shape (1, 2, 5) but expected (1, 2, 2)")):
        m(x, (mg.zeros(1, 2, 5, dtype="float64"), mg.zeros(1, 2, 5, dtype="float64")))
    with pytest.raises(ValueError, match=re.escape("LSTM: c_0 has shape (1, 2, 2) but expected (1, 2, 5)")):
        m(x, (mg.zeros(1, 2, 2, dtype="float64"), mg.zeros(1, 2, 2, dtype="float64")))


@pytest.mark.parametrize("cls,kw", CELLS + [("LSTMCell", {"bias": False}), ("RNNCell", {"nonlinearity": "relu",
                                                                                     "bias": False})])
def test_cells_print_their_arguments_as_torch(cls, kw):
    assert repr(getattr(nn, cls)(3, 5, **kw)).split("  # ")[0] == repr(getattr(torch.nn, cls)(3, 5, **kw))


@pytest.mark.parametrize("cls,kw", [("RNN", dict(num_layers=2)), ("GRU", dict(bidirectional=True, bias=False)),
                                    ("LSTM", dict(num_layers=2, bidirectional=True, proj_size=2))])
def test_all_weights_as_torch(cls, kw):
    """all_weights: per layer and direction, that direction's parameters in registration order."""
    m, t = getattr(nn, cls)(3, 4, **kw), getattr(torch.nn, cls)(3, 4, **kw)
    assert [[tuple(p.shape) for p in group] for group in m.all_weights] == \
        [[tuple(p.shape) for p in group] for group in t.all_weights]
    names = {id(p): n for n, p in m.named_parameters()}
    tnames = {id(p): n for n, p in t.named_parameters()}
    assert [[names[id(p)] for p in group] for group in m.all_weights] == \
        [[tnames[id(p)] for p in group] for group in t.all_weights]
    assert m._all_weights == t._all_weights and m._flat_weights_names == t._flat_weights_names
    assert [tuple(w.shape) for w in m._flat_weights] == [tuple(w.shape) for w in t._flat_weights]


def test_the_forget_gate_bias_idiom_over_all_weights_runs_as_on_torch():
    """``for names in lstm._all_weights``, setting the forget-gate quarter of every bias to 1, as written for torch
    (``_all_weights`` was missing)."""
    m, t = nn.LSTM(3, 4, 2, bidirectional=True, dtype="float64"), torch.nn.LSTM(3, 4, 2, bidirectional=True)
    for lstm in (m, t):
        for names in lstm._all_weights:
            for name in filter(lambda n: "bias" in n, names):
                bias = getattr(lstm, name)
                n = bias.shape[0]
                bias.data[n // 4:n // 2] = 1.0
    biases = [n for n in m._flat_weights_names if "bias" in n]
    assert len(biases) == 8
    for name in biases:
        assert np.all(getattr(m, name).numpy()[4:8] == 1.0)
        assert np.all(getattr(t, name).detach().numpy()[4:8] == 1.0)


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_parameter_names_shapes_and_init_are_pytorchs(cls):
    t = getattr(torch.nn, cls)(7, 6, 2)
    m = getattr(nn, cls)(7, 6, 2)
    t_shapes = {k: tuple(v.shape) for k, v in t.state_dict().items()}
    m_shapes = {k: tuple(v.shape) for k, v in m.state_dict().items()}
    assert m_shapes == t_shapes
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    bound = 1 / math.sqrt(6)
    for _, p in m.named_parameters():
        assert p.dtype == np.float32
        assert np.abs(p.numpy()).max() <= bound and p.numpy().std() > bound / 4  # U(-1/sqrt(H), 1/sqrt(H))


def test_pytorch_state_dict_loads_and_gives_the_same_output():
    t = torch.nn.LSTM(4, 3, 2, batch_first=True)
    m = nn.LSTM(4, 3, 2, batch_first=True)
    m.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    x = np.random.default_rng(2).standard_normal((2, 5, 4)).astype(np.float32)
    np.testing.assert_allclose(m(mg.tensor(x))[0].numpy(), t(torch.tensor(x))[0].detach().numpy(),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls,kw,name", [("LSTM", dict(num_layers=2), "weight_hh_l1"),
                                         ("GRU", dict(bidirectional=True), "weight_ih_l0_reverse"),
                                         ("RNN", {}, "weight_hh_l0")])
def test_a_parametrized_weight_is_read_through_its_parametrization_as_torch(cls, kw, name):
    """weight_norm on one of the stacked layers' weights: forward uses the parametrized value (it was read from the
    instance dict, where a parametrized weight is not, and the layer failed on None), and the gradients reach
    the parametrization's originals as in torch."""
    from minigrad.nn.utils import parametrizations
    t = getattr(torch.nn, cls)(3, 4, dtype=torch.float64, **kw)
    m = getattr(nn, cls)(3, 4, dtype="float64", **kw)
    _copy_from_torch(t, m, "cpu")
    torch.nn.utils.parametrizations.weight_norm(t, name)
    parametrizations.weight_norm(m, name)
    with torch.no_grad():   # g away from ||v||, so the parametrized weight differs from the raw one
        getattr(t.parametrizations, name).original0.mul_(2.5)
    g = getattr(m.parametrizations, name).original0
    g.data = g.data * 2.5
    x = np.random.default_rng(7).standard_normal((5, 2, 3))
    mx, tx = pair(x)
    ours, theirs = m(mx), t(tx)
    flat = lambda out: [out[0], *(out[1] if isinstance(out[1], tuple) else [out[1]])]
    mp, tp = dict(m.named_parameters()), dict(t.named_parameters())
    assert sorted(mp) == sorted(tp)
    grads_match(flat(ours), flat(theirs), [mx] + [mp[k] for k in tp], [tx] + list(tp.values()),
                np.random.default_rng(8))


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_float32_stays_float32(cls):
    m = getattr(nn, cls)(3, 4, 2)
    x = mg.tensor(np.ones((5, 2, 3), dtype=np.float32), requires_grad=True)
    out, _ = m(x)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32 and all(p.grad.dtype == np.float32 for p in m.parameters())


def test_dropout_between_layers_only_while_training():
    m = nn.GRU(3, 8, num_layers=2, dropout=0.5)
    x = mg.tensor(np.random.default_rng(3).standard_normal((4, 2, 3)).astype(np.float32))
    m.eval()
    a, b = m(x)[0].numpy(), m(x)[0].numpy()
    np.testing.assert_array_equal(a, b)
    m.train()
    assert not np.allclose(m(x)[0].numpy(), a)
    with pytest.warns(UserWarning, match=r"GRU: dropout acts between recurrent layers only .* dropout=0.5 "
                                         r"expects num_layers greater than 1, but got num_layers=1"):
        one = nn.GRU(3, 8, num_layers=1, dropout=0.5)   # nothing between layers to drop, as torch warns
    np.testing.assert_array_equal(one(x)[0].numpy(), one.eval()(x)[0].numpy())


def test_truncated_bptt_with_detached_state():
    """Carrying h.detach() across chunks: the same values as the whole sequence, no gradient across."""
    rng = np.random.default_rng(4)
    lstm = nn.LSTM(3, 4, dtype=np.float64)
    seq = rng.standard_normal((6, 2, 3))
    whole, _ = lstm(mg.tensor(seq, dtype="float64"))
    first = mg.tensor(seq[:3], dtype="float64", requires_grad=True)
    out1, (h, c) = lstm(first)
    out2, _ = lstm(mg.tensor(seq[3:], dtype="float64"), (h.detach(), c.detach()))
    np.testing.assert_allclose(np.concatenate([out1.numpy(), out2.numpy()]), whole.numpy(), rtol=1e-12)
    out2.sum().backward()
    assert first.grad is None                       # the chunk boundary stops the gradient
    assert lstm.weight_hh_l0.grad is not None       # the second chunk still trains the weights


@pytest.mark.parametrize("call,message", [
    (lambda: nn.LSTM(3, 4)(mg.tensor(np.ones((5, 2, 6), np.float32))),
     "LSTM: input has shape (5, 2, 6) but expected a 2-D or 3-D tensor with input_size=3"),
    (lambda: nn.GRU(3, 4)(mg.tensor(np.ones((5, 2, 3), np.int64))),
     "GRU: input must be floating point, got dtype int64 (shape (5, 2, 3))"),
    (lambda: nn.RNN(3, 4, 2)(mg.tensor(np.ones((5, 2, 3), np.float32)), mg.tensor(np.zeros((1, 2, 4), np.float32))),
     "RNN: h_0 has shape (1, 2, 4) but expected (2, 2, 4) for an input of shape (5, 2, 3)"),
    (lambda: nn.LSTM(3, 4)(mg.tensor(np.ones((5, 2, 3), np.float32)), mg.tensor(np.zeros((1, 2, 4), np.float32))),
     "LSTM: the initial state must be a pair (h_0, c_0)"),
    (lambda: nn.LSTM(3, 4, batch_first=True)(mg.tensor(np.ones((2, 5, 3), np.float32)),
                                             (mg.tensor(np.zeros((1, 2, 4), np.float32)),
                                              mg.tensor(np.zeros((1, 5, 4), np.float32)))),
     "LSTM: c_0 has shape (1, 5, 4) but expected (1, 2, 4)"),
    (lambda: nn.LSTMCell(3, 4)(mg.tensor(np.ones((2, 3), np.float32)),
                               (mg.tensor(np.zeros((2, 4), np.float32)), mg.tensor(np.zeros((3, 4), np.float32)))),
     "LSTMCell: c has shape (3, 4) but expected (2, 4)"),
    (lambda: nn.GRUCell(3, 4)(mg.tensor(np.ones((2, 5), np.float32))),
     "GRUCell: input has shape (2, 5) but expected a 1-D or 2-D tensor with input_size=3"),
    (lambda: nn.LSTM(3, 4)(mg.tensor(np.ones((5, 2, 3)), dtype="float64")),
     "LSTM: input dtype float64 does not match weight dtype float32"),
    (lambda: nn.LSTM(3, 0), "LSTM: hidden_size must be a positive integer, got 0"),
    (lambda: nn.GRU(3, 4, dropout=1.5), "GRU: dropout must be a number in [0, 1], got 1.5"),
    (lambda: nn.RNN(3, 4, nonlinearity="sigmoid"), "RNN: nonlinearity must be 'tanh' or 'relu', got 'sigmoid'"),
    (lambda: nn.RNNCell(3, 4, nonlinearity="gelu"), "RNNCell: nonlinearity must be 'tanh' or 'relu', got 'gelu'"),
    # Only the Elman layers have an activation to choose, as in PyTorch: an LSTM never turns into an RNN.
    (lambda: nn.LSTM(3, 4, nonlinearity="relu"), "unexpected keyword argument 'nonlinearity'"),
    (lambda: nn.GRU(3, 4, nonlinearity="tanh"), "unexpected keyword argument 'nonlinearity'"),
    (lambda: nn.LSTMCell(3, 4, nonlinearity="relu"), "unexpected keyword argument 'nonlinearity'"),
    (lambda: nn.GRUCell(3, 4, nonlinearity="tanh"), "unexpected keyword argument 'nonlinearity'"),
    (lambda: nn.GRU(3, 4)(mg.tensor(np.ones((0, 2, 3), np.float32))),
     "GRU: input has shape (0, 2, 3), with no time steps"),
    (lambda: nn.LSTM(3, 4, batch_first=True)(mg.tensor(np.ones((2, 0, 3), np.float32))),
     "LSTM: input has shape (2, 0, 3), with no time steps"),
    (lambda: nn.Embedding(5, 2)(mg.tensor(np.array([0.0, 1.0]))),
     "embedding: indices must be integers, got dtype float32 (shape (2,))"),
    (lambda: nn.Embedding(5, 2)(np.array([0, 5])), "embedding: index 5 is out of range for 5 embeddings"),
    (lambda: nn.Embedding(5, 2, padding_idx=5), "Embedding: padding_idx must be an integer in [-5, 5), got 5"),
])
def test_bad_input_gets_one_clear_error(call, message):
    with pytest.raises((ValueError, TypeError, IndexError)) as info:
        call()
    assert message in str(info.value)


@pytest.mark.parametrize("cls", ["GRU", "LSTM"])
@pytest.mark.parametrize("shape", [(1, 4, 5), (1, 2, 5), (1, 5), (2, 5)])
def test_a_packed_batchs_initial_state_of_the_wrong_shape_is_one_clear_error(cls, shape, device):
    """The state was gathered into the packed order before its shape was checked: one of 4 sequences for a batch of
    3 ran (torch's too), 2 was an IndexError of the gather, and a 2-D state was reported in its gathered shape."""
    from minigrad.nn.utils.rnn import pack_padded_sequence
    layer = getattr(nn, cls)(2, 5, dtype="float64", device=device)
    packed = pack_padded_sequence(mg.zeros(4, 3, 2, dtype="float64", device=device), [3, 4, 2], enforce_sorted=False)
    h = mg.zeros(*shape, dtype="float64", device=device)
    with pytest.raises(ValueError, match=re.escape(f"{cls}: h_0 has shape {shape} but expected (1, 3, 5) for an input "
                                                   "of shape (9, 2)")):
        layer(packed, (h, h) if cls == "LSTM" else h)


def test_an_initial_state_on_another_device_is_named(device):
    """A state on another device than the input failed deep inside, as the first matrix product's generic
    "LinearT: inputs are on different devices", naming neither the state nor the layer."""
    if device == "cpu":
        pytest.skip("needs a second device: runs as the cuda case")
    for cls, cell in [("RNN", False), ("GRU", False), ("LSTM", False), ("RNNCell", True), ("GRUCell", True),
                      ("LSTMCell", True)]:
        layer = getattr(nn, cls)(3, 4, device=device)
        x = mg.zeros(*((2, 3) if cell else (5, 2, 3)), device=device)
        h = mg.zeros(*((2, 4) if cell else (1, 2, 4)))                 # on the CPU
        label = ("h" if cls == "LSTMCell" else "hx") if cell else "h_0"
        with pytest.raises(ValueError, match=re.escape(f"{cls}: {label} is on cpu but the input is on {x.device}")):
            layer(x, (h, h) if "LSTM" in cls else h)


def test_embedding_gradient_adds_repeated_indices_and_skips_padding(monkeypatch):
    import minigrad.ops.embedding as emb

    def no_scatter(*_):   # the NumPy path sorts and reduces; it must never fall back to add.at
        raise AssertionError("np.add.at path used")

    monkeypatch.setattr(emb, "scatter_add", no_scatter)
    rng = np.random.default_rng(5)
    index = np.array([[3, 1, 3, 0], [3, 2, 1, 2]])
    layer = nn.Embedding(6, 4, padding_idx=2, dtype=np.float64)
    assert np.all(layer.weight.numpy()[2] == 0)
    g = rng.standard_normal((2, 4, 4))
    out = layer(mg.tensor(index))
    np.testing.assert_array_equal(out.numpy(), layer.weight.numpy()[index])
    (out * mg.tensor(g, dtype="float64")).sum().backward()
    expected = np.zeros((6, 4))
    np.add.at(expected, index, g)
    expected[2] = 0.0
    np.testing.assert_allclose(layer.weight.grad.numpy(), expected, rtol=1e-12)
    # PyTorch agrees, padding row included.
    t = torch.nn.Embedding(6, 4, padding_idx=2, dtype=torch.float64)
    (t(torch.tensor(index)) * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(layer.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-12)


def test_embedding_gradient_on_a_large_batch_matches_add_at():
    rng = np.random.default_rng(6)
    index = rng.integers(0, 50, (64, 33))
    weight = mg.tensor(rng.standard_normal((50, 8)), dtype="float64", requires_grad=True)
    g = rng.standard_normal((64, 33, 8))
    (mg.nn.functional.embedding(index, weight) * mg.tensor(g, dtype="float64")).sum().backward()
    expected = np.zeros((50, 8))
    np.add.at(expected, index, g)
    np.testing.assert_allclose(weight.grad.numpy(), expected, rtol=1e-10)



@pytest.mark.parametrize("padding_idx", [-1, -4, 3])
def test_functional_embedding_reads_a_negative_padding_idx_from_the_end_as_torch(padding_idx):
    # torch.nn.functional.embedding counts a negative padding_idx from the end; minigrad compared the raw -1 with
    # the indices, so no position matched and the padding row received its gradient.
    rng = np.random.default_rng(7)
    index = np.array([[4, 1, 3, 0], [3, 2, 4, 4]])
    table, g = rng.standard_normal((5, 3)), rng.standard_normal((2, 4, 3))
    weight = mg.tensor(table, dtype="float64", requires_grad=True)
    out = mg.nn.functional.embedding(mg.tensor(index), weight, padding_idx=padding_idx)
    (out * mg.tensor(g, dtype="float64")).sum().backward()
    tweight = torch.tensor(table, requires_grad=True)
    tout = torch.nn.functional.embedding(torch.tensor(index), tweight, padding_idx=padding_idx)
    tout.backward(torch.tensor(g))
    np.testing.assert_array_equal(out.numpy(), tout.detach().numpy())
    np.testing.assert_allclose(weight.grad.numpy(), tweight.grad.numpy(), rtol=1e-12, atol=0)
    assert not weight.grad.numpy()[padding_idx].any()


@pytest.mark.parametrize("padding_idx", [5, -6, 1.0, True])
def test_functional_embedding_refuses_a_padding_idx_torch_refuses(padding_idx):
    with pytest.raises((ValueError, TypeError), match=r"^embedding: padding_idx must be an integer in \[-5, 5\), "
                                                       rf"got {padding_idx!r}"):
        mg.nn.functional.embedding(mg.tensor(np.array([0, 1])), mg.zeros(5, 2), padding_idx=padding_idx)


def test_functional_embedding_takes_torchs_trailing_arguments_at_their_defaults():
    # A layer copied from torch's Embedding.forward passes all seven: F.embedding(input, weight, padding_idx,
    # max_norm, norm_type, scale_grad_by_freq, sparse). The defaults run; sparse gradients are refused as by
    # Embedding (max_norm and scale_grad_by_freq are implemented: tests/nn/test_torch_embedding_max_norm.py and
    # tests/nn/test_torch_embedding_scale_grad_by_freq.py).
    index, table = np.array([[0, 2], [3, 3]]), np.arange(12.0).reshape(4, 3)
    ours = mg.nn.functional.embedding(mg.tensor(index), mg.tensor(table, dtype="float64"), 1, None, 2.0, False, False)
    theirs = torch.nn.functional.embedding(torch.tensor(index), torch.tensor(table), 1, None, 2.0, False, False)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    with pytest.raises(ValueError, match=r"^embedding: sparse gradients are not supported .*got sparse=True"):
        mg.nn.functional.embedding(mg.tensor(index), mg.tensor(table, dtype="float64"), sparse=True)
    with pytest.raises(TypeError, match=r"^embedding: scale_grad_by_freq must be True or False, got scale_grad_by_freq=None$"):
        mg.nn.functional.embedding(mg.tensor(index), mg.tensor(table, dtype="float64"), scale_grad_by_freq=None)

def test_embedding_feeds_an_lstm_end_to_end():
    emb, lstm, head = nn.Embedding(10, 4), nn.LSTM(4, 8, batch_first=True), nn.Linear(8, 10)
    params = emb.parameters() + lstm.parameters() + head.parameters()
    opt = mg.optim.Adam(params, lr=0.05)
    tokens = np.random.default_rng(7).integers(0, 10, (16, 5))
    losses = []
    for _ in range(30):   # learn to repeat the first token at the end
        opt.zero_grad()
        out, _ = lstm(emb(tokens))
        loss = nn.functional.cross_entropy(head(out[:, -1]), tokens[:, 0])
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_flatten_parameters_changes_nothing_as_on_torchs_cpu(cls):
    # PyTorch's word_language_model calls model.rnn.flatten_parameters() after loading (a cuDNN packing step).
    t = getattr(torch.nn, cls)(4, 3, 2).double()
    m = getattr(nn, cls)(4, 3, 2).double()
    m.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    before = {k: v.numpy().copy() for k, v in m.state_dict().items()}
    params = list(m.parameters())
    assert t.flatten_parameters() is None and m.flatten_parameters() is None
    assert all(a is b for a, b in zip(params, m.parameters()))
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])
    x = np.random.default_rng(3).standard_normal((5, 2, 4))
    np.testing.assert_allclose(m(mg.from_numpy(x))[0].numpy(), t(torch.from_numpy(x))[0].detach().numpy(),
                               rtol=1e-12, atol=1e-14)


def test_recurrent_base_classes_are_torchs_for_isinstance_and_arguments():
    ours, theirs = inspect.signature(nn.RNNBase).parameters, inspect.signature(torch.nn.RNNBase).parameters
    assert list(ours) == list(theirs)
    assert {k: v.default for k, v in ours.items()} == {k: v.default for k, v in theirs.items()}
    for layer in (nn.RNN(2, 3), nn.LSTM(2, 3), nn.GRU(2, 3)):
        assert isinstance(layer, nn.RNNBase) and not isinstance(layer, nn.RNNCellBase)
    for cell in (nn.RNNCell(2, 3), nn.LSTMCell(2, 3), nn.GRUCell(2, 3)):
        assert isinstance(cell, nn.RNNCellBase) and not isinstance(cell, nn.RNNBase)
    base = nn.RNNBase("GRU", 2, 4, 2, bidirectional=True)
    assert [n for n, _ in base.named_parameters()] == \
        [n for n, _ in torch.nn.RNNBase("GRU", 2, 4, 2, bidirectional=True).named_parameters()]
    with pytest.raises(ValueError, match=r"RNNBase: proj_size is only supported for LSTM, not GRU"):
        nn.RNNBase("GRU", 2, 4, proj_size=2)
    with pytest.raises(ValueError, match=r"^RNNBase: unrecognized RNN mode 'lstm'; expected one of \['RNN_TANH', "
                                         r"'RNN_RELU', 'LSTM', 'GRU'\]$"):   # was a KeyError
        nn.RNNBase("lstm", 2, 4)
    with pytest.raises(ValueError, match="Unrecognized RNN mode: lstm"):
        torch.nn.RNNBase("lstm", 2, 4)


def test_rnn_cell_base_takes_torchs_arguments_and_builds_torchs_parameters():
    ours, theirs = inspect.signature(nn.RNNCellBase).parameters, inspect.signature(torch.nn.RNNCellBase).parameters
    assert list(ours) == list(theirs)
    assert {k: v.default for k, v in ours.items()} == {k: v.default for k, v in theirs.items()}
    for bias, chunks in ((True, 3), (False, 1), (True, 4)):
        base, torch_base = nn.RNNCellBase(3, 2, bias, chunks), torch.nn.RNNCellBase(3, 2, bias, chunks)
        assert [(n, tuple(p.shape)) for n, p in base.named_parameters()] == \
            [(n, tuple(p.shape)) for n, p in torch_base.named_parameters()]
        assert repr(base).split("  #")[0] == repr(torch_base)  # minigrad's repr adds the parameter count
    assert nn.RNNCellBase(3, 2, True, 1, dtype=mg.float64).weight_hh.dtype == np.float64
    with pytest.raises(NotImplementedError, match=r"RNNCellBase.*forward"):
        nn.RNNCellBase(3, 2, True, 1)(mg.zeros(1, 3))
    with pytest.raises(ValueError, match=r"RNNCellBase: num_chunks must be a positive integer, got 0"):
        nn.RNNCellBase(3, 2, True, 0)


def test_a_user_cell_on_rnn_cell_base_matches_torchs():
    class Elman(nn.RNNCellBase):
        def __init__(self, i, h):
            super().__init__(i, h, bias=True, num_chunks=1, dtype=mg.float64)

        def forward(self, x, hx):
            return mg.tanh(x @ self.weight_ih.T + self.bias_ih + hx @ self.weight_hh.T + self.bias_hh)

    class TorchElman(torch.nn.RNNCellBase):
        def __init__(self, i, h):
            super().__init__(i, h, bias=True, num_chunks=1, dtype=torch.float64)

        def forward(self, x, hx):
            return torch.tanh(x @ self.weight_ih.T + self.bias_ih + hx @ self.weight_hh.T + self.bias_hh)

    cell, torch_cell = Elman(3, 2), TorchElman(3, 2)
    with torch.no_grad():
        for (_, p), (_, q) in zip(cell.named_parameters(), torch_cell.named_parameters()):
            q.copy_(torch.from_numpy(p.numpy()))
    x, h = np.random.default_rng(5).standard_normal((1, 4, 3)), np.random.default_rng(6).standard_normal((4, 2))
    np.testing.assert_allclose(cell(mg.tensor(x[0], dtype=mg.float64), mg.tensor(h, dtype=mg.float64)).numpy(),
                               torch_cell(torch.from_numpy(x[0]), torch.from_numpy(h)).detach().numpy(), rtol=1e-12)
    for cls, args in ((nn.RNNCell, (3, 2, False, "relu")), (nn.LSTMCell, (3, 2)), (nn.GRUCell, (3, 2, False))):
        torch_cls = getattr(torch.nn, cls.__name__)
        assert repr(cls(*args)).split("  #")[0] == repr(torch_cls(*args))
        assert [n for n, _ in cls(*args).named_parameters()] == [n for n, _ in torch_cls(*args).named_parameters()]
