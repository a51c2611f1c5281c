"""Each registered op's one backward gives the same gradients in both of its modes.

First-order backward runs ``backward`` on raw arrays (nothing recorded);
``create_graph=True`` runs the same lines on Tensors, recorded. gradcheck checks
the first against finite differences and gradgradcheck the derivative of the
second, but only this test checks that the second's *values* are right too (and
the fused losses' array kernels against their composed form), and that both
keep float32 as float32.
"""
import numpy as np
import pytest

import minigrad as mg
from op_registry import REGISTRY

CASES = [pytest.param(info, sample, id=f"{info.name}-{i}") for info in REGISTRY for i, sample in enumerate(info.samples)]


def _inputs(sample, device, dtype):
    out = []
    for a in sample.args:
        if isinstance(a, np.ndarray) and a.dtype == np.float64:
            out.append(mg.tensor(a, dtype=dtype, device=device, requires_grad=True))
        elif isinstance(a, np.ndarray):
            out.append(mg.tensor(a, dtype=a.dtype, device=device))
        else:
            out.append(a)
    return out


def _both_paths(info, sample, device, dtype):
    inputs = _inputs(sample, device, dtype)
    diff = [x for x in inputs if isinstance(x, mg.Tensor) and x.requires_grad]
    fn = info.call(sample)
    outs = fn(*inputs)
    outs = list(outs) if isinstance(outs, (tuple, list)) else [outs]
    outs = [o for o in outs if o.requires_grad]
    rng = np.random.default_rng(0)
    weights = [mg.tensor(rng.standard_normal(o.shape), dtype=o.dtype, device=device) for o in outs]
    fast = mg.grad(outs, diff, grad_outputs=weights, retain_graph=True, allow_unused=True)
    # An entry with first derivatives only (gradgrad=False: CTC loss) refuses create_graph; its own tests check that.
    recorded = mg.grad(outs, diff, grad_outputs=weights, create_graph=True, allow_unused=True) if info.gradgrad \
        else fast
    return diff, fast, recorded


@pytest.mark.parametrize("info,sample", CASES)
def test_array_and_recorded_backward_agree(info, sample, device):
    diff, fast, recorded = _both_paths(info, sample, device, "float64")
    for x, g1, g2 in zip(diff, fast, recorded):
        assert (g1 is None) == (g2 is None)
        if g1 is None:
            continue
        assert g1.shape == x.shape and g2.shape == x.shape
        np.testing.assert_allclose(g1.numpy(), g2.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("info,sample", CASES)
def test_both_backward_paths_keep_float32(info, sample, device):
    diff, fast, recorded = _both_paths(info, sample, device, "float32")
    for x, g1, g2 in zip(diff, fast, recorded):
        if g1 is None:
            continue
        assert x.dtype == np.float32
        assert g1.dtype == np.float32, f"{info.name}: first-order gradient is {g1.dtype}"
        assert g2.dtype == np.float32, f"{info.name}: recorded gradient is {g2.dtype}"
        np.testing.assert_allclose(g1.numpy(), g2.numpy(), rtol=1e-4, atol=1e-5)
