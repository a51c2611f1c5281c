"""clip_grad_norm_ on a GPU: the norm is summed and the coefficient applied on the device, with no host read.

The first tests pin the values to the former host-side sum (a Python float per parameter), bit for bit on the
CPU. The last counts host reads with a NumPy stand-in whose 0-d results count every float()/bool()/item().
"""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import grad_clip
from minigrad.optim import clip_grad_norm_
from device_reads import DeviceArray, DeviceModule


def _former_clip(grads, max_norm, norm_type):
    """The former implementation (float() per parameter, a Python-float coefficient), on copies of ``grads``."""
    grads = [g.copy() for g in grads]
    if math.isinf(norm_type):
        total = max(float(np.abs(a).max()) if a.size else 0.0 for a in grads)
    else:
        power_sum = 0.0
        for a in grads:
            if norm_type == 2.0:
                power_sum += float(np.vdot(a.ravel(), a.ravel()))
            elif norm_type == 1.0:
                power_sum += float(np.abs(a).sum())
            else:
                power_sum += float((np.abs(a) ** norm_type).sum())
        total = power_sum ** (1.0 / norm_type)
    coef = max_norm / (total + 1e-6)
    if not coef >= 1.0:
        for g in grads:
            g *= coef
    return total, grads


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, 0.5, math.inf])
@pytest.mark.parametrize("max_norm", [0.37, 1e6])
def test_clip_grad_norm_gives_the_former_values_bit_for_bit(dtype, norm_type, max_norm):
    rng = np.random.default_rng(7)
    grads = [rng.standard_normal(s).astype(dtype) for s in [(5, 3), (7,), (), (0, 2), (2, 2, 2)]]
    want_total, want_grads = _former_clip(grads, max_norm, norm_type)
    params = []
    for g in grads:
        p = mg.tensor(np.zeros_like(g), dtype=g.dtype, requires_grad=True)
        p.grad = mg.tensor(g.copy(), dtype=g.dtype)
        params.append(p)
    total = clip_grad_norm_(params, max_norm, norm_type)
    assert total.dtype == dtype and total.item() == float(np.asarray(want_total, dtype))   # the sum, rounded once
    for p, w in zip(params, want_grads):
        assert p.grad.dtype == dtype
        assert p.grad.numpy().tobytes() == w.tobytes()


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
def test_clip_grad_norm_reads_the_device_once_not_once_per_parameter(monkeypatch, norm_type):
    # float(...) of every parameter's norm waited for the GPU once per parameter (a model's worth per step), and
    # then the returned float once per call
    monkeypatch.setattr(grad_clip, "get_array_module", lambda a: DeviceModule())
    rng = np.random.default_rng(1)
    grads = [rng.standard_normal(s) for s in [(4, 3), (3,), (2, 2)]]
    want_total, want_grads = _former_clip(grads, 0.5, norm_type)
    params = []
    for g in grads:
        p = mg.tensor(np.zeros_like(g), dtype=g.dtype, requires_grad=True)
        p.grad = mg.tensor(g.copy(), dtype=g.dtype)
        p.grad.data = p.grad.data.view(DeviceArray)
        params.append(p)
    DeviceArray.reads = 0
    total = clip_grad_norm_(params, 0.5, norm_type)
    assert DeviceArray.reads == 0   # the norm comes back as a device tensor, as torch's: nothing waits
    assert total.item() == want_total
    for p, w in zip(params, want_grads):
        assert np.asarray(p.grad.data).tobytes() == w.tobytes()
