"""F.pad's reflect/replicate/circular modes, the padding layers, pixel and channel shuffles, ConvTranspose1d and the
adaptive pools against torch: values, input and weight gradients in float64 and float32, second derivatives,
returned indices, state-dict names with torch weights loaded through from_torch, printing and the argument checks."""
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F
from op_registry import REGISTRY
from torch_agreement import TOL, layer_agrees, sample_agrees

# ---------------------------------------------------------------- the registry's samples of the functional forms
_TORCH = {"pad": TF.pad, "pixel_shuffle": TF.pixel_shuffle, "pixel_unshuffle": TF.pixel_unshuffle,
          "channel_shuffle": TF.channel_shuffle, "conv_transpose1d": TF.conv_transpose1d,
          "adaptive_avg_pool1d": TF.adaptive_avg_pool1d, "adaptive_max_pool1d": TF.adaptive_max_pool1d,
          "adaptive_max_pool2d": TF.adaptive_max_pool2d}
CASES = [(info.name, getattr(F, name), tfn, sample) for name, tfn in _TORCH.items() for info in REGISTRY
         if info.name.split("(")[0] == f"nn.functional.{name}" and (name != "pad" or "constant" not in info.name)
         for sample in info.samples]
F32 = dict(rtol=2e-5, atol=2e-5)   # float32: sums of a few products of order-1 values


def test_every_function_compared_here_has_registry_samples():
    assert {c[1].__name__ for c in CASES} == set(_TORCH) and len(CASES) >= 20


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name,fn,tfn,sample", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_functions_match_torch_values_and_gradients(name, fn, tfn, sample, dtype, device):
    sample_agrees(fn, tfn, sample, dtype, device, TOL[dtype] if dtype == "float64" else F32)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_modes_second_derivatives_match_torch(mode):
    x = np.random.default_rng(1).standard_normal((2, 2, 3, 4))
    pads = (2, 1, 0, 2) if mode != "circular" else (4, 1, 3, 2)
    xm, xt = mg.tensor(x, dtype="float64", requires_grad=True), torch.tensor(x, requires_grad=True)
    (gm,) = mg.grad((F.pad(xm, pads, mode=mode) ** 3).sum(), [xm], create_graph=True)
    (gt,) = torch.autograd.grad((TF.pad(xt, pads, mode=mode) ** 3).sum(), [xt], create_graph=True)
    (hm,) = mg.grad((gm * gm).sum(), [xm])
    (ht,) = torch.autograd.grad((gt * gt).sum(), [xt])
    np.testing.assert_allclose(gm.numpy(), gt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(hm.numpy(), ht.numpy(), rtol=1e-12)


def test_pad_mode_values_on_a_small_row_and_integer_input():
    x = mg.tensor(np.arange(4.0).reshape(1, 4))
    assert F.pad(x, (2, 2), "reflect").numpy().tolist() == [[2, 1, 0, 1, 2, 3, 2, 1]]
    assert F.pad(x, (2, 1), "replicate").numpy().tolist() == [[0, 0, 0, 1, 2, 3, 3]]
    assert F.pad(x, (4, 2), "circular").numpy().tolist() == [[0, 1, 2, 3, 0, 1, 2, 3, 0, 1]]
    ints = mg.tensor(np.arange(6).reshape(1, 2, 3))
    y = F.pad(ints, (1, 1), mode="reflect")
    assert y.dtype == np.int64 and np.array_equal(y.numpy(), TF.pad(torch.arange(6).reshape(1, 2, 3), (1, 1),
                                                                    mode="reflect").numpy())
    assert F.pad(mg.randn(2, 3), (1, 1), "reflect", value=0).shape == (2, 5)   # 0 is accepted, as in torch


def test_adaptive_max_pool_indices_ties_and_nans_match_torch():
    rng = np.random.default_rng(2)
    x = rng.integers(0, 3, (2, 3, 7, 5)).astype(np.float64)   # many ties: the first maximum wins
    x[0, 0, 1, 1] = np.nan
    x[1, 2, 4, :] = np.nan
    for size in [(3, 2), 1, (7, 5), (4, None), (2, 4)]:
        y, i = F.adaptive_max_pool2d(mg.tensor(x, dtype="float64"), size, return_indices=True)
        ty, ti = TF.adaptive_max_pool2d(torch.tensor(x), size, return_indices=True)
        np.testing.assert_array_equal(y.numpy(), ty.numpy())
        assert i.dtype == np.int64 and np.array_equal(i.numpy(), ti.numpy())
    y, i = nn.AdaptiveMaxPool1d(3, return_indices=True)(mg.tensor(x[0, :, 1], dtype="float64"))
    ty, ti = torch.nn.AdaptiveMaxPool1d(3, return_indices=True)(torch.tensor(x[0, :, 1]))
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    assert np.array_equal(i.numpy(), ti.numpy())


def test_adaptive_max_pool_second_derivative_matches_torch():
    x = np.random.default_rng(3).standard_normal((2, 2, 5, 7))
    xm, xt = mg.tensor(x, dtype="float64", requires_grad=True), torch.tensor(x, requires_grad=True)
    (gm,) = mg.grad((F.adaptive_max_pool2d(xm, (2, 3)) ** 2).sum(), [xm], create_graph=True)
    (gt,) = torch.autograd.grad((TF.adaptive_max_pool2d(xt, (2, 3)) ** 2).sum(), [xt], create_graph=True)
    (hm,) = mg.grad((gm * xm).sum(), [xm])
    (ht,) = torch.autograd.grad((gt * xt).sum(), [xt])
    np.testing.assert_allclose(gm.numpy(), gt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(hm.numpy(), ht.numpy(), rtol=1e-12)


def test_conv_transpose1d_second_derivatives_match_torch():
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((2, 4, 5)), rng.standard_normal((4, 3, 3))
    args = dict(stride=2, padding=1, output_padding=1, groups=1, dilation=2)
    xm, wm = (mg.tensor(a, dtype="float64", requires_grad=True) for a in (x, w))
    xt, wt = (torch.tensor(a, requires_grad=True) for a in (x, w))
    gm = mg.grad((F.conv_transpose1d(xm, wm, **args) ** 2).sum(), [xm, wm], create_graph=True)
    gt = torch.autograd.grad((TF.conv_transpose1d(xt, wt, **args) ** 2).sum(), [xt, wt], create_graph=True)
    hm = mg.grad(sum((g * g).sum() for g in gm), [xm, wm])
    ht = torch.autograd.grad(sum((g * g).sum() for g in gt), [xt, wt])
    for a, b in list(zip(gm, gt)) + list(zip(hm, ht)):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-9, atol=1e-11)


# ---------------------------------------------------------------- layers (with torch's weights where they have any)
LAYERS = [  # (id, minigrad layer, torch layer, input shape)
    ("ReflectionPad1d", lambda d: nn.ReflectionPad1d((3, 1)), lambda: torch.nn.ReflectionPad1d((3, 1)), (2, 3, 5)),
    ("ReflectionPad2d", lambda d: nn.ReflectionPad2d(2), lambda: torch.nn.ReflectionPad2d(2), (2, 3, 4, 5)),
    ("ReflectionPad2d(unbatched)", lambda d: nn.ReflectionPad2d((0, 1, 2, 3)),
     lambda: torch.nn.ReflectionPad2d((0, 1, 2, 3)), (3, 4, 5)),
    ("ReplicationPad1d", lambda d: nn.ReplicationPad1d((4, 0)), lambda: torch.nn.ReplicationPad1d((4, 0)), (3, 2)),
    ("ReplicationPad2d", lambda d: nn.ReplicationPad2d((1, 2, 3, 4)), lambda: torch.nn.ReplicationPad2d((1, 2, 3, 4)),
     (2, 2, 3, 3)),
    ("CircularPad1d", lambda d: nn.CircularPad1d(3), lambda: torch.nn.CircularPad1d(3), (2, 2, 3)),
    ("CircularPad2d", lambda d: nn.CircularPad2d((1, 0, 2, 3)), lambda: torch.nn.CircularPad2d((1, 0, 2, 3)),
     (1, 2, 3, 4)),
    ("ConstantPad1d", lambda d: nn.ConstantPad1d((2, 1), 3.5), lambda: torch.nn.ConstantPad1d((2, 1), 3.5), (4,)),
    ("ConstantPad2d", lambda d: nn.ConstantPad2d(1, -2.0), lambda: torch.nn.ConstantPad2d(1, -2.0), (2, 2, 3, 2, 3)),
    ("ZeroPad1d", lambda d: nn.ZeroPad1d((0, 3)), lambda: torch.nn.ZeroPad1d((0, 3)), (2, 3, 4)),
    ("PixelShuffle", lambda d: nn.PixelShuffle(3), lambda: torch.nn.PixelShuffle(3), (2, 18, 2, 3)),
    ("PixelUnshuffle", lambda d: nn.PixelUnshuffle(2), lambda: torch.nn.PixelUnshuffle(2), (3, 4, 6)),
    ("ChannelShuffle", lambda d: nn.ChannelShuffle(2), lambda: torch.nn.ChannelShuffle(2), (2, 6, 3, 2)),
    ("ConvTranspose1d", lambda d: nn.ConvTranspose1d(3, 4, 3, dtype=d), lambda: torch.nn.ConvTranspose1d(3, 4, 3),
     (2, 3, 6)),
    ("ConvTranspose1d(stride, padding, output_padding, groups, dilation)",
     lambda d: nn.ConvTranspose1d(4, 6, 3, stride=3, padding=2, output_padding=1, groups=2, dilation=2, dtype=d),
     lambda: torch.nn.ConvTranspose1d(4, 6, 3, stride=3, padding=2, output_padding=1, groups=2, dilation=2), (2, 4, 5)),
    ("ConvTranspose1d(unbatched, no bias)", lambda d: nn.ConvTranspose1d(2, 3, (2,), bias=False, dtype=d),
     lambda: torch.nn.ConvTranspose1d(2, 3, (2,), bias=False), (2, 7)),
    ("AdaptiveAvgPool1d", lambda d: nn.AdaptiveAvgPool1d(4), lambda: torch.nn.AdaptiveAvgPool1d(4), (2, 3, 9)),
    ("AdaptiveMaxPool1d", lambda d: nn.AdaptiveMaxPool1d(3), lambda: torch.nn.AdaptiveMaxPool1d(3), (3, 8)),
    ("AdaptiveMaxPool2d", lambda d: nn.AdaptiveMaxPool2d((3, None)), lambda: torch.nn.AdaptiveMaxPool2d((3, None)),
     (2, 2, 7, 4)),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name, make, make_torch, shape", LAYERS, ids=[c[0] for c in LAYERS])
def test_layers_match_torch_with_torch_weights(name, make, make_torch, shape, dtype):
    layer_agrees(make, make_torch, shape, dtype, TOL[dtype] if dtype == "float64" else dict(rtol=1e-4, atol=1e-5))


def test_layers_keep_torch_s_attributes_layouts_and_printing():
    pairs = [(nn.ReflectionPad2d(1), torch.nn.ReflectionPad2d(1)), (nn.ReplicationPad1d((1, 2)),
             torch.nn.ReplicationPad1d((1, 2))), (nn.CircularPad2d(2), torch.nn.CircularPad2d(2)),
             (nn.ConstantPad2d((1, 2, 3, 4), 2), torch.nn.ConstantPad2d((1, 2, 3, 4), 2)),
             (nn.ConstantPad1d(1, 0.5), torch.nn.ConstantPad1d(1, 0.5)), (nn.ZeroPad1d(2), torch.nn.ZeroPad1d(2)),
             (nn.PixelShuffle(2), torch.nn.PixelShuffle(2)), (nn.PixelUnshuffle(3), torch.nn.PixelUnshuffle(3)),
             (nn.ChannelShuffle(2), torch.nn.ChannelShuffle(2)), (nn.AdaptiveAvgPool1d(3), torch.nn.AdaptiveAvgPool1d(3)),
             (nn.AdaptiveMaxPool1d(2), torch.nn.AdaptiveMaxPool1d(2)),
             (nn.AdaptiveMaxPool2d((2, None)), torch.nn.AdaptiveMaxPool2d((2, None)))]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        assert ours.state_dict() == {}
    assert nn.ReflectionPad1d(2).padding == torch.nn.ReflectionPad1d(2).padding == (2, 2)
    assert nn.ZeroPad1d(1).value == torch.nn.ZeroPad1d(1).value == 0.0
    conv, tconv = nn.ConvTranspose1d(4, 6, 3, groups=2), torch.nn.ConvTranspose1d(4, 6, 3, groups=2)
    assert conv.weight.shape == tuple(tconv.weight.shape) == (4, 3, 3) and conv.bias.shape == (6,)
    assert conv.weight.dtype == np.float32
    assert np.abs(conv.weight.numpy()).max() <= 1 / np.sqrt(3 * 3)   # U(+-1/sqrt(fan_in)), fan_in = out/groups * k
    assert (conv.kernel_size, conv.stride, conv.padding, conv.output_padding, conv.dilation) == \
        (tconv.kernel_size, tconv.stride, tconv.padding, tconv.output_padding, tconv.dilation)
    assert repr(nn.ConvTranspose1d(2, 3, 5, stride=2, output_padding=1, bias=False)).startswith(
        "ConvTranspose1d(2, 3, kernel_size=(5,), stride=(2,), output_padding=(1,), bias=False)")


def test_conv_transpose_functions_take_torch_s_argument_order():
    # (input, weight, bias, stride, padding, output_padding, groups, dilation), as torch's: groups before dilation.
    rng = np.random.default_rng(6)
    x, w, b = rng.standard_normal((1, 4, 5, 5)), rng.standard_normal((4, 1, 3, 3)), rng.standard_normal(2)
    y = F.conv_transpose2d(*(mg.tensor(a, dtype="float64") for a in (x, w, b)), 2, 1, 1, 2, 3)
    ty = TF.conv_transpose2d(*(torch.tensor(a) for a in (x, w, b)), 2, 1, 1, 2, 3)
    np.testing.assert_allclose(y.numpy(), ty.numpy(), **TOL["float64"])
    y = F.conv_transpose1d(*(mg.tensor(a[..., 0], dtype="float64") for a in (x, w)), None, 2, 1, 1, 2, 3)
    ty = TF.conv_transpose1d(*(torch.tensor(a[..., 0]) for a in (x, w)), None, 2, 1, 1, 2, 3)
    np.testing.assert_allclose(y.numpy(), ty.numpy(), **TOL["float64"])


def test_float32_stays_float32():
    x = mg.randn(2, 4, 6, 6).requires_grad_()
    for y in (F.pad(x, (1, 2, 3, 0), mode="reflect"), F.pad(x[0], (1, 1), "circular"), F.pixel_shuffle(x, 2),
              F.pixel_unshuffle(x, 2), F.channel_shuffle(x, 2), F.adaptive_max_pool2d(x, 4),
              F.adaptive_avg_pool1d(x[0], 4), nn.ConvTranspose1d(6, 2, 3)(x[0])):
        assert y.dtype == np.float32
        y.sum().backward()
    assert x.grad.dtype == np.float32


# ---------------------------------------------------------------- argument checks: torch refuses them too
ERRORS = [  # (minigrad call, torch call, minigrad's message)
    (lambda: F.pad(mg.randn(5), (1, 1), mode="reflect"), lambda: TF.pad(torch.randn(5), (1, 1), mode="reflect"),
     "pad: mode='reflect' pads 1, 2 or 3 trailing axes of an input with one or two more axes"),
    (lambda: F.pad(mg.randn(1, 2, 3, 5), (1, 1), mode="replicate"),
     lambda: TF.pad(torch.randn(1, 2, 3, 5), (1, 1), mode="replicate"), "got 2 widths (1, 1) for a 4-D input"),
    (lambda: F.pad(mg.randn(3, 5), (1, 1, 1, 1), mode="circular"),
     lambda: TF.pad(torch.randn(3, 5), (1, 1, 1, 1), mode="circular"), "got 4 widths (1, 1, 1, 1) for a 2-D input"),
    (lambda: F.pad(mg.randn(2, 3, 5), (5, 1), mode="reflect"),
     lambda: TF.pad(torch.randn(2, 3, 5), (5, 1), mode="reflect"),
     "pad: mode='reflect' needs widths smaller than the axis size"),
    (lambda: F.pad(mg.randn(2, 3, 5), (1, 6), mode="circular"),
     lambda: TF.pad(torch.randn(2, 3, 5), (1, 6), mode="circular"), "widths (1, 6) for axis 2 of size 5"),
    (lambda: F.pad(mg.randn(2, 0, 5), (1, 1), mode="replicate"),
     lambda: TF.pad(torch.randn(2, 0, 5), (1, 1), mode="replicate"), "needs non-empty axes (all but a batch axis)"),
    (lambda: F.pad(mg.randn(2, 3, 5), (1, 1), mode="reflect", value=2.0),
     lambda: TF.pad(torch.randn(2, 3, 5), (1, 1), mode="reflect", value=2.0), "pad: mode='reflect' takes no value"),
    (lambda: F.pad(mg.randn(2, 3, 5), (1, 1), mode="bogus"),
     lambda: TF.pad(torch.randn(2, 3, 5), (1, 1), mode="bogus"),
     "pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got mode='bogus'"),
    (lambda: F.pad(mg.randn(2, 3, 5), (1,), mode="reflect"), lambda: TF.pad(torch.randn(2, 3, 5), (1,), "reflect"),
     "pad: expected an even number of ints"),
    (lambda: nn.CircularPad1d(1)(mg.randn(5)), lambda: torch.nn.CircularPad1d(1)(torch.randn(5)),
     "CircularPad1d: expected a 2-D or 3-D input ((C, L) or (N, C, L)), got shape (5,)"),
    (lambda: nn.ReflectionPad2d(1)(mg.randn(2, 2, 2, 3, 3)), lambda: torch.nn.ReflectionPad2d(1)(
        torch.randn(2, 2, 2, 3, 3)), "ReflectionPad2d: expected a 3-D or 4-D input"),
    (lambda: nn.ConstantPad2d(1, 0.0)(mg.randn(5)), lambda: torch.nn.ConstantPad2d(1, 0.0)(torch.randn(5)),
     "ConstantPad2d: expected an input with at least 2 axes, got shape (5,)"),
    (lambda: F.pixel_shuffle(mg.randn(8, 3), 2), lambda: TF.pixel_shuffle(torch.randn(8, 3), 2),
     "pixel_shuffle: expected an input with at least 3 axes (*, C, H, W), got shape (8, 3)"),
    (lambda: F.pixel_shuffle(mg.randn(6, 3, 3), 2), lambda: TF.pixel_shuffle(torch.randn(6, 3, 3), 2),
     "pixel_shuffle: the channel axis (6, input shape (6, 3, 3)) must be divisible by upscale_factor ** 2 = 4"),
    (lambda: F.pixel_shuffle(mg.randn(8, 3, 3), 0), lambda: TF.pixel_shuffle(torch.randn(8, 3, 3), 0),
     "pixel_shuffle: upscale_factor must be a positive integer, got 0"),
    (lambda: F.pixel_unshuffle(mg.randn(2, 3, 5), 2), lambda: TF.pixel_unshuffle(torch.randn(2, 3, 5), 2),
     "pixel_unshuffle: height and width (3, 5; input shape (2, 3, 5)) must be divisible by downscale_factor=2"),
    (lambda: F.channel_shuffle(mg.randn(2, 6, 3), 4), lambda: TF.channel_shuffle(torch.randn(2, 6, 3), 4),
     "channel_shuffle: the 6 channels (input shape (2, 6, 3)) must be divisible by groups=4"),
    (lambda: F.channel_shuffle(mg.randn(2, 6), 3), lambda: TF.channel_shuffle(torch.randn(2, 6), 3),
     "channel_shuffle: expected an input with more than 2 axes (N, C, *), got shape (2, 6)"),
    (lambda: F.channel_shuffle(mg.randn(2, 6, 3), 0), lambda: TF.channel_shuffle(torch.randn(2, 6, 3), 0),
     "channel_shuffle: groups must be a positive integer, got 0"),
    (lambda: F.conv_transpose1d(mg.randn(2, 3, 5), mg.randn(4, 2, 3)),
     lambda: TF.conv_transpose1d(torch.randn(2, 3, 5), torch.randn(4, 2, 3)),
     "conv_transpose1d: input has 3 channels (shape (2, 3, 5)) but weight (4, 2, 3) expects 4"),
    (lambda: F.conv_transpose1d(mg.randn(2, 4, 5), mg.randn(4, 2, 3), mg.randn(3)),
     lambda: TF.conv_transpose1d(torch.randn(2, 4, 5), torch.randn(4, 2, 3), torch.randn(3)),
     "conv_transpose1d: bias must have shape (2,) for weight (4, 2, 3) and groups=1, got (3,)"),
    (lambda: F.conv_transpose1d(mg.randn(2, 4, 5), mg.randn(4, 2, 3, 1)),
     lambda: TF.conv_transpose1d(torch.randn(2, 4, 5), torch.randn(4, 2, 3, 1)),
     "conv_transpose1d: expected a 3-D (in_channels, out_channels/groups, k) weight, got shape (4, 2, 3, 1)"),
    (lambda: F.conv_transpose1d(mg.randn(2, 4, 5), mg.randn(4, 2, 3), stride=2, output_padding=2),
     lambda: TF.conv_transpose1d(torch.randn(2, 4, 5), torch.randn(4, 2, 3), stride=2, output_padding=2),
     "conv_transpose1d: output_padding 2 must be non-negative and smaller than the stride 2"),
    (lambda: F.adaptive_max_pool2d(mg.randn(2, 5), 2), lambda: TF.adaptive_max_pool2d(torch.randn(2, 5), 2),
     "adaptive_max_pool2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape (2, 5)"),
    (lambda: F.adaptive_max_pool1d(mg.randn(2, 0), 2), lambda: TF.adaptive_max_pool1d(torch.randn(2, 0), 2),
     "adaptive_max_pool1d: the pooled axes must be non-empty, got shape (2, 0)"),
    (lambda: F.adaptive_avg_pool1d(mg.randn(2, 2, 2, 5), 2), lambda: TF.adaptive_avg_pool1d(torch.randn(2, 2, 2, 5), 2),
     "adaptive_avg_pool1d: expected a 2-D (C, L) or 3-D (N, C, L) input, got shape (2, 2, 2, 5)"),
    # a value the dtype cannot hold was cast silently (-1 padded uint8 with 255, 1e6 float16 with inf)
    (lambda: F.pad(mg.tensor(np.ones((2, 3), np.uint8)), (1, 1), value=-1),
     lambda: TF.pad(torch.ones(2, 3, dtype=torch.uint8), (1, 1), value=-1),
     "pad: value=-1 cannot be converted to the input's dtype uint8 without overflow (its range is [0, 255])"),
    (lambda: F.pad(mg.tensor(np.ones((2, 3), np.int8)), (1, 1), value=127.5),
     lambda: TF.pad(torch.ones(2, 3, dtype=torch.int8), (1, 1), value=127.5),
     "pad: value=127.5 cannot be converted to the input's dtype int8 without overflow (its range is [-128, 127])"),
    (lambda: nn.ConstantPad1d(2, float("nan"))(mg.tensor(np.ones((2, 3), np.int64))),
     lambda: torch.nn.ConstantPad1d(2, float("nan"))(torch.ones(2, 3, dtype=torch.int64)),
     "pad: value=nan cannot be converted to the input's dtype int64 without overflow"),
    (lambda: F.pad(mg.ones(2, 3, dtype="float16"), (1, 1), value=1e6),
     lambda: TF.pad(torch.ones(2, 3, dtype=torch.float16), (1, 1), value=1e6),
     "pad: value=1000000.0 cannot be converted to the input's dtype float16 without overflow"),
]


@pytest.mark.parametrize("ours, theirs, message", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_bad_calls_are_refused_like_torch(ours, theirs, message):
    with pytest.raises((RuntimeError, ValueError, NotImplementedError, TypeError, IndexError)):
        theirs()
    with pytest.raises((ValueError, TypeError)) as info:
        ours()
    if message:
        assert message in str(info.value)


@pytest.mark.parametrize("make, message", [
    (lambda: nn.ReflectionPad1d((1, 2, 3)), "ReflectionPad1d: padding must be an integer or a 2-tuple"),
    (lambda: nn.ReplicationPad2d((1, 2)), "ReplicationPad2d: padding must be an integer or a 4-tuple of "
                                          "them (left, right, top, bottom)"),
    (lambda: nn.CircularPad1d(1.5), "CircularPad1d: padding must be an integer or a 2-tuple of them (left, right), got 1.5"),
    (lambda: nn.ConstantPad1d(1, "a"), "ConstantPad1d: value must be a real number, got 'a'"),
    (lambda: nn.PixelShuffle(0), "PixelShuffle: upscale_factor must be a positive integer, got 0"),
    (lambda: nn.ChannelShuffle(1.5), "ChannelShuffle: groups must be a positive integer, got 1.5"),
    (lambda: nn.AdaptiveMaxPool2d((2, 0)), "AdaptiveMaxPool2d: output_size must be a positive integer or a pair"),
    (lambda: nn.AdaptiveAvgPool1d(None), "AdaptiveAvgPool1d: output_size must be a positive integer"),
    (lambda: nn.ConvTranspose1d(2, 2, 3, stride=2, output_padding=2), "ConvTranspose1d: output_padding (2,) must be"),
    (lambda: nn.ConvTranspose1d(2, 2, 3, padding="same"), "ConvTranspose1d: padding must be a non-negative integer"),
])
def test_bad_layer_arguments_are_one_clear_error(make, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make()


def test_an_output_size_of_zero_which_torch_reads_as_empty_is_refused():
    # A documented difference (docs/layers.md): torch returns an empty result; minigrad refuses the size.
    assert TF.adaptive_max_pool1d(torch.randn(2, 5), 0).shape == (2, 0)
    with pytest.raises(ValueError, match="adaptive_max_pool1d: output_size must be a positive int, got 0"):
        F.adaptive_max_pool1d(mg.randn(2, 5), 0)



@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_widths_may_be_numpy_integers_as_torch_takes_them(mode):
    # Widths computed with NumPy (np.int64 from shapes or arithmetic) were refused as "not ints".
    x = np.arange(2 * 3 * 5, dtype=np.float64).reshape(2, 3, 5)
    widths = [np.int64(1), np.int32(2), np.int64(2), np.int64(-1)]
    ours = F.pad(mg.tensor(x, dtype="float64"), widths, mode=mode)
    theirs = TF.pad(torch.tensor(x), widths, mode=mode)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())

_CROPS = [(mode, widths) for mode in ("constant", "reflect", "replicate", "circular")
          for widths in ((-1, 2), (2, -1), (-2, -1, 1, 0), (1, -2, -1, 3))]
# A pad wider than what the crop leaves: torch mirrors the whole input, then crops, so reflect (4, -2) of a size-5
# axis is valid (4 < 5) though only 3 entries stay; torch refuses circular there, as minigrad.
_CROPS += [(mode, widths) for mode in ("constant", "reflect", "replicate") for widths in ((3, -3), (4, -2), (-3, 4, 2, -3))]


@pytest.mark.parametrize("mode, widths", _CROPS, ids=str)
def test_negative_widths_crop_as_in_torch(mode, widths):
    """Values and gradients, float64: a negative width removes entries, the positive ones pad."""
    x = np.random.default_rng(4).standard_normal((2, 3, 5, 6) if len(widths) == 4 else (2, 3, 5))
    ours, theirs = mg.tensor(x, dtype=mg.float64, requires_grad=True), torch.tensor(x, requires_grad=True)
    y_ours, y_theirs = F.pad(ours, widths, mode=mode), TF.pad(theirs, widths, mode=mode)
    weights = np.arange(y_theirs.numel(), dtype=np.float64).reshape(y_theirs.shape)
    (y_ours * mg.tensor(weights, dtype=mg.float64)).sum().backward()
    (y_theirs * torch.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(y_ours.detach().numpy(), y_theirs.detach().numpy())
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


@pytest.mark.parametrize("name, padding, shape", [("ZeroPad2d", (-1, 2, 0, -2), (2, 3, 5, 6)),
                                                  ("ConstantPad1d", (2, -3), (2, 3, 5)),
                                                  ("ReflectionPad2d", (-1, 2, 1, -2), (2, 3, 5, 6)),
                                                  ("ReplicationPad1d", -1, (2, 3, 5)),
                                                  ("CircularPad3d", (1, -1, 0, 0, -1, 1), (1, 2, 3, 4, 5))])
def test_padding_layers_crop_with_negative_widths_as_torch(name, padding, shape):
    x = np.random.default_rng(6).standard_normal(shape)
    args = (padding, 1.5) if name.startswith("Constant") else (padding,)
    ours, theirs = getattr(nn, name)(*args)(mg.tensor(x, dtype=mg.float64)), getattr(torch.nn, name)(*args)(torch.tensor(x))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("dtype, value", [("uint8", 255), ("int8", -128), ("int64", 2.7), ("bool", 5),
                                          ("float16", 65504.0), ("float16", float("inf")), ("float32", float("nan"))])
def test_pad_values_the_dtype_holds_pad_as_torch(dtype, value):
    x = np.ones((2, 3)).astype(dtype)
    ours = F.pad(mg.tensor(x, dtype=dtype), (1, 2), value=value)
    theirs = TF.pad(torch.tensor(x), (1, 2), value=value).numpy()
    assert ours.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(ours.numpy(), theirs)
