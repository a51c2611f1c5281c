"""Parameters seen as one flat vector: the view every second-order optimizer works in.

Line searches, quasi-Newton updates and Hessian-vector products are written
in textbooks for a single vector ``x``. These helpers give that view of a list
of parameter Tensors without copying the parameters themselves:

* :func:`flat_grad` concatenates the gradients (zeros where ``p.grad`` is None),
* :func:`flat_params` / :func:`set_flat_params` / :func:`add_flat_to_params`
  read and write the parameter values,
* :func:`evaluate` runs the user's closure and returns ``(loss, value, flat gradient)``
  (``loss`` as the closure returned it, ``value`` as a Python float),
* :func:`hvp_evaluator` runs it once with a recorded backward graph and also hands
  back a function ``v -> H v`` (Hessian-vector products by double backward).

Every flat vector lives on the parameters' device with their dtype, so a
float32 model stays float32 and a CuPy model stays on the GPU. A complex
parameter is two real coordinates per entry in it, its real and imaginary parts
(torch's LBFGS flattens ``view_as_real``), so the vector is real.
"""
from __future__ import annotations

from minigrad.autograd.grad_match import checked_grad
from minigrad.backend import get_array_module
from minigrad.optim.complex_view import as_real


def _real(a):
    """``a``, a complex one as a real view with a last axis of 2 (its coordinates in the flat vector)."""
    return as_real(a) if a.dtype.kind == "c" else a


def check_same_device_and_dtype(params, optimizer_name):
    """Raise one clear error if ``params`` mix devices or (real) dtypes (a flat vector needs one of each)."""
    first = params[0]
    for i, p in enumerate(params):   # complex128 beside float64 is fine: its coordinates are float64 too
        if p.device != first.device or p.data.real.dtype != first.data.real.dtype:
            raise ValueError(
                f"{optimizer_name} keeps all parameters in one flat vector, so they must share a "
                f"device and dtype: parameter 0 is {first.dtype} on {first.device}, "
                f"parameter {i} is {p.dtype} on {p.device}"
            )


def numel(params):
    """Total number of real coordinates in ``params`` (two per complex entry)."""
    return sum(int(_real(p.data).size) for p in params)


def flat_params(params):
    """A new 1-D array holding the values of all ``params`` in order."""
    xp = get_array_module(params[0].data)
    return xp.concatenate([_real(p.data).reshape(-1) for p in params])


def flat_grad(params, who="flat_grad"):
    """A new 1-D array holding all gradients in order (zeros for a parameter without one).

    A ``.grad`` unlike its parameter is refused, naming ``who`` (the optimizer's ``step``): flattened, a transposed
    gradient would be read in the wrong order, and one of another dtype cast without a word."""
    xp = get_array_module(params[0].data)
    parts = []
    for p in params:
        if p.grad is None:
            parts.append(xp.zeros(_real(p.data).size, dtype=_real(p.data).dtype))
        else:
            parts.append(_real(checked_grad(who, p)).reshape(-1))
    return xp.concatenate(parts)


def _slices(params):
    """Yield ``(p, start, stop)`` for each parameter's block of the flat vector."""
    start = 0
    for p in params:
        stop = start + int(_real(p.data).size)
        yield p, start, stop
        start = stop


def set_flat_params(params, vector):
    """Write the flat ``vector`` into the parameters, in place."""
    for p, start, stop in _slices(params):
        x = _real(p.data)
        x[...] = vector[start:stop].reshape(x.shape)


def add_flat_to_params(params, step, direction):
    """In place: ``x <- x + step * direction`` for the flat parameter vector ``x``."""
    for p, start, stop in _slices(params):
        x = _real(p.data)
        x += (step * direction[start:stop]).reshape(x.shape)


def unflatten_like(params, vector):
    """Split a flat ``vector`` into arrays shaped like each parameter (views, no copies)."""
    return [vector[start:stop].reshape(p.data.shape) for p, start, stop in _slices(params)]


def evaluate(closure, params, who="evaluate"):
    """Run ``closure`` (zero grads, loss, backward); return ``(loss, loss as a float, flat gradient)``; ``who``
    names the caller in the refusal of a ``.grad`` unlike its parameter."""
    import minigrad

    with minigrad.enable_grad():
        loss = closure()
    return loss, as_float(loss), flat_grad(params, who)


def as_float(loss):
    """The closure's loss as a Python float (so line-search arithmetic stays out of the arrays)."""
    return float(loss.item()) if hasattr(loss, "item") else float(loss)


def hvp_evaluator(closure, params, who="hvp_evaluator"):
    """Evaluate ``closure`` with a recorded backward graph; return ``(loss, value, g, hvp)``.

    ``hvp(v)`` returns the flat Hessian-vector product ``H v`` by double
    backward: the closure's ``backward`` runs under
    :func:`minigrad.autograd.record_backward_graph`, so every ``p.grad`` is a
    Tensor with a graph, and ``H v = d/dx (g(x) . v)`` is one more
    :func:`minigrad.grad`. ``hvp`` may be called many times (the graph is kept).
    ``who`` names the caller, as in :func:`evaluate`.
    """
    import minigrad
    from minigrad.autograd import record_backward_graph

    for i, p in enumerate(params):
        if p.data.dtype.kind == "c":
            raise TypeError(f"{who}: parameter {i} is complex ({p.data.dtype}, shape {tuple(p.shape)}); "
                            "Hessian-vector products of complex parameters are not supported: use LBFGS, BFGS "
                            "or ConjugateGradient, which need only gradients")
    with minigrad.enable_grad(), record_backward_graph():
        loss = closure()
    grads = [p.grad for p in params]
    g = flat_grad(params, who)
    xp = get_array_module(g)
    # Only gradients that still depend on the parameters carry curvature;
    # a constant gradient (a linear term) contributes H = 0.
    linked = [(p, gp) for p, gp in zip(params, grads) if gp is not None and gp.requires_grad]

    def hvp(v):
        """``H v`` for a flat vector ``v`` (same dtype and device as the parameters)."""
        if not linked:
            return xp.zeros_like(g)
        v_parts = dict(zip((id(p) for p in params), unflatten_like(params, v)))
        with minigrad.enable_grad():
            dot = None
            for p, gp in linked:
                term = (gp * minigrad.tensor(v_parts[id(p)], dtype=p.dtype, device=p.device)).sum()
                dot = term if dot is None else dot + term
            inputs = [p for p, _ in linked]
            hv_parts = minigrad.grad([dot], inputs, retain_graph=True, allow_unused=True)
        by_param = {id(p): h for p, h in zip(inputs, hv_parts)}
        out = []
        for p in params:
            h = by_param.get(id(p))
            if h is None:
                out.append(xp.zeros(p.data.size, dtype=p.data.dtype))
            else:
                out.append(h.data.reshape(-1).astype(p.data.dtype, copy=False))
        return xp.concatenate(out)

    return loss, as_float(loss), g, hvp


def release_graph(params):
    """Detach every ``p.grad`` so a recorded backward graph can be freed."""
    for p in params:
        if p.grad is not None and p.grad.requires_grad:
            p.grad = p.grad.detach()

