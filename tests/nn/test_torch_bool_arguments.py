"""A bool (Python's or NumPy's) as a real-number argument, read as torch reads it: 1 or 0 in the activations'
slopes, bounds and thresholds (functional and layer), in clamp's bounds (a NumPy bool as the float 1.0 or 0.0), in
an eps, a margin, a norm's p or a dropout rate; refused where torch refuses it, with torch's exception type."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

BOOLS = [True, False, np.True_, np.False_]
VALUES = [-3.0, -1.5, -0.5, -0.25, 0.0, 0.3, 0.5, 1.0, 2.5, 25.0]

# name: (minigrad's call, torch's call) on x, the argument v given the bool
ACTIVATIONS = {
    "F.leaky_relu slope": (lambda x, v: F.leaky_relu(x, v), lambda x, v: TF.leaky_relu(x, v)),
    "LeakyReLU slope": (lambda x, v: nn.LeakyReLU(v)(x), lambda x, v: torch.nn.LeakyReLU(v)(x)),
    "F.elu alpha": (lambda x, v: F.elu(x, v), lambda x, v: TF.elu(x, v)),
    "ELU alpha": (lambda x, v: nn.ELU(v)(x), lambda x, v: torch.nn.ELU(v)(x)),
    "F.softplus beta": (lambda x, v: F.softplus(x, v), lambda x, v: TF.softplus(x, v)),
    "Softplus beta": (lambda x, v: nn.Softplus(v)(x), lambda x, v: torch.nn.Softplus(v)(x)),
    "F.softplus threshold": (lambda x, v: F.softplus(x, 1.0, v), lambda x, v: TF.softplus(x, 1.0, v)),
    "Softplus threshold": (lambda x, v: nn.Softplus(2.0, v)(x), lambda x, v: torch.nn.Softplus(2.0, v)(x)),
    "F.hardtanh min_val": (lambda x, v: F.hardtanh(x, v, 2.0), lambda x, v: TF.hardtanh(x, v, 2.0)),
    "Hardtanh min_val": (lambda x, v: nn.Hardtanh(v, 2.0)(x), lambda x, v: torch.nn.Hardtanh(v, 2.0)(x)),
    "F.hardtanh max_val": (lambda x, v: F.hardtanh(x, -1.0, v), lambda x, v: TF.hardtanh(x, -1.0, v)),
    "Hardtanh max_val": (lambda x, v: nn.Hardtanh(-1.0, v)(x), lambda x, v: torch.nn.Hardtanh(-1.0, v)(x)),
    "F.hardshrink lambd": (lambda x, v: F.hardshrink(x, v), lambda x, v: TF.hardshrink(x, v)),
    "Hardshrink lambd": (lambda x, v: nn.Hardshrink(v)(x), lambda x, v: torch.nn.Hardshrink(v)(x)),
    "F.softshrink lambd": (lambda x, v: F.softshrink(x, v), lambda x, v: TF.softshrink(x, v)),
    "Softshrink lambd": (lambda x, v: nn.Softshrink(v)(x), lambda x, v: torch.nn.Softshrink(v)(x)),
    "F.threshold threshold": (lambda x, v: F.threshold(x, v, 7.0), lambda x, v: TF.threshold(x, v, 7.0)),
    "Threshold threshold": (lambda x, v: nn.Threshold(v, 7.0)(x), lambda x, v: torch.nn.Threshold(v, 7.0)(x)),
    "F.threshold value": (lambda x, v: F.threshold(x, 0.3, v), lambda x, v: TF.threshold(x, 0.3, v)),
    "Threshold value": (lambda x, v: nn.Threshold(0.3, v)(x), lambda x, v: torch.nn.Threshold(0.3, v)(x)),
    "F.celu alpha": (lambda x, v: F.celu(x, v), lambda x, v: TF.celu(x, v)),
    "CELU alpha": (lambda x, v: nn.CELU(v)(x), lambda x, v: torch.nn.CELU(v)(x)),
    "clamp min": (lambda x, v: mg.clamp(x, min=v), lambda x, v: torch.clamp(x, min=v)),
    "clamp max": (lambda x, v: mg.clamp(x, max=v), lambda x, v: torch.clamp(x, max=v)),
    "clip min max": (lambda x, v: mg.clip(x, v, 2.0), lambda x, v: torch.clip(x, v, 2.0)),
    "Tensor.clamp_min": (lambda x, v: x.clamp_min(v), lambda x, v: x.clamp_min(v)),
}


def _outcome(call, x, v):
    try:
        return call(x, v), None
    except Exception as exc:   # noqa: BLE001  (compared with torch's below)
        return None, exc


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("value", BOOLS, ids=repr)
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_a_bool_argument_gives_torchs_values_and_gradients(name, value, dtype):
    ours_call, theirs_call = ACTIVATIONS[name]
    data = np.array(VALUES, dtype=dtype)
    x, tx = mg.tensor(data, dtype=dtype, requires_grad=True), torch.tensor(data, requires_grad=True)
    theirs, their_error = _outcome(theirs_call, tx, value)
    ours, our_error = _outcome(ours_call, x, value)
    if their_error is not None:   # celu's alpha=False: torch's RuntimeError, ours names the op and the value
        assert type(our_error) is type(their_error), (our_error, their_error)
        assert "celu" in str(our_error) and "alpha" in str(our_error)
        return
    assert our_error is None, our_error
    assert ours.dtype == np.dtype(dtype) and str(theirs.dtype) == f"torch.{dtype}"
    # exactly the number's result: the bool is read as 1.0 or 0.0, nothing else
    np.testing.assert_array_equal(ours.detach().numpy(), ours_call(mg.tensor(data, dtype=dtype), float(value)).numpy())
    rtol = 1e-6 if dtype == "float32" else 1e-15   # exp and log1p may differ from torch's in the last bit
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol, atol=0)
    seed = np.linspace(-1.0, 2.0, len(VALUES)).astype(dtype)
    ours.backward(mg.tensor(seed, dtype=dtype))
    theirs.backward(torch.tensor(seed))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=rtol, atol=0)


@pytest.mark.parametrize("value", BOOLS, ids=repr)
@pytest.mark.parametrize("dtype", ["int64", "uint8", "bool"])
def test_clamp_reads_a_numpy_bool_as_a_float_and_a_python_bool_as_an_int(dtype, value):
    """torch.clamp(ints, min=np.True_) is float32 (the NumPy bool is the float 1.0), with True int64 stays int64;
    a bool tensor with a Python bool bound only is refused by both (no bool clamp kernel)."""
    data = np.array([0, 1, 5] if dtype != "bool" else [True, False, True], dtype=dtype)
    theirs, their_error = _outcome(lambda t, v: torch.clamp(t, min=v), torch.tensor(data), value)
    ours, our_error = _outcome(lambda t, v: mg.clamp(t, min=v), mg.tensor(data, dtype=dtype), value)
    if their_error is not None:
        assert type(our_error) is type(their_error), (our_error, their_error)
        return
    assert our_error is None, our_error
    assert str(theirs.dtype) == f"torch.{ours.dtype}" if ours.dtype != np.bool_ else "torch.bool"
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


# a number bound beside a tensor bound (torch reads a 0-d tensor bound as its number there): the same rule as with
# number bounds only, a NumPy bool the float 1.0 or 0.0, a Python bool the int 1 or 0, a bool result refused
TENSOR_BOUND_CALLS = {
    "clamp min=v max=tensor(3)": lambda m, x, v: m.clamp(x, min=v, max=m.tensor(3)),
    "clamp min=tensor(0) max=v": lambda m, x, v: m.clamp(x, min=m.tensor(0), max=v),
    "clamp min=v max=tensor(True)": lambda m, x, v: m.clamp(x, min=v, max=m.tensor(True)),
    "clamp min=tensor(False) max=v": lambda m, x, v: m.clamp(x, min=m.tensor(False), max=v),
    "clip v tensor(3)": lambda m, x, v: m.clip(x, v, m.tensor(3)),
    "clamp min=v max=tensor(3.0)": lambda m, x, v: m.clamp(x, min=v, max=m.tensor(3.0)),
}


@pytest.mark.parametrize("value", BOOLS, ids=repr)
@pytest.mark.parametrize("dtype", ["int64", "int8", "uint8", "float32", "bool"])
@pytest.mark.parametrize("name", list(TENSOR_BOUND_CALLS))
def test_clamp_with_a_tensor_bound_reads_the_other_bool_bound_as_torch(name, dtype, value):
    """torch.clamp(ints, min=np.True_, max=tensor(3)) is float32 [1, 1, 1, 3] and clamp(bools, min=np.False_,
    max=tensor(True)) float32; clamp(bools, min=True, max=tensor(True)) is refused (NotImplementedError, no bool
    clamp kernel). minigrad's tensor-bound path skipped the number bound's reading: int64 and bool."""
    call = TENSOR_BOUND_CALLS[name]
    data = np.array([-2, 0, 1, 5] if dtype != "bool" else [True, False, True, False]).astype(dtype)
    theirs, their_error = _outcome(lambda t, v: call(torch, t, v), torch.tensor(data), value)
    ours, our_error = _outcome(lambda t, v: call(mg, t, v), mg.tensor(data, dtype=dtype), value)
    if their_error is not None:
        assert type(our_error) is type(their_error), (our_error, their_error)
        assert "bool bounds" in str(our_error) and name.split()[0] in str(our_error), our_error
        return
    assert our_error is None, our_error
    assert str(theirs.dtype) == ("torch.bool" if ours.dtype == np.bool_ else f"torch.{ours.dtype}"), (ours, theirs)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_clamp_refuses_a_bool_result_unless_one_tensor_bound_as_torch():
    """torch has bool clamp_min and clamp_max for one tensor bound only: two bool tensor bounds are refused too."""
    data = np.array([True, False])
    for bounds in ((True, None), (None, False), (True, np.array(True)), (np.array(False), np.array(True)),
                   (np.array([True, True]), None), (None, np.array(False))):
        theirs, their_error = _outcome(lambda t, b: torch.clamp(t, *[None if v is None else torch.tensor(v)
                                                                    if isinstance(v, np.ndarray) else v for v in b]),
                                       torch.tensor(data), bounds)
        ours, our_error = _outcome(lambda t, b: mg.clamp(t, *[None if v is None else mg.tensor(v)
                                                              if isinstance(v, np.ndarray) else v for v in b]),
                                   mg.tensor(data), bounds)
        if their_error is not None:
            assert type(our_error) is type(their_error) is NotImplementedError, (bounds, our_error, their_error)
            continue
        assert our_error is None and ours.dtype == np.bool_ and theirs.dtype == torch.bool, (bounds, our_error)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


RRELU_BOUNDS = [(True, True), (False, True), (False, False), (np.True_, np.True_), (np.False_, True), (True, np.True_),
                (True, 1), (1, True), (0.5, True), (True, 2)]


@pytest.mark.parametrize("lower, upper", RRELU_BOUNDS, ids=repr)
def test_rrelu_eval_slope_adds_bool_bounds_as_torch(lower, upper):
    """The eval slope is (lower + upper) / 2, torch's Scalar sum: two Python bools add as bools (True + True is
    True), so rrelu(x, True, True) has slope 0.5, not 1; a NumPy bool is the float 1.0 (np.True_, np.True_: 1)."""
    data = np.array(VALUES, dtype="float32")
    for ours, theirs in ((F.rrelu(mg.tensor(data), lower, upper), TF.rrelu(torch.tensor(data), lower, upper)),
                         (nn.RReLU(lower, upper).eval()(mg.tensor(data)),
                          torch.nn.RReLU(lower, upper).eval()(torch.tensor(data)))):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    if lower is True and upper is True:   # training: the slopes are drawn from [1, 1], the slope is 1 in both
        np.testing.assert_array_equal(F.rrelu(mg.tensor(data), True, True, training=True).numpy(), data)
        np.testing.assert_array_equal(TF.rrelu(torch.tensor(data), True, True, training=True).numpy(), data)


def test_integer_hardtanh_and_threshold_take_bools_as_torch_keeping_the_dtype():
    ints = np.array([-2, 0, 3])
    for value in BOOLS:
        for ours, theirs in ((F.hardtanh(mg.tensor(ints), value, 2), TF.hardtanh(torch.tensor(ints), value, 2)),
                             (F.threshold(mg.tensor(ints), 0, value), TF.threshold(torch.tensor(ints), 0, value))):
            assert ours.dtype == np.int64 and theirs.dtype == torch.int64
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


A, B = np.random.default_rng(0).standard_normal((2, 4, 6))
X = np.random.default_rng(1).standard_normal((4, 3, 5))
TARGET = np.array([0, 1, 2, 3])
# the other real-number arguments: (minigrad's, torch's), each given the arrays as tensors and the bool v
OTHERS = {
    "F.dropout p": (lambda m, a, b, x, v: m.nn.functional.dropout(a, p=v), None),
    "Dropout p": (lambda m, a, b, x, v: m.nn.Dropout(p=v)(a), None),
    "CrossEntropyLoss label_smoothing": (
        lambda m, a, b, x, v: m.nn.CrossEntropyLoss(label_smoothing=v)(a, m.tensor(TARGET)), None),
    "F.cross_entropy label_smoothing": (
        lambda m, a, b, x, v: m.nn.functional.cross_entropy(a, m.tensor(TARGET), label_smoothing=v), None),
    "LayerNorm eps": (lambda m, a, b, x, v: m.nn.LayerNorm(5, eps=v, dtype=x.dtype)(x), None),
    "F.layer_norm eps": (lambda m, a, b, x, v: m.nn.functional.layer_norm(x, (5,), eps=v), None),
    "GroupNorm eps": (lambda m, a, b, x, v: m.nn.GroupNorm(3, 3, eps=v, dtype=x.dtype)(x), None),
    "F.normalize p": (lambda m, a, b, x, v: m.nn.functional.normalize(a, p=v), None),
    "PairwiseDistance p": (lambda m, a, b, x, v: m.nn.PairwiseDistance(p=v)(a, b), None),
    "F.pairwise_distance eps": (lambda m, a, b, x, v: m.nn.functional.pairwise_distance(a, b, eps=v), None),
    "CosineSimilarity eps": (lambda m, a, b, x, v: m.nn.CosineSimilarity(eps=v)(a, b), None),
    "TripletMarginLoss margin": (lambda m, a, b, x, v: m.nn.TripletMarginLoss(margin=v)(a, b, a + 1), None),
    "F.triplet_margin_loss margin": (lambda m, a, b, x, v: m.nn.functional.triplet_margin_loss(a, b, a + 1, margin=v),
                                     None),
    "SmoothL1Loss beta": (lambda m, a, b, x, v: m.nn.SmoothL1Loss(beta=v)(a, b), None),
    "HuberLoss delta": (lambda m, a, b, x, v: m.nn.HuberLoss(delta=v)(a, b), None),
    "F.huber_loss delta": (lambda m, a, b, x, v: m.nn.functional.huber_loss(a, b, delta=v), None),
    "MultiMarginLoss margin": (lambda m, a, b, x, v: m.nn.MultiMarginLoss(margin=v)(a, m.tensor(TARGET)), None),
    "HingeEmbeddingLoss margin": (lambda m, a, b, x, v: m.nn.HingeEmbeddingLoss(margin=v)(a, a * 0 + 1), None),
    "GaussianNLLLoss eps": (lambda m, a, b, x, v: m.nn.GaussianNLLLoss(eps=v)(a, b, a * a), None),
    "F.local_response_norm k": (lambda m, a, b, x, v: m.nn.functional.local_response_norm(x, 2, k=v), None),
    "F.batch_norm momentum": (lambda m, a, b, x, v: m.nn.functional.batch_norm(
        x, m.zeros(3, dtype=x.dtype), m.ones(3, dtype=x.dtype), training=True, momentum=v), None),
    "BatchNorm1d momentum": (lambda m, a, b, x, v: m.nn.BatchNorm1d(3, momentum=v, dtype=x.dtype)(x), None),
    "RNN dropout": (lambda m, a, b, x, v: m.nn.RNN(5, 4, num_layers=2, dropout=v, dtype=x.dtype)(x)[0], None),
}


# (name, bool) -> why minigrad raises another exception type than torch there: none, every refusal is torch's type
DELIBERATELY_OTHER_ERRORS: dict = {}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("value", BOOLS, ids=repr)
@pytest.mark.parametrize("name", list(OTHERS))
def test_other_real_number_arguments_take_or_refuse_a_bool_as_torch(name, value, dtype):
    """Refused where torch refuses (RNN's dropout, HuberLoss's NumPy-bool delta: TypeError, a margin or delta of
    False), with torch's exception type exactly and a message naming the argument and the value as given; taken
    where torch takes it, with torch's values (dropout's False is p=0: the input itself, True is p=1: all zeros)."""
    call = OTHERS[name][0]
    argument = name.split()[-1]   # the argument's name: "F.dropout p" -> "p"
    ours, our_error = _outcome(lambda args, v: call(mg, *args, v),
                               [mg.tensor(d, dtype=dtype) for d in (A, B, X)], value)
    theirs, their_error = _outcome(lambda args, v: call(torch, *args, v),
                                   [torch.tensor(d.astype(dtype)) for d in (A, B, X)], value)
    if their_error is not None:
        assert our_error is not None, f"torch raises {their_error!r}, minigrad gave {ours}"
        expected = DELIBERATELY_OTHER_ERRORS.get((name, repr(value)), type(their_error))
        assert type(our_error) is expected, (our_error, their_error)
        message = str(our_error)
        assert argument in message and repr(value) in message, (argument, repr(value), message)
        return
    assert our_error is None, our_error
    if "RNN" in name:   # torch refuses every bool dropout: not reached
        raise AssertionError(f"torch took RNN(dropout={value!r})")
    if "dropout" in name.lower():   # p=0 keeps the input exactly, p=1 zeroes it, in both
        expected = np.zeros_like(A, dtype=dtype) if value else A.astype(dtype)
        np.testing.assert_array_equal(theirs.numpy(), expected)
        np.testing.assert_array_equal(ours.numpy(), expected)
        assert ours.dtype == np.dtype(dtype)
        return
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=2e-6 if dtype == "float64"
                               else 1e-5, atol=1e-6)
