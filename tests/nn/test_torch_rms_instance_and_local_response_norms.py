"""RMSNorm, InstanceNorm1d/2d and LocalResponseNorm (and F.rms_norm, F.instance_norm, F.local_response_norm)
against torch.nn in float64: values, input and weight gradients, eps=None, running statistics in training and
eval, unbatched inputs, state-dict names, the errors; float32 kept."""
import copy
import re
import warnings

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F
from torch_agreement import agree

TF = torch.nn.functional
rng = np.random.default_rng(77)


def _r(*shape, scale=1.0):
    return rng.standard_normal(shape) * scale


def _pair_layers(ours, theirs):
    """torch's layer with our layer's parameters (float64), so both start equal."""
    theirs = theirs.double()
    with torch.no_grad():
        for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert name == tname
            tp.copy_(torch.tensor(p.numpy()))
    return theirs


def _layer_fn(layer, params):
    """fn(x, *param values) running ``layer`` with the given parameters, for minigrad and torch alike."""
    def fn(x, *values):
        if isinstance(x, torch.Tensor):
            return torch.func.functional_call(layer, dict(zip(params, values)), (x,))
        for name, v in zip(params, values):
            delattr(layer, name)   # as torch, a plain Tensor takes a parameter's name only once it is deleted
            setattr(layer, name, v)
        return layer(x)
    return fn


@pytest.mark.parametrize("shape, normalized_shape", [((3, 4), 4), ((2, 3, 5), (3, 5)), ((2, 3, 5), [5]), ((6,), 6)])
@pytest.mark.parametrize("eps", [None, 1e-3, 0.0])
def test_rms_norm_matches_torch(shape, normalized_shape, eps):
    x = _r(*shape, scale=3.0)
    wshape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    w = _r(*wshape)
    agree(lambda a, b: F.rms_norm(a, normalized_shape, b, eps), lambda a, b: TF.rms_norm(a, wshape, b, eps), [x, w])
    agree(lambda a: F.rms_norm(a, normalized_shape, eps=eps), lambda a: TF.rms_norm(a, wshape, eps=eps), [x])
    ours = nn.RMSNorm(normalized_shape, eps, dtype="float64")
    theirs = torch.nn.RMSNorm(normalized_shape, eps).double()
    agree(_layer_fn(ours, ["weight"]), _layer_fn(theirs, ["weight"]), [x, w])


def test_rms_norm_default_eps_is_the_dtype_s_machine_epsilon():
    x = np.full((2, 3), 1e-5)   # mean(x^2) = 1e-10: eps matters, float32's much more than float64's
    for dtype, eps in (("float64", 2.220446049250313e-16), ("float32", 1.1920928955078125e-07)):
        y = F.rms_norm(mg.tensor(x, dtype=dtype), 3)
        assert y.dtype == np.dtype(dtype)
        np.testing.assert_allclose(y.numpy(), 1e-5 / np.sqrt(1e-10 + eps), rtol=1e-6)
        np.testing.assert_allclose(y.numpy(), TF.rms_norm(torch.tensor(x, dtype=getattr(torch, dtype)), (3,)).numpy(),
                                   rtol=1e-6)


def test_rms_norm_default_eps_of_float16_is_float32_s_as_torch():
    """torch computes half in float32 and its eps=None is float32's (its accumulation type's), not float16's
    9.8e-4, which swamps a mean square of 1e-4: outputs were 0.04 where torch gives 0.19."""
    x = (_r(3, 8) * 1e-2).astype(np.float16)
    exact = x.astype(np.float64) / np.sqrt((x.astype(np.float64) ** 2).mean(-1, keepdims=True)
                                           + np.finfo(np.float32).eps)
    for ours, theirs in ((F.rms_norm(mg.tensor(x, dtype="float16"), 8), TF.rms_norm(torch.tensor(x), (8,))),
                         (nn.RMSNorm(8, dtype="float16")(mg.tensor(x, dtype="float16")),
                          torch.nn.RMSNorm(8).half()(torch.tensor(x)).detach())):
        assert ours.dtype == np.float16
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-3, atol=1e-3)   # a float16 ulp
        assert np.all(np.abs(ours.numpy() - exact) <= np.spacing(np.abs(exact).astype(np.float16)))


def test_rms_norm_layer_state_dict_and_float32():
    layer, theirs = nn.RMSNorm([2, 3]), torch.nn.RMSNorm([2, 3])
    assert list(layer.state_dict()) == list(theirs.state_dict()) == ["weight"]
    assert layer.weight.shape == (2, 3) and layer.weight.dtype == np.float32 and (layer.weight.numpy() == 1).all()
    plain = nn.RMSNorm(3, elementwise_affine=False)
    assert plain.weight is None and plain.state_dict() == {}
    x = mg.tensor(_r(4, 2, 3).astype(np.float32), requires_grad=True)
    y = layer(x)
    (g,) = mg.autograd.grad(y.sum(), [x])
    assert y.dtype == g.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), theirs(torch.tensor(x.numpy())).detach().numpy(), rtol=2e-6, atol=2e-6)
    assert nn.RMSNorm(4, 1e-6).extra_repr() == "(4,), eps=1e-06, elementwise_affine=True"


@pytest.mark.parametrize("shape", [(2, 3, 5), (2, 3, 4, 3), (1, 2, 2, 2, 2)])
def test_instance_norm_function_matches_torch(shape):
    x = _r(*shape, scale=2.0) + 1.0
    c = shape[1]
    agree(F.instance_norm, TF.instance_norm, [x])
    agree(lambda a, w, b: F.instance_norm(a, weight=w, bias=b, eps=1e-3),
          lambda a, w, b: TF.instance_norm(a, weight=w, bias=b, eps=1e-3), [x, _r(c), _r(c)])
    rm, rv = _r(c), rng.uniform(0.5, 2.0, c)
    ours = [mg.tensor(rm, dtype="float64"), mg.tensor(rv, dtype="float64")]
    theirs = [torch.tensor(rm), torch.tensor(rv)]
    y = F.instance_norm(mg.tensor(x, dtype="float64"), *ours, momentum=0.3)
    np.testing.assert_allclose(y.numpy(), TF.instance_norm(torch.tensor(x), *theirs, momentum=0.3).numpy(),
                               rtol=1e-12, atol=1e-13)
    for o, t in zip(ours, theirs):   # the running statistics moved alike
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-12)
        assert not np.allclose(o.numpy(), rm) and not np.allclose(o.numpy(), rv)
    agree(lambda a: F.instance_norm(a, *ours, use_input_stats=False),
          lambda a: TF.instance_norm(a, *theirs, use_input_stats=False), [x])


@pytest.mark.parametrize("cls, shape", [("InstanceNorm1d", (3, 4, 6)), ("InstanceNorm2d", (2, 4, 3, 3))])
@pytest.mark.parametrize("affine, track, bias", [(False, False, True), (True, False, True), (True, True, False),
                                                 (False, True, True)])
def test_instance_norm_layers_match_torch(cls, shape, affine, track, bias):
    ours = getattr(nn, cls)(4, affine=affine, track_running_stats=track, momentum=0.2, dtype="float64", bias=bias)
    theirs = _pair_layers(ours, getattr(torch.nn, cls)(4, affine=affine, track_running_stats=track, momentum=0.2,
                                                         bias=bias))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    params = [name for name, _ in ours.named_parameters()]
    values = [p.numpy() for p in ours.parameters()]
    for step in range(2):
        x = _r(*shape, scale=2.0) + step
        # On copies: agree runs torch's side twice, which would move its running statistics twice.
        agree(_layer_fn(copy.deepcopy(ours), params), _layer_fn(copy.deepcopy(theirs), params),
              [x, *[v + step for v in values]])
        y = ours(mg.tensor(x, dtype="float64"))
        np.testing.assert_allclose(y.numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12, atol=1e-13)
        for name, buf in ours.named_buffers():
            np.testing.assert_allclose(buf.numpy(), theirs.state_dict()[name].numpy(), rtol=1e-12)
        if track:
            assert not np.allclose(ours.running_var.numpy(), 1.0)
    ours.eval(), theirs.eval()
    x = _r(*shape)
    agree(_layer_fn(ours, params), _layer_fn(theirs, params), [x, *values])
    agree(_layer_fn(ours, params), _layer_fn(theirs, params), [x[0], *values])   # unbatched


@pytest.mark.parametrize("cls, shape", [("BatchNorm1d", (5, 4)), ("BatchNorm2d", (3, 4, 2, 3)),
                                        ("BatchNorm3d", (2, 4, 2, 2, 3))])
@pytest.mark.parametrize("affine, momentum", [(True, 0.2), (True, None), (False, 0.2)])
def test_batch_norm_layers_without_bias_match_torch(cls, shape, affine, momentum):
    """torch's keyword-only bias=False: an affine BatchNorm keeps its weight only (no bias in the state dict)."""
    ours = getattr(nn, cls)(4, momentum=momentum, affine=affine, dtype="float64", bias=False)
    theirs = _pair_layers(ours, getattr(torch.nn, cls)(4, momentum=momentum, affine=affine, bias=False))
    assert ours.bias is None and list(ours.state_dict()) == list(theirs.state_dict())
    params = [name for name, _ in ours.named_parameters()]
    values = [p.numpy() + 0.5 for p in ours.parameters()]
    for step in range(2):
        x = _r(*shape, scale=2.0) + step
        agree(_layer_fn(copy.deepcopy(ours), params), _layer_fn(copy.deepcopy(theirs), params), [x, *values])
        ours(mg.tensor(x, dtype="float64")), theirs(torch.tensor(x))
        for name, buf in ours.named_buffers():
            np.testing.assert_allclose(buf.numpy(), theirs.state_dict()[name].numpy(), rtol=1e-12)
    ours.eval(), theirs.eval()
    agree(_layer_fn(ours, params), _layer_fn(theirs, params), [_r(*shape), *values])


@pytest.mark.parametrize("cls", ["BatchNorm1d", "SyncBatchNorm"])
@pytest.mark.parametrize("change", ["track_running_stats off", "running statistics removed"])
def test_batch_norm_attributes_changed_after_construction_follow_torch(cls, change):
    """torch's _BatchNorm decides by the buffers, not the flag: with track_running_stats switched off after
    construction, training leaves the running statistics (and the count) alone and eval normalises by them;
    with the buffers set to None, eval uses the batch's statistics."""
    ours, theirs = getattr(nn, cls)(3, dtype="float64"), getattr(torch.nn, cls)(3).double()
    for layer in (ours, theirs):
        if change == "track_running_stats off":
            layer.track_running_stats = False
        else:
            layer.running_mean = layer.running_var = None
    for training in (True, False, True):
        ours.train(training), theirs.train(training)
        x = _r(4, 3, scale=2.0) + 1.0
        np.testing.assert_allclose(ours(mg.tensor(x, dtype="float64")).numpy(),
                                   theirs(torch.tensor(x)).detach().numpy(),
                                   rtol=1e-12, atol=1e-13)
        assert {k: v.numpy().tolist() for k, v in ours.state_dict().items()} == \
            {k: v.numpy().tolist() for k, v in theirs.state_dict().items()}


def test_a_running_statistics_tensor_assigned_to_an_untracked_norm_layer_is_a_buffer_kept_by_conversion():
    """torch's norms register their buffers as None when not tracking, so a tensor assigned later is a buffer, and
    convert_sync_batchnorm copies the running statistics whatever the flag: a BatchNorm whose track_running_stats
    was switched off after training normalises by them in eval, and so must its SyncBatchNorm (it lost them and
    used the batch's statistics)."""
    x = _r(4, 3, scale=2.0) + 1.0
    ours, theirs = nn.BatchNorm1d(3, dtype="float64"), torch.nn.BatchNorm1d(3).double()
    ours(mg.tensor(x, dtype="float64")), theirs(torch.tensor(x))   # the running statistics move off 0 and 1
    for layer in (ours, theirs):
        layer.track_running_stats = False
        layer.eval()
    ours = nn.SyncBatchNorm.convert_sync_batchnorm(nn.Sequential(ours))
    theirs = torch.nn.SyncBatchNorm.convert_sync_batchnorm(torch.nn.Sequential(theirs))
    np.testing.assert_allclose(ours(mg.tensor(x, dtype="float64")).numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-12, atol=1e-13)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for cls in ("BatchNorm1d", "InstanceNorm1d"):
        ours, theirs = getattr(nn, cls)(3, track_running_stats=False), getattr(torch.nn, cls)(3, track_running_stats=False)
        ours.running_mean, theirs.running_mean = mg.zeros(3), torch.zeros(3)
        assert list(ours.state_dict()) == list(theirs.state_dict())


@pytest.mark.parametrize("training", [True, False])
def test_functional_batch_norm_takes_more_than_three_spatial_axes_as_torch(training):
    """torch's F.batch_norm takes (N, C, *) of any rank; minigrad's refused more than (N, C, D, H, W)."""
    x, w, b, mean, var = _r(2, 3, 2, 1, 2, 2, scale=2.0), _r(3), _r(3), _r(3), np.arange(1.0, 4.0)
    ours = (mg.tensor(mean, dtype="float64"), mg.tensor(var, dtype="float64"))
    theirs = (torch.tensor(mean), torch.tensor(var))
    y = F.batch_norm(mg.tensor(x, dtype="float64"), *ours, training=training, momentum=0.3)
    np.testing.assert_allclose(y.numpy(), TF.batch_norm(torch.tensor(x), *theirs, training=training, momentum=0.3),
                               rtol=1e-12, atol=1e-13)
    for stat, expected in zip(ours, theirs):   # the running statistics moved alike in training
        np.testing.assert_allclose(stat.numpy(), expected.numpy(), rtol=1e-12)
    agree(lambda *a: F.batch_norm(a[0], None, None, a[1], a[2], training=True),
          lambda *a: TF.batch_norm(a[0], None, None, a[1], a[2], training=True), [x, w, b])
    with pytest.raises(ValueError, match=r"batch_norm: expected input of shape \(N, C, \*\), got \(3,\)"):
        F.batch_norm(mg.tensor(_r(3), dtype="float64"), None, None, training=True)


def test_instance_norm_defaults_unbatched_and_float32():
    layer = nn.InstanceNorm2d(3)
    assert layer.affine is False and layer.track_running_stats is False and layer.state_dict() == {}
    assert layer.extra_repr() == "3, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False"
    x = _r(3, 4, 5).astype(np.float32)
    y = layer(mg.tensor(x))
    assert y.dtype == np.float32 and y.shape == (3, 4, 5)
    np.testing.assert_allclose(y.numpy(), torch.nn.InstanceNorm2d(3)(torch.tensor(x)).numpy(), rtol=2e-5, atol=2e-5)
    tracked = nn.InstanceNorm1d(3, track_running_stats=True, momentum=None)
    tracked(mg.tensor(_r(2, 3, 4).astype(np.float32)))
    t = torch.nn.InstanceNorm1d(3, track_running_stats=True, momentum=None)
    t(torch.ones(2, 3, 4))
    np.testing.assert_array_equal(tracked.running_mean.numpy(), t.running_mean.numpy())   # None: no update, as torch
    assert tracked.num_batches_tracked.item() == t.num_batches_tracked.item() == 0


@pytest.mark.parametrize("shape", [(2, 3, 0), (2, 3, 4, 0)])
def test_instance_norm_without_positions_is_empty_as_torch(shape):
    """No spatial element is an empty output (torch 2.13's check refuses exactly one), the running statistics as
    they were and zero weight gradients, in training and eval."""
    cls = "InstanceNorm1d" if len(shape) == 3 else "InstanceNorm2d"
    for train in (True, False):
        ours = getattr(nn, cls)(3, affine=True, track_running_stats=True, dtype="float64").train(train)
        theirs = getattr(torch.nn, cls)(3, affine=True, track_running_stats=True).double().train(train)
        x = mg.tensor(np.zeros(shape), dtype="float64", requires_grad=True)
        tx = torch.zeros(shape, dtype=torch.float64, requires_grad=True)
        y, ty = ours(x), theirs(tx)
        y.sum().backward()
        ty.sum().backward()
        assert y.shape == tuple(ty.shape) == shape and y.dtype == np.float64
        assert x.grad.shape == shape
        for name in ("running_mean", "running_var"):
            np.testing.assert_array_equal(getattr(ours, name).numpy(), getattr(theirs, name).numpy())
        np.testing.assert_array_equal(ours.weight.grad.numpy(), theirs.weight.grad.numpy())
    assert F.instance_norm(mg.tensor(np.zeros(shape), dtype="float64")).shape == shape


def test_instance_norm_mismatched_channels_warn_without_affine():
    x = _r(2, 5, 4)
    with pytest.warns(UserWarning, match="does not match num_features"):
        y = nn.InstanceNorm1d(3)(mg.tensor(x, dtype="float64"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = torch.nn.InstanceNorm1d(3)(torch.tensor(x))
    np.testing.assert_allclose(y.numpy(), expected.numpy(), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("shape", [(2, 5, 4), (2, 6, 3, 2), (1, 4, 2, 2, 3)])
@pytest.mark.parametrize("size, alpha, beta, k", [(2, 1e-4, 0.75, 1.0), (3, 0.5, 0.6, 2.0), (5, 1.0, 1.0, 0.5),
                                                  (1, 0.2, 0.75, 1.0), (8, 0.3, 0.5, 1.0)])
def test_local_response_norm_matches_torch(shape, size, alpha, beta, k):
    x = _r(*shape, scale=2.0)
    agree(lambda a: F.local_response_norm(a, size, alpha, beta, k), lambda a: TF.local_response_norm(a, size, alpha,
                                                                                                    beta, k), [x])
    agree(nn.LocalResponseNorm(size, alpha, beta, k), torch.nn.LocalResponseNorm(size, alpha, beta, k), [x])
    y = nn.LocalResponseNorm(size, alpha, beta, k)(mg.tensor(x.astype(np.float32)))
    assert y.dtype == np.float32


@pytest.mark.parametrize("channels", [1, 2, 3, 5, 7, 10])
@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 6, 9])
def test_cross_map_lrn2d_matches_torchs_values_and_has_the_exact_gradient(size, channels):
    # from channel (size + 1) // 2 + 2 on, torch's window also holds channel 0, unlike LocalResponseNorm's
    x = _r(2, channels, 3, 2, scale=2.0)
    ours = nn.CrossMapLRN2d(size, 0.3, 0.75, 2.0)(mg.tensor(x, dtype="float64")).numpy()
    theirs = torch.nn.CrossMapLRN2d(size, 0.3, 0.75, 2.0)(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-14)
    y32 = nn.CrossMapLRN2d(size, 0.3, 0.75, 2.0)(mg.tensor(x.astype(np.float32)))
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32.numpy(), theirs, rtol=2e-6, atol=2e-6)
    # torch's hand-written backward fails torch's own gradcheck, so the gradient is checked numerically instead
    x0 = mg.tensor(_r(1, channels, 2, 2), dtype="float64", requires_grad=True)
    assert mg.autograd.gradcheck(nn.CrossMapLRN2d(size, 0.5, 0.6, 1.5), (x0,))
    assert mg.autograd.gradgradcheck(nn.CrossMapLRN2d(size, 0.5, 0.6, 1.5), (x0,))


def test_cross_map_lrn2d_arguments_and_errors():
    expected = "CrossMapLRN2d(3, alpha=0.0001, beta=0.75, k=1)"
    assert repr(nn.CrossMapLRN2d(3)) == repr(torch.nn.CrossMapLRN2d(3)) == expected
    assert list(nn.CrossMapLRN2d(3).parameters()) == []
    for shape in [(2, 3, 4), (1, 2, 3, 4, 5)]:
        with pytest.raises(ValueError):
            torch.nn.CrossMapLRN2d(3)(torch.ones(shape))
        with pytest.raises(ValueError, match=rf"^CrossMapLRN2d: expected a 4-D \(N, C, H, W\) input, got shape "
                                             rf"{re.escape(str(shape))}$"):
            nn.CrossMapLRN2d(3)(mg.ones(*shape))
    with pytest.raises(ValueError, match=r"^CrossMapLRN2d: size must be a positive integer, got 0$"):
        nn.CrossMapLRN2d(0)


@pytest.mark.parametrize("call, torch_call, error, message", [
    (lambda: F.rms_norm(mg.tensor(_r(3, 4)), (3,)), lambda: TF.rms_norm(torch.ones(3, 4), (3,)),
     ValueError, r"rms_norm: input of shape \(3, 4\) does not end with normalized_shape \(3,\)"),
    (lambda: F.rms_norm(mg.tensor(_r(3, 4)), (4,), mg.tensor(_r(3))), lambda: TF.rms_norm(torch.ones(3, 4), (4,),
                                                                                          torch.ones(3)),
     ValueError, r"rms_norm: weight has shape \(3,\)"),
    # eps: the norms' one rule (float_argument); a negative eps is computed, as torch's (it was a ValueError)
    (lambda: F.rms_norm(mg.tensor(_r(3, 4)), 4, eps="0.5"), lambda: TF.rms_norm(torch.ones(3, 4), (4,), eps="0.5"),
     TypeError, "rms_norm: eps must be a float"),
    (lambda: nn.RMSNorm(0), None, ValueError, "RMSNorm: normalized_shape"),
    (lambda: nn.RMSNorm(4)(mg.tensor(np.ones((3, 4), dtype=np.int64))), None, TypeError,
     "RMSNorm: input must be floating"),
    (lambda: nn.InstanceNorm1d(3)(mg.tensor(_r(2, 3, 1))), lambda: torch.nn.InstanceNorm1d(3)(torch.ones(2, 3, 1)),
     ValueError, r"instance_norm: expected more than 1 spatial element when training, got input of shape \(2, 3, 1\)"),
    (lambda: nn.InstanceNorm1d(3)(mg.tensor(_r(2, 3, 4, 5))),
     lambda: torch.nn.InstanceNorm1d(3)(torch.ones(2, 3, 4, 5)),
     ValueError, r"InstanceNorm1d: expected a 2-D \(unbatched\) or 3-D input, got shape \(2, 3, 4, 5\)"),
    (lambda: nn.InstanceNorm2d(3)(mg.tensor(_r(3, 4))), lambda: torch.nn.InstanceNorm2d(3)(torch.ones(3, 4)),
     ValueError, r"InstanceNorm2d: expected a 3-D \(unbatched\) or 4-D input"),
    (lambda: nn.InstanceNorm1d(3, affine=True)(mg.tensor(_r(2, 4, 5))),
     lambda: torch.nn.InstanceNorm1d(3, affine=True)(torch.ones(2, 4, 5)),
     ValueError, r"InstanceNorm1d: input of shape \(2, 4, 5\) has 4 channels at axis 1, expected num_features=3"),
    (lambda: F.instance_norm(mg.tensor(_r(2, 3)), None), lambda: TF.instance_norm(torch.ones(2, 3)),
     ValueError, "instance_norm: expected an input of shape"),
    (lambda: F.instance_norm(mg.tensor(_r(2, 3, 4)), use_input_stats=False),
     lambda: TF.instance_norm(torch.ones(2, 3, 4), use_input_stats=False),
     RuntimeError, "instance_norm: use_input_stats=False needs running_mean and running_var"),
    (lambda: F.local_response_norm(mg.tensor(_r(3, 4)), 2), lambda: TF.local_response_norm(torch.ones(3, 4), 2),
     ValueError, r"local_response_norm: expected an input of 3 or more dimensions \(N, C, \*\), got shape \(3, 4\)"),
    (lambda: nn.GroupNorm(2, 2)(mg.tensor(_r(1, 2))), lambda: torch.nn.GroupNorm(2, 2)(torch.ones(1, 2)),
     ValueError, r"GroupNorm: input of shape \(1, 2\) with num_groups=2 leaves one value per group"),
    (lambda: F.group_norm(mg.tensor(_r(1, 3, 1, 1)), 3), lambda: TF.group_norm(torch.ones(1, 3, 1, 1), 3),
     ValueError, r"group_norm: input of shape \(1, 3, 1, 1\) with num_groups=3 leaves one value per group"),
    (lambda: nn.LocalResponseNorm(0), lambda: torch.nn.LocalResponseNorm(0)(torch.ones(2, 3, 4)),
     ValueError, "LocalResponseNorm: size must be a positive integer, got 0"),
    # one running statistic alone: the other was left as it was (instance_norm, batch_norm's running_var) or an
    # AttributeError came (batch_norm's running_mean)
    (lambda: F.batch_norm(mg.tensor(_r(4, 3)), None, mg.ones(3), training=True),
     lambda: TF.batch_norm(torch.ones(4, 3), None, torch.ones(3), training=True), ValueError,
     "batch_norm: running_mean and running_var must either both be None or neither be None; got running_var without "
     "running_mean"),
    (lambda: F.batch_norm(mg.tensor(_r(4, 3)), mg.zeros(3), None, training=True),
     lambda: TF.batch_norm(torch.ones(4, 3), torch.zeros(3), None, training=True), ValueError,
     "batch_norm: running_mean and running_var must either both be None or neither be None; got running_mean without "
     "running_var"),
    (lambda: F.instance_norm(mg.tensor(_r(2, 3, 4)), mg.zeros(3)),
     lambda: TF.instance_norm(torch.ones(2, 3, 4), torch.zeros(3)), ValueError,
     "instance_norm: running_mean and running_var must either both be None or neither be None"),
    (lambda: F.instance_norm(mg.tensor(_r(2, 3, 4)), None, mg.ones(3)),
     lambda: TF.instance_norm(torch.ones(2, 3, 4), None, torch.ones(3)), ValueError,
     "instance_norm: running_mean and running_var must either both be None or neither be None"),
    (lambda: F.batch_norm(mg.tensor(_r(4, 3, 2)), mg.zeros(4), mg.ones(4), training=True),
     lambda: TF.batch_norm(torch.ones(4, 3, 2), torch.zeros(4), torch.ones(4), training=True), ValueError,
     r"batch_norm: running_mean has shape \(4,\) but the input \(4, 3, 2\) has 3 channels"),
    (lambda: F.batch_norm(mg.tensor(_r(4, 3, 2)), None, None, mg.ones(4), training=True),
     lambda: TF.batch_norm(torch.ones(4, 3, 2), None, None, torch.ones(4), training=True), ValueError,
     r"batch_norm: weight has shape \(4,\) but the input \(4, 3, 2\) has 3 channels"),
    (lambda: F.batch_norm(mg.tensor(np.ones((4, 3), dtype=np.int64)), None, None, training=True),
     lambda: TF.batch_norm(torch.ones(4, 3, dtype=torch.int64), None, None, training=True), TypeError,
     "batch_norm: input must be floating, got dtype int64"),
    (lambda: F.batch_norm(mg.tensor(_r(4, 3)), mg.zeros(3), mg.ones(3), training=True, momentum=None),
     lambda: TF.batch_norm(torch.ones(4, 3), torch.zeros(3), torch.ones(3), training=True, momentum=None), TypeError,
     "batch_norm: momentum must be a number, got None"),
])
def test_errors(call, torch_call, error, message):
    if torch_call is not None:   # torch refuses it too (LocalResponseNorm(0) only when called)
        with pytest.raises((RuntimeError, ValueError, TypeError)):
            torch_call()
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("make", [
    lambda m: m.BatchNorm1d(3, momentum=None), lambda m: m.BatchNorm2d(3, affine=False),
    lambda m: m.InstanceNorm1d(3, affine=True, track_running_stats=True), lambda m: m.GroupNorm(3, 3),
    lambda m: m.LayerNorm((3, 4), bias=False), lambda m: m.RMSNorm(4), lambda m: m.BatchNorm3d(3, bias=False)],
    ids=["bn1d", "bn2d", "in1d", "gn", "ln", "rms", "bn3d"])
def test_norm_layers_reset_as_torch(make):
    """reset_running_stats (batch and instance norms) and reset_parameters (every norm layer; the idiom
    ``if hasattr(m, 'reset_parameters'): m.reset_parameters()`` re-initialises a model) give torch's state back."""
    ours, theirs = make(nn), make(torch.nn)
    shape = (4, 3, 4) if not isinstance(ours, (nn.BatchNorm2d, nn.BatchNorm3d)) else (4, 3, 2, 2, 2)[:ours._ndims[0]]
    for step in range(2):   # move the running statistics and the batch count
        x = _r(*shape) + step
        ours(mg.tensor(x.astype(np.float32))), theirs(torch.tensor(x.astype(np.float32)))
    for p in ours.parameters():
        p.data[...] = 7.0
    with torch.no_grad():
        for p in theirs.parameters():
            p.fill_(7.0)
    for method in ("reset_running_stats", "reset_parameters"):
        if not hasattr(theirs, method):
            assert not hasattr(ours, method)
            continue
        getattr(ours, method)(), getattr(theirs, method)()
        state = {k: v.numpy() for k, v in ours.state_dict().items()}
        assert list(state) == list(theirs.state_dict())
        for name, value in theirs.state_dict().items():
            np.testing.assert_array_equal(state[name], value.numpy(), err_msg=f"{method}: {name}")
