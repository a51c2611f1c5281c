"""Adam/AdamW take torch's kernel switches: foreach/fused accepted (one code path here, the same update as
torch's fused CPU kernel), capturable/differentiable only False, the combinations torch refuses refused."""
import inspect

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.optim import Adam, AdamW


def _train(lib, cls_name, steps=4, **options):
    rng = np.random.default_rng(3)
    w0, x = rng.standard_normal((4, 3)), rng.standard_normal((5, 4))
    if lib == "mg":
        w = mg.tensor(w0, dtype=mg.float64, requires_grad=True)
        xt = mg.tensor(x, dtype=mg.float64)
        opt = getattr(mg.optim, cls_name)([w], lr=0.1, weight_decay=0.05, **options)
    else:
        w, xt = torch.tensor(w0, requires_grad=True), torch.tensor(x)
        opt = getattr(torch.optim, cls_name)([w], lr=0.1, weight_decay=0.05, **options)
    for _ in range(steps):
        opt.zero_grad()
        (xt @ w).tanh().sum().backward()
        opt.step()
    return w.detach().numpy()


def test_signature_has_torchs_keywords():
    for cls in (Adam, AdamW):
        params = inspect.signature(cls).parameters
        for name in ("foreach", "fused", "capturable", "differentiable", "maximize"):
            assert params[name].kind is inspect.Parameter.KEYWORD_ONLY, (cls.__name__, name)
        assert params["fused"].default is None and params["foreach"].default is None


@pytest.mark.parametrize("cls_name", ["Adam", "AdamW"])
@pytest.mark.parametrize("options", [dict(fused=True), dict(foreach=True), dict(fused=False, foreach=False)])
def test_kernel_choice_gives_torchs_update(cls_name, options):
    ours = _train("mg", cls_name, **options)
    np.testing.assert_array_equal(ours, _train("mg", cls_name))
    np.testing.assert_allclose(ours, _train("torch", cls_name, **options), rtol=1e-12, atol=1e-14)


def test_refused_combinations():
    p = [mg.tensor([1.0], requires_grad=True)]
    with pytest.raises(RuntimeError, match="AdamW: `fused` and `foreach` cannot be `True` together."):
        AdamW(p, fused=True, foreach=True)
    with pytest.raises(RuntimeError, match="Adam: `fused` does not support `differentiable`"):
        Adam(p, fused=True, differentiable=True)
    with pytest.raises(ValueError, match="AdamW: capturable=True .* not supported"):
        AdamW(p, capturable=True)
    with pytest.raises(ValueError, match="Adam: differentiable=True .* not supported"):
        Adam(p, differentiable=True)
    with pytest.raises(TypeError, match="AdamW: fused must be None or a bool, got int 1"):
        AdamW(p, fused=1)
