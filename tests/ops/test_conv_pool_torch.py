"""Convolution, pooling and pad against torch.nn.functional: values and gradients, float64 and float32.

Every registry sample of these ops runs through both libraries with the same
arguments (PyTorch's names and layouts are minigrad's). Bad arguments get one
clear error naming the op and the shapes.
"""
import numpy as np
import pytest
import torch.nn.functional as TF

import minigrad as mg
from op_registry import (ADAPTIVE_SAMPLES, AVG_POOL_SAMPLES, CONV_SAMPLES, CONV_TRANSPOSE_SAMPLES, MAX_POOL_SAMPLES,
                         PAD_SAMPLES)
from torch_agreement import sample_agrees

CASES = ([("conv2d", mg.conv2d, TF.conv2d, s) for s in CONV_SAMPLES]
         + [("conv_transpose2d", mg.conv_transpose2d, TF.conv_transpose2d, s) for s in CONV_TRANSPOSE_SAMPLES]
         + [("max_pool2d", mg.max_pool2d, TF.max_pool2d, s) for s in MAX_POOL_SAMPLES]
         + [("avg_pool2d", mg.avg_pool2d, TF.avg_pool2d, s) for s in AVG_POOL_SAMPLES]
         + [("adaptive_avg_pool2d", mg.adaptive_avg_pool2d, TF.adaptive_avg_pool2d, s) for s in ADAPTIVE_SAMPLES]
         + [("pad", mg.pad, TF.pad, s) for s in PAD_SAMPLES])


@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name,fn,tfn,sample", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_values_and_gradients_match_torch(name, fn, tfn, sample, dtype, device):
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=2e-5, atol=2e-5)
    sample_agrees(fn, tfn, sample, dtype, device, tol)


def test_max_pool_gradient_goes_to_the_first_maximum(device):
    # Every window of a constant image ties: PyTorch and minigrad both pick the first element.
    x = mg.zeros((1, 1, 4, 4), dtype="float64", device=device, requires_grad=True)
    mg.max_pool2d(x, 2).sum().backward()
    expected = np.zeros((4, 4))
    expected[::2, ::2] = 1
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], expected)
    # Overlapping windows: an element that is the maximum of several windows collects them all.
    x = mg.tensor(np.array([[[[0.0, 5, 1], [2, 3, 4], [1, 1, 1]]]]), dtype="float64", device=device,
                  requires_grad=True)
    mg.max_pool2d(x, 2, stride=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[0, 2, 0], [0, 1, 1], [0, 0, 0]])



@pytest.mark.parametrize("dims", [1, 2, 3])
def test_max_pool_a_nan_wins_its_window_and_takes_the_gradient_as_in_torch(dims):
    # PyTorch's kernels: a NaN is the maximum and the LAST NaN of a window is the one recorded (its index, its
    # gradient). minigrad's output was NaN but index and gradient went to the window's first element.
    torch = pytest.importorskip("torch")
    x = np.arange(1.0, 1 + 3 * 4 ** dims).reshape((1, 3) + (4,) * dims)
    x.reshape(-1)[[1, 5, 6, 10, 11]] = np.nan   # windows with one NaN and with two
    fn, tfn = getattr(mg.nn.functional, f"max_pool{dims}d"), getattr(TF, f"max_pool{dims}d")
    g = np.arange(3 * 2 ** dims, dtype=np.float64).reshape((1, 3) + (2,) * dims)
    ours = mg.tensor(x, dtype="float64", requires_grad=True)
    y, index = fn(ours, 2, return_indices=True)
    (y * mg.tensor(g, dtype="float64")).sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    ty, tindex = tfn(theirs, 2, return_indices=True)
    ty.backward(torch.tensor(g))
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(index.numpy(), tindex.numpy())
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


_MINUS_INF_WINDOWS = [
    (1, dict(kernel_size=3, stride=2, padding=1)),
    (2, dict(kernel_size=3, stride=2, padding=1)),
    (2, dict(kernel_size=2, stride=1, padding=1)),
    (2, dict(kernel_size=3, stride=2, padding=1, dilation=2)),
    (2, dict(kernel_size=2, stride=3, ceil_mode=True)),   # the last window runs past the edge
    (3, dict(kernel_size=3, stride=2, padding=(1, 0, 1), ceil_mode=True)),
]


@pytest.mark.parametrize("dims, kwargs", _MINUS_INF_WINDOWS, ids=[str(i) for i in range(len(_MINUS_INF_WINDOWS))])
def test_max_pool_window_of_minus_inf_records_an_input_element_as_torch(dims, kwargs, device):
    # A window whose input elements are all -inf tied with its -inf padding: minigrad recorded the padding (flat
    # indices -5, -3 for a 4x4 image with kernel 3, stride 2, padding 1, where torch gives 0, 1) and the window's
    # gradient was dropped. torch records the window's first element inside the input.
    torch = pytest.importorskip("torch")
    x = np.full((1, 2) + (5,) * dims, -np.inf)
    x[0, 0].reshape(-1)[-1] = 1.0
    x[0, 1].reshape(-1)[::3] = np.arange(1.0, 1 + x[0, 1].reshape(-1)[::3].size)
    fn, tfn = getattr(mg.nn.functional, f"max_pool{dims}d"), getattr(TF, f"max_pool{dims}d")
    ours = mg.tensor(x, dtype="float64", device=device, requires_grad=True)
    y, index = fn(ours, return_indices=True, **kwargs)
    theirs = torch.tensor(x, requires_grad=True)
    ty, tindex = tfn(theirs, return_indices=True, **kwargs)
    g = np.arange(1.0, 1 + y.size).reshape(y.shape)
    y.backward(mg.tensor(g, dtype="float64", device=device))
    ty.backward(torch.tensor(g))
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(index.numpy(), tindex.numpy())
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


@pytest.mark.parametrize("dtype", ["uint8", "int32", "int64"])
@pytest.mark.parametrize("dims, kwargs", [w for w in _MINUS_INF_WINDOWS if w[0] > 1])
def test_max_pool_of_integers_matches_torch_where_the_dtype_minimum_fills_a_window(dims, kwargs, dtype):
    # PyTorch max-pools integer tensors (max_pool2d and max_pool3d, not max_pool1d); the padding reads as the
    # dtype's minimum, and a window of that minimum records its first element inside the input, as with -inf.
    torch = pytest.importorskip("torch")
    low = np.iinfo(dtype).min
    x = np.full((1, 2) + (5,) * dims, low, dtype=dtype)
    x[0, 1].reshape(-1)[::3] = np.arange(1, 1 + x[0, 1].reshape(-1)[::3].size) % 100
    fn, tfn = getattr(mg.nn.functional, f"max_pool{dims}d"), getattr(TF, f"max_pool{dims}d")
    y, index = fn(mg.tensor(x), return_indices=True, **kwargs)
    ty, tindex = tfn(torch.tensor(x), return_indices=True, **kwargs)
    assert y.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    np.testing.assert_array_equal(index.numpy(), tindex.numpy())


# ceil_mode gives a window even where the (dilated) kernel is longer than the padded input: it starts inside the
# input and reads what is there (PyTorch's output size (n + 2p - extent + s - 1) // s + 1 is 1, not 0).
_CEIL_ONLY = [
    ("max_pool1d", (2, 3, 2), dict(kernel_size=3, stride=4, padding=1, dilation=2, ceil_mode=True)),
    ("max_pool2d", (1, 2, 4, 4), dict(kernel_size=(4, 2), stride=(4, 2), dilation=2, ceil_mode=True)),
    ("max_pool3d", (1, 2, 6, 1, 2), dict(kernel_size=(2, 2, 4), stride=(4, 3, 3), padding=(0, 0, 2),
                                         dilation=(3, 2, 2), ceil_mode=True)),
    ("avg_pool1d", (2, 2, 1), dict(kernel_size=3, stride=3, ceil_mode=True)),
    ("avg_pool2d", (2, 1, 5, 1), dict(kernel_size=(3, 2), stride=(3, 4), padding=(1, 0), ceil_mode=True,
                                      divisor_override=4)),
    ("avg_pool2d", (1, 2, 9, 3), dict(kernel_size=4, stride=(3, 2), padding=(2, 0), ceil_mode=True,
                                      count_include_pad=False)),
    ("lp_pool2d", (1, 2, 4, 1), dict(norm_type=2.0, kernel_size=2, ceil_mode=True)),
]


@pytest.mark.parametrize("name, shape, kwargs", _CEIL_ONLY, ids=[c[0] + str(i) for i, c in enumerate(_CEIL_ONLY)])
def test_ceil_mode_windows_longer_than_the_padded_input_as_torch(name, shape, kwargs):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(4).uniform(0.5, 2.0, shape)
    ours = mg.tensor(x, dtype="float64", requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    y, ty = getattr(mg.nn.functional, name)(ours, **kwargs), getattr(TF, name)(theirs, **kwargs)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12, atol=0)
    g = np.arange(1.0, 1 + y.size).reshape(y.shape)
    y.backward(mg.tensor(g, dtype="float64"))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12, atol=0)

def test_float32_stays_float32(device):
    x = mg.randn(2, 3, 6, 6, device=device, requires_grad=True)
    w = mg.randn(4, 3, 3, 3, device=device, requires_grad=True)
    y = mg.max_pool2d(mg.conv2d(x, w, padding=1), 2)
    y = mg.conv_transpose2d(mg.avg_pool2d(y, 1), mg.randn(4, 2, 2, 2, device=device), stride=2)
    y = mg.pad(mg.adaptive_avg_pool2d(y, 3), (1, 1))
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


@pytest.mark.parametrize("call,message", [
    (lambda: mg.conv2d(mg.randn(2, 3, 5, 5), mg.randn(4, 2, 3, 3)),
     "conv2d: input has 3 channels (shape (2, 3, 5, 5)) but weight (4, 2, 3, 3) with groups=1 expects 2"),
    (lambda: mg.conv2d(mg.randn(1, 2, 2, 2), mg.randn(4, 2, 3, 3)),
     "conv2d: the kernel (3 with dilation 1) is larger than the padded input along H (2 + padding 0 = 2)"),
    (lambda: mg.conv2d(mg.randn(1, 4, 5, 5), mg.randn(3, 2, 3, 3), groups=2),
     "conv2d: groups=2 must divide both in_channels=4 and out_channels=3"),
    (lambda: mg.conv2d(mg.randn(1, 2, 3, 5, 5), mg.randn(3, 2, 3, 3)),
     "conv2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape (1, 2, 3, 5, 5)"),
    (lambda: mg.conv2d(mg.randn(1, 2, 5, 5), mg.randn(3, 2, 3, 3).astype("float64")),
     "conv2d: input, weight and bias must share one floating dtype, got input float32, weight float64"),
    (lambda: mg.conv2d(mg.randn(1, 2, 5, 5), mg.randn(3, 2, 3, 3), mg.randn(4)),
     "conv2d: bias must have shape (3,)"),
    (lambda: mg.conv2d(mg.randn(1, 2, 5, 5), mg.randn(3, 2, 3, 3), stride=2, padding="same"),
     "conv2d: padding='same' needs stride 1"),
    (lambda: mg.conv_transpose2d(mg.randn(1, 2, 3, 3), mg.randn(3, 2, 3, 3)),
     "conv_transpose2d: input has 2 channels (shape (1, 2, 3, 3)) but weight (3, 2, 3, 3) expects 3"),
    (lambda: mg.conv_transpose2d(mg.randn(1, 2, 3, 3), mg.randn(2, 2, 3, 3), stride=2, output_padding=2),
     "conv_transpose2d: output_padding (2, 2) must be non-negative and smaller than the stride (2, 2)"),
    (lambda: mg.max_pool2d(mg.randn(1, 2, 2, 2), 3),
     "max_pool2d: the kernel ((3, 3), dilation (1, 1)) is larger than the padded input (1, 2, 2, 2)"),
    (lambda: mg.max_pool2d(mg.randn(1, 2, 6, 6), 2, padding=2),
     "max_pool2d: padding (2, 2) must be between 0 and half the kernel size (2, 2)"),
    (lambda: mg.max_pool2d(mg.randn(1, 1, 2, 2, 2), 2),
     "max_pool2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape (1, 1, 2, 2, 2)"),
    (lambda: mg.avg_pool2d(mg.randn(1, 1, 2, 2), 5, padding=1),
     "avg_pool2d: the kernel ((5, 5), dilation (1, 1)) is larger than the padded input (1, 1, 2, 2) with padding (1, 1)"),
    (lambda: mg.pad(mg.randn(2, 2), (1, -4)), "pad: widths (1, -4) would crop more than the input holds (shape (2, 2))"),
    (lambda: mg.pad(mg.randn(2), (1, 1, 1, 1)), "pad: expected an even number of ints, at most 2 per axis"),
])
def test_bad_arguments_get_one_clear_error(call, message):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert message in str(info.value)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_a_weight_with_no_output_channels_is_one_clear_error_as_torch(d):
    """It used to give an empty output whose backward then failed in NumPy's reshape(-1, 0)."""
    import torch
    shape = (0, 3) + (1,) * d
    with pytest.raises(RuntimeError, match="expected weight to be at least 1 at dimension 0"):
        getattr(TF, f"conv{d}d")(torch.ones((2, 3) + (4,) * d), torch.ones(shape))
    with pytest.raises(ValueError, match=rf"^conv{d}d: weight of shape \(0, 3(, 1)+\) has no output channels$"):
        getattr(mg.nn.functional, f"conv{d}d")(mg.ones(2, 3, *(4,) * d), mg.ones(*shape))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name, shape, size", [
    ("adaptive_avg_pool1d", (2, 3, 7), 3), ("adaptive_avg_pool1d", (2, 3, 6), 3),
    ("adaptive_avg_pool2d", (2, 3, 5, 7), (2, 3)), ("adaptive_avg_pool2d", (2, 3, 6, 6), (3, 1)),
    ("adaptive_avg_pool3d", (1, 2, 4, 5, 6), (3, 2, 4))])
def test_adaptive_average_pooling_keeps_inf_and_nan_in_their_windows(name, shape, size, dtype):
    # an averaging-matrix product spread them along the row (0 * inf is NaN): [0, inf, 0, 0, 0, 0] to 3 gave
    # [inf, nan, nan], torch [inf, 0, 0]
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(4).standard_normal(shape).astype(dtype)
    x.flat[1], x.flat[x.size // 2], x.flat[-1] = np.inf, np.nan, -np.inf
    xm, xt = mg.tensor(x, dtype=dtype, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = getattr(mg.nn.functional, name)(xm, size), getattr(TF, name)(xt, size)
    assert y.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(np.isfinite(y.numpy()), np.isfinite(ty.detach().numpy()))
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=2e-6, atol=2e-6, equal_nan=True)
    g = np.random.default_rng(5).standard_normal(y.shape).astype(dtype)
    y.backward(mg.tensor(g, dtype=dtype))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=2e-6, atol=2e-6)
    area = mg.nn.functional.interpolate(mg.tensor(x, dtype=dtype), size=size, mode="area")
    np.testing.assert_array_equal(np.isfinite(area.numpy()), np.isfinite(ty.detach().numpy()))


@pytest.mark.parametrize("shape, size", [((2, 2, 5, 7), (2, 3)), ((2, 2, 3, 4), (5, 6)), ((1, 2, 4, 6), (2, 3))])
def test_adaptive_average_pooling_derivatives_to_second_order(shape, size):
    x = mg.tensor(np.random.default_rng(6).standard_normal(shape), dtype="float64", requires_grad=True)
    assert mg.autograd.gradcheck(lambda t: mg.adaptive_avg_pool2d(t, size), (x,))
    assert mg.autograd.gradgradcheck(lambda t: mg.adaptive_avg_pool2d(t, size), (x,))
    v = mg.tensor(np.random.default_rng(7).standard_normal((1, 2, 3, 5, 4)), dtype="float64", requires_grad=True)
    assert mg.autograd.gradgradcheck(lambda t: mg.nn.functional.adaptive_avg_pool3d(t, (2, 4, 3)), (v,))


@pytest.mark.parametrize("name, shape, size", [("adaptive_avg_pool2d", (1, 1, 32, 32), 1),
                                               ("adaptive_avg_pool1d", (1, 1, 64), 2),
                                               ("adaptive_avg_pool1d", (1, 1, 63), 5)])
def test_float16_adaptive_average_pooling_sums_its_windows_in_float32_as_torch(name, shape, size):
    # a window of 32 x 32 entries of 3000 sums past float16's 65504: summed in float16 the mean was inf
    torch = pytest.importorskip("torch")
    x = np.full(shape, 3000, np.float16)
    got = getattr(mg.nn.functional, name)(mg.tensor(x, dtype=mg.float16), size)
    expected = getattr(TF, name)(torch.tensor(x), size)
    assert got.dtype == np.float16
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


@pytest.mark.parametrize("call,message", [
    (lambda: mg.conv2d(mg.randn(2, 28, 28), mg.randn(8, 1, 3, 3)),
     "conv2d: input has 2 channels (shape (2, 28, 28)) but weight (8, 1, 3, 3) with groups=1 expects 1; a 3-D input "
     "is one unbatched sample, its axis 0 the channels: for a batch of 2 samples pass shape (2, 1, 28, 28) "
     "(x.unsqueeze(1))"),
    (lambda: mg.conv2d(mg.randn(4, 5, 5), mg.randn(8, 3, 3, 3)),
     "conv2d: input has 4 channels (shape (4, 5, 5)) but weight (8, 3, 3, 3) with groups=1 expects 3; a 3-D input "
     "is one unbatched sample, its axis 0 the channels: for a batch of 4 samples pass shape (4, 3, 5, 5)"),
    (lambda: mg.nn.functional.conv1d(mg.randn(5, 20), mg.randn(4, 1, 3)),
     "conv1d: input has 5 channels (shape (5, 20)) but weight (4, 1, 3) with groups=1 expects 1; a 2-D input is one "
     "unbatched sample, its axis 0 the channels: for a batch of 5 samples pass shape (5, 1, 20) (x.unsqueeze(1))"),
    (lambda: mg.conv_transpose2d(mg.randn(2, 7, 7), mg.randn(1, 4, 3, 3)),
     "conv_transpose2d: input has 2 channels (shape (2, 7, 7)) but weight (1, 4, 3, 3) expects 1; a 3-D input is one "
     "unbatched sample, its axis 0 the channels: for a batch of 2 samples pass shape (2, 1, 7, 7) (x.unsqueeze(1))"),
])
def test_a_batch_of_grey_images_without_a_channel_axis_is_named_as_given(call, message):
    """MNIST's (N, 28, 28) batch handed to Conv2d(1, ...) is read as one image of N channels, as in torch; the error
    used to name the shape (1, N, 28, 28) the op made of it, which the caller never passed, and not say why."""
    with pytest.raises(ValueError) as info:
        call()
    assert str(info.value) == message
