"""A 0 argument as torch takes or refuses it: InstanceNorm's eps=0 (taken), batch norm's eps=0 (refused in training
with torch's ValueError, taken in eval mode), huber_loss's delta <= 0 (torch's RuntimeError).

softshrink's 0 inside [-lambd, lambd] is +0.0 for every x, as in torch's vectorised kernel; torch's scalar loop
(a tensor shorter than one SIMD vector, 16 float32 or 8 float64 with AVX512, and the tail past the last full vector)
computes x * 0, -0.0 for a negative x, so torch has no one sign there to follow and minigrad keeps +0.0."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

X = np.random.default_rng(0).standard_normal((2, 3, 5))


def _outcome(call):
    try:
        return call(), None
    except Exception as exc:   # noqa: BLE001  (compared with torch's below)
        return None, exc


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("eps", [0, 0.0, False])
@pytest.mark.parametrize("layer,shape", [("InstanceNorm1d", (2, 3, 5)), ("InstanceNorm2d", (2, 3, 1, 5)),
                                         ("InstanceNorm3d", (2, 3, 1, 1, 5))])
def test_instance_norm_takes_eps_zero_as_torch(layer, shape, eps, dtype):
    data = X.reshape(shape).astype(dtype)
    ours_x = mg.tensor(data, dtype=dtype, requires_grad=True)
    theirs_x = torch.tensor(data, requires_grad=True)
    ours = getattr(nn, layer)(3, eps=eps, affine=True, dtype=dtype)(ours_x)
    theirs = getattr(torch.nn, layer)(3, eps=eps, affine=True, dtype=getattr(torch, dtype))(theirs_x)
    rtol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol, atol=rtol)
    seed = np.linspace(-1, 1, data.size).reshape(shape).astype(dtype)
    ours.backward(mg.tensor(seed, dtype=dtype))
    theirs.backward(torch.tensor(seed))
    np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=rtol * 10, atol=rtol * 10)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("eps", [0, 0.0, False, -1e-5, 1e-5])
def test_functional_batch_norm_checks_eps_as_torch(eps, training):
    def call(L):
        f64 = L.float64
        return L.nn.functional.batch_norm(L.tensor(X, dtype=f64), L.zeros(3, dtype=f64), L.ones(3, dtype=f64),
                                          training=training, eps=eps)
    theirs, their_error = _outcome(lambda: call(torch))
    ours, our_error = _outcome(lambda: call(mg))
    if their_error is not None:   # "must be positive during training" / "must be non-negative"
        assert type(our_error) is type(their_error) is ValueError, (our_error, their_error)
        assert ("positive during training" if training else "non-negative") in str(our_error)
        return
    assert our_error is None, our_error
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-12)


def test_batch_norm_layer_with_eps_zero_refuses_training_and_normalises_in_eval_as_torch():
    ours, theirs = nn.BatchNorm1d(3, eps=0, dtype="float64"), torch.nn.BatchNorm1d(3, eps=0, dtype=torch.float64)
    with pytest.raises(ValueError, match="positive during training"):
        theirs(torch.tensor(X))
    with pytest.raises(ValueError, match="positive during training"):
        ours(mg.tensor(X, dtype="float64"))
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(ours(mg.tensor(X, dtype="float64")).numpy(),
                               theirs(torch.tensor(X)).detach().numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("delta", [0, 0.0, -1.0, False])
def test_huber_loss_refuses_a_non_positive_delta_with_torchs_runtime_error(delta):
    a, b = X, X * 2
    with pytest.raises(RuntimeError, match="non-positive values for delta"):
        TF.huber_loss(torch.tensor(a), torch.tensor(b), delta=delta)
    with pytest.raises(RuntimeError, match="delta must be positive"):
        F.huber_loss(mg.tensor(a), mg.tensor(b), delta=delta)
