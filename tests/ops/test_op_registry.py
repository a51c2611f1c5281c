"""gradcheck and gradgradcheck for every registered op, layer and loss, on every test device."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import minigrad as mg
from minigrad import ops
from op_registry import OPS, REGISTRY

CASES = [pytest.param(info, sample, id=f"{info.name}-{i}") for info in REGISTRY for i, sample in enumerate(info.samples)]


@pytest.mark.parametrize("info,sample", CASES)
def test_gradcheck(info, sample, device):
    inputs = sample.tensors(device)
    assert mg.gradcheck(info.call(sample), inputs, eps=info.eps, atol=info.atol, rtol=info.rtol,
                        nondet_tol=info.nondet_tol(device))


@pytest.mark.parametrize("info,sample", [c for c in CASES if c.values[0].gradgrad])
def test_gradgradcheck(info, sample, device):
    inputs = sample.tensors(device)
    assert mg.gradgradcheck(info.call(sample), inputs, eps=info.eps, atol=info.atol, rtol=info.rtol,
                            fast_mode=info.gradgrad_fast, nondet_tol=info.nondet_tol(device))


@pytest.mark.parametrize("info,sample", CASES)
def test_fast_mode_agrees(info, sample, device):
    inputs = sample.tensors(device)
    assert mg.gradcheck(info.call(sample), inputs, eps=info.eps, atol=info.atol, rtol=info.rtol, fast_mode=True,
                        nondet_tol=info.nondet_tol(device))


def test_every_public_differentiable_op_is_registered():
    registered = {info.name for info in OPS}
    missing = set(ops.DIFFERENTIABLE) - registered
    assert not missing, f"ops missing from tests/op_registry.py: {sorted(missing)}"
    for name in ops.DIFFERENTIABLE:
        assert callable(getattr(mg, name)), f"minigrad.{name} is not exported"


def test_every_registered_op_has_samples():
    for info in REGISTRY:
        assert info.samples, info.name


BINARY = {"add": mg.add, "sub": mg.sub, "mul": mg.mul, "maximum": mg.maximum, "minimum": mg.minimum}


@settings(max_examples=25, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       name=st.sampled_from(sorted(BINARY)), seed=st.integers(0, 2**16))
def test_broadcasting_binary_ops(shapes, name, seed):
    rng = np.random.default_rng(seed)
    a = mg.tensor(rng.standard_normal(shapes.input_shapes[0]), dtype="float64", requires_grad=True)
    b = mg.tensor(rng.standard_normal(shapes.input_shapes[1]) + 0.01, dtype="float64", requires_grad=True)
    out = BINARY[name](a, b)
    assert out.shape == shapes.result_shape
    assert mg.gradcheck(BINARY[name], (a, b))


@settings(max_examples=15, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3), seed=st.integers(0, 2**16))
def test_broadcasting_div_and_where(shapes, seed):
    rng = np.random.default_rng(seed)
    a = mg.tensor(rng.standard_normal(shapes.input_shapes[0]), dtype="float64", requires_grad=True)
    b = mg.tensor(rng.uniform(0.5, 2, shapes.input_shapes[1]), dtype="float64", requires_grad=True)
    assert mg.gradcheck(mg.div, (a, b))
    cond = mg.tensor(rng.standard_normal(shapes.result_shape) > 0)
    assert mg.gradcheck(lambda x, y: mg.where(cond, x, y), (a, b))
