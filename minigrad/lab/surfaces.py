"""Two-dimensional test surfaces for watching optimizers move.

Each surface's formula is written once with ``+ - * **`` only, so the same
function evaluates a minigrad Tensor (for the optimizers) and a NumPy grid
(for the contour plot).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Surface:
    """A 2-D function with where to start, where to look and where its minimum is.

    Attributes:
        name: a short file-name-friendly name.
        title: the formula, for plot titles.
        fn: ``fn(x, y)`` on Tensors or arrays.
        start: the starting point of every optimizer.
        xlim, ylim: the plotted window.
        minimum: a global minimizer (or the one the optimizers head for).
        min_value: ``fn`` at the minimum (loss plots show ``fn - min_value``).
        lr: step sizes for this surface: ``"sgd"`` for plain and momentum SGD,
            ``"adaptive"`` for the per-coordinate methods (Adagrad, RMSprop, Adam, ...).
    """

    name: str
    title: str
    fn: Callable
    start: tuple
    xlim: tuple
    ylim: tuple
    minimum: tuple
    min_value: float
    lr: dict


def rosenbrock(x, y):
    """Rosenbrock's banana valley: minimum 0 at (1, 1)."""
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


def beale(x, y):
    """Beale's function: minimum 0 at (3, 0.5), flat plateaus and steep walls."""
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2 + (2.625 - x + x * y ** 3) ** 2


def saddle(x, y):
    """``x^2 + y^4/4 - y^2``: a saddle at (0, 0), minima -1 at (0, +-sqrt 2)."""
    return x ** 2 + 0.25 * y ** 4 - y ** 2


def ravine(x, y):
    """An ill-conditioned quadratic ravine, ``0.05 x^2 + 5 y^2`` (condition number 100)."""
    return 0.05 * x ** 2 + 5 * y ** 2


SURFACES = {
    "rosenbrock": Surface("rosenbrock", r"Rosenbrock $(1-x)^2 + 100(y-x^2)^2$", rosenbrock, (-1.5, 2.0),
                          (-2.0, 2.0), (-1.0, 3.0), (1.0, 1.0), 0.0, {"sgd": 1e-3, "adaptive": 5e-2}),
    "beale": Surface("beale", "Beale", beale, (0.7, 1.4), (-0.5, 4.0), (-1.0, 2.0), (3.0, 0.5), 0.0,
                     {"sgd": 1e-2, "adaptive": 5e-2}),
    "saddle": Surface("saddle", r"Saddle $x^2 + y^4/4 - y^2$", saddle, (-1.5, 0.05), (-2.0, 2.0), (-2.0, 2.0),
                      (0.0, 2.0 ** 0.5), -1.0, {"sgd": 5e-2, "adaptive": 5e-2}),
    "ravine": Surface("ravine", r"Ravine $0.05x^2 + 5y^2$", ravine, (-4.0, 1.0), (-5.0, 5.0), (-1.5, 1.5),
                      (0.0, 0.0), 0.0, {"sgd": 0.12, "adaptive": 0.1}),
}
