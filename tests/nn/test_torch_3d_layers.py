"""The 3-D (volumetric, N x C x D x H x W) layers and functions against torch: values and every gradient in float64
(rtol 1e-12) and float32, second derivatives, PyTorch's indices of max pooling, state dicts loaded from torch, the
printed forms and the argument checks."""
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minigrad as mg
from minigrad import nn
from minigrad.io import from_torch, to_torch
from minigrad.nn import functional as F
from op_registry import REGISTRY  # imported first: it pulls in nn_registry itself
from torch_agreement import TOL, agree, layer_agrees, sample_agrees, second_derivatives_match

F32 = dict(rtol=2e-5, atol=2e-5)

# ---------------------------------------------------------------- the registry's samples of the functional forms
_TORCH = {"conv3d": TF.conv3d, "conv_transpose3d": TF.conv_transpose3d, "max_pool3d": TF.max_pool3d,
          "max_pool3d_with_indices": lambda *a, **k: TF.max_pool3d_with_indices(*a, **k)[0],
          "avg_pool3d": TF.avg_pool3d, "adaptive_avg_pool3d": TF.adaptive_avg_pool3d,
          "adaptive_max_pool3d": TF.adaptive_max_pool3d, "lp_pool3d": TF.lp_pool3d,
          "interpolate(mode='trilinear' or 5-D 'nearest')": TF.interpolate}
CASES = [(name, info.fn, tfn, sample) for name, tfn in _TORCH.items()
         for info in REGISTRY if info.name == f"nn.functional.{name}" for sample in info.samples]


def test_every_function_has_registry_samples():
    assert {c[0] for c in CASES} == set(_TORCH) and len(CASES) >= 15


@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name,fn,tfn,sample", CASES, ids=[f"{c[0][:24]}-{i}" for i, c in enumerate(CASES)])
def test_functions_match_torch_values_and_gradients(name, fn, tfn, sample, dtype, device):
    sample_agrees(fn, tfn, sample, dtype, device, TOL[dtype] if dtype == "float64" else F32)


@pytest.mark.parametrize("kwargs", [
    dict(), dict(stride=2, padding=1), dict(stride=(1, 2, 1), padding=(1, 0, 2), dilation=(2, 1, 1)),
    dict(padding="same", dilation=(1, 2, 1)), dict(groups=2, padding="valid", stride=(2, 1, 1))])
def test_conv3d_matches_torch_on_larger_volumes(kwargs):
    rng = np.random.default_rng(0)
    groups = kwargs.get("groups", 1)
    arrays = [rng.standard_normal((2, 4, 5, 6, 5)), rng.standard_normal((6, 4 // groups, 3, 2, 3)),
              rng.standard_normal(6)]
    agree(lambda x, w, b: F.conv3d(x, w, b, **kwargs), lambda x, w, b: TF.conv3d(x, w, b, **kwargs), arrays)


@pytest.mark.parametrize("kwargs", [
    dict(), dict(stride=2, padding=1, output_padding=1),
    dict(stride=(1, 2, 3), padding=(1, 0, 2), dilation=(2, 1, 1), output_padding=(0, 1, 2)),
    dict(groups=2, padding=1, stride=(2, 1, 1))])
def test_conv_transpose3d_matches_torch_on_larger_volumes(kwargs):
    rng = np.random.default_rng(1)
    groups = kwargs.get("groups", 1)
    arrays = [rng.standard_normal((2, 4, 3, 4, 3)), rng.standard_normal((4, 6 // groups, 3, 2, 3)),
              rng.standard_normal(6)]
    agree(lambda x, w, b: F.conv_transpose3d(x, w, b, **kwargs),
          lambda x, w, b: TF.conv_transpose3d(x, w, b, **kwargs), arrays)


POOLS = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
         dict(kernel_size=(2, 3, 2), stride=(1, 2, 3), padding=(1, 1, 0), dilation=(2, 1, 2), ceil_mode=True),
         dict(kernel_size=2, ceil_mode=True)]


@pytest.mark.parametrize("kwargs", POOLS)
def test_max_pool3d_values_gradients_and_indices_match_torch(kwargs):
    x = np.random.default_rng(2).permutation(2 * 3 * 7 * 6 * 5).reshape(2, 3, 7, 6, 5) * 0.5
    agree(lambda v: F.max_pool3d(v, **kwargs), lambda v: TF.max_pool3d(v, **kwargs), [x])
    for sample in (x, x[0]):   # batched and unbatched
        _, expected = TF.max_pool3d(torch.tensor(sample), return_indices=True, **kwargs)
        for requires_grad in (True, False):   # the indices whether or not a graph is recorded
            xm = mg.tensor(sample, requires_grad=requires_grad)
            for _, indices in (F.max_pool3d(xm, return_indices=True, **kwargs),
                               F.max_pool3d_with_indices(xm, **kwargs),
                               nn.MaxPool3d(**kwargs, return_indices=True)(xm)):
                assert indices.dtype == np.int64 and not indices.requires_grad
                np.testing.assert_array_equal(indices.numpy(), expected.numpy())


@pytest.mark.parametrize("kwargs", [
    dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(2, 3, 2), stride=(1, 2, 3), padding=(1, 1, 0), ceil_mode=True, count_include_pad=False),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, divisor_override=5),
    dict(kernel_size=(1, 2, 2), divisor_override=-3)])
def test_avg_pool3d_matches_torch(kwargs):
    x = np.random.default_rng(3).standard_normal((2, 3, 7, 6, 5))
    agree(lambda v: F.avg_pool3d(v, **kwargs), lambda v: TF.avg_pool3d(v, **kwargs), [x])
    agree(lambda v: F.avg_pool3d(v, **kwargs), lambda v: TF.avg_pool3d(v, **kwargs), [x[0]])   # unbatched


@pytest.mark.parametrize("size", [(2, 3, 4), 1, (None, 2, 3), (7, 6, 5), (3, 4, 2), (5, None, 4)])
def test_adaptive_pools_3d_match_torch(size):
    x = np.random.default_rng(4).standard_normal((2, 3, 7, 6, 5))
    agree(lambda v: F.adaptive_avg_pool3d(v, size), lambda v: TF.adaptive_avg_pool3d(v, size), [x])
    agree(lambda v: F.adaptive_max_pool3d(v, size), lambda v: TF.adaptive_max_pool3d(v, size), [x])
    agree(lambda v: F.adaptive_max_pool3d(v, size), lambda v: TF.adaptive_max_pool3d(v, size), [x[1]])
    _, indices = F.adaptive_max_pool3d(mg.tensor(x), size, return_indices=True)
    _, expected = TF.adaptive_max_pool3d(torch.tensor(x), size, return_indices=True)
    assert indices.dtype == np.int64
    np.testing.assert_array_equal(indices.numpy(), expected.numpy())


@pytest.mark.parametrize("kwargs", [dict(scale_factor=2, align_corners=False), dict(size=(3, 7, 2)),
                                    dict(scale_factor=(0.6, 1.5, 2.2), align_corners=True),
                                    dict(scale_factor=1.7, recompute_scale_factor=True)])
def test_trilinear_interpolation_matches_torch(kwargs):
    x = np.random.default_rng(5).standard_normal((2, 2, 4, 5, 3))
    agree(lambda v: F.interpolate(v, mode="trilinear", **kwargs),
          lambda v: TF.interpolate(v, mode="trilinear", **kwargs), [x])
    agree(lambda v: nn.Upsample(mode="trilinear", **kwargs)(v),
          lambda v: torch.nn.Upsample(mode="trilinear", **kwargs)(v), [x])


def test_nearest_interpolation_of_volumes_matches_torch():
    x = np.random.default_rng(6).standard_normal((2, 2, 2, 3, 2))
    for kwargs in (dict(scale_factor=2), dict(scale_factor=(1, 3, 2)), dict(size=(4, 3, 6))):
        agree(lambda v: F.interpolate(v, **kwargs), lambda v: TF.interpolate(v, **kwargs), [x])


def test_lp_pool3d_matches_torch():
    x = np.random.default_rng(7).uniform(0.2, 2.0, (2, 2, 5, 4, 6))
    for args in ((2, 2), (1.5, (2, 1, 3), (1, 1, 2), True), (3.0, 3, 2)):
        agree(lambda v: F.lp_pool3d(v, *args), lambda v: TF.lp_pool3d(v, *args), [x])
        agree(lambda v: nn.LPPool3d(*args)(v), lambda v: torch.nn.LPPool3d(*args)(v), [x[0]])


@pytest.mark.parametrize("name, fn, tfn, shapes", [
    ("conv3d", lambda x, w: F.conv3d(x, w, stride=(2, 1, 1), padding=1, dilation=(1, 1, 2)),
     lambda x, w: TF.conv3d(x, w, stride=(2, 1, 1), padding=1, dilation=(1, 1, 2)), [(1, 2, 3, 3, 4), (2, 2, 2, 2, 2)]),
    ("conv_transpose3d", lambda x, w: F.conv_transpose3d(x, w, stride=2, padding=(1, 0, 0), groups=2),
     lambda x, w: TF.conv_transpose3d(x, w, stride=2, padding=(1, 0, 0), groups=2), [(1, 2, 2, 2, 2), (2, 1, 2, 2, 2)]),
    ("max_pool3d", lambda x: F.max_pool3d(x, 2, 1, 1) ** 2, lambda x: TF.max_pool3d(x, 2, 1, 1) ** 2,
     [(1, 2, 3, 3, 2)]),
    ("avg_pool3d", lambda x: F.avg_pool3d(x * x, 2, ceil_mode=True), lambda x: TF.avg_pool3d(x * x, 2, ceil_mode=True),
     [(1, 1, 3, 3, 3)]),
    ("adaptive_max_pool3d", lambda x: F.adaptive_max_pool3d(x, 2) ** 2, lambda x: TF.adaptive_max_pool3d(x, 2) ** 2,
     [(1, 2, 3, 3, 3)]),
    ("trilinear", lambda x: F.interpolate(x * x, scale_factor=1.5, mode="trilinear"),
     lambda x: TF.interpolate(x * x, scale_factor=1.5, mode="trilinear"), [(1, 1, 2, 3, 2)]),
])
def test_second_derivatives_match_torch(name, fn, tfn, shapes):
    rng = np.random.default_rng(8)
    arrays = [rng.permutation(int(np.prod(s))).reshape(s) * 0.3 + rng.uniform(0, 0.1, s) for s in shapes]
    second_derivatives_match(fn, tfn, arrays, rng)


# ---------------------------------------------------------------- layers with torch's weights
LAYERS = [  # (id, minigrad layer, torch layer, input shape)
    ("Conv3d", lambda d: nn.Conv3d(3, 4, 3, dtype=d), lambda: torch.nn.Conv3d(3, 4, 3), (2, 3, 5, 4, 4)),
    ("Conv3d(stride, padding, dilation)", lambda d: nn.Conv3d(2, 4, 2, stride=(2, 1, 2), padding=(2, 1, 0),
                                                              dilation=(1, 2, 1), dtype=d),
     lambda: torch.nn.Conv3d(2, 4, 2, stride=(2, 1, 2), padding=(2, 1, 0), dilation=(1, 2, 1)), (2, 2, 5, 5, 4)),
    ("Conv3d(groups, same, no bias, unbatched)",
     lambda d: nn.Conv3d(4, 6, (2, 3, 1), padding="same", groups=2, bias=False, dtype=d),
     lambda: torch.nn.Conv3d(4, 6, (2, 3, 1), padding="same", groups=2, bias=False), (4, 3, 4, 3)),
    ("Conv3d(circular)", lambda d: nn.Conv3d(2, 3, 3, padding=1, padding_mode="circular", dtype=d),
     lambda: torch.nn.Conv3d(2, 3, 3, padding=1, padding_mode="circular"), (1, 2, 3, 4, 4)),
    ("Conv3d(replicate, same)", lambda d: nn.Conv3d(2, 2, 2, padding="same", padding_mode="replicate", dtype=d),
     lambda: torch.nn.Conv3d(2, 2, 2, padding="same", padding_mode="replicate"), (1, 2, 3, 3, 4)),
    ("ConvTranspose3d", lambda d: nn.ConvTranspose3d(3, 2, 3, stride=2, padding=1, output_padding=1, dtype=d),
     lambda: torch.nn.ConvTranspose3d(3, 2, 3, stride=2, padding=1, output_padding=1), (2, 3, 2, 3, 2)),
    ("ConvTranspose3d(groups, dilation, unbatched)",
     lambda d: nn.ConvTranspose3d(4, 2, (2, 1, 2), groups=2, dilation=(1, 1, 2), bias=False, dtype=d),
     lambda: torch.nn.ConvTranspose3d(4, 2, (2, 1, 2), groups=2, dilation=(1, 1, 2), bias=False), (4, 2, 3, 2)),
    ("MaxPool3d", lambda d: nn.MaxPool3d(3, stride=2, padding=1, ceil_mode=True),
     lambda: torch.nn.MaxPool3d(3, stride=2, padding=1, ceil_mode=True), (2, 2, 5, 6, 4)),
    ("AvgPool3d", lambda d: nn.AvgPool3d((2, 3, 2), 2, (1, 1, 0), count_include_pad=False),
     lambda: torch.nn.AvgPool3d((2, 3, 2), 2, (1, 1, 0), count_include_pad=False), (2, 2, 5, 6, 4)),
    ("AvgPool3d(divisor_override)", lambda d: nn.AvgPool3d(2, divisor_override=3),
     lambda: torch.nn.AvgPool3d(2, divisor_override=3), (1, 2, 4, 4, 4)),
    ("AdaptiveAvgPool3d", lambda d: nn.AdaptiveAvgPool3d((2, None, 3)),
     lambda: torch.nn.AdaptiveAvgPool3d((2, None, 3)), (2, 2, 5, 3, 7)),
    ("AdaptiveMaxPool3d", lambda d: nn.AdaptiveMaxPool3d(2), lambda: torch.nn.AdaptiveMaxPool3d(2), (2, 5, 3, 7)),
    ("BatchNorm3d", lambda d: nn.BatchNorm3d(3, dtype=d), lambda: torch.nn.BatchNorm3d(3), (2, 3, 2, 3, 2)),
    ("BatchNorm3d(affine=False)", lambda d: nn.BatchNorm3d(2, affine=False, dtype=d),
     lambda: torch.nn.BatchNorm3d(2, affine=False), (3, 2, 2, 2, 2)),
    ("InstanceNorm3d(affine)", lambda d: nn.InstanceNorm3d(3, affine=True, dtype=d),
     lambda: torch.nn.InstanceNorm3d(3, affine=True), (2, 3, 2, 3, 2)),
    ("InstanceNorm3d(unbatched)", lambda d: nn.InstanceNorm3d(2), lambda: torch.nn.InstanceNorm3d(2), (2, 3, 2, 2)),
    ("ReflectionPad3d", lambda d: nn.ReflectionPad3d((1, 2, 0, 1, 2, 1)),
     lambda: torch.nn.ReflectionPad3d((1, 2, 0, 1, 2, 1)), (2, 2, 3, 3, 4)),
    ("ReplicationPad3d", lambda d: nn.ReplicationPad3d(2), lambda: torch.nn.ReplicationPad3d(2), (2, 2, 3, 2)),
    ("CircularPad3d", lambda d: nn.CircularPad3d((1, 0, 2, 1, 0, 2)),
     lambda: torch.nn.CircularPad3d((1, 0, 2, 1, 0, 2)), (1, 2, 2, 3, 3)),
    ("ConstantPad3d", lambda d: nn.ConstantPad3d((1, 0, 2, 1, 0, 2), 1.5),
     lambda: torch.nn.ConstantPad3d((1, 0, 2, 1, 0, 2), 1.5), (2, 2, 2, 3)),
    ("ZeroPad3d", lambda d: nn.ZeroPad3d(1), lambda: torch.nn.ZeroPad3d(1), (1, 2, 2, 2, 3)),
    ("LPPool3d", lambda d: nn.LPPool3d(2, (2, 2, 1), stride=1), lambda: torch.nn.LPPool3d(2, (2, 2, 1), stride=1),
     (1, 2, 3, 3, 3)),
    ("Upsample(trilinear)", lambda d: nn.Upsample(scale_factor=2, mode="trilinear", align_corners=True),
     lambda: torch.nn.Upsample(scale_factor=2, mode="trilinear", align_corners=True), (1, 2, 2, 3, 2)),
    ("Upsample(nearest, 5-D)", lambda d: nn.Upsample(size=(4, 3, 4)), lambda: torch.nn.Upsample(size=(4, 3, 4)),
     (1, 2, 2, 3, 2)),
]


@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name, make, make_torch, shape", LAYERS, ids=[c[0] for c in LAYERS])
def test_layers_match_torch_with_torch_weights(name, make, make_torch, shape, dtype):
    layer_agrees(make, make_torch, shape, dtype, TOL[dtype] if dtype == "float64" else dict(rtol=1e-4, atol=1e-5))


def test_batch_and_instance_norm_3d_running_statistics_and_eval_match_torch():
    x = np.random.default_rng(9).standard_normal((3, 2, 2, 3, 4)) * 2 + 1
    for make, make_torch in ((lambda: nn.BatchNorm3d(2, momentum=0.3, dtype="float64"),
                              lambda: torch.nn.BatchNorm3d(2, momentum=0.3).double()),
                             (lambda: nn.BatchNorm3d(2, momentum=None, dtype="float64"),
                              lambda: torch.nn.BatchNorm3d(2, momentum=None).double()),
                             (lambda: nn.InstanceNorm3d(2, track_running_stats=True, dtype="float64"),
                              lambda: torch.nn.InstanceNorm3d(2, track_running_stats=True).double())):
        ours, theirs = make(), make_torch()
        for step in range(2):
            ours(mg.tensor(x * (step + 1), dtype="float64"))
            theirs(torch.tensor(x * (step + 1)))
        for name, value in theirs.state_dict().items():
            np.testing.assert_allclose(ours.state_dict()[name], value.numpy(), **TOL["float64"])
        ours.eval(), theirs.eval()
        np.testing.assert_allclose(ours(mg.tensor(x, dtype="float64")).numpy(),
                                   theirs(torch.tensor(x)).detach().numpy(), **TOL["float64"])


def test_dropout3d_drops_whole_channels_scales_the_rest_and_is_the_identity_in_eval():
    mg.manual_seed(0)
    x = mg.ones(8, 16, 2, 3, 2, requires_grad=True)
    layer = nn.Dropout3d(0.25)
    y = layer(x)
    per_channel = y.numpy().reshape(8, 16, -1)
    assert set(np.unique(per_channel)) <= {0.0, np.float32(1 / 0.75)}
    assert (per_channel.min(axis=2) == per_channel.max(axis=2)).all()   # a channel is dropped whole or kept whole
    assert 0 < (per_channel[:, :, 0] == 0).mean() < 0.5
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.numpy())   # d(sum)/dx = the mask
    assert F.dropout3d(mg.ones(16, 2, 2, 2), 0.5).shape == (16, 2, 2, 2)   # unbatched
    layer.eval()
    assert layer(x) is x and F.dropout3d(x, 0.5, training=False) is x
    np.testing.assert_array_equal(F.dropout3d(x, 1.0).numpy(), 0.0)


def test_float32_stays_float32_through_the_3d_layers_and_their_second_derivatives(device):
    mg.manual_seed(0)
    model = nn.Sequential(nn.Conv3d(2, 4, 3, padding=1), nn.BatchNorm3d(4), nn.ReLU(), nn.MaxPool3d(2),
                          nn.ConvTranspose3d(4, 2, 2, stride=2), nn.InstanceNorm3d(2, affine=True),
                          nn.AvgPool3d(2, ceil_mode=True), nn.ReplicationPad3d(1), nn.LPPool3d(2, 2),
                          nn.Upsample(scale_factor=2, mode="trilinear"), nn.AdaptiveMaxPool3d(2),
                          nn.AdaptiveAvgPool3d(1), nn.Flatten()).to(device)
    x = mg.tensor(np.random.default_rng(10).standard_normal((2, 2, 4, 4, 4)).astype(np.float32), requires_grad=True,
                  device=device)
    out = model(x)
    gx, = mg.grad((out * out).sum(), [x], create_graph=True)
    gx.sum().backward()
    arrays = [out.data, gx.data, x.grad.data] + [p.grad.data for p in model.parameters()]
    assert all(a.dtype == np.float32 for a in arrays), [a.dtype for a in arrays]
    assert out.shape == (2, 2)


def test_the_recorded_ops_say_3d():
    x = mg.randn(1, 2, 3, 3, 3, requires_grad=True)
    w = mg.randn(2, 2, 2, 2, 2, requires_grad=True)
    assert type(F.conv3d(x, w).creator).__name__ == "Conv3d"
    assert type(F.conv_transpose3d(x, w).creator).__name__ == "ConvTranspose3d"
    assert type(F.max_pool3d(x, 2).creator).__name__ == "MaxPool3d"
    assert type(F.avg_pool3d(x, 2).creator).__name__ == "AvgPool3d"
    assert type(F.adaptive_max_pool3d(x, 2).creator).__name__ == "AdaptiveMaxPool3d"
    gw, = mg.grad(F.conv3d(x, w).sum(), [w], create_graph=True)
    assert type(gw.creator).__name__ == "Conv3dWeight"
    gx, = mg.grad(F.avg_pool3d(x, 2).sum(), [x], create_graph=True)
    (g2,) = mg.grad((gx * x).sum(), [x], create_graph=True)   # AvgPoolAdjoint's derivative is AvgPool3d
    assert g2.shape == x.shape


# ---------------------------------------------------------------- a torch model of 3-D layers, loaded
def _torch_model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv3d(2, 4, 3, padding=1), torch.nn.BatchNorm3d(4), torch.nn.ReLU(),
                               torch.nn.MaxPool3d(2), torch.nn.ConvTranspose3d(4, 3, 2, stride=2),
                               torch.nn.InstanceNorm3d(3, affine=True), torch.nn.Dropout3d(0.3),
                               torch.nn.AdaptiveAvgPool3d((1, 2, 2)), torch.nn.Flatten(), torch.nn.Linear(12, 3))


def _our_model():
    return nn.Sequential(nn.Conv3d(2, 4, 3, padding=1), nn.BatchNorm3d(4), nn.ReLU(), nn.MaxPool3d(2),
                         nn.ConvTranspose3d(4, 3, 2, stride=2), nn.InstanceNorm3d(3, affine=True), nn.Dropout3d(0.3),
                         nn.AdaptiveAvgPool3d((1, 2, 2)), nn.Flatten(), nn.Linear(12, 3))


def test_a_torch_model_of_3d_layers_loads_and_gives_torch_s_outputs_and_our_weights_load_back():
    tm = _torch_model()
    tm.train()
    tm(torch.randn(3, 2, 4, 4, 4))   # running statistics away from their start
    tm.eval()
    x = np.random.default_rng(11).standard_normal((2, 2, 4, 4, 4)).astype(np.float32)
    expected = tm(torch.tensor(x)).detach().numpy()
    ours = _our_model()
    ours.load_state_dict(from_torch(ours, {k: v.numpy() for k, v in tm.state_dict().items()}))
    ours.eval()
    np.testing.assert_allclose(ours(mg.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(ours[0].weight.numpy(), tm[0].weight.detach().numpy())   # (out, in, kd, kh, kw)
    back = _torch_model()
    back.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in to_torch(ours, ours.state_dict()).items()})
    back.eval()
    np.testing.assert_allclose(back(torch.tensor(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-5)


def test_layers_start_with_torch_s_parameter_layouts_and_print_like_torch():
    conv, tconv = nn.Conv3d(4, 6, (3, 2, 1), groups=2), torch.nn.Conv3d(4, 6, (3, 2, 1), groups=2)
    assert conv.weight.shape == tuple(tconv.weight.shape) == (6, 2, 3, 2, 1) and conv.weight.dtype == np.float32
    assert np.abs(conv.weight.numpy()).max() <= 1 / np.sqrt(2 * 6)   # U(+-1/sqrt(fan_in)), fan_in = in/g * kd kh kw
    up, tup = nn.ConvTranspose3d(4, 6, 2, groups=2), torch.nn.ConvTranspose3d(4, 6, 2, groups=2)
    assert up.weight.shape == tuple(tup.weight.shape) == (4, 3, 2, 2, 2)
    assert np.abs(up.weight.numpy()).max() <= 1 / np.sqrt(3 * 8)
    for attr in ("kernel_size", "stride", "padding", "dilation"):
        assert getattr(conv, attr) == getattr(tconv, attr)
    pairs = [(nn.Conv3d(2, 3, 3, stride=2, padding=1, bias=False), torch.nn.Conv3d(2, 3, 3, stride=2, padding=1,
                                                                                     bias=False)),
             (nn.ConvTranspose3d(2, 3, (2, 3, 1), stride=2, output_padding=1),
              torch.nn.ConvTranspose3d(2, 3, (2, 3, 1), stride=2, output_padding=1)),
             (nn.Conv3d(2, 2, 3, padding="same", padding_mode="reflect"),
              torch.nn.Conv3d(2, 2, 3, padding="same", padding_mode="reflect")),
             (nn.MaxPool3d(2), torch.nn.MaxPool3d(2)), (nn.MaxPool3d((1, 2, 3), 1, (0, 1, 1), 2, ceil_mode=True),
                                                        torch.nn.MaxPool3d((1, 2, 3), 1, (0, 1, 1), 2, ceil_mode=True)),
             (nn.AvgPool3d(3, 2, 1), torch.nn.AvgPool3d(3, 2, 1)),
             (nn.AdaptiveAvgPool3d((2, None, 1)), torch.nn.AdaptiveAvgPool3d((2, None, 1))),
             (nn.AdaptiveMaxPool3d(3), torch.nn.AdaptiveMaxPool3d(3)), (nn.LPPool3d(2, 3), torch.nn.LPPool3d(2, 3)),
             (nn.Dropout3d(0.2), torch.nn.Dropout3d(0.2)), (nn.ZeroPad3d(1), torch.nn.ZeroPad3d(1)),
             (nn.ConstantPad3d((1, 2, 3, 4, 5, 6), 2.5), torch.nn.ConstantPad3d((1, 2, 3, 4, 5, 6), 2.5)),
             (nn.ReflectionPad3d(1), torch.nn.ReflectionPad3d(1)),
             (nn.ReplicationPad3d(2), torch.nn.ReplicationPad3d(2)),
             (nn.CircularPad3d((1, 0, 1, 0, 1, 0)), torch.nn.CircularPad3d((1, 0, 1, 0, 1, 0))),
             (nn.InstanceNorm3d(3), torch.nn.InstanceNorm3d(3))]
    for ours, theirs in pairs:
        assert repr(ours).split("  # ")[0] == repr(theirs).replace(", bias=False, track", ", track")
    for name, value in nn.BatchNorm3d(3).state_dict().items():
        np.testing.assert_array_equal(value, torch.nn.BatchNorm3d(3).state_dict()[name].numpy())


# ---------------------------------------------------------------- refusals
def _x(*shape):
    return np.ones(shape)


# (minigrad call, whether torch refuses the same call too, message). The layers check their arguments when built,
# where torch's layers take some bad ones and fail at the first call (those have None).
BAD_CALLS = [
    (lambda m: m.conv3d(m.X(1, 2, 3, 3), m.X(2, 2, 2, 2)), None, "conv3d: expected a 5-D weight"),
    (lambda m: m.conv3d(m.X(2, 3, 3), m.X(2, 2, 2, 2, 2)), "F", "conv3d: expected a 4-D (C, D, H, W) or 5-D "
                                                                "(N, C, D, H, W) input, got shape (2, 3, 3)"),
    (lambda m: m.conv3d(m.X(1, 3, 3, 3, 3), m.X(2, 2, 2, 2, 2)), "F", "conv3d: input has 3 channels"),
    (lambda m: m.conv3d(m.X(1, 2, 3, 3, 3), m.X(2, 2, 2, 2, 2), stride=(1, 2)), "F",
     "conv3d: stride must be an int or a tuple of 3 ints, got (1, 2)"),
    (lambda m: m.conv3d(m.X(1, 2, 3, 3, 3), m.X(2, 2, 2, 2, 2), padding="same", stride=2), "F",
     "conv3d: padding='same' needs stride 1"),
    (lambda m: m.conv3d(m.X(1, 2, 1, 3, 3), m.X(2, 2, 2, 2, 2)), "F",
     "conv3d: the kernel (2 with dilation 1) is larger than the padded input along D"),
    (lambda m: m.conv_transpose3d(m.X(1, 2, 2, 2, 2), m.X(2, 2, 2, 2, 2), stride=2, output_padding=2), "F",
     "conv_transpose3d: output_padding (2, 2, 2) must be non-negative and smaller than the stride (2, 2, 2)"),
    (lambda m: m.max_pool3d(m.X(1, 2, 3, 3), 2, padding=2), "F",
     "max_pool3d: padding (2, 2, 2) must be between 0 and half the kernel size"),
    (lambda m: m.max_pool3d(m.X(2, 3), 2), "F", "max_pool3d: expected a 4-D (C, D, H, W) or 5-D"),
    (lambda m: m.avg_pool3d(m.X(1, 1, 2, 2, 2), 2, divisor_override=0), "F",
     "avg_pool3d: divisor_override must be a non-zero int or None, got 0"),
    (lambda m: m.adaptive_avg_pool3d(m.X(1, 2, 3, 3), (1, 2)), "F", "adaptive_avg_pool3d: output_size must be"),
    (lambda m: m.adaptive_max_pool3d(m.X(2, 3, 3), 2), "F", "adaptive_max_pool3d: expected a 4-D (C, D, H, W) or 5-D"),
    (lambda m: m.lp_pool3d(m.X(2, 3, 3), 2, 2), "F", "lp_pool3d: expected a 4-D (C, D, H, W) or 5-D"),
    (lambda m: m.interpolate(m.X(1, 1, 3, 3), scale_factor=2, mode="trilinear"), "F",
     "interpolate: mode='trilinear' needs a 5-D input ((N, C, D, H, W)), got shape (1, 1, 3, 3)"),
    (lambda m: m.nn.Conv3d(2, 2, (3, 3)), None, "Conv3d: kernel_size must be a positive integer or a tuple of 3"),
    (lambda m: m.nn.ConvTranspose3d(2, 2, 3, padding="same"), None, "ConvTranspose3d: padding must be a non-negative "
                                                                  "integer or a tuple of 3 of them, got 'same'"),
    (lambda m: m.nn.MaxPool3d(2, padding=2), None, "MaxPool3d: padding (2, 2, 2) must be at most half"),
    (lambda m: m.nn.AdaptiveAvgPool3d((1, 2)), None, "AdaptiveAvgPool3d: output_size must be a positive integer or a "
                                                    "tuple of 3 of them"),
    (lambda m: m.nn.BatchNorm3d(3)(m.X(2, 3, 2, 2)), "L", "BatchNorm3d: input has shape (2, 3, 2, 2) but expected "
                                                          "(N, 3, D, H, W)"),
    (lambda m: m.nn.InstanceNorm3d(3)(m.X(3, 2, 2)), "L", "InstanceNorm3d: expected a 4-D (unbatched) or 5-D input"),
    (lambda m: m.nn.ReflectionPad3d((1, 1)), None, "ReflectionPad3d: padding must be an integer or a "
                                                  "6-tuple of them (left, right, top, bottom, front, back)"),
    (lambda m: m.nn.ReflectionPad3d(1)(m.X(2, 2, 2)), "L", "ReflectionPad3d: expected a 4-D or 5-D input ((C, D, H, W)"
                                                           " or (N, C, D, H, W)), got shape (2, 2, 2)"),
    (lambda m: m.nn.ReflectionPad3d(2)(m.X(1, 1, 2, 3, 3)), "L", "pad: mode='reflect' needs widths smaller than"),
]


class _Mg:
    nn = nn
    X = staticmethod(lambda *s: mg.tensor(_x(*s), dtype="float64"))

    def __getattr__(self, name):
        return getattr(F, name)


class _Torch:
    nn = torch.nn
    X = staticmethod(lambda *s: torch.tensor(_x(*s)))

    def __getattr__(self, name):
        return getattr(TF, name)


@pytest.mark.parametrize("call, torch_refuses, message", BAD_CALLS, ids=[c[2][:40] for c in BAD_CALLS])
def test_bad_calls_are_refused_with_one_clear_error(call, torch_refuses, message):
    with pytest.raises((ValueError, TypeError), match=re.escape(message)):
        call(_Mg())
    if torch_refuses:
        with pytest.raises((RuntimeError, ValueError, TypeError, NotImplementedError, IndexError)):
            call(_Torch())
