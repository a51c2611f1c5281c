"""F.interpolate's modes 'nearest' (any factor), 'nearest-exact', 'bicubic' and 'area', nn.Upsample with them and
the deprecated F.upsample, F.upsample_nearest and F.upsample_bilinear against torch: values and input gradients in
float64 and float32 over a grid of sizes, scale factors, recompute_scale_factor and align_corners; the two places
where torch's gradient is not the derivative of its own output (documented in docs/layers.md); the checks."""
import re
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F
from torch_agreement import TOL

RNG = np.random.default_rng(310)
F32 = dict(rtol=2e-5, atol=2e-5)
SPATIAL = {3: [(1,), (2,), (5,), (7,)], 4: [(1, 3), (4, 5), (6, 3), (2, 7)], 5: [(1, 3, 2), (4, 2, 5)]}
RANKS = {"nearest": (3, 4, 5), "nearest-exact": (3, 4, 5), "area": (3, 4, 5), "bicubic": (4,)}


def _options(spatial, factors=(0.3, 0.75, 1.0, 1.3, 2.0, 2.5, 1 / 3), sizes=(1, 3, 8)):
    """Scale factors (with and without recompute_scale_factor) that leave no axis empty, and sizes."""
    out = [dict(scale_factor=f, recompute_scale_factor=r) for f in factors
           for r in (None, True) if all(int(np.floor(n * f)) >= 1 for n in spatial)]
    out += [dict(size=o) for o in sizes] + [dict(size=tuple(range(3, 3 + len(spatial))))]
    return out + ([dict(scale_factor=(1.5, 0.6))] if len(spatial) == 2 else
                  [dict(scale_factor=(1.5, 0.6, 2.2))] if len(spatial) == 3 else [])


def _torch_gradient_is_not_the_derivative(mode, spatial, kw):
    """torch's backward copies the gradient where the output size equals the input's (bicubic when every axis keeps
    its size; 1-D and 3-D nearest on any axis, which also reads i // 2 where the size doubles) while its forward
    resamples at the factor given, and the reverse with antialias=True (the forward copies an axis that keeps its
    size, the backward resamples it): see test_where_torch_gradient_is_not_its_derivative."""
    factor = kw.get("scale_factor")
    if factor is None or kw.get("recompute_scale_factor") or factor == 1.0:
        return False
    factors = factor if isinstance(factor, tuple) else (factor,) * len(spatial)
    out = [int(np.floor(n * f)) for n, f in zip(spatial, factors)]
    if kw.get("antialias"):   # the forward copies an axis that keeps its size; the backward resamples it
        return any(n == o for n, o in zip(spatial, out))
    if mode == "nearest" and len(spatial) in (1, 3):
        return any(o in (n, 2 * n) and f != o / n for n, o, f in zip(spatial, out, factors))
    return mode == "bicubic" and list(spatial) == out


def _check(mode, x, kw, dtype, tol):
    xm = mg.tensor(x.astype(dtype), dtype=dtype, requires_grad=True)
    xt = torch.tensor(x.astype(dtype), requires_grad=True)
    y, ty = F.interpolate(xm, mode=mode, **kw), TF.interpolate(xt, mode=mode, **kw)
    assert y.shape == tuple(ty.shape) and y.dtype == np.dtype(dtype)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), **tol)
    if _torch_gradient_is_not_the_derivative(mode, x.shape[2:], kw):
        return
    c = RNG.standard_normal(y.shape).astype(dtype)
    (y * mg.tensor(c, dtype=dtype)).sum().backward()
    (ty * torch.tensor(c)).sum().backward()
    assert xm.grad.dtype == np.dtype(dtype)
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), **tol)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("mode", list(RANKS))
def test_interpolate_modes_match_torch(mode, dtype):
    tol = TOL[dtype] if dtype == "float64" else F32
    for rank in RANKS[mode]:
        for spatial in SPATIAL[rank]:
            x = RNG.standard_normal((2, 2, *spatial))
            # torch's area mode is slow (adaptive pooling): fewer cases
            for kw in (_options(spatial, (0.5, 1.3), (2,)) if mode == "area" else _options(spatial)):
                for ac in ((None,) if mode != "bicubic" else (True, False)):
                    _check(mode, x, dict(kw, **({} if ac is None else dict(align_corners=ac))), dtype, tol)


def test_linear_modes_copy_an_axis_that_keeps_its_size_as_torch():
    for shape, kw in [((2, 2, 2), dict(mode="linear")), ((2, 2, 6, 3), dict(mode="bilinear")),
                      ((2, 2, 3, 6), dict(mode="bilinear"))]:
        _check(kw["mode"], RNG.standard_normal(shape), dict(scale_factor=1.3, align_corners=False), "float64",
               TOL["float64"])


def test_nearest_ties_fall_as_torch_in_both_dtypes():
    # (i + 1/2) n / o lands exactly on an integer here: torch's float32 rounding decides the side
    for dtype in ("float64", "float32"):
        for n, o in [(6, 37), (12, 37), (14, 23), (14, 46)]:
            x = np.arange(n, dtype=dtype).reshape(1, 1, n)
            for mode in ("nearest", "nearest-exact"):
                ours = F.interpolate(mg.tensor(x, dtype=dtype), size=o, mode=mode).numpy()
                np.testing.assert_array_equal(ours, TF.interpolate(torch.tensor(x), size=o, mode=mode).numpy())
            f = o / n
            ours = F.interpolate(mg.tensor(x, dtype=dtype), scale_factor=f, mode="nearest-exact",
                                 recompute_scale_factor=True).numpy()
            theirs = TF.interpolate(torch.tensor(x), scale_factor=f, mode="nearest-exact",
                                    recompute_scale_factor=True).numpy()
            np.testing.assert_array_equal(ours, theirs)


# Each case puts an output exactly on a tie (src an integer in exact arithmetic), where the side it falls on is
# decided by the arithmetic of torch's kernel: float32 for float16 input (not float16), and in 3-D and 5-D
# nearest-exact a fused multiply-add; an integer factor is not always a plain repeat (47 * float32(1 / 47) rounds
# below 1).
TIES = [(3, "float16", "nearest", 8, dict(size=44)), (5, "float16", "nearest", 8, dict(size=44)),
        (4, "float16", "nearest", 8, dict(size=44)), (3, "float16", "nearest-exact", 24, dict(scale_factor=1.97)),
        (3, "float32", "nearest-exact", 2, dict(size=55)), (5, "float32", "nearest-exact", 2, dict(size=83)),
        (3, "float32", "nearest", 2, dict(scale_factor=47)), (3, "float32", "nearest", 2, dict(size=94)),
        (4, "float16", "nearest", 2, dict(size=82))]


@pytest.mark.parametrize("rank, dtype, mode, n, kwargs", TIES, ids=[str(i) for i in range(len(TIES))])
def test_nearest_ties_fall_as_torch_in_every_rank_and_dtype(rank, dtype, mode, n, kwargs):
    x = np.arange(n, dtype=dtype).reshape((1, 1) + (1,) * (rank - 3) + (n,))
    if rank > 3:   # resample the last axis only
        lead = {"size": (1,) * (rank - 3), "scale_factor": (1.0,) * (rank - 3)}
        kwargs = {k: lead[k] + (v,) for k, v in kwargs.items()}
    ours = F.interpolate(mg.tensor(x, dtype=dtype), mode=mode, **kwargs)
    theirs = TF.interpolate(torch.tensor(x), mode=mode, **kwargs).numpy()
    assert ours.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(ours.numpy(), theirs)


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
@pytest.mark.parametrize("shape", [(1, 2, 7), (1, 2, 3, 4), (1, 1, 3, 4, 5)])
@pytest.mark.parametrize("kwargs", [dict(scale_factor=1.5), dict(scale_factor=2.3), dict(scale_factor=0.7),
                                    dict(scale_factor=1.7, recompute_scale_factor=True)])
def test_nearest_modes_on_uint8_read_torch_indices(mode, shape, kwargs):
    # The source scale is a float, not the input's dtype (in uint8, 1 / 1.5 would be 0: every output read input 0).
    x = np.arange(int(np.prod(shape)), dtype=np.uint8).reshape(shape)
    ours = F.interpolate(mg.tensor(x), mode=mode, **kwargs)
    theirs = TF.interpolate(torch.tensor(x), mode=mode, **kwargs).numpy()
    assert ours.dtype == np.uint8
    np.testing.assert_array_equal(ours.numpy(), theirs)


def test_where_torch_gradient_is_not_its_derivative():
    # torch resamples at the factor given but sends the gradient straight back when the size is unchanged;
    # minigrad's gradient is the derivative of the output both libraries compute
    for shape, mode, kw in [((1, 1, 2), "nearest", {}), ((1, 1, 2, 1, 1), "nearest", {}),
                            ((1, 1, 1, 3), "bicubic", dict(align_corners=False)),
                            ((1, 1, 3, 4), "bilinear", dict(align_corners=False, antialias=True))]:
        x = RNG.standard_normal(shape)
        y = F.interpolate(mg.tensor(x, dtype="float64"), scale_factor=1.3, mode=mode, **kw).numpy()
        np.testing.assert_allclose(y, TF.interpolate(torch.tensor(x), scale_factor=1.3, mode=mode, **kw).numpy(),
                                   **TOL["float64"])
        xt = torch.tensor(x, requires_grad=True)
        TF.interpolate(xt, scale_factor=1.3, mode=mode, **kw).sum().backward()
        if not kw.get("antialias"):   # (antialias: the height, 3 -> 3, is copied but torch's gradient resamples it)
            assert not np.allclose(y, x)   # not a copy...
            np.testing.assert_array_equal(xt.grad.numpy(), np.ones(shape))   # ...but torch's gradient is a copy's
        xm = mg.tensor(x, dtype="float64", requires_grad=True)
        F.interpolate(xm, scale_factor=1.3, mode=mode, **kw).sum().backward()
        eps = 1e-6   # central differences of sum(y) agree with ours
        numeric = np.zeros(x.size)
        for i in range(x.size):
            d = np.zeros(x.size)
            d[i] = eps
            up, down = (F.interpolate(mg.tensor(x + s * d.reshape(shape), dtype="float64"), scale_factor=1.3,
                                      mode=mode, **kw).numpy().sum() for s in (1, -1))
            numeric[i] = (up - down) / (2 * eps)
        np.testing.assert_allclose(xm.grad.numpy().ravel(), numeric, rtol=1e-6, atol=1e-8)
        assert not np.allclose(numeric, xt.grad.numpy().ravel(), rtol=1e-3)


@pytest.mark.parametrize("mode, shape, kwargs", [
    ("nearest", (2, 3, 5), dict(scale_factor=1.5)), ("nearest-exact", (2, 3, 4, 5), dict(size=(3, 7))),
    ("area", (2, 3, 7, 5), dict(size=(3, 2))), ("area", (2, 3, 7), dict(scale_factor=0.5)),
    ("bicubic", (2, 3, 4, 5), dict(scale_factor=(1.5, 2.0), align_corners=True)),
    ("bicubic", (2, 3, 4, 5), dict(size=(3, 8), align_corners=False)),
    ("nearest", (2, 2, 3, 4, 2), dict(size=(5, 3, 2))), ("nearest-exact", (2, 2, 3, 4, 2), dict(scale_factor=1.7)),
    ("area", (2, 2, 5, 4, 3), dict(size=(2, 3, 5))),
])
def test_upsample_layer_with_every_mode(mode, shape, kwargs):
    x = RNG.standard_normal(shape)
    layer, tlayer = nn.Upsample(mode=mode, **kwargs), torch.nn.Upsample(mode=mode, **kwargs)
    xm = mg.tensor(x, dtype="float64", requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    y, ty = layer(xm), tlayer(xt)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), **TOL["float64"])
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), **TOL["float64"])
    assert repr(layer) == repr(tlayer)


def test_deprecated_upsample_functions_warn_and_match_torch():
    x = RNG.standard_normal((1, 2, 3, 4))
    calls = [("upsample", dict(scale_factor=1.5, mode="bicubic", align_corners=False)),
             ("upsample", dict(size=(2, 5))), ("upsample_nearest", dict(scale_factor=2)),
             ("upsample_bilinear", dict(size=(5, 3)))]
    for name, kw in calls:
        with pytest.warns(UserWarning, match=re.escape(f"`nn.functional.{name}` is deprecated. Use "
                                                       "`nn.functional.interpolate` instead.")):
            y = getattr(F, name)(mg.tensor(x, dtype="float64"), **kw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ty = getattr(TF, name)(torch.tensor(x), **kw)
        np.testing.assert_allclose(y.numpy(), ty.numpy(), **TOL["float64"])


ERRORS = [
    (lambda lib, f: f.interpolate(lib.randn(1, 2, 5), scale_factor=2, mode="nearest-exact", align_corners=True),
     "interpolate: align_corners=True can only be set with the interpolating modes (linear, bilinear, bicubic, "
     "trilinear), not with mode='nearest-exact'"),
    (lambda lib, f: f.interpolate(lib.randn(1, 2, 5), scale_factor=2, mode="area", antialias=True),
     "interpolate: antialias=True is not supported: PyTorch restricts it to the bilinear and bicubic modes"),
    (lambda lib, f: f.interpolate(lib.randn(1, 2, 5), size=3, mode="bicubic"),
     "interpolate: mode='bicubic' needs a 4-D input ((N, C, H, W)), got shape (1, 2, 5)"),
    (lambda lib, f: f.interpolate(lib.randn(1, 2, 5), size=3, mode="cubic"),
     "interpolate: mode='cubic' is not supported; only mode='nearest', 'nearest-exact', 'area', 'linear', "
     "'bilinear', 'bicubic' and 'trilinear' are"),
    (lambda lib, f: f.interpolate(lib.randn(1, 2, 5, 4), scale_factor=-1, mode="area"),
     "interpolate: scale_factor must be a positive number or a sequence of them, got -1"),
    (lambda lib, f: f.interpolate(lib.randn(1, 2, 5), size=2.5, mode="nearest-exact"),
     "interpolate: size must be a positive integer or a sequence of them, got 2.5"),
    (lambda lib, f: f.interpolate(lib.randn(1, 2, 5), size=3, mode="linear", recompute_scale_factor=True),
     "interpolate: recompute_scale_factor=True is not meaningful with an explicit size=3; it recomputes the scale "
     "from a scale_factor"),
    (lambda lib, f: lib.nn.Upsample(size=(3, 4), recompute_scale_factor=True)(lib.randn(1, 2, 5, 5)),
     "Upsample: recompute_scale_factor=True is not meaningful with an explicit size=(3, 4)"),
]


@pytest.mark.parametrize("call, message", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_bad_calls_are_refused_like_torch(call, message):
    with pytest.raises((RuntimeError, ValueError, NotImplementedError, TypeError)):
        call(torch, TF)
    with pytest.raises((ValueError, TypeError), match=re.escape(message)):
        call(mg, F)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_antialias_matches_torch(mode, dtype):
    tol = TOL[dtype] if dtype == "float64" else F32
    for spatial in [(1, 3), (4, 5), (9, 7), (16, 12)]:
        x = RNG.standard_normal((2, 2, *spatial))
        for kw in _options(spatial, (0.2, 0.5, 0.75, 1.3, 2.0, 1 / 3), ()) + [dict(size=(2, 3)), dict(size=(3, 9))]:
            for ac in (True, False):
                _check(mode, x, dict(kw, align_corners=ac, antialias=True), dtype, tol)


def test_antialias_refusals():
    with pytest.raises(ValueError, match=re.escape("interpolate: antialias=True is not supported with mode='linear': "
                                                   "PyTorch restricts it to the bilinear and bicubic modes")):
        F.interpolate(mg.randn(1, 1, 8), scale_factor=0.5, mode="linear", antialias=True)
