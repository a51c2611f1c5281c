"""nn.AdaptiveLogSoftmaxWithLoss against torch in float64 with torch's weights loaded from its state dict: the
(output, loss) named tuple, input and every parameter's gradient, log_prob, predict (shortlist, clusters, mixed),
unbatched calls, second derivatives, float32 kept, and the errors."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn
from minigrad.io import from_torch
from torch_agreement import pair, same, second_derivatives_match

rng = np.random.default_rng(88)


def _pair(in_features=8, n_classes=20, cutoffs=(4, 10, 15), **kw):
    theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, list(cutoffs), **kw).double()
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape))))
    ours = nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, cutoffs, dtype="float64", **kw)
    state = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    assert list(ours.state_dict()) == list(state)
    assert ours.load_state_dict(from_torch(ours, state)) == ([], [])
    return ours, theirs


def _output_loss_and_gradients_match_torch(ours, theirs):
    """Every class once and 5 drawn again: the output, the loss and every gradient are torch's; returns the input."""
    target = np.concatenate([np.arange(ours.n_classes), rng.integers(0, ours.n_classes, 5)])
    x, tx = pair(rng.standard_normal((target.size, ours.in_features)))
    out, tout = ours(x, mg.tensor(target)), theirs(tx, torch.tensor(target))
    assert type(out).__name__ == type(tout).__name__ == "_ASMoutput" and out._fields == tout._fields
    same(out.output, tout.output)
    same(out.loss, tout.loss)
    (out.loss + (out.output * out.output).sum()).backward()
    (tout.loss + (tout.output * tout.output).sum()).backward()
    same(x.grad, tx.grad, rtol=1e-11)
    tparams = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert p.grad.shape == p.shape
        np.testing.assert_allclose(p.grad.numpy(), from_torch(ours, {name: tparams[name].grad.numpy()})[name],
                                   rtol=1e-11, atol=1e-13)
    return x, tx


@pytest.mark.parametrize("kw", [dict(in_features=16, cutoffs=(4, 10)), dict(div_value=2.0, head_bias=True),
                                dict(cutoffs=(3,), n_classes=6)])
def test_forward_loss_and_gradients_match_torch(kw):
    _output_loss_and_gradients_match_torch(*_pair(**kw))


def test_log_prob_and_predict_match_torch():
    ours, theirs = _pair(head_bias=True, div_value=2.0)
    x, tx = pair(rng.standard_normal((9, 8)))
    lp = ours.log_prob(x)
    same(lp, theirs.log_prob(tx))
    np.testing.assert_allclose(np.exp(lp.numpy()).sum(1), 1.0, rtol=1e-12)
    for bias in (None, 50.0, "mixed"):   # head picks the shortlist / always a cluster / some of each
        with torch.no_grad():
            if bias == 50.0:
                theirs.head.bias[4:] = 50.0
            elif bias == "mixed":
                theirs.head.bias[:] = torch.tensor(rng.standard_normal(7) * 3)
        ours.head.bias.data[...] = theirs.head.bias.detach().numpy()
        p, tp = ours.predict(x), theirs.predict(tx)
        assert p.dtype == np.int64
        np.testing.assert_array_equal(p.numpy(), tp.numpy())
        np.testing.assert_array_equal(p.numpy(), ours.log_prob(x).numpy().argmax(1))
    with pytest.raises(ValueError, match=r"expected a 2-D \(N, in_features\) input, got shape \(8,\)"):
        ours.predict(x[0])   # torch: an IndexError from argmax
    with pytest.raises(ValueError, match="expected a 2-D"):
        ours.log_prob(x[0])


def test_unbatched_call_and_second_derivatives():
    ours, theirs = _pair(div_value=2.0)
    x, tx = pair(rng.standard_normal(8))
    out, tout = ours(x, mg.tensor(np.array(12))), theirs(tx, torch.tensor(12))
    assert out.output.shape == tuple(tout.output.shape) == ()
    same(out.output, tout.output)
    target = np.array([1, 5, 12, 17])
    second_derivatives_match(lambda a: ours(a, mg.tensor(target)).output,
                             lambda a: theirs(a, torch.tensor(target)).output, [rng.standard_normal((4, 8))], rng)


def test_float32_and_defaults():
    layer = nn.AdaptiveLogSoftmaxWithLoss(16, 30, [5, 20])
    assert layer.head.weight.dtype == np.float32 and layer.head.bias is None
    assert [p.shape for p in layer.parameters()] == [(16, 7), (16, 4), (4, 15), (16, 1), (1, 10)]
    out = layer(mg.tensor(rng.standard_normal((3, 16)).astype(np.float32)), mg.tensor(np.array([0, 7, 29])))
    assert out.output.dtype == out.loss.dtype == np.float32
    assert layer.cutoffs == [5, 20, 30] and layer.shortlist_size == 5 and layer.n_clusters == 2


def test_errors():
    with pytest.raises(ValueError, match="cutoffs should be a sequence of length larger than 0"):
        nn.AdaptiveLogSoftmaxWithLoss(8, 10, [])
    for bad in ([5, 3], [0, 4], [4, 10], [4, 4], [2.5]):
        with pytest.raises(ValueError, match="cutoffs should be a sequence of unique, positive integers"):
            nn.AdaptiveLogSoftmaxWithLoss(8, 10, bad)
        with pytest.raises(ValueError, match="cutoffs should be a sequence of unique, positive integers"):
            torch.nn.AdaptiveLogSoftmaxWithLoss(8, 10, bad)
    layer = nn.AdaptiveLogSoftmaxWithLoss(8, 10, [4], dtype="float64")
    x = mg.tensor(rng.standard_normal((3, 8)), dtype="float64")
    with pytest.raises(ValueError, match=r"Target values should be in \[0, 9\], but values in range \[0, 10\]"):
        layer(x, mg.tensor(np.array([0, 3, 10])))
    with pytest.raises(ValueError, match="Input and target should have the same size in the batch dimension"):
        layer(x, mg.tensor(np.array([0, 3])))
    with pytest.raises(ValueError, match="1D target tensor expects 2D input tensors"):
        layer(x[0], mg.tensor(np.array([0])))
    with pytest.raises(ValueError, match="multi-target not supported"):
        layer(x, mg.tensor(np.zeros((3, 2), dtype=np.int64)))
    with pytest.raises(TypeError, match="target must be integers"):
        layer(x, mg.tensor(np.zeros(3)))
    with pytest.raises(ValueError, match="AdaptiveLogSoftmaxWithLoss: in_features must be a non-negative integer, "
                                         "got -1"):
        nn.AdaptiveLogSoftmaxWithLoss(-1, 20, [4, 10])   # torch: a RuntimeError about a negative dimension
    with pytest.raises(RuntimeError, match="negative dimension"):
        torch.nn.AdaptiveLogSoftmaxWithLoss(-1, 20, [4, 10])


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors is a no-op")
@pytest.mark.parametrize("kw", [dict(in_features=0), dict(in_features=0, head_bias=True),
                                dict(in_features=8, cutoffs=(4, 10), div_value=3.0),   # widths 2 and 0
                                dict(in_features=3, cutoffs=(4, 10), div_value=4.0)])  # widths 0 and 0
def test_zero_width_layers_match_torch(kw):
    # in_features=0 and a cluster width in_features // div_value^(i+1) of 0 were refused; torch builds empty
    # Linears there (an empty product is 0), which make the probabilities inside such a cluster uniform
    ours, theirs = _pair(**kw)
    x, tx = _output_loss_and_gradients_match_torch(ours, theirs)
    same(ours.log_prob(x), theirs.log_prob(tx))
    np.testing.assert_array_equal(ours.predict(x).numpy(), theirs.predict(tx).numpy())
