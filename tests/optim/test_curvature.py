"""The ill-conditioning diagnostic (g^T g, g^T H g) of Goodfellow et al. 8.2.1."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.optim.curvature import gradient_curvature, step_loss_change


def quadratic(H_np, b_np, x_np, dtype=np.float64, device="cpu"):
    """f(x) = 1/2 x^T H x + b^T x: gradient H x + b, Hessian H."""
    H, b = mg.tensor(H_np, dtype=dtype, device=device), mg.tensor(b_np, dtype=dtype, device=device)
    x = mg.tensor(x_np, dtype=dtype, requires_grad=True, device=device)

    def closure():
        x.grad = None
        loss = 0.5 * ((H @ x) * x).sum() + (b * x).sum()
        loss.backward()
        return loss

    return x, closure


def test_gradient_curvature_on_a_quadratic_with_known_hessian(device):
    H = np.array([[100.0, 2.0, 0.0], [2.0, 1.0, 0.5], [0.0, 0.5, 0.01]])  # ill-conditioned
    b = np.array([1.0, -2.0, 0.5])
    x0 = np.array([0.3, -1.0, 2.0])
    x, closure = quadratic(H, b, x0, device=device)
    g_g, g_hg = gradient_curvature(closure, [x])
    g = H @ x0 + b
    np.testing.assert_allclose(g_g, g @ g, rtol=1e-12)
    np.testing.assert_allclose(g_hg, g @ H @ g, rtol=1e-12)
    assert isinstance(g_g, float) and isinstance(g_hg, float)
    assert not x.grad.requires_grad  # the recorded graph is released
    np.testing.assert_allclose(x.grad.numpy(), g, rtol=1e-12)


def test_gradient_curvature_keeps_float32():
    H = np.diag([3.0, 0.5])
    x, closure = quadratic(H, np.zeros(2), np.array([1.0, 2.0]), dtype=np.float32)
    g_g, g_hg = gradient_curvature(closure, [x])
    np.testing.assert_allclose(g_g, 9.0 + 1.0, rtol=1e-6)
    np.testing.assert_allclose(g_hg, 27.0 + 0.5, rtol=1e-6)
    assert x.dtype == np.float32 and x.grad.dtype == np.float32


def test_predicted_loss_change_is_exact_on_a_quadratic():
    # for a quadratic the second-order Taylor expansion is exact: f(x - lr g) - f(x) = -lr g^T g + lr^2/2 g^T H g
    H = np.array([[4.0, 1.0], [1.0, 2.0]])
    x, closure = quadratic(H, np.array([0.5, -1.0]), np.array([1.0, 1.0]))
    f0 = closure().item()
    g_g, g_hg = gradient_curvature(closure, [x])
    lr = 0.3
    x.data[...] = x.data - lr * x.grad.data
    np.testing.assert_allclose(closure().item() - f0, step_loss_change(g_g, g_hg, lr), rtol=1e-12)


def test_linear_loss_has_zero_curvature():
    x = mg.tensor(np.array([1.0, 2.0]), dtype=np.float64, requires_grad=True)

    def closure():
        x.grad = None
        loss = (x * mg.tensor(np.array([3.0, -1.0]), dtype=np.float64)).sum()
        loss.backward()
        return loss

    assert gradient_curvature(closure, [x]) == (10.0, 0.0)


def test_empty_parameter_list_is_rejected():
    with pytest.raises(ValueError, match="empty parameter list"):
        gradient_curvature(lambda: None, [])
