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


@pytest.mark.parametrize("d, momentum", [(1, 0.1), (2, None), (3, 0.5)])
def test_batch_norm_trains_on_an_empty_batch_as_torch(d, momentum):
    """torch: an empty output, the running statistics untouched, the batch still counted."""
    shape = (0, 3) + (2, 3, 2)[:d] if d > 1 else (0, 3)
    layers = {}

    def bn(lib, x):
        layers[lib] = getattr(lib.nn, f"BatchNorm{d}d")(3, momentum=momentum, dtype=lib.float64)
        return layers[lib](x)
    y, ty, x, tx = _both(bn, shape)
    assert y.shape == tuple(ty.shape) == shape
    for name, value in layers[torch].state_dict().items():
        np.testing.assert_array_equal(layers[mg].state_dict()[name].numpy(), value.numpy(), err_msg=name)
    y.sum().backward()
    assert x.grad.shape == shape


def test_batch_norm_still_refuses_one_value_per_channel():
    with pytest.raises(ValueError):
        torch.nn.BatchNorm1d(3)(torch.ones(1, 3))
    with pytest.raises(ValueError, match=r"batch_norm: training needs more than 1 value per channel, got input of "
                                         r"shape \(1, 3\)"):
        mg.nn.BatchNorm1d(3)(mg.ones(1, 3))


@pytest.mark.parametrize("track", [False, True])
def test_instance_norm_of_an_empty_batch(track):
    """An empty output as torch's. With running statistics they stay as they were: torch 2.13 writes NaN into
    them (the mean of no instances), a deliberate difference."""
    layer = mg.nn.InstanceNorm2d(3, track_running_stats=track, dtype=mg.float64)
    x = mg.tensor(np.zeros((0, 3, 2, 2)), dtype="float64", requires_grad=True)
    ty = torch.nn.InstanceNorm2d(3, dtype=torch.float64)(torch.zeros(0, 3, 2, 2, dtype=torch.float64))
    y = layer(x)
    assert y.shape == tuple(ty.shape) == (0, 3, 2, 2)
    if track:
        np.testing.assert_array_equal(layer.running_mean.numpy(), np.zeros(3))
        np.testing.assert_array_equal(layer.running_var.numpy(), np.ones(3))
    y.sum().backward()
    assert x.grad.shape == (0, 3, 2, 2)


@pytest.mark.parametrize("d", [2, 3])
@pytest.mark.parametrize("indices", [False, True])
def test_fractional_max_pool_of_an_empty_batch(d, indices):
    """NumPy refused to reshape the empty input into (0, C, 1, -1) when gathering the windows."""
    shape = (0, 2) + (5, 6, 5)[:d]

    def pool(lib, x):
        out = getattr(lib.nn, f"FractionalMaxPool{d}d")(2, output_size=(2,) * d, return_indices=indices)(x)
        return out if indices else (out, None)
    (y, i), (ty, ti), x, tx = _both(pool, shape)
    assert y.shape == tuple(ty.shape) == (0, 2) + (2,) * d and y.dtype == np.float64
    if indices:
        assert i.shape == tuple(ti.shape) and i.dtype == np.int64
    y.sum().backward()
    assert x.grad.shape == shape and x.grad.dtype == np.float64
