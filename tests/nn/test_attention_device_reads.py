"""Masked attention on a GPU reads nothing back: it asked ``bool(dead.any())`` (is some query row masked
throughout?) in every forward, a wait for the device per attention layer per step. On a GPU the fully masked rows'
path now runs unasked (its where()s change nothing where no row is dead); NumPy keeps its cheap test. The stand-in
counts every read of a value back to the host."""
import importlib

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import functional as F
from device_reads import DeviceArray, DeviceModule

attention = importlib.import_module("minigrad.nn.functional.attention")


def _run(keep):
    rng = np.random.default_rng(2)
    q, k, v = (mg.tensor(rng.standard_normal((2, 3, 4)), dtype=mg.float64, requires_grad=True) for _ in range(3))
    mask = mg.tensor(keep)
    mask.data = mask.data.view(DeviceArray)   # the mask as a device array: dead_rows of it is one too
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    out.sum().backward()
    return [out.numpy()] + [t.grad.numpy() for t in (q, k, v)]


@pytest.mark.parametrize("dead_row", [False, True])
def test_masked_attention_reads_nothing_back_on_a_gpu(monkeypatch, dead_row):
    keep = np.tril(np.ones((3, 3), dtype=bool))
    if dead_row:
        keep[1] = False   # query 1 may attend to no key: its output and gradients are 0, not NaN
    DeviceArray.reads = 0
    want = _run(keep)
    assert DeviceArray.reads == 1   # NumPy's path asks, on the host
    monkeypatch.setattr(attention, "get_array_module", lambda a: DeviceModule())
    DeviceArray.reads = 0
    got = _run(keep)
    assert DeviceArray.reads == 0
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    assert np.isfinite(got[0]).all() and (got[0][:, 1] == 0).all() == dead_row
