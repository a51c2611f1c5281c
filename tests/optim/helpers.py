"""Shared scaffolding of the optimizer tests.

The first-order tests drive each optimizer with gradients of a fixed separable quadratic,
``f(x) = 0.5 * sum(h * (x - c)^2)`` with gradient ``g(x) = h * (x - c)``, given
directly to ``p.grad`` (so that each step's gradient is known exactly), and
compare the iterates with an independent NumPy recomputation of the
published update written in the test itself. The second-order tests share
closures in the LBFGS style (:func:`closure_for`, :func:`rosenbrock_problem`).
"""

import numpy as np

import minigrad as mg
from minigrad.backend import to_numpy

# Two parameters of different shapes; curvatures and centres chosen so that
# gradients have both signs and differ in size across coordinates.
X0 = [np.array([1.0, -2.0, 0.5]), np.array([[0.3, -0.7], [1.5, 2.0]])]
CURVATURE = [np.array([1.0, 3.0, 0.5]), np.array([[2.0, 0.25], [1.0, 4.0]])]
CENTRE = [np.array([0.2, 0.4, -1.0]), np.array([[-0.5, 0.1], [0.0, 1.0]])]


def quadratic_grad(index, x):
    """Gradient ``h * (x - c)`` of parameter ``index`` of the test quadratic, in NumPy."""
    return CURVATURE[index] * (x - CENTRE[index])


def quadratic_loss(params):
    """The test quadratic as a minigrad expression of the parameter Tensors."""
    total = None
    for p, h, c in zip(params, CURVATURE, CENTRE):
        h_t = mg.tensor(h, dtype=p.dtype, device=p.device)
        c_t = mg.tensor(c, dtype=p.dtype, device=p.device)
        term = (h_t * (p - c_t) ** 2).sum() * 0.5
        total = term if total is None else total + term
    return total


def make_params(device="cpu", dtype=np.float64, values=X0):
    """Fresh leaf Tensors holding copies of ``values``, requiring grad."""
    return [mg.tensor(np.array(v), dtype=dtype, requires_grad=True, device=device) for v in values]


def host(params):
    """NumPy copies of the parameters' data."""
    return [to_numpy(p.data).copy() for p in params]


def set_quadratic_grads(params):
    """Give every parameter the quadratic's gradient at its current value (same dtype and device)."""
    for i, p in enumerate(params):
        g = quadratic_grad(i, to_numpy(p.data).astype(np.float64))
        p.grad = mg.tensor(g, dtype=p.dtype, device=p.device)


def take_steps(optimizer, params, steps):
    """Take ``steps`` steps of ``optimizer`` on the quadratic; return the host iterates after each step."""
    trajectory = []
    for _ in range(steps):
        set_quadratic_grads(params)
        optimizer.step()
        trajectory.append(host(params))
    return trajectory


def run(optimizer_class, steps, device="cpu", dtype=np.float64, **options):
    """Take ``steps`` steps on the quadratic from X0; return the host iterates after each step."""
    params = make_params(device, dtype)
    return take_steps(optimizer_class(params, **options), params, steps)


def one_step(optimizer_class, value, grad, **options):
    """One float64 step from ``value`` with gradient ``grad``; return the parameter and the optimizer."""
    x = mg.tensor(value, dtype=np.float64, requires_grad=True)
    optimizer = optimizer_class([x], **options)
    x.grad = mg.tensor(grad, dtype=np.float64)
    optimizer.step()
    return x, optimizer


def square_closure(optimizer, x):
    """A closure that zeroes the gradients, computes ``sum(x * x)``, back-propagates and returns it."""
    def closure():
        optimizer.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        return loss

    return closure


def closure_for(xy, f):
    """The LBFGS-style closure of ``f()`` (a function of the Tensor ``xy``): clear, evaluate, backward."""
    def closure():
        xy.grad = None
        loss = f()
        loss.backward()
        return loss

    return closure


def rosenbrock_problem(dtype=np.float64, device="cpu", start=(-1.5, 2.0)):
    """f(x, y) = (1 - x)^2 + 100 (y - x^2)^2 from ``start``: its parameter, ``f`` and closure."""
    xy = mg.tensor(np.array(start), dtype=dtype, requires_grad=True, device=device)

    def f():
        return (1 - xy[0]) ** 2 + 100 * (xy[1] - xy[0] ** 2) ** 2

    return xy, f, closure_for(xy, f)


def reference(update, steps):
    """Iterates of a hand-written NumPy update on the quadratic.

    ``update(x, g, state, t)`` returns the new ``x`` of one parameter from its
    gradient ``g`` at step ``t`` (1-based), keeping its running quantities in
    the dict ``state``.
    """
    xs = [v.copy() for v in X0]
    states = [{} for _ in X0]
    trajectory = []
    for t in range(1, steps + 1):
        xs = [update(x, quadratic_grad(i, x), states[i], t) for i, x in enumerate(xs)]
        trajectory.append([x.copy() for x in xs])
    return trajectory


def assert_trajectories_close(actual, expected, rtol=1e-12, atol=1e-14):
    """Compare two lists (per step) of lists (per parameter) of arrays."""
    assert len(actual) == len(expected)
    for step, (got_step, want_step) in enumerate(zip(actual, expected), start=1):
        for i, (got, want) in enumerate(zip(got_step, want_step)):
            np.testing.assert_allclose(got, want, rtol=rtol, atol=atol,
                                       err_msg=f"step {step}, parameter {i}")
