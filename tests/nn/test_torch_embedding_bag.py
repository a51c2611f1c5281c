"""nn.EmbeddingBag and F.embedding_bag against torch in float64: the three modes over offsets (with
include_last_offset) and 2-D inputs, empty bags, padding_idx, per_sample_weights (and its gradient), second
derivatives, the layer's state dict, initialisation and printing, float32 kept, and the errors."""
import re

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F
from torch_agreement import grads_match, pair, second_derivatives_match

TF = torch.nn.functional
rng = np.random.default_rng(66)
INDEX = np.array([1, 2, 4, 5, 4, 3, 2, 9, 0, 4])

BAGS = [  # offsets, include_last_offset, padding_idx
    ([0, 2, 2, 5], False, None), ([0, 3, 7, 10], True, None), ([0, 2, 5], False, 4), ([0, 0, 10], True, 2),
    ([0, 2, 5, 6], True, -1), ([0], False, None), ([0, 10], False, 4),
]


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("offsets, last, padding_idx", BAGS)
def test_embedding_bag_over_offsets_matches_torch(mode, offsets, last, padding_idx):
    w, tw = pair(rng.standard_normal((10, 3)))
    y = F.embedding_bag(mg.tensor(INDEX), w, mg.tensor(np.array(offsets)), mode=mode, include_last_offset=last,
                        padding_idx=padding_idx)
    ty = TF.embedding_bag(torch.tensor(INDEX), tw, torch.tensor(offsets), mode=mode, include_last_offset=last,
                          padding_idx=padding_idx)
    grads_match(y, ty, [w], [tw], rng)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_over_rows_of_a_2d_input_matches_torch(mode):
    index = rng.integers(0, 7, (4, 3))
    index[1] = 5   # a bag of padding only
    w, tw = pair(rng.standard_normal((7, 5)))
    for padding_idx in (None, 5):
        y = F.embedding_bag(mg.tensor(index), w, mode=mode, padding_idx=padding_idx)
        ty = TF.embedding_bag(torch.tensor(index), tw, mode=mode, padding_idx=padding_idx)
        grads_match(y, ty, [w], [tw], rng)
        w.grad = tw.grad = None


def test_per_sample_weights_match_torch_values_and_both_gradients():
    w, tw = pair(rng.standard_normal((10, 4)))
    p, tp = pair(rng.standard_normal(10))
    y = F.embedding_bag(mg.tensor(INDEX), w, mg.tensor(np.array([0, 4, 4, 7])), mode="sum", per_sample_weights=p,
                        padding_idx=4)
    ty = TF.embedding_bag(torch.tensor(INDEX), tw, torch.tensor([0, 4, 4, 7]), mode="sum", per_sample_weights=tp,
                          padding_idx=4)
    grads_match(y, ty, [w, p], [tw, tp], rng)
    p2, tp2 = pair(rng.standard_normal((2, 5)))
    layer = nn.EmbeddingBag(10, 4, mode="sum", dtype="float64")
    tlayer = torch.nn.EmbeddingBag(10, 4, mode="sum").double()
    layer.weight.data[...] = tlayer.weight.detach().numpy()
    grads_match(layer(mg.tensor(INDEX.reshape(2, 5)), per_sample_weights=p2),
                tlayer(torch.tensor(INDEX.reshape(2, 5)), per_sample_weights=tp2), [p2, layer.weight],
                [tp2, tlayer.weight], rng)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_second_derivatives_match_torch(mode):
    offsets = [0, 3, 3, 6]
    if mode == "sum":
        def ours(w, p):
            return F.embedding_bag(mg.tensor(INDEX), w * w, mg.tensor(np.array(offsets)), mode="sum",
                                   per_sample_weights=p * p, padding_idx=2)

        def theirs(w, p):   # torch has no second derivative through per_sample_weights: its composition
            keep = torch.tensor(INDEX != 2)
            bag = torch.tensor(np.searchsorted(offsets, np.arange(10), side="right") - 1)[keep]
            rows = (w * w)[torch.tensor(INDEX)[keep]] * (p * p)[keep, None]
            return torch.zeros(4, 3, dtype=torch.float64).index_add(0, bag, rows)

        arrays = [rng.standard_normal((10, 3)), rng.standard_normal(10)]
    else:
        def ours(w):
            return F.embedding_bag(mg.tensor(INDEX), w * w * w, mg.tensor(np.array(offsets)), mode=mode)

        def theirs(w):
            return TF.embedding_bag(torch.tensor(INDEX), w * w * w, torch.tensor(offsets), mode=mode)

        arrays = [rng.standard_normal((10, 3))]
    second_derivatives_match(ours, theirs, arrays, rng)


def test_layer_state_dict_initialisation_printing_and_float32():
    layer, theirs = nn.EmbeddingBag(6, 3, mode="max", padding_idx=-2), torch.nn.EmbeddingBag(6, 3, mode="max",
                                                                                            padding_idx=-2)
    assert repr(layer) == "EmbeddingBag(6, 3, mode='max', padding_idx=4)  # 18 params"
    assert repr(theirs) == "EmbeddingBag(6, 3, mode='max', padding_idx=4)"
    assert list(layer.state_dict()) == list(theirs.state_dict()) == ["weight"]
    assert layer.weight.dtype == np.float32 and layer.weight.shape == (6, 3) and not layer.weight.numpy()[4].any()
    mg.manual_seed(0)
    big = nn.EmbeddingBag(200, 50)
    assert abs(big.weight.numpy().mean()) < 0.02 and abs(big.weight.numpy().std() - 1) < 0.02   # N(0, 1)
    y = layer(mg.tensor(np.array([[0, 1], [2, 3]])))
    assert y.dtype == np.float32 and y.shape == (2, 3)
    start = rng.standard_normal((6, 3))
    given = nn.EmbeddingBag(6, 3, _weight=mg.tensor(start, dtype="float64"))
    np.testing.assert_array_equal(given.weight.numpy(), start)
    assert repr(nn.EmbeddingBag(10, 3)).startswith("EmbeddingBag(10, 3, mode='mean')")


def test_embedding_bag_errors():
    w = mg.tensor(rng.standard_normal((10, 3)), dtype="float64")
    i = mg.tensor(INDEX)
    with pytest.raises(ValueError, match="offsets\\[0\\] has to be 0"):
        F.embedding_bag(i, w, mg.tensor(np.array([1, 2])))
    with pytest.raises(ValueError, match="offsets\\[-1\\] can not be greater than input's length 10 but got "
                                         "offsets\\[-1\\] of 11"):
        F.embedding_bag(i, w, mg.tensor(np.array([0, 11])))
    with pytest.raises(RuntimeError, match="offsets\\[-1\\] can not be greater"):
        TF.embedding_bag(torch.tensor(INDEX), torch.tensor(w.numpy()), torch.tensor([0, 11]))
    with pytest.raises(ValueError, match="offsets must be non-decreasing"):   # torch reads out of its bag there
        F.embedding_bag(i, w, mg.tensor(np.array([0, 5, 3])))
    with pytest.raises(ValueError, match="offsets has to be a 1-D Tensor but got None"):
        F.embedding_bag(i, w)
    with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
        F.embedding_bag(mg.tensor(INDEX.reshape(2, 5)), w, mg.tensor(np.array([0])))
    with pytest.raises(NotImplementedError, match="per_sample_weights is only supported for mode='sum'"):
        F.embedding_bag(i, w, mg.tensor(np.array([0])), per_sample_weights=mg.ones(10, dtype="float64"))
    with pytest.raises(ValueError, match="If per_sample_weights \\(\\(9,\\)\\) is not None, then it must have the "
                                         "same shape as the input \\(\\(10,\\)\\)"):
        F.embedding_bag(i, w, mg.tensor(np.array([0])), mode="sum", per_sample_weights=mg.ones(9, dtype="float64"))
    with pytest.raises(ValueError, match="mode has to be one of sum, mean or max"):
        F.embedding_bag(i, w, mg.tensor(np.array([0])), mode="min")
    with pytest.raises(ValueError, match="padding_idx must be within the number of embeddings, -10 through 9, but "
                                         "got 10"):
        F.embedding_bag(i, w, mg.tensor(np.array([0])), padding_idx=10)
    with pytest.raises(IndexError, match="embedding_bag: index 11 is out of range for 10 embeddings"):
        F.embedding_bag(mg.tensor(np.array([1, 11])), w, mg.tensor(np.array([0])))
    with pytest.raises(TypeError, match="embedding_bag: input indices must be integers"):
        F.embedding_bag(mg.tensor(np.array([1.0, 2.0])), w, mg.tensor(np.array([0])))
    with pytest.raises(ValueError, match="^EmbeddingBag: sparse gradients are not supported"):
        nn.EmbeddingBag(10, 3, sparse=True)
    with pytest.raises(ValueError, match="^embedding_bag: sparse gradients are not supported"):
        F.embedding_bag(i, w, mg.tensor(np.array([0])), sparse=True)
    with pytest.raises(ValueError, match="EmbeddingBag: mode has to be one of sum, mean or max"):
        nn.EmbeddingBag(10, 3, mode="prod")


@pytest.mark.parametrize("kw", [dict(), dict(freeze=False, mode="sum"),
                                dict(mode="max", padding_idx=2, include_last_offset=True)])
def test_embedding_bag_from_pretrained_as_torch(kw):
    """EmbeddingBag.from_pretrained: the table as given (its padding row too), frozen unless freeze=False, with the
    layer's other arguments, as torch's."""
    table = np.random.default_rng(9).standard_normal((6, 3))
    ours = nn.EmbeddingBag.from_pretrained(mg.tensor(table, dtype="float64"), **kw)
    theirs = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(table), **kw)
    index, offsets = np.array([1, 2, 3, 4, 2, 5]), np.array([0, 2, 4])
    np.testing.assert_array_equal(ours(mg.tensor(index), mg.tensor(offsets)).numpy(),
                                  theirs(torch.tensor(index), torch.tensor(offsets)).detach().numpy())
    assert ours.weight.requires_grad == theirs.weight.requires_grad
    assert (ours.mode, ours.padding_idx, ours.include_last_offset) == \
        (theirs.mode, theirs.padding_idx, theirs.include_last_offset)
    np.testing.assert_array_equal(ours.weight.numpy(), table)
    with pytest.raises(ValueError, match=r"^EmbeddingBag.from_pretrained: embeddings must be 2-D"):
        nn.EmbeddingBag.from_pretrained(mg.zeros(3))


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("bad", [-1, -10, 10])
@pytest.mark.parametrize("two_d", [False, True])
def test_an_index_outside_the_table_is_refused_in_every_mode(mode, bad, two_d):
    # mode='max' read weight[-1] (the last row) for an index -1 and gave numpy's bare IndexError for 10; torch
    # refuses both in every mode.
    w = rng.standard_normal((10, 3))
    index = np.array([[1, bad, 0], [2, 3, 4]]) if two_d else np.array([1, bad, 0, 2])
    offsets = None if two_d else np.array([0, 2])
    with pytest.raises(RuntimeError):
        TF.embedding_bag(torch.tensor(index), torch.tensor(w), None if two_d else torch.tensor(offsets), mode=mode)
    with pytest.raises(IndexError, match=f"embedding_bag: index {bad} is out of range for 10 embeddings "
                                         f"\\(indices of shape {re.escape(str(index.shape))}\\)"):
        F.embedding_bag(mg.tensor(index), mg.tensor(w, dtype="float64"),
                        None if two_d else mg.tensor(offsets), mode=mode)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("input_shape, offsets", [((0, 4), None), ((0,), np.zeros(0, dtype=np.int64))])
def test_no_bags_give_an_empty_output_on_the_graph_as_torch(mode, input_shape, offsets):
    """With no bags the output was a constant, so loss.backward() of a batch of 0 raised 'does not require grad';
    torch's output stays on the graph and the weight gets a zero gradient."""
    w, tw = pair(np.arange(15.0).reshape(5, 3))
    index = np.zeros(input_shape, dtype=np.int64)
    ours = F.embedding_bag(mg.tensor(index), w, None if offsets is None else mg.tensor(offsets), mode=mode)
    theirs = torch.nn.functional.embedding_bag(torch.tensor(index), tw,
                                               None if offsets is None else torch.tensor(offsets), mode=mode)
    assert ours.shape == tuple(theirs.shape) == (0, 3) and ours.dtype == np.float64
    assert ours.requires_grad and theirs.requires_grad
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), tw.grad.numpy())
    assert w.grad.shape == (5, 3) and w.grad.dtype == np.float64
