"""F.affine_grid and F.grid_sample against torch: values and gradients in float64 (every mode, padding mode and
align_corners, at random points and at points on the pixel grid and the clamp bounds), second derivatives,
float32, the warnings and the argument checks."""
import re
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minigrad as mg
from minigrad.nn import functional as F
from torch_agreement import agree, second_derivatives_match

RNG = np.random.default_rng(2026)
MODES = ["bilinear", "nearest", "bicubic"]
PADDINGS = ["zeros", "border", "reflection"]


def _grids(shape):
    """Random points reaching past the image, and points on a quarter-step lattice: pixel centres, edges and
    the clamp bounds exactly (where PyTorch's padding slopes switch)."""
    return {"random": RNG.uniform(-2.6, 2.6, shape), "lattice": RNG.integers(-12, 13, shape) / 4.0}


@pytest.mark.parametrize("align_corners", [True, False])
@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("mode", MODES)
def test_grid_sample_matches_torch(mode, padding_mode, align_corners):
    x = RNG.standard_normal((2, 3, 4, 5))
    for name, grid in _grids((2, 3, 6, 2)).items():
        agree(lambda a, g: F.grid_sample(a, g, mode, padding_mode, align_corners),
              lambda a, g: TF.grid_sample(a, g, mode, padding_mode, align_corners), [x, grid])


@pytest.mark.parametrize("shape", [(1, 2, 1, 1), (2, 1, 1, 4), (1, 1, 3, 1)])
def test_grid_sample_on_unit_axes(shape):
    x = RNG.standard_normal(shape)
    grid = RNG.uniform(-1.5, 1.5, (shape[0], 2, 3, 2))
    for mode in MODES:
        for padding_mode in PADDINGS:
            for ac in (True, False):
                agree(lambda a, g: F.grid_sample(a, g, mode, padding_mode, ac),
                      lambda a, g: TF.grid_sample(a, g, mode, padding_mode, ac), [x, grid])


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_grid_sample_second_derivatives_match_torch(mode):
    x = RNG.standard_normal((2, 2, 4, 5))
    for padding_mode in PADDINGS:
        for ac in (True, False):
            # Past the image's edges, but short of 1 + 1/W (1.2 here, align_corners=False): beyond it all four bicubic
            # taps of an axis clamp to the border pixel under 'border' padding, so the grid's derivatives along that
            # axis are identically 0 (the test below), and both libraries compute that 0 as a cancelling sum of the
            # cubic weights' derivatives: rounding noise (~1e-13 beside entries ~50) whose sign differs between them.
            grid = RNG.uniform(-1.15, 1.15, (2, 3, 2, 2))
            second_derivatives_match(lambda a, g: F.grid_sample(a, g, mode, padding_mode, ac),
                                     lambda a, g: TF.grid_sample(a, g, mode, padding_mode, ac), [x, grid], RNG)


def test_bicubic_border_grid_derivatives_vanish_where_every_tap_clamps():
    # x = -1.25 puts the unnormalised column at -1.125 (align_corners=False, W = 5): taps -3..0 all read column 0, so
    # the output does not depend on the grid's x; its y (0.3) stays inside and keeps an O(1) derivative
    x = mg.tensor(RNG.standard_normal((1, 1, 4, 5)), dtype="float64", requires_grad=True)
    grid = mg.tensor([[[[-1.25, 0.3]]]], dtype="float64", requires_grad=True)
    y = F.grid_sample(x, grid, "bicubic", "border", False)
    (gg,) = mg.grad(y.sum(), [grid], create_graph=True)
    (hh,) = mg.grad(gg[..., 0].sum() + gg[..., 1].sum(), [grid])
    assert abs(gg.numpy()[0, 0, 0, 0]) < 1e-14 and abs(gg.numpy()[0, 0, 0, 1]) > 1e-3
    assert abs(hh.numpy()[0, 0, 0, 0]) < 1e-13


@pytest.mark.filterwarnings("ignore:invalid value encountered")
@pytest.mark.parametrize("spatial", [(3, 4), (2, 3, 4)])
def test_an_infinite_grid_point_clamped_to_the_border_keeps_finite_gradients_under_create_graph(spatial, device):
    # 'border' clamps an infinite coordinate to the border pixel (slope 0). The recorded backward rebuilt the padded
    # coordinate as padded + (u - u) * slope, which is inf - inf = NaN times 0: with create_graph=True both gradients
    # were NaN where the plain backward and torch's are finite. ('reflection' of an infinite coordinate is NaN.)
    nd = len(spatial)
    x = RNG.standard_normal((1, 2) + spatial)
    grid = RNG.uniform(-1, 1, (1, 2, 2) + (2,) * (nd - 2) + (nd,))
    grid.reshape(-1)[[0, -1]] = [np.inf, -np.inf]
    g = RNG.standard_normal((1, 2, 2, 2) + (2,) * (nd - 2))
    ours = [mg.tensor(a, dtype="float64", device=device, requires_grad=True) for a in (x, grid)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, grid)]
    y = F.grid_sample(*ours, "bilinear", "border", align_corners=False)
    ty = TF.grid_sample(*theirs, "bilinear", "border", align_corners=False)
    grads = mg.grad((y * mg.tensor(g, dtype="float64", device=device)).sum(), ours, create_graph=True)
    tgrads = torch.autograd.grad((ty * torch.tensor(g)).sum(), theirs)
    for got, expected in zip(grads, tgrads):
        assert np.isfinite(got.numpy()).all()
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-12, atol=1e-14)


def test_nearest_gives_the_grid_a_zero_gradient_as_torch():
    x = mg.tensor(RNG.standard_normal((1, 2, 3, 3)), dtype="float64", requires_grad=True)
    grid = mg.tensor(RNG.uniform(-1, 1, (1, 2, 2, 2)), dtype="float64", requires_grad=True)
    gx, gg = mg.grad(F.grid_sample(x, grid, "nearest", align_corners=False).sum(), [x, grid])
    assert gg.shape == grid.shape and not gg.numpy().any() and gx.numpy().sum() == 2 * 2 * 2


@pytest.mark.parametrize("mode", MODES)
def test_float32_stays_float32(mode):
    x = RNG.standard_normal((2, 3, 4, 5))
    grid = RNG.uniform(-1.2, 1.2, (2, 3, 2, 2))
    agree(lambda a, g: F.grid_sample(a, g, mode, "reflection", False),
          lambda a, g: TF.grid_sample(a, g, mode, "reflection", False), [x, grid], "float32",
          dict(rtol=2e-5, atol=2e-5))


@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 1, 3), (2, 1, 1, 1), (2, 2, 3, 4, 5), (2, 1, 3, 1, 2)])
@pytest.mark.parametrize("align_corners", [True, False])
def test_affine_grid_matches_torch(size, align_corners):
    rows = len(size) - 2
    theta = RNG.standard_normal((2, rows, rows + 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # the unit-size warning (checked below)
        agree(lambda t: F.affine_grid(t, size, align_corners), lambda t: TF.affine_grid(t, size, align_corners),
              [theta])


def test_affine_grid_second_derivatives_and_float32():
    theta = RNG.standard_normal((2, 2, 3))
    second_derivatives_match(lambda t: F.affine_grid(t, (2, 1, 3, 4), False) ** 2,
                             lambda t: TF.affine_grid(t, (2, 1, 3, 4), False) ** 2, [theta], RNG)
    agree(lambda t: F.affine_grid(t, (2, 1, 3, 4), True), lambda t: TF.affine_grid(t, (2, 1, 3, 4), True),
          [theta], "float32", dict(rtol=1e-6, atol=1e-6))


def test_a_spatial_transformer_matches_torch_end_to_end():
    # theta from the image itself (a localisation step), then affine_grid and grid_sample: gradients reach the
    # image along both paths
    x = RNG.standard_normal((2, 1, 5, 6))
    w = RNG.standard_normal((30, 6)) * 0.1

    def run(lib, affine, sample, a, m):
        theta = (a.reshape(2, 30) @ m).reshape(2, 2, 3) + lib.tensor([[1.0, 0, 0], [0, 1.0, 0]], dtype=a.dtype)
        return sample(a, affine(theta, (2, 1, 4, 3), False), "bilinear", "border", False)

    agree(lambda a, m: run(mg, F.affine_grid, F.grid_sample, a, m),
          lambda a, m: run(torch, TF.affine_grid, TF.grid_sample, a, m), [x, w])


def test_align_corners_none_warns_as_torch():
    x, grid = mg.randn(1, 1, 2, 2), mg.randn(1, 2, 2, 2) * 0.5
    for call in (lambda: F.grid_sample(x, grid), lambda: F.affine_grid(mg.randn(1, 2, 3), (1, 1, 2, 2))):
        with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
            call()
    with pytest.warns(UserWarning, match="affine_grid behavior has changed for unit-size grids"):
        F.affine_grid(mg.randn(1, 2, 3), (1, 1, 1, 2), align_corners=True)
    a = F.grid_sample(x, grid, align_corners=False)
    with pytest.warns(UserWarning):
        b = F.grid_sample(x, grid)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


ERRORS = [
    (lambda m: m.randn(1, 1, 2, 2), lambda m: m.randn(1, 2, 2, 2), dict(mode="bilinearr"),
     "nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: 'bilinearr'"),
    (lambda m: m.randn(1, 1, 2, 2), lambda m: m.randn(1, 2, 2, 2), dict(padding_mode="reflect"),
     "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or 'reflection', but got: "
     "'reflect'"),
    (lambda m: m.randn(1, 2, 2), lambda m: m.randn(1, 2, 2), {},
     "grid_sampler(): expected 4D or 5D input and grid with same number of dimensions"),
    (lambda m: m.randn(2, 1, 2, 2), lambda m: m.randn(1, 2, 2, 2), {},
     "grid_sampler(): expected grid of shape (N, Ho, Wo, 2) with N = 2"),
    (lambda m: m.randn(1, 1, 2, 2), lambda m: m.randn(1, 2, 2, 3), {},
     "grid_sampler(): expected grid of shape (N, Ho, Wo, 2)"),
    (lambda m: m.randn(1, 1, 2, 2, dtype=m.float64), lambda m: m.randn(1, 2, 2, 2), {},
     "grid_sampler(): expected input and grid to have the same floating dtype, but input has float64 and grid has "
     "float32"),
]


@pytest.mark.parametrize("x, grid, kwargs, message", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_grid_sample_refuses_bad_calls_like_torch(x, grid, kwargs, message):
    with pytest.raises((RuntimeError, ValueError, TypeError)):
        TF.grid_sample(x(torch), grid(torch), align_corners=False, **kwargs)
    with pytest.raises((ValueError, TypeError), match=re.escape(message)):
        F.grid_sample(x(mg), grid(mg), align_corners=False, **kwargs)


AFFINE_ERRORS = [
    (lambda m: m.randn(1, 2, 3).to(m.int64) if m is torch else mg.tensor([[[1, 0, 0], [0, 1, 0]]]), (1, 1, 2, 2),
     ValueError, "Expected theta to have floating point type, but got int64"),
    (lambda m: m.randn(1, 3, 3), (1, 1, 2, 2), ValueError,
     "Expected a batch of 2D affine matrices of shape Nx2x3 for size [1, 1, 2, 2]. Got (1, 3, 3)."),
    (lambda m: m.randn(1, 2, 3), (1, 1, 2, 2, 2), ValueError,
     "Expected a batch of 3D affine matrices of shape Nx3x4 for size [1, 1, 2, 2, 2]. Got (1, 2, 3)."),
    (lambda m: m.randn(1, 2, 3), (1, 1, 2), NotImplementedError,
     "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, respectively. Got size [1, 1, 2]."),
    (lambda m: m.randn(1, 2, 3), (1, 1, 0, 2), ValueError, "Expected non-zero, positive output size. Got [1, 1, 0, 2]"),
]


@pytest.mark.parametrize("theta, size, error, message", AFFINE_ERRORS, ids=[str(i) for i in range(len(AFFINE_ERRORS))])
def test_affine_grid_refuses_bad_calls_like_torch(theta, size, error, message):
    with pytest.raises(error):
        TF.affine_grid(theta(torch), size, align_corners=False)
    with pytest.raises(error, match=re.escape(message)):
        F.affine_grid(theta(mg), size, align_corners=False)


def test_affine_grid_batch_must_match_theta():
    with pytest.raises(RuntimeError):   # torch's batched matmul refuses it
        TF.affine_grid(torch.randn(2, 2, 3), (3, 1, 2, 2), align_corners=False)
    with pytest.raises(ValueError, match=re.escape("affine_grid: size [3, 1, 2, 2] asks for a batch of 3 but theta "
                                                   "of shape (2, 2, 3) holds 2 matrices")):
        F.affine_grid(mg.randn(2, 2, 3), (3, 1, 2, 2), align_corners=False)
