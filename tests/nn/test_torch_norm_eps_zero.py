"""eps = 0 where a variance is 0, as torch's kernels compute it, without a warning.

Training (instance norm, eps = 0 taken as torch takes it): torch's kernel takes invstd = 0 where var == 0 and
eps == 0, so a constant instance normalises to 0 (the bias), with gradient 0 to the input and the weight. Evaluation
with a zero running variance (batch norm and instance norm with use_input_stats=False): torch computes
``x * alpha + beta`` with ``alpha = weight / sqrt(var)`` and ``beta = bias - mean * alpha``, NaN or +-inf by the
signs of x and mean, the input's gradient ``g * alpha``."""
import warnings

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")


def _run(L, f, x, g, weight=None, bias=None):
    x = L.tensor(x, requires_grad=True)
    w = None if weight is None else L.tensor(weight, requires_grad=True)
    b = None if bias is None else L.tensor(bias, requires_grad=True)
    y = f(L, x, w, b)
    y.backward(L.tensor(g))
    grads = [t.grad.numpy() for t in (x, w, b) if t is not None]
    return [y.detach().numpy()] + grads


def _compare(f, x, g, weight=None, bias=None, **tolerances):
    theirs = _run(torch, f, x, g, weight, bias)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = _run(mg, f, x, g, weight, bias)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, **tolerances) if tolerances else np.testing.assert_array_equal(a, b)
    return ours


@pytest.mark.parametrize("layer,shape", [("InstanceNorm1d", (1, 1, 4)), ("InstanceNorm2d", (1, 1, 2, 2)),
                                         ("InstanceNorm3d", (1, 1, 1, 2, 2))])
def test_a_constant_instance_with_eps_zero_is_zero_with_zero_gradient_as_torch(layer, shape):
    g = np.arange(1.0, 5.0, dtype=np.float32).reshape(shape)
    for x in (np.ones(shape, np.float32), np.full(shape, -3.0, np.float32)):
        y, gx = _compare(lambda L, x, w, b: getattr(L.nn, layer)(1, eps=0)(x), x, g)
        assert not np.isnan(y).any() and (y == 0).all() and (gx == 0).all()


def test_instance_norm_eps_zero_with_affine_parameters_and_a_mixed_batch_as_torch():
    """One constant channel (bias, weight gradient 0, bias gradient sum g) beside a varying one (normalised)."""
    x = np.array([[[1.0, 1.0, 1.0, 1.0], [1.0, 2.0, 3.0, 4.0]], [[0.5, 0.5, 0.5, 0.5], [2.0, 2.0, 2.0, 2.0]]])
    g = np.arange(16.0).reshape(2, 2, 4)
    f = lambda L, x, w, b: L.nn.functional.instance_norm(x, weight=w, bias=b, eps=0.0)   # noqa: E731
    y, gx, gw, gb = _compare(f, x, g, np.array([2.0, -1.5]), np.array([0.25, 0.5]), rtol=1e-6, atol=1e-6)
    assert (y[:, 0] == 0.25).all() and (y[1, 1] == 0.5).all() and (gx[:, 0] == 0).all() and (gx[1, 1] == 0).all()


def test_instance_norm_eps_zero_passes_gradcheck_on_a_varying_input():
    x = mg.tensor(np.random.default_rng(1).standard_normal((2, 3, 5)), dtype=mg.float64, requires_grad=True)
    w = mg.tensor([1.5, -0.5, 2.0], dtype=mg.float64, requires_grad=True)
    b = mg.tensor([0.1, 0.2, 0.3], dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck(lambda x, w, b: mg.nn.functional.instance_norm(x, weight=w, bias=b, eps=0.0), (x, w, b))


@pytest.mark.parametrize("mean", [0.0, 1.0, -1.0])
@pytest.mark.parametrize("weight", [None, 2.0, -2.0, 0.0])
def test_batch_norm_eval_with_a_zero_running_variance_and_eps_zero_as_torch(mean, weight):
    x = np.array([[1.0, 3.0], [0.0, 3.0], [-1.0, 5.0], [2.0, 7.0]], dtype=np.float32)
    affine = {} if weight is None else {"weight": np.array([weight, 1.0], np.float32),
                                        "bias": np.array([0.5, 0.0], np.float32)}

    def f(L, x, w, b):   # the second channel's running variance is 4: normalised as usual
        return L.nn.functional.batch_norm(x, L.tensor([mean, 3.0]), L.tensor([0.0, 4.0]), w, b, training=False,
                                          eps=0.0)
    y, *_ = _compare(f, x, np.ones_like(x), **affine)
    assert np.isnan(y[:, 0]).any()


@pytest.mark.parametrize("mean", [0.0, 1.0, -1.0])
def test_instance_norm_eval_with_a_zero_running_variance_and_eps_zero_as_torch(mean):
    def f(L, x, w, b):
        return L.nn.functional.instance_norm(x, L.tensor([mean]), L.zeros(1), use_input_stats=False, eps=0.0)
    _compare(f, np.array([[[1.0, 0.0, -1.0, 2.0]]], dtype=np.float32), np.ones((1, 1, 4), np.float32))


def test_batch_norm_eval_eps_zero_ones_is_nan_as_torch():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = mg.nn.functional.batch_norm(mg.ones(2, 1), mg.zeros(1), mg.zeros(1), eps=0.0)
    assert str(torch.nn.functional.batch_norm(torch.ones(2, 1), torch.zeros(1), torch.zeros(1), eps=0.0).tolist()) \
        == str(y.tolist()) == "[[nan], [nan]]"


def _error(call):
    try:
        call()
    except Exception as exc:   # noqa: BLE001  (compared with torch's below)
        return type(exc)
    return None


@pytest.mark.parametrize("stats", ["neither", "mean only", "var only"])
def test_batch_norm_eval_without_running_stats_is_torchs_runtime_error(stats):
    def call(L):
        mean = L.zeros(1) if stats == "mean only" else None
        var = L.ones(1) if stats == "var only" else None
        return L.nn.functional.batch_norm(L.ones(2, 1), mean, var, training=False)
    assert _error(lambda: call(torch)) is _error(lambda: call(mg)) is RuntimeError
    missing = "running_var" if stats == "mean only" else "running_mean"
    with pytest.raises(RuntimeError, match=f"batch_norm: {missing} must be defined in evaluation mode"):
        call(mg)


def test_instance_norm_without_input_stats_nor_running_stats_is_torchs_runtime_error():
    def call(L):
        return L.nn.functional.instance_norm(L.ones(1, 1, 4), use_input_stats=False)
    assert _error(lambda: call(torch)) is _error(lambda: call(mg)) is RuntimeError


@pytest.mark.parametrize("eps", ["a", None, [1e-5], 1 + 0j])
@pytest.mark.parametrize("which", ["batch_norm eval", "batch_norm training", "instance_norm"])
def test_a_non_number_eps_is_torchs_type_error(eps, which):
    def call(L):
        F = L.nn.functional
        if which == "instance_norm":
            return F.instance_norm(L.ones(1, 1, 4), eps=eps)
        return F.batch_norm(L.tensor([[1.0], [2.0], [4.0]]), L.zeros(1), L.ones(1), training=which.endswith("training"),
                            eps=eps)
    assert _error(lambda: call(torch)) is _error(lambda: call(mg)) is TypeError


@pytest.mark.parametrize("eps", [np.float32(1e-5), True])
def test_a_numpy_float_or_bool_eps_is_taken_as_torch(eps):
    x = np.array([[1.0], [2.0], [4.0]], dtype=np.float32)
    ours = mg.nn.functional.batch_norm(mg.tensor(x), mg.zeros(1), mg.ones(1), eps=eps).numpy()
    theirs = torch.nn.functional.batch_norm(torch.tensor(x), torch.zeros(1), torch.ones(1), eps=eps).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


@pytest.mark.parametrize("which", ["batch_norm eval", "batch_norm training", "instance_norm"])
@pytest.mark.parametrize("eps", ["0-d", "0-d float64", "0-d requires grad", "1-d"])
def test_a_tensor_eps_is_taken_or_refused_as_torch(eps, which):
    """torch's argument parser reads a 0-d tensor that does not require grad as its number (``float_argument``, the
    rule of eps, beta and delta); one that requires grad, or a 1-d one, is its TypeError."""
    def call(L):
        F = L.nn.functional
        value = {"0-d": lambda: L.tensor(1e-3), "0-d float64": lambda: L.tensor(1e-3, dtype=L.float64),
                 "0-d requires grad": lambda: L.tensor(1e-3, requires_grad=True),
                 "1-d": lambda: L.tensor([1e-3])}[eps]()
        if which == "instance_norm":
            return F.instance_norm(L.tensor([[[1.0, 2.0, 4.0]]]), eps=value)
        return F.batch_norm(L.tensor([[1.0], [2.0], [4.0]]), L.zeros(1), L.ones(1), training=which.endswith("training"),
                            eps=value)
    expected = _error(lambda: call(torch))
    assert _error(lambda: call(mg)) is expected
    if expected is None:
        np.testing.assert_allclose(call(mg).detach().numpy(), call(torch).detach().numpy(), rtol=1e-6)


def test_a_non_number_eps_names_the_op_argument_and_value():
    with pytest.raises(TypeError, match=r"^batch_norm: eps must be a float \(a real number, or a 0-d tensor that does "
                                        r"not require grad\), got eps='a' \(str\)"):
        mg.nn.functional.batch_norm(mg.ones(2, 1), mg.zeros(1), mg.ones(1), eps="a")
    with pytest.raises(TypeError, match=r"^instance_norm: eps must be a float .*got eps=None \(NoneType\)"):
        mg.nn.functional.instance_norm(mg.ones(1, 1, 4), eps=None)
    # a negative eps is computed, as torch's: NaN where var + eps < 0 (it was minigrad's own ValueError)
    out = mg.nn.functional.instance_norm(mg.ones(1, 1, 4), eps=-1.0)
    np.testing.assert_array_equal(out.numpy(), torch.nn.functional.instance_norm(torch.ones(1, 1, 4), eps=-1.0))
