"""Second-order optimizers: safeguards, size limits, validation, dtypes, devices and checkpoints."""
import re

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import BFGS, LBFGS, ConjugateGradient, Newton, NewtonCG
from minigrad.optim.newton import damped_cholesky_solve, truncated_cg
from optim.helpers import closure_for, rosenbrock_problem


def saddle_problem(start=(0.1, 0.3), dtype=np.float64, device="cpu"):
    """f(x, y) = x^2 + y^4/4 - y^2: a saddle at 0, minima f = -1 at (0, +-sqrt 2).

    Gradient (2x, y^3 - 2y); Hessian diag(2, 3y^2 - 2), indefinite for |y| < sqrt(2/3).
    """
    xy = mg.tensor(np.array(start), dtype=dtype, requires_grad=True, device=device)

    def f():
        return xy[0] ** 2 + 0.25 * xy[1] ** 4 - xy[1] ** 2

    return xy, f, closure_for(xy, f)


# ---------------------------------------------------------------- NewtonCG: negative curvature
def test_truncated_cg_matches_a_direct_solve_on_a_positive_definite_system():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((6, 6))
    H = A @ A.T + 6 * np.eye(6)
    g = rng.standard_normal(6)
    p, negative = truncated_cg(lambda v: H @ v, g, tolerance=1e-12, max_iter=6)
    assert not negative
    np.testing.assert_allclose(p, np.linalg.solve(H, -g), rtol=1e-9, atol=1e-12)


def test_truncated_cg_falls_back_to_steepest_descent_on_negative_curvature_at_once():
    H = np.diag([2.0, -1.0])
    g = np.array([0.1, 1.0])  # d = -g has d^T H d = 0.02 - 1 < 0
    p, negative = truncated_cg(lambda v: H @ v, g, tolerance=1e-12, max_iter=2)
    assert negative
    np.testing.assert_array_equal(p, -g)


def test_truncated_cg_stops_at_the_current_iterate_on_later_negative_curvature():
    H = np.diag([4.0, -1.0])
    g = np.array([1.0, 0.1])  # first direction: d^T H d = 4 - 0.01 > 0; the next one sees -1
    p, negative = truncated_cg(lambda v: H @ v, g, tolerance=1e-12, max_iter=2)
    assert negative
    alpha = (g @ g) / (g @ H @ g)  # the first CG step along -g
    np.testing.assert_allclose(p, -alpha * g, rtol=1e-12)
    assert p @ g < 0  # still a descent direction


def test_newton_cg_takes_a_steepest_descent_step_at_a_saddle_and_then_converges():
    xy, f, closure = saddle_problem()
    x0 = xy.numpy().copy()
    g0 = np.array([2 * x0[0], x0[1] ** 3 - 2 * x0[1]])
    opt = NewtonCG([xy])
    f0 = opt.step(closure).item()
    assert opt.state[xy]["negative_curvature"]
    move = xy.numpy() - x0
    # the move is a positive multiple of -g0
    np.testing.assert_allclose(move[0] * g0[1] - move[1] * g0[0], 0.0, atol=1e-12)
    assert move @ g0 < 0
    assert f().item() < f0
    for _ in range(20):
        opt.step(closure)
    np.testing.assert_allclose(xy.numpy(), [0.0, np.sqrt(2.0)], atol=1e-6)
    np.testing.assert_allclose(f().item(), -1.0, rtol=1e-10)


# ---------------------------------------------------------------- Newton: damping
def test_damped_cholesky_follows_nocedal_wright_algorithm_3_3():
    H = np.diag([2.0, -1.73])
    g = np.array([0.2, -0.573])
    p, tau = damped_cholesky_solve(H, g, beta=1e-3)
    np.testing.assert_allclose(tau, 1.73 + 1e-3, rtol=1e-12)  # tau_0 = -min H_ii + beta succeeds
    np.testing.assert_allclose(p, -g / (np.diag(H) + tau), rtol=1e-10)


def test_damped_cholesky_doubles_tau_until_positive_definite():
    # positive diagonal but indefinite: tau_0 = 0 fails, then beta, 2 beta, 4 beta, ...
    H = np.array([[1.0, 2.0], [2.0, 1.0]])  # eigenvalues 3 and -1
    p, tau = damped_cholesky_solve(H, np.array([1.0, 0.0]), beta=0.25)
    assert tau == 2.0  # 0.25, 0.5, 1.0 (singular or worse), then 2.0
    np.testing.assert_allclose((H + tau * np.eye(2)) @ p, [-1.0, 0.0], atol=1e-12)


def test_damped_cholesky_detects_failure_when_the_backend_does_not_raise(monkeypatch):
    # CuPy's cholesky returns a partial factor instead of raising; emulate that on NumPy
    real_cholesky = np.linalg.cholesky

    def silent_cholesky(A):
        try:
            return real_cholesky(A)
        except np.linalg.LinAlgError:
            return np.tril(A)  # finite garbage with a positive diagonal

    monkeypatch.setattr(np.linalg, "cholesky", silent_cholesky)
    H = np.array([[1.0, 2.0], [2.0, 1.0]])  # eigenvalues 3 and -1
    p, tau = damped_cholesky_solve(H, np.array([1.0, 0.0]), beta=0.25)
    assert tau == 2.0
    np.testing.assert_allclose((H + tau * np.eye(2)) @ p, [-1.0, 0.0], atol=1e-12)


def test_damped_cholesky_leaves_a_positive_definite_hessian_alone():
    H = np.array([[4.0, 1.0], [1.0, 3.0]])
    g = np.array([1.0, 2.0])
    p, tau = damped_cholesky_solve(H, g)
    assert tau == 0.0
    np.testing.assert_allclose(p, np.linalg.solve(H, -g), rtol=1e-12)


def test_newton_damps_an_indefinite_hessian_and_moves_downhill():
    xy, f, closure = saddle_problem()
    opt = Newton([xy], line_search_fn=None)  # full step, so the move is exactly the damped Newton step
    opt.step(closure)
    tau = 1.73 + 1e-3  # Hessian diag(2, 3 * 0.3^2 - 2 = -1.73)
    np.testing.assert_allclose(opt.state[xy]["damping"], tau, rtol=1e-12)
    expected = np.array([0.1, 0.3]) - np.array([0.2, 0.3 ** 3 - 0.6]) / (np.array([2.0, -1.73]) + tau)
    np.testing.assert_allclose(xy.numpy(), expected, rtol=1e-10)


def test_newton_with_line_search_escapes_the_saddle_to_a_minimum():
    xy, f, closure = saddle_problem()
    opt = Newton([xy])
    for _ in range(15):
        opt.step(closure)
    np.testing.assert_allclose(xy.numpy(), [0.0, np.sqrt(2.0)], atol=1e-8)
    assert opt.state[xy]["damping"] == 0.0  # near the minimum the Hessian is positive definite


# ---------------------------------------------------------------- size limits
def test_bfgs_refuses_more_than_5000_parameters_naming_the_count():
    big = mg.zeros(5001, requires_grad=True)
    with pytest.raises(ValueError, match=r"5001 x 5001 .*at most 5000 parameters, but got 5001"):
        BFGS([big])
    BFGS([mg.zeros(5000, requires_grad=True)])  # the limit itself is fine


def test_newton_refuses_more_than_1000_parameters_naming_the_count():
    with pytest.raises(ValueError, match=r"at most 1000 parameters, but got 1200"):
        Newton([mg.zeros(30, 40, requires_grad=True)])
    with pytest.raises(ValueError, match=r"at most 10 parameters, but got 12"):
        Newton([mg.zeros(12, requires_grad=True)], max_params=10)


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize("make, message", [
    (lambda p: LBFGS(p, lr=-1), "Invalid learning rate: -1"),
    (lambda p: LBFGS(p, history_size=0), "Invalid history_size: 0"),
    (lambda p: LBFGS(p, max_iter=2.5), "Invalid max_iter: 2.5"),
    (lambda p: LBFGS(p, line_search_fn="armijo"), "Invalid line_search_fn: 'armijo'"),
    (lambda p: LBFGS(p, tolerance_grad=-1e-3), "Invalid tolerance_grad: -0.001"),
    (lambda p: ConjugateGradient(p, beta="HS"), "Invalid beta: 'HS'"),
    (lambda p: ConjugateGradient(p, lr=0), "Invalid learning rate: 0"),
    (lambda p: ConjugateGradient(p, c1=0.5, c2=0.1), "Invalid Wolfe constants: c1=0.5, c2=0.1"),
    (lambda p: ConjugateGradient(p, restart_every=0), "Invalid restart_every: 0"),
    (lambda p: BFGS(p, c2=1.5), "Invalid Wolfe constants: c1=0.0001, c2=1.5"),
    (lambda p: BFGS(p, max_ls=0), "Invalid max_ls: 0"),
    (lambda p: Newton(p, damping=0), "Invalid damping: 0"),
    (lambda p: Newton(p, line_search_fn="backtracking"), "Invalid line_search_fn: 'backtracking'"),
    (lambda p: NewtonCG(p, max_cg_iter=0), "Invalid max_cg_iter: 0"),
    (lambda p: NewtonCG(p, forcing_max=1.0), "Invalid forcing_max: 1.0"),
    (lambda p: NewtonCG(p, lr=-0.5), "Invalid learning rate: -0.5"),
])
def test_bad_hyperparameters_are_rejected_with_their_value(make, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make([mg.zeros(2, requires_grad=True)])


# counts: integers (Python or NumPy) >= 1, never a bool or a float; checked before they are used
COUNT_CASES = [
    (lambda p: LBFGS(p, max_iter="x"), "Invalid max_iter: 'x' (expected an integer >= 1)"),
    (lambda p: LBFGS(p, max_iter=0), "Invalid max_iter: 0 (expected an integer >= 1)"),
    (lambda p: LBFGS(p, max_iter=True), "Invalid max_iter: True (expected an integer >= 1)"),
    (lambda p: LBFGS(p, max_iter=np.int64(0)), "Invalid max_iter: 0 (expected an integer >= 1)"),
    (lambda p: LBFGS(p, max_eval=2.5), "Invalid max_eval: 2.5 (expected an integer >= 1)"),
    (lambda p: LBFGS(p, history_size=True), "Invalid history_size: True (expected an integer >= 1)"),
    (lambda p: LBFGS(p, history_size=np.float64(3.0)), "Invalid history_size: 3.0 (expected an integer >= 1)"),
    (lambda p: BFGS(p, max_ls=False), "Invalid max_ls: False (expected an integer >= 1)"),
    (lambda p: BFGS(p, max_params=0), "Invalid max_params: 0 (expected an integer >= 1)"),
    (lambda p: BFGS(p, max_params=10.5), "Invalid max_params: 10.5 (expected an integer >= 1)"),
    (lambda p: BFGS(p, max_params="big"), "Invalid max_params: 'big' (expected an integer >= 1)"),
    (lambda p: Newton(p, max_params=-1), "Invalid max_params: -1 (expected an integer >= 1)"),
    (lambda p: Newton(p, max_params=True), "Invalid max_params: True (expected an integer >= 1)"),
    (lambda p: NewtonCG(p, max_cg_iter=True), "Invalid max_cg_iter: True (expected None or an integer >= 1)"),
    (lambda p: ConjugateGradient(p, restart_every=2.0),
     "Invalid restart_every: 2.0 (expected None or an integer >= 1)"),
]


@pytest.mark.parametrize("make, message", COUNT_CASES, ids=[m for _, m in COUNT_CASES])
def test_bad_counts_are_rejected_with_their_value(make, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make([mg.zeros(2, requires_grad=True)])


@pytest.mark.parametrize("make", [
    lambda p: LBFGS(p, max_iter=np.int64(5), history_size=np.int32(3)),
    lambda p: LBFGS(p, max_iter=np.int64(5), max_eval=np.int64(7)),
    lambda p: BFGS(p, max_ls=np.int64(10), max_params=np.int64(10)),
    lambda p: Newton(p, max_params=np.int16(10)),
    lambda p: NewtonCG(p, max_cg_iter=np.int64(2)),
    lambda p: ConjugateGradient(p, restart_every=np.int64(2)),
], ids=["LBFGS", "LBFGS-max_eval", "BFGS", "Newton", "NewtonCG", "CG"])
def test_numpy_integer_counts_are_accepted_and_work(make):
    xy, _, closure = rosenbrock_problem()
    opt = make([xy])
    for _ in range(3):
        opt.step(closure)
    assert np.all(np.isfinite(xy.numpy()))


def test_lbfgs_with_a_numpy_max_iter_matches_the_same_python_int():
    xy_a, _, closure_a = rosenbrock_problem()
    xy_b, _, closure_b = rosenbrock_problem()
    opt_a = LBFGS([xy_a], max_iter=5, lr=0.1)
    opt_b = LBFGS([xy_b], max_iter=np.int64(5), lr=0.1)
    for _ in range(3):
        opt_a.step(closure_a)
        opt_b.step(closure_b)
    np.testing.assert_array_equal(xy_b.numpy(), xy_a.numpy())
    assert opt_b.state[xy_b]["func_evals"] == opt_a.state[xy_a]["func_evals"]


@pytest.mark.parametrize("cls", [LBFGS, ConjugateGradient, BFGS, Newton, NewtonCG])
def test_step_without_closure_says_what_the_closure_must_do(cls):
    opt = cls([mg.zeros(2, requires_grad=True)])
    with pytest.raises(ValueError, match=f"{cls.__name__}.step needs a closure .*loss.backward"):
        opt.step()


@pytest.mark.parametrize("cls", [LBFGS, ConjugateGradient, BFGS, Newton, NewtonCG])
def test_mixed_dtypes_are_rejected_naming_both(cls):
    a = mg.zeros(2, requires_grad=True)
    b = mg.zeros(3, dtype=np.float64, requires_grad=True)
    with pytest.raises(ValueError, match="parameter 0 is float32 on cpu, parameter 1 is float64 on cpu"):
        cls([a, b])


@pytest.mark.parametrize("cls", [LBFGS, ConjugateGradient, BFGS, Newton, NewtonCG])
def test_parameter_groups_are_rejected(cls):
    with pytest.raises(ValueError, match=rf"^{cls.__name__} doesn't support per-parameter options \(parameter "
                                         r"groups\): it steps one group's parameters as one flat vector, so a "
                                         r"second group"):
        cls([{"params": [mg.zeros(2, requires_grad=True)]}, {"params": [mg.zeros(2, requires_grad=True)]}])


@pytest.mark.parametrize("cls", [LBFGS, ConjugateGradient, BFGS, Newton, NewtonCG])
def test_a_param_group_added_later_is_refused(cls):
    # the flat vector holds the constructor's parameters only: a group added later was never stepped (b stayed
    # at 3 while a went to 0); torch's LBFGS refuses it at step() ("Expected exactly one param_group, but got 2")
    a = mg.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    b = mg.tensor([3.0], dtype=np.float64, requires_grad=True)
    opt = cls([a])
    with pytest.raises(ValueError, match=f"{cls.__name__} doesn't support per-parameter options .*add_param_group"):
        opt.add_param_group({"params": [b]})
    assert len(opt.param_groups) == 1 and opt.param_groups[0]["params"] == [a]


# ---------------------------------------------------------------- dtypes, devices, several parameters
@pytest.mark.parametrize("make", [
    lambda p: LBFGS(p, line_search_fn="strong_wolfe", max_iter=5),
    lambda p: LBFGS(p, lr=1e-3, max_iter=5),
    lambda p: ConjugateGradient(p),
    lambda p: BFGS(p),
    lambda p: Newton(p),
    lambda p: NewtonCG(p),
], ids=["LBFGS-wolfe", "LBFGS", "CG", "BFGS", "Newton", "NewtonCG"])
def test_float32_stays_float32_and_on_its_device(make, device):
    xy, _, closure = rosenbrock_problem(dtype=np.float32, device=device)
    data_before = xy.data
    opt = make([xy])
    first = opt.step(closure)
    assert first.shape == () and first.dtype == np.float32  # the closure's own loss Tensor
    first = first.item()
    for _ in range(4):
        opt.step(closure)
    assert xy.data is data_before  # updated in place
    assert xy.data.dtype == np.float32 and xy.device == mg.tensor([0.0], device=device).device
    assert closure().item() < first
    for value in opt.state[xy].values():
        arrays = value if isinstance(value, list) else [value]
        for a in arrays:
            if hasattr(a, "dtype") and hasattr(a, "shape"):
                assert a.dtype == np.float32, a.dtype
                assert type(a) is type(xy.data)


@pytest.mark.parametrize("make", [
    lambda p: LBFGS(p, line_search_fn="strong_wolfe", max_iter=100, tolerance_grad=1e-12, tolerance_change=1e-15),
    lambda p: BFGS(p),
    lambda p: Newton(p),
    lambda p: NewtonCG(p),
    lambda p: ConjugateGradient(p),
], ids=["LBFGS", "BFGS", "Newton", "NewtonCG", "CG"])
def test_several_parameters_of_different_shapes_form_one_problem(make):
    # f(W, b) = sum((W a + b - t)^2) + 0.1 (||W||^2 + ||b||^2): a ridge regression with known optimum
    rng = np.random.default_rng(1)
    a_np, t_np = rng.standard_normal((3, 4)), rng.standard_normal((2, 4))
    W = mg.tensor(np.zeros((2, 3)), dtype=np.float64, requires_grad=True)
    b = mg.tensor(np.zeros((2, 1)), dtype=np.float64, requires_grad=True)
    a, t = mg.tensor(a_np, dtype=np.float64), mg.tensor(t_np, dtype=np.float64)

    def closure():
        W.grad = b.grad = None
        loss = ((W @ a + b - t) ** 2).sum() + 0.1 * ((W ** 2).sum() + (b ** 2).sum())
        loss.backward()
        return loss

    opt = make([W, b])
    for _ in range(30):
        opt.step(closure)
    # normal equations of the ridge problem in the unknowns [W | b]
    X = np.vstack([a_np, np.ones((1, 4))])
    solution = t_np @ X.T @ np.linalg.inv(X @ X.T + 0.1 * np.eye(4))
    np.testing.assert_allclose(W.numpy(), solution[:, :3], atol=1e-6)
    np.testing.assert_allclose(b.numpy(), solution[:, 3:], atol=1e-6)


# ---------------------------------------------------------------- checkpoints
def test_lbfgs_state_dict_round_trip_continues_identically():
    xy_a, _, closure_a = rosenbrock_problem()
    opt_a = LBFGS([xy_a], line_search_fn="strong_wolfe", max_iter=3, max_eval=100, history_size=4)
    for _ in range(3):
        opt_a.step(closure_a)
    saved = opt_a.state_dict()
    state = saved["state"][0]
    assert state["n_iter"] == 9 and len(state["old_steps"]) == 4 and len(state["rhos"]) == 4
    assert saved["param_groups"][0]["history_size"] == 4 and saved["param_groups"][0]["params"] == [0]

    xy_b, _, closure_b = rosenbrock_problem()
    xy_b.data[...] = xy_a.data
    opt_b = LBFGS([xy_b], line_search_fn="strong_wolfe", max_iter=3, max_eval=100, history_size=4)
    opt_b.load_state_dict(saved)
    before = [s.copy() for s in state["old_steps"]]
    opt_a.step(closure_a)
    opt_b.step(closure_b)
    np.testing.assert_array_equal(xy_b.numpy(), xy_a.numpy())
    assert opt_b.state[xy_b]["n_iter"] == opt_a.state[xy_a]["n_iter"] == 12
    for s_saved, s_before in zip(saved["state"][0]["old_steps"], before):
        np.testing.assert_array_equal(s_saved, s_before)  # later steps did not touch the saved copy


def test_lbfgs_state_dict_round_trip_keeps_float32():
    xy, _, closure = rosenbrock_problem(dtype=np.float32)
    opt = LBFGS([xy], line_search_fn="strong_wolfe", max_iter=4)
    opt.step(closure)
    fresh = LBFGS([xy], line_search_fn="strong_wolfe", max_iter=4)
    fresh.load_state_dict(opt.state_dict())
    assert fresh.state[xy]["prev_flat_grad"].dtype == np.float32
    assert all(s.dtype == np.float32 for s in fresh.state[xy]["old_steps"])


@pytest.mark.parametrize("cls", [ConjugateGradient, BFGS])
def test_one_iteration_methods_resume_from_a_state_dict(cls):
    xy_a, _, closure_a = rosenbrock_problem()
    opt_a = cls([xy_a])
    for _ in range(4):
        opt_a.step(closure_a)
    xy_b, _, closure_b = rosenbrock_problem()
    xy_b.data[...] = xy_a.data
    opt_b = cls([xy_b])
    opt_b.load_state_dict(opt_a.state_dict())
    for _ in range(3):
        opt_a.step(closure_a)
        opt_b.step(closure_b)
    np.testing.assert_array_equal(xy_b.numpy(), xy_a.numpy())


# ---------------------------------------------------------------- Hessian-vector products
def test_hvp_evaluator_matches_the_hand_derived_hessian(device):
    from minigrad.optim import param_vector

    # f(x, y; z) = x^2 y^3 + sin(z) x: H with respect to (x, y, z)
    x = mg.tensor(np.array([1.0, 2.0]), dtype=np.float64, requires_grad=True, device=device)
    z = mg.tensor(np.array([0.5]), dtype=np.float64, requires_grad=True, device=device)

    def closure():
        x.grad = z.grad = None
        loss = x[0] ** 2 * x[1] ** 3 + (mg.sin(z) * x[0]).sum()
        loss.backward()
        return loss

    loss, value, g, hvp = param_vector.hvp_evaluator(closure, [x, z])
    a, b, c = 1.0, 2.0, 0.5
    assert value == loss.item()
    np.testing.assert_allclose(value, a * a * b ** 3 + np.sin(c) * a, rtol=1e-12)
    np.testing.assert_allclose(mg.backend.to_numpy(g), [2 * a * b ** 3 + np.sin(c), 3 * a * a * b * b, np.cos(c) * a],
                               rtol=1e-12)
    H = np.array([[2 * b ** 3, 6 * a * b * b, np.cos(c)],
                  [6 * a * b * b, 6 * a * a * b, 0.0],
                  [np.cos(c), 0.0, -np.sin(c) * a]])
    v = np.array([0.3, -1.0, 2.0])
    xp = mg.backend.get_array_module(g)
    np.testing.assert_allclose(mg.backend.to_numpy(hvp(xp.asarray(v))), H @ v, rtol=1e-12)
    np.testing.assert_allclose(mg.backend.to_numpy(hvp(xp.asarray(v))), H @ v, rtol=1e-12)  # graph kept


def test_hvp_through_network_layers_matches_finite_differences_of_the_gradient(device):
    # Newton-type optimizers trust double backward through every layer and loss; check it on an MLP
    from minigrad import nn
    from minigrad.optim import param_vector

    rng = np.random.default_rng(0)
    net = nn.Network(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 3)).to(device)
    params = net.parameters()
    for p in params:
        p.data = p.data.astype(np.float64)  # float64 so a central difference is accurate
    X = mg.tensor(rng.standard_normal((16, 5)), dtype=np.float64, device=device)
    y = mg.tensor(rng.integers(0, 3, 16), device=device)
    loss_fn = nn.CrossEntropyLoss()

    def closure():
        for p in params:
            p.grad = None
        loss = loss_fn(net(X), y)
        loss.backward()
        return loss

    _, _, g, hvp = param_vector.hvp_evaluator(closure, params)
    xp = mg.backend.get_array_module(g)
    v = xp.asarray(rng.standard_normal(g.size))
    hv = mg.backend.to_numpy(hvp(v))
    x0, h = param_vector.flat_params(params), 1e-6
    param_vector.set_flat_params(params, x0 + h * v)
    g_plus = mg.backend.to_numpy(param_vector.evaluate(closure, params)[2])
    param_vector.set_flat_params(params, x0 - h * v)
    g_minus = mg.backend.to_numpy(param_vector.evaluate(closure, params)[2])
    np.testing.assert_allclose(hv, (g_plus - g_minus) / (2 * h), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("make", [
    lambda p: LBFGS(p, line_search_fn="strong_wolfe", max_iter=3),
    lambda p: ConjugateGradient(p),
    lambda p: BFGS(p),
    lambda p: Newton(p),
    lambda p: NewtonCG(p),
], ids=["LBFGS", "CG", "BFGS", "Newton", "NewtonCG"])
def test_state_dict_survives_a_checkpoint_file(make, tmp_path):
    xy_a, _, closure_a = rosenbrock_problem()
    opt_a = make([xy_a])
    for _ in range(3):
        opt_a.step(closure_a)
    path = tmp_path / "optimizer.npz"
    mg.save({"optimizer": opt_a.state_dict(), "xy": xy_a.numpy()}, path)
    loaded = mg.load(path)

    xy_b, _, closure_b = rosenbrock_problem()
    xy_b.data[...] = loaded["xy"]
    opt_b = make([xy_b])
    opt_b.load_state_dict(loaded["optimizer"])
    for _ in range(2):
        opt_a.step(closure_a)
        opt_b.step(closure_b)
    np.testing.assert_array_equal(xy_b.numpy(), xy_a.numpy())


@pytest.mark.parametrize("name", ["LBFGS", "BFGS", "ConjugateGradient", "NewtonCG", "Newton"])
def test_numpy_scalar_lr_keeps_float32(name):
    # A NumPy float64 learning rate must not turn float32 parameters or their state float64.
    import minigrad.optim as optim_mod

    w = mg.tensor([1.5, -0.5], requires_grad=True)
    opt = getattr(optim_mod, name)([w], lr=np.float64(0.5))

    def closure():
        opt.zero_grad()
        loss = ((w - 1.0) * (w - 1.0)).sum()
        loss.backward()
        return loss

    for _ in range(3):
        opt.step(closure)
    assert w.dtype == np.float32
    for state in opt.state.values():
        for value in state.values():
            if hasattr(value, "dtype") and value.dtype.kind == "f":
                assert value.dtype == np.float32, value
