"""Bilinear (F.bilinear), ParameterDict, Dropout1d, AlphaDropout, FeatureAlphaDropout and LPPool1d/2d against torch:
values and gradients in float64 and float32, weights and state-dict names loaded from torch, the dropout masks'
statistics and formulas, printing and the argument checks."""
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minigrad as mg
from minigrad import nn
from minigrad.io import from_torch
from minigrad.nn import functional as F
from torch_agreement import TOL

RNG = np.random.default_rng(21)
F32 = dict(rtol=2e-5, atol=2e-5)


def _match_torch(fn, tfn, arrays, dtype):
    """fn and tfn agree on the arrays (None passes through): output shape, dtype and values, and every array's
    gradient under one cotangent drawn from RNG."""
    ours = [None if a is None else mg.tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
    theirs = [None if a is None else torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = fn(*ours), tfn(*theirs)
    tol = TOL[dtype] if dtype == "float64" else F32
    assert y.shape == tuple(ty.shape) and y.dtype == np.dtype(dtype)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), **tol)
    g = RNG.standard_normal(y.shape).astype(dtype)
    y.backward(mg.tensor(g, dtype=dtype))
    ty.backward(torch.tensor(g))
    for a, b in zip(ours, theirs):
        if a is not None:
            assert a.grad.dtype == np.dtype(dtype)
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **tol)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shapes", [((4, 2), (4, 3), (5, 2, 3), (5,)), ((2, 3, 2), (2, 3, 4), (3, 2, 4), None),
                                    ((3,), (2,), (2, 3, 2), (2,))])
def test_bilinear_matches_torch(shapes, dtype):
    arrays = [None if s is None else RNG.standard_normal(s).astype(dtype) for s in shapes]
    _match_torch(F.bilinear, TF.bilinear, arrays, dtype)


@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_layer_loads_torch_weights(bias):
    tl = torch.nn.Bilinear(3, 4, 2, bias=bias).double()
    layer = nn.Bilinear(3, 4, 2, bias=bias, dtype="float64")
    assert repr(layer).startswith(repr(tl)) and layer.weight.shape == tuple(tl.weight.shape) == (2, 3, 4)
    state = {k: v.detach().numpy() for k, v in tl.state_dict().items()}
    assert list(layer.state_dict()) == list(state)
    layer.load_state_dict(from_torch(layer, state))
    x1, x2 = RNG.standard_normal((5, 3)), RNG.standard_normal((5, 4))
    y, ty = layer(mg.tensor(x1, dtype="float64"), mg.tensor(x2, dtype="float64")), tl(torch.tensor(x1), torch.tensor(x2))
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), **TOL["float64"])
    y.sum().backward()
    ty.sum().backward()
    for name, p in layer.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), dict(tl.named_parameters())[name].grad.numpy(), **TOL["float64"])
    fresh = nn.Bilinear(3, 4, 2)
    assert fresh.weight.dtype == np.float32 and np.abs(fresh.weight.numpy()).max() <= 1 / np.sqrt(3)


@pytest.mark.parametrize("ours, theirs, message", [
    (lambda: F.bilinear(mg.randn(3, 2), mg.randn(4, 3), mg.randn(4, 2, 3)),
     lambda: TF.bilinear(torch.randn(3, 2), torch.randn(4, 3), torch.randn(4, 2, 3)),
     "bilinear: input1 (3, 2) and input2 (4, 3) must have the same leading (batch) dimensions"),
    (lambda: F.bilinear(mg.randn(3, 2), mg.randn(3, 3), mg.randn(4, 3, 3)),
     lambda: TF.bilinear(torch.randn(3, 2), torch.randn(3, 3), torch.randn(4, 3, 3)),
     "bilinear: input1 (3, 2) and input2 (3, 3) must end in in1_features=3 and in2_features=3"),
    (lambda: F.bilinear(mg.randn(3, 2), mg.randn(3, 3), mg.randn(4, 2, 3), mg.randn(3)),
     lambda: TF.bilinear(torch.randn(3, 2), torch.randn(3, 3), torch.randn(4, 2, 3), torch.randn(3)),
     "bilinear: bias must have shape (4,) for weight (4, 2, 3), got (3,)"),
    (lambda: F.bilinear(mg.randn(3, 2), mg.randn(3, 3), mg.randn(4, 2, 3).astype("float64")),
     lambda: TF.bilinear(torch.randn(3, 2), torch.randn(3, 3), torch.randn(4, 2, 3).double()),
     "bilinear: input1, input2, weight and bias must share one floating dtype, got input1 float32, input2 float32, "
     "weight float64"),
])
def test_bad_bilinear_calls_are_refused_like_torch(ours, theirs, message):
    with pytest.raises(RuntimeError):
        theirs()
    with pytest.raises((ValueError, TypeError), match=re.escape(message)):
        ours()


# ---------------------------------------------------------------- ParameterDict
class _Ours(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 2)
        self.gains = nn.ParameterDict({"scale": nn.Parameter(mg.ones(2)), "shift": mg.zeros(2)})

    def forward(self, x):
        return self.lin(x) * self.gains["scale"] + self.gains.shift


class _Theirs(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(3, 2)
        self.gains = torch.nn.ParameterDict({"scale": torch.nn.Parameter(torch.ones(2)), "shift": torch.zeros(2)})

    def forward(self, x):
        return self.lin(x) * self.gains["scale"] + self.gains["shift"]


def test_parameter_dict_has_torch_s_state_dict_names_and_loads_torch_weights():
    ours, theirs = _Ours(), _Theirs()
    with torch.no_grad():
        theirs.gains["scale"].copy_(torch.tensor([2.0, -1.0]))
        theirs.gains["shift"].copy_(torch.tensor([0.5, 0.25]))
    state = {k: v.numpy() for k, v in theirs.state_dict().items()}
    assert list(ours.state_dict()) == list(state) == ["lin.weight", "lin.bias", "gains.scale", "gains.shift"]
    assert ours.load_state_dict(from_torch(ours, state)).missing_keys == []
    x = RNG.standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(ours(mg.tensor(x)).numpy(), theirs(torch.tensor(x)).detach().numpy(), **TOL["float32"])
    assert isinstance(ours.gains["shift"], nn.Parameter) and ours.gains.get("missing") is None
    ours(mg.tensor(x)).sum().backward()
    assert ours.gains["scale"].grad.shape == (2,)


def test_parameter_dict_interface_and_errors():
    d = nn.ParameterDict()
    d["a"] = mg.ones(3)
    d.b = nn.Parameter(mg.zeros(1))
    d.update([("c", mg.ones(2))])
    assert list(d) == ["a", "b", "c"] and len(d) == 3 and "b" in d and isinstance(d["a"], nn.Parameter)
    assert [n for n, _ in d.named_parameters()] == ["a", "b", "c"]
    assert d.pop("b").shape == (1,) and list(d.keys()) == ["a", "c"]
    with pytest.raises(TypeError, match=re.escape("ParameterDict['x']: expected a Parameter or a Tensor, got int")):
        d["x"] = 3
    with pytest.raises(KeyError, match="ParameterDict has no key 'zz'"):
        d["zz"]
    with pytest.raises(KeyError, match="ParameterDict key must be a non-empty string without '.'"):
        d["a.b"] = mg.ones(1)
    with pytest.raises(NotImplementedError, match="ParameterDict is a container and has no forward"):
        d(mg.ones(1))
    assert "(a): Parameter containing: [float32 of size 3]" in repr(d)


# ---------------------------------------------------------------- dropouts
def test_dropout1d_drops_whole_channels_and_scales_the_rest():
    mg.manual_seed(3)
    x = mg.ones(200, 8, 6)
    y = nn.Dropout1d(0.25)(x).numpy()
    per_channel = y.reshape(-1, 6)
    assert set(np.unique(per_channel)) == {0.0, np.float32(1 / 0.75)}
    assert (per_channel.min(axis=1) == per_channel.max(axis=1)).all()   # one draw per channel
    assert abs((per_channel[:, 0] == 0).mean() - 0.25) < 0.03
    layer = nn.Dropout1d(0.5).eval()
    assert layer(x) is x
    assert F.dropout1d(mg.randn(3, 4), 0.5).shape == (3, 4)


@pytest.mark.parametrize("fn, tfn, shape, mask_shape", [
    (F.alpha_dropout, TF.alpha_dropout, (400, 50), (400, 50)),
    (F.feature_alpha_dropout, TF.feature_alpha_dropout, (300, 20, 4, 4), (300, 20, 1, 1)),
])
def test_alpha_dropouts_follow_torch_s_formula_and_keep_mean_and_variance(fn, tfn, shape, mask_shape):
    p, alpha = 0.3, 1.7580993408473766
    a = 1 / np.sqrt((alpha ** 2 * p + 1) * (1 - p))
    mg.manual_seed(5)
    x = mg.randn(*shape).astype("float64").requires_grad_()
    y = fn(x, p, training=True)
    kept = np.isclose(y.numpy(), a * x.numpy() + alpha * a * p)
    dropped = np.isclose(y.numpy(), -alpha * a + alpha * a * p)   # SELU's saturation value, mapped by a and b
    assert (kept | dropped).all()
    assert kept.reshape(mask_shape[:2] + (-1,)).all(axis=-1).sum() + dropped.reshape(
        mask_shape[:2] + (-1,)).all(axis=-1).sum() == np.prod(mask_shape[:2])   # one draw per mask entry
    assert abs(dropped.mean() - p) < 0.02
    assert abs(y.numpy().mean()) < 0.03 and abs(y.numpy().std() - 1) < 0.03   # SELU's fixed point kept
    t = tfn(torch.randn(*shape, dtype=torch.float64), p, training=True)
    assert abs(t.mean().item()) < 0.03 and abs(t.std().item() - 1) < 0.03
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.where(kept, a, 0.0), rtol=1e-12)
    assert fn(x, p) is x and fn(x, 0.0, training=True) is x   # training defaults to False, as in torch
    np.testing.assert_array_equal(fn(x, 1.0, training=True).numpy(), tfn(torch.tensor(x.numpy()), 1.0, True).numpy())


def test_alpha_dropout_layers_use_the_training_flag_and_keep_float32():
    mg.manual_seed(1)
    x = mg.randn(20, 6, 3)
    for layer in (nn.AlphaDropout(0.2), nn.FeatureAlphaDropout(0.2), nn.Dropout1d(0.2)):
        y = layer(x)
        assert y.dtype == np.float32 and not np.array_equal(y.numpy(), x.numpy())
        assert layer.eval()(x) is x
    mg.manual_seed(9)
    a = nn.AlphaDropout(0.4)(x).numpy()
    mg.manual_seed(9)
    assert np.array_equal(a, nn.AlphaDropout(0.4)(x).numpy())   # the mask comes from minigrad's generator
    for ours, theirs in [(nn.Dropout1d(0.3), torch.nn.Dropout1d(0.3)), (nn.AlphaDropout(0.2), torch.nn.AlphaDropout(0.2)),
                         (nn.FeatureAlphaDropout(0.5), torch.nn.FeatureAlphaDropout(0.5))]:
        assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("call, message", [
    (lambda: F.dropout1d(mg.randn(2, 3, 4, 5), 0.5), "dropout1d: expected a 2-D (C, L) or 3-D (N, C, L) input"),
    (lambda: F.feature_alpha_dropout(mg.randn(3), 0.5, True), "feature_alpha_dropout: expected an input with at "
                                                              "least 2 axes"),
    (lambda: nn.AlphaDropout(1.5), "AlphaDropout: p must be a number in [0, 1], got 1.5"),
])
def test_bad_dropout_arguments_are_one_clear_error(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


# ---------------------------------------------------------------- LPPool
LP = [  # (minigrad call, torch call, input shape, positive input?)
    (lambda x: F.lp_pool2d(x, 2, (2, 3)), lambda x: TF.lp_pool2d(x, 2, (2, 3)), (2, 3, 5, 6), False),
    (lambda x: F.lp_pool2d(x, 3.0, 2, 1, True), lambda x: TF.lp_pool2d(x, 3.0, 2, 1, True), (3, 5, 5), True),
    (lambda x: F.lp_pool2d(x, 1.5, 3, 2, ceil_mode=True), lambda x: TF.lp_pool2d(x, 1.5, 3, 2, ceil_mode=True),
     (1, 2, 6, 7), True),
    (lambda x: F.lp_pool1d(x, 1.5, 3, 2, True), lambda x: TF.lp_pool1d(x, 1.5, 3, 2, True), (2, 3, 8), True),
    (lambda x: F.lp_pool1d(x, 2, 2), lambda x: TF.lp_pool1d(x, 2, 2), (3, 7), False),
    (lambda x: nn.LPPool2d(2, 2, stride=1)(x), lambda x: torch.nn.LPPool2d(2, 2, stride=1)(x), (2, 2, 4, 4), False),
    (lambda x: nn.LPPool1d(4, 3)(x), lambda x: torch.nn.LPPool1d(4, 3)(x), (2, 2, 9), False),
    # PyTorch pools max |x| at p = inf and min |x| at p = -inf, and composes a negative p as any other.
    (lambda x: F.lp_pool1d(x, float("inf"), 2), lambda x: TF.lp_pool1d(x, float("inf"), 2), (2, 3, 7), False),
    (lambda x: nn.LPPool2d(-float("inf"), 2, 1, True)(x), lambda x: torch.nn.LPPool2d(-float("inf"), 2, 1, True)(x),
     (2, 2, 5, 4), False),
    (lambda x: nn.LPPool3d(float("inf"), (1, 2, 2))(x), lambda x: torch.nn.LPPool3d(float("inf"), (1, 2, 2))(x),
     (2, 3, 4, 5), False),
    (lambda x: F.lp_pool2d(x, -1.5, 2, 1), lambda x: TF.lp_pool2d(x, -1.5, 2, 1), (1, 2, 4, 4), True),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("fn, tfn, shape, positive", LP, ids=[str(i) for i in range(len(LP))])
def test_lp_pools_match_torch(fn, tfn, shape, positive, dtype):
    x = RNG.standard_normal(shape)
    x = (np.abs(x) + 0.2 if positive else x).astype(dtype)
    _match_torch(fn, tfn, [x], dtype)


@pytest.mark.parametrize("p", [float("inf"), -float("inf"), -2.0])
def test_lp_pool_at_infinite_and_negative_p_passes_gradcheck(p):
    x = mg.tensor(np.abs(RNG.standard_normal((2, 2, 5))) + 0.2, dtype="float64", requires_grad=True)
    assert mg.gradcheck(lambda t: F.lp_pool1d(t, p, 2, 1), (x,))
    assert mg.gradgradcheck(lambda t: F.lp_pool1d(t, p, 2, 1), (x,))


def test_lp_pool_layers_print_like_torch_and_check_arguments():
    for ours, theirs in [(nn.LPPool2d(2, 3), torch.nn.LPPool2d(2, 3)), (nn.LPPool1d(1.5, 2, 1),
                                                                       torch.nn.LPPool1d(1.5, 2, 1))]:
        assert repr(ours) == repr(theirs) and ours.state_dict() == {}
    with pytest.raises(ValueError, match=re.escape("LPPool2d: norm_type must be a nonzero number (inf and -inf pool "
                                                   "max and min |x|), got 0")):
        nn.LPPool2d(0, 2)
    with pytest.raises(ValueError, match=re.escape("lp_pool3d: norm_type must be a nonzero number")):
        F.lp_pool3d(mg.randn(2, 2, 2, 2), float("nan"), 2)
    with pytest.raises(ValueError, match=re.escape("LPPool1d: kernel_size must be a positive integer or a 1-tuple")):
        nn.LPPool1d(2, 0)
    with pytest.raises(ValueError, match=re.escape("lp_pool2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input")):
        F.lp_pool2d(mg.randn(4, 4), 2, 2)


@pytest.mark.parametrize("fn, shape", [(F.lp_pool1d, (1, 1, 4)), (F.lp_pool2d, (1, 1, 4, 4)),
                                       (F.lp_pool3d, (1, 1, 2, 4, 4))])
@pytest.mark.parametrize("dtype", [mg.int64, mg.bool])
def test_lp_pool_of_a_non_floating_input_is_refused_by_its_own_name(fn, shape, dtype):
    # It failed inside the avg_pool it is composed of, as "avg_pool2d: ... got dtype int64" for a bool input (x^p's
    # dtype), naming neither lp_pool nor the dtype given (torch refuses these inputs too)
    with pytest.raises(TypeError, match=re.escape(f"{fn.__name__}: expected a floating input, got dtype "
                                                  f"{np.dtype(dtype)}")):
        fn(mg.ones(*shape, dtype=dtype), 2, 2)
