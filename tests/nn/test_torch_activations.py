"""Softplus, Mish, Hardtanh, ReLU6 and PReLU against torch.nn: values and gradients in float64 and float32 at
extreme inputs (|x| = 100 and 1000, the bounds, softplus's threshold), second derivatives of the new functions,
PReLU's weight and state dict, the argument checks, float32 through the new layers and losses."""
import re

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import backend, nn
from minigrad.io import from_torch
from minigrad.nn import functional as F
from torch_agreement import TOL, agree, values

TF = torch.nn.functional

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
    x = values(shape, dtype)
    if x.size > 8:
        x.flat[6:10] = [1.0, -1.0, 6.0, 0.5]   # Hardtanh's and ReLU6's bounds: PyTorch's gradient is 0 there
    layer, torch_layer = make(), make_torch().to(getattr(torch, dtype))
    if dtype == "float64":
        layer = layer.to("cpu")
        for p in layer.parameters():
            p.data = p.data.astype(np.float64)
    y, (gx,) = agree(layer, torch_layer, [x], dtype)
    assert np.isfinite(y).all() and np.isfinite(gx).all()


def test_hardtanh_and_relu6_keep_an_integer_dtype_as_torch():
    # torch casts the limits to the input's integer dtype; minigrad used to make every integer input float32
    x = np.array([3, -2, 0, 1, 9])
    for dtype in ["int64", "int8", "int32"]:
        for args in [(), (-0.5, 2.5), (-2, 2)]:
            expected = torch.nn.functional.hardtanh(torch.tensor(x.astype(dtype)), *args)
            got = F.hardtanh(mg.tensor(x, dtype=dtype), *args)
            assert str(got.dtype) == str(expected.dtype).replace("torch.", "") == dtype
            assert got.tolist() == expected.tolist()
        expected = torch.nn.functional.relu6(torch.tensor(x.astype(dtype)))
        got = nn.ReLU6()(mg.tensor(x, dtype=dtype))
        assert got.dtype == np.dtype(dtype) and got.tolist() == expected.tolist() == [3, 0, 0, 1, 6]
    assert F.relu6(mg.tensor(x, dtype="uint8")).tolist() == [3, 6, 0, 1, 6]   # 254 limited to 6, as torch
    with pytest.raises(RuntimeError, match=r"^hardtanh: cannot limit an unsigned tensor \(dtype uint8\) to a negative "
                                           r"bound, min_val=-1"):   # torch's RuntimeError
        F.hardtanh(mg.tensor(x, dtype="uint8"))
    with pytest.raises(TypeError, match=r"^hardtanh: bool inputs are not supported, as in torch"):
        F.hardtanh(mg.tensor([True, False]))


def _at_nan(fn, tfn, x, dtype, create_graph=False):
    """(ours, torch's) outputs and input gradients of <g, fn(x)> for g = 2, 3, ...; NaNs compared as equal."""
    g = np.arange(2.0, 2.0 + x.size).reshape(x.shape).astype(dtype)
    xm = mg.tensor(x, dtype=dtype, requires_grad=True)
    y = fn(xm)
    (gx,) = mg.grad((y * mg.tensor(g, dtype=dtype)).sum(), [xm], create_graph=create_graph)
    xt = torch.tensor(x.astype(dtype), requires_grad=True)
    yt = tfn(xt)
    (gt,) = torch.autograd.grad((yt * torch.tensor(g)).sum(), [xt])
    np.testing.assert_array_equal(y.numpy(), yt.detach().numpy())
    np.testing.assert_array_equal(gx.numpy(), gt.numpy())
    assert gx.dtype == np.dtype(dtype)
    return gx.numpy()


RELUS = [(F.relu, TF.relu), (mg.relu, torch.relu), (lambda x: x.relu(), lambda x: x.relu()),
         (nn.ReLU(), torch.nn.ReLU())]


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("fn, tfn", RELUS)
def test_relu_passes_the_gradient_at_nan_as_torch(fn, tfn, dtype, create_graph):
    # relu's gradient at NaN was 0 (masked with x > 0); torch's threshold_backward zeroes only where x <= 0.
    # 20 elements: torch's relu gives this on every path (its vector and scalar kernels agree)
    x = np.linspace(-3.0, 3.0, 20)
    x[[0, 7, 19]] = np.nan
    gx = _at_nan(fn, tfn, x, dtype, create_graph)
    assert gx[7] == 9.0 and gx[9] == 0.0 and gx[12] == 14.0


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_fused_linear_relu_passes_the_gradient_at_nan_as_torch(dtype):
    # AffineReLU masked with y > 0 too: a NaN pre-activation gave 0 to x, W and b, where torch's relu passes g
    mg.manual_seed(1)
    net = nn.Network(nn.Linear(3, 4, dtype=dtype), nn.ReLU())
    lin = torch.nn.Linear(3, 4).to(getattr(torch, dtype))
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(net[0].weight.numpy().T))
        lin.bias.copy_(torch.tensor(net[0].bias.numpy()))
    x = np.array([[1.0, np.nan, 2.0], [0.5, -0.1, 0.2], [-1.0, 0.3, -2.0]])
    xm = mg.tensor(x, dtype=dtype, requires_grad=True)
    y = net(xm)
    assert type(y.creator).__name__ == "AffineReLU"
    xt = torch.tensor(x.astype(dtype), requires_grad=True)
    yt = torch.relu(lin(xt))
    y.sum().backward()
    yt.sum().backward()
    tol = TOL[dtype]   # the products round differently in float32; NaNs must sit at the same places
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), **tol)
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), **tol)
    np.testing.assert_allclose(net[0].weight.grad.numpy(), lin.weight.grad.numpy().T, **tol)
    np.testing.assert_array_equal(net[0].bias.grad.numpy(), lin.bias.grad.numpy())
    assert net[0].bias.grad.numpy().min() >= 1.0   # the NaN row's units all pass: 1 (that row) + the others


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("fn, tfn", [(F.hardtanh, TF.hardtanh), (F.relu6, TF.relu6),
                                     (lambda x: F.hardtanh(x, -2.0, 0.5), lambda x: TF.hardtanh(x, -2.0, 0.5)),
                                     (lambda x: F.hardtanh(x, 0.5, 0.5), lambda x: TF.hardtanh(x, 0.5, 0.5)),
                                     (F.leaky_relu, TF.leaky_relu), (F.elu, TF.elu)])
def test_clamping_activations_at_nan_as_torch(fn, tfn, dtype):
    # hardtanh and relu6 gave 0 at NaN; torch's kernel zeroes where x <= min_val or x >= max_val, so a NaN passes g.
    # 4 elements: torch's CPU vector kernel (8 float64 or 16 float32 elements at a time) blends NaN to 0 there,
    # its scalar kernel (the rest, and its GPU kernel) passes g, and that is the element formula this follows
    x = np.array([np.nan, -0.5, 0.5, 7.0])
    _at_nan(fn, tfn, x, dtype)


def test_softplus_and_mish_at_the_far_tails():
    x = np.array([-1000.0, -100.0, -40.0, 40.0, 100.0, 1000.0])
    y, (g,) = agree(F.mish, TF.mish, [x])
    np.testing.assert_array_equal(y[-3:], x[-3:])                   # x tanh(softplus(x)) = x for large x
    assert (g[:2] <= 0).all() and g[0] == 0 and g[1] != 0          # e^-100 still counts, e^-1000 underflows
    for beta, threshold in [(1.0, 20.0), (1.0, 1e9), (0.5, 20.0), (3.0, 1e9)]:
        within = x if threshold < 1e9 else x[:-1]   # PyTorch's log1p(exp(1000)) overflows to inf
        y, (g,) = agree(lambda t: F.softplus(t, beta, threshold), lambda t: TF.softplus(t, beta, threshold), [within])
        assert np.isfinite(y).all() and np.isfinite(g).all()
    assert F.softplus(mg.tensor([1000.0], dtype="float64"), threshold=1e9).item() == 1000.0   # ours never overflows
    assert F.softplus(mg.tensor([-100.0], dtype="float64")).item() == pytest.approx(np.exp(-100.0), rel=1e-14)


def test_softplus_threshold_is_torch_linear_region():
    x = np.array([19.9, 20.0, 20.1, 2.4, 2.6])
    y, (g,) = agree(F.softplus, TF.softplus, [x])
    assert y[2] == 20.1 and y[1] != 20.0     # beta x > threshold (strictly) is the identity
    y, (g,) = agree(lambda t: F.softplus(t, 2.0, 5.0), lambda t: TF.softplus(t, 2.0, 5.0), [x])
    assert y[4] == 2.6 and y[3] != 2.4       # beta x = 5.2 > 5 is linear, 4.8 is not


def test_prelu_per_channel_matches_torch_for_input_and_weight():
    for shape in [(4, 3), (2, 3, 5), (2, 3, 2, 2)]:
        x = values(shape, "float64", seed=2)
        w = np.array([0.25, -0.5, 2.0])
        agree(F.prelu, TF.prelu, [x, w])
    agree(F.prelu, TF.prelu, [values((6,), "float64"), np.array([0.3])])      # one slope, 1-D input
    agree(F.prelu, TF.prelu, [values((2, 3), "float32"), np.array([0.1], dtype=np.float32)], "float32")


@pytest.mark.parametrize("beta", [1.0, -2.0])
@pytest.mark.parametrize("threshold", [np.inf, -np.inf])
def test_softplus_takes_an_infinite_threshold_as_torch(beta, threshold):
    # threshold=inf (never the linear region) or -inf (always) was refused ("threshold must be a finite
    # number"); torch takes both
    x = np.array([1.0, -3.0, 0.0, 25.0, -30.0])
    xm, xt = mg.tensor(x, dtype="float64", requires_grad=True), torch.tensor(x, requires_grad=True)
    y, expected = F.softplus(xm, beta, threshold), TF.softplus(xt, beta, threshold)
    np.testing.assert_allclose(y.numpy(), expected.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(nn.Softplus(beta, threshold)(mg.tensor(x, dtype="float64")).numpy(),
                               expected.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("min_val, max_val", [(-np.inf, 0.0), (0.0, np.inf), (-np.inf, np.inf)])
def test_hardtanh_takes_infinite_bounds_as_torch(min_val, max_val):
    # a one-sided limit, hardtanh(x, -inf, 0), was refused ("min_val must be a finite number"); torch takes it
    x = np.array([1.0, np.nan, -3.0, 0.5, 2.0, -0.2, 0.0])
    xm, xt = mg.tensor(x, dtype="float64", requires_grad=True), torch.tensor(x, requires_grad=True)
    y, expected = F.hardtanh(xm, min_val, max_val), TF.hardtanh(xt, min_val, max_val)
    np.testing.assert_array_equal(y.numpy(), expected.detach().numpy())
    np.testing.assert_array_equal(nn.Hardtanh(min_val, max_val)(mg.tensor(x, dtype="float64")).numpy(),
                                  expected.detach().numpy())
    y.sum().backward()
    expected.sum().backward()
    np.testing.assert_array_equal(xm.grad.numpy(), xt.grad.numpy())
    with pytest.raises(RuntimeError, match="^hardtanh: min_val=.* cannot be converted to the integer dtype int64"):
        F.hardtanh(mg.tensor([1, 2]), min_val, max_val)    # torch: RuntimeError "cannot be converted to type int64_t"
    np.testing.assert_array_equal(F.hardtanh(xm, np.nan, max_val).numpy(),   # all NaN, as torch's
                                  TF.hardtanh(xt, np.nan, max_val).detach().numpy())


def test_prelu_slope_gradient_is_finite_beside_an_infinite_positive_input():
    # the slope's gradient sums g x over the elements at or below 0 only: a +inf among the positive ones must not
    # reach it as 0 * inf (it gave NaN for the slope where torch gives -4.48)
    x = np.array([[1.0, -2.0, np.inf, 0.5, -1.0, np.inf]])
    for dtype in ("float64", "float32"):
        xm = mg.tensor(x, dtype=dtype, requires_grad=True)
        wm = mg.tensor([0.25], dtype=dtype, requires_grad=True)
        xt = torch.tensor(x, dtype=getattr(torch, dtype), requires_grad=True)
        wt = torch.tensor([0.25], dtype=getattr(torch, dtype), requires_grad=True)
        g = np.array([[0.7, 1.3, -0.4, 2.0, -0.9, 0.6]])
        F.prelu(xm, wm).backward(mg.tensor(g, dtype=dtype))
        TF.prelu(xt, wt).backward(torch.tensor(g, dtype=getattr(torch, dtype)))
        assert np.isfinite(wm.grad.numpy()).all()
        np.testing.assert_allclose(wm.grad.numpy(), wt.grad.numpy(), rtol=1e-6)
        np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-6)


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
    x = mg.tensor(values((3, 4), "float32"))
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
    assert repr(nn.KLDivLoss(reduction="batchmean")) == "KLDivLoss(reduction='batchmean', log_target=False)"
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


@pytest.mark.parametrize("make, message", [
    (lambda: nn.Softplus(beta="2"), "Softplus: beta must be a real number, got '2'"),
    (lambda: nn.Hardtanh(1.0, -1.0), "Hardtanh: max_val (-1.0) must be greater than min_val (1.0)"),
    (lambda: nn.Hardtanh(1.0, 1.0), "Hardtanh: max_val (1.0) must be greater than min_val (1.0)"),
    (lambda: nn.Hardtanh(max_val=None), "Hardtanh: max_val must be a real number, got None"),
    (lambda: F.hardtanh(mg.randn(3), 2.0, 1.0), "hardtanh: min_val=2.0 is greater than max_val=1.0"),
    (lambda: nn.PReLU(0), "PReLU: num_parameters must be a positive integer, got 0"),
    (lambda: nn.PReLU(2.0), "PReLU: num_parameters must be a positive integer, got 2.0"),
    (lambda: nn.PReLU(init="a"), "PReLU: init must be a finite number, got 'a'"),
    (lambda: nn.PReLU(dtype="int64"), "PReLU: dtype must be a floating dtype such as 'float32', got 'int64'"),
    (lambda: nn.PReLU(3)(mg.randn(2, 4)), "prelu: weight of shape (3,) must hold 1 slope or one per channel "
                                          "(axis 1 of the input of shape (2, 4): 4)"),
    (lambda: nn.PReLU(3)(mg.randn(3)), "prelu: weight of shape (3,) must hold 1 slope or one per channel "
                                       "(axis 1 of the input of shape (3,): 1)"),
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
    with pytest.raises(TypeError, match=re.escape("hardtanh: max_val must be a real number, got max_val=None")):
        mg.hardtanh(mg.randn(3), -1.0, None)


def test_float32_stays_float32_through_softplus_mish_prelu_hardtanh_relu6_and_the_losses(device):
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 6), nn.Softplus(2.0), nn.Linear(6, 6), nn.Mish(), nn.PReLU(6),
                          nn.Hardtanh(-3, 3), nn.Linear(6, 6), nn.ReLU6(), nn.Linear(6, 4)).to(device)
    x = mg.tensor(values((4, 5), "float32"), requires_grad=True, device=device)
    t = mg.tensor(np.random.default_rng(1).uniform(0, 1, (4, 4)).astype(np.float32), device=device)
    out = model(x)
    losses = [nn.BCELoss()(F.sigmoid(out), t), nn.KLDivLoss(reduction="batchmean")(F.log_softmax(out, 1), F.softmax(t, 1)),
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


def _values_and_two_derivatives(fn, x, dtype, framework):
    """y, dy/dx and d2y/dx2 of ``fn`` summed, each element in its own 1-element tensor: torch's CPU vector
    kernels (8 float64 at a time) differ from its scalar ones at NaN inputs; one element takes the scalar one."""
    ys, gs, hs = [], [], []
    for v in x:
        if framework is torch:
            t = torch.tensor([v], dtype=getattr(torch, dtype), requires_grad=True)
            y = fn(t)
            g, = torch.autograd.grad(y.sum(), t, create_graph=True)
            h, = torch.autograd.grad(g.sum(), t)
            ys.append(y.item()), gs.append(g.item()), hs.append(h.item())
    if framework is torch:
        return [np.array(a, dtype=dtype) for a in (ys, gs, hs)]
    t = mg.tensor(x, dtype=dtype, requires_grad=True)
    with np.errstate(invalid="ignore", over="ignore"):
        y = fn(t)
        g, = mg.grad(y.sum(), t, create_graph=True)
        h, = mg.grad(g.sum(), t)
    assert y.dtype == g.dtype == h.dtype == np.dtype(dtype)
    return y.numpy(), g.numpy(), h.numpy()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("alpha", [np.inf, -np.inf])
def test_elu_takes_an_infinite_alpha_as_torch(alpha, dtype):
    # elu(x, inf) was refused ("alpha must be a finite number"); torch takes +-inf: y = x at and above 0 (alpha
    # (e^0 - 1) would be inf * 0 = NaN at 0), +-inf below 0; dy/dx = alpha e^x at and below 0 (NaN at -inf)
    x = np.array([-np.inf, -30.0, -1.0, -0.0, 0.0, 0.5, 3.0, np.inf, np.nan])
    ours = _values_and_two_derivatives(lambda t: F.elu(t, alpha), x, dtype, mg)
    theirs = _values_and_two_derivatives(lambda t: TF.elu(t, alpha), x, dtype, torch)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(nn.ELU(alpha)(mg.tensor(x, dtype=dtype)).numpy(), theirs[0])
    assert repr(nn.ELU(alpha)) == repr(torch.nn.ELU(alpha)) == f"ELU(alpha={alpha})"
