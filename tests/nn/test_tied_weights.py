"""Embedding/Linear weight tying (``wte.weight = lm_head.weight`` and the reverse): the same values and the same
shared gradient as torch's tied layers, square or not, and torch's layout under both names on export."""
import numpy as np
import pytest
import torch

import minigrad as mg
import minigrad.nn as nn
from minigrad.io.torch_layout import from_torch, to_torch


def _pair(vocab, dim, embedding_first):
    """A minigrad and a torch (embedding, head) pair with one tied float64 weight of equal values."""
    rng = np.random.default_rng(vocab * 10 + dim)
    table = rng.standard_normal((vocab, dim))           # torch's (vocab, dim) layout
    emb, head = nn.Embedding(vocab, dim, dtype=mg.float64), nn.Linear(dim, vocab, bias=False, dtype=mg.float64)
    t_emb, t_head = torch.nn.Embedding(vocab, dim).double(), torch.nn.Linear(dim, vocab, bias=False).double()
    with torch.no_grad():
        t_head.weight.copy_(torch.tensor(table))
    t_emb.weight = t_head.weight
    if embedding_first:                                 # nanoGPT: wte.weight = lm_head.weight
        head.weight.data[...] = table.T
        emb.weight = head.weight
    else:                                               # head.weight = emb.weight
        emb.weight.data[...] = table
        head.weight = emb.weight
    return emb, head, t_emb, t_head


@pytest.mark.parametrize("vocab,dim", [(7, 3), (4, 4)])
@pytest.mark.parametrize("embedding_first", [True, False])
@pytest.mark.parametrize("scale_grad_by_freq", [False, True])   # index 1 repeats: its lookup's share halves
def test_tied_layers_compute_torchs_values_and_shared_gradient(vocab, dim, embedding_first, scale_grad_by_freq):
    emb, head, t_emb, t_head = _pair(vocab, dim, embedding_first)
    emb.scale_grad_by_freq = t_emb.scale_grad_by_freq = scale_grad_by_freq
    index = np.array([[0, vocab - 1, 2], [1, 1, 3]])
    targets = np.array([[1, 0, 2], [3, 2, 0]])
    logits = head(emb(mg.tensor(index)).tanh())
    t_logits = t_head(t_emb(torch.tensor(index)).tanh())
    np.testing.assert_allclose(logits.numpy(), t_logits.detach().numpy(), rtol=1e-13, atol=1e-14)
    mg.nn.functional.cross_entropy(logits.reshape(-1, vocab), mg.tensor(targets.reshape(-1))).backward()
    torch.nn.functional.cross_entropy(t_logits.reshape(-1, vocab), torch.tensor(targets.reshape(-1))).backward()
    shared = emb.weight
    assert shared is head.weight and len(nn.ModuleList([emb, head]).parameters()) == 1
    t_grad = t_head.weight.grad.numpy()                 # (vocab, dim); ours in the layout of the layer that made it
    np.testing.assert_allclose(shared.grad.numpy(), t_grad.T if embedding_first else t_grad, rtol=1e-12,
                               atol=1e-14)


def test_export_gives_torchs_layout_under_both_names():
    model = nn.ModuleDict(dict(wte=nn.Embedding(6, 3), lm_head=nn.Linear(3, 6, bias=False)))
    model.wte.weight = model.lm_head.weight
    state = dict(model.state_dict())
    exported = to_torch(model, state)
    assert exported["wte.weight"].shape == exported["lm_head.weight"].shape == (6, 3)
    np.testing.assert_array_equal(exported["wte.weight"], model.lm_head.weight.numpy().T)
    back = from_torch(model, exported)
    np.testing.assert_array_equal(back["wte.weight"], state["wte.weight"])
    untied = nn.ModuleDict(dict(wte=nn.Embedding(6, 3), lm_head=nn.Linear(3, 6, bias=False)))
    plain = to_torch(untied, dict(untied.state_dict()))
    assert plain["wte.weight"].shape == plain["lm_head.weight"].shape == (6, 3)


def test_a_tie_that_does_not_fit_is_refused_with_the_shapes():
    emb, head = nn.Embedding(5, 3), nn.Linear(4, 5, bias=False)
    emb.weight = head.weight
    with pytest.raises(ValueError, match=r"Embedding: its weight is tied to a weight of layout \(in_features, "
                                         r"out_features\) and shape \(4, 5\), .* must have shape \(3, 5\)"):
        emb(mg.tensor([0, 1]))


@pytest.mark.parametrize("vocab,dim", [(7, 3), (4, 4)])
@pytest.mark.parametrize("embedding_first", [True, False])
def test_load_state_dict_assign_keeps_each_weights_layout(vocab, dim, embedding_first):
    # assign=True puts new Parameters in place; they must keep the layout of the layer that made the weight, or
    # the head reads the (vocab, dim) table untransposed: silently wrong when square (was off by up to 4.7),
    # a matmul error otherwise. torch's assigned model gives the same logits as before.
    emb, head, t_emb, t_head = _pair(vocab, dim, embedding_first)
    model = nn.Sequential(emb, head)
    index = mg.tensor([[0, vocab - 1, 2]])
    before = model(index).numpy()
    model.load_state_dict({k: v.clone() for k, v in model.state_dict().items()}, assign=True)
    t_model = torch.nn.Sequential(t_emb, t_head)
    t_model.load_state_dict({k: v.clone() for k, v in t_model.state_dict().items()}, assign=True)
    np.testing.assert_allclose(model(index).numpy(), before, rtol=0, atol=0)
    np.testing.assert_allclose(model(index).numpy(), t_model(torch.tensor(index.numpy())).detach().numpy(),
                               rtol=1e-13, atol=1e-14)
