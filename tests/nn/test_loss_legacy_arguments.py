"""torch's deprecated size_average/reduce flags, its positional order of the loss arguments, and the
element weights of mse_loss, l1_loss and huber_loss: each compared with torch."""
import warnings

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F

RNG = np.random.default_rng(11)
X = RNG.standard_normal((5, 4))
T = RNG.standard_normal((5, 4))
CLASSES = np.array([0, 3, 1, 1, 2])
W = np.array([1.0, 2.0, 0.5, 3.0])
FLAGS = [None, True, False]


def _value(out):
    return out.detach().numpy() if isinstance(out, torch.Tensor) else out.numpy()


def _f(lib, array):
    return lib.tensor(array, dtype=lib.float64)   # minigrad.tensor reads NumPy's float64 as float32


def _i(lib, array):
    return lib.tensor(array)


def _caught(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = call()
    return out, [str(w.message) for w in caught]


# (name, minigrad call, torch call), each given (size_average, reduce) by position
LEGACY_CALLS = [
    ("mse_loss", lambda m, a, r: m.nn.functional.mse_loss(_f(m, X), _f(m, T), a, r)),
    ("l1_loss", lambda m, a, r: m.nn.functional.l1_loss(_f(m, X), _f(m, T), a, r)),
    ("smooth_l1_loss", lambda m, a, r: m.nn.functional.smooth_l1_loss(_f(m, X), _f(m, T), a, r)),
    ("cross_entropy", lambda m, a, r: m.nn.functional.cross_entropy(_f(m, X), _i(m, CLASSES), _f(m, W), a,
                                                                     1, r)),
    ("nll_loss", lambda m, a, r: m.nn.functional.nll_loss(_f(m, X), _i(m, CLASSES), None, a, -100, r)),
    ("kl_div", lambda m, a, r: m.nn.functional.kl_div(_f(m, X), _f(m, np.abs(T)), a, r)),
    ("soft_margin_loss", lambda m, a, r: m.nn.functional.soft_margin_loss(_f(m, X), _f(m, np.sign(T)), a, r)),
    ("multi_margin_loss", lambda m, a, r: m.nn.functional.multi_margin_loss(_f(m, X), _i(m, CLASSES), 1, 1.0,
                                                                            None, a, r)),
    ("poisson_nll_loss", lambda m, a, r: m.nn.functional.poisson_nll_loss(_f(m, X), _f(m, np.abs(T)), True,
                                                                          False, a, 1e-8, r)),
    ("MSELoss", lambda m, a, r: m.nn.MSELoss(a, r)(_f(m, X), _f(m, T))),
    ("CrossEntropyLoss", lambda m, a, r: m.nn.CrossEntropyLoss(_f(m, W), a, 2, r)(_f(m, X), _i(m, CLASSES))),
    ("NLLLoss", lambda m, a, r: m.nn.NLLLoss(None, a, 3, r)(_f(m, X), _i(m, CLASSES))),
    ("BCEWithLogitsLoss", lambda m, a, r: m.nn.BCEWithLogitsLoss(None, a, r)(_f(m, X), _f(m, np.abs(T) / 3))),
    ("TripletMarginLoss", lambda m, a, r: m.nn.TripletMarginLoss(1.0, 2.0, 1e-6, False, a, r)(
        _f(m, X), _f(m, T), _f(m, X[::-1].copy()))),
]


@pytest.mark.parametrize("size_average", FLAGS)
@pytest.mark.parametrize("reduce", FLAGS)
@pytest.mark.parametrize("name, call", LEGACY_CALLS, ids=[c[0] for c in LEGACY_CALLS])
def test_deprecated_flags_reduce_as_torch_and_warn_as_torch(name, call, size_average, reduce):
    ours, our_warnings = _caught(lambda: call(mg, size_average, reduce))
    theirs, their_warnings = _caught(lambda: call(torch, size_average, reduce))
    np.testing.assert_allclose(_value(ours), _value(theirs), rtol=1e-12, atol=1e-14)
    legacy = [w for w in their_warnings if "size_average and reduce" in w]
    assert [w for w in our_warnings if "size_average and reduce" in w] == legacy
    assert bool(legacy) == (size_average is not None or reduce is not None)


KL_REDUCTIONS = ["batchmean", "mean", "sum", "none"]
KL_CALLS = [
    ("kl_div", lambda m, a, r, reduction: m.nn.functional.kl_div(_f(m, X), _f(m, np.abs(T)), a, r, reduction)),
    ("kl_div log_target", lambda m, a, r, reduction: m.nn.functional.kl_div(_f(m, X), _f(m, T), a, r, reduction,
                                                                            log_target=True)),
    ("kl_div 1-d", lambda m, a, r, reduction: m.nn.functional.kl_div(_f(m, X[0]), _f(m, np.abs(T[0])), a, r,
                                                                     reduction)),
    ("KLDivLoss", lambda m, a, r, reduction: m.nn.KLDivLoss(a, r, reduction)(_f(m, X), _f(m, np.abs(T)))),
]


@pytest.mark.parametrize("reduction", KL_REDUCTIONS)
@pytest.mark.parametrize("size_average", FLAGS)
@pytest.mark.parametrize("reduce", FLAGS)
@pytest.mark.parametrize("name, call", KL_CALLS, ids=[c[0] for c in KL_CALLS])
def test_kl_div_flags_with_a_reduction_give_torchs_values_and_warnings(name, call, size_average, reduce, reduction):
    # torch's F.kl_div reduces as the flags say, then still divides by the batch size when reduction='batchmean'
    # (even an unreduced result); its nn.KLDivLoss keeps only the flags' reduction.
    ours, our_warnings = _caught(lambda: call(mg, size_average, reduce, reduction))
    theirs, their_warnings = _caught(lambda: call(torch, size_average, reduce, reduction))
    assert _value(ours).shape == _value(theirs).shape
    np.testing.assert_allclose(_value(ours), _value(theirs), rtol=1e-12, atol=1e-14)
    assert sorted(w[:40] for w in our_warnings) == sorted(w[:40] for w in their_warnings)


@pytest.mark.parametrize("make, message", [
    (lambda: nn.MSELoss("sum"), "MSELoss: size_average is torch's deprecated flag (True, False or None), got 'sum'; "
                                "pass the reduction by keyword: reduction='sum'"),
    (lambda: nn.KLDivLoss("batchmean"), "KLDivLoss: size_average is torch's deprecated flag"),
    (lambda: nn.CrossEntropyLoss(None, -100, "sum"), "CrossEntropyLoss: size_average must be True, False or None, "
                                                     "got -100"),   # minigrad's old order: weight, ignore_index, ...
    (lambda: nn.NLLLoss(None, None, 1, "sum"), "NLLLoss: reduce is torch's deprecated flag"),
    (lambda: F.mse_loss(_f(mg, X), _f(mg, T), "sum"), "mse_loss: size_average is torch's deprecated flag"),
    (lambda: F.l1_loss(_f(mg, X), _f(mg, T), None, "none"), "l1_loss: reduce is torch's deprecated flag"),
    (lambda: F.mse_loss(_f(mg, X), _f(mg, T), 0.5), "mse_loss: size_average must be True, False or None, "
                                                          "got 0.5"),
])
def test_a_reduction_in_a_deprecated_slot_is_one_clear_error(make, message):
    with pytest.raises(TypeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make()


def test_weight_comes_third_in_cross_entropy_and_nll_loss_as_in_torch():
    x, t, w = mg.tensor(X, dtype=mg.float64, requires_grad=True), mg.tensor(CLASSES), _f(mg, W)
    tx = torch.tensor(X, requires_grad=True)
    ours = F.cross_entropy(x, t, w)
    theirs = torch.nn.functional.cross_entropy(tx, torch.tensor(CLASSES), torch.tensor(W))
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-12)
    ours.backward()
    theirs.backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    log_p = np.log(np.exp(X) / np.exp(X).sum(1, keepdims=True))
    np.testing.assert_allclose(F.nll_loss(_f(mg, log_p), t, w, None, 3).item(),
                               torch.nn.functional.nll_loss(torch.tensor(log_p), torch.tensor(CLASSES),
                                                            torch.tensor(W), None, 3).item(), rtol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_element_weights_match_torch_with_their_gradients(name, reduction):
    weight = RNG.uniform(0.1, 2.0, X.shape)
    ours_x, ours_w = mg.tensor(X, dtype=mg.float64, requires_grad=True), mg.tensor(weight, dtype=mg.float64, requires_grad=True)
    tx, tw = torch.tensor(X, requires_grad=True), torch.tensor(weight, requires_grad=True)
    ours = getattr(F, name)(ours_x, _f(mg, T), reduction=reduction, weight=ours_w)
    theirs = getattr(torch.nn.functional, name)(tx, torch.tensor(T), reduction=reduction, weight=tw)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12)
    seed = RNG.standard_normal(X.shape) if reduction == "none" else np.array(1.0)
    ours.backward(_f(mg, seed))
    theirs.backward(torch.tensor(seed))
    np.testing.assert_allclose(ours_x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours_w.grad.numpy(), tw.grad.numpy(), rtol=1e-12)
    assert mg.gradcheck(lambda a, b: getattr(F, name)(a, _f(mg, T), reduction=reduction, weight=b),
                        (ours_x, ours_w))
    assert mg.gradgradcheck(lambda a, b: getattr(F, name)(a, _f(mg, T), reduction=reduction, weight=b),
                            (ours_x, ours_w))


def test_element_weights_of_another_shape_are_refused_as_torch_refuses_them():
    with pytest.raises(ValueError):
        torch.nn.functional.mse_loss(torch.tensor(X), torch.tensor(T), weight=torch.ones(4))
    with pytest.raises(ValueError, match=r"mse_loss: weight must have the input's shape \(5, 4\), got \(4,\)"):
        F.mse_loss(_f(mg, X), _f(mg, T), weight=mg.ones(4))


def test_float32_stays_float32_with_element_weights():
    x = mg.tensor(X.astype(np.float32), requires_grad=True)
    loss = F.mse_loss(x, T.astype(np.float32), weight=np.ones(X.shape))   # a float64 array: cast as a target is
    assert loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_a_weight_tensor_of_another_float_dtype_is_cast_to_the_inputs_as_bces(name):
    # was mul's dtype error; torch promotes the loss to float64, minigrad keeps float32 (as for BCE's weight Tensor)
    w = np.random.default_rng(5).random(X.shape)
    x = mg.tensor(X.astype(np.float32), requires_grad=True)
    weight = mg.tensor(w, dtype=mg.float64, requires_grad=True)
    loss = getattr(F, name)(x, T.astype(np.float32), weight=weight)
    assert loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32 and weight.grad.dtype == np.float64
    theirs = getattr(torch.nn.functional, name)(torch.tensor(X.astype(np.float32)), torch.tensor(T.astype(np.float32)),
                                                weight=torch.tensor(w))
    np.testing.assert_allclose(float(loss.item()), theirs.item(), rtol=1e-6)
