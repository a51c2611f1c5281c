"""F.gumbel_softmax against torch's: with the same Exp(1) draws fed to both (torch's Tensor.exponential_ patched to
hand out minigrad's), values and gradients agree in float64, soft and hard (the straight-through estimator); with
minigrad's own draws the argmax of the samples follows softmax(logits) (the Gumbel-max trick)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minigrad as mg
from minigrad.nn import functional as F
from torch_agreement import agree

SEED = 31


def _patched_exponential(monkeypatch):
    """torch's exponential_ fills with the Exp(1) draws minigrad makes after manual_seed(SEED)."""
    def fill(t, lambd=1.0, *, generator=None):
        mg.manual_seed(SEED)
        draws = mg.zeros(*t.shape, dtype=mg.float64).exponential_(lambd).numpy()
        with torch.no_grad():
            t.copy_(torch.from_numpy(draws))
        return t

    monkeypatch.setattr(torch.Tensor, "exponential_", fill)


def _ours(**kwargs):
    def run(x):
        mg.manual_seed(SEED)
        return F.gumbel_softmax(x, **kwargs)
    return run


@pytest.mark.parametrize("kwargs", [{}, dict(tau=0.5), dict(tau=2.0, dim=0), dict(hard=True), dict(hard=True, dim=1),
                                    dict(hard=True, tau=0.3, dim=-2)])
def test_matches_torch_given_the_same_noise(monkeypatch, kwargs):
    _patched_exponential(monkeypatch)
    logits = np.random.default_rng(0).standard_normal((3, 4, 5))
    agree(_ours(**kwargs), lambda x: TF.gumbel_softmax(x, **kwargs), [logits])


def test_soft_samples_are_distributions_and_keep_float32():
    mg.manual_seed(1)
    y = F.gumbel_softmax(mg.randn(6, 4), tau=0.7)
    assert y.dtype == np.float32 and y.shape == (6, 4)
    np.testing.assert_allclose(y.numpy().sum(axis=-1), 1.0, rtol=1e-6)
    h = F.gumbel_softmax(mg.randn(6, 4, dtype=mg.float64), hard=True, dim=0).numpy()
    np.testing.assert_allclose(h.sum(axis=0), 1.0, rtol=1e-15)
    assert np.all((np.abs(h) < 1e-15) | (np.abs(h - 1) < 1e-15))


def test_hard_gradient_is_the_soft_gradient():
    logits = mg.tensor(np.random.default_rng(2).standard_normal((4, 3)), dtype=mg.float64, requires_grad=True)
    g = mg.tensor(np.random.default_rng(3).standard_normal((4, 3)), dtype=mg.float64)
    grads = []
    for hard in (False, True):
        logits.grad = None
        mg.manual_seed(5)
        (F.gumbel_softmax(logits, tau=0.8, hard=hard) * g).sum().backward()
        grads.append(logits.grad.numpy().copy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-12, atol=1e-15)


def test_argmax_follows_the_softmax_of_the_logits():
    mg.manual_seed(6)
    logits = np.log(np.array([0.1, 0.2, 0.3, 0.4]))
    rows = 40_000
    y = F.gumbel_softmax(mg.tensor(np.tile(logits, (rows, 1)), dtype=mg.float64), tau=3.0, hard=True).numpy()
    freq = y.mean(axis=0)
    p = np.exp(logits)
    assert np.all(np.abs(freq - p) <= 5 * np.sqrt(p * (1 - p) / rows)), freq


def test_refusals():
    with pytest.raises(TypeError, match="floating point"):
        F.gumbel_softmax(mg.tensor([1, 2]))
    with pytest.raises(IndexError, match="dim 2"):
        F.gumbel_softmax(mg.zeros(2, 3), dim=2)
    with pytest.raises(TypeError, match="must be a Tensor"):
        F.gumbel_softmax([1.0, 2.0])
