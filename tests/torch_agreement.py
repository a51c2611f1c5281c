"""Agreement with torch in tests: run one computation in minigrad and in torch on the same arrays, with the same
output cotangent, and compare the outputs and every input's gradient."""
import numpy as np
import torch

import minigrad as mg
from minigrad.io import from_torch, to_torch

# float64 agrees to rounding; float32 to a few ulps of values of order 1.
TOL = {"float64": dict(rtol=1e-12, atol=1e-14), "float32": dict(rtol=2e-6, atol=2e-6)}


def values(shape, dtype, seed=0, scale=3.0):
    """Normal data times ``scale`` whose first entries are far tails (+-100, +-1000), 0 and 20 (softplus threshold)."""
    x = np.random.default_rng(seed).standard_normal(shape) * scale
    x.flat[:6] = [-100.0, 100.0, 0.0, -1000.0, 1000.0, 20.0][: x.size]
    return x.astype(dtype)


def run(fn, arrays, g, lib, dtype):
    """fn's output and the gradients of <g, fn(*arrays)> for every array, in minigrad or torch."""
    if lib == "mg":
        xs = [mg.tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
        y = fn(*xs)
        y.backward(mg.tensor(g, dtype=dtype))
        return y.numpy(), [x.grad.numpy() for x in xs]
    xs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = fn(*xs)
    y.backward(torch.tensor(g))
    return y.detach().numpy(), [x.grad.numpy() for x in xs]


def agree(fm, ft, arrays, dtype="float64", tol=None, seed=1):
    """Assert that ``fm`` (minigrad) and ``ft`` (torch) give the same output and input gradients; return ours."""
    tol = tol or TOL[dtype]
    arrays = [np.asarray(a, dtype=dtype) for a in arrays]
    g = cotangent(ft, arrays, seed)
    y, grads = run(fm, arrays, g, "mg", dtype)
    ty, tgrads = run(ft, arrays, g, "torch", dtype)
    assert y.dtype == np.dtype(dtype) and y.shape == ty.shape
    np.testing.assert_allclose(y, ty, **tol)
    for got, expected in zip(grads, tgrads):
        assert got.dtype == np.dtype(dtype)
        np.testing.assert_allclose(got, expected, **tol)
    return y, grads


def cotangent(ft, arrays, seed):
    """A random output gradient of the shape of ``ft(*arrays)``, in the arrays' dtype."""
    shape = ft(*[torch.tensor(a) for a in arrays]).shape
    return np.random.default_rng(seed).standard_normal(tuple(shape)).astype(arrays[0].dtype)


def pair(array, requires_grad=True):
    """The same float64 values as a minigrad and a torch tensor."""
    return (mg.tensor(array, dtype="float64", requires_grad=requires_grad),
            torch.tensor(array, dtype=torch.float64, requires_grad=requires_grad))


def close_scaled(actual, expected, what, rtol, atol):
    """Equal within ``rtol``, with an absolute slack of ``atol`` times the largest finite magnitude of ``expected``
    (at least 1: entries that cancel to near 0 keep the rounding of the terms they came from), NaN where it has NaN
    and the same infinities; ``what`` names the compared quantity in the failure."""
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} vs torch's {expected.shape}"
    finite = expected[np.isfinite(expected)]
    scale = float(np.abs(finite).max()) if finite.size else 1.0
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol * max(1.0, scale), equal_nan=True,
                               err_msg=what)


def same(ours, theirs, rtol=1e-12):
    """A minigrad result equal to torch's: shape, dtype and values (float64 rounding by default)."""
    theirs = theirs.detach().numpy()
    assert ours.shape == theirs.shape
    assert ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=rtol, atol=1e-13)


def _call_on_sample(fn, sample, dtype, make):
    arrays = [a.astype(dtype) if isinstance(a, np.ndarray) else a for a in sample.args]
    inputs = [make(a) if isinstance(a, np.ndarray) else a for a in arrays]
    return fn(*inputs, **sample.kwargs), [x for x in inputs if x is not None and not isinstance(x, (int, float, str,
                                                                                                     tuple))]


def sample_agrees(fn, tfn, sample, dtype, device, tol):
    """Assert that ``fn`` (minigrad) and ``tfn`` (torch) agree on a registry sample: the output's dtype, shape and
    values, and the gradient of every array argument under one random output cotangent, within ``tol``."""
    out, ins = _call_on_sample(fn, sample, dtype,
                               lambda a: mg.tensor(a, dtype=dtype, device=device, requires_grad=True))
    tout, tins = _call_on_sample(tfn, sample, dtype, lambda a: torch.tensor(a, requires_grad=True))
    assert out.dtype == np.dtype(dtype) and out.shape == tuple(tout.shape)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), **tol)
    g = np.random.default_rng(0).standard_normal(out.shape).astype(dtype)
    (out * mg.tensor(g, dtype=dtype, device=device)).sum().backward()
    tout.backward(torch.tensor(g))
    assert len(ins) == len(tins) >= 1
    for x, tx in zip(ins, tins):
        assert x.grad.dtype == np.dtype(dtype)
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), **tol)


def _torch_layer(make, dtype):
    layer = make().to(getattr(torch, dtype))
    with torch.no_grad():  # away from the starting values, so a swap of weight and bias shows
        for i, p in enumerate(layer.parameters()):
            p.copy_(torch.tensor(np.random.default_rng(10 + i).standard_normal(tuple(p.shape))))
    return layer


def layer_agrees(make, make_torch, shape, dtype, tol):
    """Assert that the layer ``make(dtype)`` with the weights of torch's ``make_torch()`` (random, loaded through
    from_torch) has torch's state-dict names and shapes, output, input gradient and parameter gradients."""
    tl = _torch_layer(make_torch, dtype)
    layer = make(dtype)
    state = {k: v.numpy() for k, v in tl.state_dict().items()}
    assert list(layer.state_dict()) == list(state)
    assert {k: v.shape for k, v in layer.state_dict().items()} == {k: v.shape for k, v in state.items()}
    layer.load_state_dict(from_torch(layer, state))
    x = (np.random.default_rng(2).standard_normal(shape) * 2 + 0.5).astype(dtype)
    xm = mg.tensor(x, dtype=dtype, requires_grad=True)
    y = layer(xm)
    xt = torch.tensor(x, requires_grad=True)
    ty = tl(xt)
    assert y.shape == tuple(ty.shape) and y.dtype == np.dtype(dtype)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), **tol)
    g = np.random.default_rng(3).standard_normal(y.shape).astype(dtype)
    y.backward(mg.tensor(g, dtype=dtype))
    ty.backward(torch.tensor(g))
    assert xm.grad.dtype == np.dtype(dtype)
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), **tol)
    tparams = dict(tl.named_parameters())
    assert [n for n, _ in layer.named_parameters()] == list(tparams)
    for n, p in layer.named_parameters():
        assert p.dtype == p.grad.dtype == np.dtype(dtype)
        np.testing.assert_allclose(p.grad.numpy(), tparams[n].grad.numpy(), **tol)


def backward_both(ours, theirs, x, tx, rng):
    """x.grad and tx.grad agree after the same random cotangent (drawn from ``rng``) is sent back through both
    outputs."""
    cot = rng.standard_normal(tuple(theirs.shape))
    (ours * mg.tensor(cot, dtype="float64")).sum().backward()
    (theirs * torch.tensor(cot)).sum().backward()
    same(x.grad, tx.grad)


def grads_match(ours, theirs, xs, txs, rng):
    """The outputs agree, and so does every input's gradient after one random cotangent (drawn from ``rng``) per
    output (a list of outputs joins them). An input torch gives no gradient gets none or zeros from minigrad."""
    ours = ours if isinstance(ours, (list, tuple)) else [ours]
    theirs = theirs if isinstance(theirs, (list, tuple)) else [theirs]
    loss, tloss = 0.0, 0.0
    for o, t in zip(ours, theirs):
        same(o, t)
        cot = rng.standard_normal(tuple(t.shape))
        loss = loss + (o * mg.tensor(cot, dtype="float64")).sum()
        tloss = tloss + (t * torch.tensor(cot)).sum()
    loss.backward()
    tloss.backward()
    for x, tx in zip(xs, txs):
        if tx.grad is None:
            assert x.grad is None or not x.grad.numpy().any()
        else:
            same(x.grad, tx.grad)


def second_derivatives_match(fn, tfn, arrays, rng):
    """d/dx <u, dL/dx> for L = <c, fn(x)>, in minigrad (create_graph) and in torch (c and u drawn from ``rng``)."""
    xs = [mg.tensor(a, dtype="float64", requires_grad=True) for a in arrays]
    txs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    y, ty = fn(*xs), tfn(*txs)
    c = rng.standard_normal(tuple(ty.shape))
    gs = mg.grad((y * mg.tensor(c, dtype="float64")).sum(), xs, create_graph=True)
    tgs = torch.autograd.grad((ty * torch.tensor(c)).sum(), txs, create_graph=True)
    us = [rng.standard_normal(a.shape) for a in arrays]
    h = mg.grad(sum((g * mg.tensor(u, dtype="float64")).sum() for g, u in zip(gs, us)), xs, allow_unused=True)
    th = torch.autograd.grad(sum((g * torch.tensor(u)).sum() for g, u in zip(tgs, us)), txs, allow_unused=True)
    for a, b in zip(h, th):
        if b is None:
            assert a is None or not a.numpy().any()
        elif a is None:   # no path to this input in minigrad's recorded gradient: torch's must be 0
            assert not b.detach().numpy().any()
        else:
            same(a, b, rtol=1e-10)


def given_dtype(a, dtype=None):
    """``a`` as a minigrad tensor of its own NumPy dtype (or ``dtype``): float64 data stays float64."""
    a = np.asarray(a)
    return mg.tensor(a, dtype=dtype or str(a.dtype))


def pairs_agree(fn, tfn, arrays, rng):
    """``fn`` and ``tfn`` on the same float64 arrays: values and the gradients of every input agree (``grads_match``,
    its cotangents drawn from ``rng``); returns minigrad's output."""
    pairs = [pair(a) for a in arrays]
    ours, theirs = fn(*[p[0] for p in pairs]), tfn(*[p[1] for p in pairs])
    grads_match(ours, theirs, [p[0] for p in pairs], [p[1] for p in pairs], rng)
    return ours


def layer_gradients_agree(mine, theirs, shape, rng, tol, backward=True):
    """A minigrad layer and its torch twin on one float64 input of ``shape`` (drawn from ``rng``): the outputs agree,
    and, after the same random cotangent, every parameter's gradient, named and laid out as torch's (``to_torch``)."""
    x = rng.standard_normal(shape)
    y, ty = mine(mg.tensor(x, dtype=mg.float64)), theirs(torch.tensor(x))
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), **tol)
    if not backward:
        return
    g = rng.standard_normal(ty.shape)
    (y * mg.tensor(g, dtype=mg.float64)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    grads = to_torch(mine, {name: p.grad.numpy() for name, p in mine.named_parameters()})
    theirs_grads = {name: p.grad.numpy() for name, p in theirs.named_parameters()}
    assert list(grads) == list(theirs_grads)
    for name in grads:
        np.testing.assert_allclose(grads[name], theirs_grads[name], err_msg=name, **tol)


def torch_state(layer):
    """A torch layer's state dict as NumPy copies."""
    return {k: v.detach().numpy().copy() for k, v in layer.state_dict().items()}


def state_names_and_shapes_as_torch(mine, theirs):
    """Same state-dict keys in the same order, with torch's shapes (``to_torch`` layouts), and the same parameter and
    buffer names in the same order."""
    state, theirs_state = mine.state_dict(), torch_state(theirs)
    assert list(state) == list(theirs_state)
    assert {k: v.shape for k, v in to_torch(mine, state).items()} == {k: v.shape for k, v in theirs_state.items()}
    assert [n for n, _ in mine.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in mine.named_buffers()] == [n for n, _ in theirs.named_buffers()]
