"""nn.CTCLoss and F.ctc_loss against torch in float64: values and gradients (through log_softmax, where both are
the exact derivative) for padded and concatenated targets, every reduction, zero_infinity, impossible alignments,
empty targets, unbatched input and another blank; the gradient with respect to log_probs itself (exact here,
PyTorch's adds exp(log_probs)); create_graph refused; float32 kept; the errors."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F
from torch_agreement import pair, same

TF = torch.nn.functional
rng = np.random.default_rng(77)


def _case(T=9, N=4, C=5, S=4):
    targets = rng.integers(1, C, (N, S))
    targets[1, 1] = targets[1, 0]       # a repeated label: the blank between them cannot be skipped
    in_len = np.array([T, T - 2, 3, 5])[:N]
    tg_len = np.array([S, 3, 3, 0])[:N]   # sample 2 needs 4 steps for its 3 labels at least when it repeats
    targets[2, :3] = [1, 1, 2]            # ... it does: no alignment in 3 steps (infinite loss)
    return rng.standard_normal((T, N, C)), targets, in_len, tg_len


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("concatenated", [False, True])
def test_ctc_loss_matches_torch_through_log_softmax(reduction, zero_infinity, concatenated):
    logits, targets, in_len, tg_len = _case()
    if concatenated:
        targets = np.concatenate([t[:n] for t, n in zip(targets, tg_len)])
    x, tx = pair(logits)
    y = F.ctc_loss(F.log_softmax(x, axis=2), mg.tensor(targets), mg.tensor(in_len), mg.tensor(tg_len),
                   reduction=reduction, zero_infinity=zero_infinity)
    ty = TF.ctc_loss(TF.log_softmax(tx, 2), torch.tensor(targets), torch.tensor(in_len), torch.tensor(tg_len),
                     reduction=reduction, zero_infinity=zero_infinity)
    assert y.shape == tuple(ty.shape) and y.dtype == np.float64
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12)   # inf where torch's is inf
    cot = rng.standard_normal(tuple(ty.shape))
    (y * mg.tensor(cot, dtype="float64")).sum().backward()
    (ty * torch.tensor(cot)).sum().backward()
    # NaN where torch's is NaN (the infinite loss's gradient without zero_infinity), equal elsewhere
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-13)
    assert np.isnan(x.grad.numpy()).any() == (not zero_infinity)   # sample 2 has no alignment


def test_gradient_with_respect_to_log_probs_is_exact_where_torch_adds_exp_log_probs():
    logits, targets, in_len, tg_len = _case()
    lp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    in_len[2] = 6   # every sample alignable
    x, tx = pair(lp)
    F.ctc_loss(x, mg.tensor(targets), in_len, tg_len, reduction="sum").backward()
    TF.ctc_loss(tx, torch.tensor(targets), torch.tensor(in_len), torch.tensor(tg_len), reduction="sum").backward()
    within = (np.arange(lp.shape[0])[:, None] < in_len[None, :])[:, :, None]
    np.testing.assert_allclose(tx.grad.numpy() - x.grad.numpy(), np.exp(lp) * within, rtol=1e-10, atol=1e-13)
    # ours is the derivative: central differences agree
    assert mg.gradcheck(lambda a: F.ctc_loss(a, mg.tensor(targets), in_len, tg_len, reduction="sum"),
                        [mg.tensor(lp, dtype="float64", requires_grad=True)])


@pytest.mark.parametrize("targets", [np.zeros((3, 2), dtype=np.int64), np.zeros(0, dtype=np.int64)],
                         ids=["padded", "concatenated"])
def test_ctc_loss_when_every_target_is_empty_is_the_all_blank_path(targets):
    # Every target of length 0: the extended label is the lone blank, which the skip by 2 moves past entirely.
    logits = rng.standard_normal((5, 3, 4))
    in_len, tg_len = np.array([5, 0, 3]), np.zeros(3, dtype=np.int64)
    x, tx = pair(logits)
    y = F.ctc_loss(F.log_softmax(x, axis=2), mg.tensor(targets), in_len, tg_len, blank=2, reduction="none")
    ty = TF.ctc_loss(TF.log_softmax(tx, 2), torch.tensor(targets), torch.tensor(in_len), torch.tensor(tg_len),
                     blank=2, reduction="none")
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-13)
    lp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    assert mg.gradcheck(lambda a: F.ctc_loss(a, mg.tensor(targets), in_len, tg_len, blank=2, reduction="sum"),
                        [mg.tensor(lp, dtype="float64", requires_grad=True)])


def test_unbatched_input_other_blank_and_the_layer():
    logits = rng.standard_normal((7, 4))
    x, tx = pair(logits)
    layer, tlayer = nn.CTCLoss(blank=2, reduction="none"), torch.nn.CTCLoss(blank=2, reduction="none")
    y = layer(F.log_softmax(x, axis=1), mg.tensor(np.array([1, 3, 3])), 7, 3)
    ty = tlayer(TF.log_softmax(tx, 1), torch.tensor([1, 3, 3]), torch.tensor(7), torch.tensor(3))
    assert y.shape == tuple(ty.shape) == ()
    same(y, ty)
    y.backward()
    ty.backward()
    same(x.grad, tx.grad, rtol=1e-10)
    assert repr(layer) == "CTCLoss()" and repr(tlayer) == "CTCLoss()"


def test_float32_stays_float32_and_create_graph_is_refused():
    logits, targets, in_len, tg_len = _case()
    x = mg.tensor(logits.astype(np.float32), requires_grad=True)
    y = F.ctc_loss(F.log_softmax(x, axis=2), mg.tensor(targets), in_len, tg_len, zero_infinity=True)
    y.backward()
    assert y.dtype == x.grad.dtype == np.float32
    ty = TF.ctc_loss(TF.log_softmax(torch.tensor(logits), 2), torch.tensor(targets), torch.tensor(in_len),
                     torch.tensor(tg_len), zero_infinity=True)
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=2e-5)
    x64 = mg.tensor(logits, dtype="float64", requires_grad=True)
    loss = F.ctc_loss(F.log_softmax(x64, axis=2), mg.tensor(targets), in_len, tg_len, zero_infinity=True)
    with pytest.raises(NotImplementedError, match="ctc_loss: second derivatives are not supported"):
        mg.grad(loss, [x64], create_graph=True)


def test_ctc_loss_errors():
    lp = mg.tensor(rng.standard_normal((5, 2, 4)), dtype="float64")
    t = mg.tensor(np.array([[1, 2], [3, 1]]))
    with pytest.raises(ValueError, match="ctc_loss: blank must be in label range \\[0, 4\\), got 4"):
        F.ctc_loss(lp, t, [5, 5], [2, 2], blank=4)
    with pytest.raises(ValueError, match="not the blank \\(0\\)"):
        F.ctc_loss(lp, mg.tensor(np.array([[1, 0], [3, 1]])), [5, 5], [2, 2])
    with pytest.raises(ValueError, match="target labels must be in \\[0, 4\\)"):
        F.ctc_loss(lp, mg.tensor(np.array([[1, 7], [3, 1]])), [5, 5], [2, 2])
    with pytest.raises(ValueError, match="input_lengths must be in \\[0, 5\\]"):
        F.ctc_loss(lp, t, [6, 5], [2, 2])
    with pytest.raises(ValueError, match="input_lengths must have one entry per sample \\(2\\), got 3"):
        F.ctc_loss(lp, t, [5, 5, 5], [2, 2])
    with pytest.raises(ValueError, match="padded targets of shape \\(2, 2\\) must be \\(N=2, S\\) with S at least "
                                         "the longest target length 3"):
        F.ctc_loss(lp, t, [5, 5], [3, 2])
    with pytest.raises(ValueError, match="concatenated targets hold 3 labels but target_lengths add up to 4"):
        F.ctc_loss(lp, mg.tensor(np.array([1, 2, 3])), [5, 5], [2, 2])
    with pytest.raises(TypeError, match="ctc_loss: targets must be integers"):
        F.ctc_loss(lp, mg.tensor(np.ones((2, 2))), [5, 5], [2, 2])
    with pytest.raises(ValueError, match="ctc_loss: reduction must be 'mean', 'sum' or 'none'"):
        F.ctc_loss(lp, t, [5, 5], [2, 2], reduction="max")
    with pytest.raises(ValueError, match="CTCLoss: blank must be a non-negative integer"):
        nn.CTCLoss(blank=-1)


def test_writing_into_the_per_sample_loss_leaves_its_gradient_alone():
    # The node keeps the loss values for its backward; torch refuses the write (its saved output changed), and
    # minigrad's node keeps a copy of its own, so the gradient is that of 2 * loss.
    logits, targets, in_len, tg_len = _case()
    logits, targets, in_len, tg_len = logits[:, :2], targets[:2], in_len[:2], tg_len[:2]   # two finite losses
    tx = torch.tensor(logits, requires_grad=True)
    tloss = TF.ctc_loss(TF.log_softmax(tx, 2), *[torch.tensor(a) for a in (targets, in_len, tg_len)],
                        reduction="none")
    tloss.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        tloss.sum().backward()
    grads = []
    for write in (True, False):
        x = mg.tensor(logits, dtype="float64", requires_grad=True)
        loss = F.ctc_loss(F.log_softmax(x, axis=2), *[mg.tensor(a) for a in (targets, in_len, tg_len)],
                          reduction="none")
        if write:
            loss.mul_(2.0)
        else:
            loss = loss * 2.0
        loss.sum().backward()
        grads.append(x.grad.numpy())
    assert np.isfinite(grads[1]).all()
    np.testing.assert_array_equal(grads[0], grads[1])


def test_ctc_loss_without_time_steps_is_one_clear_error():
    """T = 0 failed inside the forward pass with NumPy's 'index 0 is out of bounds'; torch refuses it too."""
    args = (torch.zeros(2, 0, dtype=torch.int64), torch.zeros(2, dtype=torch.int64), torch.zeros(2, dtype=torch.int64))
    with pytest.raises(RuntimeError, match="must not be empty"):
        torch.nn.functional.ctc_loss(torch.zeros(0, 2, 3, dtype=torch.float64), *args)
    with pytest.raises(ValueError, match=r"^ctc_loss: log_probs of shape \(0, 2, 3\) has no time steps \(T = 0\)$"):
        F.ctc_loss(mg.zeros(0, 2, 3, dtype="float64"), *[mg.tensor(a.numpy()) for a in args])


@pytest.mark.parametrize("targets", [np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int64)])
def test_ctc_loss_of_an_empty_batch_is_nan_or_zero_with_an_empty_gradient(targets):
    """A batch of 0 failed inside the forward pass with NumPy's 'could not broadcast (0, 2) into (0, 1)'. torch
    refuses it ('log_probs tensor must not be empty'); here it takes the other losses' rule: 'none' (0,), 'sum' 0,
    'mean' NaN."""
    x = mg.zeros(4, 0, 3, dtype="float64", requires_grad=True)
    lengths = mg.zeros(0, dtype="int64")
    for reduction, expected in (("none", np.zeros(0)), ("sum", 0.0), ("mean", np.nan)):
        x.grad = None
        loss = F.ctc_loss(x.log_softmax(2), mg.tensor(targets), lengths, lengths, reduction=reduction)
        assert loss.shape == np.shape(expected) and loss.dtype == np.float64
        np.testing.assert_array_equal(loss.numpy(), expected)
        loss.sum().backward()
        assert x.grad.shape == (4, 0, 3) and x.grad.dtype == np.float64
