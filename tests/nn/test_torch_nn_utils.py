"""``minigrad.nn.utils`` against ``torch.nn.utils``: clipping, parameter vectors, padding and packing sequences,
and the recurrent layers on packed sequences (values and every gradient, float64)."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn.utils import rnn
from torch_agreement import TOL, agree, pair, same

torch = pytest.importorskip("torch")
trnn = torch.nn.utils.rnn
RNG = np.random.default_rng(0)


def _seqs(lengths, width=3):
    arrays = [RNG.standard_normal((n, width)) for n in lengths]
    return arrays


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_as_torch(batch_first, side):
    arrays = _seqs([3, 5, 1])
    agree(lambda *xs: rnn.pad_sequence(list(xs), batch_first, -1.5, side),
          lambda *xs: trnn.pad_sequence(list(xs), batch_first, -1.5, side), arrays)


@pytest.mark.parametrize("enforce_sorted,lengths", [(True, [5, 3, 3, 1]), (False, [2, 5, 1, 4])])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_and_pad_packed_round_trip_as_torch(enforce_sorted, lengths, batch_first):
    x = RNG.standard_normal((len(lengths), 5, 2) if batch_first else (5, len(lengths), 2))
    m, t = pair(x)
    pm = rnn.pack_padded_sequence(m, lengths, batch_first, enforce_sorted)
    pt = trnn.pack_padded_sequence(t, lengths, batch_first, enforce_sorted)
    same(pm.data, pt.data)
    assert pm.batch_sizes.tolist() == pt.batch_sizes.tolist() and pm.batch_sizes.dtype == np.int64
    for ours, theirs in ((pm.sorted_indices, pt.sorted_indices), (pm.unsorted_indices, pt.unsorted_indices)):
        assert (ours is None) == (theirs is None) and (ours is None or ours.tolist() == theirs.tolist())
    padded, lens = rnn.pad_packed_sequence(pm, batch_first, padding_value=7.0, total_length=6)
    tpadded, tlens = trnn.pad_packed_sequence(pt, batch_first, padding_value=7.0, total_length=6)
    same(padded, tpadded)
    assert lens.tolist() == tlens.tolist() == lengths and lens.dtype == np.int64
    g = RNG.standard_normal(tpadded.shape)
    padded.backward(mg.tensor(g, dtype="float64"))
    tpadded.backward(torch.tensor(g))
    np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), **TOL["float64"])


def test_packed_sequence_built_from_sorted_indices_alone_fills_in_the_inverse_as_torch():
    """PackedSequence(data, batch_sizes, sorted_indices) left unsorted_indices None, so pad_packed_sequence and an
    RNN's h_n came back in the sorted order, not the caller's; torch fills in the inverse permutation."""
    x = RNG.standard_normal((4, 3, 2))
    m, t = pair(x)
    pt = trnn.pack_padded_sequence(t, [2, 4, 1], enforce_sorted=False)
    assert pt.sorted_indices.tolist() == [1, 0, 2]
    built_t = trnn.PackedSequence(pt.data, pt.batch_sizes, pt.sorted_indices)
    built_m = rnn.PackedSequence(mg.tensor(pt.data.detach().numpy(), dtype="float64"),
                                 mg.tensor(pt.batch_sizes.numpy()), mg.tensor(pt.sorted_indices.numpy()))
    assert built_m.unsorted_indices.tolist() == built_t.unsorted_indices.tolist() == [1, 0, 2]
    assert built_m.unsorted_indices.dtype == np.int64
    padded, lens = rnn.pad_packed_sequence(built_m)
    tpadded, tlens = trnn.pad_packed_sequence(built_t)
    same(padded, tpadded)
    assert lens.tolist() == tlens.tolist() == [2, 4, 1]
    ours, theirs = nn.GRU(2, 3, dtype="float64"), torch.nn.GRU(2, 3, dtype=torch.float64)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    h0 = RNG.standard_normal((1, 3, 3))
    same(ours(built_m, mg.tensor(h0, dtype="float64"))[1], theirs(built_t, torch.tensor(h0))[1])
    pair_form = rnn.PackedSequence((built_m.data, built_m.batch_sizes))
    assert pair_form.data is built_m.data and pair_form.batch_sizes is built_m.batch_sizes
    assert pair_form.sorted_indices is None and pair_form.unsorted_indices is None
    assert built_m.float().data.dtype == np.float32 and built_m.float().double().data.dtype == np.float64
    assert built_m.half().data.dtype == np.float16 and built_m.float().unsorted_indices is built_m.unsorted_indices


def test_pack_padded_sequence_takes_whole_number_float_lengths_as_torch():
    """Lengths summed from a float mask are floats; torch takes them as counts (it refused them)."""
    x = RNG.standard_normal((4, 3, 2))
    m, t = pair(x)
    mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0], [1, 0, 0, 0]], dtype=np.float32)
    ours = rnn.pack_padded_sequence(m, mg.tensor(mask).sum(1))
    theirs = trnn.pack_padded_sequence(t, torch.tensor(mask).sum(1))
    same(ours.data, theirs.data)
    assert ours.batch_sizes.tolist() == theirs.batch_sizes.tolist() == [3, 2, 1, 1]
    assert rnn.pack_padded_sequence(m, [4.0, 2.0, 1.0]).batch_sizes.tolist() == [3, 2, 1, 1]


def test_invert_permutation_as_torch():
    perm = [3, 0, 4, 1, 2]
    ours = rnn.invert_permutation(mg.tensor(np.array(perm, dtype=np.int64)))
    assert ours.tolist() == trnn.invert_permutation(torch.tensor(perm)).tolist() == [1, 3, 4, 0, 2]
    assert ours.dtype == np.int64
    assert rnn.invert_permutation(None) is None


def test_pack_sequence_unpack_and_unpad_as_torch():
    arrays = _seqs([2, 4, 3])
    ms = [mg.tensor(a, dtype="float64") for a in arrays]
    ts = [torch.tensor(a) for a in arrays]
    pm, pt = rnn.pack_sequence(ms, enforce_sorted=False), trnn.pack_sequence(ts, enforce_sorted=False)
    same(pm.data, pt.data)
    for ours, theirs in zip(rnn.unpack_sequence(pm), trnn.unpack_sequence(pt)):
        same(ours, theirs)
    padded = rnn.pad_sequence(ms, batch_first=True)
    for ours, theirs in zip(rnn.unpad_sequence(padded, mg.tensor([2, 4, 3]), batch_first=True), ts):
        same(ours, theirs)
    assert pm.to("cpu").data is pm.data and pm.cpu().batch_sizes is pm.batch_sizes and not pm.is_cuda
    assert pm.to(mg.float32).data.dtype == np.float32


@pytest.mark.parametrize("call,error,message", [
    (lambda: rnn.pack_padded_sequence(mg.zeros(4, 3, 2), [1, 3, 2]), RuntimeError,
     "pack_padded_sequence: lengths must be sorted in decreasing order when enforce_sorted=True, got [1, 3, 2]"),
    (lambda: rnn.pack_padded_sequence(mg.zeros(4, 2, 2), [3, 0]), ValueError,
     "pack_padded_sequence: every length must be > 0, got [3, 0]"),
    (lambda: rnn.pack_padded_sequence(mg.zeros(4, 2, 2), [5, 1]), ValueError,
     "pack_padded_sequence: a length of 5 is longer than the input's 4 time steps"),
    (lambda: rnn.pack_padded_sequence(mg.zeros(4, 2, 2), [3]), ValueError,
     "pack_padded_sequence: lengths must be 2 integers (one per sequence)"),
    (lambda: rnn.pack_padded_sequence(mg.zeros(4, 2, 2), [3, 1.5]), ValueError,
     "pack_padded_sequence: lengths must be 2 integers (one per sequence), got [3, 1.5]"),
    (lambda: rnn.pad_sequence([mg.zeros(2, 3), mg.zeros(2, 4)]), ValueError,
     "pad_sequence: the sequences' shapes after the first dim differ"),
    (lambda: rnn.pad_sequence([mg.zeros(2, dtype="float32"), mg.zeros(3, dtype="float64")]), TypeError,
     "pad_sequence: the sequences' dtypes differ: ['float32', 'float64']; convert them to one dtype first"),
    (lambda: rnn.pack_sequence([mg.zeros(3, 2, dtype="float64"), mg.zeros(2, 2, dtype="float32")]), TypeError,
     "pack_sequence: the sequences' dtypes differ: ['float64', 'float32']"),
    (lambda: rnn.pad_sequence([mg.zeros(2)], padding_side="top"), ValueError,
     "pad_sequence: padding_side must be 'right' or 'left', got 'top'"),
    (lambda: rnn.pad_packed_sequence(mg.zeros(2)), TypeError,
     "pad_packed_sequence: expected a PackedSequence, got Tensor"),
])
def test_bad_input_is_one_clear_error(call, error, message):
    with pytest.raises(error, match="^" + message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")
                       .replace(")", r"\)")):
        call()


@pytest.mark.parametrize("total_length", [5.5, 5.0])
def test_pad_packed_sequence_refuses_a_total_length_that_is_not_an_integer_as_torch(total_length, device):
    """5.5 was cut to 5 steps unnoticed (and 5.0 taken); torch's total_length is an int only."""
    packed = rnn.pack_padded_sequence(mg.zeros(4, 2, 1, device=device), [4, 2])
    with pytest.raises(TypeError):
        trnn.pad_packed_sequence(trnn.pack_padded_sequence(torch.zeros(4, 2, 1), [4, 2]), total_length=total_length)
    with pytest.raises(TypeError, match=rf"^pad_packed_sequence: total_length must be an integer, got {total_length}$"):
        rnn.pad_packed_sequence(packed, total_length=total_length)
    assert rnn.pad_packed_sequence(packed, total_length=np.int64(5))[0].shape == (5, 2, 1)


def _recurrent_pair(name, batch_first):
    kwargs = dict(num_layers=2, batch_first=batch_first)
    ours = getattr(nn, name)(3, 4, dtype="float64", **kwargs)
    theirs = getattr(torch.nn, name)(3, 4, dtype=torch.float64, **kwargs)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("with_state", [False, True])
def test_recurrent_layers_on_packed_sequences_as_torch(name, batch_first, with_state):
    ours, theirs = _recurrent_pair(name, batch_first)
    lengths = [2, 5, 1, 4]
    x = RNG.standard_normal((4, 5, 3) if batch_first else (5, 4, 3))
    m, t = pair(x)
    state = RNG.standard_normal((2, 4, 4))
    hm = ht = None
    if with_state:
        (hm0, ht0), (cm0, ct0) = pair(state), pair(state * 0.5)
        hm, ht = ((hm0, cm0), (ht0, ct0)) if name == "LSTM" else (hm0, ht0)
    out_m, last_m = ours(rnn.pack_padded_sequence(m, lengths, batch_first, enforce_sorted=False), hm)
    out_t, last_t = theirs(trnn.pack_padded_sequence(t, lengths, batch_first, enforce_sorted=False), ht)
    same(out_m.data, out_t.data)
    assert out_m.batch_sizes.tolist() == out_t.batch_sizes.tolist()
    last_m = last_m if name == "LSTM" else (last_m,)
    last_t = last_t if name == "LSTM" else (last_t,)
    for a, b in zip(last_m, last_t):
        same(a, b)
    g_out = RNG.standard_normal(tuple(out_t.data.shape))
    g_last = [RNG.standard_normal(tuple(b.shape)) for b in last_t]
    loss_m = (out_m.data * mg.tensor(g_out, dtype="float64")).sum()
    loss_t = (out_t.data * torch.tensor(g_out)).sum()
    for a, b, g in zip(last_m, last_t, g_last):
        loss_m = loss_m + (a * mg.tensor(g, dtype="float64")).sum()
        loss_t = loss_t + (b * torch.tensor(g)).sum()
    loss_m.backward()
    loss_t.backward()
    np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), **TOL["float64"])
    for (key, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), err_msg=key, **TOL["float64"])
    if with_state:
        starts_m = hm if name == "LSTM" else (hm,)
        starts_t = ht if name == "LSTM" else (ht,)
        for a, b in zip(starts_m, starts_t):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **TOL["float64"])


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_packed_recurrent_layers_pass_gradcheck_and_gradgradcheck(name):
    layer = getattr(nn, name)(2, 3, dtype="float64")

    def f(x):
        out, last = layer(rnn.pack_padded_sequence(x, [1, 3], enforce_sorted=False))
        h = last[0] * last[1] if name == "LSTM" else last
        return (out.data ** 2).sum() + h.sum()

    x = mg.tensor(RNG.standard_normal((3, 2, 2)), dtype="float64", requires_grad=True)
    assert mg.gradcheck(f, (x,))
    assert mg.gradgradcheck(f, (x,))


def test_parameters_to_vector_and_back_as_torch():
    ours = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1))
    for p, q in zip(ours.parameters(), theirs.parameters()):
        p.data[...] = (q.detach().numpy().T if q.ndim == 2 else q.detach().numpy())
    v = nn.utils.parameters_to_vector(ours.parameters())
    assert v.shape == (11,) and v.requires_grad
    same(v, torch.cat([theirs[0].weight.T.reshape(-1), theirs[0].bias, theirs[1].weight.reshape(-1),
                       theirs[1].bias]), rtol=1e-6)
    (v * mg.tensor(np.arange(11.0))).sum().backward(retain_graph=True)
    assert ours[1].bias.grad.tolist() == [10.0]
    new = np.arange(11.0)
    nn.utils.vector_to_parameters(mg.tensor(new), ours.parameters())
    assert nn.utils.parameters_to_vector(ours.parameters()).tolist() == new.tolist()
    assert ours[0].weight.numpy().tolist() == new[:6].reshape(3, 2).tolist()
    # v's gradient reads no parameter values (a reshape and a cat), so the new values leave it right, as torch's
    for p in ours.parameters():
        p.grad = None
    (v * mg.tensor(np.arange(11.0))).sum().backward()
    assert [p.grad.numpy().ravel().tolist() for p in ours.parameters()] == [
        [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], [6.0, 7.0], [8.0, 9.0], [10.0]]
    square = (ours[0].weight * ours[0].weight).sum()   # its gradient reads the weight's values: refused after a write
    nn.utils.vector_to_parameters(mg.tensor(new + 1), ours.parameters())
    with pytest.raises(RuntimeError, match="was modified in place after the graph used it"):
        square.backward()
    with pytest.raises(ValueError, match="^vector_to_parameters: vec has 3 entries but the parameters have 11$"):
        nn.utils.vector_to_parameters(mg.zeros(3), ours.parameters())


def test_total_norm_and_clipping_with_a_given_norm_as_torch():
    grads = [RNG.standard_normal((3, 2)), RNG.standard_normal(4)]
    for p in (2.0, 1.0, 3.0, float("inf")):
        ours = nn.utils.get_total_norm([mg.tensor(g, dtype="float64") for g in grads], p)
        assert ours.dtype == np.float64 and ours.shape == ()   # a Tensor, as torch's
        assert ours.item() == pytest.approx(float(torch.nn.utils.get_total_norm([torch.tensor(g) for g in grads], p)),
                                     rel=1e-12)
    pm = [mg.tensor(g, dtype="float64", requires_grad=True) for g in grads]
    pt = [torch.tensor(g, requires_grad=True) for g in grads]
    for p, g in zip(pm, grads):
        p.grad = mg.tensor(g, dtype="float64")
    for p, g in zip(pt, grads):
        p.grad = torch.tensor(g)
    nn.utils.clip_grads_with_norm_(pm, 1.0, nn.utils.get_total_norm([p.grad for p in pm]))
    torch.nn.utils.clip_grads_with_norm_(pt, 1.0, torch.nn.utils.get_total_norm([p.grad for p in pt]))
    for a, b in zip(pm, pt):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12)
    assert nn.utils.clip_grad_norm_ is mg.optim.clip_grad_norm_


def test_torchs_deprecated_clip_grad_norm_warns_and_clips_as_torch():
    # older code calls nn.utils.clip_grad_norm (no underscore): it raised AttributeError; torch warns and clips
    grads = [RNG.standard_normal((3, 2)), RNG.standard_normal(4)]
    pm = [mg.tensor(np.zeros_like(g), dtype="float64", requires_grad=True) for g in grads]
    pt = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for a, b, g in zip(pm, pt, grads):
        a.grad, b.grad = mg.tensor(g, dtype="float64"), torch.tensor(g)
    message = "`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`."
    with pytest.warns(FutureWarning, match=message.replace(".", r"\.")):
        ours = nn.utils.clip_grad_norm(pm, 0.5, norm_type=3.0)
    with pytest.warns(FutureWarning, match=message.replace(".", r"\.")):
        theirs = torch.nn.utils.clip_grad_norm(pt, 0.5, norm_type=3.0)
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-12)
    for a, b in zip(pm, pt):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("cast", ["long", "int", "short", "char", "byte"])
def test_packed_sequence_integer_casts_as_torch(cast):
    # torch's PackedSequence.long() (int, short, char, byte) cast the data; minigrad's had only double/float/half
    arrays = [np.array([1.7, 2.2, -3.9]), np.array([100.5])]
    ours = getattr(rnn.pack_sequence([mg.tensor(a, dtype="float64") for a in arrays]), cast)()
    theirs = getattr(trnn.pack_sequence([torch.tensor(a) for a in arrays]), cast)()
    assert isinstance(ours, rnn.PackedSequence) and str(ours.data.dtype) == str(theirs.data.dtype).split(".")[1]
    assert ours.data.tolist() == theirs.data.tolist() and ours.batch_sizes.tolist() == theirs.batch_sizes.tolist()
    assert ours.is_pinned() is False and isinstance(ours.pin_memory(), rnn.PackedSequence)
