"""dtype policy: float32 stays float32 through forward and backward; scalars never promote;
float64 on request; mixed floating dtypes are refused."""
import numpy as np
import pytest

import minigrad as mg


def _walk(root):
    """Every tensor reachable from ``root`` through creators and their inputs (iteratively)."""
    seen, stack, out = set(), [root], []
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        out.append(t)
        if t.creator is not None and t.creator.inputs is not None:
            stack.extend(t.creator.inputs)
    return out


def _mlp(dtype, device):
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((8, 5)), dtype=dtype, device=device)
    labels = mg.tensor(rng.integers(0, 3, 8), device=device)
    sizes = [(5, 6), (6, 4), (4, 3)]
    params = []
    for fan_in, fan_out in sizes:
        params.append(mg.tensor(rng.standard_normal((fan_in, fan_out)) * 0.5, dtype=dtype,
                                requires_grad=True, device=device))
        params.append(mg.tensor(rng.standard_normal(fan_out) * 0.1, dtype=dtype,
                                requires_grad=True, device=device))
    w1, b1, w2, b2, w3, b3 = params
    h = (x @ w1 + b1).relu()
    h = (h @ w2 + b2).tanh()
    h = (h @ w3 + b3).sigmoid() * 4.0 - 2.0
    logp = h - h.logsumexp(axis=1, keepdims=True)
    picked = logp[mg.arange(8, device=device), labels]
    loss = -picked.mean() + 0.01 * (w1 ** 2).sum() + (h.var(axis=0) / 10).mean()
    return loss, params


def test_float32_mlp_forward_and_backward_stay_float32(device):
    loss, params = _mlp(None, device)
    graph = _walk(loss)
    assert len(graph) > 30
    float_dtypes = {str(t.dtype) for t in graph if t.dtype.kind == "f"}
    assert float_dtypes == {"float32"}
    loss.backward()
    for p in params:
        assert p.grad is not None
        assert p.grad.dtype == np.float32 and p.grad.shape == p.shape


def test_float32_mlp_backward_graph_is_float32(device):
    # With create_graph every array made during backward is a recorded tensor: walk them all.
    loss, params = _mlp(None, device)
    grads = mg.grad(loss, params, create_graph=True)
    for g in grads:
        assert g.dtype == np.float32
        backward_tensors = _walk(g)
        assert {str(t.dtype) for t in backward_tensors if t.dtype.kind == "f"} == {"float32"}
    (hv,) = mg.grad(grads[0].sum(), params[0])
    assert hv.dtype == np.float32


def test_float64_mlp_on_request(device):
    loss, params = _mlp("float64", device)
    assert {str(t.dtype) for t in _walk(loss) if t.dtype.kind == "f"} == {"float64"}
    loss.backward()
    assert all(p.grad.dtype == np.float64 for p in params)


def test_float32_and_float64_mlps_agree(device):
    loss32, params32 = _mlp(None, device)
    loss64, params64 = _mlp("float64", device)
    np.testing.assert_allclose(loss32.item(), loss64.item(), rtol=1e-5)
    loss32.backward()
    loss64.backward()
    for p32, p64 in zip(params32, params64):
        np.testing.assert_allclose(p32.grad.numpy(), p64.grad.numpy(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("expr", [
    lambda x: x * 2.0, lambda x: 2.0 / x, lambda x: x ** 2, lambda x: x + 1, lambda x: x - 0.5,
    lambda x: 1 - x, lambda x: x / 3, lambda x: x ** 0.5, lambda x: 2.0 ** x, lambda x: -x * 1e-3,
    lambda x: mg.maximum(x, 0.0), lambda x: mg.where(x > 1.0, x, 0.0), lambda x: x * np.float64(2.0),
    lambda x: x + np.array([1.0, 2.0]), lambda x: mg.clip(x, 0.5, 1.5),
])
def test_python_scalars_never_promote_float32(expr, device):
    x = mg.tensor([1.0, 2.0], requires_grad=True, device=device)
    y = expr(x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize("other", [
    lambda d: mg.arange(3, device=d),
    lambda d: mg.tensor([True, False, True], device=d),
    lambda d: np.arange(3),
])
def test_integer_and_bool_operands_do_not_promote_float32(other, device):
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True, device=device)
    o = other(device)
    y = x * o + o
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), np.asarray(o.numpy() if isinstance(o, mg.Tensor) else o,
                                                             dtype=np.float32))


def test_int_tensor_times_float32_matmul_and_where(device):
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, device=device)
    i = mg.tensor([[1, 0], [0, 2]], device=device)
    y = (i @ x) + mg.where(x > 2.0, i, x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_float64_operations_on_request(device):
    x = mg.tensor([1.0, 2.0], dtype="float64", requires_grad=True, device=device)
    y = (x * 2.0 + 1).exp() / 3
    assert y.dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad.numpy(), 2.0 * np.exp(np.array([3.0, 5.0])) / 3, rtol=1e-14)


@pytest.mark.parametrize("op", [mg.add, mg.sub, mg.mul, mg.div, mg.pow, mg.maximum, mg.minimum, mg.matmul])
def test_mixed_float32_float64_is_refused_naming_both(op, device):
    a = mg.tensor([1.0, 2.0], device=device)
    b = mg.tensor([1.0, 2.0], dtype="float64", device=device)
    with pytest.raises(TypeError, match=rf"{op.__name__}: .*float32 and float64"):
        op(a, b)
    with pytest.raises(TypeError, match="float64 and float32"):
        op(b, a)


def test_mixed_dtypes_refused_by_concat_and_where(device):
    a = mg.tensor([1.0, 2.0], device=device)
    b = mg.tensor([1.0, 2.0], dtype="float64", device=device)
    with pytest.raises(TypeError, match=r"concat: .*float32.*float64"):
        mg.concat([a, b])
    with pytest.raises(TypeError, match=r"stack: .*float32.*float64"):
        mg.stack([a, b])
    with pytest.raises(TypeError, match=r"where: .*float32 and float64"):
        mg.where(a > 1.0, a, b)


def test_reductions_and_activations_keep_float32(device):
    x = mg.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -3.0]], requires_grad=True, device=device)
    outs = [x.sum(), x.mean(axis=0), x.var(axis=1), x.max(), x.min(axis=0), x.logsumexp(axis=1),
            x.exp(), x.abs().log(), x.abs().sqrt(), x.sin(), x.cos(), x.tanh(), x.sigmoid(), x.relu(),
            x.leaky_relu(0.2), x.softplus(), x.clip(-1.0, 1.0), x.T, x.reshape(3, 2), x[0], x.flatten()]
    for y in outs:
        assert y.dtype == np.float32
    total = outs[0]
    for y in outs[1:]:
        total = total + y.sum()
    total.backward()
    assert x.grad.dtype == np.float32


def test_python_floats_meeting_integer_tensors_or_nothing_are_float32(device):
    i = mg.arange(3, device=device)
    assert (i * 0.5).dtype == np.float32
    assert (0.5 + i).dtype == np.float32
    assert (i * 2).dtype == np.int64
    assert (mg.tensor([True, False], device=device) * 2).dtype == np.int64
    np.testing.assert_array_equal((i * 0.5).numpy(), [0.0, 0.5, 1.0])
    mask = mg.tensor([True, False, True], device=device)
    w = mg.where(mask, 1.0, 0.0)
    assert w.dtype == np.float32
    np.testing.assert_array_equal(w.numpy(), [1.0, 0.0, 1.0])
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True, device=device)
    y = (x * (i * 0.5) * w).sum()
    assert y.dtype == np.float32
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 1.0])


def test_integer_division_and_mean_give_float32():
    assert (mg.arange(3) / 2).dtype == np.float32
    assert (mg.arange(3) / mg.arange(1, 4)).dtype == np.float32
    assert mg.arange(4).mean().dtype == np.float32
    np.testing.assert_allclose((mg.arange(3) / 2).numpy(), [0.0, 0.5, 1.0])
    np.testing.assert_allclose(mg.arange(4).mean().item(), 1.5)
