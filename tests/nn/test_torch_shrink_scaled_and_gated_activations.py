"""LogSigmoid, Softsign, Softmin, SELU, CELU, GLU, Hardswish, Hardsigmoid, Hardshrink, Softshrink, Tanhshrink,
Threshold, RReLU and Softmax2d against torch.nn: values and input gradients in float64 and float32 (tails of
+-100 and +-1000 included), the derivatives at every kink equal to torch's, second derivatives against torch's,
RReLU's random slopes, the argument and input errors."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F
from torch_agreement import agree, values

TF = torch.nn.functional

LAYERS = [
    ("LogSigmoid", lambda: nn.LogSigmoid(), lambda: torch.nn.LogSigmoid()),
    ("Softsign", lambda: nn.Softsign(), lambda: torch.nn.Softsign()),
    ("Softmin(-1)", lambda: nn.Softmin(-1), lambda: torch.nn.Softmin(-1)),
    ("Softmin(0)", lambda: nn.Softmin(0), lambda: torch.nn.Softmin(0)),
    ("SELU", lambda: nn.SELU(), lambda: torch.nn.SELU()),
    ("CELU", lambda: nn.CELU(), lambda: torch.nn.CELU()),
    ("CELU(2.5)", lambda: nn.CELU(2.5), lambda: torch.nn.CELU(2.5)),   # alphas exact in float32: see below
    ("CELU(-0.5)", lambda: nn.CELU(-0.5), lambda: torch.nn.CELU(-0.5)),
    ("Hardswish", lambda: nn.Hardswish(), lambda: torch.nn.Hardswish()),
    ("Hardsigmoid", lambda: nn.Hardsigmoid(), lambda: torch.nn.Hardsigmoid()),   # float64: see the test below
    ("Hardshrink", lambda: nn.Hardshrink(), lambda: torch.nn.Hardshrink()),
    ("Hardshrink(1.5)", lambda: nn.Hardshrink(1.5), lambda: torch.nn.Hardshrink(1.5)),
    ("Hardshrink(-1)", lambda: nn.Hardshrink(-1.0), lambda: torch.nn.Hardshrink(-1.0)),
    ("Softshrink", lambda: nn.Softshrink(), lambda: torch.nn.Softshrink()),
    ("Softshrink(2)", lambda: nn.Softshrink(2.0), lambda: torch.nn.Softshrink(2.0)),
    ("Tanhshrink", lambda: nn.Tanhshrink(), lambda: torch.nn.Tanhshrink()),
    ("Threshold(0.5, -3)", lambda: nn.Threshold(0.5, -3.0), lambda: torch.nn.Threshold(0.5, -3.0)),
    ("Threshold(-1, 20)", lambda: nn.Threshold(-1, 20), lambda: torch.nn.Threshold(-1, 20)),
    ("RReLU(eval)", lambda: nn.RReLU().eval(), lambda: torch.nn.RReLU().eval()),
    ("RReLU(0.2, 0.6, eval)", lambda: nn.RReLU(0.2, 0.6).eval(), lambda: torch.nn.RReLU(0.2, 0.6).eval()),
]
# Every kink of the layers above: PyTorch's one-sided choice there is the gradient to match.
KINKS = [-3.0, 3.0, 0.5, -0.5, 1.5, -1.5, 2.0, -2.0, 1.0, -1.0, 0.0]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 5)])
@pytest.mark.parametrize("name, make, make_torch", LAYERS, ids=[a[0] for a in LAYERS])
def test_layers_match_torch(name, make, make_torch, shape, dtype):
    x = values(shape, dtype)
    if x.size > 6:
        k = KINKS[: x.size - 6]
        x.flat[6:6 + len(k)] = k
    if name.startswith("Softmin"):
        x = x / 50   # softmin of +-1000 is exactly 0 / 1 in both: keep the probabilities informative
    if name == "Hardsigmoid" and dtype == "float64":
        y = agree(make(), lambda t: _torch_hardsigmoid_exact(make_torch(), t), [x], dtype)
        return
    with np.errstate(over="ignore"):
        y, (gx,) = agree(make(), make_torch(), [x], dtype)
    if name != "CELU(-0.5)":   # exp(-x / 0.5) of x = -1000 is inf, in torch too (agree compared them)
        assert np.isfinite(y).all() and np.isfinite(gx).all()


def _torch_hardsigmoid_exact(layer, t):
    """torch's hardsigmoid with the exact 1/6 in its derivative (its CPU kernel multiplies by 1/6 rounded to float32,
    2.98e-8 relative, in float64 too: see test_torch_rounds_celu_and_hardsigmoid_derivatives_to_float32)."""
    inside = ((t > -3) & (t < 3)).double()
    return layer(t).detach() + (t - t.detach()) * inside / 6


def _torch_celu_exact(t, alpha):
    """torch's celu with the exact 1/alpha in its derivative (torch's formula takes 1.0 / alpha.toFloat())."""
    negative = (t <= 0).double()
    y = TF.celu(t, alpha).detach()
    return y + (t - t.detach()) * (1 - negative + negative * torch.exp(torch.clamp(t.detach(), max=0) / alpha))


@pytest.mark.parametrize("fn, torch_fn", [
    (F.logsigmoid, TF.logsigmoid), (F.softsign, TF.softsign), (F.selu, TF.selu),
    (lambda x: F.celu(x, 0.75), lambda x: TF.celu(x, 0.75)), (F.hardswish, TF.hardswish),
    (F.hardsigmoid, lambda t: _torch_hardsigmoid_exact(TF.hardsigmoid, t)),
    (lambda x: F.hardshrink(x, 1.0), lambda x: TF.hardshrink(x, 1.0)),
    (lambda x: F.softshrink(x, 1.5), lambda x: TF.softshrink(x, 1.5)), (F.tanhshrink, TF.tanhshrink),
    (lambda x: F.threshold(x, 2.0, 0.25), lambda x: TF.threshold(x, 2.0, 0.25)),
    (lambda x: F.rrelu(x, 0.1, 0.3), lambda x: TF.rrelu(x, 0.1, 0.3)),
    (lambda x: F.softmin(x, dim=0), lambda x: TF.softmin(x, dim=0)),
])
def test_gradients_at_the_kinks_are_torch_s(fn, torch_fn):
    x = np.array(KINKS + [-1000.0, 1000.0, -40.0, 40.0])
    y, (g,) = agree(fn, torch_fn, [x])
    assert np.isfinite(g).all()


def test_kink_values_spelled_out():
    x = mg.tensor([-3.0, 3.0, 0.0], dtype="float64", requires_grad=True)
    F.hardswish(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 0.5])
    x = mg.tensor([-0.5, 0.5, 0.0], dtype="float64", requires_grad=True)
    F.softshrink(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])
    x = mg.tensor([0.0], dtype="float64", requires_grad=True)
    F.selu(x).sum().backward()
    assert x.grad.item() == pytest.approx(1.0507009873554805 * 1.6732632423543772, rel=1e-15)


def test_logsigmoid_never_overflows():
    for dtype in ("float32", "float64"):
        x = np.array([-1e4, -1000.0, -100.0, -20.0, 0.0, 20.0, 100.0, 1000.0, 1e4], dtype=dtype)
        y, (g,) = agree(F.logsigmoid, TF.logsigmoid, [x], dtype)
        assert np.isfinite(y).all() and np.isfinite(g).all()
        xm = mg.tensor(x, requires_grad=True)
        y = F.logsigmoid(xm)
        y.sum().backward()
        assert y.numpy()[0] == x[0] and y.numpy()[-1] == 0.0
        assert xm.grad.numpy()[0] == 1.0 and xm.grad.numpy()[-1] == 0.0
        assert y.numpy()[5] == pytest.approx(-np.exp(-20.0), rel=1e-6)   # log1p precision in the flat tail


def test_torch_rounds_celu_and_hardsigmoid_derivatives_to_float32():
    """A deliberate difference (docs/layers.md): torch 2.13's float64 derivatives of celu (1 / float32(alpha)) and
    hardsigmoid (float32(1/6)) carry float32 rounding; minigrad's are exact, matching its forward and gradcheck."""
    x = np.array([-4.0, -0.9, -0.3, 0.4, 2.5])
    xm, xt = mg.tensor(x, dtype="float64", requires_grad=True), torch.tensor(x, requires_grad=True)
    F.celu(xm, 0.7).sum().backward()
    TF.celu(xt, 0.7).sum().backward()
    exact = np.where(x > 0, 1.0, np.exp(x / 0.7))
    np.testing.assert_allclose(xm.grad.numpy(), exact, rtol=1e-15)
    rounded = np.where(x > 0, 1.0, np.exp(x / float(np.float32(0.7))) * 0.7 / float(np.float32(0.7)))
    np.testing.assert_allclose(xt.grad.numpy(), rounded, rtol=1e-15)
    assert np.abs(xt.grad.numpy() / exact - 1).max() > 1e-8
    xm, xt = mg.tensor(x, dtype="float64", requires_grad=True), torch.tensor(x, requires_grad=True)
    F.hardsigmoid(xm).sum().backward()
    TF.hardsigmoid(xt).sum().backward()
    inside = (x > -3) & (x < 3)
    np.testing.assert_array_equal(xm.grad.numpy(), np.where(inside, 1 / 6, 0.0))
    np.testing.assert_array_equal(xt.grad.numpy(), np.where(inside, float(np.float32(1 / 6)), 0.0))
    y = np.array([-3.0, 1.0, 4.0])   # the values themselves agree to rounding
    agree(F.hardsigmoid, lambda t: _torch_hardsigmoid_exact(TF.hardsigmoid, t), [y])
    agree(lambda t: F.celu(t, 0.7), lambda t: _torch_celu_exact(t, 0.7), [x])


@pytest.mark.parametrize("fn, torch_fn", [
    (F.logsigmoid, TF.logsigmoid), (F.softsign, TF.softsign), (F.selu, TF.selu),
    (lambda x: F.celu(x, 1.25), lambda x: TF.celu(x, 1.25)), (F.hardswish, TF.hardswish),
    (F.softshrink, TF.softshrink), (F.hardshrink, TF.hardshrink), (F.tanhshrink, TF.tanhshrink),
    (lambda x: F.threshold(x, 0.1, 2.0), lambda x: TF.threshold(x, 0.1, 2.0)),
    (lambda x: F.glu(x, 0), lambda x: TF.glu(x, 0)),
])
def test_second_derivatives_match_torch(fn, torch_fn):
    x = np.array([-4.0, -3.0, -2.2, -0.9, -0.3, 0.2, 0.45, 0.8, 1.3, 3.0, 3.5, 6.0])
    xm = mg.tensor(x, dtype="float64", requires_grad=True)
    (gm,) = mg.autograd.grad((fn(xm) ** 2).sum(), [xm], create_graph=True)
    (ggm,) = mg.autograd.grad(gm.sum(), [xm])
    xt = torch.tensor(x, requires_grad=True)
    (gt,) = torch.autograd.grad((torch_fn(xt) ** 2).sum(), [xt], create_graph=True)
    (ggt,) = torch.autograd.grad(gt.sum(), [xt])
    np.testing.assert_allclose(gm.numpy(), gt.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ggm.numpy(), ggt.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("shape, dim", [((4, 6), -1), ((6, 3), 0), ((2, 4, 3), 1), ((2,), 0)])
def test_glu_matches_torch(shape, dim):
    agree(lambda x: F.glu(x, dim), lambda x: TF.glu(x, dim), [values(shape, "float64")])
    agree(nn.GLU(dim), torch.nn.GLU(dim), [values(shape, "float32")], "float32")


@pytest.mark.parametrize("shape", [(3, 2, 4), (2, 3, 2, 2)])
def test_softmax2d_matches_torch(shape):
    for dtype in ("float64", "float32"):
        agree(nn.Softmax2d(), torch.nn.Softmax2d(), [values(shape, dtype) / 100], dtype)


def test_softmin_without_dim_takes_the_last_axis_of_1d_and_2d():
    x = values((3, 4), "float64") / 100
    agree(F.softmin, lambda t: TF.softmin(t, dim=1), [x])
    agree(nn.Softmin(), lambda t: TF.softmin(t, dim=0), [x[0]])
    with pytest.raises(TypeError, match="softmin: give the axis"):
        F.softmin(mg.tensor(np.zeros((2, 3, 4))))   # PyTorch would warn and guess: minigrad asks for dim


def test_rrelu_training_draws_slopes_from_minigrad_s_generator():
    x = np.concatenate([-np.abs(np.random.default_rng(0).standard_normal(4000)) - 0.1, [0.0, 2.0, 3.0]])
    mg.manual_seed(5)
    xm = mg.tensor(x, dtype="float64", requires_grad=True)
    y = F.rrelu(xm, 0.2, 0.5, training=True)
    y.sum().backward()
    slope = y.numpy()[:4000] / x[:4000]
    assert ((slope >= 0.2) & (slope < 0.5)).all()
    assert abs(slope.mean() - 0.35) < 0.01 and slope.std() > 0.05            # uniform, not the mean
    np.testing.assert_allclose(xm.grad.numpy()[:4000], slope, rtol=1e-12)   # derivative = each element's slope
    assert 0.2 <= xm.grad.numpy()[4000] < 0.5 and y.numpy()[4000] == 0.0     # at 0: a drawn slope, as torch's
    np.testing.assert_array_equal(xm.grad.numpy()[4001:], [1.0, 1.0])
    mg.manual_seed(5)
    np.testing.assert_array_equal(F.rrelu(mg.tensor(x, dtype="float64"), 0.2, 0.5, training=True).numpy(), y.numpy())
    layer = nn.RReLU(0.2, 0.5)
    mg.manual_seed(5)
    np.testing.assert_array_equal(layer(mg.tensor(x, dtype="float64")).numpy(), y.numpy())   # training by default
    layer.eval()
    np.testing.assert_allclose(layer(mg.tensor(x, dtype="float64")).numpy()[:4000], x[:4000] * 0.35, rtol=1e-15)
    out = F.rrelu(mg.tensor(x[:5], dtype="float32"), training=True)
    assert out.dtype == np.float32


def test_float32_stays_float32_and_integers():
    x = mg.tensor(np.array([-2.0, 0.3, 4.0], dtype=np.float32), requires_grad=True)
    for layer in [nn.LogSigmoid(), nn.Softsign(), nn.Softmin(0), nn.SELU(), nn.CELU(), nn.Hardswish(),
                  nn.Hardsigmoid(), nn.Hardshrink(), nn.Softshrink(), nn.Tanhshrink(), nn.Threshold(0.1, 1.0),
                  nn.RReLU()]:
        y = layer(x)
        assert y.dtype == np.float32, type(layer).__name__
        (g,) = mg.autograd.grad(y.sum(), [x])
        assert g.dtype == np.float32
    ints = np.array([1, 2, 3])
    for name in ("logsigmoid", "selu", "hardswish", "hardsigmoid", "hardshrink", "softshrink", "rrelu", "glu", "celu"):
        with pytest.raises(NotImplementedError):
            getattr(TF, name)(torch.tensor(ints if name != "glu" else [[1, 2]]))
        with pytest.raises(TypeError, match=f"{name}: input must be floating point, got dtype int64"):
            getattr(F, name)(mg.tensor(ints if name != "glu" else [[1, 2]]))
    for name in ("softsign", "tanhshrink"):   # PyTorch's compositions take integers, giving float32
        same = getattr(F, name)(mg.tensor(ints)).numpy()
        np.testing.assert_allclose(same, getattr(TF, name)(torch.tensor(ints)).numpy(), rtol=1e-6)
        assert same.dtype == np.float32
    t = F.threshold(mg.tensor(ints), 2, 1.5)   # integers stay integers, the value truncated, as torch's
    assert t.dtype == np.int64
    np.testing.assert_array_equal(t.numpy(), TF.threshold(torch.tensor(ints), 2, 1.5).numpy())


@pytest.mark.parametrize("call, torch_call, error, message", [
    (lambda x: F.celu(x, 0.0), lambda x: TF.celu(x, 0.0), RuntimeError, "celu: alpha=0.0 cannot be 0"),
    (lambda x: nn.CELU(0)(x), lambda x: TF.celu(x, 0.0), RuntimeError, "celu: alpha=0.0 cannot be 0"),
    (lambda x: F.softshrink(x, -1.0), lambda x: TF.softshrink(x, -1.0), RuntimeError,
     r"softshrink: lambd=-1.0 must be in the range \[0, the largest float32\]"),
    (lambda x: nn.Softshrink(-0.5)(x), lambda x: TF.softshrink(x, -0.5), RuntimeError, "softshrink: lambd=-0.5"),
    (lambda x: F.rrelu(x, 0.5, 0.1), lambda x: TF.rrelu(x, 0.5, 0.1), ValueError,
     r"rrelu: lower \(0.5\) must be less than or equal to upper \(0.1\)"),
    (lambda x: nn.RReLU(0.5, 0.1)(x), lambda x: torch.nn.RReLU(0.5, 0.1)(x), ValueError, "rrelu: lower"),
    (lambda x: F.glu(x[:, :3]), lambda x: TF.glu(x[:, :3]), ValueError,
     r"glu: dimension 1 of the input of shape \(2, 3\) has size 3, which must be even"),
    (lambda x: F.glu(x, 2), lambda x: TF.glu(x, 2), IndexError, "glu: dim 2 is out of range"),
    (lambda x: F.glu(x.sum()), lambda x: TF.glu(x.sum()), ValueError, "glu: a 0-d input"),
    (lambda x: nn.Softmax2d()(x), lambda x: torch.nn.Softmax2d()(x), ValueError,
     r"Softmax2d: expected a 3-D or 4-D input, got shape \(2, 4\)"),
    (lambda x: F.logsigmoid(x.numpy()), None, TypeError, "logsigmoid: input must be a Tensor, got ndarray"),
])
def test_errors(call, torch_call, error, message):
    x = np.random.default_rng(0).standard_normal((2, 4))
    if torch_call is not None:   # torch refuses it too
        with pytest.raises((RuntimeError, ValueError, IndexError)):
            torch_call(torch.tensor(x))
    with pytest.raises(error, match=message):
        call(mg.tensor(x))


def test_reprs_and_state_dicts():
    assert repr(nn.Threshold(0.5, 2)) == "Threshold(threshold=0.5, value=2.0)"
    assert repr(nn.Hardshrink(0.25)) == "Hardshrink(0.25)"
    assert repr(nn.Softmin(1)) == "Softmin(dim=1)"
    assert repr(nn.GLU()) == "GLU(dim=-1)"
    for layer in [nn.LogSigmoid(), nn.SELU(), nn.RReLU(), nn.Softmax2d(), nn.GLU()]:
        assert layer.state_dict() == {} and list(layer.parameters()) == []


@pytest.mark.parametrize("name", ["softshrink", "hardshrink"])
def test_shrink_keeps_nan_as_torch(name):
    # softshrink(nan) was 0: the NaN fell through both "x > lambd" and "x < -lambd" into the zero branch
    x = np.array([np.nan, -2.0, 0.25, 2.0])
    y = getattr(F, name)(mg.tensor(x, dtype="float64"), 0.5).numpy()
    np.testing.assert_array_equal(y, getattr(TF, name)(torch.tensor(x), 0.5).numpy())
    xm = mg.tensor(x, dtype="float64", requires_grad=True)
    getattr(F, name)(xm, 0.5).sum().backward()
    xt = torch.tensor(x, requires_grad=True)
    getattr(TF, name)(xt, 0.5).sum().backward()
    np.testing.assert_array_equal(xm.grad.numpy(), xt.grad.numpy())   # [1, 1, 0, 1]: outside [-lambd, lambd]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", ["hardswish", "hardsigmoid", "silu", "mish", "selu", "celu"])
def test_hard_and_smooth_activations_at_nan_as_torch(name, dtype):
    # hardswish's gradient at NaN was 0: its zero branch was "not x > -3"; torch's kernel zeroes where x < -3 (at
    # -3 too, in its CPU vector kernel), so a NaN passes g. 5 elements: torch's CPU vector kernel (8 float64 or 16
    # float32 at a time) gives NaN there instead; its scalar kernel (the rest, and its GPU kernel) gives g
    x = np.array([np.nan, -4.0, -1.0, 2.0, 5.0], dtype=dtype)
    g = np.array([2.0, 3.0, 4.0, 5.0, 6.0], dtype=dtype)
    xm = mg.tensor(x, dtype=dtype, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    y, yt = getattr(F, name)(xm), getattr(TF, name)(xt)
    (y * mg.tensor(g, dtype=dtype)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-7)
    assert np.isnan(y.numpy()[0]) and xm.grad.dtype == np.dtype(dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_hardswish_second_derivative_at_infinities_as_torch(dtype):
    # the slope x / 3 + 1/2 was computed on every x: at +-inf it was inf, times the 0 that the where sends the
    # branch not taken, so d2/dx2 of hardswish(x) * x was NaN at +-inf (torch: 2 and 0)
    x = np.array([np.inf, -np.inf, 1.0, 5.0], dtype=dtype)
    xm, xt = mg.tensor(x, dtype=dtype, requires_grad=True), torch.tensor(x, requires_grad=True)
    gm, = mg.grad((F.hardswish(xm) * xm).sum(), xm, create_graph=True)
    gt, = torch.autograd.grad((TF.hardswish(xt) * xt).sum(), xt, create_graph=True)
    hm, = mg.grad(gm.sum(), xm)
    ht, = torch.autograd.grad(gt.sum(), xt)
    np.testing.assert_allclose(hm.numpy(), ht.numpy(), rtol=1e-6)   # [2, 0, 4/3, 2]
    assert hm.dtype == np.dtype(dtype)


@pytest.mark.parametrize("threshold, value", [(0.5, np.inf), (0.0, -np.inf), (1.0, np.nan), (np.inf, 5.0),
                                              (-np.inf, 5.0)])
def test_threshold_takes_infinite_and_nan_fill_values_as_torch(threshold, value):
    # threshold(x, 0, -inf), the masking idiom, was refused ("value must be a finite number"); torch takes any
    # real value and threshold (x <= inf replaces all but NaN)
    x = np.array([1.0, np.nan, -3.0, 0.5, 2.0])
    xm, xt = mg.tensor(x, dtype="float64", requires_grad=True), torch.tensor(x, requires_grad=True)
    y = F.threshold(xm, threshold, value)
    expected = TF.threshold(xt, threshold, value)
    np.testing.assert_array_equal(y.numpy(), expected.detach().numpy())
    np.testing.assert_array_equal(nn.Threshold(threshold, value)(mg.tensor(x, dtype="float64")).numpy(),
                                  expected.detach().numpy())
    y.sum().backward()
    expected.sum().backward()
    np.testing.assert_array_equal(xm.grad.numpy(), xt.grad.numpy())
    if not np.isfinite(value):   # torch: RuntimeError "value cannot be converted to type int64_t without overflow"
        with pytest.raises(RuntimeError, match=f"^threshold: value={value} cannot be converted to int64"):
            F.threshold(mg.tensor([1, 2, 3]), 1.5, value)


def test_threshold_keeps_nan_as_torch():
    # threshold(nan) was ``value`` with gradient 0: "x > threshold" is False for NaN; PyTorch tests "x <= threshold"
    x = np.array([np.nan, -2.0, 1.0, 2.0])
    y = F.threshold(mg.tensor(x, dtype="float64"), 1.0, -5.0).numpy()
    np.testing.assert_array_equal(y, [np.nan, -5.0, -5.0, 2.0])
    np.testing.assert_array_equal(y, TF.threshold(torch.tensor(x), 1.0, -5.0).numpy())
    xm = mg.tensor(x, dtype="float64", requires_grad=True)
    nn.Threshold(1.0, -5.0)(xm).sum().backward()
    xt = torch.tensor(x, requires_grad=True)
    TF.threshold(xt, 1.0, -5.0).sum().backward()
    np.testing.assert_array_equal(xm.grad.numpy(), [1.0, 0.0, 0.0, 1.0])
    np.testing.assert_array_equal(xm.grad.numpy(), xt.grad.numpy())


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_softsign_of_complex_tensors_matches_torch(dtype):
    # softsign of a complex x was refused by div ("operands have different floating dtypes (complex64 and
    # float32)"): |x| is real. torch divides by 1 + |x| and gives x / (1 + |x|) in x's dtype (NaN at infinities)
    z = np.array([1 + 2j, -1 + 5j, -3 - 1j, 0j, -0j, 1e30 - 2e30j, complex(np.inf, 0), complex(np.nan, 1)], dtype=dtype)
    expected = TF.softsign(torch.tensor(z)).numpy()
    with np.errstate(invalid="ignore"):   # inf / inf
        outs = F.softsign(mg.tensor(z, dtype=dtype)), nn.Softsign()(mg.tensor(z, dtype=dtype))
    for out in outs:
        assert out.dtype == np.dtype(dtype)
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6 if dtype == "complex64" else 1e-15, atol=0)
    # the values only: a gradient through complex values is refused by the engine, by design
    zm = mg.tensor(z[:3], dtype=dtype, requires_grad=True)
    y = F.softsign(zm)
    np.testing.assert_allclose(y.detach().numpy(), expected[:3], rtol=1e-6)
    with pytest.raises(RuntimeError, match="would be differentiated through complex values"):
        mg.abs(y).sum().backward()


def _one_element_derivatives(fn, x, dtype, framework):
    """y, dy/dx and d2y/dx2 of ``fn`` summed, each element in its own 1-element tensor for torch (its CPU vector
    kernels differ from its scalar ones at NaN inputs and NaN parameters)."""
    if framework is torch:
        out = []
        for v in x:
            t = torch.tensor([v], dtype=getattr(torch, dtype), requires_grad=True)
            y = fn(t)
            g, = torch.autograd.grad(y.sum(), t, create_graph=True)
            h = torch.autograd.grad(g.sum(), t)[0].item() if g.requires_grad else 0.0
            out.append((y.item(), g.item(), h))
        return [np.array(column, dtype=dtype) for column in zip(*out)]
    t = mg.tensor(x, dtype=dtype, requires_grad=True)
    with np.errstate(invalid="ignore", over="ignore"):
        y = fn(t)
        g, = mg.grad(y.sum(), t, create_graph=True)
        h = mg.grad(g.sum(), t)[0].numpy() if g.requires_grad else np.zeros(len(x), dtype=dtype)
    assert y.dtype == g.dtype == np.dtype(dtype)
    return y.numpy(), g.numpy(), h


_INFINITE_PARAMETER_X = np.array([-np.inf, -30.0, -1.0, -0.0, 0.0, 0.5, 3.0, np.inf, np.nan])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("value", [np.inf, -np.inf])
@pytest.mark.parametrize("ours, theirs, layer, torch_layer", [
    (F.celu, TF.celu, nn.CELU, torch.nn.CELU), (F.hardshrink, TF.hardshrink, nn.Hardshrink, torch.nn.Hardshrink)])
def test_celu_and_hardshrink_take_an_infinite_parameter_as_torch(ours, theirs, layer, torch_layer, value, dtype):
    # both were refused ("must be a finite number"); torch takes +-inf. celu(x, inf): alpha (e^(x / alpha) - 1) is
    # inf * 0 = NaN below 0, x at and above 0; dy/dx NaN at and below 0, 1 above. hardshrink(x, inf) zeroes every
    # number (+-inf too) and keeps NaN, -inf keeps everything, with gradient 1 where the value is kept
    x = _INFINITE_PARAMETER_X
    expected = _one_element_derivatives(lambda t: theirs(t, value), x, dtype, torch)
    for a, b in zip(_one_element_derivatives(lambda t: ours(t, value), x, dtype, mg), expected):
        np.testing.assert_array_equal(a, b)
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(layer(value)(mg.tensor(x, dtype=dtype)).numpy(), expected[0])
    assert repr(layer(value)) == repr(torch_layer(value))
    if ours is F.hardshrink:
        np.testing.assert_array_equal(mg.tensor(x, dtype=dtype).hardshrink(value).numpy(), expected[0])


@pytest.mark.parametrize("lambd", [np.inf, -np.inf, np.nan])
def test_softshrink_refuses_an_infinite_lambd_as_torch(lambd):
    # softshrink(x, inf) was taken (nonnegative_number lets inf through) and gave 0 everywhere; torch refuses it:
    # "lambda must be in range [0, 1.79769e+308]"
    with pytest.raises(RuntimeError, match="lambda must be in range"):
        TF.softshrink(torch.tensor([1.0, -2.0], dtype=torch.float64), lambd)
    x = mg.tensor([1.0, -2.0], dtype="float64")
    for call in (lambda: F.softshrink(x, lambd), lambda: nn.Softshrink(lambd)(x)):   # torch's layer refuses in forward
        with pytest.raises(RuntimeError, match=rf"^softshrink: lambd={lambd} must be in the range \[0, the largest "
                                               r"float64\]"):
            call()


@pytest.mark.parametrize("fn, torch_fn", [(F.elu, TF.elu), (lambda t: F.elu(t, -0.5), lambda t: TF.elu(t, -0.5)),
                                          (lambda t: F.elu(t, 2.5), lambda t: TF.elu(t, 2.5)),
                                          (F.selu, TF.selu), (F.celu, TF.celu),
                                          (lambda t: F.celu(t, -0.5), lambda t: TF.celu(t, -0.5)),
                                          (lambda t: F.celu(t, 2.5), lambda t: TF.celu(t, 2.5))])
def test_elu_selu_and_celu_second_derivatives_at_zero_are_torch_s(fn, torch_fn):
    # d2/dx2 at x = 0 was the negative branch's slope (alpha, scale alpha, 1); torch's elu_double_backward masks
    # x < 0: 0 there, while the first derivative at 0 stays the slope
    x = np.array([-2.0, -0.0, 0.0, 1.5])
    for dtype in ("float64", "float32"):
        ours = _one_element_derivatives(fn, x, dtype, mg)
        theirs = _one_element_derivatives(torch_fn, x, dtype, torch)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=1e-6 if dtype == "float32" else 1e-15, atol=0)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_glu_second_derivative_at_infinite_and_large_inputs_as_torch(dtype):
    # d2/db2 of glu where the first half a is +-inf was NaN: sigmoid's derivative composed as g s (1 - s)
    # differentiated to inf (1 - s) - inf s; torch's glu_double_backward multiplies a by s'(1 - s) - s s', a
    # finite number, giving -+inf (NaN where b = 0 makes that factor 0, in both)
    a = np.array([1.0, -2.0, np.inf, -np.inf, 3.0, 1e300, 0.5, np.inf, 2.0, -1e5, 700.0, np.inf])
    b = np.array([np.inf, -np.inf, 0.5, 0.5, 1e300, -1e300, 800.0, np.inf, -800.0, 2.0, -40.0, 0.0])
    x = np.concatenate([a, b])   # 1e300 is inf in float32
    w1, w2 = np.arange(1.0, 13.0), np.linspace(0.5, 2.0, 24)
    with np.errstate(over="ignore"):
        xm = mg.tensor(x, dtype=dtype, requires_grad=True)
    xt = torch.tensor(x, dtype=getattr(torch, dtype), requires_grad=True)
    with np.errstate(invalid="ignore", over="ignore"):
        ym = F.glu(xm, 0)
        gm, = mg.grad((ym * mg.tensor(w1, dtype=dtype)).sum(), xm, create_graph=True)
        hm, = mg.grad((gm * mg.tensor(w2, dtype=dtype)).sum(), xm)
    yt = TF.glu(xt, 0)
    gt, = torch.autograd.grad((yt * torch.tensor(w1, dtype=xt.dtype)).sum(), xt, create_graph=True)
    ht, = torch.autograd.grad((gt * torch.tensor(w2, dtype=xt.dtype)).sum(), xt)
    rtol = 1e-6 if dtype == "float32" else 1e-14
    for ours, theirs in [(ym, yt), (gm, gt), (hm, ht)]:
        assert ours.dtype == np.dtype(dtype)
        np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=rtol, atol=0)
    assert np.isneginf(hm.numpy()[14]) and np.isposinf(hm.numpy()[15]) and np.isnan(hm.numpy()[23])


_COMPLEX_SIGMOIDS = {
    "sigmoid": lambda lib, z: lib.sigmoid(z), "F.sigmoid": lambda lib, z: lib.nn.functional.sigmoid(z),
    "Sigmoid": lambda lib, z: lib.nn.Sigmoid()(z), "Tensor.sigmoid": lambda lib, z: z.sigmoid(),
    "F.silu": lambda lib, z: lib.nn.functional.silu(z), "SiLU": lambda lib, z: lib.nn.SiLU()(z),
}


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
@pytest.mark.parametrize("name", list(_COMPLEX_SIGMOIDS))
def test_sigmoid_and_silu_of_complex_tensors_match_torch(name, dtype):
    # sigmoid([1+2j, -1+5j]) gave the real [0.9034, 0.0061]: the real form's exp(-|x|) and x >= 0 dropped the
    # imaginary part (silu took that sigmoid too), silently. torch computes 1 / (1 + e^-z) and z sigmoid(z)
    z = np.array([1 + 2j, -1 + 5j, -3 - 1j, 30 + 1j, -30 + 0.5j, 0j, 1e3j], dtype=dtype)
    expected = _COMPLEX_SIGMOIDS[name](torch, torch.tensor(z)).numpy()
    ours = _COMPLEX_SIGMOIDS[name](mg, mg.tensor(z, dtype=dtype))
    assert ours.dtype == np.dtype(dtype)
    np.testing.assert_allclose(ours.numpy(), expected, rtol=2e-6 if dtype == "complex64" else 1e-14, atol=0)
    zm = mg.tensor(z, dtype=dtype, requires_grad=True)   # the values only: no gradient through complex values
    with pytest.raises(RuntimeError, match="would be differentiated through complex values"):
        mg.abs(_COMPLEX_SIGMOIDS[name](mg, zm)).sum().backward()
