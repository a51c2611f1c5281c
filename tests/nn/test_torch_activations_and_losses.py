"""Softplus, Mish, Hardtanh, ReLU6, PReLU, one_hot, normalize, cosine_similarity, pairwise_distance, BCELoss and
KLDivLoss against torch.nn: values and gradients in float64 (and float32), extreme inputs (|x| = 100 and 1000,
zero and tiny vectors, probabilities of 0 and 1), second derivatives, the options and the argument checks."""
import re
import warnings

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import backend, nn
from minigrad.io import from_torch
from minigrad.nn import functional as F

TF = torch.nn.functional
TOL = {"float64": dict(rtol=1e-12, atol=1e-14), "float32": dict(rtol=2e-6, atol=2e-6)}


def _values(shape, dtype, seed=0, scale=3.0):
    x = np.random.default_rng(seed).standard_normal(shape) * scale
    x.flat[:6] = [-100.0, 100.0, 0.0, -1000.0, 1000.0, 20.0][: x.size]   # far tails and softplus's threshold
    return x.astype(dtype)


def _run(fn, arrays, g, lib, dtype):
    """fn's output and the gradients of <g, fn(*arrays)> for every array, in minigrad or torch."""
    if lib == "mg":
        xs = [mg.tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
        y = fn(*xs)
        y.backward(mg.tensor(g, dtype=dtype))
        return y.numpy(), [x.grad.numpy() for x in xs]
    xs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = fn(*xs)
    y.backward(torch.tensor(g))
    return y.detach().numpy(), [x.grad.numpy() for x in xs]


def _agree(fm, ft, arrays, dtype="float64", tol=None, seed=1):
    tol = tol or TOL[dtype]
    arrays = [np.asarray(a, dtype=dtype) for a in arrays]
    g = _cotangent(ft, arrays, seed)
    y, grads = _run(fm, arrays, g, "mg", dtype)
    ty, tgrads = _run(ft, arrays, g, "torch", dtype)
    assert y.dtype == np.dtype(dtype) and y.shape == ty.shape
    np.testing.assert_allclose(y, ty, **tol)
    for got, expected in zip(grads, tgrads):
        assert got.dtype == np.dtype(dtype)
        np.testing.assert_allclose(got, expected, **tol)
    return y, grads


def _cotangent(ft, arrays, seed):
    shape = ft(*[torch.tensor(a) for a in arrays]).shape
    return np.random.default_rng(seed).standard_normal(tuple(shape)).astype(arrays[0].dtype)


# ---------------------------------------------------------------- activations
ACTIVATIONS = [
    ("Softplus", lambda: nn.Softplus(), lambda: torch.nn.Softplus()),
    ("Softplus(2, 5)", lambda: nn.Softplus(beta=2.0, threshold=5.0), lambda: torch.nn.Softplus(2.0, 5.0)),
    ("Softplus(0.5)", lambda: nn.Softplus(0.5), lambda: torch.nn.Softplus(0.5)),
    ("Softplus(-1.5)", lambda: nn.Softplus(-1.5), lambda: torch.nn.Softplus(-1.5)),
    ("Mish", lambda: nn.Mish(), lambda: torch.nn.Mish()),
    ("Hardtanh", lambda: nn.Hardtanh(), lambda: torch.nn.Hardtanh()),
    ("Hardtanh(-2, 0.5)", lambda: nn.Hardtanh(-2, 0.5), lambda: torch.nn.Hardtanh(-2, 0.5)),
    ("ReLU6", lambda: nn.ReLU6(), lambda: torch.nn.ReLU6()),
    ("PReLU", lambda: nn.PReLU(), lambda: torch.nn.PReLU()),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 5)])
@pytest.mark.parametrize("name, make, make_torch", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activations_match_torch(name, make, make_torch, shape, dtype):
    x = _values(shape, dtype)
    if x.size > 8:
        x.flat[6:10] = [1.0, -1.0, 6.0, 0.5]   # Hardtanh's and ReLU6's bounds: PyTorch's gradient is 0 there
    layer, torch_layer = make(), make_torch().to(getattr(torch, dtype))
    if dtype == "float64":
        layer = layer.to("cpu")
        for p in layer.parameters():
            p.data = p.data.astype(np.float64)
    y, (gx,) = _agree(layer, torch_layer, [x], dtype)
    assert np.isfinite(y).all() and np.isfinite(gx).all()


def test_softplus_and_mish_at_the_far_tails():
    x = np.array([-1000.0, -100.0, -40.0, 40.0, 100.0, 1000.0])
    y, (g,) = _agree(F.mish, TF.mish, [x])
    np.testing.assert_array_equal(y[-3:], x[-3:])                   # x tanh(softplus(x)) = x for large x
    assert (g[:2] <= 0).all() and g[0] == 0 and g[1] != 0          # e^-100 still counts, e^-1000 underflows
    for beta, threshold in [(1.0, 20.0), (1.0, 1e9), (0.5, 20.0), (3.0, 1e9)]:
        within = x if threshold < 1e9 else x[:-1]   # PyTorch's log1p(exp(1000)) overflows to inf
        y, (g,) = _agree(lambda t: F.softplus(t, beta, threshold), lambda t: TF.softplus(t, beta, threshold), [within])
        assert np.isfinite(y).all() and np.isfinite(g).all()
    assert F.softplus(mg.tensor([1000.0], dtype="float64"), threshold=1e9).item() == 1000.0   # ours never overflows
    assert F.softplus(mg.tensor([-100.0], dtype="float64")).item() == pytest.approx(np.exp(-100.0), rel=1e-14)


def test_softplus_threshold_is_torch_linear_region():
    x = np.array([19.9, 20.0, 20.1, 2.4, 2.6])
    y, (g,) = _agree(F.softplus, TF.softplus, [x])
    assert y[2] == 20.1 and y[1] != 20.0     # beta x > threshold (strictly) is the identity
    y, (g,) = _agree(lambda t: F.softplus(t, 2.0, 5.0), lambda t: TF.softplus(t, 2.0, 5.0), [x])
    assert y[4] == 2.6 and y[3] != 2.4       # beta x = 5.2 > 5 is linear, 4.8 is not


def test_prelu_per_channel_matches_torch_for_input_and_weight():
    for shape in [(4, 3), (2, 3, 5), (2, 3, 2, 2)]:
        x = _values(shape, "float64", seed=2)
        w = np.array([0.25, -0.5, 2.0])
        _agree(F.prelu, TF.prelu, [x, w])
    _agree(F.prelu, TF.prelu, [_values((6,), "float64"), np.array([0.3])])      # one slope, 1-D input
    _agree(F.prelu, TF.prelu, [_values((2, 3), "float32"), np.array([0.1], dtype=np.float32)], "float32")


@pytest.mark.parametrize("name, fn, torch_fn, arrays", [
    ("softplus", lambda x: F.softplus(x, 2.0, 5.0), lambda x: TF.softplus(x, 2.0, 5.0), 1),
    ("mish", F.mish, TF.mish, 1),
    ("prelu", F.prelu, TF.prelu, 2),
    ("normalize", F.normalize, TF.normalize, 1),
    ("cosine_similarity", F.cosine_similarity, TF.cosine_similarity, 2),
    ("pairwise_distance", F.pairwise_distance, TF.pairwise_distance, 2),
    ("kl_div", lambda x, t: F.kl_div(x, t, reduction="batchmean"),
     lambda x, t: TF.kl_div(x, t, reduction="batchmean"), 2),
])
def test_second_derivatives_match_torch(name, fn, torch_fn, arrays):
    rng = np.random.default_rng(3)
    if name == "kl_div":
        data = [np.log(rng.dirichlet(np.ones(5), 4)), rng.dirichlet(np.ones(5), 4)]
    elif name == "prelu":
        data = [rng.standard_normal((4, 3)) * 3, np.array([0.2, -0.7, 1.5])]
    else:
        data = [rng.standard_normal((4, 5)) * 2 for _ in range(arrays)]
    ms = [mg.tensor(a, dtype="float64", requires_grad=True) for a in data]
    ts = [torch.tensor(a, requires_grad=True) for a in data]
    gm = mg.grad((fn(*ms) ** 2).sum(), ms, create_graph=True)
    hm = mg.grad(sum((g * g).sum() for g in gm), ms)
    gt = torch.autograd.grad((torch_fn(*ts) ** 2).sum(), ts, create_graph=True)
    ht = torch.autograd.grad(sum((g * g).sum() for g in gt), ts)
    for a, b in zip(list(gm) + list(hm), list(gt) + list(ht)):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_layers_and_functions_agree_and_print_like_torch():
    x = mg.tensor(_values((3, 4), "float32"))
    pairs = [(nn.Softplus(2, 5), lambda t: F.softplus(t, 2, 5)), (nn.Mish(), F.mish),
             (nn.Hardtanh(-2, 3), lambda t: F.hardtanh(t, -2, 3)), (nn.ReLU6(), F.relu6),
             (nn.PReLU(), lambda t: F.prelu(t, mg.tensor([0.25])))]
    for layer, fn in pairs:
        np.testing.assert_array_equal(layer(x).numpy(), fn(x).numpy())
    assert [repr(nn.Softplus(2, 5)), repr(nn.Mish()), repr(nn.Hardtanh(-2, 3)), repr(nn.ReLU6())] == \
        ["Softplus(beta=2.0, threshold=5.0)", "Mish()", "Hardtanh(min_val=-2.0, max_val=3.0)", "ReLU6()"]
    assert repr(nn.PReLU(3)).startswith("PReLU(num_parameters=3)")
    assert repr(nn.CosineSimilarity()) == "CosineSimilarity(dim=1, eps=1e-08)"
    assert repr(nn.PairwiseDistance()) == "PairwiseDistance(p=2.0, eps=1e-06, keepdim=False)"
    assert repr(nn.KLDivLoss("batchmean")) == "KLDivLoss(reduction='batchmean', log_target=False)"
    assert repr(nn.BCELoss(weight=[1.0, 2.0])) == "BCELoss(weight, reduction='mean')"
    for layer in (nn.Softplus(), nn.Mish(), nn.Hardtanh(), nn.ReLU6(), nn.CosineSimilarity(), nn.KLDivLoss()):
        assert layer.state_dict() == {} and not list(layer.parameters())
    assert isinstance(nn.ReLU6(), nn.Hardtanh) and (nn.ReLU6().min_val, nn.ReLU6().max_val) == (0.0, 6.0)


def test_prelu_weight_has_torch_name_layout_and_start_and_loads_from_torch():
    for args in [(), (4,), (3, 0.1)]:
        ours, theirs = nn.PReLU(*args), torch.nn.PReLU(*args)
        assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
        np.testing.assert_array_equal(ours.state_dict()["weight"], theirs.state_dict()["weight"].numpy())
        assert ours.weight.dtype == np.float32
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.PReLU(4), torch.nn.Linear(4, 3), torch.nn.Mish(),
                                torch.nn.Softplus(2.0), torch.nn.Hardtanh(-0.5, 0.5))
    with torch.no_grad():
        model[1].weight.copy_(torch.tensor([0.1, -0.3, 0.7, 1.2]))
    ours = nn.Sequential(nn.Linear(5, 4), nn.PReLU(4), nn.Linear(4, 3), nn.Mish(), nn.Softplus(2.0),
                         nn.Hardtanh(-0.5, 0.5))
    ours.load_state_dict(from_torch(ours, {k: v.numpy() for k, v in model.state_dict().items()}))
    x = np.random.default_rng(4).standard_normal((6, 5)).astype(np.float32)
    np.testing.assert_allclose(ours(mg.tensor(x)).numpy(), model(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    layer = nn.PReLU(2, init=0.5, dtype="float64")
    layer.weight.data[...] = 3.0
    layer.reset_parameters()
    np.testing.assert_array_equal(layer.weight.numpy(), [0.5, 0.5])
    assert layer.weight.dtype == np.float64


def test_prelu_learns_its_slopes():
    layer = nn.PReLU(2)
    x = mg.tensor(np.array([[-1.0, -2.0], [3.0, -4.0]], dtype=np.float32))
    layer(x).sum().backward()
    np.testing.assert_array_equal(layer.weight.grad.numpy(), [-1.0, -6.0])   # the sums of x where x <= 0


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
    y, (g,) = _agree(lambda t: F.normalize(t, p=p), lambda t: TF.normalize(t, p=p), [x])
    assert (y[0] == 0).all() and np.isfinite(g).all() and np.abs(g[0]).max() > 1e11   # x / eps at a zero row
    _agree(lambda t: F.normalize(t, p=p, dim=0, eps=0.3), lambda t: TF.normalize(t, p=p, dim=0, eps=0.3), [x])
    _agree(lambda t: F.normalize(t, p=p, dim=-1), lambda t: TF.normalize(t, p=p, dim=-1),
           [np.random.default_rng(6).standard_normal((2, 3, 4))])
    _agree(lambda t: F.normalize(t, p=p), lambda t: TF.normalize(t, p=p), [x.astype(np.float32)], "float32",
           tol=dict(rtol=1e-5, atol=1e-6))


def test_cosine_similarity_matches_torch_with_zero_and_tiny_vectors():
    x1 = _with_zero_and_tiny_rows((4, 5))
    x2 = np.random.default_rng(7).standard_normal((4, 5))
    x2[2] = 0.0
    y, grads = _agree(F.cosine_similarity, TF.cosine_similarity, [x1, x2])
    assert y[0] == 0 and y[2] == 0 and all(np.isfinite(g).all() for g in grads)
    np.testing.assert_allclose(grads[0][0], x2[0] / np.linalg.norm(x2[0]) / 1e-8 *
                               _cotangent(TF.cosine_similarity, [x1, x2], 1)[0], rtol=1e-12)
    _agree(lambda a, b: F.cosine_similarity(a, b, dim=-1, eps=1e-3),
           lambda a, b: TF.cosine_similarity(a, b, dim=-1, eps=1e-3), [x1.reshape(2, 2, 5), x2[0]])
    _agree(lambda a, b: F.cosine_similarity(a, b, 0), lambda a, b: TF.cosine_similarity(a, b, 0), [x1[2], x2[3]])
    _agree(nn.CosineSimilarity(dim=0), torch.nn.CosineSimilarity(dim=0), [x1.T, x2.T])


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, float("inf")])
def test_pairwise_distance_matches_torch(p):
    rng = np.random.default_rng(8)
    x1, x2 = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    x2[0] = x1[0]     # equal rows: the difference is eps, not 0
    _agree(lambda a, b: F.pairwise_distance(a, b, p), lambda a, b: TF.pairwise_distance(a, b, p), [x1, x2])
    _agree(nn.PairwiseDistance(p, eps=0.0, keepdim=True), torch.nn.PairwiseDistance(p, eps=0.0, keepdim=True),
           [x1, x2 + 0.5])
    _agree(lambda a, b: F.pairwise_distance(a, b, p), lambda a, b: TF.pairwise_distance(a, b, p),
           [rng.standard_normal((2, 3, 5)), rng.standard_normal(5)])
    _agree(lambda a, b: F.pairwise_distance(a, b, p), lambda a, b: TF.pairwise_distance(a, b, p),
           [rng.standard_normal(5), rng.standard_normal(5)])


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
    _agree(F.binary_cross_entropy, TF.binary_cross_entropy, [x, t])
    for w in (rng.uniform(0.5, 2, (3, 1)), rng.uniform(0.5, 2, 4), np.array(2.5)):
        _agree(lambda a, b: F.binary_cross_entropy(a, b, mg.tensor(w, dtype="float64"), "sum"),
               lambda a, b: TF.binary_cross_entropy(a, b, torch.tensor(w), reduction="sum"), [x, t])
        _agree(lambda a, b: nn.BCELoss(w)(a, b), lambda a, b: torch.nn.BCELoss(torch.tensor(w))(a, b), [x, t])
    _agree(nn.BCELoss(), torch.nn.BCELoss(), [x.astype(np.float32), t.astype(np.float32)], "float32")
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
    (lambda: F.binary_cross_entropy(mg.tensor([0.5]), mg.tensor([1.0, 1.0])), ValueError,
     "binary_cross_entropy: input has shape (1,) but target has shape (2,); they must match"),
    (lambda: F.binary_cross_entropy(mg.tensor([0.5]), mg.tensor([1.0]), "sum"), TypeError,
     "binary_cross_entropy: weight must be an array or Tensor of numbers, got 'sum'; the reduction is the fourth"),
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
        _agree(lambda a, b: F.kl_div(a, b, reduction, log_target), lambda a, b: TF.kl_div(a, b, reduction=reduction,
               log_target=log_target), [x, t])
        _agree(nn.KLDivLoss(reduction, log_target), torch.nn.KLDivLoss(reduction=reduction, log_target=log_target),
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
        nn.KLDivLoss("batchmean")(xm, tm)


@pytest.mark.parametrize("call, error, message", [
    (lambda: nn.KLDivLoss("avg"), ValueError,
     "KLDivLoss: reduction must be 'mean', 'batchmean', 'sum' or 'none', got 'avg'"),
    (lambda: nn.KLDivLoss(log_target=1), ValueError, "KLDivLoss: log_target must be a bool, got 1"),
    (lambda: F.kl_div(mg.randn(2, 3), mg.randn(3), "sum"), ValueError,
     "kl_div: input has shape (2, 3) but target has shape (3,); they must match"),
    (lambda: F.kl_div(mg.randn(2), mg.randn(2), reduction="elementwise_mean"), ValueError,
     "kl_div: reduction must be 'mean', 'batchmean', 'sum' or 'none', got 'elementwise_mean'"),
])
def test_kl_div_errors(call, error, message):
    with pytest.raises(error, match="^" + re.escape(message)):
        call()


# ---------------------------------------------------------------- argument checks, float32
@pytest.mark.parametrize("make, message", [
    (lambda: nn.Softplus(beta=0), "Softplus: beta must be a non-zero number, got 0"),
    (lambda: nn.Softplus(beta="2"), "Softplus: beta must be a finite number, got '2'"),
    (lambda: nn.Softplus(threshold=float("nan")), "Softplus: threshold must be a finite number, got nan"),
    (lambda: F.softplus(mg.randn(3), beta=0.0), "softplus: beta must be a non-zero number, got 0.0"),
    (lambda: nn.Mish(inplace=True), "Mish: inplace=True is not supported"),
    (lambda: nn.Hardtanh(1.0, -1.0), "Hardtanh: max_val (-1.0) must be greater than min_val (1.0)"),
    (lambda: nn.Hardtanh(1.0, 1.0), "Hardtanh: max_val (1.0) must be greater than min_val (1.0)"),
    (lambda: nn.Hardtanh(max_val=None), "Hardtanh: max_val must be a finite number, got None"),
    (lambda: nn.ReLU6(inplace=True), "ReLU6: inplace=True is not supported"),
    (lambda: F.hardtanh(mg.randn(3), 2.0, 1.0), "hardtanh: min_val=2.0 is greater than max_val=1.0"),
    (lambda: F.relu6(mg.randn(3), inplace=True), "relu6: inplace=True is not supported"),
    (lambda: nn.PReLU(0), "PReLU: num_parameters must be a positive integer, got 0"),
    (lambda: nn.PReLU(2.0), "PReLU: num_parameters must be a positive integer, got 2.0"),
    (lambda: nn.PReLU(init="a"), "PReLU: init must be a finite number, got 'a'"),
    (lambda: nn.PReLU(dtype="int64"), "PReLU: dtype must be a floating dtype such as 'float32', got 'int64'"),
    (lambda: nn.PReLU(3)(mg.randn(2, 4)), "prelu: weight of shape (3,) must hold 1 slope or one per channel "
                                          "(axis 1 of the input of shape (2, 4): 4)"),
    (lambda: nn.PReLU(3)(mg.randn(3)), "prelu: weight of shape (3,) must hold 1 slope or one per channel "
                                       "(axis 1 of the input of shape (3,): 1)"),
    (lambda: nn.CosineSimilarity(dim=1.5), "CosineSimilarity: dim must be an integer, got 1.5"),
    (lambda: nn.CosineSimilarity(eps=0), "CosineSimilarity: eps must be a positive number, got 0"),
    (lambda: nn.PairwiseDistance(p=0), "PairwiseDistance: p must be a positive number, got 0"),
    (lambda: nn.PairwiseDistance(eps=-1e-6), "PairwiseDistance: eps must be a non-negative number, got -1e-06"),
    (lambda: nn.PairwiseDistance(keepdim=1), "PairwiseDistance: keepdim must be a bool, got 1"),
    (lambda: F.normalize(mg.randn(3, 2), p=-1), "normalize: p must be a positive number (or inf), got -1"),
    (lambda: F.normalize(mg.randn(3), dim=1), "normalize: axis 1 is out of range for a tensor of shape (3,)"),
    (lambda: F.cosine_similarity(mg.randn(2, 3), mg.randn(4, 3)),
     "cosine_similarity: x1 of shape (2, 3) and x2 of shape (4, 3) do not broadcast together"),
])
def test_bad_arguments_are_one_clear_error(make, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        make()


def test_input_type_errors_name_the_function():
    with pytest.raises(TypeError, match=re.escape("prelu: input dtype float64 does not match the weight's dtype "
                                                  "float32")):
        nn.PReLU()(mg.randn(2, 3, dtype="float64"))
    with pytest.raises(TypeError, match="PReLU: input must be a Tensor, got ndarray"):
        nn.PReLU()(np.ones(3, dtype=np.float32))
    with pytest.raises(TypeError, match="cosine_similarity: x1 dtype float32 differs from x2 dtype float64"):
        F.cosine_similarity(mg.randn(2, 3), mg.randn(2, 3, dtype="float64"))
    with pytest.raises(TypeError, match="normalize: dim must be an integer, got None"):
        F.normalize(mg.randn(2, 3), dim=None)
    with pytest.raises(TypeError, match=re.escape("hardtanh: max_val must be a real number, got max_val=None")):
        mg.hardtanh(mg.randn(3), -1.0, None)
    with pytest.raises(ValueError, match="softplus: beta must be a finite non-zero number, got 0"):
        mg.softplus(mg.randn(3), beta=0)


def test_float32_stays_float32_through_the_new_layers_and_their_second_derivatives(device):
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 6), nn.Softplus(2.0), nn.Linear(6, 6), nn.Mish(), nn.PReLU(6),
                          nn.Hardtanh(-3, 3), nn.Linear(6, 6), nn.ReLU6(), nn.Linear(6, 4)).to(device)
    x = mg.tensor(_values((4, 5), "float32"), requires_grad=True, device=device)
    t = mg.tensor(np.random.default_rng(1).uniform(0, 1, (4, 4)).astype(np.float32), device=device)
    out = model(x)
    losses = [nn.BCELoss()(F.sigmoid(out), t), nn.KLDivLoss("batchmean")(F.log_softmax(out, 1), F.softmax(t, 1)),
              F.cosine_similarity(out, t).sum(), F.normalize(out).sum(), F.pairwise_distance(out, t).sum()]
    total = losses[0]
    for loss in losses[1:]:
        total = total + loss
    gx, = mg.grad(total, [x], create_graph=True)
    gx.sum().backward()
    arrays = [out.data, gx.data, x.grad.data] + [loss.data for loss in losses]
    arrays += [p.grad.data for p in model.parameters()]
    assert all(a.dtype == np.float32 for a in arrays), [a.dtype for a in arrays]
    assert all(np.isfinite(backend.to_numpy(a)).all() for a in arrays)
    assert gx.device == x.device
    hot = F.one_hot(mg.tensor(np.array([1, 0, 2]), device=device), 3)
    assert hot.device == mg.tensor([1], device=device).device and hot.dtype == np.int64


# ---------------------------------------------------------------- SoftMarginLoss, MarginRankingLoss
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_margin_losses_match_torch(reduction):
    rng = np.random.default_rng(13)
    x, y = rng.standard_normal((4, 3)) * 3, np.where(rng.random((4, 3)) < 0.5, -1.0, 1.0)
    x[0, :2] = [30.0, -30.0]
    # PyTorch's target takes no gradient here: a constant on both sides (ours is checked in the registry)
    _agree(lambda a: F.soft_margin_loss(a, mg.tensor(y, dtype="float64"), reduction),
           lambda a: TF.soft_margin_loss(a, torch.tensor(y), reduction=reduction), [x])
    y32 = y.astype(np.float32)
    _agree(lambda a: nn.SoftMarginLoss(reduction)(a, mg.tensor(y32)),
           lambda a: torch.nn.SoftMarginLoss(reduction=reduction)(a, torch.tensor(y32)),
           [x.astype(np.float32)], "float32", tol=dict(rtol=1e-5, atol=1e-6))
    x1, x2 = rng.standard_normal(8), rng.standard_normal(8)
    t = np.where(rng.random(8) < 0.5, -1.0, 1.0)
    x2[0] = x1[0]     # on the hinge's kink (margin 0): PyTorch's clamp_min counts it as not met
    for margin in (0.0, 0.5, -0.2):
        _agree(lambda a, b, c: F.margin_ranking_loss(a, b, c, margin, reduction),
               lambda a, b, c: TF.margin_ranking_loss(a, b, c, margin, reduction=reduction), [x1, x2, t])
        _agree(nn.MarginRankingLoss(margin, reduction), torch.nn.MarginRankingLoss(margin, reduction=reduction),
               [x1, x2, t])


def test_soft_margin_loss_stays_finite_where_torch_overflows():
    x = mg.tensor([-1000.0, 1000.0], dtype="float64", requires_grad=True)
    loss = F.soft_margin_loss(x, mg.tensor([1.0, -1.0], dtype="float64"), reduction="none")
    loss.sum().backward()
    np.testing.assert_array_equal(loss.numpy(), [1000.0, 1000.0])
    np.testing.assert_array_equal(x.grad.numpy(), [-1.0, 1.0])


@pytest.mark.parametrize("call, message", [
    (lambda: nn.MarginRankingLoss(margin="1"), "MarginRankingLoss: margin must be a finite number, got '1'"),
    (lambda: nn.SoftMarginLoss("avg"), "SoftMarginLoss: reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    (lambda: F.margin_ranking_loss(mg.randn(3), mg.randn(3), mg.randn(2)),
     "margin_ranking_loss: input has shape (3,) but target has shape (2,); they must match"),
    (lambda: F.soft_margin_loss(mg.randn(3, 1), mg.randn(3)),
     "soft_margin_loss: input has shape (3, 1) but target has shape (3,); they must match"),
])
def test_margin_loss_errors(call, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        call()
