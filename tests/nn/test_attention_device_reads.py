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


def test_causal_attention_on_a_gpu_runs_no_fully_masked_rows_path(monkeypatch):
    # A causal mask (query i sees keys 0..i) never shuts a row off entirely, yet on a GPU the fully masked rows'
    # path ran for it unasked: two more where()s over the (..., L, S) scores in every forward, and their backward
    rng = np.random.default_rng(3)
    q, k, v = (mg.tensor(rng.standard_normal((2, 3, 4)), dtype=mg.float64, requires_grad=True) for _ in range(3))
    want = F.scaled_dot_product_attention(q, k, v, is_causal=True).numpy()
    where = attention.ops.where
    calls = []
    monkeypatch.setattr(attention.ops, "where", lambda *args, **kw: calls.append(1) or where(*args, **kw))
    monkeypatch.setattr(attention, "get_array_module", lambda a: DeviceModule())
    got = F.scaled_dot_product_attention(q, k, v, is_causal=True).numpy()
    assert len(calls) == 1   # the causal mask's own where()
    np.testing.assert_array_equal(got, want)
    calls.clear()
    mha = mg.nn.MultiheadAttention(4, 2, dtype=mg.float64)
    x = mg.tensor(rng.standard_normal((3, 1, 4)), dtype=mg.float64)
    mha(x, x, x, attn_mask=mg.tensor(~np.tril(np.ones((3, 3), dtype=bool))), is_causal=True, need_weights=False)
    assert len(calls) == 1
