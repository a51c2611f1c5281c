"""BCEWithLogitsLoss / F.binary_cross_entropy_with_logits with PyTorch's weight and pos_weight: values and
gradients (input, target, weight, pos_weight) against torch in float64, stability for |x| up to 100, dtypes,
argument order and errors. gradcheck and gradgradcheck run through tests/nn_registry.py."""
import inspect

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F
from minigrad.nn.functional.binary_losses import SigmoidBinaryCrossEntropy, WeightedSigmoidBinaryCrossEntropy

RNG = np.random.default_rng(2024)

# (input shape, weight shape or None, pos_weight shape or None)
CASES = [
    ((6,), (6,), None),
    ((6,), None, (1,)),
    ((5, 3), (5, 1), (3,)),            # one weight per sample, one pos_weight per class
    ((5, 3), (3,), None),
    ((5, 3), None, (3,)),
    ((5, 3), (5, 3), (5, 3)),
    ((2, 4, 3), (), (3,)),             # a 0-d weight
    ((2, 4, 3), (4, 1), (1, 1, 3)),
]


def _data(shape, w_shape, p_shape, scale=3.0):
    x = RNG.standard_normal(shape) * scale
    t = RNG.random(shape)
    w = None if w_shape is None else RNG.uniform(0.1, 2.0, w_shape)
    p = None if p_shape is None else RNG.uniform(0.2, 4.0, p_shape)
    return x, t, w, p


def _ours(x, t, w, p, reduction, grad=True):
    xs = [mg.tensor(a, dtype=np.float64, requires_grad=grad) if a is not None else None for a in (x, t, w, p)]
    loss = F.binary_cross_entropy_with_logits(xs[0], xs[1], xs[2], reduction=reduction, pos_weight=xs[3])
    return loss, xs


def _theirs(x, t, w, p, reduction, textbook=False):
    """torch's loss; ``textbook=True``: torch's autograd through ``-w [p t logsigmoid(x) + (1 - t) logsigmoid(-x)]``
    instead (torch's own function refuses a weight that requires grad)."""
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=(i < 2 or textbook)) if a is not None else None
          for i, a in enumerate((x, t, w, p))]
    if not textbook:
        return torch.nn.functional.binary_cross_entropy_with_logits(ts[0], ts[1], ts[2], reduction=reduction,
                                                                    pos_weight=ts[3]), ts
    xt, tt, wt, pt = ts
    logsig = torch.nn.functional.logsigmoid
    per = -(tt * logsig(xt) * (1.0 if pt is None else pt) + (1 - tt) * logsig(-xt)) * (1.0 if wt is None else wt)
    return {"mean": per.mean(), "sum": per.sum(), "none": per}[reduction], ts


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape, w_shape, p_shape", CASES)
def test_values_and_gradients_match_torch(shape, w_shape, p_shape, reduction):
    x, t, w, p = _data(shape, w_shape, p_shape)
    ours, xs = _ours(x, t, w, p, reduction)
    theirs, ts = _theirs(x, t, w, p, reduction)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-14)
    seed = RNG.standard_normal(ours.shape)            # a non-uniform upstream gradient for 'none'
    ours.backward(mg.tensor(seed, dtype=np.float64))
    theirs.backward(torch.tensor(seed))
    for name, a, b in zip(("input", "target"), xs, ts):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-11, atol=1e-13, err_msg=name)
    textbook, tb = _theirs(x, t, w, p, reduction, textbook=True)
    np.testing.assert_allclose(textbook.detach().numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-14)
    textbook.backward(torch.tensor(seed))
    for name, a, b in zip(("input", "target", "weight", "pos_weight"), xs, tb):
        if a is not None:                                # weight and pos_weight: against the textbook's autograd
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-11, atol=1e-13, err_msg=name)


@pytest.mark.parametrize("with_weights", [False, True])
def test_stable_for_logits_up_to_100(with_weights):
    x = np.array([[100.0, -100.0, 60.0], [-60.0, 0.0, 99.0], [-99.5, 35.0, -35.0]])
    t = np.array([[1.0, 0.0, 0.0], [1.0, 0.5, 0.25], [0.0, 1.0, 0.0]])
    w, p = (np.array([[0.5], [2.0], [1.0]]), np.array([3.0, 0.5, 2.0])) if with_weights else (None, None)
    ours, xs = _ours(x, t, w, p, "none")
    theirs, ts = _theirs(x, t, w, p, "none")
    assert np.isfinite(ours.numpy()).all()
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-14)
    ours.sum().backward()
    theirs.sum().backward()
    for a, b in zip(xs[:2], ts[:2]):
        if a is not None:
            assert np.isfinite(a.grad.numpy()).all()
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_the_unweighted_call_keeps_its_fused_node_and_weights_of_one_change_nothing():
    x, t, _, _ = _data((4, 3), None, None)
    xt = mg.tensor(x, dtype=np.float64, requires_grad=True)
    plain = F.binary_cross_entropy_with_logits(xt, t, reduction="none")
    assert type(plain.creator) is SigmoidBinaryCrossEntropy
    assert type(nn.BCEWithLogitsLoss(reduction="sum")(xt, t).creator.inputs[0].creator) is SigmoidBinaryCrossEntropy
    ones = F.binary_cross_entropy_with_logits(xt, t, np.ones(3), reduction="none", pos_weight=np.ones(3))
    assert type(ones.creator) is WeightedSigmoidBinaryCrossEntropy
    np.testing.assert_allclose(ones.numpy(), plain.numpy(), rtol=1e-14, atol=1e-15)


def test_layer_takes_torchs_positional_order_and_holds_buffers():
    x, t, w, p = _data((5, 3), (3,), (3,))
    ours = nn.BCEWithLogitsLoss(w, None, None, "sum", p)
    theirs = torch.nn.BCEWithLogitsLoss(torch.tensor(w), None, None, "sum", torch.tensor(p))
    np.testing.assert_allclose(ours(mg.tensor(x, dtype=np.float64), t).item(),
                               theirs(torch.tensor(x), torch.tensor(t)).item(), rtol=1e-12)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "pos_weight"]
    assert list(nn.BCEWithLogitsLoss(pos_weight=p).state_dict()) == \
        list(torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(p)).state_dict()) == ["pos_weight"]
    assert repr(ours) == "BCEWithLogitsLoss(weight, pos_weight, reduction='sum')"
    assert list(inspect.signature(nn.BCEWithLogitsLoss).parameters) == \
        list(inspect.signature(torch.nn.BCEWithLogitsLoss).parameters)
    assert list(inspect.signature(F.binary_cross_entropy_with_logits).parameters) == \
        list(inspect.signature(torch.nn.functional.binary_cross_entropy_with_logits).parameters)
    assert nn.BCEWithLogitsLoss(pos_weight=[1, 2, 3]).pos_weight.dtype == np.float32   # a list: float32


def test_float32_stays_float32_with_float64_weights(device):
    x = mg.tensor(RNG.standard_normal((4, 3)).astype(np.float32), requires_grad=True, device=device)
    t = RNG.random((4, 3)).astype(np.float32)
    w64, p64 = np.full((4, 1), 0.5), np.array([1.0, 2.0, 3.0])        # float64 arrays
    # the weights go where the input is, as torch's must (a host weight and a GPU input is an error in both)
    for loss in (nn.BCEWithLogitsLoss(w64, pos_weight=p64).to(device)(x, t),
                 F.binary_cross_entropy_with_logits(x, t, mg.tensor(w64, dtype=np.float64, device=device),
                                                    reduction="none",
                                                    pos_weight=mg.tensor(p64, dtype=np.float64, device=device))):
        assert loss.dtype == np.float32
        x.grad = None
        loss.sum().backward()
        assert x.grad.dtype == np.float32


@pytest.mark.parametrize("kwargs, error, message", [
    ({"weight": np.ones(4)}, ValueError, r"weight of shape \(4,\) does not broadcast to the input's shape \(5, 3\)"),
    ({"weight": np.ones((5, 3, 1))}, ValueError, r"weight of shape \(5, 3, 1\) does not broadcast"),
    ({"pos_weight": np.ones(5)}, ValueError,
     r"pos_weight of shape \(5,\) does not broadcast to the input's shape \(5, 3\) \(one weight per class"),
    ({"weight": "sum"}, TypeError,
     "weight must be an array or Tensor of numbers, got 'sum'; "
     "the reduction is a keyword argument: reduction='sum'"),
    ({"pos_weight": np.array(["a"])}, TypeError, "pos_weight must be an array or Tensor of numbers"),
    ({"reduction": "avg"}, ValueError, "reduction must be 'mean', 'sum' or 'none', got 'avg'"),
])
def test_bad_weights_give_one_clear_error(kwargs, error, message):
    x = mg.tensor(RNG.standard_normal((5, 3)))
    with pytest.raises(error, match="binary_cross_entropy_with_logits: " + message):
        F.binary_cross_entropy_with_logits(x, np.zeros((5, 3), np.float32), **kwargs)
    if error is ValueError and "reduction" not in kwargs:     # the layer's call gives the same error
        with pytest.raises(ValueError, match=message):
            nn.BCEWithLogitsLoss(**kwargs)(x, np.zeros((5, 3), np.float32))


def test_layer_refuses_weights_that_are_not_numbers():
    with pytest.raises(TypeError, match="BCEWithLogitsLoss: weight must be an array or Tensor of numbers, got 'sum'"):
        nn.BCEWithLogitsLoss("sum")
    # A TypeError, as F.binary_cross_entropy_with_logits gives for the same values.
    with pytest.raises(TypeError, match=r"BCEWithLogitsLoss: pos_weight must be an array or Tensor of numbers, "
                                        r"got \[\[1.0\], \[2.0, 3.0\]\]$"):
        nn.BCEWithLogitsLoss(pos_weight=[[1.0], [2.0, 3.0]])
    with pytest.raises(TypeError, match=r"BCEWithLogitsLoss: weight must be an array or Tensor of numbers, "
                                        r"got array\(\['a'\], dtype='<U1'\)$"):
        nn.BCEWithLogitsLoss(np.array(["a"]))
