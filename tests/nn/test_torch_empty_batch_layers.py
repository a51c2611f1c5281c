"""Layers on an empty batch (N = 0) against torch: the output shapes (and indices) torch gives, and empty
gradients, where minigrad used to fail reshaping a size-0 array with -1 (found by test_layer_config_fuzz)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import minigrad as mg  # noqa: E402


def _both(make, shape, *extra):
    x = mg.tensor(np.zeros(shape), dtype="float64", requires_grad=True)
    tx = torch.zeros(shape, dtype=torch.float64, requires_grad=True)
    return make(mg, x, *extra), make(torch, tx, *extra), x, tx


@pytest.mark.parametrize("d, out", [(1, 3), (2, (1, 2)), (3, 2)])
def test_adaptive_max_pool_of_an_empty_batch(d, out):
    shape = (0, 2) + (4, 5, 3)[:d]
    (y, i), (ty, ti), x, tx = _both(lambda lib, x: getattr(lib.nn, f"AdaptiveMaxPool{d}d")(out, return_indices=True)(x),
                                    shape)
    assert y.shape == tuple(ty.shape) and i.shape == tuple(ti.shape) and i.dtype == np.int64
    y.sum().backward()
    assert x.grad.shape == shape


@pytest.mark.parametrize("d", [1, 2, 3])
def test_max_unpool_of_an_empty_batch(d):
    shape = (0, 2) + (4, 6, 4)[:d]

    def unpool(lib, x):
        y, i = getattr(lib.nn, f"MaxPool{d}d")(2, return_indices=True)(x)
        return getattr(lib.nn, f"MaxUnpool{d}d")(2)(y, i)
    y, ty, x, tx = _both(unpool, shape)
    assert y.shape == tuple(ty.shape) == shape
    y.sum().backward()
    assert x.grad.shape == shape


@pytest.mark.parametrize("shape", [(0, 4), (0, 4, 3), (0, 4, 2, 3)])
def test_group_norm_of_an_empty_batch(shape):
    y, ty, x, tx = _both(lambda lib, x: lib.nn.GroupNorm(2, 4, dtype=lib.float64)(x), shape)
    assert y.shape == tuple(ty.shape) == shape
    y.sum().backward()
    assert x.grad.shape == shape
