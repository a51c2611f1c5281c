"""``scale_grad_by_freq`` of F.embedding, nn.Embedding, the top-level embedding, F.embedding_bag and nn.EmbeddingBag
against torch in float64.

The gradient each position sends to its weight row is divided by how often its index occurs in the whole index
tensor of that call. That is not the derivative (by design), so gradcheck of the weight holds only where no index
repeats; the gradient itself is a linear map of the output gradient, whose derivatives (create_graph) gradgradcheck
checks. torch's double backward of it is the unscaled lookup (its gradgradcheck fails on a repeated index); minigrad's
is the scaled map's own. torch 2.13's CPU EmbeddingBag divides by the wrong count when an index that occurs once sorts
after a repeated one (pytorch/pytorch#190063): there the bag is compared with torch's F.embedding, whose count is right.
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck
from minigrad.nn import functional as F
from torch_agreement import TOL, pair

torch = pytest.importorskip("torch")
TF = torch.nn.functional
rng = np.random.default_rng(3107)


def on(array, device):
    """A minigrad float64 leaf on ``device`` that requires grad."""
    return mg.tensor(array, dtype="float64", device=device, requires_grad=True)


def close(ours, theirs):
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else theirs
    ours = ours.numpy()
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, **TOL[str(ours.dtype)])


def weight_grads(ours, theirs, w, tw, cot, device):
    """The outputs agree, and so do the weight's gradients after the same cotangent."""
    close(ours, theirs)
    ours.backward(mg.tensor(cot, dtype=str(ours.dtype), device=device))
    theirs.backward(torch.tensor(cot))
    close(w.grad, tw.grad)


@pytest.mark.parametrize("shape", [(9,), (4, 6), (2, 3, 5), (0,), (3, 0)])
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_functional_embedding_scales_each_rows_gradient_by_its_count_as_torch(shape, padding_idx, device):
    a, index = rng.standard_normal((7, 3)), rng.integers(0, 7, shape)
    index.flat[:3] = [2, 2, 6][: index.size]   # the padding index repeats, and so does another
    w, tw = on(a, device), torch.tensor(a, requires_grad=True)
    ours = F.embedding(mg.tensor(index, device=device), w, padding_idx, scale_grad_by_freq=True)
    theirs = TF.embedding(torch.tensor(index), tw, padding_idx, scale_grad_by_freq=True)
    weight_grads(ours, theirs, w, tw, rng.standard_normal(shape + (3,)), device)


def test_the_count_is_over_the_whole_index_tensor_and_the_padding_row_gets_nothing():
    index = np.array([[0, 1, 1], [2, 1, 0]])
    w = on(np.zeros((4, 2)), None)
    F.embedding(mg.tensor(index), w, scale_grad_by_freq=True).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy()[:, 0], [1.0, 1.0, 1.0, 0.0])   # 2/2, 3/3, 1/1, not looked up
    w.grad = None
    F.embedding(mg.tensor(index), w, 1, scale_grad_by_freq=True).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy()[:, 0], [1.0, 0.0, 1.0, 0.0])
    g = np.arange(12.0).reshape(2, 3, 2)
    w.grad = None
    F.embedding(mg.tensor(index), w, scale_grad_by_freq=True).backward(mg.tensor(g, dtype="float64"))
    np.testing.assert_allclose(w.grad.numpy(), [[(0 + 10) / 2, (1 + 11) / 2], [(2 + 4 + 8) / 3, (3 + 5 + 9) / 3],
                                                [6, 7], [0, 0]], rtol=1e-15)


@pytest.mark.parametrize("kw", [dict(padding_idx=3), dict(max_norm=1.2), dict(max_norm=0.8, norm_type=1.0,
                                                                             padding_idx=-2)])
def test_nn_embedding_scales_by_frequency_as_torch(kw, device):
    index = rng.integers(0, 6, (5, 4))
    index[0, :3] = 3
    ours, theirs = nn.Embedding(6, 3, scale_grad_by_freq=True, dtype="float64", device=device, **kw), \
        torch.nn.Embedding(6, 3, scale_grad_by_freq=True, dtype=torch.float64, **kw)
    a = rng.standard_normal((6, 3))
    ours.weight.data[...] = mg.tensor(a, dtype="float64", device=device).data
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(a))
    weight_grads(ours(mg.tensor(index, device=device)), theirs(torch.tensor(index)), ours.weight, theirs.weight,
                 rng.standard_normal((5, 4, 3)), device)
    close(ours.weight.detach(), theirs.weight)   # max_norm's renorm, in place, as torch's
    assert str(ours).split("  #")[0] == str(theirs)


def test_each_call_counts_its_own_indices():
    # one layer called twice in one graph: each lookup divides by its own counts, as torch's
    a, first, second = rng.standard_normal((5, 2)), np.array([1, 1, 1, 4]), np.array([1, 4, 4, 0, 1])
    ours, theirs = nn.Embedding.from_pretrained(a, freeze=False, scale_grad_by_freq=True), \
        torch.nn.Embedding.from_pretrained(torch.tensor(a), freeze=False, scale_grad_by_freq=True)
    assert ours.scale_grad_by_freq is True and str(ours).split("  #")[0] == str(theirs)
    g1, g2 = rng.standard_normal((4, 2)), rng.standard_normal((5, 2))
    loss = (ours(mg.tensor(first)) * mg.tensor(g1, dtype="float64")).sum() + (
        ours(mg.tensor(second)) * mg.tensor(g2, dtype="float64")).sum()
    tloss = (theirs(torch.tensor(first)) * torch.tensor(g1)).sum() + (theirs(torch.tensor(second)) *
                                                                      torch.tensor(g2)).sum()
    loss.backward()
    tloss.backward()
    close(ours.weight.grad, theirs.weight.grad)
    ours.weight.grad, theirs.weight.grad = None, None   # a second step: the counts are the new call's
    ours(mg.tensor(second)).backward(mg.tensor(g2, dtype="float64"))
    theirs(torch.tensor(second)).backward(torch.tensor(g2))
    close(ours.weight.grad, theirs.weight.grad)


def test_top_level_embedding_scales_by_frequency_as_torch():
    a, index = rng.standard_normal((5, 3)), np.array([[0, 2, 2], [2, 4, 0]])
    for padding_idx in (-1, 0):
        w, tw = pair(a)
        ours = mg.embedding(w, mg.tensor(index), padding_idx, True)
        theirs = torch.embedding(tw, torch.tensor(index), padding_idx, True)
        weight_grads(ours, theirs, w, tw, rng.standard_normal((2, 3, 3)), None)


def test_float32_stays_float32(device):
    a, index = rng.standard_normal((6, 4)).astype(np.float32), rng.integers(0, 6, (7, 3))
    w = mg.tensor(a, device=device, requires_grad=True)
    tw = torch.tensor(a, requires_grad=True)
    ours = F.embedding(mg.tensor(index, device=device), w, scale_grad_by_freq=True)
    theirs = TF.embedding(torch.tensor(index), tw, scale_grad_by_freq=True)
    weight_grads(ours, theirs, w, tw, rng.standard_normal((7, 3, 4)).astype(np.float32), device)
    assert w.grad.dtype == np.float32


def lookup(index, padding_idx=None):
    """F.embedding with scale_grad_by_freq as a function of the weight; the padding row (which gets no gradient by
    definition, not by calculus) zeroed first, so its derivative is 0 too and finite differences check the rest."""
    def fn(w):
        keep = np.ones((w.shape[0], 1))
        if padding_idx is not None:
            keep[padding_idx] = 0.0
        w = w * mg.tensor(keep, dtype="float64", device=w.device)
        return F.embedding(mg.tensor(index, device=w.device), w, padding_idx, scale_grad_by_freq=True)
    return fn


@pytest.mark.parametrize("padding_idx", [None, 1])
def test_gradcheck_of_the_weight_holds_where_no_index_repeats(padding_idx, device):
    # 1, the padding index, repeats: its count changes no other row's
    index = np.array([[3, 1], [4, 1]]) if padding_idx is not None else np.array([[3, 0], [4, 1]])
    assert gradcheck(lookup(index, padding_idx), (on(rng.standard_normal((5, 2)), device),), atol=1e-7, rtol=1e-6)


def test_the_gradient_is_not_the_derivative_where_an_index_repeats(device):
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradcheck(lookup(np.array([3, 0, 3])), (on(rng.standard_normal((5, 2)), device),), atol=1e-7, rtol=1e-6)


@pytest.mark.parametrize("padding_idx", [None, 4])
def test_gradgradcheck_of_the_weight_with_repeated_indices(padding_idx, device):
    # The derivatives of v -> v^T J (J: the scaled gradient) with respect to the weight (none) and v (the scaled
    # lookup), checked against finite differences of the first derivative.
    index = np.array([[1, 1, 0], [4, 1, 0], [4, 2, 1]])
    assert gradgradcheck(lookup(index, padding_idx), (on(rng.standard_normal((5, 3)), device),), atol=1e-7,
                         rtol=1e-6)


def test_the_gradients_derivative_is_the_scaled_lookup_where_torchs_is_not():
    index, a = np.array([0, 1, 1, 2, 1, 0]), rng.standard_normal((3, 2))
    g, u = rng.standard_normal((6, 2)), rng.standard_normal((3, 2))
    w, gy = on(a, None), on(g, None)
    (dw,) = mg.autograd.grad(F.embedding(mg.tensor(index), w, scale_grad_by_freq=True), w, gy, create_graph=True)
    (dgy,) = mg.autograd.grad((dw * mg.tensor(u, dtype="float64")).sum(), gy)
    counts = np.bincount(index)[index][:, None]
    np.testing.assert_allclose(dgy.numpy(), u[index] / counts, rtol=1e-15)
    tw, tg = torch.tensor(a, requires_grad=True), torch.tensor(g, requires_grad=True)
    (tdw,) = torch.autograd.grad(TF.embedding(torch.tensor(index), tw, scale_grad_by_freq=True), tw, tg,
                                 create_graph=True)
    (tdgy,) = torch.autograd.grad((tdw * torch.tensor(u)).sum(), tg)
    close(dw, tdw)   # the first derivative agrees
    np.testing.assert_allclose(tdgy.numpy(), u[index], rtol=1e-15)   # torch's second: unscaled


def bag_reference(index, a, offsets, mode, per_sample_weights, padding_idx, include_last_offset):
    """torch's embedding_bag built from TF.embedding (whose counts are right) and index_add, with its gradient."""
    tw = torch.tensor(a, requires_grad=True)
    idx = torch.tensor(index).reshape(-1)
    if index.ndim == 2:
        bag, bags = torch.arange(index.shape[0]).repeat_interleave(index.shape[1]), index.shape[0]
    else:
        starts = torch.tensor(offsets[:-1] if include_last_offset else offsets)
        bag, bags = torch.searchsorted(starts, torch.arange(len(idx)), right=True) - 1, len(starts)
    rows = TF.embedding(idx, tw, padding_idx, scale_grad_by_freq=True)
    kept = torch.ones(len(idx), dtype=torch.float64) if padding_idx is None else (idx != padding_idx).double()
    if per_sample_weights is not None:
        rows = rows * torch.tensor(per_sample_weights).reshape(-1, 1)
    total = torch.zeros(bags, a.shape[1], dtype=torch.float64).index_add(0, bag, rows * kept[:, None])
    if mode == "mean":
        total = total / torch.zeros(bags, dtype=torch.float64).index_add(0, bag, kept).clamp(min=1)[:, None]
    return total, tw


BAG_INDEX = np.array([0, 1, 1, 2, 1, 0, 5, 3, 3])   # 2 occurs once and sorts after the repeated 0 and 1


@pytest.mark.parametrize("mode, weighted", [("sum", False), ("mean", False), ("sum", True)])
@pytest.mark.parametrize("kw", [dict(offsets=np.array([0, 2, 2, 6])), dict(offsets=np.array([0, 4, 9]),
                                                                            include_last_offset=True),
                                dict(offsets=np.array([0, 3]), padding_idx=1), dict(shape=(3, 3), padding_idx=-1)])
def test_embedding_bag_scales_each_rows_gradient_by_its_count(mode, weighted, kw, device):
    kw = dict(kw)
    index = BAG_INDEX.reshape(kw.pop("shape", (-1,)))
    offsets, include_last_offset = kw.pop("offsets", None), kw.pop("include_last_offset", False)
    padding_idx = kw.pop("padding_idx", None)
    padding_idx = None if padding_idx is None else padding_idx % 6
    a, psw = rng.standard_normal((6, 3)), rng.standard_normal(index.shape) if weighted else None
    w = on(a, device)
    ours = F.embedding_bag(mg.tensor(index, device=device), w,
                           None if offsets is None else mg.tensor(offsets, device=device), scale_grad_by_freq=True,
                           mode=mode, per_sample_weights=None if psw is None else mg.tensor(psw, dtype="float64",
                                                                                           device=device),
                           include_last_offset=include_last_offset, padding_idx=padding_idx)
    theirs, tw = bag_reference(index, a, offsets, mode, psw, padding_idx, include_last_offset)
    direct = TF.embedding_bag(torch.tensor(index), torch.tensor(a), None if offsets is None else
                              torch.tensor(offsets), mode=mode, per_sample_weights=None if psw is None else
                              torch.tensor(psw), include_last_offset=include_last_offset, padding_idx=padding_idx,
                              scale_grad_by_freq=True)
    close(ours, direct)   # torch's own values: the reference is built right
    weight_grads(ours, theirs, w, tw, rng.standard_normal(tuple(theirs.shape)), device)


@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_nn_embedding_bag_agrees_with_torchs_where_its_cpu_kernel_counts_right(mode):
    # every index occurs twice: torch's miscount (pytorch/pytorch#190063) then reads the right count
    index, offsets, a = np.array([4, 0, 2, 0, 4, 2, 5, 5]), np.array([0, 3, 3, 5]), rng.standard_normal((6, 2))
    ours = nn.EmbeddingBag.from_pretrained(a, freeze=False, scale_grad_by_freq=True, mode=mode, padding_idx=5)
    theirs = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(a), freeze=False, scale_grad_by_freq=True,
                                                   mode=mode, padding_idx=5)
    assert str(ours).split("  #")[0] == str(theirs)
    weight_grads(ours(mg.tensor(index), mg.tensor(offsets)), theirs(torch.tensor(index), torch.tensor(offsets)),
                 ours.weight, theirs.weight, rng.standard_normal((4, 2)), None)


def test_torchs_cpu_embedding_bag_miscounts_where_minigrad_does_not():
    # pytorch/pytorch#190063's example: index 3 occurs once, after the twice-occurring 1
    index, offsets = np.array([1, 1, 3]), np.array([0])
    w, tw = on(np.ones((4, 3)), None), torch.ones(4, 3, dtype=torch.float64, requires_grad=True)
    F.embedding_bag(mg.tensor(index), w, mg.tensor(offsets), mode="sum", scale_grad_by_freq=True).sum().backward()
    TF.embedding_bag(torch.tensor(index), tw, torch.tensor(offsets), mode="sum",
                     scale_grad_by_freq=True).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy()[:, 0], [0.0, 1.0, 0.0, 1.0])
    if tw.grad[3, 0] == 1.0:
        pytest.fail("torch's CPU embedding_bag counts right now: compare with it directly in the tests above")
    assert tw.grad[3, 0] == 0.5


def test_embedding_bag_max_refuses_scale_grad_by_freq_as_torch():
    index, offsets, a = np.array([1, 2, 1]), np.array([0, 1]), rng.standard_normal((4, 2))
    message = "max mode does not support scaling the gradient by the frequency"
    with pytest.raises(ValueError, match=message):
        TF.embedding_bag(torch.tensor(index), torch.tensor(a), torch.tensor(offsets), mode="max",
                         scale_grad_by_freq=True)
    with pytest.raises(ValueError, match=f"^embedding_bag: {message}"):
        F.embedding_bag(mg.tensor(index), mg.tensor(a), mg.tensor(offsets), mode="max", scale_grad_by_freq=True)
    layer = nn.EmbeddingBag(4, 2, mode="max", scale_grad_by_freq=True)   # built, as torch's; refused when called
    assert str(layer).split("  #")[0] == str(torch.nn.EmbeddingBag(4, 2, mode="max", scale_grad_by_freq=True))
    with pytest.raises(ValueError, match=f"^embedding_bag: {message}"):
        layer(mg.tensor(index), mg.tensor(offsets))
    with pytest.raises(TypeError, match="^EmbeddingBag: scale_grad_by_freq must be True or False, got scale_grad_by_freq='yes'$"):
        nn.EmbeddingBag(4, 2, scale_grad_by_freq="yes")
    with pytest.raises(TypeError, match="^embedding_bag: scale_grad_by_freq must be True or False, got scale_grad_by_freq=1$"):
        F.embedding_bag(mg.tensor(index), mg.tensor(a), mg.tensor(offsets), scale_grad_by_freq=1)
