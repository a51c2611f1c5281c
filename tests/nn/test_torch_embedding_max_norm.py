"""``max_norm`` of F.embedding, nn.Embedding, F.embedding_bag and nn.EmbeddingBag against torch in float64.

torch rescales in place, without gradient, each row that is looked up (once, however often it repeats) whose
``norm_type``-norm exceeds ``max_norm``, by max_norm / (norm + 1e-7), before the lookup: the outputs, the weight
after the call and the weight's gradient are compared, and so is the version-counter behaviour (a graph that saved
the weight refuses to backward once a row was rescaled, and only then).
"""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F
from torch_agreement import grads_match, pair, same

torch = pytest.importorskip("torch")
TF = torch.nn.functional
rng = np.random.default_rng(315)
INDEX = np.array([[1, 3, 1, 6], [5, 3, 0, 1]])   # 1 and 3 repeat; 2 and 4 are not looked up
LOOKED_UP = [0, 1, 3, 5, 6]


def table(*shape):
    a = rng.standard_normal(shape) * 1.5
    a[5, :2] = 0.0   # a row of two nonzeros (its 0-norm 2, its negative-order norms 0)
    return a


def halfway(a, norm_type):
    """A max_norm between the smallest and the largest norm of the rows looked up (torch's norms)."""
    norms = torch.linalg.vector_norm(torch.tensor(a[LOOKED_UP]), norm_type, dim=1)
    return float(norms.min() + norms.max()) / 2


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, 0.5, math.inf, -math.inf, 0, -1.0])
@pytest.mark.parametrize("padding_idx", [None, 3])
def test_embedding_max_norm_renormalizes_the_rows_looked_up_as_torch(norm_type, padding_idx):
    a = table(7, 4)
    w, tw = pair(a)
    max_norm = halfway(a, norm_type)
    y = F.embedding(mg.tensor(INDEX), w, padding_idx, max_norm, norm_type)
    ty = TF.embedding(torch.tensor(INDEX), tw, padding_idx, max_norm, norm_type)
    same(w.detach(), tw)   # the weight itself, rescaled in place
    changed = np.flatnonzero((w.numpy() != a).any(axis=1))
    assert set(changed) < set(LOOKED_UP) and len(changed) >= 1   # only rows looked up, and not all of them
    grads_match(y, ty, [w], [tw], rng)


def test_a_repeated_index_rescales_its_row_once_and_a_second_lookup_leaves_it():
    a = np.array([[3.0, 4.0], [0.3, 0.4]])
    w, tw = pair(a)
    index = np.array([0, 0, 0, 1, 0])
    for _ in range(2):
        y = F.embedding(mg.tensor(index), w, max_norm=2.0)
        ty = TF.embedding(torch.tensor(index), tw, max_norm=2.0)
        same(y, ty)
        same(w.detach(), tw)
    np.testing.assert_allclose(w.numpy()[0], a[0] * 2.0 / (5.0 + 1e-7), rtol=1e-15)
    np.testing.assert_array_equal(w.numpy()[1], a[1])


@pytest.mark.parametrize("max_norm", [100.0, 1.0])
def test_renorm_is_a_stamped_write_even_when_no_row_changes_as_torchs_version_counter(max_norm):
    # torch bumps the version of any in-place op, so even max_norm=100 (no row over it) counts as a write
    w, tw = pair(table(7, 4))
    loss, tloss = (w * w).sum(), (tw * tw).sum()   # saves the weight for its backward
    F.embedding(mg.tensor(INDEX), w, max_norm=max_norm)
    TF.embedding(torch.tensor(INDEX), tw, max_norm=max_norm)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        tloss.backward()
    with pytest.raises(RuntimeError, match="in place"):
        loss.backward()
    fresh = (w * w).sum()   # a graph recorded after the write is unaffected
    fresh.backward()
    np.testing.assert_array_equal(w.grad.numpy(), 2 * w.numpy())


@pytest.mark.parametrize("mode", [None, "sum", "mean", "max"])
def test_a_max_norm_table_looked_up_twice_in_one_graph_backpropagates_as_torch(mode):
    # the second lookup's renorm wrote the table the first lookup's node held, so backward refused; that node
    # (Embedding; GetItem for 'max') reads only the table's shape (torch's backward saves no weight either)
    a = table(7, 4)
    if mode is None:
        ours = nn.Embedding(7, 4, max_norm=1.0, dtype="float64")
        theirs = torch.nn.Embedding(7, 4, max_norm=1.0, dtype=torch.float64)
    else:
        ours = nn.EmbeddingBag(7, 4, max_norm=1.0, mode=mode, dtype="float64")
        theirs = torch.nn.EmbeddingBag(7, 4, max_norm=1.0, mode=mode, dtype=torch.float64)
    ours.weight.data[...] = a
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(a))
    first, second = INDEX[:, :2], INDEX[:, 1:]   # row 3 in both
    loss = (ours(mg.tensor(first)) ** 2).sum() + (ours(mg.tensor(second)) ** 3).sum()
    tloss = (theirs(torch.tensor(first)) ** 2).sum() + (theirs(torch.tensor(second)) ** 3).sum()
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-14)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-13, atol=1e-15)
    same(ours.weight.detach(), theirs.weight)


def test_embedding_max_norm_keeps_float32():
    a = table(7, 4).astype(np.float32)
    w, tw = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y = F.embedding(mg.tensor(INDEX), w, max_norm=1.0, norm_type=3.0)
    ty = TF.embedding(torch.tensor(INDEX), tw, max_norm=1.0, norm_type=3.0)
    assert y.dtype == w.dtype == np.float32
    np.testing.assert_allclose(w.numpy(), tw.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-6)


def test_nn_embedding_max_norm_matches_torch_and_prints_it():
    a = table(7, 4)
    ours = nn.Embedding(7, 4, max_norm=1.5, norm_type=1.0, dtype="float64")
    theirs = torch.nn.Embedding(7, 4, max_norm=1.5, norm_type=1.0, dtype=torch.float64)
    ours.weight.data[...] = a
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(a))
    grads_match(ours(mg.tensor(INDEX)), theirs(torch.tensor(INDEX)), [ours.weight], [theirs.weight], rng)
    same(ours.weight.detach(), theirs.weight)
    assert ours.extra_repr() == theirs.extra_repr() == "7, 4, max_norm=1.5, norm_type=1.0"
    pre = nn.Embedding.from_pretrained(mg.tensor(a, dtype="float64"), max_norm=1.0)
    tpre = torch.nn.Embedding.from_pretrained(torch.tensor(a), max_norm=1.0)
    same(pre(mg.tensor(INDEX)), tpre(torch.tensor(INDEX)))
    same(pre.weight.detach(), tpre.weight)


def tied_pair():
    """An Embedding with max_norm sharing a Linear's (in, out) weight (4, 7), and torch's Embedding of that table."""
    a = table(7, 4)
    head = nn.Linear(4, 7, bias=False, dtype="float64")   # minigrad's (in, out) layout: weight (4, 7)
    head.weight.data[...] = a.T
    emb = nn.Embedding(7, 4, max_norm=1.0, dtype="float64")
    emb.weight = head.weight
    theirs = torch.nn.Embedding(7, 4, max_norm=1.0, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(a))
    return head, emb, theirs


def test_a_tied_embedding_renormalizes_the_linear_weight_it_shares():
    head, emb, theirs = tied_pair()
    same(emb(mg.tensor(INDEX)), theirs(torch.tensor(INDEX)))
    np.testing.assert_allclose(head.weight.numpy().T, theirs.weight.detach().numpy(), rtol=1e-15)


def test_a_tied_embedding_with_max_norm_backpropagates_into_the_shared_weight_as_torch():
    # the renorm wrote the shared table after its transposed view entered the graph, so backward refused
    head, emb, theirs = tied_pair()
    y, ty = emb(mg.tensor(INDEX)), theirs(torch.tensor(INDEX))
    g = rng.standard_normal(INDEX.shape + (4,))
    y.backward(mg.tensor(g, dtype="float64"))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(head.weight.grad.numpy().T, theirs.weight.grad.numpy(), rtol=1e-15)
    np.testing.assert_allclose(head.weight.numpy().T, theirs.weight.detach().numpy(), rtol=1e-15)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("norm_type", [2.0, math.inf])
def test_embedding_bag_max_norm_renormalizes_every_row_looked_up_padding_too_as_torch(mode, norm_type):
    index, offsets = INDEX.reshape(-1), np.array([0, 3, 3, 5])
    w, tw = pair(table(7, 4))
    y = F.embedding_bag(mg.tensor(index), w, mg.tensor(offsets), 1.0, norm_type, mode=mode, padding_idx=3)
    ty = TF.embedding_bag(torch.tensor(index), tw, torch.tensor(offsets), 1.0, norm_type, mode=mode, padding_idx=3)
    same(w.detach(), tw)
    grads_match(y, ty, [w], [tw], rng)


def test_nn_embedding_bag_max_norm_matches_torch_and_prints_it():
    a = table(7, 4)
    ours = nn.EmbeddingBag(7, 4, max_norm=1.0, mode="sum", dtype="float64")
    theirs = torch.nn.EmbeddingBag(7, 4, max_norm=1.0, mode="sum", dtype=torch.float64)
    ours.weight.data[...] = a
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(a))
    grads_match(ours(mg.tensor(INDEX)), theirs(torch.tensor(INDEX)), [ours.weight], [theirs.weight], rng)
    same(ours.weight.detach(), theirs.weight)
    assert ours.extra_repr() == theirs.extra_repr() == "7, 4, max_norm=1.0, mode='sum'"


def test_max_norm_errors_name_the_op_and_write_nothing():
    a = table(7, 4)
    w = mg.tensor(a, dtype="float64")
    with pytest.raises(TypeError, match=r"^embedding: max_norm must be a real number, got '1'"):
        F.embedding(mg.tensor(INDEX), w, max_norm="1")
    with pytest.raises(TypeError, match=r"^Embedding: norm_type must be a real number, got None"):
        nn.Embedding(7, 4, max_norm=1.0, norm_type=None)
    with pytest.raises(IndexError, match=r"^embedding_bag: index 9 is out of range for 7 embeddings"):
        F.embedding_bag(mg.tensor(np.array([0, 9])), w, mg.tensor(np.array([0])), max_norm=0.1)
    with pytest.raises(IndexError, match=r"^embedding: index 7 is out of range for 7 embeddings"):
        F.embedding(mg.tensor(np.array([0, 7])), w, max_norm=0.1)
    np.testing.assert_array_equal(w.numpy(), a)


def test_a_non_leaf_weight_is_rescaled_and_its_leaf_gets_the_lookups_gradient_as_torch():
    a = table(7, 4)
    w, tw = pair(a)
    v, tv = w * 2.0, tw * 2.0   # the product's node saved w, not v: the write into v leaves its backward valid
    y = F.embedding(mg.tensor(INDEX), v, max_norm=1.0)
    ty = TF.embedding(torch.tensor(INDEX), tv, max_norm=1.0)
    same(v.detach(), tv)
    np.testing.assert_array_equal(w.numpy(), a)
    grads_match(y * y, ty * ty, [w], [tw], rng)
