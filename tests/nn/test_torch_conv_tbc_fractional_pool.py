"""F.conv_tbc, F.fractional_max_pool2d(_with_indices) and nn.FractionalMaxPool2d against torch: values, indices and
gradients in float64 and float32 (torch's random draws passed in as ``_random_samples``), NaN windows, fresh
draws from minigrad's generator, the layer's buffer and printing, and the argument checks."""
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F
from torch_agreement import TOL, agree

RNG = np.random.default_rng(77)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("t, k, pad", [(5, 3, 0), (5, 3, 1), (5, 3, -1), (4, 1, 2), (6, 2, -2), (2, 3, 1)])
def test_conv_tbc_matches_torch(t, k, pad, dtype):
    x, w, b = RNG.standard_normal((t, 2, 3)), RNG.standard_normal((k, 3, 4)), RNG.standard_normal(4)
    agree(lambda a, c, d: F.conv_tbc(a, c, d, pad), lambda a, c, d: TF.conv_tbc(a, c, d, pad), [x, w, b], dtype,
          None if dtype == "float64" else dict(rtol=2e-5, atol=2e-5))


CONV_TBC_ERRORS = [
    ((4, 3), (3, 3, 4), (4,), 0, "conv_tbc: input must have 3 dims (time, batch, in_channel), got shape (4, 3)"),
    ((4, 2, 3), (3, 2, 4), (4,), 0, "conv_tbc: input of shape (4, 2, 3) has 3 channels but weight (3, 2, 4) "
                                    "expects 2"),
    ((4, 2, 3), (3, 3, 4), (3,), 0, "conv_tbc: bias must have shape (4,)"),
    ((2, 2, 3), (3, 3, 4), (4,), -1, "conv_tbc: input of length 2 with pad=-1 is shorter than the kernel width 3"),
]


@pytest.mark.parametrize("xs, ws, bs, pad, message", CONV_TBC_ERRORS, ids=[str(i) for i in range(len(CONV_TBC_ERRORS))])
def test_conv_tbc_refuses_bad_calls_like_torch(xs, ws, bs, pad, message):
    with pytest.raises(RuntimeError):
        TF.conv_tbc(torch.randn(*xs), torch.randn(*ws), torch.randn(*bs), pad)
    with pytest.raises(ValueError, match=re.escape(message)):
        F.conv_tbc(mg.randn(*xs), mg.randn(*ws), mg.randn(*bs), pad)


POOLS = [  # input shape, kernel_size, output_size / output_ratio
    ((2, 3, 7, 6), 2, dict(output_size=(4, 3))), ((2, 3, 9, 9), 3, dict(output_ratio=(0.5, 0.6))),
    ((3, 5, 8), (2, 3), dict(output_size=(4, 6))), ((1, 2, 5, 5), 2, dict(output_size=1)),
    ((1, 1, 5, 4), 1, dict(output_size=(5, 4))), ((2, 2, 6, 7), (3, 2), dict(output_size=(2, 5))),
    ((2, 4, 10, 10), 2, dict(output_ratio=(0.7, 0.7))),
]


def _fractional_pool_matches_torch(d, shape, kernel, kwargs, dtype):
    # d spatial dims: torch's draws are (N, C, d); a NaN wins its window, the last one as PyTorch's scan
    x = RNG.standard_normal(shape).astype(dtype)
    if dtype == "float32":
        x.flat[[3, 5, 6][:d]] = np.nan
    n = 1 if len(shape) == d + 1 else shape[0]
    draws = torch.rand(n, shape[-d - 1], d, dtype=getattr(torch, dtype))
    xm, xt = mg.tensor(x, dtype=dtype, requires_grad=True), torch.tensor(x, requires_grad=True)
    mg_draws = mg.tensor(draws.numpy(), dtype=dtype)
    name = f"fractional_max_pool{d}d"
    y, index = getattr(F, name)(xm, kernel, return_indices=True, _random_samples=mg_draws, **kwargs)
    ty, tindex = getattr(TF, name)(xt, kernel, return_indices=True, _random_samples=draws, **kwargs)
    assert y.shape == tuple(ty.shape) and y.dtype == np.dtype(dtype) and index.dtype == np.int64
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(index.numpy(), tindex.numpy())
    g = RNG.standard_normal(y.shape).astype(dtype)
    y.backward(mg.tensor(g, dtype=dtype))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), **TOL[dtype])
    _, i2 = getattr(F, name + "_with_indices")(xm, kernel, _random_samples=mg_draws, **kwargs)
    np.testing.assert_array_equal(i2.numpy(), tindex.numpy())


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape, kernel, kwargs", POOLS, ids=[str(i) for i in range(len(POOLS))])
def test_fractional_max_pool2d_matches_torch(shape, kernel, kwargs, dtype):
    _fractional_pool_matches_torch(2, shape, kernel, kwargs, dtype)


def test_a_single_output_ratio_is_read_as_a_pair():
    # torch's layer takes one number, its functional form only a pair (len() of a float fails there); minigrad's
    # functional form takes one too (docs/layers.md)
    x = mg.randn(2, 3, 9, 9, dtype="float64")
    draws = mg.rand(2, 3, 2, dtype="float64")
    one = F.fractional_max_pool2d(x, 2, output_ratio=0.6, _random_samples=draws)
    np.testing.assert_array_equal(one.numpy(), F.fractional_max_pool2d(x, 2, output_ratio=(0.6, 0.6),
                                                                       _random_samples=draws).numpy())
    with pytest.raises(TypeError):
        TF.fractional_max_pool2d(torch.randn(2, 3, 9, 9), 2, output_ratio=0.6)


def test_the_layer_matches_torch_and_keeps_given_draws_as_a_buffer():
    x = RNG.standard_normal((2, 3, 8, 8))
    draws = torch.rand(2, 3, 2, dtype=torch.float64)
    layer = nn.FractionalMaxPool2d((2, 3), output_ratio=(0.5, 0.6), return_indices=True,
                                   _random_samples=mg.tensor(draws.numpy(), dtype="float64"))
    tlayer = torch.nn.FractionalMaxPool2d((2, 3), output_ratio=(0.5, 0.6), return_indices=True,
                                          _random_samples=draws)
    (y, i), (ty, ti) = layer(mg.tensor(x, dtype="float64")), tlayer(torch.tensor(x))
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    assert list(layer.state_dict()) == list(tlayer.state_dict()) == ["_random_samples"]
    assert repr(layer) == repr(tlayer) == "FractionalMaxPool2d()"
    assert list(nn.FractionalMaxPool2d(2, output_size=3).state_dict()) == []


def test_windows_are_drawn_afresh_from_minigrads_generator():
    x = mg.randn(4, 8, 12, 12, dtype="float64")
    layer = nn.FractionalMaxPool2d(2, output_size=7, return_indices=True)
    mg.manual_seed(5)
    first = layer(x)[1].numpy()
    second = layer(x)[1].numpy()
    mg.manual_seed(5)
    again = layer(x)[1].numpy()
    assert not np.array_equal(first, second) and np.array_equal(first, again)
    layer.eval()   # evaluation draws too, as PyTorch's
    assert not np.array_equal(layer(x)[1].numpy(), layer(x)[1].numpy())
    assert F.fractional_max_pool2d(x.astype("float32"), 2, output_size=5).dtype == np.float32


POOL_ERRORS = [
    (lambda lib, f: f.fractional_max_pool2d(lib.randn(1, 1, 6, 6), 2), ValueError,
     "fractional_max_pool2d requires specifying either an output_size or an output_ratio"),
    (lambda lib, f: f.fractional_max_pool2d(lib.randn(1, 1, 6, 6), 2, output_size=6), ValueError,
     "fractional_max_pool2d(): pool height 2 too large relative to input height 6"),
    (lambda lib, f: f.fractional_max_pool2d(lib.randn(1, 1, 6, 6), 2, output_size=3,
                                            _random_samples=lib.rand(1, 1, 3)), ValueError,
     "fractional_max_pool2d: _random_samples must have shape (1, 1, 2) (batch, channels, 2) and the input's dtype "
     "float32, got shape (1, 1, 3)"),
    (lambda lib, f: lib.nn.FractionalMaxPool2d(2), ValueError,
     "FractionalMaxPool2d requires specifying either an output size, or a pooling ratio"),
    (lambda lib, f: lib.nn.FractionalMaxPool2d(2, output_size=3, output_ratio=0.5), ValueError,
     "only one of output_size and output_ratio may be specified"),
    (lambda lib, f: lib.nn.FractionalMaxPool2d(2, output_ratio=1.5), ValueError,
     "output_ratio must be between 0 and 1 (got (1.5, 1.5))"),
]


@pytest.mark.parametrize("call, error, message", POOL_ERRORS, ids=[str(i) for i in range(len(POOL_ERRORS))])
def test_fractional_max_pool_refuses_bad_calls_like_torch(call, error, message):
    with pytest.raises((RuntimeError, ValueError)):
        call(torch, TF)
    with pytest.raises(error, match=re.escape(message)):
        call(mg, F)


POOLS_3D = [  # input shape, kernel_size, output_size / output_ratio
    ((2, 3, 7, 8, 9), 2, dict(output_size=(3, 4, 5))), ((2, 2, 7, 8, 9), (2, 3, 1), dict(output_ratio=(0.5, 0.6, 0.7))),
    ((3, 6, 5, 7), 3, dict(output_size=(3, 2, 4))), ((1, 2, 4, 4, 5), 1, dict(output_size=(3, 3, 4))),
    ((1, 2, 5, 6, 5), 2, dict(output_size=1)),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape, kernel, kwargs", POOLS_3D, ids=[str(i) for i in range(len(POOLS_3D))])
def test_fractional_max_pool3d_matches_torch(shape, kernel, kwargs, dtype):
    # PyTorch's 3-D draws are (N, C, 3): u[0] for the depth, u[2] for the width (the 2-D form reads u[0] as width).
    _fractional_pool_matches_torch(3, shape, kernel, kwargs, dtype)


def test_the_3d_layer_matches_torch_and_refuses_what_torch_refuses():
    x = RNG.standard_normal((2, 3, 6, 7, 8))
    draws = torch.rand(2, 3, 3, dtype=torch.float64)
    layer = nn.FractionalMaxPool3d((2, 3, 2), output_ratio=0.5, return_indices=True,
                                   _random_samples=mg.tensor(draws.numpy(), dtype="float64"))
    tlayer = torch.nn.FractionalMaxPool3d((2, 3, 2), output_ratio=0.5, return_indices=True, _random_samples=draws)
    (y, i), (ty, ti) = layer(mg.tensor(x, dtype="float64")), tlayer(torch.tensor(x))
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    assert list(layer.state_dict()) == list(tlayer.state_dict()) == ["_random_samples"]
    assert repr(layer) == repr(tlayer) == "FractionalMaxPool3d()"
    # torch's 3-D size check is strict (output + kernel - 1 < input), its 2-D one is not
    with pytest.raises(RuntimeError, match="pool height 3 too large relative to input height 8"):
        TF.fractional_max_pool3d(torch.randn(1, 1, 9, 8, 9), 3, output_size=(5, 6, 5))
    with pytest.raises(ValueError, match=re.escape("fractional_max_pool3d(): pool height 3 too large relative to "
                                                   "input height 8 (output height 6)")):
        F.fractional_max_pool3d(mg.randn(1, 1, 9, 8, 9), 3, output_size=(5, 6, 5))
    with pytest.raises(ValueError, match=re.escape("fractional_max_pool3d: _random_samples must have shape "
                                                   "(1, 1, 3) (batch, channels, 3)")):
        F.fractional_max_pool3d(mg.randn(1, 1, 6, 6, 6), 2, output_size=3, _random_samples=mg.rand(1, 1, 2))
    with pytest.raises(ValueError, match=re.escape("fractional_max_pool3d: expected a 4-D (C, D, H, W) or 5-D")):
        F.fractional_max_pool3d(mg.randn(1, 6, 6), 2, output_size=3)
