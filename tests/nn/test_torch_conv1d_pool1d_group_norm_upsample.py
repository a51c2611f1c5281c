"""Conv1d, MaxPool1d, AvgPool1d, GroupNorm, ZeroPad2d and Upsample (and their functional forms) against torch.nn:
values and gradients in float64 and float32, second derivatives, state-dict names and shapes with torch weights
loaded through from_torch and safetensors, and the argument checks."""
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minigrad as mg
from minigrad import nn
from minigrad.io import from_torch, load_safetensors, to_torch
from minigrad.nn import functional as F
from op_registry import REGISTRY as NN_OPS  # imported first: it pulls in nn_registry itself
from torch_agreement import layer_agrees, sample_agrees

TOL = {"float64": dict(rtol=1e-10, atol=1e-12), "float32": dict(rtol=2e-5, atol=2e-5)}

# ---------------------------------------------------------------- the registry's samples of the functional forms
_TORCH = {"conv1d": TF.conv1d, "max_pool1d": TF.max_pool1d, "avg_pool1d": TF.avg_pool1d,
          "group_norm": TF.group_norm, "interpolate": TF.interpolate}
CASES = [(name, getattr(F, name), tfn, sample) for name, tfn in _TORCH.items()
         for info in NN_OPS if info.name == f"nn.functional.{name}" for sample in info.samples]


def test_every_function_compared_here_has_registry_samples():
    assert {c[0] for c in CASES} == set(_TORCH) and len(CASES) >= 14


@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name,fn,tfn,sample", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_functions_match_torch_values_and_gradients(name, fn, tfn, sample, dtype, device):
    sample_agrees(fn, tfn, sample, dtype, device, TOL[dtype])


@pytest.mark.parametrize("name, fn, tfn", [
    ("conv1d", lambda x, w: F.conv1d(x, w, stride=2, padding=1, dilation=2),
     lambda x, w: TF.conv1d(x, w, stride=2, padding=1, dilation=2)),
    ("group_norm", lambda x, w: F.group_norm(x * w[0], 2, w[:4], w[4:8]),
     lambda x, w: TF.group_norm(x * w[0], 2, w[:4], w[4:8])),
])
def test_second_derivatives_match_torch(name, fn, tfn):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 9))
    w = rng.standard_normal((3, 4, 2)) if name == "conv1d" else rng.standard_normal(8)
    xm, wm = (mg.tensor(a, dtype="float64", requires_grad=True) for a in (x, w))
    gm = mg.grad((fn(xm, wm) ** 2).sum(), [xm, wm], create_graph=True)
    hm = mg.grad(sum((g * g).sum() for g in gm), [xm, wm])
    xt, wt = (torch.tensor(a, requires_grad=True) for a in (x, w))
    gt = torch.autograd.grad((tfn(xt, wt) ** 2).sum(), [xt, wt], create_graph=True)
    ht = torch.autograd.grad(sum((g * g).sum() for g in gt), [xt, wt])
    for a, b in list(zip(gm, gt)) + list(zip(hm, ht)):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-9, atol=1e-11)


# ---------------------------------------------------------------- layers with torch's weights
LAYERS = [  # (id, minigrad layer, torch layer, input shape)
    ("Conv1d", lambda d: nn.Conv1d(3, 4, 3, dtype=d), lambda: torch.nn.Conv1d(3, 4, 3), (2, 3, 8)),
    ("Conv1d(stride, padding, dilation)", lambda d: nn.Conv1d(2, 4, 2, stride=2, padding=2, dilation=3, dtype=d),
     lambda: torch.nn.Conv1d(2, 4, 2, stride=2, padding=2, dilation=3), (3, 2, 11)),
    ("Conv1d(groups, same, no bias)", lambda d: nn.Conv1d(4, 6, (4,), padding="same", groups=2, bias=False, dtype=d),
     lambda: torch.nn.Conv1d(4, 6, (4,), padding="same", groups=2, bias=False), (2, 4, 7)),
    ("Conv1d(valid, unbatched)", lambda d: nn.Conv1d(2, 3, 5, padding="valid", dtype=d),
     lambda: torch.nn.Conv1d(2, 3, 5, padding="valid"), (2, 9)),
    ("MaxPool1d", lambda d: nn.MaxPool1d(3, stride=2, padding=1, ceil_mode=True),
     lambda: torch.nn.MaxPool1d(3, stride=2, padding=1, ceil_mode=True), (2, 3, 10)),
    ("MaxPool1d(dilation)", lambda d: nn.MaxPool1d(2, 1, 0, 2), lambda: torch.nn.MaxPool1d(2, 1, 0, 2), (3, 7)),
    ("AvgPool1d", lambda d: nn.AvgPool1d(4, 3, 2, count_include_pad=False),
     lambda: torch.nn.AvgPool1d(4, 3, 2, count_include_pad=False), (2, 2, 9)),
    ("AvgPool1d(ceil_mode)", lambda d: nn.AvgPool1d(2, ceil_mode=True), lambda: torch.nn.AvgPool1d(2, ceil_mode=True),
     (1, 3, 7)),
    ("GroupNorm", lambda d: nn.GroupNorm(2, 6, dtype=d), lambda: torch.nn.GroupNorm(2, 6), (3, 6, 4, 5)),
    ("GroupNorm(1 group, eps)", lambda d: nn.GroupNorm(1, 4, eps=1e-3, dtype=d),
     lambda: torch.nn.GroupNorm(1, 4, eps=1e-3), (2, 4, 7)),
    ("GroupNorm(instance)", lambda d: nn.GroupNorm(3, 3, dtype=d), lambda: torch.nn.GroupNorm(3, 3), (2, 3, 2, 2, 2)),
    ("GroupNorm(no bias)", lambda d: nn.GroupNorm(2, 4, bias=False, dtype=d),
     lambda: torch.nn.GroupNorm(2, 4, bias=False), (2, 4, 3)),
    ("BatchNorm2d(no bias)", lambda d: nn.BatchNorm2d(3, bias=False, dtype=d),
     lambda: torch.nn.BatchNorm2d(3, bias=False), (4, 3, 2, 5)),
    ("BatchNorm1d(no bias, cumulative)", lambda d: nn.BatchNorm1d(4, momentum=None, bias=False, dtype=d),
     lambda: torch.nn.BatchNorm1d(4, momentum=None, bias=False), (6, 4)),
    ("GroupNorm(affine=False)", lambda d: nn.GroupNorm(2, 4, affine=False, dtype=d),
     lambda: torch.nn.GroupNorm(2, 4, affine=False), (5, 4)),
    ("ZeroPad2d", lambda d: nn.ZeroPad2d((1, 0, 3, 2)), lambda: torch.nn.ZeroPad2d((1, 0, 3, 2)), (2, 3, 4, 5)),
    ("ZeroPad2d(int, unbatched)", lambda d: nn.ZeroPad2d(2), lambda: torch.nn.ZeroPad2d(2), (3, 2, 2)),
    ("ZeroPad2d(2-D)", lambda d: nn.ZeroPad2d((0, 1, 1, 0)), lambda: torch.nn.ZeroPad2d((0, 1, 1, 0)), (3, 4)),
    ("Upsample", lambda d: nn.Upsample(scale_factor=2), lambda: torch.nn.Upsample(scale_factor=2), (2, 3, 3, 4)),
    ("Upsample(3, 1-D)", lambda d: nn.Upsample(scale_factor=3.0, mode="nearest"),
     lambda: torch.nn.Upsample(scale_factor=3.0, mode="nearest"), (2, 2, 5)),
    ("Upsample(per axis, 3-D)", lambda d: nn.Upsample(scale_factor=(2, 1, 3)),
     lambda: torch.nn.Upsample(scale_factor=(2, 1, 3)), (1, 2, 2, 3, 2)),
    ("Upsample(size)", lambda d: nn.Upsample(size=(6, 8)), lambda: torch.nn.Upsample(size=(6, 8)), (2, 1, 3, 2)),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name, make, make_torch, shape", LAYERS, ids=[c[0] for c in LAYERS])
def test_layers_match_torch_with_torch_weights(name, make, make_torch, shape, dtype):
    layer_agrees(make, make_torch, shape, dtype, TOL[dtype] if dtype == "float64" else dict(rtol=1e-4, atol=1e-5))


def test_layers_start_with_torch_s_parameter_layouts_and_print_like_torch():
    conv, tconv = nn.Conv1d(4, 6, 3, groups=2), torch.nn.Conv1d(4, 6, 3, groups=2)
    assert conv.weight.shape == tuple(tconv.weight.shape) == (6, 2, 3) and conv.bias.shape == (6,)
    assert conv.weight.dtype == np.float32
    bound = 1 / np.sqrt(2 * 3)   # PyTorch's U(+-1/sqrt(fan_in)), fan_in = in/groups * k
    assert np.abs(nn.Conv1d(4, 6, 3, groups=2).weight.numpy()).max() <= bound
    assert (conv.kernel_size, conv.stride, conv.padding, conv.dilation) == \
        (tconv.kernel_size, tconv.stride, tconv.padding, tconv.dilation) == ((3,), (1,), (0,), (1,))
    assert nn.Conv1d(2, 2, 3, padding="same").padding == "same"
    gn, tgn = nn.GroupNorm(2, 4), torch.nn.GroupNorm(2, 4)
    for name, value in gn.state_dict().items():
        np.testing.assert_array_equal(value, tgn.state_dict()[name].numpy())
    assert repr(nn.Conv1d(2, 3, 5, stride=2, dilation=2, bias=False)) == \
        "Conv1d(2, 3, kernel_size=(5,), stride=(2,), dilation=(2,), bias=False)  # 30 params"
    assert repr(nn.MaxPool1d(3)) == repr(torch.nn.MaxPool1d(3))
    assert repr(nn.ZeroPad2d(1)) == repr(torch.nn.ZeroPad2d(1)) == "ZeroPad2d((1, 1, 1, 1))"
    assert repr(nn.Upsample(scale_factor=2)) == repr(torch.nn.Upsample(scale_factor=2))
    assert repr(nn.Upsample(size=(4, 4))) == repr(torch.nn.Upsample(size=(4, 4)))
    assert nn.Upsample(scale_factor=(2, 3)).scale_factor == torch.nn.Upsample(scale_factor=(2, 3)).scale_factor
    assert repr(nn.GroupNorm(2, 4)) == "GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)  # 8 params"
    assert nn.MaxPool1d((3,)).kernel_size == (3,) and nn.MaxPool1d(3).kernel_size == 3
    for layer in (nn.MaxPool1d(2), nn.AvgPool1d(2), nn.ZeroPad2d(1), nn.Upsample(scale_factor=2)):
        assert layer.state_dict() == {}


def test_group_norm_is_the_same_in_train_and_eval_and_normalises_each_group():
    layer = nn.GroupNorm(2, 4, affine=False)
    x = mg.randn(3, 4, 5) * 3 + 1
    a = layer(x).numpy()
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(), a)
    groups = a.reshape(3, 2, 10)
    np.testing.assert_allclose(groups.mean(axis=2), 0, atol=1e-5)
    np.testing.assert_allclose(groups.var(axis=2), 1, rtol=1e-3)


def _torch_model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv1d(2, 4, 3, padding=1), torch.nn.GroupNorm(2, 4), torch.nn.ReLU(),
                               torch.nn.MaxPool1d(2), torch.nn.Conv1d(4, 4, 3, padding="same", groups=2),
                               torch.nn.AvgPool1d(2), torch.nn.Upsample(scale_factor=2), torch.nn.Flatten(),
                               torch.nn.Linear(32, 3))


def _our_model():
    return nn.Sequential(nn.Conv1d(2, 4, 3, padding=1), nn.GroupNorm(2, 4), nn.ReLU(), nn.MaxPool1d(2),
                         nn.Conv1d(4, 4, 3, padding="same", groups=2), nn.AvgPool1d(2), nn.Upsample(scale_factor=2),
                         nn.Flatten(), nn.Linear(32, 3))


def test_a_torch_conv1d_pool1d_group_norm_model_loads_through_from_torch_and_safetensors(tmp_path):
    from safetensors.torch import load_file, save_file

    tm = _torch_model()
    x = np.random.default_rng(4).standard_normal((5, 2, 16)).astype(np.float32)
    expected = tm(torch.tensor(x)).detach().numpy()
    ours = _our_model()
    state = {k: v.numpy() for k, v in tm.state_dict().items()}
    assert {k: v.shape for k, v in ours.state_dict().items()} == \
        {k: v.shape if not k.endswith("8.weight") else v.shape[::-1] for k, v in state.items()}
    ours.load_state_dict(from_torch(ours, state))
    np.testing.assert_allclose(ours(mg.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(ours[0].weight.numpy(), tm[0].weight.detach().numpy())   # not transposed

    save_file(tm.state_dict(), str(tmp_path / "torch.safetensors"))
    from_file = _our_model()
    load_safetensors(tmp_path / "torch.safetensors", from_file, layout="torch")
    np.testing.assert_allclose(from_file(mg.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-5)

    back = _torch_model()   # and our weights load into torch
    with torch.no_grad():
        for p in back.parameters():
            p.zero_()
    back.load_state_dict({k: torch.tensor(v) for k, v in to_torch(ours, ours.state_dict()).items()})
    np.testing.assert_allclose(back(torch.tensor(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-5)
    assert set(load_file(str(tmp_path / "torch.safetensors"))) == set(ours.state_dict())


def test_float32_stays_float32_through_conv1d_pool1d_group_norm_and_their_second_derivatives(device):
    mg.manual_seed(0)
    model = _our_model().to(device)
    x = mg.tensor(np.random.default_rng(5).standard_normal((3, 2, 16)).astype(np.float32), requires_grad=True,
                  device=device)
    out = model(x)
    gx, = mg.grad((out * out).sum(), [x], create_graph=True)
    gx.sum().backward()
    arrays = [out.data, gx.data, x.grad.data] + [p.grad.data for p in model.parameters()]
    assert all(a.dtype == np.float32 for a in arrays), [a.dtype for a in arrays]
    images = mg.tensor(np.ones((2, 3, 2, 2), dtype=np.float32), requires_grad=True, device=device)
    y = nn.Upsample(scale_factor=2)(nn.ZeroPad2d(1)(images))
    y.sum().backward()
    assert y.dtype == images.grad.dtype == np.float32 and y.shape == (2, 3, 8, 8)
    np.testing.assert_array_equal(images.grad.numpy(), 4.0)   # each element repeated 2 x 2 times


def _op_names(y):
    """The class names of the ops recorded for y, each node once."""
    seen, stack, names = set(), [y.creator], []
    while stack:
        fn = stack.pop()
        if fn is None or id(fn) in seen:
            continue
        seen.add(id(fn))
        names.append(type(fn).__name__)
        stack.extend(x.creator for x in fn.inputs)
    return sorted(names)


def test_the_1d_forms_are_the_2d_ops_between_reshapes_whatever_the_length():
    # One Conv2d / pooling node, however long the sequence: no loop over positions.
    for length in (9, 5000):
        x = mg.randn(2, 4, length, requires_grad=True)
        w = mg.randn(6, 2, 5, requires_grad=True)
        assert _op_names(F.conv1d(x, w, mg.randn(6, requires_grad=True), padding=2, groups=2)) == \
            ["Conv2d", "Reshape", "Reshape", "Reshape"]
        assert _op_names(F.max_pool1d(x, 3)) == ["MaxPool2d", "Reshape", "Reshape"]
        assert _op_names(F.avg_pool1d(x, 3)) == ["AvgPool2d", "Reshape", "Reshape"]
    assert _op_names(F.interpolate(mg.randn(1, 2, 3, 3, requires_grad=True), scale_factor=2)) == \
        ["BroadcastTo", "Reshape", "Reshape"]


# ---------------------------------------------------------------- argument and input checks
@pytest.mark.parametrize("make, message", [
    (lambda: nn.Conv1d(2, 3, 0), "Conv1d: kernel_size must be a positive integer or a 1-tuple of one, got 0"),
    (lambda: nn.Conv1d(2, 3, (3, 3)), "Conv1d: kernel_size must be a positive integer or a 1-tuple of one, "
                                      "got (3, 3)"),
    (lambda: nn.Conv1d(2, 3, 3, stride=0), "Conv1d: stride must be a positive integer or a 1-tuple of one, got 0"),
    (lambda: nn.Conv1d(2, 3, 3, padding=-1), "Conv1d: padding must be a non-negative integer or a 1-tuple of one, "
                                             "got -1"),
    (lambda: nn.Conv1d(2, 3, 3, padding="full"), "Conv1d: padding must be an int, a 1-tuple, 'valid' or 'same', "
                                                 "got 'full'"),
    (lambda: nn.Conv1d(2, 3, 3, stride=2, padding="same"), "Conv1d: padding='same' needs stride 1, got stride (2,)"),
    (lambda: nn.Conv1d(3, 4, 3, groups=2), "Conv1d: groups=2 must be a positive integer dividing in_channels=3"),
    (lambda: nn.Conv1d(0, 4, 3), "Conv1d: in_channels must be a positive integer, got 0"),
    (lambda: nn.Conv1d(2, 4, 3, padding_mode="mirror"), "Conv1d: padding_mode must be one of ['zeros', 'reflect', "
                                                         "'replicate', 'circular'], but got padding_mode='mirror'"),
    (lambda: nn.Conv1d(2, 4, 3, dtype="int32"), "Conv1d: dtype must be a floating dtype"),
    (lambda: nn.MaxPool1d(0), "MaxPool1d: kernel_size must be a positive integer or a 1-tuple of one, got 0"),
    (lambda: nn.MaxPool1d(2, padding=2), "MaxPool1d: padding (2,) must be at most half the kernel size (2,)"),
    (lambda: nn.AvgPool1d((2, 2)), "AvgPool1d: kernel_size must be a positive integer or a 1-tuple of one, "
                                   "got (2, 2)"),
    (lambda: nn.AvgPool1d(3, stride=-1), "AvgPool1d: stride must be a positive integer or a 1-tuple of one, got -1"),
    (lambda: nn.GroupNorm(3, 4), "GroupNorm: num_channels=4 must be divisible by num_groups=3"),
    (lambda: nn.GroupNorm(0, 4), "GroupNorm: num_groups must be a positive integer, got 0"),
    (lambda: nn.GroupNorm(2, 4.0), "GroupNorm: num_channels must be a positive integer, got 4.0"),
    # GroupNorm(2, 4, eps=-1.0) is taken, as torch's (test_torch_norm_eps_argument)
    (lambda: nn.ZeroPad2d(1.5), "ZeroPad2d: padding must be an integer or a 4-tuple of them"),
    (lambda: nn.ZeroPad2d((1, 2)), "ZeroPad2d: padding must be an integer or a 4-tuple of them "
                                   "(left, right, top, bottom), got (1, 2)"),
    (lambda: nn.Upsample(scale_factor=2, mode="bicubicc"),
     "Upsample: mode='bicubicc' is not supported; only mode='nearest', 'nearest-exact', 'area', 'linear', "
     "'bilinear', 'bicubic' and 'trilinear' are"),
    (lambda: nn.Upsample(scale_factor=0), "Upsample: scale_factor must be a positive number or a sequence of them, "
                                          "got 0"),
    (lambda: nn.Upsample(), "Upsample: give exactly one of size and scale_factor, got size=None and "
                            "scale_factor=None"),
    (lambda: nn.Upsample(size=4, scale_factor=2), "Upsample: give exactly one of size and scale_factor"),
    (lambda: nn.Upsample(size=(4, 0)), "Upsample: size must be a positive integer or a sequence of them, "
                                       "got (4, 0)"),
    (lambda: nn.Upsample(scale_factor=2, align_corners=True), "Upsample: align_corners=True can only be set with "
                                                              "the interpolating modes"),
    (lambda: F.interpolate(mg.randn(1, 1, 3, 3), scale_factor=2, mode="trilinear"),
     "interpolate: mode='trilinear' needs a 5-D input ((N, C, D, H, W)), got shape (1, 1, 3, 3)"),
    (lambda: F.interpolate(mg.randn(1, 1, 3, 3), scale_factor=(2, 2, 2)),
     "interpolate: scale_factor=(2, 2, 2) has 3 entries but the input of shape (1, 1, 3, 3) has 2 spatial axes"),
    (lambda: F.interpolate(mg.randn(1, 1, 3, 3), scale_factor=2, antialias=True),
     "interpolate: antialias=True is not supported"),
    (lambda: nn.Upsample(scale_factor=2)(mg.randn(3, 3)), "Upsample: expected a 3-D (N, C, L), 4-D (N, C, H, W) or "
                                                          "5-D (N, C, D, H, W) input, got shape (3, 3)"),
    (lambda: F.group_norm(mg.randn(2, 6, 3), 4), "group_norm: input of shape (2, 6, 3) has 6 channels, which "
                                                 "num_groups=4 does not divide"),
    (lambda: F.group_norm(mg.randn(2, 6), 3, mg.ones(4)), "group_norm: weight has shape (4,) but the input (2, 6) "
                                                          "has 6 channels"),
    (lambda: nn.GroupNorm(2, 4)(mg.randn(2, 6, 3)), "GroupNorm: input has shape (2, 6, 3) but expected (N, 4, *)"),
    (lambda: F.conv1d(mg.randn(2, 3, 5), mg.randn(4, 2, 3)), "conv1d: input has 3 channels (shape (2, 3, 5)) but "
                                                             "weight (4, 2, 3) with groups=1 expects 2"),
    (lambda: F.conv1d(mg.randn(2, 3, 5, 5), mg.randn(4, 3, 3)), "conv1d: expected a 2-D (C, L) or 3-D (N, C, L) "
                                                                "input, got shape (2, 3, 5, 5)"),
    (lambda: F.conv1d(mg.randn(2, 3, 5), mg.randn(4, 3, 3, 3)), "conv1d: expected a 3-D (out_channels, "
                                                                "in_channels/groups, k) weight, got shape (4, 3, 3, 3)"),
    (lambda: F.conv1d(mg.randn(2, 3, 2), mg.randn(4, 3, 3)), "conv1d: the kernel (3 with dilation 1) is larger "
                                                             "than the padded input (2 + padding 0 = 2)"),
    (lambda: F.conv1d(mg.randn(2, 3, 5), mg.randn(4, 3, 3), mg.randn(3)), "conv1d: bias must have shape (4,) for "
                                                                          "weight (4, 3, 3), got (3,)"),
    (lambda: F.conv1d(mg.randn(1, 2, 5), mg.randn(2, 2, 3), stride=(1, 1)), "conv1d: stride must be an int or a "
                                                                            "1-tuple of ints, got (1, 1)"),
    (lambda: F.max_pool1d(mg.randn(1, 2, 5), 2, padding=2), "max_pool1d: padding 2 must be between 0 and half the "
                                                            "kernel size 2"),
    (lambda: F.avg_pool1d(mg.randn(5), 2), "avg_pool1d: expected a 2-D (C, L) or 3-D (N, C, L) input, got shape (5,)"),
    (lambda: F.max_pool1d(mg.randn(1, 1, 2), 3), "max_pool1d: the kernel (3, dilation 1) is larger than the padded "
                                                 "input (1, 1, 2)"),
    (lambda: F.pad(mg.randn(2, 2), (1, 1), mode="symmetric"), "pad: mode must be 'constant', 'reflect', "
                                                              "'replicate' or 'circular', got mode='symmetric'"),
    (lambda: nn.ZeroPad2d(1)(mg.randn(4)), "ZeroPad2d: expected an input with at least 2 axes (..., H, W), "
                                           "got shape (4,)"),
])
def test_bad_arguments_are_one_clear_error(make, message):
    with pytest.raises((ValueError, TypeError), match="^" + re.escape(message)):
        make()


def test_dtype_mismatches_name_both_dtypes():
    with pytest.raises(TypeError, match=re.escape("conv1d: input, weight and bias must share one floating dtype, "
                                                  "got input float64, weight float32")):
        nn.Conv1d(2, 3, 3)(mg.randn(1, 2, 5, dtype="float64"))
    with pytest.raises(TypeError, match=re.escape("GroupNorm: input dtype float64 does not match the weight's "
                                                  "dtype float32")):
        nn.GroupNorm(1, 2)(mg.randn(2, 2, 3, dtype="float64"))
    with pytest.raises(TypeError, match="max_pool1d: expected a floating input, got dtype int64"):
        F.max_pool1d(mg.tensor(np.ones((1, 2, 4), dtype=np.int64)), 2)
