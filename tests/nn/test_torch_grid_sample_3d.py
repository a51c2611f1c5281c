"""Volumetric F.grid_sample (input (N, C, D, H, W), grid (N, Do, Ho, Wo, 3)) against torch in float64: values and
both gradients for trilinear ('bilinear') and nearest, every padding mode and align_corners, at random points and
on a quarter-step lattice (pixel centres, edges and clamp bounds); unit axes; second derivatives; float32; a 3-D
spatial transformer through affine_grid; and the refusals (bicubic is 4-D only, as torch)."""
import re

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import functional as F
from torch_agreement import TOL, agree, second_derivatives_match

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RNG = np.random.default_rng(1503)
PADDINGS = ["zeros", "border", "reflection"]


@pytest.mark.parametrize("align_corners", [True, False])
@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_volumetric_grid_sample_matches_torch(mode, padding_mode, align_corners):
    x = RNG.standard_normal((2, 3, 4, 5, 3))
    shape = (2, 3, 2, 4, 3)
    for grid in (RNG.uniform(-2.6, 2.6, shape), RNG.integers(-12, 13, shape) / 4.0):
        agree(lambda a, g: F.grid_sample(a, g, mode, padding_mode, align_corners),
               lambda a, g: TF.grid_sample(a, g, mode, padding_mode, align_corners), [x, grid])


@pytest.mark.parametrize("shape", [(1, 2, 1, 1, 1), (2, 1, 1, 3, 1), (1, 1, 3, 1, 2)])
def test_volumetric_grid_sample_on_unit_axes(shape):
    x = RNG.standard_normal(shape)
    grid = RNG.uniform(-1.5, 1.5, (shape[0], 2, 1, 3, 3))
    for mode in ("bilinear", "nearest"):
        for padding_mode in PADDINGS:
            for ac in (True, False):
                agree(lambda a, g: F.grid_sample(a, g, mode, padding_mode, ac),
                       lambda a, g: TF.grid_sample(a, g, mode, padding_mode, ac), [x, grid])


@pytest.mark.parametrize("padding_mode", PADDINGS)
def test_volumetric_second_derivatives_match_torch(padding_mode):
    x = RNG.standard_normal((1, 2, 3, 4, 3))
    for ac in (True, False):
        grid = RNG.uniform(-1.3, 1.3, (1, 2, 2, 2, 3))
        second_derivatives_match(lambda a, g: F.grid_sample(a, g, "bilinear", padding_mode, ac),
                                 lambda a, g: TF.grid_sample(a, g, "bilinear", padding_mode, ac), [x, grid], RNG)


def test_volumetric_nearest_gives_the_grid_a_zero_gradient_and_float32_stays_float32():
    x = mg.tensor(RNG.standard_normal((1, 2, 3, 3, 2)), dtype="float64", requires_grad=True)
    grid = mg.tensor(RNG.uniform(-1, 1, (1, 2, 2, 1, 3)), dtype="float64", requires_grad=True)
    gx, gg = mg.grad(F.grid_sample(x, grid, "nearest", align_corners=False).sum(), [x, grid])
    assert gg.shape == grid.shape and not gg.numpy().any() and gx.numpy().sum() == 2 * 2 * 2
    for mode in ("bilinear", "nearest"):
        agree(lambda a, g: F.grid_sample(a, g, mode, "reflection", False),
               lambda a, g: TF.grid_sample(a, g, mode, "reflection", False),
               [RNG.standard_normal((2, 3, 4, 3, 5)), RNG.uniform(-1.2, 1.2, (2, 3, 2, 2, 3))], "float32",
               dict(rtol=2e-5, atol=2e-5))


def test_a_volumetric_spatial_transformer_matches_torch_end_to_end():
    x = RNG.standard_normal((2, 1, 3, 4, 5))
    w = RNG.standard_normal((60, 12)) * 0.05
    eye = [[1.0, 0, 0, 0], [0, 1.0, 0, 0], [0, 0, 1.0, 0]]

    def run(lib, affine, sample, a, m):
        theta = (a.reshape(2, 60) @ m).reshape(2, 3, 4) + lib.tensor(eye, dtype=a.dtype)
        return sample(a, affine(theta, (2, 1, 2, 3, 4), False), "bilinear", "border", False)

    agree(lambda a, m: run(mg, F.affine_grid, F.grid_sample, a, m),
           lambda a, m: run(torch, TF.affine_grid, TF.grid_sample, a, m), [x, w])


ERRORS = [
    ((1, 1, 2, 2, 2), (1, 2, 2, 2, 3), dict(mode="bicubic"), NotImplementedError,
     "grid_sampler(): bicubic interpolation only supports 4D input, got input of shape (1, 1, 2, 2, 2)"),
    ((1, 1, 2, 2, 2), (1, 2, 2, 2, 2), {}, ValueError,
     "grid_sampler(): expected grid of shape (N, Do, Ho, Wo, 3) with N = 1 for input of shape (1, 1, 2, 2, 2), got "
     "grid of shape (1, 2, 2, 2, 2)"),
    ((2, 1, 2, 2, 2), (1, 2, 2, 2, 3), {}, ValueError, "grid_sampler(): expected grid of shape (N, Do, Ho, Wo, 3) "
                                                       "with N = 2"),
    ((1, 1, 2, 2, 2), (1, 2, 2, 3), {}, ValueError,
     "grid_sampler(): expected 4D or 5D input and grid with same number of dimensions"),
]


@pytest.mark.parametrize("x, grid, kwargs, error, message", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_volumetric_grid_sample_refuses_what_torch_refuses(x, grid, kwargs, error, message):
    with pytest.raises(RuntimeError):
        TF.grid_sample(torch.zeros(x), torch.zeros(grid), align_corners=False, **kwargs)
    with pytest.raises(error, match=re.escape(message)):
        F.grid_sample(mg.zeros(*x), mg.zeros(*grid), align_corners=False, **kwargs)
