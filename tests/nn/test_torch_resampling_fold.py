"""F.interpolate's linear and bilinear modes, Upsample with them, UpsamplingNearest2d and UpsamplingBilinear2d against
torch: values and input gradients in float64 and float32, second derivatives, printing and the argument checks."""
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F
from op_registry import REGISTRY
from torch_agreement import TOL

F32 = dict(rtol=2e-5, atol=2e-5)
RNG = np.random.default_rng(11)

INTERPOLATIONS = [  # (input shape, interpolate's keyword arguments)
    ((2, 3, 5), dict(scale_factor=2, mode="linear")),
    ((2, 3, 5), dict(scale_factor=1.7, mode="linear")),
    ((2, 3, 7), dict(scale_factor=0.4, mode="linear")),
    ((2, 3, 7), dict(scale_factor=0.4, mode="linear", recompute_scale_factor=True)),
    ((2, 3, 5), dict(scale_factor=2.3, mode="linear", align_corners=True)),
    ((2, 3, 5), dict(size=9, mode="linear", align_corners=True)),
    ((2, 3, 5), dict(size=1, mode="linear", align_corners=True)),
    ((2, 3, 5), dict(size=(3,), mode="linear", align_corners=False)),
    ((1, 2, 1), dict(size=4, mode="linear")),
    ((2, 3, 5, 4), dict(scale_factor=(2, 1.5), mode="bilinear")),
    ((2, 3, 5, 4), dict(scale_factor=(2, 1.5), mode="bilinear", align_corners=True)),
    ((1, 2, 5, 4), dict(size=(3, 7), mode="bilinear")),
    ((1, 2, 6, 6), dict(scale_factor=0.5, mode="bilinear")),
    ((1, 2, 6, 7), dict(scale_factor=0.7, mode="bilinear", recompute_scale_factor=True)),
    ((1, 2, 1, 4), dict(size=(3, 7), mode="bilinear", align_corners=True)),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape, kwargs", INTERPOLATIONS, ids=[str(i) for i in range(len(INTERPOLATIONS))])
def test_interpolate_matches_torch_values_and_gradients(shape, kwargs, dtype, device):
    x = RNG.standard_normal(shape).astype(dtype)
    xm = mg.tensor(x, dtype=dtype, device=device, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    y, ty = F.interpolate(xm, **kwargs), TF.interpolate(xt, **kwargs)
    assert y.shape == tuple(ty.shape) and y.dtype == np.dtype(dtype)
    tol = TOL[dtype] if dtype == "float64" else F32
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), **tol)
    g = RNG.standard_normal(y.shape).astype(dtype)
    y.backward(mg.tensor(g, dtype=dtype, device=device))
    ty.backward(torch.tensor(g))
    assert xm.grad.dtype == np.dtype(dtype)
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), **tol)


def test_the_registry_samples_match_torch():
    samples = [s for info in REGISTRY if info.name.startswith("nn.functional.interpolate(mode='linear'")
               for s in info.samples]
    assert len(samples) >= 5
    for s in samples:
        y = F.interpolate(mg.tensor(s.args[0], dtype="float64"), *s.args[1:], **s.kwargs)
        ty = TF.interpolate(torch.tensor(s.args[0]), *s.args[1:], **s.kwargs)
        np.testing.assert_allclose(y.numpy(), ty.numpy(), **TOL["float64"])


def test_bilinear_second_derivative_matches_torch():
    x = RNG.standard_normal((1, 2, 4, 3))
    kwargs = dict(scale_factor=(1.5, 2.5), mode="bilinear")
    xm, xt = mg.tensor(x, dtype="float64", requires_grad=True), torch.tensor(x, requires_grad=True)
    (gm,) = mg.grad((F.interpolate(xm, **kwargs) ** 3).sum(), [xm], create_graph=True)
    (gt,) = torch.autograd.grad((TF.interpolate(xt, **kwargs) ** 3).sum(), [xt], create_graph=True)
    (hm,) = mg.grad((gm * gm).sum(), [xm])
    (ht,) = torch.autograd.grad((gt * gt).sum(), [xt])
    np.testing.assert_allclose(gm.numpy(), gt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(hm.numpy(), ht.numpy(), rtol=1e-11)


def test_infinities_stay_local_as_in_torch():
    x = np.zeros((1, 1, 6))
    x[0, 0, 1] = np.inf
    with np.errstate(invalid="ignore"):   # inf times a zero weight is NaN next to the inf, in torch as here
        y = F.interpolate(mg.tensor(x, dtype="float64"), 9, mode="linear")
    ty = TF.interpolate(torch.tensor(x), 9, mode="linear")
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    assert np.isfinite(y.numpy()[0, 0, -3:]).all()


LAYERS = [
    (lambda: nn.Upsample(scale_factor=2, mode="bilinear"), lambda: torch.nn.Upsample(scale_factor=2, mode="bilinear"),
     (2, 3, 3, 4)),
    (lambda: nn.Upsample(size=7, mode="linear", align_corners=True),
     lambda: torch.nn.Upsample(size=7, mode="linear", align_corners=True), (2, 2, 5)),
    (lambda: nn.Upsample(scale_factor=0.6, mode="bilinear", recompute_scale_factor=True),
     lambda: torch.nn.Upsample(scale_factor=0.6, mode="bilinear", recompute_scale_factor=True), (1, 2, 7, 6)),
    (lambda: nn.UpsamplingBilinear2d(scale_factor=2), lambda: torch.nn.UpsamplingBilinear2d(scale_factor=2),
     (2, 2, 3, 4)),
    (lambda: nn.UpsamplingBilinear2d(size=(5, 3)), lambda: torch.nn.UpsamplingBilinear2d(size=(5, 3)), (1, 3, 2, 4)),
    (lambda: nn.UpsamplingNearest2d(scale_factor=3), lambda: torch.nn.UpsamplingNearest2d(scale_factor=3),
     (2, 1, 2, 3)),
    (lambda: nn.UpsamplingNearest2d(size=(4, 6)), lambda: torch.nn.UpsamplingNearest2d(size=(4, 6)), (1, 2, 2, 3)),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("make, make_torch, shape", LAYERS, ids=[str(i) for i in range(len(LAYERS))])
def test_layers_match_torch(make, make_torch, shape, dtype):
    layer, tl = make(), make_torch()
    assert repr(layer) == repr(tl) and layer.state_dict() == {}
    x = RNG.standard_normal(shape).astype(dtype)
    xm, xt = mg.tensor(x, dtype=dtype, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = layer(xm), tl(xt)
    tol = TOL[dtype] if dtype == "float64" else F32
    assert y.dtype == np.dtype(dtype)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), **tol)
    g = RNG.standard_normal(y.shape).astype(dtype)
    y.backward(mg.tensor(g, dtype=dtype))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), **tol)


def test_layer_attributes_are_torch_s():
    for ours, theirs in [(nn.UpsamplingBilinear2d(scale_factor=2), torch.nn.UpsamplingBilinear2d(scale_factor=2)),
                         (nn.Upsample(scale_factor=(1.5, 2), mode="bilinear", align_corners=False),
                          torch.nn.Upsample(scale_factor=(1.5, 2), mode="bilinear", align_corners=False))]:
        assert (ours.mode, ours.scale_factor, ours.size, ours.align_corners) == \
            (theirs.mode, theirs.scale_factor, theirs.size, theirs.align_corners)


ERRORS = [  # (minigrad call, torch call, minigrad's message)
    (lambda: F.interpolate(mg.randn(1, 2, 5, 4), scale_factor=2, mode="linear"),
     lambda: TF.interpolate(torch.randn(1, 2, 5, 4), scale_factor=2, mode="linear"),
     "interpolate: mode='linear' needs a 3-D input ((N, C, L)), got shape (1, 2, 5, 4)"),
    (lambda: F.interpolate(mg.randn(1, 2, 5), scale_factor=2, mode="bilinear"),
     lambda: TF.interpolate(torch.randn(1, 2, 5), scale_factor=2, mode="bilinear"),
     "interpolate: mode='bilinear' needs a 4-D input ((N, C, H, W)), got shape (1, 2, 5)"),
    (lambda: F.interpolate(mg.randn(1, 2, 5), scale_factor=0.1, mode="linear"),
     lambda: TF.interpolate(torch.randn(1, 2, 5), scale_factor=0.1, mode="linear"),
     "interpolate: scale_factor=0.1 gives an empty output (0,) for the input of shape (1, 2, 5)"),
    (lambda: F.interpolate(mg.randn(1, 2, 5), scale_factor=-1, mode="linear"),
     lambda: TF.interpolate(torch.randn(1, 2, 5), scale_factor=-1, mode="linear"),
     "interpolate: scale_factor must be a positive number or a sequence of them, got -1"),
    (lambda: F.interpolate(mg.randn(1, 2, 5), size=0, mode="linear"),
     lambda: TF.interpolate(torch.randn(1, 2, 5), size=0, mode="linear"),
     "interpolate: size must be a positive integer or a sequence of them, got 0"),
    (lambda: F.interpolate(mg.randn(1, 2, 5, 4), size=(3,), mode="bilinear"),
     lambda: TF.interpolate(torch.randn(1, 2, 5, 4), size=(3,), mode="bilinear"),
     "interpolate: size=(3,) has 1 entries but the input of shape (1, 2, 5, 4) has 2 spatial axes"),
    (lambda: F.interpolate(mg.randn(1, 2, 5), scale_factor=2, mode="bicubic"),
     lambda: TF.interpolate(torch.randn(1, 2, 5), scale_factor=2, mode="bicubic"),
     "interpolate: mode='bicubic' is not supported"),
    (lambda: F.interpolate(mg.randn(1, 2, 5), scale_factor=2, mode="linear", antialias=True),
     lambda: TF.interpolate(torch.randn(1, 2, 5), scale_factor=2, mode="linear", antialias=True),
     "interpolate: antialias=True is not supported"),
    (lambda: F.interpolate(mg.randn(1, 2, 5), size=4, scale_factor=2, mode="linear"),
     lambda: TF.interpolate(torch.randn(1, 2, 5), size=4, scale_factor=2, mode="linear"),
     "interpolate: give exactly one of size and scale_factor"),
    (lambda: nn.UpsamplingBilinear2d(scale_factor=2)(mg.randn(1, 2, 5)),
     lambda: torch.nn.UpsamplingBilinear2d(scale_factor=2)(torch.randn(1, 2, 5)),
     "UpsamplingBilinear2d: mode='bilinear' needs a 4-D input"),
]


@pytest.mark.parametrize("ours, theirs, message", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_bad_calls_are_refused_like_torch(ours, theirs, message):
    with pytest.raises((RuntimeError, ValueError, NotImplementedError, TypeError)):
        theirs()
    with pytest.raises((ValueError, TypeError), match=re.escape(message)):
        ours()
