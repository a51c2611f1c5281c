"""Run optimizers on a 2-D surface and record where they go."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import minigrad
from minigrad import optim

#: Stop a run once its point leaves this box (it diverged) or its loss is within this of the minimum.
DIVERGED_AT = 1e3
CONVERGED_AT = 1e-14


@dataclass
class Path:
    """One optimizer's trajectory: ``points[k]`` after k steps and ``losses[k] = f(points[k])``."""

    name: str
    points: np.ndarray
    losses: np.ndarray


def optimizer_zoo(surface):
    """``{name: make(params)}`` for every minigrad optimizer, with step sizes suited to ``surface``.

    Line-search and Newton-type methods need no step size. LBFGS runs one
    iteration per ``step()`` so that every method's step is one iteration.
    """
    sgd_lr, adaptive_lr = surface.lr["sgd"], surface.lr["adaptive"]
    return {
        "SGD": lambda p: optim.SGD(p, lr=sgd_lr),
        "Momentum": lambda p: optim.SGD(p, lr=sgd_lr, momentum=0.9),
        "Nesterov": lambda p: optim.SGD(p, lr=sgd_lr, momentum=0.9, nesterov=True),
        "Adagrad": lambda p: optim.Adagrad(p, lr=10 * adaptive_lr),
        "RMSprop": lambda p: optim.RMSprop(p, lr=adaptive_lr / 5),
        "Adadelta": lambda p: optim.Adadelta(p, lr=1.0),
        "Adam": lambda p: optim.Adam(p, lr=adaptive_lr),
        "AdamW": lambda p: optim.AdamW(p, lr=adaptive_lr, weight_decay=1e-2),
        "Adamax": lambda p: optim.Adamax(p, lr=adaptive_lr),
        "NAdam": lambda p: optim.NAdam(p, lr=adaptive_lr),
        # RAdam's first steps are un-normalised momentum SGD (its warm-up), so it gets a smaller step
        "RAdam": lambda p: optim.RAdam(p, lr=adaptive_lr / 5),
        # max_eval=25: with max_iter=1 the default (1) would leave the line search its first trial only
        "LBFGS": lambda p: optim.LBFGS(p, max_iter=1, max_eval=25, line_search_fn="strong_wolfe",
                                         tolerance_grad=1e-12, tolerance_change=1e-15),
        "NewtonCG": lambda p: optim.NewtonCG(p),
        "CG": lambda p: optim.ConjugateGradient(p),
        "BFGS": lambda p: optim.BFGS(p),
        "Newton": lambda p: optim.Newton(p),
    }


#: The optimizers whose step() needs the closure (they evaluate the loss several times).
CLOSURE_METHODS = ("LBFGS", "NewtonCG", "CG", "BFGS", "Newton")


def _start(surface):
    """The surface's start point as a leaf, and the closure that evaluates the surface there."""
    xy = minigrad.tensor(np.array(surface.start), dtype=np.float64, requires_grad=True)

    def closure():
        xy.grad = None
        loss = surface.fn(xy[0], xy[1])
        loss.backward()
        return loss

    return xy, closure


def run(surface, name, make, steps):
    """Run ``make([xy])`` for ``steps`` steps from ``surface.start``; return the :class:`Path`.

    The run stops early once the loss is within :data:`CONVERGED_AT` of the
    minimum, or the point is not finite or leaves the ``DIVERGED_AT`` box.
    """
    xy, closure = _start(surface)

    optimizer = make([xy])
    points = [xy.numpy().copy()]
    losses = [float(surface.fn(*points[0]))]
    with np.errstate(all="ignore"):
        for _ in range(steps):
            if name in CLOSURE_METHODS:
                optimizer.step(closure)
            else:
                closure()
                optimizer.step()
            point = xy.numpy().copy()
            if not np.all(np.isfinite(point)) or np.abs(point).max() > DIVERGED_AT:
                break
            points.append(point)
            losses.append(float(surface.fn(*point)))
            if losses[-1] - surface.min_value < CONVERGED_AT:
                break
    return Path(name, np.array(points), np.array(losses))


def run_all(surface, steps, names=None):
    """Every optimizer of :func:`optimizer_zoo` (or those in ``names``) on ``surface``."""
    zoo = optimizer_zoo(surface)
    return [run(surface, name, make, steps) for name, make in zoo.items() if names is None or name in names]


def curvature_history(surface, lr, steps):
    """Plain gradient descent on ``surface``, recording ``(loss, g^T g, g^T H g)`` before each step.

    The diagnostic of Goodfellow et al. 8.2.1: a step of size ``lr`` lowers the
    loss only while ``lr/2 g^T H g < g^T g``.
    """
    xy, closure = _start(surface)

    rows = []
    for _ in range(steps):
        g_g, g_hg = optim.gradient_curvature(closure, [xy])
        rows.append((closure().item(), g_g, g_hg))
        with minigrad.no_grad():
            xy.data -= lr * xy.grad.data  # x <- x - lr g
    return np.array(rows)
