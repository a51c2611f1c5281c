"""one_hot, normalize, cosine_similarity, pairwise_distance, BCELoss, KLDivLoss, SoftMarginLoss and
MarginRankingLoss against torch.nn.functional: values and gradients in float64 (and float32) at zero and tiny
vectors, probabilities of 0 and 1, zero targets, PyTorch's reductions and warning, and the argument checks."""
import re
import warnings

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F
from torch_agreement import TOL, agree, cotangent

TF = torch.nn.functional

# ---------------------------------------------------------------- one_hot
def test_one_hot_matches_torch():
    for values, classes in [([0, 2, 1], -1), ([[1], [3]], 5), (2, -1), ([], 3), ([[0, 0], [1, 0]], 2)]:
        expected = TF.one_hot(torch.tensor(values, dtype=torch.int64), classes).numpy()
        got = F.one_hot(mg.tensor(np.array(values, dtype=np.int64)), classes)
        assert got.dtype == np.int64 and got.shape == expected.shape and not got.requires_grad
        np.testing.assert_array_equal(got.numpy(), expected)
    np.testing.assert_array_equal(F.one_hot(np.array([1, 0], dtype=np.int32), 2).numpy(), [[0, 1], [1, 0]])


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.one_hot(mg.tensor([0.0, 1.0])), TypeError,
     "one_hot: tensor must hold integer class indices, got dtype float32"),
    (lambda: F.one_hot(mg.tensor([1, -1])), ValueError, "one_hot: class values must be non-negative, got -1"),
    (lambda: F.one_hot(mg.tensor([1, 3]), 3), ValueError,
     "one_hot: class values must be smaller than num_classes=3, got 3"),
    (lambda: F.one_hot(mg.tensor(np.zeros(0, dtype=np.int64))), ValueError,
     "one_hot: cannot infer the number of classes from an empty tensor; pass num_classes"),
    (lambda: F.one_hot(mg.tensor([1]), -2), ValueError,
     "one_hot: num_classes must be -1 (inferred) or a non-negative integer, got -2"),
    (lambda: F.one_hot(mg.tensor([1]), 2.0), ValueError,
     "one_hot: num_classes must be -1 (inferred) or a non-negative integer, got 2.0"),
])
def test_one_hot_errors(call, error, message):
    with pytest.raises(error, match="^" + re.escape(message)):
        call()


# ---------------------------------------------------------------- normalize, cosine_similarity, pairwise_distance
def _with_zero_and_tiny_rows(shape, seed=5):
    x = np.random.default_rng(seed).standard_normal(shape)
    x[0] = 0.0
    x[1] *= 1e-13      # a norm below normalize's eps (1e-12) and cosine_similarity's (1e-8)
    return x


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, float("inf")])
def test_normalize_matches_torch_with_zero_and_tiny_vectors(p):
    x = _with_zero_and_tiny_rows((4, 5))
    y, (g,) = agree(lambda t: F.normalize(t, p=p), lambda t: TF.normalize(t, p=p), [x])
    assert (y[0] == 0).all() and np.isfinite(g).all() and np.abs(g[0]).max() > 1e11   # x / eps at a zero row
    agree(lambda t: F.normalize(t, p=p, dim=0, eps=0.3), lambda t: TF.normalize(t, p=p, dim=0, eps=0.3), [x])
    agree(lambda t: F.normalize(t, p=p, dim=-1), lambda t: TF.normalize(t, p=p, dim=-1),
           [np.random.default_rng(6).standard_normal((2, 3, 4))])
    agree(lambda t: F.normalize(t, p=p), lambda t: TF.normalize(t, p=p), [x.astype(np.float32)], "float32",
           tol=dict(rtol=1e-5, atol=1e-6))


@pytest.mark.parametrize("p", [0.0, -1.0, -2.5, -float("inf")])
def test_normalize_takes_p_0_and_negative_p_as_torch(p):
    # torch's normalize divides by norm(x, p) for any p; minigrad's refused p <= 0
    x = np.random.default_rng(7).standard_normal((4, 5))
    x[0, 2] = 0.0   # a negative p's norm is 0 there: x / eps
    agree(lambda t: F.normalize(t, p=p), lambda t: TF.normalize(t, p=p), [x])
    agree(lambda t: F.normalize(t, p=p, dim=0), lambda t: TF.normalize(t, p=p, dim=0), [x[1:]])


def test_cosine_similarity_matches_torch_with_zero_and_tiny_vectors():
    x1 = _with_zero_and_tiny_rows((4, 5))
    x2 = np.random.default_rng(7).standard_normal((4, 5))
    x2[2] = 0.0
    y, grads = agree(F.cosine_similarity, TF.cosine_similarity, [x1, x2])
    assert y[0] == 0 and y[2] == 0 and all(np.isfinite(g).all() for g in grads)
    np.testing.assert_allclose(grads[0][0], x2[0] / np.linalg.norm(x2[0]) / 1e-8 *
                               cotangent(TF.cosine_similarity, [x1, x2], 1)[0], rtol=1e-12)
    agree(lambda a, b: F.cosine_similarity(a, b, dim=-1, eps=1e-3),
           lambda a, b: TF.cosine_similarity(a, b, dim=-1, eps=1e-3), [x1.reshape(2, 2, 5), x2[0]])
    agree(lambda a, b: F.cosine_similarity(a, b, 0), lambda a, b: TF.cosine_similarity(a, b, 0), [x1[2], x2[3]])
    agree(nn.CosineSimilarity(dim=0), torch.nn.CosineSimilarity(dim=0), [x1.T, x2.T])


@pytest.mark.parametrize("dim", [0, -1])
def test_normalize_and_cosine_similarity_take_a_0_d_tensor_as_torch(dim):
    """torch wraps dim 0 and -1 on a 0-d tensor (its one element is the vector): normalize gives x / |x| (0 at 0),
    cosine_similarity the sign of the product; minigrad refused the axis as out of range."""
    for x in (-2.0, 0.0, 3.0):
        agree(lambda t: F.normalize(t, dim=dim), lambda t: TF.normalize(t, dim=dim), [np.array(x)])
        agree(lambda t: F.normalize(t, p=1, dim=dim), lambda t: TF.normalize(t, p=1, dim=dim), [np.array(x)])
    agree(lambda a, b: F.cosine_similarity(a, b, dim=dim), lambda a, b: TF.cosine_similarity(a, b, dim=dim),
          [np.array(2.0), np.array(-3.0)])
    with pytest.raises(ValueError, match=r"normalize: axis 1 is out of range for a tensor of shape \(\)"):
        F.normalize(mg.tensor(1.0), dim=1)


def test_cosine_similarity_takes_eps_zero_as_torch():
    # torch.nn.CosineSimilarity(eps=0.0) is legal: nonzero vectors as usual, NaN (value and gradient) at a zero one
    x1 = np.random.default_rng(3).standard_normal((3, 4))
    x2 = np.random.default_rng(4).standard_normal((3, 4))
    agree(nn.CosineSimilarity(eps=0.0), torch.nn.CosineSimilarity(eps=0.0), [x1, x2])
    agree(nn.CosineSimilarity(eps=0.0), torch.nn.CosineSimilarity(eps=0.0), [x1, x2], dtype="float32",
          tol=TOL["float32"])
    x1[1] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        y = nn.CosineSimilarity(eps=0.0)(mg.tensor(x1, dtype="float64"), mg.tensor(x2, dtype="float64")).numpy()
    expected = torch.nn.CosineSimilarity(eps=0.0)(torch.tensor(x1), torch.tensor(x2)).numpy()
    np.testing.assert_allclose(y, expected, rtol=1e-12, equal_nan=True)
    assert np.isnan(y[1]) and np.isfinite(y[[0, 2]]).all()


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, float("inf"), 0.5, -1.0, -2.5, -float("inf")])
def test_pairwise_distance_matches_torch(p):
    rng = np.random.default_rng(8)
    x1, x2 = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    x2[0] = x1[0]     # equal rows: the difference is eps, not 0
    agree(lambda a, b: F.pairwise_distance(a, b, p), lambda a, b: TF.pairwise_distance(a, b, p), [x1, x2])
    agree(nn.PairwiseDistance(p, eps=0.0, keepdim=True), torch.nn.PairwiseDistance(p, eps=0.0, keepdim=True),
           [x1, x2 + 0.5])
    agree(lambda a, b: F.pairwise_distance(a, b, p), lambda a, b: TF.pairwise_distance(a, b, p),
           [rng.standard_normal((2, 3, 5)), rng.standard_normal(5)])
    agree(lambda a, b: F.pairwise_distance(a, b, p), lambda a, b: TF.pairwise_distance(a, b, p),
           [rng.standard_normal(5), rng.standard_normal(5)])


def test_pairwise_distance_at_p_zero_counts_differences_and_a_negative_p_is_zero_at_an_equal_entry():
    rng = np.random.default_rng(9)
    x1, x2 = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    x2[1, :2] = x1[1, :2]
    ours = F.pairwise_distance(mg.tensor(x1, requires_grad=True), mg.tensor(x2), p=0, eps=0.0)
    np.testing.assert_array_equal(ours.numpy(), [4.0, 2.0, 4.0])
    np.testing.assert_array_equal(ours.numpy(), TF.pairwise_distance(torch.tensor(x1), torch.tensor(x2), 0, 0.0))
    layer = nn.PairwiseDistance(p=0.0)
    x = mg.tensor(x1, requires_grad=True)
    layer(x, mg.tensor(x2)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((3, 4)))   # a count: gradient 0 (torch's is None)
    agree(lambda a, b: F.pairwise_distance(a, b, -1.5, eps=0.0), lambda a, b: TF.pairwise_distance(a, b, -1.5, 0.0),
          [x1, x2])


def test_pairwise_distance_of_equal_points_with_eps_zero_has_a_zero_gradient():
    x = mg.tensor(np.ones((2, 3)), dtype="float64", requires_grad=True)
    F.pairwise_distance(x, mg.tensor(np.ones((2, 3)), dtype="float64"), eps=0.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((2, 3)))   # PyTorch's 0 at a zero norm, not NaN


# ---------------------------------------------------------------- BCELoss
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_matches_torch_at_zero_one_and_inside(reduction):
    x = np.array([0.0, 1.0, 1e-50, 1 - 1e-10, 1e-10, 0.3, 0.999, 0.5, 1.0, 0.0])
    t = np.array([0.0, 1.0, 1.0, 0.25, 0.25, 0.7, 0.1, 0.5, 0.0, 1.0])
    xm = mg.tensor(x, dtype="float64", requires_grad=True)
    y = F.binary_cross_entropy(xm, mg.tensor(t, dtype="float64"), reduction=reduction)
    xt = torch.tensor(x, requires_grad=True)
    yt = TF.binary_cross_entropy(xt, torch.tensor(t), reduction=reduction)
    g = np.random.default_rng(9).standard_normal(tuple(yt.shape))
    y.backward(mg.tensor(g, dtype="float64"))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), **TOL["float64"])
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), **TOL["float64"])
    assert np.isfinite(y.numpy()).all() and np.isfinite(xm.grad.numpy()).all()
    if reduction == "none":
        np.testing.assert_array_equal(y.numpy()[-2:], [100.0, 100.0])     # the log clamped at -100


def test_binary_cross_entropy_target_gradient_and_weight_match_torch():
    rng = np.random.default_rng(10)
    x, t = rng.uniform(0.01, 0.99, (3, 4)), rng.uniform(0, 1, (3, 4))
    agree(F.binary_cross_entropy, TF.binary_cross_entropy, [x, t])
    for w in (rng.uniform(0.5, 2, (3, 1)), rng.uniform(0.5, 2, 4), np.array(2.5)):
        agree(lambda a, b: F.binary_cross_entropy(a, b, mg.tensor(w, dtype="float64"), reduction="sum"),
               lambda a, b: TF.binary_cross_entropy(a, b, torch.tensor(w), reduction="sum"), [x, t])
        agree(lambda a, b: nn.BCELoss(w)(a, b), lambda a, b: torch.nn.BCELoss(torch.tensor(w))(a, b), [x, t])
    agree(nn.BCELoss(), torch.nn.BCELoss(), [x.astype(np.float32), t.astype(np.float32)], "float32")
    xm = mg.tensor([0.0, 1.0], dtype="float64", requires_grad=True)
    tm = mg.tensor([0.5, 0.5], dtype="float64", requires_grad=True)
    F.binary_cross_entropy(xm, tm).backward()
    assert tm.grad.numpy().tolist() == [np.inf, -np.inf]      # PyTorch's: log(1 - x) - log x, unclamped


def test_bce_loss_is_bce_with_logits_of_the_logits():
    rng = np.random.default_rng(11)
    z, t = mg.tensor(rng.standard_normal((5, 3))), mg.tensor(rng.uniform(0, 1, (5, 3)).astype(np.float32))
    np.testing.assert_allclose(nn.BCELoss()(F.sigmoid(z), t).item(), nn.BCEWithLogitsLoss()(z, t).item(), rtol=1e-6)


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.binary_cross_entropy(mg.tensor([1.5, 0.5]), mg.tensor([1.0, 0.0])), ValueError,
     "binary_cross_entropy: input values must be between 0 and 1 (probabilities), got values in [0.5, 1.5]; "
     "for logits use binary_cross_entropy_with_logits"),
    (lambda: F.binary_cross_entropy(mg.tensor([0.5, np.nan]), mg.tensor([1.0, 0.0])), ValueError,   # as PyTorch
     "binary_cross_entropy: input values must be between 0 and 1 (probabilities), got NaN; "
     "for logits use binary_cross_entropy_with_logits"),
    (lambda: F.binary_cross_entropy(mg.tensor([0.5, 0.5]), mg.tensor([1.5, 0.0])), ValueError,   # as PyTorch
     "binary_cross_entropy: target values must be between 0 and 1, got values in [0, 1.5]"),
    (lambda: F.binary_cross_entropy(mg.tensor([0.5, 0.5]), mg.tensor([1.0, np.nan])), ValueError,   # as PyTorch
     "binary_cross_entropy: target values must be between 0 and 1, got NaN"),
    (lambda: F.binary_cross_entropy(mg.tensor([0.5]), mg.tensor([1.0, 1.0])), ValueError,
     "binary_cross_entropy: input has shape (1,) but target has shape (2,); they must match"),
    (lambda: F.binary_cross_entropy(mg.tensor([0.5]), mg.tensor([1.0]), "sum"), TypeError,
     "binary_cross_entropy: weight must be an array or Tensor of numbers, got 'sum'; the reduction is a keyword"),
    (lambda: F.binary_cross_entropy(mg.tensor([0.5]), mg.tensor([1.0]), reduction="avg"), ValueError,
     "binary_cross_entropy: reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    (lambda: F.binary_cross_entropy(mg.tensor([0.5, 0.5]), mg.tensor([1.0, 0.0]), [1.0, 2.0, 3.0]), ValueError,
     "binary_cross_entropy: weight of shape (3,) does not broadcast to the input's shape (2,)"),
    (lambda: nn.BCELoss(reduction="batchmean"), ValueError,
     "BCELoss: reduction must be 'mean', 'sum' or 'none', got 'batchmean'"),
    (lambda: nn.BCELoss("mean"), TypeError, "BCELoss: weight must be an array or Tensor of numbers, got 'mean'"),
])
def test_bce_errors(call, error, message):
    with pytest.raises(error, match="^" + re.escape(message)):
        call()


def test_bce_refuses_a_target_outside_0_1_on_every_device_as_torch(device):
    # F.binary_cross_entropy(x, [3.0, -1.0]) returned a loss (and gradients) where torch raises "all elements of
    # target should be between 0 and 1"; the check reads input and target back together, once
    x = mg.tensor([0.3, 0.6], dtype="float64", device=device)
    with pytest.raises(ValueError, match=re.escape("target values must be between 0 and 1, got values in [-1, 3]")):
        F.binary_cross_entropy(x, mg.tensor([3.0, -1.0], dtype="float64", device=device))
    with pytest.raises(ValueError, match=re.escape("input values must be between 0 and 1 (probabilities)")):
        F.binary_cross_entropy(x * 3, mg.tensor([3.0, -1.0], dtype="float64", device=device))   # the input first
    edges = mg.tensor([0.0, 1.0], dtype="float64", device=device)   # 0 and 1 themselves are targets, as in torch
    expected = torch.nn.functional.binary_cross_entropy(torch.tensor([0.3, 0.6], dtype=torch.float64),
                                                        torch.tensor([0.0, 1.0], dtype=torch.float64))
    np.testing.assert_allclose(F.binary_cross_entropy(x, edges).item(), expected.item(), rtol=1e-12)


# ---------------------------------------------------------------- KLDivLoss
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none", "mean"])
def test_kl_div_matches_torch(reduction, log_target):
    rng = np.random.default_rng(12)
    x, t = np.log(rng.dirichlet(np.ones(5), 4)), rng.dirichlet(np.ones(5), 4)
    if log_target:
        t = np.log(t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        agree(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target), lambda a, b: TF.kl_div(a, b, reduction=reduction,
               log_target=log_target), [x, t])
        agree(nn.KLDivLoss(reduction=reduction, log_target=log_target), torch.nn.KLDivLoss(reduction=reduction, log_target=log_target),
               [x.astype(np.float32), t.astype(np.float32)], "float32", tol=dict(rtol=1e-5, atol=1e-6))


def test_kl_div_zero_targets_count_nothing_and_mean_divides_by_every_element():
    x = np.log(np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]))
    t = np.array([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])
    xm, tm = mg.tensor(x, dtype="float64", requires_grad=True), mg.tensor(t, dtype="float64", requires_grad=True)
    loss = F.kl_div(xm, tm, reduction="batchmean")
    expected = TF.kl_div(torch.tensor(x), torch.tensor(t), reduction="batchmean").item()
    assert loss.item() == pytest.approx(expected, rel=1e-14)
    loss.backward()
    np.testing.assert_allclose(xm.grad.numpy(), -t / 2, rtol=1e-14)
    assert np.isfinite(tm.grad.numpy()).all()   # -x / 2 at t = 0, where PyTorch's is NaN (docs/layers.md)
    with pytest.warns(UserWarning, match="'mean' divides the total loss by both the batch size and the support size"):
        mean = F.kl_div(xm, tm)
    assert mean.item() == pytest.approx(loss.item() * 2 / 6, rel=1e-14)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.kl_div(xm, tm, reduction="sum")
        nn.KLDivLoss(reduction="batchmean")(xm, tm)


@pytest.mark.parametrize("call, error, message", [
    (lambda: nn.KLDivLoss(reduction="avg"), ValueError,
     "KLDivLoss: reduction must be 'mean', 'batchmean', 'sum' or 'none', got 'avg'"),
    (lambda: nn.KLDivLoss(log_target=1), ValueError, "KLDivLoss: log_target must be a bool, got 1"),
    (lambda: F.kl_div(mg.randn(2, 3), mg.randn(3), reduction="sum"), ValueError,
     "kl_div: input has shape (2, 3) but target has shape (3,); they must match"),
    (lambda: F.kl_div(mg.randn(2), mg.randn(2), reduction="elementwise_mean"), ValueError,
     "kl_div: reduction must be 'mean', 'batchmean', 'sum' or 'none', got 'elementwise_mean'"),
])
def test_kl_div_errors(call, error, message):
    with pytest.raises(error, match="^" + re.escape(message)):
        call()


@pytest.mark.parametrize("make, message", [
    (lambda: nn.CosineSimilarity(dim=1.5), "CosineSimilarity: dim must be an integer, got 1.5"),
    (lambda: nn.CosineSimilarity(eps=-1), "CosineSimilarity: eps must be a non-negative number, got -1"),
    (lambda: F.cosine_similarity(mg.randn(2, 3), mg.randn(2, 3), eps=-1.0),
     "cosine_similarity: eps must be a non-negative number, got -1.0"),
    (lambda: nn.PairwiseDistance(p=float("nan")),
     "PairwiseDistance: p must be a number (inf, -inf, 0 and negative p included), got nan"),
    (lambda: nn.PairwiseDistance(eps=-1e-6), "PairwiseDistance: eps must be a non-negative number, got -1e-06"),
    (lambda: nn.PairwiseDistance(keepdim=1), "PairwiseDistance: keepdim must be a bool, got 1"),
    (lambda: F.normalize(mg.randn(3, 2), p=float("nan")),
     "normalize: p must be a number (inf, -inf, 0 and negative p included), got nan"),   # the layer's check
    (lambda: F.pairwise_distance(mg.randn(3, 2), mg.randn(3, 2), p="2"),
     "pairwise_distance: p must be a number (inf, -inf, 0 and negative p included), got '2'"),
    (lambda: F.normalize(mg.randn(3), dim=1), "normalize: axis 1 is out of range for a tensor of shape (3,)"),
    (lambda: F.cosine_similarity(mg.randn(2, 3), mg.randn(4, 3)),
     "cosine_similarity: x1 of shape (2, 3) and x2 of shape (4, 3) do not broadcast together"),
    (lambda: nn.PairwiseDistance()(mg.randn(2, 3), mg.randn(3, 3)),
     "pairwise_distance: x1 of shape (2, 3) and x2 of shape (3, 3) do not broadcast together"),
])
def test_bad_arguments_are_one_clear_error(make, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        make()


def test_input_type_errors_name_the_function():
    with pytest.raises(TypeError, match="cosine_similarity: x1 dtype float32 differs from x2 dtype float64"):
        F.cosine_similarity(mg.randn(2, 3), mg.randn(2, 3, dtype="float64"))
    with pytest.raises(TypeError, match="normalize: dim must be an integer, got None"):
        F.normalize(mg.randn(2, 3), dim=None)


# ---------------------------------------------------------------- SoftMarginLoss, MarginRankingLoss
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_margin_losses_match_torch(reduction):
    rng = np.random.default_rng(13)
    x, y = rng.standard_normal((4, 3)) * 3, np.where(rng.random((4, 3)) < 0.5, -1.0, 1.0)
    x[0, :2] = [30.0, -30.0]
    # PyTorch's target takes no gradient here: a constant on both sides (ours is checked in the registry)
    agree(lambda a: F.soft_margin_loss(a, mg.tensor(y, dtype="float64"), reduction=reduction),
           lambda a: TF.soft_margin_loss(a, torch.tensor(y), reduction=reduction), [x])
    y32 = y.astype(np.float32)
    agree(lambda a: nn.SoftMarginLoss(reduction=reduction)(a, mg.tensor(y32)),
           lambda a: torch.nn.SoftMarginLoss(reduction=reduction)(a, torch.tensor(y32)),
           [x.astype(np.float32)], "float32", tol=dict(rtol=1e-5, atol=1e-6))
    x1, x2 = rng.standard_normal(8), rng.standard_normal(8)
    t = np.where(rng.random(8) < 0.5, -1.0, 1.0)
    x2[0] = x1[0]     # on the hinge's kink (margin 0): PyTorch's clamp_min counts it as not met
    for margin in (0.0, 0.5, -0.2):
        agree(lambda a, b, c: F.margin_ranking_loss(a, b, c, margin, reduction=reduction),
               lambda a, b, c: TF.margin_ranking_loss(a, b, c, margin, reduction=reduction), [x1, x2, t])
        agree(nn.MarginRankingLoss(margin, reduction=reduction), torch.nn.MarginRankingLoss(margin, reduction=reduction),
               [x1, x2, t])


def test_soft_margin_loss_stays_finite_where_torch_overflows():
    x = mg.tensor([-1000.0, 1000.0], dtype="float64", requires_grad=True)
    loss = F.soft_margin_loss(x, mg.tensor([1.0, -1.0], dtype="float64"), reduction="none")
    loss.sum().backward()
    np.testing.assert_array_equal(loss.numpy(), [1000.0, 1000.0])
    np.testing.assert_array_equal(x.grad.numpy(), [-1.0, 1.0])


@pytest.mark.parametrize("call, message", [
    (lambda: nn.MarginRankingLoss(margin="1"), "MarginRankingLoss: margin must be a finite number, got '1'"),
    (lambda: nn.SoftMarginLoss(reduction="avg"), "SoftMarginLoss: reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    (lambda: F.margin_ranking_loss(mg.randn(3), mg.randn(3), mg.randn(2)),
     "margin_ranking_loss: input1 has shape (3,) but target has shape (2,); they must match"),
    # input2's mismatches were reported as the target's
    (lambda: F.margin_ranking_loss(mg.randn(3), mg.randn(2), mg.randn(3)),
     "margin_ranking_loss: input1 has shape (3,) but input2 has shape (2,); they must match"),
    (lambda: F.soft_margin_loss(mg.randn(3, 1), mg.randn(3)),
     "soft_margin_loss: input has shape (3, 1) but target has shape (3,); they must match"),
])
def test_margin_loss_errors(call, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        call()


def test_margin_ranking_loss_names_input2_in_a_dtype_mismatch():
    x = mg.randn(3)
    with pytest.raises(TypeError, match="^margin_ranking_loss: input2 dtype float64 differs from input1 dtype float32$"):
        F.margin_ranking_loss(x, x.astype("float64"), mg.ones(3))


def test_yes_no_options_are_one_check_at_both_levels():
    # keepdim and log_target: one ValueError naming the value for layer and function alike; a NumPy bool is a bool.
    x1, x2 = mg.randn(3, 4), mg.randn(3, 4)
    for call, message in [
            (lambda: F.pairwise_distance(x1, x2, keepdim=1), "pairwise_distance: keepdim must be a bool, got 1"),
            (lambda: F.kl_div(x1, x2, reduction="sum", log_target="yes"), "kl_div: log_target must be a bool, got 'yes'")]:
        with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
            call()
    assert F.pairwise_distance(x1, x2, keepdim=np.True_).shape == (3, 1)
    assert nn.PairwiseDistance(keepdim=np.True_).keepdim is True
    assert nn.KLDivLoss(reduction="sum", log_target=np.True_).log_target is True
    np.testing.assert_allclose(F.kl_div(x1, x2, reduction="sum", log_target=np.True_).item(),
                               F.kl_div(x1, x2, reduction="sum", log_target=True).item())
