"""Second-order and line-search optimizers: convergence on Rosenbrock and on quadratics with known answers."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import BFGS, LBFGS, Adam, ConjugateGradient, Newton, NewtonCG
from optim.helpers import closure_for, rosenbrock_problem


def quadratic_problem(n=5, seed=0):
    """f(x) = 1/2 x^T A x - b^T x with a known SPD A (distinct eigenvalues 1..n): x* = A^{-1} b."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = q @ np.diag(np.arange(1.0, n + 1.0)) @ q.T
    b = rng.standard_normal(n)
    A_t, b_t = mg.tensor(A, dtype=np.float64), mg.tensor(b, dtype=np.float64)
    x = mg.tensor(np.zeros(n), dtype=np.float64, requires_grad=True)
    closure = closure_for(x, lambda: 0.5 * ((A_t @ x) * x).sum() - (b_t * x).sum())
    return x, closure, np.linalg.solve(A, b)


def iterations_to_reach(optimizer, f, closure, target, max_steps):
    """Number of step() calls until f < target (max_steps + 1 if never)."""
    for k in range(1, max_steps + 1):
        optimizer.step(closure)
        if f().item() < target:
            return k
    return max_steps + 1


def test_lbfgs_strong_wolfe_solves_rosenbrock_within_100_iterations():
    xy, f, closure = rosenbrock_problem()
    opt = LBFGS([xy], line_search_fn="strong_wolfe", max_iter=100, max_eval=500,
                tolerance_grad=1e-12, tolerance_change=1e-15)
    opt.step(closure)
    assert f().item() < 1e-8
    assert opt.state[xy]["n_iter"] <= 100
    np.testing.assert_allclose(xy.numpy(), [1.0, 1.0], atol=1e-4)


def test_lbfgs_one_iteration_per_step_counts_iterations_like_one_long_step():
    xy, f, closure = rosenbrock_problem()
    # the line search spends what max_eval leaves of the step, as torch's: max_iter=1's default max_eval of 1 leaves
    # it its first trial only (Rosenbrock's from (-1.5, 2) is rejected, and x stays there, torch's too)
    opt = LBFGS([xy], line_search_fn="strong_wolfe", max_iter=1, max_eval=25, tolerance_grad=1e-12,
                tolerance_change=1e-15)
    assert iterations_to_reach(opt, f, closure, 1e-8, 100) <= 100


@pytest.mark.parametrize("make", [
    lambda p: NewtonCG(p, forcing_max=0.01),
    lambda p: BFGS(p),
    lambda p: Newton(p),
    lambda p: ConjugateGradient(p),
], ids=["NewtonCG(forcing_max=0.01)", "BFGS", "Newton", "ConjugateGradient"])
def test_second_order_methods_solve_rosenbrock_in_under_100_iterations(make):
    xy, f, closure = rosenbrock_problem()
    iterations = iterations_to_reach(make([xy]), f, closure, 1e-8, 100)
    assert iterations <= 100
    np.testing.assert_allclose(xy.numpy(), [1.0, 1.0], atol=1e-3)


@pytest.mark.parametrize("lr", [1e-3, 1e-2, 1e-1])
def test_adam_does_not_reach_1e_8_on_rosenbrock_in_1000_steps(lr):
    # the contrast the second-order methods are measured against
    xy, f, closure = rosenbrock_problem()
    opt = Adam([xy], lr=lr)
    assert iterations_to_reach(opt, f, closure, 1e-8, 1000) > 1000


def test_every_second_order_method_needs_far_fewer_iterations_than_adam():
    xy, f, closure = rosenbrock_problem()
    adam_iterations = iterations_to_reach(Adam([xy], lr=1e-2), f, closure, 1e-8, 5000)
    assert 1000 < adam_iterations <= 5000  # Adam gets there, slowly
    for make in (Newton, NewtonCG, BFGS, ConjugateGradient, lambda p: LBFGS(p, line_search_fn="strong_wolfe", max_iter=1)):
        xy, f, closure = rosenbrock_problem()
        assert iterations_to_reach(make([xy]), f, closure, 1e-8, 200) < adam_iterations / 10


def test_newton_cg_with_the_textbook_forcing_term_converges_on_rosenbrock():
    # eta_k = min(0.5, sqrt(||g_k||)) (N&W Alg. 7.1): slower far away, superlinear near the minimum
    xy, f, closure = rosenbrock_problem()
    opt = NewtonCG([xy])
    assert iterations_to_reach(opt, f, closure, 1e-8, 200) <= 200
    np.testing.assert_allclose(xy.numpy(), [1.0, 1.0], atol=1e-3)


def test_newton_solves_a_quadratic_in_one_step():
    x, closure, x_star = quadratic_problem()
    Newton([x]).step(closure)
    np.testing.assert_allclose(x.numpy(), x_star, rtol=1e-10, atol=1e-12)


def test_newton_without_line_search_takes_the_full_newton_step():
    x, closure, x_star = quadratic_problem(seed=3)
    Newton([x], line_search_fn=None).step(closure)
    np.testing.assert_allclose(x.numpy(), x_star, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("beta", ["PR+", "FR"])
def test_conjugate_gradient_with_exact_line_search_solves_a_quadratic_in_n_steps(beta):
    n = 5
    x, closure, x_star = quadratic_problem(n=n, seed=1)
    # c2 tiny makes the strong-Wolfe search exact; nonlinear CG is then linear CG
    opt = ConjugateGradient([x], beta=beta, c1=1e-12, c2=1e-9)
    for _ in range(n - 1):
        opt.step(closure)
    assert np.linalg.norm(x.numpy() - x_star) > 1e-4  # not yet: CG needs all n directions
    opt.step(closure)
    np.testing.assert_allclose(x.numpy(), x_star, rtol=1e-6, atol=1e-6)


def test_bfgs_with_exact_line_search_solves_a_quadratic_in_n_steps():
    n = 5
    x, closure, x_star = quadratic_problem(n=n, seed=2)
    opt = BFGS([x], c1=1e-12, c2=1e-9)
    for _ in range(n):
        opt.step(closure)
    np.testing.assert_allclose(x.numpy(), x_star, rtol=1e-6, atol=1e-6)


def test_newton_cg_solves_a_quadratic_in_a_few_steps():
    x, closure, x_star = quadratic_problem(n=6, seed=4)
    opt = NewtonCG([x])
    for _ in range(8):
        opt.step(closure)
    np.testing.assert_allclose(x.numpy(), x_star, rtol=1e-8, atol=1e-8)


def test_lbfgs_without_line_search_makes_progress_on_a_quadratic():
    x, closure, x_star = quadratic_problem(seed=5)
    opt = LBFGS([x], max_iter=50, tolerance_grad=1e-12, tolerance_change=1e-15)
    opt.step(closure)
    np.testing.assert_allclose(x.numpy(), x_star, rtol=1e-6, atol=1e-6)
