"""F.interpolate's linear and bilinear modes, Upsample with them, UpsamplingNearest2d and UpsamplingBilinear2d, and
unfold/fold (nn.Unfold, nn.Fold) against torch: values and input gradients in float64 and float32, second
derivatives, printing and the argument checks."""
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
     "interpolate: mode='bicubic' needs a 4-D input ((N, C, H, W)), got shape (1, 2, 5)"),
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


# ---------------------------------------------------------------- unfold / fold
FOLDS = [  # (unfold's input shape, keyword arguments)
    ((2, 3, 5, 4), dict(kernel_size=(2, 3))),
    ((3, 6, 7), dict(kernel_size=3, dilation=(1, 2), padding=1, stride=(2, 1))),
    ((1, 2, 6, 6), dict(kernel_size=2, stride=2)),
    ((2, 1, 5, 5), dict(kernel_size=(1, 3), padding=(2, 0), stride=3, dilation=2)),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape, kwargs", FOLDS, ids=[str(i) for i in range(len(FOLDS))])
def test_unfold_and_fold_match_torch(shape, kwargs, dtype):
    tol = TOL[dtype] if dtype == "float64" else F32
    x = RNG.standard_normal(shape).astype(dtype)
    xm, xt = mg.tensor(x, dtype=dtype, requires_grad=True), torch.tensor(x, requires_grad=True)
    cols, tcols = F.unfold(xm, **kwargs), TF.unfold(xt, **kwargs)
    assert cols.shape == tuple(tcols.shape) and cols.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(cols.numpy(), tcols.detach().numpy())   # a copy of values: exact
    g = RNG.standard_normal(cols.shape).astype(dtype)
    cols.backward(mg.tensor(g, dtype=dtype))
    tcols.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), **tol)
    c = RNG.standard_normal(cols.shape).astype(dtype)
    cm, ct = mg.tensor(c, dtype=dtype, requires_grad=True), torch.tensor(c, requires_grad=True)
    image, timage = F.fold(cm, shape[-2:], **kwargs), TF.fold(ct, shape[-2:], **kwargs)
    assert image.shape == tuple(timage.shape) and image.dtype == np.dtype(dtype)
    np.testing.assert_allclose(image.numpy(), timage.detach().numpy(), **tol)
    g = RNG.standard_normal(image.shape).astype(dtype)
    image.backward(mg.tensor(g, dtype=dtype))
    timage.backward(torch.tensor(g))
    np.testing.assert_allclose(cm.grad.numpy(), ct.grad.numpy(), **tol)


def test_fold_second_derivative_matches_torch():
    c = RNG.standard_normal((2, 12, 12))
    cm, ct = mg.tensor(c, dtype="float64", requires_grad=True), torch.tensor(c, requires_grad=True)
    (gm,) = mg.grad((F.fold(cm, (4, 5), 2) ** 3).sum(), [cm], create_graph=True)
    (gt,) = torch.autograd.grad((TF.fold(ct, (4, 5), 2) ** 3).sum(), [ct], create_graph=True)
    (hm,) = mg.grad((F.unfold(F.fold(gm, (4, 5), 2), 2) ** 2).sum(), [cm])
    (ht,) = torch.autograd.grad((TF.unfold(TF.fold(gt, (4, 5), 2), 2) ** 2).sum(), [ct])
    np.testing.assert_allclose(gm.numpy(), gt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(hm.numpy(), ht.numpy(), rtol=1e-11)


def test_unfold_and_fold_layers_print_and_run_like_torch():
    for ours, theirs in [(nn.Unfold(2), torch.nn.Unfold(2)), (nn.Unfold((2, 3), 1, (1, 0), 2),
                                                                torch.nn.Unfold((2, 3), 1, (1, 0), 2)),
                         (nn.Fold((3, 4), 2, padding=1), torch.nn.Fold((3, 4), 2, padding=1))]:
        assert repr(ours) == repr(theirs) and ours.state_dict() == {}
    x = RNG.standard_normal((2, 2, 3, 4))
    np.testing.assert_array_equal(nn.Unfold(2, padding=1)(mg.tensor(x, dtype="float64")).numpy(),
                                  torch.nn.Unfold(2, padding=1)(torch.tensor(x)).numpy())
    c = RNG.standard_normal((8, 20))   # unbatched columns
    np.testing.assert_allclose(nn.Fold((3, 4), 2, padding=1)(mg.tensor(c, dtype="float64")).numpy(),
                               torch.nn.Fold((3, 4), 2, padding=1)(torch.tensor(c)).numpy(), **TOL["float64"])


FOLD_ERRORS = [
    (lambda: F.unfold(mg.randn(5, 4), 2), lambda: TF.unfold(torch.randn(5, 4), 2),
     "unfold: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape (5, 4)"),
    (lambda: F.unfold(mg.randn(1, 3, 5, 4), (6, 3)), lambda: TF.unfold(torch.randn(1, 3, 5, 4), (6, 3)),
     "unfold: the input's spatial size (5, 4) with kernel_size (6, 3)"),
    (lambda: F.unfold(mg.randn(1, 3, 5, 4), 2, padding=-1), lambda: TF.unfold(torch.randn(1, 3, 5, 4), 2, padding=-1),
     "unfold: padding must be non-negative, got (-1, -1)"),
    (lambda: F.unfold(mg.randn(1, 3, 5, 4), 0), lambda: TF.unfold(torch.randn(1, 3, 5, 4), 0),
     "unfold: kernel_size must be positive, got (0, 0)"),
    (lambda: F.fold(mg.randn(2, 12, 5), (3, 4), 2), lambda: TF.fold(torch.randn(2, 12, 5), (3, 4), 2),
     "fold: the input has 5 columns (shape (2, 12, 5)) but output_size (3, 4) with kernel_size (2, 2)"),
    (lambda: F.fold(mg.randn(2, 10, 6), (3, 4), 2), lambda: TF.fold(torch.randn(2, 10, 6), (3, 4), 2),
     "fold: the input's dimension -2 (10, shape (2, 10, 6)) must be divisible by the product of kernel_size"),
    (lambda: F.fold(mg.randn(2, 2, 12, 6), (3, 4), 2), lambda: TF.fold(torch.randn(2, 2, 12, 6), (3, 4), 2),
     "fold: expected a 2-D (C kh kw, L) or 3-D (N, C kh kw, L) input, got shape (2, 2, 12, 6)"),
]


@pytest.mark.parametrize("ours, theirs, message", FOLD_ERRORS, ids=[str(i) for i in range(len(FOLD_ERRORS))])
def test_bad_fold_calls_are_refused_like_torch(ours, theirs, message):
    with pytest.raises((RuntimeError, ValueError, IndexError)):
        theirs()
    with pytest.raises((ValueError, TypeError), match=re.escape(message)):
        ours()


def test_bad_fold_layer_arguments_are_one_clear_error():
    with pytest.raises(ValueError, match=re.escape("Unfold: padding must be a non-negative integer or a pair of them, "
                                                   "got -1")):
        nn.Unfold(2, padding=-1)
    with pytest.raises(ValueError, match=re.escape("Fold: output_size must be a positive integer or a pair of them, "
                                                   "got (3, 0)")):
        nn.Fold((3, 0), 2)
