"""Losses against PyTorch where fuzzing found differences (issue 11): all rows ignored, empty
batches, per-class ``weight=`` and the Huber / smooth-L1 losses."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F

TF = torch.nn.functional


def _pair(x):
    """The same float64 values as a minigrad leaf and a torch leaf."""
    return (mg.tensor(x, dtype="float64", requires_grad=True),
            torch.tensor(x, dtype=torch.float64, requires_grad=True))


def _check(mg_loss, torch_loss, mx, tx, atol=1e-12):
    """Same value and same gradient (NaN where PyTorch has NaN)."""
    np.testing.assert_allclose(mg_loss.numpy(), torch_loss.detach().numpy(), rtol=1e-10, atol=atol)
    mg_loss.sum().backward() if mg_loss.ndim else mg_loss.backward()
    torch_loss.sum().backward()
    np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=atol)


# ---------------------------------------------------------------- 1: every row ignored
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_with_every_row_ignored_is_nan_with_a_zero_gradient(smoothing):
    x = np.random.default_rng(0).standard_normal((3, 4))
    t = np.array([-100, -100, -100])
    mx, tx = _pair(x)
    with np.errstate(invalid="ignore"):
        loss = F.cross_entropy(mx, t, ignore_index=-100, label_smoothing=smoothing)
    tl = TF.cross_entropy(tx, torch.tensor(t), ignore_index=-100, label_smoothing=smoothing)
    assert np.isnan(loss.item()) and np.isnan(tl.item())
    loss.backward()
    tl.backward()
    assert (mx.grad.numpy() == 0).all()
    np.testing.assert_array_equal(mx.grad.numpy(), tx.grad.numpy())


def test_nll_loss_with_every_row_ignored_is_nan_with_a_zero_gradient():
    mx, _ = _pair(np.log(np.full((2, 3), 1 / 3)))
    with np.errstate(invalid="ignore"):
        loss = F.nll_loss(mx, np.array([7, 7]), ignore_index=7)
    assert np.isnan(loss.item())
    loss.backward()
    assert (mx.grad.numpy() == 0).all()


def test_one_sgd_step_on_a_padding_only_batch_keeps_the_weights_finite():
    model = nn.Linear(4, 3)
    opt = mg.optim.SGD(model.parameters(), lr=0.1)
    x = mg.tensor(np.ones((2, 4), dtype=np.float32))
    with np.errstate(invalid="ignore"):
        F.cross_entropy(model(x), np.array([-1, -1]), ignore_index=-1).backward()
    opt.step()
    assert all(np.isfinite(p.numpy()).all() for p in model.parameters())


@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
def test_class_losses_on_an_empty_batch_are_nan_with_an_empty_gradient(loss):
    mx, tx = _pair(np.zeros((0, 4)))
    t = np.zeros(0, dtype=np.int64)
    with np.errstate(invalid="ignore"):
        value = getattr(F, loss)(mx, t)
    assert np.isnan(value.item())
    assert np.isnan(getattr(TF, loss)(tx, torch.tensor(t)).item())
    value.backward()
    assert mx.grad.shape == (0, 4)


# ---------------------------------------------------------------- weight=
_W = np.array([0.2, 1.0, 3.0, 0.5])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("ignore_index", [None, 2])
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_cross_entropy_with_class_weights_matches_torch(reduction, ignore_index, smoothing):
    x = np.random.default_rng(1).standard_normal((6, 4))
    t = np.array([0, 2, 1, 3, 2, 1])
    mx, tx = _pair(x)
    loss = F.cross_entropy(mx, t, weight=mg.tensor(_W, dtype="float64"), reduction=reduction,
                           label_smoothing=smoothing, ignore_index=ignore_index)
    tl = TF.cross_entropy(tx, torch.tensor(t), weight=torch.tensor(_W), reduction=reduction,
                          label_smoothing=smoothing, ignore_index=-100 if ignore_index is None else ignore_index)
    _check(loss, tl, mx, tx)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("ignore_index", [None, 1])
def test_nll_loss_with_class_weights_matches_torch(reduction, ignore_index):
    x = np.log(np.random.default_rng(2).dirichlet(np.ones(4), size=5))
    t = np.array([0, 1, 3, 1, 2])
    mx, tx = _pair(x)
    loss = F.nll_loss(mx, t, weight=_W, reduction=reduction, ignore_index=ignore_index)
    tl = TF.nll_loss(tx, torch.tensor(t), weight=torch.tensor(_W), reduction=reduction,
                     ignore_index=-100 if ignore_index is None else ignore_index)
    _check(loss, tl, mx, tx)


def test_loss_layers_take_weight():
    x = np.random.default_rng(3).standard_normal((5, 4))
    t = np.array([0, 1, 3, 1, 2])
    mx, tx = _pair(x)
    loss = nn.CrossEntropyLoss(weight=_W, label_smoothing=0.1)(mx, t)
    _check(loss, torch.nn.CrossEntropyLoss(weight=torch.tensor(_W), label_smoothing=0.1)(tx, torch.tensor(t)), mx, tx)
    my, ty = _pair(x)
    loss = nn.NLLLoss(weight=_W)(my, t)
    _check(loss, torch.nn.NLLLoss(weight=torch.tensor(_W))(ty, torch.tensor(t)), my, ty)
    assert "weight" in repr(nn.NLLLoss(weight=_W))


def test_class_weights_are_validated():
    x = mg.tensor(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"cross_entropy: weight has shape \(3,\); expected \(4,\)"):
        F.cross_entropy(x, np.array([0, 1]), weight=np.ones(3))
    with pytest.raises(ValueError, match=r"nll_loss: weight has shape \(2, 2\); expected \(4,\)"):
        F.nll_loss(x, np.array([0, 1]), weight=np.ones((2, 2)))


# ---------------------------------------------------------------- Huber and smooth L1
_D = np.array([[-3.0, -1.0, -0.4, 0.0], [0.2, 0.7, 1.5, 4.0]])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name, layer, option, value", [
    ("huber_loss", "HuberLoss", "delta", 1.0), ("huber_loss", "HuberLoss", "delta", 0.5),
    ("huber_loss", "HuberLoss", "delta", 2.5), ("smooth_l1_loss", "SmoothL1Loss", "beta", 1.0),
    ("smooth_l1_loss", "SmoothL1Loss", "beta", 0.5), ("smooth_l1_loss", "SmoothL1Loss", "beta", 0.0),
])
def test_huber_and_smooth_l1_losses_match_torch(reduction, name, layer, option, value):
    target = np.random.default_rng(4).standard_normal(_D.shape)
    mx, tx = _pair(target + _D)
    loss = getattr(F, name)(mx, target, reduction=reduction, **{option: value})
    _check(loss, getattr(TF, name)(tx, torch.tensor(target), reduction=reduction, **{option: value}), mx, tx)
    module = getattr(nn, layer)(reduction=reduction, **{option: value})
    assert f"{option}={value}" in repr(module)
    np.testing.assert_allclose(module(mx, target).numpy(), loss.numpy())


@pytest.mark.parametrize("dtype, delta", [("float64", np.inf), ("float32", np.inf), ("float32", 1e39)])
def test_huber_loss_with_a_delta_past_the_dtypes_range_is_half_the_squared_error_as_torch(dtype, delta, device):
    # delta = inf has no linear zone: the loss was right, but every gradient NaN (where() differentiated the
    # unselected (|d| - delta/2) delta branch, 0 * inf); torch gives d. float32's range ends below 1e39.
    values = np.array([0.5, -3.0, 0.0, 40.0])
    x = mg.tensor(values, dtype=dtype, requires_grad=True, device=device)
    loss = F.huber_loss(x, mg.zeros(4, dtype=dtype, device=device), reduction="sum", delta=delta)
    loss.backward()
    tx = torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=True)
    expected = TF.huber_loss(tx, torch.zeros(4, dtype=getattr(torch, dtype)), reduction="sum", delta=delta)
    expected.backward()
    assert loss.dtype == np.dtype(dtype) and x.grad.dtype == np.dtype(dtype)
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-7)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-7)   # d itself: 0.5, -3, 0, 40


@pytest.mark.parametrize("dtype, beta", [("float32", 1e-40), ("float32", 1e-300), ("float64", 1e-310)])
def test_smooth_l1_loss_with_a_beta_whose_inverse_overflows_is_torchs(dtype, beta, device):
    # 0.5 / beta is inf in the dtype: the loss at d = 0 was 0 * inf = NaN (float32 beta=1e-40: 'sum' NaN where
    # torch gives 3.5) and every gradient NaN (beta=1e-300 in float32: [nan, nan, nan], torch [1, -1, 0])
    values = np.array([0.5, -3.0, 0.0])
    x = mg.tensor(values, dtype=dtype, requires_grad=True, device=device)
    loss = F.smooth_l1_loss(x, mg.zeros(3, dtype=dtype, device=device), reduction="sum", beta=beta)
    loss.backward()
    tx = torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=True)
    expected = TF.smooth_l1_loss(tx, torch.zeros(3, dtype=getattr(torch, dtype)), reduction="sum", beta=beta)
    expected.backward()
    assert loss.dtype == np.dtype(dtype) and x.grad.dtype == np.dtype(dtype)
    assert loss.item() == expected.item() == 3.5
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())   # sign(d), 0 at d = 0


@pytest.mark.parametrize("name, option", [("huber_loss", {"delta": 1.0}), ("huber_loss", {"delta": 0.3}),
                                          ("smooth_l1_loss", {"beta": 1.0}), ("smooth_l1_loss", {"beta": 0.5})])
def test_huber_and_smooth_l1_gradients_at_an_infinite_input_are_torchs(name, option, device):
    # the loss there is inf, its slope +-delta (+-1): d^2 / 2, the branch where() leaves out, sent back 0 * inf = NaN
    # (huber_loss([inf, -inf, 0.5, -3], 0, reduction='sum') had gradient [nan, nan, 0.5, -1], torch [1, -1, 0.5, -1])
    values = [np.inf, -np.inf, 0.5, -3.0]
    x = mg.tensor(values, dtype="float64", requires_grad=True, device=device)
    loss = getattr(F, name)(x, mg.zeros(4, dtype="float64", device=device), reduction="sum", **option)
    loss.backward()
    tx = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    expected = getattr(TF, name)(tx, torch.zeros(4, dtype=torch.float64), reduction="sum", **option)
    expected.backward()
    assert loss.item() == expected.item() == np.inf
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_huber_and_smooth_l1_validate_their_arguments():
    x = mg.tensor(np.zeros(3))
    with pytest.raises(RuntimeError, match="huber_loss: delta must be positive, got -1"):
        F.huber_loss(x, np.zeros(3), delta=-1.0)
    with pytest.raises(RuntimeError, match="smooth_l1_loss: beta must be >= 0, got -0.5"):
        F.smooth_l1_loss(x, np.zeros(3), beta=-0.5)
    with pytest.raises(ValueError, match="huber_loss: input has shape"):
        F.huber_loss(x, np.zeros(4))
    with pytest.raises(ValueError, match="reduction"):
        nn.SmoothL1Loss(reduction="avg")(x, np.zeros(3))


def test_huber_and_smooth_l1_keep_float32_and_are_nan_on_an_empty_batch():
    x = mg.tensor(np.array([0.5, 3.0], dtype=np.float32))
    assert F.huber_loss(x, np.zeros(2, dtype=np.float32)).dtype == np.float32
    assert F.smooth_l1_loss(x, np.zeros(2, dtype=np.float32)).dtype == np.float32
    with np.errstate(invalid="ignore", divide="ignore"):
        assert np.isnan(F.huber_loss(mg.tensor(np.zeros(0)), np.zeros(0)).item())


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("target", [[0, 0, 0], [0, -100, 0]])
def test_weighted_cross_entropy_whose_counted_rows_weigh_nothing_is_nan_with_a_zero_gradient(smoothing, target):
    # Every counted row's class has weight 0: the weighted 'mean' is 0 / 0, NaN as in PyTorch, with a zero
    # gradient as when every row is ignored (PyTorch's gradient is NaN there). With smoothing the gradient was
    # the smoothing term's, not divided by anything (0.034, -0.024, ...), so a step moved the weights.
    mx, tx = _pair(np.random.default_rng(0).standard_normal((3, 4)))
    weight = np.array([0.0, 1.0, 1.0, 1.0])
    with np.errstate(invalid="ignore"):
        loss = F.cross_entropy(mx, np.array(target), weight=mg.tensor(weight, dtype="float64"),
                               label_smoothing=smoothing)
    tl = TF.cross_entropy(tx, torch.tensor(target), weight=torch.tensor(weight), label_smoothing=smoothing)
    assert np.isnan(loss.item()) and np.isnan(tl.item())
    loss.backward()
    tl.backward()
    assert (mx.grad.numpy() == 0).all()
    assert np.isnan(tx.grad.numpy()[0]).all()


@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
def test_a_weighted_mean_whose_negative_class_weights_total_0_is_nan_with_a_zero_gradient_on_every_device(loss,
                                                                                                          device):
    # Rows of weight -1 and 1: the weighted sum is not 0 but the total is, so the fused node's w / 0 on a GPU was
    # inf (CPU: NaN, as documented for a total of 0, and as the composed losses gave on both).
    x = mg.tensor(np.random.default_rng(0).standard_normal((2, 3)), dtype="float64", requires_grad=True,
                  device=device)
    weight = mg.tensor([-1.0, 1.0, 2.0], dtype="float64", device=device)
    scores = x if loss == "cross_entropy" else F.log_softmax(x, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = getattr(F, loss)(scores, mg.tensor([0, 1], device=device), weight=weight)
    assert np.isnan(out.item())
    out.backward()
    assert (x.grad.numpy() == 0).all()
