"""logit's eps as torch's kernels read it: eps < 0 is no eps (forward and backward: NaN outside [0, 1]); a NaN eps
clamps nothing and its gradient is g / (x (1 - x)) everywhere; eps past 1/2 crosses the bounds."""
import warnings

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

X = [-0.5, 0.0, 0.2, 0.7, 1.0, 1.05, 1.5]
G = [1.0, 1.0, 2.0, 3.0, 0.0, 1.0, 1.0]


def _logit(L, eps, dtype):
    x = L.tensor(X, dtype=getattr(L, np.dtype(dtype).name), requires_grad=True)
    y = L.logit(x, eps=eps)
    y.backward(L.tensor(G, dtype=x.dtype))
    return y.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("eps", [None, -0.1, -1.0, -1e-300, float("-inf"), float("nan"), 0.0, 0.1, 0.5, 0.7, True,
                                 float("inf")])
def test_logit_value_and_gradient_as_torch(eps, dtype):
    theirs = _logit(torch, eps, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = _logit(mg, eps, dtype)
    assert ours[0].dtype == theirs[0].dtype == dtype
    rtol = 2e-3 if dtype == np.float16 else 1e-6   # float16: an ulp apart where 1 - eps rounds (eps=0.7)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=rtol)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=rtol)


def test_the_review_cases():
    x = mg.tensor([-0.5, 1.05, 1.5], requires_grad=True)
    mg.logit(x, eps=-0.1).sum().backward()
    assert np.isnan(x.grad.numpy()).all()   # torch [nan, nan, nan]; was [0, -19.05, 0]
    np.testing.assert_allclose(mg.logit(mg.tensor([0.2, 0.7]), eps=float("nan")).numpy(), [-1.3862944, 0.8472979],
                               rtol=1e-6)   # torch's; was [nan, nan]


def test_eps_past_one_half_computes_no_clip(monkeypatch):
    """The crossed bounds' where alone: the clip it replaces is not computed."""
    def refuse(*args, **kwargs):
        raise AssertionError("clip computed for eps > 1/2")
    monkeypatch.setattr(np, "clip", refuse)
    np.testing.assert_allclose(mg.logit(mg.tensor([0.2, 0.9]), eps=0.7).numpy(), [0.8472979, -0.8472979], rtol=1e-6)
