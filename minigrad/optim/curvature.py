"""The ill-conditioning diagnostic of Goodfellow, Bengio & Courville, *Deep Learning*, section 8.2.1.

A gradient step ``x - eps g`` changes the loss by about (second-order Taylor)::

    f(x - eps g) ~ f(x) - eps g^T g + (eps^2 / 2) g^T H g

Ill-conditioning shows when ``eps^2/2 g^T H g`` grows past ``eps g^T g``:
the gradient norm keeps growing while learning slows. Watching both terms over
training (the book's Figure 8.1) tells whether a small step size is to blame.
"""
from __future__ import annotations

from minigrad.optim import param_vector


def gradient_curvature(closure, params):
    """Return ``(g^T g, g^T H g)`` at the current parameters, as Python floats.

    ``closure`` is the usual optimizer closure (zero grads, loss,
    ``loss.backward()``, return loss); it runs once with a recorded backward
    graph, and ``H g`` is one Hessian-vector product by double backward.
    Afterwards each ``p.grad`` holds the plain gradient (no graph).
    """
    params = list(params)
    if not params:
        raise ValueError("gradient_curvature got an empty parameter list")
    param_vector.check_same_device_and_dtype(params, "gradient_curvature")
    _, _, g, hvp = param_vector.hvp_evaluator(closure, params, "gradient_curvature")
    g_hg = float(g @ hvp(g))
    param_vector.release_graph(params)
    return float(g @ g), g_hg


def step_loss_change(g_g, g_hg, lr):
    """The predicted change of the loss after one gradient step: ``-lr g^T g + lr^2/2 g^T H g``."""
    return -lr * g_g + 0.5 * lr * lr * g_hg
