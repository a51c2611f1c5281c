"""scipy_minimize: minigrad losses handed to scipy.optimize.minimize."""
import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad.backend import to_numpy
from minigrad.optim import scipy_minimize


def rosenbrock(xy):
    return (1 - xy[0]) ** 2 + 100 * (xy[1] - xy[0] ** 2) ** 2


@pytest.mark.parametrize("method", ["L-BFGS-B", "BFGS", "CG", "Newton-CG", "trust-ncg"])
def test_scipy_minimize_solves_rosenbrock(method):
    xy = mg.tensor(np.array([-1.5, 2.0]), dtype=np.float64, requires_grad=True)
    result = scipy_minimize(lambda: rosenbrock(xy), [xy], method=method, tol=1e-12)
    assert result.success, result.message
    np.testing.assert_allclose(result.x, [1.0, 1.0], atol=1e-5)
    np.testing.assert_array_equal(xy.numpy(), result.x)  # written back into the parameter
    assert result.fun < 1e-10


def test_scipy_minimize_accepts_an_optimizer_closure_that_calls_backward():
    xy = mg.tensor(np.array([-1.5, 2.0]), dtype=np.float64, requires_grad=True)

    def closure():
        xy.grad = None
        loss = rosenbrock(xy)
        loss.backward()
        return loss

    result = scipy_minimize(closure, [xy], options={"maxiter": 500}, tol=1e-12)
    np.testing.assert_allclose(xy.numpy(), [1.0, 1.0], atol=1e-5)
    # the gradient SciPy saw is the true one (not doubled by a second backward)
    np.testing.assert_allclose(result.jac, [0.0, 0.0], atol=1e-4)


def test_scipy_minimize_writes_back_in_each_parameters_dtype_and_shape(device):
    # least squares in two parameters of different shapes, float32
    rng = np.random.default_rng(0)
    a_np, t_np = rng.standard_normal((3, 5)), rng.standard_normal((2, 5))
    W = mg.tensor(np.zeros((2, 3)), dtype=np.float32, requires_grad=True, device=device)
    b = mg.tensor(np.zeros((2, 1)), dtype=np.float32, requires_grad=True, device=device)
    a = mg.tensor(a_np, dtype=np.float32, device=device)
    t = mg.tensor(t_np, dtype=np.float32, device=device)
    result = scipy_minimize(lambda: ((W @ a + b - t) ** 2).sum(), [W, b])
    # (float32 losses are too coarse for L-BFGS-B's default ftol to report success; the answer is what counts)
    np.testing.assert_array_equal(np.concatenate([W.numpy().ravel(), b.numpy().ravel()]),
                                  result.x.astype(np.float32))
    assert W.dtype == np.float32 and b.dtype == np.float32
    assert W.shape == (2, 3) and b.shape == (2, 1)
    assert W.device == a.device
    X = np.vstack([a_np, np.ones((1, 5))])
    solution = np.linalg.lstsq(X.T, t_np.T, rcond=None)[0].T
    np.testing.assert_allclose(W.numpy(), solution[:, :3], atol=1e-3)
    np.testing.assert_allclose(b.numpy(), solution[:, 3:], atol=1e-3)


def test_scipy_minimize_passes_options_through():
    xy = mg.tensor(np.array([-1.5, 2.0]), dtype=np.float64, requires_grad=True)
    seen = []
    result = scipy_minimize(lambda: rosenbrock(xy), [xy], method="L-BFGS-B",
                            options={"maxiter": 3}, callback=lambda xk: seen.append(np.copy(xk)))
    assert result.nit == 3 and len(seen) == 3
    assert not result.success


def test_scipy_minimize_rejects_arguments_it_sets_itself():
    xy = mg.tensor(np.array([0.0, 0.0]), requires_grad=True)
    with pytest.raises(ValueError, match="'jac'"):
        scipy_minimize(lambda: rosenbrock(xy), [xy], jac=True)


def test_scipy_minimize_rejects_parameters_without_grad():
    xy = mg.tensor(np.array([0.0, 0.0]))
    with pytest.raises(ValueError, match=r"parameter 0 \(shape \(2,\)\) does not require grad"):
        scipy_minimize(lambda: rosenbrock(xy), [xy])


def test_missing_scipy_says_how_to_install_it(monkeypatch):
    # a None entry in sys.modules makes `import scipy...` raise ImportError
    monkeypatch.setitem(sys.modules, "scipy", None)
    monkeypatch.setitem(sys.modules, "scipy.optimize", None)
    xy = mg.tensor(np.array([0.0, 0.0]), requires_grad=True)
    with pytest.raises(ImportError, match=r"pip install scipy.*minigrad\[scipy\]"):
        scipy_minimize(lambda: rosenbrock(xy), [xy])


def test_scipy_minimize_refuses_complex_parameters():
    # SciPy's vector is float64: the imaginary parts were dropped without a word (|z - 1j|^2 ended at 0, not 1j)
    z = mg.tensor(np.array([1 + 2j]), dtype=np.complex128, requires_grad=True)
    with pytest.raises(TypeError, match=r"scipy_minimize: parameter 0 is complex \(complex128, shape \(1,\)\)"):
        scipy_minimize(lambda: ((z - 1j).abs() ** 2).sum(), [z])
    np.testing.assert_array_equal(to_numpy(z.data), [1 + 2j])
