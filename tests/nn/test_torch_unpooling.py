"""MaxUnpool1d/2d, F.max_unpool1d/2d, max pooling's indices (F.max_pool1d/2d(return_indices=True), the
*_with_indices functions, MaxPool1d/2d(return_indices=True)) against torch in float64: indices, values, gradients
(first and second), output_size, unbatched inputs, float32 kept, and the errors."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F
from torch_agreement import pair, same, second_derivatives_match

TF = torch.nn.functional
rng = np.random.default_rng(55)


def _distinct(*shape):
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1 - 3.0


POOLS_2D = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
            dict(kernel_size=(2, 3), stride=1, dilation=(2, 1), padding=(1, 1)),
            dict(kernel_size=(3, 2), stride=(1, 2))]


@pytest.mark.parametrize("kw", POOLS_2D)
@pytest.mark.parametrize("shape", [(2, 3, 7, 6), (1, 3, 5, 5)])
def test_max_pool2d_indices_and_unpool_match_torch(kw, shape):
    x = _distinct(*shape)
    for ours_fn, theirs_fn in ((lambda a: F.max_pool2d(a, **kw, return_indices=True),
                                lambda a: TF.max_pool2d(a, **kw, return_indices=True)),
                               (lambda a: F.max_pool2d_with_indices(a, **kw),
                                lambda a: TF.max_pool2d_with_indices(a, **kw)),
                               (lambda a: nn.MaxPool2d(**kw, return_indices=True)(a),
                                lambda a: torch.nn.MaxPool2d(**kw, return_indices=True)(a))):
        xm, xt = pair(x)
        (y, i), (ty, ti) = ours_fn(xm), theirs_fn(xt)
        same(y, ty)
        assert i.dtype == np.int64 and not i.requires_grad
        np.testing.assert_array_equal(i.numpy(), ti.numpy())
    size = shape[-2:]
    stride = kw.get("stride", kw["kernel_size"])
    args = (kw["kernel_size"], stride, kw.get("padding", 0))
    try:
        tu = TF.max_unpool2d(ty, ti, *args, output_size=size)
    except ValueError as error:   # (dilated windows: the input size is out of unpooling's range) we refuse it too
        with pytest.raises(ValueError, match=str(error).split(" (")[0].replace('"', '.').replace("(", ".")
                           .replace(")", ".")):
            F.max_unpool2d(y, i, *args, output_size=size)
        return
    u = F.max_unpool2d(y, i, *args, output_size=size)
    same(u, tu)
    cot = rng.standard_normal(u.shape)
    (u * mg.tensor(cot, dtype="float64")).sum().backward()
    (tu * torch.tensor(cot)).sum().backward()
    same(xm.grad, xt.grad)


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=2, stride=1, dilation=2, ceil_mode=True)])
def test_max_pool1d_indices_and_unpool_match_torch(kw):
    for shape in ((2, 3, 9), (3, 8)):
        x = _distinct(*shape)
        xm, xt = pair(x)
        (y, i), (ty, ti) = F.max_pool1d_with_indices(xm, **kw), TF.max_pool1d_with_indices(xt, **kw)
        same(y, ty)
        np.testing.assert_array_equal(i.numpy(), ti.numpy())
        (y2, i2) = nn.MaxPool1d(**kw, return_indices=True)(xm)
        np.testing.assert_array_equal(i2.numpy(), ti.numpy())
        if "dilation" in kw:
            continue
        args = (kw["kernel_size"], kw.get("stride"), kw.get("padding", 0))
        layer, tlayer = nn.MaxUnpool1d(*args), torch.nn.MaxUnpool1d(*args)
        u, tu = layer(y, i, output_size=shape[-1:]), tlayer(ty, ti, output_size=list(shape[-1:]))
        same(u, tu)
        cot = rng.standard_normal(u.shape)
        (u * mg.tensor(cot, dtype="float64")).sum().backward()
        (tu * torch.tensor(cot)).sum().backward()
        same(xm.grad, xt.grad)


def test_unpool_default_size_layer_repr_and_values():
    x = _distinct(2, 2, 4, 6)
    xm, xt = pair(x)
    (y, i), (ty, ti) = F.max_pool2d(xm, 2, return_indices=True), TF.max_pool2d(xt, 2, return_indices=True)
    layer, tlayer = nn.MaxUnpool2d(2), torch.nn.MaxUnpool2d(2)
    assert repr(layer) == repr(tlayer) == "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"
    assert repr(nn.MaxUnpool1d(3, 1)) == repr(torch.nn.MaxUnpool1d(3, 1))
    u, tu = layer(y, i), tlayer(ty, ti)
    same(u, tu)
    assert (u.numpy() != 0).sum() == y.size
    same(layer(y[0], i[0]), tlayer(ty[0], ti[0]))   # unbatched (C, H, W)
    # output_size with N and C too, as torch takes it
    same(F.max_unpool2d(y, i, 2, output_size=(2, 2, 5, 7)), TF.max_unpool2d(ty, ti, 2, output_size=(2, 2, 5, 7)))
    f32 = F.max_unpool2d(y.astype("float32"), i, 2)
    assert f32.dtype == np.float32


def test_adaptive_max_pool_with_indices_match_torch():
    x = _distinct(2, 3, 7, 5)
    for ours, theirs, a, size in ((F.adaptive_max_pool2d_with_indices, TF.adaptive_max_pool2d_with_indices, x, (3, 2)),
                                  (F.adaptive_max_pool1d_with_indices, TF.adaptive_max_pool1d_with_indices,
                                   x[:, :, :, 0], 4)):
        (y, i), (ty, ti) = ours(mg.tensor(a, dtype="float64"), size), theirs(torch.tensor(a), size)
        same(y, ty)
        np.testing.assert_array_equal(i.numpy(), ti.numpy())
        # return_indices=False: still a pair
        (y, i), (ty, ti) = ours(mg.tensor(a, dtype="float64"), size, False), theirs(torch.tensor(a), size, False)
        np.testing.assert_array_equal(i.numpy(), ti.numpy())


def test_unpool_second_derivatives_match_torch():
    x = _distinct(1, 2, 4, 4)
    x[0, :, 1, 1] = 10.0   # shared by four windows
    _, idx = TF.max_pool2d(torch.tensor(x), 2, stride=1, return_indices=True)   # overlapping windows share indices
    pooled = rng.standard_normal(tuple(idx.shape))

    def ours(p):
        return F.max_unpool2d(p * p, mg.tensor(idx.numpy()), 2, 1) * 1.5

    def theirs(p):
        return TF.max_unpool2d(p * p, idx, 2, 1) * 1.5

    second_derivatives_match(ours, theirs, [pooled], rng)


def test_unpool_with_shared_indices_keeps_one_value_and_gathers_the_gradient():
    # stride 1 < kernel 2: neighbouring windows pick the same maximum; torch keeps one value there and sends the
    # gathered gradient to every input that points at it.
    x = _distinct(1, 1, 3, 3)
    x[0, 0, 1, 1] = 10.0   # the maximum of all four windows
    xm, xt = pair(x)
    (y, i), (ty, ti) = F.max_pool2d(xm, 2, 1, return_indices=True), TF.max_pool2d(xt, 2, 1, return_indices=True)
    assert len(np.unique(i.numpy())) < i.size
    p, tp = pair(y.numpy())
    u, tu = F.max_unpool2d(p, i, 2, 1), TF.max_unpool2d(tp, ti, 2, 1)
    same(u, tu)
    cot = rng.standard_normal(u.shape)
    (u * mg.tensor(cot, dtype="float64")).sum().backward()
    (tu * torch.tensor(cot)).sum().backward()
    same(p.grad, tp.grad)


def test_unpool_errors():
    y, i = F.max_pool2d(mg.tensor(_distinct(1, 2, 4, 4)), 2, return_indices=True)
    with pytest.raises(ValueError, match=r"max_unpool2d: found an invalid max index 7 \(the output planes are of "
                                         r"size 2 x 2\)|max_unpool2d: invalid output_size"):
        F.max_unpool2d(y, i, 2, output_size=(2, 2))
    with pytest.raises(ValueError, match=r"max_unpool2d: found an invalid max index \d+ \(the output planes are of "
                                         r"size 3 x 3\)"):
        F.max_unpool2d(y, i, 2, output_size=(3, 3))
    with pytest.raises(RuntimeError, match="invalid max index"):
        TF.max_unpool2d(torch.tensor(y.numpy()), torch.tensor(i.numpy()), 2, output_size=(3, 3))
    with pytest.raises(ValueError, match=r'max_unpool2d: invalid output_size "\(6, 4\)" \(dim 0 must be between 2 '
                                         r'and 6\)'):
        F.max_unpool2d(y, i, 2, output_size=(6, 4))
    with pytest.raises(ValueError, match=r"invalid output_size"):
        TF.max_unpool2d(torch.tensor(y.numpy()), torch.tensor(i.numpy()), 2, output_size=(6, 4))
    with pytest.raises(ValueError, match="output_size should be a sequence containing 2 or 4 elements"):
        F.max_unpool2d(y, i, 2, output_size=(4,))
    with pytest.raises(TypeError, match="max_unpool2d: indices must be an int64 Tensor"):
        F.max_unpool2d(y, i.astype("int32"), 2)
    with pytest.raises(ValueError, match=r"indices of shape \(1, 2, 1, 2\) must have the input's shape \(1, 2, 2, 2\)"):
        F.max_unpool2d(y, i[:, :, :1], 2)
    with pytest.raises(ValueError, match=r"max_unpool1d: expected a 2-D \(C, L\) or 3-D \(N, C, L\) input"):
        F.max_unpool1d(y, i, 2)
    with pytest.raises(ValueError, match="MaxUnpool2d: kernel_size must be a positive integer or a pair of them"):
        nn.MaxUnpool2d(0)


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=(3, 2, 2), stride=(2, 1, 2), padding=(1, 0, 1))])
@pytest.mark.parametrize("shape", [(2, 3, 5, 4, 6), (3, 4, 5, 4)])
def test_max_unpool3d_matches_torch(kw, shape):
    """MaxUnpool3d / F.max_unpool3d: each value at its flat D*H*W index (MaxPool3d's), batched or (C, D, H, W),
    default size (n - 1) s - 2 p + k per axis or output_size (spatial, or with N and C); dL/dx gathers g."""
    xm, xt = pair(_distinct(*shape))
    (y, i), (ty, ti) = nn.MaxPool3d(**kw, return_indices=True)(xm), torch.nn.MaxPool3d(**kw, return_indices=True)(xt)
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    args = (kw["kernel_size"], kw.get("stride"), kw.get("padding", 0))
    layer, tlayer = nn.MaxUnpool3d(*args), torch.nn.MaxUnpool3d(*args)
    assert repr(layer) == repr(tlayer)
    try:
        tlayer(ty, ti)
        same(layer(y, i), tlayer(ty, ti))
    except RuntimeError:   # torch: the default size is too small for these indices; ours says so too
        with pytest.raises(ValueError, match="max_unpool3d: found an invalid max index"):
            layer(y, i)
    size = shape if len(shape) == 5 else shape[-3:]   # N and C may be named, C alone may not (as torch)
    u, tu = layer(y, i, output_size=size), tlayer(ty, ti, output_size=list(size))
    same(u, tu)
    same(F.max_unpool3d(y, i, *args, output_size=shape[-3:]), TF.max_unpool3d(ty, ti, *args, output_size=shape[-3:]))
    cot = rng.standard_normal(u.shape)
    (u * mg.tensor(cot, dtype="float64")).sum().backward()
    (tu * torch.tensor(cot)).sum().backward()
    same(xm.grad, xt.grad)


def test_max_unpool3d_refuses_an_input_of_the_wrong_rank():
    with pytest.raises(RuntimeError):
        TF.max_unpool3d(torch.zeros(2, 3, 4), torch.zeros(2, 3, 4, dtype=torch.int64), 2)
    with pytest.raises(ValueError, match=r"max_unpool3d: expected a 4-D \(C, D, H, W\) or 5-D \(N, C, D, H, W\) "
                                         r"input, got shape \(2, 3, 4\)"):
        F.max_unpool3d(mg.zeros(2, 3, 4, dtype="float64"), mg.tensor(np.zeros((2, 3, 4), np.int64)), 2)
