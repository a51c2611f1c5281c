"""CosineEmbeddingLoss, HingeEmbeddingLoss, TripletMarginLoss, TripletMarginWithDistanceLoss, GaussianNLLLoss,
PoissonNLLLoss, MultiMarginLoss, MultiLabelMarginLoss and MultiLabelSoftMarginLoss against torch.nn in float64:
values and the gradients of every float input for every reduction, the options, the kinks, the shapes each accepts,
the errors; float32 kept; weights as state-dict buffers."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F
from torch_agreement import agree

TF = torch.nn.functional
REDUCTIONS = ["mean", "sum", "none"]
rng = np.random.default_rng(2024)


def _r(*shape):
    return rng.standard_normal(shape)


def _signs(*shape):
    return np.where(rng.random(shape) < 0.5, -1.0, 1.0)


def _const(fn, *consts):
    """fn with trailing constant (no-gradient) arguments, for minigrad and for torch."""
    return (lambda *xs: fn(*xs, *[mg.tensor(c) for c in consts]),
            lambda *xs: fn(*xs, *[torch.tensor(c) for c in consts]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.3, -0.4])
def test_cosine_embedding_loss(reduction, margin):
    x1, x2 = _r(5, 4), _r(5, 4)
    x2[3] = x1[3] * 2.0                           # cos = 1 for one row
    t = np.array([1, -1, 1, -1, 0])               # 0: no loss, as torch's
    agree(lambda a, b: F.cosine_embedding_loss(a, b, mg.tensor(t), margin, reduction=reduction),
          lambda a, b: TF.cosine_embedding_loss(a, b, torch.tensor(t), margin, reduction=reduction), [x1, x2])
    agree(lambda a, b: nn.CosineEmbeddingLoss(margin, reduction=reduction)(a, b, mg.tensor(-1.0)),
          lambda a, b: torch.nn.CosineEmbeddingLoss(margin, reduction=reduction)(a, b, torch.tensor(-1.0)),
          [_r(6), _r(6)])
    agree(lambda a, b: F.cosine_embedding_loss(a, b, t[:3].astype(float), margin, reduction=reduction),   # (1, D) broadcast
          lambda a, b: TF.cosine_embedding_loss(a, b, torch.tensor(t[:3].astype(float)), margin, reduction=reduction),
          [_r(3, 4), _r(1, 4)])


def test_cosine_embedding_loss_of_a_zero_vector_is_finite():
    x1, x2 = np.zeros((2, 3)), _r(2, 3)
    t = np.array([1.0, -1.0])
    a, b = mg.tensor(x1, dtype="float64", requires_grad=True), mg.tensor(x2, dtype="float64", requires_grad=True)
    y = F.cosine_embedding_loss(a, b, t, reduction="sum")
    y.backward()
    ta, tb = torch.tensor(x1, requires_grad=True), torch.tensor(x2, requires_grad=True)
    ty = TF.cosine_embedding_loss(ta, tb, torch.tensor(t), reduction="sum")
    ty.backward()
    assert y.item() == ty.item() == 1.0                       # cos = 0 at a zero vector, as torch's
    np.testing.assert_array_equal(b.grad.numpy(), 0.0)
    # d cos / d x1 at x1 = 0 is x2 / (|x2| 1e-6): of order 1e6, where the rounding of the two orders of operations
    # shows at 1e-9 relative; the values themselves are torch's.
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-8)
    assert np.abs(a.grad.numpy()).max() > 1e5


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 0.5, -1.0])
def test_hinge_embedding_loss(reduction, margin):
    x, t = _r(4, 5), _signs(4, 5)
    x.flat[:3] = [margin, margin, 0.2]            # the hinge's kink (torch's clamp_min passes the gradient there)
    t.flat[:3] = [-1.0, 1.0, 0.0]                 # 0: both terms, as torch's
    agree(lambda a: F.hinge_embedding_loss(a, t, margin, reduction=reduction),
          lambda a: TF.hinge_embedding_loss(a, torch.tensor(t), margin, reduction=reduction), [x])
    agree(lambda a: nn.HingeEmbeddingLoss(margin, reduction=reduction)(a, mg.tensor(t[0])),     # a target row broadcast
          lambda a: torch.nn.HingeEmbeddingLoss(margin, reduction=reduction)(a, torch.tensor(t[0])), [x])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p, eps, swap, margin", [(2.0, 1e-6, False, 1.0), (1.0, 1e-6, True, 0.5),
                                                  (3.0, 0.0, True, 2.0), (2.0, 0.1, False, 0.2),
                                                  (-1.5, 1e-6, True, 1.0), (-float("inf"), 1e-6, False, 0.5)])
def test_triplet_margin_loss(reduction, p, eps, swap, margin):
    a, pos, neg = _r(6, 4), _r(6, 4), _r(6, 4)
    agree(lambda *x: F.triplet_margin_loss(*x, margin, p, eps, swap, reduction=reduction),
          lambda *x: TF.triplet_margin_loss(*x, margin, p, eps, swap, reduction=reduction), [a, pos, neg])
    agree(nn.TripletMarginLoss(margin, p, eps, swap, reduction=reduction),
          torch.nn.TripletMarginLoss(margin, p, eps, swap, reduction=reduction), [_r(5), _r(5), _r(5)])
    agree(lambda *x: F.triplet_margin_loss(*x, swap=swap, reduction=reduction),    # (N, D) against (1, D), 3-D
          lambda *x: TF.triplet_margin_loss(*x, swap=swap, reduction=reduction),
          [_r(2, 3, 4), _r(2, 1, 4), _r(1, 3, 4)])


def test_triplet_margin_loss_at_p_zero_compares_counts_of_differing_coordinates():
    a, pos, neg = _r(6, 4), _r(6, 4), _r(6, 4)
    a[:3, :2], pos[:3, :2] = 0.0, 1e-6   # a - p + eps = 0 there: d(a, p) counts 2 coordinates, d(a, n) 4
    ours = F.triplet_margin_loss(mg.tensor(a), mg.tensor(pos), mg.tensor(neg), p=0, reduction="none")
    theirs = TF.triplet_margin_loss(*map(torch.tensor, (a, pos, neg)), p=0, reduction="none")
    np.testing.assert_array_equal(ours.numpy(), [0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert nn.TripletMarginLoss(p=0).p == 0.0


def test_triplet_swap_takes_the_smaller_negative_distance():
    a, pos, neg = np.array([[0.0, 0.0]]), np.array([[3.0, 0.0]]), np.array([[3.5, 0.0]])
    plain = F.triplet_margin_loss(mg.tensor(a), mg.tensor(pos), mg.tensor(neg), eps=0.0).item()
    swapped = F.triplet_margin_loss(mg.tensor(a), mg.tensor(pos), mg.tensor(neg), eps=0.0, swap=True).item()
    assert plain == pytest.approx(0.5) and swapped == pytest.approx(3.5)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin_with_distance_loss(reduction, swap):
    a, pos, neg = _r(5, 3), _r(5, 3), _r(5, 3)
    agree(lambda *x: F.triplet_margin_with_distance_loss(*x, swap=swap, reduction=reduction),
          lambda *x: TF.triplet_margin_with_distance_loss(*x, swap=swap, reduction=reduction), [a, pos, neg])

    def cosine(u, v):
        return 1.0 - F.cosine_similarity(u, v)

    def torch_cosine(u, v):
        return 1.0 - TF.cosine_similarity(u, v)

    agree(nn.TripletMarginWithDistanceLoss(distance_function=cosine, margin=0.7, swap=swap, reduction=reduction),
          torch.nn.TripletMarginWithDistanceLoss(distance_function=torch_cosine, margin=0.7, swap=swap,
                                                 reduction=reduction), [a, pos, neg])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("var_shape", [(3, 4), (3,), (3, 1), (1, 4)])
def test_gaussian_nll_loss(reduction, full, var_shape):
    x, t, var = _r(3, 4), _r(3, 4), rng.uniform(0.1, 2.0, var_shape)
    var.flat[0] = 1e-9                             # clamped to eps: the gradient still reaches it, as torch's
    agree(lambda *a: F.gaussian_nll_loss(*a, full=full, reduction=reduction),
          lambda *a: TF.gaussian_nll_loss(*a, full=full, reduction=reduction), [x, t, var])
    agree(lambda a, b, v: nn.GaussianNLLLoss(full=full, eps=0.05, reduction=reduction)(a, b, v),
          lambda a, b, v: torch.nn.GaussianNLLLoss(full=full, eps=0.05, reduction=reduction)(a, b, v), [x, t, var])
    agree(lambda a, b: F.gaussian_nll_loss(a, b, 0.7, full, reduction=reduction),    # a float var
          lambda a, b: TF.gaussian_nll_loss(a, b, 0.7, full, reduction=reduction), [x, t])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input, full", [(True, False), (True, True), (False, False), (False, True)])
def test_poisson_nll_loss(reduction, log_input, full):
    x = _r(4, 5) if log_input else rng.uniform(0.1, 3.0, (4, 5))
    t = rng.poisson(2.0, (4, 5)).astype(float)
    t[t == 0] = 0.5                                # target 0: see test_poisson_full_target_gradient_at_zero
    t.flat[:3] = [0.25, 1.0, 1.5]                  # Stirling's term only above 1
    agree(lambda a, b: F.poisson_nll_loss(a, b, log_input, full, reduction=reduction),
          lambda a, b: TF.poisson_nll_loss(a, b, log_input, full, reduction=reduction), [x, t])
    agree(lambda a, b: nn.PoissonNLLLoss(log_input, full, eps=1e-3, reduction=reduction)(a, b),
          lambda a, b: torch.nn.PoissonNLLLoss(log_input, full, eps=1e-3, reduction=reduction)(a, b), [x, t])


def test_poisson_full_target_gradient_at_zero():
    """A deliberate difference (docs/layers.md): torch's full loss computes log(0) for a zero target before masking it,
    so its target gradient there is NaN; minigrad keeps log(0) out of the unselected branch and gives 0 (the
    Stirling term is 0 there). Values and input gradients agree."""
    x, t = _r(4), np.array([0.0, 0.0, 2.0, 3.0])
    xm, tm = mg.tensor(x, dtype="float64", requires_grad=True), mg.tensor(t, dtype="float64", requires_grad=True)
    xt, tt = torch.tensor(x, requires_grad=True), torch.tensor(t, requires_grad=True)
    y = F.poisson_nll_loss(xm, tm, full=True, reduction="sum")
    ty = TF.poisson_nll_loss(xt, tt, full=True, reduction="sum")
    y.backward()
    ty.backward()
    assert y.item() == pytest.approx(ty.item(), rel=1e-14)
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-14)
    assert np.isnan(tt.grad.numpy()[:2]).all() and (tm.grad.numpy()[:2] == -x[:2]).all()
    np.testing.assert_allclose(tm.grad.numpy()[2:], tt.grad.numpy()[2:], rtol=1e-14)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p, margin, weighted", [(1, 1.0, False), (2, 1.0, False), (1, 0.3, True), (2, 2.0, True)])
def test_multi_margin_loss(reduction, p, margin, weighted):
    x, t = _r(5, 4), np.array([0, 3, 1, 1, 2])
    x[0, 1] = x[0, 0] - margin                      # a term exactly at the hinge: gradient 0, as torch's
    w = rng.uniform(0.5, 2.0, 4) if weighted else None
    agree(lambda a: F.multi_margin_loss(a, t, p, margin, w, reduction=reduction),
          lambda a: TF.multi_margin_loss(a, torch.tensor(t), p, margin,
                                         None if w is None else torch.tensor(w), reduction=reduction), [x])
    agree(lambda a: nn.MultiMarginLoss(p, margin, w, reduction=reduction)(a, mg.tensor(np.array(2))),   # (C,) with a 0-d target
          lambda a: torch.nn.MultiMarginLoss(p, margin, None if w is None else torch.tensor(w),
                                             reduction=reduction)(a, torch.tensor(2)), [_r(4)])


@pytest.mark.filterwarnings("ignore:invalid value encountered")   # NumPy's word on the target's own inf - inf
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_multi_margin_loss_of_infinite_scores_is_torchs(p, weighted, device):
    # a masked (-inf) score in another class, or +inf at the target, takes no part: the loss was NaN for such a row
    # (its target score picked by a sum against the one-hot row, 0 * -inf; the target's own term inf - inf), and
    # the gradient nonzero where torch's is 0: rows [0, -inf, 1] (target 2), [2, 0.5, -inf] (0) gave [nan, nan]
    x = np.array([[0.0, -np.inf, 1.0], [2.0, 0.5, -np.inf], [np.inf, 0.0, 1.0], [0.3, 0.2, 0.9]])
    t = np.array([2, 0, 0, 1])
    w = np.array([1.0, 2.0, 0.5]) if weighted else None
    mx = mg.tensor(x, dtype="float64", requires_grad=True, device=device)
    loss = F.multi_margin_loss(mx, mg.tensor(t, device=device), p=p,
                               weight=None if w is None else mg.tensor(w, dtype="float64", device=device), reduction="none")
    loss.sum().backward()
    tx = torch.tensor(x, requires_grad=True)
    expected = TF.multi_margin_loss(tx, torch.tensor(t), p=p, weight=None if w is None else torch.tensor(w),
                                    reduction="none")
    expected.sum().backward()
    np.testing.assert_allclose(loss.numpy(), expected.detach().numpy(), rtol=1e-12)   # 0, 0, 0 and row 3's hinge
    np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin_loss(reduction):
    x = _r(4, 5)
    t = np.array([[0, 3, -1, 1, 2], [1, 1, 4, -1, 0], [-1, 0, 0, 0, 0], [0, 1, 2, 3, 4]])   # a repeat, none, all
    agree(lambda a: F.multilabel_margin_loss(a, t, reduction=reduction),
          lambda a: TF.multilabel_margin_loss(a, torch.tensor(t), reduction=reduction), [x])
    agree(lambda a: nn.MultiLabelMarginLoss(reduction=reduction)(a, mg.tensor(np.array([2, 0, -1, 3]))),
          lambda a: torch.nn.MultiLabelMarginLoss(reduction=reduction)(a, torch.tensor([2, 0, -1, 3])), [_r(4)])


@pytest.mark.filterwarnings("ignore:invalid value encountered")   # NumPy's word on the diagonal's inf - inf
def test_multilabel_margin_loss_of_infinite_scores_is_torchs(device):
    # an infinite score made every (N, C, C) pairwise term of its row inf or NaN, and the pairs not counted (weight
    # 0) multiplied them into NaN: rows [0, -inf, 1] (class 2 listed) and [2, 0.5, -inf] (0 and 1) gave [nan, nan]
    # where torch gives [0, 0], and [inf, 0, 1] (class 1 listed) NaN where torch gives inf
    x = np.array([[0.0, -np.inf, 1.0], [2.0, 0.5, -np.inf], [np.inf, 0.0, 1.0], [0.3, 0.2, 0.9]])
    t = np.array([[2, -1, 0], [0, 1, -1], [1, -1, 0], [0, 2, -1]])
    mx = mg.tensor(x, dtype="float64", requires_grad=True, device=device)
    loss = F.multilabel_margin_loss(mx, mg.tensor(t, device=device), reduction="none")
    loss.sum().backward()
    tx = torch.tensor(x, requires_grad=True)
    expected = TF.multilabel_margin_loss(tx, torch.tensor(t), reduction="none")
    expected.sum().backward()
    np.testing.assert_allclose(loss.numpy(), expected.detach().numpy(), rtol=1e-12)   # 0, 0, inf and a finite one
    np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight_shape", [None, (4,), (3, 4)])
def test_multilabel_soft_margin_loss(reduction, weight_shape):
    x, t = _r(3, 4) * 3, (rng.random((3, 4)) < 0.5).astype(float)
    x.flat[:2] = [800.0, -800.0]                    # stable in the far tails
    w = None if weight_shape is None else rng.uniform(0.5, 2.0, weight_shape)
    y, _ = agree(lambda a, b: F.multilabel_soft_margin_loss(a, b, w, reduction=reduction),
                 lambda a, b: TF.multilabel_soft_margin_loss(a, b, None if w is None else torch.tensor(w),
                                                             reduction=reduction), [x, t])
    assert np.isfinite(y).all()
    agree(lambda a, b: nn.MultiLabelSoftMarginLoss(w, reduction=reduction)(a, b),
          lambda a, b: torch.nn.MultiLabelSoftMarginLoss(None if w is None else torch.tensor(w),
                                                         reduction=reduction)(a, b), [x, t])


def test_float32_stays_float32():
    x = mg.tensor(_r(3, 4).astype(np.float32), requires_grad=True)
    y = mg.tensor(_r(3, 4).astype(np.float32))
    t = np.array([0, 2, 1])
    losses = [F.cosine_embedding_loss(x, y, np.array([1.0, -1.0, 1.0])), F.hinge_embedding_loss(x, _signs(3, 4)),
              F.triplet_margin_loss(x, y, y * 2.0), F.triplet_margin_with_distance_loss(x, y, y * 2.0),
              F.gaussian_nll_loss(x, y, np.ones(3)), F.gaussian_nll_loss(x, y, 0.5), F.poisson_nll_loss(x, y),
              F.poisson_nll_loss(x * x, y, log_input=False, full=True), F.multi_margin_loss(x, t, weight=[1, 2, 3, 4]),
              F.multilabel_margin_loss(x, np.array([[0, -1, 0, 0], [1, 2, -1, 0], [3, 2, 1, 0]])),
              F.multilabel_soft_margin_loss(x, np.ones((3, 4)), weight=np.ones(4))]
    for loss in losses:
        assert loss.dtype == np.float32
        (g,) = mg.autograd.grad(loss, [x])
        assert g.dtype == np.float32


def test_weights_are_buffers_in_the_state_dict():
    for make, torch_make in [(lambda w: nn.MultiMarginLoss(weight=w), lambda w: torch.nn.MultiMarginLoss(weight=w)),
                             (lambda w: nn.MultiLabelSoftMarginLoss(w),
                              lambda w: torch.nn.MultiLabelSoftMarginLoss(w))]:
        ours, theirs = make([0.5, 1.0, 2.0]), torch_make(torch.tensor([0.5, 1.0, 2.0]))
        assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
        assert ours.state_dict()["weight"].dtype == np.float32
        assert list(ours.parameters()) == []
    for layer in [nn.CosineEmbeddingLoss(), nn.TripletMarginLoss(), nn.GaussianNLLLoss(), nn.PoissonNLLLoss(),
                  nn.MultiLabelMarginLoss(), nn.HingeEmbeddingLoss(), nn.TripletMarginWithDistanceLoss()]:
        assert layer.state_dict() == {}
    assert nn.TripletMarginLoss().extra_repr() == "margin=1.0, p=2.0, eps=1e-06, swap=False, reduction='mean'"


def _x(*shape):
    return mg.tensor(_r(*shape))


@pytest.mark.parametrize("call, torch_call, error, message", [
    (lambda: F.cosine_embedding_loss(_x(3, 4), _x(3, 4), mg.tensor(1.0)),
     lambda: TF.cosine_embedding_loss(torch.ones(3, 4), torch.ones(3, 4), torch.tensor(1.0)),
     ValueError, r"cosine_embedding_loss: a 0-D target expects 1-D inputs, got input1 of shape \(3, 4\)"),
    (lambda: F.cosine_embedding_loss(_x(3, 4), _x(3, 4), np.ones((3, 1))),
     lambda: TF.cosine_embedding_loss(torch.ones(3, 4), torch.ones(3, 4), torch.ones(3, 1)),
     ValueError, "multi-target not supported"),
    (lambda: F.cosine_embedding_loss(_x(3, 4), _x(3, 4), np.ones(3), reduction="avg"), None,
     ValueError, "cosine_embedding_loss: reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    (lambda: F.triplet_margin_loss(_x(3, 4), _x(4), _x(3, 4)),
     lambda: TF.triplet_margin_loss(torch.ones(3, 4), torch.ones(4), torch.ones(3, 4)),
     ValueError, "triplet_margin_loss: anchor, positive and negative must have the same number of dimensions, got "
                 "anchor 2-D, positive 1-D and negative 2-D"),
    (lambda: F.triplet_margin_loss(_x(3), _x(3), _x(3), margin=0.0),
     lambda: TF.triplet_margin_loss(torch.ones(3), torch.ones(3), torch.ones(3), margin=0.0),
     ValueError, "triplet_margin_loss: margin must be greater than 0, got 0.0"),
    (lambda: nn.TripletMarginWithDistanceLoss(margin=-1.0),
     lambda: TF.triplet_margin_with_distance_loss(torch.ones(3), torch.ones(3), torch.ones(3), margin=-1.0),
     ValueError, "TripletMarginWithDistanceLoss: margin must be a positive number, got -1.0"),
    (lambda: F.triplet_margin_with_distance_loss(_x(3), _x(3), _x(3), distance_function=3), None,
     TypeError, "distance_function must be callable"),
    (lambda: F.gaussian_nll_loss(_x(3, 4), _x(3, 4), mg.tensor(np.ones((3, 5)))),
     lambda: TF.gaussian_nll_loss(torch.ones(3, 4), torch.ones(3, 4), torch.ones(3, 5)),
     ValueError, r"gaussian_nll_loss: var of shape \(3, 5\) does not fit the input of shape \(3, 4\)"),
    (lambda: F.gaussian_nll_loss(_x(3, 4), _x(3, 4), np.ones((1, 1))),
     lambda: TF.gaussian_nll_loss(torch.ones(3, 4), torch.ones(3, 4), torch.ones(1, 1)),
     ValueError, "gaussian_nll_loss: var of shape"),
    (lambda: F.gaussian_nll_loss(_x(3, 4), _x(3, 4), -np.ones((3, 4))),
     lambda: TF.gaussian_nll_loss(torch.ones(3, 4), torch.ones(3, 4), -torch.ones(3, 4)),
     ValueError, "gaussian_nll_loss: var has negative entries"),
    (lambda: F.gaussian_nll_loss(_x(3, 4), _x(3, 4), -1.0),
     lambda: TF.gaussian_nll_loss(torch.ones(3, 4), torch.ones(3, 4), -1.0),
     ValueError, r"gaussian_nll_loss: var has a negative entry \(-1.0\)"),
    (lambda: F.gaussian_nll_loss(_x(3), _x(3), np.ones(3), reduction="avg"),
     lambda: TF.gaussian_nll_loss(torch.ones(3), torch.ones(3), torch.ones(3), reduction="avg"),
     ValueError, "gaussian_nll_loss: reduction must be"),
    (lambda: F.poisson_nll_loss(_x(3), _x(3), reduction="x"),
     lambda: TF.poisson_nll_loss(torch.ones(3), torch.ones(3), reduction="x"),
     ValueError, "poisson_nll_loss: reduction"),
    (lambda: F.multi_margin_loss(_x(3, 4), np.array([0, 3, 1]), p=3),
     lambda: TF.multi_margin_loss(torch.ones(3, 4), torch.tensor([0, 3, 1]), p=3),
     ValueError, "multi_margin_loss: only p == 1 and p == 2 are supported, got p=3"),
    (lambda: F.multi_margin_loss(_x(3, 4), np.array([0, 4, 1])),
     lambda: TF.multi_margin_loss(torch.ones(3, 4), torch.tensor([0, 4, 1])),
     ValueError, r"multi_margin_loss: target holds class index 4 outside \[0, 4\)"),
    (lambda: F.multi_margin_loss(_x(3, 4), np.array([0, 1])),
     lambda: TF.multi_margin_loss(torch.ones(3, 4), torch.tensor([0, 1])),
     ValueError, r"multi_margin_loss: target has shape \(2,\) but input has shape \(3, 4\); expected target of "
                 r"shape \(3,\)"),
    (lambda: F.multi_margin_loss(_x(3, 4), np.array([0, 1, 2]), weight=np.ones(3)),
     lambda: TF.multi_margin_loss(torch.ones(3, 4), torch.tensor([0, 1, 2]), weight=torch.ones(3)),
     ValueError, r"multi_margin_loss: weight has shape \(3,\); expected \(4,\)"),
    (lambda: F.multi_margin_loss(_x(3, 4), np.array([0.0, 1, 2])),
     lambda: TF.multi_margin_loss(torch.ones(3, 4), torch.tensor([0.0, 1, 2])),
     TypeError, "multi_margin_loss: target must hold integer class indices, got dtype float64"),
    (lambda: F.multi_margin_loss(_x(2, 3, 4), np.array([0, 1])),
     lambda: TF.multi_margin_loss(torch.ones(2, 3, 4), torch.tensor([0, 1])),
     ValueError, r"multi_margin_loss: expected a \(C,\) or \(N, C\) input with C > 0, got shape \(2, 3, 4\)"),
    (lambda: nn.MultiMarginLoss(p=0), None, ValueError, "MultiMarginLoss: only p == 1 and p == 2"),
    (lambda: F.multilabel_margin_loss(_x(3, 4), np.array([[0, 4, -1, 1], [1, 1, -1, 0], [-1, 0, 0, 0]])),
     lambda: TF.multilabel_margin_loss(torch.ones(3, 4), torch.tensor([[0, 4, -1, 1], [1, 1, -1, 0], [-1, 0, 0, 0]])),
     ValueError, r"multilabel_margin_loss: target holds 4, neither a class index in \[0, 4\) nor -1"),
    (lambda: F.multilabel_margin_loss(_x(2, 3), np.array([[0, -1, 3], [1, 1, -1]])),   # after the -1 too
     lambda: TF.multilabel_margin_loss(torch.ones(2, 3), torch.tensor([[0, -1, 3], [1, 1, -1]])),
     ValueError, "multilabel_margin_loss: target holds 3"),
    (lambda: F.multilabel_margin_loss(_x(3, 4), np.array([[0, -2, -1, 1], [1, 1, -1, 0], [-1, 0, 0, 0]])),
     lambda: TF.multilabel_margin_loss(torch.ones(3, 4),
                                       torch.tensor([[0, -2, -1, 1], [1, 1, -1, 0], [-1, 0, 0, 0]])),
     ValueError, "multilabel_margin_loss: target holds -2"),
    (lambda: F.multilabel_margin_loss(_x(3, 4), np.array([[0, 3], [1, 1], [-1, 0]])),
     lambda: TF.multilabel_margin_loss(torch.ones(3, 4), torch.tensor([[0, 3], [1, 1], [-1, 0]])),
     ValueError, r"multilabel_margin_loss: target has shape \(3, 2\) but input has shape \(3, 4\)"),
    (lambda: F.multilabel_soft_margin_loss(_x(3, 4), np.ones((3, 5))),
     lambda: TF.multilabel_soft_margin_loss(torch.ones(3, 4), torch.ones(3, 5)),
     ValueError, r"multilabel_soft_margin_loss: input has shape \(3, 4\) but target has shape \(3, 5\)"),
])
def test_errors(call, torch_call, error, message):
    if torch_call is not None:   # torch refuses it too
        with pytest.raises((RuntimeError, ValueError, TypeError)):
            torch_call()
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("name, target", [("multi_margin_loss", np.zeros(0, dtype=np.int64)),
                                          ("multilabel_margin_loss", np.zeros((0, 3), dtype=np.int64))])
def test_margin_losses_on_an_empty_batch_are_nan_or_zero_with_an_empty_gradient(name, target):
    """A batch of 0 was refused. torch accepts it: 'none' gives (0,) as here, while its 'mean' and 'sum' read
    uninitialised memory (-6.9e12 and 1.0 seen), so these take the other losses' rule: mean nan, sum 0."""
    for reduction, expected in (("mean", np.nan), ("sum", 0.0)):
        x = mg.tensor(np.zeros((0, 3)), dtype="float64", requires_grad=True)
        loss = getattr(F, name)(x, mg.tensor(target), reduction=reduction)
        assert loss.shape == () and loss.dtype == np.float64
        np.testing.assert_array_equal(loss.numpy(), expected)
        loss.backward()
        assert x.grad.shape == (0, 3) and x.grad.dtype == np.float64
    x32 = mg.zeros(0, 3, dtype="float32")
    ours = getattr(F, name)(x32, mg.tensor(target), reduction="none")
    theirs = getattr(torch.nn.functional, name)(torch.zeros(0, 3), torch.tensor(target), reduction="none")
    assert ours.shape == tuple(theirs.shape) == (0,) and ours.dtype == np.float32


@pytest.mark.parametrize("name", ["multi_margin_loss", "multilabel_margin_loss"])
def test_margin_losses_still_refuse_zero_classes(name):
    for shape, target in (((2, 0), np.zeros((2,) if name == "multi_margin_loss" else (2, 0), dtype=np.int64)),
                          ((0,), np.zeros(() if name == "multi_margin_loss" else (0,), dtype=np.int64))):
        with pytest.raises(ValueError, match=rf"^{name}: expected a \(C,\) or \(N, C\) input with C > 0, "
                                             rf"got shape \({shape[0]},{' ' + str(shape[1]) if len(shape) > 1 else ''}\)$"):
            getattr(F, name)(mg.zeros(*shape), mg.tensor(target))



def _f32(*shape):
    return mg.tensor(_r(*shape), dtype="float32")


def _f64(*shape):
    return mg.tensor(_r(*shape), dtype="float64")


@pytest.mark.parametrize("call, error, message", [
    # these used to fail inside the first op that mixed the two ("sub: operands have different floating dtypes")
    (lambda: F.gaussian_nll_loss(_f32(3, 4), _f64(3, 4), mg.tensor(np.ones((3, 4)), dtype="float32")), TypeError,
     "gaussian_nll_loss: target dtype float64 differs from input dtype float32"),
    (lambda: F.gaussian_nll_loss(_f32(3, 4), _f32(3, 4), mg.tensor(np.ones((3, 4)), dtype="float64")), TypeError,
     "gaussian_nll_loss: var dtype float64 differs from input dtype float32"),
    (lambda: F.gaussian_nll_loss(_f32(3, 4), _f32(3, 4), mg.tensor(np.ones((3, 4), dtype=np.int64))), TypeError,
     r"gaussian_nll_loss: var must be floating point, got dtype int64 \(shape \(3, 4\)\)"),
    (lambda: F.poisson_nll_loss(_f32(3, 4), _f64(3, 4), full=True), TypeError,
     "poisson_nll_loss: target dtype float64 differs from input dtype float32"),
    (lambda: F.cosine_embedding_loss(_f32(3, 4), _f64(3, 4), np.ones(3)), TypeError,
     "cosine_embedding_loss: input2 dtype float64 differs from input1 dtype float32"),
    (lambda: F.triplet_margin_loss(_f32(3, 4), _f32(3, 4), _f64(3, 4)), TypeError,
     "triplet_margin_loss: negative dtype float64 differs from anchor dtype float32"),
    (lambda: F.triplet_margin_with_distance_loss(_f32(3, 4), _f64(3, 4), _f32(3, 4)), TypeError,
     "triplet_margin_with_distance_loss: positive dtype float64 differs from anchor dtype float32"),
    (lambda: F.multilabel_soft_margin_loss(_f32(3, 4), mg.tensor(np.ones((3, 4)), dtype="float64")), TypeError,
     "multilabel_soft_margin_loss: target dtype float64 differs from input dtype float32"),
])
def test_mixed_or_integer_dtypes_are_refused_naming_the_argument(call, error, message):
    with pytest.raises(error, match=f"^{message}$"):
        call()
