"""An integer argument given as a NumPy integer (np.int64, np.int32) means the Python int of the same value, as in
torch (any non-bool integer); a bool is still refused. Each call is compared with the same call given a Python int
(exactly, dtype included, so no NumPy scalar promoted float32) and with torch where torch has the function."""
import tempfile
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

torch = pytest.importorskip("torch")
TF = torch.nn.functional
F = mg.nn.functional

RNG = np.random.default_rng(19)
X1 = RNG.standard_normal((2, 4, 9)).astype(np.float32)
X2 = RNG.standard_normal((2, 4, 7, 7)).astype(np.float32)
X3 = RNG.standard_normal((1, 4, 5, 5, 5)).astype(np.float32)
W1 = RNG.standard_normal((6, 2, 3)).astype(np.float32)
W2 = RNG.standard_normal((6, 2, 3, 3)).astype(np.float32)
W3 = RNG.standard_normal((6, 2, 3, 3, 3)).astype(np.float32)
WT2 = RNG.standard_normal((4, 3, 3, 3)).astype(np.float32)
WT1 = RNG.standard_normal((4, 3, 3)).astype(np.float32)
POS = (RNG.random(7) * 3 + 1.2).astype(np.float32)
SPARSE = np.array([[0.0, 1.5, 0.0], [0.0, 0.0, 0.0], [2.0, 0.0, -3.0]], dtype=np.float32)
Q = RNG.standard_normal((3, 2, 8)).astype(np.float32)            # (L, N, E)
IN_W = RNG.standard_normal((24, 8)).astype(np.float32) * 0.3
IN_B = RNG.standard_normal(24).astype(np.float32) * 0.1
OUT_W = RNG.standard_normal((8, 8)).astype(np.float32) * 0.3
OUT_B = RNG.standard_normal(8).astype(np.float32) * 0.1
LOG_PROBS = np.log(RNG.dirichlet(np.ones(5), size=(6, 2))).astype(np.float32)   # (T, N, C)
TARGETS = np.array([[2, 3, 4], [2, 2, 3]])
LOC = RNG.standard_normal((3, 2))


def _m(a):
    return mg.Tensor(a)


def _t(a):
    return torch.from_numpy(np.array(a))


def _np(y):
    return y.detach().numpy() if isinstance(y, torch.Tensor) else y.numpy()


def _coo(s):
    return s.indices().numpy(), s.values().numpy()


def _mha(lib, k):
    t = _t if lib is torch else _m
    fn = TF.multi_head_attention_forward if lib is torch else F.multi_head_attention_forward
    out, weights = fn(t(Q), t(Q), t(Q), 8, k(2), t(IN_W), t(IN_B), None, None, False, 0.0, t(OUT_W), t(OUT_B),
                      training=False)
    return _np(out), _np(weights)


def _ctc(lib, k):
    t = _t if lib is torch else _m
    loss = (torch.nn.CTCLoss if lib is torch else nn.CTCLoss)(blank=k(1))
    if lib is mg:
        assert type(loss.blank) is int
    return _np(loss(t(LOG_PROBS), t(TARGETS), t(np.array([6, 5])), t(np.array([3, 2]))))


def _onnx_opset(k):
    pytest.importorskip("onnx")
    with tempfile.TemporaryDirectory() as folder:
        proto = mg.onnx.export(nn.Linear(3, 2), mg.randn(1, 3), Path(folder) / "m.onnx", opset=k(17))
    return np.array([entry.version for entry in proto.opset_import if entry.domain == ""])


def _independent(lib, k):
    d = (torch if lib is torch else mg).distributions
    t = _t if lib is torch else _m
    dist = d.Independent(d.Normal(t(LOC), t(np.full((3, 2), 0.5))), k(1))
    return np.array(dist.event_shape), _np(dist.log_prob(t(LOC * 0.5)))


def _affine(lib, k):
    transforms = (torch.distributions if lib is torch else mg.distributions).transforms
    t = _t if lib is torch else _m
    x = t(LOC)
    return _np(transforms.AffineTransform(0.5, t(np.array([2.0, -3.0])), event_dim=k(1)).log_abs_det_jacobian(x, x))


def _data_parallel(k):
    dp = nn.parallel.DataParallel(nn.Linear(4, 2), dim=k(0))
    assert type(dp.dim) is int
    return np.array(dp.dim)


def _checkpoint(k):
    mg.manual_seed(0)
    layers = nn.Sequential(nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 3), nn.Tanh())
    x = mg.Tensor(X1[0, :, :4].copy(), requires_grad=True)
    y = mg.utils.checkpoint.checkpoint_sequential(layers, k(2), x, use_reentrant=False)
    y.sum().backward()
    return y.numpy(), x.grad.numpy()


def _dot(k):
    x = mg.Tensor(POS, requires_grad=True)
    return np.array(mg.viz.to_dot(((x * 2).exp() + 1).sum(), max_nodes=k(3)))


def _process_group(k):
    dist = mg.distributed
    dist.destroy_process_group()
    try:
        dist.init_process_group(backend="gloo", world_size=k(1), rank=k(0))
        return np.array([dist.get_rank(), dist.get_world_size()])
    finally:
        dist.destroy_process_group()


def _dirac(lib, k):
    if lib is torch:
        return torch.nn.init.dirac_(torch.empty(6, 2, 3, 3), groups=k(2)).numpy()
    return nn.init.dirac_(mg.Tensor(np.empty((6, 2, 3, 3), np.float32)), groups=k(2)).numpy()


def _threads(k):
    before = mg.get_num_threads()
    try:
        mg.set_num_threads(k(2))
        return np.array(mg.get_num_threads())
    finally:
        mg.set_num_threads(before)


def _seeded_draws(k):
    loader = mg.data.DataLoader(np.arange(8, dtype=np.float32), batch_size=k(3), shuffle=True, seed=k(5),
                                num_workers=k(0))
    shifted = mg.data.transforms.RandomTranslate(k(1), generator=np.random.default_rng(0))(X2[:, :1])
    sampler = mg.distributed.DistributedSampler(np.arange(9), num_replicas=k(2), rank=k(1), seed=k(3))
    sampler.set_epoch(k(1))
    return (np.concatenate([b.numpy() for b in loader]), np.asarray(shifted),
            mg.Generator().manual_seed(k(7)).random(3), np.array(list(sampler)))


def _grad_scaler(k):
    scaler = mg.amp.GradScaler("cpu", growth_interval=k(3))
    assert type(scaler.get_growth_interval()) is int
    return np.array(scaler.get_growth_interval())


def _distribution_shapes(lib, k):
    d = (torch if lib is torch else mg).distributions
    t = _t if lib is torch else _m
    normal = d.Normal(t(np.zeros(1)), 1.0)
    categorical = d.Categorical(probs=t(np.array([0.5, 0.5])))
    shapes = [normal.expand((k(3),)).batch_shape, normal.sample((k(2), k(3))).shape,
              categorical.sample((k(4),)).shape]
    if lib is mg:   # Python ints (torch's expand keeps the np.int64 in its batch_shape); a bare int is a 1-tuple
        bare = [normal.expand(k(3)).batch_shape, normal.sample(k(2)).shape, categorical.sample(k(4)).shape]
        assert bare == [(3,), (2, 1), (4,)]
        assert all(type(n) is int for shape in shapes + bare for n in shape)
    return np.array([tuple(shape) for shape in shapes], dtype=object)


def _both(fn):
    """``fn(lib, k)`` as (minigrad's call, torch's call)."""
    return (lambda k: fn(mg, k)), (lambda k: fn(torch, k))


# name -> (minigrad's call given an int maker k, torch's same call or None)
CASES = {
    "conv1d": (lambda k: F.conv1d(_m(X1), _m(W1), stride=k(2), padding=k(1), dilation=k(2), groups=k(2)).numpy(),
               lambda k: TF.conv1d(_t(X1), _t(W1), stride=k(2), padding=k(1), dilation=k(2), groups=k(2)).numpy()),
    "conv2d": (lambda k: F.conv2d(_m(X2), _m(W2), stride=k(2), padding=k(1), dilation=k(1), groups=k(2)).numpy(),
               lambda k: TF.conv2d(_t(X2), _t(W2), stride=k(2), padding=k(1), dilation=k(1), groups=k(2)).numpy()),
    "conv3d": (lambda k: F.conv3d(_m(X3), _m(W3), stride=k(2), groups=k(2)).numpy(),
               lambda k: TF.conv3d(_t(X3), _t(W3), stride=k(2), groups=k(2)).numpy()),
    "conv_transpose1d": (lambda k: F.conv_transpose1d(_m(X1), _m(WT1), stride=k(2), groups=k(2)).numpy(),
                         lambda k: TF.conv_transpose1d(_t(X1), _t(WT1), stride=k(2), groups=k(2)).numpy()),
    "conv_transpose2d": (lambda k: F.conv_transpose2d(_m(X2), _m(WT2), stride=k(2), groups=k(2)).numpy(),
                         lambda k: TF.conv_transpose2d(_t(X2), _t(WT2), stride=k(2), groups=k(2)).numpy()),
    "max_pool1d": (lambda k: F.max_pool1d(_m(X1), k(3), k(2), k(1)).numpy(),
                   lambda k: TF.max_pool1d(_t(X1), k(3), k(2), k(1)).numpy()),
    "max_pool2d": (lambda k: F.max_pool2d(_m(X2), k(3), k(2), k(1)).numpy(),
                   lambda k: TF.max_pool2d(_t(X2), k(3), k(2), k(1)).numpy()),
    "avg_pool1d": (lambda k: F.avg_pool1d(_m(X1), k(3), k(2)).numpy(),
                   lambda k: TF.avg_pool1d(_t(X1), k(3), k(2)).numpy()),
    "avg_pool2d": (lambda k: F.avg_pool2d(_m(X2), k(3), k(2), divisor_override=k(4)).numpy(),
                   lambda k: TF.avg_pool2d(_t(X2), k(3), k(2), divisor_override=k(4)).numpy()),
    "avg_pool3d": (lambda k: F.avg_pool3d(_m(X3), k(2), k(2)).numpy(),
                   lambda k: TF.avg_pool3d(_t(X3), k(2), k(2)).numpy()),
    "lp_pool1d": (lambda k: F.lp_pool1d(_m(X1), 2.0, k(3), k(2)).numpy(),
                  lambda k: TF.lp_pool1d(_t(X1), 2.0, k(3), k(2)).numpy()),
    "lp_pool2d": (lambda k: F.lp_pool2d(_m(X2), 2.0, k(3), k(2)).numpy(),
                  lambda k: TF.lp_pool2d(_t(X2), 2.0, k(3), k(2)).numpy()),
    # torch's Python wrapper refuses a bare np.int64 output_size (it takes len() of it): compared with its int
    "adaptive_avg_pool2d": (lambda k: F.adaptive_avg_pool2d(_m(X2), k(3)).numpy(),
                            lambda k: TF.adaptive_avg_pool2d(_t(X2), 3).numpy()),
    "adaptive_avg_pool2d_pair": (lambda k: F.adaptive_avg_pool2d(_m(X2), (k(3), None)).numpy(),
                                 lambda k: TF.adaptive_avg_pool2d(_t(X2), (k(3), None)).numpy()),
    "round": (lambda k: mg.round(_m(X1 * 10), decimals=k(1)).numpy(),
              lambda k: torch.round(_t(X1 * 10), decimals=k(1)).numpy()),
    "polygamma": (lambda k: mg.polygamma(k(1), _m(POS)).numpy(), lambda k: torch.polygamma(k(1), _t(POS)).numpy()),
    "mvlgamma": (lambda k: mg.mvlgamma(_m(POS), p=k(2)).numpy(), lambda k: torch.mvlgamma(_t(POS), p=k(2)).numpy()),
    "to_sparse": (lambda k: _coo(_m(SPARSE).to_sparse(sparse_dim=k(1))),
                  lambda k: _coo(_t(SPARSE).to_sparse(sparse_dim=k(1)))),
    "argmax": (lambda k: mg.argmax(_m(X2), dim=k(1)).numpy(), lambda k: torch.argmax(_t(X2), dim=k(1)).numpy()),
    "argmin": (lambda k: mg.argmin(_m(X2), dim=k(-1)).numpy(), lambda k: torch.argmin(_t(X2), dim=k(-1)).numpy()),
    "multi_head_attention_forward": _both(_mha),
    "dirac_": _both(_dirac),
    "CTCLoss": _both(_ctc),
    "Independent": _both(_independent),
    "AffineTransform": _both(_affine),
    "bincount": (lambda k: mg.bincount(_m(np.array([0, 2, 2])), minlength=k(5)).numpy(),
                 lambda k: torch.bincount(_t(np.array([0, 2, 2])), minlength=k(5)).numpy()),
    "histc": (lambda k: mg.histc(_m(X1), bins=k(6), min=-2, max=2).numpy(),
              lambda k: torch.histc(_t(X1), bins=k(6), min=-2, max=2).numpy()),
    "diff": (lambda k: mg.diff(_m(X1), n=k(2), dim=k(1)).numpy(),
             lambda k: torch.diff(_t(X1), n=k(2), dim=k(1)).numpy()),
    "aminmax": (lambda k: tuple(v.numpy() for v in mg.aminmax(_m(X2), dim=k(2))),
                lambda k: tuple(v.numpy() for v in torch.aminmax(_t(X2), dim=k(2)))),
    "max_dim": (lambda k: tuple(v.numpy() for v in mg.max(_m(X2), dim=k(1))),
                lambda k: tuple(v.numpy() for v in torch.max(_t(X2), dim=k(1)))),
    "ctc_loss": (lambda k: F.ctc_loss(_m(LOG_PROBS), _m(TARGETS), [6, 5], [3, 2], blank=k(1)).numpy(),
                 lambda k: TF.ctc_loss(_t(LOG_PROBS), _t(TARGETS), [6, 5], [3, 2], blank=k(1)).numpy()),
    "embedding_bag": (lambda k: F.embedding_bag(_m(np.array([0, 1, 2, 1])), _m(IN_W), _m(np.array([0, 2])),
                                                padding_idx=k(1)).numpy(),
                      lambda k: TF.embedding_bag(_t(np.array([0, 1, 2, 1])), _t(IN_W), _t(np.array([0, 2])),
                                                 padding_idx=k(1)).numpy()),
    # torch's Multinomial refuses a NumPy total_count ("inhomogeneous total_count"): compared with its int
    "Multinomial": (lambda k: mg.distributions.Multinomial(k(5), probs=_m(np.array([0.2, 0.8]))).log_prob(
                        _m(np.array([2.0, 3.0]))).numpy(),
                    lambda k: torch.distributions.Multinomial(5, probs=_t(np.array([0.2, 0.8]))).log_prob(
                        _t(np.array([2.0, 3.0]))).numpy()),
    "set_num_threads": (_threads, None),
    "seeds_and_samplers": (_seeded_draws, None),
    "GradScaler": (_grad_scaler, None),
    "distribution_shapes": _both(_distribution_shapes),
    "full": (lambda k: mg.full((k(2), k(3)), 1.5).numpy(), lambda k: torch.full((k(2), k(3)), 1.5).numpy()),
    "full_bare": (lambda k: mg.full(k(3), 1.5).numpy(), None),
    "expand_dims": (lambda k: mg.expand_dims(_m(POS), k(0)).numpy(), lambda k: torch.unsqueeze(_t(POS), k(0)).numpy()),
    "DataParallel": (_data_parallel, None),
    "onnx.export": (_onnx_opset, None),
    "checkpoint_sequential": (_checkpoint, None),
    "to_dot": (_dot, None),
    "init_process_group": (_process_group, None),
    "device": (lambda k: np.array(str(mg.device("cuda", k(1)))), lambda k: np.array(str(torch.device("cuda", k(1))))),
}


def _pieces(result):
    return list(result) if isinstance(result, tuple) else [result]


@pytest.mark.parametrize("make", [np.int64, np.int32])
@pytest.mark.parametrize("name", list(CASES))
def test_numpy_integer_argument_is_the_python_int(name, make):
    ours, theirs = CASES[name]
    expected = _pieces(ours(int))
    got = _pieces(ours(make))
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.dtype == e.dtype and g.shape == e.shape
        np.testing.assert_array_equal(g, e)
    if theirs is not None:
        for g, t in zip(got, _pieces(theirs(make))):
            assert g.shape == t.shape
            if g.dtype.kind == "f":
                # float32: torch's kernels sum in their own order (conv3d's 54 products of N(0, 1) terms, results
                # of ~7 cancelling to ~0.2, differed by 1.8e-6 on this machine's torch build): the bound is a few
                # float32 epsilons of the summed magnitudes, not of the result
                np.testing.assert_allclose(g, t, rtol=2e-6 if g.dtype == np.float32 else 1e-12,
                                           atol=1e-5 if g.dtype == np.float32 else 1e-12)
            else:
                np.testing.assert_array_equal(g, t)


@pytest.mark.parametrize("call, message", [
    (lambda: F.conv2d(_m(X2), _m(W2), groups=True), "conv2d: groups must be a positive integer, got True"),
    (lambda: F.conv1d(_m(X1), _m(W1), groups=np.float64(2.0)), "conv1d: groups must be a positive integer"),
    (lambda: mg.round(_m(POS), decimals=np.bool_(True)), "round: decimals must be an int"),
    (lambda: mg.polygamma(True, _m(POS)), "polygamma: n must be an int"),
    (lambda: mg.mvlgamma(_m(POS), p=np.float32(2)), "mvlgamma: p must be an int"),
    (lambda: _m(SPARSE).to_sparse(sparse_dim=True), r"to_sparse: sparse_dim must be an int in \[1, 2\]"),
    (lambda: F.adaptive_avg_pool2d(_m(X2), (3, 2.0)), "adaptive_avg_pool2d: output_size must be an int or a pair"),
    (lambda: nn.CTCLoss(blank=True), "CTCLoss: blank must be a non-negative integer"),
    (lambda: mg.zeros(True), r"invalid shape \(True,\): sizes must be non-negative integers"),
    (lambda: mg.full(True, 1.5), r"invalid shape \(True,\): sizes must be non-negative integers"),
    (lambda: mg.expand_dims(_m(POS), True), "expand_dims: axis must be an int or a sequence of ints, got True"),
])
def test_bool_and_float_stay_refused(call, message):
    with pytest.raises((TypeError, ValueError), match=f"^{message}"):
        call()
