"""Agreement with torch in tests: run one computation in minigrad and in torch on the same arrays, with the same
output cotangent, and compare the outputs and every input's gradient."""
import numpy as np
import torch

import minigrad as mg

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


def same(ours, theirs, rtol=1e-12):
    """A minigrad result equal to torch's: shape, dtype and values (float64 rounding by default)."""
    theirs = theirs.detach().numpy()
    assert ours.shape == theirs.shape
    assert ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=rtol, atol=1e-13)
