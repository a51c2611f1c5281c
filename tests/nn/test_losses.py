"""Losses: values against the textbook formulas, gradients (float64 gradcheck), options and errors."""
import inspect
import re

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn
from minigrad.nn import BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from minigrad.nn import functional as F

F64 = np.float64
RNG = np.random.default_rng(42)
LOGITS = RNG.standard_normal((5, 4)) * 2
TARGET = np.array([0, 3, 1, 1, 2])


def _logits(device="cpu", data=LOGITS):
    return mg.tensor(data, dtype=F64, requires_grad=True, device=device)


def _reference_ce(logits, target, smoothing=0.0, ignore_index=None, reduction="mean"):
    """-sum_c q_c log softmax(x)_c per row, written from the definition."""
    n, c = logits.shape
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    q = np.full((n, c), smoothing / c)
    keep = np.ones(n, dtype=bool) if ignore_index is None else target != ignore_index
    for i in range(n):
        if keep[i]:
            q[i, target[i]] += 1 - smoothing
    per_row = -(q * log_p).sum(axis=1) * keep
    if reduction == "none":
        return per_row
    return per_row.sum() / (keep.sum() if reduction == "mean" else 1)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_values_and_gradients(reduction, smoothing, device):
    x = _logits(device)
    loss = F.cross_entropy(x, TARGET, reduction=reduction, label_smoothing=smoothing)
    np.testing.assert_allclose(loss.numpy(), _reference_ce(LOGITS, TARGET, smoothing, reduction=reduction),
                               rtol=1e-12)

    def run(x):
        return F.cross_entropy(x, TARGET, reduction=reduction, label_smoothing=smoothing)

    assert mg.gradcheck(run, (x,))
    assert mg.gradgradcheck(run, (x,))


def test_cross_entropy_gradient_is_softmax_minus_one_hot_over_n():
    x = _logits()
    F.cross_entropy(x, TARGET).backward()
    p = np.exp(LOGITS) / np.exp(LOGITS).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(x.grad.numpy(), (p - np.eye(4)[TARGET]) / 5, rtol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_ignore_index(reduction):
    target = np.array([0, -100, 1, -100, 2])
    x = _logits()
    loss = F.cross_entropy(x, target, reduction=reduction, ignore_index=-100, label_smoothing=0.1)
    expected = _reference_ce(LOGITS, target, 0.1, ignore_index=-100, reduction=reduction)
    np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-12)
    loss.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[[1, 3]], np.zeros((2, 4)))

    def run(x):
        return F.cross_entropy(x, target, reduction=reduction, ignore_index=-100, label_smoothing=0.1)

    assert mg.gradcheck(run, (x,))
    assert mg.gradgradcheck(run, (x,))


def test_cross_entropy_matches_nll_of_log_softmax_and_loss_classes():
    x = _logits()
    ce = F.cross_entropy(x, TARGET).item()
    nll = F.nll_loss(F.log_softmax(x, axis=1), TARGET).item()
    np.testing.assert_allclose(nll, ce, rtol=1e-12)
    np.testing.assert_allclose(CrossEntropyLoss(label_smoothing=0.3)(x, TARGET).item(),
                               _reference_ce(LOGITS, TARGET, 0.3), rtol=1e-12)
    np.testing.assert_allclose(NLLLoss(reduction="sum")(F.log_softmax(x), TARGET).item(),
                               _reference_ce(LOGITS, TARGET, reduction="sum"), rtol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_values_and_gradients(reduction, device):
    log_p = mg.tensor(np.log(np.random.default_rng(1).dirichlet(np.ones(4), size=5)), dtype=F64,
                      requires_grad=True, device=device)
    target = np.array([1, -1, 3, 0, 3])
    picked = -log_p.numpy()[np.arange(5), np.maximum(target, 0)] * (target != -1)
    expected = {"mean": picked.sum() / 4, "sum": picked.sum(), "none": picked}[reduction]
    loss = F.nll_loss(log_p, target, reduction=reduction, ignore_index=-1)
    np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-12)

    def run(lp):
        return F.nll_loss(lp, target, reduction=reduction, ignore_index=-1)

    assert mg.gradcheck(run, (log_p,))
    assert mg.gradgradcheck(run, (log_p,))


def test_cross_entropy_is_stable_for_huge_logits():
    data = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, 1000.0], [1000.0, 1000.0, -1000.0]],
                    dtype=np.float32)
    x = mg.tensor(data, requires_grad=True)
    loss = F.cross_entropy(x, np.array([0, 0, 1]), reduction="none")
    loss.sum().backward()
    # Row 0 is right with certainty (0); row 1 is wrong by 2000; row 2 is a 50/50 tie (log 2).
    np.testing.assert_allclose(loss.numpy(), [0.0, 2000.0, np.log(2)], rtol=1e-6)
    expected_grad = np.array([[0, 0, 0], [-1, 0, 1], [0.5, -0.5, 0]], dtype=np.float32)
    np.testing.assert_allclose(x.grad.numpy(), expected_grad, atol=1e-6)
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32


def test_softmax_and_log_softmax_are_stable_for_huge_logits():
    x = mg.tensor(np.array([[1000.0, -1000.0], [-1000.0, 1000.0]], dtype=np.float32), requires_grad=True)
    p = F.softmax(x)
    log_p = F.log_softmax(x)
    np.testing.assert_allclose(p.numpy(), [[1, 0], [0, 1]], atol=1e-7)
    np.testing.assert_allclose(log_p.numpy(), [[0, -2000], [-2000, 0]], rtol=1e-6)
    (log_p * mg.tensor([[1.0, 0.0], [0.0, 1.0]])).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_bce_with_logits_is_stable_for_huge_logits():
    x = mg.tensor(np.array([1000.0, -1000.0, 1000.0, 0.0], dtype=np.float32), requires_grad=True)
    t = np.array([1.0, 0.0, 0.0, 1.0], dtype=np.float32)
    loss = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    loss.sum().backward()
    np.testing.assert_allclose(loss.numpy(), [0.0, 0.0, 1000.0, np.log(2)], rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.0, 1.0, -0.5], atol=1e-7)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_with_logits_values_and_gradients(reduction, device):
    rng = np.random.default_rng(3)
    a = rng.standard_normal((4, 3)) * 3
    t_data = rng.random((4, 3))
    x = mg.tensor(a, dtype=F64, requires_grad=True, device=device)
    t = mg.tensor(t_data, dtype=F64, requires_grad=True, device=device)
    s = 1 / (1 + np.exp(-a))
    per = -(t_data * np.log(s) + (1 - t_data) * np.log(1 - s))
    expected = {"mean": per.mean(), "sum": per.sum(), "none": per}[reduction]
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(x, t, reduction=reduction).numpy(), expected,
                               rtol=1e-10)
    np.testing.assert_allclose(BCEWithLogitsLoss(reduction=reduction)(x, t).numpy(), expected, rtol=1e-10)

    def run(x, t):
        return F.binary_cross_entropy_with_logits(x, t, reduction=reduction)

    assert mg.gradcheck(run, (x, t))
    assert mg.gradgradcheck(run, (x, t))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_and_l1_values_and_gradients(reduction, device):
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    x = mg.tensor(a, dtype=F64, requires_grad=True, device=device)
    y = mg.tensor(b, dtype=F64, requires_grad=True, device=device)
    reduce = {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction]
    np.testing.assert_allclose(F.mse_loss(x, y, reduction=reduction).numpy(), reduce((a - b) ** 2), rtol=1e-12)
    np.testing.assert_allclose(F.l1_loss(x, y, reduction=reduction).numpy(), reduce(np.abs(a - b)), rtol=1e-12)
    np.testing.assert_allclose(MSELoss(reduction=reduction)(x, y).numpy(), reduce((a - b) ** 2), rtol=1e-12)
    np.testing.assert_allclose(L1Loss(reduction=reduction)(x, y).numpy(), reduce(np.abs(a - b)), rtol=1e-12)
    assert mg.gradcheck(lambda x, y: F.mse_loss(x, y, reduction=reduction), (x, y))
    assert mg.gradgradcheck(lambda x, y: F.mse_loss(x, y, reduction=reduction), (x, y))
    assert mg.gradcheck(lambda x, y: F.l1_loss(x, y, reduction=reduction), (x, y))


def test_target_validation_errors():
    x = mg.zeros(3, 4)
    with pytest.raises(TypeError, match="cross_entropy: target must hold integer class indices, got dtype float32"):
        F.cross_entropy(x, np.zeros(3, dtype=np.float32))
    with pytest.raises(ValueError, match=r"cross_entropy: target holds class index 4 outside \[0, 4\)"):
        F.cross_entropy(x, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match=r"cross_entropy: target holds class index -1 outside"):
        F.cross_entropy(x, np.array([0, -1, 1]))
    with pytest.raises(ValueError, match=r"nll_loss: target has shape \(2,\) but input has shape \(3, 4\)"):
        F.nll_loss(x, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"cross_entropy: input must have shape \(N, C\), \(C,\) or \(N, C, d1, "
                                         r"\.\.\.\), with targets .*; got input \(4,\) and target \(1,\)"):
        F.cross_entropy(mg.zeros(4), np.array([1]))   # an unbatched input takes a 0-d target
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        F.cross_entropy(x, np.array([0, 1, 2]), reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing must be in"):
        F.cross_entropy(x, np.array([0, 1, 2]), label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"mse_loss: input has shape \(3, 1\) but target has shape \(3,\)"):
        F.mse_loss(mg.zeros(3, 1), mg.zeros(3))
    with pytest.raises(TypeError, match="l1_loss: target dtype float64 differs from input dtype float32"):
        F.l1_loss(mg.zeros(3), mg.zeros(3, dtype=F64))


ELEMENTWISE_LOSSES = [("mse_loss", 2), ("l1_loss", 2), ("huber_loss", 2), ("smooth_l1_loss", 2),
                      ("soft_margin_loss", 2), ("kl_div", 2), ("binary_cross_entropy", 2),
                      ("binary_cross_entropy_with_logits", 2), ("margin_ranking_loss", 3)]


@pytest.mark.parametrize("name, n_args", ELEMENTWISE_LOSSES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_elementwise_losses_refuse_an_integer_input_as_torch(name, n_args, reduction, device):
    # torch refuses it ("not implemented for 'Long'"); here mse_loss of int64 tensors gave a float64 loss under the
    # float32 default (mg.tensor([1, 2]) against [0, 1]: float64 1.0 for 'mean') and l1_loss's 'sum' an int64 one
    ints = mg.tensor(np.array([1, 0]), device=device)
    with pytest.raises(TypeError,
                       match=rf"{name}: input1? must be floating point( or complex)?, got dtype int64 \(shape \(2,\)\)"):
        getattr(F, name)(*[ints] * n_args, reduction=reduction)
    floats = mg.tensor(np.array([0.25, 0.5]), device=device)   # the same call on floats of the same values works
    assert getattr(F, name)(*[floats] * n_args, reduction=reduction).dtype == np.float32


def test_l1_loss_takes_complex_inputs_and_mse_loss_refuses_them_as_torch(device):
    # torch: l1_loss is mean |x - y| (1.2071 here); mse_loss is "not implemented for 'ComplexFloat'", where minigrad
    # gave the complex mean of (x - y)^2, (0.5+1j), which is no squared error
    x = mg.tensor(np.array([1 + 1j, 2], np.complex64), device=device)
    y = mg.tensor(np.array([0j, 1], np.complex64), device=device)
    loss = F.l1_loss(x, y)
    assert loss.dtype == np.float32 and abs(loss.item() - (np.sqrt(2) + 1) / 2) < 1e-6
    with pytest.raises(TypeError, match=r"mse_loss: input must be floating point, got dtype complex64 \(shape \(2,\)\)"):
        F.mse_loss(x, y)


def test_integer_target_tensor_is_accepted():
    x = _logits()
    t = mg.tensor(TARGET)
    np.testing.assert_allclose(F.cross_entropy(x, t).item(), _reference_ce(LOGITS, TARGET), rtol=1e-12)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8"])
def test_out_of_range_targets_on_a_gpu_give_nan_rows_instead_of_a_sync(dtype):
    # The device path, run with NumPy arrays: no exception, no host read, the bad rows' weight is NaN.
    from minigrad.nn.functional.loss import _device_targets

    data = np.array([1, 7, -1, 2]).astype(dtype)       # as uint8, -1 is 255: out of range too
    t = _device_targets(data, 3, None, "mean", np.dtype(np.float32))
    np.testing.assert_array_equal(t.index, [1, 0, 0, 2])  # a bad row gathers inside itself; the NaN marks it
    assert t.counted is None                             # nothing is ignored: every row's loss enters
    assert t.weight.dtype == np.float32
    np.testing.assert_array_equal(np.isnan(t.weight), [False, True, True, False])
    np.testing.assert_array_equal(t.weight[[0, 3]], [1.0, 1.0])
    assert np.isnan(t.total)                             # so the mean is NaN, and every row's gradient
    t = _device_targets(data, 3, 7, "sum", np.dtype(np.float32))   # index 7 ignored
    assert t.total is None
    np.testing.assert_array_equal(t.index, [1, 0, 0, 2])
    np.testing.assert_array_equal(t.counted, [True, False, True, True])
    np.testing.assert_array_equal(t.weight[[0, 1, 3]], [1.0, 0.0, 1.0])
    assert np.isnan(t.weight[2])
    with pytest.raises(ValueError, match="class index 7 outside"):
        F.cross_entropy(_logits()[:4, :3], data.astype(np.int64))


def test_cpu_targets_out_of_range_raise_but_ignored_rows_may_hold_anything():
    x = _logits()
    with pytest.raises(ValueError, match=r"class index -1 outside \[0, 4\) for input of shape \(5, 4\)"):
        F.cross_entropy(x, np.array([0, 1, -1, 2, 3]))
    loss = F.cross_entropy(x, np.array([0, -100, 1, -100, 2]), ignore_index=-100)
    np.testing.assert_allclose(loss.item(), _reference_ce(LOGITS, np.array([0, -100, 1, -100, 2]),
                                                          ignore_index=-100), rtol=1e-12)


@pytest.mark.parametrize("ignore_index", [None, -100])
@pytest.mark.parametrize("as_tensor", [False, True])
@pytest.mark.parametrize("create_graph", [False, True])
def test_cross_entropy_gradient_uses_the_targets_of_its_forward(device, ignore_index, as_tensor, create_graph):
    # The node keeps the class indices for backward: it must not keep the caller's array,
    # which may be refilled before backward runs (a reused label buffer, gradient accumulation).
    def grad_after(refill):
        x = _logits(device)
        t = mg.tensor(TARGET.copy(), device=device) if as_tensor else TARGET.copy()
        loss = F.cross_entropy(x, t, ignore_index=ignore_index)
        if refill:
            (t.data if as_tensor else t)[...] = 2
        (g,) = mg.grad(loss, [x], create_graph=create_graph)
        return g.numpy()

    np.testing.assert_array_equal(grad_after(refill=True), grad_after(refill=False))


def test_mean_over_only_ignored_rows_is_nan_without_a_warning(recwarn):
    loss = F.cross_entropy(mg.zeros(2, 3), np.array([-1, -1]), ignore_index=-1)
    assert np.isnan(loss.item())
    assert not [w for w in recwarn.list if issubclass(w.category, RuntimeWarning)]


def test_cross_entropy_with_a_masked_minus_inf_logit_is_finite(device):
    # A class masked out with a logit of -inf has probability 0; with target class 0 the
    # loss is exactly log(1 + e^-1). 0 * log_p = 0 * -inf made it NaN.
    logits = mg.tensor([[0.0, -np.inf, -1.0]], requires_grad=True, device=device)
    loss = F.cross_entropy(logits, np.array([0]))
    np.testing.assert_allclose(loss.item(), np.log1p(np.exp(-1.0)), rtol=1e-6)
    loss.backward()
    p1 = 1.0 / (1.0 + np.exp(-1.0))
    np.testing.assert_allclose(logits.grad.numpy(), [[p1 - 1.0, 0.0, 1.0 - p1]], rtol=1e-6, atol=1e-7)


def test_nll_loss_of_a_masked_minus_inf_log_probability_is_finite(device):
    log_probs = mg.tensor([[0.0, -np.inf]], requires_grad=True, device=device)
    loss = F.nll_loss(log_probs, np.array([0]))
    assert loss.item() == 0.0
    loss.backward()
    np.testing.assert_array_equal(log_probs.grad.numpy(), [[-1.0, 0.0]])


def test_cross_entropy_ignored_row_adds_zero_whatever_its_logits(device):
    # An ignored row gathers at a placeholder class; a -inf logit there must not turn
    # the row's weight 0 into 0 * inf = NaN.
    logits = mg.tensor([[-np.inf, 0.0], [1.0, 2.0]], requires_grad=True, device=device)
    loss = F.cross_entropy(logits, np.array([-100, 1]), ignore_index=-100, reduction="sum")
    np.testing.assert_allclose(loss.item(), np.log1p(np.exp(-1.0)), rtol=1e-6)
    loss.backward()
    grad = logits.grad.numpy()
    np.testing.assert_array_equal(grad[0], [0.0, 0.0])
    p = 1.0 / (1.0 + np.exp(-1.0))
    np.testing.assert_allclose(grad[1], [1.0 - p, p - 1.0], rtol=1e-6)


@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss])
def test_one_hot_targets_get_the_argmax_advice(loss):
    # The advice used to be target.astype(np.int64), which keeps the (N, C) shape.
    logits = mg.tensor(np.zeros((4, 3), dtype=np.float32), requires_grad=True)
    one_hot = np.eye(3, dtype=np.float32)[[0, 2, 1, 0]]
    with pytest.raises(TypeError, match=r"one-hot or probability rows\? .* pass target.argmax\(axis=1\)") as info:
        loss(logits, one_hot)
    assert "astype" not in str(info.value)


# ----------------------------------------------------------------------------- loss constructors
def _torch_loss_run(make, classes=False):
    """Run a PyTorch loss once, on (N, C) scores and class targets or on two (N, C) float arrays."""
    x = torch.zeros(2, 3)
    return lambda: make()(x, torch.tensor([0, 1]) if classes else torch.ones(2, 3))


# (our constructor, the PyTorch loss refusing the same argument (None: PyTorch has no such check), message)
BAD_LOSS_ARGUMENTS = [
    (lambda: CrossEntropyLoss(reduction="avg"), _torch_loss_run(lambda: torch.nn.CrossEntropyLoss(reduction="avg"), 1),
     "CrossEntropyLoss: reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    (lambda: CrossEntropyLoss(label_smoothing=2),
     _torch_loss_run(lambda: torch.nn.CrossEntropyLoss(label_smoothing=2), 1),
     r"CrossEntropyLoss: label_smoothing must be a number in \[0, 1\], got 2"),
    (lambda: CrossEntropyLoss(label_smoothing="0.1"), None,
     r"CrossEntropyLoss: label_smoothing must be a number in \[0, 1\], got '0.1'"),
    (lambda: CrossEntropyLoss(ignore_index="x"),
     _torch_loss_run(lambda: torch.nn.CrossEntropyLoss(ignore_index="x"), 1),
     "CrossEntropyLoss: ignore_index must be an integer, got 'x'"),
    (lambda: CrossEntropyLoss(ignore_index=1.0),
     _torch_loss_run(lambda: torch.nn.CrossEntropyLoss(ignore_index=1.0), 1),
     "CrossEntropyLoss: ignore_index must be an integer, got 1.0"),
    (lambda: CrossEntropyLoss(ignore_index=True), None, "CrossEntropyLoss: ignore_index must be an integer, got True"),
    (lambda: CrossEntropyLoss("mean"), lambda: torch.nn.CrossEntropyLoss("mean"),   # the old order: weight first now
     r"CrossEntropyLoss: weight must be a 1-D array of per-class weights \(numbers\), got 'mean'"),
    (lambda: CrossEntropyLoss(weight=[[1.0, 2.0]]), None,
     r"CrossEntropyLoss: weight must be a 1-D array .* got shape \(1, 2\) dtype float32"),
    (lambda: CrossEntropyLoss(weight=["a", "b"]), None,
     r"CrossEntropyLoss: weight must be .* got shape \(2,\) dtype <U1"),
    (lambda: CrossEntropyLoss(weight=[1, [2]]), None, r"CrossEntropyLoss: weight must be .* got \[1, \[2\]\]"),
    (lambda: CrossEntropyLoss(weight=2.0), None, "CrossEntropyLoss: weight must be .* got 2.0"),
    (lambda: CrossEntropyLoss(weight=np.array([True, False])), None,
     r"CrossEntropyLoss: weight must be .* got shape \(2,\) dtype bool"),
    (lambda: NLLLoss(reduction="avg"), _torch_loss_run(lambda: torch.nn.NLLLoss(reduction="avg"), 1),
     "NLLLoss: reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    (lambda: NLLLoss(ignore_index=2.5), _torch_loss_run(lambda: torch.nn.NLLLoss(ignore_index=2.5), 1),
     "NLLLoss: ignore_index must be an integer, got 2.5"),
    (lambda: NLLLoss(weight=mg.ones(2, 2)), None, r"NLLLoss: weight must be .* got shape \(2, 2\) dtype float32"),
    (lambda: MSELoss(reduction="avg"), None, "MSELoss: reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    (lambda: L1Loss(reduction=None), _torch_loss_run(lambda: torch.nn.L1Loss(reduction=None)),
     "L1Loss: reduction must be 'mean', 'sum' or 'none', got None"),
    (lambda: nn.HuberLoss(reduction="x"), _torch_loss_run(lambda: torch.nn.HuberLoss(reduction="x")),
     "HuberLoss: reduction must be 'mean', 'sum' or 'none', got 'x'"),
    (lambda: nn.SmoothL1Loss(reduction="avg"), _torch_loss_run(lambda: torch.nn.SmoothL1Loss(reduction="avg")),
     "SmoothL1Loss: reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    (lambda: BCEWithLogitsLoss(reduction="x"), _torch_loss_run(lambda: torch.nn.BCEWithLogitsLoss(reduction="x")),
     "BCEWithLogitsLoss: reduction must be 'mean', 'sum' or 'none', got 'x'"),
]


@pytest.mark.parametrize("make, torch_make, message", BAD_LOSS_ARGUMENTS)
def test_loss_arguments_are_checked_at_construction(make, torch_make, message):
    if torch_make is not None:   # PyTorch refuses it too (mostly only at the first call)
        with pytest.raises((ValueError, TypeError, RuntimeError)):
            torch_make()
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("delta", [np.float32(1.0), np.int64(1), np.True_, np.False_, "a", None, [1.0],
                                   True, False, 1, 0, -1, 0.0, -0.5, float("nan"), np.float64(2.0), np.float64(-1.0),
                                   0.5, float("inf")], ids=repr)
def test_huber_loss_layer_checks_delta_as_torch(delta):
    """torch's HuberLoss takes ``isinstance(delta, (float, int))`` only (TypeError "delta must be a float or int,
    got: <class ...>": a NumPy float32, integer or bool too, while a NumPy float64 is a float); a non-positive or NaN
    delta is constructed and refused by huber_loss when called, RuntimeError."""
    x, t = np.array([[0.0, 1.0, -3.0], [2.5, 0.2, 9.0]]), np.zeros((2, 3))
    try:
        layer = torch.nn.HuberLoss(delta=delta)
    except TypeError as exc:
        assert str(exc) == f"delta must be a float or int, got: {type(delta)}"
        message = f"^HuberLoss: delta must be a float or int, got: {re.escape(str(type(delta)))}"
        with pytest.raises(TypeError, match=message):
            nn.HuberLoss(delta=delta)
        return
    ours = nn.HuberLoss(delta=delta)
    try:
        expected = layer(torch.tensor(x), torch.tensor(t)).item()
    except RuntimeError:
        with pytest.raises(RuntimeError, match=f"^huber_loss: delta must be positive, got {re.escape(repr(delta))}"):
            ours(mg.tensor(x, dtype="float64"), mg.tensor(t, dtype="float64"))
        return
    got = ours(mg.tensor(x, dtype="float64"), mg.tensor(t, dtype="float64")).item()
    assert got == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("beta", [-1, -0.5, np.float32(-1.0), float("nan"), 0, 0.0, False, True, np.True_, 0.5, 2],
                         ids=repr)
def test_smooth_l1_loss_refuses_a_negative_beta_when_called_as_torch(beta):
    """torch's smooth_l1_loss and SmoothL1Loss refuse a negative or NaN beta only when called, RuntimeError ("does not
    support negative values for beta"); minigrad's raised ValueError, the layer at construction."""
    x, t = np.array([[0.0, 1.0, -3.0], [2.5, 0.2, 9.0]]), np.zeros((2, 3))
    calls = {"smooth_l1_loss": (lambda m, a, b: m.nn.functional.smooth_l1_loss(a, b, beta=beta)),
             "SmoothL1Loss": (lambda m, a, b: m.nn.SmoothL1Loss(beta=beta)(a, b))}
    for call in calls.values():
        try:
            expected = call(torch, torch.tensor(x), torch.tensor(t)).item()
        except RuntimeError:
            with pytest.raises(RuntimeError, match=f"^smooth_l1_loss: beta must be >= 0, got {re.escape(repr(beta))}"):
                call(mg, mg.tensor(x, dtype="float64"), mg.tensor(t, dtype="float64"))
            continue
        assert call(mg, mg.tensor(x, dtype="float64"), mg.tensor(t, dtype="float64")).item() == pytest.approx(
            expected, rel=1e-12)


_FLOAT_VALUES = {
    "'a'": lambda L: "a", "None": lambda L: None, "[1.0]": lambda L: [1.0], "1+0j": lambda L: 1 + 0j,
    "True": lambda L: True, "False": lambda L: False, "0.5": lambda L: 0.5, "2": lambda L: 2,
    "np.float32(0.5)": lambda L: np.float32(0.5), "np.float64(0.5)": lambda L: np.float64(0.5),
    "np.int64(2)": lambda L: np.int64(2), "np.True_": lambda L: np.True_,
    "np.complex128(1)": lambda L: np.complex128(1), "tensor(1+0j)": lambda L: L.tensor(1 + 0j),
    "10**400": lambda L: 10 ** 400, "tensor(0.5)": lambda L: L.tensor(0.5), "tensor(2)": lambda L: L.tensor(2),
    "tensor(True)": lambda L: L.tensor(True),
    "tensor(0.5, float64)": lambda L: L.tensor(0.5, dtype=L.float64), "tensor([0.5])": lambda L: L.tensor([0.5]),
    "tensor(0.5, requires_grad)": lambda L: L.tensor(0.5, requires_grad=True),
}
_FLOAT_CALLS = {
    "smooth_l1_loss": lambda L, v: lambda x, t: L.nn.functional.smooth_l1_loss(x, t, beta=v),
    "huber_loss": lambda L, v: lambda x, t: L.nn.functional.huber_loss(x, t, delta=v),
    "SmoothL1Loss": lambda L, v: L.nn.SmoothL1Loss(beta=v),   # torch raises at the call, minigrad here
    "HuberLoss": lambda L, v: L.nn.HuberLoss(delta=v),
}


@pytest.mark.parametrize("which", sorted(_FLOAT_CALLS))
@pytest.mark.parametrize("value", sorted(_FLOAT_VALUES))
def test_beta_and_delta_are_read_as_torch_reads_a_float(which, value):
    """One rule for smooth_l1_loss's beta and huber_loss's delta (``nn.arguments.float_argument``): torch's argument
    parser takes a real number, a bool or a 0-d tensor that does not require grad, and refuses anything else with a
    TypeError (a string was a ValueError "could not convert string to float", None a bare TypeError); HuberLoss keeps
    torch's own isinstance(delta, (float, int)) check at construction."""
    x, t = np.array([[0.0, 1.0, -3.0], [2.5, 0.2, 9.0]]), np.zeros((2, 3))

    def run(L):
        try:
            loss = _FLOAT_CALLS[which](L, _FLOAT_VALUES[value](L))(L.tensor(x), L.tensor(t))
        except Exception as exc:   # noqa: BLE001  (compared with torch's)
            return type(exc).__name__
        return float(loss.item())
    expected, got = run(torch), run(mg)
    assert type(got) is type(expected)
    assert got == (pytest.approx(expected, rel=1e-6) if isinstance(expected, float) else expected)


@pytest.mark.parametrize("call, op, arg", [
    (lambda v: F.smooth_l1_loss(mg.ones(2), mg.zeros(2), beta=v), "smooth_l1_loss", "beta"),
    (lambda v: F.huber_loss(mg.ones(2), mg.zeros(2), delta=v), "huber_loss", "delta"),
    (lambda v: nn.SmoothL1Loss(beta=v), "SmoothL1Loss", "beta"),
])
def test_a_non_number_beta_or_delta_names_the_op_the_argument_and_the_value(call, op, arg):
    for value, shown in [("a", r"'a' \(str\)"), (None, r"None \(NoneType\)")]:
        with pytest.raises(TypeError, match=rf"^{op}: {arg} must be a float \(a real number, or a 0-d tensor that does "
                                            rf"not require grad\), got {arg}={shown}$"):
            call(value)


LOSS_CLASSES = sorted(name for name in dir(torch.nn) if name.endswith("Loss") and hasattr(nn, name))
LOSS_FUNCTIONS = sorted(name for name in dir(torch.nn.functional) if name.endswith("_loss") or name in
                        ("cross_entropy", "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div"))


@pytest.mark.parametrize("name", LOSS_CLASSES)
def test_loss_arguments_come_in_torchs_order_and_defaults(name):
    ours = inspect.signature(getattr(nn, name)).parameters
    theirs = inspect.signature(getattr(torch.nn, name)).parameters
    assert list(ours) == list(theirs)       # size_average and reduce included: positions after them match
    assert {k: v.default for k, v in ours.items()} == {k: v.default for k, v in theirs.items()}


@pytest.mark.parametrize("name", LOSS_FUNCTIONS)
def test_loss_functions_take_torchs_arguments_in_torchs_order(name):
    ours = inspect.signature(getattr(F, name)).parameters
    theirs = inspect.signature(getattr(torch.nn.functional, name)).parameters
    assert list(ours) == list(theirs)
    assert {k: v.default for k, v in ours.items()} == {k: v.default for k, v in theirs.items()}


def test_loss_lists_cover_the_losses():
    assert len(LOSS_CLASSES) >= 20 and len(LOSS_FUNCTIONS) >= 20
    assert "CrossEntropyLoss" in LOSS_CLASSES and "mse_loss" in LOSS_FUNCTIONS and "kl_div" in LOSS_FUNCTIONS


def test_positional_loss_arguments_mean_what_they_mean_in_torch():
    w = np.array([1.0, 2.0, 0.5, 3.0])
    x = _logits()
    t = np.array([0, 3, 1, 1, 2])
    tx, tt = torch.tensor(LOGITS), torch.tensor(t)
    np.testing.assert_allclose(CrossEntropyLoss(w)(x, t).item(),
                               torch.nn.CrossEntropyLoss(torch.tensor(w))(tx, tt).item(), rtol=1e-12)
    np.testing.assert_allclose(CrossEntropyLoss(w, ignore_index=1, reduction="sum", label_smoothing=0.2)(x, t).item(),
                               torch.nn.CrossEntropyLoss(torch.tensor(w), None, 1, None, "sum", 0.2)(tx, tt).item(),
                               rtol=1e-12)
    lp = torch.log_softmax(tx, 1)
    np.testing.assert_allclose(NLLLoss(w, ignore_index=3, reduction="none")(F.log_softmax(x), t).numpy(),
                               torch.nn.NLLLoss(torch.tensor(w), None, 3, None, "none")(lp, tt).numpy(), rtol=1e-12)
    np.testing.assert_allclose(nn.HuberLoss("sum", 0.5)(x, np.zeros((5, 4))).item(),
                               torch.nn.HuberLoss("sum", 0.5)(tx, torch.zeros(5, 4, dtype=torch.float64)).item(),
                               rtol=1e-12)
    with pytest.raises(TypeError, match="the reduction is a keyword argument: reduction='sum'"):
        BCEWithLogitsLoss("sum")   # PyTorch's first positional argument is weight


@pytest.mark.parametrize("loss", ["CrossEntropyLoss", "NLLLoss"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_default_ignore_index_is_torchs_minus_100(loss, reduction, as_tensor, device):
    target = np.array([0, -100, 3, -100, 1])
    scores = LOGITS if loss == "CrossEntropyLoss" else LOGITS - np.log(np.exp(LOGITS).sum(1, keepdims=True))
    x = mg.tensor(scores, dtype=F64, requires_grad=True, device=device)
    tx = torch.tensor(x.numpy(), requires_grad=True)
    ours = getattr(nn, loss)(reduction=reduction)
    assert ours.ignore_index == -100
    out = ours(x, mg.tensor(target, device=device) if as_tensor else target)
    expected = getattr(torch.nn, loss)(reduction=reduction)(tx, torch.tensor(target))
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-12)
    if reduction == "none":   # distinct weights per row, so that every row's gradient is checked
        out = out * mg.tensor(np.arange(1.0, 6.0), dtype=F64, device=device)
        expected = expected * torch.arange(1.0, 6.0)
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("loss", ["CrossEntropyLoss", "NLLLoss"])
def test_other_out_of_range_targets_still_raise_and_none_ignores_nothing(loss):
    x = mg.zeros(3, 4)
    with pytest.raises(IndexError):
        getattr(torch.nn, loss)()(torch.zeros(3, 4), torch.tensor([0, -1, 1]))
    with pytest.raises(ValueError, match=r"target holds class index -1 outside \[0, 4\)"):
        getattr(nn, loss)()(x, np.array([0, -1, 1]))
    with pytest.raises(ValueError, match=r"target holds class index -100 outside \[0, 4\)"):
        getattr(nn, loss)(ignore_index=None)(x, np.array([0, -100, 1]))
    np.testing.assert_allclose(getattr(nn, loss)(ignore_index=np.int64(-1))(x, np.array([0, -1, 1])).item(),
                               getattr(torch.nn, loss)(ignore_index=-1)(torch.zeros(3, 4),
                                                                        torch.tensor([0, -1, 1])).item())


@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_default_ignore_index_without_ignored_rows_is_exactly_the_unmasked_loss(smoothing):
    # Targets with no -100 take the functional loss's unmasked path: bit for bit the loss of ignore_index=None.
    t = np.array([0, 3, 1, 1, 2], dtype=np.uint8)
    x, y = _logits(), _logits()
    a = CrossEntropyLoss(label_smoothing=smoothing)(x, t)
    b = CrossEntropyLoss(ignore_index=None, label_smoothing=smoothing)(y, t)
    a.backward()
    b.backward()
    assert a.item() == b.item()
    np.testing.assert_array_equal(x.grad.numpy(), y.grad.numpy())


def test_loss_weight_lists_become_the_default_float_and_arrays_keep_their_dtype():
    assert CrossEntropyLoss(weight=[1.0, 2.0, 0.5]).weight.dtype == np.float32
    assert CrossEntropyLoss(weight=[1, 2, 3]).weight.dtype == np.float32
    assert NLLLoss(weight=(1.0, 2.0)).weight.dtype == np.float32
    assert CrossEntropyLoss(weight=np.ones(3)).weight.dtype == np.float64
    assert CrossEntropyLoss(weight=np.ones(3, np.float16)).weight.dtype == np.float16
    w = mg.tensor(np.ones(3), dtype=F64)
    assert NLLLoss(weight=w).weight is w
    assert "weight" in CrossEntropyLoss(weight=[1.0, 2.0, 0.5]).state_dict()
    # A float64 weight on float32 logits still gives a float32 loss.
    loss = CrossEntropyLoss(np.array([1.0, 2.0, 0.5]))(mg.zeros(2, 3), np.array([0, 1]))
    assert loss.dtype == np.float32


@pytest.mark.parametrize("dtype", ["int8", "int16", "int64", "uint8"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_the_device_path_of_class_targets_gives_the_host_paths_row_scales(dtype, reduction, weighted):
    # The GPU path reads nothing back; it only uses array functions, so NumPy arrays run it here.
    from minigrad.nn.functional.loss import _device_targets, _host_targets, _row_scale
    labels = [0, 2, 1, 2, 0] if dtype == "uint8" else [0, 2, -100, 1, -100]   # uint8 cannot hold -100
    data = np.array(labels, dtype=dtype)
    weight = np.array([0.5, 2.0, 1.5]) if weighted else None
    f64 = np.dtype("float64")
    host = _host_targets("cross_entropy", data, 3, -100, reduction, f64, (5, 3), weight)
    dev = _device_targets(data, 3, -100, reduction, f64, weight)
    if reduction != "mean":
        assert host.total is None and dev.total is None
    else:   # a number on the host, a 0-d array on a GPU
        np.testing.assert_allclose(dev.total, host.total, rtol=1e-15)
        assert dev.total.shape == () and isinstance(host.total, (int, float))
    kept = np.array(labels) != -100
    np.testing.assert_array_equal(np.asarray(dev.index)[kept], np.asarray(host.index)[kept])
    host_scale, dev_scale = _row_scale(host, reduction), _row_scale(dev, reduction)
    np.testing.assert_allclose(np.broadcast_to(dev_scale, (5,)), np.broadcast_to(host_scale, (5,)), rtol=1e-15)
    assert np.all(np.asarray(dev_scale)[~kept] == 0)
    np.testing.assert_array_equal(dev.counted, np.broadcast_to(host_scale, (5,)) != 0)


@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 5), (2, 3, 2, 2), (3,)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_with_class_probability_targets_matches_torch(shape, reduction):
    """torch's soft targets (mixup, distillation): values and gradients to the logits AND the target, with label
    smoothing and class weights, in float64."""
    rng = np.random.default_rng(5)
    x, q, w = rng.standard_normal(shape), rng.random(shape), rng.random(shape[min(1, len(shape) - 1)]) + 0.5
    q /= q.sum(axis=min(1, len(shape) - 1), keepdims=True)   # (C,): one unbatched sample, as torch's
    seed = rng.standard_normal(shape[:1] + shape[2:] if len(shape) > 1 else ())
    for smoothing, weight in ((0.0, None), (0.3, None), (0.0, w), (0.1, w)):
        got = []
        for lib in (mg, torch):
            logits = lib.tensor(x, dtype=lib.float64, requires_grad=True)
            target = lib.tensor(q, dtype=lib.float64, requires_grad=True)
            weights = None if weight is None else lib.tensor(weight, dtype=lib.float64, requires_grad=True)
            loss = lib.nn.functional.cross_entropy(logits, target, weight=weights, reduction=reduction,
                                                   label_smoothing=smoothing)
            (loss * lib.tensor(seed if reduction == "none" else 1.0, dtype=lib.float64)).sum().backward()
            got.append([loss.detach().numpy(), logits.grad.numpy(), target.grad.numpy()]
                       + ([] if weight is None else [weights.grad.numpy()]))   # the weight's: it used to be None
        for ours, theirs in zip(*got):
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


def test_cross_entropy_with_probability_targets_is_twice_differentiable_in_the_class_weight():
    rng = np.random.default_rng(6)
    x, q, w = rng.standard_normal((3, 4)), rng.random((3, 4)), rng.random(4) + 0.5
    args = [mg.tensor(a, dtype=mg.float64, requires_grad=True) for a in (x, q / q.sum(1, keepdims=True), w)]

    def loss(logits, target, weight):
        return F.cross_entropy(logits, target, weight=weight, label_smoothing=0.2, reduction="none")

    assert mg.autograd.gradcheck(loss, args) and mg.autograd.gradgradcheck(loss, args)
    with pytest.raises(TypeError, match=r"^cross_entropy: weight has dtype float32 but input float64"):
        loss(args[0], args[1], mg.tensor(w, dtype=mg.float32, requires_grad=True))


def test_class_index_targets_refuse_a_weight_that_requires_grad_as_torch():
    # The weight was taken as a constant: weight.grad stayed None without a word.
    logits, target = _logits(), mg.tensor(TARGET)
    weight = mg.tensor([1.0, 2.0, 0.5, 1.0], dtype=F64, requires_grad=True)
    for call in (lambda: F.cross_entropy(logits, target, weight=weight),
                 lambda: F.nll_loss(F.log_softmax(logits, axis=1), target, weight=weight),
                 lambda: F.cross_entropy(logits[None].transpose(1, 2), target[None], weight=weight)):
        with pytest.raises(RuntimeError, match=r"^(cross_entropy|nll_loss): not differentiable in weight with "
                                               r"class-index targets"):
            call()
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'weight'"):
        torch.nn.functional.cross_entropy(torch.tensor(LOGITS), torch.tensor(TARGET),
                                          weight=torch.tensor([1.0, 2.0, 0.5, 1.0], dtype=torch.float64,
                                                              requires_grad=True))
    expected = F.cross_entropy(logits, target, weight=weight.detach()).item()
    with mg.no_grad():
        assert F.cross_entropy(logits, target, weight=weight).item() == expected


def test_probability_targets_refuse_an_ignore_index_as_torch():
    logits, target = mg.zeros(2, 3, dtype=mg.float64), mg.full((2, 3), 1 / 3, dtype=mg.float64)
    with pytest.raises(ValueError, match=r"^cross_entropy: ignore_index=0 is not supported for class-probability "):
        F.cross_entropy(logits, target, ignore_index=0)
    with pytest.raises(RuntimeError, match="ignore_index is not supported for floating point target"):
        torch.nn.functional.cross_entropy(torch.zeros(2, 3), torch.full((2, 3), 1 / 3), ignore_index=0)
    for ignored in (-100, -1, None):   # torch's default, and any negative value, pass (nothing can equal them)
        assert F.cross_entropy(logits, target, ignore_index=ignored).item() == pytest.approx(np.log(3), rel=1e-15)


def test_probability_targets_must_match_the_input_dtype():
    logits = mg.zeros(2, 3, dtype=mg.float64)
    with pytest.raises(TypeError, match=r"^cross_entropy: probability target has dtype float32 but input float64"):
        F.cross_entropy(logits, mg.full((2, 3), 1 / 3))


@pytest.mark.parametrize("target_dtype", ["uint64", "uint8", "int8", "int32"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_any_integer_target_dtype_gives_the_int64_targets_loss_and_gradient(target_dtype, reduction, device):
    # The node gathers at flat positions (row * C + target): a uint64 target plus the int64 offsets would be
    # float64 in NumPy, so the target takes the offsets' dtype; past 255 positions a narrow target must not wrap.
    def run(t):
        x = _logits(device)
        loss = F.cross_entropy(x, t, reduction=reduction)
        loss.backward(mg.ones_like(loss))
        return loss.numpy(), x.grad.numpy()

    expected = run(TARGET.astype(np.int64))
    got = run(TARGET.astype(target_dtype))
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])
    big = np.random.default_rng(3).standard_normal((70, 5))   # 70 * 5 positions: past a uint8's 255
    t = np.arange(70) % 5
    losses = [F.cross_entropy(mg.tensor(big, dtype=F64, device=device), t.astype(d), reduction="none").numpy()
              for d in ("int64", target_dtype)]
    np.testing.assert_array_equal(losses[1], losses[0])
    np.testing.assert_allclose(losses[0], -(big - np.log(np.exp(big).sum(1, keepdims=True)))[np.arange(70), t],
                               rtol=1e-12)


@pytest.mark.parametrize("rows, classes", [(0, 0), (2, 0), (0, 3)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_cross_entropy_of_no_rows_or_no_classes_is_torchs(rows, classes, reduction, create_graph):
    # With no classes every row must be ignored; arange(0, 0, C) divided by C = 0, and the recorded backward's
    # one-hot wrote at class 0 of nothing.
    t = np.full(rows, -100)
    x = mg.zeros(rows, classes, requires_grad=True, dtype=F64)
    loss = F.cross_entropy(x, t, reduction=reduction)
    (g,) = mg.grad(loss, [x], grad_outputs=mg.ones_like(loss), create_graph=create_graph)
    xt = torch.zeros(rows, classes, requires_grad=True, dtype=torch.float64)
    lt = torch.nn.functional.cross_entropy(xt, torch.tensor(t), reduction=reduction)
    (gt,) = torch.autograd.grad(lt, [xt], grad_outputs=torch.ones_like(lt))
    np.testing.assert_array_equal(loss.numpy(), lt.detach().numpy())
    np.testing.assert_array_equal(g.numpy(), gt.numpy())


@pytest.mark.parametrize("weight", [None, np.ones(3, dtype=np.float16)])
def test_float16_mean_cross_entropy_is_finite_when_the_summed_loss_passes_float16_max(weight, device):
    # 10,000 rows of loss log(2 + e^7) ~ 7.0009: their sum (~70,000) is past float16's 65,504 while the mean is
    # not. Summing in float16 and then dividing gave inf (b473e65 scaled each row by 1/N first: 7.0).
    n = 10_000
    logits = np.tile(np.array([0.0, 0.0, 7.0], dtype=np.float16), (n, 1))
    x = mg.tensor(logits, dtype=mg.float16, requires_grad=True, device=device)
    loss = F.cross_entropy(x, np.zeros(n, dtype=np.int64), weight=weight)
    expected = torch.nn.functional.cross_entropy(torch.tensor(logits, dtype=torch.float64),
                                                 torch.zeros(n, dtype=torch.int64)).item()
    assert loss.dtype == np.float16
    np.testing.assert_allclose(float(loss.item()), expected, rtol=2e-3)


def test_int8_targets_with_more_classes_than_int8_holds_keep_each_rows_gradient_in_its_row(device):
    # On a GPU a signed target was range-checked as unsigned: int8 -100 reads as 156, inside [0, 200), so the
    # ignored row counted as valid and gathered at flat position row * 200 - 100, in the row above: the ignored
    # row's one-hot (-1) landed in row 0's gradient (b473e65 stayed inside the row: no leak there).
    c = 200
    logits = np.random.default_rng(5).standard_normal((3, c))
    target = np.array([1, -100, 2], dtype=np.int8)
    x = mg.tensor(logits, dtype=F64, requires_grad=True, device=device)
    loss = F.cross_entropy(x, mg.tensor(target, device=device), reduction="none")
    loss.sum().backward()
    xt = torch.tensor(logits, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(xt, torch.tensor(target, dtype=torch.int64), reduction="none")
    expected.sum().backward()
    np.testing.assert_allclose(loss.numpy(), expected.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_int8_target_below_zero_is_out_of_range_with_many_classes(device):
    # Without ignore_index, int8 -100 against 200 classes is out of range: an error on the CPU, NaN on a GPU
    # (it was taken as class 156 on a GPU and gathered from the row above).
    x = mg.tensor(np.zeros((2, 200)), dtype=F64, requires_grad=True, device=device)
    target = mg.tensor(np.array([1, -100], dtype=np.int8), device=device)
    if device == "cpu":
        with pytest.raises(ValueError, match=r"class index -100 outside \[0, 200\)"):
            F.cross_entropy(x, target, ignore_index=None)
        return
    loss = F.cross_entropy(x, target, ignore_index=None, reduction="none")
    loss.sum().backward()
    assert np.isnan(loss.numpy()[1]) and np.isfinite(loss.numpy()[0])
    grad = x.grad.numpy()
    assert np.isnan(grad[1]).all() and np.isfinite(grad[0]).all()


@pytest.mark.parametrize("weighted", [False, True])
def test_float16_mean_over_more_rows_than_float16_counts_keeps_its_gradient(weighted, device):
    # The total weight of 70,000 counted rows is past float16's 65,504: summed in float16 it was inf, the loss
    # NaN and every row's gradient silently 0. torch's CPU kernel sums it in float16 too (inf), so the reference
    # is the float32 loss and gradient, rounded.
    n = 70_000
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((n, 3)).astype(np.float16)
    t = rng.integers(0, 3, n)
    t[:5] = -100                                   # ignored rows: the row weights are an array, summed
    weight = np.array([1.0, 0.5, 2.0]) if weighted else None
    got, want = [], []
    for dtype, out in ((np.float16, got), (np.float32, want)):
        x = mg.tensor(logits, dtype=dtype, requires_grad=True, device=device)
        w = None if weight is None else weight.astype(dtype)
        loss = F.cross_entropy(x, t, weight=w)
        loss.backward()
        assert loss.dtype == dtype and x.grad.dtype == dtype   # float16 stays float16
        out.extend([loss.numpy().astype(np.float32), x.grad.numpy().astype(np.float32)])
    assert np.isfinite(got[0])
    np.testing.assert_allclose(got[0], want[0], rtol=2e-3)
    assert np.count_nonzero(got[1]) > 0.5 * got[1].size   # not all zero, as they were
    # float16 keeps about 3 digits, and these gradients (about 1e-5 and less) are partly subnormal: one step
    # there is 2**-24 = 6e-8
    np.testing.assert_allclose(got[1], want[1], rtol=1e-2, atol=2.0**-24)


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_weighted_smoothed_cross_entropy_of_an_ignored_row_with_a_minus_inf_logit_is_torchs(reduction):
    # The smoothing term of an ignored row was -inf * 0 = NaN; torch's ignored rows add 0. A counted row whose
    # class of weight 0 has a -inf logit is NaN in both (0 * -inf inside the weighted sum).
    logits = np.array([[0.0, -np.inf, 1.0], [0.5, 0.2, -np.inf], [0.3, 0.1, 0.2]])
    for t in ([0, -100, 1], [-100, 0, 2], [2, 1, -100]):
        for w in ([1.0, 0.5, 2.0], [1.0, 0.0, 2.0]):
            x = mg.tensor(logits, dtype=F64, requires_grad=True)
            with np.errstate(invalid="ignore"):
                loss = F.cross_entropy(x, np.array(t), weight=np.array(w), label_smoothing=0.2, reduction=reduction)
                loss.backward(mg.ones_like(loss))
            xt = torch.tensor(logits, requires_grad=True)
            lt = torch.nn.functional.cross_entropy(xt, torch.tensor(t), weight=torch.tensor(w, dtype=torch.float64),
                                                   label_smoothing=0.2,
                                                   reduction=reduction)
            lt.backward(torch.ones_like(lt))
            np.testing.assert_allclose(loss.numpy(), lt.detach().numpy(), rtol=1e-12)
            np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("smoothing", [0.0, 0.3])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("layout", ["batch of one", "transposed"])
def test_cross_entropy_gradient_of_non_contiguous_logits_is_torchs(device, smoothing, reduction, layout):
    # The rows of (1, C, L) scores (a sequence or image batch of one) and x.T are non-contiguous: the gradient's
    # one-hot was scattered into a flat copy and lost, so it was softmax(x) alone (off by 1 - e at each target).
    rng = np.random.default_rng(7)
    data, target = ((rng.standard_normal((1, 4, 3)), np.array([[1, 3, 0]])) if layout == "batch of one"
                    else (rng.standard_normal((4, 3)), np.array([0, 3, 1])))
    x = mg.tensor(data, dtype=F64, requires_grad=True, device=device)
    xt = torch.tensor(data, requires_grad=True)
    scores, scores_t = (x, xt) if layout == "batch of one" else (x.T, xt.T)
    loss = F.cross_entropy(scores, mg.tensor(target, device=device), reduction=reduction, label_smoothing=smoothing)
    loss_t = torch.nn.functional.cross_entropy(scores_t, torch.tensor(target), reduction=reduction,
                                               label_smoothing=smoothing)
    loss.sum().backward()
    loss_t.sum().backward()
    np.testing.assert_allclose(loss.numpy(), loss_t.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("classes", [10, 8000, 30000])
def test_float16_label_smoothing_with_many_classes_stays_finite(device, classes):
    # The smoothing term was (C log_norm - sum of the shifted logits) e/C in float16: both parts pass 65,504 from
    # about C = 7,000 (logits of scale 3), so the loss was inf (torch's CPU float16 too); torch's float32 loss of
    # the same float16 values is the reference, to float16's rounding
    rng = np.random.default_rng(3)
    data = (rng.standard_normal((4, classes)) * 3).astype(np.float16)
    target = rng.integers(0, classes, 4)
    x = mg.tensor(data, dtype=mg.float16, requires_grad=True, device=device)
    loss = F.cross_entropy(x, mg.tensor(target, device=device), label_smoothing=0.1)
    loss.backward()
    reference = torch.nn.functional.cross_entropy(torch.tensor(data.astype(np.float32)), torch.tensor(target),
                                                  label_smoothing=0.1)
    assert loss.dtype == np.float16 and x.grad.dtype == np.float16
    np.testing.assert_allclose(float(loss.item()), reference.item(), rtol=2 ** -10)
    assert np.isfinite(x.grad.numpy()).all()


@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss", "soft"])
def test_a_complex_class_weight_is_refused(loss, device):
    """Its imaginary part was dropped with only numpy's ComplexWarning (torch refuses a weight not of the input's
    dtype)."""
    x = mg.zeros(2, 3, device=device)
    target = mg.full((2, 3), 1 / 3, device=device) if loss == "soft" else mg.tensor([0, 2], device=device)
    weight = mg.tensor(np.array([1, 2, 1j]), device=device)
    with pytest.raises(TypeError, match=r"^(cross_entropy|nll_loss): weight must hold real numbers, got dtype "
                                        r"complex(64|128)$"):
        getattr(F, "cross_entropy" if loss == "soft" else loss)(x, target, weight=weight)


def test_squared_error_node_run_again_on_another_size_takes_its_own_mean():
    # the mean's 1/n is worked out in forward (scale=None); stored over scale, a node run on 4 values then on 2
    # kept 1/4: 0.5 where the mean is 1.0
    from minigrad.nn.fused import SquaredError

    node = SquaredError()
    assert node.forward(np.ones(4), np.zeros(4)) == 1.0
    assert node.forward(np.ones(2), np.zeros(2)) == 1.0
    node.needs_input_grad = (True, False)
    assert node.backward(None, np.float64(1.0), np.ones(2), np.zeros(2))[0].tolist() == [1.0, 1.0]
    assert SquaredError(scale=1.0).forward(np.ones(2), np.zeros(2)) == 2.0
