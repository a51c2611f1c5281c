"""nn.SyncBatchNorm in one process (a world of one: BatchNorm, as torch's fallback) against torch's SyncBatchNorm and
our BatchNorm, convert_sync_batchnorm against torch's, and the synchronised op itself on one rank (its gradient,
the refusal of second order). The two-rank runs are in tests/distributed (test_mpi_jobs.py, case "syncbn")."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn
from minigrad.distributed.sync_batch_norm import SyncBatchNormalize, global_batch_moments, sync_batch_norm
from minigrad.io import from_torch
from minigrad.nn import functional as F
from torch_agreement import TOL, layer_agrees

F64 = np.float64


@pytest.mark.parametrize("shape", [(4, 3), (5, 3, 4), (3, 3, 4, 5), (2, 3, 2, 3, 2), (2, 3, 2, 2, 1, 3)])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_training_matches_torch_sync_batch_norm_without_a_process_group(shape, dtype):
    layer_agrees(lambda d: nn.SyncBatchNorm(3, momentum=0.3, dtype=d),
                 lambda: torch.nn.SyncBatchNorm(3, momentum=0.3), shape, dtype, TOL[dtype])


def _pair(**kwargs):
    ours, theirs = nn.SyncBatchNorm(3, dtype=F64, **kwargs), torch.nn.SyncBatchNorm(3, **kwargs).double()
    rng = np.random.default_rng(0)
    if ours.affine:
        w, b = rng.standard_normal(3), rng.standard_normal(3)
        ours.weight.data[...], ours.bias.data[...] = w, b
        theirs.weight.data[...], theirs.bias.data[...] = torch.tensor(w), torch.tensor(b)
    return ours, theirs


@pytest.mark.parametrize("kwargs", [{}, {"momentum": None}, {"affine": False}, {"track_running_stats": False}])
def test_running_statistics_and_eval_match_torch(kwargs):
    ours, theirs = _pair(**kwargs)
    rng = np.random.default_rng(1)
    for step in range(3):
        x = rng.standard_normal((4, 3, 2, 5)) * (step + 1) + step
        np.testing.assert_allclose(ours(mg.tensor(x, dtype=F64)).numpy(), theirs(torch.tensor(x)).detach().numpy(),
                                   rtol=1e-12, atol=1e-13)
    for ours_b, theirs_b in zip(ours.buffers(), theirs.buffers()):
        np.testing.assert_allclose(ours_b.numpy(), theirs_b.numpy(), rtol=1e-12, atol=1e-14)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal((2, 3, 4, 1))
    np.testing.assert_allclose(ours(mg.tensor(x, dtype=F64)).numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-12, atol=1e-13)
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]


@pytest.mark.parametrize("training", [True, False])
def test_in_one_process_it_is_batch_norm_2d_bit_for_bit(training):
    rng = np.random.default_rng(2)
    sync, plain = nn.SyncBatchNorm(3, dtype=F64), nn.BatchNorm2d(3, dtype=F64)
    for layer in (sync, plain):
        layer.running_mean.data[...] = [0.5, -1.0, 2.0]
        layer.running_var.data[...] = [1.5, 0.5, 4.0]
        layer.weight.data[...] = [2.0, -1.0, 0.5]
        layer.train(training)
    x = rng.standard_normal((3, 3, 4, 4))
    xs, xp = mg.tensor(x, dtype=F64, requires_grad=True), mg.tensor(x, dtype=F64, requires_grad=True)
    ys, yp = sync(xs), plain(xp)
    assert np.array_equal(ys.numpy(), yp.numpy())
    g = mg.tensor(rng.standard_normal(ys.shape), dtype=F64)
    ys.backward(g)
    yp.backward(g)
    assert np.array_equal(xs.grad.numpy(), xp.grad.numpy())
    assert np.array_equal(sync.weight.grad.numpy(), plain.weight.grad.numpy())
    for a, b in zip(sync.buffers(), plain.buffers()):
        assert np.array_equal(a.numpy(), b.numpy())


def _cnn(lib):
    m = torch.nn if lib == "torch" else nn
    kw = {} if lib == "torch" else {"dtype": F64}
    return m.Sequential(m.Conv2d(2, 4, 3, padding=1, **kw), m.BatchNorm2d(4, **kw), m.ReLU(),
                        m.Sequential(m.Conv2d(4, 4, 3, **kw), m.BatchNorm2d(4, momentum=None, **kw)),
                        m.InstanceNorm2d(4, **kw), m.Flatten(), m.Linear(16, 5, **kw), m.BatchNorm1d(5, affine=False, **kw))


def test_convert_sync_batchnorm_on_a_cnn_matches_torch():
    torch.manual_seed(0)
    theirs = _cnn("torch").double()
    theirs[3][1].eval()   # the training flag travels with each layer
    ours = _cnn("mg")
    ours.load_state_dict(from_torch(ours, theirs.state_dict()))
    ours[3][1].eval()
    ours_bn = [ours[1], ours[3][1], ours[7]]
    ours_params = {n: p for n, p in ours.named_parameters()}
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(ours)
    theirs_converted = torch.nn.SyncBatchNorm.convert_sync_batchnorm(theirs)
    assert converted is ours
    kinds = [type(m).__name__ for _, m in converted.named_modules()]
    assert kinds == [type(m).__name__ for _, m in theirs_converted.named_modules()]
    assert kinds.count("SyncBatchNorm") == 3 and "InstanceNorm2d" in kinds
    new_bn = [converted[1], converted[3][1], converted[7]]
    for old, new in zip(ours_bn, new_bn):
        assert type(new) is nn.SyncBatchNorm and new is not old and new.training == old.training
        assert (new.momentum, new.eps, new.affine, new.track_running_stats) == \
            (old.momentum, old.eps, old.affine, old.track_running_stats)
        assert new.running_mean is old.running_mean and new.num_batches_tracked is old.num_batches_tracked
        assert new.weight is old.weight and new.bias is old.bias   # the same objects (None without affine)
    assert [m.training for m in new_bn] == [True, False, True]
    assert {n: p for n, p in converted.named_parameters()}.keys() == ours_params.keys()
    assert all(p is ours_params[n] for n, p in converted.named_parameters())
    state, torch_state = converted.state_dict(), theirs_converted.state_dict()
    assert list(state) == list(torch_state)
    for key, value in from_torch(converted, torch_state).items():
        np.testing.assert_array_equal(state[key].numpy(), np.asarray(value))
    x = np.random.default_rng(3).standard_normal((6, 2, 4, 4))
    for _ in range(2):   # training: the running statistics move alike
        np.testing.assert_allclose(converted(mg.tensor(x, dtype=F64)).numpy(),
                                   theirs_converted(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12)
    converted.eval()
    theirs_converted.eval()
    np.testing.assert_allclose(converted(mg.tensor(x, dtype=F64)).numpy(),
                               theirs_converted(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12)
    for key, value in from_torch(converted, theirs_converted.state_dict()).items():
        np.testing.assert_allclose(converted.state_dict()[key].numpy(), np.asarray(value), rtol=1e-12, atol=1e-14)


def test_convert_sync_batchnorm_of_a_batch_norm_and_of_layers_in_lists_dicts_and_tuples():
    bn = nn.BatchNorm3d(2, eps=1e-3, bias=False)
    single = nn.SyncBatchNorm.convert_sync_batchnorm(bn)
    assert type(single) is nn.SyncBatchNorm and single.weight is bn.weight and single.bias is None
    assert single.eps == 1e-3 and single.weight.dtype == np.float32

    class Holder(nn.Layer):
        def __init__(self):
            super().__init__()
            self.blocks = [nn.BatchNorm1d(2), nn.Linear(2, 2)]
            self.heads = {"a": nn.BatchNorm1d(2)}
            self.pair = (nn.Identity(), nn.BatchNorm1d(2))
            self.stack = nn.ModuleList([nn.BatchNorm2d(2)])

    holder = Holder()
    before = [n for n, _ in holder.named_parameters()]
    nn.SyncBatchNorm.convert_sync_batchnorm(holder)
    assert [type(x) for x in (holder.blocks[0], holder.heads["a"], holder.pair[1], holder.stack[0])] == \
        [nn.SyncBatchNorm] * 4
    assert type(holder.blocks[1]) is nn.Linear and type(holder.pair) is tuple
    assert [n for n, _ in holder.named_parameters()] == before


def test_bad_arguments_and_inputs_are_one_clear_error():
    layer = nn.SyncBatchNorm(3)
    with pytest.raises(ValueError, match=r"SyncBatchNorm: expected at least 2D input \(got 1D input"):
        layer(mg.tensor(np.zeros(3, np.float32)))
    with pytest.raises(ValueError, match=r"SyncBatchNorm: input has shape \(2, 4\) but expected \(N, 3, \*\)"):
        layer(mg.tensor(np.zeros((2, 4), np.float32)))
    with pytest.raises(TypeError, match="SyncBatchNorm: input dtype float64 does not match the weight's dtype float32"):
        layer(mg.tensor(np.zeros((2, 3)), dtype=F64))
    with pytest.raises(ValueError, match="SyncBatchNorm: only the default group .* got group='ranks 0-3'"):
        nn.SyncBatchNorm(3, process_group="ranks 0-3")
    with pytest.raises(ValueError, match="SyncBatchNorm: num_features"):
        nn.SyncBatchNorm(0)
    with pytest.raises(ValueError, match="convert_sync_batchnorm: LazyBatchNorm2d is not initialized yet"):
        nn.SyncBatchNorm.convert_sync_batchnorm(nn.Sequential(nn.LazyBatchNorm2d()))
    lazy = nn.Sequential(nn.LazyBatchNorm2d())
    lazy(mg.tensor(np.ones((2, 3, 2, 2), np.float32)))   # materialized: a BatchNorm2d(3) now
    assert type(nn.SyncBatchNorm.convert_sync_batchnorm(lazy)[0]) is nn.SyncBatchNorm
    with pytest.raises(TypeError, match="convert_sync_batchnorm: module must be a Layer"):
        nn.SyncBatchNorm.convert_sync_batchnorm(torch.nn.BatchNorm1d(2))


def test_the_synchronised_op_on_one_rank_is_batch_norm_with_its_gradient():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 2, 4)) * 3 + 1
    mean, var, count = global_batch_moments(x)
    assert count == 12
    np.testing.assert_allclose(mean, x.mean(axis=(0, 2)), rtol=1e-14)
    np.testing.assert_allclose(var, x.var(axis=(0, 2)), rtol=1e-13)
    w, b = rng.standard_normal(2), rng.standard_normal(2)
    rm1, rv1, rm2, rv2 = (mg.tensor(v, dtype=F64) for v in ([0.1, 0.2], [1.0, 2.0], [0.1, 0.2], [1.0, 2.0]))
    y = sync_batch_norm(mg.tensor(x, dtype=F64), rm1, rv1, mg.tensor(w, dtype=F64), mg.tensor(b, dtype=F64), 0.2, 1e-5)
    ref = F.batch_norm(mg.tensor(x, dtype=F64), rm2, rv2, mg.tensor(w, dtype=F64), mg.tensor(b, dtype=F64),
                       training=True, momentum=0.2, eps=1e-5)
    np.testing.assert_allclose(y.numpy(), ref.numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(rm1.numpy(), rm2.numpy(), rtol=1e-13)
    np.testing.assert_allclose(rv1.numpy(), rv2.numpy(), rtol=1e-13)

    def fn(xt, wt, bt):
        return sync_batch_norm(xt, None, None, wt, bt, 0.1, 1e-5)

    inputs = [mg.tensor(a, dtype=F64, requires_grad=True) for a in (x, w, b)]
    assert mg.gradcheck(fn, inputs, eps=1e-6, atol=1e-7, rtol=1e-6)
    out = fn(*inputs)
    assert out.grad_fn is not None
    with pytest.raises(RuntimeError, match="SyncBatchNorm: higher-order gradients .* not supported"):
        mg.grad((out * out).sum(), inputs, create_graph=True)


def test_the_synchronised_op_keeps_float32_and_refuses_one_value_per_channel():
    x = mg.tensor(np.random.default_rng(5).standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    y = sync_batch_norm(x, None, None, None, None, 0.1, 1e-5)
    assert y.dtype == np.float32
    y.backward(mg.tensor(np.ones((4, 3), np.float32)))
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), 0, atol=1e-6)   # sum(xhat) is constant: its gradient vanishes
    with pytest.raises(ValueError, match=r"SyncBatchNorm: training needs more than 1 value per channel over all "
                                         r"ranks, got input of shape \(1, 3\)"):
        sync_batch_norm(mg.tensor(np.zeros((1, 3), np.float32)), None, None, None, None, 0.1, 1e-5)
    assert SyncBatchNormalize.__name__ in mg.onnx.NOT_EXPORTED


@pytest.mark.parametrize("training", [True, False])
def test_a_batch_of_0_with_more_than_three_spatial_dims_is_empty_as_torch(training):
    """Inputs past 5-D are flattened to (N, C, -1) for the statistics, which NumPy refuses for N = 0."""
    ours, theirs = nn.SyncBatchNorm(2, dtype=mg.float64), torch.nn.SyncBatchNorm(2, dtype=torch.float64)
    ours.train(training)
    theirs.train(training)
    x = mg.zeros(0, 2, 1, 2, 2, 2, dtype="float64", requires_grad=True)
    y, ty = ours(x), theirs(torch.zeros(0, 2, 1, 2, 2, 2, dtype=torch.float64))
    assert y.shape == tuple(ty.shape) == (0, 2, 1, 2, 2, 2)
    for name, value in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[name].numpy(), value.numpy(), err_msg=name)
    y.sum().backward()
    assert x.grad.shape == x.shape and x.grad.dtype == np.float64
