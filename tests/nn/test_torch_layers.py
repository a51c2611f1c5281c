"""SiLU, ELU, GELU and LayerNorm against torch.nn: values and gradients in float64 and float32, the options,
LayerNorm's state dict both ways, and the argument checks."""
import re
import sys

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import backend, nn
from minigrad.io import from_torch, load_safetensors, save_safetensors, to_torch
from minigrad.nn import functional as F
from torch_agreement import TOL, agree, run

ACTIVATIONS = [
    ("SiLU", lambda: nn.SiLU(), lambda: torch.nn.SiLU()),
    ("ELU", lambda: nn.ELU(), lambda: torch.nn.ELU()),
    ("ELU(alpha=0.3)", lambda: nn.ELU(alpha=0.3), lambda: torch.nn.ELU(alpha=0.3)),
    ("ELU(alpha=2.5)", lambda: nn.ELU(2.5), lambda: torch.nn.ELU(2.5)),
    ("GELU", lambda: nn.GELU(), lambda: torch.nn.GELU()),
    ("GELU(tanh)", lambda: nn.GELU(approximate="tanh"), lambda: torch.nn.GELU(approximate="tanh")),
]


def _values(shape, dtype, seed=0):
    x = np.random.default_rng(seed).standard_normal(shape) * 3
    x.flat[:4] = [-60.0, 0.0, 45.0, -1e-9][: x.size]  # far tails and the point where ELU switches branch
    return x.astype(dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 5)])
@pytest.mark.parametrize("name, make, make_torch", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activations_match_torch(name, make, make_torch, shape, dtype):
    y, (gx,) = agree(make(), make_torch(), [_values(shape, dtype)], dtype)   # dtypes, values and gradients
    assert y.shape == shape and np.isfinite(y).all() and np.isfinite(gx).all()


@pytest.mark.parametrize("name, fn, torch_fn", [
    ("silu", F.silu, torch.nn.functional.silu),
    ("elu", lambda x: F.elu(x, alpha=0.7), lambda x: torch.nn.functional.elu(x, alpha=0.7)),
    ("gelu", F.gelu, torch.nn.functional.gelu),
    ("gelu tanh", lambda x: F.gelu(x, approximate="tanh"),
     lambda x: torch.nn.functional.gelu(x, approximate="tanh")),
])
def test_second_derivatives_match_torch(name, fn, torch_fn):
    x = _values((4, 5), "float64", seed=3)
    x.flat[1] = 0.25   # not ELU's kink at 0, where PyTorch's second derivative takes the other side
    xm = mg.tensor(x, dtype="float64", requires_grad=True)
    gm, = mg.grad(fn(xm).sum(), [xm], create_graph=True)
    hm, = mg.grad((gm * gm).sum(), [xm])
    xt = torch.tensor(x, requires_grad=True)
    gt, = torch.autograd.grad(torch_fn(xt).sum(), [xt], create_graph=True)
    ht, = torch.autograd.grad((gt * gt).sum(), [xt])
    np.testing.assert_allclose(gm.numpy(), gt.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(hm.numpy(), ht.numpy(), rtol=1e-11, atol=1e-14)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_float16_gelu_is_computed_in_float32_as_torch(approximate):
    # in float16 1 + erf(x / sqrt 2) cancels for x < -3: gelu(-4) was 0 and gelu(-3) -0.004395 (torch: -1.265e-4 and
    # -0.00405), the gradient there as bad; torch computes half in float32 and rounds once, as minigrad now does.
    # Both are compared with the float64 values (torch's float32 rounding differs from SciPy's by an ulp or two).
    x = np.linspace(-8, 8, 65).astype(np.float16)
    tx = torch.tensor(x.astype(np.float64), requires_grad=True)
    exact = torch.nn.functional.gelu(tx, approximate=approximate)
    exact.backward(torch.ones_like(exact))
    mx = mg.tensor(x, dtype=mg.float16, requires_grad=True)
    got = F.gelu(mx, approximate=approximate)
    got.backward(mg.ones_like(got))
    assert got.dtype == mx.grad.dtype == np.float16
    tol = dict(rtol=2e-3, atol=1e-6)   # 2 float16 ulps; float32's own cancellation, eps32 * |x|, in the tail
    np.testing.assert_allclose(got.numpy(), exact.detach().numpy(), **tol)
    np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy(), **tol)
    half = torch.nn.functional.gelu(torch.tensor(x), approximate=approximate)
    np.testing.assert_allclose(half.numpy(), exact.detach().numpy(), **tol)   # torch's half meets the same bound


def test_elu_second_derivative_is_finite_where_exp_would_overflow():
    x = mg.tensor([800.0, -800.0, 1.0], dtype="float64", requires_grad=True)
    g, = mg.grad(F.elu(x, 2.0).sum(), [x], create_graph=True)
    h, = mg.grad(g.sum(), [x])
    np.testing.assert_array_equal(g.numpy(), [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(h.numpy(), [0.0, 0.0, 0.0])


def test_elu_gradient_keeps_its_precision_in_the_far_negative_tail():
    x = mg.tensor([-20.0, -40.0, -90.0], dtype="float32", requires_grad=True)
    F.elu(x, 1.5).sum().backward()
    expected = 1.5 * np.exp(np.array([-20.0, -40.0, -90.0]))
    np.testing.assert_allclose(x.grad.numpy(), expected.astype(np.float32), rtol=1e-6)
    assert x.grad.numpy()[1] > 0


def test_layers_and_functions_agree_and_print_like_torch():
    x = mg.tensor(_values((3, 4), "float32"))
    for layer, fn in [(nn.SiLU(), F.silu), (nn.ELU(0.5), lambda t: F.elu(t, 0.5)),
                      (nn.GELU("tanh"), lambda t: F.gelu(t, "tanh")), (nn.GELU(), F.gelu)]:
        np.testing.assert_array_equal(layer(x).numpy(), fn(x).numpy())
    assert [repr(nn.SiLU()), repr(nn.ELU(0.5)), repr(nn.GELU("tanh"))] == \
        ["SiLU()", "ELU(alpha=0.5)", "GELU(approximate='tanh')"]
    assert not list(nn.GELU().parameters()) and nn.ELU().state_dict() == {}


# ---------------------------------------------------------------- LayerNorm
LAYER_NORMS = [  # (input shape, LayerNorm arguments)
    ((5, 8), dict(normalized_shape=8)),
    ((2, 3, 4), dict(normalized_shape=(3, 4))),
    ((2, 3, 4), dict(normalized_shape=[4], eps=1e-3)),
    ((6,), dict(normalized_shape=6)),
    ((3, 5), dict(normalized_shape=5, bias=False)),
    ((2, 2, 5), dict(normalized_shape=(2, 5), elementwise_affine=False)),
]


def _torch_layer_norm(kwargs, dtype, seed=0):
    layer = torch.nn.LayerNorm(**kwargs, dtype=getattr(torch, dtype))
    with torch.no_grad():  # weights away from their ones and zeros, so a mix-up of the two shows
        for p in layer.parameters():
            p.copy_(torch.tensor(np.random.default_rng(seed).standard_normal(tuple(p.shape))))
    return layer


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape, kwargs", LAYER_NORMS)
def test_layer_norm_matches_torch_values_and_gradients(shape, kwargs, dtype):
    tl = _torch_layer_norm(kwargs, dtype)
    layer = nn.LayerNorm(**kwargs, dtype=dtype)
    layer.load_state_dict(from_torch(layer, {k: v.numpy() for k, v in tl.state_dict().items()}))
    x = (np.random.default_rng(2).standard_normal(shape) * 4 + 3).astype(dtype)
    g = np.random.default_rng(3).standard_normal(shape).astype(dtype)
    y, (gx,) = run(layer, [x], g, "mg", dtype)
    ty, (tgx,) = run(tl, [x], g, "torch", dtype)
    assert y.dtype == np.dtype(dtype) and gx.dtype == np.dtype(dtype)
    tol = TOL[dtype] if dtype == "float64" else dict(rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(y, ty, **tol)
    np.testing.assert_allclose(gx, tgx, **tol)
    for name, p in layer.named_parameters():
        assert p.grad.dtype == np.dtype(dtype)
        np.testing.assert_allclose(p.grad.numpy(), dict(tl.named_parameters())[name].grad.numpy(), **tol)


def test_float16_layer_norm_is_computed_in_float32_as_torch():
    # in float16 x - mean(x) and the variance round: outputs were off by up to 1e-2 (8e-4 at 0.1), gradients
    # likewise; torch computes half in float32 and rounds once, as minigrad now does. Compared with the float64 values
    # (torch's half weight and bias gradients, summed over the batch, are further off than minigrad's now are)
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((16, 256)) * 3 + 5).astype(np.float16)
    w, b = (rng.standard_normal(256) + 1).astype(np.float16), rng.standard_normal(256).astype(np.float16)
    g = rng.standard_normal((16, 256)).astype(np.float16)
    tx, tw, tb = (torch.tensor(a.astype(np.float64), requires_grad=True) for a in (x, w, b))
    exact = torch.nn.functional.layer_norm(tx, (256,), tw, tb)
    exact.backward(torch.tensor(g.astype(np.float64)))
    mx, mw, mb = (mg.tensor(a, dtype=mg.float16, requires_grad=True) for a in (x, w, b))
    got = F.layer_norm(mx, (256,), mw, mb)
    got.backward(mg.tensor(g, dtype=mg.float16))
    assert got.dtype == mx.grad.dtype == mw.grad.dtype == np.float16
    np.testing.assert_allclose(got.numpy(), exact.detach().numpy(), rtol=1e-3, atol=2e-4)   # 1 float16 ulp
    for ours, theirs in ((mx, tx), (mw, tw), (mb, tb)):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-3, atol=4e-3)


@pytest.mark.parametrize("norm", ["group_norm", "rms_norm"])
def test_float16_group_and_rms_norm_are_computed_in_float32_as_torch(norm):
    # as layer_norm's: in float16 the group statistics rounded, outputs near 0 up to 1900 float16 ulps off
    # (rms_norm's 1.7); now within 1 ulp of the exact value, as torch's half kernels compute in float32
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((4, 6, 64)) * 3 + 20).astype(np.float16)
    w = (rng.standard_normal(6 if norm == "group_norm" else 64) + 1).astype(np.float16)
    mx, mw = mg.tensor(x, dtype=mg.float16), mg.tensor(w, dtype=mg.float16)
    tx, tw = torch.tensor(x.astype(np.float64)), torch.tensor(w.astype(np.float64))
    if norm == "group_norm":
        ours, exact = F.group_norm(mx, 2, mw), torch.nn.functional.group_norm(tx, 2, tw)
    else:
        ours = F.rms_norm(mx, (64,), mw)
        exact = torch.nn.functional.rms_norm(tx, (64,), tw, eps=float(np.finfo(np.float32).eps))   # torch's half
    exact = exact.numpy()
    assert ours.dtype == np.float16
    assert np.all(np.abs(ours.numpy().astype(np.float64) - exact) <= np.spacing(np.abs(exact).astype(np.float16)))


@pytest.mark.parametrize("name", ["rms_norm", "group_norm", "batch_norm", "instance_norm"])
def test_float16_rms_group_batch_and_instance_norms_compute_in_float32_as_torch(name):
    # their variance (or mean square) of float16 entries past 256 overflowed to inf, so every output was 0 (silently);
    # torch computes half in float32 and rounds once, as layer_norm already did here
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((4, 4, 8)) * 1000).astype(np.float16)
    w, b = (rng.standard_normal(4) + 1).astype(np.float16), rng.standard_normal(4).astype(np.float16)
    calls = {"rms_norm": lambda lib, x, w, b: lib.nn.functional.rms_norm(x, (8,)),
             "group_norm": lambda lib, x, w, b: lib.nn.functional.group_norm(x, 2, w, b),
             "batch_norm": lambda lib, x, w, b: lib.nn.functional.batch_norm(x, None, None, w, b, training=True),
             "instance_norm": lambda lib, x, w, b: lib.nn.functional.instance_norm(x, weight=w, bias=b)}
    mx = mg.tensor(x, dtype=mg.float16, requires_grad=True)
    got = calls[name](mg, mx, mg.tensor(w, dtype=mg.float16), mg.tensor(b, dtype=mg.float16))
    expected = calls[name](torch, *(torch.tensor(a) for a in (x, w, b)))
    assert got.dtype == np.float16 and np.isfinite(got.numpy()).all()
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=2e-3, atol=2e-3)   # a float16 ulp or two
    got.sum().backward()
    assert mx.grad.dtype == np.float16 and np.isfinite(mx.grad.numpy()).all()


def test_layer_norm_parameters_have_torch_names_layouts_and_starting_values():
    layer, tl = nn.LayerNorm((3, 4)), torch.nn.LayerNorm((3, 4))
    assert list(layer.state_dict()) == list(tl.state_dict()) == ["weight", "bias"]
    for name, value in layer.state_dict().items():
        assert value.shape == (3, 4) and value.dtype == np.float32
        np.testing.assert_array_equal(value, tl.state_dict()[name].numpy())
    assert list(nn.LayerNorm(4, bias=False).state_dict()) == list(torch.nn.LayerNorm(4, bias=False).state_dict())
    assert nn.LayerNorm(4, elementwise_affine=False).state_dict() == {}
    assert layer.normalized_shape == (3, 4) and nn.LayerNorm(5).normalized_shape == (5,)
    assert repr(layer) == "LayerNorm((3, 4), eps=1e-05, elementwise_affine=True)  # 24 params"


def test_layer_norm_is_the_same_in_train_and_eval():
    layer = nn.LayerNorm(6)
    x = mg.randn(4, 6)
    a = layer(x).numpy()
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(), a)
    np.testing.assert_allclose(a.mean(axis=1), 0, atol=1e-6)
    np.testing.assert_allclose(a.var(axis=1), 1, rtol=1e-3)  # biased variance, eps = 1e-5


def _torch_model():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.GELU(), torch.nn.LayerNorm(5),
                                torch.nn.Linear(5, 3), torch.nn.SiLU())
    with torch.no_grad():
        model[2].weight.uniform_(0.5, 1.5)
        model[2].bias.uniform_(-1, 1)
    return model


def _our_model():
    return nn.Sequential(nn.Linear(6, 5), nn.GELU(), nn.LayerNorm(5), nn.Linear(5, 3), nn.SiLU())


def test_a_torch_sequential_with_layer_norm_loads_and_agrees(tmp_path):
    from safetensors.torch import save_file

    tm = _torch_model()
    x = np.random.default_rng(4).standard_normal((7, 6)).astype(np.float32)
    expected = tm(torch.tensor(x)).detach().numpy()
    ours = _our_model()
    ours.load_state_dict(from_torch(ours, {k: v.numpy() for k, v in tm.state_dict().items()}))
    np.testing.assert_allclose(ours(mg.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(ours[2].weight.numpy(), tm[2].weight.detach().numpy())  # not transposed

    path = tmp_path / "torch.safetensors"
    save_file(tm.state_dict(), str(path))
    from_file = _our_model()
    load_safetensors(path, from_file, layout="torch")
    np.testing.assert_allclose(from_file(mg.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-6)


def test_our_layer_norm_weights_load_into_torch(tmp_path):
    from safetensors.torch import load_file

    mg.manual_seed(5)
    ours = _our_model()
    ours[2].weight.data[...] = np.linspace(0.5, 1.5, 5, dtype=np.float32)
    ours[2].bias.data[...] = np.linspace(-1, 1, 5, dtype=np.float32)
    x = np.random.default_rng(6).standard_normal((4, 6)).astype(np.float32)
    expected = ours(mg.tensor(x)).numpy()
    for state in ({k: torch.tensor(v) for k, v in to_torch(ours, ours.state_dict()).items()},
                  (save_safetensors(ours, tmp_path / "m.safetensors", layout="torch"),
                   load_file(str(tmp_path / "m.safetensors")))[1]):
        tm = _torch_model()
        tm.load_state_dict(state)
        np.testing.assert_allclose(tm(torch.tensor(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- argument and input checks
@pytest.mark.parametrize("make, message", [
    (lambda: nn.LayerNorm(0), "LayerNorm: normalized_shape must be a positive integer or a non-empty sequence "
                              "of them, got 0"),
    (lambda: nn.LayerNorm((3, 0)), "LayerNorm: normalized_shape must be a positive integer or a non-empty "
                                   "sequence of them, got (3, 0)"),
    (lambda: nn.LayerNorm(2.0), "LayerNorm: normalized_shape must be a positive integer or a non-empty sequence "
                                "of them, got 2.0"),
    (lambda: nn.LayerNorm([]), "LayerNorm: normalized_shape must be a positive integer or a non-empty sequence "
                               "of them, got []"),
    # LayerNorm(4, eps=-1e-5) is taken, as torch's (test_torch_norm_eps_argument)
    (lambda: nn.LayerNorm(4, dtype="int32"), "LayerNorm: dtype must be a floating dtype such as 'float32', "
                                             "got 'int32'"),
    (lambda: nn.ELU(alpha="1"), "ELU: alpha must be a real number, got '1'"),   # NaN is taken, as torch's
    (lambda: nn.SiLU(inplace="no"), "SiLU: inplace must be a bool, got 'no'"),
    (lambda: nn.GELU("fast"), "GELU: approximate must be 'none' or 'tanh', got 'fast'"),
    (lambda: F.gelu(mg.randn(3), approximate="erf"), "gelu: approximate must be 'none' or 'tanh', got 'erf'"),
    (lambda: F.elu(mg.randn(3), alpha="1"), "elu: alpha must be a real number, got '1'"),
])
def test_bad_arguments_are_one_clear_error(make, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        make()


def test_layer_norm_input_checks_name_the_shapes_and_dtypes():
    with pytest.raises(ValueError, match=re.escape("LayerNorm: input of shape (4, 3, 5) does not end with "
                                                   "normalized_shape (3, 4)")):
        nn.LayerNorm((3, 4))(mg.randn(4, 3, 5))
    with pytest.raises(ValueError, match=re.escape("LayerNorm: input of shape (4,) does not end with "
                                                   "normalized_shape (2, 4)")):
        nn.LayerNorm((2, 4))(mg.randn(4))
    with pytest.raises(TypeError, match=re.escape("LayerNorm: input dtype float64 does not match the weight's "
                                                  "dtype float32")):
        nn.LayerNorm(3)(mg.randn(2, 3, dtype="float64"))
    with pytest.raises(TypeError, match="LayerNorm: input must be floating, got dtype int64"):
        nn.LayerNorm(3)(mg.tensor(np.ones((2, 3), dtype=np.int64)))
    with pytest.raises(TypeError, match="LayerNorm: input must be a Tensor, got ndarray"):
        nn.LayerNorm(3)(np.ones((2, 3), dtype=np.float32))
    with pytest.raises(ValueError, match=re.escape("layer_norm: weight has shape (4,) but normalized_shape is (3,)")):
        F.layer_norm(mg.randn(2, 3), 3, mg.ones(4))
    with pytest.raises(ValueError, match=re.escape("layer_norm: input of shape (2, 3) does not end with "
                                                   "normalized_shape (2,)")):
        F.layer_norm(mg.randn(2, 3), (2,))


def test_without_scipy_exact_gelu_says_how_to_install_it_and_tanh_still_works(monkeypatch):
    monkeypatch.setitem(sys.modules, "scipy.special", None)   # importing it now raises ImportError
    monkeypatch.setattr(backend, "_erf", {})
    monkeypatch.setattr(nn.activation, "cuda_available", lambda: False)
    for make in (lambda: nn.GELU(), lambda: F.gelu(mg.randn(3))):
        with pytest.raises(ImportError) as info:
            make()
        message = str(info.value)
        assert 'pip install "minigrad[scipy]"' in message and "approximate='tanh'" in message
        assert message.startswith(("GELU: approximate='none'", "gelu: approximate='none'"))
    x = mg.tensor([-1.0, 0.5, 2.0])
    expected = torch.nn.functional.gelu(torch.tensor(x.numpy()), approximate="tanh").numpy()
    np.testing.assert_allclose(nn.GELU(approximate="tanh")(x).numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(F.gelu(x, "tanh").numpy(), expected, rtol=1e-6)


def test_float32_stays_float32_through_layer_norm_gelu_silu_elu_and_their_second_derivatives(device):
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 6), nn.LayerNorm(6), nn.GELU(), nn.Linear(6, 6), nn.SiLU(), nn.ELU(0.5),
                          nn.GELU(approximate="tanh"), nn.LayerNorm(6, bias=False)).to(device)
    x = mg.tensor(_values((4, 5), "float32"), requires_grad=True, device=device)
    out = model(x)
    gx, = mg.grad((out * out).sum(), [x], create_graph=True)
    gx.sum().backward()
    arrays = [out.data, gx.data, x.grad.data] + [p.grad.data for p in model.parameters()]
    assert all(a.dtype == np.float32 for a in arrays), [a.dtype for a in arrays]
    assert all(np.isfinite(backend.to_numpy(a)).all() for a in arrays)
    assert gx.device == x.device == out.device


def test_erf_matches_torch_and_keeps_float32():
    from minigrad.ops.functions import erf

    for dtype in ("float64", "float32"):
        x = _values((3, 5), dtype)
        xt = mg.tensor(x, dtype=dtype, requires_grad=True)
        y = erf(xt)
        y.backward(mg.ones(3, 5, dtype=dtype))
        tx = torch.tensor(x, requires_grad=True)
        torch.erf(tx).sum().backward()
        assert y.dtype == xt.grad.dtype == np.dtype(dtype)
        np.testing.assert_allclose(y.numpy(), torch.erf(torch.tensor(x)).numpy(), **TOL[dtype])
        np.testing.assert_allclose(xt.grad.numpy(), tx.grad.numpy(), **TOL[dtype])
