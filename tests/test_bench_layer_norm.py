"""benchmarks/bench_layer_norm.py runs, and its hand-written reference computes what minigrad's LayerNorm does."""
import math

import numpy as np
import torch

from benchmarks.bench_layer_norm import layer_norm_step, reference
from benchmarks.common import Context


def test_the_reference_is_torchs_layer_norm_and_its_gradients():
    rng = np.random.default_rng(0)
    x, g = rng.standard_normal((2, 3, 6)), rng.standard_normal((2, 3, 6))
    w, b = rng.standard_normal(6), rng.standard_normal(6)
    y, dx, dw, db = reference(x, w, b, g)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ty = torch.nn.functional.layer_norm(tx, (6,), tw, tb, eps=1e-5)
    ty.backward(torch.tensor(g))
    for ours, theirs in ((y, ty.detach()), (dx, tx.grad), (dw, tw.grad), (db, tb.grad)):
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-12, atol=1e-13)


def test_quick_run_gives_finite_times_and_matching_gradients():
    rows = layer_norm_step(Context("cpu", quick=True, reps=1))
    assert [r["case"] for r in rows] == ["layer_norm_fwd_bwd"] * 2
    for r in rows:
        assert all(math.isfinite(r[k]) and r[k] > 0 for k in ("minigrad_s", "reference_s", "ratio"))
        assert r["check_max_rel_grad_diff"] < 1e-5
